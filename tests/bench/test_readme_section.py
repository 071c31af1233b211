"""The benchmark table lands in README between its markers, and only there."""

import pytest

from bench.readme_section import replace_section, section_body


def test_replaces_only_the_marked_section():
    readme = "intro\n<!-- bench:start -->\nold\n<!-- bench:end -->\noutro\n"
    assert replace_section(readme, "| a | b |\n") == (
        "intro\n<!-- bench:start -->\n| a | b |\n<!-- bench:end -->\noutro\n"
    )


def test_refuses_a_readme_without_markers():
    with pytest.raises(ValueError, match="no <!-- bench:start -->"):
        replace_section("no markers", "x")


def test_other_sections_have_their_own_markers():
    readme = "<!-- bench:start -->\nb\n<!-- bench:end -->\n<!-- x:start -->\n<!-- x:end -->\n"
    assert replace_section(readme, "new", "x") == (
        "<!-- bench:start -->\nb\n<!-- bench:end -->\n<!-- x:start -->\nnew\n<!-- x:end -->\n"
    )


def test_a_document_becomes_a_section_one_level_down():
    assert section_body("# Title\n\ntext\n## Part\nmore") == "text\n### Part\nmore\n"
