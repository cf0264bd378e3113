"""The public contract of the interaction layer: every public operation documented as the NL API Design Rules ask,
camelCase properties, and the small value rules of ``gbi_shared.contracts.kanaal`` (IBAN, amounts) and of the
process progress reader."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_interaction.voortgang import lees_voortgang
from gbi_shared.contracts.kanaal import bedrag_uit_centen, is_valid_iban, normalize_iban

CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")


def _properties(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            found.extend(props)
        for value in node.values():
            found.extend(_properties(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_properties(value))
    return found


def test_every_public_operation_is_documented(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    public = {p: ops for p, ops in doc["paths"].items() if p.startswith("/api/v1/")}
    assert {
        "/api/v1/aanvragen",
        "/api/v1/aanvragen/{aanvraagId}",
        "/api/v1/aanvragen/{aanvraagId}/beschikking",
        "/api/v1/aanvragen/{aanvraagId}/documenten",
        "/api/v1/taken",
        "/api/v1/taken/tellingen",
        "/api/v1/taken/{taakId}",
        "/api/v1/taken/{taakId}/claim",
        "/api/v1/taken/{taakId}/vrijgeven",
        "/api/v1/taken/{taakId}/herverdelen",
        "/api/v1/taken/{taakId}/afronden",
        "/api/v1/taken/{taakId}/opmerkingen",
        "/api/v1/zaken/{aanvraagId}",
        "/api/v1/documenten/{documentId}",
    } <= set(public)
    operation_ids = []
    for path, ops in public.items():
        assert ":" not in path
        assert not path.endswith("/")
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary"), where
            assert op.get("description"), where
            assert op.get("tags"), where
            operation_ids.append(op["operationId"])
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert set(response["content"]) == {"application/problem+json"}, where
                else:
                    assert "API-Version" in response["headers"], where
    assert len(operation_ids) == len(set(operation_ids))
    schemas = doc["components"]["schemas"]
    bad = sorted({p for p in _properties(schemas) if not CAMEL.match(p)})
    assert bad == [], bad


def test_the_idempotency_key_is_a_required_header_of_submitting(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/v1/aanvragen"]["post"]
    (key,) = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header"
    assert key["required"] is True
    assert "202" in op["responses"]
    assert "Location" in op["responses"]["202"]["headers"]


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("NL91ABNA0417164300", True),
        ("NL44RABO0123456789", True),
        ("DE89370400440532013000", True),
        ("BE68539007547034", True),
        ("NL91ABNA0417164301", False),  # check digits do not match
        ("NL91ABNA041716430", False),  # too short for NL
        ("NL9IABNA0417164300", False),
        ("ＮＬ91ABNA0417164300", False),  # fullwidth letters
        ("", False),
    ],
)
def test_iban_mod_97(iban: str, valid: bool) -> None:
    assert is_valid_iban(iban) is valid


def test_iban_normal_form() -> None:
    assert normalize_iban(" nl91 abna 0417 1643 00 ") == "NL91ABNA0417164300"


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0.00"), (5, "0.05"), (133142, "1331.42"), (-2500, "-25.00"), (None, None)]
)
def test_amounts_from_cents(cents: int | None, text: str | None) -> None:
    assert bedrag_uit_centen(cents) == text


def test_the_progress_reader_takes_snake_or_camel_case_at_any_usual_place() -> None:
    snake = lees_voortgang(
        {"beslistermijn_einde": "2026-04-27", "variabelen": {"voorschot_vanaf": "2026-03-30"}}, "in-behandeling"
    )
    camel = lees_voortgang({"termijnen": {"beslistermijnEinde": "2026-04-27", "voorschotVanaf": "2026-03-30"}}, "x")
    assert snake.termijnen == camel.termijnen
    assert str(camel.termijnen.beslistermijn_einde) == "2026-04-27"
    assert lees_voortgang(None, "ontvangen").open_verzoeken == []


def test_an_open_request_only_while_the_process_waits_for_documents() -> None:
    bron: dict[str, Any] = {
        "hersteltermijnEinde": "2026-03-23",
        "gevraagdeDocumenten": [{"omschrijving": "loonstrook"}],
    }
    assert lees_voortgang(bron, "in-behandeling").open_verzoeken == []
    assert lees_voortgang(bron, "wacht-op-burger").open_verzoeken[0].documenten == ["loonstrook"]
    waiting = bron | {"wachtOp": ["documenten_ontvangen"]}
    assert lees_voortgang(waiting, "in-behandeling").open_verzoeken[0].hersteltermijn_einde is not None
