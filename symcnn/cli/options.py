"""Option types shared by the subcommands: a value out of range is a usage mistake (exit 2).

Each function is an ``argparse`` ``type=``: it returns the parsed value or raises
:class:`argparse.ArgumentTypeError`, which argparse reports with the usage line.
"""

from __future__ import annotations

import argparse
import math

#: Seeds NumPy accepts for ``default_rng``; the CLI keeps to one 32-bit word.
MAX_SEED = 2**32 - 1


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def nonnegative_int(text: str) -> int:
    """An integer >= 0 (``--epochs``)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give 0 or more")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (``--batch-size``, ``--limit``, ``--max-images``)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below 1")
    return value


def seed(text: str) -> int:
    """A seed in 0 .. 2**32 - 1."""
    value = _int(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is not in 0..{MAX_SEED}")
    return value


def learning_rate(text: str) -> float:
    """A finite learning rate > 0."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not above 0")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1): a momentum, a weight decay."""
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not in [0, 1)")
    return value


momentum = weight_decay = fraction


def memory_size(text: str) -> int:
    """Bytes, as ``4G``, ``512M`` or ``300000000`` (binary units) (``--max-memory``)."""
    from ..runtime.budget import parse_bytes

    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_max_memory(parser: argparse.ArgumentParser) -> None:
    """``--max-memory``: the memory budget a network's estimated bytes are held to."""
    from ..runtime.budget import DEFAULT_MAX_MEMORY

    parser.add_argument("--max-memory", type=memory_size, metavar="SIZE", default=DEFAULT_MAX_MEMORY,
                        help="refuse a network whose parameters, activations and workspace are estimated "
                        f"above SIZE, before allocating them (default {DEFAULT_MAX_MEMORY // 2**30}G)")
