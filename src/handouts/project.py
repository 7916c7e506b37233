"""A handouts project on disk: where everything lives, and loading it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from handouts.contrast import ContrastError, contrast_problems
from handouts.errors import ConfigError, HandoutsError, Problem, display_path
from handouts.fonts import FontSet
from handouts.handout import Handout, all_blocks, texts
from handouts.images import image_problem
from handouts.layout import RESERVED_HANDOUT_IDS
from handouts.schema import Clinic, ProjectConfig, load_model
from handouts.text import PlaceholderError, unknown_names
from handouts.yamlfile import LineMap, format_key

# Number values every clinic sets; a plural text may count by them.
CLINIC_NUMBERS = ("session_minutes", "session_count")
LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg"}
CONFIG_NAME = "handouts.yaml"  # the project's own settings, at its root; optional


@dataclass(frozen=True)
class Settings:
    """The project's handouts.yaml (all defaults when there is none)."""

    config: ProjectConfig
    lines: LineMap

    def problem(self, key: str, message: str) -> Problem:
        return Problem(CONFIG_NAME, message, self.lines.line_for((key,)), key)


@dataclass(frozen=True)
class LoadedClinic:
    id: str
    folder: Path
    shown_as: str  # e.g. clinics/riverside/clinic.yaml
    clinic: Clinic
    lines: LineMap

    @property
    def logo_path(self) -> Path:
        return (self.folder / self.clinic.logo).resolve()

    @property
    def template_dir(self) -> Path:
        return self.folder / "templates"


@dataclass(frozen=True)
class LoadedHandout:
    id: str
    path: Path
    shown_as: str
    handout: Handout
    lines: LineMap
    # Handouts whose sections this one prints (a form's questions), by id; never followed further.
    refs: dict[str, LoadedHandout] = field(default_factory=dict)

    @property
    def asset_dir(self) -> Path:
        """The handout's own folder of pictures: handouts/<id>/."""
        return self.path.with_suffix("")

    @property
    def domains(self) -> list[str]:
        """The catalogs this handout's texts come from."""
        return [self.id, *self.refs]

    def source_of(self, path: tuple) -> str:
        return f"{self.shown_as}:{self.lines.line_for(path) or 1}"


class Project:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.handouts_dir = self.root / "handouts"
        self.clinics_dir = self.root / "clinics"
        self.locales_dir = self.root / "locales"
        self.templates_dir = self.root / "templates"
        self.fonts_dir = self.root / "fonts"
        missing = [
            p.name for p in (self.handouts_dir, self.clinics_dir, self.templates_dir, self.fonts_dir) if not p.is_dir()
        ]
        if missing:
            raise HandoutsError(
                f"{self.root}: not a handouts project (no {', '.join(m + '/' for m in missing)} here); "
                "run the command in the project folder or pass --project DIR"
            )

    def shown(self, path: Path) -> str:
        return display_path(path, self.root)

    def clinic_ids(self) -> list[str]:
        return sorted(p.parent.name for p in self.clinics_dir.glob("*/clinic.yaml"))

    def handout_ids(self) -> list[str]:
        return sorted(p.stem for p in self.handouts_dir.glob("*.yaml"))

    def handout_path(self, handout_id: str) -> Path:
        return self.handouts_dir / f"{handout_id}.yaml"

    @functools.cached_property
    def settings(self) -> Settings:
        path = self.root / CONFIG_NAME
        if not path.is_file():
            return Settings(ProjectConfig(), LineMap())
        return Settings(*load_model(ProjectConfig, path, CONFIG_NAME))

    @functools.cached_property
    def fonts(self) -> FontSet:
        return FontSet(self.fonts_dir, self.shown(self.fonts_dir / "fonts.yaml"))

    def load_clinic(self, clinic_id: str) -> LoadedClinic:
        folder = self.clinics_dir / clinic_id
        path = folder / "clinic.yaml"
        shown_as = self.shown(path)
        clinic, lines = load_model(Clinic, path, shown_as)
        loaded = LoadedClinic(clinic_id, folder, shown_as, clinic, lines)
        problems = [p for p in (self._logo_problem(loaded), self._font_problem(loaded)) if p]
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
        handout, lines = load_model(Handout, path, shown_as)
        loaded = LoadedHandout(handout_id, path, shown_as, handout, lines)
        problems = _placeholder_problems(loaded) + _asset_problems(loaded)
        if problems:
            raise ConfigError(problems)
        return loaded

    def _load_reference(self, target: str, referrer: str) -> LoadedHandout:
        if target == referrer or target not in self.handout_ids():
            known = ", ".join(h for h in self.handout_ids() if h != referrer)
            raise ConfigError(
                Problem(self.shown(self.handouts_dir), f"no handout {target!r}; the handouts are: {known}")
            )
        # Loaded plain: a referenced handout's own references are never followed, so nothing loops.
        return self._load_plain(target)


def reserved_name(handout_id: str) -> str:
    return f"the name {handout_id!r} is kept for the handout library's pages (index.html)"


def _placeholder_problems(loaded: LoadedHandout) -> list[Problem]:
    """Every unknown or broken placeholder of the English, in one report."""
    handout = loaded.handout
    known = handout.value_names()
    numbers = set(CLINIC_NUMBERS) | {name for name, value in handout.values.items() if not isinstance(value, str)}
    problems = []
    for ref in texts(handout):
        key = format_key(ref.path)
        line = loaded.lines.line_for(ref.path)
        for english in filter(None, (ref.text.text, ref.text.plural)):
            try:
                unknown = unknown_names(english, known)
            except PlaceholderError as exc:
                problems.append(Problem(loaded.shown_as, str(exc), line, key))
                continue
            if unknown:
                names = ", ".join("{" + name + "}" for name in sorted(known))
                problems.append(
                    Problem(
                        loaded.shown_as,
                        f"unknown placeholder {', '.join(unknown)}; the placeholders are: {names}",
                        line,
                        key,
                    )
                )
        if ref.text.count and ref.text.count not in numbers:
            problems.append(
                Problem(
                    loaded.shown_as,
                    f"count {ref.text.count!r} is not a number value; declare it under `values:`",
                    line,
                    key,
                )
            )
    return problems


def _asset_problems(loaded: LoadedHandout) -> list[Problem]:
    problems = []
    for block, path in all_blocks(loaded.handout):
        if why := block.asset_problem(loaded.asset_dir):
            problems.append(Problem(loaded.shown_as, why, loaded.lines.line_for((*path, "src")), format_key(path)))
    return problems
