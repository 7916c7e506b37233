"""references: the handout's code, version and dates, then its `meta.references` in English
(`show: facts` prints only the first line, e.g. at the foot of a form)."""

from __future__ import annotations

from typing import Literal

from handouts.source.blocks.base import BlockModel


class References(BlockModel):
    type: Literal["references"]
    show: Literal["all", "facts"] = "all"


BLOCKS = [References]
