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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Result, copy_project
from handouts.cli import main
from handouts.i18n.plurals import SAMPLES, established_rules, form_of, forms_of, same_grouping
from plural_project import (
    PLURAL_ID,
    built_text,
    catalogs_of,
    leaflet_project,
    printed_forms,
    start_catalogs,
    translate,
)

WEBLATE_ARABIC = "n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5"
BABEL_218_ARABIC = "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5)"
needs_gnu = pytest.mark.skipif(shutil.which("msginit") is None, reason="GNU gettext is not installed")


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


HYPOTHESIS_LANGS = ["id", "pl", "cy"]  # one, three and six forms


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """For each language, the leaflet project with its catalogs started by `i18n init`: made once,
    copied by each example."""

    def run_quietly(root: Path, *args: str) -> Result:  # `run` is per test; this fixture is per module
        return Result(main(["-C", str(root), *args]), "", "")

    projects = {}
    for lang in HYPOTHESIS_LANGS:
        projects[lang] = leaflet_project(tmp_path_factory.mktemp("started") / "p", lang)
        start_catalogs(projects[lang], run_quietly, lang)
    return projects


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lang=st.sampled_from(HYPOTHESIS_LANGS),
    words=st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=12), min_size=6, max_size=6),
)
def test_any_translation_of_the_initialised_forms_passes_check_and_survives_update(
    tmp_path_factory: pytest.TempPathFactory, started: dict[str, Path], run, lang: str, words: list[str]
) -> None:
    project = Path(shutil.copytree(started[lang], tmp_path_factory.mktemp("h") / "p", symlinks=True))
    path = project / "locales" / lang / "LC_MESSAGES" / "back-care.po"
    for catalog in catalogs_of(project, lang):
        translate(catalog, lambda i: f"{words[i]} {{weeks}} {words[i]}")
    assert run(project, "i18n", "update", "--lang", lang).code == 0
    before = path.read_bytes()
    check = run(project, "i18n", "check", "--lang", lang)
    assert not [line for line in check.err.splitlines() if line.startswith("error:")], check.err
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
    shipped = Path(__file__).resolve().parents[2] / "locales" / lang.split("_")[0] / "LC_MESSAGES" / "common.po"
    if shipped.is_file():
        shutil.copy(shipped, folder / "common.po")
    else:
        assert run(project, "i18n", "update", "--lang", lang).code == 0
        translate(folder / "common.po")
    return target


def assert_accepted_and_prints(project: Path, run, lang: str, weeks: int, form: int) -> None:
    check = run(project, "i18n", "check", "--lang", lang)
    assert check.code == 0 and "error:" not in check.err, check.err
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


WEBLATE_FORMULAS = {  # what translate-toolkit writes for Weblate: its gettext formula, or its CLDR one
    ("es", "gettext"): (2, "n != 1", 2, 1),
    ("es", "CLDR"): (3, "(n == 1) ? 0 : ((n != 0 && n % 1000000 == 0) ? 1 : 2)", 2, 2),
    ("fr", "gettext"): (2, "n > 1", 1, 0),
    ("fr", "CLDR"): (3, "(n == 0 || n == 1) ? 0 : ((n != 0 && n % 1000000 == 0) ? 1 : 2)", 3, 2),
    ("ar", "gettext"): (6, WEBLATE_ARABIC, 12, 4),
    ("ru", "gettext"): (3, "n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2", 21, 0),
}


@pytest.mark.parametrize(("lang", "kind"), list(WEBLATE_FORMULAS))
def test_translate_toolkit_catalogs_with_weblates_formulas_are_accepted(
    tmp_path: Path, run, lang: str, kind: str
) -> None:
    from translate.storage import po

    nplurals, plural, weeks, form = WEBLATE_FORMULAS[(lang, kind)]
    project = leaflet_project(tmp_path / "p", lang, weeks)
    store = po.pofile(extracted(project, run).read_bytes())
    store.updateheader(add=True, Language=lang, Content_Type="text/plain; charset=UTF-8")
    store.updateheaderplural(nplurals, plural)
    for unit in store.units:
        if unit.isheader():
            continue
        if unit.hasplural():
            unit.target = [f"F{i} {unit.source.strings[1]}" for i in range(nplurals)]
        else:
            unit.target = unit.source
    written = tmp_path / f"{lang}.po"
    written.write_bytes(bytes(store))
    install(project, run, lang, written)
    assert_accepted_and_prints(project, run, lang, weeks, form)


POEDIT_HEADER = """\
msgid ""
msgstr ""
"Project-Id-Version: back-care\\n"
"POT-Creation-Date: 2026-01-01 00:00+0000\\n"
"PO-Revision-Date: 2026-12-06 10:00+0100\\n"
"Last-Translator: A Translator <a@example.org>\\n"
"Language-Team: \\n"
"Language: es\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"X-Generator: Poedit 3.9\\n"
"X-Poedit-SourceCharset: UTF-8\\n"
"""


def test_a_catalog_in_poedits_layout_is_accepted_and_kept(tmp_path: Path, run) -> None:
    project = leaflet_project(tmp_path / "p", "es", weeks=12)
    extracted(project, run)
    body = "\n".join(
        [
            POEDIT_HEADER,
            '#: handouts/back-care.yaml\nmsgid "Back care"\nmsgstr "Cuidado de la espalda"\n',
            'msgid "About this leaflet"\nmsgstr "Sobre este folleto"\n',
            'msgid "Rest a little, then move."\nmsgstr "Descanse un poco y muévase."\n',
            'msgid "When to get help"\nmsgstr "Cuándo pedir ayuda"\n',
            '#, python-brace-format\nmsgid "Call us if your back is no better after {weeks} week."\n'
            'msgid_plural "Call us if your back is no better after {weeks} weeks."\n'
            'msgstr[0] "F0 Llámenos si su espalda no mejora en {weeks} semana."\n'
            'msgstr[1] "F1 Llámenos si su espalda no mejora en {weeks} semanas."\n',
        ]
    )
    written = tmp_path / "es.po"
    written.write_text(body, encoding="utf-8")
    path = install(project, run, "es", written)
    assert_accepted_and_prints(project, run, "es", 12, 1)
    assert run(project, "i18n", "update", "--lang", "es").code == 0
    assert "X-Generator: Poedit 3.9" in path.read_text() and "nplurals=2; plural=(n != 1);" in path.read_text()
    assert_accepted_and_prints(project, run, "es", 12, 1)


# -- A wrong header: one error, said as itself ------------------------------------------------


@pytest.mark.parametrize(
    ("plural_forms", "why"),
    [
        ("nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);", "is none of the plural rules for Spanish; write one of: "),
        ("nplurals=2; plural=(n / 0);", "Plural-Forms cannot be used: plural=(n / 0) divides by zero for n = 0; "),
    ],
)
def test_a_wrong_plural_header_is_one_error_and_no_percentage(tmp_path: Path, run, plural_forms: str, why: str) -> None:
    project = leaflet_project(tmp_path / "p", "es", weeks=2)
    start_catalogs(project, run, "es")
    path = project / "locales" / "es" / "LC_MESSAGES" / "back-care.po"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"Plural-Forms: [^\\]*", f"Plural-Forms: {plural_forms}", text), encoding="utf-8")
    translate(path)  # as many forms as the new header says
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith('"Plural-Forms'))

    build = run(project, "build", "--lang", "es", "-j", "1")
    assert build.code == 1
    errors = [out for out in (build.out + build.err).splitlines() if out.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: locales/es/LC_MESSAGES/back-care.po:{line}: "), errors
    assert why in errors[0]
    assert "nplurals=2; plural=(n != 1);" in errors[0]  # the rules it could be
    assert "translated" not in build.out + build.err and "Traceback" not in build.out + build.err

    check = run(project, "i18n", "check", "--lang", "es")
    assert check.code == 1
    assert [out for out in check.err.splitlines() if out.startswith("error:")] == errors
    status = run(project, "i18n", "status", "--lang", "es")
    assert f"es back-care: will NOT print: locales/es/LC_MESSAGES/back-care.po:{line}: " in status.out
    assert "0/0" not in status.out


# -- Arabic: the dual without its number; a permuted header ---------------------------------------


def arabic_project(root: Path, run, weeks: int, forms: list[str], plural_forms: str | None = None) -> Path:
    project = leaflet_project(root, "ar", weeks)
    start_catalogs(project, run, "ar")
    path = project / "locales" / "ar" / "LC_MESSAGES" / "back-care.po"
    translate(path, lambda i: forms[i])
    if plural_forms:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"Plural-Forms: [^\\]*", f"Plural-Forms: {plural_forms}", text), encoding="utf-8")
    return project


ARABIC = [
    "لا أسابيع {weeks}",
    "اتصل بنا إذا لم يتحسن ظهرك بعد أسبوع",  # 1: one number, no number needed
    "اتصل بنا إذا لم يتحسن ظهرك بعد أسبوعين",  # 2: the dual, without the number
    "اتصل بنا إذا لم يتحسن ظهرك بعد {weeks} أسابيع",
    "اتصل بنا إذا لم يتحسن ظهرك بعد {weeks} أسبوعا",
    "اتصل بنا إذا لم يتحسن ظهرك بعد {weeks} أسبوع",
]


def test_the_arabic_dual_prints_without_its_number(tmp_path: Path, run) -> None:
    project = arabic_project(tmp_path / "p", run, 2, ARABIC)
    assert run(project, "i18n", "check", "--lang", "ar").code == 0
    assert run(project, "build", "--lang", "ar", "-j", "1").code == 0
    assert "أسبوعين" in built_text(project, "ar")


def test_a_form_for_many_numbers_without_the_number_is_refused(tmp_path: Path, run) -> None:
    forms = [*ARABIC[:4], "اتصل بنا إذا لم يتحسن ظهرك بعد أسابيع كثيرة", ARABIC[5]]
    project = arabic_project(tmp_path / "p", run, 12, forms)
    check = run(project, "i18n", "check", "--lang", "ar")
    assert check.code == 1
    assert (
        "safety-critical entry: placeholder {weeks} is missing from msgstr[4], which prints for several numbers "
        "(11, 12, …); only a form for exactly one number may leave the number out" in check.err
    )
    build = run(project, "build", "--lang", "ar", "-j", "1")
    assert build.code == 1 and "refused fixture/ar/back-care" in build.out + build.err


def test_a_permuted_header_names_each_plural_entry_to_recheck_and_lapses_its_sign_off(tmp_path: Path, run) -> None:
    project = arabic_project(tmp_path / "p", run, 12, ARABIC, f"nplurals=6; plural={WEBLATE_ARABIC};")
    assert run(project, "i18n", "review", "ar", "--by", "Dr Layla Haddad, GP", "--yes").code == 0
    shown = run(project, "i18n", "review", "ar").out
    assert "    2 → اتصل بنا إذا لم يتحسن ظهرك بعد أسبوعين" in shown
    assert "    11, 12 → اتصل بنا إذا لم يتحسن ظهرك بعد {weeks} أسبوعا" in shown
    assert "approved by Dr Layla Haddad, GP" in shown
    assert "plural entry to re-check" not in run(project, "i18n", "check", "--lang", "ar").err

    path = project / "locales" / "ar" / "LC_MESSAGES" / "back-care.po"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"Plural-Forms: [^\\]*", f"Plural-Forms: nplurals=6; plural={BABEL_218_ARABIC};", text))
    check = run(project, "i18n", "check", "--lang", "ar")
    assert check.code == 0  # accepted: it groups the numbers as GNU's and Weblate's rule does
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith(f'msgid "{PLURAL_ID}'))
    recheck = [out for out in check.err.splitlines() if "plural entry to re-check" in out]
    assert recheck == [
        f"warning: locales/ar/LC_MESSAGES/back-care.po:{line}: plural entry to re-check: this catalog's Plural-Forms "
        f"numbers the forms unlike Weblate gettext's 'nplurals=6; plural={WEBLATE_ARABIC};'; check each form fits "
        "its numbers here (msgstr[4] prints for 100, 101, …; msgstr[5] prints for 11, 12, …)"
    ]
    assert "changed since Dr Layla Haddad, GP" in run(project, "i18n", "review", "ar").out


# -- Round trips: #| previous strings, obsolete entries, other tools' writers -------------------


@needs_gnu
def test_update_keeps_previous_strings_and_obsolete_entries_as_msgmerge_does(tmp_path: Path, run) -> None:
    project = copy_project(tmp_path / "p", ["stadtpark"])
    originals = {path: path.read_bytes() for path in sorted((project / "locales").glob("*/LC_MESSAGES/*.po"))}
    handout = project / "handouts" / "tens-at-home.yaml"
    text = handout.read_text().replace("Switch off first", "Switch it off first")
    handout.write_text(text.replace("context: aftercare list heading", "context: list heading after a session", 1))
    assert run(project, "i18n", "update").code == 0
    first = {path: path.read_text() for path in originals}
    previous = {path: [line for line in text.splitlines() if line.startswith("#|")] for path, text in first.items()}
    assert previous[project / "locales/de/LC_MESSAGES/tens-at-home.po"] == [
        '#| msgid "Switch off first"',
        '#| msgctxt "aftercare list heading"',
        '#| msgid "Do"',
    ]
    assert run(project, "i18n", "update").code == 0  # the entries are still fuzzy: nothing is lost
    assert {path: path.read_text() for path in originals} == first
    pot = project / "locales" / "tens-at-home.pot"
    for path, original in originals.items():
        if path.stem != "tens-at-home":
            continue
        gnu = tmp_path / "gnu.po"
        gnu.write_bytes(original)
        subprocess.run(
            ["msgmerge", "--quiet", "--previous", "--update", "--backup=none", str(gnu), str(pot)], check=True
        )
        assert gnu.read_text() == first[path], path


def test_a_one_number_form_may_leave_out_the_count_but_never_the_clinics_phone() -> None:
    from babel.messages.catalog import Catalog

    from handouts.i18n.checks import message_errors

    catalog = Catalog(locale="ar")
    catalog.mime_headers = [("Plural-Forms", f"nplurals=6; plural={WEBLATE_ARABIC};")]
    forms = ["{weeks} {clinic_phone}"] * 6
    message = catalog.add(("{weeks} week {clinic_phone}", "{weeks} weeks {clinic_phone}"), tuple(forms))
    message.string = tuple(["{clinic_phone} 0", "{clinic_phone} 1", "{clinic_phone} 2", *forms[3:]])
    assert message_errors(catalog, message) == []  # 0, 1 and 2 are one number each
    message.string = tuple([*forms[:2], "أسبوعين", *forms[3:]])
    assert message_errors(catalog, message) == [
        "placeholder {clinic_phone} is missing from msgstr[2]; the clinic's name, phone and emergency numbers "
        "print in every form: copy it from the English unchanged"
    ]
