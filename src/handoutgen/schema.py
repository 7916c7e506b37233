"""Typed schema for handout and clinic files.

Validation collects every error in a file and reports each one as
``file:line key.path: message`` before aborting once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from handoutgen.errors import ConfigError, Problem
from handoutgen.yamlfile import KeyPath, LineMap, format_key, load_yaml


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- Handouts -----------------------------------------------------------------


class Text(Strict):
    """A translatable English string, with optional help for translators."""

    text: str = Field(min_length=1)
    context: str | None = None
    note: str | None = None


def _text_from_str(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


Msg = Annotated[Text, BeforeValidator(_text_from_str)]


class Step(Strict):
    title: Msg
    text: Msg


class Group(Strict):
    heading: Msg
    items: list[Msg] = Field(min_length=1)
    note: Msg | None = None


class Section(Strict):
    heading: Msg
    intro: Msg | None = None
    paragraphs: list[Msg] = []
    items: list[Msg] = []
    steps: list[Step] = []
    groups: list[Group] = []
    note: Msg | None = None


class Meta(Strict):
    code: str
    version: str
    approved: dt.date
    review_due: dt.date
    target_pages: int = Field(default=2, ge=1)
    references: list[str] = Field(min_length=1)


class Handout(Strict):
    """A patient information leaflet. Sections print in the order declared here."""

    # Sections a patient's safety depends on: they must be fully translated to print.
    SAFETY_CRITICAL: ClassVar[frozenset[str]] = frozenset({"contraindications", "side_effects", "urgent_help"})

    meta: Meta
    title: Msg
    subtitle: Msg | None = None
    key_points: Section
    what_it_is: Section
    evidence: Section
    what_to_expect: Section
    contraindications: Section
    side_effects: Section
    aftercare: Section
    urgent_help: Section
    questions: Section
    about: Section

    def sections(self) -> list[tuple[str, Section]]:
        return [(name, value) for name, value in self if isinstance(value, Section)]


# -- Clinics ------------------------------------------------------------------

HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Colors(Strict):
    primary: HexColor
    accent: HexColor


def _range(value: Any) -> Any:
    return [value, value] if isinstance(value, int) else value


NumberRange = Annotated[tuple[int, int], BeforeValidator(_range)]


class Clinic(Strict):
    name: str
    logo: str
    logo_alt: str | None = None
    colors: Colors
    address: list[str] = Field(min_length=1)
    phone: str
    email: str
    website: str
    emergency_number: str
    paper: Literal["A4", "Letter"]
    languages: list[str] = Field(min_length=1)
    session_minutes: NumberRange
    session_count: NumberRange

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        for code in value:
            try:
                Locale.parse(code)
            except (UnknownLocaleError, ValueError):
                raise ValueError(f"unknown language {code!r}; use a code such as 'es', 'pt_BR' or 'zh_Hans'") from None
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value


# -- Loading --------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def load_model(model: type[M], path: Path, shown_as: str) -> tuple[M, LineMap]:
    """Load and validate one YAML file, raising one ConfigError with every problem."""
    data, lines = load_yaml(path, shown_as)
    if not isinstance(data, dict):
        raise ConfigError(Problem(shown_as, "expected a mapping of keys to values at the top level", 1))
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        raise ConfigError([_problem(model, err, lines, shown_as) for err in exc.errors()]) from None


def _problem(model: type[BaseModel], err: Any, lines: LineMap, shown_as: str) -> Problem:
    loc = _yaml_path(err["loc"])
    key = format_key(loc)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        fix = f"did you mean {guess[0]!r}?" if guess else "remove it or fix its spelling"
        message = f"unknown key; {fix} (allowed here: {', '.join(allowed)})"
    elif err["type"] == "missing":
        # Point at the mapping that lacks the key; a top-level key has no better line.
        message = "required key is missing; add it"
        return Problem(shown_as, message, lines.line_for(loc[:-1]) if len(loc) > 1 else None, key)
    elif err["type"] == "string_pattern_mismatch" and "#" in str(err["ctx"].get("pattern", "")):
        message = f"{err['input']!r} is not a colour; write it as #RRGGBB, e.g. #1a5f7a"
    elif err["type"] == "literal_error":
        message = f"{err['input']!r} is not allowed; use one of {err['ctx']['expected']}"
    else:
        message = err["msg"].removeprefix("Value error, ")
    return Problem(shown_as, message, lines.line_for(loc), key)


def _yaml_path(loc: tuple[Any, ...]) -> KeyPath:
    # Pydantic adds validator names (e.g. "function-before[...]") for annotated types.
    return tuple(part for part in loc if isinstance(part, int) or "[" not in str(part))


def _allowed_keys(model: type[BaseModel], path: KeyPath) -> list[str]:
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        annotation = current.model_fields[part].annotation
        current = _model_in(annotation)
        if current is None:
            return []
    return list(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
