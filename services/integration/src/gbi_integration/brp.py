"""BRP port and its Haal Centraal BRP Personen bevragen v2 adapter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Protocol

from gbi_integration.resilience import CircuitBreaker, call_with_retries
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.contracts.huishouden import Bronvermelding, BrpPersoon, Huishouden
from gbi_shared.errors import NotFoundError, UpstreamError

__all__ = ["BRP_FIELDS", "MEDEBEWONER_FIELDS", "BrpPort", "HaalCentraalBrp", "huishouden_from_persoon", "medebewoners"]

BRP_FIELDS = [
    "burgerservicenummer",
    "naam.volledigeNaam",
    "geboorte.datum",
    "gemeenteVanInschrijving",
    "partners.burgerservicenummer",
    "partners.naam",
    "partners.geboorte.datum",
    "kinderen.burgerservicenummer",
    "kinderen.naam",
    "kinderen.geboorte.datum",
    "verblijfplaats.adresseerbaarObjectIdentificatie",
]
# ZoekMetAdresseerbaarObjectIdentificatie answers with GezagPersoonBeperkt: the co-residents' BSN, name and birth.
MEDEBEWONER_FIELDS = ["burgerservicenummer", "naam", "geboorte.datum"]
BRON = "BRP (Haal Centraal BRP Personen bevragen 2)"


class BrpPort(Protocol):
    async def huishouden(self, bsn: str, ctx: RequestContext) -> Huishouden: ...


def _datum(value: Any) -> date | None:
    if isinstance(value, dict) and value.get("type") == "Datum" and isinstance(value.get("datum"), str):
        return date.fromisoformat(value["datum"])
    return None


def _naam(naam: dict[str, Any]) -> str | None:
    """The person's own ``volledigeNaam``; related persons (partner, child) carry only the name parts."""
    if isinstance(naam.get("volledigeNaam"), str):
        return str(naam["volledigeNaam"])
    parts = [naam.get(k) for k in ("voornamen", "voorvoegsel", "geslachtsnaam")]
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return text or None


def _persoon(raw: dict[str, Any]) -> BrpPersoon:
    return BrpPersoon(
        bsn=raw.get("burgerservicenummer"),
        geboortedatum=_datum((raw.get("geboorte") or {}).get("datum")),
        naam=_naam(raw.get("naam") or {}),
    )


def _adresseerbaar_object(raw: dict[str, Any]) -> str | None:
    aoi = (raw.get("verblijfplaats") or {}).get("adresseerbaarObjectIdentificatie")
    return aoi if isinstance(aoi, str) and aoi else None


def medebewoners(huishouden: Huishouden, bewoners: list[dict[str, Any]]) -> list[BrpPersoon]:
    """The persons at the address other than the applicant, the partner and the children already in the
    household (once each, in the BRP's order). A resident without a BSN cannot be told apart, so is kept."""
    bekend = {p.bsn for p in (huishouden.aanvrager, huishouden.partner, *huishouden.kinderen) if p and p.bsn}
    out: list[BrpPersoon] = []
    for raw in bewoners:
        persoon = _persoon(raw)
        if persoon.bsn is not None and persoon.bsn in bekend:
            continue
        if persoon.bsn is not None:
            bekend.add(persoon.bsn)
        out.append(persoon)
    return out


def huishouden_from_persoon(raw: dict[str, Any], *, fetched_at: datetime) -> Huishouden:
    """Map a v2 ``PersoonBeperkt``/``Persoon`` to our household: the current partner and the children."""
    gemeente = (raw.get("gemeenteVanInschrijving") or {}).get("code")
    if not isinstance(gemeente, str):
        raise UpstreamError("De BRP gaf geen gemeente van inschrijving")
    partners = [p for p in raw.get("partners", []) if not p.get("ontbindingHuwelijkPartnerschap")]
    return Huishouden(
        gemeente=gemeente,
        aanvrager=_persoon(raw),
        partner=_persoon(partners[0]) if partners else None,
        kinderen=[_persoon(k) for k in raw.get("kinderen", [])],
        bron=Bronvermelding(bron=BRON, opgevraagd_op=fetched_at),
    )


class HaalCentraalBrp:
    """Speaks Haal Centraal BRP Personen bevragen v2, with the protocollering headers a BRP gateway demands."""

    def __init__(self, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self._s = settings
        self._transport = transport
        self._breaker = CircuitBreaker(
            "BRP", failures=settings.breaker_failures, cooldown_s=settings.breaker_cooldown_s
        )

    async def _personen(self, body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "x-doelbinding": ctx.purpose,
            "x-verwerking": "Participatiewet",
            "x-gebruiker": ctx.actor_id,
        }
        if self._s.brp_api_key:
            headers["X-API-KEY"] = self._s.brp_api_key
        payload = json.dumps(body).encode()

        async def call() -> dict[str, Any]:
            resp = await self._transport.request(
                "POST",
                self._s.brp_url.rstrip("/") + "/personen",
                headers=headers,
                body=payload,
                timeout_s=self._s.brp_timeout_s,
                target="brp",
                follow_redirects=False,  # an API POST is answered, never redirected: a redirect is a 502
            )
            data = resp.json()
            if not isinstance(data, dict):
                raise UpstreamError("De BRP gaf een onbruikbaar antwoord")
            return data

        # A bevraging changes nothing at the source: safe to retry.
        return await call_with_retries(self._breaker, call, retries=self._s.brp_retries, idempotent=True)

    async def huishouden(self, bsn: str, ctx: RequestContext) -> Huishouden:
        data = await self._personen(
            {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": [bsn], "fields": BRP_FIELDS}, ctx
        )
        personen = data.get("personen") or []
        if not personen:
            raise NotFoundError("Deze persoon staat niet in de BRP")
        result = huishouden_from_persoon(personen[0], fetched_at=datetime.now(UTC))
        aoi = _adresseerbaar_object(personen[0])
        if aoi is None:
            # No address object (briefadres, abroad, unknown): nobody to find; the application still declares them.
            return result
        # Same headers, breaker, retries and timeout as the first bevraging (one protocolled purpose).
        bewoners = await self._personen(
            {
                "type": "ZoekMetAdresseerbaarObjectIdentificatie",
                "adresseerbaarObjectIdentificatie": aoi,
                "fields": MEDEBEWONER_FIELDS,
            },
            ctx,
        )
        return result.model_copy(update={"medebewoners": medebewoners(result, bewoners.get("personen") or [])})
