"""Fixtures of the beschikking tests: requests for each soort built on real calculations, text extraction of the
rendered PDF, and a domain app with real signed GBI-Context headers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pypdf import PdfReader

from gbi_domain.app import create_app
from gbi_domain.mapping import bereken
from gbi_domain.settings import DomainSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_shared.contracts.berekening import BerekeningVerzoek
from gbi_testing import ec_pem_pair

ISSUER = "gbi-gateway"
AUDIENCE = "gbi-services"
ROTTERDAM = "0599"
AMSTERDAM = "0363"
BSN = "999993653"


def berekening(**extra: Any) -> dict[str, Any]:
    """A real calculation by the domain engine (alleenstaande, 45 years old, March 2026), as JSON."""
    verzoek: dict[str, Any] = {
        "gemeente": ROTTERDAM,
        "peildatum": "2026-03-01",
        "aanvrager": {"geboortedatum": "1980-05-05"},
        "vermogen": {"bezittingen": "1200.00", "schulden": "0.00"},
    }
    verzoek.update(extra)
    return bereken(BerekeningVerzoek.model_validate(verzoek)).model_dump(mode="json", by_alias=True)


def basis(**extra: Any) -> dict[str, Any]:
    verzoek: dict[str, Any] = {
        "gemeente": {
            "code": ROTTERDAM,
            "naam": "Rotterdam",
            "afzender": ["Werk en Inkomen", "Postbus 1024", "3000 BA Rotterdam"],
            "bezwaarAdres": ["Juridische Zaken, team Bezwaar", "Postbus 70012", "3000 KP Rotterdam"],
            "bezwaarUrl": "https://www.rotterdam.nl/bezwaar",
            "telefoon": "14 010",
        },
        "aanvraagId": "ALO-2026-000123",
        "aanvraagdatum": "2026-02-12",
        "zaakIdentificatie": "Z-2026-0042",
        "datum": "2026-03-20",
        "ontvanger": {"naam": "J. de Vries", "adres": ["Coolsingel 40 A", "3011 AD Rotterdam"], "bsn": BSN},
        "behandelaar": {"naam": "A. Jansen", "functie": "klantmanager Werk en Inkomen"},
    }
    verzoek.update(extra)
    return verzoek


def toekenning(**extra: Any) -> dict[str, Any]:
    velden: dict[str, Any] = {
        "soort": "toekenning",
        "ingangsdatum": "2026-03-01",
        "bedragPerMaand": "1331.42",
        "berekening": berekening(),
        "goedgekeurdDoor": {"naam": "B. Bakker", "functie": "teamleider"},
        "voorschotten": [{"betaaldOp": "2026-03-10", "bedrag": "1264.85"}],
    }
    return basis(**(velden | extra))


def afwijzing(**extra: Any) -> dict[str, Any]:
    inkomen = [{"persoon": "aanvrager", "soort": "uitkering", "nettoPerMaand": "1650.00"}]
    velden: dict[str, Any] = {
        "soort": "afwijzing",
        "berekening": berekening(inkomsten=inkomen),
        "redenen": [
            {
                "code": "geen-recht-inkomen",
                "tekst": "Uw inkomen (1650.00) is hoger dan de bijstandsnorm (1401.50)",
                "artikel": "Pw 11 lid 1; Pw 19 lid 1",
            }
        ],
    }
    return basis(**(velden | extra))


def buiten_behandeling(**extra: Any) -> dict[str, Any]:
    velden: dict[str, Any] = {
        "soort": "buiten-behandeling",
        "buitenBehandeling": {
            "verzoekDatum": "2026-02-20",
            "hersteltermijnTot": "2026-03-06",
            "ontbrekendeStukken": ["Bankafschriften van de laatste 3 maanden", "Uw huurcontract"],
        },
    }
    return basis(**(velden | extra))


def tekst_van(pdf: bytes) -> str:
    """All text of a PDF, whitespace (also the non-breaking space after the euro sign) made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def _pem_pair() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture(scope="session")
def context_keys() -> tuple[str, str]:
    return _pem_pair()


@pytest.fixture(scope="session")
def signer(context_keys: tuple[str, str]) -> ContextSigner:
    return ContextSigner(context_keys[0], issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def client(context_keys: tuple[str, str]) -> Iterator[TestClient]:
    settings = DomainSettings(
        environment="test",
        context_public_key=SecretStr(context_keys[1]),
        context_issuer=ISSUER,
        context_audience=AUDIENCE,
        log_json=False,
        log_level="WARNING",
    )
    with TestClient(create_app(settings)) as c:
        yield c


Headers = Callable[..., dict[str, str]]


@pytest.fixture
def headers(signer: ContextSigner) -> Headers:
    """Signed GBI-Context headers: ``headers(ActorType.MEDEWERKER, gemeente="0599", via=None, ...)``."""

    def make(
        actor_type: ActorType = ActorType.MEDEWERKER,
        *,
        gemeente: str | None = ROTTERDAM,
        via: str | None = None,
        roles: frozenset[str] = frozenset({"klantmanager"}),
        bsn: str | None = None,
    ) -> dict[str, str]:
        ctx = RequestContext(
            actor_id=f"{actor_type.value}-1",
            actor_type=actor_type,
            roles=roles,
            gemeente=gemeente,
            via=via,
            bsn=bsn,
        )
        return {CONTEXT_HEADER: signer.sign(ctx)}

    return make
