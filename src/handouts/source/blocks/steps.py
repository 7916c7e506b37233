"""steps: numbered steps, each with an optional bold title."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import MAX_ITEMS, Msg, Strict


class Step(Strict):
    title: Msg | None = None
    text: Msg


class Steps(BlockModel):
    type: Literal["steps"]
    steps: list[Step] = Field(min_length=1, max_length=MAX_ITEMS)
    columns: Literal[1, 2] = 1


BLOCKS = [Steps]
