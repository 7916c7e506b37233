"""The shipped catalogs as content: each passes msgfmt and `handouts i18n check`, matches the shipped
templates, survives the tools translators save with (msgmerge, translate-toolkit/Weblate) byte for
byte, and prints what its plural forms promise."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, copy_project, pdf_text
from handouts.i18n.catalogs import load_catalog

SHIPPED = sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po"))
needs_msgfmt = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")


@pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed (apt install gettext)"
)
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_shipped_catalog_passes_msgfmt_check(path: Path) -> None:
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")


def test_shipped_catalogs_pass_handouts_check(run) -> None:
    result = run(REPO, "i18n", "check")
    assert (result.code, result.out.strip()) == (0, "All catalogs pass.")


def test_shipped_templates_and_catalogs_are_up_to_date(project: Path, run) -> None:
    """extract and update on the shipped project change nothing: the .pot and .po match the sources."""
    assert run(project, "i18n", "extract").code == 0
    assert run(project, "i18n", "update").code == 0
    for path in [*(project / "locales").glob("*.pot"), *(project / "locales").glob("*/LC_MESSAGES/*.po")]:
        assert path.read_text() == (REPO / path.relative_to(project)).read_text(), path


@needs_msgfmt
def test_msgmerge_then_update_leaves_every_shipped_catalog_byte_identical(project: Path, run) -> None:
    catalogs = sorted((project / "locales").glob("*/LC_MESSAGES/*.po"))
    for path in catalogs:
        template = project / "locales" / f"{path.stem}.pot"
        subprocess.run(["msgmerge", "--quiet", "--update", "--backup=none", str(path), str(template)], check=True)
    assert run(project, "i18n", "update").code == 0
    for path in catalogs:
        assert path.read_bytes() == (REPO / path.relative_to(project)).read_bytes(), path


def test_the_shipped_arabic_back_exercises_prints_the_dual_for_two_weeks(samples: Path) -> None:
    text = " ".join(pdf_text(samples / "output/stadtpark/ar/back-exercises.pdf").split())
    assert "لم يتحسن ظهرك بعد أسبوعين" in text
    assert "2 أسبوع" not in text


def meaning(path: Path) -> list[tuple]:
    """What a catalog says, whatever its layout: each entry's ids, context, strings, flags, previous ids."""
    catalog = load_catalog(path, path.name)
    return sorted(
        (str(m.id), m.context or "", str(m.string), sorted(m.flags), str(m.previous_id), m.auto_comments)
        for m in catalog
        if m.id
    )


def test_every_shipped_catalog_survives_translate_toolkits_writer_and_update(tmp_path: Path, run) -> None:
    from translate.storage import po

    project = copy_project(tmp_path / "p", ["stadtpark"])
    catalogs = sorted((project / "locales").glob("*/LC_MESSAGES/*.po"))
    for path in catalogs:
        store = po.pofile(path.read_bytes())
        path.write_bytes(bytes(store))  # as Weblate would save it
        assert meaning(path) == meaning(REPO / path.relative_to(project)), path
    assert run(project, "i18n", "check").code == 0
    assert run(project, "i18n", "update").code == 0
    for path in catalogs:
        assert path.read_bytes() == (REPO / path.relative_to(project)).read_bytes(), path
