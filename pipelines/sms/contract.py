"""What the API documents for ``GET /v3/tasks``: parameters, ranges, states, endpoints.

One place for the client, the listing, the settings and the simulator, so that a
fact learned about the API is changed once.
"""

from __future__ import annotations

# States the `state` query filter accepts.
FILTER_STATES: tuple[str, ...] = (
    "READY",
    "RUNNING",
    "SYNCING",
    "MIGRATE_SUCCESS",
    "MIGRATE_FAIL",
    "ABORTING",
    "ABORT",
    "DELETING",
    "SYNC_F_ROLLBACKING",
    "SYNC_F_ROLLBACK_SUCCESS",
)
# States a task can be in that the filter cannot select.
DATA_ONLY_STATES = frozenset({"SYNC_SUCCESS", "SYNC_FAIL", "SKIPPING", "RESETING"})
# Query filters besides limit/offset.
FILTER_NAMES = frozenset({"state", "name", "id", "source_server_id", "enterprise_project_id"})
DEFAULT_LIMIT = 100
MAX_LIMIT = 200
MAX_OFFSET = 65_535

REGION_ENDPOINTS: dict[str, str] = {
    "cn-north-4": "https://sms.cn-north-4.myhuaweicloud.com",
    "ap-southeast-3": "https://sms.ap-southeast-3.myhuaweicloud.com",
    "my-kualalumpur-1": "https://sms.my-kualalumpur-1.myhuaweicloud.com",
    "ru-moscow-1": "https://sms-api.ru-moscow-1.myhuaweicloud.com",
}
