"""Typed schema for handout and clinic files.

Validation collects every error in a file and reports each one as
``file:line key.path: message`` before aborting once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from handouts.source.languages import fallback_chain
from handouts.source.text import VALUE_NAME


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- Texts: what every handout and block is made of -------------------------------

MAX_TEXT = 2000  # characters in one text
MAX_ITEMS = 100  # items in one list
MAX_BLOCKS = 100  # blocks in one section or callout


class Text(Strict):
    """A translatable English string, with optional help for translators.

    `safety: true` makes this one text safety-critical; `plural` and `count` make it
    an ngettext entry whose form follows the number value named by `count`; `ask` is
    a form's own wording when a list item is printed as a yes/no question."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    context: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=MAX_TEXT)
    safety: bool = False
    plural: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    count: str | None = Field(default=None, pattern=VALUE_NAME)
    ask: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _plural_has_count(self) -> Text:
        if (self.plural is None) != (self.count is None):
            raise ValueError("a plural text needs both `plural` (the English plural) and `count` (the value's name)")
        return self

    @property
    def msgid(self) -> str | tuple[str, str]:
        """The catalog key: the English, or (singular, plural)."""
        return self.text if self.plural is None else (self.text, self.plural)

    def asked(self) -> Text:
        """The form's wording of this item (itself when it has none)."""
        if self.ask is None:
            return self
        # A copy, so that it says `safety:` only where the item does (the safety lint reads that).
        return self.model_copy(update={"text": self.ask, "plural": None, "count": None, "ask": None})


def text_from_str(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


Msg = Annotated[Text, BeforeValidator(text_from_str)]


# -- Clinics ------------------------------------------------------------------

HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Colors(Strict):
    primary: HexColor
    accent: HexColor


def _range(value: Any) -> Any:
    return [value, value] if isinstance(value, int) else value


NumberRange = Annotated[tuple[int, int], BeforeValidator(_range)]


def _range_list(value: Any) -> Any:
    # YAML gives [4, 8] as a list; a range is a pair.
    return tuple(value) if isinstance(value, list) else value


def _check_language(code: str) -> None:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown language {code!r}; use a code such as 'es', 'pt_BR' or 'zh_Hans'") from None


def _languages(value: list[str]) -> list[str]:
    for code in value:
        _check_language(code)
    if len(set(value)) != len(value):
        raise ValueError("a language is listed twice")
    return value


# Clear print (RNIB): body text never below 12 pt.
MIN_BODY_PT = 12


def _language_keys(value: Any) -> Any:
    if isinstance(value, dict):
        for code in value:
            _check_language(str(code))
        if not value:
            raise ValueError("give the text, or at least one language: text pair")
    return value


# Text the clinic writes itself (never translated): one text, in the clinic's main language,
# or a mapping lang -> text. A language without its own text prints the main language's, with a warning.
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
ClinicText = Annotated[LongText | dict[str, LongText], AfterValidator(_language_keys)]
FooterText = Annotated[str, Field(min_length=1, max_length=200)]
ShortClinicText = Annotated[FooterText | dict[str, FooterText], AfterValidator(_language_keys)]


class ClinicSection(Strict):
    """A clinic's own section, e.g. directions, parking or what to wear. Printed as
    written (never translated); a language not listed uses the clinic's main language."""

    heading: ClinicText
    text: ClinicText


# A value a clinic or handout fills into texts: a number, a range of numbers, or a short text.
Value = Annotated[int | tuple[int, int] | Annotated[str, Field(max_length=100)], BeforeValidator(_range_list)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
MAX_BODY_PT = 24
HandoutId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=100)]


class Clinic(Strict):
    name: ShortText
    logo: ShortText
    logo_alt: ShortClinicText | None = None
    colors: Colors
    address: list[ShortText] = Field(min_length=1, max_length=8)
    phone: Annotated[str, Field(min_length=1, max_length=40)]
    email: ShortText
    website: ShortText
    emergency_number: Annotated[str, Field(min_length=1, max_length=20)]
    paper: Literal["A4", "Letter"]
    languages: list[str] = Field(min_length=1, max_length=60)
    session_minutes: NumberRange
    session_count: NumberRange
    # Which handouts this clinic prints (default: every published handout).
    handouts: list[HandoutId] | None = Field(default=None, max_length=500)
    # Patient packets: several handouts printed as one PDF, in this order (packets.py checks the ids).
    packets: dict[HandoutId, Annotated[list[HandoutId], Field(min_length=1, max_length=50)]] = Field(
        default={}, max_length=50
    )
    # Handout values this clinic sets (a handout declares them, with defaults, under `values:`).
    values: dict[Annotated[str, Field(pattern=VALUE_NAME)], Value] = Field(default={}, max_length=100)
    # The share of a handout's entries that must be translated for it to print in a language;
    # below 100, other text may print in English. Safety-critical text never does.
    min_translated: int = Field(default=100, ge=0, le=100)
    # Print translated safety-critical text only when a clinician has approved it as it stands
    # (handouts i18n review); any later change to the English or the translation lapses that.
    require_review: bool = False
    # Theme and print settings; all optional.
    logo_placement: Literal["start", "end", "center"] = "start"
    font: ShortText | None = None  # a family from fonts/fonts.yaml for Latin, Greek and Cyrillic text
    body_size: int = Field(default=MIN_BODY_PT, le=MAX_BODY_PT)  # body text in points
    footer_text: ShortClinicText | None = None
    clinic_section: ClinicSection | None = None
    main_language: str | None = None  # the clinicians' language; default: the first of `languages`
    bilingual: bool = False  # print the patient's language beside the main language
    booklet: bool = False  # also print each handout as an A5 (half-letter) booklet
    # QR code target; {handout}, {lang}. Short enough for a QR code a phone reads easily.
    handout_url: str | None = Field(default=None, pattern=r"^https?://", max_length=300)
    # Where the clinic publishes a copy of its output folder (the handout library); QR codes
    # then point to each handout's HTML page there, unless handout_url says otherwise.
    site_url: str | None = Field(default=None, max_length=200)

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

    @field_validator("site_url")
    @classmethod
    def _site_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s{}?#]+$", value):
            raise ValueError(
                f"{value!r} is not a web address for the library; write it as https://host/folder/ "
                "(no spaces, ? or #), e.g. https://example.org/handouts/"
            )
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        return _languages(value)

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

    def clinic_texts(self) -> list[tuple[tuple[str, ...], str | dict[str, str]]]:
        """(key path, text) of each text the clinic wrote itself and that prints in every language."""
        found: list[tuple[tuple[str, ...], str | dict[str, str] | None]] = [
            (("footer_text",), self.footer_text),
            (("logo_alt",), self.logo_alt),
        ]
        if self.clinic_section is not None:
            found += [(("clinic_section", "heading"), self.clinic_section.heading)]
            found += [(("clinic_section", "text"), self.clinic_section.text)]
        return [(key, text) for key, text in found if text is not None]

    def localized(self, text: str | dict[str, str], lang: str) -> tuple[str, str]:
        """(text, the language it is written in) for a page in lang: its own text (a regional
        variant's language's will do), else the main language's. A single text is the main language's."""
        main = self.clinicians_language
        if isinstance(text, str):
            return text, main
        for choice in (*fallback_chain(lang), *fallback_chain(main)):
            if choice in text:
                return text[choice], choice
        first = next(iter(text))  # no text in the main language: refused when the clinic loads
        return text[first], first


def _scheduler_address(value: str) -> str:
    if "://" not in value or any(char.isspace() for char in value):
        raise ValueError(f"{value!r} is not a scheduler address; write it as tcp://HOST:PORT")
    return value


class ProjectConfig(Strict):
    """handouts.yaml at the project's root: what it takes from the packaged library, and how
    `handouts build` runs (command-line options win)."""

    # The packaged handouts this project prints (default: all); its own handouts/ are added.
    library: list[HandoutId] | None = Field(default=None, max_length=500)
    # The languages its clinics may print (default: every language with catalogs).
    languages: Annotated[list[str], AfterValidator(_languages)] | None = Field(
        default=None, min_length=1, max_length=60
    )
    executor: ShortText | None = None  # a name in executors.EXECUTORS
    scheduler: Annotated[ShortText, AfterValidator(_scheduler_address)] | None = None  # a Dask scheduler
