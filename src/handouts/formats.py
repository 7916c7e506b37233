"""Output formats: each is one entry that turns a rendered page into a file.

A format has a file extension and a `render` (page -> bytes and page count) and
a `measure` (page -> page count, laid out but not written, for `handouts check`).
A new format (say, accessible HTML) is one entry here plus what it needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handouts.errors import Problem, RenderError
from handouts.render import OUTSIDE, Page, make_fetcher, refusal_problem

# Tagged, titled, language-marked PDFs that screen readers can follow.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    # (page, origin, warm) -> (data, pages); warm holds what a worker keeps between jobs.
    render: Callable[[Page, str, dict[str, Any]], tuple[bytes, int]]
    measure: Callable[[Page, str, dict[str, Any]], int]


def _pdf(page: Page, origin: str, warm: dict[str, Any]) -> tuple[bytes, int]:
    data = b""

    def write(document: Any) -> None:
        nonlocal data
        data = document.write_pdf(**PDF_OPTIONS)

    document = layout(page, origin, write, **_warm_options(warm))
    return data, len(document.pages)


def _pdf_pages(page: Page, origin: str, warm: dict[str, Any]) -> int:
    return len(layout(page, origin, **_warm_options(warm)).pages)


def _warm_options(warm: dict[str, Any]) -> dict[str, Any]:
    """WeasyPrint's font configuration and image cache, kept warm between a worker's jobs."""
    if "font_config" not in warm:
        from weasyprint.text.fonts import FontConfiguration

        warm["font_config"] = FontConfiguration()
    return {"font_config": warm["font_config"], "cache": warm.setdefault("images", {})}


def layout(page: Page, origin: str, then: Callable[[Any], Any] | None = None, **options: Any) -> Any:
    """The laid-out WeasyPrint document; `then` writes it while fetch refusals are still reported."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = make_fetcher(page.allowed_dirs, page.root)
    failed = _ImageFailures()
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.addHandler(failed)
    try:
        document = HTML(string=page.html, base_url=page.base_url, url_fetcher=fetcher).render(**PDF_OPTIONS, **options)
        if then is not None:
            then(document)
    except FatalURLFetchingError as exc:
        url, why = fetcher.refused[-1] if fetcher.refused else (str(exc), OUTSIDE)
        raise RenderError(refusal_problem(url, why, page, origin)) from None
    finally:
        weasyprint_log.removeHandler(failed)
    if fetcher.refused:
        # WeasyPrint draws SVG images leniently and carries on after a refusal: refuse the page anyway.
        raise RenderError(refusal_problem(*fetcher.refused[0], page, origin))
    if failed.messages:
        # WeasyPrint would print the alt text instead of an image it cannot decode: never silently.
        raise RenderError(
            Problem(origin, f"an image could not be drawn ({failed.messages[0][:160]}); fix or replace it")
        )
    return document


class _ImageFailures(logging.Handler):
    """Collects WeasyPrint's "Failed to load image" warnings, which it would otherwise only log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Failed to load" in message or "failed to load" in message:
            self.messages.append(message)


FORMATS: dict[str, Format] = {fmt.name: fmt for fmt in (Format("pdf", ".pdf", _pdf, _pdf_pages),)}
