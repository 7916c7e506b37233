"""Incremental builds: what each PDF depends on, and the manifest that records it.

A job is skipped when its PDF is on disk, matches the sha256 the manifest recorded,
and the hash of everything it was built from is unchanged."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field, fields
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog

from handouts import __version__
from handouts.atomic import output_problem, write_atomically
from handouts.errors import HandoutsError, OutputError, Problem
from handouts.i18n.catalogs import Translations
from handouts.i18n.extract import COMMON_DOMAIN
from handouts.model.loaded import LoadedClinic, LoadedHandout
from handouts.model.project import Project
from handouts.output.formats import FORMATS
from handouts.pipeline.jobs import Job, PacketJob
from handouts.pipeline.layout import (
    MANIFEST_NAME,
    SITE_PAGE,
    WITHDRAWN_DIR,
    language_folder,
    output_path,
    packet_path,
    withdrawn_path,
)
from handouts.render.page import build_epoch
from handouts.source.languages import language_tag

MANIFEST_FORMAT = 3
READABLE_FORMATS = (1, 2, 3)  # format 1 had no variants and no withdrawn list; 2 no format and title


def key_of(out_dir: Path, path: Path) -> str:
    return path.relative_to(out_dir).as_posix()


def sha256_file(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def library_versions() -> list[str]:
    """The tool's version, and those of the libraries whose new releases may change a PDF
    (layout, PDF writing, CLDR dates and numbers, templates)."""
    libraries = ("weasyprint", "pydyf", "babel", "jinja2")
    return [f"handouts {__version__}"] + [f"{name} {version(name)}" for name in libraries]


class InputHasher:
    """Hashes a job's inputs; each file and catalog is hashed once per build."""

    def __init__(self, project: Project):
        self.project = project
        self.tool = [*library_versions(), f"SOURCE_DATE_EPOCH={build_epoch()}"]
        self._catalogs: dict[tuple[str, str], str] = {}

    def job_hash(
        self, clinic: LoadedClinic, handout: LoadedHandout, translations: list[Translations], variants: tuple[str, ...]
    ) -> str:
        """translations: the patient's language, then a bilingual copy's second language."""
        parts = [
            *self.tool,
            f"clinic {clinic.id} {self.folder(clinic.folder)}",
            # The files actually used, the project's own or the packaged ones: upgrading the
            # tool's library rebuilds what it changed.
            f"templates {self.folder(*self.project.template_dirs)}",
            f"fonts {self.folder(self.project.fonts_folder)}",
            f"variants {' '.join(variants)}",
        ]
        # A form prints another handout's sections: that handout's file and catalog are inputs too.
        for loaded in (handout, *handout.refs.values()):
            parts.append(f"handout {loaded.id} {self.file(loaded.path)}")
            if loaded.asset_dir.is_dir():
                parts.append(f"assets {loaded.id} {self.folder(loaded.asset_dir)}")
        for language in translations:
            parts.append(f"lang {language.lang}")
            parts.append(f"reviews {self.reviews(language)}")
            parts += [f"catalog {d} {self.catalog(language, d)}" for d in (*handout.domains, COMMON_DOMAIN)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @functools.cache  # noqa: B019 - one hasher per build; the cache is the point
    def file(self, path: Path) -> str:
        return sha256_file(path)

    @functools.cache  # noqa: B019
    def folder(self, *folders: Path) -> str:
        """Every file under the folders, by relative path and content; a name found in an
        earlier folder hides the same name in later ones (a project's own template the packaged one)."""
        used: dict[str, Path | None] = {}
        for folder in folders:
            # Never across a link that leaves the project: a linked templates/ is not the whole disk.
            for name, path in self.project.sandbox.files(folder):
                used.setdefault(name, path)
        lines = [f"{name} {'outside' if path is None else self.file(path)}" for name, path in sorted(used.items())]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def reviews(self, translations: Translations) -> str:
        path = translations.reviews_file
        if not self.project.sandbox.allows(path):
            return "outside"  # never read: the build refuses what it would approve
        return self.file(path) if path.is_file() else "none"

    def catalog(self, translations: Translations, domain: str) -> str:
        """A language's catalog of domain, and those a regional variant falls back to."""
        return " ".join(self._one_catalog(link, domain) for link in translations.chain)

    def _one_catalog(self, translations: Translations, domain: str) -> str:
        """The entries of one catalog that can reach a page: ids, contexts, translations and fuzzy flags.

        Comments, line numbers and headers are left out: changing them changes no PDF."""
        if translations.is_source:
            return "source"
        catalog = translations.catalog(domain)
        if not isinstance(catalog, Catalog):
            return f"error {catalog}"
        key = (translations.lang, domain)
        if key not in self._catalogs:
            plural = f"plural {catalog.num_plurals} {catalog.plural_expr}"
            entries = [plural, *sorted(repr((m.id, m.context, m.string, m.fuzzy)) for m in catalog if m.id)]
            self._catalogs[key] = hashlib.sha256("\n".join(entries).encode()).hexdigest()
        return self._catalogs[key]


@dataclass(frozen=True)
class Entry:
    """One file in the manifest (a PDF or an HTML page): the audit trail of what a patient was given."""

    path: str  # relative to the output folder
    clinic: str
    language: str
    handout: str
    version: str
    review_due: str
    translated: int  # entries printed in the language
    total: int  # entries the PDF used; the rest fell back to English
    pages: int
    sha256: str
    inputs: str
    variants: list[str] = field(default_factory=list)
    # Clinicians who approved the translated safety text it prints, "Name, role (date)";
    # and how many translated safety-critical entries it prints without such approval.
    reviewed_by: list[str] = field(default_factory=list)
    unapproved: int = 0
    packet: list[str] = field(default_factory=list)  # a packet's handouts, in order (its id is `handout`)
    format: str = "pdf"  # the output format (formats.py)
    title: str = ""  # the handout's title as printed, in its language
    # What was said when it was printed (English fallback, over its page target ...): a
    # --strict build refuses a file with warnings even when its inputs are unchanged.
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Withdrawn:
    """A file taken out of the print folders: what it was, why, when, and where it went."""

    path: str
    handout: str
    version: str
    reason: str
    date: str
    moved_to: str


class Manifest:
    """output/manifest.json. A partial build updates its own entries and keeps the others."""

    def __init__(self, out_dir: Path, shown_as: str):
        self.out_dir = out_dir
        self.path = out_dir / MANIFEST_NAME
        self.shown_as = shown_as
        self.entries: dict[str, Entry] = {}
        self.withdrawn: list[Withdrawn] = []
        self.library: dict[str, str] = {}  # the library's pages this tool wrote: path -> sha256
        self.refusals: dict[str, str] = {}  # this build's reasons not to make a file (not saved)

    @classmethod
    def load(cls, out_dir: Path, shown_as: str) -> Manifest:
        """The manifest on disk; anything but one this tool wrote is one error naming it, never a traceback."""
        manifest = cls(out_dir, shown_as)
        if not manifest.path.is_file():
            return manifest
        fix = "delete it and build again with --force"
        try:
            data = _read_json(manifest.path)
            entries, withdrawn, library = _entries(data), _withdrawn(data), _library(data)
        except ValueError as exc:
            raise HandoutsError(Problem(shown_as, f"not a handouts manifest ({exc}); {fix}")) from None
        manifest.entries = {entry.path: entry for entry in entries}
        manifest.withdrawn = withdrawn
        manifest.library = library if "library" in data or not entries else _pages_before_records(out_dir)
        return manifest

    def key(self, output: Path) -> str:
        return output.relative_to(self.out_dir).as_posix()

    def up_to_date(self, output: Path, inputs: str) -> bool:
        entry = self.entries.get(self.key(output))
        return entry is not None and entry.inputs == inputs and output.is_file() and sha256_file(output) == entry.sha256

    def record(self, entry: Entry) -> None:
        self.entries[entry.path] = entry

    def refuse(self, key: str, problem: Problem) -> None:
        self.refusals[key] = str(problem)

    def owns(self, key: str, sha256: str) -> bool:
        """Is the file at key the one this tool wrote there: a plain file inside the output
        folder (no link on the way), with the content the manifest recorded?"""
        path = self.out_dir / key
        try:
            inside = path.resolve().is_relative_to(self.out_dir.resolve())
            return inside and path.is_file() and not path.is_symlink() and sha256_file(path) == sha256
        except OSError:
            return False

    def withdraw(self, key: str, reason: str, date: str) -> str:
        """Move a file the tool wrote out of the print folders into _withdrawn/ and record why.

        Says what happened: "moved"; "absent" (nothing there); "foreign" (something there the
        tool did not write: another content, a link, a forged entry's target), left in place."""
        entry = self.entries.pop(key, None)
        source = self.out_dir / key
        if entry is None or not (source.exists() or source.is_symlink()):
            return "absent"
        if key not in entry_paths(entry) or not self.owns(key, entry.sha256):
            return "foreign"
        target = withdrawn_path(self.out_dir, key)
        if target.exists():  # withdrawn before: both copies are kept, each where its record says
            target = target.with_name(f"{target.stem}-{entry.sha256[:12]}{target.suffix}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
        except OSError as exc:  # still in the print folder: recorded as it was, and the build fails
            self.entries[key] = entry
            shown = (PurePosixPath(self.shown_as).parent / key_of(self.out_dir, target)).as_posix()
            raise OutputError(output_problem(exc, target, shown)) from None
        moved_to = key_of(self.out_dir, target)
        self.withdrawn.append(Withdrawn(key, entry.handout, entry.version, reason, date, moved_to))
        return "moved"

    def save(self) -> None:
        """Write the manifest atomically, dropping entries whose file is gone."""
        kept = [entry for key, entry in sorted(self.entries.items()) if (self.out_dir / key).is_file()]
        data = {
            "format": MANIFEST_FORMAT,
            "pdfs": [_entry_data(entry) for entry in kept],
            "withdrawn": [asdict(item) for item in self.withdrawn],
            "library": [
                {"path": key, "sha256": sha}
                for key, sha in sorted(self.library.items())
                if (self.out_dir / key).is_file()
            ],
        }
        if not data["library"]:
            del data["library"]
        text = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
        if not kept and not self.withdrawn and not self.library and not self.path.exists():
            return
        if not self.path.is_file() or self.path.read_bytes() != text:
            write_atomically(self.path, text, self.shown_as)


def _entry_data(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    for optional in ("packet", "warnings"):
        if not data[optional]:
            del data[optional]  # a single handout's entry, printed without a word, reads as it always has
    return data


def entry_paths(entry: Entry) -> set[str]:
    """Where the tool writes the file an entry describes (its language folder by tag, or by code
    as older versions named it): an entry naming any other path does not describe the tool's file."""
    if entry.packet:
        path = packet_path(Path(), PacketJob(entry.clinic, entry.language, entry.handout, tuple(entry.packet)))
    else:
        job = Job(entry.clinic, entry.language, entry.handout, tuple(entry.variants), format=entry.format)
        path = output_path(Path(), job)
    inside = path.relative_to(language_folder(Path(), entry.clinic, entry.language)).as_posix()
    return {f"{entry.clinic}/{folder}/{inside}" for folder in (language_tag(entry.language), entry.language)}


MAX_MANIFEST_BYTES = 50_000_000  # about 100,000 PDFs
_TYPES = {"int": int, "str": str, "list[str]": list}
_ENTRY_TYPES = {f.name: _TYPES[str(f.type)] for f in fields(Entry)}
# Not in format 1 or early format 2; a single handout's entry has no packet; format and title came in 3,
# warnings later (and only on an entry that has some).
_OPTIONAL = {"variants", "reviewed_by", "unapproved", "packet", "format", "title", "warnings"}


def _read_json(path: Path) -> Any:
    """The manifest's JSON; ValueError saying why when it cannot be read."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"it cannot be read: {exc.strerror}") from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise ValueError(f"it is larger than {MAX_MANIFEST_BYTES // 1_000_000} MB")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise ValueError("its JSON is nested too deeply") from None


def _entries(data: Any) -> list[Entry]:
    """The entries of a manifest as json.loads gave it; ValueError for any other shape."""
    if not isinstance(data, dict) or "pdfs" not in data:
        raise ValueError('expected a JSON object with "format" and "pdfs"')
    if data.get("format") not in READABLE_FORMATS:
        return []  # another format: rebuilt from scratch and rewritten on save
    if not isinstance(data["pdfs"], list):
        raise ValueError('"pdfs" must be a list')
    return [_entry(item, index) for index, item in enumerate(data["pdfs"])]


def _entry(item: Any, index: int) -> Entry:
    where = f"pdfs[{index}]"
    if not isinstance(item, dict) or not set(_ENTRY_TYPES) - _OPTIONAL <= set(item) <= set(_ENTRY_TYPES):
        raise ValueError(f"{where} must be an object with the keys {', '.join(_ENTRY_TYPES)}")
    for name, kind in _ENTRY_TYPES.items():
        if name in item and not isinstance(item[name], kind):
            raise ValueError(f"{where}.{name} must be {'a whole number' if kind is int else 'text'}")
    if item.get("format", "pdf") not in FORMATS:
        raise ValueError(f"{where}.format must be one of {', '.join(FORMATS)}")
    path = PurePosixPath(item["path"])
    if path.is_absolute() or ".." in path.parts or not item["path"]:
        raise ValueError(f"{where}.path must be a path inside the output folder")
    _check_date(item["review_due"], f"{where}.review_due")
    _check_language(item["language"], f"{where}.language")
    return Entry(**item)


def _check_date(text: str, where: str) -> None:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where} must be a date such as 2027-01-31, not {text[:40]!r}") from None


def _check_language(text: str, where: str) -> None:
    if not _is_language(text):
        raise ValueError(f"{where} must be a language code such as de or zh-Hans, not {text[:40]!r}")


@functools.cache  # a manifest names a few languages thousands of times
def _is_language(text: str) -> bool:
    try:
        Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _pages_before_records(out_dir: Path) -> dict[str, str]:
    """The library pages of an output folder whose manifest predates their record: the tool's then
    (that version replaced every page at these places), so they are recorded as found, once."""
    found = [out_dir / SITE_PAGE, *out_dir.glob(f"*/{SITE_PAGE}"), *out_dir.glob(f"*/*/{SITE_PAGE}")]
    return {
        path.relative_to(out_dir).as_posix(): sha256_file(path)
        for path in found
        if path.is_file() and not path.is_symlink() and path.relative_to(out_dir).parts[0] != WITHDRAWN_DIR
    }


def _library(data: dict[str, Any]) -> dict[str, str]:
    """The library pages a manifest records (none in a manifest older than that record)."""
    items = data.get("library", [])
    if not isinstance(items, list):
        raise ValueError('"library" must be a list of objects')
    pages = {}
    for index, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or set(item) != {"path", "sha256"}
            or not all(isinstance(v, str) for v in item.values())
        ):
            raise ValueError(f"library[{index}] must be an object with the text keys path, sha256")
        path = PurePosixPath(item["path"])
        if path.is_absolute() or ".." in path.parts or path.name != "index.html":
            raise ValueError(f"library[{index}].path must be an index.html inside the output folder")
        pages[item["path"]] = item["sha256"]
    return pages


def _withdrawn(data: Any) -> list[Withdrawn]:
    items = data.get("withdrawn", []) if data.get("format") in READABLE_FORMATS else []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError('"withdrawn" must be a list of objects')
    keys = {f.name for f in fields(Withdrawn)}
    for index, item in enumerate(items):
        if set(item) != keys or not all(isinstance(value, str) for value in item.values()):
            raise ValueError(f"withdrawn[{index}] must be an object with the text keys {', '.join(sorted(keys))}")
    return [Withdrawn(**item) for item in items]
