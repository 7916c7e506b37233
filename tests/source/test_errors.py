"""Bad input gets one clear message: file, line, key and fix; exit 1; no traceback; no PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HANDOUT, copy_project
from i18n_helpers import entry_line

CLINIC = "clinics/stadtpark/clinic.yaml"
PHONE_MSGID = "For any other worries about your treatment, call us on {clinic_phone}."
DE_PO = f"locales/de/LC_MESSAGES/{HANDOUT}.po"


def edit(path: Path, old: str, new: str, *, last: bool = False) -> None:
    """Replace the first (or last: in a .po entry, the msgstr) occurrence of old."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path}"
    before, _, after = text.rpartition(old) if last else text.partition(old)
    path.write_text(before + new + after, encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8")[: path.read_text(encoding="utf-8").index(text)].count("\n") + 1


def assert_refused(result, *messages: str) -> None:
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    for message in messages:
        assert f"error: {message}\n" in result.err


def pdfs(project: Path) -> list[str]:
    return sorted(p.relative_to(project).as_posix() for p in project.glob("output/**/*.pdf"))


CLINIC_MISTAKES = [
    pytest.param(
        "paper: A4",
        "paper: [A4",
        f"{CLINIC}:15: YAML syntax error: expected ',' or ']', but got ':'",
        id="yaml-syntax",
    ),
    pytest.param(
        "email:",
        "e-mail:",
        f"{CLINIC}:11 e-mail: unknown key; did you mean 'email'? (allowed here: name, logo, logo_alt, "
        "colors, address, phone, email, website, emergency_number, paper, languages, session_minutes, session_count, "
        "handouts, packets, values, min_translated, require_review, logo_placement, font, body_size, footer_text, "
        "clinic_section, main_language, bilingual, booklet, handout_url, site_url)",
        id="unknown-key",
    ),
    pytest.param(
        "phone: 030 23125 456\n",
        "",
        f"{CLINIC} phone: required key is missing; add it",
        id="missing-field",
    ),
    pytest.param(
        '"#2d5a27"',
        "dark green",
        f"{CLINIC}:5 colors.primary: 'dark green' is not a colour; write it as #RRGGBB, e.g. #1a5f7a",
        id="wrong-type",
    ),
    pytest.param(
        "logo: logo.png",
        "logo: logo-2024.png",
        f"{CLINIC}:3 logo: logo file 'logo-2024.png' not found in clinics/stadtpark/; add it or fix the name",
        id="missing-logo",
    ),
    pytest.param(
        "logo: logo.png",
        "logo: ../../../etc/passwd.png",
        f"{CLINIC}:3 logo: '../../../etc/passwd.png' is outside clinics/stadtpark/; put the logo file in the "
        "clinic's folder",
        id="logo-outside",
    ),
    pytest.param(
        "languages: [de, ru, ar, en]",
        "languages: [de, klingon]",
        f"{CLINIC}:15 languages: unknown language 'klingon'; use a code such as 'es', 'pt_BR' or 'zh_Hans'",
        id="unknown-language",
    ),
]


@pytest.mark.contract
@pytest.mark.parametrize(("old", "new", "message"), CLINIC_MISTAKES)
def test_clinic_file_mistakes(project: Path, run, old: str, new: str, message: str) -> None:
    edit(project / CLINIC, old, new)
    result = run(project, "build")
    assert_refused(result, message)
    assert pdfs(project) == []


def test_handout_unknown_key_and_missing_field(project: Path, run) -> None:
    path = project / f"handouts/{HANDOUT}.yaml"
    edit(path, "\ntitle:", "\ntitel:")
    line = line_of(path, "\ntitel:") + 1  # the line after the newline found
    result = run(project, "build", "--lang", "en", "--handout", HANDOUT)
    assert_refused(
        result,
        f"handouts/{HANDOUT}.yaml title: required key is missing; add it",
        f"handouts/{HANDOUT}.yaml:{line} titel: unknown key; did you mean 'title'? "
        "(allowed here: layout, meta, values, title, subtitle, sections)",
    )
    assert pdfs(project) == []


def test_unknown_clinic_on_the_command_line(project: Path, run) -> None:
    result = run(project, "build", "--clinic", "riverbank")
    assert result.code == 1
    assert result.err == "error: clinics/: unknown clinic 'riverbank'; the clinics are: stadtpark\n"
    assert pdfs(project) == []


def test_language_no_clinic_offers(project: Path, run) -> None:
    result = run(project, "build", "--lang", "fr")
    assert result.code == 1
    assert result.err == "error: clinics/: no selected clinic offers language 'fr'; they offer: ar, de, en, ru\n"


def test_language_without_catalog_is_not_offered(project: Path, run) -> None:
    edit(project / CLINIC, "languages: [de, ru, ar, en]", "languages: [pl, en]")
    result = run(project, "build", "--lang", "pl")
    assert result.code == 0  # not offered is no refusal
    assert [line for line in result.err.splitlines() if "'pl'" in line] == [
        "not offered in 'pl' (no catalog): back-exercises, microcurrent-back-pain, microcurrent-screening-form, "
        "pain-diary, tens-at-home; to offer them, run handouts i18n init pl and translate"
    ]
    assert "refused" not in result.out + result.err
    assert pdfs(project) == []


@pytest.mark.contract
def test_broken_catalog_fails_only_its_language(project: Path, run) -> None:
    broken_line = line_of(project / DE_PO, 'msgstr "Mikrostromtherapie bei') + 1  # the unquoted "bei" line
    edit(project / DE_PO, 'msgstr "Mikrostromtherapie bei', 'msgstr "Mikrostromtherapie\nbei')
    result = run(project, "build", "--lang", "de", "--lang", "en", "--handout", HANDOUT)
    assert_refused(
        result, f'{DE_PO}:{broken_line - 1}: not a valid .po file (the text has no closing quote); end the line with "'
    )
    assert pdfs(project) == [f"output/stadtpark/en/{HANDOUT}.pdf"]
    assert "2 built, 0 skipped, 0 failed, 2 refused" in result.out  # each PDF and its HTML copy


def test_character_no_font_has_is_refused_not_drawn_as_a_box(project: Path, run) -> None:
    edit(project / DE_PO, 'msgstr "Das Wichtigste in Kürze"', 'msgstr "Das Wichtigste in Kürze 🩺"')
    result = run(project, "build", "--lang", "de", "--handout", HANDOUT)
    assert_refused(
        result,
        f"{DE_PO}:{entry_line(project / DE_PO, 'Key points')}: "
        "no font for language 'de' has the character '🩺' (U+1FA7A STETHOSCOPE) in "
        "“Das Wichtigste in Kürze 🩺”; fix the text or add a font that has it to fonts/fonts.yaml",
    )
    assert pdfs(project) == []


def test_unknown_placeholder_in_translation(project: Path, run) -> None:
    edit(project / DE_PO, "{clinic_phone}", "{telefon}", last=True)
    result = run(project, "build", "--lang", "de", "--handout", HANDOUT, "--handout", "microcurrent-screening-form")
    assert_refused(
        result,
        # The translation checks (safety gating) catch it before the PDF is laid out.
        f"{DE_PO}:{entry_line(project / DE_PO, PHONE_MSGID)}: safety-critical entry: "
        "placeholder {telefon} is not in the English and {clinic_phone} is missing; "
        "copy the English's placeholders unchanged",
    )
    # Only the leaflet uses that sentence: the form, which does not, still prints.
    assert pdfs(project) == ["output/stadtpark/de/microcurrent-screening-form.pdf"]


def test_one_broken_clinic_does_not_stop_the_others(tmp_path: Path, run) -> None:
    project = copy_project(tmp_path / "p", ["stadtpark", "tilleuls"])
    edit(project / CLINIC, "paper: A4", "paper: A5")
    result = run(project, "build", "--lang", "en", "--handout", HANDOUT)
    assert_refused(result, f"{CLINIC}:14 paper: 'A5' is not allowed; use one of 'A4' or 'Letter'")
    assert pdfs(project) == [f"output/tilleuls/en/{HANDOUT}.pdf"]
