"""The simulated front office's routes and state (see the package docstring)."""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel
from pydantic_settings import BaseSettings, SettingsConfigDict

from gbi_shared import ConflictError, NotFoundError, UnprocessableError
from gbi_shared._http import HttpTransport
from gbi_shared.contracts.koppelvlakken import (
    AANVRAGEN_VERSIE,
    BEHANDELD_PAD,
    KOPPELVLAK_PREFIX,
    NOTIFICATIES_PAD,
    Notificatie,
)
from gbi_shared.tijd import NL
from gbi_simulator.brp import PersonStore
from gbi_simulator.clock import Clock
from gbi_simulator.frontoffice.berichten import Variant, bouw_bericht
from gbi_simulator.idp import IdentityProvider

__all__ = ["FRONTOFFICE_API", "Frontoffice", "FrontofficeSettings", "router"]

FRONTOFFICE_API = "/frontoffice/api"
PROBLEM = "application/problem+json"


class FrontofficeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GBI_SIMULATOR_FRONTOFFICE_", extra="ignore", frozen=True)

    token: SecretStr | None = None
    gbi_url: str | None = None
    public_url: str | None = None


@dataclass
class Ingediend:
    aanvraag_id: str
    gemeente: str
    variant: str
    bericht: dict[str, Any]
    resource_url: str
    opgehaald: int = 0


@dataclass
class PullStoring:
    modus: Literal["niet-beschikbaar", "traag"]
    resterend: int | None
    vertraging_s: float


@dataclass
class Frontoffice:
    """The front office's state: the messages by AanvraagId and a fault for the pulls."""

    settings: FrontofficeSettings
    aanvragen: dict[str, Ingediend] = field(default_factory=dict)
    storing: PullStoring | None = None
    pogingen: int = 0  # pulls that got past the token check, answered or not
    lock: threading.Lock = field(default_factory=threading.Lock)

    def volgende_storing(self) -> PullStoring | None:
        with self.lock:
            storing = self.storing
            if storing is None:
                return None
            if storing.resterend is not None:
                storing.resterend -= 1
                if storing.resterend <= 0:
                    self.storing = None
            return storing


def frontoffice(request: Request) -> Frontoffice:
    """The front office of this simulator, made on first use from ``GBI_SIMULATOR_FRONTOFFICE_*``."""
    state = request.app.state
    fo: Frontoffice | None = getattr(state, "frontoffice", None)
    if fo is None:
        fo = Frontoffice(FrontofficeSettings())
        state.frontoffice = fo
    return fo


def _fout(status: int, code: str, title: str, detail: str, request: Request) -> JSONResponse:
    """The standard's ``Fout``."""
    body = {"type": f"https://gbi.example.nl/frontoffice/{code}", "code": code, "title": title, "status": status}
    body |= {"detail": detail, "instance": request.url.path}
    headers = {"API-version": AANVRAGEN_VERSIE}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="frontoffice"'
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


# ------------------------------------------------------------------------------------------------ the front office

api = APIRouter(prefix=FRONTOFFICE_API, tags=["Front office (simulated)"])


@api.get(
    BEHANDELD_PAD + "/{AanvraagId}",
    summary="ZaakLOAangevraagd (Levensonderhoud aanvragen 1.2.1), for GBI with its bearer token",
    response_model=None,
)
async def get_aanvraag(request: Request, aanvraag_id: Annotated[str, Path(alias="AanvraagId")]) -> Response:
    fo = frontoffice(request)
    token = fo.settings.token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if token is None or scheme.lower() != "bearer" or not hmac.compare_digest(given, token.get_secret_value()):
        return _fout(401, "unauthorized", "Niet geauthenticeerd", "Een geldig Bearer-token is vereist", request)
    fo.pogingen += 1
    storing = fo.volgende_storing()
    if storing is not None and storing.modus == "niet-beschikbaar":
        return _fout(503, "unavailable", "Niet beschikbaar", "De front office is tijdelijk niet beschikbaar", request)
    if storing is not None and storing.modus == "traag":
        await asyncio.sleep(storing.vertraging_s)
    ingediend = fo.aanvragen.get(aanvraag_id.lower())
    if ingediend is None:
        return _fout(404, "not-found", "Niet gevonden", "Geen aanvraag met dit id", request)
    ingediend.opgehaald += 1
    return JSONResponse(ingediend.bericht, headers={"API-version": AANVRAGEN_VERSIE})


# ------------------------------------------------------------------------------------------------ test controls

control = APIRouter(prefix="/simulator/frontoffice", tags=["Simulator control"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class AanvraagIn(_In):
    bsn: str = Field(pattern=r"^[0-9]{9}$", description="Een RvIG-testpersoon")
    gemeente: str | None = Field(
        default=None, pattern=r"^[0-9]{4}$", description="Ontvangende gemeente; standaard die van inschrijving"
    )
    variant: Variant = "geldig"
    aanvraag_id: uuid.UUID | None = Field(default=None, description="Standaard een nieuwe UUID")
    meldingsdatum: date | None = None
    aanvraagdatum: date | None = None
    iban: str = Field(default="NL91ABNA0417164300", pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
    saldo: str = Field(default="150,00", pattern=r"^[0-9]+(,[0-9]{2})?$", description="Saldo van de bankrekening")
    inkomen_per_maand: str | None = Field(default=None, pattern=r"^[0-9]+(,[0-9]{2})?$")
    zonder_iban: bool = Field(default=False, description="Zonder UitbetalingUitkering (GBI vraagt dan een intake)")
    verstuur: bool = Field(default=False, description="Meteen de notificatie aan GBI sturen")


class NotificatieIn(_In):
    actie: str = Field(default="create", min_length=1, max_length=100)


class StoringIn(_In):
    modus: Literal["niet-beschikbaar", "traag", "geen"]
    aantal: int | None = Field(default=None, ge=1, le=1000)
    vertraging_s: float = Field(default=2.0, ge=0, le=60)


def _public_url(fo: Frontoffice, request: Request) -> str:
    if fo.settings.public_url:
        return fo.settings.public_url.rstrip("/")
    return str(request.base_url).rstrip("/") + FRONTOFFICE_API


def _gbi_url(fo: Frontoffice, request: Request) -> str:
    if fo.settings.gbi_url:
        return fo.settings.gbi_url.rstrip("/")
    return str(request.app.state.settings.gateway_url).rstrip("/")


def _integrator_token(request: Request, gemeente: str) -> str:
    idp: IdentityProvider = request.app.state.idp
    clients = [c for c in idp.clients.values() if c.actor_type == "systeem" and c.gemeente == gemeente]
    preferred = [c for c in clients if c.client_id == f"integrator-{gemeente}"] or clients
    if not preferred:
        raise ConflictError(f"De IdP kent geen integrator-client van gemeente {gemeente}", code="geen-integrator")
    client = preferred[0]
    return idp.issue(
        {
            "sub": client.client_id,
            "gbi_actor_type": client.actor_type,
            "roles": client.effective_roles(),
            "name": client.name or client.client_id,
            "gemeente": client.gemeente,
        }
    )


def notificatie_voor(ingediend: Ingediend, actie: str = "create") -> dict[str, Any]:
    melding = Notificatie(
        kanaal="levensonderhoud-aanvragen",
        hoofd_object=ingediend.resource_url,
        resource="aanvraag",
        resource_url=ingediend.resource_url,
        actie=actie,
        aanmaakdatum=datetime.now(NL).isoformat(timespec="seconds"),
        kenmerken={"codeOntvangendeGemeente": ingediend.gemeente},
    )
    return melding.model_dump(mode="json", by_alias=True)


async def _verstuur(request: Request, ingediend: Ingediend, actie: str) -> dict[str, Any]:
    fo = frontoffice(request)
    transport: HttpTransport = request.app.state.transport
    body = notificatie_voor(ingediend, actie)
    resp = await transport.request(
        "POST",
        _gbi_url(fo, request) + KOPPELVLAK_PREFIX + NOTIFICATIES_PAD,
        headers={
            "Authorization": f"Bearer {_integrator_token(request, ingediend.gemeente)}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        body=json.dumps(body).encode(),
        timeout_s=30,
        target="gbi",
        raise_for_status=False,
    )
    try:
        answer = resp.json()
    except (ValueError, UnicodeDecodeError):
        answer = resp.body.decode("utf-8", "replace")
    headers = {k: resp.headers[k] for k in ("API-version", "Location", "Content-Type") if k in resp.headers}
    return {"notificatie": body, "status": resp.status, "headers": headers, "body": answer}


@control.post("/aanvragen", status_code=201, summary="Make a ZaakLOAangevraagd from a test person (and notify GBI)")
async def post_aanvraag(body: AanvraagIn, request: Request) -> dict[str, Any]:
    fo = frontoffice(request)
    store: PersonStore = request.app.state.store
    clock: Clock = request.app.state.clock
    person = store.get(body.bsn)
    if person is None:
        raise NotFoundError("Geen RvIG-testpersoon met dit BSN")
    vandaag = clock.today()
    persoon = store.render(person, vandaag)
    gemeente = body.gemeente or (persoon.get("gemeenteVanInschrijving") or {}).get("code")
    if not gemeente:
        raise UnprocessableError("De testpersoon staat in geen gemeente ingeschreven; geef de gemeente op")
    aanvraag_id = str(body.aanvraag_id or uuid.uuid4())
    resource_url = f"{_public_url(fo, request)}{BEHANDELD_PAD}/{aanvraag_id}"
    melding = body.meldingsdatum or vandaag
    try:
        bericht = bouw_bericht(
            persoon,
            aanvraag_id=aanvraag_id,
            zaak_uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, resource_url)),
            gemeente=gemeente,
            melding=melding,
            aanvraagdatum=body.aanvraagdatum or melding,
            iban=body.iban,
            resource_url=resource_url,
            variant=body.variant,
            saldo=body.saldo,
            inkomen_per_maand=body.inkomen_per_maand,
            vandaag=vandaag,
            zonder_iban=body.zonder_iban,
        )
    except ValueError as exc:
        raise UnprocessableError(str(exc)) from exc
    ingediend = Ingediend(aanvraag_id, gemeente, body.variant, bericht, resource_url)
    fo.aanvragen[aanvraag_id.lower()] = ingediend
    out: dict[str, Any] = {
        "aanvraagId": aanvraag_id,
        "gemeente": gemeente,
        "variant": body.variant,
        "resourceUrl": resource_url,
        "bericht": bericht,
        "notificatie": notificatie_voor(ingediend),
    }
    if body.verstuur:
        out["verzonden"] = await _verstuur(request, ingediend, "create")
    return out


def _ingediend(request: Request, aanvraag_id: str) -> Ingediend:
    ingediend = frontoffice(request).aanvragen.get(aanvraag_id.lower())
    if ingediend is None:
        raise NotFoundError("Geen aanvraag met dit id bij de front office")
    return ingediend


@control.get("/aanvragen/{aanvraagId}", summary="A message of the front office and how often GBI fetched it")
async def get_ingediend(request: Request, aanvraag_id: Annotated[str, Path(alias="aanvraagId")]) -> dict[str, Any]:
    i = _ingediend(request, aanvraag_id)
    return {
        "aanvraagId": i.aanvraag_id,
        "gemeente": i.gemeente,
        "variant": i.variant,
        "resourceUrl": i.resource_url,
        "bericht": i.bericht,
        "opgehaald": i.opgehaald,
    }


@control.post("/aanvragen/{aanvraagId}/notificatie", summary="Notify GBI (as the gemeente's integrator)")
async def post_notificatie(
    body: NotificatieIn, request: Request, aanvraag_id: Annotated[str, Path(alias="aanvraagId")]
) -> dict[str, Any]:
    return await _verstuur(request, _ingediend(request, aanvraag_id), body.actie)


@control.put("/storing", summary="Make the pulls fail (niet-beschikbaar: 503) or slow (traag); geen: no fault")
async def put_storing(body: StoringIn, request: Request) -> dict[str, Any]:
    fo = frontoffice(request)
    with fo.lock:
        fo.storing = None if body.modus == "geen" else PullStoring(body.modus, body.aantal, body.vertraging_s)
    return {"modus": body.modus, "aantal": body.aantal}


router = APIRouter()
router.include_router(api)
router.include_router(control)
