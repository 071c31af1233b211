"""Make the repo-root ``bench`` package importable: it is a tool, not part of the installed
``pipelines`` distribution, and ``pytest`` (unlike ``python -m pytest``) does not add the cwd."""

import sys
from pathlib import Path

REPO_ROOT = str(Path(__file__).resolve().parents[2])
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)
