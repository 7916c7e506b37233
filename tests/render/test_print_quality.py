"""Print quality and accessibility (issue #4): themes, PDF/UA, large print, bilingual,
contrast, fit to sheet, review dates, the screening form and `handouts check`."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import HANDOUT, REPO, copy_project, pdf_fonts, pdf_text
from handouts.i18n.extract import handout_template
from handouts.model.project import Project
from handouts.pipeline.jobs import BuildOptions, Job
from handouts.pipeline.layout import output_path
from handouts.pipeline.plan import copies, load
from handouts.source.contrast import contrast_ratio

FORM = "microcurrent-screening-form"
TODAY = "2026-11-23"  # review dates are judged against this day, never the clock
SHIPPED_REVIEW_DUE = re.search(r"review_due: (\S+)", (REPO / f"handouts/{HANDOUT}.yaml").read_text()).group(1)


def line_of(path: Path, needle: str) -> int:
    """The line number of the first line holding `needle`, as error messages count."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def body_size(path: Path) -> float:
    """The font size (pt) that most characters of the PDF are set in: the body text."""
    sizes: Counter[float] = Counter()
    for page in PdfReader(path).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            if text.strip():
                sizes[round(size * scale, 1)] += len(text.strip())

        page.extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


def one_line(text: str) -> str:
    return " ".join(text.split())


# -- Built once for several tests: A4 default, Letter bilingual, large print ---------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from handouts.cli import main

    root = copy_project(tmp_path_factory.mktemp("built"), ["stadtpark", "riverside"])
    riverside = root / "clinics/riverside/clinic.yaml"
    riverside.write_text(riverside.read_text() + "bilingual: true\n")  # English beside each patient's language
    common = ["-C", str(root), "build", "--handout", HANDOUT, "--today", TODAY, "--format", "pdf", "-j", "1"]
    assert main([*common, "--clinic", "stadtpark", "--lang", "de"]) == 0
    assert main([*common, "--clinic", "stadtpark", "--lang", "en", "--large-print"]) == 0
    assert main([*common, "--clinic", "riverside", "--lang", "es"]) == 0
    return root / "output"


def test_a4_and_letter_page_sizes(built: Path) -> None:
    a4 = PdfReader(built / "stadtpark/de" / f"{HANDOUT}.pdf").pages[0].mediabox
    letter = PdfReader(built / "riverside/es" / f"{HANDOUT}-bilingual.pdf").pages[0].mediabox
    assert (round(a4.width), round(a4.height)) == (595, 842)
    assert (round(letter.width), round(letter.height)) == (612, 792)


def test_body_text_is_12_pt_and_large_print_16_pt(built: Path) -> None:
    assert body_size(built / "stadtpark/de" / f"{HANDOUT}.pdf") >= 12
    large = built / "stadtpark/en" / f"{HANDOUT}-large-print.pdf"
    assert body_size(large) >= 16
    assert (built / "stadtpark/en" / f"{HANDOUT}.pdf").exists()  # the standard copy too, under its own name


def test_pdf_ua_markers(built: Path) -> None:
    reader = PdfReader(built / "stadtpark/de" / f"{HANDOUT}.pdf")
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "de"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata.title == "Mikrostromtherapie bei Rückenschmerzen"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp


def test_bilingual_copy_has_both_titles(built: Path) -> None:
    path = built / "riverside/es" / f"{HANDOUT}-bilingual.pdf"
    text = one_line(pdf_text(path))
    assert "Terapia de microcorriente para el dolor de espalda" in text
    assert "Microcurrent therapy for back pain" in text
    assert PdfReader(path).metadata.title == (
        "Terapia de microcorriente para el dolor de espalda / Microcurrent therapy for back pain"
    )


# -- Contrast --------------------------------------------------------------------------


def test_bilingual_flag_overrides_the_clinic_setting() -> None:
    project = Project(REPO)
    riverside = load(project, ["riverside"], [HANDOUT]).clinics["riverside"]
    assert copies(riverside, "es", BuildOptions()) == [()]  # riverside.yaml: not bilingual
    both = copies(riverside, "es", BuildOptions(switches=(("bilingual", True),), variants=("large-print",)))
    assert both == [(), ("bilingual",), ("large-print",)]  # the standard copy, then one per variant
    assert copies(riverside, "en", BuildOptions(switches=(("bilingual", True),))) == [
        ()
    ]  # the main language needs no second
    job = Job("riverside", "es", HANDOUT, ("bilingual",), "en")
    assert output_path(Path("out"), job).name == f"{HANDOUT}-bilingual.pdf"


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_low_contrast_brand_colour_is_an_error_with_its_ratio(project: Path, run) -> None:
    edit(project / "clinics/stadtpark/clinic.yaml", '"#2d5a27"', '"#999999"')
    result = run(project, "build")
    assert result.code == 1
    assert (
        "error: clinics/stadtpark/clinic.yaml:5 colors.primary: #999999 on #ffffff has a contrast ratio of 2.84:1; "
        "WCAG 2.1 AA needs at least 4.5:1 for the clinic name, step titles and headings on white paper. "
        "Choose a darker primary colour"
    ) in result.err
    assert "#999999 on #eaf3e8 has a contrast ratio of" in result.err
    assert "0 built" in result.out


# -- Clinic settings ---------------------------------------------------------------------


def test_body_size_below_12_pt_is_a_schema_error(project: Path, run) -> None:
    clinic = project / "clinics/stadtpark/clinic.yaml"
    clinic.write_text(
        clinic.read_text()
        + "body_size: 10\nmain_language: fr\nfont: Comic Sans\n"
        + "clinic_section:\n  heading: {klingon: Qapla}\n  text: Welcome\n"
    )
    result = run(project, "check", "--clinic", "stadtpark", "--lang", "en", "--handout", HANDOUT)
    assert result.code == 1
    assert (
        "error: clinics/stadtpark/clinic.yaml:18 body_size: body text must be at least 12 pt (clear print); got 10"
        in result.err
    )
    assert "clinic.yaml:19 main_language: 'fr' is not one of this clinic's languages (de, ru, ar, en)" in result.err
    assert "clinic.yaml:22 clinic_section.heading: unknown language 'klingon'" in result.err


def test_unknown_font_names_the_families(project: Path, run) -> None:
    clinic = project / "clinics/stadtpark/clinic.yaml"
    clinic.write_text(clinic.read_text() + "font: Comic Sans\n")
    result = run(project, "build")
    assert result.code == 1
    assert "clinics/stadtpark/clinic.yaml:18 font: unknown font 'Comic Sans'; use one of the families" in result.err
    assert "Noto Serif" in result.err


def test_clinic_theme_font_footer_section_and_qr(project: Path, run) -> None:
    clinic = project / "clinics/stadtpark/clinic.yaml"
    clinic.write_text(
        clinic.read_text()
        + "font: Noto Serif\n"
        + "body_size: 14\n"
        + "logo_placement: end\n"
        + "footer_text: Termine nach Vereinbarung\n"
        + "handout_url: https://physio-stadtpark.example/info/{handout}/{lang}\n"
        + "clinic_section:\n"
        + "  heading: {de: So finden Sie uns, en: Finding us}\n"
        + "  text:\n"
        + "    de: Der Eingang ist im Hof. Bitte bringen Sie bequeme Kleidung mit.\n"
        + "    en: The entrance is in the courtyard.\n"
    )
    result = run(project, "build", "--lang", "de", "--handout", HANDOUT, "--today", TODAY, "--format", "pdf", "-j", "1")
    assert result.code == 0, result.out
    pdf = project / "output/stadtpark/de" / f"{HANDOUT}.pdf"
    text = one_line(pdf_text(pdf))
    assert "Termine nach Vereinbarung" in text
    assert "So finden Sie uns" in text
    assert "Der Eingang ist im Hof." in text
    assert any("Noto-Serif" in font["name"] for font in pdf_fonts(pdf))
    assert body_size(pdf) == 14
    # The QR code is drawn from the URL (no fetch); its alt text is the URL.
    alts = _struct_alts(PdfReader(pdf))
    assert "https://physio-stadtpark.example/info/microcurrent-back-pain/de" in alts
    assert any("Physiotherapie am Stadtpark" in alt for alt in alts)  # the logo's alt text


def _struct_alts(reader: PdfReader) -> list[str]:
    """Every /Alt text in the PDF's structure tree (figures: logo, QR code)."""
    alts, seen = [], set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if "/Alt" in node:
                alts.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                stack.extend(kids if isinstance(kids, list) else [kids])
        elif isinstance(node, list):
            stack.extend(node)
    return alts


def test_clinic_template_override_extends_the_base(project: Path, run) -> None:
    templates = project / "clinics/stadtpark/templates"
    templates.mkdir()
    (templates / "handout.html").write_text(
        '{% extends "base/handout.html" %}\n'
        "{% block content %}<p>Bitte 10 Minuten vor dem Termin kommen.</p>{{ super() }}{% endblock %}\n",
        encoding="utf-8",
    )
    result = run(project, "build", "--lang", "de", "--handout", HANDOUT, "--today", TODAY, "--format", "pdf", "-j", "1")
    assert result.code == 0, result.out
    text = one_line(pdf_text(project / "output/stadtpark/de" / f"{HANDOUT}.pdf"))
    assert "Bitte 10 Minuten vor dem Termin kommen." in text  # the clinic's override
    assert "Mikrostromtherapie bei Rückenschmerzen" in text  # the base template's content
    assert text.index("Bitte 10 Minuten") < text.index("Wer diese Behandlung nicht")


# -- Fit to sheet and review dates --------------------------------------------------------


def test_extra_text_trips_the_fit_check_naming_the_language(project: Path, run) -> None:
    extra = "".join(
        f"      - type: paragraph\n        text: Extra paragraph {i}. {'More words to fill the page. ' * 12}\n"
        for i in range(40)
    )
    edit(
        project / f"handouts/{HANDOUT}.yaml",
        "      - type: paragraph\n        text: We want you to know what the research says",
        extra + "      - type: paragraph\n        text: We want you to know what the research says",
    )
    scope = ["--lang", "en", "--handout", HANDOUT, "--today", TODAY]
    build = ["build", *scope, "--format", "pdf"]  # the fit is judged on the PDF: no HTML copy needed
    checked = run(project, "check", *scope)
    assert checked.code == 1
    line = line_of(project / f"handouts/{HANDOUT}.yaml", "  target_pages:")
    assert re.search(
        rf"error: handouts/microcurrent-back-pain.yaml:{line} meta.target_pages: the 'en' version for stadtpark takes "
        r"(\d+) pages, \d+ pages over the target of 4; shorten the text or its translation, or raise the target",
        checked.err,
    )
    assert "fit          FAILED" in checked.out
    built = run(project, *build)
    assert built.code == 0  # the build reports, `handouts check` fails
    warning = f"warning: handouts/microcurrent-back-pain.yaml:{line} meta.target_pages: the 'en' version for stadtpark"
    assert warning in built.err
    # --strict refuses a PDF printed with any warning, this one too, with or without --force.
    pdf = project / f"output/stadtpark/en/{HANDOUT}.pdf"
    assert pdf.is_file()
    for force in ([], ["--force"]):
        strict = run(project, *build, *force, "--strict")
        assert strict.code == 1
        assert f"refused stadtpark/en/{HANDOUT}: 1 problem (listed above); not printed" in strict.err
        assert not pdf.exists()
        assert run(project, *build).code == 0 and pdf.is_file()  # printed again, leniently


def test_expired_handout_is_refused_unless_allowed(project: Path, run) -> None:
    edit(project / f"handouts/{HANDOUT}.yaml", f"review_due: {SHIPPED_REVIEW_DUE}", "review_due: 2026-11-01")
    scope = ["--lang", "en", "--handout", HANDOUT, "--today", TODAY]
    refused = run(project, "build", *scope)
    assert refused.code == 1
    assert (
        f"error: handouts/microcurrent-back-pain.yaml:{line_of(project / f'handouts/{HANDOUT}.yaml', 'review_due:')} "
        "meta.review_due: this handout was due for review on "
        "2026-11-01 and is not printed; have it reviewed, then update meta.review_due and meta.version "
        "(or build with --allow-expired)"
    ) in refused.err
    assert not (project / "output/stadtpark/en" / f"{HANDOUT}.pdf").exists()
    checked = run(project, "check", *scope)
    assert checked.code == 1
    assert "review       FAILED" in checked.out
    allowed = run(project, "build", *scope, "--allow-expired")
    assert allowed.code == 0, allowed.out
    assert (project / "output/stadtpark/en" / f"{HANDOUT}.pdf").is_file()


def test_check_lists_reviews_due_within_60_days(project: Path, run) -> None:
    edit(project / f"handouts/{HANDOUT}.yaml", f"review_due: {SHIPPED_REVIEW_DUE}", "review_due: 2027-01-10")
    result = run(project, "check", "--lang", "en", "--handout", HANDOUT, "--today", TODAY, "--format", "json")
    assert result.code == 0, result.out
    report = json.loads(result.out)
    assert report["due_soon"] == {HANDOUT: {"review_due": "2027-01-10", "days_left": 48}}
    assert report["gates"]["review"]["ok"] is True


# -- The screening form ---------------------------------------------------------------------


def test_unknown_layout_names_the_layouts(project: Path, run) -> None:
    edit(project / f"handouts/{HANDOUT}.yaml", "meta:\n", "layout: brochure\nmeta:\n")
    result = run(project, "build", "--handout", HANDOUT)
    assert result.code == 1
    assert (
        "error: handouts/microcurrent-back-pain.yaml:13 layout: 'brochure' is not allowed; "
        "use one of 'leaflet' or 'form'"
    ) in result.err


def test_form_takes_its_questions_from_the_leaflet_and_extracts_only_its_own_strings(project: Path, run) -> None:
    template = handout_template(REPO / f"handouts/{FORM}.yaml", REPO)
    ids = {message.id for message in template.catalog if message.id}
    assert {"Yes", "No", "Notes", "Patient signature", "Clinician signature", "Date"} <= ids
    assert "You have epilepsy." not in ids  # the leaflet's catalog has it
    assert template.is_critical("Yes", None) and template.is_critical("No", None)
    assert any("SAFETY-CRITICAL" in c for c in template.catalog.get("Yes").auto_comments)
    form = project / f"handouts/{FORM}.yaml"
    edit(form, "  from: microcurrent-back-pain#contraindications", "  from: microcurrent-knee#contraindications")
    result = run(project, "build", "--handout", FORM)
    assert result.code == 1
    assert (
        f"error: handouts/{FORM}.yaml:36 from: no handout 'microcurrent-knee'; the handouts are: back-exercises, "
        "microcurrent-back-pain, pain-diary, tens-at-home"
    ) in result.err
    edit(form, "  from: microcurrent-knee#contraindications", "  from: microcurrent-back-pain#risks")
    result = run(project, "build", "--handout", FORM)
    assert f"error: handouts/{FORM}.yaml:36 from: 'microcurrent-back-pain' has no section 'risks'" in result.err


# -- handouts check -------------------------------------------------------------------------
