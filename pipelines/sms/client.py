"""One page of ``GET /v3/tasks``: authenticated, retried within one budget, parsed once.

Retries are driven by a urllib3 :class:`~urllib3.util.retry.Retry` used as the
*policy* (status force-list 429/5xx, ``Retry-After``, exponential backoff with
jitter, one total budget, GET only), while the loop that applies it lives here.
Two reasons the loop is ours rather than urllib3's internal one: every attempt
must be re-signed (a fresh ``X-Sdk-Date``; the gateway rejects dates 15 minutes
off), and failures urllib3 cannot see — a truncated body, a 200 that is not a
page — must spend the same budget with the same backoff.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import orjson
import pyarrow as pa
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    DecodeError,
    InvalidHeader,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

from pipelines.lake.columnar import arrow_page

from .auth import canonical_query, sign_headers
from .contract import FILTER_NAMES, MAX_LIMIT, MAX_OFFSET
from .errors import SmsApiError

TASKS_PATH = "/v3/tasks"
RETRY_STATUSES = (429, 500, 502, 503, 504)
BACKOFF_CAP_S = 30.0
RETRY_AFTER_CAP_S = 120.0


@dataclass(frozen=True)
class ClientConfig:
    """Where SMS is and how to authenticate: a token, or an AK/SK pair (never both)."""

    endpoint: str
    token: str | None = field(default=None, repr=False)
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    project_id: str | None = None
    timeout_s: float = 30.0
    max_retries: int = 8
    backoff_s: float = 0.5
    verify: bool | str = True
    pool_size: int = 8

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"endpoint must be an http(s) URL, got {self.endpoint!r}")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("endpoint must not carry a query, fragment or credentials")
        signing = self.access_key is not None or self.secret_key is not None
        if signing and not (self.access_key and self.secret_key):
            raise ValueError("AK/SK signing needs both access_key and secret_key")
        if signing and self.token:
            raise ValueError("give either a token or an access_key/secret_key pair, not both")
        if not signing and not self.token:
            raise ValueError("no credentials: give a token or an access_key/secret_key pair")
        if self.timeout_s <= 0 or self.backoff_s < 0 or self.max_retries < 0:
            raise ValueError("timeout_s must be > 0, backoff_s and max_retries >= 0")
        if self.pool_size < 1:
            raise ValueError(f"pool_size must be >= 1, got {self.pool_size}")


class ClientStats:
    """Counters shared by all threads using one client; read them with :meth:`snapshot`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.throttled = 0
        self.server_errors = 0
        self.waited_s = 0.0

    def add(
        self,
        *,
        requests: int = 0,
        retries: int = 0,
        throttled: int = 0,
        server_errors: int = 0,
        waited_s: float = 0.0,
    ) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.throttled += throttled
            self.server_errors += server_errors
            self.waited_s += waited_s

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "throttled": self.throttled,
                "server_errors": self.server_errors,
                "waited_s": round(self.waited_s, 3),
            }


class Page:
    """One answered request: the raw body for landing and its tasks, parsed once.

    A body the strict Arrow parse accepts (see :func:`pipelines.lake.columnar.arrow_page`)
    arrives as ``arrow``, the lake's task struct, built in the fetch thread without holding
    the GIL; ``tasks`` (Python objects) is then parsed from the body only if asked for.
    Any other body arrives as ``tasks`` only, parsed and checked by :func:`parse_page`.
    """

    def __init__(
        self,
        params: dict[str, str | int],
        received_at: datetime,
        request_id: str | None,
        body: bytes,
        count: int,
        tasks: list[dict[str, Any]] | None = None,
        arrow: pa.StructArray | None = None,
    ) -> None:
        if tasks is None and arrow is None:
            raise ValueError("a Page needs its tasks, as Python objects or as Arrow")
        self.params = params
        self.received_at = received_at
        self.request_id = request_id
        self.body = body
        self.count = count
        self.arrow = arrow
        if tasks is not None:
            self.__dict__["tasks"] = tasks

    def __repr__(self) -> str:
        return f"Page(params={self.params!r}, count={self.count}, rows={self.rows})"

    @functools.cached_property
    def tasks(self) -> list[dict[str, Any]]:
        """The tasks as parsed JSON (from the body, on first use, when Arrow parsed it)."""
        return parse_page(self.body)[1]

    @functools.cached_property
    def task_ids(self) -> list[str]:
        return self.values_of("id")

    @property
    def rows(self) -> int:
        return len(self.arrow) if self.arrow is not None else len(self.tasks)

    def values_of(self, key: str) -> list[Any]:
        """``key``'s value in each task (None where absent), without building the tasks."""
        if self.arrow is not None:
            return self.arrow.field(key).to_pylist()
        return [task.get(key) for task in self.tasks]

    def as_meta(self) -> dict[str, Any]:
        """What to record about the page beside its raw body (no secrets by construction)."""
        return {
            "params": dict(self.params),
            "received_at": self.received_at.isoformat(),
            "request_id": self.request_id,
            "count": self.count,
            "rows": self.rows,
        }


class MalformedPage(ProtocolError):
    """A 2xx whose body is not a ``{count, tasks[]}`` page; retried like a broken read."""


class _RetryPolicy(Retry):
    """urllib3's policy with ``Retry-After`` capped and a garbled one falling back to backoff."""

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return min(super().parse_retry_after(retry_after), RETRY_AFTER_CAP_S)
        except InvalidHeader:
            return 0.0


class SmsClient:
    """Reads single pages of the task listing; safe to share between threads."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.stats = ClientStats()
        self._url = config.endpoint.rstrip("/") + TASKS_PATH
        self._policy = _RetryPolicy(
            total=config.max_retries,
            connect=None,
            read=None,
            status=None,
            other=None,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=config.backoff_s,
            backoff_jitter=config.backoff_s,
            backoff_max=BACKOFF_CAP_S,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self._session = requests.Session()
        self._session.verify = config.verify
        # Environment proxies are honoured, but not the rest of trust_env: a ~/.netrc entry
        # would replace the signed Authorization header.
        self._session.trust_env = False
        self._session.proxies.update(requests.utils.get_environ_proxies(config.endpoint))
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=config.pool_size, max_retries=Retry(0, read=False)
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __enter__(self) -> SmsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def get_page(self, offset: int, limit: int, filters: Mapping[str, str] | None = None) -> Page:
        """Fetch ``tasks[offset:offset+limit]`` (server-clamped) and the filter's ``count``.

        Raises :class:`SmsApiError`: at once for 4xx answers (``retryable=False``),
        or with ``retryable=True`` once the retry budget is spent on 429/5xx,
        network errors, truncated or malformed bodies.
        """
        params = query_params(offset, limit, filters)
        pairs = [(name, str(value)) for name, value in params.items()]
        url = f"{self._url}?{canonical_query(pairs)}"
        retry: Retry = self._policy
        while True:
            self.stats.add(requests=1)
            try:
                response = self._session.get(
                    url,
                    headers=self._headers(pairs),
                    timeout=self.config.timeout_s,
                    stream=True,
                    allow_redirects=False,
                )
                body = _read_body(response)
            except requests.exceptions.SSLError as exc:
                raise SmsApiError(f"TLS failure talking to {self._url}: {exc}") from None
            except requests.exceptions.RequestException as exc:
                if not _is_transport_failure(exc):
                    raise
                cause = _urllib3_cause(exc)
                retry = self._spend(retry, params, error=cause, last=repr(cause))
                continue

            status = response.status_code
            request_id = response.headers.get("X-Request-Id")
            if retry.is_retry("GET", status, "Retry-After" in response.headers):
                self.stats.add(throttled=int(status == 429), server_errors=int(status >= 500))
                retry = self._spend(retry, params, response=response, body=body)
                continue
            if status >= 300:
                raise _api_error(status, body, request_id, params, retryable=False)
            try:
                count, tasks, arrow = parse_body(body)
            except MalformedPage as exc:
                retry = self._spend(retry, params, error=exc, last=f"{exc} (HTTP {status})")
                continue
            return Page(
                params=params,
                received_at=datetime.now(UTC),
                request_id=request_id,
                body=body,
                count=count,
                tasks=tasks,
                arrow=arrow,
            )

    def _headers(self, pairs: list[tuple[str, str]]) -> dict[str, str]:
        """Fresh auth headers for one attempt; secrets only ever travel here."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.config.project_id:
            headers["X-Project-Id"] = self.config.project_id
        if self.config.token:
            headers["X-Auth-Token"] = self.config.token
            return headers
        assert self.config.access_key and self.config.secret_key
        return sign_headers(
            "GET", self._url, pairs, headers, self.config.access_key, self.config.secret_key
        )

    def _spend(
        self,
        retry: Retry,
        params: Mapping[str, str | int],
        *,
        response: requests.Response | None = None,
        body: bytes = b"",
        error: Exception | None = None,
        last: str = "",
    ) -> Retry:
        """Take one retry from the budget and wait, or raise once the budget is spent."""
        try:
            retry = retry.increment(
                "GET",
                TASKS_PATH,
                response=response.raw if response is not None else None,
                error=error,
            )
        except (MaxRetryError, ProtocolError, Urllib3Error):
            attempts = len(retry.history) + 1
            if response is not None:
                raise _api_error(
                    response.status_code,
                    body,
                    response.headers.get("X-Request-Id"),
                    params,
                    retryable=True,
                    attempts=attempts,
                ) from None
            raise SmsApiError(
                f"GET {TASKS_PATH} {_describe(params)} failed after {attempts} attempts: {last}",
                retryable=True,
            ) from None
        self.stats.add(retries=1)
        started = time.monotonic()
        retry.sleep(response.raw if response is not None else None)
        self.stats.add(waited_s=time.monotonic() - started)
        return retry


def query_params(
    offset: int, limit: int, filters: Mapping[str, str] | None = None
) -> dict[str, str | int]:
    """The query of one page request, validated (a typo'd filter would silently match all)."""
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"offset must be within 0..{MAX_OFFSET}, got {offset}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be within 1..{MAX_LIMIT}, got {limit}")
    params: dict[str, str | int] = {"limit": limit, "offset": offset}
    for name, value in (filters or {}).items():
        if name not in FILTER_NAMES:
            raise ValueError(f"unknown filter {name!r}; allowed: {', '.join(sorted(FILTER_NAMES))}")
        if not isinstance(value, str):
            raise ValueError(f"filter {name} must be a string, got {type(value).__name__}")
        params[name] = value
    return params


def parse_body(
    body: bytes,
) -> tuple[int, list[dict[str, Any]] | None, pa.StructArray | None]:
    """``count`` and the tasks: as Arrow when the strict Arrow parse takes the body (no GIL,
    no Python objects), else as parsed JSON checked by :func:`parse_page` (which raises
    :class:`MalformedPage` for a body that is not a page)."""
    parsed = arrow_page(body)
    if parsed is not None:
        return parsed[0], None, parsed[1]
    count, tasks = parse_page(body)
    return count, tasks, None


def parse_page(body: bytes) -> tuple[int, list[dict[str, Any]]]:
    """``count`` and ``tasks`` of a page body, or :class:`MalformedPage` saying what is wrong."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedPage(f"body is not JSON ({len(body)} bytes)") from None
    if not isinstance(document, dict):
        raise MalformedPage("body is not a JSON object")
    count, tasks = document.get("count"), document.get("tasks")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise MalformedPage("body lacks a non-negative integer count")
    if not isinstance(tasks, list):
        raise MalformedPage("body lacks a tasks array")
    for task in tasks:
        if not isinstance(task, dict) or not isinstance(task.get("id"), str) or not task["id"]:
            raise MalformedPage("a task is not an object with a string id")
    return count, tasks


def _api_error(
    status: int,
    body: bytes,
    request_id: str | None,
    params: Mapping[str, str | int],
    *,
    retryable: bool,
    attempts: int = 1,
) -> SmsApiError:
    error_code, error_msg = _error_fields(body)
    if request_id is None:
        try:
            found = orjson.loads(body).get("request_id")
            request_id = found if isinstance(found, str) else None
        except (orjson.JSONDecodeError, AttributeError):
            request_id = None
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if error_code is None and error_msg is None and body:
        error_msg = f"non-JSON error body ({len(body)} bytes)"
    return SmsApiError(
        f"GET {TASKS_PATH} {_describe(params)} failed{tries}",
        status=status,
        error_code=error_code,
        error_msg=error_msg,
        request_id=request_id,
        retryable=retryable,
    )


def _error_fields(body: bytes) -> tuple[str | None, str | None]:
    """``error_code``/``error_msg`` from either Huawei error shape, if the body has them."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(document, dict):
        return None, None
    nested = document.get("error")
    if isinstance(nested, dict):
        document = {"error_code": nested.get("code"), "error_msg": nested.get("message")}
    code, message = document.get("error_code"), document.get("error_msg")
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
    )


def _describe(params: Mapping[str, str | int]) -> str:
    return " ".join(f"{name}={value}" for name, value in params.items())


def _read_body(response: requests.Response) -> bytes:
    """The whole body in one read (``response.content`` reads it 10 kB at a time in Python).

    urllib3's errors are wrapped as ``response.content`` would wrap them, so the retry
    loop treats a cut or undecodable body the same way.
    """
    try:
        return response.raw.read(decode_content=True)
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from None
    except DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from None
    except SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None


def _is_transport_failure(exc: requests.exceptions.RequestException) -> bool:
    """Network-level failures worth retrying: refused/dropped connections, timeouts, cut bodies."""
    return isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError,
    )


def _urllib3_cause(exc: requests.exceptions.RequestException) -> Exception:
    """The urllib3 error behind a requests error, so ``Retry`` classifies it as connect or read."""
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError) and cause.reason is not None:
        cause = cause.reason
    if isinstance(cause, Urllib3Error):
        return cause
    return ProtocolError(str(exc))
