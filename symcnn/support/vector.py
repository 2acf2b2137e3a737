"""LLVM's SLP vectoriser for the kernels that need it, and no others.

A register-blocked kernel (``<kernel>_block``, :mod:`symcnn.codegen.block`)
holds its partial sums in dozens of named scalars; LLVM's loop vectoriser
cannot see them as vectors, its SLP ("superword-level parallelism")
vectoriser packs them into vector registers and fused multiply-adds. Numba
runs the SLP vectoriser only where ``numba.config.SLP_VECTORIZE`` is set when
a kernel is compiled (off by default). :func:`slp` makes one dispatcher
compile with it on, whoever asks it to compile (a call, a warm-up's
``compile(signature)`` or the disk cache), and leaves the setting as it was
for every other kernel in the process.
"""

from __future__ import annotations

from typing import Any

__all__ = ["slp"]


def slp(kernel: Any) -> Any:
    """``kernel`` (a Numba dispatcher), its every compilation run with the SLP vectoriser on."""
    from numba.core import config
    from numba.core.compiler_lock import global_compiler_lock

    compile_plain = kernel.compile

    def compile_slp(sig):
        with global_compiler_lock:  # one compilation at a time sees the setting, and only this one
            before = config.SLP_VECTORIZE
            config.SLP_VECTORIZE = 1
            try:
                return compile_plain(sig)
            finally:
                config.SLP_VECTORIZE = before

    kernel.compile = compile_slp
    return kernel
