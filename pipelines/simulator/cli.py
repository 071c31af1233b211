"""``sms-simulator``: run the simulated SMS API until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading
from dataclasses import fields
from datetime import timedelta
from types import FrameType

from .config import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN, SimulatorConfig
from .faults import Faults
from .server import SimulatorServer

FAULT_HELP = {
    "latency_ms": "sleep this long before answering each request",
    "throttle_burst": "the next N requests get 429 APIG.0308",
    "throttle_every": "every Nth request gets 429",
    "retry_after_s": "Retry-After seconds on 429 responses",
    "server_error_burst": "the next N requests get 500/502/503/504 in turn (HTML body)",
    "server_error_every": "every Nth request gets a 5xx",
    "truncate_burst": "the next N responses are cut in half, then the connection closes",
    "truncate_every": "every Nth response is truncated",
    "drop_burst": "the next N requests are answered by closing the connection",
    "drop_every": "every Nth request is dropped",
    "non_json_burst": "the next N requests get a 200 text/html body",
    "non_json_every": "every Nth request gets a 200 text/html body",
    "add_at_head_per_request": "after each served page, add N new tasks at the head",
    "remove_at_head_per_request": "after each served page, remove the N newest tasks",
    "mutations_budget": "stop adding/removing after this many tasks (default: unlimited)",
    "max_limit": "silently clamp limit to this (0 = off)",
    "empty_page_once_at_offset": "the first request at this offset gets an empty page",
    "token_expires_after": "reject the token after N authenticated requests (0 = never)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sms-simulator",
        description="Serve a simulated Huawei Cloud SMS API (GET /v3/tasks) for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    parser.add_argument("--port", type=int, default=8787, help="port (0 = any free port)")
    parser.add_argument("--tasks", type=int, default=500, help="number of generated tasks")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generator")
    parser.add_argument("--token", default=os.environ.get("SMS_SIMULATOR_TOKEN", DEMO_TOKEN))
    parser.add_argument("--ak", default=os.environ.get("SMS_SIMULATOR_AK", DEMO_AK))
    parser.add_argument(
        "--sk",
        default=os.environ.get("SMS_SIMULATOR_SK", DEMO_SK),
        help="secret key (prefer the SMS_SIMULATOR_SK environment variable)",
    )
    parser.add_argument("--project-id", default=DEMO_PROJECT_ID)
    parser.add_argument(
        "--advance-every",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="advance the simulated clock every SECONDS of real time (0 = never)",
    )
    parser.add_argument(
        "--advance-by", type=float, default=60.0, metavar="MINUTES", help="simulated minutes"
    )
    faults = parser.add_argument_group("faults")
    for spec in fields(Faults):
        if not spec.init:
            continue
        faults.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=int,
            default=spec.default,
            metavar="N",
            help=FAULT_HELP[spec.name],
        )
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _announce(simulator: SimulatorServer, config: SimulatorConfig, host: str) -> None:
    """Print where to connect and with which credentials; the SK itself is never printed."""
    sk_note = "the documented demo SK" if config.sk == DEMO_SK else "custom (not shown)"
    print(f"SMS simulator serving {config.tasks} tasks at {simulator.base_url}/v3/tasks")
    print(f"  X-Auth-Token: {config.token if config.token == DEMO_TOKEN else '(custom)'}")
    print(f"  AK: {config.ak}   SK: {sk_note}   project id: {config.project_id}")
    if not _is_loopback(host):
        print(f"  warning: listening on {host}, reachable from other machines")
    print("Press Ctrl-C to stop.", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.tasks < 0:
        parser.error("--tasks must be >= 0")
    if args.advance_every < 0 or args.advance_by <= 0:
        parser.error("--advance-every must be >= 0 and --advance-by > 0")
    try:
        fault_settings = Faults(
            **{spec.name: getattr(args, spec.name) for spec in fields(Faults) if spec.init}
        )
        config = SimulatorConfig(
            tasks=args.tasks,
            seed=args.seed,
            token=args.token,
            ak=args.ak,
            sk=args.sk,
            project_id=args.project_id,
        )
    except ValueError as error:
        parser.error(str(error))
    simulator = SimulatorServer(config, fault_settings, host=args.host, port=args.port)
    try:
        simulator.start()
    except OSError as error:
        print(f"sms-simulator: cannot listen on {args.host}:{args.port}: {error.strerror}")
        return 1
    # Both stop it, even when started from a shell that ignores SIGINT (a background job
    # inherits SIG_IGN, and Python then installs no Ctrl-C handler of its own).
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        _announce(simulator, config, args.host)
        stop = threading.Event()
        while not stop.wait(args.advance_every or 3600):
            if args.advance_every:
                simulator.clock.advance(timedelta(minutes=args.advance_by))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        simulator.stop()
    print("stopped.")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
