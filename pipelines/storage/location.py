"""``SMS_DATA_DIR`` -> a local directory or an S3 location, and the S3 client settings.

Object storage is any S3-compatible store (Huawei OBS, AWS S3, MinIO, ...), reached with
pyarrow's S3 filesystem and configured by the usual AWS variables. Every mistake is one
:class:`SettingsError` sentence that never repeats a secret (a URL with credentials in it is
refused without being echoed).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from pipelines.settings import SettingsError

S3_SCHEME = "s3://"
#: S3 bucket naming rules (also OBS's): 3-63 lower-case letters, digits, '.', '-'.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
#: Huawei OBS endpoints, e.g. https://obs.ap-southeast-3.myhuaweicloud.com: region in the host.
OBS_HOST = re.compile(r"obs\.([a-z0-9-]+)\.myhuaweicloud\.com")
DEFAULT_REGION = "us-east-1"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}

#: Environment variables read for object storage (README, docs/object-storage.md).
STORAGE_ENV_VARS: dict[str, str] = {
    "AWS_ENDPOINT_URL_S3": "S3 endpoint URL (wins over AWS_ENDPOINT_URL), e.g. "
    "https://obs.ap-southeast-3.myhuaweicloud.com",
    "AWS_ENDPOINT_URL": "S3 endpoint URL; unset = AWS S3",
    "AWS_REGION": "Region of the bucket (wins over AWS_DEFAULT_REGION); "
    "derived from an OBS endpoint when unset",
    "AWS_DEFAULT_REGION": "Region of the bucket",
    "AWS_ACCESS_KEY_ID": "Access key (with AWS_SECRET_ACCESS_KEY); unset = the default chain",
    "AWS_SECRET_ACCESS_KEY": "Secret key; never logged, never written anywhere",
    "AWS_SESSION_TOKEN": "Session token of temporary credentials",
    "SMS_S3_VIRTUAL_ADDRESSING": "true = bucket.host URLs (default for OBS endpoints), "
    "false = host/bucket URLs (default otherwise)",
    "SMS_CACHE_DIR": "Local scratch and cache for an s3:// data dir (default: the temp dir)",
}


@dataclass(frozen=True)
class LocalDataDir:
    """A data directory on this machine's disk."""

    path: Path


@dataclass(frozen=True)
class S3DataDir:
    """A data directory in a bucket: every key starts with ``prefix/`` (no prefix: the root)."""

    bucket: str
    prefix: str = ""

    @property
    def root_key(self) -> str:
        """The pyarrow path of the data directory: ``bucket`` or ``bucket/prefix``."""
        return f"{self.bucket}/{self.prefix}" if self.prefix else self.bucket

    @property
    def url(self) -> str:
        return S3_SCHEME + self.root_key

    def cache_name(self) -> str:
        """A directory name unique to this location (for the local cache)."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", self.root_key)


DataDir = LocalDataDir | S3DataDir


def parse_data_dir(text: str, name: str = "SMS_DATA_DIR") -> DataDir:
    """A local path, or ``s3://bucket[/prefix]``; anything else is a SettingsError."""
    if not _URL_SCHEME.match(text):
        return LocalDataDir(Path(text).expanduser().resolve())
    if not text.startswith(S3_SCHEME):
        scheme = text.split("://", 1)[0]
        raise SettingsError(
            f"{name} must be a local path or s3://bucket/prefix, got a {scheme}:// URL "
            "(for Huawei OBS use s3:// with AWS_ENDPOINT_URL=https://obs.<region>.myhuaweicloud.com)"
        )
    parts = urlsplit(text)
    if "@" in parts.netloc or parts.username or parts.password:
        raise SettingsError(
            f"{name} must not carry credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise SettingsError(f"{name} must not carry a query or fragment, got {text!r}")
    bucket = parts.netloc
    if not bucket:
        raise SettingsError(f"{name} {text!r} names no bucket: use s3://bucket/prefix")
    if not BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise SettingsError(
            f"{name} bucket {bucket!r} is not a valid bucket name "
            "(3-63 lower-case letters, digits, '.' or '-')"
        )
    segments = [segment for segment in parts.path.split("/") if segment]
    if any(segment in (".", "..") for segment in segments) or "//" in parts.path.strip("/"):
        raise SettingsError(f"{name} prefix {parts.path!r} must not contain '.', '..' or '//'")
    return S3DataDir(bucket=bucket, prefix="/".join(segments))


@dataclass(frozen=True)
class S3Settings:
    """How to reach the store; secrets are kept out of ``repr``."""

    endpoint: str | None
    region: str
    scheme: str = "https"
    virtual_addressing: bool = False
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    @property
    def endpoint_override(self) -> str | None:
        """``host[:port]`` for pyarrow (the scheme is passed on its own)."""
        return urlsplit(self.endpoint).netloc if self.endpoint else None


def _text(environ: Mapping[str, str | None], name: str) -> str | None:
    value = environ.get(name)
    return value.strip() if value and value.strip() else None


def _flag(environ: Mapping[str, str | None], name: str, default: bool) -> bool:
    value = _text(environ, name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


def _endpoint(environ: Mapping[str, str | None]) -> tuple[str | None, str | None]:
    """``(endpoint URL, name of the variable it came from)``."""
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        value = _text(environ, name)
        if value:
            parts = urlsplit(value)
            if parts.username or parts.password or "@" in parts.netloc:
                raise SettingsError(f"{name} must not carry credentials")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingsError(
                    f"{name} must be an http(s) URL such as "
                    f"https://obs.ap-southeast-3.myhuaweicloud.com, got {value!r}"
                )
            if parts.path.strip("/") or parts.query or parts.fragment:
                raise SettingsError(f"{name} must be a bare http(s)://host[:port], got {value!r}")
            return value.rstrip("/"), name
    return None, None


def load_s3_settings(environ: Mapping[str, str | None]) -> S3Settings:
    """The S3 client settings from the standard AWS variables (plus SMS_S3_VIRTUAL_ADDRESSING)."""
    endpoint, _ = _endpoint(environ)
    host = (urlsplit(endpoint).hostname or "") if endpoint else ""
    obs = OBS_HOST.fullmatch(host)
    region = (
        _text(environ, "AWS_REGION")
        or _text(environ, "AWS_DEFAULT_REGION")
        or (obs.group(1) if obs else DEFAULT_REGION)
    )
    access_key = _text(environ, "AWS_ACCESS_KEY_ID")
    secret_key = _text(environ, "AWS_SECRET_ACCESS_KEY")
    if bool(access_key) != bool(secret_key):
        have, lack = (
            ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
            if access_key
            else ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")
        )
        raise SettingsError(f"{have} is set but {lack} is not: S3 access needs both")
    session_token = _text(environ, "AWS_SESSION_TOKEN")
    if session_token and not access_key:
        raise SettingsError("AWS_SESSION_TOKEN is set without AWS_ACCESS_KEY_ID/SECRET_ACCESS_KEY")
    return S3Settings(
        endpoint=endpoint,
        region=region,
        scheme=urlsplit(endpoint).scheme if endpoint else "https",
        virtual_addressing=_flag(environ, "SMS_S3_VIRTUAL_ADDRESSING", default=bool(obs)),
        access_key=access_key,
        secret_key=secret_key,
        session_token=session_token,
    )


def s3_filesystem(settings: S3Settings) -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem for these settings (no bucket creation, ever)."""
    options: dict[str, object] = {
        "region": settings.region,
        "scheme": settings.scheme,
        "force_virtual_addressing": settings.virtual_addressing,
        "allow_bucket_creation": False,
        "allow_bucket_deletion": False,
    }
    if settings.endpoint_override:
        options["endpoint_override"] = settings.endpoint_override
    if settings.access_key:
        options.update(access_key=settings.access_key, secret_key=settings.secret_key)
        if settings.session_token:
            options["session_token"] = settings.session_token
    return pafs.S3FileSystem(**options)


def cache_root(environ: Mapping[str, str | None] | None = None) -> Path:
    """Local scratch/cache root for remote data dirs: ``$SMS_CACHE_DIR`` or the temp dir."""
    environ = os.environ if environ is None else environ
    configured = _text(environ, "SMS_CACHE_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(tempfile.gettempdir()) / f"sms-analytics-cache-{os.getuid()}"
