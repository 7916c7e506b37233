"""A clinic's own project (`handouts new DIR`): the packaged library is read in place, a
project's own file of the same name replaces the packaged one, and an upgrade of the
library is seen by the build and by `handouts check`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from conftest import pdf_text
from handouts.commands.check import CheckOptions, check
from handouts.model.project import LIBRARY, Project
from handouts.pipeline.build import build
from handouts.pipeline.jobs import BuildOptions

ONE = ("--handout", "pain-diary", "--lang", "de", "-j", "1")


@pytest.fixture
def new(tmp_path: Path, run) -> Path:
    """A project made by `handouts new`."""
    target = tmp_path / "clinic-project"
    result = run(tmp_path, "new", str(target))
    assert result.code == 0, result.err
    return target


def fake_library(root: Path) -> Path:
    """A copy of the packaged library that a test may change (the fonts linked: they are large)."""
    for name in ("handouts", "locales", "templates"):
        shutil.copytree(LIBRARY / name, root / name)
    (root / "fonts").symlink_to((LIBRARY / "fonts").resolve(), target_is_directory=True)
    return root


def set_translation(path: Path, msgid: str, text: str) -> None:
    with path.open("rb") as file:
        catalog = read_po(file)
    catalog[msgid].string = text
    with path.open("wb") as file:
        write_po(file, catalog)


def test_new_project_has_a_sample_clinic_and_builds_from_the_library(new: Path, run) -> None:
    created = sorted(p.relative_to(new).as_posix() for p in new.rglob("*"))
    assert created == [
        ".gitignore",
        "clinics",
        "clinics/my-clinic",
        "clinics/my-clinic/clinic.yaml",
        "clinics/my-clinic/logo.svg",
        "handouts",
        "handouts.yaml",
        "locales",
        "templates",
    ]
    config = (new / "handouts.yaml").read_text()
    for handout_id in ("back-exercises", "microcurrent-back-pain", "pain-diary", "tens-at-home"):
        assert f"  - {handout_id}\n" in config
    assert "languages: [en, ar, de, es, fr, ru, vi, zh_Hans]\n" in config

    result = run(new, "build", *ONE)
    assert result.code == 0, result.err
    text = pdf_text(new / "output/my-clinic/de/pain-diary.pdf")
    assert "Schmerztagebuch" in text
    assert "My Clinic" in text


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path, run) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full/notes.txt").write_text("mine")
    result = run(tmp_path, "new", str(tmp_path / "full"))
    assert result.code == 1
    assert result.err == f"error: {tmp_path / 'full'}: is not empty; give the name of a new or empty folder\n"
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["notes.txt"]


def test_new_handout_in_a_new_project(new: Path, run) -> None:
    result = run(new, "new", "handout", "knee-pain")
    assert result.code == 0, result.err
    assert (new / "handouts/knee-pain.yaml").is_file()
    assert Project(new).handout_ids()[:3] == ["back-exercises", "knee-pain", "microcurrent-back-pain"]

    result = run(new, "new", "handout", "pain-diary")
    assert result.code == 1
    assert result.err.startswith("error: handouts/: 'pain-diary' is a packaged handout; choose another id, or copy")
    assert not (new / "handouts/pain-diary.yaml").exists()


PACKAGED_DOMAINS = (
    "back-exercises, microcurrent-back-pain, microcurrent-screening-form, pain-diary, tens-at-home, common"
)


def test_i18n_init_in_a_new_project_uses_the_packaged_catalogs_and_makes_its_own(new: Path, run) -> None:
    result = run(new, "i18n", "init", "de")
    assert (result.code, result.err) == (0, "")
    assert result.out == f"The packaged library's German catalogs are used as they are: {PACKAGED_DOMAINS}.\n"
    assert not (new / "locales/de").exists()

    assert run(new, "new", "handout", "knee-pain").code == 0
    result = run(new, "i18n", "init", "de")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "created locales/de/LC_MESSAGES/knee-pain.po"
    assert [p.name for p in (new / "locales/de/LC_MESSAGES").iterdir()] == ["knee-pain.po"]

    result = run(new, "i18n", "init", "de")  # only the project's own catalog is in the way
    assert (result.code, result.out) == (1, "")
    assert (
        result.err == "error: locales/de/LC_MESSAGES/knee-pain.po: catalog exists already; use: handouts i18n update\n"
    )


def test_i18n_init_of_a_language_the_library_lacks_makes_every_catalog(new: Path, run) -> None:
    result = run(new, "i18n", "init", "pl")
    assert result.code == 0, result.err
    created = sorted(p.name for p in (new / "locales/pl/LC_MESSAGES").iterdir())
    assert created == sorted(f"{domain}.po" for domain in PACKAGED_DOMAINS.split(", "))
    assert "used as they are" not in result.out


def test_a_folder_that_is_not_a_project_says_how_to_make_one(tmp_path: Path, run) -> None:
    result = run(tmp_path, "check")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "create one with: handouts new DIR" in result.err


def test_the_project_chooses_library_handouts_and_languages(new: Path, run) -> None:
    (new / "handouts.yaml").write_text("library:\n  - pain-diary\n  - knee-pain\nlanguages: [en, de]\n")
    result = run(new, "build", "-j", "1")
    assert result.code == 1
    assert result.err == (
        "error: handouts.yaml:3 library[1]: no packaged handout 'knee-pain'; the packaged handouts are: "
        "back-exercises, microcurrent-back-pain, microcurrent-screening-form, pain-diary, tens-at-home\n"
    )
    (new / "handouts.yaml").write_text("library: [pain-diary]\nlanguages: [en, de]\n")
    result = run(new, "build", "-j", "1")
    assert result.code == 1
    assert (
        "error: clinics/my-clinic/clinic.yaml:17 languages[2]: 'es' is not one of the project's languages in "
        "handouts.yaml (en, de); add it there"
    ) in result.err

    clinic = new / "clinics/my-clinic/clinic.yaml"
    clinic.write_text(clinic.read_text().replace("languages: [en, de, es, fr]", "languages: [en, de]"))
    result = run(new, "build", "-j", "1")
    assert result.code == 0, result.err
    built = sorted(p.relative_to(new / "output").as_posix() for p in (new / "output").rglob("*.pdf"))
    assert built == ["my-clinic/de/pain-diary.pdf", "my-clinic/en/pain-diary.pdf"]


def test_own_catalog_and_template_replace_the_packaged_ones(new: Path, run) -> None:
    assert run(new, "build", *ONE).code == 0
    own = new / "locales/de/LC_MESSAGES/pain-diary.po"
    own.parent.mkdir(parents=True)
    shutil.copy(LIBRARY / "locales/de/LC_MESSAGES/pain-diary.po", own)
    set_translation(own, "Your pain diary", "Unser Schmerztagebuch")
    (new / "templates/handout.html").write_text(
        '{% extends "library/handout.html" %}\n'
        "{% block content %}<p>Bitte kommen Sie pünktlich.</p>{{ super() }}{% endblock %}\n"
    )

    result = run(new, "build", *ONE)
    assert result.code == 0, result.err
    assert "2 built, 0 skipped" in result.out  # the PDF and its HTML copy: the inputs hash covers the files used
    text = pdf_text(new / "output/my-clinic/de/pain-diary.pdf")
    assert "Unser Schmerztagebuch" in text
    assert "Bitte kommen Sie pünktlich." in text


def test_i18n_writes_only_the_projects_own_catalogs(new: Path, run) -> None:
    packaged = {p: p.read_bytes() for p in LIBRARY.joinpath("locales").rglob("*.po*")}
    result = run(new, "i18n", "update")
    assert result.code == 0, result.err
    assert "no handouts, templates or catalogs of its own" in result.out
    assert not any((new / "locales").iterdir())

    assert run(new, "new", "handout", "knee-pain").code == 0
    (new / "handouts.yaml").write_text("languages: [en, de, fr]\n")
    result = run(new, "i18n", "update")
    assert result.code == 0, result.err
    written = sorted(p.relative_to(new / "locales").as_posix() for p in (new / "locales").rglob("*.po*"))
    assert written == ["de/LC_MESSAGES/knee-pain.po", "fr/LC_MESSAGES/knee-pain.po", "knee-pain.pot"]
    # A changed template makes `common` the project's own: it starts from the packaged catalog.
    (new / "templates/handout.html").write_text('{% extends "library/handout.html" %}\n')
    assert run(new, "i18n", "update", "--lang", "de").code == 0
    common = (new / "locales/de/LC_MESSAGES/common.po").read_text()
    assert 'msgstr "Seite {page} von {pages}"' in common
    assert packaged == {p: p.read_bytes() for p in LIBRARY.joinpath("locales").rglob("*.po*")}


def test_an_upgraded_library_is_rebuilt_and_listed_by_check(new: Path, tmp_path: Path) -> None:
    library = fake_library(tmp_path / "library")
    # Two light handouts, PDF only: one is upgraded, the other is not.
    options = BuildOptions(
        handouts=("microcurrent-screening-form", "microcurrent-back-pain"), langs=("de",), jobs=1, formats=("pdf",)
    )
    narrow = CheckOptions(handouts=options.handouts, langs=options.langs)
    assert build(Project(new, library), options).ok
    report = check(Project(new, library), narrow)
    assert report.library_updates == {}
    assert "no packaged handout changed version since the last build" in report.as_text()

    # The tool is upgraded: a new version of one packaged handout.
    path = library / "handouts/microcurrent-screening-form.yaml"
    old = Project(new, library).load_handout("microcurrent-screening-form").handout.meta.version
    path.write_text(path.read_text().replace(f'version: "{old}"', 'version: "9.9"', 1))

    report = check(Project(new, library), narrow)
    assert report.library_updates == {"microcurrent-screening-form": {"packaged": "9.9", "last_build": [old]}}
    assert f"microcurrent-screening-form: version 9.9 packaged, {old} in the last build" in report.as_text()
    summary = build(Project(new, library), options)
    assert {job.handout_id for job, _ in summary.built} == {"microcurrent-screening-form"}
    assert {job.handout_id for job in summary.skipped} == {"microcurrent-back-pain"}
    manifest = json.loads((new / "output/manifest.json").read_text())
    assert {e["handout"]: e["version"] for e in manifest["pdfs"]}["microcurrent-screening-form"] == "9.9"
