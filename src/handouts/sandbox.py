"""One sandbox for every file the tool reads for a project, judged by real paths.

A file is read only when its fully resolved path lies inside the project's own (resolved)
folder or inside the library installed with the tool, whatever links the folders on the way
are. Checking the folders a reader was given is not enough: a folder that is itself a link
(`clinics/shared -> /etc`, a clinic's `templates/ -> /`) would make its target allowed ground.
Git and zip keep links, so one line in a pull request could print a file from anywhere.

The library's folders are links to the repository's own folders in a source checkout
(src/handouts/library/*), so each is allowed by its resolved path too.

A page (and the HTML copy, and the preview, which serves its files) reads through the same value
narrowed to the folders its files may come from (`within`): `asset` is the one judge of such a file.

Build, check, serve and the cluster snapshot all use the one `Project.sandbox`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from handouts.errors import Problem

FIX = "copy the files into the project instead of linking to them"
OUTSIDE = "only files in templates/, fonts/ and the clinic's own folder can be used; nothing else is fetched"


class Refused(Exception):
    """A file a page may not read; the message says why, in one line."""


def _within(real: str, ground: str) -> bool:
    return real == ground or real.startswith(ground.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class Sandbox:
    root: Path  # the project folder, to name files as the user knows them
    grounds: tuple[str, ...]  # real folders whose files may be read: the project's, the library's
    library: Path | None = None  # the packaged library: a page's file the project has none of its own
    folders: tuple[Path, ...] = ()  # where a page's files may come from (see within)

    @classmethod
    def of(cls, root: Path, library_folders: list[Path], library: Path | None = None) -> Sandbox:
        """The project at root, with the installed library (its root and its folders, each resolved)."""
        real = [os.path.realpath(folder) for folder in (root, *library_folders)]
        return cls(root, tuple(dict.fromkeys(real)), library)

    def within(self, folders: Iterable[Path]) -> Sandbox:
        """This sandbox, for the files of a page: only those in these folders (fonts, templates, the
        clinic's and the handout's own) may be read, and still only inside the project or library."""
        return replace(self, folders=tuple(folders))

    def asset(self, named: Path) -> Path:
        """The real file a page may read by this name (links not yet followed); Refused, saying why, when it
        lies outside the folders, or a link on the way (a folder may itself be one) leads outside the project."""
        path = Path(os.path.realpath(named))
        in_folders = any(Path(os.path.realpath(folder)) in path.parents for folder in self.folders)
        named_in_folders = any(Path(os.path.abspath(named)).is_relative_to(folder) for folder in self.folders)
        if (in_folders or named_in_folders) and (outside := self.problem(named)) is not None:
            raise Refused(f"{outside.file}: {outside.message}")  # names the link
        if not in_folders:
            raise Refused(OUTSIDE)
        if not path.is_file():
            raise Refused("no such file")
        return path

    def allows(self, path: Path | str) -> bool:
        """Does path, every link on the way followed, lie inside the project or the library?"""
        real = os.path.realpath(path)
        return any(_within(real, ground) for ground in self.grounds)

    def leaving_link(self, path: Path | str) -> Path:
        """The first link on the way to path that leads outside (path itself when no link does)."""
        path = Path(os.path.abspath(path))
        # Below the project's own folder only: the folders above it are the user's business.
        first = len(self.root.parts) + 1 if path.is_relative_to(self.root) else 1
        for depth in range(first, len(path.parts) + 1):
            step = Path(*path.parts[:depth])
            if step.is_symlink() and not self.allows(step):
                return step
        return path

    def problem(self, path: Path | str) -> Problem | None:
        """None when path may be read; else one line naming the link that leaves."""
        if self.allows(path):
            return None
        link = self.leaving_link(path)
        # Never resolved: the link's own name is what the user sees and must fix.
        shown = link.relative_to(self.root).as_posix() if link.is_relative_to(self.root) else str(link)
        if link.is_symlink():
            message = f"this link leads outside the project (to {os.path.realpath(link)}); {FIX}"
        else:
            message = "this file is outside the project; only files inside the project folder are read"
        return Problem(shown, message)

    def files(self, folder: Path) -> Iterator[tuple[str, Path | None]]:
        """(name relative to folder, file) for every file under folder, sorted; links are followed
        only while they stay inside, each real folder once. A file that leads outside is listed
        with None: its name counts (a hash changes when one appears), its content is never read."""
        if not folder.is_dir() or not self.allows(folder):
            return
        seen: set[str] = set()
        found: list[tuple[str, Path | None]] = []
        for here, dirnames, filenames in os.walk(folder, followlinks=True):
            real = os.path.realpath(here)
            if real in seen:
                dirnames.clear()
                continue
            seen.add(real)
            dirnames[:] = sorted(d for d in dirnames if self.allows(Path(here, d)))
            for name in filenames:
                path = Path(here, name)
                relative = path.relative_to(folder).as_posix()
                if not self.allows(path):
                    found.append((relative, None))
                elif path.is_file():  # not a dangling link
                    found.append((relative, path))
        yield from sorted(found, key=lambda item: item[0])
