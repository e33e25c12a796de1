import threading

import pytest
import time_machine
from django.core.cache import cache

from apart.ratelimit import Limit, limit_give_back, limit_hit, limit_reached, limit_take


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_hit_over_the_limit_is_refused_and_the_window_frees_it():
    limit = Limit("essai:ip", "192.0.2.1", limit=3, window_seconds=3600)
    with time_machine.travel("2026-11-28 10:00", tick=False):
        assert [limit_hit(limit) for _ in range(4)] == [False, False, False, True]
        assert limit_reached(limit)
    # LocMemCache compares its expiry with time.time(): an hour later the counter is gone.
    with time_machine.travel("2026-11-28 11:00:01", tick=False):
        assert not limit_reached(limit)
        assert not limit_hit(limit)


def test_limits_are_per_subject_and_per_scope():
    first = Limit("essai:ip", "192.0.2.1", limit=1, window_seconds=60)
    assert not limit_hit(first)
    assert not limit_hit(Limit("essai:ip", "192.0.2.2", limit=1, window_seconds=60))
    assert not limit_hit(Limit("autre:ip", "192.0.2.1", limit=1, window_seconds=60))
    assert limit_hit(first)


def test_looking_counts_nothing():
    limit = Limit("essai:courriel", "a@example.fr", limit=1, window_seconds=60)
    for _ in range(5):
        assert not limit_reached(limit)
    assert not limit_hit(limit)
    assert limit_reached(limit)


def test_any_exceeded_limit_refuses_and_every_limit_is_counted():
    per_ip = Limit("essai:ip", "192.0.2.1", limit=10, window_seconds=60)
    per_address = Limit("essai:courriel", "a@example.fr", limit=1, window_seconds=60)
    assert not limit_hit(per_ip, per_address)
    assert limit_hit(per_ip, per_address)
    assert cache.get(per_ip.key) == 2


def test_concurrent_hits_are_all_counted():
    limit = Limit("essai:ip", "192.0.2.9", limit=1000, window_seconds=60)
    threads = [threading.Thread(target=lambda: [limit_hit(limit) for _ in range(50)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get(limit.key) == 200


def test_the_key_does_not_hold_the_subject_in_clear():
    assert "a@example.fr" not in Limit("essai:courriel", "a@example.fr", limit=1, window_seconds=60).key


def test_take_refuses_over_the_limit_and_gives_every_hit_back():
    per_ip, per_address = Limit("t:ip", "192.0.2.1", 3, 60), Limit("t:to", "a@example.fr", 1, 60)

    assert limit_take(per_ip, per_address) is None
    assert limit_take(per_ip, per_address) == per_address  # refused: neither hit stays
    assert limit_take(per_ip, Limit("t:to", "b@example.fr", 1, 60)) is None
    assert cache.get(per_ip.key) == 2 and cache.get(per_address.key) == 1

    limit_give_back(per_ip)
    assert cache.get(per_ip.key) == 1
