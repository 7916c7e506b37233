"""CLI wiring: what each option selects, and where the PDFs go."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HANDOUT
from handouts import __version__


def pdfs(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.pdf"))


@pytest.mark.contract
def test_lang_and_out_narrow_the_build(project: Path, run, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    result = run(project, "build", "--lang", "en", "--lang", "ru", "--handout", HANDOUT, "--out", str(out))
    assert result.code == 0, result.out
    assert pdfs(out) == [f"stadtpark/en/{HANDOUT}.pdf", f"stadtpark/ru/{HANDOUT}.pdf"]
    assert not (project / "output").exists()
    lines = result.err.splitlines()
    # In the clinic's own order of languages (de, ru, ar, en).
    assert lines[0].startswith(f"built   {out}/stadtpark/ru/{HANDOUT}.pdf (")
    assert lines[1] == f"built   {out}/stadtpark/ru/{HANDOUT}.html"  # each PDF's HTML copy follows it
    assert lines[2].startswith(f"built   {out}/stadtpark/en/{HANDOUT}.pdf (")
    assert result.out.startswith("4 built, 0 skipped, 0 failed in ")
    assert (out / "index.html").is_file()  # the handout library


def test_clinic_and_handout_select_by_name(project: Path, run) -> None:
    result = run(project, "build", "--clinic", "stadtpark", "--handout", HANDOUT, "--lang", "en")
    assert result.code == 0
    assert pdfs(project / "output") == [f"stadtpark/en/{HANDOUT}.pdf"]


def test_unknown_handout(project: Path, run) -> None:
    result = run(project, "build", "--handout", "tens-knee")
    assert result.code == 1
    assert result.err == (
        "error: handouts/: unknown handout 'tens-knee'; the handouts are: back-exercises, "
        f"{HANDOUT}, microcurrent-screening-form, pain-diary, tens-at-home\n"
    )


def test_not_a_project_folder(tmp_path: Path, run) -> None:
    result = run(tmp_path, "build")
    assert result.code == 1
    assert result.err == (
        f"error: {tmp_path}: not a handouts project (no handouts.yaml or clinics/ here); "
        "create one with: handouts new DIR, or run the command in the project folder or pass --project DIR\n"
    )


def test_version_and_help(project: Path, run) -> None:
    assert run(project, "--version").out == f"handouts, version {__version__}\n"
    help_text = run(project, "build", "--help").out
    for option in ("--clinic", "--lang", "--handout", "--out"):
        assert option in help_text


def test_unknown_option_is_a_usage_error(project: Path, run) -> None:
    result = run(project, "build", "--colour", "red")
    assert result.code == 2
    assert "Error: No such option '--colour'" in result.err
