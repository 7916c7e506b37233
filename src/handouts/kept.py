"""What one process keeps of the work it repeats: a preview session draws the same handouts again
and again, and a check or a second build reads the same files as the first.

Each cache is keyed by everything its value is made from (a whole text, its checksum), so a changed
file is never answered from it, and holds at most a total size of values, however large the files
a project brings (the limits of YAML and template files are 1 MB each)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Kept(Generic[K, V]):
    """The values used last, up to `budget` in all (each value's size as its caller measures it).
    Safe to share between the preview's threads."""

    def __init__(self, budget: int):
        self.budget = budget
        self._values: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            kept = self._values.get(key)
            if kept is None:
                return None
            self._values.move_to_end(key)
            return kept[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep value, dropping the least recently used; a value larger than the budget is not kept."""
        if size > self.budget:
            return
        with self._lock:
            if (old := self._values.pop(key, None)) is not None:
                self._total -= old[1]
            self._values[key] = (value, size)
            self._total += size
            while self._total > self.budget:
                _, (_, dropped) = self._values.popitem(last=False)
                self._total -= dropped

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._total = 0
