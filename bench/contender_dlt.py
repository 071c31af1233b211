"""dlt's declarative ``rest_api`` source with its offset paginator, into Parquet files.

Configured the way dlt's docs show for an offset API with a total: ``total_path="count"``,
limit 200, ``data_selector="tasks"``, the token as an API-key header, and the API's
documented offset ceiling as ``maximum_offset`` (without it dlt asks for offset 65,600
at N = 65,735, gets a 400 and fails). Everything dlt writes — pipeline state, config
lookups, the filesystem destination — stays inside the run's work dir; telemetry off.
"""

from __future__ import annotations

import os
import time

from bench.contender import MAX_OFFSET, ContenderRun, RunContext, Written

PIPELINE_NAME = "sms_bench"
DATASET_NAME = "sms"


def _confine_dlt(context: RunContext) -> None:
    """Point every dlt directory at the work dir before dlt is imported."""
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.environ["RUNTIME__LOG_LEVEL"] = "WARNING"
    os.environ["DLT_DATA_DIR"] = str(context.workdir / "dlt_data")
    os.environ["DLT_PROJECT_DIR"] = str(context.workdir)
    os.environ["DLT_LOCAL_DIR"] = str(context.workdir / "dlt_local")


def _destination_dir(context: RunContext) -> str:
    return str(context.workdir / "destination")


def run(context: RunContext) -> ContenderRun:
    _confine_dlt(context)
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": context.base_url,
                "auth": {
                    "type": "api_key",
                    "name": "X-Auth-Token",
                    "api_key": context.token,
                    "location": "header",
                },
                "paginator": {
                    "type": "offset",
                    "limit": context.page_size,
                    "offset_param": "offset",
                    "limit_param": "limit",
                    "total_path": "count",
                    "maximum_offset": MAX_OFFSET + 1,
                },
            },
            "resources": [
                {
                    "name": "tasks",
                    "endpoint": {"path": "v3/tasks", "data_selector": "tasks"},
                }
            ],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(context.workdir / "dlt_pipelines"),
        destination=dlt.destinations.filesystem(bucket_url=_destination_dir(context)),
        dataset_name=DATASET_NAME,
    )
    started = time.perf_counter()
    info = pipeline.run(source, loader_file_format="parquet")
    seconds = time.perf_counter() - started
    info.raise_on_failed_jobs()
    return ContenderRun(seconds=seconds, details={"load_packages": len(info.load_packages)})


def written(context: RunContext) -> Written:
    import pyarrow.parquet as pq

    files = sorted((context.workdir / "destination" / DATASET_NAME / "tasks").glob("*.parquet"))
    ids: list[str] = []
    for path in files:
        ids.extend(pq.read_table(path, columns=["id"]).column("id").to_pylist())
    return Written(rows=len(ids), distinct_ids=len(set(ids)))
