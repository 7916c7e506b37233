"""What every block type shares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, get_args

from handouts.source.schema import Strict, Text
from handouts.source.yamlfile import KeyPath


class BlockModel(Strict):
    """A block: `type` names it; `safety: true` makes every text in it safety-critical."""

    safety: bool = False
    # Texts that belong to the block but live outside the YAML (e.g. a figure's SVG labels).
    has_extra_texts: ClassVar[bool] = False

    @classmethod
    def type_name(cls) -> str:
        return get_args(cls.model_fields["type"].annotation)[0]

    @property
    def is_safety(self) -> bool:
        return self.safety

    def extra_texts(self, asset_dir: Path, path: KeyPath) -> Iterator[tuple[KeyPath, Text]]:
        """Texts of the block found outside the handout file; most blocks have none."""
        return iter(())

    def asset_problem(self, asset_dir: Path) -> str | None:
        """Why a file the block draws cannot be used; None when it can (or it draws none)."""
        return None

    def references(self) -> list[str]:
        """Other handouts' sections this block prints ("<handout>#<section>")."""
        return []

    def template_context(self) -> dict[str, Any]:
        return {}
