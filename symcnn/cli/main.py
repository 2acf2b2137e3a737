"""``symcnn``: the entry point that dispatches to one module per subcommand.

Each subcommand module defines ``register(subparsers)``, which adds its parser
and sets ``func(args) -> int``. A :class:`~symcnn.errors.SymcnnError` becomes
one line on stderr and exit status 1; a usage mistake exits 2 with the usage
line; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from .. import __version__
from ..errors import SymcnnError, UsageError

SUBCOMMANDS = ("derive", "verify", "train", "evaluate", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symcnn",
        description="Derive, prove and compile the backward pass of convolutional networks.",
    )
    parser.add_argument("--version", action="version", version=f"symcnn {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except UsageError as exc:
        _subparser(parser, args.command).error(str(exc))  # exits 2 with the usage line
    except SymcnnError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"symcnn: {exc.kind}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("symcnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `symcnn evaluate ... | head`: the reader left; not an error of ours
        _quiet_stdout()
        return 1


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    return parser


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
