"""Figure labels that will not read on paper (label_fit.py): outside the drawing, or below 9 pt
at the figure's width. Warnings in `handouts check` and the build, naming the label."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from fixture_project import META, make_project
from handouts.render.label_fit import labels, parse_transform, scale_of, view_box

HANDOUT = (
    META
    + """\
title: Pads
sections:
  - id: pads
    heading: Where the pads go
    blocks:
      - type: figure
        src: pads.svg
        width: 80
        alt: Two pads on a back.
"""
)
# 200 units across 80 mm: a unit is 0.4 mm, so font-size 12 prints at 13.6 pt and 6 at 6.8 pt.
SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">
  <text x="100" y="20" text-anchor="middle" font-size="12">Pad here</text>
  <g transform="scale(0.5)"><text x="20" y="100" font-size="12">Spine</text></g>
  <text x="150" y="60" font-size="12">Never on the neck</text>
</svg>"""
SMALL = (
    "handouts/pads.yaml:13 sections[0].blocks[0]: figure label 'Spine' (pads.svg) prints at 6.8 pt at the "
    "figure's width of 80 mm; make it at least 9 pt (font-size 16 in this drawing), or make the figure wider"
)
OUTSIDE = (
    "handouts/pads.yaml:13 sections[0].blocks[0]: figure label 'Never on the neck' (pads.svg) runs outside "
    "the drawing (x 150 to 253, y 50 to 62; the viewBox is x 0 to 200, y 0 to 100); "
    "move it in, shorten it, or widen the viewBox"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", {"pads": HANDOUT}, assets={"pads/pads.svg": SVG})


def test_check_warns_of_a_small_label_and_one_outside_the_drawing(project: Path, run) -> None:
    result = run(project, "check")
    warnings = [line.strip() for line in result.err.splitlines() if line.strip().startswith("warning: handouts/")]
    assert warnings == [f"warning: {SMALL}", f"warning: {OUTSIDE}"]
    assert result.code == 0  # a warning: the PDF still prints


def test_the_build_warns_and_still_prints(project: Path, run) -> None:
    result = run(project, "build", "-j", "1")
    assert result.code == 0
    assert SMALL in result.out + result.err and OUTSIDE in result.out + result.err
    assert (project / "output/fixture/en/pads.pdf").is_file()


def test_a_label_that_fits_is_quiet(tmp_path: Path, run) -> None:
    fitting = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><text x="5" y="50">Pad</text></svg>'
    root = make_project(tmp_path / "p", {"pads": HANDOUT}, assets={"pads/pads.svg": fitting})
    assert "warning: handouts/" not in run(root, "check").err


def test_groups_pass_their_size_anchor_and_transform_to_the_label() -> None:
    root = ET.fromstring(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<g style="font-size: 10pt; text-anchor: end" font-weight="bold" transform="translate(5 5) rotate(90)">'
        '<text x="1" y="2"> Pad <tspan>here</tspan> </text></g></svg>'
    )
    (label,) = labels(root)
    assert (label.text, label.size, label.anchor, label.bold) == ("Pad here", pytest.approx(40 / 3), "end", True)
    assert label.matrix == pytest.approx((0, 1, -1, 0, 5, 5), abs=1e-9)


@pytest.mark.parametrize(
    ("transform", "scale"),
    [("", 1), ("scale(2)", 2), ("scale(2 8)", 4), ("translate(3) matrix(3 0 0 3 1 1)", 3), ("rotate(30 5 5)", 1)],
)
def test_how_much_a_transform_enlarges_a_label(transform: str, scale: float) -> None:
    assert scale_of(parse_transform(transform)) == pytest.approx(scale)


def test_a_drawing_without_a_view_box_is_measured_by_its_width_and_height() -> None:
    assert view_box(ET.fromstring('<svg viewBox="0 0 4 3"/>')) == (0, 0, 4, 3)
    assert view_box(ET.fromstring('<svg width="40px" height="30"/>')) == (0, 0, 40, 30)
    assert view_box(ET.fromstring("<svg/>")) is None


def test_check_warns_of_a_translated_label_that_runs_outside_at_its_catalog_line(tmp_path: Path, run) -> None:
    long = "Placez l'électrode ici, jamais sur la colonne"
    catalogs = {"fr": {"pads": {("Pad here", "figure label"): long, ("Spine", "figure label"): "Colonne"}}}
    root = make_project(tmp_path / "p", {"pads": HANDOUT}, catalogs, ("en", "fr"), assets={"pads/pads.svg": SVG})
    warnings = [line.strip() for line in run(root, "check").err.splitlines() if "in fr," in line]
    assert warnings == [
        "warning: locales/fr/LC_MESSAGES/pads.po:22: figure label 'Pad here' (pads.svg) in fr, "
        f"{long!r}, runs outside the drawing (x -19 to 219, y 10 to 22; the viewBox is x 0 to 200, y 0 to 100); "
        "shorten the translation (the drawing has no more room)"
    ]
