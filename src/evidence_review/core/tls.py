"""One TLS context a process for each HTTP client library (httpx for Europe PMC and a site's pages,
habanero's httpx2 for Crossref): each makes a new context for every client, and loads its trusted
authorities into it again (~30 ms a client, a client for every fetch)."""

from __future__ import annotations

import functools
import importlib
import os
import ssl


def tls_context(library: str = "httpx") -> ssl.SSLContext:
    """The default context of ``library`` (``httpx`` or ``httpx2``), as its ``create_ssl_context()``
    makes it (with ``$SSL_CERT_FILE`` / ``$SSL_CERT_DIR`` where it reads them), made once for each
    value of those two variables."""
    return _context(library, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _context(library: str, cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return importlib.import_module(library).create_ssl_context()
