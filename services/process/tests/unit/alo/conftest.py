"""Fixtures of the ALO runtime tests: the real model and engine, and an in-memory stand-in for the gateway that
answers the data service's ALO store (claims with leases, saves with version + lease, first-write-wins steps,
taken, tijdlijn, besluit, ...) the way the data service does, so the runner is tested without any process."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from gbi_process.alo import handlers as handler_module
from gbi_process.alo import runner as runner_module
from gbi_process.alo.runner import RunOptions, Worker
from gbi_process.alo.service import AloProces
from gbi_process.engine import DefinitionRegistry, SpiffEngine
from gbi_shared.contracts.alo import Besluit, BesluitNieuw
from gbi_shared.errors import (
    ConflictError,
    NotFoundError,
    ServiceError,
    UnprocessableError,
    UpstreamError,
    UpstreamTimeoutError,
)

ORCHESTRATION = Path(__file__).resolve().parents[5] / "orchestration"
DATA = "/internal/data/v1"
GEMEENTE = "0599"
BSN = "999994116"


class Resp:
    def __init__(self, status: int, payload: Any) -> None:
        self.status = status
        self.body = json.dumps(payload, default=str).encode()
        self.headers: dict[str, str] = {}

    def json(self) -> Any:
        return json.loads(self.body)


def _dump(body: Any) -> Any:
    if isinstance(body, BaseModel):
        return json.loads(body.model_dump_json(by_alias=True, exclude_none=True))
    return json.loads(json.dumps(body, default=str))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


FINAL = ("besloten", "buiten-behandeling", "ingetrokken")


@dataclass
class FakeGateway:
    """The data service's ALO store in memory (one gemeente), plus answers for other layers' paths."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    aanvragen: dict[str, dict[str, Any]] = field(default_factory=dict)
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: dict[tuple[str, str], Any] = field(default_factory=dict)
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)
    tijdlijn: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    bodies: list[tuple[str, str, Any]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    uitkeringen: dict[str, dict[str, Any]] = field(default_factory=dict)
    besluiten: dict[str, dict[str, Any]] = field(default_factory=dict)
    puts: int = 0
    other: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    fail_put_after: int | None = None
    #: Submissions (aanvragen:indienen) committed whose answer is then lost on the way (a 504 to the caller).
    lose_indienen_answers: int = 0
    # The PUT with this number answers 502 once (a busy data service seen through the gateway), before any check.
    busy_put: int | None = None
    busy_puts: tuple[int, ...] = ()
    #: The PUTs with these numbers are refused for the lease (another worker took over).
    lease_lost_puts: tuple[int, ...] = ()
    #: The PUT with this number commits, and its answer is lost on the way (a 504 to the caller).
    lose_put_answer: int | None = None

    # --- the GatewayClient surface ----------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        json_bytes: bytes | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
        **_: Any,
    ) -> Resp:
        self.calls.append((method, path))
        body = json.loads(json_bytes) if json_bytes is not None else _dump(json_body) if json_body is not None else None
        self.bodies.append((method, path, body))
        status, payload = self._route(method, path.split("?")[0], body, params or {}, headers or {})
        return Resp(status, payload)

    async def get_model(self, path: str, model: type[Any], **kw: Any) -> Any:
        return model.model_validate_json((await self.request("GET", path, **kw)).body)

    async def post_model(self, path: str, body: Any, model: type[Any], **kw: Any) -> Any:
        return model.model_validate_json((await self.request("POST", path, json_body=body, **kw)).body)

    # --- the store --------------------------------------------------------------------------------------------

    def add_aanvraag(self, **overrides: Any) -> dict[str, Any]:
        aid = str(overrides.get("id") or uuid.uuid4())
        row = {
            "id": aid,
            "gemeente": GEMEENTE,
            "bsn": BSN,
            "meldingsdatum": "2026-03-02",
            "aanvraagdatum": "2026-03-02",
            "kanaal": "digitaal",
            "gegevens": {"iban": "NL91ABNA0417164300"},
            "status": "ontvangen",
            "version": 1,
            "createdAt": _iso(self.now),
            "updatedAt": _iso(self.now),
        } | overrides
        self.aanvragen[aid] = row
        self.tijdlijn[aid] = []
        return row

    def _aanvraag(self, aid: str) -> dict[str, Any]:
        items = [{k: v for k, v in t.items() if k != "sleutel"} for t in self.tijdlijn[aid]]
        return self.aanvragen[aid] | {"tijdlijn": items}

    def _instance_out(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in row.items()}

    def complete_task(self, element: str, uitkomst: str, actor: str, **gegevens: Any) -> dict[str, Any]:
        """A caseworker completes the open inbox task of an element; the instance becomes runnable."""
        [taak] = [t for t in self.taken.values() if t["status"] == "open" and t["gegevens"]["element"] == element]
        taak.update(
            status="afgerond",
            uitkomst=uitkomst,
            uitkomstReden="gedaan",
            uitkomstGegevens=gegevens,
            afgerondDoor=actor,
            afgerondOp=_iso(self.now),
            toegewezenAan=actor,
        )
        inst = self.instances[taak["procesinstantieId"]]
        if inst["status"] in ("runnable", "waiting"):
            inst.update(status="runnable", nextDueAt=None, version=inst["version"] + 1)
        return taak

    def _tijdlijn_regel(self, aid: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        for item in self.tijdlijn[aid]:
            if body.get("sleutel") and item["sleutel"] == body["sleutel"]:
                return item, False
        item = {
            "id": str(uuid.uuid4()),
            "at": body.get("at") or _iso(self.now),
            "soort": body["soort"],
            "omschrijving": body["omschrijving"],
            "actor": body.get("actor", "gemeente"),
            "sleutel": body.get("sleutel"),
        }
        self.tijdlijn[aid].append(item)
        return item, True

    def _indienen(self, body: dict[str, Any], key: str) -> tuple[int, Any]:
        """POST aanvragen:indienen (ADR 0030): the aanvraag and its instance (leased when asked), once per key."""
        known = self.keys.get(key)
        if known is not None:
            found = [r for r in self.instances.values() if r["aanvraagId"] == known]
            inst = self._instance_out(found[0]) if found else None
            return 200, {
                "aanvraag": self._aanvraag(known),
                "procesinstantie": inst,
                "geclaimd": False,
                "nu": _iso(self.now),
            }
        aanvraag = body["aanvraag"]
        row = self.add_aanvraag(
            id=body["aanvraagId"], **{k: aanvraag[k] for k in ("bsn", "meldingsdatum", "aanvraagdatum", "kanaal")}
        )
        self.keys[key] = row["id"]
        start, lease = body["procesinstantie"], body["procesinstantie"].get("lease")
        iid = str(uuid.uuid4())
        self.instances[iid] = {
            "id": iid,
            "gemeente": GEMEENTE,
            "aanvraagId": row["id"],
            "definitie": start["definitie"],
            "definitieVersie": start["definitieVersie"],
            "state": start["state"],
            "status": "runnable",
            "nextDueAt": None,
            "version": 1,
            "leaseOwner": lease["worker"] if lease else None,
            "leaseUntil": self.now + timedelta(seconds=lease["leaseSeconds"]) if lease else None,
            "attempts": 1 if lease else 0,
            "lastError": None,
            "createdAt": self.now,
            "updatedAt": self.now,
        }
        out = self._instance_out(self.instances[iid])
        if self.lose_indienen_answers > 0:
            self.lose_indienen_answers -= 1
            raise UpstreamTimeoutError("Het antwoord kwam niet op tijd")
        return 201, {
            "aanvraag": self._aanvraag(row["id"]),
            "procesinstantie": out,
            "geclaimd": bool(lease),
            "nu": _iso(self.now),
        }

    def _route(
        self, method: str, path: str, body: Any, params: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any]:
        parts = path.removeprefix(DATA).strip("/").split("/")
        if not path.startswith(DATA):
            handler = self.other.get(path)
            if handler is None:
                raise NotFoundError(f"no fake for {path}")
            return 200, _dump(handler(body))
        if parts == ["gemeenten"]:
            return 200, {"items": [{"code": GEMEENTE, "naam": "Rotterdam", "actief": True}]}
        if parts[0] == "gemeenten":
            if parts[1] != GEMEENTE:
                raise NotFoundError("Geen gemeente met deze code")
            return 200, {"code": GEMEENTE, "naam": "Rotterdam", "actief": True}
        if parts == ["aanvragen:indienen"] and method == "POST":
            return self._indienen(body, headers.get("Idempotency-Key", ""))
        if parts[0] == "aanvragen" and len(parts) == 1 and method == "POST":
            row = self.add_aanvraag(**{k: body[k] for k in ("bsn", "meldingsdatum", "aanvraagdatum", "kanaal")})
            return 201, self._aanvraag(row["id"])
        if parts[0] == "aanvragen":
            aid = parts[1]
            if aid not in self.aanvragen:
                raise NotFoundError("Geen aanvraag met dit id")
            if len(parts) == 2 and method == "GET":
                return 200, self._aanvraag(aid)
            if len(parts) == 2 and method == "PATCH":
                row = self.aanvragen[aid]
                if body["version"] != row["version"]:
                    raise ConflictError("versie", code="version-mismatch")
                if row["status"] in ("besloten", "buiten-behandeling"):
                    raise UnprocessableError("definitief")
                row.update(status=body["status"], version=row["version"] + 1)
                return 200, self._aanvraag(aid)
            if parts[2] == "besluit" and method == "POST":
                return self._besluit(aid, body)
            if parts[2] == "besluit" and method == "GET":
                if aid not in self.besluiten:
                    raise NotFoundError("Over deze aanvraag is nog niet besloten")
                return 200, self.besluiten[aid]
            if parts[2] == "tijdlijn":
                item, created = self._tijdlijn_regel(aid, body)
                return (201 if created else 200), {k: v for k, v in item.items() if k != "sleutel"}
        if parts == ["procesinstanties"]:
            for row in self.instances.values():
                if row["aanvraagId"] == body["aanvraagId"]:
                    return 200, self._instance_out(row)
            iid = str(uuid.uuid4())
            self.instances[iid] = {
                "id": iid,
                "gemeente": GEMEENTE,
                "aanvraagId": body["aanvraagId"],
                "definitie": body["definitie"],
                "definitieVersie": body["definitieVersie"],
                "state": body["state"],
                "status": body.get("status", "runnable"),
                "nextDueAt": None,
                "version": 1,
                "leaseOwner": None,
                "leaseUntil": None,
                "attempts": 0,
                "lastError": None,
                "createdAt": self.now,
                "updatedAt": self.now,
            }
            return 201, self._instance_out(self.instances[iid])
        if parts == ["procesinstanties:claim"]:
            due = []
            for row in sorted(self.instances.values(), key=lambda r: r["updatedAt"]):
                runnable = row["status"] == "runnable" or (
                    row["status"] == "waiting"
                    and row["nextDueAt"] is not None
                    and datetime.fromisoformat(str(row["nextDueAt"])) <= self.now
                )
                free = row["leaseOwner"] is None or row["leaseUntil"] <= self.now
                if runnable and free and len(due) < body["limit"]:
                    row.update(
                        leaseOwner=body["worker"],
                        leaseUntil=self.now + timedelta(seconds=body["leaseSeconds"]),
                        attempts=row["attempts"] + 1,  # as the data service counts claims (a save resets them)
                    )
                    due.append(self._instance_out(row))
            unfinished = any(r["status"] in ("runnable", "waiting") for r in self.instances.values())
            return 200, {"items": due, "nu": _iso(self.now), "open": None if due else unfinished}
        if parts[0] == "procesinstanties":
            row = self.instances.get(parts[1])
            if row is None:
                raise NotFoundError("Geen procesinstantie")
            if len(parts) == 2 and method == "GET":
                return 200, self._instance_out(row)
            if len(parts) == 2 and method == "PUT":
                self.puts += 1
                if self.busy_put == self.puts or self.puts in self.busy_puts:
                    raise UpstreamError("Probeer het later opnieuw")
                if self.puts in self.lease_lost_puts or (
                    self.fail_put_after is not None and self.puts > self.fail_put_after
                ):
                    raise ConflictError("lease", code="lease-lost")
                if row["version"] != body["version"]:
                    raise ConflictError("versie", code="version-mismatch")
                if row["leaseOwner"] != body["leaseOwner"] or row["leaseUntil"] <= self.now:
                    raise ConflictError("lease", code="lease-lost")
                stappen = body.get("stappen") or []
                for stap in stappen:  # all or nothing: a step recorded with another result refuses the save
                    key = (parts[1], stap["stapSleutel"])
                    if key in self.steps and self.steps[key] != stap["resultaat"]:
                        raise ConflictError("stap", code="stap-vastgelegd")
                if body.get("uitkering"):  # started with the save (ADR 0030), which it refuses all of when it fails
                    self._uitkering(body["uitkering"])
                besluit = None
                if body.get("besluit"):  # recorded with the save (ADR 0038), which it refuses all of when it fails
                    besluit = self._besluit(row["aanvraagId"], body["besluit"])[1]
                for stap in stappen:
                    self.steps.setdefault((parts[1], stap["stapSleutel"]), stap["resultaat"])
                # What the save takes along for its aanvraag (ADR 0027): tijdlijn entries once per sleutel, the status
                # unless the aanvraag is closed.
                aid = row["aanvraagId"]
                for entry in body.get("tijdlijn") or []:
                    self._tijdlijn_regel(aid, entry)
                status = body.get("aanvraagStatus")
                aanvraag = self.aanvragen[aid]
                if status and status != aanvraag["status"] and aanvraag["status"] not in FINAL:
                    aanvraag.update(status=status, version=aanvraag["version"] + 1)
                row.update(
                    state=body["state"],
                    status=body["status"],
                    nextDueAt=body.get("nextDueAt"),
                    version=row["version"] + 1,
                    lastError=body.get("lastError"),
                    attempts=0,
                )
                if not (body.get("keepLease") and body["status"] in ("runnable", "waiting")):
                    row.update(leaseOwner=None, leaseUntil=None)
                if self.lose_put_answer == self.puts:
                    raise UpstreamTimeoutError("Geen antwoord")
                return 200, self._instance_out(row) | ({"besluit": besluit} if besluit else {})
            if parts[2] == "stappen" and len(parts) == 3 and method == "GET":
                return 200, {"items": [self._step(k) for k in self.steps if k[0] == parts[1]]}
            if parts[2] == "stappen":
                if method == "GET":
                    key = (parts[1], parts[3])
                    if key not in self.steps:
                        raise NotFoundError("Deze stap is niet vastgelegd")
                    return 200, self._step(key)
                key = (parts[1], body["stapSleutel"])
                created = key not in self.steps
                if created:
                    self.steps[key] = body["resultaat"]
                return (201 if created else 200), self._step(key)
        if parts == ["uitkeringen"] and method == "POST":
            return self._uitkering(body)
        if parts == ["taken"] and method == "GET":
            items = [t for t in self.taken.values() if t["aanvraagId"] == params.get("aanvraagId")]
            return 200, {"items": items}
        if parts == ["taken"] and method == "POST":
            for t in self.taken.values():
                if t["procesinstantieId"] == body["procesinstantieId"] and t["taakSleutel"] == body["taakSleutel"]:
                    return 200, {**t, "opmerkingen": []}  # the store answers a task in full (TaakDetail)
            inst = self.instances[body["procesinstantieId"]]
            tid = str(uuid.uuid4())
            self.taken[tid] = {
                "id": tid,
                "gemeente": GEMEENTE,
                "procesinstantieId": body["procesinstantieId"],
                "aanvraagId": inst["aanvraagId"],
                "taakSleutel": body["taakSleutel"],
                "rol": body["rol"],
                "naam": body["naam"],
                "omschrijving": body.get("omschrijving", ""),
                "reden": body["reden"],
                "dueAt": body["dueAt"],
                "gegevens": body.get("gegevens", {}),
                "status": "open",
                "toegewezenAan": None,
                "geclaimdOp": None,
                "vierogen": body.get("vierogen", False),
                "beoordeeltTaakId": body.get("beoordeeltTaakId"),
                "uitgesloten": body.get("uitgesloten", []),
                "beoordeeldDoor": None,
                "uitkomst": None,
                "uitkomstReden": None,
                "uitkomstGegevens": None,
                "afgerondDoor": None,
                "afgerondOp": None,
                "createdAt": _iso(self.now),
                "version": 1,
            }
            return 201, {**self.taken[tid], "opmerkingen": []}
        raise NotFoundError(f"no fake for {method} {path}")

    def _besluit(self, aid: str, body: dict[str, Any]) -> tuple[int, Any]:
        """One besluit per aanvraag: the same again is a replay, another 409 (as the data service)."""
        existing = self.besluiten.get(aid)
        if existing is not None:
            if {k: existing.get(k) for k in body} != body:
                raise ConflictError("Over deze aanvraag is al anders besloten", code="besluit-bestaat")
            return 200, existing
        row = {
            "ingangsdatum": None,
            "bedragPerMaandCents": None,
            "beschikkingDocumentId": None,
            "goedgekeurdDoor": None,
            **body,
            "id": str(uuid.uuid4()),
            "gemeente": GEMEENTE,
            "aanvraagId": aid,
            "createdAt": _iso(self.now),
        }
        self.besluiten[aid] = row
        return 201, row

    def _uitkering(self, body: dict[str, Any]) -> tuple[int, Any]:
        """One uitkering per aanvraag: the same again is a replay, another 409 (as the data service)."""
        wanted = {k: v for k, v in body.items() if k != "id"}
        existing = self.uitkeringen.get(body["aanvraagId"])
        if existing is not None:
            if {k: v for k, v in existing.items() if k in wanted} != wanted:
                raise ConflictError("Deze aanvraag heeft al een andere uitkering", code="uitkering-bestaat")
            return 200, self._uitkering_out(existing)
        row = wanted | {
            "id": body.get("id") or str(uuid.uuid4()),
            "gemeente": GEMEENTE,
            "status": "actief",
            "createdAt": _iso(self.now),
        }
        self.uitkeringen[body["aanvraagId"]] = row
        return 201, self._uitkering_out(row)

    @staticmethod
    def _uitkering_out(row: dict[str, Any]) -> dict[str, Any]:
        fields = ("id", "gemeente", "aanvraagId", "startdatum", "bedragPerMaandCents", "status", "createdAt")
        return {k: row[k] for k in fields}

    def _step(self, key: tuple[str, str]) -> dict[str, Any]:
        return {
            "procesinstantieId": key[0],
            "stapSleutel": key[1],
            "resultaat": self.steps[key],
            "createdAt": _iso(self.now),
        }


#: What each fake handler returns on the straight-through toekenning path (tests override per case).
STP: dict[str, dict[str, Any]] = {
    "zaak.registreren": {"zaak_id": "ZAAK-1"},
    "zoektermijn.bepalen": {"zoektermijn": False, "zoektermijn_reden": None},
    "bronnen.ophalen": {"bronnen_compleet": True},
    "berekening.uitvoeren": {"besluit_voorstel": "toekenning", "bedrag_cents": 134849},
    "risico.beoordelen": {
        "stp": True,
        "intake_nodig": False,
        "documenten_nodig": False,
        "huisbezoek_nodig": False,
        "routeringsreden": None,
    },
    "herstelverzoek.versturen": {},
    "vierogen.bepalen": {"vierogen_nodig": False, "vierogen_reden": None},
    "besluit.vastleggen": {"besluit_id": "B-1"},
    "beschikking.maken": {"beschikking_id": "D-1"},
    "uitkering.registreren": {"uitkering_id": "U-1"},
    "notificatie.versturen": {},
    "voorschot.beoordelen": {"voorschot_betaald": True},
    "verdaging.versturen": {"beslistermijn_einde": "2026-05-25"},
}


@dataclass
class FakeHandlers:
    """Replaces the real handlers: records each call and answers from ``results`` (a callable may raise)."""

    results: dict[str, Any] = field(default_factory=lambda: dict(STP))
    calls: list[str] = field(default_factory=list)
    besluiten: list[Besluit] = field(default_factory=list)

    def table(self) -> dict[str, Callable[[handler_module.Stap], Awaitable[dict[str, Any]]]]:
        def make(name: str) -> Callable[[handler_module.Stap], Awaitable[dict[str, Any]]]:
            async def handler(stap: handler_module.Stap) -> dict[str, Any]:
                if name == "besluit.vastleggen":
                    # its side effect begins with the run's save (ADR 0038): a step whose save was refused did
                    # nothing, and counts as not executed
                    await self._besluit(stap)
                self.calls.append(name)
                result = self.results[name]
                if callable(result):
                    value: dict[str, Any] = result(stap)
                    return value
                return dict(result)

            return handler

        return {name: make(name) for name in STP}

    async def _besluit(self, stap: handler_module.Stap) -> None:
        """As the real handler: the besluit with the run's save (ADR 0038), else on its own, before its result."""
        nieuw = BesluitNieuw(
            soort="toekenning",
            datum=stap.vandaag,
            ingangsdatum=stap.aanvraag.meldingsdatum,
            bedrag_per_maand_cents=int(stap.var("bedrag_cents", 0)),
            gronden={},
            vastgesteld_door=handler_module.AUTOMATISCH,
        )
        besluit = await stap.besluit_met_opslag(nieuw) if stap.besluit_met_opslag is not None else None
        if besluit is None:
            besluit = await stap.store.leg_besluit_vast(stap.aanvraag.id, nieuw)
        self.besluiten.append(besluit)


@dataclass
class World:
    gw: FakeGateway
    handlers: FakeHandlers
    engine: SpiffEngine
    proces: AloProces

    def worker(self, name: str = "w1") -> Worker:
        return Worker(
            self.engine,
            self.gw,  # type: ignore[arg-type]
            RunOptions(worker=name, lease_s=60, message_poll_s=60, retry_base_s=30, retry_max_s=600),
            concurrency=4,
        )

    async def submit(self, **overrides: Any) -> tuple[str, str]:
        """An aanvraag with its process instance, as POST /internal/process/v1/aanvragen leaves them."""
        row = self.gw.add_aanvraag(**overrides)
        from gbi_shared.contracts.alo import Aanvraag

        inst = await self.proces._instantie(Aanvraag.model_validate(self.gw._aanvraag(row["id"])))
        return row["id"], str(inst.id)

    def instance(self, iid: str) -> dict[str, Any]:
        return self.gw.instances[iid]

    def variables(self, iid: str) -> dict[str, Any]:
        return dict(self.engine.restore(self.gw.instances[iid]["state"].encode()).variables)


@pytest.fixture(scope="session")
def engine() -> SpiffEngine:
    return SpiffEngine(DefinitionRegistry.from_directory(ORCHESTRATION, handlers=tuple(STP)))


@pytest.fixture
def world(engine: SpiffEngine, monkeypatch: pytest.MonkeyPatch) -> World:
    gw = FakeGateway()
    fake = FakeHandlers()
    monkeypatch.setattr(runner_module, "HANDLERS", fake.table())
    registry = DefinitionRegistry.from_directory(ORCHESTRATION, handlers=tuple(STP))
    proces = AloProces(gw, engine, registry, signaleringstermijn_dagen=7)  # type: ignore[arg-type]
    return World(gw, fake, engine, proces)


__all__ = ["BSN", "GEMEENTE", "STP", "FakeGateway", "FakeHandlers", "Resp", "ServiceError", "World", "date"]
