"""The wheel is the whole tool: installed into a fresh virtual environment outside the
repository, `handouts new` and `handouts build` work with no file from the repository.

Offline: the wheel is built without build isolation (setuptools comes from the test
extra), installed without dependencies, and the new environment reaches this
environment's dependencies (WeasyPrint, Jinja2, ...) through a .pth file."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from conftest import REPO, page_count, pdf_text

# What a clone of the repository has, without what a developer's machine adds.
NOT_SOURCE_ANYWHERE = shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__", ".*_cache")


def not_source(folder: str, names: list[str]) -> set[str]:
    """The repository's own output/ and build/ folders, but not the package's output stage (src/handouts/output)."""
    at_top = {"output", "build"} & set(names) if Path(folder) == REPO else set()
    return set(NOT_SOURCE_ANYWHERE(folder, names)) | at_top


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result.stdout + result.stderr


def clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=not_source)
    wheels = tmp_path / "wheels"
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, ".",
       cwd=source)  # fmt: skip
    (wheel,) = wheels.glob("handouts-*.whl")
    return wheel


def test_wheel_installed_elsewhere_makes_and_builds_a_project(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        entries = {info.filename: info for info in archive.infolist()}
    for name in (
        "handouts/library/handouts/pain-diary.yaml",
        "handouts/library/handouts/back-exercises/knee-rolls.svg",
        "handouts/library/locales/de/LC_MESSAGES/pain-diary.po",
        "handouts/library/templates/handout.html",
        "handouts/library/templates/blocks/table.html",
        "handouts/library/fonts/fonts.yaml",
        "handouts/library/fonts/OFL.txt",
        "handouts/library/fonts/NotoSansArabic-Regular.ttf",
    ):
        assert name in entries, name
        assert not stat.S_ISLNK(entries[name].external_attr >> 16), f"{name} is a link, not the file"

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin/python"
    sh(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    site = Path(sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip())
    # The dependencies only: this environment's site-packages, after the new one's own.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = clean_env(venv)
    where = sh(
        python, "-c",
        "import handouts.model.project as p, sys; print(p.__file__, p.LIBRARY.resolve(), *sys.path, sep='\\n')",
        cwd=tmp_path, env=env,
    ).splitlines()  # fmt: skip
    module, library, *path = where
    assert Path(module).is_relative_to(site)
    assert Path(library).is_relative_to(site)  # the library is the wheel's copy, not a link into the repository
    assert not any(Path(entry).resolve() in (REPO, REPO / "src") for entry in path if entry), path

    empty = tmp_path / "somewhere"
    empty.mkdir()
    out = sh(venv / "bin/handouts", "new", "riverbank", cwd=empty, env=env)
    project = empty / "riverbank"
    one = ("--handout", "pain-diary", "--lang", "de", "-j", "1")
    out += sh(venv / "bin/handouts", "build", *one, cwd=project, env=env)
    assert str(REPO) not in out
    built = project / "output/my-clinic/de/pain-diary.pdf"
    assert f"built   output/my-clinic/de/pain-diary.pdf ({page_count(built)} pages)" in out
    assert " 0 skipped, 0 failed" in out
    assert "Ihr Schmerztagebuch" in pdf_text(built)
