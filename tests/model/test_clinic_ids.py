"""A clinic's folder name is its id and the name of its output folder: never one of the names
the output folder keeps for itself beside the clinics' folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_project import LEAFLET, add_clinic, make_project
from handouts.model.project import RESERVED_CLINIC_IDS
from handouts.pipeline.layout import MANIFEST_NAME, SITE_PAGE, WITHDRAWN_DIR
from handouts.pipeline.run import INTERNAL_LOG


def test_every_name_the_output_folder_keeps_for_itself_is_reserved() -> None:
    assert set(RESERVED_CLINIC_IDS) == {WITHDRAWN_DIR, SITE_PAGE, MANIFEST_NAME, INTERNAL_LOG}


@pytest.mark.parametrize(
    ("clinic_id", "kept_for"),
    [
        ("_withdrawn", "withdrawn handouts"),
        ("_Withdrawn", "withdrawn handouts"),
        ("index.html", "handout library's start page"),
    ],
)
def test_a_clinic_named_like_the_output_folders_own_files_is_refused_alone(
    tmp_path: Path, run, clinic_id: str, kept_for: str
) -> None:
    project = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    add_clinic(project, clinic_id, ("en",))
    result = run(project, "build", "-j", "1")
    assert result.code == 1
    assert (
        f"error: clinics/{clinic_id}/: the name {clinic_id!r} is kept for the output folder's {kept_for}; "
        "rename the clinic's folder\n"
    ) in result.err
    assert (project / "output/fixture/en/leaflet.pdf").is_file()  # the other clinic still prints
    assert not (project / "output" / clinic_id / "en").exists()
