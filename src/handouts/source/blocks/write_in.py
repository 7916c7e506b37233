"""write-in: labelled lines to write on by pen ("Your next appointment"). Never patient data."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import Msg, Strict


class WriteField(Strict):
    label: Msg | None = None
    lines: int = Field(default=1, ge=1, le=8)


class WriteIn(BlockModel):
    type: Literal["write-in"]
    fields: list[WriteField] = Field(min_length=1, max_length=12)
    row: bool = False  # fields side by side (e.g. signature and date)
    # Each label on its own line (`Hold (seconds) ____`), not above it: a row of short fields takes one line.
    inline: bool = False


BLOCKS = [WriteIn]
