"""`make run`'s demo data (gbi_runner.demo): aanvragen in three gemeenten, submitted through the public API, each
gemeente's staff sees its own, and seeding again adds nothing."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import pytest

from gbi_runner import Suite
from gbi_runner.demo import DEMO_AANVRAGEN, seed_demo

pytestmark = pytest.mark.timeout(900)


def _staff_get(suite: Suite, gemeente: str, path: str) -> Any:
    form = urllib.parse.urlencode(
        {"grant_type": "urn:gbi:dev", "actor_type": "medewerker", "gemeente": gemeente, "roles": "klantmanager"}
    ).encode()
    request = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
    with urllib.request.urlopen(request, timeout=10) as resp:
        token = json.loads(resp.read())["access_token"]
    request = urllib.request.Request(suite.config.url("gateway") + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())


def test_demo_data_fills_three_gemeenten_once(web_suite: Suite) -> None:
    eerste = seed_demo(web_suite)
    assert len(eerste) == len(DEMO_AANVRAGEN)
    assert all("aanvraag " in line for line in eerste), eerste
    assert seed_demo(web_suite) == eerste  # the same Idempotency-Key: the same aanvragen, nothing added
    ids = {line.rsplit(" ", 1)[-1] for line in eerste}
    per_gemeente = {g for _, _, g in DEMO_AANVRAGEN}
    assert per_gemeente == {"0599", "0518", "0363"}
    for gemeente in per_gemeente:
        zichtbaar = {a["id"] for a in _staff_get(web_suite, gemeente, "/api/v1/aanvragen?pageSize=100")["items"]}
        verwacht = sum(1 for _, _, g in DEMO_AANVRAGEN if g == gemeente)
        assert len(ids & zichtbaar) == verwacht
