"""Jinja2 templates read like any other file: only from their own folders, and bounded.

A clinic's template may `{% include %}` or `{% extends %}` another by name. FileSystemLoader
refuses "../" in a name but follows symlinks, so a link in a clinic's templates/ folder could
pull /etc/passwd into a PDF. SandboxedLoader resolves every link first and serves only files
that really lie inside its folders; template_problem turns what Jinja raises into one line."""

from __future__ import annotations

import os
import posixpath
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from jinja2 import (
    BaseLoader,
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.bccache import Bucket
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from handouts.errors import Problem, display_path
from handouts.kept import Kept
from handouts.sandbox import FIX, Sandbox

MAX_TEMPLATE_BYTES = 1_000_000
MESSAGE_CHARS = 160  # how much of Jinja's own message is repeated
COMPILED_BYTES = 32_000_000  # compiled templates a process keeps (a 16 KB template compiles to about 60 KB)


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept in memory, by template name and file, and used only while the source
    is the same (Jinja checks its checksum): a build compiles each template once, not once per
    clinic, and a preview or check does not compile again what has not changed."""

    def __init__(self, budget: int = COMPILED_BYTES):
        self._compiled: Kept[str, bytes] = Kept(budget)

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        self._compiled.put(bucket.key, code, len(code))

    def clear(self) -> None:
        self._compiled.clear()


_COMPILED = CompiledTemplates()


def template_environment(loader: BaseLoader) -> SandboxedEnvironment:
    """The one kind of environment every page and library page renders in: sandboxed, escaping,
    strict about unknown names.

    Every environment shares the compiled templates, which is right only while they all compile
    alike: Jinja builds autoescaping, filter and test calls and `finalize` into the compiled code.
    So an environment that needs other settings, filters, tests or extensions must not be made here."""
    return SandboxedEnvironment(loader=loader, autoescape=True, undefined=StrictUndefined, bytecode_cache=_COMPILED)


class TemplateOutside(SecurityError):
    """A template file that is a link to somewhere outside the template folders.

    A SecurityError, not TemplateNotFound: ChoiceLoader would quietly try the next loader."""

    def __init__(self, name: str, filename: str, leaving: str | None = None):
        super().__init__(name)
        self.name = name
        self.filename = filename  # the link, as the user sees it
        self.leaving = leaving  # the link on the way that leads outside the project, when one does


class TemplateUnreadable(TemplateError):
    """A template file too large, or not UTF-8 text."""

    def __init__(self, name: str, filename: str, reason: str):
        super().__init__(f"template {name!r} {reason}")
        self.name = name
        self.filename = filename


class SandboxedLoader(FileSystemLoader):
    """A FileSystemLoader that serves only files whose real path is inside its folders."""

    def __init__(self, folders: Sequence[str | os.PathLike[str]], sandbox: Sandbox | None = None):
        super().__init__(list(folders))
        # Resolved once: the folders themselves may be reached through a link (e.g. a linked project).
        self.real_folders = [os.path.realpath(folder) for folder in self.searchpath]
        self.sandbox = sandbox

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        filename = self._find(template)
        if self.sandbox is not None and not self.sandbox.allows(filename):
            # A folder on the way may be the link (a clinic's templates/ -> /etc): never allowed ground.
            link = self.sandbox.leaving_link(filename)
            the_file_itself = link == Path(os.path.abspath(filename))
            raise TemplateOutside(template, filename, None if the_file_itself else _shown(str(link), self.sandbox.root))
        if not self._inside(os.path.realpath(filename)):
            raise TemplateOutside(template, filename)
        source = self._read(filename, template)
        mtime = os.path.getmtime(filename)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == mtime
            except OSError:
                return False

        return source, os.path.normpath(filename), uptodate

    def _find(self, template: str) -> str:
        pieces = split_template_path(template)  # refuses ".." in a name
        for folder in self.searchpath:
            filename = posixpath.join(folder, *pieces)
            if os.path.isfile(filename):
                return filename
        raise TemplateNotFound(template)

    def _inside(self, real: str) -> bool:
        return any(os.path.commonpath([real, folder]) == folder for folder in self.real_folders)

    def _read(self, filename: str, template: str) -> str:
        with open(filename, "rb") as file:
            data = file.read(MAX_TEMPLATE_BYTES + 1)
        if len(data) > MAX_TEMPLATE_BYTES:
            raise TemplateUnreadable(
                template, filename, f"is larger than {MAX_TEMPLATE_BYTES // 1_000_000} MB; make it smaller"
            )
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise TemplateUnreadable(template, filename, "is not UTF-8 text; save it as UTF-8") from None


def template_problem(exc: TemplateError, root: Path) -> Problem:
    """One line naming the template file (relative to the project), its line and the fix."""
    if isinstance(exc, TemplateSyntaxError):
        shown = _shown(exc.filename, root) if exc.filename else str(exc.name)
        return Problem(shown, f"template syntax error: {_cut(exc.message)}; fix the template", exc.lineno)
    shown, line = _template_frame(exc, root)
    if line is None and isinstance(exc, (TemplateOutside, TemplateUnreadable)):
        shown = _shown(exc.filename, root)  # the page's own template: name the file itself
    return Problem(shown, _message(exc), line)


def _message(exc: TemplateError) -> str:
    if isinstance(exc, TemplateOutside) and exc.leaving is not None:
        return f"the template {exc.name!r} is behind the link {exc.leaving}, which leads outside the project; {FIX}"
    if isinstance(exc, TemplateOutside):
        return (
            f"the template {exc.name!r} links to a file outside the template folders; "
            "copy the file into the folder instead of linking to it"
        )
    if isinstance(exc, TemplateUnreadable):
        return str(exc.message)
    if isinstance(exc, TemplateNotFound):
        return (
            f"no template {_cut(str(exc.name))!r}; put it in templates/ or the clinic's templates/ folder, "
            "or fix the name (a shipped template is named base/<name>)"
        )
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {_cut(exc.message)}; remove it"
    if isinstance(exc, UndefinedError):
        return f"{_cut(exc.message)} in the template; fix the name or remove it"
    return f"{_cut(exc.message)}; fix the template"


def _template_frame(exc: BaseException, root: Path) -> tuple[str, int | None]:
    """Where in a template the error happened: Jinja puts each template's own lines into the traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not frame.filename.endswith(".py") and os.path.isfile(frame.filename):
            return _shown(frame.filename, root), frame.lineno
    return "templates/", None


def _shown(filename: str, root: Path) -> str:
    # Never resolved: a link's own name is what the user sees and must fix.
    path = Path(os.path.abspath(filename))
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return display_path(path, root)


def _cut(text: str | None) -> str:
    text = " ".join((text or "").split()).rstrip(".")
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."
