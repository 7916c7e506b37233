"""Small fixture projects that tests write for themselves (not the shipped content).

`make_project` writes a project with the shipped templates and fonts, one clinic and
the handouts and catalogs a test gives, so a test's assertions depend only on what
it wrote."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

import handouts
from handouts.source.languages import fallback_chain

REPO = Path(__file__).resolve().parents[1]
# The installed tool's fonts, every link followed: inside the library the sandbox allows, whether
# the tool is installed from this checkout (editable) or from a wheel (.ci/newest-deps).
LIBRARY_FONTS = (Path(handouts.__file__).parent / "library" / "fonts").resolve()

CLINIC = """\
name: Fixture Clinic
logo: logo.svg
colors:
  primary: "#0b5563"
  accent: "#e3f1f3"
address: [1 Test Street, Testtown]
phone: 030 1234 5678
email: desk@fixture.example
website: fixture.example
emergency_number: "112"
paper: A4
languages: {languages}
session_minutes: 30
session_count: [4, 6]
"""
# The meta block of a fixture handout that prints (published, in review), for tests to build on.
META = """\
meta:
  code: FIX-01
  version: "1.0"
  approved: 2026-11-01
  review_due: 2028-11-01
  references: ["A reference. 2020."]
"""
LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0b5563"/></svg>'


def leaflet_head(target_pages: int) -> str:
    """The meta block and title of the fixture leaflets, up to their sections."""
    return (
        'meta:\n  code: FIX-01\n  version: "1.0"\n  approved: 2026-11-20\n  review_due: 2028-11-20\n'
        f'  target_pages: {target_pages}\n  references: ["A reference. 2020."]\ntitle: A leaflet\nsections:\n'
    )


# A two-section leaflet (ids: body, about) and its catalogs in any language: "{lang} body" ….
LEAFLET = (
    leaflet_head(2)
    + """\
  - id: body
    heading: Body
    blocks:
      - type: paragraph
        text: A paragraph.
  - id: about
    heading: About this leaflet
    blocks:
      - type: references
"""
)
ENTRIES = {
    "A leaflet": "{} leaflet",
    "Body": "{} body",
    "A paragraph.": "{} paragraph.",
    "About this leaflet": "{} about",
}


def catalogs(*langs: str) -> dict[str, dict[str, dict[str, str]]]:
    return {lang: {"leaflet": {k: v.format(lang) for k, v in ENTRIES.items()}} for lang in langs}


# A leaflet with a safety section (urgent), and its German: for sign-off and gate tests.
BACK_CARE = """\
meta: {code: BC-1, version: "1.0", approved: 2026-01-01, review_due: 2099-01-01, references: ["A reference. 2020."]}
title: Back care
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
        text: Call us if your legs go numb.
"""
BACK_CARE_GERMAN = {
    "Back care": "Rückenpflege",
    "About this leaflet": "Über dieses Merkblatt",
    "Rest a little, then move.": "Ruhen Sie kurz, dann bewegen Sie sich.",
    "When to get help": "Wann Sie Hilfe holen",
    "Call us if your legs go numb.": "Rufen Sie uns an, wenn Ihre Beine taub werden.",
}
# A leaflet whose body a test fills in: PARAGRAPHS_LEAFLET.format(paragraphs=...).
PARAGRAPHS_LEAFLET = (
    leaflet_head(4)
    + """\
  - id: body
    heading: Body
    blocks:
{paragraphs}
      - type: references
"""
)


def make_project(
    root: Path,
    handouts: dict[str, str],
    catalogs: dict[str, dict[str, dict]] | None = None,
    languages: tuple[str, ...] = ("en",),
    clinic_extra: str = "",
    assets: dict[str, str] | None = None,
) -> Path:
    """handouts: id -> YAML; catalogs: lang -> domain -> {msgid or (msgid, ctx): msgstr (str or list)};
    assets: relative path under handouts/ -> text (e.g. an SVG)."""
    shutil.copytree(REPO / "templates", root / "templates")
    # Self-contained: none of the library packaged with the tool is printed.
    (root / "handouts.yaml").write_text("library: []\n")
    (root / "fonts").symlink_to(LIBRARY_FONTS, target_is_directory=True)
    add_clinic(root, "fixture", languages, clinic_extra)
    (root / "handouts").mkdir()
    for handout_id, text in handouts.items():
        (root / "handouts" / f"{handout_id}.yaml").write_text(textwrap.dedent(text))
    for relative, text in (assets or {}).items():
        path = root / "handouts" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "locales").mkdir()
    for lang in languages:
        # The page furniture (footer, page numbers) from the shipped catalogs; a regional
        # variant (es_MX) gets its language's (es), as a project would share it.
        shipped = [code for code in fallback_chain(lang) if (REPO / "locales" / code).is_dir()]
        if "en" in fallback_chain(lang) or not shipped:
            continue
        target = root / "locales" / shipped[0] / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "locales" / shipped[0] / "LC_MESSAGES" / "common.po", target / "common.po")
    for lang, domains in (catalogs or {}).items():
        for domain, entries in domains.items():
            write_catalog(root / "locales" / lang / "LC_MESSAGES" / f"{domain}.po", lang, domain, entries)
    return root


def add_clinic(root: Path, clinic_id: str, languages: tuple[str, ...], extra: str = "") -> Path:
    """clinics/<clinic_id>/: the fixture clinic's settings (named after the id) and its logo."""
    folder = root / "clinics" / clinic_id
    folder.mkdir(parents=True)
    (folder / "logo.svg").write_text(LOGO)
    text = CLINIC.format(languages="[" + ", ".join(languages) + "]") + extra
    if clinic_id != "fixture":
        text = text.replace("name: Fixture Clinic", f"name: Clinic {clinic_id}")
    (folder / "clinic.yaml").write_text(text)
    return folder


def make_clinics(
    root: Path, handouts: dict[str, str], catalogs: dict[str, dict[str, dict]], clinics: dict[str, tuple[str, ...]]
) -> Path:
    """make_project with several clinics (id -> its languages) instead of the one fixture clinic."""
    languages = tuple(dict.fromkeys(lang for langs in clinics.values() for lang in langs))
    make_project(root, handouts, catalogs, languages=languages)
    shutil.rmtree(root / "clinics" / "fixture")
    for clinic_id, langs in clinics.items():
        add_clinic(root, clinic_id, langs)
    return root


def write_catalog(path: Path, lang: str, domain: str, entries: dict) -> None:
    """entries: msgid or (msgid, context) -> msgstr, or for a plural {"plural": English, "forms": [...]}."""
    catalog = Catalog(locale=lang, domain=domain, fuzzy=False)
    for key, string in entries.items():
        msgid, context = key if isinstance(key, tuple) else (key, None)
        if isinstance(string, dict):
            catalog.add((msgid, string["plural"]), string=tuple(string["forms"]), context=context)
        else:
            catalog.add(msgid, string=string, context=context)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog)


def ink_error(what: str, edge: str, advice: str) -> str:
    """The pattern of the build's error line for ink outside the print-safe area (regex parts)."""
    return (
        rf"error: fixture/en/leaflet: page 1: {what} comes -?\d+\.\d mm from the {edge} edge of the paper"
        r"(?: \(and on \d+ other pages?\))?; "
        rf"printers leave the outer 5 mm blank, so it would be cut off\. {advice}"
    )
