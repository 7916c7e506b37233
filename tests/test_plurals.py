"""Plural rules as data (issue 18): catalogs written by GNU gettext, translate-toolkit (Weblate's
writer, with its gettext and CLDR formulas) and Poedit are accepted whichever Babel is installed;
`i18n init` writes the slots each plural class needs; a one-number form may leave out the number;
a wrong header is one error; #| lines survive `i18n update`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import pdf_text
from fixture_project import make_project
from handouts.plurals import SAMPLES, established_rules, form_of, forms_of, same_grouping

LEAFLET = """\
meta: {code: BC-1, version: "1.0", approved: 2026-01-01, review_due: 2099-01-01, references: ["A reference. 2020."]}
title: Back care
values:
  weeks: 2
sections:
  - id: intro
    heading: About this leaflet
    blocks:
      - type: paragraph
        text: Rest a little, then move.
  - id: urgent
    heading: When to get help
    safety: true
    blocks:
      - type: paragraph
        text:
          text: "Call us if your back is no better after {weeks} week."
          plural: "Call us if your back is no better after {weeks} weeks."
          count: weeks
"""
PLURAL_ID = "Call us if your back is no better after {weeks} week."
WEBLATE_ARABIC = "n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5"
BABEL_218_ARABIC = "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5)"
needs_gnu = pytest.mark.skipif(shutil.which("msginit") is None, reason="GNU gettext is not installed")


def leaflet_project(root: Path, lang: str, weeks: int = 2) -> Path:
    """The leaflet for one clinic that lists lang (and English), with no catalog of lang yet."""
    project = make_project(
        root, {"back-care": LEAFLET}, languages=("en", lang), clinic_extra=f"values:\n  weeks: {weeks}\n"
    )
    shutil.rmtree(project / "locales")
    (project / "locales").mkdir()
    return project


def start_catalogs(project: Path, run, lang: str) -> None:
    """`i18n init`, or for a language the tool ships catalogs of, `i18n update` (init refuses)."""
    shipped = (Path(__file__).resolve().parents[1] / "locales" / lang).is_dir()
    result = run(project, "i18n", *(("update", "--lang", lang) if shipped else ("init", lang)))
    assert result.code == 0, result.out + result.err


def catalogs_of(project: Path, lang: str) -> list[Path]:
    return sorted((project / "locales" / lang / "LC_MESSAGES").glob("*.po"))


def translate(path: Path, form_text=None) -> None:
    """Fill every entry (through Babel, whatever wrote the file): the English, and for plural
    entries each form marked with its index, so the PDF shows which form printed."""
    with path.open("rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            count = len(message.string)
            message.string = tuple(form_text(i) if form_text else f"F{i} {message.id[1]}" for i in range(count))
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as file:
        write_po(file, catalog)


def built_text(project: Path, lang: str) -> str:
    return " ".join(pdf_text(project / "output" / "fixture" / lang.replace("_", "-") / "back-care.pdf").split())


def printed_forms(project: Path, lang: str) -> set[str]:
    """Which marked plural forms the PDF shows (the markers survive right-to-left reordering)."""
    return set(re.findall(r"\bF\d\b", built_text(project, lang)))


def plural_lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    start = text.index(f'msgid "{PLURAL_ID}"')
    return re.findall(r"(?m)^msgstr\[\d+\]", text[start : text.find("\n\n", start) % (len(text) + 1)])


# -- Each plural class, from `i18n init` to a printed PDF -----------------------------------


@pytest.mark.parametrize(
    ("lang", "nplurals"), [("id", 1), ("vi", 1), ("it", 2), ("pl", 3), ("sl", 4), ("cy", 6), ("ar", 6)]
)
def test_init_writes_the_slots_of_each_plural_class_and_the_translated_files_pass(
    tmp_path: Path, run, lang: str, nplurals: int
) -> None:
    project = leaflet_project(tmp_path / "p", lang)
    start_catalogs(project, run, lang)
    handout = project / "locales" / lang / "LC_MESSAGES" / "back-care.po"
    assert plural_lines(handout) == [f"msgstr[{i}]" for i in range(nplurals)]
    for path in catalogs_of(project, lang):
        translate(path)
    assert run(project, "i18n", "update").code == 0
    after_one = {path: path.read_bytes() for path in catalogs_of(project, lang)}
    assert run(project, "i18n", "update").code == 0
    assert {path: path.read_bytes() for path in catalogs_of(project, lang)} == after_one  # stable
    check = run(project, "i18n", "check", "--lang", lang)
    assert (check.code, check.out.splitlines()[-1]) == (0, "All catalogs pass."), check.out
    build = run(project, "build", "--lang", lang, "-j", "1")
    assert build.code == 0, build.out
    rule = established_rules(lang)[0]
    assert printed_forms(project, lang) == {f"F{form_of(rule.count, rule.expr, 2)}"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lang=st.sampled_from(["id", "pl", "cy"]),
    words=st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=12), min_size=6, max_size=6),
)
def test_any_translation_of_the_initialised_forms_passes_check_and_survives_update(
    tmp_path_factory: pytest.TempPathFactory, run, lang: str, words: list[str]
) -> None:
    project = leaflet_project(tmp_path_factory.mktemp("h") / "p", lang)
    start_catalogs(project, run, lang)
    path = project / "locales" / lang / "LC_MESSAGES" / "back-care.po"
    for catalog in catalogs_of(project, lang):
        translate(catalog, lambda i: f"{words[i]} {{weeks}} {words[i]}")
    assert run(project, "i18n", "update", "--lang", lang).code == 0
    before = path.read_bytes()
    check = run(project, "i18n", "check", "--lang", lang)
    assert not [line for line in check.out.splitlines() if line.startswith("error:")], check.out
    assert run(project, "i18n", "update", "--lang", lang).code == 0
    assert path.read_bytes() == before


LANGUAGES = ["ar", "cs", "de", "es", "fr", "ga", "ja", "lt", "lv", "pl", "pt", "pt_BR", "ro", "ru", "sl", "uk", "vi"]


@settings(max_examples=300, deadline=None)
@given(lang=st.sampled_from(LANGUAGES), n=st.integers(0, 10**12))
def test_rules_accepted_as_the_same_agree_on_every_number(lang: str, n: int) -> None:
    """Two established rules the check takes for one grouping (judged on SAMPLES) put any number
    in corresponding forms: the samples are enough to tell rules apart."""
    rules = established_rules(lang)
    for one in rules:
        for other in rules:
            mine, theirs = forms_of(one.count, one.expr), forms_of(other.count, other.expr)
            if one.count == other.count and same_grouping(mine, theirs):
                mapping = dict(zip(mine, theirs, strict=True))
                assert mapping[form_of(one.count, one.expr, n)] == form_of(other.count, other.expr, n), (one, other)


def test_every_sample_of_every_rule_is_in_range() -> None:
    for lang in LANGUAGES:
        for rule in established_rules(lang):
            assert set(forms_of(rule.count, rule.expr)) == set(range(rule.count)), rule  # every form is used
    assert 1_000_000 in SAMPLES  # CLDR's "many" of Spanish and French


# -- Catalogs written by translators' tools --------------------------------------------------


def extracted(project: Path, run) -> Path:
    assert run(project, "i18n", "extract").code == 0
    return project / "locales" / "back-care.pot"


def install(project: Path, run, lang: str, written: Path) -> Path:
    """Put a catalog written by another tool in place, with the shipped page frame for lang."""
    folder = project / "locales" / lang / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "back-care.po"
    shutil.copy(written, target)
    shipped = Path(__file__).resolve().parents[1] / "locales" / lang.split("_")[0] / "LC_MESSAGES" / "common.po"
    if shipped.is_file():
        shutil.copy(shipped, folder / "common.po")
    else:
        assert run(project, "i18n", "update", "--lang", lang).code == 0
        translate(folder / "common.po")
    return target


def assert_accepted_and_prints(project: Path, run, lang: str, weeks: int, form: int) -> None:
    check = run(project, "i18n", "check", "--lang", lang)
    assert check.code == 0 and "error:" not in check.out, check.out
    build = run(project, "build", "--lang", lang, "-j", "1")
    assert build.code == 0, build.out
    assert printed_forms(project, lang) == {f"F{form}"}


@needs_gnu
@pytest.mark.parametrize(
    ("lang", "weeks", "form"), [("es", 2, 1), ("fr", 1, 0), ("pl", 22, 1), ("ru", 5, 2), ("vi", 3, 0)]
)
def test_msginit_and_msgmerge_catalogs_are_accepted(tmp_path: Path, run, lang: str, weeks: int, form: int) -> None:
    project = leaflet_project(tmp_path / "p", lang, weeks)
    pot = extracted(project, run)
    written = tmp_path / f"{lang}.po"
    subprocess.run(
        ["msginit", "--no-translator", "-i", str(pot), "-l", lang, "-o", str(written)], check=True, capture_output=True
    )
    translate(written)
    path = install(project, run, lang, written)
    subprocess.run(["msgmerge", "--quiet", "--previous", "--update", "--backup=none", str(path), str(pot)], check=True)
    assert_accepted_and_prints(project, run, lang, weeks, form)
