"""Builds repeated in one process (a preview session, a check after a build, a test run) keep what
they parsed and compiled (handouts.kept), and still see every change: a template or a handout
edited between two builds prints its new text, and a template's mistake is named at its line."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import pdf_text
from fixture_project import BACK_CARE, make_project
from handouts.kept import Kept
from handouts.source.yamlfile import load_yaml

BUILD = ("build", "-j", "1", "--format", "pdf")


def test_a_template_edited_between_two_builds_prints_its_new_text(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"back-care": BACK_CARE})
    assert run(root, *BUILD).code == 0
    paragraph = root / "templates" / "blocks" / "paragraph.html"
    paragraph.write_text(paragraph.read_text().replace("{{ t(block.text) }}", "Edited: {{ t(block.text) }}"))

    assert run(root, *BUILD).code == 0
    assert "Edited: Rest a little, then move." in pdf_text(root / "output/fixture/en/back-care.pdf")


def test_a_handout_edited_to_the_same_size_prints_its_new_text(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"back-care": BACK_CARE})
    assert run(root, *BUILD).code == 0
    handout = root / "handouts" / "back-care.yaml"
    before = handout.stat()
    handout.write_text(handout.read_text().replace("Rest a little", "Rest a minute"))
    os.utime(handout, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a copy that keeps times would
    assert handout.stat().st_size == before.st_size

    assert run(root, *BUILD).code == 0
    assert "Rest a minute, then move." in pdf_text(root / "output/fixture/en/back-care.pdf")


def test_each_load_of_a_kept_yaml_text_gets_its_own_data(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text("name: North\naddress: [1 Road]\n")
    first, _ = load_yaml(path, "clinic.yaml")
    first["address"].append("changed by a caller")
    second, lines = load_yaml(path, "clinic.yaml")
    assert second == {"name": "North", "address": ["1 Road"]}
    assert lines[("address",)] == 2


def test_a_template_mistake_is_named_at_its_line_when_compiled_and_when_kept(tmp_path: Path, run) -> None:
    """The second build renders from the compiled code kept from the first: the same file and line."""
    root = make_project(tmp_path / "p", {"back-care": BACK_CARE})
    paragraph = root / "templates" / "blocks" / "paragraph.html"
    paragraph.write_text("{# a comment #}\n\n{{ t(block.text) }} {{ 1 // 0 }}\n")
    first, second = run(root, *BUILD), run(root, *BUILD)
    expected = "error: templates/blocks/paragraph.html:3: the template failed here (ZeroDivisionError"
    assert first.code == second.code == 1
    assert expected in first.err and expected in second.err, first.err + second.err


def test_what_a_process_keeps_stays_within_its_budget() -> None:
    kept: Kept[str, str] = Kept(budget=10)
    kept.put("a", "A", 4)
    kept.put("b", "B", 4)
    assert kept.get("a") == "A"  # now the most recently used
    kept.put("c", "C", 4)  # over the budget: the least recently used goes
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")
    kept.put("huge", "H", 11)  # larger than the whole budget: never kept, nothing dropped for it
    assert (kept.get("huge"), kept.get("a"), kept.get("c")) == (None, "A", "C")
