"""Logs: JSON lines with trace ids, and no BSN, token or secret ever written."""

from __future__ import annotations

import json
import logging
import random
import re
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider

from gbi_shared.logs import _MAY_MATCH, _PATTERNS, _RULES, JsonFormatter, RedactingFilter, configure_logging, redact

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bsn 999993653 gevonden", "bsn [BSN] gevonden"),
        ("bsn=999993653,123456782", "bsn=[BSN],[BSN]"),
        ("aanvraag 1234567890 en 12345678", "aanvraag 1234567890 en 12345678"),  # 10 and 8 digits stay
        ("Authorization: Bearer abc.def_ghi-jkl", "Authorization: Bearer [REDACTED]"),
        ("authorization: bearer xyz", "authorization: Bearer [REDACTED]"),
        (f"token {JWT} gezien", "token [JWT] gezien"),
        (
            "client_secret=geheim&grant_type=client_credentials",
            "client_secret=[REDACTED]&grant_type=client_credentials",
        ),
        ("password=hunter2 daarna", "password=[REDACTED] daarna"),
        ("SECRET=abc", "SECRET=[REDACTED]"),
        ("?token=abc&x=1", "?token=[REDACTED]&x=1"),
        ("niets bijzonders", "niets bijzonders"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_a_bearer_jwt_leaves_no_part_of_it() -> None:
    out = redact(f"Authorization: Bearer {JWT}")
    assert "eyJ" not in out
    assert "c2lnbmF0dXJl" not in out


def _redact_every_pattern(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def test_redact_skips_the_substitutions_only_where_none_would_change_anything() -> None:
    """The pre-check lets text through unchanged only when all four substitutions would leave it as it is."""
    rng = random.Random(4)
    alphabet = ["a", "B", "e", "r", " ", "\t", "\n", "=", "&", ".", "-", "_", "9", "1", "0", "\u0663", "x", "J", "y"]
    words = [
        "bearer",
        "BEARER ",
        "Bearer\t",
        "eyJ",
        "eyJhbGciOi.eyJzdWIiOi.sig",
        "token=",
        "secret",
        "password=",
        "client_secret=x",
        "999993653",
        "12345678",
        "1234567890",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
        "BRP query answered",
        "brp-query",
        "Participatiewet",
    ]
    texts = [*words, ""]
    for _ in range(5000):
        parts = [rng.choice(words) if rng.random() < 0.3 else rng.choice(alphabet) for _ in range(rng.randint(0, 12))]
        texts.append("".join(parts))
    for text in texts:
        assert redact(text) == _redact_every_pattern(text), text
    # Unicode digits count as digits for the BSN rule, with or without the pre-check.
    assert redact("bsn \u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669") == "bsn [BSN]"


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("gbi.test", logging.INFO, __file__, 1, msg, args or None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_filter_redacts_message_args_and_extra_fields() -> None:
    record = _record("burger %s met token %s", "999993653", f"Bearer {JWT}", bsn="999993653", aantal=3)
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "burger [BSN] met token Bearer [REDACTED]"
    assert record.args is None
    assert record.bsn == "[BSN]"  # type: ignore[attr-defined]
    assert record.aantal == 3  # type: ignore[attr-defined]


def test_json_formatter_fields_and_extras() -> None:
    record = _record("hallo %s", "wereld", event="startup", _private="weg")
    entry = json.loads(JsonFormatter("gbi-test").format(record))
    assert entry["message"] == "hallo wereld"
    assert entry["service"] == "gbi-test"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "gbi.test"
    assert entry["event"] == "startup"
    assert entry["time"].endswith("+00:00")
    assert "_private" not in entry
    assert "trace_id" not in entry
    assert "span_id" not in entry


def test_json_formatter_emits_trace_id_of_the_active_span() -> None:
    provider = TracerProvider()
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("werk") as span:
        entry = json.loads(JsonFormatter("gbi-test").format(_record("in een span")))
        ctx = span.get_span_context()
    assert entry["trace_id"] == format(ctx.trace_id, "032x")
    assert entry["span_id"] == format(ctx.span_id, "016x")
    assert len(entry["trace_id"]) == 32
    provider.shutdown()


def test_json_formatter_redacts_exceptions() -> None:
    try:
        raise ValueError("kapot bij 999993653")
    except ValueError:
        record = logging.LogRecord("gbi.test", logging.ERROR, __file__, 1, "mis", None, sys.exc_info())
    entry = json.loads(JsonFormatter("gbi-test").format(record))
    assert "ValueError" in entry["exception"]
    assert "999993653" not in entry["exception"]
    assert "[BSN]" in entry["exception"]


def test_configure_logging_writes_redacted_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("gbi-test", level="debug")
    root = logging.getLogger()
    assert len(root.handlers) == 1
    assert root.level == logging.DEBUG
    assert logging.getLogger("uvicorn.access").level == logging.WARNING
    assert logging.getLogger("uvicorn").propagate is True
    logging.getLogger("gbi.x").info("burger %s", "999993653", extra={"client_secret": "x", "doel": "test"})
    line = capsys.readouterr().out.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["message"] == "burger [BSN]"
    assert entry["doel"] == "test"
    assert "999993653" not in line


def test_configure_logging_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("gbi-test", json_format=False)
    logging.getLogger("gbi.x").warning("token=abc")
    out = capsys.readouterr().out
    assert "WARNING gbi.x token=[REDACTED]" in out
    assert not out.lstrip().startswith("{")


def test_every_redaction_pattern_has_a_trigger_in_the_pre_check() -> None:
    """Each pattern comes with its trigger and the pre-check is made of them all: text one pattern matches is never
    let through unchanged by the pre-check."""
    assert len(_RULES) == len(_PATTERNS)
    samples = [
        "Authorization: Bearer abc.def",
        "bearer\tx",
        f"token {JWT}",
        "https://x/?password=geheim&y=1",
        "client_secret=s",
        "bsn 123456789 gevonden",
    ]
    for trigger, pattern, _ in _RULES:
        assert trigger
        matched = [text for text in samples if pattern.search(text)]
        assert matched, pattern.pattern
        for text in matched:
            assert re.search(trigger, text), (trigger, text)
            assert _MAY_MATCH.search(text), text
