"""One handout for one clinic in one language, as HTML: Jinja2 templates filled with the
handout's blocks, translated texts and the clinic's branding. The output formats
(output/pdf.py, output/html.py) turn the page into files; render_job.py is the one path
that does both."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, PrefixLoader, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from handouts import __version__
from handouts.errors import Problem, RenderError, display_path
from handouts.i18n.catalogs import Translations
from handouts.model.loaded import LoadedClinic, LoadedHandout
from handouts.model.project import Project
from handouts.render.clinic_texts import ClinicTexts, clinic_lang_tag, clinic_strings
from handouts.render.context import LanguageContext
from handouts.render.fetch import PROJECT_URL, Page, project_url
from handouts.render.templating import SandboxedLoader, template_environment, template_problem
from handouts.render.variants import VARIANTS
from handouts.source.fonts import FontSet, describe_char
from handouts.source.languages import language_tag

TEMPLATE = "handout.html"


# -- Text: escaping, the markup allow-list, placeholders --------------------------


# -- Numbers never break across lines -------------------------------------------------
# A patient must never dial half a phone number or read half a range: digits with the
# separators between them ("01 99 00 12 34", "(541) 555-0142", "20–30", "1,5"), and the
# short word right after them (a unit: "20–30 Minuten", "30 分钟"), stay on one line.


# -- Sandboxed fetching ------------------------------------------------------------


# -- The page --------------------------------------------------------------------


class Renderer:
    """Renders pages for one project; keeps template environments warm between jobs."""

    def __init__(self, project: Project, source_date_epoch: str | None = None):
        self.project = project
        # The build's SOURCE_DATE_EPOCH ("" when unset), which a cluster worker is given rather than reads.
        self.source_date_epoch = build_epoch() if source_date_epoch is None else source_date_epoch
        self._environments: dict[str, SandboxedEnvironment] = {}

    def url(self, path: Path) -> str:
        return project_url(self.project.root, path, self.project.library.root)

    def environment(self, clinic: LoadedClinic) -> SandboxedEnvironment:
        if clinic.id not in self._environments:
            # The project's own templates, then the packaged ones; base/<name> is that pair (for a
            # clinic's template to extend), library/<name> the packaged template alone (for the project's).
            sandbox = self.project.sandbox
            base = SandboxedLoader(self.project.template_dirs, sandbox)
            library = SandboxedLoader([self.project.library.templates], sandbox)
            loaders = [PrefixLoader({"base": base, "library": library}), base]
            if clinic.template_dir.is_dir():
                loaders.insert(0, SandboxedLoader([clinic.template_dir], sandbox))
            self._environments[clinic.id] = template_environment(ChoiceLoader(loaders))
        return self._environments[clinic.id]

    def page(
        self,
        clinic: LoadedClinic,
        handout: LoadedHandout,
        translations: Translations,
        variants: tuple[str, ...] = (),
        second: Translations | None = None,
        not_for_patients: str | None = None,
        screen: bool = False,
        web_page: str | None = None,
    ) -> Page:
        """One page. With second (a bilingual copy), the clinicians' language follows each section;
        not_for_patients (a preview of what the build refuses) marks every page with the reason;
        screen draws it for a browser (the HTML format): the reader's own fonts, no print frame;
        web_page is the handout's HTML page in the output folder, for the QR code of a clinic with site_url."""
        lang = translations.lang
        fonts: FontSet = self.project.fonts
        c, meta = clinic.clinic, handout.handout.meta
        strings: list[tuple[str, str]] = [(clinic.origin(key), str(value)) for key, value in clinic_strings(c)]
        env = self.environment(clinic)
        main = LanguageContext(env, self.project, clinic, handout, translations, strings, screen).names()
        second_ctx = None
        second_strings: list[tuple[str, str]] = []
        if second is not None and second.lang != lang:
            second_ctx = LanguageContext(env, self.project, clinic, handout, second, second_strings, screen).names()
        title = main["title"] if second_ctx is None else f"{main['title']} / {second_ctx['title']}"
        font_css = _font_css(fonts, lang, c.font, "html", screen)
        if second_ctx is not None:
            font_css += "\n" + _font_css(fonts, second_ctx["lang"], c.font, ".second-language", screen)
        own = ClinicTexts.of(c, lang)
        font_css += "".join(own_fonts(fonts, own.languages(), lang, c.font, screen))
        context = {
            **main,
            "handout_id": handout.id,
            "title": title,
            "created": created_timestamp(meta.approved, self.source_date_epoch),
            "logo_url": self.url(clinic.folder / clinic.clinic.logo),
            "font_css": Markup(font_css),
            "tool_version": __version__,
            "second": second_ctx,
            "body_pt": c.body_size,
            "page_size": c.paper,  # a CSS @page size; the booklet's pages are half of it
            "qr": qr_code(c, handout.id, lang, web_page),
            "screen": screen,
            "clinic_lang_tag": clinic_lang_tag(c),
            "clinic_section": own.section,
            "footer_text": own.footer_text,
            "logo_alt": own.logo_alt,
            "variant_classes": " ".join(VARIANTS[name].body_class for name in VARIANTS if name in variants),
            "variant_stylesheets": [VARIANTS[name].stylesheet for name in VARIANTS if name in variants],
            "not_for_patients": not_for_patients,
        }
        for name in variants:
            context.update(VARIANTS[name].context(context, c))
        try:
            html = env.get_template(TEMPLATE).render(context)
        except TemplateError as exc:  # a broken or hostile template: its file and line, no traceback
            raise RenderError(template_problem(exc, self.project.root)) from None
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # An expression in a template that fails (say {{ 1 / 0 }}): the template's mistake.
            if (where := template_frame(exc, self.project.root)) is None:
                raise
            raise RenderError(
                Problem(where[0], f"the template failed here ({type(exc).__name__}: {exc})"[:200], where[1])
            ) from None
        page = Page(
            html=html,
            base_url=PROJECT_URL + "templates/",
            sandbox=self.project.sandbox.within([*self.project.asset_folders(), clinic.folder, handout.asset_dir]),
            title=title,
            strings=strings,
            lookups=main["lookups"] + (second_ctx["lookups"] if second_ctx else []),
            lang=lang,
        )
        check_glyphs(page, fonts, lang, c.font)
        check_text_glyphs(second_strings, fonts, second_ctx["lang"] if second_ctx else lang, c.font)
        for words_lang, words in own.by_language(clinic.origin).items():
            check_text_glyphs(words, fonts, words_lang, c.font)
        return page


def template_frame(exc: BaseException, root: Path) -> tuple[str, int] | None:
    """The template file and line an exception was raised in (Jinja names its frames after the file)."""
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".html") and frame.lineno:
            return display_path(Path(frame.filename), root), frame.lineno
    return None


def own_fonts(fonts: FontSet, langs: list[str], page_lang: str, first: str | None, screen: bool) -> list[str]:
    """Font rules for clinic text written in a language whose script the page's fonts may not draw."""
    return [
        "\n" + _font_css(fonts, lang, first, f'.clinic-text[lang="{language_tag(lang)}"]', screen)
        for lang in langs
        if fonts.stack_for(lang, first) != fonts.stack_for(page_lang, first)
    ]


def qr_code(clinic: Any, handout_id: str, lang: str, web_page: str | None) -> dict[str, str] | None:
    """The QR code of the clinic's web page for this handout, as an SVG data URI: drawn here, nothing fetched.

    `handout_url` when the clinic sets one; else, with `site_url`, the handout's HTML page there
    (web_page: its path in the output folder, which layout.py names)."""
    if clinic.handout_url:
        url = clinic.handout_url.replace("{handout}", handout_id).replace("{lang}", language_tag(lang))
    elif clinic.site_url and web_page is not None:
        url = clinic.site_url.rstrip("/") + "/" + web_page
    else:
        return None
    import segno

    return {"url": url, "src": segno.make(url, error="m").svg_data_uri(border=0)}


def _font_css(fonts: FontSet, lang: str, first_font: str | None, selector: str, screen: bool) -> str:
    """The language's font stack for selector; on paper with the shipped fonts embedded, on a
    screen the reader's own (a phone has fonts for its user's script; nothing is downloaded)."""
    family = fonts.font_family_css(lang, first_font)
    if screen:
        return f"{selector} {{ font-family: {family}, system-ui, sans-serif; }}"
    return fonts.font_face_css(lang, first_font) + f"\n{selector} {{ font-family: {family}; }}"


def check_glyphs(page: Page, fonts: FontSet, lang: str, first_font: str | None = None) -> None:
    """Refuse a page with a character no shipped font can draw: never a blank box on paper."""
    check_text_glyphs(page.strings, fonts, lang, first_font)


def check_text_glyphs(strings: list[tuple[str, str]], fonts: FontSet, lang: str, first_font: str | None = None) -> None:
    """(origin, text) pairs in one language; first_font is the clinic's chosen font."""
    problems = []
    for origin, text in strings:
        for char in fonts.uncovered(lang, text, first_font):
            snippet = text if len(text) <= 60 else text[:57] + "..."
            problems.append(
                Problem(
                    origin,
                    f"no font for language {lang!r} has the character {describe_char(char)} in “{snippet}”; "
                    "fix the text or add a font that has it to fonts/fonts.yaml",
                )
            )
    if problems:
        raise RenderError(problems)


def build_epoch() -> str:
    """This process's SOURCE_DATE_EPOCH, "" when unset."""
    return os.environ.get("SOURCE_DATE_EPOCH", "")


def created_timestamp(approved: dt.date, epoch: str) -> str:
    """The PDF's creation date: SOURCE_DATE_EPOCH when set, else the approval date, never the clock."""
    if epoch and epoch.isdigit():
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    else:
        moment = dt.datetime.combine(approved, dt.time(), dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
