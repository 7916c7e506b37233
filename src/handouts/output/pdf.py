"""The PDF format: a page laid out by WeasyPrint as a tagged PDF/UA-1 file, refused if any ink
falls outside the print-safe area or anything it names is refused or cannot be drawn."""

from __future__ import annotations

import errno
import logging
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from handouts.errors import Problem, RenderError
from handouts.output import pdfua
from handouts.output.printsafe import ink_problems
from handouts.render.fetch import Page, make_fetcher, refusal_problem
from handouts.sandbox import OUTSIDE

# Tagged, titled, language-marked PDFs that screen readers can follow; pdfua.py adds
# what WeasyPrint's PDF/UA-1 output lacks (artifacts, language of parts, header scope).
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def render(page: Page, origin: str, warm: dict[str, Any]) -> tuple[bytes, int]:
    data = b""
    pdfua.install()

    def write(document: Any) -> None:
        nonlocal data
        data = document.write_pdf(**PDF_OPTIONS, finisher=pdfua.mark_page_furniture)

    document = layout(page, origin, write, **_warm_options(warm))
    return data, len(document.pages)


def measure(page: Page, origin: str, warm: dict[str, Any]) -> int:
    return len(layout(page, origin, **_warm_options(warm)).pages)


def _warm_options(warm: dict[str, Any]) -> dict[str, Any]:
    """WeasyPrint's font configuration and image cache, kept warm between a worker's jobs (one page alone: fresh)."""
    warm = warm or Warm().of("")
    return {"font_config": warm["font_config"], "cache": warm["images"]}


class Warm:
    """What a worker keeps between its jobs, made here only: one WeasyPrint FontConfiguration for
    every job (each @font-face is loaded once), and an image cache per clinic (a cached image is
    not fetched again, so it must not reach another clinic's page)."""

    def __init__(self) -> None:
        self.font_config: Any = None
        self.images: dict[str, ImageCache] = {}

    def of(self, clinic_id: str) -> dict[str, Any]:
        if self.font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            self.font_config = FontConfiguration()
            weakref.finalize(self, _remove_font_copies, self.font_config)
        return {"font_config": self.font_config, "images": self.images.setdefault(clinic_id, ImageCache())}


def _remove_font_copies(font_config: Any) -> None:
    """WeasyPrint copies each web font into a temporary folder, which it removes only when its
    FontConfiguration is collected; one still alive when the interpreter tears down keeps its
    folder (a full test run left three, up to 34 MB each with the CJK fonts). This runs when the
    Warm goes (the preview's, after each page), or at exit at the latest."""
    folder = getattr(font_config, "_folder", None)  # WeasyPrint's, set once a web font is loaded
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


class ImageCache(dict[str, Any]):
    """WeasyPrint's image cache, keeping decoded raster images (PNG, JPEG) but no SVG images.

    WeasyPrint's SVG image holds on to the whole laid-out page it was first drawn on. Kept, the
    QR code (a new one for each PDF) grew a worker by about 1 MB a PDF (420 MB after 160 PDFs),
    and each clinic's SVG logo by about 1.5 MB a clinic. An SVG is parsed again in milliseconds."""

    def __setitem__(self, key: str, value: Any) -> None:
        from weasyprint.images import SVGImage

        if not isinstance(value, SVGImage):
            super().__setitem__(key, value)


def layout(page: Page, origin: str, then: Callable[[Any], Any] | None = None, **options: Any) -> Any:
    """The laid-out WeasyPrint document; `then` writes it while fetch refusals are still reported."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = make_fetcher(page.sandbox)
    failed = _ImageFailures()
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.addHandler(failed)
    try:
        document = HTML(string=page.html, base_url=page.base_url, url_fetcher=fetcher).render(**PDF_OPTIONS, **options)
        if not fetcher.refused and (outside := ink_problems(document, origin)):
            raise RenderError(outside)  # ink the printer would cut off: never a page missing its footer
        if then is not None:
            then(document)
    except FatalURLFetchingError as exc:
        url, why = fetcher.refused[-1] if fetcher.refused else (str(exc), OUTSIDE)
        raise RenderError(refusal_problem(url, why, page, origin)) from None
    except OSError as exc:
        if (problem := temp_folder_problem(exc, origin)) is None:
            raise
        raise RenderError(problem) from None
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


def temp_folder_problem(exc: OSError, origin: str) -> Problem | None:
    """WeasyPrint writes each web font it loads into a temporary folder for Fontconfig: a full or
    read-only temporary folder is the machine's to fix, in one line; None for any other OSError."""
    temp = Path(tempfile.gettempdir())
    if not exc.filename or not Path(exc.filename).is_relative_to(temp):
        return None
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = f"the disk of the temporary folder {temp} is full"
    else:
        why = f"the temporary folder {temp} cannot be written ({exc.strerror or exc})"
    return Problem(
        origin, f"{why}, so the fonts could not be prepared; free some space there, or set TMPDIR to another folder"
    )


class _ImageFailures(logging.Handler):
    """Collects WeasyPrint's "Failed to load image" warnings, which it would otherwise only log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Failed to load" in message or "failed to load" in message:
            self.messages.append(message)
