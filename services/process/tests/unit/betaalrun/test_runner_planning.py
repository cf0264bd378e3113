"""How the payment run plans its gemeenten (``gbi_process.betaalrun.runner.betaal_run``), with the other layers
replaced by a recorder: a gemeente holds a payment slot only while its payments are computed, so the next
gemeente's payments are computed while the integration layer still writes the SEPA files of the ones before.
The real layers and the run's results are proven end to end in ``tests/e2e/test_betaalrun.py``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from gbi_process.betaalrun import runner
from gbi_shared import NotFoundError

RUN = "00000000-0000-4000-8000-000000000001"


class _Resp:
    def __init__(self, payload: Any = None, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.headers = headers or {}

    def json(self) -> Any:
        return json.loads(self.body)


class Lagen:
    """Data, domain and integration as the run sees them: each gemeente has one chunk of one uitkering; the
    integration layer answers 202 for the files of ``wacht_op_bestanden`` until ``laatste`` is paid."""

    def __init__(self, gemeenten: list[str], laatste: str) -> None:
        self.gemeenten = gemeenten
        self.laatste = laatste
        self.laatste_betaald = asyncio.Event()
        self.gelezen: set[str] = set()
        self.log: list[tuple[str, str]] = []

    async def request(self, method: str, path: str, **kw: Any) -> _Resp:
        g = kw.get("gemeente")
        if path == "/api/v1/beleid/vakantiegeld":
            raise NotFoundError("Geen beleid vakantiegeld")
        if path.endswith("/werk"):
            if g in self.gelezen:
                return _Resp({"maand": "2026-07", "regels": []}, headers={"GBI-Aantal": "0"})
            self.gelezen.add(str(g))
            regel = [f"u-{g}", "2024-01-01", {}, 0, 0, 0]
            return _Resp({"maand": "2026-07", "regels": [regel]}, headers={"GBI-Aantal": "1", "GBI-Laatste": "u"})
        if path.endswith("/bedragen:batch"):
            return _Resp({"betalingen": [[f"u-{g}"]], "fouten": []}, headers={"GBI-Aantal": "1", "GBI-Fouten": "0"})
        if path.endswith("/betalingen:batch"):
            return _Resp({"ingevoegd": 1})
        if path.endswith("/lease"):
            return _Resp({})
        if "/gemeenten/" in path:
            gemeente = path.rsplit("/", 1)[1]
            status = kw["json_body"]["status"]
            self.log.append((gemeente, status))
            if gemeente == self.laatste and status == "betaald":
                self.laatste_betaald.set()
            return _Resp({})
        if path.endswith("/bestanden"):
            if g != self.laatste and not self.laatste_betaald.is_set():
                return _Resp({"status": "bezig"}, status=202)
            return _Resp({"messageId": f"GBI-{g}", "aantal": 1, "totaalCents": 100})
        raise AssertionError(f"unexpected call {method} {path}")  # pragma: no cover


@pytest.mark.parametrize("tegelijk", [1, 2])
def test_the_next_gemeente_is_paid_while_the_files_of_the_ones_before_are_written(
    tegelijk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "BESTAND_POLL_S", 0.01)
    monkeypatch.setattr(runner, "GEMEENTEN_TEGELIJK", tegelijk)
    gemeenten = {"0363": 300, "0599": 200, "0518": 100}
    lagen = Lagen(list(gemeenten), laatste="0518")
    run = {
        "id": RUN,
        "maand": "2026-07",
        "gemeenten": [{"gemeente": g, "status": "open", "totaal": n} for g, n in gemeenten.items()],
    }

    async def main() -> runner.RunResultaat:
        # With a slot held over the files, 0518 would never be paid: the files of the larger two wait for it.
        return await asyncio.wait_for(runner.betaal_run(lagen, run, "w"), timeout=20)  # type: ignore[arg-type]

    resultaat = asyncio.run(main())
    assert resultaat.betaald == 3
    assert resultaat.fouten == []
    betaald = [g for g, s in lagen.log if s == "betaald"]
    assert betaald[-1] == "0518"  # the largest first
    assert sorted(betaald) == sorted(gemeenten)
    assert sorted(g for g, s in lagen.log if s == "bestand") == sorted(gemeenten)
    # the files of the larger two were finished only after the smallest was paid
    assert lagen.log.index(("0518", "betaald")) < lagen.log.index(("0363", "bestand"))
    assert lagen.log.index(("0518", "betaald")) < lagen.log.index(("0599", "bestand"))


def test_a_gemeente_already_paid_only_gets_its_files() -> None:
    lagen = Lagen(["0363"], laatste="0363")
    run = {"id": RUN, "maand": "2026-07", "gemeenten": [{"gemeente": "0363", "status": "betaald", "totaal": 5}]}
    resultaat = asyncio.run(runner.betaal_run(lagen, run, "w"))  # type: ignore[arg-type]
    assert resultaat.betaald == 0
    assert lagen.gelezen == set()
    assert lagen.log == [("0363", "bestand")]
