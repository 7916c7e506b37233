"""callout: a framed box of blocks. `urgent` is the when-to-get-help box and is
safety-critical unless it says `safety: false`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import MAX_BLOCKS, Msg

if TYPE_CHECKING:
    from handouts.source.blocks import Block


class Callout(BlockModel):
    type: Literal["callout"]
    kind: Literal["info", "warning", "urgent"] = "info"
    heading: Msg | None = None
    blocks: list[Block] = Field(min_length=1, max_length=MAX_BLOCKS)
    safety: bool | None = None  # type: ignore[assignment]  # None: safety-critical when urgent

    @property
    def is_safety(self) -> bool:
        return self.kind == "urgent" if self.safety is None else self.safety


BLOCKS = [Callout]
