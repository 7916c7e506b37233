"""Hostile and broken input: each gets one `file:line key: message` line naming the fix, exit 1, no traceback.

YAML that attacks the parser, templates that reach outside their folders, images and fonts
that are not what they claim, output folders that cannot take a PDF, manifests of any shape,
and a preview port that cannot be used. Nothing reaches outside the project."""

from __future__ import annotations

import errno
import io
import json
import os
import socket
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import HANDOUT, REPO, Result, copy_project, pdf_text
from handouts.atomic import remove_orphaned_temps, write_atomically
from handouts.errors import OutputError

CLINIC = "clinics/stadtpark/clinic.yaml"
HANDOUT_FILE = f"handouts/{HANDOUT}.yaml"
ONE_JOB = ("--clinic", "stadtpark", "--lang", "de", "--handout", HANDOUT, "-j", "1")
PDF = f"output/stadtpark/de/{HANDOUT}.pdf"
SECRET = "TOP-SECRET-do-not-print-4711"


# -- Helpers ----------------------------------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    content = path.read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


def assert_one_line_error(result: Result, expected: str) -> None:
    """Exit 1, no traceback, and the expected text on one `error:` line."""
    output = result.out + result.err
    assert result.code == 1, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.startswith("error: ")]
    assert any(expected in line for line in lines), output


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*.tmp")]


def all_output_text(root: Path) -> str:
    """Every byte the build wrote, and the text of every PDF, for checking nothing leaked."""
    texts = []
    for path in (root / "output").rglob("*") if (root / "output").exists() else []:
        if path.is_file():
            texts.append(path.read_bytes().decode("latin-1"))
            if path.suffix == ".pdf":
                texts.append(pdf_text(path))
    return "\n".join(texts)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the project that must never reach a PDF."""
    path = tmp_path / "outside" / "secret.html"
    path.parent.mkdir()
    path.write_text(f"<p>{SECRET}</p>\n")
    return path


# -- YAML -------------------------------------------------------------------------------

BILLION_LAUGHS = 'lol1: &lol1 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"lol{i}: &lol{i} [{','.join([f'*lol{i - 1}'] * 9)}]\n" for i in range(2, 10)
)

# (file, text to replace, replacement, line of the error (None: none), the message)
YAML_CASES = [
    pytest.param(
        CLINIC,
        "name: Physiotherapie",
        "name: Physio\x07therapie",
        2,
        "the character '\\x07' (U+0007) is not allowed in YAML; delete it",
        id="clinic-control-character",
    ),
    pytest.param(
        CLINIC,
        "phone: 030",
        "phone: \x00030",
        10,
        "the character '\\x00' (U+0000) is not allowed in YAML; delete it",
        id="clinic-nul-byte",
    ),
    pytest.param(
        CLINIC,
        '  accent: "#eaf3e8"',
        '\taccent: "#eaf3e8"',
        6,
        "YAML syntax error: found character '\\t' that cannot start any token",
        id="clinic-scanner-tab",
    ),
    pytest.param(
        CLINIC,
        "  accent:",
        " accent:",
        6,
        "YAML syntax error: expected <block end>, but found '<block mapping start>'",
        id="clinic-parser-indent",
    ),
    pytest.param(
        CLINIC,
        "logo: logo.png",
        "logo: !!python/name:os.system",
        3,
        "the YAML tag '!!python/name:os.system' is not allowed; remove it",
        id="clinic-python-name-tag",
    ),
    pytest.param(
        CLINIC,
        "logo: logo.png",
        'logo: !!python/object/apply:os.system ["touch /tmp/pwned"]',
        3,
        "the YAML tag '!!python/object/apply:os.system' is not allowed; remove it",
        id="clinic-python-apply-tag",
    ),
    pytest.param(
        CLINIC,
        "logo: logo.png",
        "logo: !include /etc/passwd",
        3,
        "the YAML tag '!include' is not allowed; remove it",
        id="clinic-custom-tag",
    ),
    pytest.param(
        CLINIC,
        "colors:",
        "colors: &brand",
        4,
        "anchors (&name) and aliases (*name) are not allowed here; write each value out in full",
        id="clinic-anchor",
    ),
    pytest.param(
        CLINIC,
        "paper: A4",
        "paper: *a4",
        14,
        "anchors (&name) and aliases (*name) are not allowed here; write each value out in full",
        id="clinic-undefined-alias",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "session_count: 6\n---\nname: again",
        18,
        "YAML syntax error: but found another document",
        id="clinic-two-documents",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "? [a, b]\n: c",
        17,
        "a key must be plain text, not a list or mapping; rename it",
        id="clinic-list-as-key",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "session_count: " + "9" * 5000,
        17,
        "'" + "9" * 77 + "'... cannot be read as a whole number; fix it or put it in quotes",
        id="clinic-5000-digit-number",
    ),
    pytest.param(
        CLINIC,
        "address:",
        "address: " + "[" * 10_000 + "]" * 10_000 + "\nold_address:",
        7,
        "nested more than 50 levels deep; flatten the structure",
        id="clinic-10000-nested-brackets",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "session_count: 6\n# " + "x" * 1_100_000,
        None,
        "larger than 1 MB; a handouts file must be smaller",
        id="clinic-over-1-MB",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "session_count: 6\nfooter_text: " + "x" * 10_000_000,
        None,
        "larger than 1 MB; a handouts file must be smaller",
        id="clinic-10-MB-footer-text",
    ),
    pytest.param(
        HANDOUT_FILE,
        "approved: 2026-11-01",
        "approved: 2028-02-30",
        17,
        "'2028-02-30' is not a real date; write it as YYYY-MM-DD, e.g. 2028-02-28",
        id="handout-30-february",
    ),
    pytest.param(
        HANDOUT_FILE,
        "review_due: 2028-11-01",
        "review_due: 2028-13-01",
        18,
        "'2028-13-01' is not a real date; write it as YYYY-MM-DD",
        id="handout-month-13",
    ),
    pytest.param(
        HANDOUT_FILE,
        "title: Microcurrent therapy",
        "title: Micro\x1bcurrent therapy",
        29,
        "the character '\\x1b' (U+001B) is not allowed in YAML; delete it",
        id="handout-escape-character",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle: !!python/object/new:os.system [id]",
        30,
        "the YAML tag '!!python/object/new:os.system' is not allowed; remove it",
        id="handout-python-new-tag",
    ),
    pytest.param(
        HANDOUT_FILE,
        "meta:",
        BILLION_LAUGHS + "meta:",
        13,
        "anchors (&name) and aliases (*name) are not allowed here",
        id="handout-billion-laughs",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle:\n" + "".join("  " * i + f"  k{i}:\n" for i in range(60)) + "  " * 60 + "  end: 1",
        79,  # the first value 51 levels down
        "nested more than 50 levels deep; flatten the structure",
        id="handout-deep-block-nesting",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle: " + "{" * 5000 + "}" * 5000,
        30,
        "nested more than 50 levels deep",
        id="handout-5000-nested-braces",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle: !!binary aGVsbG8=",
        30,
        "the YAML tag '!!binary' is not allowed; remove it",
        id="handout-binary-tag",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle: Information for patients\n# " + "y" * 1_000_001,
        None,
        "larger than 1 MB",
        id="handout-over-1-MB",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "line", "message"), YAML_CASES)
def test_hostile_yaml_is_one_line(
    project: Path, run, file: str, old: str, new: str, line: int | None, message: str
) -> None:
    edit(project / file, old, new)
    result = run(project, "build", *ONE_JOB)
    where = file if line is None else f"{file}:{line}"
    assert_one_line_error(result, f"error: {where}: {message}")
    assert not (project / PDF).exists()


def test_alias_bomb_is_refused_before_anything_is_expanded(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted in nodes, not seconds: the refusal comes at the first anchor, so no input can make it slow.
    from handouts.errors import ConfigError
    from handouts.yamlfile import BoundedLoader, load_yaml

    composed: list[object] = []
    compose_node = BoundedLoader.compose_node

    def counting(loader: BoundedLoader, parent: object, index: object) -> object:
        composed.append(loader.peek_event())
        return compose_node(loader, parent, index)

    monkeypatch.setattr(BoundedLoader, "compose_node", counting)
    path = project / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(ConfigError, match=r"bomb\.yaml:1: anchors"):
        load_yaml(path, "bomb.yaml")
    assert len(composed) == 3, composed  # the document's mapping, the key lol1, and its anchored value


def test_clinic_file_not_utf8(project: Path, run) -> None:
    path = project / CLINIC
    path.write_bytes(path.read_bytes().replace("Parkstraße".encode(), "Parkstraße".encode("latin-1")))
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC}:8: not UTF-8 text (invalid continuation byte); save it as UTF-8")


def test_clinic_file_that_is_a_folder(project: Path, run) -> None:
    path = project / CLINIC
    path.unlink()
    path.mkdir()
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC}: this is a folder, not a file; replace it with a YAML file")


def test_real_dates_still_load(project: Path) -> None:
    import datetime as dt

    from handouts.project import Project

    meta = Project(project).load_handout(HANDOUT).handout.meta
    assert meta.approved == dt.date(2026, 11, 1)
    assert meta.review_due == dt.date(2028, 11, 1)


def test_error_quotes_at_most_80_characters(project: Path, run) -> None:
    edit(project / CLINIC, "session_count: 6", "session_count: !!int " + "z" * 5000)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC}:17: '{'z' * 77}'... cannot be read as a whole number")
    assert max(len(line) for line in (result.out + result.err).splitlines()) < 200


# -- Templates -------------------------------------------------------------------------

CLINIC_TEMPLATES = "clinics/stadtpark/templates"


def clinic_template(root: Path, body: str, name: str = "handout.html") -> Path:
    path = root / CLINIC_TEMPLATES / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{% extends "base/handout.html" %}\n{% block content %}\n' + body + "\n{{ super() }}{% endblock %}\n"
    )
    return path


def test_clinic_template_include_of_a_link_to_a_secret(project: Path, secret: Path, run) -> None:
    clinic_template(project, '{% include "x.html" %}')
    (project / CLINIC_TEMPLATES / "x.html").symlink_to(secret)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result,
        f"error: {CLINIC_TEMPLATES}/handout.html:3: the template 'x.html' links to a file outside the template "
        "folders; copy the file into the folder instead of linking to it",
    )
    assert SECRET not in all_output_text(project) + result.out + result.err
    assert not (project / PDF).exists()


def test_shipped_template_include_of_a_link_to_etc_passwd(project: Path, run) -> None:
    (project / "templates/evil.html").symlink_to("/etc/passwd")
    clinic_template(project, '{% include "evil.html" %}')
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:3: the template 'evil.html' links to")
    assert "root:" not in all_output_text(project) + result.out


def test_clinic_template_that_is_itself_a_link(project: Path, secret: Path, run) -> None:
    (project / CLINIC_TEMPLATES).mkdir(parents=True)
    (project / CLINIC_TEMPLATES / "handout.html").symlink_to(secret)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html: the template 'handout.html' links to")
    assert SECRET not in all_output_text(project) + result.out


def test_linked_folder_inside_the_templates(project: Path, secret: Path, run) -> None:
    clinic_template(project, '{% include "shared/secret.html" %}')
    (project / CLINIC_TEMPLATES / "shared").symlink_to(secret.parent, target_is_directory=True)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:3: the template 'shared/secret.html'")
    assert SECRET not in all_output_text(project) + result.out


def test_link_inside_the_clinic_templates_is_allowed(project: Path, run) -> None:
    clinic_template(project, "<p>Please arrive ten minutes early.</p>", name="real.html")
    (project / CLINIC_TEMPLATES / "handout.html").symlink_to("real.html")
    result = run(project, "build", *ONE_JOB)
    assert result.code == 0, result.out + result.err
    assert "Please arrive ten minutes early." in " ".join(pdf_text(project / PDF).split())


TEMPLATE_MISTAKES = [
    pytest.param(
        "{% if %}",
        "3: template syntax error: Expected an expression, got 'end of statement block'; fix the template",
        id="syntax-error",
    ),
    pytest.param(
        '{% include "directions.html" %}',
        "3: no template 'directions.html'; put it in templates/ or the clinic's templates/ folder, or fix the name",
        id="missing-include",
    ),
    pytest.param(
        "{{ ''.__class__.__mro__ }}",
        "3: not allowed in a template: access to attribute '__class__' of 'str' object is unsafe; remove it",
        id="sandbox-mro",
    ),
    pytest.param(
        "{{ clinic.__init__.__globals__ }}",
        "3: not allowed in a template: access to attribute '__init__' of 'Clinic' object is unsafe; remove it",
        id="sandbox-globals",
    ),
    pytest.param(
        "{{ opening_hours }}",
        "3: 'opening_hours' is undefined in the template; fix the name or remove it",
        id="undefined-name",
    ),
    pytest.param(
        '{% include "../../../templates/handout.html" %}',
        "3: no template '../../../templates/handout.html'",
        id="dot-dot-include",
    ),
]


@pytest.mark.parametrize(("body", "message"), TEMPLATE_MISTAKES)
def test_template_mistakes_name_the_template_and_line(project: Path, run, body: str, message: str) -> None:
    clinic_template(project, body)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:{message}")
    assert "0 built, 0 skipped, 2 failed" in result.out  # the PDF and its HTML copy, the problem listed once
    assert not (project / PDF).exists()


def test_template_not_utf8(project: Path, run) -> None:
    (project / CLINIC_TEMPLATES).mkdir(parents=True)
    (project / CLINIC_TEMPLATES / "handout.html").write_bytes("<p>Stra\xdfe</p>".encode("latin-1"))
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result, f"error: {CLINIC_TEMPLATES}/handout.html: template 'handout.html' is not UTF-8 text; save it as UTF-8"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<p>Stra\xdfe</p>", "template 'page.html' is not UTF-8 text; save it as UTF-8"),
        (b"<p>" + b"x" * 1_000_001, "template 'page.html' is larger than 1 MB; make it smaller"),
    ],
    ids=["not-utf8", "over-1-MB"],
)
def test_sandboxed_loader_reads_within_limits(tmp_path: Path, content: bytes, message: str) -> None:
    from jinja2 import TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    from handouts.templating import SandboxedLoader, template_problem

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/page.html").write_bytes(content)
    environment = SandboxedEnvironment(loader=SandboxedLoader([tmp_path / "templates"]))
    with pytest.raises(TemplateError) as caught:
        environment.get_template("page.html")
    assert str(template_problem(caught.value, tmp_path)) == f"templates/page.html: {message}"


def test_broken_clinic_template_fails_only_that_clinic(tmp_path: Path, run) -> None:
    project = copy_project(tmp_path / "p", ["stadtpark", "tilleuls"])
    clinic_template(project, "{% if %}")
    result = run(project, "build", "--lang", "en", "--handout", HANDOUT, "-j", "1")
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:3: template syntax error")
    assert (project / f"output/tilleuls/en/{HANDOUT}.pdf").is_file()
    assert not (project / f"output/stadtpark/en/{HANDOUT}.pdf").exists()


def test_template_runtime_error_fails_only_that_clinic(tmp_path: Path, run) -> None:
    project = copy_project(tmp_path / "p", ["stadtpark", "tilleuls"])
    clinic_template(project, "{{ 1 / 0 }}")
    result = run(project, "build", "--lang", "en", "--handout", HANDOUT, "-j", "1")
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:3:")
    assert (project / f"output/tilleuls/en/{HANDOUT}.pdf").is_file()


# -- Images ------------------------------------------------------------------------------


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "JPEG")
    return buffer.getvalue()


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">\n'

# (logo file name, its bytes, the reason in the message)
IMAGE_CASES = [
    pytest.param("logo.png", png_bytes()[:50] + b"\0" * 40, "it is not a readable PNG image", id="png-corrupt"),
    pytest.param("logo.png", png_bytes()[:-20], "it is not a readable PNG image", id="png-truncated"),
    pytest.param(
        "logo.png",
        png_header_only(100_000, 100_000),
        "it claims more than 25 megapixels; save it at a smaller size",
        id="png-100000x100000-header",
    ),
    pytest.param(
        "logo.png",
        png_header_only(6000, 6000),
        "it is 6000 × 6000 pixels; at most 25 megapixels are allowed",
        id="png-36-megapixels",
    ),
    pytest.param(
        "logo.png", b"<html>not an image</html>", "it is not a PNG image (its content is not an image", id="png-text"
    ),
    pytest.param("logo.png", jpeg_bytes(), "it is not a PNG image (it looks like JPEG)", id="png-really-jpeg"),
    pytest.param("logo.jpg", jpeg_bytes()[:30], "it is not a readable JPEG image", id="jpeg-truncated"),
    pytest.param("logo.png", b"\x89PNG" + b"\0" * 5_000_001, "it is 5.0 MB; at most 5 MB is allowed", id="over-5-MB"),
    pytest.param(
        "logo.svg",
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;">\n]>\n'
        + SVG.encode()
        + b"<text>&b;</text></svg>",
        "line 2 of the SVG has a DOCTYPE or entity declaration",
        id="svg-doctype-entities",
    ),
    pytest.param(
        "logo.svg",
        (SVG + '<image href="file:///etc/passwd" width="10" height="10"/>\n</svg>\n').encode(),
        "line 2 of the SVG refers to 'file:///etc/passwd'; only references inside the SVG (#id) are allowed",
        id="svg-href-file",
    ),
    pytest.param(
        "logo.svg",
        (SVG + '\n<image xlink:href="http://127.0.0.1:9/x.png" width="10" height="10"/>\n</svg>\n').encode(),
        "line 3 of the SVG refers to 'http://127.0.0.1:9/x.png'",
        id="svg-xlink-href-network",
    ),
    pytest.param(
        "logo.svg",
        (SVG + "<script>alert(1)</script></svg>").encode(),
        "line 2 of the SVG has a <script> element",
        id="svg-script",
    ),
    pytest.param(
        "logo.svg",
        (SVG + '<style>@import url("http://127.0.0.1:9/x.css");</style></svg>').encode(),
        "line 2 of the SVG has styles that refer to another file or address",
        id="svg-style-import",
    ),
    pytest.param(
        "logo.svg",
        (SVG + "<rect width='10' height='10'></svg>").encode(),
        "line 2 of the SVG is not well-formed XML (mismatched tag)",
        id="svg-unparseable",
    ),
]


@pytest.mark.parametrize(("name", "data", "reason"), IMAGE_CASES)
def test_bad_logo_is_refused_on_load(project: Path, run, name: str, data: bytes, reason: str) -> None:
    (project / "clinics/stadtpark" / name).write_bytes(data)
    edit(project / CLINIC, "logo: logo.png", f"logo: {name}")
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC}:3 logo: logo file '{name}' cannot be used: {reason}")
    assert "save it again as a plain SVG, PNG or JPEG" in result.out
    assert not (project / PDF).exists()


def test_svg_with_local_references_is_accepted() -> None:
    from handouts.images import image_problem

    path = REPO / "clinics/riverside/logo.svg"
    assert image_problem(path) is None


# -- Fonts -------------------------------------------------------------------------------


def own_fonts(root: Path, broken: bytes) -> None:
    """A real fonts/ folder (not the shared link): Noto Sans, plus a family whose file is broken."""
    (root / "fonts").unlink()
    (root / "fonts").mkdir()
    for name in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"):
        (root / "fonts" / name).write_bytes((REPO / "fonts" / name).read_bytes())
    (root / "fonts/Broken.ttf").write_bytes(broken)
    (root / "fonts/fonts.yaml").write_text(
        "families:\n"
        "  Noto Sans:\n    regular: NotoSans-Regular.ttf\n    bold: NotoSans-Bold.ttf\n"
        "  Broken Sans:\n    regular: Broken.ttf\n"
        "stacks:\n  default: [Noto Sans]\n"
    )


FONT_CASES = [
    pytest.param(b"this is not a font" * 100, "it is not a readable font (Not a TrueType or OpenType font", id="text"),
    pytest.param(b"", "it is not a readable font", id="empty"),
    pytest.param(
        (REPO / "fonts/NotoSans-Regular.ttf").read_bytes()[:40_000],
        "it is cut short (a table runs past the end of the file)",
        id="truncated",
    ),
]


@pytest.mark.parametrize(("data", "reason"), FONT_CASES)
def test_broken_font_file_is_named(project: Path, run, data: bytes, reason: str) -> None:
    own_fonts(project, data)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result,
        f"error: fonts/fonts.yaml:6 families.Broken Sans.regular: font file 'Broken.ttf' cannot be used: {reason}",
    )
    assert "replace it with a working .ttf or .otf" in result.out
    assert not (project / PDF).exists()


# -- Output --------------------------------------------------------------------------------


def test_file_in_the_way_of_the_output_folder(project: Path, run) -> None:
    (project / "output").mkdir()
    (project / "output/stadtpark").write_text("not a folder")
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result, "error: output/stadtpark: a file is in the way of the output folder; move or delete it, or pass --out"
    )
    assert temp_files(project) == []


def test_out_option_naming_a_file(project: Path, run) -> None:
    (project / "elsewhere").write_text("a file")
    result = run(project, "build", *ONE_JOB, "--out", str(project / "elsewhere"))
    assert result.code == 2
    assert "Traceback" not in result.out + result.err
    assert "'--out'" in result.err and "is a file" in result.err


def test_folder_in_the_way_of_the_pdf(project: Path, run) -> None:
    (project / PDF).mkdir(parents=True)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result, f"error: {PDF}: a folder is in the way of this file; move or delete the folder, or pass --out"
    )
    assert temp_files(project) == []


def test_read_only_output_folder(project: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, which ignores file modes: refuse the rename as a read-only folder would.
    def refuse(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result,
        f"error: {PDF}: cannot write here (Permission denied); make the folder writable or pass --out DIR elsewhere",
    )
    assert temp_files(project) == []
    assert not (project / PDF).exists()


def test_full_disk_on_fsync(project: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result, f"error: {PDF}: the disk is full; free some space, or pass --out DIR on another disk, and try again"
    )
    assert temp_files(project) == []
    assert not (project / PDF).exists()


def test_full_disk_half_way_through_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import handouts.atomic

    target = tmp_path / "out/a.pdf"
    target.parent.mkdir()
    target.write_bytes(b"the old PDF")

    def half_then_full(file: io.BufferedWriter, data: bytes) -> None:
        file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(handouts.atomic, "_write_data", half_then_full)
    with pytest.raises(OutputError) as caught:
        write_atomically(target, b"x" * 1000, "output/a.pdf")
    assert str(caught.value) == (
        "output/a.pdf: the disk is full; free some space, or pass --out DIR on another disk, and try again"
    )
    assert target.read_bytes() == b"the old PDF"  # the old file is untouched
    assert list(target.parent.iterdir()) == [target]  # and the half-written temp file is gone


def test_manifest_that_is_a_folder(project: Path, run) -> None:
    (project / "output/manifest.json").mkdir(parents=True)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, "error: output/manifest.json: a folder is in the way of this file")
    assert temp_files(project) == []


# -- Manifest -------------------------------------------------------------------------------

MANIFEST_CASES = [
    pytest.param(b"[]", 'expected a JSON object with "format" and "pdfs"', id="list"),
    pytest.param(b'"manifest"', 'expected a JSON object with "format" and "pdfs"', id="string"),
    pytest.param(b"42", 'expected a JSON object with "format" and "pdfs"', id="number"),
    pytest.param(b'{"format": 1, "pdfs": [1, 2]}', "pdfs[0] must be an object with the keys path,", id="ints"),
    pytest.param(b'{"format": 1, "pdfs": [{"path": 5}]}', "pdfs[0] must be an object", id="path-number"),
    pytest.param(b'{"format": 1, "pdfs": {}}', '"pdfs" must be a list', id="pdfs-mapping"),
    pytest.param(b'{"format": 1, "pdfs": [\xff\xfe]}', "it is not UTF-8 text", id="invalid-utf8"),
    pytest.param(b'{"format": 1, "pdfs": [', "invalid JSON at line 1: Expecting value", id="invalid-json"),
    pytest.param(b"[" * 100_000, "its JSON is nested too deeply", id="deep-nesting"),
]


@pytest.mark.parametrize(("content", "why"), MANIFEST_CASES)
def test_manifest_of_any_shape(project: Path, run, content: bytes, why: str) -> None:
    (project / "output").mkdir()
    (project / "output/manifest.json").write_bytes(content)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: output/manifest.json: not a handouts manifest ({why}")
    assert "delete it and build again" in result.err


def test_manifest_entry_with_wrong_types_or_outside_path(project: Path, run) -> None:
    entry = {
        "path": "/etc/passwd",
        "clinic": "stadtpark",
        "language": "de",
        "handout": HANDOUT,
        "version": "1.0",
        "review_due": "2028-11-01",
        "translated": 1,
        "total": 1,
        "pages": 1,
        "sha256": "0",
        "inputs": "0",
    }
    (project / "output").mkdir()
    (project / "output/manifest.json").write_text(json.dumps({"format": 1, "pdfs": [entry]}))
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, "not a handouts manifest (pdfs[0].path must be a path inside the output folder)")
    (project / "output/manifest.json").write_text(json.dumps({"format": 1, "pdfs": [{**entry, "pages": "many"}]}))
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, "not a handouts manifest (pdfs[0].pages must be a whole number)")


# -- Orphaned temp files --------------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_remove_orphaned_temps_walks_the_whole_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "output"
    gone, alive = dead_pid(), os.getppid()
    orphans = [
        out / f".manifest.json.{gone}.tmp",
        out / f"stadtpark/de/.{HANDOUT}.pdf.{gone}.tmp",
        out / f"a/b/c/d/.x.pdf.{os.getpid()}.tmp",  # this process is not writing yet: from a recycled pid
        out / f"stadtpark/.x.pdf.{'9' * 30}.tmp",  # not a pid any process can have
    ]
    kept = [
        out / f"stadtpark/en/.{HANDOUT}.pdf.{alive}.tmp",  # its writer is still running
        out / f"stadtpark/en/{HANDOUT}.pdf",
        out / "stadtpark/en/notes.tmp",
        out / f"stadtpark/en/.x.pdf.{gone}.tmp.bak",
    ]
    for path in orphans + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-partial")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / f".y.pdf.{gone}.tmp").write_bytes(b"not ours")
    (out / "linked").symlink_to(outside, target_is_directory=True)

    assert sorted(remove_orphaned_temps(out)) == sorted(orphans)
    assert all(path.exists() for path in kept)
    assert not any(path.exists() for path in orphans)
    assert (outside / f".y.pdf.{gone}.tmp").exists()  # a link out of the folder is not followed
    assert remove_orphaned_temps(tmp_path / "no-such-folder") == []


# -- Preview port ----------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_preview_on_a_busy_port(project: Path, run, busy_port: int) -> None:
    result = run(project, "serve", "--port", str(busy_port))
    assert result.code == 1
    assert result.err == (
        f"error: cannot listen on 127.0.0.1:{busy_port}: the port is in use; pass --port with a free one, "
        "e.g. --port 8001\n"
    )


@pytest.mark.parametrize("port", ["70000", "-1", "65536"])
def test_preview_on_an_impossible_port(project: Path, run, port: str) -> None:
    result = run(project, "serve", "--port", port)
    assert result.code == 1
    assert result.err == (
        f"error: cannot listen on 127.0.0.1:{port}: that is not a port number; "
        "pass --port with one from 1024 to 65535\n"
    )


# -- Limits the schema still lacks (the lead's part) ------------------------------------------


def test_absurd_body_size(project: Path, run) -> None:
    edit(project / CLINIC, "session_count: 6", "session_count: 6\nbody_size: 1000000000000000000000000000000")
    result = run(project, "check", "--clinic", "stadtpark", "--lang", "de", "--handout", HANDOUT)
    assert_one_line_error(result, f"error: {CLINIC}:18 body_size:")


def test_footer_text_of_23_kB(project: Path, run) -> None:
    edit(project / CLINIC, "session_count: 6", "session_count: 6\nfooter_text: " + "Open Monday to Friday. " * 1000)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC}:18 footer_text:")


def test_an_image_weasyprint_cannot_draw_fails_the_job_not_silently(tmp_path: Path, run) -> None:
    """A clinic template's own picture that will not decode: an error, never its alt text instead."""
    project = copy_project(tmp_path / "p", ["stadtpark", "tilleuls"])
    (project / "clinics/stadtpark/broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png")
    clinic_template(project, '<img src="../clinics/stadtpark/broken.png" alt="a map">')
    result = run(project, "build", "--lang", "en", "--handout", HANDOUT, "-j", "1")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "an image could not be drawn" in result.out
    assert (project / f"output/tilleuls/en/{HANDOUT}.pdf").is_file()
    assert not (project / f"output/stadtpark/en/{HANDOUT}.pdf").exists()


def test_a_bug_in_one_job_is_an_internal_error_with_a_log_file(tmp_path: Path, run, monkeypatch) -> None:
    project = copy_project(tmp_path / "p", ["stadtpark"])

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    from handouts import formats

    monkeypatch.setitem(formats.FORMATS, "pdf", formats.Format("pdf", ".pdf", broken, broken))
    result = run(project, "build", "--lang", "en", "--lang", "de", "--handout", HANDOUT, "-j", "1")
    assert result.code == 1
    log = project / "output/handouts-internal-errors.log"
    assert f"internal error (a bug in handouts, not in your files); the traceback is in {log}" in result.out
    assert "RuntimeError: a bug" in log.read_text()
    assert "Traceback" not in result.out
