"""A project for plural tests: one leaflet whose safety sentence counts weeks, for one clinic
that lists a language with no catalog yet; and filling catalogs so the PDF shows which form printed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from conftest import REPO, pdf_text
from fixture_project import BACK_CARE, make_project

# fixture_project's back-care leaflet, its safety sentence counting weeks.
PLURAL_LEAFLET = BACK_CARE.replace("title: Back care\n", "title: Back care\nvalues:\n  weeks: 2\n").replace(
    "        text: Call us if your legs go numb.\n",
    """\
        text:
          text: "Call us if your back is no better after {weeks} week."
          plural: "Call us if your back is no better after {weeks} weeks."
          count: weeks
""",
)
PLURAL_ID = "Call us if your back is no better after {weeks} week."


def leaflet_project(root: Path, lang: str, weeks: int = 2) -> Path:
    """The leaflet for one clinic that lists lang (and English), with no catalog of lang yet."""
    project = make_project(
        root, {"back-care": PLURAL_LEAFLET}, languages=("en", lang), clinic_extra=f"values:\n  weeks: {weeks}\n"
    )
    shutil.rmtree(project / "locales")
    (project / "locales").mkdir()
    return project


def start_catalogs(project: Path, run, lang: str) -> None:
    """`i18n init`, or for a language the tool ships catalogs of, `i18n update` (init refuses)."""
    shipped = (REPO / "locales" / lang).is_dir()
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
