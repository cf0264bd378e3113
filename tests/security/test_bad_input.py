"""Bad input at the public door: schemathesis fuzzes every operation of the public OpenAPI document through the real
gateway with valid tokens, and targeted attacks (oversized bodies, deep JSON, unicode tricks, injection strings)
go into every field of a real request. The bar: no 5xx, no answer outside the documented schema, every refusal a
clean 4xx ``application/problem+json`` without a stack trace, and nothing changed by a refused request.

Bounded for CI: ``GBI_FUZZ_EXAMPLES`` examples per operation (default 8; positive and negative data), no shrinking.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gbi_runner import Suite

from .conftest import KATINKA, PROBLEM_JSON, Http, Tokens, aanvraag_body, oversized
from .operations import GATEWAY_OPENAPI

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("GBI_FUZZ_EXAMPLES", "8"))
OPERATIONS = [
    (path, method.upper())
    for path, item in json.loads(GATEWAY_OPENAPI.read_text(encoding="utf-8"))["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZED: dict[str, int] = {}


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_dict(json.loads(GATEWAY_OPENAPI.read_text(encoding="utf-8")))


def _token_for(tokens: Tokens, path: str, method: str) -> str:
    """Valid credentials that reach the operation's logic: citizens apply and upload; staff with every role (of
    Rotterdam, where Katinka's case is) do the rest."""
    if path.startswith("/aanvragen") and method == "POST":
        return tokens.burger(KATINKA)
    return tokens.medewerker("0599", "klantmanager,inkomensconsulent,handhaver,teamleider,beheerder,auditor")


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_fuzz_every_public_operation(
    schema: Any, suite: Suite, tokens: Tokens, besloten: str, path: str, method: str
) -> None:
    operation = schema[path][method]
    base_url = suite.config.url("gateway") + "/api/v1"
    token = _token_for(tokens, path, method)
    failures: list[str] = []
    count = [0]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=base_url, timeout=30)
        count[0] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:  # collected: one report per operation
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {str(exc)[:600]}")
        if response.status_code >= 400:
            content_type = (response.headers.get("content-type") or [""])[0]
            assert content_type.startswith(PROBLEM_JSON), (response.status_code, response.text[:300])
            assert "Traceback" not in response.text

    run()
    FUZZED[f"{method} {path}"] = count[0]
    assert not failures, f"{len(failures)} of {count[0]} requests failed:\n" + "\n\n".join(failures[:5])


# --- targeted attacks ------------------------------------------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE aanvragen; --",
    '{"$gt": ""}',
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "${jndi:ldap://x/a}",
    "{{7*7}}",
    "%00",
    "\x00",
    "\u202eexe.pdf",  # right-to-left override
    "\ufeffNL91ABNA0417164300",  # BOM
    "ＮＬ９１",  # fullwidth
    "e\u0301",  # combining
    "\U0001f600" * 50,  # astral plane
    "A" * 100_000,
]


def _clean_4xx(answer: tuple[int, dict[str, str], Any], where: str) -> None:
    status, headers, body = answer
    assert 400 <= status < 500, (where, status, body)
    assert headers["content-type"].startswith(PROBLEM_JSON), (where, headers)
    assert body["status"] == status
    assert "Traceback" not in json.dumps(body)


def _walk(body: Any, replace: Callable[[Any], Any]) -> list[Any]:
    """Every variant of ``body`` with one string field replaced."""
    variants: list[Any] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, str | bool | int) or value is None:
                variants.append(body | {key: replace(value)})
            else:
                variants += [body | {key: v} for v in _walk(value, replace)]
    elif isinstance(body, list):
        for i, value in enumerate(body):
            variants += [[*body[:i], v, *body[i + 1 :]] for v in _walk(value, replace)]
    return variants


def test_injection_and_unicode_in_every_field_of_an_aanvraag(gateway: Http, tokens: Tokens) -> None:
    burger = tokens.burger("999993653")  # Suzanne Moulin: no aanvraag of hers may come of this
    before = gateway.call("GET", "/api/v1/aanvragen", token=burger)[2]
    sent = 0
    for attack in INJECTIONS:
        for body in _walk(aanvraag_body(), lambda _v, a=attack: a):
            answer = gateway.call(
                "POST", "/api/v1/aanvragen", token=burger, body=body, headers={"Idempotency-Key": str(uuid.uuid4())}
            )
            sent += 1
            assert answer[0] < 500, (attack, body, answer)
            if answer[0] >= 400:
                _clean_4xx(answer, attack)
            else:
                # Free text may hold anything: then it is stored as text, and only once the citizen has no open case.
                gateway.call("GET", "/api/v1/aanvragen", token=burger)
    after = gateway.call("GET", "/api/v1/aanvragen", token=burger)[2]
    assert len(after["items"]) - len(before["items"]) <= 1, "one citizen, at most one open aanvraag"
    print(f"targeted: {sent} attacks on every field")


@pytest.mark.parametrize("attack", INJECTIONS[:9])
def test_injection_in_paths_and_queries(gateway: Http, tokens: Tokens, attack: str) -> None:
    token = tokens.medewerker("0599", "klantmanager,auditor")
    quoted = urllib.parse.quote(attack, safe="")
    for path in (
        f"/api/v1/aanvragen/{quoted}",
        f"/api/v1/taken/{quoted}",
        f"/api/v1/documenten/{quoted}",
        f"/api/v1/taken?aanvraagId={quoted}",
        f"/api/v1/taken?sorteer={quoted}",
        f"/api/v1/aanvragen?after={quoted}",
        f"/api/v1/beleid/{quoted}",
        f"/api/v1/normen/{quoted}",
    ):
        answer = gateway.call("GET", path, token=token)
        assert answer[0] < 500, (path, answer)
        if answer[0] >= 400:
            _clean_4xx(answer, path)


def test_oversized_deep_and_malformed_bodies(gateway: Http, tokens: Tokens) -> None:
    burger = tokens.burger("999993653")
    cases = {
        "deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
        "deep array": b"[" * 100_000 + b"]" * 100_000,
        "not json": b"{nee",
        "json with NaN": b'{"huishouden": NaN}',
        "duplicate keys": b'{"iban": "NL91ABNA0417164300", "iban": "x"}',
        "invalid utf-8": b'{"iban": "\xff\xfe"}',
        "huge number": b'{"woning": {"soort": "huurwoning", "woonkostenPerMaand": 1' + b"0" * 5000 + b"}}",
        "empty": b"",
        "array": b"[]",
        "null": b"null",
    }
    for name, raw in cases.items():
        for path in ("/api/v1/aanvragen", "/api/v1/proefberekeningen", "/api/v1/berekeningen"):
            answer = gateway.call(
                "POST",
                path,
                token=burger,
                raw=raw,
                headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
            )
            _clean_4xx(answer, f"{name} -> {path}")
    for path in ("/api/v1/aanvragen", "/api/v1/taken/x/afronden", "/koppelvlakken/levensonderhoud/notificaties"):
        for chunked in (False, True):
            answer = oversized(gateway.base, path, burger, chunked=chunked)
            assert answer[0] == 413, (path, chunked, answer)
            _clean_4xx(answer, f"oversized {path}")
    wrong_type = gateway.call(
        "POST", "/api/v1/aanvragen", token=burger, raw=b"<xml/>", headers={"Content-Type": "application/xml"}
    )
    _clean_4xx(wrong_type, "xml")
