"""What a build says while it runs, on the "handouts.progress" logger (stderr): a progress bar on a
terminal (log.progress_bar), plain lines otherwise. Failures are always said, bar or not."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from handouts import log
from handouts.errors import Problem


class Progress:
    def __init__(self, advance: Callable[[], None] | None = None):
        self.advance = advance  # the bar's, when one is drawn

    def done(self, line: str) -> None:
        """One job built: the bar moves on, or the line is printed."""
        if self.advance:
            self.advance()
        else:
            log.progress(line)

    def failed(self, problems: Iterable[Problem], line: str = "") -> None:
        """One job failed: its problems (as errors) and its line are always printed."""
        for problem in problems:
            log.error(problem)
        if line:
            log.progress(line)
        if self.advance:
            self.advance()


@contextmanager
def progress(total: int) -> Iterator[Progress]:
    """A bar when printing to a terminal and there is work to show; plain lines otherwise."""
    with log.progress_bar(total) as advance:
        yield Progress(advance)
