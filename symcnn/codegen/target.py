"""The machine a schedule is written for: vector width and register file, as data [B7], [B8], [B1].

The Numba schedules unroll and jam a term over ``w`` steps of two loops
(:mod:`.jam`, :mod:`.tile`, :mod:`.window`): ``w²`` partial sums or target
rows are live at once, one vector register each, while the flat loop runs
vectorised ``lanes`` wide. The register block is therefore the largest ``w``
whose ``w²`` vectors fit the register file, ``w = ⌊√registers⌋``. The
outer-product block of a short contraction (:mod:`.block`, :attr:`Target.outer`)
is ``maps × positions`` scalars; the kernel gradient's (:mod:`.gradblock`,
:attr:`Target.gradient`) ``inputs × outputs × lanes``:

=========  ==========  ===============  ==========  =====  =============  =============
ISA        vector bits float32 lanes    registers   block  outer product  kernel grad.
=========  ==========  ===============  ==========  =====  =============  =============
SSE2       128         4                16          4      8 × 8          4 × 2 × 8
AVX2       256         8                16          4      8 × 8          4 × 2 × 8
AVX-512    512         16               32          5      8 × 16         4 × 2 × 8
=========  ==========  ===============  ==========  =====  =============  =============

:func:`host` reads the ISA from LLVM's view of this CPU (llvmlite's host
features, or Numba's ``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES`` when set, as
Numba itself compiles for them). ``generated/`` is rendered for
:data:`BASELINE` on every machine, so that it is the same files everywhere
(``symcnn derive --check``), and carries the outer-product block of each
wider ISA beside the baseline's (:func:`carried`): a module picks, at import,
the widest its machine's vectors run (:func:`symcnn.support.vector.vector_bits`).
``symcnn derive --target host --out DIR`` renders a folder for the machine at
hand (``--generated DIR`` runs it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..support.vector import ISAS, cpu_features, widest

__all__ = ["BASELINE", "ISAS", "TARGETS", "Target", "carried", "host", "named"]


@dataclass(frozen=True)
class Target:
    """A vector ISA as the schedules see it: its name, vector width in bits, vector registers."""

    isa: str
    vector_bits: int
    registers: int
    cpu: str = "generic"

    def lanes(self, itemsize: int = 4) -> int:
        """Elements of ``itemsize`` bytes in one vector register (float32: 4, float64: 8)."""
        return self.vector_bits // (8 * itemsize)

    @property
    def block(self) -> int:
        """The register block: the largest ``w`` with ``w²`` vectors in the register file."""
        return math.isqrt(self.registers)

    @property
    def dot(self) -> tuple[int, int]:
        """The inner-product block ``(JB, FB)`` of a long contraction (:mod:`.dot`): ``JB·FB`` partial
        sums, half the register file, the rest left to the loads and LLVM's interleaved copies;
        ``FB = registers / 8`` flat positions (2 on AVX2, 4 on AVX-512), ``JB`` output maps."""
        fb = max(1, self.registers // 8)
        return self.registers // (2 * fb), fb

    @property
    def outer(self) -> tuple[int, int]:
        """The outer-product block ``(maps, positions)`` of a short contraction (:mod:`.block`):
        ``maps`` vectors of ``positions`` partial sums. On 256-bit ISAs 8 maps by 8 positions (16 maps
        spilled in a standalone test on AVX2). With 512-bit registers 8 maps by 16 positions: each map's
        16 positions one vector, each weight broadcast. The 8 × 8 block compiled for AVX-512 is packed
        two maps a vector, with a permute per multiply-add; 4 × 16 keeps too few sums in flight."""
        return (8, 8) if self.vector_bits <= 256 else (8, 16)

    @property
    def gradient(self) -> tuple[int, int, int]:
        """The block ``(inputs, outputs, lanes)`` of a 'same' convolution's kernel gradient
        (:mod:`.gradblock`): for one tap, ``inputs × outputs`` maps, each summed in ``lanes``
        interleaved partial sums of consecutive positions: 64 scalars, 8 vectors of sums, a step
        loading one vector of each map. On Zen 4, one thread, vgg's convolutions: 4 × 2 × 8 ran
        3-10 % faster than the 4 maps × 3 taps × 8 lanes block before it (which built its taps'
        shifted vectors by shuffles) and compiled in 12 s against 17; 4 × 4 × 8 ran 17-23 % faster
        but took 40-60 s to compile."""
        return (4, 2, 8)

    @property
    def valid_gradient(self) -> tuple[int, int]:
        """The block ``(maps, lanes)`` of a valid convolution's kernel gradient (:mod:`.validgrad`):
        ``maps`` output maps, each summed in ``lanes`` interleaved partial sums of consecutive positions;
        a step loads ``maps + 1`` vectors for ``maps`` multiply-adds, ``2·maps + 1`` registers of 16."""
        return (8, 8)

    def describe(self) -> str:
        """``avx2 (znver3): 8 float32 / 4 float64 lanes, 16 vector registers``."""
        return (f"{self.isa} ({self.cpu}): {self.lanes(4)} float32 / {self.lanes(8)} float64 lanes, "
                f"{self.registers} vector registers")


#: Each ISA's description, by name.
TARGETS: dict[str, Target] = {isa: Target(isa, bits, regs) for _, isa, bits, regs in ISAS}
#: What ``generated/`` is rendered for on every machine: x86-64-v3 (AVX2 with FMA), the widest ISA
#: every x86 CPU of the last decade runs.
BASELINE = TARGETS["avx2"]


def carried(target: Target, block: str = "outer") -> tuple[Target, ...]:
    """The targets whose ``block`` (:attr:`Target.outer` or :attr:`Target.gradient`) a folder rendered
    for ``target`` carries, widest first: ``target`` and each wider ISA whose block differs. Each block
    runs where the machine's vectors are at least as wide as its target's, so the baseline's folder is
    the same files everywhere and runs the blocks sized for AVX-512 where the CPU has it."""
    by_block = {getattr(target, block): target}
    for t in sorted(TARGETS.values(), key=lambda t: t.vector_bits):
        if t.vector_bits > target.vector_bits:
            by_block.setdefault(getattr(t, block), t)
    return tuple(sorted(by_block.values(), key=lambda t: -t.vector_bits))


def host() -> Target:
    """This machine's target, from the features LLVM reports for it."""
    cpu, on = cpu_features()
    isa, bits, regs = widest(on)
    return Target(isa, bits, regs, cpu)


def named(name: str) -> Target:
    """``host``, ``baseline`` or an ISA name of :data:`TARGETS`."""
    if name == "host":
        return host()
    if name == "baseline":
        return BASELINE
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; choose from host, baseline, {', '.join(TARGETS)}")
    return TARGETS[name]

