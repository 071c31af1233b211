"""Publish a whole directory at once, so readers never see half of a new tree.

The new tree is built in a hidden temp directory beside the target (same file
system, so renames are atomic). Then: target -> ``.<name>.old-*``, temp -> target,
old deleted. A reader sees the complete old tree or the complete new one; for the
instant between the two renames the target is absent, never mixed. If building
fails, the temp directory is removed and the previous tree is left untouched.
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
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
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
