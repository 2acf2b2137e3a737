"""Print a saved ``symcnn bench --json`` result as the text report: ``python -m symcnn.bench.report FILE``."""

from __future__ import annotations

import json
import sys

from symcnn.bench.commands import format_commands
from symcnn.bench.run import format_report


def render(result: dict) -> str:
    """The text report of a ``--json`` result (a throughput run or a ``--derive`` run)."""
    return format_report(result) if "results" in result else format_commands(result)


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m symcnn.bench.report RESULT.json...", file=sys.stderr)
        return 2
    for path in paths:
        with open(path, encoding="utf-8") as f:
            print(render(json.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
