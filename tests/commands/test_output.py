"""The output policy: results on stdout, every error, warning and progress line on stderr, for every
command; --strict fails on one warning, the same way and with the same line, in build, check and i18n check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixture_project import ENTRIES, LEAFLET, catalogs, make_project

STRICT = "error: --strict: 1 warning(s) count as failures"
FOOTER_IN_ENGLISH = "footer_text:\n  en: Appointments only\n"  # German copies print it in English: a warning
SCHEDULER_WARNING = (
    "warning: handouts.yaml:2 scheduler: not used: a project file alone does not send the project over the "
    "network; pass --use-scheduler to render there (or --scheduler ADDRESS)"
)


def english(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", {"leaflet": LEAFLET})


def german(tmp_path: Path, clinic_extra: str = "", skip: str = "") -> Path:
    """English and German, the German catalog complete but for `skip`."""
    entries = {msgid: text for msgid, text in catalogs("de")["de"]["leaflet"].items() if msgid != skip}
    return make_project(tmp_path / "p", {"leaflet": LEAFLET}, {"de": {"leaflet": entries}}, ("en", "de"), clinic_extra)


def with_unused_scheduler(root: Path) -> Path:
    """A build that warns once, about the project and not about a PDF: a scheduler it does not use."""
    (root / "handouts.yaml").write_text("library: []\nscheduler: tcp://127.0.0.1:9\n")
    return root


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_build_prints_its_summary_on_stdout_and_progress_and_warnings_on_stderr(tmp_path: Path, run) -> None:
    result = run(with_unused_scheduler(english(tmp_path)), "build", "-j", "1")
    assert result.code == 0, result.err
    assert lines(result.err) == [
        SCHEDULER_WARNING,
        "built   output/fixture/en/leaflet.pdf (1 page)",
        "built   output/fixture/en/leaflet.html",
    ]
    assert [line[: line.index(" in ")] for line in lines(result.out)] == ["2 built, 0 skipped, 0 failed"]


def test_a_broken_handout_is_an_error_on_stderr_and_the_summary_counts_it(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET, "broken": LEAFLET.replace("title:", "titel:")})
    result = run(root, "build", "-j", "1")
    assert result.code == 1
    assert [line for line in lines(result.err) if line.startswith("error: ")] == [
        "error: handouts/broken.yaml title: required key is missing; add it",
        "error: handouts/broken.yaml:8 titel: unknown key; did you mean 'title'? (allowed here: layout, meta, values, "
        "title, subtitle, sections)",
    ]
    assert [line[: line.index(" in ")] for line in lines(result.out)] == ["2 built, 0 skipped, 1 failed"]


def test_check_prints_its_report_on_stdout_and_each_warning_on_stderr(tmp_path: Path, run) -> None:
    result = run(german(tmp_path, FOOTER_IN_ENGLISH), "check")
    assert result.code == 0, result.err
    assert lines(result.err) == [
        "warning: clinics/fixture/clinic.yaml:15 footer_text: has no text in 'de' (German), so de copies print "
        "it in en; add `de: …`"
    ]
    assert lines(result.out)[0].startswith("schema       ok     1 clinic, 1 handout")
    assert lines(result.out)[-1] == "All checks passed."
    assert "warning" not in result.out


def test_check_json_is_pure_json_on_stdout_with_its_warnings_in_it(tmp_path: Path, run) -> None:
    result = run(german(tmp_path, FOOTER_IN_ENGLISH), "check", "--format", "json")
    report = json.loads(result.out)
    assert (result.code, report["ok"]) == (0, True)
    [warning] = report["warnings"]
    assert (warning["file"], warning["key"]) == ("clinics/fixture/clinic.yaml", "footer_text")
    assert lines(result.err) == [f"warning: clinics/fixture/clinic.yaml:15 footer_text: {warning['message']}"]


def test_check_errors_go_to_stderr_and_the_verdict_to_stdout(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET.replace("title:", "titel:")})
    result = run(root, "check")
    assert result.code == 1
    assert "error: handouts/leaflet.yaml title: required key is missing; add it" in lines(result.err)
    assert "schema       FAILED" in result.out and "error:" not in result.out
    assert lines(result.out)[-1].startswith("1 of 8 checks failed")


def test_i18n_check_warns_on_stderr_and_says_its_verdict_on_stdout(tmp_path: Path, run) -> None:
    result = run(german(tmp_path, skip="A paragraph."), "i18n", "check", "--lang", "de")
    assert result.code == 0, result.err
    assert result.out == "All catalogs pass.\n"
    assert lines(result.err) == [
        "warning: handouts/leaflet.yaml:14: entry has no translation entry; run: handouts i18n update, "
        "then translate it"
    ]


def test_i18n_status_json_is_pure_json_whatever_it_warns_about(tmp_path: Path, run) -> None:
    root = german(tmp_path)
    (root / "locales/de/reviews.yaml").write_text("approvals: [\n")  # a damaged sign-off file
    result = run(root, "i18n", "status", "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["de"]["leaflet"]["translated"] == len(ENTRIES)
    assert result.err.startswith("warning: locales/de/reviews.yaml:2")
    assert result.err.endswith(
        "; nothing in it counts as approved until it is fixed or written again by handouts i18n review de\n"
    )


def test_i18n_status_of_an_unknown_language_is_an_error_on_stderr_only(tmp_path: Path, run) -> None:
    result = run(german(tmp_path), "i18n", "status", "--lang", "pl", "--format", "json")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: locales/: no catalogs for 'pl'; create them with: handouts i18n init pl\n"


def test_i18n_update_says_what_it_wrote_on_stdout_and_what_it_could_not_read_on_stderr(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET}, catalogs("de", "fr"), ("en", "de", "fr"))
    (root / "locales/de/LC_MESSAGES/leaflet.po").write_text('msgid "A leaflet\n')
    result = run(root, "i18n", "update")
    assert result.code == 1
    assert "updated locales/fr/LC_MESSAGES/leaflet.po (0 newly fuzzy)" in lines(result.out)
    assert "locales/de/LC_MESSAGES/leaflet.po" not in result.out
    assert lines(result.err)[0].startswith("error: locales/de/LC_MESSAGES/leaflet.po:1: ")


# Each command with --strict: a project that warns once, one that does not, and the command.
STRICT_CASES = {
    "build": (lambda tmp: with_unused_scheduler(english(tmp)), english, ("build", "-j", "1")),
    "check": (lambda tmp: german(tmp, FOOTER_IN_ENGLISH), german, ("check",)),
    "i18n check": (lambda tmp: german(tmp, skip="A paragraph."), german, ("i18n", "check", "--lang", "de")),
}


@pytest.mark.parametrize("command", STRICT_CASES)
def test_strict_fails_on_one_warning_with_the_same_line_in_every_command(tmp_path: Path, run, command: str) -> None:
    warns, _, args = STRICT_CASES[command]
    root = warns(tmp_path)
    lenient, strict = run(root, *args), run(root, *args, "--strict")
    assert (lenient.code, strict.code) == (0, 1)
    assert STRICT not in lenient.err
    assert lines(strict.err).count(STRICT) == 1


@pytest.mark.parametrize("command", STRICT_CASES)
def test_strict_passes_without_a_warning_in_every_command(tmp_path: Path, run, command: str) -> None:
    _, quiet, args = STRICT_CASES[command]
    result = run(quiet(tmp_path), *args, "--strict")
    assert result.code == 0, result.err
    assert "warning: " not in result.err and "--strict" not in result.err


def test_a_bug_shows_its_traceback_then_one_line_through_the_formatter(
    tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handouts.commands import i18n_status

    def broken(*args: object) -> dict:
        raise RuntimeError("a bug")

    monkeypatch.setattr(i18n_status, "status", broken)
    result = run(german(tmp_path), "i18n", "status")
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith("Traceback (most recent call last):")
    assert lines(result.err)[-1] == (
        "error: internal error (a bug in handouts, not in your files): RuntimeError: a bug; "
        "please report it with the traceback above"
    )
