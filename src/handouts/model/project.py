"""A handouts project on disk: where everything lives, and loading it.

The one owner of "where does this file come from". A project is a folder with
`handouts.yaml` or `clinics/`. Handouts, catalogs, templates and fonts come from the
project's own folders first, then from the library packaged with the tool
(src/handouts/library/), so upgrading the tool upgrades the library: a project's own
handout, catalog or template replaces the packaged one of the same name, and a project's
own fonts/fonts.yaml replaces the packaged fonts."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from handouts.errors import ConfigError, HandoutsError, Problem, display_path
from handouts.i18n.catalogs import SOURCE_LANGUAGE, catalog_path
from handouts.i18n.signoff import reviews_path
from handouts.model.loaded import (
    LoadedClinic,
    LoadedHandout,
    asset_problems,
    main_language_problems,
    text_problems,
)
from handouts.sandbox import Sandbox
from handouts.source.contrast import ContrastError, contrast_problems
from handouts.source.fonts import FontSet
from handouts.source.handout import Handout, all_blocks
from handouts.source.images import image_problem
from handouts.source.loading import load_model
from handouts.source.schema import Clinic, ProjectConfig
from handouts.source.yamlfile import LineMap

LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg"}
# The library shipped with the tool. In a source checkout its folders are links to the
# repository's own handouts/, locales/, templates/ and fonts/; in a wheel, copies.
LIBRARY = Path(__file__).parent.parent / "library"
# The handout library writes index.html into every output folder (layout.SITE_PAGE): no handout may take that name.
RESERVED_HANDOUT_IDS = {"index"}
# What the output folder holds for itself beside the clinics' folders (layout.WITHDRAWN_DIR, layout.SITE_PAGE,
# layout.MANIFEST_NAME, run.INTERNAL_LOG): no clinic's folder may take one of these names, in any
# letter case (a shared drive may not tell _Withdrawn from _withdrawn).
RESERVED_CLINIC_IDS = {
    "_withdrawn": "withdrawn handouts",
    "index.html": "handout library's start page",
    "manifest.json": "record of what was built",
    "handouts-internal-errors.log": "internal-error log",
}
CONFIG_NAME = "handouts.yaml"
NOT_A_PROJECT = (
    "not a handouts project (no handouts.yaml or clinics/ here); "
    "create one with: handouts new DIR, or run the command in the project folder or pass --project DIR"
)


@dataclass(frozen=True)
class Folders:
    """The asset folders of a project, or of the packaged library."""

    root: Path
    handouts: Path
    locales: Path
    templates: Path
    fonts: Path

    @classmethod
    def under(cls, root: Path) -> Folders:
        return cls(root, root / "handouts", root / "locales", root / "templates", root / "fonts")


def overlaid(relative: str, root: Path, library: Path | None) -> Path:
    """A file named relative to the project: the project's own, else the packaged one of that name."""
    own = root / relative
    if library is None or own.exists():
        return own
    packaged = library / relative
    return packaged if packaged.exists() else own


def handout_ids_in(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def languages_in(locale_dirs: list[Path]) -> list[str]:
    """The languages with catalogs in these folders, English (the source) first."""
    found = {p.parent.name for folder in locale_dirs for p in folder.glob("*/LC_MESSAGES") if p.is_dir()}
    return [SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE})]


def _first_file(*paths: Path) -> Path:
    """The first that exists; else the first (the project's own, named in "not found" messages)."""
    return next((path for path in paths if path.is_file()), paths[0])


def _same(one: Path, other: Path) -> bool:
    return one.resolve() == other.resolve()


def _distinct(folders: list[Path]) -> list[Path]:
    """Existing folders, each once (in this repository the library is the project's own folders)."""
    seen, found = set(), []
    for folder in folders:
        real = folder.resolve()
        if folder.is_dir() and real not in seen:
            seen.add(real)
            found.append(folder)
    return found


class Project:
    def __init__(self, root: Path, library: Path | None = None):
        self.root = root.resolve()
        self.clinics_dir = self.root / "clinics"
        self.config_path = self.root / CONFIG_NAME
        if not self.config_path.is_file() and not self.clinics_dir.is_dir():
            raise HandoutsError(f"{self.root}: {NOT_A_PROJECT}")
        # The project's own folders; none of them needs to exist.
        self.handouts_dir = self.root / "handouts"
        self.locales_dir = self.root / "locales"
        self.templates_dir = self.root / "templates"
        self.fonts_dir = self.root / "fonts"
        self.library = Folders.under(library or LIBRARY)
        lib = self.library
        # Every file read for the project, by build, check, serve or a cluster worker, passes here.
        self.sandbox = Sandbox.of(self.root, [lib.root, lib.handouts, lib.locales, lib.templates, lib.fonts], lib.root)
        self.config, self.config_lines = self._load_config()

    def _load_config(self) -> tuple[ProjectConfig, LineMap]:
        if not self.config_path.is_file():
            return ProjectConfig(), LineMap()
        self.inside(self.config_path)
        config, lines = load_model(ProjectConfig, self.config_path, CONFIG_NAME)
        packaged = self.packaged_handout_ids()
        problems = [
            Problem(
                CONFIG_NAME,
                f"no packaged handout {name!r}; the packaged handouts are: {', '.join(packaged) or 'none'}",
                lines.line_for(("library", index)),
                f"library[{index}]",
            )
            for index, name in enumerate(config.library or [])
            if name not in packaged
        ]
        if problems:
            raise ConfigError(problems)
        return config, lines

    def shown(self, path: Path) -> str:
        return display_path(path, self.root)

    def inside(self, path: Path) -> None:
        """Refuse a file behind a link that leads outside the project: one line naming the link."""
        if problem := self.sandbox.problem(path):
            raise ConfigError(problem)

    def reference(self, path: Path) -> str:
        """A file's name in a .pot reference: relative to the project, or to the library for a
        packaged file, so that catalogs do not depend on where the tool is installed."""
        for root in (self.library.root, self.root):
            if path.is_relative_to(root):
                return path.relative_to(root).as_posix()
        return self.shown(path)

    # -- Where each kind of file comes from ------------------------------------------

    def packaged_handout_ids(self) -> list[str]:
        return handout_ids_in(self.library.handouts)

    def own_handout_ids(self) -> list[str]:
        return handout_ids_in(self.handouts_dir)

    def handout_ids(self) -> list[str]:
        """The project's own handouts, and the packaged ones handouts.yaml's `library:` names (default: all)."""
        library = self.packaged_handout_ids() if self.config.library is None else self.config.library
        return sorted({*self.own_handout_ids(), *library})

    def handout_path(self, handout_id: str) -> Path:
        """The project's own handouts/<id>.yaml, else the packaged one."""
        return _first_file(self.own_handout_path(handout_id), self.library.handouts / f"{handout_id}.yaml")

    def own_handout_path(self, handout_id: str) -> Path:
        return self.handouts_dir / f"{handout_id}.yaml"

    def is_packaged(self, path: Path) -> bool:
        """Is this file the packaged library's (not the project's own)?"""
        return path.is_relative_to(self.library.root)

    @property
    def template_dirs(self) -> list[Path]:
        """Where templates are looked up, the first match winning: the project's own, then the packaged."""
        return _distinct([self.templates_dir, self.library.templates])

    def has_own_templates(self) -> bool:
        """Does the project change a template (in templates/ or a clinic's templates/)?"""
        folders = [*self.clinics_dir.glob("*/templates"), self.templates_dir]
        return any(path for folder in folders for _, path in self.sandbox.files(folder))

    @property
    def locale_dirs(self) -> list[Path]:
        """Where catalogs are looked up, the first match winning: the project's own (first even
        when it has none yet), then the packaged."""
        return [self.locales_dir, *(d for d in _distinct([self.library.locales]) if not _same(d, self.locales_dir))]

    def catalog_file(self, lang: str, domain: str) -> Path:
        return _first_file(*(catalog_path(folder, lang, domain) for folder in [self.locales_dir, self.library.locales]))

    def reviews_file(self, lang: str) -> Path:
        """The language's clinician sign-off file (signoff.py): always the project's own, never
        the library's, so a clinic that requires sign-off prints only what its clinicians approved."""
        return reviews_path(self.locales_dir, lang)

    def languages(self) -> list[str]:
        """The languages the project prints (English included): handouts.yaml's `languages:`, or
        every language the project or the library has catalogs for."""
        if self.config.languages is not None:
            return list(self.config.languages)
        return languages_in(self.locale_dirs)

    @property
    def fonts_folder(self) -> Path:
        """The project's fonts/ when it has its own fonts/fonts.yaml, else the packaged fonts."""
        return self.fonts_dir if (self.fonts_dir / "fonts.yaml").is_file() else self.library.fonts

    def asset_folders(self) -> list[Path]:
        """The shared folders a page may read files from (a clinic's and a handout's own come on top)."""
        return [*self.template_dirs, self.fonts_folder]

    def find(self, relative: str) -> Path:
        """A file named relative to the project; a packaged file of the same name when the project has none."""
        return overlaid(relative, self.root, self.library.root)

    def clinic_ids(self) -> list[str]:
        return sorted(p.parent.name for p in self.clinics_dir.glob("*/clinic.yaml"))

    def config_problem(self, key: str, message: str) -> Problem:
        """A problem with one key of handouts.yaml, at its line."""
        return Problem(CONFIG_NAME, message, self.config_lines.line_for((key,)), key)

    @functools.cached_property
    def fonts(self) -> FontSet:
        # Font files must lie inside the fonts folder (FontSet): checking the folder's file checks the folder.
        self.inside(self.fonts_folder / "fonts.yaml")
        return FontSet(self.fonts_folder, self.shown(self.fonts_folder / "fonts.yaml"))

    def load_clinic(self, clinic_id: str) -> LoadedClinic:
        folder = self.clinics_dir / clinic_id
        path = folder / "clinic.yaml"
        shown_as = self.shown(path)
        if (kept_for := RESERVED_CLINIC_IDS.get(clinic_id.casefold())) is not None:
            raise ConfigError(
                Problem(
                    self.shown(folder) + "/",
                    f"the name {clinic_id!r} is kept for the output folder's {kept_for}; rename the clinic's folder",
                )
            )
        self.inside(path)
        clinic, lines = load_model(Clinic, path, shown_as)
        loaded = LoadedClinic(clinic_id, folder, shown_as, clinic, lines)
        problems = [p for p in (self._logo_problem(loaded), self._font_problem(loaded)) if p]
        problems += self._language_problems(loaded)
        problems += main_language_problems(loaded)
        contrast = contrast_problems(clinic.colors, lines, shown_as)
        if problems:
            raise ConfigError(problems + contrast)
        if contrast:
            raise ContrastError(contrast)
        return loaded

    def _font_problem(self, loaded: LoadedClinic) -> Problem | None:
        font = loaded.clinic.font
        if font is None or font in self.fonts.families:
            return None
        known = ", ".join(self.fonts.families)
        return Problem(
            loaded.shown_as,
            f"unknown font {font!r}; use one of the families in fonts/fonts.yaml: {known}",
            loaded.lines.line_for(("font",)),
            "font",
        )

    def _language_problems(self, loaded: LoadedClinic) -> list[Problem]:
        """A clinic prints only the languages handouts.yaml names (when it names them)."""
        allowed = self.config.languages
        return [
            Problem(
                loaded.shown_as,
                f"{lang!r} is not one of the project's languages in {CONFIG_NAME} ({', '.join(allowed)}); add it there",
                loaded.lines.line_for(("languages", index)),
                f"languages[{index}]",
            )
            for index, lang in enumerate(loaded.clinic.languages)
            if allowed is not None and lang not in allowed
        ]

    def _logo_problem(self, loaded: LoadedClinic) -> Problem | None:
        logo, folder = loaded.clinic.logo, loaded.folder.resolve()
        line = loaded.lines.line_for(("logo",))
        where = self.shown(loaded.folder) + "/"
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", logo):  # a URL (http:, file:, data:): never fetched
            return Problem(
                loaded.shown_as,
                f"{logo!r} is not a file name; put the logo file in the clinic's folder and name it here",
                line,
                "logo",
            )
        if folder not in loaded.logo_path.parents:
            return Problem(
                loaded.shown_as, f"{logo!r} is outside {where}; put the logo file in the clinic's folder", line, "logo"
            )
        if problem := self.sandbox.problem(loaded.folder / logo):
            return problem
        if loaded.logo_path.suffix.lower() not in LOGO_TYPES:
            return Problem(loaded.shown_as, f"{logo!r} is not an SVG, PNG or JPEG image", line, "logo")
        if not loaded.logo_path.is_file():
            return Problem(
                loaded.shown_as, f"logo file {logo!r} not found in {where}; add it or fix the name", line, "logo"
            )
        if reason := image_problem(loaded.logo_path):
            fix = "save it again as a plain SVG, PNG or JPEG within the limits"
            return Problem(loaded.shown_as, f"logo file {logo!r} cannot be used: {reason}; {fix}", line, "logo")
        return None

    def load_handout(self, handout_id: str) -> LoadedHandout:
        loaded = self._load_plain(handout_id)
        refs = {}
        problems = []
        for block, path in all_blocks(loaded.handout):
            for reference in block.references():
                target, _, section_id = reference.partition("#")
                line = loaded.lines.line_for((*path, "from"))
                try:
                    refs[target] = refs.get(target) or self._load_reference(target, handout_id)
                except HandoutsError as exc:
                    problems.append(Problem(loaded.shown_as, exc.problems[0].message, line, "from"))
                    continue
                if refs[target].handout.section(section_id) is None:
                    known = ", ".join(s.id for s in refs[target].handout.sections)
                    problems.append(
                        Problem(
                            loaded.shown_as,
                            f"{target!r} has no section {section_id!r}; its sections are: {known}",
                            line,
                            "from",
                        )
                    )
        if problems:
            raise ConfigError(problems)
        return LoadedHandout(loaded.id, loaded.path, loaded.shown_as, loaded.handout, loaded.lines, refs)

    def _load_plain(self, handout_id: str) -> LoadedHandout:
        """One handout file, checked on its own: schema, placeholders, pictures."""
        path = self.handout_path(handout_id)
        shown_as = self.shown(path)
        if handout_id in RESERVED_HANDOUT_IDS:
            raise ConfigError(Problem(shown_as, f"{reserved_name(handout_id)}; rename the file"))
        self.inside(path)
        handout, lines = load_model(Handout, path, shown_as)
        loaded = LoadedHandout(handout_id, path, shown_as, handout, lines)
        problems = text_problems(loaded) + asset_problems(loaded, self.sandbox)
        if problems:
            raise ConfigError(problems)
        return loaded

    def _load_reference(self, target: str, referrer: str) -> LoadedHandout:
        # Any handout the project has or the library packages, whether or not the project prints it.
        known_ids = sorted({*self.handout_ids(), *self.packaged_handout_ids()})
        if target == referrer or target not in known_ids:
            known = ", ".join(h for h in known_ids if h != referrer)
            raise ConfigError(
                Problem(self.shown(self.handouts_dir), f"no handout {target!r}; the handouts are: {known}")
            )
        # Loaded plain: a referenced handout's own references are never followed, so nothing loops.
        return self._load_plain(target)


def reserved_name(handout_id: str) -> str:
    return f"the name {handout_id!r} is kept for the handout library's pages (index.html)"
