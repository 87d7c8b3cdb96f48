"""A least-recently-used cache of tensors with a memory budget in bytes.

The SAM2 engine keeps two: image-encoder outputs per frame (so a frame seen
before never runs the encoder again) and memory-conditioned features per frame
(so a click on a tracked frame only runs the mask decoder).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Hashable

GiB = 1 << 30


@dataclass(frozen=True)
class CacheStats:
    """Counters: lookups that hit or missed, bytes and entries held, the budget."""

    hits: int
    misses: int
    bytes: int
    entries: int
    budget: int


def nbytes(value: Any) -> int:
    """Bytes held by the tensors/arrays in ``value`` (nested lists, tuples and dicts allowed)."""
    if value is None:
        return 0
    if isinstance(value, (list, tuple)):
        return sum(nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    if hasattr(value, "element_size") and hasattr(value, "numel"):  # torch.Tensor
        return int(value.element_size() * value.numel())
    return int(getattr(value, "nbytes", 0))  # numpy


class FeatureCache:
    """LRU mapping key -> tensors, evicting the oldest entries past ``budget_bytes``.

    A value larger than the whole budget is not stored. ``budget_bytes=0`` disables it.
    Thread-safe (a UI may propagate in a worker thread while another reads stats).
    """

    def __init__(self, budget_bytes: int = 2 * GiB):
        if budget_bytes < 0:
            raise ValueError("the cache budget must be >= 0 bytes")
        self.budget = int(budget_bytes)
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The value for ``key`` (now the most recent), or None; counts a hit or a miss."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: Any) -> bool:
        """Store ``value``; returns False when it is larger than the whole budget."""
        size = nbytes(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.budget:
                return False
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.budget:
                _, (_, freed) = self._items.popitem(last=False)
                self._bytes -= freed
            return True

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Drop every entry (the counters stay)."""
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def resize(self, budget_bytes: int) -> None:
        """Change the budget, evicting the oldest entries if needed."""
        with self._lock:
            self.budget = int(budget_bytes)
            while self._bytes > self.budget and self._items:
                _, (_, freed) = self._items.popitem(last=False)
                self._bytes -= freed

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self.hits, self.misses, self._bytes, len(self._items), self.budget)
