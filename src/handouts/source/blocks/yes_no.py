"""yes-no: a form's questions. Each list in another handout's section becomes a table of
statements to tick Yes or No, printed from that handout's own catalog, so a safety
sentence is translated once and reads the same on the leaflet and the form. A list
item's `ask` is its form-only wording."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import Msg


class YesNo(BlockModel):
    type: Literal["yes-no"]
    source: str = Field(alias="from", pattern=r"^[a-z0-9][a-z0-9-]*#[a-z0-9][a-z0-9_-]*$")
    yes: Msg
    no: Msg
    safety: bool = True  # a swapped Yes or No reverses every answer

    @property
    def handout_id(self) -> str:
        return self.source.split("#", 1)[0]

    @property
    def section_id(self) -> str:
        return self.source.split("#", 1)[1]

    def references(self) -> list[str]:
        return [self.source]


BLOCKS = [YesNo]
