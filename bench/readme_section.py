"""Copy generated markdown into README.md between ``<!-- NAME:start -->`` / ``:end`` markers.

Used for the benchmark table (``bench``) and the fault matrix (``fault-matrix``), so
README carries what the runs measured, not a hand-copied version of it.
"""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def replace_section(readme: str, body: str, name: str = "bench") -> str:
    """``readme`` with the text between the ``name`` markers replaced by ``body``."""
    start_marker, end_marker = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head, start, rest = readme.partition(start_marker)
    _, end, tail = rest.partition(end_marker)
    if not (start and end):
        raise ValueError(f"README has no {start_marker} ... {end_marker} section")
    return f"{head}{start_marker}\n{body.strip()}\n{end_marker}{tail}"


def section_body(markdown: str) -> str:
    """A generated document as a README section: its H1 dropped, its H2s made H3s."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).replace("\n## ", "\n### ").strip() + "\n"


def update_readme(markdown: str, name: str = "bench", readme_path: Path = README) -> None:
    readme_path.write_text(replace_section(readme_path.read_text(), section_body(markdown), name))
