"""paragraph: one paragraph; `style: note` sets it off with a bar at its start, `emphasis` prints it bold."""

from __future__ import annotations

from typing import Literal

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import Msg


class Paragraph(BlockModel):
    type: Literal["paragraph"]
    text: Msg
    style: Literal["plain", "note", "emphasis"] = "plain"


BLOCKS = [Paragraph]
