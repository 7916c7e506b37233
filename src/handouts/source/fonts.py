"""The shipped fonts: which to use for a language, and whether they cover a text."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from pydantic import Field

from handouts.errors import ConfigError, Problem
from handouts.source.languages import fallback_chain
from handouts.source.loading import load_model
from handouts.source.schema import Strict
from handouts.source.yamlfile import LineMap

WEIGHTS = {"regular": 400, "bold": 700}
MAX_FONT_BYTES = 64_000_000  # the largest shipped font (CJK) is about 17 MB
REQUIRED_TABLES = ("cmap", "head")  # which characters it has, and its basic metrics


class FontsFile(Strict):
    families: dict[str, dict[str, str]] = Field(min_length=1)
    stacks: dict[str, list[str]]


@dataclass(frozen=True)
class Family:
    name: str
    files: dict[int, Path]  # CSS weight -> font file

    @property
    def css_name(self) -> str:
        # A name no system font has, so fontconfig can only match the shipped file.
        return f"handouts {self.name}"


class FontSet:
    def __init__(self, folder: Path, shown_as: str = "fonts/fonts.yaml"):
        self.folder = folder
        config, lines = load_model(FontsFile, folder / "fonts.yaml", shown_as)
        problems = []
        self.families: dict[str, Family] = {}
        for name, files in config.families.items():
            paths = {}
            for weight, filename in files.items():
                path = (folder / filename).resolve()
                if why := _font_file_reason(folder, weight, filename, path):
                    problems.append(_family_problem(shown_as, lines, name, weight, why))
                else:
                    paths[WEIGHTS[weight]] = path
            self.families[name] = Family(name, paths)
        for lang, stack in config.stacks.items():
            for name in stack:
                if name not in self.families:
                    problems.append(
                        Problem(
                            shown_as,
                            f"unknown font family {name!r}",
                            lines.line_for(("stacks", lang)),
                            f"stacks.{lang}",
                        )
                    )
        if "default" not in config.stacks:
            problems.append(Problem(shown_as, "a 'default' stack is required", lines.line_for(("stacks",)), "stacks"))
        if problems:
            raise ConfigError(problems)
        self.stacks = config.stacks

    def stack_for(self, lang: str, first: str | None = None) -> list[Family]:
        """The language's stack; a clinic's chosen family (first) goes in front of it."""
        # A regional variant uses its language's stack: zh_Hans_CN -> zh_Hans, pt_BR -> pt -> default.
        found = (self.stacks.get(code) for code in fallback_chain(lang))
        names = next(filter(None, found), None) or self.stacks["default"]
        if first is not None:
            names = [first, *(name for name in names if name != first)]
        return [self.families[name] for name in names]

    def font_face_css(self, lang: str, first: str | None = None) -> str:
        rules = []
        for family in self.stack_for(lang, first):
            for weight, path in sorted(family.files.items()):
                rules.append(
                    f'@font-face {{ font-family: "{family.css_name}"; font-weight: {weight}; '
                    f'src: url("{path.as_uri()}"); }}'
                )
        return "\n".join(rules)

    def font_family_css(self, lang: str, first: str | None = None) -> str:
        return ", ".join(f'"{family.css_name}"' for family in self.stack_for(lang, first))

    def uncovered(self, lang: str, text: str, first: str | None = None) -> list[str]:
        """Characters of text that no font in the language's stack can draw."""
        cmaps = [_codepoints(path) for family in self.stack_for(lang, first) for path in family.files.values()]
        missing = []
        for char in dict.fromkeys(text):
            if unicodedata.category(char)[0] in "ZC":  # spaces, controls, format marks
                continue
            if not any(ord(char) in cmap for cmap in cmaps):
                missing.append(char)
        return missing


def _font_file_reason(folder: Path, weight: str, filename: str, path: Path) -> str | None:
    """Why fonts.yaml's file for this weight cannot be used, or None when it can."""
    if weight not in WEIGHTS:
        return f"unknown weight; use {', '.join(WEIGHTS)}"
    if path.is_file() and folder.resolve() not in path.parents:  # never a file from elsewhere
        return (
            f"font file {filename!r} leads outside fonts/ (a link, or ../ in its name); "
            "copy the font file into fonts/ and name it here"
        )
    if not path.is_file():
        return f"font file {filename!r} not found in fonts/"
    if reason := font_file_problem(path):
        return f"font file {filename!r} cannot be used: {reason}; replace it with a working .ttf or .otf"
    return None


def _family_problem(shown_as: str, lines: LineMap, name: str, weight: str, message: str) -> Problem:
    """A problem with one font file of fonts.yaml, at its line."""
    return Problem(shown_as, message, lines.line_for(("families", name, weight)), f"families.{name}.{weight}")


def font_file_problem(path: Path) -> str | None:
    """Why the font file cannot be used, or None. Reads only its table directory: cheap enough for every build."""
    try:
        size = path.stat().st_size
        if size > MAX_FONT_BYTES:
            return f"it is {size / 1_000_000:.0f} MB; at most {MAX_FONT_BYTES // 1_000_000} MB is allowed"
        with TTFont(path, lazy=True) as font:
            missing = [tag for tag in REQUIRED_TABLES if tag not in font.reader]
            if missing:
                return f"it has no {missing[0]!r} table"
            if any(entry.offset + entry.length > size for entry in font.reader.tables.values()):
                return "it is cut short (a table runs past the end of the file)"
    # fontTools raises TTLibError, struct.error, AssertionError, ... for a file that is not a font.
    except Exception as exc:
        return f"it is not a readable font ({' '.join(str(exc).split())[:80] or type(exc).__name__})"
    return None


@functools.cache
def _codepoints(path: Path) -> frozenset[int]:
    try:
        with TTFont(path, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    # A damaged character map passes font_file_problem's cheap look at the table directory.
    except Exception as exc:
        message = f"its character map cannot be read ({' '.join(str(exc).split())[:80]}); replace the font file"
        raise ConfigError(Problem(f"fonts/{path.name}", message)) from None


def describe_char(char: str) -> str:
    return f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')})"
