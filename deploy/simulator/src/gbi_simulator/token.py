"""Print a development access token from the running simulator's identity provider.

    python -m gbi_simulator.token burger --bsn 999993653
    python -m gbi_simulator.token medewerker --gemeente 0363 --roles klantmanager,teamleider [--name "An de Vries"]
    python -m gbi_simulator.token client --client-id gbi-process --client-secret ...

The IdP is reached at ``--idp-url`` (default ``$GBI_SIMULATOR_IDP_ISSUER``, else the simulator of a suite started
with ``GBI_BASE_PORT`` (base port + 90), else http://127.0.0.1:8090/idp); the access token alone is written to
stdout, so ``TOKEN=$(python -m gbi_simulator.token burger --bsn ...)`` works.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from urllib.parse import urlencode, urlsplit

from gbi_simulator._constants import DEFAULT_IDP_ISSUER, idp_issuer_for_base_port

__all__ = ["Post", "TokenError", "default_idp_url", "main", "request_token"]

# (url, form fields) -> (status, JSON body); replaceable in tests.
Post = Callable[[str, dict[str, str]], tuple[int, dict[str, object]]]


class TokenError(Exception):
    """The IdP refused, or could not be reached."""


def _http_post(url: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
    if urlsplit(url).scheme not in ("http", "https"):
        raise TokenError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the scheme is checked above
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        return exc.code, body if isinstance(body, dict) else {}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TokenError(f"identity provider at {url} is not reachable: {exc}") from exc


def _form(args: argparse.Namespace) -> dict[str, str]:
    if args.kind == "burger":
        form = {"grant_type": "urn:gbi:dev", "actor_type": "burger", "bsn": args.bsn}
    elif args.kind == "medewerker":
        form = {"grant_type": "urn:gbi:dev", "actor_type": "medewerker", "gemeente": args.gemeente, "roles": args.roles}
    else:
        form = {"grant_type": "client_credentials", "client_id": args.client_id, "client_secret": args.client_secret}
    if getattr(args, "name", None):
        form["name"] = args.name
    return form


def request_token(idp_url: str, form: dict[str, str], post: Post = _http_post) -> str:
    """Ask the IdP's token endpoint for a token; raise ``TokenError`` with the IdP's reason when refused."""
    status, body = post(idp_url.rstrip("/") + "/token", form)
    token = body.get("access_token")
    if status != 200 or not isinstance(token, str):
        reason = body.get("error_description") or body.get("detail") or body.get("error") or f"HTTP {status}"
        raise TokenError(f"token refused ({status}): {reason}")
    return token


def default_idp_url() -> str:
    """``GBI_SIMULATOR_IDP_ISSUER``; else the IdP of the suite on ``GBI_BASE_PORT`` (as ``make run`` reads it)."""
    issuer = os.environ.get("GBI_SIMULATOR_IDP_ISSUER")
    if issuer:
        return issuer
    base_port = os.environ.get("GBI_BASE_PORT", "").strip()
    if base_port.isdigit():
        return idp_issuer_for_base_port(int(base_port))
    return DEFAULT_IDP_ISSUER


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gbi_simulator.token", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--idp-url",
        default=default_idp_url(),
        help="issuer URL of the identity provider (default: %(default)s)",
    )
    kinds = parser.add_subparsers(dest="kind", required=True)
    burger = kinds.add_parser("burger", help="a test citizen (RvIG test person) by BSN")
    burger.add_argument("--bsn", required=True)
    burger.add_argument("--name", help="display name (default: the name in the BRP)")
    medewerker = kinds.add_parser("medewerker", help="a staff member of a gemeente")
    medewerker.add_argument("--gemeente", required=True, help="CBS code, for example 0363")
    medewerker.add_argument("--roles", required=True, help="comma-separated, for example klantmanager,teamleider")
    medewerker.add_argument("--name", help="display name")
    client = kinds.add_parser("client", help="a registered client (client_credentials)")
    client.add_argument("--client-id", required=True)
    client.add_argument(
        "--client-secret",
        default=os.environ.get("GBI_CLIENT_SECRET"),
        help="the client's secret (default: $GBI_CLIENT_SECRET)",
    )
    return parser


def main(argv: Sequence[str] | None = None, post: Post = _http_post) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.kind == "client" and not args.client_secret:
        parser.error("--client-secret is required (or set GBI_CLIENT_SECRET)")
    try:
        token = request_token(args.idp_url, _form(args), post)
    except TokenError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
