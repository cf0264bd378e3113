"""Domain use cases over HTTP: who may calculate what, and the mapping of domain errors to problem+json."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from gbi_domain import errors as domain_errors
from gbi_domain.engine import bereken_batch
from gbi_domain.engine.gc_pauze import gc_gepauzeerd
from gbi_domain.mapping import (
    bereken,
    bereken_voorschot_antwoord,
    berekening_json,
    naar_huishouden,
    zoek_norm_antwoord,
)
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.berekening import (
    BerekeningAntwoord,
    BerekeningVerzoek,
    NormAntwoord,
    VoorschotAntwoord,
)
from gbi_shared.errors import (
    BadRequestError,
    ForbiddenError,
    InvalidParam,
    NotFoundError,
    ServiceError,
    UnprocessableError,
)

__all__ = ["DomainService", "to_service_error"]

T = TypeVar("T")


def to_service_error(exc: domain_errors.DomainError, *, lookup: bool = False) -> ServiceError:
    """Domain errors as problem+json: an unknown norm is a 404 for a lookup and a 422 inside a calculation."""
    if isinstance(exc, domain_errors.UndecidableError):
        return UnprocessableError(
            exc.message,
            code="niet-automatisch-beslisbaar",
            invalid_params=[InvalidParam(name=exc.field, code=exc.code, reason=exc.reason)],
        )
    if isinstance(exc, domain_errors.InvalidInputError):
        return BadRequestError(
            exc.message, invalid_params=[InvalidParam(name=exc.field, code=exc.code, reason=exc.reason)]
        )
    if isinstance(exc, domain_errors.NotFoundError):
        if lookup:
            return NotFoundError(exc.message, code=exc.code)
        return UnprocessableError(exc.message, code="regel-onbekend-op-peildatum")
    return UnprocessableError(exc.message, code=exc.code)


def _guard(call: Callable[[], T], *, lookup: bool = False) -> T:
    try:
        return call()
    except domain_errors.DomainError as exc:
        raise to_service_error(exc, lookup=lookup) from exc


class DomainService:
    """Calculations are open to staff, system clients and GBI services; a GBI service may calculate on behalf of
    a citizen (the proefberekening). Staff and system clients calculate only for their own gemeente."""

    def mag_rekenen(self, ctx: RequestContext, gemeente: str) -> None:
        """403 unless ``ctx`` may calculate for ``gemeente`` (the rule of every calculation, also those under
        local policy)."""
        self._may_calculate(ctx, gemeente)

    def _may_calculate(self, ctx: RequestContext, gemeente: str) -> None:
        if ctx.actor_type is ActorType.BURGER and ctx.via is None:
            raise ForbiddenError("Een burger rekent via een proefberekening of een aanvraag")
        if ctx.actor_type in (ActorType.MEDEWERKER, ActorType.SYSTEEM) and ctx.gemeente != gemeente:
            raise ForbiddenError("U kunt alleen rekenen voor uw eigen gemeente")
        if ctx.actor_type is ActorType.BURGER and ctx.gemeente not in (None, gemeente):
            raise ForbiddenError("Deze berekening hoort bij een andere gemeente")

    def norm(self, categorie: str, peildatum: date) -> NormAntwoord:
        return _guard(lambda: zoek_norm_antwoord(categorie, peildatum), lookup=True)

    def bereken(self, verzoek: BerekeningVerzoek, ctx: RequestContext) -> BerekeningAntwoord:
        self._may_calculate(ctx, verzoek.gemeente)
        return _guard(lambda: bereken(verzoek))

    def voorschot(self, verzoek: BerekeningVerzoek, ctx: RequestContext) -> VoorschotAntwoord:
        self._may_calculate(ctx, verzoek.gemeente)
        return _guard(lambda: bereken_voorschot_antwoord(verzoek))

    def batch_json(self, verzoeken: list[BerekeningVerzoek], ctx: RequestContext) -> bytes:
        """Many households in one call, answered as the JSON of ``BatchAntwoord``: each result carries its index;
        a household that cannot be calculated carries its problem instead of failing the batch.

        Only engine values are built per household, no pydantic model per explanation line; the JSON is written
        from them (:func:`gbi_domain.mapping.berekening_json`) and equals what the models would give.
        """
        for gemeente in dict.fromkeys(verzoek.gemeente for verzoek in verzoeken):
            self._may_calculate(ctx, gemeente)
        with gc_gepauzeerd():
            delen: list[str] = [""] * len(verzoeken)
            huishoudens = []
            posities = []
            fouten = 0
            for i, verzoek in enumerate(verzoeken):
                try:
                    huishoudens.append(naar_huishouden(verzoek))
                    posities.append(i)
                except domain_errors.DomainError as exc:
                    delen[i] = _batch_fout(i, exc)
                    fouten += 1
            for i, uitkomst in zip(posities, bereken_batch(huishoudens), strict=True):
                if isinstance(uitkomst, domain_errors.DomainError):
                    delen[i] = _batch_fout(i, uitkomst)
                    fouten += 1
                else:
                    delen[i] = f'{{"index":{i},"berekening":{berekening_json(uitkomst)},"fout":null}}'
            # the head and tail joined onto the first and last part: the answer (19 MB for 10,000 households) is
            # copied once by the join and once by encode, not a third time by an f-string around the join
            if not delen:
                return b'{"aantal":0,"aantalFouten":0,"resultaten":[]}'
            delen[0] = f'{{"aantal":{len(delen)},"aantalFouten":{fouten},"resultaten":[{delen[0]}'
            delen[-1] += "]}"
            return ",".join(delen).encode()


def _batch_fout(index: int, exc: domain_errors.DomainError) -> str:
    probleem = _prefixed(to_service_error(exc), index).to_problem()
    return f'{{"index":{index},"berekening":null,"fout":{probleem.model_dump_json(by_alias=True)}}}'


def _prefixed(err: ServiceError, index: int) -> ServiceError:
    if err.invalid_params:
        err.invalid_params = [
            InvalidParam(name=f"huishoudens[{index}].{p.name}", code=p.code, reason=p.reason)
            for p in err.invalid_params
        ]
    return err
