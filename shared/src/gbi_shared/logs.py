"""JSON logs carrying trace ids, with personal data and secrets masked before anything is written.

BSNs (any run of 9 digits), bearer tokens, JWTs and passwords never reach a technical log: the filter rewrites
the message and every extra field before a handler sees them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

__all__ = ["JsonFormatter", "RedactingFilter", "configure_logging", "redact"]

# Each rule: a trigger (a regex that finds something in every text the pattern matches: a bearer keyword and white
# space, a JWT's "eyJ", a "=", nine digits), the pattern, its replacement. Text in which no trigger is found is
# returned as it is, without the substitutions (most log messages and fields); when one is found all substitutions
# run in turn as always. A new pattern comes with its trigger here, so the pre-check cannot miss it.
_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (r"(?i:bearer)\s", re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [REDACTED]"),
    (r"eyJ", re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[JWT]"),
    (r"=", re.compile(r"(?i)(password|secret|client_secret|token)=([^&\s]+)"), r"\1=[REDACTED]"),
    (r"\d{9}", re.compile(r"(?<!\d)\d{9}(?!\d)"), "[BSN]"),
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((pattern, replacement) for _, pattern, replacement in _RULES)
_MAY_MATCH = re.compile("|".join(f"(?:{trigger})" for trigger, _, _ in _RULES))

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", "taskName"}
)


def redact(text: str) -> str:
    if _MAY_MATCH.search(text) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service_name: str) -> None:
        super().__init__()
        self._service = service_name

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        span_ctx = trace.get_current_span().get_span_context()
        if span_ctx.is_valid:
            entry["trace_id"] = format(span_ctx.trace_id, "032x")
            entry["span_id"] = format(span_ctx.span_id, "016x")
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service_name: str, *, level: str = "INFO", json_format: bool = True) -> None:
    """Route the root logger (and uvicorn's) to stdout as JSON lines, redacted."""
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(RedactingFilter())
    if json_format:
        handler.setFormatter(JsonFormatter(service_name))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Access logs carry full URLs (which may hold query parameters with personal data): uvicorn's per-request line
    # is off. GBI writes no per-request log line either: every request is counted in the metrics and traced; only
    # failures (5xx problems, unhandled errors) are logged, by the app's handlers and middleware.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
