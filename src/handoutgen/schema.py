"""Typed schema for handout and clinic files.

Validation collects every error in a file and reports each one as
``file:line key.path: message`` before aborting once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

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

    kind: str = "leaflet"
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

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        # document_model() sends every other kind here, so this is where an unknown one is named.
        if value != "leaflet":
            raise ValueError(f"unknown kind {value!r}; use one of: {', '.join(DOCUMENT_KINDS)}")
        return value


class ScreeningForm(Strict):
    """A form built on a leaflet: its contraindication items become yes/no questions.

    The questions are the leaflet's own texts, looked up in the leaflet's catalog,
    so a form never carries a second, drifting translation of a safety statement."""

    # A swapped Yes/No would reverse every answer: these must be translated to print.
    SAFETY_CRITICAL: ClassVar[frozenset[str]] = frozenset({"instructions", "answer_yes", "answer_no"})

    kind: Literal["screening-form"]
    based_on: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")  # the leaflet's id (its file name without .yaml)
    meta: Meta
    title: Msg
    instructions: Msg
    answer_yes: Msg
    answer_no: Msg
    notes: Msg
    patient_name: Msg
    patient_signature: Msg
    clinician_signature: Msg
    date: Msg

    def sections(self) -> list[tuple[str, Section]]:
        return []


DOCUMENT_KINDS = ("leaflet", "screening-form")


def document_model(data: Any) -> type[Handout] | type[ScreeningForm]:
    """Which schema a handout file follows, from its `kind` key (a leaflet when absent)."""
    kind = data.get("kind") if isinstance(data, dict) else None
    return ScreeningForm if kind == "screening-form" else Handout


# -- Clinics ------------------------------------------------------------------

HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Colors(Strict):
    primary: HexColor
    accent: HexColor


def _range(value: Any) -> Any:
    return [value, value] if isinstance(value, int) else value


NumberRange = Annotated[tuple[int, int], BeforeValidator(_range)]


def _check_language(code: str) -> None:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown language {code!r}; use a code such as 'es', 'pt_BR' or 'zh_Hans'") from None


# Clear print (RNIB): body text never below 12 pt.
MIN_BODY_PT = 12


def _language_keys(value: Any) -> Any:
    if isinstance(value, dict):
        for code in value:
            _check_language(str(code))
        if not value:
            raise ValueError("give the text, or at least one language: text pair")
    return value


# Clinic text given once for every language, or per language (lang -> text).
ClinicText = Annotated[str | dict[str, str], AfterValidator(_language_keys)]


class ClinicSection(Strict):
    """A clinic's own section, e.g. directions, parking or what to wear. Printed as
    written (never translated); a language not listed uses the clinic's main language."""

    heading: ClinicText
    text: ClinicText


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
    # Theme and print settings; all optional.
    logo_placement: Literal["start", "end", "center"] = "start"
    font: str | None = None  # a family from fonts/fonts.yaml for Latin, Greek and Cyrillic text
    body_size: int = MIN_BODY_PT  # body text in points
    footer_text: str | None = None
    clinic_section: ClinicSection | None = None
    main_language: str | None = None  # the clinicians' language; default: the first of `languages`
    bilingual: bool = False  # print the patient's language beside the main language
    handout_url: str | None = Field(default=None, pattern=r"^https?://")  # QR code target; {handout}, {lang}

    @field_validator("body_size")
    @classmethod
    def _clear_print(cls, value: int) -> int:
        if value < MIN_BODY_PT:
            raise ValueError(f"body text must be at least {MIN_BODY_PT} pt (clear print); got {value}")
        return value

    @field_validator("handout_url")
    @classmethod
    def _url_placeholders(cls, value: str | None) -> str | None:
        if value is not None and "{" in value.replace("{handout}", "").replace("{lang}", ""):
            raise ValueError("the only placeholders allowed here are {handout} and {lang}")
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        for code in value:
            _check_language(code)
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @field_validator("main_language")
    @classmethod
    def _main_language_offered(cls, value: str | None, info: ValidationInfo) -> str | None:
        offered = info.data.get("languages")
        if value is not None and offered is not None and value not in offered:
            raise ValueError(f"{value!r} is not one of this clinic's languages ({', '.join(offered)}); add it there")
        return value

    @property
    def clinicians_language(self) -> str:
        return self.main_language or self.languages[0]

    def localized(self, text: ClinicText, lang: str) -> tuple[str, str]:
        """(text, its language) for lang, falling back to the main language, then to any."""
        if isinstance(text, str):
            return text, lang
        for choice in (lang, self.clinicians_language):
            if choice in text:
                return text[choice], choice
        first = next(iter(text))
        return text[first], first


# -- Loading --------------------------------------------------------------------

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
