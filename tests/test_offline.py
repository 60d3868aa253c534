"""The suite is offline: only loopback can be reached, and reviewer files are never rewritten."""

import hashlib
import socket
from pathlib import Path

import pytest
from projects import copy_project, run_cli
from pytest_socket import SocketConnectBlockedError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")
def test_a_non_loopback_connection_is_blocked():
    # 192.0.2.1 is TEST-NET-1 (documentation only); the block happens before any packet is sent.
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()


def _digest(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_fetch_and_build_leave_reviewer_files_alone(tmp_path):
    copy_project(tmp_path)
    data = tmp_path / "data" / "muscle-spasm"
    own = [data / n for n in ("claims.csv", "sources.yaml", "quality.yaml", "review.yaml",
                              "article.md", "article.original.txt", "record-facts.yaml")]
    before = _digest(own)
    # in this process, so pytest-socket's block (loopback only) covers fetch and build themselves
    for args in (["fetch", "--reconstruct"], ["build", "--no-pdf"]):
        done = run_cli(*args, root=tmp_path)
        assert done.returncode == 0, done.stderr
    assert _digest(own) == before
