"""A small process-wide cache: the last few values rebuilt from files, by a key that names their stamps."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class Memo:
    """A thread-safe least-recently-used map holding at most ``size`` values.

    The dashboard serves several sessions from one process; keys carry the file
    stamps the value was built from, so a rewritten file simply misses.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, int(size))
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The value stored under ``key`` (now the most recently used), or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value``; the least recently used values go beyond ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
