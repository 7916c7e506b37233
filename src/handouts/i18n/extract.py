"""Message extraction: handout YAML and Jinja2 templates into .pot catalogs.

``extract_handout`` is a Babel extraction method (registered under the
``babel.extractors`` entry point as ``handout_yaml``), so ``pybabel extract``
can use it too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS

from handouts import __version__
from handouts.kept import Kept
from handouts.sandbox import Sandbox
from handouts.source.handout import Handout, TextRef, describe, texts
from handouts.source.loading import load_model

COMMON_DOMAIN = "common"
JINJA_OPTIONS = {"trimmed": "true"}
# page_counter() translates "Page {page} of {pages}" into CSS counters; _safety() marks a
# template string safety-critical (the clinic's phone number, say).
SAFETY_FUNCTION = "_safety"
JINJA_KEYWORDS = {**DEFAULT_KEYWORDS, "page_counter": None, SAFETY_FUNCTION: None}
SAFETY_NOTE = "SAFETY-CRITICAL: this handout is not printed in a language until this entry is translated and checked."
TEMPLATE_SECTION = "templates"

Key = tuple[str, str | None]  # (msgid, context)


@dataclass
class Template:
    """A domain's English catalog (.pot), plus what the model says of each entry:
    which are safety-critical and which section each comes from."""

    catalog: Catalog
    critical: set[Key] = field(default_factory=set)
    sections: dict[Key, str] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return self.catalog.domain or ""

    def is_critical(self, msgid: str, context: str | None) -> bool:
        return (msgid, context) in self.critical

    def section_of(self, msgid: str, context: str | None) -> str:
        return self.sections.get((msgid, context), TEMPLATE_SECTION)


def handout_texts(path: Path, shown_as: str) -> tuple[Handout, list[TextRef], Any]:
    handout, lines = load_model(Handout, path, shown_as)
    return handout, list(texts(handout, path.with_suffix(""))), lines


def extract_handout(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]) -> Iterator:
    """Babel extraction method for handout YAML files."""
    path = Path(getattr(fileobj, "name", "handout.yaml"))
    for _, *message in _extracted(path, options.get("shown_as", path.name)):
        yield tuple(message)


def _extracted(path: Path, shown_as: str) -> Iterator[tuple[TextRef, int, str, Any, list[str]]]:
    """Each text of a handout as Babel's extractors give it (line, function, message, comments),
    with the text it came from."""
    handout, refs, lines = handout_texts(path, shown_as)
    for ref in refs:
        text = ref.text
        comments = [f"{path.stem} › {describe(handout, ref.path)}"]
        if ref.safety:
            comments.append(SAFETY_NOTE)
        if text.note:
            comments.append(text.note)
        if "{" in text.text:
            comments.append("Keep every {placeholder} exactly as it is; the clinic's details are put there.")
        line = lines.line_for(ref.path) or 0
        if text.plural is not None:
            funcname, message = (
                ("npgettext", (text.context, text.text, text.plural))
                if text.context
                else ("ngettext", (text.text, text.plural))
            )
        elif text.context:
            funcname, message = "pgettext", (text.context, text.text)
        else:
            funcname, message = "gettext", text.text
        yield ref, line, funcname, message, comments


# How a .pot names the files its entries come from: relative to a folder, or by a function
# (Project.reference: the project's files relative to it, the packaged ones to the library).
Naming = Path | Callable[[Path], str]


def _name(path: Path, naming: Naming) -> str:
    return path.relative_to(naming).as_posix() if isinstance(naming, Path) else naming(path)


def handout_template(path: Path, naming: Naming) -> Template:
    """The .pot catalog of one handout."""
    shown_as = _name(path, naming)
    template = Template(_new_catalog(path.stem))
    for ref, line, funcname, message, comments in _extracted(path, shown_as):
        if funcname in ("pgettext", "npgettext"):
            context, msgid = message[0], (message[1] if funcname == "pgettext" else message[1:])
        else:
            context, msgid = None, message
        _add(template.catalog, msgid, context, shown_as, line, comments)
        key = (ref.text.text, context)
        template.sections.setdefault(key, ref.section)
        if ref.safety:
            template.critical.add(key)
    return template


def common_template(template_dirs: list[Path], naming: Naming, sandbox: Sandbox | None = None) -> Template:
    """The .pot catalog of the strings in the Jinja2 templates; `_safety(...)` marks the critical ones."""
    template = Template(_new_catalog(COMMON_DOMAIN))
    for folder in template_dirs:
        # Never across a link that leaves the project: only the project's and the library's templates.
        for _, path in (sandbox or Sandbox.of(folder, [])).files(folder):  # alone, a folder is its own ground
            if path is None or path.suffix != ".html":
                continue
            shown_as = _name(path, naming)
            for line, funcname, message, comments in _template_messages(path.read_bytes()):
                msgid = message if isinstance(message, str) else message[0]
                if not msgid:
                    continue
                comments = list(comments)
                if funcname == SAFETY_FUNCTION:
                    template.critical.add((msgid, None))
                    comments.append(SAFETY_NOTE)
                _add(template.catalog, msgid, None, shown_as, line, comments)
    return template


Found = tuple[tuple[int, str, str | tuple[str | None, ...], tuple[str, ...]], ...]
# What Babel found in the templates read last, by their text's sha256: every catalog command and
# check extracts all the templates, and Jinja parses each one. Budgeted by the templates' sizes.
KEPT_TEMPLATE_BYTES = 4_000_000
_found: Kept[bytes, Found] = Kept(KEPT_TEMPLATE_BYTES)


def _template_messages(source: bytes) -> Found:
    """What Babel finds in one template's text: (line, function, message, comments) each."""
    from jinja2.ext import babel_extract

    key = hashlib.sha256(source).digest()
    if (found := _found.get(key)) is None:
        extracted = babel_extract(BytesIO(source), JINJA_KEYWORDS, ["Translators:"], JINJA_OPTIONS)
        found = tuple((line, function, message, tuple(comments)) for line, function, message, comments in extracted)
        _found.put(key, found, len(source))
    return found


def _new_catalog(domain: str) -> Catalog:
    return Catalog(
        domain=domain,
        project="handouts",
        version=__version__,
        msgid_bugs_address="",
        copyright_holder="the clinic that approves the handout",
        creation_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        fuzzy=False,
    )


def _add(catalog: Catalog, msgid: Any, context: str | None, file: str, line: int, comments: list[str]) -> None:
    text = msgid if isinstance(msgid, str) else msgid[0]
    flags = ["python-brace-format"] if "{" in text else []
    existing = catalog.get(msgid, context)
    if existing is not None:
        existing.locations.append((file, line))
        existing.auto_comments.extend(c for c in comments if c not in existing.auto_comments)
        return
    catalog.add(msgid, locations=[(file, line)], auto_comments=comments, context=context, flags=flags)
