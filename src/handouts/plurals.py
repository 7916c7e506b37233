"""Plural rules as data: which Plural-Forms headers a catalog may have, whichever Babel is installed.

A catalog's own Plural-Forms decides which form prints, as gettext does. It is accepted when it
sorts numbers into forms as one of the established rules for its language does:

- GNU gettext's table (the manual's "Plural forms" node: what msginit and Poedit write);
- Weblate's gettext and CLDR formulas (the weblate-language-data package);
- the installed Babel's (what pybabel init writes; CLDR's since Babel 2.19).

So a Spanish catalog may have GNU's two forms or CLDR's three (a third for whole millions), and
both pass under any Babel release. A rule that numbers the forms in another order than the
language's first established rule (Babel 2.18's Arabic swaps forms 4 and 5) is accepted, but
each plural entry needs re-checking: its translations must follow the header's order.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass

import babel
from babel import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural
from weblate_language_data.languages import LANGUAGES as WEBLATE_GETTEXT
from weblate_language_data.plurals import CLDRPLURALS as WEBLATE_CLDR
from weblate_language_data.plurals import EXTRAPLURALS as WEBLATE_EXTRA

from handouts.languages import fallback_chain

# GNU gettext's table of plural forms (gettext manual, "Plural forms"; msginit's plural-table.c).
GNU_GETTEXT: dict[str, tuple[int, str]] = {
    **dict.fromkeys(("ja", "vi", "ko"), (1, "0")),
    **dict.fromkeys(
        ("en", "de", "nl", "sv", "da", "no", "nb", "nn", "fo", "es", "pt", "it", "bg", "el", "fi", "et", "he"),
        (2, "(n != 1)"),
    ),
    **dict.fromkeys(("eo", "hu", "tr", "ca"), (2, "(n != 1)")),
    **dict.fromkeys(("pt_BR", "fr"), (2, "(n > 1)")),
    "lv": (3, "(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2)"),
    "ga": (3, "n==1 ? 0 : n==2 ? 1 : 2"),
    "ro": (3, "n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2"),
    "lt": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    **dict.fromkeys(
        ("ru", "uk", "be", "sr", "hr"),
        (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    ),
    **dict.fromkeys(("cs", "sk"), (3, "(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2")),
    "pl": (3, "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "sl": (4, "(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3)"),
}

# The numbers a rule is judged on: every count up to 1000 (where the rules of all languages differ),
# and large ones around round numbers (CLDR's "many" of Spanish or French is every whole million).
SAMPLES: tuple[int, ...] = tuple(
    sorted(
        {*range(1001)}
        | {
            base * 10**power + extra
            for power in range(3, 10)
            for base in (1, 2, 3, 5, 11)
            for extra in (0, 1, 2, 3, 5, 11, 12, 14, 21, 22, 25, 100, 101, 102, 111)
        }
    )
)


@dataclass(frozen=True)
class PluralRule:
    count: int
    expr: str
    source: str  # who writes it: "GNU gettext", "Weblate gettext", "Weblate CLDR", "Babel 2.19.0"

    @property
    def header(self) -> str:
        return f"nplurals={self.count}; plural={self.expr};"


class PluralRuleError(ValueError):
    """A Plural-Forms that cannot be computed: not valid C, a division by zero, a form out of range."""


@functools.lru_cache(maxsize=256)
def forms_of(count: int, expr: str) -> tuple[int, ...]:
    """The form the rule gives each of SAMPLES; PluralRuleError when it cannot be computed."""
    try:
        rule = gettext.c2py(expr)
    except (ValueError, RecursionError, SyntaxError):
        raise PluralRuleError(f"plural={expr} is not a valid C expression of n") from None
    forms = []
    for n in SAMPLES:
        try:
            form = int(rule(n))
        except ZeroDivisionError:
            raise PluralRuleError(f"plural={expr} divides by zero for n = {n}") from None
        except (ArithmeticError, RecursionError, TypeError, ValueError):
            raise PluralRuleError(f"plural={expr} cannot be computed for n = {n}") from None
        if not 0 <= form < count:
            raise PluralRuleError(f"plural={expr} gives form {form} for n = {n}, but nplurals={count}")
        forms.append(form)
    return tuple(forms)


def form_of(count: int, expr: str, n: int) -> int:
    """The form the number n takes (any n, not only SAMPLES); PluralRuleError when it cannot be computed."""
    forms_of(count, expr)  # the rule is valid C and in range on the samples
    try:
        form = int(gettext.c2py(expr)(n))
    except (ArithmeticError, RecursionError, TypeError, ValueError):
        raise PluralRuleError(f"plural={expr} cannot be computed for n = {n}") from None
    if not 0 <= form < count:
        raise PluralRuleError(f"plural={expr} gives form {form} for n = {n}, but nplurals={count}")
    return form


def _weblate(table: tuple[tuple, ...], codes: list[str], source: str) -> list[PluralRule]:
    for code in codes:
        found = [PluralRule(row[2], row[3], source) for row in table if row[0] == code]
        if found:
            return found
    return []


@functools.lru_cache(maxsize=64)
def established_rules(lang: str) -> tuple[PluralRule, ...]:
    """Every established rule for lang, the preferred first: GNU gettext's, Weblate's, Babel's."""
    codes = fallback_chain(lang)
    rules = [PluralRule(*GNU_GETTEXT[code], "GNU gettext") for code in codes if code in GNU_GETTEXT][:1]
    rules += _weblate(WEBLATE_GETTEXT, codes, "Weblate gettext")
    rules += _weblate(WEBLATE_EXTRA, codes, "Weblate gettext")
    rules += _weblate(WEBLATE_CLDR, codes, "Weblate CLDR")
    try:
        babels = get_plural(Locale.parse(lang))
        rules.append(PluralRule(babels.num_plurals, babels.plural_expr, f"Babel {babel.__version__}"))
    except (UnknownLocaleError, ValueError):
        pass
    return tuple(rule for rule in rules if _computable(rule))


def preferred_rule(lang: str) -> PluralRule:
    """The rule `i18n init` writes: GNU gettext's (as msginit), else Weblate's, else Babel's."""
    rules = established_rules(lang)
    return rules[0] if rules else PluralRule(2, "(n != 1)", "gettext's default")


def _computable(rule: PluralRule) -> bool:
    try:
        forms_of(rule.count, rule.expr)
    except PluralRuleError:
        return False
    return True


def same_grouping(forms: tuple[int, ...], other: tuple[int, ...]) -> bool:
    """Whether two rules put the same numbers together (each form of one is exactly one form of the other)."""
    pairs = set(zip(forms, other, strict=True))
    return len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})


@dataclass(frozen=True)
class Judgement:
    """How a catalog's Plural-Forms compares with the established rules of its language."""

    problem: str | None = None  # why it is refused (None: accepted)
    permuted_from: PluralRule | None = None  # accepted, but it numbers the forms unlike this rule


def judge(lang: str, count: int, expr: str, language_name: str) -> Judgement:
    rules = established_rules(lang)
    try:
        forms = forms_of(count, expr)
    except PluralRuleError as exc:
        return Judgement(f"Plural-Forms cannot be used: {exc}; {_choices(rules)}")
    matching = [r for r in rules if r.count == count and same_grouping(forms, forms_of(r.count, r.expr))]
    if not matching:
        return Judgement(
            f"Plural-Forms 'nplurals={count}; plural={expr};' is none of the plural rules for {language_name}; "
            + _choices(rules)
        )
    if forms_of(matching[0].count, matching[0].expr) != forms:
        return Judgement(permuted_from=matching[0])
    return Judgement()


def _choices(rules: tuple[PluralRule, ...]) -> str:
    """The established rules, each header once with who writes it."""
    by_forms: dict[tuple[int, ...], list[PluralRule]] = {}
    for rule in rules:  # rules that differ only in spelling are listed once
        by_forms.setdefault(forms_of(rule.count, rule.expr), []).append(rule)
    listed = [
        f"{same[0].header!r} ({', '.join(dict.fromkeys(rule.source for rule in same))})" for same in by_forms.values()
    ]
    return "write " + (listed[0] if len(listed) == 1 else "one of: " + "; ".join(listed))


def numbers_by_form(count: int, expr: str) -> list[list[int]]:
    """For each form, the sample numbers that take it, smallest first."""
    found: list[list[int]] = [[] for _ in range(count)]
    for n, form in zip(SAMPLES, forms_of(count, expr), strict=True):
        found[form].append(n)
    return found


@functools.lru_cache(maxsize=256)
def single_number_forms(count: int, expr: str) -> frozenset[int]:
    """The forms that cover exactly one number (Arabic's 0, 1 and 2; a singular that is only 1):
    those may leave the number out, as GNU msgfmt -c allows. Empty when the rule cannot be computed."""
    try:
        return frozenset(i for i, numbers in enumerate(numbers_by_form(count, expr)) if len(numbers) == 1)
    except PluralRuleError:
        return frozenset()


def examples(count: int, expr: str, per_form: int = 2) -> list[list[int]]:
    """A few numbers each form prints for (the first ones, then a larger one where there is one)."""
    result = []
    for numbers in numbers_by_form(count, expr):
        shown = numbers[:per_form]
        larger = [n for n in numbers if n >= 10 and n not in shown][:1]
        result.append(shown + larger if len(shown) == per_form and larger and shown[-1] < 10 else shown)
    return result


def signature(count: int, expr: str) -> str:
    """What the rule prints where, as text (for hashing a sign-off): the form of each sample number."""
    try:
        return f"{count}:" + "".join(chr(48 + form) for form in forms_of(count, expr))
    except PluralRuleError:
        return f"{count}:{expr}"
