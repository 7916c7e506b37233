"""Message extraction: handout YAML and Jinja2 templates into .pot catalogs.

``extract_handout`` is a Babel extraction method (registered under the
``babel.extractors`` entry point as ``handout_yaml``), so ``pybabel extract``
can use it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from pydantic import BaseModel

from handoutgen import __version__
from handoutgen.schema import Text, document_model, load_model
from handoutgen.yamlfile import KeyPath, format_key

COMMON_DOMAIN = "common"
JINJA_METHOD = "jinja2.ext:babel_extract"
JINJA_OPTIONS = {"trimmed": "true"}
# page_counter() translates "Page {page} of {pages}" into CSS counters.
JINJA_KEYWORDS = {**DEFAULT_KEYWORDS, "page_counter": None}
SAFETY_NOTE = "SAFETY-CRITICAL: this handout is not printed in a language until this entry is translated and checked."


def iter_texts(model: BaseModel, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Text]]:
    """Every translatable text in a handout, in reading order, with its key path."""
    for name, value in model:
        if name == "meta":
            continue
        yield from _walk(value, (*path, name))


def _walk(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Text]]:
    if isinstance(value, Text):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from iter_texts(value, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def section_of(path: KeyPath) -> str:
    return str(path[0])


def extract_handout(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]) -> Iterator:
    """Babel extraction method for handout YAML files."""
    path = Path(getattr(fileobj, "name", "handout.yaml"))
    handout, lines = load_model(document_model, path, options.get("shown_as", path.name))
    for key_path, text in iter_texts(handout):
        comments = [f"{path.stem} › {format_key(key_path)}"]
        if section_of(key_path) in type(handout).SAFETY_CRITICAL:
            comments.append(SAFETY_NOTE)
        if text.note:
            comments.append(text.note)
        if "{" in text.text:
            comments.append("Keep every {placeholder} exactly as it is; the clinic's details are put there.")
        line = lines.line_for(key_path) or 0
        if text.context:
            yield line, "pgettext", (text.context, text.text), comments
        else:
            yield line, "gettext", text.text, comments


def handout_template(path: Path, root: Path) -> Catalog:
    """The .pot catalog of one handout."""
    shown_as = path.relative_to(root).as_posix()
    catalog = _new_catalog(path.stem)
    with path.open("rb") as fileobj:
        messages = list(extract_handout(fileobj, DEFAULT_KEYWORDS, [], {"shown_as": shown_as}))
    for line, funcname, message, comments in messages:
        context, msgid = message if funcname == "pgettext" else (None, message)
        _add(catalog, msgid, context, shown_as, line, comments)
    return catalog


def common_template(template_dirs: list[Path], root: Path) -> Catalog:
    """The .pot catalog of the strings in the Jinja2 templates."""
    catalog = _new_catalog(COMMON_DOMAIN)
    for folder in template_dirs:
        for path in sorted(folder.rglob("*.html")):
            shown_as = path.relative_to(root).as_posix()
            for line, msgid, comments, context in extract_from_file(
                JINJA_METHOD, str(path), keywords=JINJA_KEYWORDS, comment_tags=("Translators:",), options=JINJA_OPTIONS
            ):
                _add(catalog, msgid, context, shown_as, line, comments)
    return catalog


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
