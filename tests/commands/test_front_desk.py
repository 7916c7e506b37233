"""The smaller things a clinic, a translator or the front desk meets (issue 22, item 6): the
install line and commands in the docs, YAML quoting hints, contrast advice that names the right
colour, no pass for what a check never saw, the preview's marks not hiding content, and the
HTML copies' Content-Security-Policy."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pdfplumber
import pytest

from conftest import REPO
from fixture_project import LEAFLET, make_project
from handouts.model.project import Project
from handouts.output.html import CONTENT_SECURITY_POLICY
from handouts.pipeline.jobs import Job, Sources
from handouts.pipeline.render_job import JobRenderer, translations_for

CLINIC = "clinics/fixture/clinic.yaml"


def edit_clinic(root: Path, old: str, new: str) -> None:
    path = root / CLINIC
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# -- The docs a clinic reads --------------------------------------------------------------


def section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    following = re.search(r"^#{1,3} ", markdown[start + len(heading) :], re.M)
    return markdown[start : start + len(heading) + (following.start() if following else len(markdown))]


def test_readme_installs_from_the_clone_it_is_in() -> None:
    readme = (REPO / "README.md").read_text()
    assert re.search(r"^pipx install \.(\s|$)", readme, re.M)
    assert "pipx install ./handouts" not in readme  # ./handouts is the content folder, not the package


def test_the_docs_a_clinic_reads_use_the_command_pipx_installs() -> None:
    readme = (REPO / "README.md").read_text()
    for text in (section(readme, "## Add your clinic"), (REPO / "AUTHORING.md").read_text()):
        assert ".venv/bin/handouts" not in text
        assert re.search(r"(^|`)handouts (new|check|build) ", text, re.M)


# -- YAML slips: quoting hints -------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        (
            'primary: "#0b5563"',
            "primary: #0e3b5c",
            4,
            "colors.primary: expected text, but YAML reads everything after # as a comment, so the value is "
            "empty; quote it: primary: '#0e3b5c'",
        ),
        (
            'emergency_number: "112"',
            "emergency_number: 000",
            10,
            "emergency_number: expected text, but YAML reads 000 as a number; quote it: emergency_number: '000'",
        ),
        (
            "phone: 030 1234 5678",
            "phone: 0301234",
            7,
            "phone: expected text, but YAML reads 0301234 as a number; quote it: phone: '0301234'",
        ),
    ],
)
def test_an_unquoted_value_yaml_reads_as_something_else_says_to_quote_it(
    tmp_path: Path, run, old: str, new: str, line: int, expected: str
) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    edit_clinic(root, old, new)
    result = run(root, "build")
    assert result.code == 1
    assert f"error: {CLINIC}:{line} {expected}" in result.err.splitlines()
    assert "Input should be a valid string" not in result.err


# -- Contrast advice names the colour to change ----------------------------------------------


def test_a_dark_accent_is_told_to_be_paler_not_the_primary_darker(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    edit_clinic(root, 'accent: "#e3f1f3"', 'accent: "#0e3b5c"')
    result = run(root, "check")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
    assert errors and all(f"error: {CLINIC}:5 colors.accent: " in line for line in errors)
    assert all(line.endswith("Choose a paler accent colour") for line in errors)
    assert "darker primary" not in result.err


def test_a_pale_primary_is_told_to_be_darker(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    edit_clinic(root, 'primary: "#0b5563"', 'primary: "#9fc5cc"')
    result = run(root, "check")
    errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
    assert errors and all(line.endswith("Choose a darker primary colour") for line in errors)
    assert all(f"error: {CLINIC}:4 colors.primary: " in line for line in errors)


# -- No pass for what a check never saw --------------------------------------------------------


def test_a_clinic_that_does_not_load_gets_no_vacuous_passes(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    edit_clinic(root, "paper: A4", "paper: A3")
    result = run(root, "check")
    assert result.code == 1
    lines = result.out.splitlines()
    unchecked = f"not checked: {CLINIC} (it does not load; see below)"
    for gate in ("catalogs", "glyphs", "contrast", "fit"):
        assert f"{gate:<12} partly {unchecked}" in lines, result.out
    assert not re.search(r"ok +0 ", result.out)  # no "contrast ok 0 clinics"
    assert lines[-1] == "1 of 8 checks failed, 4 done only in part."


# -- Language tags in messages ------------------------------------------------------------------


def test_messages_spell_a_language_as_its_folder_does(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET}, languages=("en", "zh_Hans"))
    result = run(root, "build", "-j", "1", "--lang", "zh-Hans")  # as the folder is named; no catalog: not offered
    assert result.code == 0
    # The language as its output folder spells it; the command with its catalog folder's code (locales/zh_Hans).
    assert result.err.splitlines()[0] == (
        "not offered in 'zh-Hans' (no catalog): leaflet; to offer them, run handouts i18n update --lang zh_Hans "
        "and translate"
    )
    assert "fixture/zh_Hans/" not in result.err
    unknown = run(root, "build", "--lang", "fr")
    assert "they offer: en, zh-Hans" in unknown.out + unknown.err


# -- The preview's marks ---------------------------------------------------------------------

TABLE_ROWS = "\n".join(f"          - [Day {n}, Walked, null]" for n in range(1, 61))
LONG_TABLE = f"""\
meta:
  code: FIX-02
  version: "1.0"
  approved: 2026-11-20
  review_due: 2028-11-20
  target_pages: 4
  references: ["A reference. 2020."]
title: A diary
sections:
  - id: body
    heading: Body
    blocks:
      - type: table
        header: [Day, What you did, Pain score]
        rows:
{TABLE_ROWS}
"""


def refused_preview_pdf(root: Path) -> bytes:
    """What the preview's PDF link serves for a page the build refuses (a language without catalogs)."""
    project = Project(root)
    sources = Sources({"fixture": project.load_clinic("fixture")}, {"diary": project.load_handout("diary")})
    sources.translations = translations_for(project, ["de"], ["diary", "common"])
    render = JobRenderer(project, sources)
    job = Job("fixture", "de", "diary")
    assert render.page(job)[1].refused
    return render.marked_file(job)


def test_the_preview_pdfs_mark_covers_nothing_on_any_page(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"diary": textwrap.dedent(LONG_TABLE)}, languages=("en", "de"))
    pdf = tmp_path / "preview.pdf"
    pdf.write_bytes(refused_preview_pdf(root))
    with pdfplumber.open(pdf) as document:
        assert len(document.pages) > 1  # the table breaks, its header row repeated on the next page
        for page in document.pages:
            words = page.extract_words()
            mark = [w for w in words if w["top"] < 30 * 72 / 25.4]  # in the top margin made for it
            content = [w for w in words if w not in mark]
            assert " ".join(w["text"] for w in mark).startswith("NOT FOR PATIENTS:")
            assert max(w["bottom"] for w in mark) < min(w["top"] for w in content)
        second = " ".join(w["text"] for w in document.pages[1].extract_words())
        assert "Day What you did Pain score" in second


def test_the_html_copies_close_base_and_form_targets_too() -> None:
    directives = {part.strip().split()[0]: part.strip() for part in CONTENT_SECURITY_POLICY.split(";")}
    assert directives["default-src"] == "default-src 'none'"
    assert directives["base-uri"] == "base-uri 'none'"
    assert directives["form-action"] == "form-action 'none'"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """For the preview's `server`: a project whose German diary the build refuses (no German catalog)."""
    return make_project(tmp_path / "p", {"diary": textwrap.dedent(LONG_TABLE)}, languages=("en", "de"))


def test_the_preview_bar_does_not_hide_the_mark_on_screen(request: pytest.FixtureRequest) -> None:
    from selenium.webdriver.common.by import By

    preview, chromium = request.getfixturevalue("server"), request.getfixturevalue("browser")
    chromium.get(f"{preview.url}page/fixture/de/diary")
    bar = chromium.find_element(By.CSS_SELECTOR, "nav.handouts-preview").rect
    mark = chromium.find_element(By.CSS_SELECTOR, ".not-for-patients")
    assert mark.text.startswith("NOT FOR PATIENTS:")
    assert mark.rect["y"] >= bar["y"] + bar["height"]  # below the bar, not under it
    on_top = "const r = arguments[0].getBoundingClientRect(); return document.elementFromPoint(r.x + 4, r.y + 4);"
    assert chromium.execute_script(on_top, mark) == mark  # nothing drawn over it
    heading = chromium.find_element(By.CSS_SELECTOR, "main h1, h1")
    assert heading.rect["y"] >= mark.rect["y"] + mark.rect["height"]  # and it covers none of the page
