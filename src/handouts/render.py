"""One handout for one clinic in one language, as HTML: Jinja2 templates filled with the
handout's blocks, translated texts and the clinic's branding. The output formats
(formats.py) turn the page into a PDF; render_job.py is the one path that does both."""

from __future__ import annotations

import datetime as dt
import html
import mimetypes
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import url2pathname

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import ChoiceLoader, PrefixLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from handouts import __version__
from handouts.blocks import block_template
from handouts.blocks.figure import FigureError, read_svg, translated_svg
from handouts.catalogs import Lookup, Translations
from handouts.errors import Problem, RenderError, display_path
from handouts.extract import COMMON_DOMAIN
from handouts.fonts import FontSet, describe_char
from handouts.handout import Handout, blocks_in, texts
from handouts.images import SvgRefused, asset_bytes
from handouts.jobs import language_tag
from handouts.languages import direction as text_direction
from handouts.project import LoadedClinic, LoadedHandout, Project, overlaid
from handouts.sandbox import Sandbox
from handouts.schema import Text
from handouts.templating import SandboxedLoader, template_problem
from handouts.text import ALLOWED_TAGS, PlaceholderError
from handouts.text import parse as parse_placeholders
from handouts.variants import VARIANTS
from handouts.yamlfile import format_key

TEMPLATE = "handout.html"


# -- Text: escaping, the markup allow-list, placeholders --------------------------


def to_markup(text: str, values: dict[str, str], origin: str, langs: dict[str, str] | None = None) -> Markup:
    """Escape text, let the allowed tags through, and fill {placeholders} with escaped values;
    langs gives the language of a value written in another one (the clinic's name)."""
    escaped = str(escape(text))
    for tag in ALLOWED_TAGS:
        # Only as a pair: a stray closing tag could end the template's own markup around the text.
        escaped = re.sub(rf"&lt;{tag}&gt;(.*?)&lt;/{tag}&gt;", rf"<{tag}>\1</{tag}>", escaped, flags=re.DOTALL)
    parts = []
    for literal, name, spec, conversion in _parse_placeholders(escaped, origin):
        parts.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            known = ", ".join("{" + key + "}" for key in values) or "none"
            raise RenderError(Problem(origin, f"unknown placeholder {{{name}}}; the placeholders here are {known}"))
        parts.append(isolate(values[name], (langs or {}).get(name)))
    return Markup(keep_numbers_together("".join(parts)))


def isolate(value: str, lang: str | None = None) -> str:
    """Escape a filled-in value and isolate its direction, so a phone number inside
    Arabic text keeps its digit order and an Arabic name inside English stays whole.
    A number, range or phone number never breaks across lines."""
    direction = "ltr"
    for char in value:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            direction = "ltr" if kind == "L" else "rtl"
            break
    nowrap = ' class="nowrap"' if re.fullmatch(_NUMBER, value) else ""
    marked = f' lang="{escape(lang)}"' if lang else ""
    return f'<bdi dir="{direction}"{nowrap}{marked}>{escape(value)}</bdi>'


# -- Numbers never break across lines -------------------------------------------------
# A patient must never dial half a phone number or read half a range: digits with the
# separators between them ("01 99 00 12 34", "(541) 555-0142", "20–30", "1,5"), and the
# short word right after them (a unit: "20–30 Minuten", "30 分钟"), stay on one line.

_NUMBER = r"[+(]?\d+\)?(?:(?:[ \u00a0\u202f]?[-‐‑–−/.,:][ \u00a0\u202f]?|[ \u00a0\u202f])\(?\d+\)?)*"
_WORD_END = r"[\s<&.,;:!?()\[\]\"'«»“”„、。，；：！？]"
# A whole word of at most 12 characters (marks and joiners included, so no letter loses its accent).
_UNIT = rf"[ \u00a0\u202f]?(?:(?!{_WORD_END})[^\d]){{1,12}}(?={_WORD_END}|$)"
_FILLED_NUMBER = rf'<bdi dir="(?:ltr|rtl)" class="nowrap"(?: lang="[^"<>]*")?>{_NUMBER}</bdi>'
# The page's own markup is only <strong>, <bdi> and entities: a number never starts inside "&#39;".
_GROUP = re.compile(
    rf"(?P<filled>{_FILLED_NUMBER})(?P<after>{_UNIT})?|(?<![0-9A-Za-z_&#])(?P<number>{_NUMBER})(?P<unit>{_UNIT})?"
)
# Digit groups apart (a phone number): left to right in every language, e.g. inside Arabic.
_PHONE_LIKE = re.compile(r"[+(]?\d+\)?(?:[ \u00a0\u202f.-]\(?\d+\)?){2,}")


def keep_numbers_together(html: str) -> str:
    """html (escaped text with the page's own inline tags) with each number group in a nowrap span."""
    return _GROUP.sub(_group_html, html)


def _group_html(match: re.Match[str]) -> str:
    if match["filled"] is not None:  # a filled-in number is nowrap already; keep its unit with it
        filled, after = match["filled"], match["after"] or ""
        if not after or _PHONE_LIKE.search(filled):
            return match[0]
        return f'<span class="nowrap">{filled}{after}</span>'
    number, unit = match["number"], match["unit"] or ""
    if _PHONE_LIKE.fullmatch(number):  # a phone number has no unit after it
        return f'<bdi dir="ltr" class="nowrap">{number}</bdi>{unit}'
    if not unit and number.isdigit():
        return match[0]  # one run of digits cannot break
    return f'<span class="nowrap">{number}{unit}</span>'


def _parse_placeholders(text: str, origin: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return parse_placeholders(text)
    except PlaceholderError as exc:
        raise RenderError(Problem(origin, str(exc))) from None


def plain_text(markup: str) -> str:
    """The text as a reader sees it: no tags, and each entity the character it stands for
    (escaped once more wherever it is printed: a title, a figure label, the manifest)."""
    # Not Markup.striptags(): it turns every space into " ", and a French title keeps its no-break spaces.
    return html.unescape(re.sub(r"<[^>]*>", "", str(markup)))


def css_string(text: str) -> str:
    """text as a double-quoted CSS string. Everything but letters, digits, spaces and plain punctuation
    becomes a hex escape, so no translation can end the string, a comment or the <style> element."""
    return '"' + "".join(char if _css_safe(char) else f"\\{ord(char):06X} " for char in text) + '"'


def _css_safe(char: str) -> bool:
    # No parentheses: "url(" in a translation must never read as a URL to a CSS reader.
    return char.isalnum() or char in " .,:;!?-_'%+"


def number_range(values: tuple[int, int], locale: Locale) -> str:
    low, high = (format_decimal(value, locale=locale) for value in values)
    return low if low == high else f"{low}–{high}"


# -- Sandboxed fetching ------------------------------------------------------------


class FetchRefused(Exception):
    """A document asked for something outside the project's asset folders."""


# Pages name project files by URLs under this made-up folder, mapped back by the fetcher, so
# that no absolute path (which ends up in image names) makes a PDF depend on where the project
# or the tool is. A name the project has no file for is the packaged library's file of that
# name (Project.find): the page's stylesheets live under templates/ in either.
PROJECT_URL = "file:///handouts-project/"


def project_url(root: Path, path: Path, library: Path | None = None) -> str:
    """The URL a page uses for a file of the project (or of the packaged library)."""
    for folder in filter(None, (root, library)):
        if path.is_relative_to(folder):
            return PROJECT_URL + quote(path.relative_to(folder).as_posix())
    return path.resolve().as_uri()


OUTSIDE = "only files in templates/, fonts/ and the clinic's own folder can be used; nothing else is fetched"


def make_fetcher(
    allowed: list[Path], root: Path | None = None, library: Path | None = None, sandbox: Sandbox | None = None
) -> Any:
    # Imported here so that commands which never render do not load WeasyPrint.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SandboxFetcher(URLFetcher):
        """Serves only files inside the allowed folders; no network, no other files."""

        def __init__(self) -> None:
            super().__init__(fail_on_errors=True, allowed_protocols={"file", "data"})
            self.allowed = [folder.resolve() for folder in allowed]
            self.refused: list[tuple[str, str]] = []  # (url, why)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            named = self._named(url)
            try:
                data = self._read(named)
            except FetchRefused as exc:
                self.refused.append((url, str(exc)))
                raise FetchRefused(url) from None
            assert named is not None
            content_type = mimetypes.guess_type(named.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

        def _named(self, url: str) -> Path | None:
            """The file a file: URL names, as the project names it (links not yet followed)."""
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc:
                return None
            path = Path(url2pathname(parts.path))
            project_path = url2pathname(urlsplit(PROJECT_URL).path)
            if root is not None and path.is_relative_to(project_path):
                path = overlaid(path.relative_to(project_path).as_posix(), root, library)
            return path

        def _named_inside(self, named: Path) -> bool:
            """Is the file named (links not followed) in an allowed folder?"""
            return any(Path(os.path.abspath(named)).is_relative_to(folder) for folder in allowed)

        def _read(self, named: Path | None) -> bytes:
            if named is None:
                raise FetchRefused(OUTSIDE)
            # Resolved last: whatever a name or a link says, the real file must be in an allowed folder
            # and inside the project (an allowed folder may itself be a link that leads elsewhere).
            path = named.resolve()
            in_allowed = any(folder in path.parents for folder in self.allowed)
            outside = sandbox.problem(named) if sandbox is not None else None
            if outside is not None and (in_allowed or self._named_inside(named)):
                raise FetchRefused(f"{outside.file}: {outside.message}")  # names the link
            if not in_allowed:
                raise FetchRefused(OUTSIDE)
            if not path.is_file():
                raise FetchRefused("no such file")
            try:
                return asset_bytes(path)
            except SvgRefused as exc:
                raise FetchRefused(f"{display_path(named, root) if root else named}: {exc}") from None

    return SandboxFetcher()


# Where a template, stylesheet or SVG names another file: only used to say who asked for a refused URL.
_REFERENCE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])([^"'()\s<>{}]+)""", re.I)
_REFERRING_TYPES = {".html", ".htm", ".css", ".svg", ".xml"}


def refusal_problem(url: str, why: str, page: Page, origin: str) -> Problem:
    """The problem for a refused URL, naming the file and line that asked for it where we can find them."""
    for folder in page.allowed_dirs:
        for _, path in _files(folder, page.sandbox):
            if path is None or path.suffix.lower() not in _REFERRING_TYPES:
                continue
            own_url = project_url(page.root, path, page.library) if page.root else path.resolve().as_uri()
            base = page.base_url if path.suffix.lower() in (".html", ".htm") else own_url
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in _REFERENCE.finditer(text):
                if unquote(urljoin(base, match[1])) == unquote(url):
                    shown = display_path(path, page.root) if page.root else str(path)
                    line = text.count("\n", 0, match.start()) + 1
                    resolved = "" if match[1] == url else f" ({url})"
                    return Problem(shown, f"refused to fetch {match[1]!r}{resolved}: {why}", line)
    return Problem(origin, f"refused to fetch {url} (asked for by a template or stylesheet): {why}")


def _files(folder: Path, sandbox: Sandbox | None) -> list[tuple[str, Path | None]]:
    """Files under folder; never across a link that leaves the project (a folder may be such a link)."""
    if sandbox is not None:
        return list(sandbox.files(folder))
    return [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*")) if p.is_file()]


# -- The page --------------------------------------------------------------------


@dataclass
class Page:
    """A rendered HTML page, plus what the output formats, the gate and the checks need to know."""

    html: str
    base_url: str
    allowed_dirs: list[Path]
    title: str
    strings: list[tuple[str, str]] = field(default_factory=list)  # (origin, text) drawn on the page
    lookups: list[Lookup] = field(default_factory=list)  # every catalog entry the page used
    root: Path | None = None  # the project folder, to show file names as the user knows them
    library: Path | None = None  # the packaged library, for files the project has none of its own
    lang: str = "en"
    sandbox: Sandbox | None = None  # the project's: no file outside it is read, whatever links say


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
            self._environments[clinic.id] = SandboxedEnvironment(
                loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined
            )
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
    ) -> Page:
        """One page. With second (a bilingual copy), the clinicians' language follows each section;
        not_for_patients (a preview of what the build refuses) marks every page with the reason;
        screen draws it for a browser (the HTML format): the reader's own fonts, no print frame."""
        lang = translations.lang
        fonts: FontSet = self.project.fonts
        c, meta = clinic.clinic, handout.handout.meta
        strings: list[tuple[str, str]] = [(f"{clinic.shown_as} {key}", str(value)) for key, value in _clinic_strings(c)]
        env = self.environment(clinic)
        main = self._language(env, clinic, handout, translations, strings, screen)
        second_ctx = None
        second_strings: list[tuple[str, str]] = []
        if second is not None and second.lang != lang:
            second_ctx = self._language(env, clinic, handout, second, second_strings, screen)
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
            "qr": qr_code(c, clinic.id, handout.id, lang),
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
            allowed_dirs=[*self.project.asset_folders(), clinic.folder, handout.asset_dir],
            title=title,
            strings=strings,
            lookups=main["lookups"] + (second_ctx["lookups"] if second_ctx else []),
            root=self.project.root,
            library=self.project.library.root,
            lang=lang,
            sandbox=self.project.sandbox,
        )
        check_glyphs(page, fonts, lang, c.font)
        check_text_glyphs(second_strings, fonts, second_ctx["lang"] if second_ctx else lang, c.font)
        for words_lang, words in own.by_language(clinic.shown_as).items():
            check_text_glyphs(words, fonts, words_lang, c.font)
        return page

    def _language(
        self,
        env: SandboxedEnvironment,
        clinic: LoadedClinic,
        handout: LoadedHandout,
        translations: Translations,
        strings: list[tuple[str, str]],
        screen: bool = False,
    ) -> dict[str, Any]:
        """The template's functions and facts for one language: t, blocks, questions, _, _safety, page_counter."""
        lang = translations.lang
        locale = Locale.parse(lang)
        rtl = locale.text_direction == "rtl"
        values = filled_values(clinic.clinic, handout.handout, locale)
        numbers = number_values(clinic.clinic, handout.handout)
        clinic_texts = {"clinic_name": clinic_lang_tag(clinic.clinic)}  # values in clinic.yaml's language
        lookups: list[Lookup] = []  # every catalog entry this language's text used
        language: dict[str, Any] = {}

        def translator(loaded: LoadedHandout) -> Any:
            refs = {id(ref.text): ref for ref in texts(loaded.handout, loaded.asset_dir)}

            def t(text: Text, safety: bool = False) -> Markup:
                ref = refs.get(id(text))
                source = loaded.source_of(ref.path) if ref else loaded.shown_as
                safe = safety or (ref.safety if ref else text.safety)
                found = translations.lookup(loaded.id, text.msgid, text.context, source, safe)
                found = _plural_form(found, text, translations, loaded.id, numbers)
                lookups.append(found)
                markup = to_markup(found.text, values, found.origin, clinic_texts)
                strings.append((found.origin, plain_text(markup)))
                return in_english(markup, found, translations)

            return t

        def gettext(msgid: str, safety: bool = False, **kwargs: Any) -> Markup:
            found = translations.lookup(COMMON_DOMAIN, msgid, None, f"templates ({msgid!r})", safety)
            lookups.append(found)
            markup = to_markup(found.text, {k: str(v) for k, v in kwargs.items()}, found.origin, clinic_texts)
            strings.append((found.origin, plain_text(markup)))
            return in_english(markup, found, translations)

        def safety_gettext(msgid: str, **kwargs: Any) -> Markup:
            return gettext(msgid, safety=True, **kwargs)

        def page_counter(msgid: str) -> Markup:
            found = translations.lookup(COMMON_DOMAIN, msgid, None, f"templates ({msgid!r})")
            lookups.append(found)
            parts = []
            for literal, name, _, _ in _parse_placeholders(found.text, found.origin):
                if literal:
                    parts.append(css_string(literal))
                if name in ("page", "pages"):
                    parts.append(f"counter({name})")
                elif name is not None:
                    raise RenderError(
                        Problem(found.origin, f"unknown placeholder {{{name}}}; use {{page}} and {{pages}}")
                    )
            strings.append((found.origin, found.text))
            return Markup(" ".join(parts))

        t = translator(handout)
        ref_translators = {ref_id: translator(ref) for ref_id, ref in handout.refs.items()}
        family = self.project.fonts.font_family_css(lang, clinic.clinic.font)

        def render_blocks(blocks: list[Any]) -> Markup:
            out = []
            for number, block in enumerate(blocks):
                context = {**language, "block": block, **block.template_context()}
                if getattr(block, "placement", None) == "start":
                    # The blocks after a start figure run beside it: the figure's template frames them.
                    context["beside"] = render_blocks(blocks[number + 1 :])
                out.append(env.get_template(block_template(block)).render(context))
                if "beside" in context:
                    break
            return Markup("\n".join(out))

        def figure(block: Any, alt: str = "") -> Markup:
            """The figure's SVG inline, its labels in this language; a PNG as an image. alt is its text
            alternative, which the tagged PDF's figure carries."""
            path = block.path(handout.asset_dir)
            if outside := self.project.sandbox.problem(path):  # a link made since the handout loaded
                raise RenderError(outside)
            if path.suffix == ".png":
                return Markup(f'<img src="{escape(self.url(path))}" alt="{escape(alt)}">')

            def label(english: str) -> str:
                return plain_text(t(Text(text=english, context="figure label"), safety=block.is_safety))

            # A generic family last: a browser showing the HTML copy may not have the shipped fonts.
            direction = "rtl" if rtl else "ltr"
            try:
                drawing = read_svg(path)
            except FigureError as exc:
                raise RenderError(Problem(handout.shown_as, f"figure {block.src!r}: {exc}")) from None
            return Markup(translated_svg(drawing, label, f"{family}, sans-serif", direction, screen, alt))

        def questions(block: Any) -> dict[str, Any]:
            """A yes-no block's statements: each list of the other handout's section, in its words."""
            source = handout.refs[block.handout_id]
            tr = ref_translators[block.handout_id]
            section = source.handout.section(block.section_id)
            intro, groups = [], []
            for item, _ in blocks_in(section.blocks if section else []):
                if item.type == "paragraph" and not groups:
                    intro.append(tr(item.text, safety=True))
                elif item.type == "list":
                    heading = tr(item.heading, safety=True) if item.heading else None
                    asked = [tr(i.asked(), safety=True) if i.ask else tr(i, safety=True) for i in item.items]
                    groups.append({"heading": heading, "items": asked})
            return {"intro": intro, "groups": groups}

        language.update(
            {
                "lang": lang,
                "locale": locale,
                "lang_tag": language_tag(lang),
                "direction": "rtl" if rtl else "ltr",
                "start_side": "right" if rtl else "left",
                "end_side": "left" if rtl else "right",
                "t": t,
                "blocks": render_blocks,
                "figure": figure,
                "questions": questions,
                "_": gettext,
                "_safety": safety_gettext,
                "page_counter": page_counter,
                "lookups": lookups,
                "meta": handout.handout.meta,
                "clinic": clinic.clinic,
                "handout": handout.handout,
                "approved": format_date(handout.handout.meta.approved, "long", locale=locale),
                "review_due": format_date(handout.handout.meta.review_due, "long", locale=locale),
            }
        )
        language["title"] = plain_text(t(handout.handout.title))
        return language


def template_frame(exc: BaseException, root: Path) -> tuple[str, int] | None:
    """The template file and line an exception was raised in (Jinja names its frames after the file)."""
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".html") and frame.lineno:
            return display_path(Path(frame.filename), root), frame.lineno
    return None


def in_english(markup: Markup, found: Lookup, translations: Translations) -> Markup:
    """English printed in place of a translation (the clinic allows it) says it is English,
    so a screen reader speaks it with an English voice and it runs left to right."""
    if found.translated or translations.is_source:
        return markup
    return Markup('<span lang="en" dir="ltr">') + markup + Markup("</span>")


def _plural_form(found: Lookup, text: Text, translations: Translations, domain: str, numbers: dict[str, int]) -> Lookup:
    """For a plural text, the form the clinic's number takes in this language."""
    if text.plural is None or text.count is None:
        return found
    count = numbers.get(text.count, 2)
    if not found.translated:
        english = text.text if count == 1 else text.plural
        return replace(found, text=english)
    # A regional variant may take this entry from its language's catalog: that one's forms and rule.
    translations = translations.for_entry(domain, text.text, text.context)
    if translations.is_source:
        forms: tuple[str, ...] = (text.text, text.plural)
    else:
        forms = translations.plural_forms(domain, (text.text, text.plural), text.context) or (found.text,)
    index = min(translations.plural_index(domain, count), len(forms) - 1)
    return replace(found, text=forms[index])


def number_values(clinic: Any, handout: Handout) -> dict[str, int]:
    """The number each number value counts by (a range counts by its top)."""
    merged = {**handout.values, **{k: v for k, v in clinic.values.items() if k in handout.values}}
    merged |= {"session_minutes": clinic.session_minutes, "session_count": clinic.session_count}
    out = {}
    for name, value in merged.items():
        if isinstance(value, int):
            out[name] = value
        elif isinstance(value, tuple):
            out[name] = value[1]
    return out


def filled_values(clinic: Any, handout: Handout, locale: Locale) -> dict[str, str]:
    """What each placeholder prints: the clinic's facts, and the handout's values as the clinic sets them."""
    values = {
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "emergency_number": clinic.emergency_number,
        "session_minutes": number_range(clinic.session_minutes, locale),
        "session_count": number_range(clinic.session_count, locale),
    }
    for name, default in handout.values.items():
        value = clinic.values.get(name, default)
        if isinstance(value, int):
            values[name] = format_decimal(value, locale=locale)
        elif isinstance(value, tuple):
            values[name] = number_range(value, locale)
        else:
            values[name] = value
    return values


def _clinic_strings(clinic: Any) -> list[tuple[str, str]]:
    out = [("name", clinic.name), ("phone", clinic.phone), ("email", clinic.email), ("website", clinic.website)]
    out += [(format_key(("address", i)), line) for i, line in enumerate(clinic.address)]
    return out


def clinic_lang_tag(clinic: Any) -> str:
    """The language clinic.yaml's own texts (name, address, website) are written in: its main language."""
    return clinic.clinicians_language.replace("_", "-")


@dataclass(frozen=True)
class ClinicWords:
    """Text the clinic wrote itself (never translated), in the language it is written in: the page's,
    or the main language's standing in for it. Printed with its own lang and direction."""

    text: str
    lang: str
    key: str  # where it is in clinic.yaml, e.g. footer_text

    @property
    def lang_tag(self) -> str:
        return language_tag(self.lang)

    @property
    def direction(self) -> str:
        return text_direction(self.lang)

    def __html__(self) -> str:
        return keep_numbers_together(str(escape(self.text)))


@dataclass(frozen=True)
class ClinicSectionText:
    """The clinic's own section in one language: heading and paragraphs, each in its own language."""

    heading: ClinicWords
    paragraphs: list[ClinicWords]

    @property
    def lang_tag(self) -> str:
        return self.paragraphs[0].lang_tag if self.paragraphs else self.heading.lang_tag

    @property
    def direction(self) -> str:
        return self.paragraphs[0].direction if self.paragraphs else self.heading.direction


@dataclass(frozen=True)
class ClinicTexts:
    """Everything the clinic wrote itself, as a page in one language prints it."""

    footer_text: ClinicWords | None
    logo_alt: ClinicWords | None
    section: ClinicSectionText | None

    @classmethod
    def of(cls, clinic: Any, lang: str) -> ClinicTexts:
        def words(text: Any, key: str) -> ClinicWords | None:
            return None if text is None else ClinicWords(*clinic.localized(text, lang), key)

        section = None
        if clinic.clinic_section is not None:
            heading = words(clinic.clinic_section.heading, "clinic_section.heading")
            text = words(clinic.clinic_section.text, "clinic_section.text")
            assert heading is not None and text is not None
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.text) if p.strip()]
            section = ClinicSectionText(heading, [ClinicWords(p, text.lang, text.key) for p in paragraphs])
        return cls(words(clinic.footer_text, "footer_text"), words(clinic.logo_alt, "logo_alt"), section)

    def all(self) -> list[ClinicWords]:
        found = [self.footer_text, self.logo_alt]
        if self.section is not None:
            found += [self.section.heading, *self.section.paragraphs]
        return [words for words in found if words is not None]

    def languages(self) -> list[str]:
        return list(dict.fromkeys(words.lang for words in self.all()))

    def by_language(self, shown_as: str) -> dict[str, list[tuple[str, str]]]:
        """(origin, text) pairs by the language they are written in, for the glyph check."""
        found: dict[str, list[tuple[str, str]]] = {}
        for words in self.all():
            found.setdefault(words.lang, []).append((f"{shown_as} {words.key}", words.text))
        return found


def own_fonts(fonts: FontSet, langs: list[str], page_lang: str, first: str | None, screen: bool) -> list[str]:
    """Font rules for clinic text written in a language whose script the page's fonts may not draw."""
    return [
        "\n" + _font_css(fonts, lang, first, f'.clinic-text[lang="{language_tag(lang)}"]', screen)
        for lang in langs
        if fonts.stack_for(lang, first) != fonts.stack_for(page_lang, first)
    ]


def qr_code(clinic: Any, clinic_id: str, handout_id: str, lang: str) -> dict[str, str] | None:
    """The QR code of the clinic's web page for this handout, as an SVG data URI: drawn here, nothing fetched.

    `handout_url` when the clinic sets one; else, with `site_url`, the handout's HTML page there."""
    if clinic.handout_url:
        url = clinic.handout_url.replace("{handout}", handout_id).replace("{lang}", language_tag(lang))
    elif clinic.site_url:
        from handouts.layout import web_page_url  # layout names the outputs of formats, which render pages

        url = web_page_url(clinic.site_url, clinic_id, lang, handout_id)
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
