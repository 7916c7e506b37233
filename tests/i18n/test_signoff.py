"""Clinician sign-off of safety text, and a new handout that refuses only itself.

Each test writes its own small project: one handout with a safety section, in German."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import pdf_text
from fixture_project import BACK_CARE as LEAFLET
from fixture_project import BACK_CARE_GERMAN as GERMAN
from fixture_project import make_project, write_catalog
from handouts.cli import cli
from handouts.i18n.catalogs import Translations
from handouts.model.project import Project
from handouts.render.page import Renderer

REVIEWER = "Dr Anna Weber, Fachärztin"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "p",
        {"back-care": LEAFLET},
        {"de": {"back-care": GERMAN}},
        languages=("en", "de"),
        clinic_extra="require_review: true\n",
    )


def german_pdf(project: Path) -> Path:
    return project / "output" / "fixture" / "de" / "back-care.pdf"


def manifest_entry(project: Path, path: str) -> dict:
    entries = json.loads((project / "output" / "manifest.json").read_text())["pdfs"]
    return next(e for e in entries if e["path"] == path)


def test_unapproved_safety_text_is_refused_when_the_clinic_requires_review(project: Path, run) -> None:
    result = run(project, "build")
    assert result.code == 1
    assert not german_pdf(project).exists()
    assert (project / "output" / "fixture" / "en" / "back-care.pdf").is_file()
    assert (
        "locales/de/LC_MESSAGES/back-care.po" in result.out + result.err
        and "safety-critical entry is not approved by a clinician; have a clinician check it with: "
        'handouts i18n review de --by "Name, role"'
        in result.out + result.err
    )


def test_review_shows_english_and_translation_and_records_the_approval(project: Path, run) -> None:
    listed = run(project, "i18n", "review", "de")
    assert listed.code == 1  # nothing approved yet
    assert "English:     Call us if your legs go numb." in listed.out
    assert "Translation: Rufen Sie uns an, wenn Ihre Beine taub werden." in listed.out
    assert not (project / "locales" / "de" / "reviews.yaml").exists()  # without --by, only listed

    approved = run(project, "i18n", "review", "de", "--by", REVIEWER, "--yes")
    assert approved.code == 0, approved.out + approved.err
    reviews = (project / "locales" / "de" / "reviews.yaml").read_text()
    assert "english: Call us if your legs go numb." in reviews and f"by: {REVIEWER}" in reviews

    status = run(project, "i18n", "status", "--lang", "de")
    assert "clinician sign-off: 2/2 safety-critical entries approved" in status.out

    built = run(project, "build")
    assert built.code == 0, built.err
    assert "Rufen Sie uns an" in pdf_text(german_pdf(project))
    entry = manifest_entry(project, "fixture/de/back-care.pdf")
    assert entry["reviewed_by"] and entry["reviewed_by"][0].startswith(f"{REVIEWER} (")
    assert entry["unapproved"] == 0


def test_an_approval_lapses_when_its_translation_changes(project: Path, run) -> None:
    assert run(project, "i18n", "review", "de", "--by", REVIEWER, "--yes").code == 0
    assert run(project, "build").code == 0
    changed = {**GERMAN, "Call us if your legs go numb.": "Rufen Sie uns sofort an, wenn Ihre Beine taub werden."}
    write_catalog(project / "locales" / "de" / "LC_MESSAGES" / "back-care.po", "de", "back-care", changed)

    result = run(project, "build")
    assert result.code == 1
    assert f"safety-critical entry changed since {REVIEWER} (" in result.out + result.err
    # The old approved copy is not left where staff print from.
    assert not german_pdf(project).exists()
    assert "clinician sign-off: 1/2" in run(project, "i18n", "status", "--lang", "de").out


def test_without_require_review_the_manifest_still_says_what_is_not_approved(tmp_path: Path, run) -> None:
    project = make_project(tmp_path / "p", {"back-care": LEAFLET}, {"de": {"back-care": GERMAN}}, ("en", "de"))
    assert run(project, "build").code == 0
    entry = manifest_entry(project, "fixture/de/back-care.pdf")
    assert entry["reviewed_by"] == [] and entry["unapproved"] == 3  # the page's two and the footer's call-us line


def test_a_damaged_sign_off_file_approves_nothing(project: Path, run) -> None:
    assert run(project, "i18n", "review", "de", "--by", REVIEWER, "--yes").code == 0
    reviews = project / "locales" / "de" / "reviews.yaml"
    reviews.write_text(reviews.read_text().replace("translation: ", "translated: ", 1))
    result = run(project, "build")
    assert result.code == 1 and not german_pdf(project).exists()
    assert "the sign-off file cannot be read (locales/de/reviews.yaml:" in result.out + result.err


def test_reviewer_must_be_named_on_one_line(project: Path, run) -> None:
    result = run(project, "i18n", "review", "de", "--by", "Dr X\nGP")
    assert result.code != 0 and "Traceback" not in result.out + result.err
    assert 'give the reviewer as "Name, role" on one line' in result.out + result.err


def test_a_new_handout_without_a_catalog_is_not_offered_in_that_language(tmp_path: Path, run) -> None:
    new = LEAFLET.replace("Back care", "Neck care")
    project = make_project(
        tmp_path / "p", {"back-care": LEAFLET, "neck-care": new}, {"de": {"back-care": GERMAN}}, ("en", "de")
    )
    result = run(project, "build")
    assert result.code == 0  # not offered in German yet: no refusal
    assert german_pdf(project).is_file()
    assert (project / "output" / "fixture" / "en" / "neck-care.pdf").is_file()
    assert not (project / "output" / "fixture" / "de" / "neck-care.pdf").exists()
    assert "refused" not in result.out + result.err
    assert (
        "not offered in 'de' (no catalog): neck-care; to offer them, run handouts i18n update --lang de and translate"
        in result.err.splitlines()
    )


def test_a_block_without_a_type_names_the_types(tmp_path: Path, run) -> None:
    broken = LEAFLET.replace("      - type: paragraph\n        text: Rest", "      - text: Rest")
    project = make_project(tmp_path / "p", {"back-care": broken})
    result = run(project, "build")
    assert result.code == 1
    assert (
        "handouts/back-care.yaml:7 sections[0].blocks[0].type: a block needs a `type`; "
        "(the types are: callout, checklist, do-avoid, figure, list, paragraph, questions, references, steps, "
        "table, write-in, yes-no)" in result.out + result.err
    )


def test_english_fallback_is_marked_as_english(tmp_path: Path) -> None:
    partial = {k: v for k, v in GERMAN.items() if k != "Rest a little, then move."}
    root = make_project(tmp_path / "p", {"back-care": LEAFLET}, {"de": {"back-care": partial}}, ("en", "de"))
    project = Project(root)
    translations = Translations(project.locales_dir, project.root, "de")
    page = Renderer(project).page(project.load_clinic("fixture"), project.load_handout("back-care"), translations)
    assert '<span lang="en" dir="ltr">Rest a little, then move.</span>' in page.html
    assert '<span lang="en" dir="ltr">Rufen' not in page.html and "Rufen Sie uns an" in page.html


def test_review_asks_for_each_entry_and_records_only_the_yes(project: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(project), "i18n", "review", "de", "--by", REVIEWER], input="y\nn\nn\n")
    # The page's two safety entries and the footer's "call us" line (common.po).
    assert result.output.count("Approve this translation? [y/N]") == 3
    assert "recorded 1 approval(s)" in result.output
    assert "de: 1 of 3 safety-critical entries approved" in result.output and result.exit_code == 1
