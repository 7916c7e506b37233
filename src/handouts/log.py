"""The output policy, in one place: every line a command prints, where it goes, and the count --strict uses.

Every user-facing line is a record of the "handouts" logger or a child, formatted by ProblemFormatter
("error: …", "warning: …", anything else as it is), and printed by the one Terminal handler:
- results, what the command was asked for (a build's summary, a report, a table, JSON, "wrote …"), are
  INFO records of "handouts" (`result`) and go to stdout;
- diagnostics go to stderr: every WARNING and ERROR record, and every record of "handouts.progress"
  (a build's "built …", "failed …" and notes), printed through the progress bar's console while a bar
  is drawn (on stderr too), so that no line tears it.
So `handouts build > log.txt` keeps the summary while the terminal shows progress, and
`handouts i18n status --format json` is pure JSON on stdout whatever it warns about.

--strict (build, check, i18n check) counts WARNING records the same way everywhere (`counting`) and
fails with one line (`strict_failure`)."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from handouts.errors import Problem

logger = logging.getLogger("handouts")
progress_logger = logging.getLogger("handouts.progress")
Show = Callable[[str], None]
_PREFIX = {logging.ERROR: "error: ", logging.WARNING: "warning: "}


def line(level: int, message: Problem | str) -> str:
    """The one format of a line for the user: "error: …", "warning: …", anything else as it is."""
    return _PREFIX.get(level, "") + str(message)


class ProblemFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = line(record.levelno, record.getMessage())
        if record.exc_info:  # a bug: its traceback for the report, the one line last where it is seen
            return f"{self.formatException(record.exc_info)}\n{text}"
        return text


def is_diagnostic(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name.startswith(progress_logger.name)


def _to_stdout(text: str) -> None:
    click.echo(text)  # looked up at each line: a test or a pager may have swapped the stream


def _to_stderr(text: str) -> None:
    click.echo(text, err=True)


class Terminal(logging.Handler):
    """Prints each record: results to stdout, diagnostics to stderr (or through a progress bar's console)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(ProblemFormatter())
        self.diagnostics: Show = _to_stderr

    def emit(self, record: logging.LogRecord) -> None:
        # No try/except as logging.StreamHandler has: a closed pipe ends the command, not a "Logging error".
        (self.diagnostics if is_diagnostic(record) else _to_stdout)(self.format(record))


def _terminal() -> Terminal | None:
    return next((handler for handler in logger.handlers if isinstance(handler, Terminal)), None)


@contextmanager
def to_terminal() -> Iterator[Terminal]:
    """A command's output: every record of the "handouts" loggers printed, and nowhere else. Inside
    another (main's, around the command that click runs), the one already there."""
    if terminal := _terminal():
        yield terminal
        return
    handler, before = Terminal(), (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # an application's root handlers would print each line twice
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before[0])
        logger.propagate = before[1]


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr while it is a terminal and there is work to show (its advance), every
    diagnostic printed through the bar's console meanwhile; None otherwise: progress as plain lines."""
    terminal = _terminal()
    if total == 0 or terminal is None or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("build", total=total)
        terminal.diagnostics = lambda text: bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
        try:
            yield lambda: bar.advance(task)
        finally:
            terminal.diagnostics = _to_stderr


class Count(logging.Handler):
    """Counts the records of a span of work by level; prints nothing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[int] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelno] += 1

    @property
    def warnings(self) -> int:
        return self.counts[logging.WARNING]


@contextmanager
def counting() -> Iterator[Count]:
    """Count what is logged inside (the children's records too), wherever in the code it was raised."""
    count = Count()
    logger.addHandler(count)
    try:
        yield count
    finally:
        logger.removeHandler(count)


def strict_failure(count: Count, strict: bool) -> bool:
    """--strict, the same in every command: True, said in one line, when any warning was logged."""
    if not strict or not count.warnings:
        return False
    error(f"--strict: {count.warnings} warning(s) count as failures")
    return True


def error(problem: Problem | str) -> None:
    logger.error("%s", problem)


def warning(problem: Problem | str) -> None:
    logger.warning("%s", problem)


def result(text: str) -> None:
    """What the command was asked for: stdout."""
    logger.info("%s", text)


def progress(text: str) -> None:
    """How the work goes, and notes that are not about one file: stderr."""
    progress_logger.info("%s", text)


def crash(exc: Exception) -> None:
    """A bug, not the user's mistake: the traceback to report, then one error line."""
    logger.error(
        "internal error (a bug in handouts, not in your files): %s: %s; please report it with the traceback above",
        type(exc).__name__,
        exc,
        exc_info=exc,
    )
