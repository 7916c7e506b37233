"""Project shapes (issue 20): generated projects (1-3 clinics with generated ids, 1-3 languages each,
1-2 handouts) and one generated change between two builds: a clinic renamed or removed, a language
dropped or added, a handout removed, a catalog deleted or broken, an English safety sentence changed.

After the second build the print folders hold exactly what a fresh build of the same inputs writes
(same files, same bytes); every file that left is in manifest.json with a reason; the library lists
only what is there; a problem in one clinic, handout or language removes no one else's PDF; and the
exit code is 0 unless something was refused."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from fixture_project import BACK_CARE, BACK_CARE_GERMAN, add_clinic, make_clinics

LANGUAGES = ("en", "de", "fr", "es")  # each with the shipped page frame (common.po)
HANDOUTS = ("back-care", "neck-care")
SAFETY = "Call us if your legs go numb."
BUILD = ("build", "-j", "1", "--format", "pdf", "--today", "2026-12-01")


@dataclass
class Shape:
    clinics: dict[str, tuple[str, ...]]
    handouts: tuple[str, ...]

    def pdfs(self) -> int:
        return sum(len(langs) for langs in self.clinics.values()) * len(self.handouts)


@dataclass(frozen=True)
class Change:
    """What a change did, and what it may take away: PDFs (clinic/lang/handout.pdf) it may remove,
    and whether the second build must refuse something."""

    what: str
    may_remove: Callable[[str], bool]
    refuses: bool = False


clinic_ids = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    ids = draw(st.lists(clinic_ids, min_size=1, max_size=3, unique=True))
    languages = st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True).map(tuple)
    handouts = draw(st.lists(st.sampled_from(HANDOUTS), min_size=1, max_size=2, unique=True).map(tuple))
    shape = Shape({clinic: draw(languages) for clinic in ids}, handouts)
    if shape.pdfs() > 6:  # cheap: at most six PDFs a build (keep the first clinic's languages)
        first = ids[0]
        shape = Shape({first: shape.clinics[first][: 6 // len(handouts)]}, handouts)
    return shape


def write(root: Path, shape: Shape) -> Path:
    translated = {lang: {h: {k: f"{lang} {k}" for k in BACK_CARE_GERMAN} for h in shape.handouts} for lang in LANGUAGES}
    return make_clinics(root, {h: BACK_CARE for h in shape.handouts}, translated, shape.clinics)


def set_languages(root: Path, clinic: str, langs: tuple[str, ...]) -> None:
    path = root / "clinics" / clinic / "clinic.yaml"
    path.write_text(re.sub(r"(?m)^languages: .*$", f"languages: [{', '.join(langs)}]", path.read_text()))


def offered(shape: Shape, lang: str, handout: str) -> bool:
    return any(lang in langs for langs in shape.clinics.values()) and handout in shape.handouts


# -- The changes ----------------------------------------------------------------------------


def rename_clinic(root: Path, shape: Shape, draw: st.DrawFn) -> Change:
    old = draw(st.sampled_from(sorted(shape.clinics)))
    new = draw(clinic_ids.filter(lambda name: name not in shape.clinics))
    (root / "clinics" / old).rename(root / "clinics" / new)
    return Change(f"rename {old} to {new}", lambda path: path.startswith(f"{old}/"))


def remove_clinic(root: Path, shape: Shape, draw: st.DrawFn) -> Change:
    gone = draw(st.sampled_from(sorted(shape.clinics)))
    shutil.rmtree(root / "clinics" / gone)
    return Change(f"remove {gone}", lambda path: path.startswith(f"{gone}/"))


def drop_language(root: Path, shape: Shape, draw: st.DrawFn) -> Change:
    clinic = draw(st.sampled_from(sorted(shape.clinics)))
    langs = shape.clinics[clinic]
    gone = draw(st.sampled_from(langs))
    set_languages(root, clinic, tuple(lang for lang in langs if lang != gone) or ("en" if gone != "en" else "de",))
    return Change(f"drop {gone} from {clinic}", lambda path: path.startswith(f"{clinic}/{gone}/"))


def add_language(root: Path, shape: Shape, draw: st.DrawFn) -> Change:
    clinic = draw(st.sampled_from(sorted(shape.clinics)))
    new = draw(st.sampled_from([lang for lang in LANGUAGES if lang not in shape.clinics[clinic]] or ["en"]))
    set_languages(root, clinic, tuple(dict.fromkeys((*shape.clinics[clinic], new))))
    return Change(f"add {new} to {clinic}", lambda path: False)


def remove_handout(root: Path, shape: Shape, draw: st.DrawFn) -> Change:
    gone = draw(st.sampled_from(shape.handouts))
    (root / "handouts" / f"{gone}.yaml").unlink()
    return Change(f"remove {gone}", lambda path: path.endswith(f"/{gone}.pdf"))


def spoil_catalog(root: Path, shape: Shape, draw: st.DrawFn) -> Change:
    lang = draw(st.sampled_from([lang for lang in LANGUAGES if lang != "en"]))
    handout = draw(st.sampled_from(shape.handouts))
    path = root / "locales" / lang / "LC_MESSAGES" / f"{handout}.po"
    how = draw(st.sampled_from(["delete", "break"]))
    if how == "delete":
        path.unlink()
    else:
        path.write_text(path.read_text() + '\nmsgid "A broken entry\nmsgstr\n')
    return Change(
        f"{how} {lang}/{handout}.po",
        lambda path: f"/{lang}/{handout}.pdf" in path,
        # A language without the handout's catalog is not offered (withdrawn, said once); a broken one is refused.
        refuses=how == "break" and offered(shape, lang, handout),
    )


def change_safety_sentence(root: Path, shape: Shape, draw: st.DrawFn) -> Change:
    handout = draw(st.sampled_from(shape.handouts))
    path = root / "handouts" / f"{handout}.yaml"
    path.write_text(path.read_text().replace(SAFETY, "Call us at once if your legs go numb."))
    translated = any(lang != "en" for langs in shape.clinics.values() for lang in langs)
    return Change(
        f"change the safety sentence of {handout}",
        lambda path: path.endswith(f"/{handout}.pdf") and "/en/" not in path,
        refuses=translated,
    )


CHANGES = [
    rename_clinic,
    remove_clinic,
    drop_language,
    add_language,
    remove_handout,
    spoil_catalog,
    change_safety_sentence,
]


# -- What the output holds ------------------------------------------------------------------


def printed(output: Path) -> dict[str, bytes]:
    """Every PDF in the print folders (output/<clinic>/<lang>/), by path."""
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted(output.glob("*/*/*.pdf"))
        if not path.relative_to(output).parts[0].startswith("_")
    }


def listed_but_missing(output: Path) -> list[str]:
    """Links in the library's pages to files that are not there."""
    missing = []
    for page in output.rglob("index.html"):
        if page.relative_to(output).parts[0].startswith("_"):
            continue
        for href in re.findall(r'href="([^"#:?]+)"', page.read_text(encoding="utf-8")):
            if not (page.parent / href).exists():
                missing.append(f"{page.relative_to(output)} -> {href}")
    return missing


def withdrawn(output: Path) -> dict[str, str]:
    data = json.loads((output / "manifest.json").read_text())
    return {item["path"]: item["reason"] for item in data["withdrawn"]}


@settings(
    max_examples=2,  # for each change: about 25 s of CPU in all
    phases=[Phase.explicit, Phase.generate],  # no shrinking: builds are slow, and derandomize repeats a failure
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
@given(shape=shapes(), data=st.data())
def test_a_change_between_two_builds_leaves_what_a_fresh_build_writes(
    tmp_path_factory: pytest.TempPathFactory, run, change, shape: Shape, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("shape")
    root = write(folder / "p", shape)
    first = run(root, *BUILD)
    assert first.code == 0, first.out + first.err
    before = printed(root / "output")
    assert len(before) == shape.pdfs()

    done: Change = change(root, shape, data.draw)
    event(f"refused: {done.refuses}")
    second = run(root, *BUILD)
    fresh = shutil.copytree(root, folder / "fresh", symlinks=True, ignore=shutil.ignore_patterns("output"))
    again = run(fresh, *BUILD)
    story = f"{done.what}\n{second.out}{second.err}"

    after = printed(root / "output")
    assert after == printed(fresh / "output"), story  # the same files, the same bytes
    assert second.code == again.code == (1 if done.refuses else 0), story
    assert "Traceback" not in second.out + second.err
    lost = set(before) - set(after)
    assert all(done.may_remove(path) for path in lost), f"{sorted(lost)} lost: {story}"
    reasons = withdrawn(root / "output")
    assert all(reasons.get(path) for path in lost), f"{sorted(lost)} not recorded: {reasons}"
    assert listed_but_missing(root / "output") == [], story


def test_make_clinics_writes_each_clinic_with_its_own_languages(tmp_path: Path, run) -> None:
    root = write(tmp_path / "p", Shape({"north": ("en", "de"), "south": ("fr",)}, ("back-care",)))
    add_clinic(root, "east", ("es",))
    assert run(root, *BUILD).code == 0
    assert sorted(printed(root / "output")) == [
        "east/es/back-care.pdf",
        "north/de/back-care.pdf",
        "north/en/back-care.pdf",
        "south/fr/back-care.pdf",
    ]
