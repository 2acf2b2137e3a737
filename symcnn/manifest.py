"""A generated folder's ``MANIFEST.json`` and its journal, read as data (standard library only).

``symcnn derive --out DIR`` writes the new generation's hashes to the journal
(:data:`JOURNAL`) before it replaces any module, and ``MANIFEST.json`` last;
the journal goes once the manifest is written. A derive killed in between
leaves each module either as the old generation wrote it or as the new one
does, and the journal vouches for the new ones: a module is accepted when its
SHA-256 and spec hash are those of its entry in the manifest or of one of its
entries in the journal (:func:`accepted`). The next derive finishes the job.

Both :mod:`symcnn.codegen.generate` (which writes) and
:mod:`symcnn.runtime.loader` (which checks before it loads) read them here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["JOURNAL", "MANIFEST", "MAX_BYTES", "accepted", "journal_entries", "read_doc"]

MANIFEST = "MANIFEST.json"
#: The new generation's entries, written before the first module and removed after the manifest.
JOURNAL = ".MANIFEST.pending.json"
#: A manifest or journal beyond this size is not one symcnn wrote (the built-in one is 20 KB).
MAX_BYTES = 16 * 2**20


def read_doc(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; ``None`` when there is no such file or it is not a JSON object."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def journal_entries(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """``{file name: [entry, ...]}`` of the journal in ``folder`` (empty when there is none)."""
    doc = read_doc(folder / JOURNAL)
    files = doc.get("files") if doc is not None and "symcnn" in doc else None
    if not isinstance(files, dict):
        return {}
    return {
        name: [e for e in entries if isinstance(e, dict)]
        for name, entries in files.items()
        if isinstance(name, str) and isinstance(entries, list)
    }


def accepted(folder: Path, name: str) -> list[dict[str, Any]]:
    """The entries file ``name`` of ``folder`` may match: the manifest's, then the journal's."""
    found = []
    doc = read_doc(folder / MANIFEST)
    files = doc.get("files") if doc is not None else None
    if isinstance(files, dict) and isinstance(files.get(name), dict):
        found.append(files[name])
    return found + journal_entries(folder).get(name, [])
