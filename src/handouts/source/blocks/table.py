"""table: a header row and rows of cells; an empty cell (`null`) is a box to write in.

The header repeats when the table breaks across pages; in right-to-left languages the
columns run right to left."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import Msg

MAX_COLUMNS = 10
MAX_ROWS = 60


class Table(BlockModel):
    type: Literal["table"]
    caption: Msg | None = None
    header: list[Msg] = Field(min_length=1, max_length=MAX_COLUMNS)
    rows: list[list[Msg | None]] = Field(min_length=1, max_length=MAX_ROWS)
    # Empty cells are for a pen: `write-in` gives them room; `compact` is enough for a tick.
    row_height: Literal["normal", "write-in", "compact"] = "normal"

    @model_validator(mode="after")
    def _rows_fit_the_header(self) -> Table:
        for number, row in enumerate(self.rows, 1):
            if len(row) != len(self.header):
                raise ValueError(
                    f"row {number} has {len(row)} cells but the header has {len(self.header)}; "
                    "give every row one cell per column (null for an empty one)"
                )
        return self


BLOCKS = [Table]
