"""Every plural class of GNU gettext's table (issue 20): test_plurals takes one form (vi), n != 1
(it), n > 1 (fr), Polish, Russian, Slovenian, Welsh and Arabic from `i18n init` to a PDF; here the
others, each with a distinct rule: Czech, Irish, Latvian, Lithuanian, Romanian. For generated clinic
values of the counted number, the build prints the form the catalog's own Plural-Forms picks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handouts.cli import main
from handouts.i18n.plurals import GNU_GETTEXT, form_of
from i18n_helpers import read_catalog
from plural_project import catalogs_of, leaflet_project, printed_forms, start_catalogs, translate

# One language for each rule of GNU's table that test_plurals does not print.
CLASSES = ["cs", "ga", "lv", "lt", "ro"]
# test_plurals: `i18n init` for vi, it, pl, sl; translate-toolkit's GNU formulas for fr and ru.
TESTED_THERE = {"vi", "it", "fr", "pl", "ru", "sl"}


def test_every_rule_in_gnus_table_is_printed_by_one_test() -> None:
    covered = {GNU_GETTEXT[lang] for lang in (*CLASSES, *TESTED_THERE)}
    assert covered == set(GNU_GETTEXT.values())


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per language, a project after `i18n init` with every msgstr[n] filled (marked Fn), made on first use."""
    return {}


def init_and_fill(folder: Path, lang: str, run) -> Path:
    project = leaflet_project(folder / lang, lang)
    start_catalogs(project, run, lang)
    for path in catalogs_of(project, lang):
        translate(path)
    return project


def header_rule(project: Path, lang: str) -> tuple[int, str]:
    """The Plural-Forms `i18n init` wrote: what the build must follow."""
    catalog = read_catalog(project / "locales" / lang / "LC_MESSAGES" / "back-care.po")
    return catalog.num_plurals, catalog.plural_expr


def set_weeks(project: Path, weeks: int) -> None:
    path = project / "clinics" / "fixture" / "clinic.yaml"
    path.write_text(re.sub(r"weeks: \d+", f"weeks: {weeks}", path.read_text()))


# Numbers where the rules part: 0-30, the teens and twenties of each hundred, and large ones.
weeks = st.integers(0, 30) | st.integers(100, 130) | st.sampled_from([101, 111, 1000, 1001, 1_000_000])


@pytest.mark.parametrize("lang", CLASSES)
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(weeks=weeks)
def test_the_build_prints_the_form_the_catalogs_rule_picks(
    initialised: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, run, lang: str, weeks: int
) -> None:
    if lang not in initialised:
        initialised[lang] = init_and_fill(tmp_path_factory.mktemp("plural"), lang, run)
        assert run(initialised[lang], "i18n", "check", "--lang", lang).code == 0
    project = initialised[lang]
    set_weeks(project, weeks)
    assert main(["-C", str(project), "build", "--lang", lang, "--format", "pdf", "-j", "1"]) == 0
    count, expr = header_rule(project, lang)
    assert printed_forms(project, lang) == {f"F{form_of(count, expr, weeks)}"}, (count, expr, weeks)
    shutil.rmtree(project / "output")
