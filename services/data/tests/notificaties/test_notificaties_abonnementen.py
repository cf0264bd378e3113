"""Kanalen (GBI-wide, seeded with ``aanvragen``) and abonnementen per gemeente: who may manage them, validation of
kanalen and filters, and the Authorization header as a secret: encrypted at rest, never returned, only a hint."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from gbi_data.notificaties.geheim import AuthKluis, hint

N = "/internal/data/v1/notificaties"
AUTH = "Bearer abonnee-geheim-0123456789abcdef"


def test_the_aanvragen_kanaal_is_seeded(nrc) -> None:
    body = nrc.client.get(f"{N}/kanalen", headers=nrc.callers.klantmanager()).json()
    kanalen = {k["naam"]: k for k in body["items"]}
    assert kanalen["aanvragen"]["filters"] == ["gemeente", "status", "besluitSoort"]
    assert nrc.client.get(f"{N}/kanalen/aanvragen", headers=nrc.callers.integrator()).status_code == 200
    assert nrc.client.get(f"{N}/kanalen/bestaat-niet", headers=nrc.callers.integrator()).status_code == 404


def test_kanalen_are_managed_by_services_and_beheerders(nrc) -> None:
    c, callers = nrc.client, nrc.callers
    body = {"naam": "betalingen", "documentatieLink": "https://gbi.example/notificaties", "filters": ["gemeente"]}
    for headers in (callers.klantmanager(), callers.integrator()):
        assert c.post(f"{N}/kanalen", json=body, headers=headers).status_code == 403
    created = c.post(f"{N}/kanalen", json=body, headers=callers.beheerder())
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith("/notificaties/kanalen/betalingen")
    again = c.post(f"{N}/kanalen", json=body, headers=callers.service())
    assert again.status_code == 409
    assert again.json()["code"] == "kanaal-bestaat"
    changed = c.put(f"{N}/kanalen/betalingen", json={"filters": ["gemeente", "periode"]}, headers=callers.service())
    assert changed.json() == {"naam": "betalingen", "documentatieLink": None, "filters": ["gemeente", "periode"]}
    bad = c.post(f"{N}/kanalen", json=body | {"naam": "Met Spaties"}, headers=callers.service())
    assert bad.status_code == 400
    assert bad.json()["invalidParams"][0]["name"] == "naam"
    # In use by an abonnement (of any gemeente): 409; free again: 204.
    abonnement = nrc.abonnement(gemeente="0599", kanalen=[{"naam": "betalingen"}])
    in_use = c.delete(f"{N}/kanalen/betalingen", headers=callers.service())
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "kanaal-in-gebruik"
    assert c.delete(f"{N}/abonnementen/{abonnement['id']}", headers=callers.beheerder("0599")).status_code == 204
    assert c.delete(f"{N}/kanalen/betalingen", headers=callers.service()).status_code == 204
    assert c.get(f"{N}/kanalen/betalingen", headers=callers.service()).status_code == 404
    assert c.delete(f"{N}/kanalen/betalingen", headers=callers.service()).status_code == 404


def test_an_abonnement_never_shows_its_authorization_header(nrc, owner_sql) -> None:
    abonnement = nrc.abonnement(filters={"status": "besloten"})
    assert abonnement["authHint"] == "Bearer ****cdef"
    assert abonnement["kanalen"] == [{"naam": "aanvragen", "filters": {"status": "besloten"}}]
    assert abonnement["eigenaar"] == "gemeente"
    assert abonnement["gemeente"] == "0363"
    for response in (
        nrc.client.get(f"{N}/abonnementen", headers=nrc.callers.beheerder()),
        nrc.client.get(f"{N}/abonnementen/{abonnement['id']}", headers=nrc.callers.service()),
    ):
        assert response.status_code == 200
        assert "abonnee-geheim" not in response.text
    # At rest it is encrypted: the row holds no trace of it.
    rows = owner_sql("SELECT auth_versleuteld, auth_hint FROM abonnementen")
    assert len(rows) == 1
    assert "abonnee-geheim" not in rows[0][0]
    assert rows[0][1] == "Bearer ****cdef"


def test_hints_and_encryption() -> None:
    assert hint("Bearer a4daa31e5b0e4b8f9d7c") == "Bearer ****9d7c"
    assert hint("Token kort") == "Token ****"
    assert hint("0123456789abcdefXYZW") == "****XYZW"
    assert hint("Basic dXNlcjpwYXNzd29yZA==") == "Basic ****ZA=="
    kluis = AuthKluis("een-sleutel-van-de-dataservice-0123456789")
    token = kluis.versleutel(AUTH)
    assert AUTH not in token
    assert kluis.ontsleutel(token) == AUTH
    other = AuthKluis("een-andere-sleutel-0123456789abcdefghij")
    try:
        other.ontsleutel(token)
    except ValueError:
        pass
    else:
        raise AssertionError("decrypted with another key")


def test_replace_keeps_or_changes_the_auth(nrc, owner_sql) -> None:
    abonnement = nrc.abonnement()
    path = f"{N}/abonnementen/{abonnement['id']}"
    body = {"callbackUrl": "https://abonnee.example/notificaties", "kanalen": [{"naam": "aanvragen"}]}
    kept = nrc.client.put(path, json=body, headers=nrc.callers.beheerder())
    assert kept.status_code == 200, kept.text
    assert kept.json()["authHint"] == abonnement["authHint"]
    assert kept.json()["callbackUrl"] == "https://abonnee.example/notificaties"
    before = owner_sql("SELECT auth_versleuteld FROM abonnementen")[0][0]
    new_auth = body | {"auth": "Token nieuw-geheim-abcdefghijklmn"}
    changed = nrc.client.put(path, json=new_auth, headers=nrc.callers.beheerder())
    assert changed.json()["authHint"] == "Token ****klmn"
    assert owner_sql("SELECT auth_versleuteld FROM abonnementen")[0][0] != before


def test_kanalen_and_filters_are_checked(nrc) -> None:
    c = nrc.client

    def post(kanalen: list[dict[str, object]], **extra: object) -> object:
        body = {"callbackUrl": "http://127.0.0.1:9/cb", "auth": AUTH, "kanalen": kanalen} | extra
        return c.post(f"{N}/abonnementen", json=body, headers=nrc.callers.beheerder())

    unknown = post([{"naam": "aanvragen"}, {"naam": "onbekend"}])
    assert unknown.status_code == 400
    assert [p["name"] for p in unknown.json()["invalidParams"]] == ["kanalen.1.naam"]
    bad_filter = post([{"naam": "aanvragen", "filters": {"bsn": "999993653"}}])
    assert bad_filter.status_code == 400
    assert [p["name"] for p in bad_filter.json()["invalidParams"]] == ["kanalen.0.filters.bsn"]
    assert post([]).status_code == 400
    for url in ("ftp://host/x", "http://user:pw@host/x", "/relatief", "http://host/x#frag", "http://host:poort/"):
        response = c.post(
            f"{N}/abonnementen",
            json={"callbackUrl": url, "auth": AUTH, "kanalen": [{"naam": "aanvragen"}]},
            headers=nrc.callers.beheerder(),
        )
        assert response.status_code == 400, url
        assert response.json()["invalidParams"][0]["name"] == "callbackUrl"
    missing_auth = c.post(
        f"{N}/abonnementen",
        json={"callbackUrl": "http://h/x", "kanalen": [{"naam": "aanvragen"}]},
        headers=nrc.callers.beheerder(),
    )
    assert missing_auth.status_code == 400
    assert "abonnee-geheim" not in missing_auth.text


def test_production_wants_https_to_a_public_host(tmp_path, context_keys) -> None:
    from gbi_data.notificaties.service import NotificatieService
    from gbi_data.settings import DataSettings
    from gbi_shared import BadRequestError

    settings = DataSettings(
        database_url=f"sqlite:///{tmp_path / 'gbi.db'}",
        environment="production",
        audit_pseudonym_key="een-echte-productiesleutel-0123456789abcdef",
        context_public_key=context_keys[1],
        log_level="WARNING",
    )
    service = NotificatieService(settings)
    for url in ("http://abonnee.example/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://localhost/x"):
        try:
            service._check_callback(url)
        except BadRequestError:
            continue
        raise AssertionError(url)
    service._check_callback("https://abonnee.example/notificaties")
    service._check_callback("https://8.8.8.8/notificaties")


def test_integrators_manage_their_own_and_beheerders_all(nrc) -> None:
    c, callers = nrc.client, nrc.callers
    mine = callers.integrator("integrator-0363")
    own = nrc.abonnement(headers=mine)
    other = nrc.abonnement(headers=callers.integrator("integrator-andere"))
    gemeente = nrc.abonnement()
    assert own["eigenaar"] == "integrator-0363"
    listed = c.get(f"{N}/abonnementen", headers=mine).json()["items"]
    assert [a["id"] for a in listed] == [own["id"]]
    assert c.get(f"{N}/abonnementen/{other['id']}", headers=mine).status_code == 404
    assert c.delete(f"{N}/abonnementen/{other['id']}", headers=mine).status_code == 404
    assert c.delete(f"{N}/abonnementen/{gemeente['id']}", headers=mine).status_code == 404
    everything = c.get(f"{N}/abonnementen", headers=callers.beheerder()).json()["items"]
    assert {a["id"] for a in everything} == {own["id"], other["id"], gemeente["id"]}
    assert c.get(f"{N}/abonnementen", headers=callers.klantmanager()).status_code == 403
    body = {"callbackUrl": "http://h/x", "auth": AUTH, "kanalen": [{"naam": "aanvragen"}]}
    assert c.post(f"{N}/abonnementen", json=body, headers=callers.klantmanager()).status_code == 403


def test_another_gemeentes_abonnement_does_not_exist(nrc) -> None:
    c, callers = nrc.client, nrc.callers
    amsterdam = nrc.abonnement()
    assert c.get(f"{N}/abonnementen/{amsterdam['id']}", headers=callers.beheerder("0599")).status_code == 404
    assert c.get(f"{N}/abonnementen", headers=callers.beheerder("0599")).json()["items"] == []
    body = {"callbackUrl": "http://h/x", "kanalen": [{"naam": "aanvragen"}]}
    assert c.put(f"{N}/abonnementen/{amsterdam['id']}", json=body, headers=callers.beheerder("0599")).status_code == 404
    assert c.delete(f"{N}/abonnementen/{amsterdam['id']}", headers=callers.service("0599")).status_code == 404
    assert c.get(f"{N}/abonnementen/{uuid.uuid4()}", headers=callers.beheerder()).status_code == 404
    assert c.get(f"{N}/abonnementen/{amsterdam['id']}", headers=callers.beheerder()).status_code == 200


def test_without_a_gemeente_or_context(client: TestClient, callers) -> None:
    assert client.get(f"{N}/abonnementen").status_code == 401
    assert client.get(f"{N}/abonnementen", headers=callers.service(None)).status_code == 403
