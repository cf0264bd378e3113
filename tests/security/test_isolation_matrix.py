"""The isolation matrix: every public operation (discovered from the OpenAPI documents, see ``operations.py``) for
every role and for callers of another gemeente, on the real suite through the gateway.

Rules proven here:
- an operation nobody classified fails the build (so a new endpoint is covered the day it appears);
- a caller of another gemeente, another citizen and an integrator of another gemeente get, for a real resource,
  byte for byte the answer they get for an id that does not exist (status, content type, body less the request's
  own ``instance``): no cross-tenant data and no existence leak; for the same callers a write changes nothing;
- lists, searches, counts, filters and sorting show another tenant's callers none of the data, whatever filter
  value they try (the owner's aanvraag id, BSN, gemeente), and answer a real filter value exactly like a made-up one;
- every role of the owning gemeente gets an answer (never a 5xx) on every read; the matrix of statuses is printed;
- local policy answers only the caller's own gemeente; nobody creates for another tenant's data subject.

Resources (created through the public API): Lonneke Smit's aanvraag in 's-Gravenhage (0518; the UWV knows income,
so an intake task appears) with a document she uploads, and Katinka Vogel's in Rotterdam (0599; straight through to
a decision with a beschikking). Foreign callers: staff and the integrator of Amsterdam (0363), other citizens.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from .conftest import PROBLEM_JSON, Http, Tokens, wait_for
from .operations import MATRIX, Op, discover

pytestmark = pytest.mark.e2e

LONNEKE = "999995431"  # 0518
KATINKA = "999994116"  # 0599
ANDERE_BURGER = "999993112"  # 0363
BUURVROUW = {"0518": "999990792", "0599": "999970902"}  # another citizen of the same gemeente
VREEMDE_GEMEENTE = "0363"
# Not Lonneke's IBAN (NL91ABNA0417164300), so a leak of the account is told apart from hers.
REKENING_0518 = {"iban": "NL02ABNA0123456789", "bic": "ABNANL2A", "naam": "Gemeente Den Haag Sociaal Domein"}
ROLES = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider", "beheerder", "auditor")
ALL_ROLES = ",".join(ROLES)
OPERATIONS = discover()


def _aanvraag() -> dict[str, Any]:
    return {
        "huishouden": {"kinderen": []},
        "woning": {"soort": "huurwoning", "woonkostenPerMaand": "650.00"},
        "inkomsten": [],
        "vermogen": {"bezittingen": "500.00", "schulden": "0.00"},
        "iban": "NL91 ABNA 0417 1643 00",
        "contact": {"email": "burger@example.nl"},
        "naarWaarheidIngevuld": True,
    }


@dataclass(frozen=True)
class Resource:
    id: str
    gemeente: str
    bsn: str


@dataclass
class World:
    resources: dict[str, Resource]
    secrets: set[str]


@pytest.fixture(scope="module")
def world(gateway: Http, tokens: Tokens, besloten: str) -> World:
    lonneke = tokens.burger(LONNEKE)
    status, _, a = gateway.call(
        "POST", "/api/v1/aanvragen", token=lonneke, body=_aanvraag(), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert status == 202, a
    km = tokens.medewerker("0518", "klantmanager")

    def open_taak() -> str | None:
        s, _, body = gateway.call("GET", f"/api/v1/taken?aanvraagId={a['id']}&status=open", token=km)
        assert s == 200, body
        return str(body["items"][0]["id"]) if body["items"] else None

    taak = wait_for("the intake task of Lonneke's aanvraag", open_taak)

    status, _, doc = gateway.call(
        "POST",
        f"/api/v1/aanvragen/{a['id']}/documenten?bestandsnaam=loonstrook.pdf",
        token=lonneke,
        raw=b"%PDF-1.4\n% loonstrook Lonneke\n%%EOF\n",
        headers={"Content-Type": "application/pdf"},
    )
    assert status == 201, doc
    # The payer account of 's-Gravenhage (registered by its beheerder through the public API), a payment run and
    # an integrator's subscription.
    status, _, rekening = gateway.call(
        "PUT", "/api/v1/betaalrekening", token=tokens.medewerker("0518", "beheerder"), body=REKENING_0518
    )
    assert status == 200, rekening
    assert rekening["gemeente"] == "0518"
    status, _, run = gateway.call(
        "POST",
        "/api/v1/betaalruns",
        token=tokens.medewerker("0518", ALL_ROLES),
        body={"maand": "2026-01"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert status == 202, run
    betaalrun = str(run["id"])
    status, _, abonnement = gateway.call(
        "POST",
        "/api/v1/abonnementen",
        token=tokens.integrator("0518"),
        body={
            "callbackUrl": "https://zaaksysteem.example.org/callback",
            "auth": "Bearer geheim-van-den-haag",
            "kanalen": [{"naam": "aanvragen"}],
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert status == 201, abonnement
    # Lonneke's quick estimate (the walking skeleton's resource).
    status, _, proef = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=lonneke, body={"bsn": LONNEKE, "peildatum": "2026-03-15"}
    )
    assert status == 201, proef
    resources = {
        "proefberekening": Resource(str(proef["id"]), "0518", LONNEKE),
        "abonnement": Resource(str(abonnement["id"]), "0518", LONNEKE),
        "aanvraag": Resource(str(a["id"]), "0518", LONNEKE),
        "besloten": Resource(besloten, "0599", KATINKA),
        "taak": Resource(taak, "0518", LONNEKE),
        "document": Resource(str(doc["id"]), "0518", LONNEKE),
    }
    resources["betaalrun"] = Resource(betaalrun, "0518", LONNEKE)
    secrets = {r.id for r in resources.values()} | {LONNEKE, KATINKA, "Lonneke", "Katinka", "loonstrook"}
    secrets |= {"zaaksysteem.example.org", "geheim-van-den-haag", REKENING_0518["iban"], REKENING_0518["naam"]}
    return World(resources, secrets)


# --- who calls --------------------------------------------------------------------------------------------------


def foreign_callers(tokens: Tokens, resource: Resource) -> dict[str, str]:
    """Everyone who must not see ``resource``: other citizens, and staff (every role, and all roles at once) and the
    integrator of another gemeente."""
    callers = {
        "burger of another gemeente": tokens.burger(ANDERE_BURGER),
        "another burger of the same gemeente": tokens.burger(BUURVROUW[resource.gemeente]),
        "integrator of another gemeente": tokens.integrator(VREEMDE_GEMEENTE),
        "medewerker of another gemeente (all roles)": tokens.medewerker(VREEMDE_GEMEENTE, ALL_ROLES),
    }
    for role in ROLES:
        callers[f"{role} of another gemeente"] = tokens.medewerker(VREEMDE_GEMEENTE, role)
    return callers


def owner_callers(tokens: Tokens, resource: Resource) -> dict[str, str]:
    callers = {
        "the citizen": tokens.burger(resource.bsn),
        "integrator of the gemeente": tokens.integrator(resource.gemeente),
        "medewerker of the gemeente (all roles)": tokens.medewerker(resource.gemeente, ALL_ROLES),
    }
    for role in ROLES:
        callers[f"{role} of the gemeente"] = tokens.medewerker(resource.gemeente, role)
    return callers


# --- helpers ----------------------------------------------------------------------------------------------------


def _path_param(path: str) -> str | None:
    names = re.findall(r"\{([^}]+)\}", path)
    return names[0] if names else None


def _call(gw: Http, method: str, path: str, op: Op, token: str) -> tuple[int, dict[str, str], Any]:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if op.raw is not None:
        headers["Content-Type"] = op.content_type or "application/octet-stream"
        return gw.call(method, path + op.query, token=token, raw=op.raw, headers=headers)
    body = op.body if op.body is not None or method == "GET" else None
    return gw.call(method, path + op.query, token=token, body=body, headers=headers)


def _normalise(answer: tuple[int, dict[str, str], Any], *ids: str) -> tuple[int, str, str]:
    """What a caller learns from an answer, less what is specific to this request (``instance``: path + request
    id) and the id it asked about."""
    status, headers, body = answer

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "instance"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    text = json.dumps(strip(body), sort_keys=True) if not isinstance(body, bytes) else body.decode("latin-1")
    for i in ids:
        text = text.replace(i, "<ID>")
    return status, headers.get("content-type", "").split(";")[0], text


def _leaks(world: World, answer: tuple[int, dict[str, str], Any], allowed: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    _, headers, body = answer
    text = body.decode("latin-1") if isinstance(body, bytes) else json.dumps(body)
    text += json.dumps(headers)
    return {s for s in world.secrets - allowed if s in text}


# --- the tests --------------------------------------------------------------------------------------------------


def test_every_public_operation_is_classified() -> None:
    unclassified = sorted(set(OPERATIONS) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(OPERATIONS))
    assert not unclassified, (
        "public operations missing from tests/security/operations.py MATRIX (classify them): " + repr(unclassified)
    )
    assert not stale, "MATRIX names operations that no longer exist: " + repr(stale)


def _ops(*kinds: str) -> list[tuple[str, str]]:
    return sorted(k for k, op in MATRIX.items() if op.kind in kinds and k in OPERATIONS)


@pytest.mark.parametrize(("method", "path"), _ops("item", "action"), ids=lambda v: str(v))
def test_another_tenant_gets_the_answer_for_what_does_not_exist(
    gateway: Http, tokens: Tokens, world: World, method: str, path: str
) -> None:
    op = MATRIX[(method, path)]
    assert op.resource is not None
    if op.resource not in world.resources:
        pytest.skip(f"no {op.resource} could be created in this suite")
    resource = world.resources[op.resource]
    param = _path_param(path)
    assert param is not None
    real_path = path.replace("{" + param + "}", resource.id)
    missing = str(uuid.uuid4())
    missing_path = path.replace("{" + param + "}", missing)
    before = _owner_view(gateway, tokens, world)
    failures = []
    for caller, token in foreign_callers(tokens, resource).items():
        real = _call(gateway, method, real_path, op, token)
        fake = _call(gateway, method, missing_path, op, token)
        assert real[0] < 500, (caller, real)
        assert fake[0] < 500, (caller, fake)
        if real[0] < 400:
            failures.append(f"{caller}: {method} {real_path} answered {real[0]}")
        if _normalise(real, resource.id) != _normalise(fake, missing):
            failures.append(f"{caller}: existence leak: {_normalise(real, resource.id)} != {_normalise(fake, missing)}")
        if real[1].get("content-type", "").startswith("application/json") or real[0] >= 400:
            assert real[1].get("content-type", "").startswith(PROBLEM_JSON), (caller, real)
        leaked = _leaks(world, real, {resource.id})
        if leaked:
            failures.append(f"{caller}: answer contains {sorted(leaked)}")
    assert not failures, "\n".join(failures)
    assert _owner_view(gateway, tokens, world) == before, "a foreign write changed the owner's data"


def _owner_view(gateway: Http, tokens: Tokens, world: World) -> Any:
    """What the owners see of their resources (the task's state, the aanvraag's documents)."""
    km = tokens.medewerker("0518", ALL_ROLES)
    taak = gateway.call("GET", f"/api/v1/taken/{world.resources['taak'].id}", token=km)[2]
    docs = gateway.call("GET", f"/api/v1/aanvragen/{world.resources['aanvraag'].id}/documenten", token=km)[2]
    taak = {k: v for k, v in taak.items() if k not in ("deadline",)} if isinstance(taak, dict) else taak
    abonnement = gateway.call(
        "GET", f"/api/v1/abonnementen/{world.resources['abonnement'].id}", token=tokens.integrator("0518")
    )
    return json.dumps([taak, docs, abonnement[0], abonnement[2]], sort_keys=True)


def _list_variants(path: str, world: World) -> list[tuple[str, str]]:
    """(query with a real value, the same query with a made-up value of the same shape), for each query parameter
    of the operation, plus every sorting and filter enum value."""
    op = OPERATIONS[("GET", path)]
    real = world.resources["aanvraag"]
    variants = [("", "")]
    for param in op.get("parameters", []):
        if param.get("in") != "query":
            continue
        name, schema = param["name"], param.get("schema", {})
        if schema.get("enum"):
            variants += [(f"?{name}={v}", f"?{name}={v}") for v in schema["enum"]]
        elif schema.get("type") == "string":
            variants += [
                (f"?{name}={real.id}", f"?{name}={uuid.uuid4()}"),
                (f"?{name}={real.bsn}", f"?{name}=999999990"),
                (f"?{name}={real.gemeente}", f"?{name}=9999"),
            ]
    return variants


@pytest.mark.parametrize("path", [p for m, p in _ops("list") if m == "GET"])
def test_lists_searches_and_counts_show_another_tenant_nothing(
    gateway: Http, tokens: Tokens, world: World, path: str
) -> None:
    resource = world.resources["aanvraag"]
    failures = []
    for caller, token in foreign_callers(tokens, resource).items():
        # Every filter value with the strongest callers; each single role with the plain list (bounded for CI).
        single_role = caller.endswith("of another gemeente") and caller.split(" ")[0] in ROLES
        for real_q, fake_q in _list_variants(path, world)[: 1 if single_role else None]:
            real = gateway.call("GET", path + real_q, token=token)
            fake = gateway.call("GET", path + fake_q, token=token)
            assert real[0] < 500, (caller, real_q, real)
            real_value = real_q.split("=", 1)[1] if "=" in real_q else "\x00"
            fake_value = fake_q.split("=", 1)[1] if "=" in fake_q else "\x00"
            # The filter value the caller sent may come back (a self link); nothing else of the tenant's may.
            leaked = _leaks(world, real, {real_value})
            if leaked:
                failures.append(f"{caller}: GET {path}{real_q} shows {sorted(leaked)}")
            if real_q != fake_q and _normalise(real, real_value) != _normalise(fake, fake_value):
                failures.append(
                    f"{caller}: GET {path}{real_q} answers {_normalise(real, real_value)}, "
                    f"a made-up value {_normalise(fake, fake_value)}"
                )
    assert not failures, "\n".join(failures)


def test_the_owners_see_their_own_data(gateway: Http, tokens: Tokens, world: World) -> None:
    # The counterpart that makes the zeros above meaningful.
    a = world.resources["aanvraag"]
    km = tokens.medewerker("0518", "klantmanager")
    body = gateway.call("GET", f"/api/v1/taken?aanvraagId={a.id}", token=km)[2]
    assert world.resources["taak"].id in json.dumps(body)
    body = gateway.call("GET", "/api/v1/aanvragen", token=tokens.burger(LONNEKE))[2]
    assert a.id in json.dumps(body)
    status, _, body = gateway.call("GET", f"/api/v1/documenten/{world.resources['document'].id}", token=km)
    assert status == 200
    assert b"loonstrook Lonneke" in body


@pytest.mark.parametrize(("method", "path"), _ops("item", "list"), ids=lambda v: str(v))
def test_every_role_of_the_owning_gemeente_gets_an_answer(
    gateway: Http, tokens: Tokens, world: World, method: str, path: str
) -> None:
    op = MATRIX[(method, path)]
    if (op.resource or "aanvraag") not in world.resources:
        pytest.skip(f"no {op.resource} could be created in this suite")
    resource = world.resources[op.resource or "aanvraag"]
    param = _path_param(path)
    real_path = path.replace("{" + param + "}", resource.id) if param else path
    statuses = {}
    for caller, token in owner_callers(tokens, resource).items():
        answer = _call(gateway, method, real_path, op, token)
        statuses[caller] = answer[0]
        assert answer[0] < 500, (caller, answer)
        if answer[0] >= 400:
            assert answer[1]["content-type"].startswith(PROBLEM_JSON), (caller, answer)
    # Someone of the gemeente may read it (else the test proves nothing about the denials above).
    assert any(s == 200 for s in statuses.values()), statuses
    print(f"{method} {path}: {statuses}")


@pytest.mark.parametrize(("method", "path"), _ops("context"), ids=lambda v: str(v))
def test_local_policy_answers_only_the_callers_own_gemeente(
    gateway: Http, tokens: Tokens, method: str, path: str
) -> None:
    onderwerp_path = path.replace("{onderwerp}", "bijzondere-bijstand").replace("{versie}", "1")
    for gemeente in ("0518", VREEMDE_GEMEENTE):
        token = tokens.medewerker(gemeente, ALL_ROLES)
        if method == "GET":
            status, _, body = gateway.call("GET", onderwerp_path, token=token)
            assert status < 500, body
            found = set(re.findall(r'"gemeente": "(\d{4})"', json.dumps(body)))
            assert found <= {gemeente}, (gemeente, found)
        else:
            # A write names no gemeente: an attempt to name another one is refused or ignored, never applied there.
            # (normalised: a 404 problem differs only in its request's own instance)
            before = _normalise(gateway.call("GET", onderwerp_path, token=tokens.medewerker("0599", ALL_ROLES)))
            status, _, body = gateway.call(
                method, onderwerp_path, token=token, body={"gemeente": "0599", "geldigVanaf": "2099-01-01"}
            )
            assert status < 500, body
            after = _normalise(gateway.call("GET", onderwerp_path, token=tokens.medewerker("0599", ALL_ROLES)))
            assert before == after


def test_nobody_estimates_for_another_tenants_citizen(gateway: Http, tokens: Tokens, world: World) -> None:
    body = {"bsn": LONNEKE, "peildatum": "2026-07-01"}
    for caller, token in {
        "burger": tokens.burger(ANDERE_BURGER),
        "medewerker of another gemeente": tokens.medewerker(VREEMDE_GEMEENTE, "klantmanager,inkomensconsulent"),
    }.items():
        status, headers, answer = gateway.call(
            "POST", "/api/v1/proefberekeningen", token=token, body=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert 400 <= status < 500, (caller, status, answer)
        assert headers["content-type"].startswith(PROBLEM_JSON)
        assert not _leaks(world, (status, headers, answer), {LONNEKE}), (caller, answer)


def test_nobody_starts_another_gemeentes_betaalrun(gateway: Http, tokens: Tokens, world: World) -> None:
    token = tokens.medewerker(VREEMDE_GEMEENTE, ALL_ROLES)
    status, headers, answer = gateway.call(
        "POST",
        "/api/v1/betaalruns",
        token=token,
        body={"maand": "2026-02", "gemeente": "0518"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert 400 <= status < 500, (status, answer)
    assert headers["content-type"].startswith(PROBLEM_JSON)


def test_a_payer_account_is_only_the_callers_own(gateway: Http, tokens: Tokens, world: World) -> None:
    eigen = tokens.medewerker("0518", "beheerder")
    assert gateway.call("GET", "/api/v1/betaalrekening", token=eigen)[2]["iban"] == REKENING_0518["iban"]
    # Nobody of another gemeente, no citizen and no integrator sees it; nobody but a beheerder of 0518 changes it.
    resource = world.resources["betaalrun"]
    foreign = foreign_callers(tokens, resource)
    callers = dict(foreign)
    callers.update(
        {
            k: v
            for k, v in owner_callers(tokens, resource).items()
            if k not in ("beheerder of the gemeente", "medewerker of the gemeente (all roles)")
        }
    )
    anders = {"iban": "NL91ABNA0417164300", "naam": "Indringer"}
    for caller, token in callers.items():
        answer = gateway.call("GET", "/api/v1/betaalrekening", token=token)
        assert answer[0] < 500, (caller, answer)
        if caller in foreign:
            assert not _leaks(world, answer), (caller, answer)
        elif caller in ("teamleider of the gemeente", "auditor of the gemeente"):
            assert answer[0] == 200, (caller, answer)
        else:
            assert answer[0] == 403, (caller, answer)
        status, headers, body = gateway.call("PUT", "/api/v1/betaalrekening", token=token, body=anders)
        if caller in ("beheerder of another gemeente", "medewerker of another gemeente (all roles)"):
            # A beheerder of 0363 registers 0363's own account: it lands there, never in 0518.
            assert (status, body["gemeente"]) == (200, VREEMDE_GEMEENTE), (caller, status, body)
        else:
            assert status == 403, (caller, status, body)
            assert headers["content-type"].startswith(PROBLEM_JSON)
    assert gateway.call("GET", "/api/v1/betaalrekening", token=eigen)[2] == {
        **REKENING_0518,
        "gemeente": "0518",
        "toelichting": "",
    }
