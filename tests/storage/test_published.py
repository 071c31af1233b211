"""Pointer publishing on S3: a new version is invisible until the pointer moves to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.orchestration.resources import DataStorage
from pipelines.storage.published import NothingPublished, PublishedArea

from .conftest import Bucket


def area(bucket: Bucket, tmp_path: Path, name: str = "exports") -> PublishedArea:
    return DataStorage(data_dir=bucket.data_dir).published(name)


def tree(root: Path, text: str) -> Path:
    (root / "csv").mkdir(parents=True)
    (root / "csv" / "a.csv").write_text(text)
    (root / "manifest.json").write_text(json.dumps({"v": text}))
    return root


def test_the_pointer_names_the_last_tree_and_old_versions_are_pruned(
    s3_env: Bucket, tmp_path: Path
):
    exports = area(s3_env, tmp_path)
    pointers = [
        exports.publish_tree(tree(tmp_path / f"v{n}", f"version {n}"), run_id=f"run-{n}")
        for n in range(5)
    ]

    current = exports.current()
    assert current == pointers[-1] and current.run_id == "run-4"
    assert s3_env.keys("exports") == sorted(
        ["exports/current.json"]
        + [f"{p.path}/{leaf}" for p in pointers[-3:] for leaf in ("csv/a.csv", "manifest.json")]
    )
    local, pointer = exports.cached_tree()
    assert pointer == current
    assert (local / "csv" / "a.csv").read_text() == "version 4"


def test_a_file_version_is_downloaded_once_and_replaced_when_the_pointer_moves(
    s3_env: Bucket, tmp_path: Path
):
    warehouse = area(s3_env, tmp_path, "warehouse")
    first_file = tmp_path / "first.duckdb"
    first_file.write_bytes(b"first build")
    first = warehouse.publish_file(first_file, ".duckdb", run_id="run-1")
    cached, pointer = warehouse.cached_file()
    assert (pointer, cached.read_bytes()) == (first, b"first build")

    second_file = tmp_path / "second.duckdb"
    second_file.write_bytes(b"second build")
    second = warehouse.publish_file(second_file, ".duckdb", run_id="run-2")
    cached_again, pointer = warehouse.cached_file()

    assert pointer == second and cached_again.read_bytes() == b"second build"
    assert not cached.exists(), "the older cached version is dropped"
    assert second.path.startswith("warehouse/builds/") and second.path.endswith(".duckdb")


def test_an_area_without_a_pointer_has_nothing_published(s3_env: Bucket, tmp_path: Path):
    report = area(s3_env, tmp_path, "report")
    assert report.current() is None
    assert report.fetch_file(tmp_path / "x") is False
    with pytest.raises(NothingPublished, match="nothing published at s3://.*/report/current.json"):
        report.cached_tree()


def test_a_warehouse_build_starts_from_the_published_build_and_publishes_behind_the_pointer(
    s3_env: Bucket, tmp_path: Path
):
    """A subset run keeps the models it does not rebuild: it starts from the current build."""
    import duckdb

    from pipelines.warehouse.build import build_connection, publish

    storage = DataStorage(data_dir=s3_env.data_dir)
    build_dir = tmp_path / "builds"
    with build_connection(build_dir, "run-1", storage.warehouse_target, storage.lake_root) as con:
        con.execute("CREATE TABLE mart_kept AS SELECT 42 AS answer")
    first = publish(build_dir, "run-1", storage.warehouse_target)

    with build_connection(build_dir, "run-2", storage.warehouse_target, storage.lake_root) as con:
        kept = con.execute("SELECT answer FROM mart_kept").fetchall()
        con.execute("CREATE TABLE mart_new AS SELECT 7 AS n")
    second = publish(build_dir, "run-2", storage.warehouse_target)

    assert kept == [(42,)]
    pointer = storage.published("warehouse").current()
    assert pointer.run_id == "run-2" and second.name == pointer.path.rsplit("/", 1)[1]
    assert not first.exists() and not any(build_dir.glob("*.duckdb"))
    with duckdb.connect(str(second), read_only=True) as con:
        assert con.execute("SELECT answer FROM mart_kept").fetchall() == [(42,)]
    assert s3_env.read(pointer.path) == second.read_bytes()
