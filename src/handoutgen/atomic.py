"""Writing files so a crash, Ctrl-C or a killed process never leaves half of one in place."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import BinaryIO

# Temporary files are named ".<target name>.<pid>.tmp" beside their target.
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.tmp$")


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def write_atomically(target: Path, data: bytes) -> None:
    """Write data to a temp file beside target, flush it to disk, then rename it into place.

    A reader sees the old file or the new one, never a part of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path(target)
    try:
        with temp.open("wb") as file:
            _write_data(file, data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _write_data(file: BinaryIO, data: bytes) -> None:
    # A function of its own so a test can stop a writer half way through.
    file.write(data)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temp files left in folder by writers that were killed (their process is gone)."""
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMP_NAME.match(path.name)
        if match and path.is_file() and not _process_alive(int(match["pid"])):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process is not writing yet: any file of ours is from a recycled pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
