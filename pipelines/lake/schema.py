"""Arrow schemas of the lake: the single source of truth.

The flattener writes exactly these columns, the SQL staging views read them,
and ``docs/data-dictionary.md`` is generated from the descriptions below.
Bump :data:`SCHEMA_VERSION` whenever a column is added, removed or retyped.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 1

TS = pa.timestamp("ms", tz="UTC")


def col(name: str, dtype: pa.DataType, doc: str, unit: str = "") -> pa.Field:
    """A lake column; ``doc`` and ``unit`` feed the data dictionary."""
    meta = {"doc": doc}
    if unit:
        meta["unit"] = unit
    return pa.field(name, dtype, nullable=True, metadata=meta)


SNAPSHOT_COLUMNS = [
    col("snapshot_id", pa.string(), "Run that read this row (one snapshot per run)."),
    col("snapshot_at", TS, "When the snapshot's listing started.", "UTC"),
]
TASK_KEY = col("task_id", pa.string(), "The task (`tasks.id`) this row belongs to.")
EXTRA = col(
    "extra",
    pa.string(),
    "Fields the API sent that this schema version does not know, as a JSON object; "
    "null when there were none.",
)

TASKS = pa.schema(
    [
        *SNAPSHOT_COLUMNS,
        col("id", pa.string(), "Migration task id (UUID)."),
        col("name", pa.string(), "Task name, set by the user."),
        col("type", pa.string(), "MIGRATE_FILE or MIGRATE_BLOCK."),
        col("os_type", pa.string(), "WINDOWS or LINUX."),
        col("state", pa.string(), "Task state (READY, RUNNING, SYNCING, MIGRATE_SUCCESS, ...)."),
        col("estimate_complete_time", TS, "Estimated completion time; often null.", "UTC"),
        col("create_date", TS, "Task creation time.", "UTC"),
        col("priority", pa.int32(), "0 low, 1 standard, 2 high."),
        col("speed_limit", pa.int32(), "Migration rate limit; 0 = none.", "Mbit/s"),
        col(
            "migrate_speed",
            pa.float64(),
            "Migration rate over the last 5 s, after compression. Documented as Mbit/s "
            "here and MB/s elsewhere: the unit is ambiguous.",
            "Mbit/s (assumed)",
        ),
        col("compress_rate", pa.float64(), "Compression rate."),
        col("start_target_server", pa.bool_(), "Start the target server after migration."),
        col("error_json", pa.string(), "JSON error when the task failed; empty otherwise."),
        col("total_time", pa.int64(), "Task duration as the API reports it.", "ms"),
        col("migration_ip", pa.string(), "Target IP used for the migration."),
        col("enterprise_project_id", pa.string(), "Enterprise project of the task."),
        col("log_collect_status", pa.string(), "INIT, UPLOADING, UPLOAD_FAIL or UPLOADED."),
        col("syncing", pa.bool_(), "Whether incremental synchronisation is enabled."),
        col("total_cpu_usage", pa.float64(), "Server CPU usage.", "%"),
        col("agent_cpu_usage", pa.float64(), "Agent CPU usage.", "%"),
        col("total_mem_usage", pa.float64(), "Server memory usage.", "MB"),
        col("agent_mem_usage", pa.float64(), "Agent memory usage.", "MB"),
        col("total_disk_io", pa.float64(), "Server disk I/O.", "Mbit/s"),
        col("agent_disk_io", pa.float64(), "Agent disk I/O.", "Mbit/s"),
        col("need_migration_test", pa.bool_(), "Whether migration drilling is enabled."),
        col("subtask_info", pa.string(), "Current sub-task and progress, as text."),
        col("source_server_id", pa.string(), "`source_server.id`; null when no source server."),
        col("target_server_id", pa.string(), "`target_server.id`; null when no target server."),
        col("clone_server_vm_id", pa.string(), "`clone_server.vm_id`."),
        col("clone_server_name", pa.string(), "`clone_server.name`."),
        col(
            "network_check_info_domain_connectivity",
            pa.bool_(),
            "Connectivity to domain names.",
        ),
        col(
            "network_check_info_destination_connectivity",
            pa.bool_(),
            "Connectivity to the target server.",
        ),
        col("network_check_info_network_delay", pa.float64(), "Network latency.", "ms"),
        col("network_check_info_network_jitter", pa.float64(), "Network jitter.", "ms"),
        col(
            "network_check_info_migration_speed",
            pa.float64(),
            "Measured bandwidth to the target.",
            "Mbit/s",
        ),
        col("network_check_info_loss_percentage", pa.float64(), "Packet loss.", "%"),
        col("network_check_info_cpu_usage", pa.float64(), "CPU usage at the check.", "%"),
        col("network_check_info_mem_usage", pa.float64(), "Memory usage at the check.", "%"),
        col("network_check_info_evaluation_result", pa.string(), "Network evaluation result."),
        EXTRA,
    ]
)

SUB_TASKS = pa.schema(
    [
        *SNAPSHOT_COLUMNS,
        TASK_KEY,
        col("ordinal", pa.int32(), "Position of the sub-task in the task's list, from 0."),
        col("id", pa.int64(), "Sub-task id (the API's only integer id)."),
        col("name", pa.string(), "Sub-task name, e.g. MIGRATE_LINUX_BLOCK."),
        col("progress", pa.int32(), "Progress 0-100.", "%"),
        col("start_date", TS, "Sub-task start.", "UTC"),
        col("end_date", TS, "Sub-task end; null while running.", "UTC"),
        col("process_trace", pa.string(), "Detailed progress text."),
        EXTRA,
    ]
)

SOURCE_SERVERS = pa.schema(
    [
        *SNAPSHOT_COLUMNS,
        TASK_KEY,
        col("id", pa.string(), "Source server id in SMS."),
        col("ip", pa.string(), "Source server IP."),
        col("name", pa.string(), "Source server name."),
        col("os_type", pa.string(), "WINDOWS or LINUX."),
        col("os_version", pa.string(), "OS version, e.g. CENTOS_7_6_64BIT."),
        col("oem_system", pa.bool_(), "Whether the OS is an OEM Windows."),
        col("state", pa.string(), "Source server state (lower case in the API)."),
        EXTRA,
    ]
)

TARGET_SERVERS = pa.schema(
    [
        *SNAPSHOT_COLUMNS,
        TASK_KEY,
        col("id", pa.string(), "Target server id in SMS."),
        col("vm_id", pa.string(), "ECS id of the target server."),
        col("name", pa.string(), "Target server name."),
        col("ip", pa.string(), "Target server IP."),
        col("os_type", pa.string(), "WINDOWS or LINUX."),
        col("os_version", pa.string(), "OS version."),
        EXTRA,
    ]
)

SPECIAL_CONFIGS = pa.schema(
    [
        *SNAPSHOT_COLUMNS,
        TASK_KEY,
        col("ordinal", pa.int32(), "Position in the task's `special_config` list, from 0."),
        col("config_key", pa.string(), "Advanced option, e.g. LINUX_CPU_LIMIT."),
        col("config_value", pa.string(), "Option value."),
        col("config_status", pa.string(), "Reserved status field."),
        EXTRA,
    ]
)

QUARANTINE = pa.schema(
    [
        *SNAPSHOT_COLUMNS,
        col("task_id", pa.string(), "Task id when it could be read, else null."),
        col("table_name", pa.string(), "Table the record was bound for."),
        col("field", pa.string(), "Offending field path, e.g. sub_tasks[2].progress."),
        col("reason", pa.string(), "Why the record could not be loaded."),
        col("raw", pa.string(), "The offending record as JSON text."),
    ]
)

SNAPSHOTS = pa.schema(
    [
        *SNAPSHOT_COLUMNS,
        col("finished_at", TS, "When the snapshot was committed.", "UTC"),
        col("source", pa.string(), "Endpoint host, or 'simulator'."),
        col("is_simulated", pa.bool_(), "True when the data came from the built-in simulator."),
        col("api_count", pa.int64(), "`count` the API reported for the whole listing."),
        col("task_count", pa.int64(), "Distinct tasks stored (equals api_count when exact)."),
        col("pages", pa.int32(), "Pages read, retries excluded."),
        col("filters", pa.string(), "Listing filters as JSON; '{}' for all tasks."),
        col("schema_version", pa.int32(), "Lake schema version the snapshot was written with."),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "tasks": TASKS,
    "sub_tasks": SUB_TASKS,
    "source_servers": SOURCE_SERVERS,
    "target_servers": TARGET_SERVERS,
    "special_configs": SPECIAL_CONFIGS,
    "quarantine": QUARANTINE,
    "snapshots": SNAPSHOTS,
}

#: Tables the flattener fills from a page's tasks (``snapshots`` is written by the store).
FLAT_TABLES: tuple[str, ...] = (
    "tasks",
    "sub_tasks",
    "source_servers",
    "target_servers",
    "special_configs",
    "quarantine",
)

#: Where each table's records sit inside one API task: the key holding them and whether it
#: is an ``array`` of objects or a single ``object``. ``tasks`` rows are the tasks themselves.
RECORD_SOURCES: dict[str, tuple[str, str]] = {
    "sub_tasks": ("sub_tasks", "array"),
    "source_servers": ("source_server", "object"),
    "target_servers": ("target_server", "object"),
    "special_configs": ("special_config", "array"),
}

#: Columns the flattener computes rather than reads from the JSON.
DERIVED_COLUMNS = frozenset({"snapshot_id", "snapshot_at", "task_id", "ordinal", "extra"})

#: Objects of a task flattened into prefixed ``tasks`` columns (``clone_server_vm_id``, ...).
PREFIXED_OBJECTS: tuple[str, ...] = ("clone_server", "network_check_info")


def _json_path(table: str, column: str) -> tuple[str, ...]:
    """The JSON path feeding ``column``, relative to one record of ``table``."""
    if table == "tasks":
        if column in ("source_server_id", "target_server_id"):
            return (column.removesuffix("_id"), "id")
        for prefix in PREFIXED_OBJECTS:
            if column.startswith(prefix + "_"):
                return (prefix, column.removeprefix(prefix + "_"))
    return (column,)


#: Which JSON field feeds which lake column, per flattened table: column -> path relative to
#: the table's record (e.g. ``tasks.clone_server_vm_id`` <- ``("clone_server", "vm_id")``).
JSON_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    table: {
        field.name: _json_path(table, field.name)
        for field in TABLES[table]
        if field.name not in DERIVED_COLUMNS
    }
    for table in FLAT_TABLES
    if table != "quarantine"
}
