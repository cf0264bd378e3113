"""The simulated zaaksysteem under ``/zgw/``: Catalogi, Zaken, Besluiten and Documenten on their real paths.

``/zgw/<api>/api/v1/<path of the official document>``, for example ``/zgw/zaken/api/v1/zaken``. Every request is
checked against the official OpenAPI document of its API before anything happens:

1. the ZGW JWT (``auth``): 403 when it is missing or does not verify;
2. path parameters (a malformed uuid is a 404), query parameters (unknown ones are a 400
   ``unknown-parameters``, each value against its schema), required headers (``Accept-Crs``/``Content-Crs``: 412
   when missing, 406/415 for another CRS);
3. the body: ``Content-Type: application/json`` (else 415), valid JSON, and the operation's request schema (400
   ``ValidatieFout`` with ``invalidParams``);
4. the operation's own rules (the handlers).

Every refusal is recorded; ``GET /zgw/_rejections`` lists them (``DELETE`` empties the list). With
``zgw_check_responses`` (the default) every answer is checked against the operation's response schema before it
leaves; one that does not conform becomes a 500 and is listed as a ``responseViolation``. An operation of the
documents that is not simulated answers 501 ``not-simulated`` (also recorded), so a client never silently gets
less than the standard promises.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gbi_simulator.zgw import besluiten_api, catalogi_api, documenten_api, zaken_api
from gbi_simulator.zgw.auth import ZgwAuthenticator, ZgwClient
from gbi_simulator.zgw.catalogi import SeededCatalogus, seed_catalogi
from gbi_simulator.zgw.core import Call, Handler, Reply
from gbi_simulator.zgw.problems import RejectionLog, ZgwProblem
from gbi_simulator.zgw.spec import API_SPECS, Direction, Operation, SchemaError, SpecSet
from gbi_simulator.zgw.store import API_BASES, ZgwStore

__all__ = ["ROUTES", "ZgwSimulator", "router"]

log = logging.getLogger("gbi.simulator.zgw")

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
CRS = "EPSG:4326"
# Query parameters the documents define that the simulator does not implement.
NOT_SIMULATED_PARAMS = frozenset({"expand"})

# (api, method, path in the document, operationId, handler)
ROUTES: list[tuple[str, str, str, str, Handler]] = [
    ("catalogi", "GET", "/catalogussen", "catalogus_list", catalogi_api.catalogus_list),
    ("catalogi", "GET", "/catalogussen/{uuid}", "catalogus_retrieve", catalogi_api.catalogus_retrieve),
    ("catalogi", "GET", "/zaaktypen", "zaaktype_list", catalogi_api.zaaktype_list),
    ("catalogi", "GET", "/zaaktypen/{uuid}", "zaaktype_retrieve", catalogi_api.zaaktype_retrieve),
    ("catalogi", "GET", "/statustypen", "statustype_list", catalogi_api.statustype_list),
    ("catalogi", "GET", "/statustypen/{uuid}", "statustype_retrieve", catalogi_api.statustype_retrieve),
    ("catalogi", "GET", "/roltypen", "roltype_list", catalogi_api.roltype_list),
    ("catalogi", "GET", "/roltypen/{uuid}", "roltype_retrieve", catalogi_api.roltype_retrieve),
    ("catalogi", "GET", "/besluittypen", "besluittype_list", catalogi_api.besluittype_list),
    ("catalogi", "GET", "/besluittypen/{uuid}", "besluittype_retrieve", catalogi_api.besluittype_retrieve),
    ("catalogi", "GET", "/informatieobjecttypen", "informatieobjecttype_list", catalogi_api.informatieobjecttype_list),
    (
        "catalogi",
        "GET",
        "/informatieobjecttypen/{uuid}",
        "informatieobjecttype_retrieve",
        catalogi_api.informatieobjecttype_retrieve,
    ),
    ("zaken", "GET", "/zaken", "zaak_list", zaken_api.zaak_list),
    ("zaken", "POST", "/zaken", "zaak_create", zaken_api.zaak_create),
    ("zaken", "GET", "/zaken/{uuid}", "zaak_retrieve", zaken_api.zaak_retrieve),
    ("zaken", "GET", "/statussen", "status_list", zaken_api.status_list),
    ("zaken", "POST", "/statussen", "status_create", zaken_api.status_create),
    ("zaken", "GET", "/statussen/{uuid}", "status_retrieve", zaken_api.status_retrieve),
    ("zaken", "GET", "/rollen", "rol_list", zaken_api.rol_list),
    ("zaken", "POST", "/rollen", "rol_create", zaken_api.rol_create),
    ("zaken", "GET", "/rollen/{uuid}", "rol_retrieve", zaken_api.rol_retrieve),
    ("zaken", "GET", "/zaakinformatieobjecten", "zaakinformatieobject_list", zaken_api.zaakinformatieobject_list),
    ("zaken", "POST", "/zaakinformatieobjecten", "zaakinformatieobject_create", zaken_api.zaakinformatieobject_create),
    (
        "zaken",
        "GET",
        "/zaakinformatieobjecten/{uuid}",
        "zaakinformatieobject_retrieve",
        zaken_api.zaakinformatieobject_retrieve,
    ),
    ("zaken", "GET", "/zaken/{zaak_uuid}/besluiten", "zaakbesluit_list", zaken_api.zaakbesluit_list),
    ("zaken", "POST", "/zaken/{zaak_uuid}/besluiten", "zaakbesluit_create", zaken_api.zaakbesluit_create),
    ("zaken", "GET", "/zaken/{zaak_uuid}/besluiten/{uuid}", "zaakbesluit_retrieve", zaken_api.zaakbesluit_retrieve),
    ("besluiten", "GET", "/besluiten", "besluit_list", besluiten_api.besluit_list),
    ("besluiten", "POST", "/besluiten", "besluit_create", besluiten_api.besluit_create),
    ("besluiten", "GET", "/besluiten/{uuid}", "besluit_read", besluiten_api.besluit_read),
    (
        "besluiten",
        "GET",
        "/besluitinformatieobjecten",
        "besluitinformatieobject_list",
        besluiten_api.besluitinformatieobject_list,
    ),
    (
        "besluiten",
        "POST",
        "/besluitinformatieobjecten",
        "besluitinformatieobject_create",
        besluiten_api.besluitinformatieobject_create,
    ),
    (
        "besluiten",
        "GET",
        "/besluitinformatieobjecten/{uuid}",
        "besluitinformatieobject_read",
        besluiten_api.besluitinformatieobject_read,
    ),
    (
        "documenten",
        "GET",
        "/enkelvoudiginformatieobjecten",
        "enkelvoudiginformatieobject_list",
        documenten_api.enkelvoudiginformatieobject_list,
    ),
    (
        "documenten",
        "POST",
        "/enkelvoudiginformatieobjecten",
        "enkelvoudiginformatieobject_create",
        documenten_api.enkelvoudiginformatieobject_create,
    ),
    (
        "documenten",
        "GET",
        "/enkelvoudiginformatieobjecten/{uuid}",
        "enkelvoudiginformatieobject_retrieve",
        documenten_api.enkelvoudiginformatieobject_retrieve,
    ),
    (
        "documenten",
        "GET",
        "/enkelvoudiginformatieobjecten/{uuid}/download",
        "enkelvoudiginformatieobject_download",
        documenten_api.enkelvoudiginformatieobject_download,
    ),
    (
        "documenten",
        "GET",
        "/objectinformatieobjecten",
        "objectinformatieobject_list",
        documenten_api.objectinformatieobject_list,
    ),
    (
        "documenten",
        "GET",
        "/objectinformatieobjecten/{uuid}",
        "objectinformatieobject_retrieve",
        documenten_api.objectinformatieobject_retrieve,
    ),
]


class ZgwSimulator:
    """The simulated zaaksysteem: the documents, the store, the clients and the log of rejections."""

    def __init__(
        self,
        specs_dir: Path,
        clients: dict[str, ZgwClient],
        *,
        today: Callable[[], date],
        jwt_max_age_s: int = 3600,
        check_responses: bool = True,
    ) -> None:
        self.specs_dir = specs_dir
        self.auth = ZgwAuthenticator(clients, max_age_s=jwt_max_age_s)
        self.today = today
        self.check_responses = check_responses
        self.store = ZgwStore()
        self.catalogi: list[SeededCatalogus] = seed_catalogi(self.store)
        self.rejections = RejectionLog()
        self._specs: SpecSet | None = None
        self._specs_lock = threading.Lock()
        for api, rel in API_SPECS.items():
            if not (specs_dir / rel).is_file():
                raise FileNotFoundError(f"ZGW {api} specification missing: {specs_dir / rel}")

    # -- the documents, loaded once (about half a second, off the event loop) on the first ZGW request

    def specs(self) -> SpecSet:
        with self._specs_lock:
            if self._specs is None:
                specs = SpecSet(self.specs_dir)
                for api, method, path, operation_id, _ in ROUTES:
                    op = specs.operations.get((api, operation_id))
                    if op is None or op.method != method or op.path != path:
                        raise RuntimeError(f"{api} {operation_id}: not {method} {path} in the official document")
                self._specs = specs
            return self._specs

    async def ensure_specs(self) -> SpecSet:
        if self._specs is not None:
            return self._specs
        return await asyncio.to_thread(self.specs)

    # -- one request

    async def dispatch(self, api: str, operation_id: str | None, handler: Handler | None, request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}"
        specs = await self.ensure_specs()
        op: Operation | None = specs.operations.get((api, operation_id)) if operation_id else None
        client: ZgwClient | None = None
        try:
            if op is None or handler is None:
                raise self._unrouted(specs, api, request)
            client, claims = self.auth.authenticate(request.headers.get("authorization"))
            path_params = self._path_params(specs, op, request)
            query = self._query(specs, op, request)
            self._headers(op, request)
            body = await self._body(specs, op, request)
            call = Call(
                op=op,
                store=self.store,
                client=client,
                claims=claims,
                base=base,
                path=request.url.path,
                path_params=path_params,
                query=query,
                body=body,
                today_fn=self.today,
            )
            with self.store.lock:
                reply = handler(call)
        except ZgwProblem as problem:
            self.rejections.record(
                api=api,
                operation=op.operation_id if op else None,
                method=request.method,
                path=request.url.path,
                problem=problem,
                client_id=client.client_id if client else None,
            )
            log.info(
                "ZGW request refused",
                extra={"event": "zgw-refused", "api": api, "status": problem.status, "code": problem.code},
            )
            reply = Reply(problem.status, problem.body(api, base), media_type=PROBLEM_JSON)
        if op is not None:
            reply = self._checked(specs, api, op, reply, base)
            if reply.status < 300 and op.param("header", "Accept-Crs") is not None:
                reply.headers["Content-Crs"] = CRS
        if api in specs.versions:
            reply.headers["API-version"] = specs.versions[api]
        if isinstance(reply.body, bytes):
            return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=reply.headers)
        content = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        return Response(content, status_code=reply.status, media_type=reply.media_type, headers=reply.headers)

    def _unrouted(self, specs: SpecSet, api: str, request: Request) -> ZgwProblem:
        if api not in API_BASES:
            return ZgwProblem.not_found("Deze API bestaat niet in de simulator.")
        prefix = API_BASES[api]
        path = request.url.path
        rel = path[len(prefix) :] if path.startswith(prefix + "/") else None
        if rel is None:
            return ZgwProblem.not_found()
        op, exists = specs.match(api, request.method, rel)
        if op is not None:
            return ZgwProblem.not_simulated(f"{op.operation_id} ({op.method} {op.path})")
        if exists:
            return ZgwProblem(405, "method_not_allowed", f'Methode "{request.method}" niet toegestaan.')
        return ZgwProblem.not_found()

    def _checked(self, specs: SpecSet, api: str, op: Operation, reply: Reply, base: str) -> Reply:
        """Check the answer against the operation's response schema (when enabled)."""
        if not self.check_responses or isinstance(reply.body, bytes) or reply.status == 501:
            return reply
        if str(reply.status) in op.responses:
            errors = specs.check_response(op, reply.status, reply.body)
        else:
            # An error the document does not list for this operation (a 404 of a list's page): still a Fout.
            errors = specs.check(api, "/components/schemas/Fout", reply.body, Direction.RESPONSE)
        if not errors:
            return reply
        self.rejections.violation(api=api, operation=op.operation_id, status=reply.status, errors=errors)
        log.error(
            "ZGW response does not conform to the specification",
            extra={"event": "zgw-response-invalid", "operation": op.operation_id, "errors": repr(errors[:5])},
        )
        problem = ZgwProblem(500, "response-invalid", "Het antwoord van de simulator voldoet niet aan de standaard.")
        return Reply(500, problem.body(api, base), media_type=PROBLEM_JSON)

    # -- checks before the handler

    @staticmethod
    def _path_params(specs: SpecSet, op: Operation, request: Request) -> dict[str, str]:
        values: dict[str, str] = {}
        for param in op.of("path"):
            value = str(request.path_params.get(param.name, ""))
            if specs.check_parameter(param, value):
                raise ZgwProblem.not_found()
            values[param.name] = value.lower()
        return values

    @staticmethod
    def _query(specs: SpecSet, op: Operation, request: Request) -> dict[str, Any]:
        names = {p.name for p in op.of("query")}
        unknown = sorted({k for k in request.query_params if k not in names})
        if unknown:
            raise ZgwProblem.field(
                "nonFieldErrors", "unknown-parameters", f"Onbekende query parameters: {', '.join(unknown)}"
            )
        values: dict[str, Any] = {}
        errors: list[SchemaError] = []
        for param in op.of("query"):
            raw = request.query_params.getlist(param.name)
            if not raw:
                if param.required:
                    errors.append(SchemaError(param.name, "required", "Dit veld is vereist."))
                continue
            if param.name in NOT_SIMULATED_PARAMS:
                raise ZgwProblem.not_simulated(f"de query parameter {param.name}")
            value, problem = _typed(param.schema, raw[-1])
            if problem is not None:
                errors.append(SchemaError(param.name, "invalid", problem))
                continue
            for error in specs.check_parameter(param, value):
                errors.append(SchemaError(param.name, error.code, error.reason))
            values[param.name] = value
        if errors:
            raise ZgwProblem.invalid(errors)
        return values

    @staticmethod
    def _headers(op: Operation, request: Request) -> None:
        for param in op.of("header"):
            name = param.name
            if name.lower() == "content-type":
                continue
            value = request.headers.get(name)
            if value is None:
                if param.required:
                    raise ZgwProblem(412, "precondition_failed", f"'{name}' header ontbreekt")
                continue
            allowed = param.schema.get("enum") if isinstance(param.schema, dict) else None
            if allowed and value not in allowed:
                if name.lower() == "accept-crs":
                    raise ZgwProblem(406, "not_acceptable", f"CRS '{value}' is niet ondersteund")
                if name.lower() == "content-crs":
                    raise ZgwProblem(415, "unsupported_media_type", f"CRS '{value}' is niet ondersteund")
                raise ZgwProblem.field(name, "invalid_choice", f'"{value}" is een ongeldige keuze.')

    @staticmethod
    async def _body(specs: SpecSet, op: Operation, request: Request) -> Any:
        if op.request_schema is None:
            return None
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != JSON:
            raise ZgwProblem(415, "unsupported_media_type", f'Ongeldige media type "{media or "(geen)"}" in aanvraag.')
        raw = await request.body()
        if not raw:
            if op.body_required:
                raise ZgwProblem.field("nonFieldErrors", "required", "Het verzoek heeft geen inhoud.")
            return None
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ZgwProblem(400, "parse_error", "JSON parse error.", title="Malformed request.") from None
        errors = specs.check_request(op, body)
        if errors:
            raise ZgwProblem.invalid(errors)
        return body


def _typed(schema: Any, raw: str) -> tuple[Any, str | None]:
    """A query string value in the type its schema names (arrays: comma separated, as ``explode: false``)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind == "array":
        items = schema.get("items") or {}
        out = []
        for part in raw.split(","):
            value, problem = _typed(items, part)
            if problem is not None:
                return None, problem
            out.append(value)
        return out, None
    if kind == "integer":
        try:
            return int(raw), None
        except ValueError:
            return None, "Voer een geheel getal in."
    if kind == "boolean":
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True, None
        if lowered in ("false", "0"):
            return False, None
        return None, "Voer een geldige boolean in (true of false)."
    return raw, None


# ------------------------------------------------------------------------------------------------ routes

router = APIRouter(prefix="/zgw", tags=["ZGW zaaksysteem (simulator)"])


@router.get("/_rejections", summary="The requests the simulated zaaksysteem refused, with the reason")
async def get_rejections(request: Request) -> JSONResponse:
    sim: ZgwSimulator = request.app.state.zgw
    return JSONResponse(sim.rejections.snapshot())


@router.delete("/_rejections", summary="Empty the list of refused requests", status_code=204)
async def delete_rejections(request: Request) -> Response:
    sim: ZgwSimulator = request.app.state.zgw
    sim.rejections.clear()
    return Response(status_code=204)


def _endpoint(api: str, operation_id: str, handler: Handler) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        sim: ZgwSimulator = request.app.state.zgw
        return await sim.dispatch(api, operation_id, handler, request)

    endpoint.__name__ = f"zgw_{api}_{operation_id}"
    return endpoint


# The operations a case uses, in the order a request is matched against them (the most frequent first); the rest
# follow in the order of ROUTES. No two routes match the same method and path, so the order changes nothing else.
HOT_OPERATIONS = (
    "status_create",
    "zaak_create",
    "rol_create",
    "besluit_create",
    "enkelvoudiginformatieobject_create",
    "zaakinformatieobject_create",
    "besluitinformatieobject_create",
)


def _match_order(route: tuple[str, str, str, str, Handler]) -> int:
    operation_id = route[3]
    return HOT_OPERATIONS.index(operation_id) if operation_id in HOT_OPERATIONS else len(HOT_OPERATIONS)


for _api, _method, _path, _operation_id, _handler in sorted(ROUTES, key=_match_order):
    router.add_api_route(
        f"{API_BASES[_api].removeprefix('/zgw')}{_path}",
        _endpoint(_api, _operation_id, _handler),
        methods=[_method],
        name=f"zgw_{_api}_{_operation_id}",
        summary=f"{_api.capitalize()} API: {_operation_id}",
        response_class=Response,
    )


@router.api_route(
    "/{api}/{rest:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"],
    include_in_schema=False,
)
async def not_simulated(api: str, rest: str, request: Request) -> Response:
    """Everything else under /zgw: 501 for an operation the documents define but the simulator does not, 405
    for another method on a known path, 404 otherwise."""
    sim: ZgwSimulator = request.app.state.zgw
    return await sim.dispatch(api, None, None, request)
