"""Freed memory kept in the process heap, for the next training step to reuse.

Each step of the NumPy backend allocates temporaries as large as a feature
map (the im2col of a window, the products BLAS writes). glibc's ``malloc``
serves blocks above a moving threshold (128 KiB to start) with fresh
``mmap`` pages and returns them to the system on ``free``: every step then
faults the same pages in again, zeroed by the kernel — a sixth of the dlt
net's step. Raising the threshold and the trim limit keeps those blocks in
the heap, as PyTorch's CPU caching allocator does for its tensors. Elsewhere
than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

#: glibc's ``mallopt`` parameters (``<malloc.h>``).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap (glibc's ceiling for the setting, on 64-bit).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the top of the heap up to this size stays with the process.
TRIM_THRESHOLD = 1 * 2**30


@functools.cache
def retain_freed_memory() -> bool:
    """Keep freed blocks up to :data:`MMAP_THRESHOLD` for reuse; ``True`` where glibc took the setting."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


__all__ = ["retain_freed_memory"]
