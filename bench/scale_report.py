"""The scale figure as a results.md / README section."""

from __future__ import annotations

from collections.abc import Mapping


def _spread(figures: object) -> str:
    if not isinstance(figures, Mapping):
        return "–"
    return f"{figures['min']:,.1f} / {figures['median']:,.1f} / {figures['max']:,.1f}"


def _warehouse(figures: object) -> str:
    """The sensor-requested rebuild after the fan-out, in one cell."""
    if not isinstance(figures, Mapping):
        return "–"
    if figures.get("status") != "SUCCESS":
        return f"**{figures.get('status')}**"
    return (
        f"queued {figures['queued_after_last_ingest_s']} s after the last ingest, "
        f"built in {figures['run_s']} s"
    )


def _limits(limits: Mapping[str, object]) -> str:
    per_value = [
        limit["limit"]
        for limit in limits.get("tag_concurrency_limits") or []
        if limit.get("key") == "dagster/partition"
    ]
    parts = [f"at most {limits.get('max_concurrent_runs')} runs at once"]
    if per_value:
        parts.append(f"{per_value[0]} per source")
    if limits.get("pool_default_limit") is not None:
        parts.append(f"`sms_api` pool {limits['pool_default_limit']}")
    return ", ".join(parts)


def scale_section(scale: Mapping[str, object]) -> list[str]:
    """Markdown lines: how it ran, one row per fan-out, and whether memory stayed flat."""
    if scale.get("error"):
        return ["## Scale: sources in one fan-out", "", f"Not measured: {scale['error']}", ""]
    settings = scale["settings"]
    fanouts: Mapping[str, Mapping[str, object]] = scale["fanouts"]
    largest = fanouts[str(max(int(key) for key in fanouts))]
    measured = scale.get("machine")
    when = (
        [
            f"Measured {measured['date']} on {measured['cpu_model']} "
            f"({measured['cores']} cores) at commit `{measured['git_commit']}`; "
            f"load average (1 min) at start: {measured.get('load_average_1m', '–')}.",
            "",
        ]
        if isinstance(measured, Mapping)
        else []
    )
    lines = [
        "## Scale: sources in one fan-out",
        "",
        *when,
        f"{largest['sources']} sources × {settings['tasks_per_source']:,} simulator tasks "
        f"({largest['total_tasks']:,}), each source its own simulator process on loopback "
        f"({settings['latency_ms']} ms latency), reached by `endpoint:` and a token variable "
        "in the sources file. One `dagster job backfill` of `sms_ingest_job` over the source "
        "partitions, run by a real `dagster-daemon` with `deploy/dagster.yaml` "
        f"({_limits(largest.get('limits') or {})}); every run is its own process "
        f"({settings['executor']} executor; {settings['cores']} cores). Wall = first run "
        "queued to last run finished; peak RSS = each worker's `peak_rss_mb` "
        "(the ingest's own process, from its materialization). The warehouse is then rebuilt "
        "once, by `sms_warehouse_job` as `sms_warehouse_sensor` requests it.",
        "",
        "| sources | tasks | runs ok | exact | wall s | tasks/s | most runs at once "
        "| run s (min / median / max) | worker peak RSS MB (min / median / max) "
        "| then the warehouse |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for key in sorted(fanouts, key=int):
        fanout = fanouts[key]
        wall = fanout.get("wall_s")
        rate = fanout.get("tasks_per_s")
        lines.append(
            f"| {fanout['sources']} | {fanout['total_tasks']:,} "
            f"| {fanout['runs_succeeded']}/{fanout['sources']} "
            f"| {'yes' if fanout['exact'] else '**no**'} "
            f"| {wall if wall is not None else '–'} | {f'{rate:,}' if rate else '–'} "
            f"| {fanout.get('most_runs_at_once', '–')} "
            f"| {_spread(fanout.get('run_s'))} | {_spread(fanout.get('peak_rss_mb'))} "
            f"| {_warehouse(fanout.get('warehouse'))} |"
        )
        if fanout.get("failed_sources"):
            lines.append(f"|  | failed: {', '.join(fanout['failed_sources'])} ||||||||")
    growth = scale.get("rss_growth")
    if growth is not None and len(fanouts) > 1:
        counts = sorted(int(key) for key in fanouts)
        verdict = "yes" if scale.get("rss_flat") else "**no**"
        lines += [
            "",
            f"Memory per worker as sources grow: median peak RSS at {counts[-1]} sources / at "
            f"{counts[0]} sources = {growth:.2f}× (flat means < {scale['rss_flat_threshold']}×): "
            f"{verdict}.",
        ]
    return [*lines, ""]
