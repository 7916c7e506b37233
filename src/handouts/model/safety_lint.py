"""The safety lint: English that reads as safety-critical but is not marked so.

Only a text marked safety-critical is held back when its translation is missing, fuzzy or
unapproved, so an unmarked warning sign would print in English, or half-checked, without a
word. A text not marked safety-critical is an error, at its file and line, when it:

- sends the patient to {emergency_number}, or to {clinic_phone} in words of urgency;
- holds a sentence that is safety-critical somewhere else in the library;
- matches one of PATTERNS, the contraindication, stop-sign and red-flag words of the English.

An author silences the lint for one text with `safety: false` and a `note:` saying why (the
note is shown to translators too); `safety: false` without a note is itself an error.
AUTHORING.md lists the patterns; a test keeps the two lists the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handouts.errors import Problem
from handouts.model.loaded import LoadedHandout
from handouts.source.handout import TextRef, texts
from handouts.source.schema import Text
from handouts.source.text import TAG
from handouts.source.yamlfile import format_key

# Words of urgency: {clinic_phone} next to one of these is an urgent-help line.
URGENT = re.compile(
    r"\b(at once|now|straight away|right away|immediately|urgent|urgently|emergency|same day|today)\b", re.IGNORECASE
)

# The source language's safety patterns, as (what AUTHORING.md calls it, the words). Small on
# purpose: each names a contraindication, a stop sign, a side effect or a red flag.
PATTERNS: tuple[tuple[str, str], ...] = (
    ("do not use", r"do not use"),
    ("never use / never put", r"never (use|put)"),
    ("must not use / should not use", r"(must|should) not (be )?(use|used|put|take|taken)"),
    ("talk to us first", r"(talk to|ask|tell) us (first|before)"),
    ("pacemaker", r"pacemakers?"),
    ("epilepsy", r"epilepsy"),
    ("pregnant", r"pregnan(t|cy)"),
    ("allergic", r"allerg(y|ic)"),
    ("stop using", r"stop (using|doing|taking|the)"),
    ("switch off", r"switch(ed)? (it |the machine )?off"),
    ("hurts", r"hurts?"),
    ("too strong", r"too (strong|high)"),
    ("side effect", r"side effects?"),
    ("burn / blister", r"(burns?|burning|blisters?)"),
    ("get help", r"get (urgent )?help"),
    ("at once / straight away / immediately", r"(at once|straight away|right away|immediately)"),
    ("urgent", r"urgent(ly)?"),
    ("emergency", r"emergency"),
    ("numbness", r"numb(ness)?"),
    ("weakness", r"weakness"),
    ("chest pain", r"chest pain"),
    ("cauda equina", r"cauda equina"),
    ("peeing / pooing", r"(pee|poo)(ing)?"),
)
_PATTERNS = [re.compile(rf"\b{words}\b", re.IGNORECASE) for _, words in PATTERNS]

# A sentence this short ("Do", "Yes") says nothing safety-critical on its own.
MIN_SENTENCE_WORDS = 3
FIX = "mark it `safety: true`, or write `safety: false` and a `note:` saying why it is not"


def sentences(english: str) -> list[str]:
    """The sentences of a text as the lint compares them: no markup, spaces and case folded."""
    plain = " ".join(TAG.sub("", english).split()).casefold()
    parts = (part.strip(" .!?:;") for part in re.split(r"(?<=[.!?:;])\s+", plain))
    return [part for part in parts if len(part.split()) >= MIN_SENTENCE_WORDS]


def englishes(ref: TextRef) -> list[str]:
    return [english for english in (ref.text.text, ref.text.plural) if english]


def critical_sentences(handouts: Iterable[LoadedHandout]) -> dict[str, str]:
    """Each sentence that is safety-critical somewhere in these handouts, with its first place (file:line)."""
    found: dict[str, str] = {}
    for loaded in handouts:
        for ref in texts(loaded.handout, loaded.asset_dir):
            if ref.safety:
                for english in englishes(ref):
                    for sentence in sentences(english):
                        found.setdefault(sentence, loaded.source_of(ref.path))
    return found


def lint(loaded: LoadedHandout, critical: dict[str, str]) -> list[Problem]:
    """Every unmarked text of the handout that reads as safety-critical, and every unexplained `safety: false`."""
    problems = [_problem(loaded, ref, why) for ref, why in _unexplained(loaded)]
    for ref in texts(loaded.handout, loaded.asset_dir):
        if ref.safety or _silenced(ref):
            continue
        if why := _reason(ref, critical):
            problems.append(_problem(loaded, ref, f"not marked safety-critical, but {why}; {FIX}"))
    return problems


def _reason(ref: TextRef, critical: dict[str, str]) -> str | None:
    """Why this text reads as safety-critical, or None."""
    for english in englishes(ref):
        if "{emergency_number}" in english:
            return "it sends the patient to {emergency_number}"
        if "{clinic_phone}" in english and (urgent := URGENT.search(english)):
            return f"it sends the patient to {{clinic_phone}} {urgent[0]!r}"
        for sentence in sentences(english):
            if sentence in critical:
                return f"it repeats {_cut(sentence)!r}, safety-critical at {critical[sentence]}"
        for pattern in _PATTERNS:
            if found := pattern.search(TAG.sub("", english)):
                return f"it says {found[0]!r} (a safety pattern; see AUTHORING.md)"
    return None


def _silenced(ref: TextRef) -> bool:
    """`safety: false` written on the text itself, with a note saying why."""
    return _unmarked_explicitly(ref.text) and _has_note(ref.text)


def _unexplained(loaded: LoadedHandout) -> list[tuple[TextRef, str]]:
    """The texts that say `safety: false` without a note. Texts from the handout file only:
    a form's `ask:` wording and a figure's labels carry their item's or block's mark."""
    why = "`safety: false` needs a `note:` saying why this text is not safety-critical"
    return [
        (ref, why)
        for ref in texts(loaded.handout)
        if ref.path[-1] != "ask" and _unmarked_explicitly(ref.text) and not _has_note(ref.text)
    ]


def _unmarked_explicitly(text: Text) -> bool:
    return "safety" in text.model_fields_set and not text.safety


def _has_note(text: Text) -> bool:
    return bool(text.note and text.note.strip())


def _problem(loaded: LoadedHandout, ref: TextRef, message: str) -> Problem:
    return Problem(loaded.shown_as, message, loaded.lines.line_for(ref.path), format_key(ref.path))


def _cut(sentence: str, limit: int = 60) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def library_problems(library: Iterable[LoadedHandout], linted: Iterable[LoadedHandout]) -> dict[str, list[Problem]]:
    """The lint's problems for each linted handout (by id), judged against the whole library."""
    critical = critical_sentences(library)
    found = {}
    for loaded in linted:
        if problems := lint(loaded, critical):
            found[loaded.id] = problems
    return found
