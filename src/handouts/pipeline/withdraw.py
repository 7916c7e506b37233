"""Withdrawing what can no longer be built: a file this build could not make from the current inputs, or
that the project no longer offers at all, leaves the print folders; the manifest says why and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from handouts import log
from handouts.atomic import remove_empty_folders
from handouts.model.loaded import LoadedClinic
from handouts.model.project import Project
from handouts.pipeline.incremental import Entry, Manifest
from handouts.pipeline.jobs import BuildOptions, Job, Sources
from handouts.pipeline.layout import output_path
from handouts.pipeline.plan import loaded_or_error, offered, wanted
from handouts.pipeline.run import BuildRun, Summary
from handouts.render.variants import VARIANTS
from handouts.source.languages import language_tag

NOT_A_PACKET = "no longer a packet of the clinic (its `packets:` in clinic.yaml)"

NOT_OFFERED = (
    "no longer made by this build (not planned from the current clinic.yaml and handouts, "
    "or no catalog in the language)"
)


def _load_failure(sources: Sources, entry: Entry) -> str | None:
    handout = None if entry.packet else sources.broken_handouts.get(entry.handout)  # a packet's id is no handout's
    unfit = None if entry.packet else sources.unfit.get((entry.clinic, entry.handout))
    for broken in (sources.broken_clinics.get(entry.clinic), handout, unfit):
        if broken is not None:
            return str(broken.problems[0])
    return None


def scope_of(run: BuildRun) -> Callable[[Entry], bool]:
    """Which manifest entries this build speaks for: its clinics, languages, handouts and copies."""
    clinic_ids, options, handout_ids = run.clinic_ids, run.options, run.handout_ids
    # A variant a clinic can ask for is printed or not as its clinic.yaml says: always spoken for.
    variants = set(options.variants) | {name for name, variant in VARIANTS.items() if variant.setting}

    def in_scope(entry: Entry) -> bool:
        return (
            entry.clinic in clinic_ids
            and (not options.langs or entry.language in options.langs)
            and set(entry.packet or [entry.handout]) <= set(handout_ids)  # a packet: all its handouts
            and set(entry.variants) <= variants
            and (not options.formats or entry.format in options.formats)
        )

    return in_scope


def withdraw_stale(run: BuildRun) -> None:
    """A file this build could not make from the current inputs (refused, failed, expired, a draft),
    or that the project no longer offers at all (its clinic, language, handout or copy is gone,
    whatever this build was narrowed to), leaves the print folders; the manifest says why and when."""
    project, sources, manifest, kept, summary, options = (
        run.project, run.sources, run.manifest, run.kept, run.summary, run.options
    )  # fmt: skip
    in_scope = scope_of(run)
    today = (options.today or dt.date.today()).isoformat()
    offers = Offers(project, sources, options)
    for key, entry in sorted(manifest.entries.items()):
        if manifest.out_dir / key in kept:
            continue
        scoped = in_scope(entry)
        why = (manifest.refusals.get(key) or _load_failure(sources, entry) if scoped else None) or offers.why_not(
            entry, scoped
        )
        if why is None and scoped:
            why = (None if entry.packet else _moved(manifest.out_dir, entry, kept)) or NOT_OFFERED
        if why is not None:
            _withdraw(manifest, key, why, today, summary)


def _withdraw(manifest: Manifest, key: str, why: str, today: str, summary: Summary) -> None:
    what = manifest.withdraw(key, why, today)
    if what == "moved":
        summary.withdrawn.append((key, why))
        log.warning(f"withdrew {key}: {why}")
        remove_empty_folders((manifest.out_dir / key).parent, manifest.out_dir)
    elif what == "foreign":
        log.warning(
            f"left {key} where it is: not the file handouts wrote (its content or place is not what manifest.json "
            f"records), so not the tool's to move; the build no longer makes it ({why}): remove it if it is stale"
        )


class Offers:
    """What the project still offers, judged from its files whatever the build was narrowed to:
    a file of a clinic, language, handout or copy it no longer has is withdrawn by any build."""

    def __init__(self, project: Project, sources: Sources, options: BuildOptions):
        self.project = project
        self.sources = sources
        self.options = options
        self.clinic_ids = set(project.clinic_ids())
        self.handout_ids = set(project.handout_ids())
        self._clinics: dict[str, LoadedClinic | None] = {}

    def clinic(self, clinic_id: str) -> LoadedClinic | None:
        """The clinic as its clinic.yaml says now; None when it cannot be read (then nothing is judged)."""
        if clinic_id not in self._clinics:
            loaded = self.sources.clinics.get(clinic_id)
            if loaded is None and clinic_id not in self.sources.broken_clinics:
                loaded = loaded_or_error(self.project.load_clinic, clinic_id)
            self._clinics[clinic_id] = loaded if isinstance(loaded, LoadedClinic) else None
        return self._clinics[clinic_id]

    def why_not(self, entry: Entry, scoped: bool) -> str | None:
        """Why the project no longer offers this file, or None when it may (or cannot tell). A copy
        asked for on the command line is judged only by a build that speaks for it (scoped)."""
        if entry.clinic not in self.clinic_ids:
            return f"clinic {entry.clinic!r} no longer exists (there is no clinics/{entry.clinic}/)"
        if not entry.packet and entry.handout not in self.handout_ids:
            return f"handout {entry.handout!r} no longer exists (there is no handouts/{entry.handout}.yaml)"
        clinic = self.clinic(entry.clinic)
        if clinic is None:
            return None
        tag = language_tag(entry.language)
        if entry.language not in clinic.clinic.languages:
            return f"language {tag!r} is no longer offered by clinic {entry.clinic!r} (not in its `languages:`)"
        if entry.packet:
            if entry.handout not in clinic.clinic.packets:
                return NOT_A_PACKET
            return None
        return self._handout_not_offered(clinic, entry) or (self._copy_not_offered(clinic, entry) if scoped else None)

    def _handout_not_offered(self, clinic: LoadedClinic, entry: Entry) -> str | None:
        listed = clinic.clinic.handouts
        if listed is not None and entry.handout not in listed:
            return f"clinic {entry.clinic!r} no longer offers handout {entry.handout!r} (not in its `handouts:`)"
        handout = self.sources.handouts.get(entry.handout)  # judged only when this build loaded it
        if handout is None:
            return None
        if handout.handout.is_draft:
            return f"handout {entry.handout!r} is now a draft (meta.status); drafts never print for patients"
        if not offered(clinic, handout, entry.language):
            tag = language_tag(entry.language)
            return f"handout {entry.handout!r} is no longer offered in {tag!r} (not in its meta.languages)"
        return None

    def _copy_not_offered(self, clinic: LoadedClinic, entry: Entry) -> str | None:
        """A copy the clinic (or --no-<variant>) switched off, or that no longer applies."""
        for name in entry.variants:
            variant = VARIANTS.get(name)
            if variant is None:
                return f"{name!r} copies are no longer made by handouts"
            if variant.setting and not wanted(name, clinic, self.options):
                switched = dict(self.options.switches).get(name) is False
                by = (
                    f"by --no-{name}"
                    if switched
                    else f"for clinic {entry.clinic!r} (`{variant.setting}:` in clinic.yaml)"
                )
                return f"{name} copies are switched off {by}"
            if not variant.applies(clinic.clinic, entry.language):
                return f"a {name} copy does not apply to {language_tag(entry.language)!r} for clinic {entry.clinic!r}"
        return None


def _moved(out_dir: Path, entry: Entry, kept: set[Path]) -> str | None:
    """A file this build made under another name (say, zh_Hans/ became zh-Hans/): that is the current copy."""
    job = Job(entry.clinic, entry.language, entry.handout, tuple(entry.variants), format=entry.format)
    now = output_path(out_dir, job)
    if now in kept and now != out_dir / entry.path:
        return f"replaced by {now.relative_to(out_dir).as_posix()} (the output folders are named by language tag)"
    return None
