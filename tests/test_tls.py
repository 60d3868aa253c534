"""core/tls: the HTTP clients of a process share one TLS context per library, made as the library
makes its own default, and a new one when $SSL_CERT_FILE or $SSL_CERT_DIR says otherwise."""

from __future__ import annotations

import ssl

import certifi

from evidence_review.core.tls import tls_context
from evidence_review.records.europepmc import EuropePMCClient


def test_one_context_a_library_checking_certificates_and_host_names(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    shared = tls_context()
    assert tls_context() is shared and tls_context("httpx2") is not shared
    for context in (shared, tls_context("httpx2")):
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert tls_context() is not shared


def test_europepmc_clients_use_the_shared_context():
    nowhere = "http://127.0.0.1:9"  # never asked: only the clients are made
    with EuropePMCClient(base_url=nowhere) as one, EuropePMCClient(base_url=nowhere) as two:
        pools = [client._http._transport._pool for client in (one, two)]
        assert pools[0]._ssl_context is pools[1]._ssl_context is tls_context()
