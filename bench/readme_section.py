"""Copy the benchmark's markdown into README.md, between its bench markers."""

from __future__ import annotations

from pathlib import Path

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


def replace_section(readme: str, body: str) -> str:
    """``readme`` with the text between the markers replaced by ``body``."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not (start and end):
        raise ValueError(f"README has no {START} ... {END} section")
    return f"{head}{START}\n{body.strip()}\n{END}{tail}"


def update_readme(readme_path: Path, results_markdown: str) -> None:
    # The results file starts with its own H1; inside README it sits under "## Benchmarks".
    body = results_markdown.replace("# Benchmark results\n", "", 1).replace("\n## ", "\n### ")
    readme_path.write_text(replace_section(readme_path.read_text(), body))
