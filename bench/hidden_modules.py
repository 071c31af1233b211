"""Run a child as if some installed package were absent (the bench extra is not ours)."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec


class _AbsentFinder(importlib.abc.MetaPathFinder):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: object = None
    ) -> ModuleSpec | None:
        if fullname.split(".", 1)[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def hide_modules(*names: str) -> None:
    """Make ``import <name>`` fail as if the package were not installed."""
    if any(name in sys.modules for name in names):
        raise RuntimeError(f"too late to hide {names}: already imported")
    sys.meta_path.insert(0, _AbsentFinder(frozenset(names)))
