"""A fake of the gateway and the layers behind it, served over real HTTP on loopback, for the interaction layer's
API tests.

It speaks the internal routes the channels call (the ALO store of the data service, the ALO process, the BRP of the
integration layer, the identity provider's token endpoint) and keeps their rules where the channels depend on them:
it verifies the forwarded ``GBI-Context`` with the gateway's key, adds a ``GBI-Gemeente`` to a context without one
(and refuses to change one), scopes every row to the context's gemeente, shows a citizen only their own cases,
keeps the store's idempotency (same key and body: the same row, another body: 409), and the task rules (claim with
the task's rol, only the claimer completes, 4-eyes). Errors are problem+json, as the real layers answer them.
Every request is recorded (``seen``) so tests can check what the interaction layer sent downstream.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from gbi_shared.context import CONTEXT_HEADER, ActorType, ContextVerifier, RequestContext
from gbi_shared.contracts.alo_proces import AanvraagGegevens, AloAanvraagIndiening, AloVoortgang, DocumentenOntvangen

V1 = "/internal/data/v1"
STAFF_ROLES = {"klantmanager", "inkomensconsulent", "handhaver", "teamleider"}
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def voortgang(aanvraag_id: str, *, berichten: tuple[str, ...] = (), **variabelen: Any) -> dict[str, Any]:
    """An ``AloVoortgang`` as the process layer answers it (checked against the contract)."""
    body = {
        "aanvraagId": aanvraag_id,
        "procesinstantieId": str(uuid.uuid4()),
        "definitie": "alo",
        "definitieVersie": "3f2a9c0d1e4b5a6f",
        "status": "waiting",
        "afgerond": False,
        "volgendeMoment": None,
        "laatsteFout": None,
        "servicetaken": [],
        "taken": [],
        "timers": [],
        "berichten": [{"taskId": f"t{i}", "element": b, "naam": None, "bericht": b} for i, b in enumerate(berichten)],
        "variabelen": variabelen,
    }
    AloVoortgang.model_validate(body)
    return body


class Problem(Exception):
    def __init__(self, status: int, detail: str, code: str = "x", invalid: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.invalid = invalid


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    ctx: RequestContext | None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeGateway:
    """The state of the layers behind the gateway. Tests arrange it directly (``aanvraag``, ``taak``, ...)."""

    verifier: ContextVerifier
    brp: dict[str, str] = field(default_factory=dict)
    gemeenten: dict[str, str] = field(
        default_factory=lambda: {"0363": "Amsterdam", "0518": "'s-Gravenhage", "0599": "Rotterdam"}
    )
    nu: datetime = field(default_factory=lambda: datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    aanvragen: dict[str, dict[str, Any]] = field(default_factory=dict)
    documenten: dict[str, dict[str, Any]] = field(default_factory=dict)
    inhoud: dict[str, bytes] = field(default_factory=dict)
    besluiten: dict[str, dict[str, Any]] = field(default_factory=dict)
    uitkeringen: dict[str, dict[str, Any]] = field(default_factory=dict)
    voorschotten: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)
    opmerkingen: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: aanvraag id -> the process's progress (a dict), or a status code to answer with instead.
    voortgang: dict[str, dict[str, Any] | int] = field(default_factory=dict)
    #: aanvragen whose process waits for documents (documenten-ontvangen answers 202 once, then 409).
    wacht_op_documenten: set[str] = field(default_factory=set)
    #: answer documenten-ontvangen with this status (503: the process is down).
    proces_status: int | None = None
    seen: list[Seen] = field(default_factory=list)
    _keys: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)

    # --- arranging state ---------------------------------------------------------------------------------------

    def aanvraag(self, bsn: str, gemeente: str, *, status: str = "in-behandeling", **gegevens: Any) -> str:
        aanvraag_id = str(uuid.uuid4())
        at = self.nu - timedelta(days=len(self.aanvragen) + 1)
        self.aanvragen[aanvraag_id] = {
            "id": aanvraag_id,
            "gemeente": gemeente,
            "bsn": bsn,
            "meldingsdatum": "2026-03-02",
            "aanvraagdatum": "2026-03-02",
            "kanaal": "digitaal",
            "gegevens": gegevens or {"huishouden": {"kinderen": []}, "iban": "NL91ABNA0417164300"},
            "status": status,
            "version": 1,
            "createdAt": at.isoformat(),
            "updatedAt": at.isoformat(),
            "tijdlijn": [
                {
                    "id": str(uuid.uuid4()),
                    "at": at.isoformat(),
                    "soort": "aanvraag-ontvangen",
                    "omschrijving": "Uw aanvraag is ontvangen.",
                    "actor": "gemeente",
                }
            ],
        }
        return aanvraag_id

    def tijdlijn(self, aanvraag_id: str, soort: str, omschrijving: str, days: int) -> None:
        at = datetime.fromisoformat(self.aanvragen[aanvraag_id]["createdAt"]) + timedelta(days=days)
        self.aanvragen[aanvraag_id]["tijdlijn"].append(
            {"id": str(uuid.uuid4()), "at": at.isoformat(), "soort": soort, "omschrijving": omschrijving, "actor": "x"}
        )

    def document(self, aanvraag_id: str, content: bytes, content_type: str, soort: str = "bewijsstuk") -> str:
        doc_id = str(uuid.uuid4())
        gemeente = self.aanvragen[aanvraag_id]["gemeente"]
        self.documenten[doc_id] = {
            "id": doc_id,
            "gemeente": gemeente,
            "aanvraagId": aanvraag_id,
            "soort": soort,
            "bestandsnaam": f"{soort}.{content_type.rsplit('/', 1)[1]}",
            "contentType": content_type,
            "grootte": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "createdAt": self.nu.isoformat(),
            "createdBy": "test",
        }
        self.inhoud[doc_id] = content
        return doc_id

    def besluit(
        self,
        aanvraag_id: str,
        *,
        soort: str = "toekenning",
        cents: int | None = 133142,
        beschikking: bool = True,
        status: str = "besloten",
    ) -> None:
        """A decision as the process records it: the besluit first, then the beschikking as a document of soort
        beschikking (the besluit does not name it), then the final status."""
        gemeente = self.aanvragen[aanvraag_id]["gemeente"]
        if beschikking:
            self.document(aanvraag_id, PDF, "application/pdf", soort="beschikking")
        self.besluiten[aanvraag_id] = {
            "id": str(uuid.uuid4()),
            "gemeente": gemeente,
            "aanvraagId": aanvraag_id,
            "soort": soort,
            "datum": "2026-04-01",
            "ingangsdatum": "2026-03-02" if soort == "toekenning" else None,
            "bedragPerMaandCents": cents if soort == "toekenning" else None,
            "gronden": {"berekening": {"bedragPerMaand": "1331.42", "toelichting": [{"stap": "norm"}]}},
            "beschikkingDocumentId": None,
            "vastgesteldDoor": "ic-1",
            "goedgekeurdDoor": "tl-1",
            "createdAt": self.nu.isoformat(),
        }
        self.aanvragen[aanvraag_id]["status"] = status
        if soort == "toekenning":
            self.uitkeringen[aanvraag_id] = {
                "id": str(uuid.uuid4()),
                "gemeente": gemeente,
                "aanvraagId": aanvraag_id,
                "startdatum": "2026-03-02",
                "bedragPerMaandCents": cents,
                "status": "actief",
                "createdAt": self.nu.isoformat(),
            }

    def voorschot(self, aanvraag_id: str, volgnummer: int, cents: int) -> None:
        self.voorschotten.setdefault(aanvraag_id, []).append(
            {
                "id": str(uuid.uuid4()),
                "gemeente": self.aanvragen[aanvraag_id]["gemeente"],
                "aanvraagId": aanvraag_id,
                "volgnummer": volgnummer,
                "bedragCents": cents,
                "periode": f"2026-0{3 + volgnummer}",
                "betaaldatum": f"2026-0{3 + volgnummer}-01",
                "createdAt": self.nu.isoformat(),
            }
        )

    def taak(
        self, aanvraag_id: str, rol: str, *, naam: str = "Aanvraag beoordelen", beoordeelt: str | None = None
    ) -> str:
        taak_id = str(uuid.uuid4())
        self.taken[taak_id] = {
            "id": taak_id,
            "gemeente": self.aanvragen[aanvraag_id]["gemeente"],
            "procesinstantieId": str(uuid.uuid4()),
            "aanvraagId": aanvraag_id,
            "taakSleutel": f"t-{len(self.taken)}",
            "rol": rol,
            "naam": naam,
            "omschrijving": "",
            "reden": "Inkomen wijkt af van de polis",
            "dueAt": (self.nu + timedelta(days=30 - len(self.taken))).isoformat(),
            "gegevens": {"uitkomsten": ["toekenning", "afwijzing"]},
            "status": "open",
            "toegewezenAan": None,
            "geclaimdOp": None,
            "vierogen": beoordeelt is not None,
            "beoordeeltTaakId": beoordeelt,
            "uitgesloten": [],
            "beoordeeldDoor": None,
            "uitkomst": None,
            "uitkomstReden": None,
            "uitkomstGegevens": None,
            "afgerondDoor": None,
            "afgerondOp": None,
            "createdAt": (self.nu - timedelta(days=len(self.taken))).isoformat(),
            "version": 1,
        }
        return taak_id

    def calls(self, method: str, pattern: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and re.fullmatch(pattern, s.path)]

    # --- the ASGI app ------------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        query = {k: v[-1] for k, v in parse_qs(request.url.query).items()}
        ctx = None
        try:
            ctx = self._context(request)
            self.seen.append(
                Seen(
                    request.method,
                    request.url.path,
                    query,
                    {k.lower(): v for k, v in request.headers.items()},
                    body,
                    ctx,
                )
            )
            response = await self._route(request.method, request.url.path, query, body, ctx, request)
        except Problem as problem:
            payload: dict[str, Any] = {
                "type": f"https://gbi.example.nl/problemen/{problem.code}",
                "title": "Fake",
                "status": problem.status,
                "detail": problem.detail,
                "code": problem.code,
            }
            if problem.invalid:
                payload["invalidParams"] = problem.invalid
            response = JSONResponse(payload, status_code=problem.status, media_type="application/problem+json")
        await response(scope, receive, send)

    def _context(self, request: Request) -> RequestContext | None:
        path = request.url.path
        if path in ("/idp/token", "/health/live"):
            return None
        if not request.headers.get("authorization", "").startswith("Bearer "):
            raise Problem(401, "no service token")
        token = request.headers.get(CONTEXT_HEADER)
        if not token:
            raise Problem(401, "no forwarded context")
        ctx = self.verifier.verify(token)
        gemeente = request.headers.get("GBI-Gemeente")
        if gemeente is not None:
            if ctx.gemeente is not None and ctx.gemeente != gemeente:
                raise Problem(403, "De doorgegeven context hoort bij een andere gemeente")
            ctx = ctx.with_gemeente(gemeente)
        return ctx

    async def _route(
        self, method: str, path: str, query: dict[str, str], body: bytes, ctx: RequestContext | None, request: Request
    ) -> Response:
        for route_method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return await handler(ctx, query, body, request, *match.groups())
        raise Problem(404, f"Geen resource op {path}", "not-found")

    def _routes(self) -> list[tuple[str, str, Callable[..., Awaitable[Response]]]]:
        u = r"([0-9a-f-]{36})"
        return [
            ("POST", "/idp/token", self._token),
            ("GET", "/health/live", self._live),
            ("GET", f"{V1}/klok", self._klok),
            ("GET", f"{V1}/gemeenten", self._gemeenten),
            ("POST", "/internal/integration/v1/brp/huishoudens", self._brp),
            ("POST", "/internal/process/v1/aanvragen", self._start),
            ("POST", f"/internal/process/v1/aanvragen/{u}/documenten-ontvangen", self._documenten_ontvangen),
            ("GET", f"/internal/process/v1/aanvragen/{u}/voortgang", self._voortgang),
            ("GET", f"{V1}/aanvragen", self._list_aanvragen),
            ("GET", f"{V1}/burgeraanvragen", self._list_burgeraanvragen),
            ("GET", f"{V1}/burgeraanvragen/{u}", self._get_burgeraanvraag),
            ("GET", f"{V1}/aanvragen/{u}", self._get_aanvraag),
            ("GET", f"{V1}/aanvragen/{u}/documenten", self._list_documenten),
            ("POST", f"{V1}/aanvragen/{u}/documenten", self._post_document),
            ("GET", f"{V1}/documenten/{u}/inhoud", self._get_inhoud),
            ("GET", f"{V1}/aanvragen/{u}/besluit", self._get_besluit),
            ("GET", f"{V1}/aanvragen/{u}/uitkering", self._get_uitkering),
            ("GET", f"{V1}/aanvragen/{u}/voorschotten", self._list_voorschotten),
            ("GET", f"{V1}/taken", self._list_taken),
            ("GET", f"{V1}/taken/tellingen", self._tellingen),
            ("GET", f"{V1}/taken/{u}", self._get_taak),
            ("POST", f"{V1}/taken/{u}:(claim|vrijgeven|herverdelen|afronden)", self._taak_actie),
            ("POST", f"{V1}/taken/{u}/opmerkingen", self._post_opmerking),
        ]

    # --- helpers -----------------------------------------------------------------------------------------------

    @staticmethod
    def _tenant(ctx: RequestContext | None) -> str:
        if ctx is None or ctx.gemeente is None:
            raise Problem(403, "Dit verzoek hoort bij geen gemeente", "forbidden")
        return ctx.gemeente

    def _case(self, ctx: RequestContext | None, aanvraag_id: str) -> dict[str, Any]:
        gemeente = self._tenant(ctx)
        assert ctx is not None
        row = self.aanvragen.get(aanvraag_id)
        if row is None or row["gemeente"] != gemeente:
            raise Problem(404, "Geen aanvraag met dit id", "not-found")
        if ctx.actor_type is ActorType.BURGER:
            if row["bsn"] != ctx.bsn:
                raise Problem(404, "Geen aanvraag met dit id", "not-found")
        elif not (ctx.actor_type is ActorType.SERVICE or ctx.roles & STAFF_ROLES):
            raise Problem(404, "Geen aanvraag met dit id", "not-found")
        return row

    def _task(self, ctx: RequestContext | None, taak_id: str) -> dict[str, Any]:
        gemeente = self._tenant(ctx)
        assert ctx is not None
        row = self.taken.get(taak_id)
        if row is None or row["gemeente"] != gemeente or not ctx.roles & STAFF_ROLES:
            raise Problem(404, "Geen taak met dit id", "not-found")
        return row

    def _detail(self, row: dict[str, Any]) -> dict[str, Any]:
        return row | {"opmerkingen": self.opmerkingen.get(row["id"], [])}

    # --- handlers ----------------------------------------------------------------------------------------------

    async def _token(self, *_: Any) -> Response:
        return JSONResponse({"access_token": "svc-token", "token_type": "Bearer", "expires_in": 300})

    async def _live(self, *_: Any) -> Response:
        return JSONResponse({"status": "live"})

    async def _klok(self, *_: Any) -> Response:
        return JSONResponse({"nu": self.nu.isoformat(), "offsetSeconden": 0})

    async def _gemeenten(self, *_: Any) -> Response:
        return JSONResponse({"items": [{"code": c, "naam": n, "actief": True} for c, n in self.gemeenten.items()]})

    async def _brp(self, ctx: RequestContext | None, _q: Any, body: bytes, *_: Any) -> Response:
        bsn = json.loads(body)["bsn"]
        assert ctx is not None
        if (ctx.actor_type is ActorType.BURGER and ctx.bsn != bsn) or bsn not in self.brp:
            raise Problem(404, "Deze persoon staat niet in de BRP", "not-found")
        return JSONResponse(
            {
                "gemeente": self.brp[bsn],
                "aanvrager": {"bsn": bsn},
                "kinderen": [],
                "bron": {"bron": "BRP", "opgevraagdOp": self.nu.isoformat()},
            }
        )

    async def _start(self, ctx: RequestContext | None, _q: Any, body: bytes, request: Request) -> Response:
        assert ctx is not None
        data = json.loads(body)
        key = request.headers.get("Idempotency-Key")
        if not key:
            raise Problem(400, "Idempotency-Key ontbreekt", "bad-request")
        if ctx.actor_type is ActorType.BURGER and data["bsn"] != ctx.bsn:
            raise Problem(403, "Alleen voor uzelf", "forbidden")
        gemeente = self.brp.get(data["bsn"])
        if gemeente is None or gemeente not in self.gemeenten:
            raise Problem(422, "Woont niet in een GBI-gemeente", "gemeente-niet-aangesloten")
        digest = hashlib.sha256(body).hexdigest()
        existing = self._keys.get(("aanvraag", gemeente, key))
        if existing is not None:
            if existing[1] != digest:
                raise Problem(
                    409, "Deze Idempotency-Key is al gebruikt voor een ander verzoek", "idempotency-key-reused"
                )
            return self._ontvangen(existing[0], gemeente)
        AloAanvraagIndiening.model_validate(data)  # what the real process layer takes
        AanvraagGegevens.model_validate(data["gegevens"])
        aanvraag_id = self.aanvraag(data["bsn"], gemeente, status="ontvangen", **data["gegevens"])
        self.aanvragen[aanvraag_id] |= {
            "meldingsdatum": data["meldingsdatum"],
            "aanvraagdatum": data["aanvraagdatum"],
            "kanaal": data["kanaal"],
        }
        self._keys[("aanvraag", gemeente, key)] = (aanvraag_id, digest)
        return self._ontvangen(aanvraag_id, gemeente)

    @staticmethod
    def _ontvangen(aanvraag_id: str, gemeente: str) -> Response:
        body = {
            "aanvraagId": aanvraag_id,
            "gemeente": gemeente,
            "status": "ontvangen",
            "procesinstantieId": str(uuid.uuid4()),
        }
        return JSONResponse(body, status_code=202)

    async def _documenten_ontvangen(
        self, ctx: RequestContext | None, _q: Any, body: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        bericht = DocumentenOntvangen.model_validate_json(body)
        if ctx is not None and ctx.gemeente is None and bericht.gemeente is not None:
            ctx = ctx.with_gemeente(bericht.gemeente)
        self._case(ctx, aanvraag_id)
        if self.proces_status is not None:
            raise Problem(self.proces_status, "De proceslaag is niet bereikbaar", "service-unavailable")
        if aanvraag_id not in self.wacht_op_documenten:
            raise Problem(409, "Voor deze aanvraag worden nu geen stukken verwacht", "geen-stukken-verwacht")
        self.wacht_op_documenten.discard(aanvraag_id)
        return JSONResponse({"aanvraagId": aanvraag_id, "afgeleverd": True}, status_code=202)

    async def _voortgang(
        self, ctx: RequestContext | None, query: dict[str, str], _b: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        if ctx is not None and ctx.gemeente is None and "gemeente" in query:
            ctx = ctx.with_gemeente(query["gemeente"])
        self._case(ctx, aanvraag_id)
        value = self.voortgang.get(aanvraag_id)
        if value is None:
            raise Problem(404, "Geen procesinstantie", "not-found")
        if isinstance(value, int):
            raise Problem(value, "Voortgang niet beschikbaar", "service-unavailable")
        return JSONResponse(value)

    async def _list_aanvragen(self, ctx: RequestContext | None, query: dict[str, str], *_: Any) -> Response:
        gemeente = self._tenant(ctx)
        assert ctx is not None
        rows = [r for r in self.aanvragen.values() if r["gemeente"] == gemeente]
        if ctx.actor_type is ActorType.BURGER:
            rows = [r for r in rows if r["bsn"] == ctx.bsn]
        if "status" in query:
            rows = [r for r in rows if r["status"] == query["status"]]
        rows.sort(key=lambda r: r["createdAt"], reverse=True)
        start = int(query.get("after", "0"))
        size = int(query.get("pageSize", "20"))
        page = rows[start : start + size]
        items = [{k: v for k, v in r.items() if k not in ("bsn", "gegevens", "tijdlijn")} for r in page]
        more = str(start + size) if len(rows) > start + size else None
        return JSONResponse({"items": items, "nextAfter": more})

    @staticmethod
    def _samenvatting(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in ("bsn", "gegevens", "tijdlijn")}

    async def _list_burgeraanvragen(self, ctx: RequestContext | None, query: dict[str, str], *_: Any) -> Response:
        """The citizen-wide index: a burger's own aanvragen in every gemeente (no tenant needed)."""
        if ctx is None or ctx.actor_type is not ActorType.BURGER:
            raise Problem(403, "Alleen een burger", "forbidden")
        rows = [r for r in self.aanvragen.values() if r["bsn"] == ctx.bsn]
        if "status" in query:
            rows = [r for r in rows if r["status"] == query["status"]]
        rows.sort(key=lambda r: r["createdAt"], reverse=True)
        start = int(query.get("after", "0"))
        size = int(query.get("pageSize", "20"))
        more = str(start + size) if len(rows) > start + size else None
        return JSONResponse({"items": [self._samenvatting(r) for r in rows[start : start + size]], "nextAfter": more})

    async def _get_burgeraanvraag(
        self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        if ctx is None or ctx.actor_type is not ActorType.BURGER:
            raise Problem(403, "Alleen een burger", "forbidden")
        row = self.aanvragen.get(aanvraag_id)
        if row is None or row["bsn"] != ctx.bsn:
            raise Problem(404, "Geen aanvraag met dit id", "not-found")
        return JSONResponse(self._samenvatting(row))

    async def _get_aanvraag(
        self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        return JSONResponse(self._case(ctx, aanvraag_id))

    async def _list_documenten(
        self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        self._case(ctx, aanvraag_id)
        return JSONResponse({"items": [d for d in self.documenten.values() if d["aanvraagId"] == aanvraag_id]})

    async def _post_document(
        self, ctx: RequestContext | None, _q: Any, body: bytes, request: Request, aanvraag_id: str
    ) -> Response:
        row = self._case(ctx, aanvraag_id)
        data = json.loads(body)
        content = base64.b64decode(data["inhoud"])
        key = request.headers.get("Idempotency-Key", "")
        digest = hashlib.sha256(json.dumps([data["soort"], data["bestandsnaam"]]).encode() + content).hexdigest()
        existing = self._keys.get(("document", row["gemeente"], key)) if key else None
        if existing is not None:
            if existing[1] != digest:
                raise Problem(
                    409, "Deze Idempotency-Key is al gebruikt voor een ander verzoek", "idempotency-key-reused"
                )
            return JSONResponse(self.documenten[existing[0]], headers={"Idempotent-Replayed": "true"})
        doc_id = self.document(aanvraag_id, content, data["contentType"], soort=data["soort"])
        self.documenten[doc_id]["bestandsnaam"] = data["bestandsnaam"]
        if key:
            self._keys[("document", row["gemeente"], key)] = (doc_id, digest)
        return JSONResponse(self.documenten[doc_id], status_code=201)

    async def _get_inhoud(self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, doc_id: str) -> Response:
        doc = self.documenten.get(doc_id)
        try:
            self._case(ctx, doc["aanvraagId"] if doc else str(uuid.uuid4()))
        except Problem:
            raise Problem(404, "Geen document met dit id", "not-found") from None
        assert doc is not None
        return Response(
            self.inhoud[doc_id],
            media_type=doc["contentType"],
            headers={
                "Content-Disposition": f'inline; filename="{doc["bestandsnaam"]}"',
                "ETag": f'"{doc["sha256"]}"',
                "Cache-Control": "private, no-store",
            },
        )

    async def _get_besluit(
        self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        self._case(ctx, aanvraag_id)
        if aanvraag_id not in self.besluiten:
            raise Problem(404, "Over deze aanvraag is nog niet besloten", "not-found")
        return JSONResponse(self.besluiten[aanvraag_id])

    async def _get_uitkering(
        self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        self._case(ctx, aanvraag_id)
        if aanvraag_id not in self.uitkeringen:
            raise Problem(404, "Deze aanvraag heeft geen uitkering", "not-found")
        return JSONResponse(self.uitkeringen[aanvraag_id])

    async def _list_voorschotten(
        self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, aanvraag_id: str
    ) -> Response:
        self._case(ctx, aanvraag_id)
        return JSONResponse({"items": self.voorschotten.get(aanvraag_id, [])})

    async def _list_taken(self, ctx: RequestContext | None, query: dict[str, str], *_: Any) -> Response:
        gemeente = self._tenant(ctx)
        assert ctx is not None
        if not ctx.roles & STAFF_ROLES:
            raise Problem(403, "U heeft geen rol die taken mag zien", "forbidden")
        rows = [t for t in self.taken.values() if t["gemeente"] == gemeente]
        for name, key in (
            ("rol", "rol"),
            ("status", "status"),
            ("toegewezenAan", "toegewezenAan"),
            ("aanvraagId", "aanvraagId"),
        ):
            if name in query:
                rows = [t for t in rows if t[key] == query[name]]
        rows.sort(key=lambda t: t["dueAt"] if query.get("sort", "due") == "due" else t["createdAt"])
        start = int(query.get("after", "0"))
        size = int(query.get("pageSize", "20"))
        more = str(start + size) if len(rows) > start + size else None
        return JSONResponse({"items": rows[start : start + size], "nextAfter": more})

    async def _tellingen(self, ctx: RequestContext | None, *_: Any) -> Response:
        gemeente = self._tenant(ctx)
        items = []
        for rol in ("klantmanager", "inkomensconsulent", "handhaver", "teamleider", "beheerder"):
            rows = [t for t in self.taken.values() if t["gemeente"] == gemeente and t["rol"] == rol]
            items.append(
                {
                    "rol": rol,
                    "open": sum(t["status"] == "open" for t in rows),
                    "geclaimd": sum(t["status"] == "geclaimd" for t in rows),
                    "verlopen": 0,
                }
            )
        return JSONResponse({"items": items, "nu": self.nu.isoformat()})

    async def _get_taak(self, ctx: RequestContext | None, _q: Any, _b: bytes, _r: Request, taak_id: str) -> Response:
        return JSONResponse(self._detail(self._task(ctx, taak_id)))

    async def _taak_actie(
        self, ctx: RequestContext | None, _q: Any, body: bytes, _r: Request, taak_id: str, actie: str
    ) -> Response:
        row = self._task(ctx, taak_id)
        assert ctx is not None
        data = json.loads(body) if body else {}
        if actie == "claim":
            if ctx.actor_type is not ActorType.MEDEWERKER or row["rol"] not in ctx.roles:
                raise Problem(403, f"Deze taak is voor de rol {row['rol']}", "forbidden")
            if row["status"] == "geclaimd" and row["toegewezenAan"] != ctx.actor_id:
                raise Problem(409, "Deze taak is al door een ander geclaimd", "taak-geclaimd")
            self._vier_ogen(row, ctx.actor_id)
            row |= {"status": "geclaimd", "toegewezenAan": ctx.actor_id, "geclaimdOp": self.nu.isoformat()}
        elif actie == "vrijgeven":
            if row["status"] != "geclaimd":
                raise Problem(409, "Deze taak is niet geclaimd", "taak-open")
            row |= {"status": "open", "toegewezenAan": None, "geclaimdOp": None}
        elif actie == "herverdelen":
            if "teamleider" not in ctx.roles:
                raise Problem(403, "Alleen een teamleider verdeelt taken", "forbidden")
            self._vier_ogen(row, data["medewerker"])
            row |= {"status": "geclaimd", "toegewezenAan": data["medewerker"], "geclaimdOp": self.nu.isoformat()}
        else:
            if row["status"] != "geclaimd":
                raise Problem(409, "Claim de taak voordat u haar afrondt", "taak-open")
            if row["toegewezenAan"] != ctx.actor_id:
                raise Problem(403, "Alleen wie de taak geclaimd heeft, rondt haar af", "forbidden")
            self._vier_ogen(row, ctx.actor_id)
            row |= {
                "status": "afgerond",
                "afgerondDoor": ctx.actor_id,
                "afgerondOp": self.nu.isoformat(),
                "uitkomst": data["uitkomst"],
                "uitkomstReden": data["reden"],
                "uitkomstGegevens": data.get("gegevens", {}),
            }
        row["version"] += 1
        return JSONResponse(self._detail(row))

    def _vier_ogen(self, row: dict[str, Any], person: str) -> None:
        beoordeeld = self.taken.get(row["beoordeeltTaakId"] or "")
        if beoordeeld is not None and beoordeeld["afgerondDoor"] == person:
            raise Problem(403, "Vier ogen: wie de beoordeelde taak afrondde, beoordeelt haar niet zelf", "vier-ogen")

    async def _post_opmerking(
        self, ctx: RequestContext | None, _q: Any, body: bytes, _r: Request, taak_id: str
    ) -> Response:
        self._task(ctx, taak_id)
        assert ctx is not None
        note = {
            "id": str(uuid.uuid4()),
            "tekst": json.loads(body)["tekst"],
            "door": ctx.actor_id,
            "op": self.nu.isoformat(),
        }
        self.opmerkingen.setdefault(taak_id, []).append(note)
        return JSONResponse(note, status_code=201)
