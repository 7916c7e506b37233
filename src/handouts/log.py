"""The logging policy, in one place: what a command prints, and the warning count --strict uses.

Messages go to the "handouts" logger: ERROR and WARNING records print as
"error: …" and "warning: …", INFO as is. A command runs inside `capture(echo)`,
whose handler counts what was printed, so --strict fails on every warning
wherever in the code it was raised."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from handouts.errors import Problem

logger = logging.getLogger("handouts")
Echo = Callable[[str], None]
_PREFIX = {logging.ERROR: "error: ", logging.WARNING: "warning: "}


def line(level: int, message: Problem | str) -> str:
    """The one format of a line for the user: "error: …", "warning: …", anything else as it is."""
    return _PREFIX.get(level, "") + str(message)


def error_line(problem: Problem | str) -> str:
    """An error as printed where it cannot go through the logger (a progress bar's failed lines, a crash)."""
    return line(logging.ERROR, problem)


def warning_line(problem: Problem | str) -> str:
    return line(logging.WARNING, problem)


class ProblemFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return line(record.levelno, record.getMessage())


class EchoHandler(logging.Handler):
    """Prints each record through echo (which a progress bar may swap) and counts them by level."""

    def __init__(self, echo: Echo):
        super().__init__(logging.INFO)
        self.echo = echo
        self.counts: Counter[int] = Counter()
        self.setFormatter(ProblemFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelno] += 1
        self.echo(self.format(record))

    @property
    def warnings(self) -> int:
        return self.counts[logging.WARNING]


@contextmanager
def capture(echo: Echo) -> Iterator[EchoHandler]:
    """One command's output: every record printed through echo, and counted."""
    handler = EchoHandler(echo)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def error(problem: Problem | str) -> None:
    logger.error("%s", problem)


def warning(problem: Problem | str) -> None:
    logger.warning("%s", problem)


def info(line: str) -> None:
    logger.info("%s", line)
