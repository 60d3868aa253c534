"""The suite is offline: only loopback can be reached, and reviewer files are never rewritten."""

import socket
from pathlib import Path

import pytest
from projects import reviewer_digests
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


def test_fetch_and_build_leave_reviewer_files_alone(edited_report):
    """`edited_report` (tests/conftest.py) ran `fetch --reconstruct`, `fetch --refresh` and `build
    --no-pdf` in this process, so pytest-socket's block (loopback only) covered them."""
    assert [done.args[1:3] for done in edited_report.runs] == [
        ["fetch", "--reconstruct"], ["fetch", "--refresh"], ["build", "--no-pdf"]]
    assert reviewer_digests(edited_report.built.root) == edited_report.reviewer_files
