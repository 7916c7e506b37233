"""Hostile and broken input: each gets one `file:line key: message` line naming the fix, exit 1, no traceback.

YAML that attacks the parser, templates that reach outside their folders, images and fonts
that are not what they claim, output folders that cannot take a PDF, manifests of any shape,
and a preview port that cannot be used. Nothing reaches outside the project."""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import http.client
import io
import json
import os
import queue
import re
import shutil
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from browser import serving
from conftest import HANDOUT, REPO, Result, copy_project, pdf_reader, pdf_text
from fixture_project import BACK_CARE as LEAFLET
from fixture_project import BACK_CARE_GERMAN as GERMAN
from fixture_project import add_clinic, make_project
from handouts.atomic import remove_orphaned_temps, write_atomically
from handouts.cli import main
from handouts.commands.serve import CONTENT_SECURITY_POLICY, PreviewServer, is_loopback
from handouts.errors import OutputError
from handouts.model.project import Project

CLINIC = "clinics/stadtpark/clinic.yaml"
HANDOUT_FILE = f"handouts/{HANDOUT}.yaml"
ONE_JOB = ("--clinic", "stadtpark", "--lang", "de", "--handout", HANDOUT, "-j", "1")
PDF = f"output/stadtpark/de/{HANDOUT}.pdf"
# The build after a language is dropped: one job is enough, a build of the clinic withdraws the dropped language.
ONE_IN_ENGLISH = ("--lang", "en", "--handout", HANDOUT, "-j", "1")
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


def shipped_value(file: str, key: str) -> str:
    """What `key:` holds in a shipped file, so the cases follow a content revision (new dates)."""
    for line in (REPO / file).read_text(encoding="utf-8").splitlines():
        if line.strip().startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{key}: not found in {file}")


APPROVED = shipped_value(HANDOUT_FILE, "approved")
REVIEW_DUE = shipped_value(HANDOUT_FILE, "review_due")

# (file, text to replace, replacement, line of the error counted from the line the replaced
# text starts on (None: no line), the message). Relative, so that revising the content above
# the edit does not move the expectation.
YAML_CASES = [
    pytest.param(
        CLINIC,
        "name: Physiotherapie",
        "name: Physio\x07therapie",
        0,
        "the character '\\x07' (U+0007) is not allowed in YAML; delete it",
        id="clinic-control-character",
    ),
    pytest.param(
        CLINIC,
        "phone: 030",
        "phone: \x00030",
        0,
        "the character '\\x00' (U+0000) is not allowed in YAML; delete it",
        id="clinic-nul-byte",
    ),
    pytest.param(
        CLINIC,
        '  accent: "#eaf3e8"',
        '\taccent: "#eaf3e8"',
        0,
        "YAML syntax error: found character '\\t' that cannot start any token",
        id="clinic-scanner-tab",
    ),
    pytest.param(
        CLINIC,
        "  accent:",
        " accent:",
        0,
        "YAML syntax error: expected <block end>, but found '<block mapping start>'",
        id="clinic-parser-indent",
    ),
    pytest.param(
        CLINIC,
        "logo: logo.png",
        "logo: !!python/name:os.system",
        0,
        "the YAML tag '!!python/name:os.system' is not allowed; remove it",
        id="clinic-python-name-tag",
    ),
    pytest.param(
        CLINIC,
        "logo: logo.png",
        'logo: !!python/object/apply:os.system ["touch /tmp/pwned"]',
        0,
        "the YAML tag '!!python/object/apply:os.system' is not allowed; remove it",
        id="clinic-python-apply-tag",
    ),
    pytest.param(
        CLINIC,
        "logo: logo.png",
        "logo: !include /etc/passwd",
        0,
        "the YAML tag '!include' is not allowed; remove it",
        id="clinic-custom-tag",
    ),
    pytest.param(
        CLINIC,
        "colors:",
        "colors: &brand",
        0,
        "anchors (&name) and aliases (*name) are not allowed here; write each value out in full",
        id="clinic-anchor",
    ),
    pytest.param(
        CLINIC,
        "paper: A4",
        "paper: *a4",
        0,
        "anchors (&name) and aliases (*name) are not allowed here; write each value out in full",
        id="clinic-undefined-alias",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "session_count: 6\n---\nname: again",
        1,
        "YAML syntax error: but found another document",
        id="clinic-two-documents",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "? [a, b]\n: c",
        0,
        "a key must be plain text, not a list or mapping; rename it",
        id="clinic-list-as-key",
    ),
    pytest.param(
        CLINIC,
        "session_count: 6",
        "session_count: " + "9" * 5000,
        0,
        "'" + "9" * 77 + "'... cannot be read as a whole number; fix it or put it in quotes",
        id="clinic-5000-digit-number",
    ),
    pytest.param(
        CLINIC,
        "address:",
        "address: " + "[" * 10_000 + "]" * 10_000 + "\nold_address:",
        0,
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
        f"approved: {APPROVED}",
        "approved: 2028-02-30",
        0,
        "'2028-02-30' is not a real date; write it as YYYY-MM-DD, e.g. 2028-02-28",
        id="handout-30-february",
    ),
    pytest.param(
        HANDOUT_FILE,
        f"review_due: {REVIEW_DUE}",
        "review_due: 2028-13-01",
        0,
        "'2028-13-01' is not a real date; write it as YYYY-MM-DD",
        id="handout-month-13",
    ),
    pytest.param(
        HANDOUT_FILE,
        "title: Microcurrent therapy",
        "title: Micro\x1bcurrent therapy",
        0,
        "the character '\\x1b' (U+001B) is not allowed in YAML; delete it",
        id="handout-escape-character",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle: !!python/object/new:os.system [id]",
        0,
        "the YAML tag '!!python/object/new:os.system' is not allowed; remove it",
        id="handout-python-new-tag",
    ),
    pytest.param(
        HANDOUT_FILE,
        "meta:",
        BILLION_LAUGHS + "meta:",
        0,
        "anchors (&name) and aliases (*name) are not allowed here",
        id="handout-billion-laughs",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle:\n" + "".join("  " * i + f"  k{i}:\n" for i in range(60)) + "  " * 60 + "  end: 1",
        49,  # the first value 51 levels down
        "nested more than 50 levels deep; flatten the structure",
        id="handout-deep-block-nesting",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle: " + "{" * 5000 + "}" * 5000,
        0,
        "nested more than 50 levels deep",
        id="handout-5000-nested-braces",
    ),
    pytest.param(
        HANDOUT_FILE,
        "subtitle: Information for patients",
        "subtitle: !!binary aGVsbG8=",
        0,
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
    first_line = line_of(project / file, old)
    edit(project / file, old, new)
    result = run(project, "build", *ONE_JOB)
    where = file if line is None else f"{file}:{first_line + line}"
    assert_one_line_error(result, f"error: {where}: {message}")
    assert not (project / PDF).exists()


def test_alias_bomb_is_refused_before_anything_is_expanded(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted in nodes, not seconds: the refusal comes at the first anchor, so no input can make it slow.
    from handouts.errors import ConfigError
    from handouts.source.yamlfile import BoundedLoader, load_yaml

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

    from handouts.model.project import Project

    meta = Project(project).load_handout(HANDOUT).handout.meta
    assert meta.approved == dt.date.fromisoformat(APPROVED)
    assert meta.review_due == dt.date.fromisoformat(REVIEW_DUE)


def test_error_quotes_at_most_80_characters(project: Path, run) -> None:
    edit(project / CLINIC, "session_count: 6", "session_count: !!int " + "z" * 5000)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC}:17: '{'z' * 77}'... cannot be read as a whole number")
    assert max(len(line) for line in (result.out + result.err).splitlines()) < 200


# -- Templates -------------------------------------------------------------------------

CLINIC_TEMPLATES = "clinics/stadtpark/templates"


def two_small_clinics(root: Path) -> Path:
    """The fixture clinic and a second one named stadtpark (so CLINIC_TEMPLATES is its folder),
    each printing the back-care leaflet in English: what one clinic's mistake must not stop."""
    make_project(root, {"back-care": LEAFLET})
    add_clinic(root, "stadtpark", ("en",))
    return root


SMALL_STADTPARK_PDF = "output/stadtpark/en/back-care.pdf"
SMALL_FIXTURE_PDF = "output/fixture/en/back-care.pdf"


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
    assert "root:" not in all_output_text(project) + result.out + result.err


def test_clinic_template_that_is_itself_a_link(project: Path, secret: Path, run) -> None:
    (project / CLINIC_TEMPLATES).mkdir(parents=True)
    (project / CLINIC_TEMPLATES / "handout.html").symlink_to(secret)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html: the template 'handout.html' links to")
    assert SECRET not in all_output_text(project) + result.out + result.err


def test_linked_folder_inside_the_templates(project: Path, secret: Path, run) -> None:
    clinic_template(project, '{% include "shared/secret.html" %}')
    (project / CLINIC_TEMPLATES / "shared").symlink_to(secret.parent, target_is_directory=True)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:3: the template 'shared/secret.html'")
    assert SECRET not in all_output_text(project) + result.out + result.err


def test_link_inside_the_clinic_templates_is_allowed(tmp_path: Path, run) -> None:
    root = two_small_clinics(tmp_path / "p")
    clinic_template(root, "<p>Please arrive ten minutes early.</p>", name="real.html")
    (root / CLINIC_TEMPLATES / "handout.html").symlink_to("real.html")
    result = run(root, "build", "--clinic", "stadtpark", "-j", "1")
    assert result.code == 0, result.out + result.err
    assert "Please arrive ten minutes early." in " ".join(pdf_text(root / SMALL_STADTPARK_PDF).split())


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

    from handouts.render.templating import SandboxedLoader, template_problem

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/page.html").write_bytes(content)
    environment = SandboxedEnvironment(loader=SandboxedLoader([tmp_path / "templates"]))
    with pytest.raises(TemplateError) as caught:
        environment.get_template("page.html")
    assert str(template_problem(caught.value, tmp_path)) == f"templates/page.html: {message}"


def test_broken_clinic_template_fails_only_that_clinic(tmp_path: Path, run) -> None:
    root = two_small_clinics(tmp_path / "p")
    clinic_template(root, "{% if %}")
    result = run(root, "build", "-j", "1")
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:3: template syntax error")
    assert (root / SMALL_FIXTURE_PDF).is_file()
    assert not (root / SMALL_STADTPARK_PDF).exists()


def test_template_runtime_error_fails_only_that_clinic(tmp_path: Path, run) -> None:
    root = two_small_clinics(tmp_path / "p")
    clinic_template(root, "{{ 1 / 0 }}")
    result = run(root, "build", "-j", "1")
    assert_one_line_error(result, f"error: {CLINIC_TEMPLATES}/handout.html:3:")
    assert (root / SMALL_FIXTURE_PDF).is_file()


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
        "line 2 of the SVG has a <style> element, which a figure or logo may not have",
        id="svg-style-import",
    ),
    pytest.param(
        "logo.svg",
        (SVG + "<rect width='10' height='10'></svg>").encode(),
        "line 2 of the SVG is not well-formed XML (Opening and ending tag mismatch: rect line 2 and svg",
        id="svg-unparseable",
    ),
]


@pytest.mark.parametrize(("name", "data", "reason"), IMAGE_CASES)
def test_bad_logo_is_refused_on_load(project: Path, run, name: str, data: bytes, reason: str) -> None:
    (project / "clinics/stadtpark" / name).write_bytes(data)
    edit(project / CLINIC, "logo: logo.png", f"logo: {name}")
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, f"error: {CLINIC}:3 logo: logo file '{name}' cannot be used: {reason}")
    assert "save it again as a plain SVG, PNG or JPEG" in result.err
    assert not (project / PDF).exists()


def test_svg_with_local_references_is_accepted() -> None:
    from handouts.source.images import image_problem

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
    assert "replace it with a working .ttf or .otf" in result.err
    assert not (project / PDF).exists()


# -- Output --------------------------------------------------------------------------------

# The output folder, the manifest, withdrawals and the lock are the tool's, whatever it prints:
# a fixture clinic's one short leaflet in German shows them at a quarter of the shipped clinic's cost.
SMALL_JOB = ("--lang", "de", "-j", "1")
SMALL_PDF = "output/fixture/de/back-care.pdf"
SMALL_CLINIC = "clinics/fixture/clinic.yaml"
# The build after German is dropped: a build of the clinic withdraws the dropped language.
SMALL_IN_ENGLISH = ("--clinic", "fixture", "--lang", "en", "-j", "1")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The back-care leaflet in English and German, for one fixture clinic."""
    return make_project(tmp_path / "small", {"back-care": LEAFLET}, {"de": {"back-care": GERMAN}}, ("en", "de"))


def drop_german(root: Path) -> None:
    edit(root / SMALL_CLINIC, "languages: [en, de]", "languages: [en]")


def test_file_in_the_way_of_the_output_folder(small: Path, run) -> None:
    (small / "output").mkdir()
    (small / "output/fixture").write_text("not a folder")
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(
        result, "error: output/fixture: a file is in the way of the output folder; move or delete it, or pass --out"
    )
    assert temp_files(small) == []


def test_out_option_naming_a_file(project: Path, run) -> None:
    (project / "elsewhere").write_text("a file")
    result = run(project, "build", *ONE_JOB, "--out", str(project / "elsewhere"))
    assert result.code == 2
    assert "Traceback" not in result.out + result.err
    assert "'--out'" in result.err and "is a file" in result.err


def test_folder_in_the_way_of_the_pdf(small: Path, run) -> None:
    (small / SMALL_PDF).mkdir(parents=True)
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(
        result, f"error: {SMALL_PDF}: a folder is in the way of this file; move or delete the folder, or pass --out"
    )
    assert temp_files(small) == []


def test_read_only_output_folder(small: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, which ignores file modes: refuse the rename as a read-only folder would.
    def refuse(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(
        result,
        f"error: {SMALL_PDF}: cannot write here (Permission denied); make the folder writable or pass --out DIR "
        "elsewhere",
    )
    assert temp_files(small) == []
    assert not (small / SMALL_PDF).exists()


def test_full_disk_on_fsync(small: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(
        result,
        f"error: {SMALL_PDF}: the disk is full; free some space, or pass --out DIR on another disk, and try again",
    )
    assert temp_files(small) == []
    assert not (small / SMALL_PDF).exists()


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


def test_manifest_that_is_a_folder(small: Path, run) -> None:
    (small / "output/manifest.json").mkdir(parents=True)
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(result, "error: output/manifest.json: a folder is in the way of this file")
    assert temp_files(small) == []


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
def test_manifest_of_any_shape(small: Path, run, content: bytes, why: str) -> None:
    (small / "output").mkdir()
    (small / "output/manifest.json").write_bytes(content)
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(result, f"error: output/manifest.json: not a handouts manifest ({why}")
    assert "delete it and build again" in result.err


def manifest_entry(**fields: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "path": "fixture/de/back-care.pdf",
        "clinic": "fixture",
        "language": "de",
        "handout": "back-care",
        "version": "1.0",
        "review_due": "2028-11-01",
        "translated": 1,
        "total": 1,
        "pages": 1,
        "sha256": "0",
        "inputs": "0",
    }
    return {**entry, **fields}


def test_manifest_entry_with_wrong_types_or_outside_path(small: Path, run) -> None:
    entry = manifest_entry(path="/etc/passwd")
    (small / "output").mkdir()
    (small / "output/manifest.json").write_text(json.dumps({"format": 1, "pdfs": [entry]}))
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(result, "not a handouts manifest (pdfs[0].path must be a path inside the output folder)")
    (small / "output/manifest.json").write_text(json.dumps({"format": 1, "pdfs": [{**entry, "pages": "many"}]}))
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(result, "not a handouts manifest (pdfs[0].pages must be a whole number)")


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("review_due", "someday", "pdfs[0].review_due must be a date such as 2027-01-31, not 'someday'"),
        ("review_due", "2028-13-45", "pdfs[0].review_due must be a date such as 2027-01-31, not '2028-13-45'"),
        ("language", "klingon", "pdfs[0].language must be a language code such as de or zh-Hans, not 'klingon'"),
        ("language", "", "pdfs[0].language must be a language code such as de or zh-Hans, not ''"),
    ],
)
def test_manifest_entry_with_a_bad_date_or_language(small: Path, run, field: str, value: str, why: str) -> None:
    (small / "output").mkdir()
    (small / "output/manifest.json").write_text(json.dumps({"format": 3, "pdfs": [manifest_entry(**{field: value})]}))
    result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(result, f"error: output/manifest.json: not a handouts manifest ({why}); delete it")


# -- The output folder belongs to the tool --------------------------------------------------


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_foreign_index_pages_in_out_are_left_alone(small: Path, run, tmp_path: Path) -> None:
    out = tmp_path / "site"
    theirs = {out / "index.html": b"<p>our intranet</p>", out / "docs/index.html": b"<p>docs</p>"}
    theirs[out / "docs/api/index.html"] = b"<p>api</p>"
    theirs[out / "fixture/index.html"] = b"<p>the clinic's own page</p>"
    for path, data in theirs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for first in (True, False):  # the second build too: nothing of theirs is ever adopted
        result = run(small, "build", *SMALL_JOB, "--out", str(out))
        assert result.code == 0, result.out
        said = (
            f"warning: {out}: already holds docs, fixture, index.html that handouts did not write (no "
            "manifest.json); they are left as they are, and the build writes beside them"
        )
        assert (said in result.err.splitlines()) == first
        assert {path: path.read_bytes() for path in theirs} == theirs
        assert (
            f"warning: {out}/index.html: left as it is: handouts did not write this file (it is not what "
            "manifest.json records), so the library's page is not written here; move it elsewhere, or build with "
            "--out DIR"
        ) in result.err
        assert f"warning: {out}/fixture/index.html: left as it is" in result.err
        assert "docs/" not in result.err
    assert (out / "fixture/de/index.html").is_file()  # the library's own pages are written where free
    recorded = json.loads((out / "manifest.json").read_text())["library"]
    assert [page["path"] for page in recorded] == ["fixture/de/index.html"]


def test_library_page_changed_by_hand_is_not_deleted(small: Path, run) -> None:
    assert run(small, "build", *SMALL_JOB).code == 0
    page = small / "output/fixture/de/index.html"
    page.write_text("<p>notes for the front desk</p>")
    drop_german(small)
    result = run(small, "build", *SMALL_IN_ENGLISH)
    assert result.code == 0, result.out
    assert page.read_text() == "<p>notes for the front desk</p>"  # the PDF went; the page someone edited stays
    assert not (small / SMALL_PDF).exists()


@pytest.mark.parametrize("place", ["elsewhere", "layout"])
def test_forged_manifest_entry_cannot_move_a_users_file(small: Path, run, place: str) -> None:
    """An entry naming a user's file, with that file's own sha256: at a path the tool never writes
    for that entry, or at the tool's path but for another handout."""
    users = small / ("output/notes/important.pdf" if place == "elsewhere" else "output/fixture/de/mine.pdf")
    users.parent.mkdir(parents=True)
    users.write_bytes(b"%PDF-1.7 the user's own file")
    key = users.relative_to(small / "output").as_posix()
    entry = manifest_entry(path=key, sha256=sha256(users))  # in this build's scope
    (small / "output/manifest.json").write_text(json.dumps({"format": 3, "pdfs": [entry]}))
    result = run(small, "build", *SMALL_JOB)
    assert result.code == 0, result.out
    assert users.read_bytes() == b"%PDF-1.7 the user's own file"
    assert not (small / "output/_withdrawn").exists()
    assert f"warning: left {key} where it is: not the file handouts wrote" in result.err
    assert key not in {item["path"] for item in json.loads((small / "output/manifest.json").read_text())["pdfs"]}


def test_a_linked_folder_in_out_is_not_followed_to_withdraw(small: Path, run, tmp_path: Path) -> None:
    assert run(small, "build", *SMALL_JOB).code == 0
    outside = tmp_path / "outside"
    shutil.move(small / "output/fixture/de", outside)
    (small / "output/fixture/de").symlink_to(outside, target_is_directory=True)
    drop_german(small)
    result = run(small, "build", *SMALL_IN_ENGLISH)
    assert result.code == 0, result.out
    assert (outside / "back-care.pdf").is_file()  # the file behind the link is not the tool's to move
    assert "warning: left fixture/de/back-care.pdf where it is" in result.err


def test_a_withdrawal_that_cannot_be_made_is_one_line_and_keeps_the_record(small: Path, run) -> None:
    assert run(small, "build", *SMALL_JOB).code == 0
    (small / "output/_withdrawn").write_text("not a folder")
    drop_german(small)
    result = run(small, "build", *SMALL_IN_ENGLISH)
    assert_one_line_error(
        result,
        "error: output/_withdrawn: a file is in the way of the output folder; move or delete it, or pass --out DIR",
    )
    assert (small / SMALL_PDF).is_file()  # still in the print folder, so still in the manifest: withdrawn next time
    assert "fixture/de/back-care.html" in {
        e["path"] for e in json.loads((small / "output/manifest.json").read_text())["pdfs"]
    }


def test_a_second_build_into_the_same_folder_stops_with_one_line(small: Path, run) -> None:
    from filelock import FileLock

    from handouts.pipeline.build import LOCK_NAME

    (small / "output").mkdir()
    with FileLock(small / "output" / LOCK_NAME, timeout=0):  # a build is running
        result = run(small, "build", *SMALL_JOB)
    assert_one_line_error(
        result,
        "error: output: another handouts build is writing to this folder; wait for it to finish, then build again",
    )
    assert not (small / SMALL_PDF).exists() and not (small / "output/manifest.json").exists()
    assert run(small, "build", *SMALL_JOB).code == 0  # the lock went with the build that held it


def test_a_killed_builds_lock_does_not_block_the_next(small: Path, run) -> None:
    from handouts.pipeline.build import LOCK_NAME

    (small / "output").mkdir()
    lock = small / "output" / LOCK_NAME
    held = "import sys; from filelock import FileLock; FileLock(sys.argv[1]).acquire(); sys.exit(0)"
    subprocess.run([sys.executable, "-c", held, str(lock)], check=True)  # ends holding it: the kernel lets go
    assert run(small, "build", *SMALL_JOB).code == 0
    assert (small / SMALL_PDF).is_file()


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
        out / f"stadtpark/en/.notes.txt.{gone}.tmp",  # named like a temp file, but not of a file the tool writes
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
    root = two_small_clinics(tmp_path / "p")
    (root / "clinics/stadtpark/broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png")
    clinic_template(root, '<img src="../clinics/stadtpark/broken.png" alt="a map">')
    result = run(root, "build", "-j", "1")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "an image could not be drawn" in result.err
    assert (root / SMALL_FIXTURE_PDF).is_file()
    assert not (root / SMALL_STADTPARK_PDF).exists()


def test_a_bug_in_one_job_is_an_internal_error_with_a_log_file(tmp_path: Path, run, monkeypatch) -> None:
    project = copy_project(tmp_path / "p", ["stadtpark"])

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr("handouts.output.pdf.render", broken)
    result = run(project, "build", "--lang", "en", "--lang", "de", "--handout", HANDOUT, "-j", "1")
    assert result.code == 1
    log = project / "output/handouts-internal-errors.log"
    assert f"internal error (a bug in handouts, not in your files); the traceback is in {log}" in result.err
    assert "RuntimeError: a bug" in log.read_text()
    assert "Traceback" not in result.out + result.err


# -- One sandbox, by real paths ----------------------------------------------------------------
# A folder that is itself a link (a clinic, a clinic's templates/, a handout's pictures, locales/,
# fonts/) must not make its target allowed ground: each is refused with one line naming the link.

LINK_FIX = "copy the files into the project instead of linking to them"


def leads_outside(link: str, target: Path) -> str:
    return f"error: {link}: this link leads outside the project (to {target}); {LINK_FIX}"


def behind_link(where: str, template: str, link: str) -> str:
    return (
        f"error: {where}: the template {template!r} is behind the link {link}, which leads outside the project; "
        + LINK_FIX
    )


def assert_refused_unread(project: Path, run, expected: str) -> None:
    """The build fails with the expected line, and the secret reaches no output."""
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, expected)
    assert SECRET not in all_output_text(project) + result.out + result.err
    assert not (project / PDF).exists()


def link_from_outside(path: Path, target: Path) -> Path:
    """Move the project's file at path to target, outside the project, and leave a link to it."""
    shutil.move(path, target)
    path.symlink_to(target)
    return target


def outside_copy(tmp_path: Path, folder: Path, name: str) -> Path:
    """A copy of folder outside the project, with the secret planted in every text file."""
    target = tmp_path / "outside" / name
    shutil.copytree(folder, target)
    for path in target.rglob("*"):
        if path.suffix in (".html", ".po", ".yaml", ".css"):
            path.write_text(path.read_text(encoding="utf-8") + f"\n# {SECRET}\n", encoding="utf-8")
    return target


def test_clinic_folder_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    target = outside_copy(tmp_path, project / "clinics/stadtpark", "clinic")
    (project / "clinics/shared").symlink_to(target, target_is_directory=True)
    result = run(project, "build", "--clinic", "shared", "--lang", "de", "--handout", HANDOUT, "-j", "1")
    assert_one_line_error(result, leads_outside("clinics/shared", target))
    assert not (project / "output/shared").exists()


def test_clinic_yaml_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    target = tmp_path / "outside-clinic.yaml"
    link_from_outside(project / CLINIC, target)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, leads_outside(CLINIC, target))
    assert not (project / PDF).exists()


def test_clinic_templates_folder_that_is_a_link_outside(project: Path, tmp_path: Path, run, secret: Path) -> None:
    (secret.parent / "handout.html").write_text(f"<p>{SECRET}</p>\n")
    (project / CLINIC_TEMPLATES).symlink_to(secret.parent, target_is_directory=True)
    assert_refused_unread(
        project, run, behind_link(f"{CLINIC_TEMPLATES}/handout.html", "handout.html", CLINIC_TEMPLATES)
    )


def test_project_templates_folder_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    target = outside_copy(tmp_path, project / "templates", "templates")
    shutil.rmtree(project / "templates")
    (project / "templates").symlink_to(target, target_is_directory=True)
    assert_refused_unread(project, run, behind_link("templates/handout.html", "handout.html", "templates"))


def test_inputs_hash_never_walks_a_linked_templates_folder(project: Path, tmp_path: Path, monkeypatch) -> None:
    import handouts.pipeline.incremental
    from handouts.model.project import Project
    from handouts.pipeline.incremental import InputHasher

    target = outside_copy(tmp_path, project / "templates", "templates")
    shutil.rmtree(project / "templates")
    (project / "templates").symlink_to(target, target_is_directory=True)
    read: list[Path] = []
    real_sha256 = handouts.pipeline.incremental.sha256_file
    monkeypatch.setattr(
        handouts.pipeline.incremental, "sha256_file", lambda path: read.append(path) or real_sha256(path)
    )
    loaded = Project(project)
    InputHasher(loaded).folder(*loaded.template_dirs)
    assert read  # the packaged templates are hashed ...
    assert not [path for path in read if path.resolve().is_relative_to(target)]  # ... never the linked ones


def test_link_inside_the_clinic_templates_leading_to_a_linked_folder(project: Path, secret: Path, run) -> None:
    clinic_template(project, '{% include "notes/secret.html" %}')
    (project / "clinics/stadtpark/notes").symlink_to(secret.parent, target_is_directory=True)
    (project / CLINIC_TEMPLATES / "notes").symlink_to("../notes", target_is_directory=True)
    expected = behind_link(f"{CLINIC_TEMPLATES}/handout.html:3", "notes/secret.html", f"{CLINIC_TEMPLATES}/notes")
    assert_refused_unread(project, run, expected)


def test_picture_in_a_linked_clinic_subfolder_reaches_neither_pdf_nor_html(tmp_path: Path, run) -> None:
    pictures = tmp_path / "outside/pictures"
    pictures.mkdir(parents=True)
    (pictures / "map.png").write_bytes(png_bytes())
    project = two_small_clinics(tmp_path / "p")
    (project / "clinics/stadtpark/pictures").symlink_to(pictures, target_is_directory=True)
    clinic_template(project, '<img src="../clinics/stadtpark/pictures/map.png" alt="a map">')
    result = run(project, "build", "--clinic", "stadtpark", "-j", "1")
    assert_one_line_error(
        result,
        f"error: {CLINIC_TEMPLATES}/handout.html:3: refused to fetch '../clinics/stadtpark/pictures/map.png' "
        f"(file:///handouts-project/clinics/stadtpark/pictures/map.png): "
        f"clinics/stadtpark/pictures: this link leads outside the project (to {pictures}); {LINK_FIX}",
    )
    assert "0 built, 0 skipped, 2 failed" in result.out  # the PDF and the HTML copy
    assert (
        not (project / SMALL_STADTPARK_PDF).exists()
        and not (project / SMALL_STADTPARK_PDF).with_suffix(".html").exists()
    )


def test_locales_folder_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    target = outside_copy(tmp_path, project / "locales", "locales")
    shutil.rmtree(project / "locales")
    (project / "locales").symlink_to(target, target_is_directory=True)
    assert_refused_unread(project, run, leads_outside("locales", target))


def test_one_catalog_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    catalog = project / f"locales/de/LC_MESSAGES/{HANDOUT}.po"
    target = tmp_path / "outside.po"
    link_from_outside(catalog, target)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, leads_outside(f"locales/de/LC_MESSAGES/{HANDOUT}.po", target))
    assert not (project / PDF).exists()


def test_translator_commands_neither_read_nor_write_a_catalog_behind_a_link(project: Path, tmp_path: Path, run) -> None:
    """i18n update and status open catalogs as the build does: a link that leaves is refused unread
    and never written through."""
    folder = project / "locales/de/LC_MESSAGES"
    target = outside_copy(tmp_path, folder, "LC_MESSAGES")
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    shutil.rmtree(folder)
    folder.symlink_to(target, target_is_directory=True)
    updated = run(project, "i18n", "update", "--lang", "de")
    assert_one_line_error(updated, leads_outside("locales/de/LC_MESSAGES", target))
    status = run(project, "i18n", "status", "--lang", "de")
    why = leads_outside("locales/de/LC_MESSAGES", target).removeprefix("error: ")
    assert f"de {HANDOUT}: will NOT print: {why}" in status.out.splitlines(), status.out
    assert "can print" not in status.out and "Traceback" not in status.out + status.err
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_fonts_folder_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    target = tmp_path / "outside/fonts"
    target.mkdir(parents=True)
    (target / "fonts.yaml").write_text((REPO / "fonts/fonts.yaml").read_text())
    (project / "fonts").unlink()
    (project / "fonts").symlink_to(target, target_is_directory=True)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, leads_outside("fonts", target))
    assert not (project / PDF).exists()


def test_fonts_linked_to_the_installed_library_are_allowed(small: Path, run) -> None:
    assert (small / "fonts").resolve() == (REPO / "fonts").resolve()  # the fixture's own link
    result = run(small, "build", *SMALL_JOB)
    assert result.code == 0, result.out
    assert (small / SMALL_PDF).is_file()


def test_handout_file_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    target = tmp_path / "outside-handout.yaml"
    link_from_outside(project / HANDOUT_FILE, target)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, leads_outside(HANDOUT_FILE, target))


def test_project_file_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    target = tmp_path / "outside-handouts.yaml"
    link_from_outside(project / "handouts.yaml", target)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(result, leads_outside("handouts.yaml", target))


def test_snapshot_leaves_out_a_linked_templates_folder(project: Path, tmp_path: Path) -> None:
    from handouts.model.project import Project
    from handouts.pipeline.executors import snapshot

    target = outside_copy(tmp_path, project / "templates", "templates")
    shutil.rmtree(project / "templates")
    (project / "templates").symlink_to(target, target_is_directory=True)
    archive = snapshot.take(Project(project)).archive
    assert SECRET.encode() not in archive
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert not [name for name in tar.getnames() if name.startswith("templates")]
        assert f"handouts/{HANDOUT}.yaml" in tar.getnames()


def test_preview_serves_nothing_through_a_linked_folder(project: Path, tmp_path: Path) -> None:
    from handouts.commands.serve import ChangeWatcher, Preview
    from handouts.model.project import Project

    pictures = tmp_path / "outside/pictures"
    pictures.mkdir(parents=True)
    (pictures / "map.png").write_bytes(png_bytes())
    (project / "clinics/stadtpark/pictures").symlink_to(pictures, target_is_directory=True)
    (project / "clinics/stadtpark/map.png").write_bytes(png_bytes())
    loaded = Project(project)
    preview = Preview(loaded, ChangeWatcher(loaded))
    assert preview.asset("clinics/stadtpark/pictures/map.png") is None
    assert preview.asset("clinics/stadtpark/map.png") == project / "clinics/stadtpark/map.png"


# -- Figures by allow-list -------------------------------------------------------------------------

FIGURE_HANDOUT = """\
meta:
  code: HOS-01
  version: "1.0"
  approved: 2026-11-01
  review_due: 2028-11-01
  references: ["A reference. 2020."]
title: {title}
subtitle: For tests
sections:
  - id: body
    heading: Before you start
    blocks:
      - type: paragraph
        text: {paragraph}
      - type: figure
        src: drawing.svg
        alt: Where the pads go.
"""
FIGURE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 200 40">\n'
)
DRAWING = FIGURE_SVG + '<text x="4" y="24" font-size="14">{label}</text>\n</svg>\n'
FIGURE_FILE = "handouts/fixture.yaml"
FIGURE_LINE = 16  # the figure's `src:` in FIGURE_HANDOUT
FIGURE_JOB = ("--lang", "en", "-j", "1")


def figure_project(
    root: Path,
    drawing: str = DRAWING.format(label="Pad here"),
    title: str = "Pads",
    paragraph: str = "Put the pads on.",
    catalogs: dict | None = None,
) -> Path:
    from fixture_project import make_project

    handout = FIGURE_HANDOUT.format(title=title, paragraph=paragraph)
    return make_project(
        root, {"fixture": handout}, catalogs, languages=("en", "de"), assets={"fixture/drawing.svg": drawing}
    )


def refused_figure(reason: str) -> str:
    return f"error: {FIGURE_FILE}:{FIGURE_LINE} sections[0].blocks[1]: figure 'drawing.svg': {reason}"


NOT_DRAWING = (
    "which a figure or logo may not have (only shapes, paths, groups, text, gradients and <use> of the drawing's "
    "own parts); remove it"
)
LOCAL_ONLY = "only references inside the SVG (#id) are allowed"

# (the drawing's second line, the reason in the error)
FIGURE_MARKUP = [
    pytest.param(
        "<style>.safety { display: none }</style>",
        f"line 2 of the SVG has a <style> element, {NOT_DRAWING}",
        id="style-hiding-the-safety-sections",
    ),
    pytest.param(
        '<animate attributeName="href" values="javascript:alert(1)"/>',
        f"line 2 of the SVG has a <animate> element, {NOT_DRAWING}",
        id="smil-animate-javascript",
    ),
    pytest.param(
        '<set attributeName="href" to="javascript:alert(1)"/>',
        f"line 2 of the SVG has a <set> element, {NOT_DRAWING}",
        id="smil-set-javascript",
    ),
    pytest.param(
        '<a href="javascript:alert(1)"><text>x</text></a>',
        f"line 2 of the SVG refers to 'javascript:alert(1)'; {LOCAL_ONLY}",
        id="javascript-link",
    ),
    pytest.param(
        '<a href="#top"><text>x</text></a>',
        f"line 2 of the SVG has a <a> element, {NOT_DRAWING}",
        id="local-link",
    ),
    pytest.param(
        '<use href="data:image/svg+xml;base64,PHN2Zy8+"/>',
        f"line 2 of the SVG refers to 'data:image/svg+xml;base64,PHN2Zy8+'; {LOCAL_ONLY}",
        id="use-of-data-uri",
    ),
    pytest.param(
        '<image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>',
        f"line 2 of the SVG refers to 'data:image/png;base64,iVBORw0KGgo='; {LOCAL_ONLY}",
        id="image-data-uri",
    ),
    pytest.param(
        '<use href="other.svg#pad"/>',
        f"line 2 of the SVG refers to 'other.svg#pad'; {LOCAL_ONLY}",
        id="use-of-another-file",
    ),
    pytest.param(
        '<rect width="5" height="5" onclick="alert(1)"/>',
        "line 2 of the SVG: <rect> has the attribute 'onclick', which is not allowed; remove it",
        id="event-attribute",
    ),
    pytest.param(
        '<rect width="5" height="5" style="position: fixed; inset: 0; fill: white"/>',
        "line 2 of the SVG: <rect> has the style property 'position', which is not allowed; remove it",
        id="style-attribute-covering-the-page",
    ),
    pytest.param(
        '<rect width="5" height="5" fill="url(http://127.0.0.1:9/paint)"/>',
        "line 2 of the SVG: <rect> refers to 'url(http://127.0.0.1:9/paint)'; only url(#id) inside the SVG is allowed",
        id="paint-from-the-network",
    ),
    pytest.param(
        '<foreignObject width="5" height="5"><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>',
        f"line 2 of the SVG has a <foreignObject> element, {NOT_DRAWING}",
        id="foreign-object",
    ),
    pytest.param(
        '<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>',
        f"line 2 of the SVG has a <script> element, {NOT_DRAWING}",
        id="xhtml-script",
    ),
    pytest.param(
        '<rect width="5" height="5" filter="url(#blur)"/>',
        "line 2 of the SVG: <rect> has the attribute 'filter', which is not allowed; remove it",
        id="filter-attribute",
    ),
    pytest.param(
        "<g>" * 40_000 + "</g>" * 40_000,
        "line 2 of the SVG nests elements more than 64 deep; ungroup the drawing",
        id="40000-deep",
    ),
    pytest.param(
        "<g>" * 70 + "</g>" * 70,
        "line 2 of the SVG nests elements more than 64 deep; ungroup the drawing",
        id="70-deep",
    ),
]


@pytest.mark.parametrize(("markup", "reason"), FIGURE_MARKUP)
def test_figure_markup_is_refused_with_line_and_element(tmp_path: Path, run, markup: str, reason: str) -> None:
    root = figure_project(tmp_path / "p", FIGURE_SVG + markup + "\n</svg>\n")
    result = run(root, "build", *FIGURE_JOB)
    assert_one_line_error(result, refused_figure(reason))
    assert not (root / "output/fixture/en/fixture.pdf").exists()
    assert not (root / "output/fixture/en/fixture.html").exists()


def test_outer_svg_cannot_move_itself_over_the_page(tmp_path: Path, run) -> None:
    drawing = '<svg xmlns="http://www.w3.org/2000/svg" transform="translate(0 -900) scale(20)">\n<rect/></svg>'
    root = figure_project(tmp_path / "p", drawing)
    result = run(root, "build", *FIGURE_JOB)
    assert_one_line_error(
        result,
        refused_figure("line 1 of the SVG: <svg> has the attribute 'transform', which is not allowed; remove it"),
    )


def test_logo_with_a_style_is_refused_like_a_figure(project: Path, run) -> None:
    (project / "clinics/stadtpark/logo.svg").write_text(SVG + "<style>.safety{display:none}</style>\n</svg>\n")
    edit(project / CLINIC, "logo: logo.png", "logo: logo.svg")
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result,
        f"error: {CLINIC}:3 logo: logo file 'logo.svg' cannot be used: line 2 of the SVG has a <style> element, "
        f"{NOT_DRAWING}; save it again as a plain SVG, PNG or JPEG within the limits",
    )


def test_figure_picture_folder_that_is_a_link_outside(tmp_path: Path, run) -> None:
    root = figure_project(tmp_path / "p")
    target = tmp_path / "outside-pictures"
    shutil.move(root / "handouts/fixture", target)
    (root / "handouts/fixture").symlink_to(target, target_is_directory=True)
    result = run(root, "build", *FIGURE_JOB)
    assert_one_line_error(result, leads_outside("handouts/fixture", target))
    assert not (root / "output/fixture/en/fixture.pdf").exists()


def test_figure_picture_folder_linked_inside_the_project_is_allowed(tmp_path: Path, run) -> None:
    root = figure_project(tmp_path / "p")
    shutil.move(root / "handouts/fixture", root / "handouts/shared-pictures")
    (root / "handouts/fixture").symlink_to("shared-pictures", target_is_directory=True)
    result = run(root, "build", *FIGURE_JOB)
    assert result.code == 0, result.out
    assert "Pad here" in pdf_text(root / "output/fixture/en/fixture.pdf")


def test_drawing_programs_notes_are_left_out_of_every_copy(tmp_path: Path, run) -> None:
    drawing = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
        ' xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" viewBox="0 0 200 40">\n'
        '<sodipodi:namedview pagecolor="#fff"/><metadata>made with love</metadata>\n'
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient>'
        '<path id="pad" d="M0 0h4v4z"/></defs>\n'
        '<g inkscape:label="Layer 1" style="fill:url(#g);-inkscape-font-specification:Sans">'
        '<use xlink:href="#pad"/><text x="4" y="24" font-size="14">Pad here</text></g>\n</svg>\n'
    )
    root = figure_project(tmp_path / "p", drawing)
    result = run(root, "build", *FIGURE_JOB)
    assert result.code == 0, result.out
    page = (root / "output/fixture/en/fixture.html").read_text()
    assert "Pad here" in page and 'xlink:href="#pad"' in page and 'style="fill:url(#g)"' in page
    for note in ("namedview", "made with love", "inkscape", "sodipodi"):
        assert note not in page
    assert "Pad here" in pdf_text(root / "output/fixture/en/fixture.pdf")


# -- Text as written ---------------------------------------------------------------------------------
# One escaping model from YAML and catalogs to every output: ', &, < and quotes print as typed.

TYPED = {
    "title en": 'Dose < 3 mA & don\'t "stop"',
    "title de": "Strom < 3 mA & nicht „stopp“ – Patient's",
    "label en": 'L\'électrode & "gel" < 2 cm',
    "label de": "Elektrode's & „Gel“ < 2 cm",
    "paragraph en": "Keep O'Brien's pads & gel \"dry\"; see url(file:///etc/passwd) here.",
    "clinic": 'O\'Brien & Sons "Physio"',
}


def yaml_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose every text field holds ', &, < and quotes, built in English and German."""
    from babel.messages.pofile import read_po, write_po

    from handouts.cli import main

    label = TYPED["label en"].replace("&", "&amp;").replace("<", "&lt;")
    catalog = {
        TYPED["title en"]: TYPED["title de"],
        "For tests": "Für Tests",
        "Before you start": "Bevor Sie beginnen",
        TYPED["paragraph en"]: "Halten Sie die Pads trocken; siehe url(file:///etc/passwd) hier.",
        "Where the pads go.": "Wo die Pads hingehören.",
        (TYPED["label en"], "figure label"): TYPED["label de"],
    }
    root = figure_project(
        tmp_path_factory.mktemp("typed") / "p",
        DRAWING.format(label=label),
        title=yaml_quoted(TYPED["title en"]),
        paragraph=yaml_quoted(TYPED["paragraph en"]),
        catalogs={"de": {"fixture": catalog}},
    )
    edit(root / "clinics/fixture/clinic.yaml", "name: Fixture Clinic", f"name: {yaml_quoted(TYPED['clinic'])}")
    common = root / "locales/de/LC_MESSAGES/common.po"
    with common.open("rb") as file:
        po = read_po(file)
    po["Page {page} of {pages}"].string = "Seite {page} von {pages} url(file:///etc/passwd)"
    with common.open("wb") as file:
        write_po(file, po)
    assert main(["-C", str(root), "build", "-j", "1"]) == 0
    return root / "output"


def words(text: str) -> str:
    return " ".join(text.split())


def html_text(page: str) -> str:
    """What a browser shows of an HTML fragment: tags dropped, each entity read once."""
    import html

    return words(html.unescape(re.sub(r"<[^>]*>", " ", page)))


def html_element(page: str, tag: str) -> str:
    return html_text(re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, re.S)[1])


def html_span(page: str, css_class: str) -> str:
    return html_text(re.search(rf'<span class="{css_class}"[^>]*>(.*?)</span>', page, re.S)[1])


def pdf_of(output: Path, lang: str) -> Path:
    return output / f"fixture/{lang}/fixture.pdf"


def html_of(output: Path, lang: str) -> str:
    return (output / f"fixture/{lang}/fixture.html").read_text(encoding="utf-8")


def manifest_title(output: Path, lang: str) -> str:
    entries = json.loads((output / "manifest.json").read_text(encoding="utf-8"))["pdfs"]
    return next(e["title"] for e in entries if e["path"] == f"fixture/{lang}/fixture.pdf")


def library(output: Path, lang: str | None = None) -> str:
    page = output / "fixture" / (lang or "") / "index.html"
    return page.read_text(encoding="utf-8")


def pdf_words(output: Path, lang: str) -> str:
    return words(pdf_text(pdf_of(output, lang)))


# (what a reader sees of one output, the field typed, whether that is the whole of it)
TEXT_FIELDS = [
    pytest.param(lambda out: pdf_words(out, "en"), "title en", False, id="pdf-text-title"),
    pytest.param(lambda out: pdf_words(out, "de"), "title de", False, id="pdf-text-translated-title"),
    pytest.param(lambda out: pdf_words(out, "en"), "label en", False, id="pdf-text-figure-label"),
    pytest.param(lambda out: pdf_words(out, "de"), "label de", False, id="pdf-text-translated-label"),
    pytest.param(lambda out: pdf_words(out, "en"), "paragraph en", False, id="pdf-text-paragraph-with-url"),
    pytest.param(lambda out: pdf_words(out, "en"), "clinic", False, id="pdf-text-clinic-name"),
    pytest.param(lambda out: pdf_reader(pdf_of(out, "en")).metadata.title, "title en", True, id="pdf-title-metadata"),
    pytest.param(
        lambda out: pdf_reader(pdf_of(out, "de")).metadata.title, "title de", True, id="pdf-title-de-metadata"
    ),
    pytest.param(lambda out: pdf_reader(pdf_of(out, "en")).metadata.author, "clinic", True, id="pdf-author-metadata"),
    pytest.param(lambda out: pdf_reader(pdf_of(out, "en")).outline[0].title, "title en", True, id="pdf-bookmark"),
    pytest.param(lambda out: html_element(html_of(out, "en"), "title"), "title en", True, id="html-title-element"),
    pytest.param(lambda out: html_element(html_of(out, "de"), "title"), "title de", True, id="html-title-de"),
    pytest.param(lambda out: html_element(html_of(out, "en"), "h1"), "title en", True, id="html-heading"),
    pytest.param(lambda out: html_element(html_of(out, "en"), "text"), "label en", True, id="html-figure-label"),
    pytest.param(lambda out: html_element(html_of(out, "de"), "text"), "label de", True, id="html-figure-label-de"),
    pytest.param(lambda out: html_text(html_of(out, "en")), "paragraph en", False, id="html-paragraph-with-url"),
    pytest.param(lambda out: html_text(html_of(out, "en")), "clinic", False, id="html-clinic-name"),
    pytest.param(lambda out: manifest_title(out, "en"), "title en", True, id="manifest-title"),
    pytest.param(lambda out: manifest_title(out, "de"), "title de", True, id="manifest-title-de"),
    pytest.param(lambda out: html_element(library(out, "en"), "h2"), "title en", True, id="library-title"),
    # Beside a title in the patient's language, the library shows it in the clinic's main one (en here).
    pytest.param(lambda out: html_span(library(out, "de"), "title"), "title de", True, id="library-title-de"),
    pytest.param(
        lambda out: html_span(library(out, "de"), "main-title"), "title en", True, id="library-title-de-main-language"
    ),
    pytest.param(lambda out: html_element(library(out), "h1"), "clinic", True, id="library-clinic-name"),
]


@pytest.mark.parametrize(("shown", "field", "whole"), TEXT_FIELDS)
def test_text_prints_as_typed(typed: Path, shown, field: str, whole: bool) -> None:
    text = shown(typed)
    if whole:
        assert text == TYPED[field]
    else:
        assert TYPED[field] in text
    assert "&#" not in text and "&amp;" not in text and "&lt;" not in text


def test_page_counter_translation_with_a_css_url_prints_as_typed(typed: Path) -> None:
    assert "Seite1von1url(file:///etc/passwd)" in "".join(pdf_text(pdf_of(typed, "de")).split())
    page = html_of(typed, "de")  # built, not refused: the CSS string is no url() to the HTML copy's inliner
    assert "Halten Sie die Pads trocken; siehe url(file:///etc/passwd) hier." in html_text(page)
    assert page.count("url(file:") == 1  # the paragraph's text, left as it was written


def test_no_text_is_escaped_twice_in_any_output(typed: Path) -> None:
    for path in typed.rglob("*"):
        if path.suffix in (".html", ".json"):
            assert "&amp;#" not in path.read_text(encoding="utf-8"), path
            assert "&amp;amp;" not in path.read_text(encoding="utf-8"), path


def test_html_copy_inlines_only_images_fonts_and_stylesheets(project: Path, run) -> None:
    (project / "clinics/stadtpark/notes.txt").write_text(SECRET)
    clinic_template(project, '<img src="../clinics/stadtpark/notes.txt" alt="">')
    result = run(project, "build", *ONE_JOB, "--format", "html")
    assert_one_line_error(
        result,
        f"error: {CLINIC_TEMPLATES}/handout.html:3: refused to fetch '../clinics/stadtpark/notes.txt' "
        "(file:///handouts-project/clinics/stadtpark/notes.txt): the HTML copy draws in only .jpeg, .jpg, .otf, "
        ".png, .svg, .ttf, .woff, .woff2 files; name one of those or remove it",
    )
    assert SECRET not in all_output_text(project)


def test_preview_draws_the_same_sanitised_figure(tmp_path: Path) -> None:
    from handouts.commands.serve import ChangeWatcher, Preview
    from handouts.model.project import Project

    drawing = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"'
        ' viewBox="0 0 200 40">\n<sodipodi:namedview/><metadata>notes</metadata>'
        '<text x="4" y="24" font-size="14">Pad here</text>\n</svg>\n'
    )
    loaded = Project(figure_project(tmp_path / "p", drawing))
    page = Preview(loaded, ChangeWatcher(loaded)).page("fixture", "en", "fixture")
    assert "Pad here</text>" in page
    assert "sodipodi" not in page and "namedview" not in page and "notes" not in page


def test_font_file_that_is_a_link_outside(project: Path, tmp_path: Path, run) -> None:
    own_fonts(project, (REPO / "fonts/NotoSans-Regular.ttf").read_bytes())
    target = tmp_path / "outside-font.ttf"
    link_from_outside(project / "fonts/Broken.ttf", target)
    result = run(project, "build", *ONE_JOB)
    assert_one_line_error(
        result,
        "error: fonts/fonts.yaml:6 families.Broken Sans.regular: font file 'Broken.ttf' leads outside fonts/ "
        "(a link, or ../ in its name); copy the font file into fonts/ and name it here",
    )


# Any text a translator types: letters of every script, punctuation, markup characters, entities.
typed_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="{}") | st.sampled_from("<>&'\"#;"),
    max_size=60,
)


@given(typed_text)
@settings(max_examples=300, deadline=None)
def test_any_text_reads_back_as_typed_after_one_escape(text: str) -> None:
    from handouts.render.markup import plain_text, to_markup

    assume("<strong>" not in text)  # the one markup a text may hold
    assert plain_text(to_markup(text, {}, "test")) == text  # no-break spaces too


@given(typed_text)
@settings(max_examples=300, deadline=None)
def test_a_css_string_never_holds_a_url_or_ends_its_style(text: str) -> None:
    from handouts.render.markup import css_string

    quoted = css_string(text)
    assert "url(" not in quoted.lower() and "</" not in quoted and quoted.count('"') == 2


# == Issue 19: the preview, sign-off, worker deaths, scheduler addresses, new projects ==========

# -- The preview: names, policy, paths, streams ------------------------------------------------

HOSTILE_NAME = 'x"><img src=x onerror=alert(1)>'


@contextlib.contextmanager
def preview_of(root: Path) -> Iterator[PreviewServer]:
    server = PreviewServer(Project(root), "127.0.0.1", 0)
    with serving(server):
        yield server


def ask(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """A raw GET: the path exactly as written, and the Host header as given (default: the server's)."""
    address, port = server.server_address[:2]
    connection = http.client.HTTPConnection(address, port, timeout=60)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host or f"{address}:{port}")
    connection.endheaders()
    response = connection.getresponse()
    result = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return result


@pytest.fixture
def preview(project: Path) -> Iterator[PreviewServer]:
    with preview_of(project) as server:
        yield server


@pytest.mark.parametrize("where", ["clinic", "language", "handout"])
def test_preview_index_escapes_every_name(project: Path, where: str) -> None:
    if where == "clinic":
        shutil.copytree(project / "clinics/stadtpark", project / "clinics" / HOSTILE_NAME)
    elif where == "language":
        (project / "locales" / HOSTILE_NAME / "LC_MESSAGES").mkdir(parents=True)
    else:
        shutil.copy(project / HANDOUT_FILE, project / "handouts" / f"{HOSTILE_NAME}.yaml")
    with preview_of(project) as server:
        status, _, body = ask(server, "/")
    index = body.decode()
    assert status == 200
    assert "<img" not in index and HOSTILE_NAME not in index
    encoded = "x%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"
    assert index.count(f"/{encoded}") > 0  # in the links, percent-encoded
    assert "x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in index  # in the text, escaped


def test_preview_page_of_a_hostile_clinic_name_round_trips_escaped(project: Path) -> None:
    shutil.copytree(project / "clinics/stadtpark", project / "clinics" / HOSTILE_NAME)
    with preview_of(project) as server:
        status, _, body = ask(server, f"/page/{quote(HOSTILE_NAME, safe='')}/en/{HANDOUT}")
    page = body.decode()
    assert status == 200
    assert "<img src=x" not in page
    assert f" · x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;/en/{HANDOUT}" in page


@pytest.mark.parametrize("path", ["/", "/nothing-here", "/assets/templates/handout.css", f"/page/nope/en/{HANDOUT}"])
def test_preview_sends_a_strict_content_security_policy_on_every_answer(preview: PreviewServer, path: str) -> None:
    _, headers, _ = ask(preview, path)
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert (
        "default-src 'none'" in CONTENT_SECURITY_POLICY
        and "unsafe-inline" not in CONTENT_SECURITY_POLICY.split("style-src")[0]
    )
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_preview_runs_only_its_own_script_allowed_by_its_hash(preview: PreviewServer) -> None:
    _, headers, body = ask(preview, "/")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", body.decode(), re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/%00", 400),
        ("/assets/templates/handout.css%00.png", 400),
        ("/page/stadtpark%00/en/x", 400),
        ("/assets/templates/handout.css%0a", 400),
        ("/assets/templates/%5c..%5c..%5cetc", 400),
        ("/assets/" + "A" * 300, 404),
        ("/assets/templates/%ff%fe.css", 404),
        ("/page/..%2f..%2f..%2fetc/en/passwd", 404),
        ("/pdf/stadtpark/en/no-such-handout.pdf", 404),
        ("/events/more", 404),
    ],
)
def test_preview_bad_paths_are_400_or_404_without_a_traceback(
    preview: PreviewServer, capfd: pytest.CaptureFixture[str], path: str, status: int
) -> None:
    assert ask(preview, path)[0] == status
    assert ask(preview, "/")[0] == 200  # still serving
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(("host", "status"), [("evil.example:8000", 421), ("localhost", 200), (None, 200)])
def test_preview_answers_only_to_its_own_name(preview: PreviewServer, host: str | None, status: int) -> None:
    # A page on another site whose name was pointed at 127.0.0.1 (DNS rebinding) gets nothing.
    assert ask(preview, "/", host)[0] == status


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread not in before]


def first_event(browser: socket.socket) -> bytes:
    """The first server-sent event after the answer's headers, however many pieces the bytes
    arrive in (the headers and the event are sent apart)."""
    with browser.makefile("rb") as answer:  # closed here, so closing the socket closes the connection
        while answer.readline() not in (b"\r\n", b""):
            pass  # the status line and the headers
        return answer.readline() + answer.readline()


def test_preview_event_stream_ends_when_the_browser_closes_it(preview: PreviewServer) -> None:
    before = set(threading.enumerate())
    with socket.create_connection(preview.server_address[:2], timeout=30) as browser:
        browser.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert first_event(browser) == b"data: 0\n\n"
        [stream] = _new_threads(before)
    stream.join(timeout=5)  # within a poll or two of the close, not at the next save
    assert not stream.is_alive()


def test_preview_browser_leaving_mid_answer_is_quiet(
    small: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with preview_of(small) as preview:
        leave_mid_answer(preview, "/pdf/fixture/en/back-care.pdf", monkeypatch)
    assert capfd.readouterr().err == ""


def leave_mid_answer(preview: PreviewServer, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The server accepts and starts the request's thread in its own time: take the thread from
    # the server when it starts, not from a look at the threads right after sending.
    handlers: queue.Queue[threading.Thread] = queue.Queue()
    answer = preview.process_request_thread

    def recorded(request: socket.socket, client_address: tuple) -> None:
        handlers.put(threading.current_thread())
        answer(request, client_address)

    monkeypatch.setattr(preview, "process_request_thread", recorded)
    browser = socket.create_connection(preview.server_address[:2], timeout=30)
    browser.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    handler = handlers.get(timeout=30)
    browser.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, as a tab closed
    browser.close()
    handler.join(timeout=60)
    assert not handler.is_alive()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True), ("0.0.0.0", False), ("10.0.0.5", False)],
)
def test_preview_warns_when_told_to_listen_beyond_this_machine(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# -- Sign-off that means what it says ----------------------------------------------------------

REVIEWS = "locales/de/reviews.yaml"
GERMAN_PDF = "output/fixture/de/back-care.pdf"


def signed_project(root: Path, require_review: bool = True) -> Path:
    """A German leaflet whose safety text a clinician has approved (every entry)."""
    make_project(
        root,
        {"back-care": LEAFLET},
        {"de": {"back-care": GERMAN}},
        languages=("en", "de"),
        clinic_extra="require_review: true\n" if require_review else "",
    )
    assert main(["-C", str(root), "i18n", "review", "de", "--by", "Dr A, GP", "--yes"]) == 0
    return root


def test_an_approval_recording_other_english_counts_for_nothing(tmp_path: Path, run) -> None:
    root = signed_project(tmp_path / "p")
    edit(root / REVIEWS, "english: Call us if your legs go numb.", "english: Rest and drink water.")
    result = run(root, "build", "--lang", "de")
    assert result.code == 1 and not (root / GERMAN_PDF).exists()
    line = line_of(root / "locales/de/LC_MESSAGES/back-care.po", 'msgid "Call us')
    assert (
        f"error: locales/de/LC_MESSAGES/back-care.po:{line}: the approval by Dr A, GP (" in result.err
        and ") records other English than this entry, so it counts for nothing; have a clinician check it with: "
        'handouts i18n review de --by "Name, role"'
        in result.err
    )


def test_an_approval_with_another_context_counts_for_nothing(tmp_path: Path, run) -> None:
    root = signed_project(tmp_path / "p")
    edit(
        root / REVIEWS,
        "  english: Call us if your legs go numb.\n",
        "  english: Call us if your legs go numb.\n  context: x\n",
    )
    result = run(root, "build", "--lang", "de")
    assert result.code == 1 and not (root / GERMAN_PDF).exists()
    assert "records other English than this entry, so it counts for nothing" in result.err


def test_an_approval_whose_translation_hash_was_swapped_lapses(tmp_path: Path, run) -> None:
    root = signed_project(tmp_path / "p")
    text = (root / REVIEWS).read_text()
    hashes = re.findall(r"translation: ([0-9a-f]{16})", text)
    swapped = text.replace(hashes[0], "SWAP").replace(hashes[1], hashes[0]).replace("SWAP", hashes[1])
    (root / REVIEWS).write_text(swapped)
    result = run(root, "build", "--lang", "de")
    assert result.code == 1 and not (root / GERMAN_PDF).exists()
    assert "safety-critical entry changed since Dr A, GP (" in result.err


def test_an_approval_moved_to_another_catalog_counts_for_nothing(tmp_path: Path, run) -> None:
    root = signed_project(tmp_path / "p")
    (root / REVIEWS).write_text((root / REVIEWS).read_text().replace("domain: back-care", "domain: common"))
    result = run(root, "build", "--lang", "de")
    assert result.code == 1
    assert "safety-critical entry is not approved by a clinician" in result.err


DAMAGED_REVIEWS = [
    pytest.param("approvals: [\n", 2, "YAML syntax error", id="yaml-syntax"),
    pytest.param("approvals: 3\n", 1, "approvals:", id="not-a-list"),
    pytest.param("- just a list\n", 1, "expected a mapping of keys to values at the top level", id="not-a-mapping"),
]


@pytest.mark.parametrize(("text", "line", "message"), DAMAGED_REVIEWS)
def test_a_damaged_sign_off_file_is_a_warning_without_require_review(
    tmp_path: Path, run, text: str, line: int, message: str
) -> None:
    root = signed_project(tmp_path / "p", require_review=False)
    (root / REVIEWS).write_text(text)
    result = run(root, "build", "--lang", "de")
    assert result.code == 0 and (root / GERMAN_PDF).is_file()
    warnings = [w for w in result.err.splitlines() if w.startswith(f"warning: {REVIEWS}:")]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: {REVIEWS}:{line}")
    assert message in warnings[0]
    assert warnings[0].endswith(
        "; nothing in it counts as approved until it is fixed or written again by handouts i18n review de"
    )
    assert "Traceback" not in result.out + result.err


def test_a_damaged_sign_off_file_is_an_error_under_require_review(tmp_path: Path, run) -> None:
    root = signed_project(tmp_path / "p")
    (root / REVIEWS).write_text("approvals: [\n")
    result = run(root, "build", "--lang", "de")
    assert result.code == 1 and not (root / GERMAN_PDF).exists()
    assert any(line.startswith(f"warning: {REVIEWS}:2") for line in result.err.splitlines())
    assert f"the sign-off file cannot be read ({REVIEWS}:2" in result.err
    assert "refused fixture/de/back-care" in result.err


def test_check_warns_about_a_damaged_sign_off_file(tmp_path: Path, run) -> None:
    root = signed_project(tmp_path / "p", require_review=False)
    (root / REVIEWS).write_text("approvals: 3\n")
    result = run(root, "check")
    assert f"warning: {REVIEWS}:1 approvals: " in result.err


# -- Worker processes that die ----------------------------------------------------------------
# A worker killed as it starts, by this sitecustomize on PYTHONPATH (nothing in the tool knows):
# a spawned worker runs Python's start-up like any process; a worker forked from the fork server
# is killed as it is forked, by a hook the server's own start-up registers. HANDOUTS_TEST_KILL:
# "all", or N to kill only the N-th worker to start.
KILL_WORKERS = """
import os, signal, sys


def kill_if_chosen():
    which = os.environ["HANDOUTS_TEST_KILL"]
    if which == "all":
        os.kill(os.getpid(), signal.SIGKILL)
    number = 1
    while True:  # take the next number: the first free marker file
        try:
            os.close(os.open(os.path.join(os.environ["HANDOUTS_TEST_MARKS"], str(number)), os.O_CREAT | os.O_EXCL))
            break
        except FileExistsError:
            number += 1
    if number == int(which):
        os.kill(os.getpid(), signal.SIGKILL)


if "--multiprocessing-fork" in sys.argv:
    kill_if_chosen()
elif any("multiprocessing.forkserver" in arg for arg in sys.orig_argv):
    os.register_at_fork(after_in_child=kill_if_chosen)
"""
TINY = """\
meta: {code: T-1, version: "1.0", approved: 2026-01-01, review_due: 2099-01-01, references: ["A reference. 2020."]}
title: Tiny %d
sections:
  - id: body
    heading: Rest
    blocks:
      - type: paragraph
        text: Rest a little, then move.
"""


def build_with_dying_workers(tmp_path: Path, handouts: int, kill: str, jobs: int) -> subprocess.CompletedProcess:
    root = make_project(tmp_path / "p", {f"tiny-{n}": TINY % n for n in range(handouts)})
    site, marks = tmp_path / "site", tmp_path / "marks"
    site.mkdir()
    marks.mkdir()
    (site / "sitecustomize.py").write_text(KILL_WORKERS)
    env = {**os.environ, "PYTHONPATH": str(site), "HANDOUTS_TEST_KILL": kill, "HANDOUTS_TEST_MARKS": str(marks)}
    command = [sys.executable, "-m", "handouts", "-C", str(root), "build", "--format", "pdf", "-j", str(jobs)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("jobs", [2, 3, 4, 5, 6])
def test_workers_that_all_die_at_start_up_fail_the_build_in_one_line(tmp_path: Path, jobs: int) -> None:
    result = build_with_dying_workers(tmp_path, 6, "all", jobs)  # no hang: the timeout would fail it
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith("a worker process stopped unexpectedly; rendering the 6 unfinished jobs again\n")
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: handouts build: worker processes stopped twice before 6 files were done (killed, or out of "
        "memory), so nothing was written for them; build again, with fewer workers (-j 1) if memory is short"
    ], result.stdout + result.stderr
    assert result.stderr.count("failed  output/fixture/en/tiny-") == 6
    assert not list((tmp_path / "p/output").rglob("*.pdf"))


@pytest.mark.parametrize(("jobs", "which"), [(2, 1), (3, 2)])
def test_a_worker_that_dies_at_start_up_costs_one_retry(tmp_path: Path, jobs: int, which: int) -> None:
    result = build_with_dying_workers(tmp_path, jobs, str(which), jobs)
    assert result.returncode == 0, result.stdout + result.stderr
    # A forked worker killed before it was handed its start-up data is replaced at once, with no
    # job to redo; one killed a moment later breaks the pool, and its jobs are rendered again.
    retried = f"a worker process stopped unexpectedly; rendering the {jobs} unfinished jobs again\n"
    assert result.stderr.count("worker process stopped") == result.stderr.startswith(retried)
    assert result.stdout.splitlines()[-1].startswith(f"{jobs} built, 0 skipped, 0 failed")
    assert len(list((tmp_path / "p/output").rglob("*.pdf"))) == jobs


# -- Scheduler addresses ---------------------------------------------------------------------


@contextlib.contextmanager
def fake_scheduler(answer: bytes | None) -> Iterator[str]:
    """A loopback server that accepts connections and says nothing (None) or the answer."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                accepted.append(connection)
                if answer is not None:
                    connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() that close() alone leaves waiting
        listener.close()
        for connection in accepted:
            connection.close()
        thread.join(timeout=5)


WHERE_FIX = "start one with `dask scheduler`, or fix --scheduler (or `scheduler:` in handouts.yaml)"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (None, "something there accepted the connection but did not answer within 1 s"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", "what answers there is not a Dask scheduler"),
        (b"\xff" * 64, "what answers there is not a Dask scheduler"),
        (struct.pack("<Q", 1) + struct.pack("<Q", 3) + b"abc", "what answers there is not a Dask scheduler"),
    ],
    ids=["silent", "http", "huge-length", "short-garbage"],
)
def test_a_scheduler_address_that_does_not_speak_dask_is_one_line(
    tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch, answer: bytes | None, why: str
) -> None:
    pytest.importorskip("distributed")
    from handouts.pipeline.executors import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    monkeypatch.setattr(cluster, "ANSWER_SECONDS", 0)  # the deadline is their sum: the silent case waits 1 s
    root = make_project(tmp_path / "p", {"tiny-0": TINY % 0})
    with fake_scheduler(answer) as address:
        started = time.monotonic()
        result = run(root, "build", "--scheduler", address)
        assert time.monotonic() - started < 10
    assert result.code == 1
    assert result.err == f"error: {address}: {why}; {WHERE_FIX}\n"
    assert not (root / "output").exists() or not list((root / "output").rglob("*.pdf"))


def test_a_scheduler_in_handouts_yaml_alone_is_not_used(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"tiny-0": TINY % 0})
    with fake_scheduler(None) as address:  # nothing may connect to it
        (root / "handouts.yaml").write_text(f"library: []\nscheduler: {address}\n")
        result = run(root, "build", "-j", "1")
    assert result.code == 0
    assert result.err.splitlines()[0] == (
        "warning: handouts.yaml:2 scheduler: not used: a project file alone does not send the project over "
        "the network; pass --use-scheduler to render there (or --scheduler ADDRESS)"
    )
    assert (root / "output/fixture/en/tiny-0.pdf").is_file()


def test_use_scheduler_without_one_in_handouts_yaml_is_one_line(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"tiny-0": TINY % 0})
    result = run(root, "build", "--use-scheduler")
    assert result.code == 1
    assert result.err == (
        "error: --use-scheduler: handouts.yaml names no scheduler; add `scheduler: tcp://HOST:PORT` to it, "
        "or pass --scheduler\n"
    )


def test_executor_dask_in_handouts_yaml_with_an_unconfirmed_scheduler_is_one_error(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"tiny-0": TINY % 0})
    (root / "handouts.yaml").write_text("library: []\nexecutor: dask\nscheduler: tcp://127.0.0.1:9\n")
    result = run(root, "build")
    assert result.code == 1
    assert result.err == (
        "error: handouts.yaml:2 executor: the dask executor needs a scheduler: pass --scheduler tcp://HOST:PORT, "
        "or --use-scheduler with `scheduler:` set\n"
    )


# -- A new project where it cannot go ----------------------------------------------------------


def test_new_project_onto_a_dangling_link(tmp_path: Path, run) -> None:
    (tmp_path / "clinic").symlink_to(tmp_path / "gone")
    result = run(tmp_path, "new", str(tmp_path / "clinic"))
    assert result.code == 1
    assert result.err == (
        f"error: {tmp_path}/clinic: is a link to {tmp_path}/gone, which does not exist; give a new or empty folder\n"
    )
    assert not (tmp_path / "gone").exists()


def test_new_project_onto_a_file(tmp_path: Path, run) -> None:
    (tmp_path / "clinic").write_text("notes")
    result = run(tmp_path, "new", str(tmp_path / "clinic"))
    assert (result.code, result.err) == (
        1,
        f"error: {tmp_path}/clinic: is a file; give the name of a new or empty folder\n",
    )


@pytest.mark.parametrize("blocker", ["file", "dangling link"])
def test_new_project_under_a_file_where_a_folder_should_be(tmp_path: Path, run, blocker: str) -> None:
    if blocker == "file":
        (tmp_path / "clinics").write_text("notes")
    else:
        (tmp_path / "clinics").symlink_to(tmp_path / "gone")
    what = "a file" if blocker == "file" else "a link to nothing"
    result = run(tmp_path, "new", str(tmp_path / "clinics/new"))
    assert result.code == 1
    assert result.err == (
        f"error: {tmp_path}/clinics: is {what}, not a folder, so {tmp_path}/clinics/new cannot be made in it; "
        "give another path\n"
    )


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        (errno.EACCES, "you may not write in {parent} (Permission denied); choose a folder you may write to"),
        (errno.EROFS, "you may not write in {parent} (Read-only file system); choose a folder you may write to"),
        (errno.ENOSPC, "the disk is full; free some space, delete {target} and run handouts new again"),
    ],
)
def test_new_project_under_a_read_only_or_full_parent(
    tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch, error: int, fix: str
) -> None:
    # Tests run as root, which ignores file modes: refuse the folder as a read-only parent would.
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(error, os.strerror(error), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    target = tmp_path / "new-project"
    result = run(tmp_path, "new", str(target))
    assert result.code == 1
    assert result.err == f"error: {target}: {fix.format(parent=tmp_path, target=target)}\n"


# -- A full temporary disk while WeasyPrint writes fonts --------------------------------------


def test_full_temporary_disk_while_fonts_are_written(project: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    write_bytes = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if self.parent.name.startswith("weasyprint-"):  # WeasyPrint's font folder
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    result = run(project, "build", *ONE_JOB, "--format", "pdf")
    assert_one_line_error(
        result,
        f"error: stadtpark/de/{HANDOUT}: the disk of the temporary folder {tempfile.gettempdir()} is full, so the "
        "fonts could not be prepared; free some space there, or set TMPDIR to another folder",
    )
    assert not (project / PDF).exists()


def test_full_temporary_disk_before_the_workers_start(
    project: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build hands its workers the loaded project in a file in a temporary folder of its own."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    write_bytes = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if self.parent.parent == temp:  # the build's folder for its workers
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    result = run(
        project, "build", "--clinic", "stadtpark", "--lang", "de", "--lang", "en", "--handout", HANDOUT, "-j", "2"
    )
    [scratch] = re.findall(rf"error: ({re.escape(str(temp))}/handouts-build-\w+): ", result.err)
    assert_one_line_error(
        result, f"error: {scratch}: cannot be written (No space left on device); free some space there, or set TMPDIR"
    )
    assert list(temp.iterdir()) == []  # the folder itself is gone again
    assert not (project / PDF).exists()
