"""WCAG 2.1 AA contrast of a clinic's brand colours, checked when the clinic is loaded.

The maths is the WCAG 2.1 definition of relative luminance and contrast ratio
(https://www.w3.org/TR/WCAG21/#dfn-relative-luminance); no maintained Python
library does just this.
"""

from __future__ import annotations

from typing import Any

from handouts.errors import ConfigError, Problem
from handouts.yamlfile import LineMap

NORMAL_TEXT = 4.5  # WCAG 2.1 AA, SC 1.4.3
LARGE_TEXT = 3.0  # 14 pt bold or 18 pt and larger: the handout's headings

# Colours the stylesheet fixes (templates/handout.css): body text and the paper.
FIXED = {"text": "#1a1a1a", "paper": "#ffffff"}

# Every place the templates put a brand colour on text or behind text:
# (foreground, background, minimum ratio, where it is used).
PAIRS = [
    ("primary", "paper", NORMAL_TEXT, "the clinic name, step titles and headings on white paper"),
    ("primary", "accent", LARGE_TEXT, "the key points heading on the accent background"),
    ("text", "accent", NORMAL_TEXT, "body text on the accent background"),
]


class ContrastError(ConfigError):
    """A clinic file is valid but a brand colour pair is too faint to read."""


def relative_luminance(color: str) -> float:
    """Relative luminance of a #RRGGBB colour in sRGB."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_problems(colors: Any, lines: LineMap, shown_as: str) -> list[Problem]:
    """One problem per brand-colour pair below its WCAG minimum, naming the colour to change."""
    palette = {**FIXED, "primary": colors.primary, "accent": colors.accent}
    problems = []
    for fg, bg, minimum, where in PAIRS:
        ratio = contrast_ratio(palette[fg], palette[bg])
        # Shown to 2 decimals, so round down: 4.496 must not read as a passing "4.50".
        if ratio >= minimum:
            continue
        change = colour_to_change(fg, bg, palette)
        key = f"colors.{change}"
        problems.append(
            Problem(
                shown_as,
                f"{palette[fg]} on {palette[bg]} has a contrast ratio of {int(ratio * 100) / 100:.2f}:1; "
                f"WCAG 2.1 AA needs at least {minimum:g}:1 for {where}. "
                f"Choose a {'darker' if change == fg else 'paler'} {change} colour",
                lines.line_for(tuple(key.split("."))),
                key,
            )
        )
    return problems


def colour_to_change(fg: str, bg: str, palette: dict[str, str]) -> str:
    """The brand colour at fault: the background when it is too dark for body text (a dark accent
    fails under the primary too, and a darker primary would not help), else the foreground."""
    if fg in FIXED:
        return bg
    background_too_dark = bg not in FIXED and contrast_ratio(FIXED["text"], palette[bg]) < NORMAL_TEXT
    return bg if background_too_dark else fg
