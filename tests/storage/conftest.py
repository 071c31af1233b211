"""A real S3-compatible server (moto, server mode) on loopback, and a fresh bucket per test.

The pipeline reaches it exactly as it would reach Huawei OBS: ``SMS_DATA_DIR=s3://...``
plus the standard AWS variables. Tests read back through a separate filesystem object.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs
import pytest
from moto.server import ThreadedMotoServer

from pipelines.orchestration.sms_source import SOURCE_VARS
from pipelines.storage.location import STORAGE_ENV_VARS

#: A canary secret key: it must never appear in any object, log or run storage.
SECRET_KEY = "canary-s3-secret-8c1e5b7a9d3f"
ACCESS_KEY = "CANARYS3AKEXAMPLE0001"
REGION = "us-east-1"


@dataclass(frozen=True)
class Bucket:
    """One test's bucket on the moto server, and the environment that points at it."""

    endpoint: str
    name: str
    prefix: str
    env: dict[str, str]
    fs: pafs.S3FileSystem

    @property
    def data_dir(self) -> str:
        return f"s3://{self.name}/{self.prefix}"

    def keys(self, under: str = "") -> list[str]:
        """Object keys below the data dir (relative to it), sorted."""
        root = f"{self.name}/{self.prefix}"
        selector = pafs.FileSelector(
            f"{root}/{under}".rstrip("/"), recursive=True, allow_not_found=True
        )
        return sorted(
            info.path[len(root) + 1 :]
            for info in self.fs.get_file_info(selector)
            if info.type == pafs.FileType.File
        )

    def read(self, key: str) -> bytes:
        with self.fs.open_input_stream(f"{self.name}/{self.prefix}/{key}") as stream:
            return stream.read()

    def download_all(self, target: Path) -> Path:
        """Every object of the bucket as local files (to scan them like a data dir)."""
        for key in self.keys():
            local = target / key
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(self.read(key))
        return target


def s3_filesystem(endpoint: str) -> pafs.S3FileSystem:
    return pafs.S3FileSystem(
        endpoint_override=endpoint.removeprefix("http://"),
        scheme="http",
        region=REGION,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        allow_bucket_creation=True,
    )


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def new_bucket(endpoint: str, cache_dir: Path) -> Bucket:
    fs = s3_filesystem(endpoint)
    name = f"sms-{secrets.token_hex(6)}"
    fs.create_dir(name)
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "SMS_DATA_DIR": f"s3://{name}/team/sms",
        "SMS_CACHE_DIR": str(cache_dir),
    }
    return Bucket(endpoint, name, "team/sms", env, fs)


@pytest.fixture
def bucket(moto_endpoint: str, tmp_path: Path) -> Bucket:
    return new_bucket(moto_endpoint, tmp_path / "cache")


@pytest.fixture
def s3_env(bucket: Bucket, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Bucket:
    """os.environ = no SMS source settings, SMS_DATA_DIR on the bucket, a private DAGSTER_HOME."""
    for name in (
        *SOURCE_VARS,
        *STORAGE_ENV_VARS,
        "SMS_DATA_DIR",
        "SMS_SCHEDULE_CRON",
        "SMS_SOURCES",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in bucket.env.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert os.environ["SMS_DATA_DIR"] == bucket.data_dir
    return bucket
