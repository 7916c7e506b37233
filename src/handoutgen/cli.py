"""The `handouts` command. Each command is a few lines calling a plain function.

Options default to None so they never override what the project's files say.
User mistakes (HandoutsError) are printed without a traceback; bugs still show one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from handoutgen import __version__
from handoutgen.errors import HandoutsError
from handoutgen.project import Project


def _project(ctx: click.Context) -> Project:
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
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Render in this many worker processes (default: one per core; 1: no workers).",
)
@click.option("--force", is_flag=True, default=False, help="Rebuild every PDF, even those whose inputs are unchanged.")
@click.pass_context
def build(
    ctx: click.Context,
    clinics: tuple[str, ...],
    langs: tuple[str, ...],
    handouts: tuple[str, ...],
    out_dir: Path | None,
    jobs: int | None,
    force: bool,
) -> None:
    """Build every clinic × language × handout PDF into output/<clinic>/<lang>/<handout>.pdf.

    PDFs whose inputs are unchanged since the last build are skipped; output/manifest.json
    records each PDF's version, translation completeness, sha256 and inputs hash."""
    from handoutgen.build import BuildOptions
    from handoutgen.build import build as run_build

    options = BuildOptions(clinics, langs, handouts, out_dir, jobs, force)
    summary = run_build(_project(ctx), options, echo=click.echo)
    if not summary.ok:
        ctx.exit(1)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of exiting, so tests can call it."""
    try:
        result = cli.main(args=argv, prog_name="handouts", standalone_mode=False)
    except HandoutsError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    # Without standalone mode, click returns ctx.exit()'s code instead of exiting.
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
