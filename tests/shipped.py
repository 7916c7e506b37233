"""The shipped sample clinics as the content tests read them: which clinic prints which language,
and every PDF the session build (conftest.samples) writes."""

from __future__ import annotations

import yaml
from babel.messages.pofile import read_po

from conftest import HANDOUT, REPO, VARIANTS_CLINIC
from handouts.source.languages import language_tag

PAPER_POINTS = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}
CLINICS = {p.parent.name: yaml.safe_load(p.read_text()) for p in sorted((REPO / "clinics").glob("*/clinic.yaml"))}
LIBRARY = ("tens-at-home", "back-exercises", "pain-diary")
PACKET_TITLES = [
    ("Microcurrent therapy for back pain", HANDOUT),
    ("Before your first session: safety check for microcurrent therapy", "microcurrent-screening-form"),
    ("Your pain diary", "pain-diary"),
]
SAMPLES = [(clinic_id, lang) for clinic_id, clinic in CLINICS.items() for lang in clinic["languages"]]


def sample_pdfs() -> list[str]:
    """Every sample PDF the session build writes: each clinic × language × handout and the clinic's
    packets; for VARIANTS_CLINIC also each handout's large-print copy, and a bilingual copy in each
    language other than the clinic's main one."""
    handouts = (HANDOUT, "microcurrent-screening-form", *LIBRARY)
    pdfs = []
    for clinic_id, lang in SAMPLES:
        main_language = CLINICS[clinic_id].get("main_language") or CLINICS[clinic_id]["languages"][0]
        suffixes = ("", "-large-print", *(("-bilingual",) if lang != main_language else ()))
        suffixes = suffixes if clinic_id == VARIANTS_CLINIC else ("",)
        folder = f"{clinic_id}/{language_tag(lang)}"
        pdfs += [f"{folder}/{handout}{suffix}.pdf" for handout in handouts for suffix in suffixes]
        pdfs += [f"{folder}/packets/{packet}.pdf" for packet in CLINICS[clinic_id].get("packets", {})]
    return sorted(pdfs)


def translated(lang: str, msgid: str, domain: str = HANDOUT) -> str:
    """What the shipped catalog says for msgid (English is the source)."""
    if lang == "en":
        return msgid
    with (REPO / "locales" / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fileobj:
        return read_po(fileobj).get(msgid).string
