"""What the tool writes must be safe to open: URLs without credentials, only http(s) links, CSV
cells a spreadsheet will not execute, options checked before the network is touched.

>>> strip_credentials("https://user:secret@api.example.org:8443/v1?x=1")
'https://api.example.org:8443/v1?x=1'
>>> http_url("javascript:alert(1)") is None, http_url("https://doi.org/10.5555/x")
(True, 'https://doi.org/10.5555/x')
>>> csv_cell("=HYPERLINK(\\"http://evil.example\\",\\"x\\")")[:3], csv_cell("-0.5"), csv_cell("plain")
("'=H", '-0.5', 'plain')
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# OWASP "CSV Injection": a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MAILTO = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\Z")


def strip_credentials(url: str | None) -> str | None:
    """``url`` without ``user:password@`` (and with nothing else changed); None stays None."""
    if not url or "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@]*@", "//", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def http_url(value: Any) -> str | None:
    """``value`` as an http(s) URL with a host and no credentials, or None if it is anything else."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return strip_credentials(value)


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a Crossref base URL (http(s), a host, no whitespace), or None."""
    if http_url(url) is None:
        shown = strip_credentials(url) or ""
        return f"{shown!r} is not an http:// or https:// address with a host"
    return None


def mailto_problem(address: str) -> str | None:
    """Why ``address`` cannot be sent as the polite-pool contact, or None when it looks like one."""
    if not _MAILTO.match(address or "") or len(address) > 254:
        return f"{address!r} is not an e-mail address like name@example.org (one line, no spaces)"
    return None


def csv_cell(value: Any) -> Any:
    """A cell value a spreadsheet will show as text: formulas get a leading apostrophe (OWASP).

    Numbers (``-0.5``, ``+3``) are left alone; anything else starting with ``= + - @``, a tab, a
    carriage return or a line feed (or their full-width forms) is prefixed with ``'``.
    """
    if not isinstance(value, str) or not value or not value.startswith(FORMULA_START):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


def csv_text(value: str) -> str:
    """The text of a cell :func:`csv_cell` wrote: its protective apostrophe removed.

    >>> csv_text(csv_cell("=1+1")), csv_text("'quoted'")
    ('=1+1', "'quoted'")
    """
    if value.startswith("'") and value[1:].startswith(FORMULA_START) and not _NUMBER.match(value[1:]):
        return value[1:]
    return value


def csv_row(values) -> list:
    """Every cell of a row made safe with :func:`csv_cell`."""
    return [csv_cell(v) for v in values]
