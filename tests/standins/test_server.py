"""The stand-ins' shared server: a client that hangs up before its answer leaves no traceback; other errors do."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from assistant.standins.server import LocalServer, QuietHandler


class _Slow(LocalServer):
    """Answers each request once the test lets it, or fails it on purpose."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.answered = threading.Event()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/broken":
                    raise ValueError("a stand-in bug")
                server.release.wait(5)
                try:
                    for _ in range(50):  # more than the socket buffers, so the write meets the closed connection
                        self.reply(200, b"x" * 65536, content_type="text/plain")
                finally:
                    server.answered.set()

        return Handler


def _request(origin: str, path: str) -> socket.socket:
    host, port = origin.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    return sock


def test_a_client_that_hangs_up_before_its_answer_leaves_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    with _Slow() as server:
        sock = _request(server.origin, "/slow")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset on close
        sock.close()
        server.release.set()
        assert server.answered.wait(5)
    assert "Traceback" not in capfd.readouterr().err


def test_an_error_in_a_handler_is_still_printed(capfd: pytest.CaptureFixture[str]) -> None:
    with _Slow() as server:
        sock = _request(server.origin, "/broken")
        sock.recv(1)  # the server closes the connection after the handler fails
        sock.close()
    err = capfd.readouterr().err
    assert "Traceback" in err and "ValueError: a stand-in bug" in err
