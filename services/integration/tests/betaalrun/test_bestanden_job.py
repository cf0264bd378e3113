"""The SEPA file of a gemeente is a job of the integration process: a request waits for it at most ``WACHT_S`` and
answers 202 while it runs; asking again joins the same job (never a second one) and gets the result once it is done;
a failed job answers its error once and the next request starts afresh."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import Response

from gbi_integration.betaalrun import api
from gbi_shared import ActorType, RequestContext, ServiceUnavailableError

RUN = uuid.uuid4()
CTX = RequestContext("gbi-process", ActorType.SERVICE, frozenset({"gbi-service"}), "0363")


def _request() -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(gateway=None)))


async def _vraag(request: Any) -> Any:
    return await api.maak(RUN, api.BestandenVerzoek(gemeente="0363"), CTX, request)


def test_a_slow_file_answers_202_until_done_and_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "WACHT_S", 0.05)
    gestart: list[str] = []
    klaar = asyncio.Event()

    async def bouw(_gateway: Any, run_id: uuid.UUID, gemeente: str) -> api.BestandenAntwoord:
        gestart.append(gemeente)
        await klaar.wait()
        return api.BestandenAntwoord(message_id=f"GBI-{gemeente}-X", aantal=3, totaal_cents=300)

    monkeypatch.setattr(api, "_maak_bestanden", bouw)

    async def scenario() -> None:
        request = _request()
        for _ in range(3):
            bezig = await _vraag(request)
            assert isinstance(bezig, Response)
            assert bezig.status_code == 202
            assert json.loads(bytes(bezig.body)) == {"status": "bezig"}
        klaar.set()
        resultaat = await _vraag(request)
        assert resultaat == api.BestandenAntwoord(message_id="GBI-0363-X", aantal=3, totaal_cents=300)
        assert gestart == ["0363"]  # three requests while it ran, one job
        assert request.app.state.betaalrun_bestanden == {}  # delivered, forgotten

    asyncio.run(scenario())


def test_a_failed_job_answers_its_error_once_and_the_next_request_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api, "WACHT_S", 1.0)
    pogingen: list[int] = []

    async def bouw(_gateway: Any, run_id: uuid.UUID, gemeente: str) -> api.BestandenAntwoord:
        pogingen.append(1)
        if len(pogingen) == 1:
            raise ServiceUnavailableError("gbi-data is niet bereikbaar")
        return api.BestandenAntwoord(message_id="GBI-0363-X", aantal=1, totaal_cents=100)

    monkeypatch.setattr(api, "_maak_bestanden", bouw)

    async def scenario() -> None:
        request = _request()
        with pytest.raises(ServiceUnavailableError):
            await _vraag(request)
        assert (await _vraag(request)).aantal == 1
        assert len(pogingen) == 2

    asyncio.run(scenario())


def test_a_job_failing_with_a_timeout_is_an_error_not_a_202_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job's own TimeoutError (an upstream read timing out) is its failure, not this request's wait running out:
    it is answered once and the next request starts a new job (before, every request answered 202 for ever)."""
    monkeypatch.setattr(api, "WACHT_S", 0.5)
    gestart: list[int] = []

    async def bouw(_gateway: Any, run_id: uuid.UUID, gemeente: str) -> api.BestandenAntwoord:
        gestart.append(len(gestart))
        if len(gestart) == 1:
            raise TimeoutError("data did not answer in time")
        return api.BestandenAntwoord(message_id=f"GBI-{gemeente}-Y", aantal=1, totaal_cents=100)

    monkeypatch.setattr(api, "_maak_bestanden", bouw)

    async def scenario() -> None:
        request = _request()
        with pytest.raises(TimeoutError, match="data did not answer"):
            await _vraag(request)
        assert request.app.state.betaalrun_bestanden == {}
        resultaat = await _vraag(request)
        assert resultaat == api.BestandenAntwoord(message_id="GBI-0363-Y", aantal=1, totaal_cents=100)
        assert gestart == [0, 1]

    asyncio.run(scenario())


class _Antwoord:
    def __init__(self, payload: Any) -> None:
        self.status = 200
        self.body = json.dumps(payload).encode()

    def json(self) -> Any:
        return json.loads(self.body)


class _Data:
    """The data service as the job sees it: the account, one page of two payments, and the store of the files."""

    def __init__(self) -> None:
        self.opgeslagen: list[dict[str, Any]] = []

    async def request(self, method: str, path: str, **kw: Any) -> _Antwoord:
        if path.endswith("/betaalrekeningen/0363"):
            return _Antwoord({"naam": "Gemeente Amsterdam", "iban": "NL91ABNA0417164300", "bic": None})
        if path.endswith("/betalingen"):
            rijen = [
                [1, "u1", "NL91ABNA0417164300", "A. de Vries", 120000, 0, 0],
                [2, "u2", "NL91ABNA0417164300", "B. Bos", 5000, 0, 0],
            ]
            return _Antwoord({"maand": "2026-07", "betaaldatum": "2026-06-25", "betalingen": rijen})
        assert (method, path) == ("POST", f"/internal/data/v1/betaalruns/{RUN}/bestanden:batch")
        self.opgeslagen.append(kw["json_body"])
        return _Antwoord({})


def test_the_file_is_written_with_the_collector_paused_and_gives_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    echt = api.maak_bestanden
    tijdens: list[bool] = []

    def maak_bestanden(*args: Any, **kw: Any) -> Any:
        tijdens.append(gc.isenabled())
        return echt(*args, **kw)

    monkeypatch.setattr(api, "maak_bestanden", maak_bestanden)
    data = _Data()
    assert gc.isenabled()
    antwoord = asyncio.run(api._maak_bestanden(data, RUN, "0363"))  # type: ignore[arg-type]
    assert tijdens == [False]
    assert gc.isenabled()
    assert (antwoord.aantal, antwoord.totaal_cents) == (2, 125000)
    assert [b["soort"] for b in data.opgeslagen[0]["bestanden"]] == ["pain.001", "journaal"]
