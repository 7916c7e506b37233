"""A handouts project on disk: where everything lives, and loading it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from handoutgen.contrast import ContrastError, contrast_problems
from handoutgen.errors import ConfigError, HandoutsError, Problem, display_path
from handoutgen.fonts import FontSet
from handoutgen.images import image_problem
from handoutgen.schema import Clinic, Handout, ScreeningForm, document_model, load_model
from handoutgen.yamlfile import LineMap

LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg"}


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
    handout: Handout | ScreeningForm
    lines: LineMap
    base: LoadedHandout | None = None  # the leaflet a screening form is built on

    @property
    def domains(self) -> list[str]:
        """The catalogs this handout's texts come from."""
        return [self.id] + ([self.base.id] if self.base else [])


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
        path = self.handout_path(handout_id)
        shown_as = self.shown(path)
        handout, lines = load_model(document_model, path, shown_as)
        base = self._base_leaflet(handout, lines, shown_as) if isinstance(handout, ScreeningForm) else None
        return LoadedHandout(handout_id, path, shown_as, handout, lines, base)

    def _base_leaflet(self, form: ScreeningForm, lines: LineMap, shown_as: str) -> LoadedHandout:
        line = lines.line_for(("based_on",))
        if form.based_on not in self.handout_ids():
            known = ", ".join(self.handout_ids())
            raise ConfigError(
                Problem(shown_as, f"no handout {form.based_on!r}; the handouts are: {known}", line, "based_on")
            )
        # Loaded as a plain model first: a form's own base is never followed, so forms cannot loop.
        path = self.handout_path(form.based_on)
        base, base_lines = load_model(document_model, path, self.shown(path))
        if not isinstance(base, Handout):
            raise ConfigError(
                Problem(shown_as, f"{form.based_on!r} is not a leaflet; a form builds on a leaflet", line, "based_on")
            )
        return LoadedHandout(form.based_on, path, self.shown(path), base, base_lines)
