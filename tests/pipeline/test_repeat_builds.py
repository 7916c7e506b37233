"""Builds repeated in one process (a preview session, a check after a build, a test run) keep what
they parsed, compiled and hashed, and still see every change: a template, a handout or an input
file edited between two builds prints its new text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import handouts.pipeline.incremental as incremental
from conftest import pdf_text
from fixture_project import BACK_CARE, make_project
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


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The input files actually read (not answered from what the process remembers)."""
    read: list[Path] = []
    real = incremental.sha256_file
    monkeypatch.setattr(incremental, "sha256_file", lambda path: read.append(path) or real(path))
    monkeypatch.setattr(incremental, "_known_hashes", {})
    return read


def test_an_input_left_alone_is_read_once_per_process(tmp_path: Path, reads, monkeypatch) -> None:
    font = tmp_path / "font.ttf"
    font.write_bytes(b"glyphs")
    monkeypatch.setattr(incremental.time, "time_ns", lambda: font.stat().st_ctime_ns + incremental.SETTLED_NS)
    first = incremental.input_sha256(font)
    assert incremental.input_sha256(font) == first
    assert reads == [font]


def test_an_input_written_just_before_a_build_is_read_by_every_build(tmp_path: Path, reads, monkeypatch) -> None:
    """A second write in the same clock tick would leave the file's times as they were: such a file
    is read again every time until it has been left alone for SETTLED_NS."""
    font = tmp_path / "font.ttf"
    font.write_bytes(b"glyphs")
    monkeypatch.setattr(incremental.time, "time_ns", lambda: font.stat().st_ctime_ns + incremental.SETTLED_NS - 1)
    incremental.input_sha256(font)
    incremental.input_sha256(font)
    assert reads == [font, font]


def test_an_input_replaced_by_another_file_is_read_again(tmp_path: Path, reads, monkeypatch) -> None:
    font = tmp_path / "font.ttf"
    font.write_bytes(b"glyphs")
    monkeypatch.setattr(incremental.time, "time_ns", lambda: 2**62)  # every file long settled
    first = incremental.input_sha256(font)
    replacement = tmp_path / "new.ttf"
    replacement.write_bytes(b"GLYPHS")
    os.utime(replacement, ns=(font.stat().st_atime_ns, font.stat().st_mtime_ns))
    replacement.replace(font)  # as an editor saves: a new file under the old name, same size and mtime

    assert incremental.input_sha256(font) != first
    assert reads == [font, font]
