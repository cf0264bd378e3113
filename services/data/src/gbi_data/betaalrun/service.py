"""Use cases of the payment run in the data service: record a run, hand out work, store payments and files.

A run is idempotent per ``Idempotency-Key``. Work is handed out as the uitkeringen *without* a payment for the
month (an anti-join, not a cursor kept somewhere), so a run that was killed half-way resumes exactly where the
committed payments end, and a run repeated for a paid month finds nothing to do.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import logging
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gbi_data import audit
from gbi_data.betaalrun import repository
from gbi_data.betaalrun.models import Betaalbestand, Betaalrekening, Betaalrun, BetaalrunGemeente
from gbi_data.models import Gemeente
from gbi_data.settings import DataSettings
from gbi_shared import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    RequestContext,
    UnprocessableError,
)
from gbi_shared.contracts.betaalrekening import Betaalrekening as BetaalrekeningUit
from gbi_shared.contracts.betaalrekening import BetaalrekeningWijziging
from gbi_shared.contracts.betaalrun import Betaalrun as BetaalrunUit
from gbi_shared.contracts.betaalrun import (
    BetaalrunGemeenteVoortgang,
    BetaalrunNieuw,
    Specificatieregel,
    Uitkeringsspecificatie,
    UitkeringsspecificatieLijst,
)

__all__ = ["PROCESSING_ACTIVITY", "BetaalrunService"]

log = logging.getLogger("gbi.data.betaalrun")

PROCESSING_ACTIVITY = "gbi.betaalrun"
MAX_CHUNK = 10_000
_AMOUNTS = len(repository.BETALING_KOLOMMEN)


def _maand(value: str) -> date:
    return date.fromisoformat(value + "-01")


def _cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _mask(iban: str) -> str:
    return "*" * max(0, len(iban) - 4) + iban[-4:]


class BetaalrunService:
    def __init__(self, settings: DataSettings) -> None:
        self.pseudonymiser = audit.Pseudonymiser(settings.audit_pseudonym_key.get_secret_value())

    # --- runs -------------------------------------------------------------------------------------------------------

    def maak(
        self, session: Session, ctx: RequestContext, body: BetaalrunNieuw, idempotency_key: str
    ) -> tuple[BetaalrunUit, bool]:
        gemeenten = sorted(set(body.gemeenten))
        request_hash = self.pseudonymiser.digest(
            {"maand": body.maand, "gemeenten": gemeenten, "betaaldatum": body.betaaldatum.isoformat()}
        )
        existing = session.scalars(select(Betaalrun).where(Betaalrun.idempotency_key == idempotency_key)).first()
        if existing is not None:
            if existing.request_hash != request_hash:
                raise ConflictError("Deze Idempotency-Key hoort bij een andere betaalrun", code="idempotency-conflict")
            return self._uit(session, existing), True
        maand = _maand(body.maand)
        bekend = {
            g.code: g
            for g in session.scalars(select(Gemeente).where(Gemeente.code.in_(gemeenten)))
            if g.actief  # inactive gemeenten are treated as unknown
        }
        rekeningen = set(session.scalars(select(Betaalrekening.gemeente).where(Betaalrekening.gemeente.in_(gemeenten))))
        for i, code in enumerate(body.gemeenten):
            if code not in bekend:
                raise BadRequestError.for_field(f"gemeenten[{i}]", f"{code} is geen actieve gemeente van GBI")
            if code not in rekeningen:
                raise UnprocessableError(
                    f"Gemeente {code} heeft geen betaalrekening vastgelegd", code="geen-betaalrekening"
                )
        now = datetime.now(UTC)
        run = Betaalrun(
            id=uuid.uuid4(),
            maand=maand,
            betaaldatum=body.betaaldatum,
            gemeenten=gemeenten,
            status="lopend",
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            created_by=ctx.actor_id,
            created_at=now,
            updated_at=now,
        )
        session.add(run)
        session.flush()
        for code in gemeenten:
            self._bind(session, code)
            totaal, zonder, gedaan = repository.tel_start(session, code, maand)
            if zonder:
                log.warning(
                    "betaalrun %s, gemeente %s, maand %s: %d actieve uitkering(en) zonder grondslag worden niet "
                    "betaald",
                    run.id,
                    code,
                    body.maand,
                    zonder,
                )
            session.add(
                BetaalrunGemeente(
                    betaalrun_id=run.id,
                    gemeente=code,
                    status="open",
                    totaal=max(totaal, gedaan),
                    gedaan=gedaan,
                    updated_at=now,
                )
            )
            audit.append(
                session,
                code,
                audit.AuditEntry(
                    operation="betaalrun.starten",
                    processing_activity=PROCESSING_ACTIVITY,
                    actor=ctx.actor_id,
                    actor_type=ctx.actor_type.value,
                    purpose=ctx.purpose,
                    outcome="created",
                ),
            )
        self._bind(session, None)
        session.flush()
        return self._uit(session, run), False

    @staticmethod
    def _bind(session: Session, gemeente: str | None) -> None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT set_config('gbi.gemeente', :g, true)"), {"g": gemeente or ""})

    def _get(self, session: Session, run_id: uuid.UUID, *, lock: bool = False) -> Betaalrun:
        query = select(Betaalrun).where(Betaalrun.id == run_id)
        if lock and session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        run = session.scalars(query).first()
        if run is None:
            raise NotFoundError("Deze betaalrun bestaat niet")
        return run

    def _uit(self, session: Session, run: Betaalrun) -> BetaalrunUit:
        rows = session.scalars(
            select(BetaalrunGemeente)
            .where(BetaalrunGemeente.betaalrun_id == run.id)
            .order_by(BetaalrunGemeente.gemeente)
        ).all()
        delen = [
            BetaalrunGemeenteVoortgang(
                gemeente=r.gemeente,
                status=r.status,
                totaal=r.totaal,
                gedaan=r.gedaan,
                aantal_overboekingen=r.aantal_betalingen,
                totaal_bedrag=_cents(r.totaal_cents) if r.totaal_cents is not None else None,
                message_id=r.message_id,
            )
            for r in rows
        ]
        return BetaalrunUit(
            id=run.id,
            maand=run.maand.strftime("%Y-%m"),
            betaaldatum=run.betaaldatum,
            status=run.status,
            totaal=sum(d.totaal for d in delen),
            gedaan=sum(d.gedaan for d in delen),
            gemeenten=delen,
            fout=run.fout,
            created_at=run.created_at,
            updated_at=run.updated_at,
        )

    def lees(self, session: Session, run_id: uuid.UUID) -> BetaalrunUit:
        return self._uit(session, self._get(session, run_id))

    def claim(self, session: Session, worker: str, lease_s: int) -> BetaalrunUit | None:
        """The oldest running run whose lease is free or expired, now leased to ``worker``."""
        now = datetime.now(UTC)
        query = (
            select(Betaalrun)
            .where(Betaalrun.status == "lopend")
            .where(
                (Betaalrun.lease_until.is_(None)) | (Betaalrun.lease_until < now) | (Betaalrun.lease_owner == worker)
            )
            .order_by(Betaalrun.created_at)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        run = session.scalars(query).first()
        if run is None:
            return None
        run.lease_owner = worker
        run.lease_until = now + timedelta(seconds=lease_s)
        run.updated_at = now
        session.flush()
        return self._uit(session, run)

    def verleng(self, session: Session, run_id: uuid.UUID, worker: str, lease_s: int) -> None:
        now = datetime.now(UTC)
        result = session.execute(
            update(Betaalrun)
            .where(Betaalrun.id == run_id, Betaalrun.lease_owner == worker, Betaalrun.status == "lopend")
            .values(lease_until=now + timedelta(seconds=lease_s), updated_at=now)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConflictError("Deze betaalrun is niet (meer) van deze worker", code="lease-verloren")

    def zet_gemeente(
        self,
        session: Session,
        run_id: uuid.UUID,
        gemeente: str,
        status: str,
        *,
        aantal: int | None = None,
        totaal_cents: int | None = None,
        message_id: str | None = None,
    ) -> BetaalrunUit:
        run = self._get(session, run_id, lock=True)
        deel = session.get(BetaalrunGemeente, (run_id, gemeente))
        if deel is None:
            raise NotFoundError("Deze gemeente hoort niet bij de betaalrun")
        now = datetime.now(UTC)
        deel.status = status
        if aantal is not None:
            deel.aantal_betalingen = aantal
            deel.totaal_cents = totaal_cents
            deel.message_id = message_id
        deel.updated_at = now
        session.flush()
        statussen = set(
            session.scalars(select(BetaalrunGemeente.status).where(BetaalrunGemeente.betaalrun_id == run_id))
        )
        if statussen == {"bestand"}:
            run.status = "gereed"
            run.lease_owner = None
            run.lease_until = None
        run.updated_at = now
        session.flush()
        return self._uit(session, run)

    def mislukt(self, session: Session, run_id: uuid.UUID, fout: str) -> BetaalrunUit:
        run = self._get(session, run_id, lock=True)
        if run.status == "lopend":
            run.status = "mislukt"
            run.fout = fout[:2000]
            run.lease_owner = None
            run.lease_until = None
            run.updated_at = datetime.now(UTC)
        session.flush()
        return self._uit(session, run)

    # --- work and payments (tenant-bound) ---------------------------------------------------------------------------

    def werk(
        self,
        session: Session,
        gemeente: str,
        run_id: uuid.UUID,
        *,
        after: uuid.UUID | None,
        limit: int,
        vakantietoeslag: bool,
    ) -> tuple[bytes, int, uuid.UUID | None]:
        """The werk answer ``{maand, regels}`` as JSON bytes, with the number of rows and the last uitkering id."""
        run = self._get(session, run_id)
        if gemeente not in run.gemeenten:
            raise NotFoundError("Deze betaalrun betaalt niet in deze gemeente")
        maand = run.maand.strftime("%Y-%m")
        limit = min(limit, MAX_CHUNK)
        if session.get_bind().dialect.name == "postgresql":
            # The database writes the JSON of the rows: they never become Python objects in this service.
            tekst, aantal, laatste = repository.lees_werk_json(
                session, gemeente, run.maand, after=after, limit=limit, vakantietoeslag=vakantietoeslag
            )
            return b'{"maand":"' + maand.encode() + b'","regels":' + tekst.encode() + b"}", aantal, laatste
        regels = repository.lees_werk(
            session, gemeente, run.maand, after=after, limit=limit, vakantietoeslag=vakantietoeslag
        )
        # orjson, and each household as the JSON text it is stored as: no parse and re-encode of thousands of them.
        body = orjson.dumps(
            {
                "maand": maand,
                "regels": [
                    [
                        str(r.uitkering_id),
                        r.startdatum.isoformat(),
                        orjson.Fragment(r.huishouden_json),
                        r.voorschot_open_cents,
                        r.verlaging_bp,
                        r.vakantietoeslag_opgebouwd_cents,
                    ]
                    for r in regels
                ],
            }
        )
        return body, len(regels), regels[-1].uitkering_id if regels else None

    def schrijf(
        self, session: Session, ctx: RequestContext, gemeente: str, run_id: uuid.UUID, body: Any
    ) -> dict[str, int]:
        run = self._get(session, run_id)
        if gemeente not in run.gemeenten:
            raise NotFoundError("Deze betaalrun betaalt niet in deze gemeente")
        if run.status != "lopend":
            raise ConflictError("Deze betaalrun loopt niet meer", code="betaalrun-afgesloten")
        rows = _parse_betalingen(body)
        now = datetime.now(UTC)
        ingevoegd = repository.schrijf_betalingen(session, gemeente, run.maand, run.id, rows, now)
        if ingevoegd:
            session.execute(
                update(BetaalrunGemeente)
                .where(BetaalrunGemeente.betaalrun_id == run.id, BetaalrunGemeente.gemeente == gemeente)
                .values(gedaan=BetaalrunGemeente.gedaan + ingevoegd, updated_at=now)
            )
            # One processing-log entry per chunk: the run processes the payment facts of many people at once.
            audit.append(
                session,
                gemeente,
                audit.AuditEntry(
                    operation="betaalrun.betalingen.vastleggen",
                    processing_activity=PROCESSING_ACTIVITY,
                    actor=ctx.actor_id,
                    actor_type=ctx.actor_type.value,
                    purpose=ctx.purpose,
                    outcome="created",
                ),
            )
        return {"aantal": len(rows), "ingevoegd": ingevoegd}

    def betalingen(self, session: Session, gemeente: str, run_id: uuid.UUID, *, after: int, limit: int) -> bytes:
        run = self._get(session, run_id)
        if gemeente not in run.gemeenten:
            raise NotFoundError("Deze betaalrun betaalt niet in deze gemeente")
        limit = min(limit, MAX_CHUNK)
        if session.get_bind().dialect.name == "postgresql":
            tekst = repository.lees_betalingen_json(session, gemeente, run_id, after=after, limit=limit)
            kop = {"maand": run.maand.strftime("%Y-%m"), "betaaldatum": run.betaaldatum.isoformat()}
            return orjson.dumps(kop)[:-1] + b',"betalingen":' + tekst.encode() + b"}"
        rows = repository.lees_betalingen(session, gemeente, run_id, after=after, limit=limit)
        return orjson.dumps(
            {
                "maand": run.maand.strftime("%Y-%m"),
                "betaaldatum": run.betaaldatum.isoformat(),
                "betalingen": [
                    [int(r[0]), str(repository.as_uuid(r[1])), r[2], r[3], int(r[4]), int(r[5]), int(r[6])]
                    for r in rows
                ],
            }
        )

    def rekening(self, session: Session, gemeente: str) -> dict[str, Any]:
        row = session.get(Betaalrekening, gemeente)
        g = session.get(Gemeente, gemeente)
        if row is None or g is None:
            raise NotFoundError("Deze gemeente heeft geen betaalrekening")
        return {
            "gemeente": gemeente,
            "iban": row.iban,
            "bic": row.bic,
            "naam": row.naam,
            "toelichting": row.toelichting,
        }

    def zet_rekening(
        self, session: Session, ctx: RequestContext, gemeente: str, body: BetaalrekeningWijziging
    ) -> BetaalrekeningUit:
        """Register or replace the gemeente's payer account, audited in the same transaction. The same account
        again changes nothing (no audit entry). Refused (409) while a run of the gemeente has not made its SEPA
        file yet: that file is written with the account it reads then."""
        if session.get(Gemeente, gemeente) is None:
            raise NotFoundError("Deze gemeente bestaat niet")
        query = select(Betaalrekening).where(Betaalrekening.gemeente == gemeente)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.scalars(query).first()
        nieuw = (body.iban, body.bic, body.naam, body.toelichting)
        if row is not None and (row.iban, row.bic, row.naam, row.toelichting) == nieuw:
            return BetaalrekeningUit(
                gemeente=gemeente, iban=row.iban, bic=row.bic, naam=row.naam, toelichting=row.toelichting
            )
        lopend = session.scalars(
            select(BetaalrunGemeente.betaalrun_id)
            .join(Betaalrun, Betaalrun.id == BetaalrunGemeente.betaalrun_id)
            .where(
                BetaalrunGemeente.gemeente == gemeente,
                BetaalrunGemeente.status != "bestand",
                Betaalrun.status == "lopend",
            )
            .limit(1)
        ).first()
        if lopend is not None:
            raise ConflictError(
                f"Er loopt een betaalrun van deze gemeente ({lopend}); wijzig de betaalrekening als die klaar is",
                code="betaalrun-loopt",
            )
        if row is None:
            try:
                with session.begin_nested():
                    session.add(
                        Betaalrekening(
                            gemeente=gemeente,
                            iban=body.iban,
                            bic=body.bic,
                            naam=body.naam,
                            toelichting=body.toelichting,
                        )
                    )
            except IntegrityError:
                raise ConflictError(
                    "De betaalrekening is tegelijk door een ander vastgelegd; probeer het opnieuw",
                    code="tegelijk-gewijzigd",
                ) from None
            uitkomst = "created"
        else:
            row.iban, row.bic, row.naam, row.toelichting = nieuw
            uitkomst = "updated"
        session.flush()
        audit.append(
            session,
            gemeente,
            audit.AuditEntry(
                operation="betaalrekening.vastleggen",
                processing_activity=PROCESSING_ACTIVITY,
                actor=ctx.actor_id,
                actor_type=ctx.actor_type.value,
                purpose=ctx.purpose,
                outcome=uitkomst,
            ),
        )
        log.info("gemeente %s: betaalrekening %s (%s) door %s", gemeente, uitkomst, _mask(body.iban), ctx.actor_id)
        return BetaalrekeningUit(
            gemeente=gemeente, iban=body.iban, bic=body.bic, naam=body.naam, toelichting=body.toelichting
        )

    def bewaar_bestanden(self, session: Session, gemeente: str, run_id: uuid.UUID, body: Any) -> dict[str, Any]:
        run = self._get(session, run_id)
        if gemeente not in run.gemeenten:
            raise NotFoundError("Deze betaalrun betaalt niet in deze gemeente")
        bestanden = body.get("bestanden") if isinstance(body, dict) else None
        if not isinstance(bestanden, list) or not bestanden:
            raise BadRequestError.for_field("bestanden", "een lijst met bestanden is verplicht")
        opgeslagen = []
        for i, b in enumerate(bestanden):
            pad = f"bestanden[{i}]"
            if not isinstance(b, dict) or b.get("soort") not in ("pain.001", "journaal"):
                raise BadRequestError.for_field(f"{pad}.soort", "pain.001 of journaal")
            try:
                inhoud = base64.b64decode(str(b["inhoudGzip"]), validate=True)
                ruw = gzip.decompress(inhoud)
            except (KeyError, binascii.Error, OSError, EOFError) as exc:
                raise BadRequestError.for_field(f"{pad}.inhoudGzip", "geen geldige gzip in base64") from exc
            sha = hashlib.sha256(ruw).hexdigest()
            if b.get("sha256") != sha:
                raise BadRequestError.for_field(f"{pad}.sha256", "komt niet overeen met de inhoud")
            for veld in ("aantal", "totaalCents"):
                if type(b.get(veld)) is not int or b[veld] < 0:
                    raise BadRequestError.for_field(f"{pad}.{veld}", "een niet-negatief geheel getal")
            message_id = b.get("messageId")
            if not isinstance(message_id, str) or not 1 <= len(message_id) <= 35:
                raise BadRequestError.for_field(f"{pad}.messageId", "1 tot 35 tekens")
            bestaand = session.scalars(
                select(Betaalbestand).where(
                    Betaalbestand.betaalrun_id == run_id,
                    Betaalbestand.gemeente == gemeente,
                    Betaalbestand.soort == b["soort"],
                )
            ).first()
            if bestaand is not None:
                if bestaand.sha256 != sha:
                    raise ConflictError(f"Het bestand {b['soort']} van deze run bestaat al met een andere inhoud")
                opgeslagen.append(b["soort"])
                continue
            session.add(
                Betaalbestand(
                    gemeente=gemeente,
                    betaalrun_id=run_id,
                    soort=b["soort"],
                    message_id=message_id,
                    aantal=b["aantal"],
                    totaal_cents=b["totaalCents"],
                    sha256=sha,
                    inhoud_gzip=inhoud,
                    created_at=datetime.now(UTC),
                )
            )
            opgeslagen.append(b["soort"])
        session.flush()
        return {"bestanden": opgeslagen}

    def bestand(self, session: Session, gemeente: str, run_id: uuid.UUID, soort: str) -> tuple[bytes, str]:
        row = session.scalars(
            select(Betaalbestand).where(
                Betaalbestand.betaalrun_id == run_id, Betaalbestand.gemeente == gemeente, Betaalbestand.soort == soort
            )
        ).first()
        if row is None:
            raise NotFoundError("Dit bestand bestaat (nog) niet")
        return gzip.decompress(row.inhoud_gzip), row.sha256

    # --- uitkeringsspecificaties ------------------------------------------------------------------------------------

    def specificaties(
        self, session: Session, ctx: RequestContext, gemeente: str, bsn: str, limit: int
    ) -> UitkeringsspecificatieLijst:
        rows = repository.specificaties_van(session, gemeente, bsn, limit=limit)
        audit.append(
            session,
            gemeente,
            audit.AuditEntry(
                operation="uitkeringsspecificatie.raadplegen",
                processing_activity=PROCESSING_ACTIVITY,
                actor=self.pseudonymiser.pseudonym(ctx.actor_id) if ctx.bsn else ctx.actor_id,
                actor_type=ctx.actor_type.value,
                purpose=ctx.purpose,
                outcome="read",
                data_subject_id=self.pseudonymiser.pseudonym(bsn),
                data_subject_type="BSN",
            ),
        )
        return UitkeringsspecificatieLijst(specificaties=[_specificatie(r) for r in rows])


def _specificatie(r: Any) -> Uitkeringsspecificatie:
    (
        pid,
        _uitkering,
        maand,
        categorie,
        norm,
        inkomen,
        bijstand,
        reservering,
        verlaging,
        vakantietoeslag,
        voorschot,
        bedrag,
        versie,
        iban,
        _created,
        betaaldatum,
    ) = r
    maand = maand if isinstance(maand, date) else date.fromisoformat(str(maand))
    regels = [
        Specificatieregel(omschrijving="Bijstandsnorm", bedrag=_cents(norm), artikel="Pw 19-23"),
    ]
    if inkomen:
        regels.append(
            Specificatieregel(omschrijving="In mindering: inkomsten", bedrag=_cents(-inkomen), artikel="Pw 31-32")
        )
    regels.append(Specificatieregel(omschrijving="Bijstand", bedrag=_cents(bijstand), artikel="Pw 11; Pw 19"))
    regels.append(
        Specificatieregel(
            omschrijving="Reservering vakantietoeslag", bedrag=_cents(-reservering), artikel="Pw 19 lid 3"
        )
    )
    if verlaging:
        regels.append(
            Specificatieregel(omschrijving="Verlaging (maatregel)", bedrag=_cents(-verlaging), artikel="Pw 18 lid 2")
        )
    if vakantietoeslag:
        regels.append(
            Specificatieregel(
                omschrijving="Uitbetaling vakantietoeslag", bedrag=_cents(vakantietoeslag), artikel="Pw 19 lid 3"
            )
        )
    if voorschot:
        regels.append(
            Specificatieregel(omschrijving="Verrekening betaald voorschot", bedrag=_cents(-voorschot), artikel="Pw 52")
        )
    return Uitkeringsspecificatie(
        id=str(pid),
        maand=maand.strftime("%Y-%m"),
        betaaldatum=betaaldatum if isinstance(betaaldatum, date) else date.fromisoformat(str(betaaldatum)),
        normcategorie=categorie,
        regels=regels,
        uit_te_betalen=_cents(bedrag),
        iban=_mask(iban),
        regelset_versie=versie,
    )


_UUID_CANONIEK = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MAX_CENTEN = 10**11
_INT = {int}


def _uitkering_id(value: Any, pad: str) -> str:
    """The uitkering id in its canonical text form (lower case, hyphens): the form the data service hands out is
    taken as it is, any other spelling of a uuid is normalised, anything else is refused."""
    if type(value) is str and _UUID_CANONIEK.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise BadRequestError.for_field(pad, "geen geldige uitkering-id") from exc


def _parse_betalingen(body: Any) -> list[tuple[Any, ...]]:
    """Check the write body strictly: ``{"betalingen": [[uitkeringId, normcategorie|null, 8 cents..., versie]]}``.
    The amounts must add up: bedrag = bijstand - reservering - verlaging + vakantietoeslag - voorschot >= 0.
    Rows come back as (uitkering id as canonical text, normcategorie, the 8 amounts, versie). Thousands of rows per
    call: the checks of a row are C-level operations where they can be (``map``, ``min``, ``max``)."""
    items = body.get("betalingen") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise BadRequestError.for_field("betalingen", "een niet-lege lijst is verplicht")
    if len(items) > MAX_CHUNK:
        raise BadRequestError.for_field("betalingen", f"hoogstens {MAX_CHUNK} per verzoek")
    rows: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    breedte = 3 + _AMOUNTS
    for i, item in enumerate(items):
        if type(item) is not list or len(item) != breedte:
            raise BadRequestError.for_field(f"betalingen[{i}]", f"een rij van {breedte} waarden")
        uid = _uitkering_id(item[0], f"betalingen[{i}][0]")
        if uid in seen:
            raise BadRequestError.for_field(f"betalingen[{i}][0]", "uitkering komt twee keer voor")
        seen.add(uid)
        categorie = item[1]
        if categorie is not None and (type(categorie) is not str or len(categorie) > 30):
            raise BadRequestError.for_field(f"betalingen[{i}][1]", "normcategorie: tekst of null")
        amounts = item[2 : 2 + _AMOUNTS]
        if set(map(type, amounts)) != _INT or min(amounts) < 0 or max(amounts) > _MAX_CENTEN:
            j = next(j for j, a in enumerate(amounts) if type(a) is not int or not 0 <= a <= _MAX_CENTEN)
            raise BadRequestError.for_field(f"betalingen[{i}][{2 + j}]", "centen: geheel getal >= 0")
        _norm, _ink, bijstand, reservering, verlaging, vt, voorschot, bedrag = amounts
        if bedrag != bijstand - reservering - verlaging + vt - voorschot:
            raise BadRequestError.for_field(f"betalingen[{i}]", "de bedragen tellen niet op tot het uit te betalen")
        versie = item[-1]
        if type(versie) is not str or not 1 <= len(versie) <= 60:
            raise BadRequestError.for_field(f"betalingen[{i}][{2 + _AMOUNTS}]", "regelsetversie: 1-60 tekens")
        rows.append((uid, categorie, *amounts, versie))
    return rows


def parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError.for_field("body", "geen geldige JSON") from exc
