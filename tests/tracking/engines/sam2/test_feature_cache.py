"""The LRU tensor cache with a byte budget."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from tracking.engines.sam2.feature_cache import FeatureCache, nbytes


def _t(kib: int) -> torch.Tensor:
    return torch.zeros(kib * 256, dtype=torch.float32)  # kib KiB


def test_nbytes_counts_tensors_arrays_and_nesting():
    assert nbytes(_t(1)) == 1024
    assert nbytes([_t(1), (_t(2), {"a": np.zeros(10, np.uint8)})]) == 1024 + 2048 + 10
    assert nbytes(torch.zeros(3, dtype=torch.bfloat16)) == 6
    assert nbytes(None) == 0


def test_hits_misses_and_bytes():
    cache = FeatureCache(10 * 1024)
    assert cache.get("a") is None
    value = [_t(2), _t(1)]
    assert cache.put("a", value)
    assert cache.get("a") is value
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.bytes, stats.entries) == (1, 1, 3072, 1)


def test_least_recently_used_goes_first_within_the_budget():
    cache = FeatureCache(3 * 1024)
    for key in "abc":
        cache.put(key, _t(1))
    cache.get("a")  # now b is the oldest
    cache.put("d", _t(1))
    assert "b" not in cache and all(k in cache for k in "acd")
    cache.put("e", _t(2))
    assert cache.stats.bytes <= 3 * 1024 and "e" in cache and "d" in cache


def test_replacing_a_key_does_not_double_count():
    cache = FeatureCache(4 * 1024)
    cache.put("a", _t(2))
    cache.put("a", _t(3))
    assert cache.stats.bytes == 3 * 1024 and len(cache) == 1


def test_value_larger_than_budget_is_not_stored_and_zero_disables():
    cache = FeatureCache(1024)
    assert not cache.put("big", _t(2))
    assert "big" not in cache and cache.stats.bytes == 0
    off = FeatureCache(0)
    assert not off.put("a", _t(1)) and off.get("a") is None


def test_resize_and_clear():
    cache = FeatureCache(4 * 1024)
    for key in "abcd":
        cache.put(key, _t(1))
    cache.resize(2 * 1024)
    assert len(cache) == 2 and "d" in cache and "c" in cache
    cache.clear()
    assert len(cache) == 0 and cache.stats.bytes == 0
    with pytest.raises(ValueError):
        FeatureCache(-1)


def test_concurrent_use_keeps_the_books_straight():
    cache = FeatureCache(64 * 1024)

    def work(offset):
        for i in range(200):
            cache.put((offset, i % 50), _t(1))
            cache.get((offset, (i * 7) % 50))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = cache.stats
    assert stats.bytes == stats.entries * 1024 <= 64 * 1024
    assert stats.hits + stats.misses == 800
