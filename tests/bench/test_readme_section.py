"""The benchmark table lands in README between its markers, and only there."""

import pytest

from bench.readme_section import replace_section


def test_replaces_only_the_marked_section():
    readme = "intro\n<!-- bench:start -->\nold\n<!-- bench:end -->\noutro\n"
    assert replace_section(readme, "| a | b |\n") == (
        "intro\n<!-- bench:start -->\n| a | b |\n<!-- bench:end -->\noutro\n"
    )


def test_refuses_a_readme_without_markers():
    with pytest.raises(ValueError, match="no <!-- bench:start -->"):
        replace_section("no markers", "x")
