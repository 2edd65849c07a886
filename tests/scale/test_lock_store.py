"""The atomic Redis lock store (rasa_extensions/lock_store.py) against a real redis-server:
tickets taken at the same moment by several servers (here threads, each with its own client)
are all different, are served in order, and the lock is gone once the last is handed back."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig

from devkit.servers import free_port
from rasa_extensions.lock_store import AtomicRedisLockStore


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory) -> Iterator[int]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server not found: .ci/run installs Debian's redis-server",
                    pytrace=False)
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield port
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def _store(port: int) -> AtomicRedisLockStore:
    config = EndpointConfig(url="127.0.0.1", type="rasa_extensions.lock_store.AtomicRedisLockStore",
                            port=port, db=1, key_prefix="test")
    return AtomicRedisLockStore(endpoint_config=config)


def test_tickets_taken_at_once_by_several_servers_are_all_different(redis_port):
    stores = [_store(redis_port) for _ in range(4)]

    def take(store: AtomicRedisLockStore) -> list[int]:
        return [store.issue_ticket("patient") for _ in range(100)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        tickets = [t for taken in pool.map(take, stores) for t in taken]
    assert sorted(tickets) == list(range(400))
    lock = stores[0].get_lock("patient")
    assert [t.number for t in lock.tickets] == list(range(400))


def test_the_lock_is_served_in_order_and_deleted_after_the_last_ticket(redis_port):
    one, two = _store(redis_port), _store(redis_port)
    first = one.issue_ticket("carer")
    second = two.issue_ticket("carer")
    assert not one.get_lock("carer").is_locked(first)
    assert two.get_lock("carer").is_locked(second)
    one.cleanup("carer", first)
    assert not two.get_lock("carer").is_locked(second)  # kept: someone is waiting
    two.cleanup("carer", second)
    assert two.get_lock("carer") is None


def test_rasa_builds_it_from_the_endpoints_file(redis_port, tmp_path):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("lock_store:\n  type: rasa_extensions.lock_store.AtomicRedisLockStore\n"
                         f"  url: 127.0.0.1\n  port: {redis_port}\n  db: 2\n"
                         "  key_prefix: screening\n")
    store = LockStore.create(read_endpoint_config(str(endpoints), "lock_store"))
    assert isinstance(store, AtomicRedisLockStore)
    ticket = store.issue_ticket("someone")
    assert store.red.connection_pool.connection_kwargs["db"] == 2
    assert store.red.exists("screening:lock:someone")
    store.cleanup("someone", ticket)
    assert not store.red.exists("screening:lock:someone")
