"""A project's files, packed to travel to machines that do not share its filesystem.

A cluster worker (executors: `dask`) needs the files rendering reads: handouts/, clinics/,
locales/, templates/ and fonts/. `take` packs them into one tar archive named by its sha256,
normalised (sorted, no owners, no times) so that the same files always give the same
digest; `unpack` writes it once into a worker's own folder and reuses it after that.

The build's loaded Sources travel beside it: `pack_sources` pickles them with every path
inside the project made relative, and `unpack_sources` joins those paths to the worker's
copy, so the worker renders what the build loaded and reads every file from its copy.

Links inside the folders stay links, pointing at the same file, so the sandbox refuses on
a worker what it refuses here (a clinic's logo linked from another clinic, say). A link
that leads out of the project's folders is left out: on a worker it is a missing file."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from handouts.project import Project

ASSET_FOLDERS = ("handouts", "clinics", "locales", "templates", "fonts")


@dataclass(frozen=True)
class Snapshot:
    digest: str  # sha256 of the archive: the same files give the same digest
    archive: bytes  # a tar archive of the asset folders


def take(project: Project) -> Snapshot:
    """The project's asset folders as one normalised tar archive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folders = _real_folders(project)
        for name, real in folders.items():
            _add_folder(tar, real, name, folders)
    archive = buffer.getvalue()
    return Snapshot(hashlib.sha256(archive).hexdigest(), archive)


def unpack(snapshot: Snapshot, into: Path) -> Path:
    """The snapshot as a project folder under `into`, written once per digest."""
    root = into / snapshot.digest
    if root.is_dir():
        return root
    partial = into / f".{snapshot.digest}.{os.getpid()}.partial"
    partial.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(snapshot.archive)) as tar:
        tar.extractall(partial, filter="data")  # nothing outside the folder, no absolute links
    for name in ASSET_FOLDERS:  # a project without, say, locales/ has none to pack
        (partial / name).mkdir(exist_ok=True)
    try:
        partial.rename(root)
    except OSError:  # another process of this worker's machine unpacked it first
        if not root.is_dir():
            raise
    return root


def _real_folders(project: Project) -> dict[str, Path]:
    """Each asset folder by name, resolved: a folder may itself be a link (fonts/ to the installed
    library's, say). One whose link leads out of the project's sandbox is left out, as a file is."""
    folders = [project.root / name for name in ASSET_FOLDERS]
    return {f.name: f.resolve() for f in folders if f.is_dir() and project.sandbox.allows(f)}


def _add_folder(tar: tarfile.TarFile, real: Path, name: str, folders: dict[str, Path]) -> None:
    for folder, dirnames, filenames in os.walk(real):
        dirnames.sort()
        here = Path(folder)
        arc_folder = PurePath(name, here.relative_to(real))
        for entry in sorted([*dirnames, *filenames]):
            path, arcname = here / entry, (arc_folder / entry).as_posix()
            if path.is_symlink():
                if (target := _link_target(path, arc_folder, folders)) is not None:
                    tar.addfile(_info(arcname, tarfile.SYMTYPE, linkname=target))
            elif path.is_dir():
                tar.addfile(_info(arcname, tarfile.DIRTYPE))
            elif path.is_file():
                data = path.read_bytes()
                tar.addfile(_info(arcname, tarfile.REGTYPE, size=len(data)), io.BytesIO(data))


def _link_target(link: Path, arc_folder: PurePath, folders: dict[str, Path]) -> str | None:
    """Where a link points, as a relative link inside the snapshot; None when it leads out of the project."""
    real = link.resolve()
    for name, folder in folders.items():
        if real == folder or folder in real.parents:
            return os.path.relpath(PurePath(name, real.relative_to(folder)), arc_folder)
    return None


def _info(arcname: str, kind: bytes, size: int = 0, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(arcname)
    info.type, info.size, info.linkname = kind, size, linkname
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = 0  # the digest depends on content only
    return info


# -- The loaded sources, with paths relative to the project ------------------------------


class _RelativePickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, root: Path):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.root = root

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, PurePath) and obj.is_absolute() and obj.is_relative_to(self.root):
            return ("project", obj.relative_to(self.root).as_posix())
        return None


class _RootedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, root: Path):
        super().__init__(file)
        self.root = root

    def persistent_load(self, pid: Any) -> Any:
        kind, relative = pid
        if kind != "project":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        return self.root / relative


def pack_sources(value: Any, root: Path) -> bytes:
    """value pickled, with each path inside root stored relative to it."""
    buffer = io.BytesIO()
    _RelativePickler(buffer, root).dump(value)
    return buffer.getvalue()


def unpack_sources(data: bytes, root: Path) -> Any:
    """What pack_sources packed, its project paths now inside root."""
    return _RootedUnpickler(io.BytesIO(data), root).load()
