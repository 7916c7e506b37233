"""What a build prints while it runs: a progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from handouts.log import Echo


class Progress(Protocol):
    def done(self, line: str) -> None:
        """One job built: the bar moves on, or the line is printed."""

    def failed(self, lines: list[str]) -> None:
        """One job failed: its lines are always printed."""

    def note(self, line: str) -> None:
        """Something the user should know that is not about one job."""


class PlainProgress:
    def __init__(self, echo: Echo):
        self.echo = echo

    def done(self, line: str) -> None:
        self.echo(line)

    def failed(self, lines: list[str]) -> None:
        for line in lines:
            self.echo(line)

    def note(self, line: str) -> None:
        self.echo(line)


class BarProgress:
    def __init__(self, bar: Any, task_id: Any):  # rich's Progress and its task id
        self.bar, self.task_id = bar, task_id

    def done(self, line: str) -> None:
        self.bar.advance(self.task_id)

    def failed(self, lines: list[str]) -> None:
        for line in lines:
            self.bar.console.print(line, markup=False, highlight=False, soft_wrap=True)
        self.bar.advance(self.task_id)

    def note(self, line: str) -> None:
        self.bar.console.print(line, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def progress(echo: Echo, total: int) -> Iterator[Progress]:
    """A bar when printing to a terminal and there is work to show; plain lines otherwise."""
    if total == 0 or not sys.stdout.isatty():
        yield PlainProgress(echo)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    columns = (TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with RichProgress(*columns, transient=True) as bar:
        yield BarProgress(bar, bar.add_task("build", total=total))
