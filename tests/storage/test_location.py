"""SMS_DATA_DIR as a URL and the S3 settings: one clear sentence per mistake, no secret in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.delivery.cli import main
from pipelines.orchestration.resources import DataStorage
from pipelines.settings import SettingsError
from pipelines.storage.location import (
    STORAGE_ENV_VARS,
    LocalDataDir,
    S3DataDir,
    load_s3_settings,
    parse_data_dir,
)

from .conftest import SECRET_KEY, Bucket


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://sms-lake", S3DataDir("sms-lake", "")),
        ("s3://sms-lake/", S3DataDir("sms-lake", "")),
        ("s3://sms-lake/team/prod/", S3DataDir("sms-lake", "team/prod")),
        ("s3://my.bucket-1/a", S3DataDir("my.bucket-1", "a")),
    ],
)
def test_s3_urls_name_a_bucket_and_a_prefix(text: str, expected: S3DataDir):
    assert parse_data_dir(text) == expected


def test_a_plain_path_stays_a_local_directory(tmp_path: Path):
    assert parse_data_dir(str(tmp_path / "data")) == LocalDataDir(tmp_path / "data")
    assert parse_data_dir("./data") == LocalDataDir(Path("./data").resolve())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("s3://", "SMS_DATA_DIR 's3://' names no bucket: use s3://bucket/prefix"),
        ("s3:///prefix", "SMS_DATA_DIR 's3:///prefix' names no bucket: use s3://bucket/prefix"),
        (
            "s3://Bad_Bucket/p",
            "SMS_DATA_DIR bucket 'Bad_Bucket' is not a valid bucket name "
            "(3-63 lower-case letters, digits, '.' or '-')",
        ),
        ("s3://b/p?x=1", "SMS_DATA_DIR must not carry a query or fragment, got 's3://b/p?x=1'"),
        ("s3://bucket/a/../b", "SMS_DATA_DIR prefix '/a/../b' must not contain '.', '..' or '//'"),
        (
            "obs://bucket/p",
            "SMS_DATA_DIR must be a local path or s3://bucket/prefix, got a obs:// URL (for "
            "Huawei OBS use s3:// with AWS_ENDPOINT_URL=https://obs.<region>.myhuaweicloud.com)",
        ),
    ],
)
def test_a_malformed_data_dir_url_is_one_clear_error(text: str, message: str):
    with pytest.raises(SettingsError) as error:
        parse_data_dir(text)
    assert str(error.value) == message


def test_credentials_in_the_url_are_refused_without_being_repeated():
    with pytest.raises(SettingsError) as error:
        parse_data_dir(f"s3://AKIDEXAMPLE:{SECRET_KEY}@bucket/prefix")
    assert SECRET_KEY not in str(error.value)
    assert str(error.value) == (
        "SMS_DATA_DIR must not carry credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )


def test_an_obs_endpoint_gives_the_region_and_virtual_hosted_addressing():
    settings = load_s3_settings(
        {"AWS_ENDPOINT_URL": "https://obs.ap-southeast-3.myhuaweicloud.com"}
    )
    assert (settings.region, settings.scheme, settings.virtual_addressing) == (
        "ap-southeast-3",
        "https",
        True,
    )
    assert settings.endpoint_override == "obs.ap-southeast-3.myhuaweicloud.com"


def test_explicit_variables_win_over_derived_values():
    settings = load_s3_settings(
        {
            "AWS_ENDPOINT_URL": "https://obs.ap-southeast-3.myhuaweicloud.com",
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000",
            "AWS_REGION": "cn-north-4",
            "SMS_S3_VIRTUAL_ADDRESSING": "false",
        }
    )
    assert (settings.endpoint, settings.region, settings.scheme) == (
        "http://127.0.0.1:9000",
        "cn-north-4",
        "http",
    )
    assert settings.virtual_addressing is False


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"},
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: S3 access needs both",
        ),
        (
            {"AWS_SECRET_ACCESS_KEY": SECRET_KEY},
            "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: S3 access needs both",
        ),
        (
            {"AWS_ENDPOINT_URL": "obs.cn-north-4.myhuaweicloud.com"},
            "AWS_ENDPOINT_URL must be an http(s) URL such as "
            "https://obs.ap-southeast-3.myhuaweicloud.com, got 'obs.cn-north-4.myhuaweicloud.com'",
        ),
        (
            {"AWS_ENDPOINT_URL": f"https://ak:{SECRET_KEY}@obs.example.com"},
            "AWS_ENDPOINT_URL must not carry credentials",
        ),
        (
            {"SMS_S3_VIRTUAL_ADDRESSING": "maybe"},
            "SMS_S3_VIRTUAL_ADDRESSING must be true or false, got 'maybe'",
        ),
    ],
)
def test_bad_s3_settings_are_one_clear_error(environ: dict[str, str], message: str):
    with pytest.raises(SettingsError) as error:
        load_s3_settings(environ)
    assert str(error.value) == message
    assert SECRET_KEY not in repr(error.value)


def test_the_settings_repr_hides_the_secret_key():
    settings = load_s3_settings({"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": SECRET_KEY})
    assert SECRET_KEY not in repr(settings)


def test_a_missing_bucket_is_a_settings_error_before_any_request(
    s3_env: Bucket, monkeypatch: pytest.MonkeyPatch
):
    storage = DataStorage(data_dir="s3://no-such-bucket-here/p")
    with pytest.raises(SettingsError) as error:
        storage.ensure_writable()
    message = str(error.value)
    assert message.startswith("SMS_DATA_DIR s3://no-such-bucket-here/p is not writable: ")
    assert "NO_SUCH_BUCKET" in message or "does not exist" in message
    assert "\n" not in message and SECRET_KEY not in message


def test_the_cli_says_what_is_wrong_with_the_data_dir_in_one_line(
    s3_env: Bucket, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("SMS_DATA_DIR", "gs://bucket/p")
    assert main(["paths"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sms-analytics paths: bad settings: SMS_DATA_DIR must be a local path")
    assert err.count("\n") == 1


def test_the_cli_says_nothing_is_published_yet(s3_env: Bucket, capsys: pytest.CaptureFixture[str]):
    assert main(["sql", "SELECT 1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"sms-analytics sql: nothing published at {s3_env.data_dir}/warehouse/current.json yet: "
        "build it first (sms-analytics run)\n"
    )


def test_every_storage_variable_is_documented():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "object-storage.md").read_text()
    assert [name for name in STORAGE_ENV_VARS if f"`{name}`" not in guide] == []
