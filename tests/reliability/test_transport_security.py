"""TLS verification is on unless a CA bundle is given; the simulator listens on loopback only.

A real HTTPS server with a self-signed certificate (made by ``openssl``) stands in for
an endpoint whose certificate the system does not trust: the default client refuses it,
and naming its certificate in ``SMS_CA_BUNDLE`` — the only opt-out — lets a full
ingestion through.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.ingest import client_config, ingest_snapshot
from pipelines.lake.store import list_snapshots
from pipelines.settings import ENV_VARS, load_source_settings
from pipelines.simulator import SimulatorServer
from pipelines.simulator.cli import build_parser as build_simulator_parser
from pipelines.sms.client import ClientConfig, SmsClient
from pipelines.sms.errors import SmsApiError

from .conftest import StartSimulator

EMPTY_PAGE = b'{"count": 0, "tasks": []}'


class _EmptyListing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(EMPTY_PAGE)))
        self.end_headers()
        self.wfile.write(EMPTY_PAGE)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def self_signed_cert(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make a test certificate (apt-get install openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def https_endpoint(self_signed_cert: tuple[Path, Path]) -> Iterator[str]:
    """``https://127.0.0.1:<port>`` serving an empty listing with the self-signed cert."""
    cert, key = self_signed_cert
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmptyListing)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_client_verifies_tls_by_default() -> None:
    assert ClientConfig("https://sms.cn-north-4.myhuaweicloud.com", token="t").verify is True
    settings = load_source_settings({"SMS_REGION": "ap-southeast-3", "SMS_AUTH_TOKEN": "t"})
    assert client_config(settings, settings.endpoint or "").verify is True


def test_a_ca_bundle_is_the_only_way_to_change_verification(
    self_signed_cert: tuple[Path, Path],
) -> None:
    cert, _ = self_signed_cert
    settings = load_source_settings(
        {"SMS_REGION": "ap-southeast-3", "SMS_AUTH_TOKEN": "t", "SMS_CA_BUNDLE": str(cert)}
    )
    assert client_config(settings, settings.endpoint or "").verify == str(cert)
    assert not any("VERIFY" in name or "INSECURE" in name for name in ENV_VARS)


def test_untrusted_certificate_is_refused_and_nothing_is_published(
    https_endpoint: str, tmp_path: Path
) -> None:
    with (
        SmsClient(ClientConfig(https_endpoint, token="t", max_retries=0)) as client,
        pytest.raises(SmsApiError, match="TLS failure"),
    ):
        client.get_page(0, 10)

    settings = load_source_settings({"SMS_ENDPOINT": https_endpoint, "SMS_AUTH_TOKEN": "t"})
    with pytest.raises(SmsApiError, match="TLS failure"):
        ingest_snapshot(settings, tmp_path / "lake")
    assert list_snapshots(tmp_path / "lake") == []


def test_ca_bundle_lets_the_ingestion_through(
    https_endpoint: str, self_signed_cert: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, _ = self_signed_cert
    settings = load_source_settings(
        {"SMS_ENDPOINT": https_endpoint, "SMS_AUTH_TOKEN": "t", "SMS_CA_BUNDLE": str(cert)}
    )

    outcome = ingest_snapshot(settings, tmp_path / "lake")

    assert (outcome.listing.count, outcome.rows["tasks"]) == (0, 0)
    assert [row.snapshot_id for row in list_snapshots(tmp_path / "lake")] == [outcome.snapshot_id]


def test_simulator_binds_loopback_unless_told_otherwise(start_simulator: StartSimulator) -> None:
    sim = start_simulator(tasks=1)
    assert sim.host == "127.0.0.1"
    assert sim.base_url.startswith("http://127.0.0.1:")
    assert SimulatorServer().host == "127.0.0.1"
    assert build_simulator_parser().parse_args([]).host == "127.0.0.1"
