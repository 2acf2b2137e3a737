"""Atomic file writes: a reader sees either the old file or the new one, never half.

The data goes to a temporary file in the destination's own folder (so the final
rename never crosses a file system), is flushed and fsync'ed, and then replaces
the destination with :func:`os.replace`. If anything fails on the way, the
temporary file is removed and the destination is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_with", "atomic_writer"]


def _fsync_dir(folder: Path) -> None:
    """Best-effort fsync of a folder so the rename itself is durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file that atomically replaces ``path`` when the block ends.

    If the block raises, the temporary file is deleted, ``path`` is untouched,
    and the exception propagates.
    """
    dest = Path(path)
    folder = dest.parent if str(dest.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp creates the file 0600; give it the mode the file had, or 0644.
            os.chmod(tmp, dest.stat().st_mode & 0o7777 if dest.exists() else 0o644)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, ``os.replace``)."""
    with atomic_writer(path) as handle:
        handle.write(data)


def atomic_write_text(
    path: str | os.PathLike[str], text: str, encoding: str = "utf-8"
) -> None:
    """Write ``text`` to ``path`` atomically, encoded with ``encoding`` (UTF-8)."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_with(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], None]
) -> None:
    """Atomically replace ``path`` with whatever ``write`` writes to a binary file."""
    with atomic_writer(path) as handle:
        write(handle)
