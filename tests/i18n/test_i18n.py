"""handouts i18n extract / init / update / status / check, on copies of the project (the shipped
catalogs as content: tests/content/test_catalogs.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import HANDOUT, pdf_text
from i18n_helpers import edit_entry, po_path, read_catalog, save_catalog


def test_init_then_translate_builds_polish_without_code_change(project: Path, run) -> None:
    result = run(project, "i18n", "init", "pl")
    assert result.code == 0, result.err
    assert "created locales/pl/LC_MESSAGES/microcurrent-back-pain.po" in result.out
    for domain in (HANDOUT, "common"):
        text = po_path(project, "pl", domain).read_text()
        assert '"Language: pl\\n"' in text
        assert "nplurals=3;" in text  # Polish has three plural forms; Babel knows them
        assert "#, fuzzy" not in text  # used at once

    # Not translated yet: the safety-critical entries stop it from printing.
    check = run(project, "i18n", "check", "--lang", "pl")
    assert check.code == 1
    assert "safety-critical entry is not translated yet" in check.err

    for path in sorted((project / "locales" / "pl" / "LC_MESSAGES").glob("*.po")):
        catalog = read_catalog(path)
        for message in catalog:
            if isinstance(message.id, tuple):  # a plural: Polish has three forms
                message.string = tuple("ż " + message.id[1] for _ in range(3))
            elif message.id:
                message.string = "ż " + message.id  # stands in for a real Polish translation
        save_catalog(path, catalog)
    assert run(project, "i18n", "check", "--lang", "pl").code == 0
    if shutil.which("msgfmt"):
        for path in sorted((project / "locales" / "pl" / "LC_MESSAGES").glob("*.po")):
            subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], check=True)

    clinic = project / "clinics" / "stadtpark" / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("languages: [", "languages: [pl, "))
    result = run(project, "build", "--lang", "pl")
    assert result.code == 0, result.out
    text = pdf_text(project / "output" / "stadtpark" / "pl" / f"{HANDOUT}.pdf")
    assert "ż Microcurrent therapy for back pain" in text
    assert "ż When to get urgent help" in text


def test_init_refuses_unknown_language_and_existing_catalogs(project: Path, run) -> None:
    result = run(project, "i18n", "init", "xx_nope")
    assert result.code == 1
    assert "error: locales/: unknown language 'xx_nope'" in result.err
    result = run(project, "i18n", "init", "de")
    assert result.code == 1
    assert "error: locales/de/LC_MESSAGES/microcurrent-back-pain.po: catalog exists already" in result.err


def test_update_marks_exactly_the_changed_sentence_fuzzy_everywhere(project: Path, run) -> None:
    old, new = "Information for patients", "Information for our patients"
    handout = project / "handouts" / f"{HANDOUT}.yaml"
    handout.write_text(handout.read_text().replace(f"subtitle: {old}", f"subtitle: {new}"))
    before = {p: read_catalog(p) for p in sorted((project / "locales").glob(f"*/LC_MESSAGES/{HANDOUT}.po"))}
    assert len(before) == 7

    result = run(project, "i18n", "update")
    assert result.code == 0

    for path, old_catalog in before.items():
        catalog = read_catalog(path)
        fuzzy = [m for m in catalog if m.id and m.fuzzy]
        assert [m.id for m in fuzzy] == [new], path
        assert fuzzy[0].string == old_catalog[old].string  # the old translation, to review
        assert f'#| msgid "{old}"' in path.read_text()
        unchanged = {(m.id, m.string) for m in old_catalog if m.id and m.id != old}
        assert unchanged == {(m.id, m.string) for m in catalog if m.id and m.id != new}
    # Not safety-critical: it still prints, in English, with a warning.
    check = run(project, "i18n", "check", "--lang", "de")
    assert check.code == 0
    assert "entry is fuzzy" in check.err


def test_status_json_counts_by_language_handout_and_section(project: Path, run) -> None:
    edit_entry(po_path(project, "de", HANDOUT), "Information for patients", string="")
    edit_entry(po_path(project, "de", HANDOUT), "When to get urgent help", fuzzy=True)

    result = run(project, "i18n", "status", "--format", "json", "--lang", "de")
    assert result.code == 0
    report = json.loads(result.out)
    handout = report["de"][HANDOUT]
    assert (handout["missing"], handout["fuzzy"], handout["translated"] + 2) == (1, 1, handout["total"])
    assert handout["sections"]["title"]["missing"] == 1
    assert handout["sections"]["urgent-help"] == {**handout["sections"]["urgent-help"], "fuzzy": 1}
    assert handout["sections"]["urgent-help"]["safety_critical"] is True
    assert handout["printable"] is False
    assert report["de"]["common"]["sections"]["templates"]["translated"] == report["de"]["common"]["total"]

    # The same counts in words (the totals are the shipped handout's, whatever its revision).
    total, urgent = handout["total"], handout["sections"]["urgent-help"]["total"]
    text = run(project, "i18n", "status", "--lang", "de").out
    done = 100 * (total - 2) // total
    assert f"de {HANDOUT}: {total - 2}/{total} translated, 1 fuzzy, 1 missing ({done}% done; will NOT print" in text
    assert f"    urgent-help          {urgent - 1}/{urgent} translated, 1 fuzzy, 0 missing [safety-critical]" in text


def test_update_creates_catalogs_for_a_new_handout(project: Path, run) -> None:
    shutil.copy(project / "handouts" / f"{HANDOUT}.yaml", project / "handouts" / "second-handout.yaml")
    result = run(project, "i18n", "update", "--lang", "de")
    assert result.code == 0
    assert "created locales/de/LC_MESSAGES/second-handout.po" in result.out
    assert (project / "locales" / "second-handout.pot").is_file()
    assert not po_path(project, "ru", "second-handout").exists()  # only the language asked for


def test_update_reports_a_broken_catalog_and_updates_the_others(project: Path, run) -> None:
    po_path(project, "de", "common").write_text('msgid "x"\nfoo bar\n')
    result = run(project, "i18n", "update")
    assert result.code == 1
    assert result.err.startswith("error: locales/de/LC_MESSAGES/common.po:2: not a valid .po file")
    assert "updated locales/ru/LC_MESSAGES/common.po (0 newly fuzzy)" in result.out
