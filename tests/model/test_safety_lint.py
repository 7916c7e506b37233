"""The safety lint (safety_lint.py): unmarked English that reads as safety-critical is an error
at its file and line, in `handouts check` and in the build, which refuses only that handout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fixture_project import META, REPO, make_project
from handouts.model.loaded import LoadedHandout
from handouts.model.safety_lint import PATTERNS, lint, sentences
from handouts.source.handout import Handout
from handouts.source.text import markup_problem
from handouts.source.yamlfile import LineMap

# A safety section whose sentence other handouts must not repeat unmarked.
URGENT = (
    META
    + """\
title: Red flags
sections:
  - id: urgent
    heading: Red flags
    safety: true
    blocks:
      - type: paragraph
        text: Get help at once if your legs go weak.
"""
)


def advice(*texts: str) -> str:
    """A handout whose one section (not safety-critical) holds these paragraphs (YAML for a text each)."""
    blocks = "".join(f"      - type: paragraph\n        text: {text}\n" for text in texts)
    return META + f"title: Advice\nsections:\n  - id: advice\n    heading: Advice\n    blocks:\n{blocks}"


FIX = "mark it `safety: true`, or write `safety: false` and a `note:` saying why it is not"
EMERGENCY = '"Call {emergency_number} if you cannot feel your feet."'
REPEATED = "<strong>Get help at once</strong> if your legs go  weak."  # markup and spacing aside, the same


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_check_refuses_an_unmarked_emergency_sentence_and_a_repeated_safety_sentence(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"urgent": URGENT, "advice": advice(EMERGENCY, REPEATED)})
    result = run(root, "check")
    assert result.code == 1
    assert "safety       FAILED" in result.out
    assert errors(result.err) == [
        "error: handouts/advice.yaml:13 sections[0].blocks[0].text: not marked safety-critical, "
        f"but it sends the patient to {{emergency_number}}; {FIX}",
        "error: handouts/advice.yaml:15 sections[0].blocks[1].text: not marked safety-critical, "
        "but it repeats 'get help at once if your legs go weak', safety-critical at handouts/urgent.yaml:14; " + FIX,
    ]


def test_safety_false_with_a_note_silences_the_lint(tmp_path: Path, run) -> None:
    silenced = [
        f"{{text: {text}, safety: false, note: An example in a training sheet; not advice to a patient.}}"
        for text in (EMERGENCY, f'"{REPEATED}"')
    ]
    root = make_project(tmp_path / "p", {"urgent": URGENT, "advice": advice(*silenced)})
    result = run(root, "check")
    assert errors(result.err) == []
    assert "safety       ok     2 handouts: all text that reads as safety-critical is marked" in result.out
    assert result.code == 0


def test_safety_false_without_a_note_is_an_error(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"advice": advice("{text: Walk every day., safety: false}")})
    result = run(root, "check")
    assert result.code == 1
    assert errors(result.err) == [
        "error: handouts/advice.yaml:13 sections[0].blocks[0].text: "
        "`safety: false` needs a `note:` saying why this text is not safety-critical"
    ]


def test_clinic_phone_counts_only_in_words_of_urgency(tmp_path: Path, run) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "advice": advice(
                '"To change your time, call {clinic_phone}."', '"Call {clinic_phone} straight away if it swells."'
            )
        },
    )
    result = run(root, "check")
    assert errors(result.err) == [
        "error: handouts/advice.yaml:15 sections[0].blocks[1].text: not marked safety-critical, "
        f"but it sends the patient to {{clinic_phone}} 'straight away'; {FIX}"
    ]


def test_a_safety_pattern_is_an_error_and_marked_text_is_not(tmp_path: Path, run) -> None:
    marked = "{text: Do not use it if you are pregnant., safety: true}"
    root = make_project(tmp_path / "p", {"advice": advice("Do not use it if you have a pacemaker.", marked)})
    result = run(root, "check")
    assert errors(result.err) == [
        "error: handouts/advice.yaml:13 sections[0].blocks[0].text: not marked safety-critical, "
        f"but it says 'Do not use' (a safety pattern; see AUTHORING.md); {FIX}"
    ]


def test_the_build_refuses_only_the_handout_that_fails_the_lint(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"urgent": URGENT, "advice": advice(REPEATED)})
    result = run(root, "build", "-j", "1")
    assert result.code == 1
    assert "handouts/advice.yaml:13 sections[0].blocks[0].text: not marked safety-critical" in result.out + result.err
    assert sorted(p.name for p in (root / "output/fixture/en").glob("*.pdf")) == ["urgent.pdf"]


def test_a_sentence_safety_critical_in_a_handout_not_built_still_counts(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"urgent": URGENT, "advice": advice(REPEATED)})
    result = run(root, "build", "-j", "1", "--handout", "advice")
    assert result.code == 1
    assert "safety-critical at handouts/urgent.yaml:14" in result.out + result.err
    assert not list((root / "output").glob("*/*/*.pdf"))


def test_authoring_lists_every_pattern() -> None:
    authoring = (REPO / "AUTHORING.md").read_text()
    listed = re.findall(r"^- (.+?): `(.+?)`$", authoring, flags=re.MULTILINE)
    assert listed == list(PATTERNS)


words = st.text(alphabet="abcdefghij ", min_size=1, max_size=40)


@given(words, st.sampled_from(["", "<strong>", "  "]))
def test_sentences_ignore_markup_case_and_spacing(text: str, noise: str) -> None:
    closing = "</strong>" if noise == "<strong>" else noise
    assert sentences(f"{noise}{text.upper()}{closing}.") == sentences(text)


ONLY_STRONG = (
    "would print literally on the page; <strong>…</strong> is the only markup a text may hold: "
    "remove the tag, or use <strong> for words that must stand out"
)
NOT_PAIRED = "is not paired; write <strong> before and </strong> after the bold words, never nested"


def test_markup_but_strong_in_the_english_is_an_error_at_its_line(tmp_path: Path, run) -> None:
    texts = ("<em>Never</em> lift heavy things.", "<strong>Walk every day.", "Walk <br> every day.")
    root = make_project(tmp_path / "p", {"advice": advice(*texts)})
    result = run(root, "check")
    assert result.code == 1
    assert errors(result.err) == [
        f"error: handouts/advice.yaml:13 sections[0].blocks[0].text: markup <em> {ONLY_STRONG}",
        "error: handouts/advice.yaml:15 sections[0].blocks[1].text: <strong> is not closed; "
        "end the bold words with </strong>",
        f"error: handouts/advice.yaml:17 sections[0].blocks[2].text: markup <br> {ONLY_STRONG}",
    ]


@pytest.mark.parametrize(
    ("english", "expected"),
    [
        ("<strong>Stop</strong> now, <strong>today</strong>.", None),
        ("Pain < 3 or >5 is fine.", None),
        ("</strong>Stop<strong>", f"</strong> {NOT_PAIRED}"),
        ("<strong><strong>Stop</strong></strong>", f"<strong> {NOT_PAIRED}"),
        ('<strong class="x">Stop</strong>', f'markup <strong class="x"> {ONLY_STRONG}'),
    ],
)
def test_markup_problem(english: str, expected: str | None) -> None:
    assert markup_problem(english) == expected


def test_a_number_value_given_text_refuses_only_that_clinics_pdfs_of_that_handout(tmp_path: Path, run) -> None:
    dose = advice(
        '{text: "Use it for {dose_minutes} minute.", plural: "Use it for {dose_minutes} minutes.",'
        " count: dose_minutes, safety: true}"
    ).replace("title:", "values:\n  dose_minutes: 30\ntitle:")
    root = make_project(
        tmp_path / "p",
        {"dose": dose, "plain": advice("Walk every day.")},
        clinic_extra="values:\n  dose_minutes: thirty minutes\n",
    )
    expected = (
        "clinics/fixture/clinic.yaml:16 values.dose_minutes: 'thirty minutes' is text, but dose declares "
        "dose_minutes a number (default 30); write a whole number, or a range as [low, high]"
    )
    checked = run(root, "check")
    assert checked.code == 1
    assert errors(checked.err) == [f"error: {expected}"]
    built = run(root, "build", "-j", "1")
    assert built.code == 1
    assert expected in built.out + built.err
    assert sorted(p.name for p in (root / "output/fixture/en").glob("*.pdf")) == ["plain.pdf"]


def _loaded(text: dict) -> LoadedHandout:
    section = {"id": "advice", "blocks": [{"type": "paragraph", "text": text}]}
    handout = Handout.model_validate({"meta": yaml.safe_load(META)["meta"], "title": "Advice", "sections": [section]})
    return LoadedHandout("advice", Path("advice.yaml"), "advice.yaml", handout, LineMap())


plain_words = st.lists(st.sampled_from(["your", "back", "walk", "daily", "the", "call", "us", "on"]), max_size=8)


@given(plain_words, plain_words)
def test_any_unmarked_text_with_the_emergency_number_is_flagged_and_a_marked_one_is_not(
    before: list[str], after: list[str]
) -> None:
    english = " ".join([*before, "{emergency_number}", *after])
    assert [p.message for p in lint(_loaded({"text": english}), {})] == [
        f"not marked safety-critical, but it sends the patient to {{emergency_number}}; {FIX}"
    ]
    assert lint(_loaded({"text": english, "safety": True}), {}) == []
    assert lint(_loaded({"text": english, "safety": False, "note": "A training example."}), {}) == []


@given(plain_words)
def test_plain_words_pass_the_lint(words: list[str]) -> None:
    assert lint(_loaded({"text": " ".join(words) or "Walk."}), {}) == []
