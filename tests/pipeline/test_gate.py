"""Safety gating: broken safety-critical translations stop their language; the rest still build.

One project holds one defect per language and is built once; each test reads
that one build's output.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import HANDOUT, Result, copy_project, pdf_text
from handouts.cli import main
from i18n_helpers import edit_entry, po_path

FORM = "microcurrent-screening-form"
URGENT_CALL = "Call {emergency_number} or go to the emergency department now if you have back pain and any of these:"
IMG = '<img src="https://example.com/x.png">'


@dataclass
class Broken:
    project: Path
    lines: dict[str, int]  # lang -> line of its broken entry
    build: Result


def run_main(*args: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Broken:
    project = copy_project(tmp_path_factory.mktemp("gate") / "project", ["stadtpark"])
    clinic = project / "clinics" / "stadtpark" / "clinic.yaml"
    text = clinic.read_text()
    clinic.write_text(
        text.replace(text[text.index("languages:") :].splitlines()[0], "languages: [de, fr, ru, vi, ar, es]")
        # Non-critical text may print in English here (the default, 100, refuses any English).
        + "min_translated: 90\n"
    )
    handout = {lang: po_path(project, lang, HANDOUT) for lang in ("de", "fr", "ru", "vi", "es")}
    lines = {
        # A dropped placeholder: the emergency number would vanish from the page.
        "de": edit_entry(handout["de"], URGENT_CALL, "Rufen Sie sofort den Notruf an, wenn Sie dazu Folgendes haben:"),
        "fr": edit_entry(handout["fr"], "When to get urgent help", fuzzy=True),
        "ru": edit_entry(handout["ru"], "you cannot control when you poo", ""),
        "vi": edit_entry(handout["vi"], "you cannot feel when your bladder is full", f"bàng quang {IMG}"),
        "ar": edit_entry(
            po_path(project, "ar", "common"), "Phone: {phone}", "<script>alert(1)</script>الهاتف: {phone}"
        ),
        # Spanish: two non-critical problems, printed in English with a warning.
        "es": edit_entry(handout["es"], "Information for patients", ""),
        "es-markup": edit_entry(handout["es"], "Key points", "<em>Puntos clave</em>"),
    }
    return Broken(
        project, lines, run_main("-C", str(project), "build", "--handout", HANDOUT, "--handout", FORM, "-j", "1")
    )


def built(project: Path) -> list[str]:
    return sorted(p.relative_to(project / "output").as_posix() for p in (project / "output").rglob("*.pdf"))


def test_build_refuses_exactly_the_pdfs_that_use_a_broken_safety_entry(broken: Broken) -> None:
    assert broken.build.code == 1
    # The leaflets with a broken urgent-help entry are refused; their forms (which do not print it) are not.
    # Arabic's broken entry is the phone line on every page: both its PDFs are refused.
    forms = [f"stadtpark/{lang}/{FORM}.pdf" for lang in ("de", "es", "fr", "ru", "vi")]
    assert built(broken.project) == sorted([f"stadtpark/es/{HANDOUT}.pdf", *forms])
    for lang in ("de", "fr", "ru", "vi", "ar"):
        assert f"refused stadtpark/{lang}/{HANDOUT}: 1 problem (listed above); not printed" in broken.build.err
    assert f"refused stadtpark/ar/{FORM}: 1 problem (listed above); not printed" in broken.build.err
    # The HTML copies pass the same gate: refused exactly where their PDFs are.
    for lang in ("de", "fr", "ru", "vi", "ar"):
        assert f"refused stadtpark/{lang}/{HANDOUT} (html): 1 problem (listed above); not printed" in broken.build.err
    assert "12 built, 0 skipped, 0 failed, 12 refused" in broken.build.out  # each PDF and its HTML copy


def test_dropped_placeholder_is_refused(broken: Broken) -> None:
    assert (
        f"error: locales/de/LC_MESSAGES/{HANDOUT}.po:{broken.lines['de']}: safety-critical entry: "
        "placeholder {emergency_number} is missing; copy it from the English unchanged"
    ) in broken.build.err.splitlines()


def test_fuzzy_safety_critical_entry_is_refused(broken: Broken) -> None:
    assert (
        f"error: locales/fr/LC_MESSAGES/{HANDOUT}.po:{broken.lines['fr']}: safety-critical entry is fuzzy "
        "(the English changed or it was guessed); review it and remove the fuzzy flag"
    ) in broken.build.err.splitlines()


def test_untranslated_safety_critical_entry_is_refused(broken: Broken) -> None:
    assert (
        f"error: locales/ru/LC_MESSAGES/{HANDOUT}.po:{broken.lines['ru']}: safety-critical entry is not translated yet"
    ) in broken.build.err.splitlines()


def test_added_image_and_script_markup_is_refused(broken: Broken) -> None:
    lines = broken.build.err.splitlines()
    assert (
        f"error: locales/vi/LC_MESSAGES/{HANDOUT}.po:{broken.lines['vi']}: safety-critical entry: "
        f"markup {IMG} is not in the English; only the English's markup may be used"
    ) in lines
    # The clinic's phone number (a template string) is safety-critical too.
    assert (
        f"error: locales/ar/LC_MESSAGES/common.po:{broken.lines['ar']}: safety-critical entry: "
        "markup <script> is not in the English; only the English's markup may be used"
    ) in lines


def test_non_critical_problems_fall_back_to_english_with_a_warning(broken: Broken) -> None:
    lines = broken.build.err.splitlines()
    shown = f"locales/es/LC_MESSAGES/{HANDOUT}.po"
    assert f"warning: {shown}:{broken.lines['es']}: entry is not translated yet (printed in English)" in lines
    assert (
        f"warning: {shown}:{broken.lines['es-markup']}: entry: markup <em> is not in the English; "
        "only the English's markup may be used (printed in English)"
    ) in lines
    text = pdf_text(broken.project / "output" / "stadtpark" / "es" / f"{HANDOUT}.pdf")
    assert "Information for patients" in text
    assert "Key points" in text
    assert "Puntos clave" not in text
    assert "Terapia de microcorriente" in text  # the rest is Spanish


def test_strict_turns_warnings_into_failures(broken: Broken, tmp_path: Path) -> None:
    result = run_main(
        "-C", str(broken.project), "build", "--strict", "--lang", "es", "--handout", HANDOUT, "--out", str(tmp_path)
    )
    assert result.code == 1
    assert f"refused stadtpark/es/{HANDOUT}: 2 problems (listed above); not printed" in result.err
    assert f"error: locales/es/LC_MESSAGES/{HANDOUT}.po:{broken.lines['es']}: entry is not translated yet" in result.err
    assert not list(tmp_path.rglob("*.pdf"))


def test_i18n_check_reports_every_problem(broken: Broken) -> None:
    result = run_main("-C", str(broken.project), "i18n", "check")
    assert result.code == 1
    lines = result.err.splitlines()
    for lang in ("de", "fr", "ru", "vi"):
        assert any(
            line.startswith(f"error: locales/{lang}/LC_MESSAGES/{HANDOUT}.po:{broken.lines[lang]}: ") for line in lines
        )
    # A check failure fails the check even where the build falls back to English.
    assert any(
        line.startswith(f"error: locales/es/LC_MESSAGES/{HANDOUT}.po:{broken.lines['es-markup']}: ") for line in lines
    )
    assert f"warning: locales/es/LC_MESSAGES/{HANDOUT}.po:{broken.lines['es']}: entry is not translated yet" in lines
    assert result.out.splitlines()[-1] == "Some catalogs have problems (listed above)."
