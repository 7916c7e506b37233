"""The shipped fonts: which to use for a language, and whether they cover a text."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from pydantic import Field

from handoutgen.errors import ConfigError, Problem
from handoutgen.schema import Strict, load_model

WEIGHTS = {"regular": 400, "bold": 700}


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
                if weight not in WEIGHTS:
                    problems.append(
                        Problem(
                            shown_as,
                            f"unknown weight; use {', '.join(WEIGHTS)}",
                            lines.line_for(("families", name, weight)),
                            f"families.{name}.{weight}",
                        )
                    )
                elif not path.is_file() or folder.resolve() not in path.parents:
                    problems.append(
                        Problem(
                            shown_as,
                            f"font file {filename!r} not found in fonts/",
                            lines.line_for(("families", name, weight)),
                            f"families.{name}.{weight}",
                        )
                    )
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
        names = self.stacks.get(lang) or self.stacks.get(lang.split("_")[0]) or self.stacks["default"]
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


@functools.cache
def _codepoints(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def describe_char(char: str) -> str:
    return f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')})"
