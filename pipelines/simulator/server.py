"""Run the simulator in-process on a real socket, in a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType

from .app import RequestRecord, SimulatorHandler
from .clock import SimClock
from .config import SimulatorConfig
from .faults import Faults
from .lifecycle import advance_account
from .store import TaskStore, new_store


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its open connections, so stop() can close them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: SimulatorServer) -> None:
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, SimulatorHandler)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class SimulatorServer:
    """The simulated SMS API: generated tasks, a clock, faults and an HTTP listener.

    Usable as a context manager or with :meth:`start` / :meth:`stop`. ``port=0``
    picks a free port; :attr:`base_url` tells which.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config or SimulatorConfig()
        self.faults = faults or Faults()
        self.host, self.port = host, port
        self.clock = SimClock(self.config.start_time)
        self.store: TaskStore = new_store(self.config.tasks, self.config.seed, self.clock.now_ms)
        self.clock.on_advance = lambda old_ms, new_ms: advance_account(
            self.store,
            old_ms,
            new_ms,
            self.config.arrivals_per_hour,
            self.config.min_arrivals_per_advance,
        )
        self.requests: list[RequestRecord] = []
        self._requests_lock = threading.Lock()
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the simulator is not started")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def record(self, record: RequestRecord) -> None:
        with self._requests_lock:
            self.requests.append(record)

    def start(self) -> SimulatorServer:
        if self._http is not None:
            return self
        self._http = _HTTPServer((self.host, self.port), self)
        self.port = self._http.server_address[1]
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sms-simulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the socket, join the thread."""
        if self._http is None:
            return
        self._http.shutdown()
        self._http.close_connections()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join()
        self._http = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
