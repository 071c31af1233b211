"""Publish a whole directory at once, so readers never see half of a new tree.

The new tree is built in a hidden temp directory beside the target (same file
system, so renames are atomic). Then: target -> ``.<name>.old-*``, temp -> target,
old deleted. A reader sees the complete old tree or the complete new one; for the
instant between the two renames the target is absent, never mixed. If building
fails, the temp directory is removed and the previous tree is left untouched.
Leftovers of a killed publish are swept first: a retired tree whose target went
missing is put back, other retired trees and stale half-built ones are deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def publish_directory(target: Path, build: Callable[[Path], T]) -> T:
    """Run ``build(staging_dir)`` and swap the result into ``target``; return its result."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(target)
    # The builder's pid in the name tells a killed build from one still running.
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-{os.getpid()}-", dir=target.parent))
    try:
        result = build(staging)
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700; published trees are readable
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired: Path | None = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(retired)
        os.replace(target, retired)
    try:
        os.replace(staging, target)
    except BaseException:
        if retired is not None:
            os.replace(retired, target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
    return result


def sweep_leftovers(target: Path) -> None:
    """Undo what a publish killed half-way left beside ``target``."""
    retired = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if retired and not target.exists():
        os.replace(retired.pop(), target)  # killed between the two renames: restore
    for path in retired:
        shutil.rmtree(path, ignore_errors=True)
    for path in target.parent.glob(f".{target.name}.new-*"):
        if not _builder_alive(path.name.removeprefix(f".{target.name}.new-")):
            shutil.rmtree(path, ignore_errors=True)


def _builder_alive(suffix: str) -> bool:
    pid_text = suffix.partition("-")[0]
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
