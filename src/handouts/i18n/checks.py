"""Checks on translations, and how ready each catalog is to print.

The per-message checks follow Babel's checker protocol (``checker(catalog,
message)`` raising ``TranslationError``, as in ``babel.messages.checkers``) and
run after Babel's own checkers (``Message.check``: plural form count, format
strings). They are not registered as ``babel.checkers`` entry points on purpose:
that would apply this project's markup rules to every catalog any program in
the environment checks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.messages.catalog import Catalog, Message, TranslationError

from handouts.errors import Problem
from handouts.i18n.plurals import Judgement, PluralRuleError, examples, forms_of, judge, signature, single_number_forms
from handouts.i18n.signoff import reviewed_text
from handouts.source.text import TAG, PlaceholderError, invisible_character, markup_problem, names

if TYPE_CHECKING:
    from handouts.i18n.extract import Template

# -- Babel-style checkers: (catalog, message) -> None, raise TranslationError ------


def _sources_and_translations(message: Message) -> tuple[list[str], list[str]]:
    ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
    strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    return ids, [s for s in strings if s]


def _placeholders(text: str) -> Counter[str]:
    try:
        return Counter(names(text))
    except PlaceholderError as exc:
        raise TranslationError(str(exc)) from None


# Never the number a plural counts, so never left out of a form (a phone number must print in every form).
NEVER_COUNTED = frozenset({"clinic_name", "clinic_phone", "emergency_number"})


def placeholders(catalog: Catalog | None, message: Message) -> None:
    """Every {placeholder} of the English, and no other, exactly as written. A plural form that
    covers exactly one number may leave out the number (Arabic's dual «أسبوعين»), as GNU msgfmt -c
    allows; a form used for several numbers may not."""
    ids, _ = _sources_and_translations(message)
    wanted = set().union(*(_placeholders(i) for i in ids))
    forms = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    single = _single_number_forms(catalog, message)
    for index, string in enumerate(forms):
        if not string:
            continue
        found = set(_placeholders(string))
        missing, extra = sorted(wanted - found), sorted(found - wanted)
        if index in single:
            missing = [name for name in missing if name.strip("{}") in NEVER_COUNTED]
        if missing and extra:
            raise TranslationError(
                f"placeholder {', '.join(extra)} is not in the English and {', '.join(missing)} is missing; "
                "copy the English's placeholders unchanged"
            )
        if missing and index in single:
            raise TranslationError(
                f"placeholder {', '.join(missing)} is missing from msgstr[{index}]; the clinic's name, phone and "
                "emergency numbers print in every form: copy it from the English unchanged"
            )
        if missing:
            raise TranslationError(f"placeholder {', '.join(missing)} is missing{_form(catalog, message, index)}")
        if extra:
            allowed = f"which has only {', '.join(sorted(wanted))}" if wanted else "which has no placeholders"
            raise TranslationError(f"placeholder {', '.join(extra)} is not in the English, {allowed}")


def _single_number_forms(catalog: Catalog | None, message: Message) -> frozenset[int]:
    if catalog is None or not message.pluralizable:
        return frozenset()
    return single_number_forms(catalog.num_plurals, catalog.plural_expr)


def _form(catalog: Catalog | None, message: Message, index: int) -> str:
    """Where a placeholder is missing, and why it may not be: the numbers the form prints for."""
    if catalog is None or not message.pluralizable:
        return "; copy it from the English unchanged"
    try:
        numbers = ", ".join(str(n) for n in examples(catalog.num_plurals, catalog.plural_expr)[index])
    except (PluralRuleError, IndexError):
        return f" from msgstr[{index}]; copy it from the English unchanged"
    return (
        f" from msgstr[{index}], which prints for several numbers ({numbers}, …); "
        "only a form for exactly one number may leave the number out"
    )


def markup(catalog: Catalog | None, message: Message) -> None:
    """The same tags as the English, in the same order: none added, no attributes, and only <strong>…</strong>."""
    ids, strings = _sources_and_translations(message)
    wanted = TAG.findall(ids[0])
    for string in strings:
        found = TAG.findall(string)
        extra = [tag for tag in found if tag not in wanted]
        if extra:
            raise TranslationError(f"markup {extra[0]} is not in the English; only the English's markup may be used")
        if found != wanted:
            raise TranslationError(
                f"markup differs from the English: it has {' '.join(wanted) or 'no tags'}, "
                f"the translation has {' '.join(found) or 'no tags'}"
            )
        if problem := markup_problem(string):  # the English's own markup, where it is not <strong>…</strong>
            raise TranslationError(problem)


def _describe_edge(text: str) -> str:
    return repr(text) if text else "nothing"


def whitespace(catalog: Catalog | None, message: Message) -> None:
    """Leading and trailing whitespace and line breaks as in the English."""
    ids, strings = _sources_and_translations(message)
    source = ids[0]
    lead, trail = source[: len(source) - len(source.lstrip())], source[len(source.rstrip()) :]
    for string in strings:
        got_lead, got_trail = string[: len(string) - len(string.lstrip())], string[len(string.rstrip()) :]
        if got_lead != lead:
            raise TranslationError(
                f"starts with {_describe_edge(got_lead)} but the English starts with {_describe_edge(lead)}"
            )
        if got_trail != trail:
            raise TranslationError(
                f"ends with {_describe_edge(got_trail)} but the English ends with {_describe_edge(trail)}"
            )
        if string.count("\n") != source.count("\n"):
            raise TranslationError(
                f"has {string.count(chr(10))} line breaks but the English has {source.count(chr(10))}"
            )


def control_characters(catalog: Catalog | None, message: Message) -> None:
    """No invisible control characters: C0/C1 (a line break \\n excepted), carriage returns, bidi controls."""
    _, strings = _sources_and_translations(message)
    for string in strings:
        if invisible := invisible_character(string):
            raise TranslationError(
                f"contains the invisible character {invisible}; delete it "
                "(line breaks are written \\n, direction marks as U+200E/U+200F)"
            )


def plural_forms(catalog: Catalog | None, message: Message) -> None:
    """No plural form left empty (Babel's own checker counts them; the .po reader refuses a wrong count)."""
    if not message.pluralizable or not isinstance(message.string, (list, tuple)):
        return
    strings = list(message.string)
    empty = [str(i) for i, string in enumerate(strings) if not string]
    if any(strings) and empty:
        raise TranslationError(f"plural form msgstr[{', '.join(empty)}] is empty; translate every form")


CHECKERS: list[Callable[[Catalog | None, Message], None]] = [
    placeholders,
    markup,
    whitespace,
    control_characters,
    plural_forms,
]


def message_errors(catalog: Catalog, message: Message) -> list[str]:
    """Babel's checkers, then this project's; each error as a sentence."""
    errors = [str(error) for error in message.check(catalog)]
    for checker in CHECKERS:
        try:
            checker(catalog, message)
        except TranslationError as error:
            errors.append(str(error))
    return errors


# -- Catalog headers --------------------------------------------------------------


def header_problems(catalog: Catalog, path: Path, shown_as: str, lang: str) -> list[Problem]:
    """The Language and Plural-Forms headers must fit the catalog's folder."""
    problems = []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()

    def line_of(header: str) -> int | None:
        return next((n for n, text in enumerate(lines, 1) if text.startswith(f'"{header}:')), None)

    language = catalog.mime_headers and dict(catalog.mime_headers).get("Language", "")
    if not same_language(language or "", lang):
        problems.append(
            Problem(
                shown_as,
                f"the Language header says {language!r} but the catalog is in locales/{lang}/",
                line_of("Language"),
            )
        )
    judgement = plural_judgement(catalog, lang)
    if judgement.problem:
        problems.append(Problem(shown_as, judgement.problem, line_of("Plural-Forms")))
    return problems


def plural_rechecks(catalog: Catalog, lang: str, catalog_entries: list[Entry]) -> list[Problem]:
    """When the catalog's Plural-Forms numbers the forms unlike its language's usual rule (Babel
    2.18's Arabic swaps forms 4 and 5), each translated plural entry whose swapped forms differ:
    written for the usual order, it would print the wrong form for those numbers."""
    judgement = plural_judgement(catalog, lang)
    rule = judgement.permuted_from
    if rule is None:
        return []
    count, expr = catalog.num_plurals, catalog.plural_expr
    pairs = zip(forms_of(count, expr), forms_of(rule.count, rule.expr), strict=True)
    moved = sorted({(mine, usual) for mine, usual in pairs if mine != usual})
    shown = examples(count, expr)
    where = "; ".join(f"msgstr[{mine}] prints for {', '.join(map(str, shown[mine]))}, …" for mine, _ in moved)
    problems = []
    for entry in catalog_entries:
        forms = entry.string if isinstance(entry.string, (list, tuple)) else None
        if forms and entry.state == "translated" and any(forms[a] != forms[b] for a, b in moved):
            problems.append(
                Problem(
                    entry.file,
                    f"plural entry to re-check: this catalog's Plural-Forms numbers the forms unlike "
                    f"{rule.source}'s {rule.header!r}; check each form fits its numbers here ({where})",
                    entry.line,
                )
            )
    return problems


def plural_judgement(catalog: Catalog, lang: str) -> Judgement:
    """The catalog's Plural-Forms against the established rules of its language (plurals.py)."""
    try:
        name = Locale.parse(lang).english_name
    except (UnknownLocaleError, ValueError):
        name = lang
    return judge(lang, catalog.num_plurals, catalog.plural_expr, name)


def likely_locale(code: str) -> tuple[str, ...] | None:
    """The language, script and territory a code most likely means (CLDR likely subtags), or None."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    likely = get_global("likely_subtags")
    parts = [locale.language, locale.script, locale.territory]
    for key in (
        "_".join(filter(None, parts)),
        "_".join(filter(None, [locale.language, locale.territory])),
        "_".join(filter(None, [locale.language, locale.script])),
        locale.language,
    ):
        if key in likely:
            found = Locale.parse(likely[key])
            return (locale.language, locale.script or found.script or "", locale.territory or found.territory or "")
    return (locale.language, locale.script or "", locale.territory or "")


def same_language(code: str, other: str) -> bool:
    """zh_CN, zh-Hans and zh_Hans name the same language; de and de_AT do not."""
    mine = likely_locale(code)
    return mine is not None and mine == likely_locale(other)


# -- Entries: each template message as one catalog has it --------------------------


@dataclass
class Entry:
    """One message of the English template, as one language's catalog has it."""

    domain: str
    section: str
    critical: bool
    state: str  # "translated", "fuzzy", "untranslated" or "missing" (no entry in the catalog)
    file: str  # where to fix it: the .po line, or the English source when the catalog lacks it
    line: int | None
    msgid: str
    errors: list[str] = field(default_factory=list)
    source_id: Any = None  # the English id as the catalog keys it (a (singular, plural) pair for plurals)
    context: str | None = None
    string: Any = None  # the translation (a tuple of forms for plurals)
    plural_rule: str | None = None  # for a plural entry, which form prints where (plurals.signature)
    examples: list[list[int]] = field(default_factory=list)  # for a plural entry, numbers each form prints for

    @property
    def reviewed(self) -> Any:
        """What a clinician's approval covers (signoff.reviewed_text)."""
        return reviewed_text(self.string, self.plural_rule)

    @property
    def ready(self) -> bool:
        return self.state == "translated" and not self.errors

    def problems(self) -> list[Problem]:
        """Why this entry is not printed, one Problem per reason."""
        label = "safety-critical entry" if self.critical else "entry"
        if self.state == "missing":
            why = f"{label} has no translation entry; run: handouts i18n update, then translate it"
        elif reason := NOT_READY.get(self.state):
            why = f"{label} {reason}"
        else:
            return [Problem(self.file, f"{label}: {error}", self.line) for error in self.errors]
        return [Problem(self.file, why, self.line)]


# Why an entry in the catalog is not printed, by its state: one wording for the build, check and status.
NOT_READY = {
    "untranslated": "is not translated yet",
    "fuzzy": "is fuzzy (the English changed or it was guessed); review it and remove the fuzzy flag",
}


def entries(template: Template, catalog: Catalog, shown_as: str) -> Iterator[Entry]:
    """Every message of the template, with its state and errors in catalog. Which entries are
    safety-critical, and their sections, come from the model (the Template), never from comments."""
    domain = template.domain
    for source in template.catalog:
        if not source.id:
            continue
        msgid = source.id if isinstance(source.id, str) else source.id[0]
        critical = template.is_critical(msgid, source.context)
        # Without an entry in the catalog, point at the English source instead.
        file, line = source.locations[0] if source.locations else (shown_as, None)
        section = template.section_of(msgid, source.context)
        entry = Entry(domain, section, critical, "missing", file, line, msgid, [], source.id, source.context)
        message = catalog.get(source.id, source.context)
        if message is not None:
            entry.file, entry.line, entry.state = shown_as, message.lineno, state_of(message)
            entry.source_id, entry.string = message.id, message.string
            if message.pluralizable:
                entry.plural_rule = plural_rule_of(catalog)
                entry.examples = _examples(catalog)
            if entry.state == "translated":
                entry.errors = shape_errors(source, message) or message_errors(catalog, message)
        yield entry


def _examples(catalog: Catalog) -> list[list[int]]:
    try:
        return examples(catalog.num_plurals, catalog.plural_expr)
    except PluralRuleError:
        return []


def plural_rule_of(catalog: Catalog) -> str:
    return signature(catalog.num_plurals, catalog.plural_expr)


def shape_errors(source: Message, message: Message) -> list[str]:
    """A plural entry for a singular English message, or the reverse: the form printed would be a guess."""
    if source.pluralizable == message.pluralizable:
        return []
    if source.pluralizable:
        return ["the English has plural forms but this entry has none; run handouts i18n update and translate it again"]
    return ["this entry has plural forms but the English has none; run handouts i18n update and translate it again"]


def state_of(message: Message) -> str:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    if not any(strings):
        return "untranslated"
    return "fuzzy" if message.fuzzy else "translated"
