"""Check process models: ``uv run python -m gbi_process.engine orchestration/*.bpmn`` (exit status 1 on problems)."""

from __future__ import annotations

import sys
from pathlib import Path

from gbi_process.engine.validation import validate_file


def main(argv: list[str]) -> int:
    failed = False
    for arg in argv:
        for process, problems in validate_file(Path(arg)).items():
            print(f"{arg} [{process}]: {'ok' if not problems else f'{len(problems)} problem(s)'}")  # noqa: T201
            for problem in problems:
                print(f"  - {problem}")  # noqa: T201
            failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
