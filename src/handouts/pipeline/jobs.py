"""Plain job data that every stage imports: what to build, and what became of it.

Nothing here imports a stage (build, gate, executors, render), so there are no cycles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from handouts.errors import HandoutsError, Problem
from handouts.source.languages import language_tag

if TYPE_CHECKING:
    from handouts.i18n.catalogs import Translations
    from handouts.i18n.signoff import Approval
    from handouts.model.loaded import LoadedClinic, LoadedHandout


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how. Each field left empty means "as the project's files say"."""

    clinics: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    handouts: tuple[str, ...] = ()
    out_dir: Path | None = None
    strict: bool = False  # every warning fails the build (and an English fallback refuses its PDF)
    variants: tuple[str, ...] = ()  # extra copies to print, by variant name (see variants.py)
    # (variant, on or off) for the variants a clinic.yaml can turn on (--booklet/--no-booklet ...);
    # a variant not named here is printed as each clinic.yaml says.
    switches: tuple[tuple[str, bool], ...] = ()
    allow_expired: bool = False  # print handouts past their review date
    today: dt.date | None = None  # the day review dates are judged against (default: today)
    jobs: int | None = None  # worker processes; None: up to one per core, 1: render in this process
    force: bool = False  # rebuild even the PDFs whose inputs are unchanged
    formats: tuple[str, ...] = ()  # output formats to make (see formats.py); () is every format
    executor: str | None = None  # how jobs are run (see executors.py); None: as handouts.yaml says, else by job count
    scheduler: str | None = None  # a Dask scheduler's address (tcp://HOST:PORT): render on that cluster
    use_scheduler: bool = False  # the user confirms the scheduler handouts.yaml names (never used unconfirmed)


@dataclass(frozen=True)
class Job:
    """One PDF: a handout for a clinic in a language, printed as the variants say."""

    clinic_id: str
    lang: str
    handout_id: str
    variants: tuple[str, ...] = ()  # e.g. ("large-print",); () is the standard copy
    second_lang: str | None = None  # a bilingual copy's second language: the clinicians'
    format: str = "pdf"

    @property
    def name(self) -> str:
        suffix = "".join(f" ({v})" for v in (*self.variants, *([self.format] if self.format != "pdf" else [])))
        return f"{self.clinic_id}/{language_tag(self.lang)}/{self.handout_id}{suffix}"  # as its folder is named


@dataclass(frozen=True)
class PacketJob:
    """One packet PDF: the handouts of a clinic's packet, in one language."""

    clinic_id: str
    lang: str
    packet_id: str
    handouts: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.clinic_id}/{language_tag(self.lang)}/packets/{self.packet_id}"

    @property
    def members(self) -> list[Job]:
        """The standard copies the packet is made of."""
        return [Job(self.clinic_id, self.lang, handout_id) for handout_id in self.handouts]


@dataclass
class Sources:
    """Everything loaded from disk: the clinics and handouts that loaded, and apart from them the
    problems of each file that did not (reported once; no job is planned from it)."""

    clinics: dict[str, LoadedClinic] = field(default_factory=dict)
    handouts: dict[str, LoadedHandout] = field(default_factory=dict)
    translations: dict[str, Translations] = field(default_factory=dict)
    broken_clinics: dict[str, HandoutsError] = field(default_factory=dict)
    broken_handouts: dict[str, HandoutsError] = field(default_factory=dict)
    # (clinic, handout) pairs that loaded but cannot print together, e.g. a clinic value of the wrong kind.
    unfit: dict[tuple[str, str], HandoutsError] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    job: Job
    inputs: str  # the hash of everything the output is built from


@dataclass(frozen=True)
class Outcome:
    """What became of one task; plain data, so it crosses process (and machine) boundaries."""

    task: Task
    data: bytes = b""  # the rendered file, written by the build (never by a worker)
    pages: int = 0
    translated: int = 0  # catalog entries printed in the job's language
    total: int = 0  # catalog entries the output used
    refused: tuple[Problem, ...] = ()  # the gate's reasons not to print it
    problems: tuple[Problem, ...] = ()  # it could not be made (a broken template, image, font ...)
    warnings: tuple[Problem, ...] = ()  # printed, but someone should know (e.g. English fallback)
    internal_error: str = ""  # a bug: the traceback, for the log file
    approvals: tuple[Approval, ...] = ()  # clinicians' sign-off of the translated safety text printed
    unapproved: int = 0  # translated safety-critical entries printed without sign-off
    title: str = ""  # the handout's title as printed (the library lists it)

    @property
    def job(self) -> Job:
        return self.task.job

    @property
    def ok(self) -> bool:
        return not (self.refused or self.problems or self.internal_error)
