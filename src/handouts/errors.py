"""The small exception tree: user mistakes are HandoutsError, everything else is a bug."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file, worded for the person who must fix it."""

    file: str
    message: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class HandoutsError(Exception):
    """A mistake in the user's files or command line. Printed without a traceback."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple:
        # Crosses process boundaries (pool workers) with its problems intact.
        return type(self), (self.problems,)


class ConfigError(HandoutsError):
    """A clinic or handout file does not match its schema."""


class CatalogError(HandoutsError):
    """A translation catalog cannot be read or fails a check."""


class RenderError(HandoutsError):
    """A handout could not be turned into a PDF because of its inputs."""


def display_path(path: Path, root: Path) -> str:
    """The path as the user knows it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class OutputError(HandoutsError):
    """A file could not be written where the output goes: a full disk, no permission, something in the way."""
