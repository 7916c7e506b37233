"""The `handouts` command. Each command is a few lines calling a plain function.

Options default to None so they never override what the project's files say.
User mistakes (HandoutsError) are printed without a traceback; bugs still show one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from handouts import __version__, log
from handouts.errors import HandoutsError
from handouts.output.formats import FORMATS
from handouts.render.variants import VARIANTS

if TYPE_CHECKING:
    from handouts.model.project import Project


def _project(ctx: click.Context) -> Project:
    # Loaded when a command runs, not for --help (it pulls in the schema, Babel and the checks).
    from handouts.model.project import Project

    return Project(ctx.obj["project"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The project folder (default: the current folder).",
)
@click.version_option(__version__, prog_name="handouts")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None) -> None:
    """Print patient handouts in each patient's language, branded for each clinic."""
    ctx.obj = {"project": project_dir or Path.cwd()}
    ctx.with_resource(log.to_terminal())  # for click's own test runner too, which calls this without main


def _variant_switches(command: Any) -> Any:
    """--<variant>/--no-<variant> for each variant a clinic can turn on in clinic.yaml (see variants.py)."""
    for variant in reversed([v for v in VARIANTS.values() if v.setting]):
        command = click.option(
            f"--{variant.name}/--no-{variant.name}",
            variant.name,
            default=None,
            help=f"Also print {variant.help}, as <handout>{variant.suffix}.pdf (default: as each clinic.yaml says).",
        )(command)
    return command


@cli.command()
@click.option("--clinic", "clinics", multiple=True, help="Build only this clinic (repeatable).")
@click.option("--lang", "langs", multiple=True, help="Build only this language, e.g. es or zh_Hans (repeatable).")
@click.option("--handout", "handouts", multiple=True, help="Build only this handout (repeatable).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the PDFs under this folder instead of output/.",
)
@click.option("--strict", is_flag=True, default=None, help="Treat every warning (e.g. English fallback) as a failure.")
@click.option(
    "--variant",
    "variants",
    multiple=True,
    type=click.Choice(list(VARIANTS)),
    help="Also print this variant of each handout (repeatable): "
    + "; ".join(f"{v.name}: {v.help}, as <handout>{v.suffix}.pdf" for v in VARIANTS.values())
    + ".",
)
@click.option(
    "--large-print",
    is_flag=True,
    default=None,
    help="Also print large-print copies (the same as --variant large-print).",
)
@_variant_switches
@click.option("--allow-expired", is_flag=True, default=False, help="Print handouts past their review date.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Judge review dates as of this day.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Render in this many worker processes (default: one per core; 1: no workers).",
)
@click.option("--force", is_flag=True, default=False, help="Rebuild every PDF, even those whose inputs are unchanged.")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(list(FORMATS)),
    help="Make only this output format (repeatable; default: every format: the PDFs and their HTML copies).",
)
@click.option(
    "--executor",
    default=None,
    help="How to render: inline, pool or dask (default: as handouts.yaml says, else by the number of PDFs).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Render on the workers of this Dask scheduler (needs handouts[dask]; see README).",
)
@click.option(
    "--use-scheduler",
    is_flag=True,
    help="Render on the Dask scheduler that handouts.yaml names (never used without this flag).",
)
@click.pass_context
def build(
    ctx: click.Context,
    clinics: tuple[str, ...],
    langs: tuple[str, ...],
    handouts: tuple[str, ...],
    out_dir: Path | None,
    strict: bool | None,
    variants: tuple[str, ...],
    large_print: bool | None,
    allow_expired: bool,
    today: Any,
    jobs: int | None,
    force: bool,
    formats: tuple[str, ...],
    executor: str | None,
    scheduler: str | None,
    use_scheduler: bool,
    **switches: bool | None,
) -> None:
    """Build every clinic × language × handout PDF into output/<clinic>/<lang>/<handout>.pdf,
    its HTML copy beside it, each clinic's patient packets into
    output/<clinic>/<lang>/packets/<packet>.pdf, and the handout library (output/index.html).

    PDFs whose inputs are unchanged since the last build are skipped; output/manifest.json
    records each PDF's version, translation completeness, sha256 and inputs hash, and
    each file withdrawn from the print folders because it can no longer be built."""
    from handouts.pipeline.executors.processes import start_early
    from handouts.pipeline.layout import out_dir_of

    # Before the build's own imports, so that the server's run on another core meanwhile.
    start_early(jobs, force, out_dir_of(ctx.obj["project"], out_dir), executor, bool(scheduler) or use_scheduler)
    from handouts.pipeline.build import build as run_build
    from handouts.pipeline.jobs import BuildOptions

    wanted = tuple(dict.fromkeys([*variants, *(["large-print"] if large_print else [])]))
    options = BuildOptions(
        clinics,
        langs,
        handouts,
        out_dir,
        strict=bool(strict),
        variants=wanted,
        switches=tuple((name, on) for name, on in switches.items() if on is not None),
        allow_expired=allow_expired,
        today=today.date() if today else None,
        jobs=jobs,
        force=force,
        formats=formats,
        executor=executor,
        scheduler=scheduler,
        use_scheduler=use_scheduler,
    )
    summary = run_build(_project(ctx), options)
    if not summary.ok:
        ctx.exit(1)


@cli.group()
def i18n() -> None:
    """Translation catalogs: extract, init, update, status, check (like pybabel)."""


_lang_option = click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")


@i18n.command()
@click.pass_context
def extract(ctx: click.Context) -> None:
    """Regenerate the .pot templates from the handouts and the templates."""
    from handouts.commands import i18n as commands

    commands.extract(_project(ctx))


@i18n.command()
@click.argument("lang")
@click.pass_context
def init(ctx: click.Context, lang: str) -> None:
    """Create the catalogs of a new language LANG, e.g. pl or pt_BR."""
    from handouts.commands import i18n as commands

    commands.init(_project(ctx), lang)


@i18n.command()
@_lang_option
@click.pass_context
def update(ctx: click.Context, langs: tuple[str, ...]) -> None:
    """Merge new and changed English into every catalog (changed entries become fuzzy)."""
    from handouts.commands import i18n as commands

    commands.update(_project(ctx), langs)


@i18n.command()
@_lang_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default=None, help="Output format.")
@click.pass_context
def status(ctx: click.Context, langs: tuple[str, ...], output_format: str | None) -> None:
    """How much of each language is translated, fuzzy and missing, by handout and section."""
    import json

    from handouts.commands import i18n_status as commands

    report = commands.status(_project(ctx), langs)
    log.result(json.dumps(report, indent=2) if output_format == "json" else commands.format_status(report))


@i18n.command("check")
@_lang_option
@click.option("--strict", is_flag=True, default=None, help="Fail on warnings too (untranslated, fuzzy).")
@click.pass_context
def check_catalogs(ctx: click.Context, langs: tuple[str, ...], strict: bool | None) -> None:
    """Check every catalog; exits non-zero when one has a problem."""
    from handouts.commands import i18n_status as commands

    if not commands.check(_project(ctx), langs, strict=bool(strict)):
        ctx.exit(1)


@i18n.command("review")
@click.argument("lang")
@click.option("--by", default=None, help='Who approves: "Name, role". Without it, only list.')
@click.option("--handout", "handout_ids", multiple=True, help="Only this handout (repeatable).")
@click.option("--yes", is_flag=True, default=None, help="Approve every entry shown without asking one by one.")
@click.pass_context
def review_catalogs(
    ctx: click.Context, lang: str, by: str | None, handout_ids: tuple[str, ...], yes: bool | None
) -> None:
    """Clinician sign-off: show LANG's safety-critical entries with their English and record approvals."""
    from handouts.commands import i18n_status as commands

    def ask(question: str) -> bool:
        return bool(yes) or click.confirm(question, default=False)

    if not commands.sign_off(_project(ctx), lang, by, ask, handout_ids):
        ctx.exit(1)


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default: 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: 8000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Preview every handout in the browser; pages update when a file is saved."""
    from handouts.commands.serve import LOOPBACK
    from handouts.commands.serve import serve as run_serve

    run_serve(_project(ctx), host or LOOPBACK, 8000 if port is None else port)


@cli.command()
@click.option("--clinic", "clinics", multiple=True, help="Check only this clinic (repeatable).")
@click.option("--lang", "langs", multiple=True, help="Check only this language (repeatable).")
@click.option("--handout", "handouts", multiple=True, help="Check only this handout (repeatable).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Judge review dates as of this day.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", help="Report format.")
@click.option("--strict", is_flag=True, default=None, help="Fail on warnings too (e.g. a label that runs outside).")
@click.pass_context
def check(
    ctx: click.Context,
    clinics: tuple[str, ...],
    langs: tuple[str, ...],
    handouts: tuple[str, ...],
    today: Any,
    output_format: str,
    strict: bool | None,
) -> None:
    """Run every quality gate without writing PDFs: schema, catalogs, glyphs, contrast, fit, review, readability."""
    from handouts.commands.check import CheckOptions, check_and_report

    options = CheckOptions(clinics, langs, handouts, today.date() if today else None)
    if not check_and_report(_project(ctx), options, output_format, bool(strict)):
        ctx.exit(1)


class NewGroup(click.Group):
    """`new handout ID`, `new project DIR`, and `new DIR` for short: any first word that is not
    a subcommand names the folder of a new project (write ./handout for a folder named so)."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[Any, Any, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["project", *args]
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "DIR | handout ID")


@cli.group(cls=NewGroup)
def new() -> None:
    """Start a project (handouts new DIR) or a handout in this project (handouts new handout ID)."""


@new.command("project")
@click.argument("folder", type=click.Path(path_type=Path))
def new_project(folder: Path) -> None:
    """Create a clinic's own project in FOLDER (new or empty): handouts.yaml, a sample clinic,
    and folders for its own handouts and templates. It builds at once."""
    from handouts.commands.new import new_project as scaffold
    from handouts.model.project import LIBRARY

    for created in scaffold(folder):
        log.result(f"created {created}")
    log.result(f"The packaged library (copy a file from it into the project to change it): {LIBRARY.resolve()}")
    log.result(f"Next: cd {folder}; make clinics/my-clinic/clinic.yaml your clinic's; handouts check; handouts build.")


@new.command("handout")
@click.argument("handout_id")
@click.pass_context
def new_handout(ctx: click.Context, handout_id: str) -> None:
    """Create handouts/HANDOUT_ID.yaml (a draft to fill in) and its picture folder."""
    from handouts.commands.new import new_handout as scaffold

    for created in scaffold(_project(ctx), handout_id):
        log.result(f"created {created}")
    log.result("Write the text (see AUTHORING.md), then: handouts i18n update; handouts check.")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of exiting, so tests can call it. Every line it
    prints goes through the "handouts" logger (log.py: results on stdout, diagnostics on stderr)."""
    with log.to_terminal():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    try:
        result = cli.main(args=argv, prog_name="handouts", standalone_mode=False)
    except HandoutsError as exc:
        for problem in exc.problems:
            log.error(problem)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()  # click's usage and "Error: …" lines, on stderr
        return exc.exit_code
    except click.exceptions.Abort:
        log.progress("Aborted.")
        return 130
    except Exception as exc:  # a bug: the traceback, then one line through the formatter
        log.crash(exc)
        return 1
    # Without standalone mode, click returns ctx.exit()'s code instead of exiting.
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
