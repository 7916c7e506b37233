"""One build as one value: what was asked and loaded, the manifest, what the stages left in place, and
what became of each job (Summary); the stages (plan, record, packets, withdraw, site) take it and add to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from handouts import log
from handouts.errors import HandoutsError, Problem
from handouts.model.project import Project
from handouts.pipeline.incremental import Manifest
from handouts.pipeline.jobs import BuildOptions, Job, PacketJob, Sources
from handouts.pipeline.progress import Progress


@dataclass
class Summary:
    built: list[tuple[Job | PacketJob, int]] = field(default_factory=list)
    skipped: list[Job | PacketJob] = field(default_factory=list)  # up to date: inputs unchanged since the last build
    failed: list[tuple[str, HandoutsError]] = field(default_factory=list)  # (job or file, why)
    # The gate said no (or, for a packet, to one of its handouts).
    refused: list[tuple[Job | PacketJob, tuple[Problem, ...]]] = field(default_factory=list)
    withdrawn: list[tuple[str, str]] = field(default_factory=list)  # (path, why) taken out of the print folders
    warnings: int = 0
    strict: bool = False
    printed: set[Problem] = field(default_factory=set)  # problems shared by many jobs, listed once
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.refused and not (self.strict and self.warnings)

    def line(self) -> str:
        """The build's last line: what became of its files, and how long it took."""
        withdrawn = f", {len(self.withdrawn)} withdrawn" if self.withdrawn else ""
        refused = f", {len(self.refused)} refused" if self.refused else ""
        return (
            f"{len(self.built)} built, {len(self.skipped)} skipped, {len(self.failed)} failed{refused}{withdrawn} "
            f"in {self.seconds:.1f} s"
        )


@dataclass
class BuildRun:
    """One build, from the moment its output folder is its own: what was asked (the options, and the
    clinics and handouts they name), what was loaded, the manifest, and what the stages did."""

    project: Project
    options: BuildOptions
    clinic_ids: list[str]
    handout_ids: list[str]
    sources: Sources
    manifest: Manifest
    summary: Summary
    not_offered: dict[str, list[str]] = field(default_factory=dict)  # per language: handouts without a catalog
    kept: set[Path] = field(default_factory=set)  # files current after this build: written now or up to date

    @property
    def out_dir(self) -> Path:
        return self.manifest.out_dir


def print_once(summary: Summary, problems: tuple[Problem, ...]) -> None:
    """A problem shared by many jobs (one catalog entry, many clinics) is listed once."""
    for problem in problems:
        if problem not in summary.printed:
            summary.printed.add(problem)
            log.error(problem)


INTERNAL_LOG = "handouts-internal-errors.log"


def internal_error(out_dir: Path, job: Job | PacketJob, trace: str, summary: Summary, shown: Progress) -> None:
    """A bug, not the user's mistake: this job fails, the traceback goes to a log file."""
    path = out_dir / INTERNAL_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(f"--- {job.name}\n{trace}\n")
        where = f"the traceback is in {path}"
    except OSError:
        where = "the traceback follows:\n" + trace
    problem = Problem(job.name, f"internal error (a bug in handouts, not in your files); {where}")
    summary.failed.append((job.name, HandoutsError(problem)))
    shown.failed([problem])
