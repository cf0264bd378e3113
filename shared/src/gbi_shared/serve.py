"""Run one GBI component with uvicorn: ``python -m gbi_shared.serve gbi_data.app:create_app --port 8005``.

uvloop and httptools roughly double uvicorn's throughput on these machines, so they are used whenever present.
SIGTERM lets in-flight requests finish (uvicorn's graceful shutdown, bounded by ``--graceful-timeout``).
"""

from __future__ import annotations

import argparse
import importlib.util

import uvicorn

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("factory", help="module:function returning the ASGI app, e.g. gbi_data.app:create_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--graceful-timeout", type=int, default=20)
    args = parser.parse_args(argv)
    fast = importlib.util.find_spec("uvloop") is not None and importlib.util.find_spec("httptools") is not None
    uvicorn.run(
        args.factory,
        factory=True,
        host=args.host,
        port=args.port,
        loop="uvloop" if fast else "asyncio",
        http="httptools" if fast else "h11",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=args.graceful_timeout,
        server_header=False,
    )


if __name__ == "__main__":
    main()
