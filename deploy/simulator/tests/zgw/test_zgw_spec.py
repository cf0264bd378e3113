"""The official documents as the simulator reads them: every simulated route is an operation of the documents,
and the OpenAPI 3.0 to JSON Schema conversion keeps what the documents say."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from gbi_simulator.zgw.api import ROUTES
from gbi_simulator.zgw.spec import Direction, SpecSet, convert_schema, errors_of, format_checker

from .conftest import SPECS_DIR, check_response


@cache
def specs() -> SpecSet:
    return SpecSet(SPECS_DIR)


def test_the_four_documents_and_their_versions() -> None:
    assert specs().versions == {"catalogi": "1.4.0", "zaken": "1.7.0", "besluiten": "1.1.0", "documenten": "1.7.1"}


@pytest.mark.parametrize(("api", "method", "path", "operation_id"), [r[:4] for r in ROUTES])
def test_every_route_is_an_operation_of_the_official_document(
    api: str, method: str, path: str, operation_id: str
) -> None:
    op = specs().operation(api, operation_id)
    assert (op.method, op.path) == (method, path)
    assert op.secured  # every simulated operation needs the ZGW JWT


def test_operations_know_their_headers_and_bodies() -> None:
    zaak_create = specs().operation("zaken", "zaak_create")
    assert zaak_create.param("header", "Accept-Crs") is not None
    assert zaak_create.param("header", "Accept-Crs").required
    assert zaak_create.param("header", "Content-Crs") is not None
    assert zaak_create.request_schema is not None
    assert zaak_create.body_required
    # Besluiten refers to its body by components/requestBodies.
    besluit_create = specs().operation("besluiten", "besluit_create")
    assert besluit_create.request_schema == "/components/requestBodies/Besluit/content/application~1json/schema"
    rol_list = specs().operation("zaken", "rol_list")
    assert rol_list.param("query", "betrokkeneIdentificatie__natuurlijkPersoon__inpBsn") is not None


def test_nullable_becomes_a_null_branch() -> None:
    schema = convert_schema({"type": "string", "format": "date", "nullable": True}, Direction.REQUEST)
    assert schema == {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}


def test_required_leaves_out_what_the_direction_does_not_carry() -> None:
    schema = {
        "type": "object",
        "properties": {"url": {"type": "string", "readOnly": True}, "inhoud": {"type": "string", "writeOnly": True}},
        "required": ["url", "inhoud"],
    }
    assert convert_schema(schema, Direction.REQUEST)["required"] == ["inhoud"]
    assert convert_schema(schema, Direction.RESPONSE)["required"] == ["url"]


def _request_errors(api: str, operation_id: str, body: Any) -> list[tuple[str, str]]:
    return [(e.name, e.code) for e in specs().check_request(specs().operation(api, operation_id), body)]


def test_the_rol_discriminator_checks_the_betrokkene_of_its_type() -> None:
    base = {"zaak": "https://z.example/zaken/1", "roltype": "https://c.example/roltypen/1", "roltoelichting": "x"}
    assert _request_errors(
        "zaken",
        "rol_create",
        {**base, "betrokkeneType": "natuurlijk_persoon", "betrokkeneIdentificatie": {"inpBsn": "1" * 10}},
    ) == [("betrokkeneIdentificatie.inpBsn", "max_length")]
    assert (
        _request_errors(
            "zaken",
            "rol_create",
            {**base, "betrokkeneType": "medewerker", "betrokkeneIdentificatie": {"identificatie": "m"}},
        )
        == []
    )
    assert _request_errors("zaken", "rol_create", {**base, "betrokkeneType": "iemand"}) == [
        ("betrokkeneType", "invalid_choice")
    ]


def test_errors_name_the_field_the_way_the_reference_implementation_does() -> None:
    errors = _request_errors(
        "zaken",
        "zaak_create",
        {
            "bronorganisatie": "0" * 10,
            "zaaktype": "geen url",
            "startdatum": "02-06-2025",
            "verantwoordelijkeOrganisatie": None,
            "betalingsindicatie": "soms",
            "kenmerken": [{"kenmerk": "x"}],
        },
    )
    assert set(errors) == {
        ("bronorganisatie", "max_length"),
        ("zaaktype", "invalid"),
        ("startdatum", "invalid"),
        ("verantwoordelijkeOrganisatie", "null"),
        ("betalingsindicatie", "invalid_choice"),
        ("kenmerken.0.bron", "required"),
    }
    assert _request_errors("zaken", "zaak_create", {}) == [
        ("bronorganisatie", "required"),
        ("startdatum", "required"),
        ("verantwoordelijkeOrganisatie", "required"),
        ("zaaktype", "required"),
    ]


def test_read_only_fields_in_a_request_are_no_error() -> None:
    body = {
        "url": "https://x.example/statussen/1",
        "uuid": "geen-uuid",
        "zaak": "https://x.example/zaken/1",
        "statustype": "https://x.example/statustypen/1",
        "datumStatusGezet": "2025-01-01T00:00:00Z",
    }
    errors = _request_errors("zaken", "status_create", body)
    # readOnly properties are not required in a request, but when sent they are still checked on their format.
    assert errors == [("uuid", "invalid")]


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date", "2025-02-28", "2025-02-30"),
        ("date-time", "2025-06-02T09:00:00+02:00", "2025-06-02T09:00:00"),
        ("uri", "https://example.nl/a", "example.nl/a"),
        ("uuid", "6f1d6a52-8f0e-4c39-9a5e-1b0c2d6e7a10", "6f1d6a528f0e4c399a5e1b0c2d6e7a10"),
        ("duration", "P8W", "8 weken"),
        ("byte", "JVBERi0xLjQ=", "%PDF-1.4"),
        ("email", "a@b.nl", "a-at-b.nl"),
    ],
)
def test_formats(fmt: str, good: str, bad: str) -> None:
    checker = format_checker()
    assert checker.conforms(good, fmt)
    assert not checker.conforms(bad, fmt)


def test_errors_of_descends_into_a_nullable_wrapper() -> None:
    from jsonschema import Draft202012Validator

    schema = convert_schema({"type": "string", "maxLength": 3, "nullable": True}, Direction.REQUEST)
    errors = errors_of(Draft202012Validator(schema).iter_errors("abcd"))
    assert [(e.name, e.code) for e in errors] == [("nonFieldErrors", "max_length")]


def test_the_response_checker_of_these_tests_is_not_a_formality() -> None:
    with pytest.raises(AssertionError, match="required property"):
        check_response("zaken", "POST", "/zaken", 201, {"identificatie": "x"})
    with pytest.raises(AssertionError, match="schema errors"):
        check_response("zaken", "GET", "/zaken", 400, {"code": "invalid"})
    check_response(
        "zaken",
        "GET",
        "/zaken",
        400,
        {"code": "c", "title": "t", "status": 400, "detail": "d", "instance": "i", "invalidParams": []},
    )


_ZAAK_EXPANDED = "#/components/schemas/ZaakExpanded"


def _references(schema: Any) -> set[str]:
    """The ``$ref``s left anywhere in a compiled schema graph (which may be cyclic)."""
    seen: set[int] = set()
    found: set[str] = set()
    todo = [schema]
    while todo:
        node = todo.pop()
        if not isinstance(node, dict | list) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.add(node["$ref"])
            todo.extend(v for k, v in node.items() if k not in ("enum", "const", "default"))
        else:
            todo.extend(node)
    return found


def test_every_schema_is_compiled_once_with_its_references_resolved() -> None:
    """A check walks plain schemas: every reference inside the tree of documents is resolved when the validator is
    built; only references to documents not published with it stay references (reached only by an ``_expand``)."""
    s = SpecSet(SPECS_DIR)
    left: set[str] = set()
    for op in s.operations.values():
        for pointer, direction in [(op.request_schema, Direction.REQUEST)] + [
            (p, Direction.RESPONSE) for p in op.responses.values()
        ]:
            if pointer is None:
                continue
            validator = s.validator(op.api, pointer, direction)
            assert s.validator(op.api, pointer, direction) is validator  # compiled once
            left |= _references(validator.schema)
    # Besluiten 1.1.0's ``_expand`` names a Zaken 1.6.0 that is not published with it.
    assert left == {(SPECS_DIR / "zgw/zaken/zrc/1.6.x/1.6.0/openapi.yaml").resolve().as_uri() + _ZAAK_EXPANDED}
    for param in (p for op in s.operations.values() for p in op.parameters):
        s.check_parameter(param, "x")
        assert _references(s._parameter_validators[id(param)].schema) == set()


def test_a_recursive_or_shared_schema_is_one_object_and_still_checks_each_level() -> None:
    s = SpecSet(SPECS_DIR)
    op = s.operation("zaken", "zaak_create")
    assert op.request_schema is not None
    zaak = s.validator("zaken", op.request_schema, Direction.REQUEST).schema
    # The same component reached twice is the same compiled object.
    again = s.validator("zaken", "/components/schemas/Zaak", Direction.REQUEST).schema
    assert zaak is again
    # Nested levels are still checked: a kenmerk without its bron, deep inside the body.
    errors = _request_errors(
        "zaken",
        "zaak_create",
        {
            "bronorganisatie": "517439943",
            "zaaktype": "https://c.example/zaaktypen/1",
            "startdatum": "2025-06-02",
            "verantwoordelijkeOrganisatie": "517439943",
            "kenmerken": [{"kenmerk": "a", "bron": "b"}, {"kenmerk": "x"}],
        },
    )
    assert errors == [("kenmerken.1.bron", "required")]


# ------------------------------------------------------------------------------------------ compiled validators


def test_the_compiled_validator_only_ever_says_yes_for_what_python_accepts() -> None:
    """A check takes only a "yes" from jsonschema-rs; every "no" is Python's, with Python's errors. Per schema the
    two agree on a valid answer and on each way of breaking it (and CROSS_CHECK holds in every ZGW test here)."""
    specs = SpecSet(SPECS_DIR)
    op = specs.operation("zaken", "zaak_create")
    request = specs.operation("zaken", "zaak_create").request_schema
    assert request is not None
    uri = "http://sim/zgw"
    valid = {
        "identificatie": "GBI-1",
        "bronorganisatie": "002564440",
        "zaaktype": f"{uri}/catalogi/api/v1/zaaktypen/0b6f6a3c-1f4e-4c53-9a0e-1c1c1c1c1c1c",
        "verantwoordelijkeOrganisatie": "002564440",
        "startdatum": "2025-06-02",
        "kenmerken": [{"kenmerk": "a", "bron": "b"}],
    }
    broken = [
        {**valid, "startdatum": "2025-02-30"},  # format date (our checker)
        {**valid, "startdatum": 20250602},  # type
        {**valid, "bronorganisatie": "1234567890"},  # maxLength
        {**valid, "zaaktype": "geen url"},  # format uri
        {k: v for k, v in valid.items() if k != "zaaktype"},  # required
        {**valid, "kenmerken": [{"kenmerk": "a" * 41, "bron": "b"}]},  # nested maxLength
        {**valid, "vertrouwelijkheidaanduiding": "geheimer"},  # enum
        {**valid, "betalingsindicatie": None},  # nullable enum
    ]
    compiled = specs.compiled("zaken", request, Direction.REQUEST)
    assert compiled is not None
    python = specs.validator("zaken", request, Direction.REQUEST)
    assert compiled.is_valid(valid)
    assert not list(python.iter_errors(valid))
    for instance in broken:
        errors = specs.check("zaken", request, instance, Direction.REQUEST)
        assert errors, instance
        assert not compiled.is_valid(instance), instance
    assert op.responses["201"] is not None
