"""Web pages through the gateway: forwarded to the interaction layer by session cookie, never with a context or a
caller's Authorization header; the API stays behind its Bearer token."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from gbi_gateway.web import is_web_path

from .conftest import Echo, Tokens


def _seen(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


@pytest.mark.parametrize(
    "path",
    ["/", "/portaal", "/portaal/aanvragen/1", "/werkplek", "/beheer/x", "/management", "/static/a.css", "/login"],
)
def test_page_paths_reach_the_interaction_layer_without_a_token(gateway: TestClient, echo: Echo, path: str) -> None:
    seen = _seen(gateway.get(path, headers={"Cookie": "gbi_sessie=abc"}))
    assert seen["layer"] == "interaction"
    assert seen["path"] == path
    assert seen["headers"]["cookie"] == "gbi_sessie=abc"
    assert "gbi-context" not in seen["headers"]
    assert seen["headers"]["x-forwarded-host"] == "testserver"


def test_a_page_never_gets_a_context_or_the_callers_authorization(
    gateway: TestClient, echo: Echo, tokens: Tokens
) -> None:
    headers = {**tokens.bearer("burger"), "GBI-Context": "forged", "GBI-Gemeente": "0363", "X-Custom": "x"}
    seen = _seen(gateway.get("/portaal", headers=headers))
    for name in ("authorization", "gbi-context", "gbi-gemeente", "x-custom"):
        assert name not in seen["headers"]


def test_a_form_post_is_forwarded_with_its_body_and_set_cookie_comes_back(gateway: TestClient, echo: Echo) -> None:
    cookies = json.dumps([["Set-Cookie", "a=1; HttpOnly"], ["Set-Cookie", "b=2; HttpOnly"]])
    resp = gateway.post(
        "/login?echo_headers=" + quote(cookies),
        content=b"csrf=t&bsn=999993653",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "http://testserver",
            "X-CSRF-Token": "t",
        },
    )
    seen = _seen(resp)
    assert seen["method"] == "POST"
    assert seen["body"] == "csrf=t&bsn=999993653"
    assert seen["headers"]["origin"] == "http://testserver"
    assert seen["headers"]["x-csrf-token"] == "t"
    assert resp.headers.get_list("set-cookie") == ["a=1; HttpOnly", "b=2; HttpOnly"]


def test_the_api_still_needs_a_bearer_token(gateway: TestClient, echo: Echo) -> None:
    resp = gateway.get("/api/v1/aanvragen", headers={"Cookie": "gbi_sessie=abc"})
    assert resp.status_code == 401
    assert echo.seen == []


def test_look_alike_paths_are_no_pages() -> None:
    assert is_web_path("/portaal/x")
    assert not is_web_path("/portaalx")
    assert not is_web_path("/portaal/../internal/data/v1/x")
    assert not is_web_path("/internal/data/v1")
    assert not is_web_path("/api/v1/aanvragen")


def test_a_look_alike_path_is_not_forwarded_as_a_page(gateway: TestClient, echo: Echo) -> None:
    resp = gateway.get("/portaalx")
    assert resp.status_code in (401, 404)
    assert echo.seen == []


def test_a_redirect_of_a_page_reaches_the_browser_unfollowed(gateway: TestClient, echo: Echo) -> None:
    headers = json.dumps({"Location": "http://127.0.0.1:9/idp/authorize?state=x"})
    resp = gateway.get("/login?echo_status=303&echo_headers=" + quote(headers), follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "http://127.0.0.1:9/idp/authorize?state=x"
    assert len(echo.seen) == 1
