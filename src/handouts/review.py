"""Review control: a handout past its review date is not printed; the check lists what falls due soon.

"Today" is always passed in, so tests and `--today` can judge any day."""

from __future__ import annotations

import datetime as dt

from handouts.errors import Problem
from handouts.imposition import BOOKLET_MAX_SHEETS, HALF_PAGE_NAMES, sheets_for
from handouts.jobs import language_tag
from handouts.project import LoadedHandout

DUE_SOON_DAYS = 60


def expired_problem(handout: LoadedHandout, today: dt.date) -> Problem | None:
    due = handout.handout.meta.review_due
    if due >= today:
        return None
    return Problem(
        handout.shown_as,
        f"this handout was due for review on {due.isoformat()} and is not printed; "
        "have it reviewed, then update meta.review_due and meta.version (or build with --allow-expired)",
        handout.lines.line_for(("meta", "review_due")),
        "meta.review_due",
    )


def due_within(handout: LoadedHandout, today: dt.date, days: int = DUE_SOON_DAYS) -> int | None:
    """Days until the review date when it falls within `days` (0 = today), else None."""
    left = (handout.handout.meta.review_due - today).days
    return left if 0 <= left <= days else None


def over_target_problem(handout: LoadedHandout, clinic_id: str, lang: str, pages: int) -> Problem | None:
    """Fit to sheet: the handout declares how many pages it may take (meta.target_pages, or the
    language's own in meta.target_pages_by_language)."""
    meta = handout.handout.meta
    target = meta.target_for(lang)
    if pages <= target:
        return None
    over = pages - target
    noun = "page" if over == 1 else "pages"
    key = (
        ("meta", "target_pages_by_language", lang)
        if lang in meta.target_pages_by_language
        else ("meta", "target_pages")
    )
    return Problem(
        handout.shown_as,
        f"the {language_tag(lang)!r} version for {clinic_id} takes {pages} pages, "
        f"{over} {noun} over the target of {target}; "
        "shorten the text or its translation, or raise the target",
        handout.lines.line_for(key),
        ".".join(key),
    )


def booklet_problem(handout: LoadedHandout, clinic_id: str, lang: str, paper: str, pages: int) -> Problem | None:
    """Fit of a booklet, by its own measure: the sheets its half-size pages print on, never the
    standard copy's page target (an A5 page holds about half an A4 page)."""
    sheets = sheets_for(pages)
    if sheets <= BOOKLET_MAX_SHEETS:
        return None
    return Problem(
        handout.shown_as,
        f"the {lang!r} booklet for {clinic_id} takes {pages} {HALF_PAGE_NAMES[paper]} pages, {sheets} sheets, over "
        f"the {BOOKLET_MAX_SHEETS} a booklet folds and staples by hand; shorten the text or its translation, "
        "or print the standard copy instead (booklet: false)",
    )
