"""The handout library: a small static site written into the output folder after each build.

It is made from what the manifest says is current (a withdrawn or refused file is not in
it), so staff see exactly what they may print. Every link is relative and names its file,
and nothing is loaded from outside the page, so the library works opened from a shared
drive (file://) or served by any web server. Pages (their paths come from layout.py):

- the start page: the clinics;
- per clinic, a language picker: each language named in its own script and in the
  clinic's main language (Babel's locale data), in large buttons; then the clinic's patient
  packets, each with its handouts (titled in the main language) and a link per language;
- per clinic and language, each current handout's title in that language and, beside it, in
  the clinic's main language (so staff who cannot read the script still find it), its version
  and review date, a print button and links to its PDF, large-print, bilingual and HTML
  copies; then the packets in that language, each with its handouts, versions and review date.

The pages' own words ("Print", "Choose your language" ...) are template strings, translated
in the `common` catalogs; a language that lacks one shows it in English, marked as English.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from babel import Locale
from babel.dates import format_date
from jinja2 import TemplateError
from markupsafe import Markup

from handouts import log
from handouts.atomic import remove_empty_folders, write_atomically
from handouts.errors import HandoutsError, RenderError
from handouts.i18n.catalogs import SOURCE_LANGUAGE, Translations
from handouts.i18n.extract import COMMON_DOMAIN
from handouts.model.loaded import LoadedClinic
from handouts.model.project import Project
from handouts.output.html import CONTENT_SECURITY_POLICY
from handouts.pipeline.incremental import Entry, Manifest
from handouts.pipeline.layout import SITE_PAGE, clinic_page, language_folder, language_page, library_page
from handouts.pipeline.run import BuildRun
from handouts.render.markup import to_markup
from handouts.render.templating import SandboxedLoader, template_environment, template_problem
from handouts.source.languages import language_tag

# CLDR's localeDisplayPattern where it is not "{0} ({1})" (Babel does not carry the pattern).
FULL_WIDTH_PARENTHESES = {"zh", "yue"}
# The order a handout's copies are offered in, by kind (a variant's name, or a format's).
COPY_ORDER = ("pdf", "large-print", "bilingual", "html")


@dataclass
class Listed:
    """One current handout in one language of one clinic, and its files (kind -> link)."""

    handout_id: str
    title: str = ""
    version: str = ""
    review_due: str = ""
    links: dict[str, str] = field(default_factory=dict)

    @property
    def copies(self) -> list[tuple[str, str]]:
        return sorted(self.links.items(), key=lambda item: _order(item[0]))


@dataclass
class Packet:
    """One current patient packet in one language: its handouts in order, their versions, its file."""

    packet_id: str
    lang: str
    handouts: list[str]
    versions: dict[str, str]  # handout -> the version the packet prints
    review_due: str
    link: str  # relative to the language's folder


@dataclass
class Clinic:
    """What the library says of a clinic: its name, its main language and its languages' handouts and packets."""

    clinic_id: str
    name: str
    main_language: str
    order: list[str]  # the clinic's languages as clinic.yaml lists them
    languages: dict[str, list[Listed]] = field(default_factory=dict)
    packets: dict[str, list[Packet]] = field(default_factory=dict)

    @property
    def language_list(self) -> list[str]:
        offered = set(self.languages) | set(self.packets)
        known = [lang for lang in self.order if lang in offered]
        return known + sorted(lang for lang in offered if lang not in known)

    def title(self, handout_id: str, lang: str) -> str:
        """The handout's title as its current copy in lang prints it ("" when none is current)."""
        found = next((item for item in self.languages.get(lang, []) if item.handout_id == handout_id), None)
        return found.title if found else ""

    def main_title(self, handout_id: str, lang: str) -> str:
        """The title in the clinic's main language, to show beside lang's ("" when lang is the main one)."""
        return "" if lang == self.main_language else self.title(handout_id, self.main_language)


def _order(kind: str) -> int:
    return COPY_ORDER.index(kind) if kind in COPY_ORDER else len(COPY_ORDER)


def kind_of(entry: Entry) -> str:
    return "+".join(entry.variants) or entry.format


# -- What is current -----------------------------------------------------------------------


def current(manifest: Manifest, clinics: dict[str, Clinic]) -> dict[str, Clinic]:
    """The clinics with their current files, from the manifest: only files that are still in place."""
    for key, entry in sorted(manifest.entries.items()):
        if not (manifest.out_dir / key).is_file() or entry.clinic not in clinics:
            continue
        clinic = clinics[entry.clinic]
        link = quote(posixpath.relpath(key, language_folder(Path(), entry.clinic, entry.language).as_posix()))
        if entry.packet:
            clinic.packets.setdefault(entry.language, []).append(_packet(entry, link))
        else:
            _add_copy(clinic.languages.setdefault(entry.language, []), entry, link)
    return {clinic_id: clinic for clinic_id, clinic in clinics.items() if clinic.languages or clinic.packets}


def _add_copy(listed: list[Listed], entry: Entry, link: str) -> None:
    found = next((item for item in listed if item.handout_id == entry.handout), None)
    if found is None:
        found = Listed(entry.handout)
        listed.append(found)
    found.links[kind_of(entry)] = link
    if not entry.variants or not found.title:  # the standard copy names the handout
        found.title = entry.title or found.title or entry.handout
        found.version, found.review_due = entry.version, entry.review_due


def _packet(entry: Entry, link: str) -> Packet:
    # build.py records a packet's version as "handout version, handout version, ...", in order.
    versions = dict(part.rpartition(" ")[::2] for part in entry.version.split(", ") if " " in part)
    return Packet(entry.handout, entry.language, list(entry.packet), versions, entry.review_due, link)


def clinics_of(project: Project, manifest: Manifest, loaded: dict[str, Any]) -> dict[str, Clinic]:
    """Each clinic the manifest names, as its clinic.yaml describes it (its id when that cannot be read)."""
    out = {}
    for clinic_id in sorted({entry.clinic for entry in manifest.entries.values()}):
        clinic = loaded.get(clinic_id)
        if not isinstance(clinic, LoadedClinic) and clinic_id in project.clinic_ids():
            try:
                clinic = project.load_clinic(clinic_id)
            except HandoutsError:
                clinic = None
        if isinstance(clinic, LoadedClinic):
            c = clinic.clinic
            out[clinic_id] = Clinic(clinic_id, c.name, c.clinicians_language, list(c.languages))
        else:
            out[clinic_id] = Clinic(clinic_id, clinic_id, SOURCE_LANGUAGE, [])
    return out


# -- Language names -------------------------------------------------------------------------


def language_name(lang: str, in_lang: str) -> str:
    """lang's name in in_lang, as a menu shows it: "Polski", "العربية", "中文（简体）"."""
    name = Locale.parse(lang).get_display_name(in_lang) or lang
    if Locale.parse(in_lang).language in FULL_WIDTH_PARENTHESES:
        name = name.replace(" (", "（").replace(")", "）")
    return name[:1].upper() + name[1:]


def language_choice(lang: str, main: str) -> dict[str, str]:
    """A button of the language picker: the language in its own script, then in the clinic's main language."""
    own = Locale.parse(lang)
    return {
        "lang": lang,
        "tag": language_tag(lang),
        "dir": own.text_direction,
        "native": language_name(lang, lang),
        "main_name": language_name(lang, main) if lang != main else "",
        "href": f"{quote(language_tag(lang))}/{SITE_PAGE}",
    }


# -- Writing the pages --------------------------------------------------------------------


class Library:
    """Renders the library's pages from the project's templates (templates/site/)."""

    def __init__(self, project: Project, translations: dict[str, Translations]):
        self.project = project
        self.translations = dict(translations)
        self.env = template_environment(SandboxedLoader(project.template_dirs, project.sandbox))

    def language(self, lang: str) -> dict[str, Any]:
        """What a page in lang needs: its lang and dir attributes and `_` for its own words."""
        if lang not in self.translations:
            self.translations[lang] = Translations(
                self.project.locale_dirs, self.project.root, lang, self.project.sandbox
            )
        translations = self.translations[lang]
        locale = Locale.parse(lang)

        def gettext(msgid: str, **values: Any) -> Markup:
            found = translations.lookup(COMMON_DOMAIN, msgid, None, f"templates ({msgid!r})")
            markup = to_markup(found.text, {key: str(value) for key, value in values.items()}, found.origin)
            if found.translated or locale.language == SOURCE_LANGUAGE:
                return markup
            # The page's own words only: a handout's text never falls back like this.
            return Markup('<span lang="en" dir="ltr">') + markup + Markup("</span>")

        def long_date(iso: str) -> str:
            return format_date(dt.date.fromisoformat(iso), "long", locale=locale) if iso else ""

        return {
            "lang": lang,
            "lang_tag": language_tag(lang),
            "direction": locale.text_direction,
            "_": gettext,
            "long_date": long_date,
            "policy": CONTENT_SECURITY_POLICY,
        }

    def render(self, template: str, lang: str, **context: Any) -> bytes:
        try:
            html = self.env.get_template(f"site/{template}").render({**self.language(lang), **context})
        except TemplateError as exc:
            raise RenderError(template_problem(exc, self.project.root)) from None
        return html.encode("utf-8")

    def pages(self, out_dir: Path, clinics: dict[str, Clinic]) -> dict[Path, bytes]:
        """Every page of the library: path -> content."""
        pages = {library_page(out_dir): self.render("library.html", SOURCE_LANGUAGE, clinics=list(clinics.values()))}
        for clinic in clinics.values():
            choices = [language_choice(lang, clinic.main_language) for lang in clinic.language_list]
            pages[clinic_page(out_dir, clinic.clinic_id)] = self.render(
                "clinic.html", clinic.main_language, clinic=clinic, choices=choices, packets=packets_by_id(clinic)
            )
            for lang in clinic.language_list:
                pages[language_page(out_dir, clinic.clinic_id, lang)] = self.render(
                    "language.html",
                    lang,
                    clinic=clinic,
                    handouts=sorted(clinic.languages.get(lang, []), key=lambda item: item.handout_id),
                    packets=sorted(clinic.packets.get(lang, []), key=lambda packet: packet.packet_id),
                    main=language_choice(clinic.main_language, clinic.main_language),
                )
        return pages


def packets_by_id(clinic: Clinic) -> list[dict[str, Any]]:
    """The clinic page's packets: each id, its contents (as the main language's copy prints them,
    else the first language's) and, per language, (the picker's entry, that language's packet)."""
    found: dict[str, list[tuple[dict[str, str], Packet]]] = {}
    for lang in clinic.language_list:
        for packet in clinic.packets.get(lang, []):
            found.setdefault(packet.packet_id, []).append((language_choice(lang, clinic.main_language), packet))
    listed = []
    for packet_id, copies in sorted(found.items()):
        in_main = [packet for _, packet in copies if packet.lang == clinic.main_language]
        listed.append({"packet_id": packet_id, "contents": (in_main or [copies[0][1]])[0], "copies": copies})
    return listed


def write_library(
    project: Project,
    manifest: Manifest,
    loaded_clinics: dict[str, Any],
    translations: dict[str, Translations],
    shown: Callable[[Path], str],
) -> None:
    """Write the library's pages for what is current now, and remove the pages of what no longer is.

    Only pages the manifest records as the tool's (by path and sha256) are replaced or removed:
    an index.html that someone else put in the output folder is left as it is, with a warning."""
    out_dir = manifest.out_dir
    clinics = current(manifest, clinics_of(project, manifest, loaded_clinics))
    if not clinics and not manifest.library:
        return  # nothing built yet, and no library to update
    pages = Library(project, translations).pages(out_dir, clinics)
    for path, data in pages.items():
        _write_page(manifest, path, data, shown)
    for key in sorted(set(manifest.library) - {manifest.key(path) for path in pages}):
        if manifest.owns(key, manifest.library.pop(key)):
            (out_dir / key).unlink()
            remove_empty_folders((out_dir / key).parent, out_dir)


def _write_page(manifest: Manifest, path: Path, data: bytes, shown: Callable[[Path], str]) -> None:
    key = manifest.key(path)
    sha256 = hashlib.sha256(data).hexdigest()
    exists = path.exists() or path.is_symlink()
    if exists and not manifest.owns(key, manifest.library.get(key, sha256)):
        manifest.library.pop(key, None)
        log.warning(
            f"{shown(path)}: left as it is: handouts did not write this file (it is not what manifest.json records), "
            "so the library's page is not written here; move it elsewhere, or build with --out DIR"
        )
        return
    if not exists or path.read_bytes() != data:
        write_atomically(path, data, shown(path))
    manifest.library[key] = sha256


def publish_library(run: BuildRun) -> None:
    """The build's last stage: the library's pages for what is current after it."""
    project, summary = run.project, run.summary
    try:
        write_library(project, run.manifest, dict(run.sources.clinics), run.sources.translations, project.shown)
    except HandoutsError as exc:  # no room, no permission, a broken site template: named, with the fix
        summary.failed.append(("the handout library", exc))
        for problem in exc.problems:
            log.error(problem)
