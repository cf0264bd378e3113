"""The data service's clock: one offset shared by every replica (a row, not process memory), moved only outside
production, used for every timestamp of the ALO store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from pydantic import SecretStr

from gbi_data.app import create_app
from gbi_data.settings import DataSettings

V1 = "/internal/data/v1"


def test_read_and_move_the_clock(alo, actors) -> None:
    start = alo.client.get(f"{V1}/klok", headers=actors.burger())
    assert start.status_code == 200
    assert start.json()["offsetSeconden"] == 0
    assert abs(datetime.fromisoformat(start.json()["nu"]) - datetime.now(UTC)) < timedelta(seconds=30)
    moved = alo.client.put(f"{V1}/klok", json={"offsetSeconden": 8 * 7 * 86400}, headers=actors.service())
    assert moved.status_code == 200
    assert moved.json()["offsetSeconden"] == 8 * 7 * 86400
    nu = datetime.fromisoformat(alo.client.get(f"{V1}/klok", headers=actors.service()).json()["nu"])
    assert nu - datetime.now(UTC) > timedelta(weeks=8) - timedelta(minutes=1)
    # Timestamps of the store follow it.
    aanvraag = alo.aanvraag()
    assert datetime.fromisoformat(aanvraag["createdAt"]) - datetime.now(UTC) > timedelta(weeks=7)
    assert alo.client.put(f"{V1}/klok", json={"offsetSeconden": -3600}, headers=actors.service()).status_code == 200


def test_only_a_service_moves_the_clock(alo, actors) -> None:
    for headers in (actors.staff("b", "beheerder"), actors.burger()):
        assert alo.client.put(f"{V1}/klok", json={"offsetSeconden": 1}, headers=headers).status_code == 403
    assert alo.client.get(f"{V1}/klok").status_code == 401
    too_far = alo.client.put(f"{V1}/klok", json={"offsetSeconden": 20 * 366 * 86400}, headers=actors.service())
    assert too_far.status_code == 400


def test_every_replica_sees_the_same_clock(alo, actors, migrated: DataSettings) -> None:
    alo.klok(3600)
    with TestClient(create_app(migrated)) as other_replica:
        assert other_replica.get(f"{V1}/klok", headers=actors.service()).json()["offsetSeconden"] == 3600


def test_in_production_the_clock_cannot_be_moved_and_an_old_offset_is_ignored(
    alo, actors, migrated: DataSettings
) -> None:
    alo.klok(86400)  # left behind by a test environment that became production
    production = DataSettings(
        database_url=migrated.database_url,
        environment="production",
        context_public_key=migrated.context_public_key,
        context_issuer=migrated.context_issuer,
        context_audience=migrated.context_audience,
        audit_pseudonym_key=SecretStr("p" * 40),
        log_json=False,
        log_level="WARNING",
    )
    with TestClient(create_app(production)) as client:
        refused = client.put(f"{V1}/klok", json={"offsetSeconden": 60}, headers=actors.service())
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        klok = client.get(f"{V1}/klok", headers=actors.service()).json()
        assert klok["offsetSeconden"] == 0
        assert abs(datetime.fromisoformat(klok["nu"]) - datetime.now(UTC)) < timedelta(seconds=30)
