"""Docstrings as ``--help`` text: the reST markup stripped, the words kept."""

from __future__ import annotations

import re

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


def plain(doc: str) -> str:
    """``doc`` without reST: ````code```` and ``:func:`x``` become ``code`` and ``x``."""
    return _ROLE.sub(r"\1", doc).replace("``", "")
