"""Every character a text field may hold (issue 20): the clinic's name, an address line, the phone,
footer_text, a handout's title and paragraph, and a translated msgstr, from the whole Unicode range
(letters of many scripts, ' " & < >, combining marks, right-to-left text, emoji, joiners) and from
what the tool must refuse (control characters, bidi overrides, half surrogate pairs, over-long text).

Either the page holds the text as typed (after HTML's whitespace collapsing), escaped exactly once,
or the tool refuses that page with `file:line key: message` lines naming the file the text is in."""

from __future__ import annotations

import html
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markupsafe
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import pdf_text
from fixture_project import LEAFLET, catalogs, make_project, write_catalog
from handouts.cli import main
from handouts.errors import HandoutsError
from handouts.i18n.extract import COMMON_DOMAIN
from handouts.model.project import Project
from handouts.pipeline.jobs import Job, Sources
from handouts.pipeline.render_job import JobRenderer, translations_for
from handouts.source.text import BIDI_CONTROLS

CLINIC = "clinics/fixture/clinic.yaml"
HANDOUT = "handouts/leaflet.yaml"


@dataclass(frozen=True)
class Field:
    """Where a text goes: the file, the line it replaces there ("" appends), that line with the text
    (as {}), its longest allowed length, and the language of the page it prints on."""

    file: str
    old: str
    new: str
    limit: int
    lang: str = "en"

    def write(self, root: Path, text: str) -> None:
        path = root / self.file
        if self.file.endswith(".po"):
            entries = dict(catalogs(self.lang)[self.lang]["leaflet"], **{"A paragraph.": text})
            write_catalog(path, self.lang, "leaflet", entries)
            return
        original = path.read_text(encoding="utf-8")
        line = self.new.replace("{}", yaml_string(text))
        path.write_text(original.replace(self.old, line, 1) if self.old else original + line, encoding="utf-8")


FIELDS = {
    "clinic name": Field(CLINIC, "name: Fixture Clinic", "name: {}", 200),
    "address line": Field(CLINIC, "address: [1 Test Street, Testtown]", "address: [{}, Testtown]", 200),
    "phone": Field(CLINIC, "phone: 030 1234 5678", "phone: {}", 40),
    "footer_text": Field(CLINIC, "", "footer_text: {}\n", 200),
    "handout title": Field(HANDOUT, "title: A leaflet", "title: {}", 4000),
    "paragraph": Field(HANDOUT, "text: A paragraph.", "text: {}", 4000),
    "msgstr": Field("locales/de/LC_MESSAGES/leaflet.po", "", "", 10**6, lang="de"),
    "Arabic msgstr": Field("locales/ar/LC_MESSAGES/leaflet.po", "", "", 10**6, lang="ar"),
}


def yaml_string(text: str) -> str:
    """text as a YAML double-quoted scalar, as a careful author writes it: every character the YAML
    reader refuses raw (controls, half surrogates, line separators) as an escape, so the tool sees it."""
    escaped = json.dumps(text, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in escaped)


# -- Generated texts --------------------------------------------------------------------------

SCRIPTS = [  # code point ranges of the scripts the shipped fonts draw, and some they do not
    (0x20, 0x24F),  # Latin, with its accents and punctuation
    (0x370, 0x3FF),  # Greek
    (0x400, 0x4FF),  # Cyrillic
    (0x1EA0, 0x1EF9),  # Vietnamese
    (0x590, 0x5FF),  # Hebrew
    (0x600, 0x6FF),  # Arabic
    (0x3040, 0x30FF),  # kana
    (0x4E00, 0x4FFF),  # CJK ideographs
]
TYPED = ["L", "M", "N", "P", "S", "Zs"]  # letters, marks, digits, punctuation, symbols, spaces
# Markup, quote and entity characters (&amp; typed as text), combining accents, joiners, direction
# marks, no-break spaces.
MARKS = "'\"&<>;#{}" + "\u0301\u0308\u0327" + "\u200d\u200c\u200e\u200f\u00a0\u202f" + "&amp;&#39;&lt;"


def script(low: int, high: int) -> st.SearchStrategy[str]:
    return st.characters(min_codepoint=low, max_codepoint=high, categories=TYPED)


european = st.one_of(*(script(*bounds) for bounds in SCRIPTS[:4]), st.sampled_from(MARKS))
right_to_left = st.one_of(script(*SCRIPTS[4]), script(*SCRIPTS[5]), st.sampled_from(MARKS + " 0123456789"))
anything = st.one_of(
    *(script(*bounds) for bounds in SCRIPTS),
    st.sampled_from([*MARKS, "👩", "\u2695", "\ufe0f", "🩺"]),
    st.characters(codec="utf-8", categories=TYPED),  # whatever else a person can type
)
refused = st.characters(categories=["Cc", "Cs"]) | st.sampled_from(sorted(BIDI_CONTROLS))
texts = st.one_of(
    st.text(european, min_size=1, max_size=30),  # the page's fonts draw these: mostly printed
    st.text(right_to_left, min_size=1, max_size=30),  # printed on an Arabic page
    st.text(anything, min_size=1, max_size=30),  # printed, or refused naming a character no font has
    st.builds(
        lambda head, bad, tail: head + bad + tail,
        st.text(anything, max_size=10),
        refused,
        st.text(anything, max_size=10),
    ),
    st.text(european, min_size=201, max_size=260),  # too long for a clinic's text
)
latin = st.text(
    st.characters(
        min_codepoint=0x20, max_codepoint=0x17F, categories=["L", "N", "P", "S", "Zs"], exclude_characters="{}<"
    ),
    min_size=1,
    max_size=40,
)


def must_refuse(text: str, field: Field) -> bool:
    """Text the tool must never print: a control or bidi character, half a character, too long."""
    if len(text) > field.limit or any("\ud800" <= char <= "\udfff" or char in BIDI_CONTROLS for char in text):
        return True
    return any(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in text)


# -- The page, as the build draws it ---------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(
        tmp_path_factory.mktemp("text") / "p", {"leaflet": LEAFLET}, catalogs("de", "ar"), languages=("en", "de", "ar")
    )


TEXT_FILES = (CLINIC, HANDOUT, *(field.file for field in FIELDS.values() if field.file.endswith(".po")))


def fresh(base: Path, folder: Path) -> Path:
    """The base project in folder, its text files as they were (hypothesis reuses a test's tmp_path)."""
    if not folder.exists():
        shutil.copytree(base, folder, symlinks=True)
    for name in TEXT_FILES:
        (folder / name).write_bytes((base / name).read_bytes())
    return folder


def drawn(root: Path, lang: str) -> str | list[str]:
    """The page's HTML, or the lines the tool refuses it with (the preview's and the build's path)."""
    project = Project(root)
    try:
        clinic, handout = project.load_clinic("fixture"), project.load_handout("leaflet")
        sources = Sources({"fixture": clinic}, {"leaflet": handout})
        sources.translations = translations_for(project, [lang], [*handout.domains, COMMON_DOMAIN])
        page, decision = JobRenderer(project, sources, strict=True).page(Job("fixture", lang, "leaflet"))
    except HandoutsError as exc:
        return [str(problem) for problem in exc.problems]
    return [str(problem) for problem in decision.refused] or page.html


class TextOf(HTMLParser):
    """The text a reader meets: every character reference resolved once, tags gone."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.feed(markup)
        self.close()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return collapse("".join(self.parts))


def collapse(text: str) -> str:
    """HTML's whitespace collapsing: runs of ASCII whitespace are one space (no-break spaces stay)."""
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip()


def assert_as_typed_or_refused(html_or_lines: str | list[str], text: str, field: Field) -> None:
    event("refused" if isinstance(html_or_lines, list) else "printed")
    if isinstance(html_or_lines, list):
        assert html_or_lines, "refused without a reason"
        assert all("\n" not in line and "Traceback" not in line for line in html_or_lines), html_or_lines
        # The text's own file and line first; a template text the clinic's name is filled into may follow.
        assert re.match(rf"{re.escape(field.file)}:\d+( \S+)?: \S", html_or_lines[0]), html_or_lines
        return
    assert not must_refuse(text, field), f"printed {text!r}"
    page = TextOf(html_or_lines).text
    assert collapse(text) in page
    for twice in {str(markupsafe.escape(text)), html.escape(text)} - {text}:
        assert twice not in page, f"escaped twice: {twice!r}"


@pytest.mark.parametrize("name", list(FIELDS))
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_any_text_prints_as_typed_or_is_refused_in_one_line(base: Path, tmp_path: Path, name: str, text: str) -> None:
    field = FIELDS[name]
    if "strong>" in text:  # the one markup a text may hold prints bold, not as typed
        return
    root = fresh(base, tmp_path / "p")
    field.write(root, text)
    assert_as_typed_or_refused(drawn(root, field.lang), text, field)


@pytest.mark.parametrize("name", list(FIELDS))
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=latin)
def test_latin_text_always_prints(base: Path, tmp_path: Path, name: str, text: str) -> None:
    """The property has teeth: text the fonts draw, with nothing to refuse, is never refused."""
    field = FIELDS[name]
    root = fresh(base, tmp_path / "p")
    field.write(root, text.strip() or "x")
    page = drawn(root, field.lang)
    assert isinstance(page, str), page
    assert collapse(text.strip() or "x") in TextOf(page).text


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        (
            "paragraph",
            "Take 2\u202e tablets",
            f"{HANDOUT}:14 sections[0].blocks[0].text: contains the invisible character U+202E "
            "(RIGHT-TO-LEFT OVERRIDE); delete it (direction marks are U+200E/U+200F)",
        ),
        (
            "clinic name",
            "Fixture\x07 Clinic",
            f"{CLINIC}:1 name: contains the invisible character U+0007 (control character); delete it "
            "(direction marks are U+200E/U+200F)",
        ),
        (
            "footer_text",
            "Open \ud83d daily",
            f"{CLINIC}:15 footer_text: the escape \\uD83D is half a character (an unpaired surrogate); "
            "write the character itself",
        ),
        ("footer_text", "x" * 201, f"{CLINIC}:15 footer_text: too long (201 characters); keep it to 200"),
    ],
)
def test_what_a_text_may_not_hold_is_one_line_naming_it(base: Path, tmp_path: Path, name: str, text: str, error: str):
    root = fresh(base, tmp_path / "p")
    FIELDS[name].write(root, text)
    assert drawn(root, "en") == [error]


# -- A few, printed: the PDF's text and a build that refuses ---------------------------------


def normalised(text: str) -> str:
    """What pdftotext can give back: composed characters, no format marks (joiners, direction marks)."""
    kept = "".join(char for char in unicodedata.normalize("NFC", text) if unicodedata.category(char) != "Cf")
    return " ".join(kept.split())


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("clinic name", "O'Brien & Søn «Praxis» <Mitte>"),
        ("footer_text", 'Mon–Fri 8–18 · "walk-in" & café'),
        ("paragraph", "Caf\u0065\u0301 & crème, naïve 'quotes' <5 mg> & more"),
        ("msgstr", "Nehmen Sie <3 Tabletten & trinken Sie „viel“ Wasser."),
        ("handout title", "Rücken & Schmerz — 'ein Merkblatt'"),
    ],
)
def test_a_printed_pdf_holds_the_text_as_typed(base: Path, tmp_path: Path, name: str, text: str) -> None:
    field = FIELDS[name]
    root = fresh(base, tmp_path / "p")
    field.write(root, text)
    assert main(["-C", str(root), "build", "--lang", field.lang, "--format", "pdf", "-j", "1"]) == 0
    assert normalised(text) in normalised(pdf_text(root / "output/fixture" / field.lang / "leaflet.pdf"))


def test_a_refused_text_leaves_no_pdf_and_no_half_written_file(base: Path, tmp_path: Path, run) -> None:
    root = fresh(base, tmp_path / "p")
    FIELDS["msgstr"].write(root, "Nehmen Sie \u202e2 Tabletten")
    result = run(root, "build", "--format", "pdf", "-j", "1")
    assert result.code == 1 and "Traceback" not in result.out + result.err
    assert "contains the invisible character U+202E (RIGHT-TO-LEFT OVERRIDE)" in result.out + result.err
    output = root / "output"
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*.pdf")) == [
        "fixture/ar/leaflet.pdf",
        "fixture/en/leaflet.pdf",
    ]
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]
