"""The HTTP handler: routes, applies gateway faults, authenticates, serves pages.

Built on ``http.server`` because faults need low-level control of the socket
(write half a body, hang up without answering).
"""

from __future__ import annotations

import socket
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .faults import Fault
from .gate import check_access
from .listing import list_tasks
from .responses import Response, non_json, not_found, server_error, throttled

if TYPE_CHECKING:
    from .server import SimulatorServer

TASKS_PATH = "/v3/tasks"
DROPPED = 0  # RequestRecord.status of a request answered by hanging up


@dataclass(frozen=True)
class RequestRecord:
    """One request as served: ``status`` is 0 when the connection was dropped."""

    path: str
    query: dict[str, str]
    status: int
    request_id: str


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server_version = "sms-simulator"
    sys_version = ""

    @property
    def simulator(self) -> SimulatorServer:
        return self.server.simulator  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request logs belong to tests' RequestRecords, not stderr."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        sim = self.simulator
        faults = sim.faults
        request_id = uuid.uuid4().hex
        declared = self.headers.get("Content-Length") or "0"
        length = int(declared) if declared.isdigit() else 0
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        pairs = parse_qsl(url.query, keep_blank_values=True)
        fault, fault_status = faults.next_request()
        if faults.latency_ms > 0:
            time.sleep(faults.latency_ms / 1000)
        if fault is Fault.DROP:
            sim.record(RequestRecord(url.path, dict(pairs), DROPPED, request_id))
            self._hang_up()
            return
        if fault is Fault.THROTTLE:
            response = throttled(request_id, faults.retry_after_s)
        elif fault is Fault.SERVER_ERROR:
            response = server_error(fault_status)
        elif fault is Fault.NON_JSON:
            response = non_json()
        else:
            response = self._respond(url.path, pairs, body, request_id)
        sim.record(RequestRecord(url.path, dict(pairs), response.status, request_id))
        self._send(response, request_id, truncate=fault is Fault.TRUNCATE)

    def _respond(
        self, path: str, pairs: list[tuple[str, str]], body: bytes, request_id: str
    ) -> Response:
        sim = self.simulator
        if path.rstrip("/") != TASKS_PATH or self.command != "GET":
            return not_found(request_id)
        denied = check_access(
            self.command,
            path,
            pairs,
            dict(self.headers.items()),
            sim.config,
            sim.faults,
            request_id,
        )
        if denied is not None:
            return denied
        response = list_tasks(pairs, sim.store, sim.faults)
        if response.status == 200:
            add, remove = sim.faults.take_mutations()
            if add:
                sim.store.add_tasks(add)
            if remove:
                sim.store.remove_tasks(remove)
        return response

    def _send(self, response: Response, request_id: str, truncate: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Request-Id", request_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            if truncate:
                self.wfile.write(response.body[: len(response.body) // 2])
                self._hang_up()
                return
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its read timeout): nothing to answer, nothing to log.
            self.close_connection = True

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
