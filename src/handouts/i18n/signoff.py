"""Clinician sign-off of safety-critical translations: locales/<lang>/reviews.yaml.

An approval covers exactly the text a clinician read: the English it records (msgid,
plural and context, written out for the reader of a diff, and compared with the
catalog's as it is now) and a hash of each side. A change to either side lapses it,
because the old approval no longer matches; an approval whose recorded English is not
the entry's counts for nothing. The file is plain YAML so a pull request shows who
approved what; `handouts i18n review` writes it. It is as trustworthy as the
repository's access control (see TRANSLATING.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field

from handouts.atomic import write_atomically
from handouts.errors import ConfigError, Problem
from handouts.source.loading import load_model
from handouts.source.schema import Strict

REVIEWS_FILE = "reviews.yaml"
MAX_APPROVALS = 5000
HASH_CHARS = 16  # 64 bits: enough to tell two texts apart, short enough to read in a diff

_HEADER = """\
# Clinician sign-off of the safety-critical translations in this folder.
# Written by: handouts i18n review LANG --by "Name, role". Do not edit by hand:
# each approval covers exactly one English text and one translation (the two hashes),
# and any change to either lapses it.
"""


def reviews_path(locales: Path, lang: str) -> Path:
    return locales / lang / REVIEWS_FILE


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()[:HASH_CHARS]


def source_hash(msgid: str | tuple[str, ...], context: str | None) -> str:
    return _digest([list(msgid) if isinstance(msgid, (list, tuple)) else msgid, context])


def reviewed_text(string: Any, plural_rule: str | None = None) -> Any:
    """What an approval covers: the translation and, for a plural entry, the rule that picks
    its form (plurals.signature), so a change of the catalog's Plural-Forms lapses it too."""
    if plural_rule is None or not isinstance(string, (list, tuple)):
        return string
    return (*string, f"Plural-Forms {plural_rule}")


def translation_hash(string: str | tuple[str, ...] | list[str]) -> str:
    return _digest(list(string) if isinstance(string, (list, tuple)) else string)


@dataclass(frozen=True)
class Approval:
    by: str
    date: dt.date

    def __str__(self) -> str:
        return f"{self.by} ({self.date.isoformat()})"


class ApprovalEntry(Strict):
    domain: Annotated[str, Field(min_length=1, max_length=100)]
    english: Annotated[str, Field(max_length=4000)]  # must be the entry's English as it is now
    plural: Annotated[str, Field(max_length=4000)] | None = None  # a plural entry's English plural
    context: Annotated[str, Field(max_length=200)] | None = None
    source: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    translation: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    by: Annotated[str, Field(min_length=1, max_length=200)]
    date: dt.date


class ReviewsFile(Strict):
    approvals: list[ApprovalEntry] = Field(default_factory=list, max_length=MAX_APPROVALS)


class Approvals:
    """One language's approvals, looked up by (domain, source hash)."""

    def __init__(self, entries: list[ApprovalEntry] | None = None, problem: Problem | None = None):
        self.entries = {(e.domain, e.source): e for e in entries or []}
        self.problem = problem  # the file could not be read: nothing counts as approved

    @classmethod
    def load(cls, path: Path, shown_as: str) -> Approvals:
        if not path.is_file():
            return cls()
        try:
            model, _ = load_model(ReviewsFile, path, shown_as)
        except ConfigError as exc:
            return cls(problem=exc.problems[0])
        return cls(model.approvals)

    def approval(self, domain: str, msgid: Any, context: str | None, string: Any) -> Approval | None:
        """Who approved exactly this English text with exactly this translation, if anyone."""
        entry = self._recorded(domain, msgid, context)
        if entry is None or not _same_english(entry, msgid, context) or entry.translation != translation_hash(string):
            return None
        return Approval(entry.by, entry.date)

    def lapsed(self, domain: str, msgid: Any, context: str | None, string: Any) -> Approval | None:
        """An approval of this English text whose translation has changed since."""
        entry = self._recorded(domain, msgid, context)
        if entry is None or not _same_english(entry, msgid, context) or entry.translation == translation_hash(string):
            return None
        return Approval(entry.by, entry.date)

    def other_english(self, domain: str, msgid: Any, context: str | None) -> Approval | None:
        """An approval filed under this entry's hash whose recorded English is not the entry's:
        written or edited by hand, so it counts for nothing."""
        entry = self._recorded(domain, msgid, context)
        return Approval(entry.by, entry.date) if entry and not _same_english(entry, msgid, context) else None

    def _recorded(self, domain: str, msgid: Any, context: str | None) -> ApprovalEntry | None:
        return self.entries.get((domain, source_hash(msgid, context)))

    def approve(self, domain: str, msgid: Any, context: str | None, string: Any, by: str, date: dt.date) -> None:
        english, plural = _english(msgid)
        entry = ApprovalEntry(
            domain=domain,
            english=english,
            plural=plural,
            context=context,
            source=source_hash(msgid, context),
            translation=translation_hash(string),
            by=by,
            date=date,
        )
        self.entries[(domain, entry.source)] = entry

    def write(self, path: Path, shown_as: str) -> None:
        ordered = sorted(self.entries.values(), key=lambda e: (e.domain, e.english, e.context or ""))
        items = [e.model_dump(exclude_none=True) for e in ordered]
        body = yaml.safe_dump({"approvals": items}, allow_unicode=True, sort_keys=False, width=100)
        write_atomically(path, (_HEADER + body).encode(), shown_as, out_option=None)  # its place is fixed


def _english(msgid: Any) -> tuple[str, str | None]:
    """An entry's English: (singular, plural), the plural None when it has none."""
    if isinstance(msgid, str):
        return msgid, None
    return msgid[0], msgid[1] if len(msgid) > 1 else None


def _same_english(entry: ApprovalEntry, msgid: Any, context: str | None) -> bool:
    return (entry.english, entry.plural) == _english(msgid) and entry.context == context


def not_approved_problem(lang: str, lapsed: Approval | None, other_english: Approval | None = None) -> str:
    fix = f'have a clinician check it with: handouts i18n review {lang} --by "Name, role"'
    if other_english is not None:
        return f"the approval by {other_english} records other English than this entry, so it counts for nothing; {fix}"
    if lapsed is not None:
        return f"safety-critical entry changed since {lapsed} approved it; {fix}"
    return f"safety-critical entry is not approved by a clinician; {fix}"


def damaged_signoff_files(translations: Mapping[str, Any]) -> list[Problem]:
    """The sign-off files of these languages (catalogs.Translations) that cannot be read: a warning
    for every build and check (and, for a clinic that sets require_review, its translated safety
    text is refused for that reason)."""
    problems = []
    for lang, catalogs in translations.items():
        if not catalogs.is_source and (problem := damaged_signoff(lang, catalogs.approvals)):
            problems.append(problem)
    return problems


def damaged_signoff(lang: str, approvals: Approvals) -> Problem | None:
    """Why lang's sign-off file cannot be read, with the fix; None when it can."""
    if (problem := approvals.problem) is None:
        return None
    fix = f"nothing in it counts as approved until it is fixed or written again by handouts i18n review {lang}"
    return Problem(problem.file, f"{problem.message}; {fix}", problem.line, problem.key)
