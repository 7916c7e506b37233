"""The output's life cycle (issue 22): what the project no longer offers leaves the print folders
and the library at the next build, with the reason in the manifest; --strict judges the files it
would otherwise skip as up to date."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import pdf_text
from fixture_project import LEAFLET, catalogs, make_project

# The translated German: every entry but the heading "Body" (printed in English when allowed).
GERMAN = catalogs("de")["de"]["leaflet"]
TODAY = ("--today", "2026-12-01")


def two_language_project(root: Path, clinic_extra: str = "", german: dict[str, str] | None = None) -> Path:
    """One clinic (en, de) printing two handouts; both translated unless `german` says otherwise."""
    german = GERMAN if german is None else german
    catalogs = {"de": {"leaflet": german, "notes": dict(german)}}
    return make_project(
        root, {"leaflet": LEAFLET, "notes": LEAFLET}, catalogs, languages=("en", "de"), clinic_extra=clinic_extra
    )


def files_of(output: Path, clinic: str) -> list[str]:
    """Every file left in a clinic's print folders."""
    folder = output / clinic
    return sorted(p.relative_to(output).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def manifest(root: Path) -> dict:
    return json.loads((root / "output/manifest.json").read_text())


def reasons(root: Path) -> dict[str, str]:
    return {item["path"]: item["reason"] for item in manifest(root)["withdrawn"]}


def set_languages(root: Path, languages: str) -> None:
    clinic = root / "clinics/fixture/clinic.yaml"
    clinic.write_text(clinic.read_text().replace("languages: [en, de]", f"languages: {languages}"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = two_language_project(tmp_path_factory.mktemp("lifecycle") / "p")
    from handouts.cli import main

    assert main(["-C", str(root), "build", "-j", "1", *TODAY]) == 0
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built project, its output included."""
    return Path(shutil.copytree(built, tmp_path / "p", symlinks=True))


def test_a_renamed_clinic_leaves_the_print_folders_and_the_library(project: Path, run) -> None:
    (project / "clinics/fixture").rename(project / "clinics/harbour")
    result = run(project, "build", "-j", "1", *TODAY)
    assert result.code == 0, result.out
    output = project / "output"
    assert not (output / "fixture").exists()  # PDFs, HTML copies and library pages gone, empty folders too
    assert files_of(output, "harbour") == [
        "harbour/de/index.html",
        "harbour/de/leaflet.html",
        "harbour/de/leaflet.pdf",
        "harbour/de/notes.html",
        "harbour/de/notes.pdf",
        "harbour/en/index.html",
        "harbour/en/leaflet.html",
        "harbour/en/leaflet.pdf",
        "harbour/en/notes.html",
        "harbour/en/notes.pdf",
        "harbour/index.html",
    ]
    gone = "clinic 'fixture' no longer exists (there is no clinics/fixture/)"
    assert reasons(project) == {
        f"fixture/{lang}/{h}.{ext}": gone
        for lang in ("de", "en")
        for h in ("leaflet", "notes")
        for ext in ("html", "pdf")
    }
    assert f"warning: withdrew fixture/de/leaflet.pdf: {gone}" in result.err
    assert (output / "_withdrawn/fixture/de/leaflet.pdf").is_file()
    start_page = (output / "index.html").read_text()
    assert 'href="harbour/index.html"' in start_page and "fixture/" not in start_page
    assert {entry["clinic"] for entry in manifest(project)["pdfs"]} == {"harbour"}


def test_a_removed_clinic_is_withdrawn_by_a_build_narrowed_to_another(project: Path, run) -> None:
    shutil.copytree(project / "clinics/fixture", project / "clinics/other")
    assert run(project, "build", "-j", "1", "--clinic", "other", "--lang", "en", *TODAY).code == 0
    shutil.rmtree(project / "clinics/fixture")
    result = run(project, "build", "-j", "1", "--clinic", "other", "--lang", "en", *TODAY)
    assert result.code == 0, result.out
    assert files_of(project / "output", "fixture") == []
    assert set(reasons(project).values()) == {"clinic 'fixture' no longer exists (there is no clinics/fixture/)"}


def test_a_dropped_language_is_withdrawn_whatever_the_build_is_narrowed_to(project: Path, run) -> None:
    set_languages(project, "[en]")
    result = run(project, "build", "-j", "1", "--lang", "en", "--handout", "notes", *TODAY)
    assert result.code == 0, result.out
    output = project / "output"
    assert not (output / "fixture/de").exists()
    why = "language 'de' is no longer offered by clinic 'fixture' (not in its `languages:`)"
    assert reasons(project) == {f"fixture/de/{h}.{ext}": why for h in ("leaflet", "notes") for ext in ("html", "pdf")}
    picker = (output / "fixture/index.html").read_text()
    assert 'href="de/index.html"' not in picker and 'href="en/index.html"' in picker


def test_a_removed_handout_is_withdrawn(project: Path, run) -> None:
    (project / "handouts/notes.yaml").unlink()
    result = run(project, "build", "-j", "1", *TODAY)
    assert result.code == 0, result.out
    assert [p for p in files_of(project / "output", "fixture") if "notes" in p] == []
    assert set(reasons(project).values()) == {"handout 'notes' no longer exists (there is no handouts/notes.yaml)"}
    assert 'id="notes"' not in (project / "output/fixture/en/index.html").read_text()


def test_a_handout_the_clinic_no_longer_lists_is_withdrawn(project: Path, run) -> None:
    clinic = project / "clinics/fixture/clinic.yaml"
    clinic.write_text(clinic.read_text() + "handouts: [leaflet]\n")
    result = run(project, "build", "-j", "1", *TODAY)
    assert result.code == 0, result.out
    assert set(reasons(project).values()) == {
        "clinic 'fixture' no longer offers handout 'notes' (not in its `handouts:`)"
    }


def test_booklets_switched_off_are_withdrawn_and_say_so(tmp_path: Path, run) -> None:
    root = two_language_project(tmp_path / "p", clinic_extra="booklet: true\n")
    assert run(root, "build", "-j", "1", "--lang", "en", "--handout", "leaflet", *TODAY).code == 0
    booklet = root / "output/fixture/en/leaflet-booklet.pdf"
    assert booklet.is_file()
    clinic = root / "clinics/fixture/clinic.yaml"
    clinic.write_text(clinic.read_text().replace("booklet: true", "booklet: false"))
    result = run(root, "build", "-j", "1", "--lang", "en", "--handout", "leaflet", *TODAY)
    assert result.code == 0, result.out
    assert not booklet.exists()
    assert reasons(root) == {
        "fixture/en/leaflet-booklet.pdf": (
            "booklet copies are switched off for clinic 'fixture' (`booklet:` in clinic.yaml)"
        )
    }
    assert "booklet" not in (root / "output/fixture/en/index.html").read_text()


def test_strict_after_lenient_refuses_and_withdraws_what_printed_english(tmp_path: Path, run) -> None:
    untranslated = {k: v for k, v in GERMAN.items() if k != "Body"}
    root = two_language_project(tmp_path / "p", clinic_extra="min_translated: 50\n", german=untranslated)
    scope = ("-j", "1", "--lang", "de", "--handout", "leaflet", *TODAY)
    lenient = run(root, "build", *scope)
    assert lenient.code == 0, lenient.out
    pdf = root / "output/fixture/de/leaflet.pdf"
    assert "Body" in pdf_text(pdf) and "de paragraph." in pdf_text(pdf)  # "Body" in English, as the clinic allows
    recorded = {entry["path"]: entry for entry in manifest(root)["pdfs"]}["fixture/de/leaflet.pdf"]
    assert len(recorded["warnings"]) == 1 and "(printed in English)" in recorded["warnings"][0]

    strict = run(root, "build", *scope, "--strict")  # no --force: the inputs are unchanged
    assert strict.code == 1
    assert "refused fixture/de/leaflet: 1 problem (listed above); not printed" in strict.err
    english = (
        "handouts/leaflet.yaml:11: entry: no translation entry in locales/de/LC_MESSAGES/leaflet.po; "
        "run: handouts i18n update --lang de"
    )
    assert f"error: {english}" in strict.err
    assert not pdf.exists() and not pdf.with_suffix(".html").exists()
    assert reasons(root) == {"fixture/de/leaflet.pdf": english, "fixture/de/leaflet.html": english}
    assert not (root / "output/fixture/de/index.html").exists()  # nothing left to list in German


def test_strict_after_lenient_refuses_a_clinic_text_printed_in_another_language(tmp_path: Path, run) -> None:
    root = two_language_project(tmp_path / "p", clinic_extra="footer_text:\n  en: Appointments only\n")
    scope = ("-j", "1", "--lang", "de", "--handout", "leaflet", *TODAY)
    assert run(root, "build", *scope).code == 0
    strict = run(root, "build", *scope, "--strict")
    assert strict.code == 1
    assert "warning: clinics/fixture/clinic.yaml:" in strict.err and "footer_text: has no text in 'de'" in strict.err
    assert "refused fixture/de/leaflet: 1 problem (listed above); not printed" in strict.err
    assert not (root / "output/fixture/de/leaflet.pdf").exists()


def test_a_file_changed_by_hand_is_left_in_place_not_withdrawn(project: Path, run) -> None:
    pdf = project / "output/fixture/de/notes.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% annotated by hand\n")
    (project / "handouts/notes.yaml").unlink()
    result = run(project, "build", "-j", "1", *TODAY)
    assert result.code == 0, result.out
    assert pdf.is_file()  # not the file the tool wrote: not the tool's to move
    assert (
        "warning: left fixture/de/notes.pdf where it is: not the file handouts wrote (its content or place is not "
        "what manifest.json records), so not the tool's to move; the build no longer makes it (handout 'notes' no "
        "longer exists (there is no handouts/notes.yaml)): remove it if it is stale"
    ) in result.err
    assert "fixture/de/notes.pdf" not in {entry["path"] for entry in manifest(project)["pdfs"]}
    assert "notes.pdf" not in (project / "output/fixture/de/index.html").read_text()


def test_a_file_withdrawn_twice_keeps_both_copies_for_the_record(project: Path, run) -> None:
    notes = (project / "handouts/notes.yaml").read_text()
    clinic = project / "clinics/fixture/clinic.yaml"
    for version in ("1.0", "1.1"):
        (project / "handouts/notes.yaml").write_text(notes.replace('version: "1.0"', f'version: "{version}"'))
        assert run(project, "build", "-j", "1", "--lang", "en", *TODAY).code == 0
        clinic.write_text(clinic.read_text() + "handouts: [leaflet]\n")
        assert run(project, "build", "-j", "1", "--lang", "en", *TODAY).code == 0
        clinic.write_text(clinic.read_text().replace("handouts: [leaflet]\n", ""))
    records = [item for item in manifest(project)["withdrawn"] if item["path"] == "fixture/en/notes.pdf"]
    assert [item["version"] for item in records] == ["1.0", "1.1"]
    first, second = (project / "output" / item["moved_to"] for item in records)
    assert first != second and first.is_file() and second.is_file()
    assert "1.0" in pdf_text(first) and "1.1" in pdf_text(second)
