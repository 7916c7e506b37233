"""Message extraction: what translators see in the .pot files."""

from __future__ import annotations

from conftest import HANDOUT, REPO
from handouts.i18n.extract import SAFETY_NOTE, common_template, handout_template


def test_handout_messages_carry_their_key_line_and_safety_note() -> None:
    template = handout_template(REPO / "handouts" / f"{HANDOUT}.yaml", REPO)
    catalog = template.catalog
    title = catalog.get("Microcurrent therapy for back pain")
    assert title.auto_comments == [f"{HANDOUT} › title"]
    assert title.locations[0][0] == f"handouts/{HANDOUT}.yaml"
    source_lines = (REPO / "handouts" / f"{HANDOUT}.yaml").read_text().splitlines()
    assert source_lines[title.locations[0][1] - 1] == "title: Microcurrent therapy for back pain"

    red_flag = catalog.get("you cannot control when you poo")
    assert red_flag.auto_comments[:2] == [f"{HANDOUT} › urgent-help › callout 1 › list 1 › item 5", SAFETY_NOTE]
    assert template.is_critical("you cannot control when you poo", None)  # from the model, not the comment
    assert not template.is_critical("Microcurrent therapy for back pain", None)


def test_ambiguous_words_get_a_context_and_a_note() -> None:
    catalog = handout_template(REPO / "handouts" / f"{HANDOUT}.yaml", REPO).catalog
    do = catalog.get("Do", "aftercare list heading")
    assert do is not None and catalog.get("Do") is None
    assert "Keep it to one or two words." in do.auto_comments[-1]


def test_placeholders_are_flagged_for_msgfmt() -> None:
    catalog = handout_template(REPO / "handouts" / f"{HANDOUT}.yaml", REPO).catalog
    message = catalog.get("For any other worries about your treatment, call us on {clinic_phone}.")
    assert "python-brace-format" in message.flags
    assert catalog.get("Key points").flags == set()


def test_template_strings_go_to_the_common_domain() -> None:
    template = common_template([REPO / "templates"], REPO)
    catalog = template.catalog
    assert template.is_critical("Phone: {phone}", None)  # marked by _safety() in the template
    assert catalog.domain == "common"
    assert catalog.get("Page {page} of {pages}") is not None
    assert catalog.get("Review date: {date}").locations[0][0].startswith("templates/")
