"""A loopback HTTP proxy in front of the S3 server that refuses writes to chosen keys.

It stands in for a bucket policy that denies ``PutObject`` on part of the bucket (moto does
not enforce bucket policies): every request is forwarded unchanged, except writes (PUT,
POST) whose path contains one of ``refuse``, which get S3's own 403 AccessDenied reply, and
writes whose path contains one of ``hold``, which are held unanswered until the proxy stops
(so a test can kill the writer at exactly that point).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection"}


@dataclass
class ProxyState:
    refused: list[str] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def _handler(
    upstream: str, refuse: tuple[str, ...], hold: tuple[str, ...], state: ProxyState
) -> type:
    target = urlsplit(upstream)

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            writes = self.command in ("PUT", "POST")
            if writes and any(part in self.path for part in hold):
                state.held.set()
                state.release.wait()
                return
            if writes and any(part in self.path for part in refuse):
                state.refused.append(f"{self.command} {self.path}")
                self.send_response(403)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(ACCESS_DENIED)))
                self.end_headers()
                self.wfile.write(ACCESS_DENIED)
                return
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                connection.request(self.command, self.path, body=body, headers=headers)
                reply = connection.getresponse()
                data = reply.read()
            finally:
                connection.close()
            self.send_response(reply.status, reply.reason)
            head = self.command == "HEAD"  # a HEAD reply keeps the object's Content-Length
            for name, value in reply.getheaders():
                if name.lower() not in _HOP_BY_HOP and (head or name.lower() != "content-length"):
                    self.send_header(name, value)
            if not head:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not head:
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

    return Forward


@contextmanager
def refusing_proxy(
    upstream: str, refuse: tuple[str, ...] = (), hold: tuple[str, ...] = ()
) -> Iterator[tuple[str, ProxyState]]:
    """``(proxy endpoint URL, what it refused and held)`` while the block runs."""
    state = ProxyState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, refuse, hold, state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
