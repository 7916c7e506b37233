"""The batch build, top to bottom: load → plan → skip what is up to date → render (an
executor, the one render path, the gate) → write → withdraw what can no longer be
built → manifest and summary."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path

from filelock import FileLock, Timeout

from handouts import __version__, log
from handouts.atomic import output_problem, remove_empty_folders, remove_orphaned_temps, write_atomically
from handouts.catalogs import has_catalog
from handouts.errors import HandoutsError, OutputError, Problem
from handouts.executors import executor_problem, run_jobs
from handouts.formats import FORMATS
from handouts.incremental import MANIFEST_NAME, Entry, InputHasher, Manifest
from handouts.jobs import BuildOptions, Job, Outcome, PacketJob, Sources, Task, language_tag
from handouts.languages import fallback_chain
from handouts.layout import output_path, packet_path
from handouts.packets import assemble, definition_problems
from handouts.progress import PlainProgress, Progress, progress
from handouts.project import LoadedClinic, LoadedHandout, Project, fallback_texts
from handouts.render_job import domains_of, translations_for
from handouts.review import expired_problem, over_target_problem
from handouts.signoff import damaged_signoff_files
from handouts.site import write_library
from handouts.variants import VARIANTS, second_language

Echo = Callable[[str], None]

__all__ = ["BuildOptions", "Job", "Sources", "Summary", "build", "load", "plan", "select"]


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


def build(project: Project, options: BuildOptions | None = None, echo: Echo = print) -> Summary:
    options = options or BuildOptions()
    with log.capture(echo) as logged, contextlib.ExitStack() as held:
        summary = _build(project, options, logged, held)
        summary.warnings = logged.warnings
    summary.strict = options.strict
    if options.strict and summary.warnings and not summary.failed and not summary.refused:
        echo(f"--strict: {summary.warnings} warning(s) count as failures")
    return summary


def _build(project: Project, options: BuildOptions, logged: log.EchoHandler, held: contextlib.ExitStack) -> Summary:
    start = time.perf_counter()
    summary = Summary()
    options = how_to_run(project, options)
    clinic_ids, handout_ids = select(project, list(options.clinics), list(options.handouts))
    sources = load(project, clinic_ids, handout_ids)
    if not options.allow_expired:
        refuse_expired(sources, options.today or dt.date.today())
    report_load_problems(sources, summary)
    options = replace(options, langs=spelled_as_clinics(sources, options.langs))
    out_dir = options.out_dir or project.root / "output"
    jobs, not_offered = without_catalog(project, plan(sources, clinic_ids, list(options.langs), handout_ids, options))
    for line in not_offered_lines(project, not_offered):
        log.info(line)
    for problem in clinic_text_fallbacks(sources, jobs):
        log.warning(problem)
        summary.printed.add(problem)  # said once here, not again for each file that prints it
    sources.translations = translations_for(project, _languages(jobs), domains_of(sources))
    held.enter_context(one_build_at_a_time(out_dir, project.shown(out_dir)))  # until the build ends
    for problem in damaged_signoff_files(sources.translations):
        log.warning(problem)
    manifest = Manifest.load(out_dir, project.shown(out_dir / MANIFEST_NAME))
    if not manifest.path.exists() and (found := _others_files(out_dir)):
        log.warning(
            f"{project.shown(out_dir)}: already holds {found} that handouts did not write (no manifest.json); "
            "they are left as they are, and the build writes beside them"
        )
    tasks = skip_unchanged(project, sources, jobs, manifest, out_dir, options, summary)
    remove_orphaned_temps(out_dir)  # left anywhere by a build that was killed
    kept: set[Path] = {output_path(out_dir, job) for job in summary.skipped if isinstance(job, Job)}
    echo = logged.echo
    try:
        with progress(echo, len(tasks)) as shown:
            logged.echo = shown.note  # while a progress bar is drawn, messages print above it
            for outcome in run_jobs(
                project, sources, tasks, options.jobs, shown.note, options.strict, options.executor, options.scheduler
            ):
                if record(project, sources, manifest, options, outcome, summary, shown):
                    kept.add(output_path(out_dir, outcome.job))
        logged.echo = echo
        packets = plan_packets(
            project, sources, clinic_ids, list(options.langs), handout_ids, manifest, out_dir, summary, not_offered
        )
        build_packets(project, sources, packets, manifest, out_dir, kept, options.force, summary, PlainProgress(echo))
        in_scope = _scope(clinic_ids, options, handout_ids)
        withdraw_stale(project, sources, manifest, kept, in_scope, summary, options)
        library(project, sources, manifest, summary)
    finally:
        logged.echo = echo
        manifest.save()  # even on Ctrl-C: what was built is recorded
        remove_orphaned_temps(out_dir)  # left by a worker that was killed
    summary.seconds = time.perf_counter() - start
    withdrawn = f", {len(summary.withdrawn)} withdrawn" if summary.withdrawn else ""
    refused = f", {len(summary.refused)} refused" if summary.refused else ""
    log.info(
        f"{len(summary.built)} built, {len(summary.skipped)} skipped, {len(summary.failed)} failed{refused}{withdrawn} "
        f"in {summary.seconds:.1f} s"
    )
    return summary


LOCK_NAME = ".handouts-build.lock"


@contextlib.contextmanager
def one_build_at_a_time(out_dir: Path, shown_as: str) -> Iterator[None]:
    """Hold the output folder's lock for the whole build; a second build into it stops at once
    with one line (it does not wait: a scheduled build and a person's would both seem to hang)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(out_dir / LOCK_NAME, timeout=0)
        lock.acquire()
    except Timeout:
        raise HandoutsError(
            Problem(
                shown_as, "another handouts build is writing to this folder; wait for it to finish, then build again"
            )
        ) from None
    except OSError as exc:  # a file in the way, a read-only disk: named, with the fix
        raise OutputError(output_problem(exc, out_dir / LOCK_NAME, f"{shown_as}/{LOCK_NAME}")) from None
    try:
        yield
    finally:
        lock.release()


def _others_files(out_dir: Path) -> str:
    """What an output folder without a manifest already holds, as a short list ("" for nothing)."""
    names = sorted(path.name for path in out_dir.iterdir() if path.name != LOCK_NAME)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def how_to_run(project: Project, options: BuildOptions) -> BuildOptions:
    """The executor and scheduler from the command line, else from handouts.yaml; checked before any work."""
    config = project.config
    scheduler = options.scheduler or configured_scheduler(project, options)
    executor = options.executor or ("dask" if scheduler else config.executor)
    if problem := executor_problem(executor, scheduler):
        where = Problem("--executor", problem) if options.executor else project.config_problem("executor", problem)
        raise HandoutsError(where)
    return replace(options, executor=executor, scheduler=scheduler)


def configured_scheduler(project: Project, options: BuildOptions) -> str | None:
    """The scheduler handouts.yaml names, only when the user confirms it (--use-scheduler): a file
    that came with the project (a pull request, a zip) must not choose where the project is sent
    and whose answers are unpickled. Unconfirmed, the build runs here and says so."""
    named, confirmed = project.config.scheduler, options.use_scheduler
    if confirmed and not named:
        why = "handouts.yaml names no scheduler; add `scheduler: tcp://HOST:PORT` to it, or pass --scheduler"
        raise HandoutsError(Problem("--use-scheduler", why))
    if named and not confirmed and options.executor in (None, "dask"):  # else a local executor was asked for
        log.warning(
            project.config_problem(
                "scheduler",
                "not used: a project file alone does not send the project over the network; "
                "pass --use-scheduler to render there (or --scheduler ADDRESS)",
            )
        )
    return named if confirmed else None


def select(project: Project, clinics: list[str], handouts: list[str]) -> tuple[list[str], list[str]]:
    """Check the names asked for on the command line before doing any work."""
    known_clinics, known_handouts = project.clinic_ids(), project.handout_ids()
    problems = [
        Problem("clinics/", f"unknown clinic {name!r}; the clinics are: {', '.join(known_clinics) or 'none'}")
        for name in clinics
        if name not in known_clinics
    ] + [
        Problem("handouts/", f"unknown handout {name!r}; the handouts are: {', '.join(known_handouts) or 'none'}")
        for name in handouts
        if name not in known_handouts
    ]
    if problems:
        raise HandoutsError(problems)
    return list(dict.fromkeys(clinics)) or known_clinics, list(dict.fromkeys(handouts)) or known_handouts


def load(project: Project, clinic_ids: list[str], handout_ids: list[str]) -> Sources:
    sources = Sources()
    for clinic_id in clinic_ids:
        sources.clinics[clinic_id] = _try(project.load_clinic, clinic_id)
    for handout_id in handout_ids:
        sources.handouts[handout_id] = _try(project.load_handout, handout_id)
    return sources


def spelled_as_clinics(sources: Sources, langs: tuple[str, ...]) -> tuple[str, ...]:
    """--lang as the folders spell it (zh-Hans) or as clinic.yaml does (zh_Hans): the clinic's code."""
    codes = {
        language_tag(lang): lang
        for c in sources.clinics.values()
        if isinstance(c, LoadedClinic)
        for lang in c.clinic.languages
    }
    return tuple(codes.get(language_tag(lang), lang) for lang in langs)


def _try(loader: Callable, *args: object) -> object:
    try:
        return loader(*args)
    except HandoutsError as exc:
        return exc


def _languages(jobs: list[Job]) -> list[str]:
    return sorted({lang for job in jobs for lang in (job.lang, job.second_lang) if lang})


def refuse_expired(sources: Sources, today: dt.date) -> None:
    """A handout past its review date is treated as a broken file: reported once, its jobs left out."""
    for handout_id, loaded in sources.handouts.items():
        if isinstance(loaded, LoadedHandout) and (problem := expired_problem(loaded, today)):
            sources.handouts[handout_id] = HandoutsError(problem)


def report_load_problems(sources: Sources, summary: Summary) -> None:
    """Print each broken file once, however many jobs it breaks."""
    for group in (sources.clinics, sources.handouts):
        for name, loaded in group.items():
            if isinstance(loaded, HandoutsError):
                summary.failed.append((name, loaded))
                for problem in loaded.problems:
                    log.error(problem)


def offered(clinic: LoadedClinic, handout: LoadedHandout, lang: str) -> bool:
    """Does this clinic print this handout in this language? Drafts never print for patients."""
    listed = clinic.clinic.handouts
    languages = handout.handout.meta.languages
    return (
        not handout.handout.is_draft
        and (listed is None or handout.id in listed)
        and (languages is None or any(code in languages or code == "en" for code in fallback_chain(lang)))
    )


def copies(clinic: LoadedClinic, lang: str, options: BuildOptions) -> list[tuple[str, ...]]:
    """The standard copy, then one copy per variant asked for (on the command line or by the clinic)."""
    return [
        (),
        *(
            (name,)
            for name in VARIANTS
            if wanted(name, clinic, options) and VARIANTS[name].applies(clinic.clinic, lang)
        ),
    ]


def wanted(name: str, clinic: LoadedClinic, options: BuildOptions) -> bool:
    """Asked for with --variant, or by the clinic's setting (e.g. `booklet: true`) unless its flag says otherwise."""
    setting = VARIANTS[name].setting
    if name in options.variants or setting is None:
        return name in options.variants
    flag = dict(options.switches).get(name)  # --booklet/--no-booklet; not given: as clinic.yaml says
    return bool(getattr(clinic.clinic, setting) if flag is None else flag)


def plan(
    sources: Sources, clinic_ids: list[str], langs: list[str], handout_ids: list[str], options: BuildOptions
) -> list[Job]:
    """Every clinic × each of its languages × each handout it offers × each copy, narrowed by --lang.

    Jobs whose clinic or handout failed to load are left out: their problems were reported once already."""
    loaded_clinics = [c for c in sources.clinics.values() if isinstance(c, LoadedClinic)]
    known = {lang for c in loaded_clinics for lang in c.clinic.languages}
    unknown = [lang for lang in langs if lang not in known]
    broken_clinics = any(isinstance(c, HandoutsError) for c in sources.clinics.values())
    if unknown and not broken_clinics:
        raise HandoutsError(
            [
                Problem(
                    "clinics/",
                    f"no selected clinic offers language {lang!r}; they offer: "
                    + ", ".join(sorted(map(language_tag, known))),
                )
                for lang in unknown
            ]
        )
    jobs = []
    for clinic_id in clinic_ids:
        clinic = sources.clinics[clinic_id]
        if not isinstance(clinic, LoadedClinic):
            continue
        for lang in clinic.clinic.languages:
            if langs and lang not in langs:
                continue
            for handout_id in handout_ids:
                handout = sources.handouts[handout_id]
                if not isinstance(handout, LoadedHandout) or not offered(clinic, handout, lang):
                    continue
                for variants in copies(clinic, lang, options):
                    second = second_language(variants, clinic.clinic)
                    for fmt in formats(options, variants):
                        jobs.append(Job(clinic_id, lang, handout_id, variants, second, fmt))
    return jobs


def without_catalog(project: Project, jobs: list[Job]) -> tuple[list[Job], dict[str, list[str]]]:
    """The jobs whose handout has a catalog in their language (or the one it falls back to), and
    for each language the handouts without one: not offered in that language, which is no refusal
    (a clinic may list Polish for its own handouts only). A catalog that exists but is not ready
    is still judged, and refused, PDF by PDF."""
    kept, missing = [], {}
    for job in jobs:
        if has_catalog(project.locale_dirs, job.lang, job.handout_id):
            kept.append(job)
        else:
            missing.setdefault(job.lang, {})[job.handout_id] = None
    return kept, {lang: list(handouts) for lang, handouts in missing.items()}


def not_offered_lines(project: Project, not_offered: dict[str, list[str]]) -> list[str]:
    """One line a language: which handouts it does not offer, and how to offer one. The language
    as its output folder spells it (zh-Hans); the command with the code its catalog folder has."""
    lines = []
    for lang, handouts in sorted(not_offered.items()):
        has_any = any((folder / lang / "LC_MESSAGES").is_dir() for folder in project.locale_dirs)
        fix = f"handouts i18n update --lang {lang}" if has_any else f"handouts i18n init {lang}"
        listed = ", ".join(sorted(handouts))
        lines.append(
            f"not offered in {language_tag(lang)!r} (no catalog): {listed}; to offer them, run {fix} and translate"
        )
    return lines


def formats(options: BuildOptions, variants: tuple[str, ...]) -> list[str]:
    """The formats a copy is made in: the standard copy in each, a variant in those that print variants."""
    return [
        name
        for name, fmt in FORMATS.items()
        if (not options.formats or name in options.formats) and (fmt.variant_copies or not variants)
    ]


def clinic_text_fallbacks(sources: Sources, jobs: list[Job]) -> list[Problem]:
    """Each clinic text that a planned language prints in the main language instead: once per clinic and language."""
    problems = []
    for clinic_id, lang in dict.fromkeys((job.clinic_id, job.lang) for job in jobs):
        clinic = sources.clinics[clinic_id]
        assert isinstance(clinic, LoadedClinic)  # jobs are planned only for clinics that loaded
        problems += fallback_texts(clinic, lang)
    return problems


def skip_unchanged(
    project: Project,
    sources: Sources,
    jobs: list[Job],
    manifest: Manifest,
    out_dir: Path,
    options: BuildOptions,
    summary: Summary,
) -> list[Task]:
    """The jobs to render: all with --force, else those whose output is missing, altered or out of
    date; with --strict also those printed with a warning, so the gate judges them again."""
    hasher = InputHasher(project)
    tasks = []
    for job in jobs:
        clinic, handout = sources.clinics[job.clinic_id], sources.handouts[job.handout_id]
        langs = [job.lang] + ([job.second_lang] if job.second_lang else [])
        translations = [sources.translations[lang] for lang in langs]
        inputs = hasher.job_hash(clinic, handout, translations, job.variants)  # type: ignore[arg-type]
        target = output_path(out_dir, job)
        warned = options.strict and _printed_with_warnings(manifest.entries.get(manifest.key(target)))
        if not options.force and not warned and manifest.up_to_date(target, inputs):
            summary.skipped.append(job)
        else:
            tasks.append(Task(job, inputs))
    return tasks


def _printed_with_warnings(entry: Entry | None) -> bool:
    # An entry from before warnings were recorded says how many entries fell back to English.
    return entry is not None and bool(entry.warnings or entry.translated < entry.total)


# -- Recording outcomes ---------------------------------------------------------------


def record(
    project: Project,
    sources: Sources,
    manifest: Manifest,
    options: BuildOptions,
    outcome: Outcome,
    summary: Summary,
    shown: Progress,
) -> bool:
    """Write a rendered file and record it; report a refusal or failure. True when the file is current."""
    job = outcome.job
    out_dir = manifest.out_dir
    target = output_path(out_dir, job)
    where = project.shown(target)
    if outcome.internal_error:
        _internal_error(out_dir, job, outcome.internal_error, summary, shown)
        return False
    handout = sources.handouts[job.handout_id]
    assert isinstance(handout, LoadedHandout)
    warnings = pdf_warnings(sources, handout, outcome)
    if refused := outcome.refused or (tuple(warnings) if options.strict else ()):
        summary.refused.append((job, refused))
        _print_once(summary, refused)
        noun = "problem" if len(refused) == 1 else "problems"
        shown.failed([f"refused {job.name}: {len(refused)} {noun} (listed above); not printed"])
        manifest.refuse(manifest.key(target), refused[0])
        return False
    if outcome.problems:
        summary.failed.append((job.name, HandoutsError(list(outcome.problems))))
        fresh = [problem for problem in outcome.problems if problem not in summary.printed]
        summary.printed.update(fresh)  # the PDF and the HTML copy of one page fail alike: listed once
        shown.failed([*(f"error: {problem}" for problem in fresh), f"failed  {where}"])
        manifest.refuse(manifest.key(target), outcome.problems[0])
        return False
    try:
        write_atomically(target, outcome.data, where)
    except HandoutsError as exc:  # no room, no permission, something in the way: named, with the fix
        summary.failed.append((job.name, exc))
        shown.failed([f"error: {problem}" for problem in exc.problems])
        manifest.refuse(manifest.key(target), exc.problems[0])
        return False
    for warning in warnings:
        if warning not in summary.printed:  # a clinic's text in another language: said once, before
            log.warning(warning)
    manifest.record(replace(_entry(manifest, target, job, handout, outcome), warnings=list(map(str, warnings))))
    summary.built.append((job, outcome.pages))
    if not FORMATS[job.format].paged:
        shown.done(f"built   {where}")
        return True
    noun = "page" if outcome.pages == 1 else "pages"
    shown.done(f"built   {where} ({outcome.pages} {noun})")
    return True


def pdf_warnings(sources: Sources, handout: LoadedHandout, outcome: Outcome) -> list[Problem]:
    """What a file would print with that someone should know: English entries, the clinic's text in
    another language, more pages than the handout's target. --strict refuses a file with any."""
    job = outcome.job
    english = [replace(warning, message=f"{warning.message} (printed in English)") for warning in outcome.warnings]
    clinic = sources.clinics[job.clinic_id]
    assert isinstance(clinic, LoadedClinic)
    # Fit to sheet applies to the standard copy; large print and bilingual copies may take more pages.
    paged = FORMATS[job.format].paged and not job.variants
    over = over_target_problem(handout, job.clinic_id, job.lang, outcome.pages) if paged else None
    return [*english, *fallback_texts(clinic, job.lang), *([over] if over else [])]


def _entry(manifest: Manifest, target: Path, job: Job, handout: LoadedHandout, outcome: Outcome) -> Entry:
    meta = handout.handout.meta
    return Entry(
        path=manifest.key(target),
        clinic=job.clinic_id,
        language=job.lang,
        handout=job.handout_id,
        version=meta.version,
        review_due=meta.review_due.isoformat(),
        translated=outcome.translated,
        total=outcome.total,
        pages=outcome.pages,
        sha256=hashlib.sha256(outcome.data).hexdigest(),
        inputs=outcome.task.inputs,
        variants=list(job.variants),
        reviewed_by=[str(approval) for approval in outcome.approvals],
        unapproved=outcome.unapproved,
        format=job.format,
        title=outcome.title,
    )


def _print_once(summary: Summary, problems: tuple[Problem, ...]) -> None:
    """A problem shared by many jobs (one catalog entry, many clinics) is listed once."""
    for problem in problems:
        if problem not in summary.printed:
            summary.printed.add(problem)
            log.error(problem)


INTERNAL_LOG = "handouts-internal-errors.log"


def _internal_error(out_dir: Path, job: Job | PacketJob, trace: str, summary: Summary, shown: Progress) -> None:
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
    shown.failed([f"error: {problem}"])


# -- Patient packets: several handouts in one PDF -----------------------------------------


def plan_packets(
    project: Project,
    sources: Sources,
    clinic_ids: list[str],
    langs: list[str],
    handout_ids: list[str],
    manifest: Manifest,
    out_dir: Path,
    summary: Summary,
    not_offered: dict[str, list[str]] | None = None,
) -> list[PacketJob]:
    """Each clinic's packets in each of its languages (narrowed by --lang), when every handout in
    the packet is selected and offered in the language (has a catalog in it). A packet defined
    wrongly is reported once and refused in every language."""
    packets = []
    for clinic_id in clinic_ids:
        clinic = sources.clinics[clinic_id]
        if not isinstance(clinic, LoadedClinic):
            continue
        broken = definition_problems(clinic, project.handout_ids())
        for packet_id, members in clinic.clinic.packets.items():
            if not set(members) <= set(handout_ids) and packet_id not in broken:
                continue  # --handout left some of its handouts out: not this build's business
            if packet_id in broken:
                log.error(broken[packet_id])
                summary.failed.append((f"{clinic_id}/packets/{packet_id}", HandoutsError(broken[packet_id])))
            for lang in clinic.clinic.languages:
                packet = PacketJob(clinic_id, lang, packet_id, tuple(members))
                if (langs and lang not in langs) or set(members) & set((not_offered or {}).get(lang, [])):
                    continue
                if packet_id in broken:
                    manifest.refuse(manifest.key(packet_path(out_dir, packet)), broken[packet_id])
                else:
                    packets.append(packet)
    return packets


def build_packets(
    project: Project,
    sources: Sources,
    packets: list[PacketJob],
    manifest: Manifest,
    out_dir: Path,
    kept: set[Path],
    force: bool,
    summary: Summary,
    shown: Progress,
) -> None:
    """Put each packet together from its handouts' PDFs as this build left them (just written, or
    up to date); refuse it, naming the handout, when one of them is not there to print."""
    for packet in packets:
        target = packet_path(out_dir, packet)
        key = manifest.key(target)
        if problem := _missing_member(packet, sources, manifest, out_dir, kept):
            summary.refused.append((packet, (problem,)))
            log.error(problem)
            shown.failed([f"refused {packet.name}: a handout in it is not printed (listed above); not printed"])
            manifest.refuse(key, problem)
            continue
        members = [manifest.entries[manifest.key(output_path(out_dir, job))] for job in packet.members]
        inputs = _packet_inputs(packet, members)
        if not force and manifest.up_to_date(target, inputs):
            summary.skipped.append(packet)
            kept.add(target)
            continue
        try:
            data, pages = assemble([(out_dir / member.path).read_bytes() for member in members])
        except Exception:  # a bug, or pikepdf failing on odd input: this packet only, with the traceback
            _internal_error(out_dir, packet, traceback.format_exc(), summary, shown)
            continue
        try:
            write_atomically(target, data, project.shown(target))
        except HandoutsError as exc:
            summary.failed.append((packet.name, exc))
            shown.failed([f"error: {problem}" for problem in exc.problems])
            continue
        manifest.record(_packet_entry(manifest.key(target), packet, members, data, pages, inputs))
        summary.built.append((packet, pages))
        kept.add(target)
        shown.done(f"built   {project.shown(target)} ({pages} pages, {len(members)} handouts)")


def _missing_member(
    packet: PacketJob, sources: Sources, manifest: Manifest, out_dir: Path, kept: set[Path]
) -> Problem | None:
    """Why the packet cannot print: the first of its handouts this build did not leave printable."""
    for job in packet.members:
        path = output_path(out_dir, job)
        if path in kept and manifest.key(path) in manifest.entries:
            continue
        loaded = sources.handouts[job.handout_id]
        why = manifest.refusals.get(manifest.key(path)) or (
            str(loaded.problems[0])
            if isinstance(loaded, HandoutsError)
            else f"it is not offered in {language_tag(job.lang)!r} (a draft, or not in its meta.languages) "
            "or could not be written"
        )
        return Problem(packet.name, f"not printed: its handout {job.handout_id!r} is not printed: {why}")
    return None


def _packet_inputs(packet: PacketJob, members: list[Entry]) -> str:
    """A packet is made from its handouts' PDFs alone: their bytes (and the tool that joins them)."""
    parts = [f"packet {packet.packet_id}", f"handouts {__version__}", f"pikepdf {version('pikepdf')}"]
    parts += [f"{member.path} {member.sha256}" for member in members]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _packet_entry(key: str, packet: PacketJob, members: list[Entry], data: bytes, pages: int, inputs: str) -> Entry:
    return Entry(
        path=key,
        clinic=packet.clinic_id,
        language=packet.lang,
        handout=packet.packet_id,
        version=", ".join(f"{member.handout} {member.version}" for member in members),
        review_due=min(member.review_due for member in members),  # the packet is due when its first handout is
        translated=sum(member.translated for member in members),
        total=sum(member.total for member in members),
        reviewed_by=list(dict.fromkeys(approval for member in members for approval in member.reviewed_by)),
        unapproved=sum(member.unapproved for member in members),
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        inputs=inputs,
        packet=list(packet.handouts),
    )


# -- Withdrawing what can no longer be built --------------------------------------------


NOT_A_PACKET = "no longer a packet of the clinic (its `packets:` in clinic.yaml)"
NOT_OFFERED = (
    "no longer made by this build (not planned from the current clinic.yaml and handouts, "
    "or no catalog in the language)"
)


def _load_failure(sources: Sources, entry: Entry) -> str | None:
    handout = None if entry.packet else sources.handouts.get(entry.handout)  # a packet's id is no handout's
    for loaded in (sources.clinics.get(entry.clinic), handout):
        if isinstance(loaded, HandoutsError):
            return str(loaded.problems[0])
    return None


def _scope(clinic_ids: list[str], options: BuildOptions, handout_ids: list[str]) -> Callable[[Entry], bool]:
    """Which manifest entries this build speaks for: its clinics, languages, handouts and copies."""
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


def withdraw_stale(
    project: Project,
    sources: Sources,
    manifest: Manifest,
    kept: set[Path],
    in_scope: Callable[[Entry], bool],
    summary: Summary,
    options: BuildOptions,
) -> None:
    """A file this build could not make from the current inputs (refused, failed, expired, a draft),
    or that the project no longer offers at all (its clinic, language, handout or copy is gone,
    whatever this build was narrowed to), leaves the print folders; the manifest says why and when."""
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
            loaded = self.sources.clinics.get(clinic_id) or _try(self.project.load_clinic, clinic_id)
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
        if not isinstance(handout, LoadedHandout):
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


# -- The handout library ---------------------------------------------------------------------


def library(project: Project, sources: Sources, manifest: Manifest, summary: Summary) -> None:
    """Write the library's pages for what is current after this build (site.py)."""
    try:
        write_library(project, manifest, dict(sources.clinics), sources.translations, project.shown)
    except HandoutsError as exc:  # no room, no permission, a broken site template: named, with the fix
        summary.failed.append(("the handout library", exc))
        for problem in exc.problems:
            log.error(problem)
