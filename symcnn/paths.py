"""Where symcnn's Jinja templates and built-in generated modules live.

Two settings, one rule each:

* **a checkout** (a clone, or ``pip install -e .`` of one): ``templates/`` and
  ``generated/`` at the repository root, next to ``symcnn/``; ``symcnn derive``
  rewrites ``generated/`` there;
* **an installed wheel** (``pip install .`` or a built wheel): the same two
  folders ship inside the package as ``symcnn/_templates`` and
  ``symcnn/_generated`` (``setup.py`` maps them) and are found with
  :mod:`importlib.resources`. They are read-only: ``symcnn derive`` without
  ``--out`` writes into ``<cache>/generated`` (:func:`cache_dir`) and says so,
  and training keeps loading the shipped modules unless given ``--generated``.

Only the standard library is used: the runtime imports this without SymPy.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

__all__ = ["cache_dir", "derive_folder", "generated_dir", "source_tree", "templates_dir"]

_ROOT = Path(__file__).resolve().parent.parent


def source_tree() -> Path | None:
    """The checkout this ``symcnn`` was imported from, or ``None`` when it runs from an installed wheel."""
    marks = (_ROOT / "pyproject.toml", _ROOT / "templates" / "numba.py.j2", _ROOT / "generated")
    return _ROOT if marks[0].is_file() and marks[1].is_file() and marks[2].is_dir() else None


def _shipped(name: str) -> Path:
    """A folder shipped inside the installed package (``symcnn/<name>``)."""
    return Path(str(importlib.resources.files("symcnn") / name))


def templates_dir() -> Path:
    """The Jinja templates code generation renders with."""
    root = source_tree()
    return root / "templates" if root else _shipped("_templates")


def generated_dir() -> Path:
    """The built-in layers' generated modules the runtime loads by default."""
    root = source_tree()
    return root / "generated" if root else _shipped("_generated")


def cache_dir() -> Path:
    """symcnn's cache: ``$SYMCNN_CACHE``, else ``$XDG_CACHE_HOME/symcnn``, else ``~/.cache/symcnn``."""
    root = os.environ.get("SYMCNN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "symcnn"
    )
    return Path(root)


def derive_folder() -> Path:
    """Where ``symcnn derive`` writes the built-ins without ``--out``.

    The checkout's ``generated/``; from an installed wheel, ``<cache>/generated``,
    never the package's own read-only copy inside site-packages.
    """
    return generated_dir() if source_tree() else cache_dir() / "generated"
