"""Domain use cases over HTTP: who may calculate what, and the mapping of domain errors to problem+json."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from gbi_domain import errors as domain_errors
from gbi_domain.engine import bereken_batch
from gbi_domain.mapping import (
    bereken,
    bereken_voorschot_antwoord,
    naar_berekening_antwoord,
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
    Problem,
    ServiceError,
    UnprocessableError,
)

__all__ = ["BatchResultaat", "DomainService", "to_service_error"]

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


class BatchResultaat:
    """One entry of a batch answer: the calculation or the problem, at the index of the request."""

    __slots__ = ("berekening", "fout", "index")

    def __init__(self, index: int, berekening: BerekeningAntwoord | None, fout: Problem | None) -> None:
        self.index = index
        self.berekening = berekening
        self.fout = fout


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

    def batch(self, verzoeken: list[BerekeningVerzoek], ctx: RequestContext) -> list[BatchResultaat]:
        """Many households in one call; each answer carries its index, a household that cannot be calculated
        carries its problem instead of failing the batch."""
        for verzoek in verzoeken:
            self._may_calculate(ctx, verzoek.gemeente)
        resultaten: list[BatchResultaat | None] = [None] * len(verzoeken)
        huishoudens = []
        posities = []
        for i, verzoek in enumerate(verzoeken):
            try:
                huishoudens.append(naar_huishouden(verzoek))
                posities.append(i)
            except domain_errors.DomainError as exc:
                resultaten[i] = BatchResultaat(i, None, _prefixed(to_service_error(exc), i).to_problem())
        for i, uitkomst in zip(posities, bereken_batch(huishoudens), strict=True):
            if isinstance(uitkomst, domain_errors.DomainError):
                resultaten[i] = BatchResultaat(i, None, _prefixed(to_service_error(uitkomst), i).to_problem())
            else:
                resultaten[i] = BatchResultaat(i, naar_berekening_antwoord(uitkomst), None)
        return [r for r in resultaten if r is not None]


def _prefixed(err: ServiceError, index: int) -> ServiceError:
    if err.invalid_params:
        err.invalid_params = [
            InvalidParam(name=f"huishoudens[{index}].{p.name}", code=p.code, reason=p.reason)
            for p in err.invalid_params
        ]
    return err
