"""The ALO store documents its routes, their idempotent answers and the two ways to upload a document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gbi_data.app import create_app
from gbi_data.settings import DataSettings

V1 = "/internal/data/v1"
ALO_PATHS = {
    f"{V1}/klok",
    f"{V1}/aanvragen",
    f"{V1}/aanvragen/{{aanvraagId}}",
    f"{V1}/aanvragen/{{aanvraagId}}/tijdlijn",
    f"{V1}/aanvragen/{{aanvraagId}}/documenten",
    f"{V1}/aanvragen/{{aanvraagId}}/besluit",
    f"{V1}/aanvragen/{{aanvraagId}}/uitkering",
    f"{V1}/aanvragen/{{aanvraagId}}/voorschotten",
    f"{V1}/documenten/{{documentId}}/inhoud",
    f"{V1}/uitkeringen",
    f"{V1}/voorschotten",
    f"{V1}/procesinstanties",
    f"{V1}/procesinstanties:claim",
    f"{V1}/procesinstanties/{{procesinstantieId}}",
    f"{V1}/procesinstanties/{{procesinstantieId}}/stappen",
    f"{V1}/procesinstanties/{{procesinstantieId}}/stappen/{{stapSleutel}}",
    f"{V1}/taken",
    f"{V1}/taken/tellingen",
    f"{V1}/taken/{{taakId}}",
    f"{V1}/taken/{{taakId}}:claim",
    f"{V1}/taken/{{taakId}}:vrijgeven",
    f"{V1}/taken/{{taakId}}:herverdelen",
    f"{V1}/taken/{{taakId}}:afronden",
    f"{V1}/taken/{{taakId}}/opmerkingen",
}


def test_openapi_documents_the_alo_routes(tmp_path) -> None:
    settings = DataSettings(database_url=f"sqlite:///{tmp_path / 'gbi.db'}", environment="test", log_level="WARNING")
    with TestClient(create_app(settings)) as client:
        spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) >= ALO_PATHS
    create = paths[f"{V1}/aanvragen"]["post"]
    assert {"200", "201", "400", "401", "403", "409"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in create["parameters"])
    upload = paths[f"{V1}/aanvragen/{{aanvraagId}}/documenten"]["post"]
    assert set(upload["requestBody"]["content"]) == {"application/json", "application/pdf", "image/png", "image/jpeg"}
    assert {"413", "415"} <= set(upload["responses"])
    content = paths[f"{V1}/documenten/{{documentId}}/inhoud"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/pdf", "image/png", "image/jpeg"}
    assert "409" in paths[f"{V1}/procesinstanties/{{procesinstantieId}}"]["put"]["responses"]
    for schema in ("Aanvraag", "Procesinstantie", "TaakDetail", "Document", "Besluit", "Voorschot", "Klok"):
        assert schema in spec["components"]["schemas"]
