"""The small process cache: least recently used values go first."""

from __future__ import annotations

import threading

from tracking.core.memo import Memo


def test_the_least_recently_used_value_goes():
    memo = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # a is now the most recently used
    memo.put("c", 3)
    assert memo.get("b") is None and memo.get("a") == 1 and memo.get("c") == 3
    memo.clear()
    assert memo.get("a") is None


def test_threads_share_it_safely():
    memo = Memo(8)

    def work(k: int) -> None:
        for i in range(500):
            memo.put((k, i % 10), i)
            memo.get((k, (i + 3) % 10))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memo._items) == 8
