"""``GET /v3/tasks``: validate the seven query parameters and build the page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.sms.contract import DEFAULT_LIMIT, FILTER_STATES, MAX_LIMIT, MAX_OFFSET

from .faults import Faults
from .responses import Response, invalid_parameter
from .store import TaskFilter, TaskStore

PARAMETERS = frozenset(
    {"state", "name", "id", "source_server_id", "limit", "offset", "enterprise_project_id"}
)
INTEGER = re.compile(r"-?[0-9]{1,12}")


@dataclass(frozen=True)
class ListQuery:
    task_filter: TaskFilter
    limit: int
    offset: int


class InvalidQuery(ValueError):
    """A query parameter the API would reject with 400."""


def _integer(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not INTEGER.fullmatch(raw):
        raise InvalidQuery(f"{name} must be an integer from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise InvalidQuery(f"{name} must be from {low} to {high}, got {value}")
    return value


def _text(params: dict[str, str], name: str, low: int, high: int) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not low <= len(value) <= high:
        raise InvalidQuery(f"{name} must be {low} to {high} characters long")
    return value


def parse_query(pairs: list[tuple[str, str]]) -> ListQuery:
    """Validate like the API page says; unknown parameters are ignored."""
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in PARAMETERS:
            if key in params:
                raise InvalidQuery(f"{key} is given more than once")
            params[key] = value
    limit = _integer(params, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT) or DEFAULT_LIMIT
    offset = _integer(params, "offset", 0, 0, MAX_OFFSET)
    state = params.get("state")
    if state is not None and state not in FILTER_STATES:
        raise InvalidQuery(f"state must be one of {', '.join(sorted(FILTER_STATES))}")
    name = _text(params, "name", 0, 255)
    project = _text(params, "enterprise_project_id", 0, 255)
    task_filter = TaskFilter(
        state=state,
        name=name or None,
        id=_text(params, "id", 1, 36),
        source_server_id=_text(params, "source_server_id", 1, 36),
        enterprise_project_id=project or None,
    )
    return ListQuery(task_filter, limit, offset)


def list_tasks(pairs: list[tuple[str, str]], store: TaskStore, faults: Faults) -> Response:
    """The 200 page (or 400) for one ``GET /v3/tasks`` call."""
    try:
        query = parse_query(pairs)
    except InvalidQuery as error:
        return invalid_parameter(str(error))
    limit = min(query.limit, faults.max_limit) if faults.max_limit > 0 else query.limit
    if faults.take_empty_page(query.offset):
        limit = 0
    count, tasks_json = store.page(query.task_filter, query.offset, limit)
    return Response(200, b'{"count":%d,"tasks":%s}' % (count, tasks_json))
