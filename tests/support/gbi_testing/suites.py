"""Helpers for tests that start the whole suite: its ports and a PostgreSQL database of its own."""

from __future__ import annotations

import os
import socket
import urllib.parse
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

__all__ = ["SUITE_PORT_OFFSETS", "free_base_port", "fresh_database", "port_free"]

# The runner's ports relative to its base: gateway and the five layers (+0..5) and the simulator (+90).
SUITE_PORT_OFFSETS = (0, 1, 2, 3, 4, 5, 90)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_port(offsets: Iterable[int] = SUITE_PORT_OFFSETS) -> int:
    """A base port where base+offset is free for every offset, always in 20000-31999: below the kernel's ephemeral
    range (32768-60999 on Linux), where a readiness poll of a port nobody listens on yet can be answered by the
    client's own socket (a TCP self-connect) and read its own request back."""
    wanted = tuple(offsets)
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = 20000 + (s.getsockname()[1] % 12000)
        if all(port_free(base + i) for i in wanted):
            return base
    raise RuntimeError("no free ports")


@contextmanager
def fresh_database(prefix: str) -> Iterator[str | None]:
    """A new, empty PostgreSQL database beside ``GBI_TEST_DATABASE_URL`` (dropped afterwards), or None when that is
    not set (the suite then runs on SQLite)."""
    base = os.environ.get("GBI_TEST_DATABASE_URL")
    if not base:
        yield None
        return
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = urllib.parse.urlsplit(base.replace("postgresql+psycopg://", "postgresql://"))._replace(path="/postgres")
    with psycopg.connect(admin.geturl(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin.geturl(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
