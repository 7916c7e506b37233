"""Patient packets (issue 11): a clinic's handouts as one PDF per language, each handout starting
on an odd page, one bookmark each, tags kept; refused with the reason when one handout is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import page_count
from fixture_project import make_project
from handouts.cli import main

PACKET = "new-patient"
ORDER = ("leaflet", "form", "diary")  # the packet's order, not the alphabet's
TITLES = {"leaflet": "Leaflet for patients", "form": "Form to fill in", "diary": "Diary to keep"}
# Paragraphs per handout: one page for the form, several for the others.
LENGTHS = {"leaflet": 60, "form": 2, "diary": 40}
GERMAN = {"Leaflet for patients": "Merkblatt", "Form to fill in": "Formular", "Diary to keep": "Tagebuch"}


def handout(handout_id: str) -> str:
    paragraphs = "\n".join(
        f"      - type: paragraph\n        text: {handout_id} paragraph {n} says something about the treatment."
        for n in range(LENGTHS[handout_id])
    )
    return f"""\
meta:
  code: {handout_id.upper()}-01
  version: "1.0"
  approved: 2026-11-01
  review_due: 2028-11-01
  target_pages: 4
  references: ["A reference. 2020."]
title: {TITLES[handout_id]}
sections:
  - id: body
    heading: Body
    blocks:
{paragraphs}
"""


def german(handout_id: str) -> dict[str, str]:
    """A German catalog: the title and each paragraph (the diary's safety text left out when asked)."""
    entries = {TITLES[handout_id]: GERMAN[TITLES[handout_id]], "Body": "Inhalt"}
    for n in range(LENGTHS[handout_id]):
        entries[f"{handout_id} paragraph {n} says something about the treatment."] = f"{handout_id} Absatz {n}."
    return entries


def packet_project(root: Path, packets: str = f"packets:\n  {PACKET}: [{', '.join(ORDER)}]\n") -> Path:
    catalogs = {"de": {handout_id: german(handout_id) for handout_id in ORDER}}
    del catalogs["de"]["diary"]["diary paragraph 3 says something about the treatment."]  # German diary: refused
    return make_project(root, {h: handout(h) for h in ORDER}, catalogs, languages=("en", "de"), clinic_extra=packets)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = packet_project(tmp_path_factory.mktemp("packets") / "p")
    assert main(["-C", str(root), "build", "-j", "1"]) == 1  # the German diary, and so its packet, are refused
    return root


def packet_pdf(root: Path, lang: str = "en") -> Path:
    return root / "output" / "fixture" / lang / "packets" / f"{PACKET}.pdf"


def test_packet_has_its_handouts_in_order_each_starting_on_an_odd_page(built: Path) -> None:
    packet = PdfReader(packet_pdf(built))
    texts = [page.extract_text() for page in packet.pages]
    lengths = [page_count(built / "output/fixture/en" / f"{handout_id}.pdf") for handout_id in ORDER]
    assert lengths[1] == 1  # the form: one page, so a blank page follows it
    start = 0
    for handout_id, pages in zip(ORDER, lengths, strict=True):
        assert start % 2 == 0  # 0-based: page start + 1 is odd, the front of a sheet
        assert TITLES[handout_id] in texts[start]
        assert all(f"{handout_id} paragraph" in text for text in texts[start : start + pages])
        if pages % 2:
            assert texts[start + pages].strip() == ""  # the blank back of its last sheet
        start += pages + pages % 2
    assert len(packet.pages) == sum(lengths) + sum(pages % 2 for pages in lengths[:-1])


def test_packet_has_one_bookmark_per_handout_with_its_title(built: Path) -> None:
    packet = PdfReader(packet_pdf(built))
    bookmarks = [(item.title, packet.get_destination_page_number(item)) for item in packet.outline]
    assert [title for title, _ in bookmarks] == [TITLES[h] for h in ORDER]
    assert [page % 2 for _, page in bookmarks] == [0, 0, 0]  # 0-based: every handout on an odd page
    assert TITLES["leaflet"] in packet.pages[bookmarks[0][1]].extract_text()
    assert TITLES["diary"] in packet.pages[bookmarks[2][1]].extract_text()


def test_packet_keeps_the_handouts_tags(built: Path) -> None:
    with pikepdf.open(packet_pdf(built)) as pdf:
        assert pdf.Root.MarkInfo.Marked
        assert str(pdf.Root.Lang) == "en"
        (document,) = pdf.Root.StructTreeRoot.K
        assert document.S == "/Document"
        assert [part.S for part in document.K] == ["/Part"] * 3
        pages = {page.objgen for page in pdf.pages}
        tagged = [page for page in pdf.pages if "/StructParents" in page]
        keys = [int(page.StructParents) for page in tagged]
        assert len(set(keys)) == len(keys)  # each page its own entry in the parent tree
        parent_tree = dict(pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree).items())
        for key in keys:
            assert all(element.Pg.objgen in pages for element in parent_tree[key])
        assert "pdfuaid:part" in str(pdf.open_metadata())
        assert str(pdf.docinfo.Title) == "Leaflet for patients · Form to fill in · Diary to keep"


def test_packet_with_a_refused_handout_is_refused_naming_it(tmp_path: Path, run) -> None:
    root = packet_project(tmp_path / "p")
    result = run(root, "build", "--lang", "de", "-j", "1")
    assert result.code == 1
    line = next(line for line in result.err.splitlines() if "packets/" in line and line.startswith("error:"))
    assert line.startswith(f"error: fixture/de/packets/{PACKET}: not printed: its handout 'diary' is not printed: ")
    assert "handouts/diary.yaml: only 97% translated" in line  # the diary's own reason
    assert f"refused fixture/de/packets/{PACKET}" in result.err
    assert not packet_pdf(root, "de").exists()
    assert (root / "output/fixture/de/leaflet.pdf").is_file()  # the other handouts still print


def test_second_build_skips_the_packet_and_a_changed_handout_rebuilds_it(built: Path, tmp_path: Path, run) -> None:
    root = Path(shutil.copytree(built, tmp_path / "p", symlinks=True))
    before = packet_pdf(root).read_bytes()
    again = run(root, "build", "--lang", "en", "-j", "1")
    assert again.code == 0
    assert again.out.splitlines()[-1].startswith("0 built, 7 skipped")  # three handouts, their HTML, the packet
    form = root / "handouts/form.yaml"
    form.write_text(form.read_text().replace("form paragraph 1 says", "form paragraph 1 now says"))
    changed = run(root, "build", "--lang", "en", "-j", "1")
    assert changed.code == 0
    assert changed.out.splitlines()[-1].startswith("3 built, 4 skipped")  # the form, its HTML and the packet
    assert "form paragraph 1 now says" in "".join(page.extract_text() for page in PdfReader(packet_pdf(root)).pages)
    assert packet_pdf(root).read_bytes() != before
    entries = {e["path"]: e for e in json.loads((root / "output/manifest.json").read_text())["pdfs"]}
    entry = entries[f"fixture/en/packets/{PACKET}.pdf"]
    assert entry["packet"] == list(ORDER)
    assert entry["version"] == "leaflet 1.0, form 1.0, diary 1.0"
    members = [entries[f"fixture/en/{handout_id}.pdf"] for handout_id in ORDER]
    assert entry["total"] == sum(member["total"] for member in members)
    assert entry["review_due"] == "2028-11-01"
    assert "packet" not in entries["fixture/en/leaflet.pdf"]


def test_a_packet_taken_out_of_clinic_yaml_is_withdrawn(built: Path, tmp_path: Path, run) -> None:
    root = Path(shutil.copytree(built, tmp_path / "p", symlinks=True))
    clinic = root / "clinics/fixture/clinic.yaml"
    clinic.write_text(clinic.read_text().replace(f"  {PACKET}:", "  other-packet:"))
    result = run(root, "build", "--lang", "en", "-j", "1", "--today", "2026-12-01")
    assert result.code == 0, result.out
    assert not packet_pdf(root).exists()
    assert (root / "output/_withdrawn/fixture/en/packets" / f"{PACKET}.pdf").is_file()
    withdrawn = json.loads((root / "output/manifest.json").read_text())["withdrawn"]
    assert [(w["path"], w["reason"]) for w in withdrawn] == [
        (f"fixture/en/packets/{PACKET}.pdf", "no longer a packet of the clinic (its `packets:` in clinic.yaml)")
    ]


def test_narrowing_to_one_handout_leaves_packets_alone(built: Path, tmp_path: Path, run) -> None:
    root = Path(shutil.copytree(built, tmp_path / "p", symlinks=True))
    result = run(root, "build", "--lang", "en", "--handout", "form", "-j", "1", "--force")
    assert result.code == 0
    assert "packets/" not in result.err
    assert packet_pdf(root).is_file()


@pytest.mark.parametrize(
    ("packets", "error"),
    [
        (
            f"packets:\n  {PACKET}: [leaflet, leaflett]\n",
            f"clinics/fixture/clinic.yaml:16 packets.{PACKET}[1]: unknown handout 'leaflett'; "
            "the handouts are: diary, form, leaflet",
        ),
        (
            f"handouts: [leaflet, form]\npackets:\n  {PACKET}: [leaflet, diary]\n",
            f"clinics/fixture/clinic.yaml:17 packets.{PACKET}[1]: this clinic does not offer 'diary'; "
            "add it to `handouts:` or take it out of the packet",
        ),
        (
            f"packets:\n  {PACKET}: [form, form]\n",
            f"clinics/fixture/clinic.yaml:16 packets.{PACKET}[1]: 'form' is listed twice; list each handout once",
        ),
    ],
)
def test_a_wrong_packet_is_one_line_naming_file_and_key(tmp_path: Path, run, packets: str, error: str) -> None:
    root = packet_project(tmp_path / "p", packets)
    result = run(root, "build", "--lang", "en", "-j", "1")
    assert result.code == 1
    assert f"error: {error}" in result.err.splitlines()
    assert (root / "output/fixture/en/leaflet.pdf").is_file()  # only the packet is refused
    assert not packet_pdf(root).exists()
    check = run(root, "check", "--lang", "en")
    assert check.code == 1
    assert f"error: {error}" in check.err.splitlines()
