"""LLVM's SLP vectoriser for the kernels that need it, and no others; the vector width Numba compiles for.

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

import functools
from typing import Any

__all__ = ["ISAS", "cpu_features", "slp", "vector_bits", "widest"]

#: LLVM feature → (ISA, vector bits, vector registers), widest first: the first one the CPU has wins.
ISAS: tuple[tuple[str, str, int, int], ...] = (
    ("avx512f", "avx512", 512, 32),
    ("avx2", "avx2", 256, 16),
    ("avx", "avx", 256, 16),
    ("sse2", "sse2", 128, 16),
)


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


def cpu_features() -> tuple[str, set[str]]:
    """The CPU name and features Numba compiles for: ``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES`` when
    set (as Numba itself reads them), else what llvmlite reports for this machine."""
    import llvmlite.binding as ll
    from numba.core import config

    name, given = config.CPU_NAME, config.CPU_FEATURES
    if given:
        on = {f[1:] for f in given.split(",") if f.startswith("+")}
    else:
        on = {k for k, v in ll.get_host_cpu_features().items() if v}
    return (name if name and name != "host" else ll.get_host_cpu_name()), on


def widest(features: set[str]) -> tuple[str, int, int]:
    """The widest ISA of :data:`ISAS` among ``features``: its name, vector bits and vector registers
    (``("scalar", 64, 16)`` with none)."""
    return next(((isa, bits, regs) for feature, isa, bits, regs in ISAS if feature in features),
                ("scalar", 64, 16))


@functools.cache
def vector_bits() -> int:
    """The widest vector registers, in bits, of the ISA Numba compiles for here (512 with AVX-512,
    256 with AVX2, 128 with SSE2; 64 with none): a generated module reads it once, at import, to
    pick the register block sized for this machine's vectors."""
    return widest(cpu_features()[1])[1]
