"""The preview plans, refuses and renders a page as the build does: the same jobs, the same one line."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from fixture_project import LEAFLET, catalogs, make_project
from handouts.commands.serve import ChangeWatcher, Preview
from handouts.model.project import Project

EXPIRED = LEAFLET.replace("review_due: 2028-11-20", "review_due: 2020-01-01").replace(
    "approved: 2026-11-20", "approved: 2019-01-01"
)


def preview(root: Path) -> Preview:
    project = Project(root)
    return Preview(project, ChangeWatcher(project))  # the watcher never started: pages only


def build_errors(run, root: Path) -> list[str]:
    """The problems the build prints (on either stream), without their `error: ` mark."""
    result = run(root, "build")
    lines = (result.out + result.err).splitlines()
    return [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]


def test_a_handout_past_its_review_date_shows_the_builds_line_instead_of_its_page(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": EXPIRED})
    page = preview(root).page("fixture", "en", "leaflet")
    errors = build_errors(run, root)
    assert len(errors) == 1 and "review" in errors[0]
    assert "leaflet cannot be shown" in page
    assert html.escape(errors[0]) in page


def test_a_page_the_build_prints_says_nothing_is_left_out(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET}, catalogs("de"), languages=("en", "de"))
    page = preview(root).page("fixture", "de", "leaflet")
    assert "de leaflet" in page
    assert "The build does not make this page" not in page
    assert "The build will not print this" not in page


def test_a_handout_the_clinic_does_not_list_is_shown_with_the_reason(tmp_path: Path) -> None:
    handouts = {"leaflet": LEAFLET, "other": LEAFLET}
    root = make_project(tmp_path / "p", handouts, clinic_extra="handouts: [other]\n")
    page = preview(root).page("fixture", "en", "leaflet")
    assert "A leaflet" in page
    assert "The build does not make this page: fixture does not offer this handout in &#x27;en&#x27;" in page


def test_a_language_without_the_handouts_catalog_gives_the_builds_not_offered_line(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET}, languages=("en", "de"))
    page = preview(root).page("fixture", "de", "leaflet")
    result = run(root, "build")
    not_offered = [line for line in (result.out + result.err).splitlines() if "not offered in 'de'" in line]
    assert len(not_offered) == 1
    assert f"The build does not make this page: {html.escape(not_offered[0])}" in page


def test_a_language_no_catalog_and_no_clinic_has_is_not_a_page(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    with pytest.raises(LookupError):
        preview(root).page("fixture", "xx", "leaflet")
