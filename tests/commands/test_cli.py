"""CLI wiring: what each option selects, and where the PDFs go."""

from __future__ import annotations

import subprocess
import sys
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


# What `--help` must not load: the renderers, the catalogs, the project model and the libraries
# behind them (a second or so on a slow machine, for a screen of text).
NOT_FOR_HELP = (
    "weasyprint",
    "babel",
    "pydantic",
    "jinja2",
    "yaml",
    "rich",
    "pikepdf",
    "handouts.model",
    "handouts.i18n",
    "handouts.source",
    "handouts.render.fetch",
    "handouts.output.pdf",
    "handouts.output.html",
    "handouts.pipeline",
    "handouts.commands",
)

HELP_IMPORTS = """
import sys
from handouts.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="handouts")
except SystemExit as exit:
    assert exit.code == 0, exit.code
print("\\n".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["i18n", "--help"], ["check", "--help"]])
def test_help_imports_only_what_it_needs(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", HELP_IMPORTS, *args], capture_output=True, text=True, check=True, timeout=60
    )
    imported = set(result.stdout.split("Usage: handouts", 1)[1].splitlines())
    loaded = sorted(name for name in imported if name.startswith(NOT_FOR_HELP))
    assert loaded == [], f"handouts {' '.join(args)} imported {loaded}"
    assert "handouts.cli" in imported


def test_build_help_still_lists_the_formats_from_the_registry(tmp_path: Path, run) -> None:
    assert "[pdf|html]" in run(tmp_path, "build", "--help").out


def test_unknown_option_is_a_usage_error(project: Path, run) -> None:
    result = run(project, "build", "--colour", "red")
    assert result.code == 2
    assert "Error: No such option '--colour'" in result.err
