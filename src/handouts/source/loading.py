"""Loading one YAML file into its schema: every mistake in it reported as ``file:line key.path: message``
(with a hint where one helps: a close key, a missing quote) before aborting once."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from handouts.errors import ConfigError, Problem
from handouts.source.yamlfile import QUOTE_CHARS, KeyPath, LineMap, format_key, load_yaml

M = TypeVar("M", bound=BaseModel)


def load_model(model: type[M] | Callable[[Any], type[M]], path: Path, shown_as: str) -> tuple[M, LineMap]:
    """Load and validate one YAML file, raising one ConfigError with every problem.

    model is a schema, or a function choosing the schema from the data (see document_model)."""
    data, lines = load_yaml(path, shown_as)
    if not isinstance(data, dict):
        raise ConfigError(Problem(shown_as, "expected a mapping of keys to values at the top level", 1))
    if not isinstance(model, type):
        model = model(data)
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        source = path.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = _one_per_union(model, exc.errors())
        raise ConfigError([_problem(model, err, lines, shown_as, source) for err in errors]) from None


# What pydantic says when a value is not of one member's type: for a text-or-mapping field
# (footer_text: one text, or one per language) the member the value is not.
_WRONG_TYPE = ("dict_type", "string_type", "list_type", "int_type", "model_type")


def _one_per_union(model: type[BaseModel], errors: list[Any]) -> list[Any]:
    """One error per key: a value that fails every member of a union gets pydantic's error for
    each; keep the member the value is of (a text too long, not "should be a mapping")."""
    by_key: dict[KeyPath, list[Any]] = {}
    for err in errors:
        by_key.setdefault(_yaml_path(model, err["loc"]), []).append(err)
    kept = []
    for same in by_key.values():
        fitting = [err for err in same if err["type"] not in _WRONG_TYPE]
        kept += fitting or same[:1]
    return kept


def _problem(model: type[BaseModel], err: Any, lines: LineMap, shown_as: str, source: list[str]) -> Problem:
    loc = _yaml_path(model, err["loc"])
    key = format_key(loc)
    kind = err["type"]
    line = lines.line_for(loc)
    if kind == "string_type" and (hint := _quoting_hint(err["input"], loc, source, line)):
        return Problem(shown_as, hint, line, key)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, err["loc"][:-1])
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        fix = f"did you mean {guess[0]!r}?" if guess else "remove it or fix its spelling"
        message = f"unknown key; {fix} (allowed here: {', '.join(allowed)})"
    elif kind == "missing":
        # Point at the mapping that lacks the key; a top-level key has no better line.
        message = "required key is missing; add it"
        return Problem(shown_as, message, lines.line_for(loc[:-1]) if len(loc) > 1 else None, key)
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = _union_tags(model, err)
        given = err["ctx"].get("tag") if kind == "union_tag_invalid" else None
        guess = difflib.get_close_matches(str(given), tags, n=1) if given else []
        fix = f"did you mean {guess[0]!r}? " if guess else ""
        what = f"unknown block type {_quote(given)}" if given else "a block needs a `type`"
        message = f"{what}; {fix}(the types are: {', '.join(tags)})"
        return Problem(shown_as, message, lines.line_for((*loc, "type")), format_key((*loc, "type")))
    elif kind == "string_pattern_mismatch" and "#" in str(err["ctx"].get("pattern", "")):
        message = f"{_quote(err['input'])} is not a colour; write it as #RRGGBB, e.g. #1a5f7a"
    elif kind == "literal_error":
        message = f"{_quote(err['input'])} is not allowed; use one of {err['ctx']['expected']}"
    elif kind == "string_too_long":
        message = f"too long ({len(err['input'])} characters); keep it to {err['ctx']['max_length']}"
    elif kind == "too_long":
        message = f"too many entries; at most {err['ctx']['max_length']} are allowed here"
    else:
        message = err["msg"].removeprefix("Value error, ")
    return Problem(shown_as, message, lines.line_for(loc), key)


def _quoting_hint(value: Any, loc: KeyPath, source: list[str], line: int | None) -> str | None:
    """Text that YAML read as something else (`primary: #0e3b5c` as a comment, `emergency_number: 000`
    as a number): say so, and how to write it, from the line as the user typed it."""
    name = loc[-1] if loc else None
    if not isinstance(name, str) or line is None or not 0 < line <= len(source) or f"{name}:" not in source[line - 1]:
        return None
    written = source[line - 1].split(f"{name}:", 1)[1].strip()
    if value is None and written.startswith("#"):
        why = "YAML reads everything after # as a comment, so the value is empty"
    elif isinstance(value, int | float) and written:
        written = written.split(" #", 1)[0].strip()
        why = f"YAML reads {written} as {'true or false' if isinstance(value, bool) else 'a number'}"
    else:
        return None
    quoted = written[:QUOTE_CHARS].replace("'", "''")  # YAML's escape inside single quotes
    return f"expected text, but {why}; quote it: {name}: '{quoted}'"


def _quote(value: Any, limit: int = 80) -> str:
    """A user's value in a message: never more than about 80 characters of it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _tags_in(err: Any) -> list[str]:
    expected = str(err["ctx"].get("expected_tags", ""))
    return sorted(tag.strip(" '\"") for tag in expected.split(",") if tag.strip(" '\""))


# The names pydantic gives the members of a plain union (`str | dict[...]`) in an error's location.
_UNION_MEMBERS = ("str", "constrained-str", "int", "list", "dict")


def _yaml_path(model: type[BaseModel], loc: tuple[Any, ...]) -> KeyPath:
    """The key path as in the YAML file: without the names pydantic adds for validators
    (e.g. "function-before[...]") and for the chosen member of a tagged union (a block's type)."""
    out: list[Any] = []
    current: Any = model
    for part in loc:
        if isinstance(part, str) and ("[" in part or part in _UNION_MEMBERS):
            continue
        if isinstance(current, dict) and isinstance(part, str):  # a tag: the block type pydantic chose
            current = current.get(part)
            continue
        out.append(part)
        current = _step(current, part)
    return tuple(out)


def _step(current: Any, part: Any) -> Any:
    """The model (or a tag -> model dict for a tagged union) found below part."""
    if isinstance(part, int) or current is None or isinstance(current, dict):
        return current
    fields = {field.alias or name: field for name, field in current.model_fields.items()}
    if part not in fields:
        return None
    return _model_in(fields[part].annotation)


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The model (or tag -> model dict) that pydantic's loc points into."""
    current: Any = model
    for part in loc:
        if isinstance(part, str) and "[" in part:
            continue
        if isinstance(current, dict) and isinstance(part, str):
            current = current.get(part)
            continue
        current = _step(current, part)
    return current


def _union_tags(model: type[BaseModel], err: Any) -> list[str]:
    """The tags a tagged union accepts (pydantic names them only when the given tag is wrong)."""
    current = _walk(model, err["loc"])
    return _tags_in(err) or (sorted(current) if isinstance(current, dict) else [])


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current = _walk(model, loc)
    if not isinstance(current, type):
        return []
    return [field.alias or name for name, field in current.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | dict[str, type[BaseModel]] | None:
    """The model inside an annotation; for a tagged union, its members by tag."""
    members = _tagged_members(annotation)
    if members:
        return members
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _tagged_members(annotation: Any) -> dict[str, type[BaseModel]]:
    metadata = getattr(annotation, "__metadata__", ())
    discriminator = next(
        (getattr(m, "discriminator", None) for m in metadata if getattr(m, "discriminator", None)), None
    )
    if not discriminator:
        return {}
    members = {}
    for member in get_args(get_args(annotation)[0]):
        tag = get_args(member.model_fields[discriminator].annotation)
        if tag:
            members[tag[0]] = member
    return members
