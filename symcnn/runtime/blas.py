"""The thread pool of the BLAS library behind NumPy's matrix products, set with Numba's.

The NumPy backend's convolutions and fully connected layers are BLAS products
(:mod:`symcnn.support.numpy_ops`). OpenBLAS starts one thread a core and its
threads spin while they wait: beside one busy process on this project's
2-core machine, a 50×800 by 800×500 product took 28 ms on two threads and
0.42 ms on one. So :class:`~symcnn.runtime.threads.ThreadGovernor` gives the
BLAS pool the count it gives Numba's, which runs more than one thread only
while that measurably beats one.

`threadpoolctl <https://github.com/joblib/threadpoolctl>`_ finds the BLAS
libraries loaded in the process (OpenBLAS, MKL, BLIS, whichever NumPy was
built with) and sets their pools through each one's own call; only BLAS
pools are touched (not OpenMP's, which PyTorch shares).
"""

from __future__ import annotations

import functools

from ..support import numpy_ops

__all__ = ["blas_threads", "set_blas_threads"]


@functools.cache
def _pools() -> tuple:
    """The BLAS libraries loaded in this process (after NumPy's import), each with its own control."""
    import numpy  # noqa: F401 - loads the BLAS NumPy was built with
    from threadpoolctl import ThreadpoolController

    return tuple(c for c in ThreadpoolController().lib_controllers if c.user_api == "blas")


def set_blas_threads(threads: int) -> None:
    """Run BLAS products on ``threads`` threads (every BLAS library NumPy loaded); the NumPy kernels'
    products are sized for them (:data:`symcnn.support.numpy_ops.BLAS_THREADS`)."""
    numpy_ops.BLAS_THREADS = threads
    for pool in _pools():
        if pool.get_num_threads() != threads:  # a microsecond each: asked before every step
            pool.set_num_threads(threads)


def blas_threads() -> int | None:
    """The threads the BLAS pool runs now, ``None`` where no BLAS library is found."""
    counts = [pool.get_num_threads() for pool in _pools()]
    return max(counts) if counts else None
