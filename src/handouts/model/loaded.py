"""A clinic and a handout as loaded from their files, and the checks on them that need nothing but
the file itself: the English's placeholders, a handout's pictures, the clinic's own per-language texts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import Problem
from handouts.sandbox import Sandbox
from handouts.source.handout import Handout, all_blocks, texts
from handouts.source.languages import described, readable_as
from handouts.source.schema import Clinic
from handouts.source.text import PlaceholderError, markup_problem, unknown_names
from handouts.source.yamlfile import LineMap, format_key, quote

# Number values every clinic sets; a plural text may count by them.
CLINIC_NUMBERS = ("session_minutes", "session_count")


@dataclass(frozen=True)
class LoadedClinic:
    id: str
    folder: Path
    shown_as: str  # e.g. clinics/riverside/clinic.yaml
    clinic: Clinic
    lines: LineMap

    def origin(self, key: str) -> str:
        """Where one of the clinic's texts is, as a problem names it: `file:line key` (key as format_key writes it)."""
        path = tuple(int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", key))
        return f"{self.shown_as}:{self.lines.line_for(path) or 1} {key}"

    @property
    def logo_path(self) -> Path:
        return (self.folder / self.clinic.logo).resolve()

    @property
    def template_dir(self) -> Path:
        return self.folder / "templates"


@dataclass(frozen=True)
class LoadedHandout:
    id: str
    path: Path
    shown_as: str
    handout: Handout
    lines: LineMap
    # Handouts whose sections this one prints (a form's questions), by id; never followed further.
    refs: dict[str, LoadedHandout] = field(default_factory=dict)

    @property
    def asset_dir(self) -> Path:
        """The handout's own folder of pictures: handouts/<id>/."""
        return self.path.with_suffix("")

    @property
    def domains(self) -> list[str]:
        """The catalogs this handout's texts come from."""
        return [self.id, *self.refs]

    def source_of(self, path: tuple) -> str:
        return f"{self.shown_as}:{self.lines.line_for(path) or 1}"


def text_problems(loaded: LoadedHandout) -> list[Problem]:
    """Every unknown or broken placeholder and every tag but <strong>…</strong> in the English, in one report."""
    handout = loaded.handout
    known = handout.value_names()
    numbers = set(CLINIC_NUMBERS) | {name for name, value in handout.values.items() if not isinstance(value, str)}
    problems = []
    for ref in texts(handout):
        key = format_key(ref.path)
        line = loaded.lines.line_for(ref.path)
        for english in filter(None, (ref.text.text, ref.text.plural)):
            if why := markup_problem(english):
                problems.append(Problem(loaded.shown_as, why, line, key))
            try:
                unknown = unknown_names(english, known)
            except PlaceholderError as exc:
                problems.append(Problem(loaded.shown_as, str(exc), line, key))
                continue
            if unknown:
                names = ", ".join("{" + name + "}" for name in sorted(known))
                problems.append(
                    Problem(
                        loaded.shown_as,
                        f"unknown placeholder {', '.join(unknown)}; the placeholders are: {names}",
                        line,
                        key,
                    )
                )
        if ref.text.count and ref.text.count not in numbers:
            problems.append(
                Problem(
                    loaded.shown_as,
                    f"count {ref.text.count!r} is not a number value; declare it under `values:`",
                    line,
                    key,
                )
            )
    return problems


def asset_problems(loaded: LoadedHandout, sandbox: Sandbox) -> list[Problem]:
    problems = []
    for block, path in all_blocks(loaded.handout):
        if (src := getattr(block, "src", None)) and (outside := sandbox.problem(loaded.asset_dir / src)):
            problems.append(outside)  # a picture behind a link that leaves: named by the link
        elif why := block.asset_problem(loaded.asset_dir):
            problems.append(Problem(loaded.shown_as, why, loaded.lines.line_for((*path, "src")), format_key(path)))
    return problems


# -- Text the clinic writes itself, per language -------------------------------------------


def main_language_problems(loaded: LoadedClinic) -> list[Problem]:
    """A per-language clinic text needs the main language's text: every other language falls back to it."""
    clinic = loaded.clinic
    main = clinic.clinicians_language
    problems = []
    for key, text in clinic.clinic_texts():
        if isinstance(text, dict) and not any(readable_as(code, main) for code in text):
            problems.append(
                Problem(
                    loaded.shown_as,
                    f"no text in the main language {described(main)}; add `{main}: …` "
                    "(a language without its own text prints the main language's)",
                    loaded.lines.line_for(key),
                    format_key(key),
                )
            )
    return problems


def fallback_texts(loaded: LoadedClinic, lang: str) -> list[Problem]:
    """The clinic's own texts that a page in lang prints in another language (the main one): warnings."""
    clinic = loaded.clinic
    main = clinic.clinicians_language
    problems = []
    for key, text in clinic.clinic_texts():
        written_in = clinic.localized(text, lang)[1]
        if readable_as(written_in, lang):
            continue
        if isinstance(text, str):
            fix = f"write it per language, e.g. `{main}: …` and `{lang}: …`"
            what = f"is written once, in the main language {described(main)}"
        else:
            fix = f"add `{lang}: …`"
            what = f"has no text in {described(lang)}"
        problems.append(
            Problem(
                loaded.shown_as,
                f"{what}, so {lang} copies print it in {written_in}; {fix}",
                loaded.lines.line_for(key),
                format_key(key),
            )
        )
    return problems


def value_kind_problems(clinic: LoadedClinic, handout: LoadedHandout) -> list[Problem]:
    """The clinic's values that are text where the handout declares a number (its default is a
    number or a range): a dose or a count must never print as whatever text was typed."""
    problems = []
    for name, value in clinic.clinic.values.items():
        default = handout.handout.values.get(name)
        if isinstance(value, str) and default is not None and not isinstance(default, str):
            example = f"[{default[0]}, {default[1]}]" if isinstance(default, tuple) else str(default)
            problems.append(
                Problem(
                    clinic.shown_as,
                    f"{quote(value)} is text, but {handout.id} declares {name} a number (default {example}); "
                    "write a whole number, or a range as [low, high]",
                    clinic.lines.line_for(("values", name)),
                    f"values.{name}",
                )
            )
    return problems
