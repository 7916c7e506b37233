"""What a user types to the i18n commands: a language as the output folders spell it (zh-Hans,
pt-BR) names the catalog folder (zh_Hans, pt_BR); a catalog that cannot be written is one line
naming it as the project does, with a fix that fits a catalog."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import handouts.atomic
from fixture_project import LEAFLET, catalogs, make_project


def said(result) -> str:
    return result.out + result.err


@pytest.fixture
def chinese(tmp_path: Path) -> Path:
    """A clinic in English and Simplified Chinese, the leaflet translated."""
    return make_project(tmp_path / "p", {"leaflet": LEAFLET}, catalogs("zh_Hans"), languages=("en", "zh_Hans"))


@pytest.mark.parametrize(
    ("typed", "folder"), [("zh-Hant", "zh_Hant"), ("pt-BR", "pt_BR"), ("pt-br", "pt_BR"), ("pt_BR", "pt_BR")]
)
def test_init_writes_the_catalog_folder_gettext_spells(tmp_path: Path, run, typed: str, folder: str) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    result = run(root, "i18n", "init", typed)
    assert result.code == 0, said(result)
    assert f"created locales/{folder}/LC_MESSAGES/leaflet.po" in said(result)
    assert sorted(p.name for p in (root / "locales").iterdir()) == [folder]


@pytest.mark.parametrize("typed", ["zh-Hans", "zh_Hans", "zh-hans"])
def test_status_check_update_and_review_accept_either_spelling(chinese: Path, run, typed: str) -> None:
    status = run(chinese, "i18n", "status", "--lang", typed, "--format", "json")
    assert status.code == 0, said(status)
    assert list(json.loads(status.out)) == ["zh_Hans"]
    check = run(chinese, "i18n", "check", "--lang", typed)
    assert check.code == 0, said(check)
    assert "no catalogs for" not in said(check)
    update = run(chinese, "i18n", "update", "--lang", typed)
    assert update.code == 0, said(update)
    assert "updated locales/zh_Hans/LC_MESSAGES/leaflet.po" in said(update)
    review = run(chinese, "i18n", "review", typed)  # lists the entries to approve (exit 1: not approved yet)
    assert "zh_Hans: 0 of 1 safety-critical entries approved" in said(review).splitlines()


def test_update_of_a_language_typed_with_a_hyphen_but_never_started(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET}, catalogs("de"), languages=("en", "de"))
    result = run(root, "i18n", "update", "--lang", "pt-br")
    assert result.code == 1
    assert "error: locales/: no catalogs for 'pt-br'; create them with: handouts i18n init pt-br" in said(result)
    assert run(root, "i18n", "init", "pt-br").code == 0  # and the command it names works
    assert (root / "locales/pt_BR/LC_MESSAGES/leaflet.po").is_file()


def test_build_and_check_accept_the_output_folders_spelling(chinese: Path, run) -> None:
    build = run(chinese, "build", "--lang", "zh-Hans")
    assert build.code == 0, said(build)
    assert [p.name for p in (chinese / "output/fixture").iterdir() if p.is_dir()] == ["zh-Hans"]
    check = run(chinese, "check", "--lang", "zh-Hans")
    assert "1 language: zh_Hans" in check.out, said(check)


def test_a_file_in_the_way_of_the_catalogs_folder_is_one_line_with_a_fix_for_catalogs(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    (root / "locales/pl").write_text("not a folder\n")
    result = run(root, "i18n", "init", "pl")
    assert result.code == 1
    assert (
        said(result).strip()
        == "error: locales/pl: a file is in the way: a folder must be here; move or delete the file"
    )


def test_a_folder_in_the_way_of_a_template_is_named_as_the_project_does(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {"leaflet": LEAFLET})
    (root / "locales/leaflet.pot").mkdir()
    result = run(root, "i18n", "extract")
    assert result.code == 1
    assert said(result).strip() == (
        "error: locales/leaflet.pot: a folder is in the way of this file; move or delete the folder"
    )


def test_a_full_disk_during_update_is_one_line_without_out(chinese: Path, run, monkeypatch) -> None:
    def full(file: object, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(handouts.atomic, "_write_data", full)
    result = run(chinese, "i18n", "update")
    assert result.code == 1
    assert "error: locales/leaflet.pot: the disk is full; free some space, and try again" in said(result).splitlines()
    assert "--out" not in said(result) and "Traceback" not in said(result)
