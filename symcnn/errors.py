"""The error vocabulary of symcnn.

Every problem a user can cause is one of these; the CLI prints it as one line
on stderr and exits with status 1. Anything else is a bug in symcnn.
"""

from __future__ import annotations


class SymcnnError(Exception):
    """Base of every error symcnn reports to a user."""

    kind = "error"


class SpecError(SymcnnError):
    """A layer specification that cannot be derived or generated."""

    kind = "spec error"

    def __init__(self, layer: str, reason: str, term: object | None = None) -> None:
        where = f"layer {layer!r}"
        if term is not None:
            where += f", term {term}"
        super().__init__(f"{where}: {reason}")
        self.layer = layer
        self.reason = reason
        self.term = term


class ShapeError(SymcnnError):
    """An array of the wrong rank, shape, dtype or layout for a kernel."""

    kind = "shape error"


class DataError(SymcnnError):
    """A data file that is missing, truncated or malformed."""

    kind = "data error"


class CheckpointError(SymcnnError):
    """A checkpoint that does not match the network it is loaded into."""

    kind = "checkpoint error"


class GeneratedCodeError(SymcnnError):
    """Generated code that is missing, stale or does not match its spec."""

    kind = "generated code error"


class TrainingError(SymcnnError):
    """Training that cannot go on (a NaN or Inf loss, say)."""

    kind = "training error"


class NetworkError(SymcnnError):
    """A network file (``symcnn train --net-spec``) that does not describe a network that chains."""

    kind = "network error"


class UsageError(SymcnnError):
    """Options that cannot go together; the CLI prints the usage line and exits with status 2."""

    kind = "usage error"


class BudgetError(SymcnnError):
    """A network, batch or file that would need more memory than the budget (``--max-memory``)."""

    kind = "memory error"
