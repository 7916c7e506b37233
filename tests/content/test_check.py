"""`handouts check` on the shipped content: readable, its figure labels legible, and as booklets
within five sheets. One check run of a copy of the shipped project, shared by the tests.

A check lays out every PDF it judges, one after another: the run is narrowed to one clinic's
longest language (German) and its right-to-left one (Arabic). That every sample PDF in every
language fits its target pages is read from the session build (test_samples.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Result, copy_project

TODAY = "2026-11-23"  # review dates are judged against this day, never the clock
BOOKLET_CLINIC = "stadtpark"  # A4 folded to A5
BOOKLET_LANGS = ("de", "ar")  # German's long words; Arabic right to left
LANG_ARGS = [arg for lang in BOOKLET_LANGS for arg in ("--lang", lang)]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """The shipped project, one clinic set to `booklet: true` as the README says, checked once.
    The booklet is the tool's variant: one clinic in all its languages shows the shipped handouts
    fold within five sheets (tests/render/test_booklet.py imposes Letter too)."""
    project = copy_project(tmp_path_factory.mktemp("checked") / "project")
    clinic = project / "clinics" / BOOKLET_CLINIC / "clinic.yaml"
    clinic.write_text(clinic.read_text() + "booklet: true\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "handouts",
            "-C",
            str(project),
            "check",
            "--clinic",
            BOOKLET_CLINIC,
            *LANG_ARGS,
            "--today",
            TODAY,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return project, Result(done.returncode, done.stdout, done.stderr)


def test_check_passes_on_the_shipped_project_and_shows_readability(checked: tuple[Path, Result]) -> None:
    project, result = checked
    assert result.code == 0, result.out
    assert "All checks passed." in result.out
    assert re.search(r"microcurrent-back-pain: Flesch–Kincaid grade \d+\.\d, SMOG \d+\.\d", result.out)
    assert "fit          ok     10 clinic × language × handout layouts within their target pages" in result.out
    # Every shipped figure label prints at 9 pt or more and stays inside its drawing, in every language:
    # a warning would fail a --strict build.
    assert "figure label" not in result.err
    assert not (project / "output").exists()  # nothing written


def test_check_passes_with_booklet_true_in_german_and_arabic(
    checked: tuple[Path, Result],
) -> None:
    """Every shipped handout, the widest among them (the pain diary's tables, TENS's figure and
    table) included, as a booklet in German and Arabic: no fit error, no glyph error."""
    _, result = checked
    assert [line for line in (result.out + result.err).splitlines() if line.startswith("error:")] == []
    assert "; 10 booklets within 5 sheets" in result.out
    assert result.code == 0
