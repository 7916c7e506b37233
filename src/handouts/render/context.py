"""The template API for one language: what a handout template can call and read (LanguageContext), and
the record of every catalog entry the page looked up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from handouts.errors import Problem, RenderError
from handouts.i18n.catalogs import Lookup, Translations
from handouts.i18n.extract import COMMON_DOMAIN
from handouts.model.loaded import LoadedClinic, LoadedHandout
from handouts.model.project import Project
from handouts.render.clinic_texts import clinic_lang_tag
from handouts.render.fetch import project_url
from handouts.render.markup import css_string, number_range, placeholder_parts, plain_text, to_markup
from handouts.source.blocks import block_template
from handouts.source.blocks.figure import FigureError, read_svg, translated_svg
from handouts.source.handout import Handout, blocks_in, texts
from handouts.source.languages import language_tag
from handouts.source.schema import Text


class LanguageContext:
    """The template API for one language: the functions a template calls (`t`, `blocks`, `figure`,
    `questions`, `_`, `_safety`, `page_counter`) and the facts it reads (see `names`). Every catalog
    entry a text was looked up in is recorded in `lookups`, in order, for the gate; every text drawn,
    with where it came from, in `strings`, for the glyph check."""

    def __init__(
        self,
        env: SandboxedEnvironment,
        project: Project,
        clinic: LoadedClinic,
        handout: LoadedHandout,
        translations: Translations,
        strings: list[tuple[str, str]],
        screen: bool = False,
    ):
        self.env, self.project, self.clinic, self.handout = env, project, clinic, handout
        self.translations, self.strings, self.screen = translations, strings, screen
        self.lang = translations.lang
        self.locale = Locale.parse(self.lang)
        self.rtl = self.locale.text_direction == "rtl"
        self.values = filled_values(clinic.clinic, handout.handout, self.locale)
        self.numbers = number_values(clinic.clinic, handout.handout)
        self.clinic_texts = {"clinic_name": clinic_lang_tag(clinic.clinic)}  # values in clinic.yaml's language
        self.lookups: list[Lookup] = []  # every catalog entry this language's text used
        self.t = self.translator(handout)
        self.ref_translators = {ref_id: self.translator(ref) for ref_id, ref in handout.refs.items()}
        self.family = project.fonts.font_family_css(self.lang, clinic.clinic.font)
        self._names: dict[str, Any] | None = None

    def names(self) -> dict[str, Any]:
        """What a template sees for this language (a bilingual page's second language is `second`)."""
        if self._names is None:
            meta, rtl = self.handout.handout.meta, self.rtl
            self._names = {
                "lang": self.lang,
                "locale": self.locale,
                "lang_tag": language_tag(self.lang),
                "direction": "rtl" if rtl else "ltr",
                "start_side": "right" if rtl else "left",
                "end_side": "left" if rtl else "right",
                "t": self.t,
                "blocks": self.blocks,
                "figure": self.figure,
                "questions": self.questions,
                "_": self.gettext,
                "_safety": self.safety_gettext,
                "page_counter": self.page_counter,
                "lookups": self.lookups,
                "meta": meta,
                "clinic": self.clinic.clinic,
                "handout": self.handout.handout,
                "approved": format_date(meta.approved, "long", locale=self.locale),
                "review_due": format_date(meta.review_due, "long", locale=self.locale),
            }
            self._names["title"] = plain_text(self.t(self.handout.handout.title))
        return self._names

    def translator(self, loaded: LoadedHandout) -> Callable[..., Markup]:
        """`t(text, safety=False)`: one of this handout's (or a referenced handout's) texts, translated."""
        refs = {id(ref.text): ref for ref in texts(loaded.handout, loaded.asset_dir)}

        def t(text: Text, safety: bool = False) -> Markup:
            ref = refs.get(id(text))
            source = loaded.source_of(ref.path) if ref else loaded.shown_as
            safe = safety or (ref.safety if ref else text.safety)
            found = self.translations.lookup(loaded.id, text.msgid, text.context, source, safe)
            found = _plural_form(found, text, self.translations, loaded.id, self.numbers)
            return self._drawn(found, self.values)

        return t

    def gettext(self, msgid: str, safety: bool = False, **kwargs: Any) -> Markup:
        """`_(msgid, **values)`: a template's own text, from the `common` catalog."""
        found = self.translations.lookup(COMMON_DOMAIN, msgid, None, f"templates ({msgid!r})", safety)
        return self._drawn(found, {k: str(v) for k, v in kwargs.items()})

    def safety_gettext(self, msgid: str, **kwargs: Any) -> Markup:
        """`_safety(msgid, **values)`: a template's own safety-critical text."""
        return self.gettext(msgid, safety=True, **kwargs)

    def _drawn(self, found: Lookup, values: dict[str, str]) -> Markup:
        self.lookups.append(found)
        markup = to_markup(found.text, values, found.origin, self.clinic_texts)
        self.strings.append((found.origin, plain_text(markup)))
        return in_english(markup, found, self.translations)

    def page_counter(self, msgid: str) -> Markup:
        """`page_counter(msgid)`: "Page {page} of {pages}" as CSS content (counters filled in by the layout)."""
        found = self.translations.lookup(COMMON_DOMAIN, msgid, None, f"templates ({msgid!r})")
        self.lookups.append(found)
        parts = []
        for literal, name, _, _ in placeholder_parts(found.text, found.origin):
            if literal:
                parts.append(css_string(literal))
            if name in ("page", "pages"):
                parts.append(f"counter({name})")
            elif name is not None:
                raise RenderError(Problem(found.origin, f"unknown placeholder {{{name}}}; use {{page}} and {{pages}}"))
        self.strings.append((found.origin, found.text))
        return Markup(" ".join(parts))

    def blocks(self, blocks: list[Any]) -> Markup:
        """`blocks(section.blocks)`: each block through its own template."""
        out = []
        for number, block in enumerate(blocks):
            context = {**self.names(), "block": block, **block.template_context()}
            if getattr(block, "placement", None) == "start":
                # The blocks after a start figure run beside it: the figure's template frames them.
                context["beside"] = self.blocks(blocks[number + 1 :])
            out.append(self.env.get_template(block_template(block)).render(context))
            if "beside" in context:
                break
        return Markup("\n".join(out))

    def figure(self, block: Any, alt: str = "") -> Markup:
        """`figure(block, alt)`: the figure's SVG inline, its labels in this language; a PNG as an image.
        alt is its text alternative, which the tagged PDF's figure carries."""
        handout = self.handout
        path = block.path(handout.asset_dir)
        if outside := self.project.sandbox.problem(path):  # a link made since the handout loaded
            raise RenderError(outside)
        if path.suffix == ".png":
            url = project_url(self.project.root, path, self.project.library.root)
            return Markup(f'<img src="{escape(url)}" alt="{escape(alt)}">')

        def label(english: str) -> str:
            return plain_text(self.t(Text(text=english, context="figure label"), safety=block.is_safety))

        # A generic family last: a browser showing the HTML copy may not have the shipped fonts.
        direction = "rtl" if self.rtl else "ltr"
        try:
            drawing = read_svg(path)
        except FigureError as exc:
            raise RenderError(Problem(handout.shown_as, f"figure {block.src!r}: {exc}")) from None
        return Markup(translated_svg(drawing, label, f"{self.family}, sans-serif", direction, self.screen, alt))

    def questions(self, block: Any) -> dict[str, Any]:
        """`questions(block)`: a yes-no block's statements, each list of the other handout's section, in its words."""
        source = self.handout.refs[block.handout_id]
        tr = self.ref_translators[block.handout_id]
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
