"""Atomic file writes: a reader sees either the old file or the new one, never half.

The data goes to a temporary file in the destination's own folder (so the final
rename never crosses a file system), is flushed and fsync'ed, and then replaces
the destination with :func:`os.replace`. If anything fails on the way, the
temporary file is removed and the destination is left as it was.

A writer holds an ``flock`` on its temporary file while it writes. A process
killed mid-write leaves its ``.NAME.XXXXXXXX.tmp`` behind with no lock on it;
the next write of ``NAME`` removes such leftovers (and only those).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["TEMPORARY", "atomic_write_bytes", "atomic_write_text", "atomic_write_with", "atomic_writer",
           "fsync_dir", "remove_stale_temporaries", "remove_stale_temporaries_in", "stale_temporaries_in",
           "text_sha256"]


def text_sha256(text: str) -> str:
    """The SHA-256 of ``text`` as UTF-8, as a manifest records a file's."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fsync_dir(folder: Path) -> None:
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


#: A temporary file :func:`atomic_writer` makes: ``.NAME.XXXXXXXX.tmp`` (``tempfile.mkstemp``'s 8 characters).
TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")


def remove_stale_temporaries(dest: Path) -> list[Path]:
    """Remove ``.NAME.*.tmp`` files next to ``dest`` that no writer holds locked; return them."""
    folder = dest.parent if str(dest.parent) else Path(".")
    pattern = re.compile(re.escape(f".{dest.name}.") + r"[A-Za-z0-9_]{8}\.tmp")
    return _remove_unlocked(folder, pattern)


def remove_stale_temporaries_in(folder: Path) -> list[Path]:
    """Remove every temporary file (:data:`TEMPORARY`) in ``folder`` that no writer holds locked."""
    return _remove_unlocked(folder, TEMPORARY)


def stale_temporaries_in(folder: Path) -> list[Path]:
    """The temporary files (:data:`TEMPORARY`) in ``folder`` that no writer holds locked, left as they are."""
    return _remove_unlocked(folder, TEMPORARY, remove=False)


def _remove_unlocked(folder: Path, pattern: re.Pattern, remove: bool = True) -> list[Path]:
    removed = []
    try:
        candidates = sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))
    except OSError:
        return removed
    for path in candidates:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by a live writer: leave it
            if path.is_file() and not path.is_symlink():
                if remove:
                    path.unlink()
                removed.append(path)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file that atomically replaces ``path`` when the block ends.

    If the block raises, the temporary file is deleted, ``path`` is untouched,
    and the exception propagates.
    """
    dest = Path(path)
    folder = dest.parent if str(dest.parent) else Path(".")
    remove_stale_temporaries(dest)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "wb") as handle:
            # mkstemp creates the file 0600; give it the mode the file had, or 0644.
            os.chmod(tmp, dest.stat().st_mode & 0o7777 if dest.exists() else 0o644)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            os.replace(tmp, dest)  # still locked: a cleaner never takes a file being renamed
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(folder)


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
