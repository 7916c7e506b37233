"""The translation gate: may this one PDF print? A decision, returned as a value.

The unit that prints or is refused is one job (clinic, language, handout, variant),
judged by the catalog entries its page actually used:
- a safety-critical entry (marked in the handout, or by `_safety` in a template)
  that is missing, untranslated, fuzzy or fails a check refuses the job: it never
  prints in English;
- other entries that are not ready print in English only when the clinic allows it
  (`min_translated`, a percentage; by default 100, so a leaflet prints only when
  fully translated) and each is a warning; --strict refuses those too;
- a clinic that sets `require_review` refuses translated safety-critical entries that
  no clinician has approved as they stand (see signoff.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from handouts.errors import Problem
from handouts.i18n.catalogs import Lookup, problem_at
from handouts.i18n.signoff import Approval


@dataclass(frozen=True)
class Decision:
    refused: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    translated: int = 0  # distinct entries printed in the job's language
    total: int = 0  # distinct entries the page used
    approvals: tuple[Approval, ...] = ()  # who signed off the page's translated safety text, and when
    unapproved: int = 0  # translated safety-critical entries no clinician has approved as they stand

    @property
    def prints(self) -> bool:
        return not self.refused


def decide(
    lookups: list[Lookup], min_translated: int = 100, strict: bool = False, require_review: bool = False
) -> Decision:
    entries = _distinct(lookups)
    translated = sum(lookup.translated for lookup in entries)
    # A catalog that is missing or broken is one cause, said once as itself: never counted
    # entry by entry into "N% translated".
    broken = [lookup.why for lookup in entries if lookup.catalog_problem and lookup.why]
    counted = [lookup for lookup in entries if not lookup.catalog_problem]
    fallbacks = [lookup for lookup in counted if not lookup.translated]
    refused = [*broken, *(_worded(lookup, "safety-critical entry") for lookup in fallbacks if lookup.safety)]
    others = [_worded(lookup, "entry") for lookup in fallbacks if not lookup.safety]
    percent = 100 if not counted else 100 * sum(lookup.translated for lookup in counted) // len(counted)
    if others and (strict or percent < min_translated):
        if not strict:
            refused.append(_below_minimum(others[0], percent, min_translated, len(others)))
        refused += others
        others = []
    unapproved = [lookup for lookup in entries if lookup.unapproved]
    if require_review:
        refused += [problem_at(lookup.origin, lookup.unapproved) for lookup in unapproved]
    approvals = sorted({lookup.approval for lookup in entries if lookup.approval}, key=lambda a: (a.date, a.by))
    return Decision(
        tuple(_unique(refused)), tuple(_unique(others)), translated, len(entries), tuple(approvals), len(unapproved)
    )


def _distinct(lookups: list[Lookup]) -> list[Lookup]:
    """One lookup per entry (a text used twice counts once); safety wins if either use was."""
    seen: dict[tuple[str, str], Lookup] = {}
    for lookup in lookups:
        key = (lookup.origin, lookup.text)
        if key not in seen or (lookup.safety and not seen[key].safety):
            seen[key] = lookup
    return list(seen.values())


def _worded(lookup: Lookup, label: str) -> Problem:
    why = lookup.why or problem_at(lookup.origin, "not translated")
    joined = f"{label} {why.message}" if why.message.startswith("is ") else f"{label}: {why.message}"
    return Problem(why.file, joined, why.line, why.key)


def _below_minimum(first: Problem, percent: int, minimum: int, count: int) -> Problem:
    allowed = "the clinic allows no English text" if minimum == 100 else f"the clinic's min_translated is {minimum}%"
    return Problem(
        first.file,
        f"only {percent}% translated ({count} {'entry' if count == 1 else 'entries'} would print in English) "
        f"and {allowed}; translate them (listed below), or lower min_translated in clinic.yaml",
    )


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
