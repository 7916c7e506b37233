"""Block types: the building stones of a handout's sections.

Each module here defines one block type: its schema (a pydantic model whose
`type` names it), and, when it needs more than the generic text walk, how its
texts are found (`extra_texts`). Its look is `templates/blocks/<type>.html`.
A new block type is one module here plus its template: modules are found by
name, so nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Union

from pydantic import Field

from handouts.source.blocks.base import BlockModel

BLOCK_TYPES: dict[str, type[BlockModel]] = {}


def _discover() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for model in getattr(module, "BLOCKS", ()):
            BLOCK_TYPES[model.type_name()] = model


_discover()

# Any block: pydantic picks the model by its `type` key.
Block = Annotated[Union[tuple(BLOCK_TYPES.values())], Field(discriminator="type")]  # noqa: UP007


def rebuild() -> None:
    """Blocks that hold blocks (a callout) refer to Block, which exists only now."""
    for model in BLOCK_TYPES.values():
        model.model_rebuild(_types_namespace={"Block": Block})


rebuild()


def block_template(block: Any) -> str:
    return f"blocks/{block.type}.html"
