"""Read YAML and remember the line of every key, so errors can point at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from handoutgen.errors import ConfigError, Problem

KeyPath = tuple[str | int, ...]

_constructor = SafeConstructor()


class LineMap(dict[KeyPath, int]):
    """Maps a key path such as ("colors", "primary") to its 1-based line."""

    def line_for(self, path: KeyPath) -> int | None:
        # Pydantic may point below the last key YAML knows (e.g. into a string);
        # walk up until a known path is found.
        path = tuple(path)
        while path:
            if path in self:
                return self[path]
            path = path[:-1]
        return self.get((), None)


def format_key(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(path: Path, shown_as: str) -> tuple[Any, LineMap]:
    """Load one YAML file into plain Python data plus its line map."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Problem(shown_as, "file not found")) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(Problem(shown_as, f"not UTF-8 text ({exc.reason}); save it as UTF-8")) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(Problem(shown_as, f"YAML syntax error: {exc.problem}", line)) from None
    lines = LineMap()
    if node is None:
        return {}, lines
    problems: list[Problem] = []
    data = _build(node, (), lines, problems, shown_as)
    if problems:
        raise ConfigError(problems)
    return data, lines


def _build(node: yaml.Node, path: KeyPath, lines: LineMap, problems: list[Problem], shown_as: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_constructor.construct_object(key_node))
            if key in out:
                problems.append(
                    Problem(
                        shown_as,
                        "this key appears twice; keep one",
                        key_node.start_mark.line + 1,
                        format_key((*path, key)),
                    )
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*path, key), lines, problems, shown_as)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, problems, shown_as) for i, item in enumerate(node.value)]
    return _constructor.construct_object(node)
