"""Writing files so a crash, Ctrl-C or a killed process never leaves half of one in place."""

from __future__ import annotations

import contextlib
import errno
import os
import re
from pathlib import Path, PurePath
from typing import BinaryIO

from handouts.errors import OutputError, Problem

# Temporary files are named ".<target name>.<pid>.tmp" beside their target.
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.tmp$")
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}
# The kinds of file the tool writes (PDFs, HTML copies and pages, the manifest): another
# temp-looking file in the output folder is not the tool's to remove.
_OWN_SUFFIXES = (".pdf", ".html", ".json")
MAX_PID_DIGITS = 10  # a "pid" longer than this was never a process of ours


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


# The option that makes a command write its files elsewhere, named in the fix for a folder it cannot write to.
OUT = "--out DIR"


def write_atomically(target: Path, data: bytes, shown_as: str | None = None, out_option: str | None = OUT) -> None:
    """Write data to a temp file beside target, flush it to disk, then rename it into place.

    A reader sees the old file or the new one, never a part of one. Any failure (a full
    disk, a read-only folder, a file or folder in the way) is an OutputError naming the
    path as shown_as (default: target as given) and the fix (out_option: the option that writes
    elsewhere, None for a file that has one place, such as a catalog); no temp file is left behind."""
    temp = temp_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("wb") as file:
            _write_data(file, data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(output_problem(exc, target, shown_as or str(target), out_option)) from None
    finally:
        with contextlib.suppress(OSError):  # e.g. never created: the folder was read-only
            temp.unlink(missing_ok=True)


def _write_data(file: BinaryIO, data: bytes) -> None:
    # A function of its own so a test can stop a writer half way through.
    file.write(data)


def output_problem(exc: OSError, target: Path, shown_as: str, out_option: str | None = OUT) -> Problem:
    """What went wrong writing target, and what to do about it, in one line (out_option: see write_atomically)."""
    blocker = _file_in_the_way(target)
    if blocker is not None:
        shown = _shown_ancestor(shown_as, target, blocker)
        if out_option is None:
            return Problem(shown, "a file is in the way: a folder must be here; move or delete the file")
        return Problem(shown, f"a file is in the way of the output folder; move or delete it, or pass {out_option}")
    if target.is_dir():
        return Problem(shown_as, "a folder is in the way of this file; move or delete the folder" + _or(out_option))
    if exc.errno in _FULL:
        elsewhere = _or(out_option, " on another disk")
        return Problem(shown_as, f"the disk is full; free some space{elsewhere}, and try again")
    if exc.errno in _NOT_ALLOWED:
        elsewhere = f" or pass {out_option} elsewhere" if out_option else ""
        return Problem(shown_as, f"cannot write here ({exc.strerror}); make the folder writable{elsewhere}")
    return Problem(shown_as, f"cannot be written ({exc.strerror or exc}); check the folder and try again")


def _or(out_option: str | None, where: str = "") -> str:
    """The other fix where the command can write elsewhere: ", or pass --out DIR"."""
    return f", or pass {out_option}{where}" if out_option else ""


def _file_in_the_way(target: Path) -> Path | None:
    """The first folder on the way to target that exists but is not a folder."""
    for parent in reversed(target.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def _shown_ancestor(shown_as: str, target: Path, ancestor: Path) -> str:
    levels_up = len(target.parts) - len(ancestor.parts)
    shown = PurePath(shown_as)
    return shown.parents[levels_up - 1].as_posix() if levels_up <= len(shown.parents) else str(ancestor)


def remove_orphaned_temps(out_dir: Path) -> list[Path]:
    """Delete temp files anywhere under out_dir whose writer process is gone; the removed paths.

    Links to folders are not followed: only the output folder's own files are touched."""
    removed = []
    for folder, _, names in os.walk(out_dir):
        removed += [Path(folder, name) for name in names if _remove_if_orphaned(Path(folder, name))]
    return removed


def _remove_if_orphaned(path: Path) -> bool:
    match = _TEMP_NAME.match(path.name)
    if not match or not match["target"].endswith(_OWN_SUFFIXES):
        return False
    if path.is_symlink() or not path.is_file() or _process_alive(match["pid"]):
        return False
    try:
        path.unlink()
    except OSError:
        return False  # another build removed it first, or the folder is read-only: the build will say so
    return True


def _process_alive(pid_text: str) -> bool:
    if len(pid_text) > MAX_PID_DIGITS:
        return False
    pid = int(pid_text)
    if pid <= 0 or pid == os.getpid():
        # Not a writer's pid, or ours: this process is not writing yet, so the file is from a recycled pid.
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_empty_folders(folder: Path, top: Path) -> None:
    """Remove folder and its parents up to (not including) top while they are empty: what is
    left once the tool's own files have gone. A folder holding anything is left as it is."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:  # not empty, or not ours to remove
            return
        folder = folder.parent
