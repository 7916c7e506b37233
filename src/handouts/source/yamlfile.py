"""Read YAML safely and remember the line of every key, so errors can point at it.

Handout and clinic files come from many hands, so loading is bounded: at most
MAX_YAML_BYTES, nesting at most MAX_DEPTH deep, no anchors or aliases (an alias
bomb expands a small file into gigabytes), and only plain YAML types. Every
problem becomes one `file:line: message` line, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from handouts.errors import ConfigError, Problem
from handouts.kept import Kept
from handouts.source.text import invisible_character

KeyPath = tuple[str | int, ...]

MAX_YAML_BYTES = 1_000_000
MAX_DEPTH = 50  # far beyond any real handout, far below Python's recursion limit
# The composed node trees a process keeps, by the characters of their texts: about 25 handouts. A
# node tree takes about 20 bytes of memory per character of a handout, up to 300 of a flow list.
KEPT_CHARS = 500_000
_composed: Kept[str, yaml.Node | None] = Kept(KEPT_CHARS)
QUOTE_CHARS = 80  # how much of an offending value a message repeats

_TAG_PREFIX = "tag:yaml.org,2002:"
# Plain data only: a tag such as !!python/name:os.system or !!binary is refused, never constructed.
_ALLOWED_TAGS = {_TAG_PREFIX + name for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}
_KINDS = {"int": "a whole number", "float": "a number", "bool": "true or false", "null": "an empty value"}


class LineMap(dict[KeyPath, int]):
    """Maps a key path such as ("colors", "primary") to its 1-based line."""

    def line_for(self, path: KeyPath) -> int | None:
        # Pydantic may point below the last key YAML knows (e.g. into a string);
        # walk up until a known path is found.
        path = tuple(path)
        while path:
            if path in self:
                return self[path]
            path = path[:-1]
        return self.get((), None)


def format_key(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def quote(value: object) -> str:
    """repr() of value, cut to about QUOTE_CHARS: a message never repeats a whole pasted document."""
    text = str(value)
    if len(text) > QUOTE_CHARS:
        return repr(text[: QUOTE_CHARS - 3]) + "..."
    return repr(text)


class _Refused(yaml.MarkedYAMLError):
    """A construct this loader does not accept, at the place it starts."""

    def __init__(self, problem: str, mark: yaml.Mark):
        super().__init__(problem=problem, problem_mark=mark)


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader's composer, refusing anchors, aliases and deep nesting as it meets them.

    Checked event by event, before anything is expanded or recursed into, so a hostile
    file fails in milliseconds at the line of its first offending node."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(
                "anchors (&name) and aliases (*name) are not allowed here; write each value out in full",
                event.start_mark,
            )
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep; flatten the structure", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(path: Path, shown_as: str) -> tuple[Any, LineMap]:
    """Load one YAML file into plain Python data plus its line map."""
    text = _read_text(path, shown_as)
    node = _compose(text, shown_as)
    lines = LineMap()
    if node is None:
        return {}, lines
    problems: list[Problem] = []
    data = _build(node, (), lines, problems, shown_as, SafeConstructor())
    if problems:
        raise ConfigError(problems)
    return data, lines


def _read_text(path: Path, shown_as: str) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_YAML_BYTES + 1)  # never more than the limit, whatever the file's size
    except FileNotFoundError:
        raise ConfigError(Problem(shown_as, "file not found")) from None
    except IsADirectoryError:
        raise ConfigError(Problem(shown_as, "this is a folder, not a file; replace it with a YAML file")) from None
    except OSError as exc:
        raise ConfigError(Problem(shown_as, f"cannot be read ({exc.strerror}); check the file")) from None
    if len(data) > MAX_YAML_BYTES:
        raise ConfigError(
            Problem(shown_as, f"larger than {MAX_YAML_BYTES // 1_000_000} MB; a handouts file must be smaller")
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(Problem(shown_as, f"not UTF-8 text ({exc.reason}); save it as UTF-8", line)) from None


def _compose(text: str, shown_as: str) -> yaml.Node | None:
    """The text's node tree. Composing in pure Python is most of what a load costs, so the trees of
    the texts read last are kept by their whole text (a changed file is composed again). They are
    shared, so only read: _build never calls what changes a node (construct_mapping, flatten_mapping)."""
    if (node := _composed.get(text)) is not None:
        return node
    try:
        loader = BoundedLoader(text)  # the reader checks for control characters here already
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problem(exc, text, shown_as)) from None
    if node is not None:
        _composed.put(text, node, len(text))
    return node


def _yaml_problem(exc: yaml.YAMLError, text: str, shown_as: str) -> Problem:
    if isinstance(exc, _Refused):
        return Problem(shown_as, str(exc.problem), exc.problem_mark.line + 1)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "this cannot be read"
        return Problem(shown_as, f"YAML syntax error: {what}", mark.line + 1 if mark else None)
    if isinstance(exc, yaml.reader.ReaderError):
        # The reader only counts characters; a control character or NUL byte is the usual cause.
        line = text.count("\n", 0, exc.position) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        return Problem(
            shown_as,
            f"the character {char!r} (U+{ord(char[:1] or ' '):04X}) is not allowed in YAML; delete it",
            line,
        )
    return Problem(shown_as, f"YAML error: {str(exc)[:QUOTE_CHARS]}")


def _build(
    node: yaml.Node, path: KeyPath, lines: LineMap, problems: list[Problem], shown_as: str, constructor: SafeConstructor
) -> Any:
    """constructor: this load's own, which remembers every node it constructed (so never shared:
    composed nodes are kept between loads and read by several preview threads)."""
    lines.setdefault(path, node.start_mark.line + 1)
    _check_tag(node, shown_as)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_key(key_node, shown_as, constructor))
            if key in out:
                problems.append(
                    Problem(
                        shown_as,
                        "this key appears twice; keep one",
                        key_node.start_mark.line + 1,
                        format_key((*path, key)),
                    )
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*path, key), lines, problems, shown_as, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, problems, shown_as, constructor) for i, item in enumerate(node.value)]
    value = _scalar(node, shown_as, constructor)
    # Written as an escape ("\u202e", "\x07"): past the YAML reader, which refuses only the raw character.
    if isinstance(value, str) and (message := _character_problem(value)):
        problems.append(Problem(shown_as, message, node.start_mark.line + 1, format_key(path)))
    return value


def _character_problem(text: str) -> str | None:
    """Characters a text must not hold, though YAML escapes can write them: controls and half characters."""
    if invisible := invisible_character(text, allowed="\n\t"):
        return f"contains the invisible character {invisible}; delete it (direction marks are U+200E/U+200F)"
    if half := next((char for char in text if "\ud800" <= char <= "\udfff"), None):
        return f"the escape \\u{ord(half):04X} is half a character (an unpaired surrogate); write the character itself"
    return None


def _key(node: yaml.Node, shown_as: str, constructor: SafeConstructor) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(
            Problem(shown_as, "a key must be plain text, not a list or mapping; rename it", node.start_mark.line + 1)
        )
    _check_tag(node, shown_as)
    return _scalar(node, shown_as, constructor)


def _check_tag(node: yaml.Node, shown_as: str) -> None:
    if node.tag not in _ALLOWED_TAGS:
        tag = "!!" + node.tag.removeprefix(_TAG_PREFIX) if node.tag.startswith(_TAG_PREFIX) else node.tag
        message = f"the YAML tag {quote(tag)} is not allowed; remove it (only text, numbers, dates, lists, mappings)"
        raise ConfigError(Problem(shown_as, message, node.start_mark.line + 1))


def _scalar(node: yaml.Node, shown_as: str, constructor: SafeConstructor) -> Any:
    """One plain value; a value its type cannot hold (30 February, a 5,000-digit number) is a Problem."""
    try:
        return constructor.construct_object(node)
    except (ValueError, KeyError, AttributeError):
        # PyYAML's constructors fail this way on a value that looks like, or is tagged as, a type it is not.
        kind = node.tag.removeprefix(_TAG_PREFIX)
        if kind == "timestamp":
            message = f"{quote(node.value)} is not a real date; write it as YYYY-MM-DD, e.g. 2028-02-28"
        else:
            message = f"{quote(node.value)} cannot be read as {_KINDS.get(kind, kind)}; fix it or put it in quotes"
        raise ConfigError(Problem(shown_as, message, node.start_mark.line + 1)) from None
