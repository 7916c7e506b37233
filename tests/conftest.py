"""Shared fixtures: small copies of the project to build in, and PDF readers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from filelock import FileLock
from pypdf import PdfReader

import handouts.pipeline.incremental as incremental
from fixture_project import LIBRARY_FONTS
from handouts.cli import main

REPO = Path(__file__).resolve().parents[1]
# Fixtures any test folder may ask for: `browser` (headless Chromium) and `server` (the preview of `project`).
pytest_plugins = ["browser"]
HANDOUT = "microcurrent-back-pain"
VARIANTS_CLINIC = "tilleuls"  # the sample clinic whose large-print and bilingual copies the session build makes


@dataclass
class Result:
    code: int
    out: str
    err: str


def copy_project(dest: Path, clinics: list[str] | None = None) -> Path:
    """A copy of the shipped project (fonts linked, not copied: they are large)."""
    dest.mkdir(parents=True, exist_ok=True)
    # Only the copied handouts print: one a test deletes does not come back from the packaged library.
    (dest / "handouts.yaml").write_text("library: []\n")
    for folder in ("handouts", "templates", "locales"):
        shutil.copytree(REPO / folder, dest / folder)
    (dest / "fonts").symlink_to(LIBRARY_FONTS, target_is_directory=True)
    (dest / "clinics").mkdir()
    for clinic in clinics or [p.name for p in (REPO / "clinics").iterdir() if p.is_dir()]:
        shutil.copytree(REPO / "clinics" / clinic, dest / "clinics" / clinic)
    return dest


@pytest.fixture(scope="session", autouse=True)
def library_fonts_hashed_once() -> Iterator[None]:
    """Every build hashes each input file to decide what it may skip, the fonts folder too: 35 MB,
    which no test changes (a test that breaks a font writes its own). So in the tests the packaged
    fonts are hashed once per process; every other file, each time, as the tool does."""
    real = incremental.sha256_file
    digests: dict[Path, str] = {}

    def sha256_file(path: Path) -> str:
        real_path = path.resolve()
        if not real_path.is_relative_to(LIBRARY_FONTS):
            return real(path)
        if real_path not in digests:
            digests[real_path] = real(real_path)
        return digests[real_path]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(incremental, "sha256_file", sha256_file)
        yield


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every shipped sample PDF in every clinic and language, and one clinic's variants (tilleuls:
    large print, and bilingual in each language other than its main one), built once for the whole
    run: a copy of the project with output/. The variants are the tool's behaviour, not the
    content's: one clinic in all its languages (Arabic, French, English; packets) shows them.

    Under pytest-xdist the first worker that needs it builds it (on every core) while the others
    wait on a file lock, then all read the same files: tests must not change them."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build_samples(tmp_path_factory.mktemp("samples"))
    shared = tmp_path_factory.getbasetemp().parent / "samples"  # the run's folder, above each worker's
    with FileLock(f"{shared}.lock"):
        if not shared.exists():
            shared.mkdir()
            build_samples(shared)
            (shared / "built").touch()
    if not (shared / "built").exists():
        pytest.fail("the sample build failed in another xdist worker (its error is reported there)")
    return shared / "project"


def build_samples(folder: Path) -> Path:
    project = copy_project(folder / "project")
    assert main(["-C", str(project), "build"]) == 0
    assert main(["-C", str(project), "build", "--clinic", VARIANTS_CLINIC, "--large-print", "--bilingual"]) == 0
    return project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """One sample clinic (stadtpark: A4; de, ru, ar, en) in a temporary project."""
    return copy_project(tmp_path / "project", ["stadtpark"])


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `handouts -C PROJECT ARGS...` in-process and capture what it prints."""

    def _run(project: Path, *args: str) -> Result:
        code = main(["-C", str(project), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


def ctrl_c_as_at_a_terminal() -> None:
    """preexec_fn for a child a test stops with SIGINT: Ctrl-C acts as at a terminal even when the
    suite runs where SIGINT is ignored (a script's background job), which the child would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table: one dict per font with name, type, emb."""
    lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    fonts = []
    for line in lines[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object-id generation
        fonts.append({"name": parts[0], "emb": parts[-5], "type": " ".join(parts[1:-6])})
    return fonts


def pdf_reader(path: Path) -> PdfReader:
    return PdfReader(path)


def page_count(path: Path) -> int:
    """The PDF's pages, read with qpdf (pikepdf): pypdf takes 20 times as long to count them."""
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)
