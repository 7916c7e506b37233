"""Strict catalogs: msgfmt's verdict on broken files, charsets, control characters, plural shape,
CSS escaping, translators' tools (Plural-Forms, language codes, msgmerge's layout)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from conftest import HANDOUT, REPO
from handouts.errors import CatalogError
from handouts.i18n.catalogs import load_catalog
from handouts.i18n.checks import entries, header_problems, message_errors
from handouts.i18n.extract import Template
from handouts.render.markup import css_string
from i18n_helpers import edit_entry, po_path, read_catalog, save_catalog

HEADER = """\
msgid ""
msgstr ""
"Project-Id-Version: test 1\\n"
"Language: de\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"""
BODY = """
msgid "One"
msgstr "Eins"

msgid "Two"
msgstr "Zwei"
"""
VALID = HEADER + BODY
TWO = 'msgstr "Zwei"'  # on line 14
PLURAL = '\nmsgid "file"\nmsgid_plural "files"\nmsgstr[0] "Datei"\nmsgstr[1] "Dateien"\n'  # msgid on 16

# name -> (file contents, the line the tool must name)
BROKEN = {
    "missing closing quote": (VALID.replace(TWO, 'msgstr "Zwei'), 14),
    "missing opening quote": (VALID.replace(TWO, 'msgstr Zwei"'), 14),
    "stray text line": (VALID.replace(TWO, TWO + "\nhello world"), 15),
    "unquoted continuation": (VALID.replace(TWO, 'msgstr "Zw"\nei"'), 15),
    "string unterminated across lines": (VALID.replace(TWO, 'msgstr "Zwei\n"more"'), 14),
    "escaped closing quote": (VALID.replace(TWO, 'msgstr "Zwei\\"'), 14),
    "text after the closing quote": (VALID.replace(TWO, 'msgstr "Zwei" x'), 14),
    "bad escape": (VALID.replace(TWO, 'msgstr "Zw\\qei"'), 14),
    "misspelt keyword": (VALID.replace(TWO, 'msgstrx "Zwei"'), 14),
    "entry without msgstr": (VALID.replace(TWO, ""), 13),
    "msgid after msgid": (VALID.replace('msgstr "Eins"', 'msgid "Uno"'), 10),
    "msgctxt without msgid": (VALID + '\nmsgctxt "c"\n', 16),
    "msgstr without msgid": (VALID + '\nmsgstr "c"\n', 16),
    "duplicate msgid": (VALID + '\nmsgid "One"\nmsgstr "Noch eins"\n', 16),
    "duplicate header": (VALID + '\nmsgid ""\nmsgstr "x"\n', 16),
    "obsolete duplicates an entry": (VALID + '\n#~ msgid "One"\n#~ msgstr "x"\n', 16),
    "msgstr[1] without msgid_plural": (VALID + '\nmsgid "a"\nmsgstr[0] "x"\nmsgstr[1] "y"\n', 16),
    "plain msgstr after msgid_plural": (VALID + '\nmsgid "a"\nmsgid_plural "as"\nmsgstr "x"\n', 18),
    "msgstr[N] out of order": (VALID + PLURAL.replace("msgstr[0]", "msgstr[9]"), 18),
    "msgstr[N] with a gap": (VALID + PLURAL.replace("msgstr[1]", "msgstr[2]"), 19),
    "too few plural forms": (VALID + PLURAL.replace('msgstr[1] "Dateien"\n', ""), 18),
    "too many plural forms": (VALID + PLURAL + 'msgstr[2] "Dateiens"\n', 18),
    "invalid Plural-Forms expression": (VALID.replace("plural=(n != 1)", "plural=(n !="), 2),
    "broken obsolete entry": (VALID + '\n#~ msgid "Old\n#~ msgstr "Alt"\n', 16),
    "broken previous msgid": (VALID.replace('msgid "Two"', '#| msgid "Tw\nmsgid "Two"'), 13),
    "no header": (BODY, None),
    "empty file": ("", None),
}
BYTES_BROKEN = {
    "UTF-8 byte order mark": (b"\xef\xbb\xbf" + VALID.encode(), 1),
    "not UTF-8": (VALID.replace("Zwei", "Zw\udcffei").encode("utf-8", "surrogateescape"), 14),
    "ASCII charset, non-ASCII text": (VALID.replace("UTF-8", "ASCII").replace("Zwei", "Zwü").encode(), 14),
}
VALID_FILES = {
    "plain": VALID,
    "header only": HEADER,
    "fuzzy header": "#, fuzzy\n" + VALID,
    "comments of every kind": VALID.replace('msgid "Two"', '#foo\n# note\n#. auto\n#: a.yaml:1\n#, fuzzy\nmsgid "Two"'),
    "obsolete entries": VALID
    + '\n#~ msgid "Old"\n#~ msgstr "Alt"\n\n#~| msgid "Ol"\n#~ msgid "Older"\n#~ msgstr "Älter"\n',
    "previous msgid": VALID.replace('msgid "Two"', '#, fuzzy\n#| msgid "Tw"\nmsgid "Two"'),
    "msgctxt": VALID + '\nmsgctxt "menu"\nmsgid "One"\nmsgstr "Eine"\n',
    "plurals": VALID + PLURAL,
    "multi-line strings": VALID.replace(TWO, 'msgstr ""\n"Zw"\n"ei\\n"\n"\\t\\"x\\" \\\\"'),
    "CRLF line ends": VALID.replace("\n", "\r\n"),
    "ISO-8859-1": VALID.replace("UTF-8", "ISO-8859-1").replace("Zwei", "Zwü"),
}
# msgfmt accepts these, but Babel would misread them or they hide a real mistake: refused, naming the fix.
STRICTER_THAN_MSGFMT = {
    "unknown charset": (VALID.replace("UTF-8", "foo-bar"), 6),
    "two strings on one line": (VALID.replace(TWO, 'msgstr "Zw" "ei"'), 14),
    "space before the plural index": (VALID + PLURAL.replace("msgstr[0]", "msgstr [0]"), 18),
    "tab after the keyword": (VALID.replace(TWO, 'msgstr\t"Zwei"'), 14),
    "octal escape": (VALID.replace(TWO, 'msgstr "Zw\\101ei"'), 14),
}

needs_msgfmt = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")


def msgfmt(path: Path) -> tuple[bool, set[int]]:
    """msgfmt -c's verdict, and the lines its errors name (warnings left out)."""
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    errors = [line for line in result.stderr.splitlines() if "warning" not in line]
    lines = {int(m.group(1)) for line in errors if (m := re.match(rf"{re.escape(str(path))}:(\d+)", line))}
    return result.returncode == 0, lines


def tool(path: Path) -> tuple[bool, int | None, str]:
    try:
        load_catalog(path, "x.po")
    except CatalogError as exc:
        assert len(exc.problems) == 1
        return False, exc.problems[0].line, str(exc)
    return True, None, ""


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "x.po"
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


@needs_msgfmt
@pytest.mark.parametrize("name", [*BROKEN, *BYTES_BROKEN])
def test_broken_file_is_refused_like_msgfmt_at_the_right_line(tmp_path: Path, name: str) -> None:
    content, line = BROKEN.get(name) or BYTES_BROKEN[name]
    path = write(tmp_path, content)
    msgfmt_ok, msgfmt_lines = msgfmt(path)
    ok, tool_line, message = tool(path)
    assert (ok, msgfmt_ok) == (False, False), message
    assert tool_line == (line or 1), message
    assert message.startswith(f"x.po:{tool_line}: ") and "\n" not in message
    if line is not None:
        # msgfmt names the line after an unterminated string (it has read the newline by then).
        assert {line, line + 1} & msgfmt_lines, (msgfmt_lines, message)


@needs_msgfmt
@pytest.mark.parametrize("name", VALID_FILES)
def test_valid_file_is_accepted_like_msgfmt(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, VALID_FILES[name])
    if "ISO-8859-1" in name:
        path.write_bytes(VALID_FILES[name].encode("iso-8859-1"))
    assert msgfmt(path)[0] is True
    assert tool(path)[0] is True, tool(path)[2]


def test_msgfmt_is_there_to_compare_with() -> None:
    # Without it every comparison above and below is skipped, and nothing would say so in a passing run.
    assert shutil.which("msgfmt"), "GNU gettext's msgfmt is missing; `make system-deps` installs it (gettext)"


@needs_msgfmt
@pytest.mark.parametrize("name", STRICTER_THAN_MSGFMT)
def test_stricter_than_msgfmt_where_babel_would_misread(tmp_path: Path, name: str) -> None:
    content, line = STRICTER_THAN_MSGFMT[name]
    path = write(tmp_path, content)
    assert msgfmt(path)[0] is True
    ok, tool_line, message = tool(path)
    assert (ok, tool_line) == (False, line), message


def test_strings_read_exactly_as_written(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, VALID_FILES["multi-line strings"]), "x.po")
    assert catalog["Two"].string == 'Zwei\n\t"x" \\'
    catalog = load_catalog(write(tmp_path, VALID_FILES["previous msgid"]), "x.po")
    assert catalog["Two"].previous_id == ["Tw"]
    assert catalog["Two"].user_comments == []  # Babel alone would make "| msgid" a comment


# -- Charsets ------------------------------------------------------------------------


def test_declared_charset_is_used_to_decode(tmp_path: Path) -> None:
    path = tmp_path / "x.po"
    path.write_bytes(
        ("# Übersetzung\n" + VALID.replace("UTF-8", "ISO-8859-1").replace("Zwei", "Zwü")).encode("latin-1")
    )
    assert load_catalog(path, "x.po")["Two"].string == "Zwü"


def test_unknown_charset_is_one_line_naming_file_and_line(project: Path, run) -> None:
    path = po_path(project, "de", "common")
    path.write_text(path.read_text().replace("charset=UTF-8", "charset=klingon-8"))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "klingon" in text)
    result = run(project, "i18n", "check", "--lang", "de")
    assert result.code == 1
    assert f"locales/de/LC_MESSAGES/common.po:{line}: unknown charset 'klingon-8'" in result.out + result.err
    assert "Traceback" not in result.out + result.err


# -- Control characters --------------------------------------------------------------


def errors(msgid: str, string: str) -> list[str]:
    catalog = Catalog(locale="ar")
    return message_errors(catalog, catalog.add(msgid, string))


@pytest.mark.parametrize(
    "char",
    [
        "\u202e",
        "\u202d",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\r",
        "\x01",
        "\x7f",
        "\x85",
        "\t",
    ],
)
def test_control_characters_are_errors(char: str) -> None:
    assert any(f"U+{ord(char):04X}" in e for e in errors("Call 112.", f"اتصل {char}112.")), char


@pytest.mark.parametrize("char", ["\u200d", "\u200c", "\u200e", "\u200f"])
def test_joiners_and_direction_marks_are_allowed(char: str) -> None:
    assert errors("Call 112.", f"اتصل {char}112.") == []


def test_control_character_in_a_safety_entry_blocks_the_language(project: Path, run) -> None:
    line = edit_entry(
        po_path(project, "de", HANDOUT), "When to get urgent help", string="Wann Sie sofort \u202eHilfe brauchen"
    )
    result = run(project, "i18n", "check", "--lang", "de")
    assert result.code == 1
    assert f"{HANDOUT}.po:{line}: safety-critical entry: contains the invisible character U+202E" in result.err


# -- Plural shape --------------------------------------------------------------------


def shape(template_id, catalog_id, string) -> list[str]:
    template, catalog = Catalog(domain="d"), Catalog(locale="de")
    template.add(template_id)
    catalog.add(catalog_id, string)
    return [error for entry in entries(Template(template), catalog, "d.po") for error in entry.errors]


def test_plural_entry_for_singular_english_and_the_reverse() -> None:
    assert shape("file", ("file", "files"), ("Datei", "Dateien")) == [
        "this entry has plural forms but the English has none; run handouts i18n update and translate it again"
    ]
    assert shape(("file", "files"), "file", "Datei") == [
        "the English has plural forms but this entry has none; run handouts i18n update and translate it again"
    ]
    assert shape(("file", "files"), ("file", "files"), ("Datei", "Dateien")) == []
    assert shape(("file", "files"), ("file", "files"), ("Datei", "")) == [
        "plural form msgstr[1] is empty; translate every form"
    ]


# -- CSS strings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seite 1", '"Seite 1"'),
        ('say "hi"', '"say \\000022 hi\\000022 "'),
        ("a\\b", '"a\\00005C b"'),
        ("a\nb\rc", '"a\\00000A b\\00000D c"'),
        ("</style><script>", '"\\00003C \\00002F style\\00003E \\00003C script\\00003E "'),
        ("*/ x /*", '"\\00002A \\00002F  x \\00002F \\00002A "'),
        ("\x01\x7f\u202e", '"\\000001 \\00007F \\00202E "'),
        ("Страница", '"Страница"'),
    ],
)
def test_css_string_escapes_everything_that_matters(text: str, expected: str) -> None:
    assert css_string(text) == expected


# -- Translators' tools --------------------------------------------------------------


def header(tmp_path: Path, lang: str, plural_forms: str, language: str | None = None) -> list[str]:
    path = tmp_path / "x.po"
    path.write_text(
        HEADER.replace("Language: de", f"Language: {language or lang}").replace(
            "nplurals=2; plural=(n != 1);", plural_forms
        )
    )
    return [p.message for p in header_problems(load_catalog(path, "x.po"), path, "x.po", lang)]


def test_plural_forms_compared_by_what_they_compute(tmp_path: Path) -> None:
    assert header(tmp_path, "de", "nplurals=2; plural=n != 1;") == []  # Weblate
    arabic = "n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5"
    assert header(tmp_path, "ar", f"nplurals=6; plural={arabic};") == []  # GNU, Weblate
    assert header(tmp_path, "de", "nplurals=2; plural=n > 1;") != []  # French's rule
    assert header(tmp_path, "de", "nplurals=1; plural=0;") != []


def test_chinese_codes_name_the_same_language(tmp_path: Path) -> None:
    for code in ("zh_CN", "zh-Hans", "zh_Hans"):
        assert header(tmp_path, "zh_Hans", "nplurals=1; plural=0;", language=code) == [], code
    assert header(tmp_path, "zh_Hans", "nplurals=1; plural=0;", language="zh_TW") != []


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("zh_CN", "locales/zh_CN/: the same language as locales/zh_Hans/; move its catalogs there"),
        ("pt-BR", "locales/pt-BR/: rename it to locales/pt_BR/"),
    ],
)
def test_stray_language_folder_gets_a_clear_message(project: Path, run, folder: str, expected: str) -> None:
    (project / "locales" / folder / "LC_MESSAGES").mkdir(parents=True)
    result = run(project, "i18n", "update")
    assert result.code == 1
    assert f"error: {expected}" in result.err
    assert "Traceback" not in result.err


def test_update_alone_changes_nothing_and_keeps_poedit_headers(project: Path, run) -> None:
    path = po_path(project, "de", "common")
    text = path.read_text().replace(
        '"Content-Transfer-Encoding: 8bit\\n"\n',
        '"Content-Transfer-Encoding: 8bit\\n"\n"X-Generator: Poedit 3.4\\n"\n"X-Poedit-Basepath: ../..\\n"\n',
    )
    path.write_text(text)
    assert run(project, "i18n", "update").code == 0
    assert path.read_text() == text
    for other in sorted((project / "locales").glob("*/LC_MESSAGES/*.po")):
        if other != path:
            assert other.read_bytes() == (REPO / other.relative_to(project)).read_bytes(), other


# -- Translation memory --------------------------------------------------------------


def test_new_handout_is_filled_from_translated_catalogs_as_fuzzy(project: Path, run) -> None:
    shared = {"Key points", "Information for patients"}
    for other in ("tens-at-home", "back-exercises", "pain-diary"):  # only the leaflet is the memory here
        (project / "handouts" / f"{other}.yaml").unlink()
        po_path(project, "de", other).unlink()
    source = po_path(project, "de", HANDOUT)
    catalog = read_catalog(source)
    for message in catalog:
        if message.id and message.id not in shared:
            message.string = ("", "") if message.pluralizable else ""
    save_catalog(source, catalog)
    shutil.copy(project / "handouts" / f"{HANDOUT}.yaml", project / "handouts" / "second-handout.yaml")

    result = run(project, "i18n", "update", "--lang", "de")
    assert result.code == 0, result.err
    new = read_catalog(po_path(project, "de", "second-handout"))
    filled = {m.id: m for m in new if m.id and m.string}
    assert set(filled) == shared
    for message in filled.values():
        assert message.fuzzy
        assert message.string == catalog[message.id].string
        assert message.user_comments == [f"translation memory: from locales/de/LC_MESSAGES/{HANDOUT}.po"]
