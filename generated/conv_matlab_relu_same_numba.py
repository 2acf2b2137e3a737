# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer conv_matlab_relu_same, spec hash d4cfa23ef7ebe2b3.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""conv_matlab_relu_same [B7]: convolution (matlab), 'same' zero padding (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See docs/paper.md [B7].
"""

import sys
import types

import numpy as np
from numba import config as _numba_config, njit, prange

from symcnn.support import contract as _contract
from symcnn.support.vector import slp as _slp, vector_bits as _vector_bits

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_conv_matlab_relu_same_numba_d4cfa23ef7ebe2b3"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

# The width of this machine's vector registers: the register blocks sized for it run.
_VECTOR_BITS = _vector_bits()

LAYER = "conv_matlab_relu_same"
LABEL = "B7"
BACKEND = "numba"
SPEC_HASH = "d4cfa23ef7ebe2b3"
INPUTS = ("X",)
PARAMS = ("K", "B")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("U",)
GRADIENTS = ("dU", "dX", "dK", "dB")
SIZES = ("N", "C", "M", "H", "W", "RH", "RW")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


def forward_U(B, K, X, U, N, C, M, H, W, RH, RW, _threads):
    """[B7] forward equation for U.

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B7] u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')
    """
    if _VECTOR_BITS >= 512 and M >= 8 and C*(2*RH + 1)*(2*RW + 1) <= 512:  # 512-bit vectors
        forward_U_block512(B, K, X, U, N, C, M, H, W, RH, RW)
    elif M >= 8 and C*(2*RH + 1)*(2*RW + 1) <= 512:  # a short contraction: register-blocked outer products
        forward_U_block(B, K, X, U, N, C, M, H, W, RH, RW)
    elif C*(2*RH + 1)*(2*RW + 1) >= 64 and C*W*(2*RH + 1)*(2*RW + 1) <= 262144:  # a long contraction in cache
        forward_U_dot(B, K, X, U, N, C, M, H, W, RH, RW, _threads)
    elif H*W*(2*RH + 1)*(2*RW + 1) <= 262144:  # the packed windows fit in cache
        forward_U_packed(B, K, X, U, N, C, M, H, W, RH, RW, _threads)
    else:
        forward_U_loops(B, K, X, U, N, C, M, H, W, RH, RW)


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_U_block512(B, K, X, U, N, C, M, H, W, RH, RW):
    """One schedule of forward_U, which picks it by the sizes: register-blocked outer
    products (codegen/block.py), sized for 512-bit vectors.

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B7] u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')
    """
    _kp = np.zeros((M // 8, C, 2*RH + 1, 2*RW + 1, 8), dtype=U.dtype)
    for _k0 in range(C):
        for _k1 in range((M // 8)*8):
            for _k2 in range(2*RH + 1):
                for _k3 in range(2*RW + 1):
                    _kp[_k1 // 8, _k0, _k2, _k3, _k1 - 8*(_k1 // 8)] = K[_k0, _k1, _k2, _k3]
    _wp = RW + W
    for n in prange(N):
        forward_U_block512_one(B, C, H, K, M, RH, RW, U, W, X, _kp, _wp, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def forward_U_block512_one(B, C, H, K, M, RH, RW, U, W, X, _kp, _wp, n):
    """One iteration of forward_U_block512's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B7] u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')
    """
    _xp = np.zeros((C, (H + 2*RH + 1)*_wp + 16), dtype=U.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(RH + _c1) + RW + _c2)] = X[n, _c0, _c1, _c2]
    _up = np.empty((M, H*_wp + 16), dtype=U.dtype)
    _j_split = (M // 8)*8
    for j in range(0, _j_split, 8):
        for _f in range(0, H*_wp, 16):
            _acc_0_0 = U.dtype.type(0)
            _acc_0_1 = U.dtype.type(0)
            _acc_0_2 = U.dtype.type(0)
            _acc_0_3 = U.dtype.type(0)
            _acc_0_4 = U.dtype.type(0)
            _acc_0_5 = U.dtype.type(0)
            _acc_0_6 = U.dtype.type(0)
            _acc_0_7 = U.dtype.type(0)
            _acc_0_8 = U.dtype.type(0)
            _acc_0_9 = U.dtype.type(0)
            _acc_0_10 = U.dtype.type(0)
            _acc_0_11 = U.dtype.type(0)
            _acc_0_12 = U.dtype.type(0)
            _acc_0_13 = U.dtype.type(0)
            _acc_0_14 = U.dtype.type(0)
            _acc_0_15 = U.dtype.type(0)
            _acc_1_0 = U.dtype.type(0)
            _acc_1_1 = U.dtype.type(0)
            _acc_1_2 = U.dtype.type(0)
            _acc_1_3 = U.dtype.type(0)
            _acc_1_4 = U.dtype.type(0)
            _acc_1_5 = U.dtype.type(0)
            _acc_1_6 = U.dtype.type(0)
            _acc_1_7 = U.dtype.type(0)
            _acc_1_8 = U.dtype.type(0)
            _acc_1_9 = U.dtype.type(0)
            _acc_1_10 = U.dtype.type(0)
            _acc_1_11 = U.dtype.type(0)
            _acc_1_12 = U.dtype.type(0)
            _acc_1_13 = U.dtype.type(0)
            _acc_1_14 = U.dtype.type(0)
            _acc_1_15 = U.dtype.type(0)
            _acc_2_0 = U.dtype.type(0)
            _acc_2_1 = U.dtype.type(0)
            _acc_2_2 = U.dtype.type(0)
            _acc_2_3 = U.dtype.type(0)
            _acc_2_4 = U.dtype.type(0)
            _acc_2_5 = U.dtype.type(0)
            _acc_2_6 = U.dtype.type(0)
            _acc_2_7 = U.dtype.type(0)
            _acc_2_8 = U.dtype.type(0)
            _acc_2_9 = U.dtype.type(0)
            _acc_2_10 = U.dtype.type(0)
            _acc_2_11 = U.dtype.type(0)
            _acc_2_12 = U.dtype.type(0)
            _acc_2_13 = U.dtype.type(0)
            _acc_2_14 = U.dtype.type(0)
            _acc_2_15 = U.dtype.type(0)
            _acc_3_0 = U.dtype.type(0)
            _acc_3_1 = U.dtype.type(0)
            _acc_3_2 = U.dtype.type(0)
            _acc_3_3 = U.dtype.type(0)
            _acc_3_4 = U.dtype.type(0)
            _acc_3_5 = U.dtype.type(0)
            _acc_3_6 = U.dtype.type(0)
            _acc_3_7 = U.dtype.type(0)
            _acc_3_8 = U.dtype.type(0)
            _acc_3_9 = U.dtype.type(0)
            _acc_3_10 = U.dtype.type(0)
            _acc_3_11 = U.dtype.type(0)
            _acc_3_12 = U.dtype.type(0)
            _acc_3_13 = U.dtype.type(0)
            _acc_3_14 = U.dtype.type(0)
            _acc_3_15 = U.dtype.type(0)
            _acc_4_0 = U.dtype.type(0)
            _acc_4_1 = U.dtype.type(0)
            _acc_4_2 = U.dtype.type(0)
            _acc_4_3 = U.dtype.type(0)
            _acc_4_4 = U.dtype.type(0)
            _acc_4_5 = U.dtype.type(0)
            _acc_4_6 = U.dtype.type(0)
            _acc_4_7 = U.dtype.type(0)
            _acc_4_8 = U.dtype.type(0)
            _acc_4_9 = U.dtype.type(0)
            _acc_4_10 = U.dtype.type(0)
            _acc_4_11 = U.dtype.type(0)
            _acc_4_12 = U.dtype.type(0)
            _acc_4_13 = U.dtype.type(0)
            _acc_4_14 = U.dtype.type(0)
            _acc_4_15 = U.dtype.type(0)
            _acc_5_0 = U.dtype.type(0)
            _acc_5_1 = U.dtype.type(0)
            _acc_5_2 = U.dtype.type(0)
            _acc_5_3 = U.dtype.type(0)
            _acc_5_4 = U.dtype.type(0)
            _acc_5_5 = U.dtype.type(0)
            _acc_5_6 = U.dtype.type(0)
            _acc_5_7 = U.dtype.type(0)
            _acc_5_8 = U.dtype.type(0)
            _acc_5_9 = U.dtype.type(0)
            _acc_5_10 = U.dtype.type(0)
            _acc_5_11 = U.dtype.type(0)
            _acc_5_12 = U.dtype.type(0)
            _acc_5_13 = U.dtype.type(0)
            _acc_5_14 = U.dtype.type(0)
            _acc_5_15 = U.dtype.type(0)
            _acc_6_0 = U.dtype.type(0)
            _acc_6_1 = U.dtype.type(0)
            _acc_6_2 = U.dtype.type(0)
            _acc_6_3 = U.dtype.type(0)
            _acc_6_4 = U.dtype.type(0)
            _acc_6_5 = U.dtype.type(0)
            _acc_6_6 = U.dtype.type(0)
            _acc_6_7 = U.dtype.type(0)
            _acc_6_8 = U.dtype.type(0)
            _acc_6_9 = U.dtype.type(0)
            _acc_6_10 = U.dtype.type(0)
            _acc_6_11 = U.dtype.type(0)
            _acc_6_12 = U.dtype.type(0)
            _acc_6_13 = U.dtype.type(0)
            _acc_6_14 = U.dtype.type(0)
            _acc_6_15 = U.dtype.type(0)
            _acc_7_0 = U.dtype.type(0)
            _acc_7_1 = U.dtype.type(0)
            _acc_7_2 = U.dtype.type(0)
            _acc_7_3 = U.dtype.type(0)
            _acc_7_4 = U.dtype.type(0)
            _acc_7_5 = U.dtype.type(0)
            _acc_7_6 = U.dtype.type(0)
            _acc_7_7 = U.dtype.type(0)
            _acc_7_8 = U.dtype.type(0)
            _acc_7_9 = U.dtype.type(0)
            _acc_7_10 = U.dtype.type(0)
            _acc_7_11 = U.dtype.type(0)
            _acc_7_12 = U.dtype.type(0)
            _acc_7_13 = U.dtype.type(0)
            _acc_7_14 = U.dtype.type(0)
            _acc_7_15 = U.dtype.type(0)
            _acc_0_0 += B[j]
            _acc_0_1 += B[j]
            _acc_0_2 += B[j]
            _acc_0_3 += B[j]
            _acc_0_4 += B[j]
            _acc_0_5 += B[j]
            _acc_0_6 += B[j]
            _acc_0_7 += B[j]
            _acc_0_8 += B[j]
            _acc_0_9 += B[j]
            _acc_0_10 += B[j]
            _acc_0_11 += B[j]
            _acc_0_12 += B[j]
            _acc_0_13 += B[j]
            _acc_0_14 += B[j]
            _acc_0_15 += B[j]
            _acc_1_0 += B[j + 1]
            _acc_1_1 += B[j + 1]
            _acc_1_2 += B[j + 1]
            _acc_1_3 += B[j + 1]
            _acc_1_4 += B[j + 1]
            _acc_1_5 += B[j + 1]
            _acc_1_6 += B[j + 1]
            _acc_1_7 += B[j + 1]
            _acc_1_8 += B[j + 1]
            _acc_1_9 += B[j + 1]
            _acc_1_10 += B[j + 1]
            _acc_1_11 += B[j + 1]
            _acc_1_12 += B[j + 1]
            _acc_1_13 += B[j + 1]
            _acc_1_14 += B[j + 1]
            _acc_1_15 += B[j + 1]
            _acc_2_0 += B[j + 2]
            _acc_2_1 += B[j + 2]
            _acc_2_2 += B[j + 2]
            _acc_2_3 += B[j + 2]
            _acc_2_4 += B[j + 2]
            _acc_2_5 += B[j + 2]
            _acc_2_6 += B[j + 2]
            _acc_2_7 += B[j + 2]
            _acc_2_8 += B[j + 2]
            _acc_2_9 += B[j + 2]
            _acc_2_10 += B[j + 2]
            _acc_2_11 += B[j + 2]
            _acc_2_12 += B[j + 2]
            _acc_2_13 += B[j + 2]
            _acc_2_14 += B[j + 2]
            _acc_2_15 += B[j + 2]
            _acc_3_0 += B[j + 3]
            _acc_3_1 += B[j + 3]
            _acc_3_2 += B[j + 3]
            _acc_3_3 += B[j + 3]
            _acc_3_4 += B[j + 3]
            _acc_3_5 += B[j + 3]
            _acc_3_6 += B[j + 3]
            _acc_3_7 += B[j + 3]
            _acc_3_8 += B[j + 3]
            _acc_3_9 += B[j + 3]
            _acc_3_10 += B[j + 3]
            _acc_3_11 += B[j + 3]
            _acc_3_12 += B[j + 3]
            _acc_3_13 += B[j + 3]
            _acc_3_14 += B[j + 3]
            _acc_3_15 += B[j + 3]
            _acc_4_0 += B[j + 4]
            _acc_4_1 += B[j + 4]
            _acc_4_2 += B[j + 4]
            _acc_4_3 += B[j + 4]
            _acc_4_4 += B[j + 4]
            _acc_4_5 += B[j + 4]
            _acc_4_6 += B[j + 4]
            _acc_4_7 += B[j + 4]
            _acc_4_8 += B[j + 4]
            _acc_4_9 += B[j + 4]
            _acc_4_10 += B[j + 4]
            _acc_4_11 += B[j + 4]
            _acc_4_12 += B[j + 4]
            _acc_4_13 += B[j + 4]
            _acc_4_14 += B[j + 4]
            _acc_4_15 += B[j + 4]
            _acc_5_0 += B[j + 5]
            _acc_5_1 += B[j + 5]
            _acc_5_2 += B[j + 5]
            _acc_5_3 += B[j + 5]
            _acc_5_4 += B[j + 5]
            _acc_5_5 += B[j + 5]
            _acc_5_6 += B[j + 5]
            _acc_5_7 += B[j + 5]
            _acc_5_8 += B[j + 5]
            _acc_5_9 += B[j + 5]
            _acc_5_10 += B[j + 5]
            _acc_5_11 += B[j + 5]
            _acc_5_12 += B[j + 5]
            _acc_5_13 += B[j + 5]
            _acc_5_14 += B[j + 5]
            _acc_5_15 += B[j + 5]
            _acc_6_0 += B[j + 6]
            _acc_6_1 += B[j + 6]
            _acc_6_2 += B[j + 6]
            _acc_6_3 += B[j + 6]
            _acc_6_4 += B[j + 6]
            _acc_6_5 += B[j + 6]
            _acc_6_6 += B[j + 6]
            _acc_6_7 += B[j + 6]
            _acc_6_8 += B[j + 6]
            _acc_6_9 += B[j + 6]
            _acc_6_10 += B[j + 6]
            _acc_6_11 += B[j + 6]
            _acc_6_12 += B[j + 6]
            _acc_6_13 += B[j + 6]
            _acc_6_14 += B[j + 6]
            _acc_6_15 += B[j + 6]
            _acc_7_0 += B[j + 7]
            _acc_7_1 += B[j + 7]
            _acc_7_2 += B[j + 7]
            _acc_7_3 += B[j + 7]
            _acc_7_4 += B[j + 7]
            _acc_7_5 += B[j + 7]
            _acc_7_6 += B[j + 7]
            _acc_7_7 += B[j + 7]
            _acc_7_8 += B[j + 7]
            _acc_7_9 += B[j + 7]
            _acc_7_10 += B[j + 7]
            _acc_7_11 += B[j + 7]
            _acc_7_12 += B[j + 7]
            _acc_7_13 += B[j + 7]
            _acc_7_14 += B[j + 7]
            _acc_7_15 += B[j + 7]
            for i in range(C):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _r = _kp[j // 8, i, a, b, 0]
                        _r1 = _kp[j // 8, i, a, b, 1]
                        _r2 = _kp[j // 8, i, a, b, 2]
                        _r3 = _kp[j // 8, i, a, b, 3]
                        _r4 = _kp[j // 8, i, a, b, 4]
                        _r5 = _kp[j // 8, i, a, b, 5]
                        _r6 = _kp[j // 8, i, a, b, 6]
                        _r7 = _kp[j // 8, i, a, b, 7]
                        _r8 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f)]
                        _r9 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 1)]
                        _r10 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 2)]
                        _r11 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 3)]
                        _r12 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 4)]
                        _r13 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 5)]
                        _r14 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 6)]
                        _r15 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 7)]
                        _r16 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 8)]
                        _r17 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 9)]
                        _r18 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 10)]
                        _r19 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 11)]
                        _r20 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 12)]
                        _r21 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 13)]
                        _r22 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 14)]
                        _r23 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 15)]
                        _acc_0_0 += _r*_r8
                        _acc_0_1 += _r*_r9
                        _acc_0_2 += _r*_r10
                        _acc_0_3 += _r*_r11
                        _acc_0_4 += _r*_r12
                        _acc_0_5 += _r*_r13
                        _acc_0_6 += _r*_r14
                        _acc_0_7 += _r*_r15
                        _acc_0_8 += _r*_r16
                        _acc_0_9 += _r*_r17
                        _acc_0_10 += _r*_r18
                        _acc_0_11 += _r*_r19
                        _acc_0_12 += _r*_r20
                        _acc_0_13 += _r*_r21
                        _acc_0_14 += _r*_r22
                        _acc_0_15 += _r*_r23
                        _acc_1_0 += _r1*_r8
                        _acc_1_1 += _r1*_r9
                        _acc_1_2 += _r1*_r10
                        _acc_1_3 += _r1*_r11
                        _acc_1_4 += _r1*_r12
                        _acc_1_5 += _r1*_r13
                        _acc_1_6 += _r1*_r14
                        _acc_1_7 += _r1*_r15
                        _acc_1_8 += _r1*_r16
                        _acc_1_9 += _r1*_r17
                        _acc_1_10 += _r1*_r18
                        _acc_1_11 += _r1*_r19
                        _acc_1_12 += _r1*_r20
                        _acc_1_13 += _r1*_r21
                        _acc_1_14 += _r1*_r22
                        _acc_1_15 += _r1*_r23
                        _acc_2_0 += _r2*_r8
                        _acc_2_1 += _r2*_r9
                        _acc_2_2 += _r2*_r10
                        _acc_2_3 += _r2*_r11
                        _acc_2_4 += _r2*_r12
                        _acc_2_5 += _r2*_r13
                        _acc_2_6 += _r2*_r14
                        _acc_2_7 += _r2*_r15
                        _acc_2_8 += _r2*_r16
                        _acc_2_9 += _r2*_r17
                        _acc_2_10 += _r2*_r18
                        _acc_2_11 += _r2*_r19
                        _acc_2_12 += _r2*_r20
                        _acc_2_13 += _r2*_r21
                        _acc_2_14 += _r2*_r22
                        _acc_2_15 += _r2*_r23
                        _acc_3_0 += _r3*_r8
                        _acc_3_1 += _r3*_r9
                        _acc_3_2 += _r3*_r10
                        _acc_3_3 += _r3*_r11
                        _acc_3_4 += _r3*_r12
                        _acc_3_5 += _r3*_r13
                        _acc_3_6 += _r3*_r14
                        _acc_3_7 += _r3*_r15
                        _acc_3_8 += _r3*_r16
                        _acc_3_9 += _r3*_r17
                        _acc_3_10 += _r3*_r18
                        _acc_3_11 += _r3*_r19
                        _acc_3_12 += _r3*_r20
                        _acc_3_13 += _r3*_r21
                        _acc_3_14 += _r3*_r22
                        _acc_3_15 += _r3*_r23
                        _acc_4_0 += _r4*_r8
                        _acc_4_1 += _r4*_r9
                        _acc_4_2 += _r4*_r10
                        _acc_4_3 += _r4*_r11
                        _acc_4_4 += _r4*_r12
                        _acc_4_5 += _r4*_r13
                        _acc_4_6 += _r4*_r14
                        _acc_4_7 += _r4*_r15
                        _acc_4_8 += _r4*_r16
                        _acc_4_9 += _r4*_r17
                        _acc_4_10 += _r4*_r18
                        _acc_4_11 += _r4*_r19
                        _acc_4_12 += _r4*_r20
                        _acc_4_13 += _r4*_r21
                        _acc_4_14 += _r4*_r22
                        _acc_4_15 += _r4*_r23
                        _acc_5_0 += _r5*_r8
                        _acc_5_1 += _r5*_r9
                        _acc_5_2 += _r5*_r10
                        _acc_5_3 += _r5*_r11
                        _acc_5_4 += _r5*_r12
                        _acc_5_5 += _r5*_r13
                        _acc_5_6 += _r5*_r14
                        _acc_5_7 += _r5*_r15
                        _acc_5_8 += _r5*_r16
                        _acc_5_9 += _r5*_r17
                        _acc_5_10 += _r5*_r18
                        _acc_5_11 += _r5*_r19
                        _acc_5_12 += _r5*_r20
                        _acc_5_13 += _r5*_r21
                        _acc_5_14 += _r5*_r22
                        _acc_5_15 += _r5*_r23
                        _acc_6_0 += _r6*_r8
                        _acc_6_1 += _r6*_r9
                        _acc_6_2 += _r6*_r10
                        _acc_6_3 += _r6*_r11
                        _acc_6_4 += _r6*_r12
                        _acc_6_5 += _r6*_r13
                        _acc_6_6 += _r6*_r14
                        _acc_6_7 += _r6*_r15
                        _acc_6_8 += _r6*_r16
                        _acc_6_9 += _r6*_r17
                        _acc_6_10 += _r6*_r18
                        _acc_6_11 += _r6*_r19
                        _acc_6_12 += _r6*_r20
                        _acc_6_13 += _r6*_r21
                        _acc_6_14 += _r6*_r22
                        _acc_6_15 += _r6*_r23
                        _acc_7_0 += _r7*_r8
                        _acc_7_1 += _r7*_r9
                        _acc_7_2 += _r7*_r10
                        _acc_7_3 += _r7*_r11
                        _acc_7_4 += _r7*_r12
                        _acc_7_5 += _r7*_r13
                        _acc_7_6 += _r7*_r14
                        _acc_7_7 += _r7*_r15
                        _acc_7_8 += _r7*_r16
                        _acc_7_9 += _r7*_r17
                        _acc_7_10 += _r7*_r18
                        _acc_7_11 += _r7*_r19
                        _acc_7_12 += _r7*_r20
                        _acc_7_13 += _r7*_r21
                        _acc_7_14 += _r7*_r22
                        _acc_7_15 += _r7*_r23
            _up[j, np.uint64(_f)] = _acc_0_0
            _up[j, np.uint64(_f + 1)] = _acc_0_1
            _up[j, np.uint64(_f + 2)] = _acc_0_2
            _up[j, np.uint64(_f + 3)] = _acc_0_3
            _up[j, np.uint64(_f + 4)] = _acc_0_4
            _up[j, np.uint64(_f + 5)] = _acc_0_5
            _up[j, np.uint64(_f + 6)] = _acc_0_6
            _up[j, np.uint64(_f + 7)] = _acc_0_7
            _up[j, np.uint64(_f + 8)] = _acc_0_8
            _up[j, np.uint64(_f + 9)] = _acc_0_9
            _up[j, np.uint64(_f + 10)] = _acc_0_10
            _up[j, np.uint64(_f + 11)] = _acc_0_11
            _up[j, np.uint64(_f + 12)] = _acc_0_12
            _up[j, np.uint64(_f + 13)] = _acc_0_13
            _up[j, np.uint64(_f + 14)] = _acc_0_14
            _up[j, np.uint64(_f + 15)] = _acc_0_15
            _up[j + 1, np.uint64(_f)] = _acc_1_0
            _up[j + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[j + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[j + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[j + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[j + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[j + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[j + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[j + 1, np.uint64(_f + 8)] = _acc_1_8
            _up[j + 1, np.uint64(_f + 9)] = _acc_1_9
            _up[j + 1, np.uint64(_f + 10)] = _acc_1_10
            _up[j + 1, np.uint64(_f + 11)] = _acc_1_11
            _up[j + 1, np.uint64(_f + 12)] = _acc_1_12
            _up[j + 1, np.uint64(_f + 13)] = _acc_1_13
            _up[j + 1, np.uint64(_f + 14)] = _acc_1_14
            _up[j + 1, np.uint64(_f + 15)] = _acc_1_15
            _up[j + 2, np.uint64(_f)] = _acc_2_0
            _up[j + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[j + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[j + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[j + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[j + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[j + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[j + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[j + 2, np.uint64(_f + 8)] = _acc_2_8
            _up[j + 2, np.uint64(_f + 9)] = _acc_2_9
            _up[j + 2, np.uint64(_f + 10)] = _acc_2_10
            _up[j + 2, np.uint64(_f + 11)] = _acc_2_11
            _up[j + 2, np.uint64(_f + 12)] = _acc_2_12
            _up[j + 2, np.uint64(_f + 13)] = _acc_2_13
            _up[j + 2, np.uint64(_f + 14)] = _acc_2_14
            _up[j + 2, np.uint64(_f + 15)] = _acc_2_15
            _up[j + 3, np.uint64(_f)] = _acc_3_0
            _up[j + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[j + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[j + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[j + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[j + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[j + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[j + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[j + 3, np.uint64(_f + 8)] = _acc_3_8
            _up[j + 3, np.uint64(_f + 9)] = _acc_3_9
            _up[j + 3, np.uint64(_f + 10)] = _acc_3_10
            _up[j + 3, np.uint64(_f + 11)] = _acc_3_11
            _up[j + 3, np.uint64(_f + 12)] = _acc_3_12
            _up[j + 3, np.uint64(_f + 13)] = _acc_3_13
            _up[j + 3, np.uint64(_f + 14)] = _acc_3_14
            _up[j + 3, np.uint64(_f + 15)] = _acc_3_15
            _up[j + 4, np.uint64(_f)] = _acc_4_0
            _up[j + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[j + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[j + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[j + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[j + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[j + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[j + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[j + 4, np.uint64(_f + 8)] = _acc_4_8
            _up[j + 4, np.uint64(_f + 9)] = _acc_4_9
            _up[j + 4, np.uint64(_f + 10)] = _acc_4_10
            _up[j + 4, np.uint64(_f + 11)] = _acc_4_11
            _up[j + 4, np.uint64(_f + 12)] = _acc_4_12
            _up[j + 4, np.uint64(_f + 13)] = _acc_4_13
            _up[j + 4, np.uint64(_f + 14)] = _acc_4_14
            _up[j + 4, np.uint64(_f + 15)] = _acc_4_15
            _up[j + 5, np.uint64(_f)] = _acc_5_0
            _up[j + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[j + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[j + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[j + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[j + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[j + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[j + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[j + 5, np.uint64(_f + 8)] = _acc_5_8
            _up[j + 5, np.uint64(_f + 9)] = _acc_5_9
            _up[j + 5, np.uint64(_f + 10)] = _acc_5_10
            _up[j + 5, np.uint64(_f + 11)] = _acc_5_11
            _up[j + 5, np.uint64(_f + 12)] = _acc_5_12
            _up[j + 5, np.uint64(_f + 13)] = _acc_5_13
            _up[j + 5, np.uint64(_f + 14)] = _acc_5_14
            _up[j + 5, np.uint64(_f + 15)] = _acc_5_15
            _up[j + 6, np.uint64(_f)] = _acc_6_0
            _up[j + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[j + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[j + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[j + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[j + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[j + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[j + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[j + 6, np.uint64(_f + 8)] = _acc_6_8
            _up[j + 6, np.uint64(_f + 9)] = _acc_6_9
            _up[j + 6, np.uint64(_f + 10)] = _acc_6_10
            _up[j + 6, np.uint64(_f + 11)] = _acc_6_11
            _up[j + 6, np.uint64(_f + 12)] = _acc_6_12
            _up[j + 6, np.uint64(_f + 13)] = _acc_6_13
            _up[j + 6, np.uint64(_f + 14)] = _acc_6_14
            _up[j + 6, np.uint64(_f + 15)] = _acc_6_15
            _up[j + 7, np.uint64(_f)] = _acc_7_0
            _up[j + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[j + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[j + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[j + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[j + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[j + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[j + 7, np.uint64(_f + 7)] = _acc_7_7
            _up[j + 7, np.uint64(_f + 8)] = _acc_7_8
            _up[j + 7, np.uint64(_f + 9)] = _acc_7_9
            _up[j + 7, np.uint64(_f + 10)] = _acc_7_10
            _up[j + 7, np.uint64(_f + 11)] = _acc_7_11
            _up[j + 7, np.uint64(_f + 12)] = _acc_7_12
            _up[j + 7, np.uint64(_f + 13)] = _acc_7_13
            _up[j + 7, np.uint64(_f + 14)] = _acc_7_14
            _up[j + 7, np.uint64(_f + 15)] = _acc_7_15
    for j in range(_j_split, M):
        for _f in range(H*_wp):
            _acc = 0.0
            _acc += B[j]
            for i in range(C):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _acc += K[i, j, a, b]*_xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f)]
            _up[j, np.uint64(_f)] = _acc
    for _s0 in range(M):
        for _s1 in range(H):
            for _s2 in range(W):
                U[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_U_block(B, K, X, U, N, C, M, H, W, RH, RW):
    """One schedule of forward_U, which picks it by the sizes: register-blocked outer
    products (codegen/block.py).

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B7] u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')
    """
    _kp = np.zeros((M // 8, C, 2*RH + 1, 2*RW + 1, 8), dtype=U.dtype)
    for _k0 in range(C):
        for _k1 in range((M // 8)*8):
            for _k2 in range(2*RH + 1):
                for _k3 in range(2*RW + 1):
                    _kp[_k1 // 8, _k0, _k2, _k3, _k1 - 8*(_k1 // 8)] = K[_k0, _k1, _k2, _k3]
    _wp = RW + W
    for n in prange(N):
        forward_U_block_one(B, C, H, K, M, RH, RW, U, W, X, _kp, _wp, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def forward_U_block_one(B, C, H, K, M, RH, RW, U, W, X, _kp, _wp, n):
    """One iteration of forward_U_block's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B7] u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')
    """
    _xp = np.zeros((C, (H + 2*RH + 1)*_wp + 8), dtype=U.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(RH + _c1) + RW + _c2)] = X[n, _c0, _c1, _c2]
    _up = np.empty((M, H*_wp + 8), dtype=U.dtype)
    _j_split = (M // 8)*8
    for j in range(0, _j_split, 8):
        for _f in range(0, H*_wp, 8):
            _acc_0_0 = U.dtype.type(0)
            _acc_0_1 = U.dtype.type(0)
            _acc_0_2 = U.dtype.type(0)
            _acc_0_3 = U.dtype.type(0)
            _acc_0_4 = U.dtype.type(0)
            _acc_0_5 = U.dtype.type(0)
            _acc_0_6 = U.dtype.type(0)
            _acc_0_7 = U.dtype.type(0)
            _acc_1_0 = U.dtype.type(0)
            _acc_1_1 = U.dtype.type(0)
            _acc_1_2 = U.dtype.type(0)
            _acc_1_3 = U.dtype.type(0)
            _acc_1_4 = U.dtype.type(0)
            _acc_1_5 = U.dtype.type(0)
            _acc_1_6 = U.dtype.type(0)
            _acc_1_7 = U.dtype.type(0)
            _acc_2_0 = U.dtype.type(0)
            _acc_2_1 = U.dtype.type(0)
            _acc_2_2 = U.dtype.type(0)
            _acc_2_3 = U.dtype.type(0)
            _acc_2_4 = U.dtype.type(0)
            _acc_2_5 = U.dtype.type(0)
            _acc_2_6 = U.dtype.type(0)
            _acc_2_7 = U.dtype.type(0)
            _acc_3_0 = U.dtype.type(0)
            _acc_3_1 = U.dtype.type(0)
            _acc_3_2 = U.dtype.type(0)
            _acc_3_3 = U.dtype.type(0)
            _acc_3_4 = U.dtype.type(0)
            _acc_3_5 = U.dtype.type(0)
            _acc_3_6 = U.dtype.type(0)
            _acc_3_7 = U.dtype.type(0)
            _acc_4_0 = U.dtype.type(0)
            _acc_4_1 = U.dtype.type(0)
            _acc_4_2 = U.dtype.type(0)
            _acc_4_3 = U.dtype.type(0)
            _acc_4_4 = U.dtype.type(0)
            _acc_4_5 = U.dtype.type(0)
            _acc_4_6 = U.dtype.type(0)
            _acc_4_7 = U.dtype.type(0)
            _acc_5_0 = U.dtype.type(0)
            _acc_5_1 = U.dtype.type(0)
            _acc_5_2 = U.dtype.type(0)
            _acc_5_3 = U.dtype.type(0)
            _acc_5_4 = U.dtype.type(0)
            _acc_5_5 = U.dtype.type(0)
            _acc_5_6 = U.dtype.type(0)
            _acc_5_7 = U.dtype.type(0)
            _acc_6_0 = U.dtype.type(0)
            _acc_6_1 = U.dtype.type(0)
            _acc_6_2 = U.dtype.type(0)
            _acc_6_3 = U.dtype.type(0)
            _acc_6_4 = U.dtype.type(0)
            _acc_6_5 = U.dtype.type(0)
            _acc_6_6 = U.dtype.type(0)
            _acc_6_7 = U.dtype.type(0)
            _acc_7_0 = U.dtype.type(0)
            _acc_7_1 = U.dtype.type(0)
            _acc_7_2 = U.dtype.type(0)
            _acc_7_3 = U.dtype.type(0)
            _acc_7_4 = U.dtype.type(0)
            _acc_7_5 = U.dtype.type(0)
            _acc_7_6 = U.dtype.type(0)
            _acc_7_7 = U.dtype.type(0)
            _acc_0_0 += B[j]
            _acc_0_1 += B[j]
            _acc_0_2 += B[j]
            _acc_0_3 += B[j]
            _acc_0_4 += B[j]
            _acc_0_5 += B[j]
            _acc_0_6 += B[j]
            _acc_0_7 += B[j]
            _acc_1_0 += B[j + 1]
            _acc_1_1 += B[j + 1]
            _acc_1_2 += B[j + 1]
            _acc_1_3 += B[j + 1]
            _acc_1_4 += B[j + 1]
            _acc_1_5 += B[j + 1]
            _acc_1_6 += B[j + 1]
            _acc_1_7 += B[j + 1]
            _acc_2_0 += B[j + 2]
            _acc_2_1 += B[j + 2]
            _acc_2_2 += B[j + 2]
            _acc_2_3 += B[j + 2]
            _acc_2_4 += B[j + 2]
            _acc_2_5 += B[j + 2]
            _acc_2_6 += B[j + 2]
            _acc_2_7 += B[j + 2]
            _acc_3_0 += B[j + 3]
            _acc_3_1 += B[j + 3]
            _acc_3_2 += B[j + 3]
            _acc_3_3 += B[j + 3]
            _acc_3_4 += B[j + 3]
            _acc_3_5 += B[j + 3]
            _acc_3_6 += B[j + 3]
            _acc_3_7 += B[j + 3]
            _acc_4_0 += B[j + 4]
            _acc_4_1 += B[j + 4]
            _acc_4_2 += B[j + 4]
            _acc_4_3 += B[j + 4]
            _acc_4_4 += B[j + 4]
            _acc_4_5 += B[j + 4]
            _acc_4_6 += B[j + 4]
            _acc_4_7 += B[j + 4]
            _acc_5_0 += B[j + 5]
            _acc_5_1 += B[j + 5]
            _acc_5_2 += B[j + 5]
            _acc_5_3 += B[j + 5]
            _acc_5_4 += B[j + 5]
            _acc_5_5 += B[j + 5]
            _acc_5_6 += B[j + 5]
            _acc_5_7 += B[j + 5]
            _acc_6_0 += B[j + 6]
            _acc_6_1 += B[j + 6]
            _acc_6_2 += B[j + 6]
            _acc_6_3 += B[j + 6]
            _acc_6_4 += B[j + 6]
            _acc_6_5 += B[j + 6]
            _acc_6_6 += B[j + 6]
            _acc_6_7 += B[j + 6]
            _acc_7_0 += B[j + 7]
            _acc_7_1 += B[j + 7]
            _acc_7_2 += B[j + 7]
            _acc_7_3 += B[j + 7]
            _acc_7_4 += B[j + 7]
            _acc_7_5 += B[j + 7]
            _acc_7_6 += B[j + 7]
            _acc_7_7 += B[j + 7]
            for i in range(C):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _r = _kp[j // 8, i, a, b, 0]
                        _r1 = _kp[j // 8, i, a, b, 1]
                        _r2 = _kp[j // 8, i, a, b, 2]
                        _r3 = _kp[j // 8, i, a, b, 3]
                        _r4 = _kp[j // 8, i, a, b, 4]
                        _r5 = _kp[j // 8, i, a, b, 5]
                        _r6 = _kp[j // 8, i, a, b, 6]
                        _r7 = _kp[j // 8, i, a, b, 7]
                        _r8 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f)]
                        _r9 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 1)]
                        _r10 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 2)]
                        _r11 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 3)]
                        _r12 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 4)]
                        _r13 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 5)]
                        _r14 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 6)]
                        _r15 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f + 7)]
                        _acc_0_0 += _r*_r8
                        _acc_0_1 += _r*_r9
                        _acc_0_2 += _r*_r10
                        _acc_0_3 += _r*_r11
                        _acc_0_4 += _r*_r12
                        _acc_0_5 += _r*_r13
                        _acc_0_6 += _r*_r14
                        _acc_0_7 += _r*_r15
                        _acc_1_0 += _r1*_r8
                        _acc_1_1 += _r1*_r9
                        _acc_1_2 += _r1*_r10
                        _acc_1_3 += _r1*_r11
                        _acc_1_4 += _r1*_r12
                        _acc_1_5 += _r1*_r13
                        _acc_1_6 += _r1*_r14
                        _acc_1_7 += _r1*_r15
                        _acc_2_0 += _r2*_r8
                        _acc_2_1 += _r2*_r9
                        _acc_2_2 += _r2*_r10
                        _acc_2_3 += _r2*_r11
                        _acc_2_4 += _r2*_r12
                        _acc_2_5 += _r2*_r13
                        _acc_2_6 += _r2*_r14
                        _acc_2_7 += _r2*_r15
                        _acc_3_0 += _r3*_r8
                        _acc_3_1 += _r3*_r9
                        _acc_3_2 += _r3*_r10
                        _acc_3_3 += _r3*_r11
                        _acc_3_4 += _r3*_r12
                        _acc_3_5 += _r3*_r13
                        _acc_3_6 += _r3*_r14
                        _acc_3_7 += _r3*_r15
                        _acc_4_0 += _r4*_r8
                        _acc_4_1 += _r4*_r9
                        _acc_4_2 += _r4*_r10
                        _acc_4_3 += _r4*_r11
                        _acc_4_4 += _r4*_r12
                        _acc_4_5 += _r4*_r13
                        _acc_4_6 += _r4*_r14
                        _acc_4_7 += _r4*_r15
                        _acc_5_0 += _r5*_r8
                        _acc_5_1 += _r5*_r9
                        _acc_5_2 += _r5*_r10
                        _acc_5_3 += _r5*_r11
                        _acc_5_4 += _r5*_r12
                        _acc_5_5 += _r5*_r13
                        _acc_5_6 += _r5*_r14
                        _acc_5_7 += _r5*_r15
                        _acc_6_0 += _r6*_r8
                        _acc_6_1 += _r6*_r9
                        _acc_6_2 += _r6*_r10
                        _acc_6_3 += _r6*_r11
                        _acc_6_4 += _r6*_r12
                        _acc_6_5 += _r6*_r13
                        _acc_6_6 += _r6*_r14
                        _acc_6_7 += _r6*_r15
                        _acc_7_0 += _r7*_r8
                        _acc_7_1 += _r7*_r9
                        _acc_7_2 += _r7*_r10
                        _acc_7_3 += _r7*_r11
                        _acc_7_4 += _r7*_r12
                        _acc_7_5 += _r7*_r13
                        _acc_7_6 += _r7*_r14
                        _acc_7_7 += _r7*_r15
            _up[j, np.uint64(_f)] = _acc_0_0
            _up[j, np.uint64(_f + 1)] = _acc_0_1
            _up[j, np.uint64(_f + 2)] = _acc_0_2
            _up[j, np.uint64(_f + 3)] = _acc_0_3
            _up[j, np.uint64(_f + 4)] = _acc_0_4
            _up[j, np.uint64(_f + 5)] = _acc_0_5
            _up[j, np.uint64(_f + 6)] = _acc_0_6
            _up[j, np.uint64(_f + 7)] = _acc_0_7
            _up[j + 1, np.uint64(_f)] = _acc_1_0
            _up[j + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[j + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[j + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[j + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[j + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[j + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[j + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[j + 2, np.uint64(_f)] = _acc_2_0
            _up[j + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[j + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[j + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[j + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[j + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[j + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[j + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[j + 3, np.uint64(_f)] = _acc_3_0
            _up[j + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[j + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[j + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[j + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[j + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[j + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[j + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[j + 4, np.uint64(_f)] = _acc_4_0
            _up[j + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[j + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[j + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[j + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[j + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[j + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[j + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[j + 5, np.uint64(_f)] = _acc_5_0
            _up[j + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[j + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[j + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[j + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[j + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[j + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[j + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[j + 6, np.uint64(_f)] = _acc_6_0
            _up[j + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[j + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[j + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[j + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[j + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[j + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[j + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[j + 7, np.uint64(_f)] = _acc_7_0
            _up[j + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[j + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[j + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[j + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[j + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[j + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[j + 7, np.uint64(_f + 7)] = _acc_7_7
    for j in range(_j_split, M):
        for _f in range(H*_wp):
            _acc = 0.0
            _acc += B[j]
            for i in range(C):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _acc += K[i, j, a, b]*_xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + _f)]
            _up[j, np.uint64(_f)] = _acc
    for _s0 in range(M):
        for _s1 in range(H):
            for _s2 in range(W):
                U[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U_dot(B, K, X, U, N, C, M, H, W, RH, RW, _threads):
    """One schedule of forward_U, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]
    """
    _dt = U.dtype.type
    _U_f = U.reshape(U.shape[0], U.shape[1], H*W)
    _wk = np.empty((M, C*(2*RH + 1)*(2*RW + 1)), _dt)
    for j in range(M):
        for a in range(2*RH + 1):
            for b in range(2*RW + 1):
                for i in range(C):
                    _wk[j, C*(a*(2*RW + 1) + b) + i] = _dt(K[i, j, a, b])
    _yc = max(1, 32768 // (W*(C*(2*RH + 1)*(2*RW + 1))))  # the map rows a chunk packs
    _n = N
    _nb = min(M, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*M // _nb
        _j1 = (_o % _nb + 1)*M // _nb
        for j in range(_j0, _j1):
            _h1 = _dt(B[j])
            for y in range(H):
                for x in range(W):
                    U[n, j, y, x] = _h1
        _pd = np.empty((_yc*W, C*(2*RH + 1)*(2*RW + 1)), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(2*RH + 1):
                for b in range(2*RW + 1):
                    for y in range(max(0, -RH + a, _y0), min(H, H - RH + a, _y1)):
                        for x in range(max(0, -RW + b), min(W, -RW + W + b)):
                            for i in range(C):
                                _pd[-W*_y0 + W*y + x, C*(a*(2*RW + 1) + b) + i] = X[n, i, RH - a + y, RW - b + x]
            for j in range(_j0, _jr, 4):
                for _f in range(0, _fr, 2):
                    _s00 = _dt(0)
                    _s01 = _dt(0)
                    _s10 = _dt(0)
                    _s11 = _dt(0)
                    _s20 = _dt(0)
                    _s21 = _dt(0)
                    _s30 = _dt(0)
                    _s31 = _dt(0)
                    for _r in range(C*(2*RH + 1)*(2*RW + 1)):
                        _p0 = _pd[_f, _r]
                        _p1 = _pd[_f + 1, _r]
                        _w = _wk[j, _r]
                        _s00 += _w*_p0
                        _s01 += _w*_p1
                        _w = _wk[j + 1, _r]
                        _s10 += _w*_p0
                        _s11 += _w*_p1
                        _w = _wk[j + 2, _r]
                        _s20 += _w*_p0
                        _s21 += _w*_p1
                        _w = _wk[j + 3, _r]
                        _s30 += _w*_p0
                        _s31 += _w*_p1
                    _U_f[n, j, W*_y0 + _f] += _s00
                    _U_f[n, j, W*_y0 + _f + 1] += _s01
                    _U_f[n, j + 1, W*_y0 + _f] += _s10
                    _U_f[n, j + 1, W*_y0 + _f + 1] += _s11
                    _U_f[n, j + 2, W*_y0 + _f] += _s20
                    _U_f[n, j + 2, W*_y0 + _f + 1] += _s21
                    _U_f[n, j + 3, W*_y0 + _f] += _s30
                    _U_f[n, j + 3, W*_y0 + _f + 1] += _s31
            for j in range(_j0, _jr):
                for _f in range(_fr, _nf):
                    _s00 = _dt(0)
                    for _r in range(C*(2*RH + 1)*(2*RW + 1)):
                        _p0 = _pd[_f, _r]
                        _w = _wk[j, _r]
                        _s00 += _w*_p0
                    _U_f[n, j, W*_y0 + _f] += _s00
            for j in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(C*(2*RH + 1)*(2*RW + 1)):
                        _p0 = _pd[_f, _r]
                        _w = _wk[j, _r]
                        _s00 += _w*_p0
                    _U_f[n, j, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U_packed(B, K, X, U, N, C, M, H, W, RH, RW, _threads):
    """One schedule of forward_U, which picks it by the sizes: packed windows (codegen/window.py).

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]
    """
    _dt = U.dtype.type
    _U_f = U.reshape(U.shape[0], U.shape[1], H*W)
    _n = N
    _nb = min(M, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*M // _nb
        _j1 = (_o % _nb + 1)*M // _nb
        for j in range(_j0, _j1):
            _h1 = _dt(B[j])
            for y in range(H):
                for x in range(W):
                    U[n, j, y, x] = _h1
        _pk = np.zeros((2*RH + 1, 2*RW + 1, H*W), _dt)
        for i in range(C):
            for a in range(2*RH + 1):
                for b in range(2*RW + 1):
                    for y in range(max(0, -RH + a), min(H, H - RH + a)):
                        for x in range(max(0, -RW + b), min(W, -RW + W + b)):
                            _pk[a, b, W*y + x] = X[n, i, RH - a + y, RW - b + x]
            _br = ((2*RW + 1) // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for j in range(_j0, _jr, 4):
                for a in range(2*RH + 1):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K[i, j, a, b])
                        _k01 = _dt(K[i, j, a, b + 1])
                        _k02 = _dt(K[i, j, a, b + 2])
                        _k03 = _dt(K[i, j, a, b + 3])
                        _k10 = _dt(K[i, j + 1, a, b])
                        _k11 = _dt(K[i, j + 1, a, b + 1])
                        _k12 = _dt(K[i, j + 1, a, b + 2])
                        _k13 = _dt(K[i, j + 1, a, b + 3])
                        _k20 = _dt(K[i, j + 2, a, b])
                        _k21 = _dt(K[i, j + 2, a, b + 1])
                        _k22 = _dt(K[i, j + 2, a, b + 2])
                        _k23 = _dt(K[i, j + 2, a, b + 3])
                        _k30 = _dt(K[i, j + 3, a, b])
                        _k31 = _dt(K[i, j + 3, a, b + 1])
                        _k32 = _dt(K[i, j + 3, a, b + 2])
                        _k33 = _dt(K[i, j + 3, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _U_f[n, j, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _U_f[n, j + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _U_f[n, j + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _U_f[n, j + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(2*RH + 1):
                    for b in range(_br, 2*RW + 1):
                        _k0 = _dt(K[i, j, a, b])
                        _k1 = _dt(K[i, j + 1, a, b])
                        _k2 = _dt(K[i, j + 2, a, b])
                        _k3 = _dt(K[i, j + 3, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _U_f[n, j, _f] += _k0*_w0
                            _U_f[n, j + 1, _f] += _k1*_w0
                            _U_f[n, j + 2, _f] += _k2*_w0
                            _U_f[n, j + 3, _f] += _k3*_w0
            for j in range(_jr, _j1):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _h4 = _dt(K[i, j, a, b])
                        for _f in range(H*W):
                            _U_f[n, j, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U_loops(B, K, X, U, N, C, M, H, W, RH, RW):
    """One schedule of forward_U, which picks it by the sizes: loop nests.

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, RH - a + y,
        RW - b + x])*K[i, j, a, b]
    """
    _dt = U.dtype.type
    for _o in prange(N*M):
        n = _o // M
        j = _o % M
        _h0 = _dt(B[j])
        for y in range(H):
            for x in range(W):
                U[n, j, y, x] = _h0
        for i in range(C):
            for a in range(max(0, -H + RH + 1), min(2*RH + 1, H + RH)):
                for b in range(max(0, RW - W + 1), min(2*RW + 1, RW + W)):
                    _h3 = _dt(K[i, j, a, b])
                    for y in range(max(0, -RH + a), min(H, H - RH + a)):
                        for x in range(max(0, -RW + b), min(W, -RW + W + b)):
                            U[n, j, y, x] += _h3*X[n, i, RH - a + y, RW - b + x]


@njit(cache=True, parallel=True)
def forward_Y(U, Y, N, M, H, W):
    """[B7] forward equation for Y.

    Y[n, j, y, x] = relu(U[n, j, y, x])
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _U_r = U.reshape(U.shape[0], U.shape[1], U.shape[2]*U.shape[3])
    for _o in prange(N*M):
        n = _o // M
        j = _o % M
        for _f in range(H*W):
            _Y_r[n, j, _f] = max(_U_r[n, j, _f], 0.0)


@njit(cache=True, parallel=True)
def backward_dU(dY, U, dU, N, M, H, W):
    """[B7] gradient dU.

    dU[n, j, y, x] = step(U[n, j, y, x])*dY[n, j, y, x]
    """
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    _U_r = U.reshape(U.shape[0], U.shape[1], U.shape[2]*U.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for _o in prange(N*M):
        n = _o // M
        j = _o % M
        for _f in range(H*W):
            _dU_r[n, j, _f] = (1.0 if _U_r[n, j, _f] > 0 else 0.0)*_dY_r[n, j, _f]


def backward_dX(K, dU, dX, N, C, M, H, W, RH, RW, _threads):
    """[B7] gradient dX.

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B12] δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')
    [EX1] 3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3
    """
    if _VECTOR_BITS >= 512 and C >= 8 and M*(2*RH + 1)*(2*RW + 1) <= 512:  # 512-bit vectors
        backward_dX_block512(K, dU, dX, N, C, M, H, W, RH, RW)
    elif C >= 8 and M*(2*RH + 1)*(2*RW + 1) <= 512:  # a short contraction: register-blocked outer products
        backward_dX_block(K, dU, dX, N, C, M, H, W, RH, RW)
    elif M*(2*RH + 1)*(2*RW + 1) >= 64 and M*W*(2*RH + 1)*(2*RW + 1) <= 262144:  # a long contraction in cache
        backward_dX_dot(K, dU, dX, N, C, M, H, W, RH, RW, _threads)
    elif H*W*(2*RH + 1)*(2*RW + 1) <= 262144:  # the packed windows fit in cache
        backward_dX_packed(K, dU, dX, N, C, M, H, W, RH, RW, _threads)
    else:
        backward_dX_loops(K, dU, dX, N, C, M, H, W, RH, RW)


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_dX_block512(K, dU, dX, N, C, M, H, W, RH, RW):
    """One schedule of backward_dX, which picks it by the sizes: register-blocked outer
    products (codegen/block.py), sized for 512-bit vectors.

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B12] δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')
    [EX1] 3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3
    """
    _kp = np.zeros((C // 8, M, 2*RH + 1, 2*RW + 1, 8), dtype=dX.dtype)
    for _k0 in range((C // 8)*8):
        for _k1 in range(M):
            for _k2 in range(2*RH + 1):
                for _k3 in range(2*RW + 1):
                    _kp[_k0 // 8, _k1, _k2, _k3, _k0 - 8*(_k0 // 8)] = K[_k0, _k1, _k2, _k3]
    _wp = RW + W
    for n in prange(N):
        backward_dX_block512_one(C, H, K, M, RH, RW, W, _kp, _wp, dU, dX, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def backward_dX_block512_one(C, H, K, M, RH, RW, W, _kp, _wp, dU, dX, n):
    """One iteration of backward_dX_block512's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B12] δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')
    [EX1] 3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3
    """
    _xp = np.zeros((M, (H + 2*RH + 1)*_wp + 16), dtype=dX.dtype)
    for _c0 in range(M):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(RH + _c1) + RW + _c2)] = dU[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 16), dtype=dX.dtype)
    _i_split = (C // 8)*8
    for i in range(0, _i_split, 8):
        for _f in range(0, H*_wp, 16):
            _acc_0_0 = dX.dtype.type(0)
            _acc_0_1 = dX.dtype.type(0)
            _acc_0_2 = dX.dtype.type(0)
            _acc_0_3 = dX.dtype.type(0)
            _acc_0_4 = dX.dtype.type(0)
            _acc_0_5 = dX.dtype.type(0)
            _acc_0_6 = dX.dtype.type(0)
            _acc_0_7 = dX.dtype.type(0)
            _acc_0_8 = dX.dtype.type(0)
            _acc_0_9 = dX.dtype.type(0)
            _acc_0_10 = dX.dtype.type(0)
            _acc_0_11 = dX.dtype.type(0)
            _acc_0_12 = dX.dtype.type(0)
            _acc_0_13 = dX.dtype.type(0)
            _acc_0_14 = dX.dtype.type(0)
            _acc_0_15 = dX.dtype.type(0)
            _acc_1_0 = dX.dtype.type(0)
            _acc_1_1 = dX.dtype.type(0)
            _acc_1_2 = dX.dtype.type(0)
            _acc_1_3 = dX.dtype.type(0)
            _acc_1_4 = dX.dtype.type(0)
            _acc_1_5 = dX.dtype.type(0)
            _acc_1_6 = dX.dtype.type(0)
            _acc_1_7 = dX.dtype.type(0)
            _acc_1_8 = dX.dtype.type(0)
            _acc_1_9 = dX.dtype.type(0)
            _acc_1_10 = dX.dtype.type(0)
            _acc_1_11 = dX.dtype.type(0)
            _acc_1_12 = dX.dtype.type(0)
            _acc_1_13 = dX.dtype.type(0)
            _acc_1_14 = dX.dtype.type(0)
            _acc_1_15 = dX.dtype.type(0)
            _acc_2_0 = dX.dtype.type(0)
            _acc_2_1 = dX.dtype.type(0)
            _acc_2_2 = dX.dtype.type(0)
            _acc_2_3 = dX.dtype.type(0)
            _acc_2_4 = dX.dtype.type(0)
            _acc_2_5 = dX.dtype.type(0)
            _acc_2_6 = dX.dtype.type(0)
            _acc_2_7 = dX.dtype.type(0)
            _acc_2_8 = dX.dtype.type(0)
            _acc_2_9 = dX.dtype.type(0)
            _acc_2_10 = dX.dtype.type(0)
            _acc_2_11 = dX.dtype.type(0)
            _acc_2_12 = dX.dtype.type(0)
            _acc_2_13 = dX.dtype.type(0)
            _acc_2_14 = dX.dtype.type(0)
            _acc_2_15 = dX.dtype.type(0)
            _acc_3_0 = dX.dtype.type(0)
            _acc_3_1 = dX.dtype.type(0)
            _acc_3_2 = dX.dtype.type(0)
            _acc_3_3 = dX.dtype.type(0)
            _acc_3_4 = dX.dtype.type(0)
            _acc_3_5 = dX.dtype.type(0)
            _acc_3_6 = dX.dtype.type(0)
            _acc_3_7 = dX.dtype.type(0)
            _acc_3_8 = dX.dtype.type(0)
            _acc_3_9 = dX.dtype.type(0)
            _acc_3_10 = dX.dtype.type(0)
            _acc_3_11 = dX.dtype.type(0)
            _acc_3_12 = dX.dtype.type(0)
            _acc_3_13 = dX.dtype.type(0)
            _acc_3_14 = dX.dtype.type(0)
            _acc_3_15 = dX.dtype.type(0)
            _acc_4_0 = dX.dtype.type(0)
            _acc_4_1 = dX.dtype.type(0)
            _acc_4_2 = dX.dtype.type(0)
            _acc_4_3 = dX.dtype.type(0)
            _acc_4_4 = dX.dtype.type(0)
            _acc_4_5 = dX.dtype.type(0)
            _acc_4_6 = dX.dtype.type(0)
            _acc_4_7 = dX.dtype.type(0)
            _acc_4_8 = dX.dtype.type(0)
            _acc_4_9 = dX.dtype.type(0)
            _acc_4_10 = dX.dtype.type(0)
            _acc_4_11 = dX.dtype.type(0)
            _acc_4_12 = dX.dtype.type(0)
            _acc_4_13 = dX.dtype.type(0)
            _acc_4_14 = dX.dtype.type(0)
            _acc_4_15 = dX.dtype.type(0)
            _acc_5_0 = dX.dtype.type(0)
            _acc_5_1 = dX.dtype.type(0)
            _acc_5_2 = dX.dtype.type(0)
            _acc_5_3 = dX.dtype.type(0)
            _acc_5_4 = dX.dtype.type(0)
            _acc_5_5 = dX.dtype.type(0)
            _acc_5_6 = dX.dtype.type(0)
            _acc_5_7 = dX.dtype.type(0)
            _acc_5_8 = dX.dtype.type(0)
            _acc_5_9 = dX.dtype.type(0)
            _acc_5_10 = dX.dtype.type(0)
            _acc_5_11 = dX.dtype.type(0)
            _acc_5_12 = dX.dtype.type(0)
            _acc_5_13 = dX.dtype.type(0)
            _acc_5_14 = dX.dtype.type(0)
            _acc_5_15 = dX.dtype.type(0)
            _acc_6_0 = dX.dtype.type(0)
            _acc_6_1 = dX.dtype.type(0)
            _acc_6_2 = dX.dtype.type(0)
            _acc_6_3 = dX.dtype.type(0)
            _acc_6_4 = dX.dtype.type(0)
            _acc_6_5 = dX.dtype.type(0)
            _acc_6_6 = dX.dtype.type(0)
            _acc_6_7 = dX.dtype.type(0)
            _acc_6_8 = dX.dtype.type(0)
            _acc_6_9 = dX.dtype.type(0)
            _acc_6_10 = dX.dtype.type(0)
            _acc_6_11 = dX.dtype.type(0)
            _acc_6_12 = dX.dtype.type(0)
            _acc_6_13 = dX.dtype.type(0)
            _acc_6_14 = dX.dtype.type(0)
            _acc_6_15 = dX.dtype.type(0)
            _acc_7_0 = dX.dtype.type(0)
            _acc_7_1 = dX.dtype.type(0)
            _acc_7_2 = dX.dtype.type(0)
            _acc_7_3 = dX.dtype.type(0)
            _acc_7_4 = dX.dtype.type(0)
            _acc_7_5 = dX.dtype.type(0)
            _acc_7_6 = dX.dtype.type(0)
            _acc_7_7 = dX.dtype.type(0)
            _acc_7_8 = dX.dtype.type(0)
            _acc_7_9 = dX.dtype.type(0)
            _acc_7_10 = dX.dtype.type(0)
            _acc_7_11 = dX.dtype.type(0)
            _acc_7_12 = dX.dtype.type(0)
            _acc_7_13 = dX.dtype.type(0)
            _acc_7_14 = dX.dtype.type(0)
            _acc_7_15 = dX.dtype.type(0)
            for j in range(M):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _r = _kp[i // 8, j, a, b, 0]
                        _r1 = _kp[i // 8, j, a, b, 1]
                        _r2 = _kp[i // 8, j, a, b, 2]
                        _r3 = _kp[i // 8, j, a, b, 3]
                        _r4 = _kp[i // 8, j, a, b, 4]
                        _r5 = _kp[i // 8, j, a, b, 5]
                        _r6 = _kp[i // 8, j, a, b, 6]
                        _r7 = _kp[i // 8, j, a, b, 7]
                        _r8 = _xp[j, np.uint64(_wp*a + b + _f)]
                        _r9 = _xp[j, np.uint64(_wp*a + b + _f + 1)]
                        _r10 = _xp[j, np.uint64(_wp*a + b + _f + 2)]
                        _r11 = _xp[j, np.uint64(_wp*a + b + _f + 3)]
                        _r12 = _xp[j, np.uint64(_wp*a + b + _f + 4)]
                        _r13 = _xp[j, np.uint64(_wp*a + b + _f + 5)]
                        _r14 = _xp[j, np.uint64(_wp*a + b + _f + 6)]
                        _r15 = _xp[j, np.uint64(_wp*a + b + _f + 7)]
                        _r16 = _xp[j, np.uint64(_wp*a + b + _f + 8)]
                        _r17 = _xp[j, np.uint64(_wp*a + b + _f + 9)]
                        _r18 = _xp[j, np.uint64(_wp*a + b + _f + 10)]
                        _r19 = _xp[j, np.uint64(_wp*a + b + _f + 11)]
                        _r20 = _xp[j, np.uint64(_wp*a + b + _f + 12)]
                        _r21 = _xp[j, np.uint64(_wp*a + b + _f + 13)]
                        _r22 = _xp[j, np.uint64(_wp*a + b + _f + 14)]
                        _r23 = _xp[j, np.uint64(_wp*a + b + _f + 15)]
                        _acc_0_0 += _r*_r8
                        _acc_0_1 += _r*_r9
                        _acc_0_2 += _r*_r10
                        _acc_0_3 += _r*_r11
                        _acc_0_4 += _r*_r12
                        _acc_0_5 += _r*_r13
                        _acc_0_6 += _r*_r14
                        _acc_0_7 += _r*_r15
                        _acc_0_8 += _r*_r16
                        _acc_0_9 += _r*_r17
                        _acc_0_10 += _r*_r18
                        _acc_0_11 += _r*_r19
                        _acc_0_12 += _r*_r20
                        _acc_0_13 += _r*_r21
                        _acc_0_14 += _r*_r22
                        _acc_0_15 += _r*_r23
                        _acc_1_0 += _r1*_r8
                        _acc_1_1 += _r1*_r9
                        _acc_1_2 += _r1*_r10
                        _acc_1_3 += _r1*_r11
                        _acc_1_4 += _r1*_r12
                        _acc_1_5 += _r1*_r13
                        _acc_1_6 += _r1*_r14
                        _acc_1_7 += _r1*_r15
                        _acc_1_8 += _r1*_r16
                        _acc_1_9 += _r1*_r17
                        _acc_1_10 += _r1*_r18
                        _acc_1_11 += _r1*_r19
                        _acc_1_12 += _r1*_r20
                        _acc_1_13 += _r1*_r21
                        _acc_1_14 += _r1*_r22
                        _acc_1_15 += _r1*_r23
                        _acc_2_0 += _r2*_r8
                        _acc_2_1 += _r2*_r9
                        _acc_2_2 += _r2*_r10
                        _acc_2_3 += _r2*_r11
                        _acc_2_4 += _r2*_r12
                        _acc_2_5 += _r2*_r13
                        _acc_2_6 += _r2*_r14
                        _acc_2_7 += _r2*_r15
                        _acc_2_8 += _r2*_r16
                        _acc_2_9 += _r2*_r17
                        _acc_2_10 += _r2*_r18
                        _acc_2_11 += _r2*_r19
                        _acc_2_12 += _r2*_r20
                        _acc_2_13 += _r2*_r21
                        _acc_2_14 += _r2*_r22
                        _acc_2_15 += _r2*_r23
                        _acc_3_0 += _r3*_r8
                        _acc_3_1 += _r3*_r9
                        _acc_3_2 += _r3*_r10
                        _acc_3_3 += _r3*_r11
                        _acc_3_4 += _r3*_r12
                        _acc_3_5 += _r3*_r13
                        _acc_3_6 += _r3*_r14
                        _acc_3_7 += _r3*_r15
                        _acc_3_8 += _r3*_r16
                        _acc_3_9 += _r3*_r17
                        _acc_3_10 += _r3*_r18
                        _acc_3_11 += _r3*_r19
                        _acc_3_12 += _r3*_r20
                        _acc_3_13 += _r3*_r21
                        _acc_3_14 += _r3*_r22
                        _acc_3_15 += _r3*_r23
                        _acc_4_0 += _r4*_r8
                        _acc_4_1 += _r4*_r9
                        _acc_4_2 += _r4*_r10
                        _acc_4_3 += _r4*_r11
                        _acc_4_4 += _r4*_r12
                        _acc_4_5 += _r4*_r13
                        _acc_4_6 += _r4*_r14
                        _acc_4_7 += _r4*_r15
                        _acc_4_8 += _r4*_r16
                        _acc_4_9 += _r4*_r17
                        _acc_4_10 += _r4*_r18
                        _acc_4_11 += _r4*_r19
                        _acc_4_12 += _r4*_r20
                        _acc_4_13 += _r4*_r21
                        _acc_4_14 += _r4*_r22
                        _acc_4_15 += _r4*_r23
                        _acc_5_0 += _r5*_r8
                        _acc_5_1 += _r5*_r9
                        _acc_5_2 += _r5*_r10
                        _acc_5_3 += _r5*_r11
                        _acc_5_4 += _r5*_r12
                        _acc_5_5 += _r5*_r13
                        _acc_5_6 += _r5*_r14
                        _acc_5_7 += _r5*_r15
                        _acc_5_8 += _r5*_r16
                        _acc_5_9 += _r5*_r17
                        _acc_5_10 += _r5*_r18
                        _acc_5_11 += _r5*_r19
                        _acc_5_12 += _r5*_r20
                        _acc_5_13 += _r5*_r21
                        _acc_5_14 += _r5*_r22
                        _acc_5_15 += _r5*_r23
                        _acc_6_0 += _r6*_r8
                        _acc_6_1 += _r6*_r9
                        _acc_6_2 += _r6*_r10
                        _acc_6_3 += _r6*_r11
                        _acc_6_4 += _r6*_r12
                        _acc_6_5 += _r6*_r13
                        _acc_6_6 += _r6*_r14
                        _acc_6_7 += _r6*_r15
                        _acc_6_8 += _r6*_r16
                        _acc_6_9 += _r6*_r17
                        _acc_6_10 += _r6*_r18
                        _acc_6_11 += _r6*_r19
                        _acc_6_12 += _r6*_r20
                        _acc_6_13 += _r6*_r21
                        _acc_6_14 += _r6*_r22
                        _acc_6_15 += _r6*_r23
                        _acc_7_0 += _r7*_r8
                        _acc_7_1 += _r7*_r9
                        _acc_7_2 += _r7*_r10
                        _acc_7_3 += _r7*_r11
                        _acc_7_4 += _r7*_r12
                        _acc_7_5 += _r7*_r13
                        _acc_7_6 += _r7*_r14
                        _acc_7_7 += _r7*_r15
                        _acc_7_8 += _r7*_r16
                        _acc_7_9 += _r7*_r17
                        _acc_7_10 += _r7*_r18
                        _acc_7_11 += _r7*_r19
                        _acc_7_12 += _r7*_r20
                        _acc_7_13 += _r7*_r21
                        _acc_7_14 += _r7*_r22
                        _acc_7_15 += _r7*_r23
            _up[i, np.uint64(_f)] = _acc_0_0
            _up[i, np.uint64(_f + 1)] = _acc_0_1
            _up[i, np.uint64(_f + 2)] = _acc_0_2
            _up[i, np.uint64(_f + 3)] = _acc_0_3
            _up[i, np.uint64(_f + 4)] = _acc_0_4
            _up[i, np.uint64(_f + 5)] = _acc_0_5
            _up[i, np.uint64(_f + 6)] = _acc_0_6
            _up[i, np.uint64(_f + 7)] = _acc_0_7
            _up[i, np.uint64(_f + 8)] = _acc_0_8
            _up[i, np.uint64(_f + 9)] = _acc_0_9
            _up[i, np.uint64(_f + 10)] = _acc_0_10
            _up[i, np.uint64(_f + 11)] = _acc_0_11
            _up[i, np.uint64(_f + 12)] = _acc_0_12
            _up[i, np.uint64(_f + 13)] = _acc_0_13
            _up[i, np.uint64(_f + 14)] = _acc_0_14
            _up[i, np.uint64(_f + 15)] = _acc_0_15
            _up[i + 1, np.uint64(_f)] = _acc_1_0
            _up[i + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[i + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[i + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[i + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[i + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[i + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[i + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[i + 1, np.uint64(_f + 8)] = _acc_1_8
            _up[i + 1, np.uint64(_f + 9)] = _acc_1_9
            _up[i + 1, np.uint64(_f + 10)] = _acc_1_10
            _up[i + 1, np.uint64(_f + 11)] = _acc_1_11
            _up[i + 1, np.uint64(_f + 12)] = _acc_1_12
            _up[i + 1, np.uint64(_f + 13)] = _acc_1_13
            _up[i + 1, np.uint64(_f + 14)] = _acc_1_14
            _up[i + 1, np.uint64(_f + 15)] = _acc_1_15
            _up[i + 2, np.uint64(_f)] = _acc_2_0
            _up[i + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[i + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[i + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[i + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[i + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[i + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[i + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[i + 2, np.uint64(_f + 8)] = _acc_2_8
            _up[i + 2, np.uint64(_f + 9)] = _acc_2_9
            _up[i + 2, np.uint64(_f + 10)] = _acc_2_10
            _up[i + 2, np.uint64(_f + 11)] = _acc_2_11
            _up[i + 2, np.uint64(_f + 12)] = _acc_2_12
            _up[i + 2, np.uint64(_f + 13)] = _acc_2_13
            _up[i + 2, np.uint64(_f + 14)] = _acc_2_14
            _up[i + 2, np.uint64(_f + 15)] = _acc_2_15
            _up[i + 3, np.uint64(_f)] = _acc_3_0
            _up[i + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[i + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[i + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[i + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[i + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[i + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[i + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[i + 3, np.uint64(_f + 8)] = _acc_3_8
            _up[i + 3, np.uint64(_f + 9)] = _acc_3_9
            _up[i + 3, np.uint64(_f + 10)] = _acc_3_10
            _up[i + 3, np.uint64(_f + 11)] = _acc_3_11
            _up[i + 3, np.uint64(_f + 12)] = _acc_3_12
            _up[i + 3, np.uint64(_f + 13)] = _acc_3_13
            _up[i + 3, np.uint64(_f + 14)] = _acc_3_14
            _up[i + 3, np.uint64(_f + 15)] = _acc_3_15
            _up[i + 4, np.uint64(_f)] = _acc_4_0
            _up[i + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[i + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[i + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[i + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[i + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[i + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[i + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[i + 4, np.uint64(_f + 8)] = _acc_4_8
            _up[i + 4, np.uint64(_f + 9)] = _acc_4_9
            _up[i + 4, np.uint64(_f + 10)] = _acc_4_10
            _up[i + 4, np.uint64(_f + 11)] = _acc_4_11
            _up[i + 4, np.uint64(_f + 12)] = _acc_4_12
            _up[i + 4, np.uint64(_f + 13)] = _acc_4_13
            _up[i + 4, np.uint64(_f + 14)] = _acc_4_14
            _up[i + 4, np.uint64(_f + 15)] = _acc_4_15
            _up[i + 5, np.uint64(_f)] = _acc_5_0
            _up[i + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[i + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[i + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[i + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[i + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[i + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[i + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[i + 5, np.uint64(_f + 8)] = _acc_5_8
            _up[i + 5, np.uint64(_f + 9)] = _acc_5_9
            _up[i + 5, np.uint64(_f + 10)] = _acc_5_10
            _up[i + 5, np.uint64(_f + 11)] = _acc_5_11
            _up[i + 5, np.uint64(_f + 12)] = _acc_5_12
            _up[i + 5, np.uint64(_f + 13)] = _acc_5_13
            _up[i + 5, np.uint64(_f + 14)] = _acc_5_14
            _up[i + 5, np.uint64(_f + 15)] = _acc_5_15
            _up[i + 6, np.uint64(_f)] = _acc_6_0
            _up[i + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[i + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[i + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[i + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[i + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[i + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[i + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[i + 6, np.uint64(_f + 8)] = _acc_6_8
            _up[i + 6, np.uint64(_f + 9)] = _acc_6_9
            _up[i + 6, np.uint64(_f + 10)] = _acc_6_10
            _up[i + 6, np.uint64(_f + 11)] = _acc_6_11
            _up[i + 6, np.uint64(_f + 12)] = _acc_6_12
            _up[i + 6, np.uint64(_f + 13)] = _acc_6_13
            _up[i + 6, np.uint64(_f + 14)] = _acc_6_14
            _up[i + 6, np.uint64(_f + 15)] = _acc_6_15
            _up[i + 7, np.uint64(_f)] = _acc_7_0
            _up[i + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[i + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[i + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[i + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[i + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[i + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[i + 7, np.uint64(_f + 7)] = _acc_7_7
            _up[i + 7, np.uint64(_f + 8)] = _acc_7_8
            _up[i + 7, np.uint64(_f + 9)] = _acc_7_9
            _up[i + 7, np.uint64(_f + 10)] = _acc_7_10
            _up[i + 7, np.uint64(_f + 11)] = _acc_7_11
            _up[i + 7, np.uint64(_f + 12)] = _acc_7_12
            _up[i + 7, np.uint64(_f + 13)] = _acc_7_13
            _up[i + 7, np.uint64(_f + 14)] = _acc_7_14
            _up[i + 7, np.uint64(_f + 15)] = _acc_7_15
    for i in range(_i_split, C):
        for _f in range(H*_wp):
            _acc = 0.0
            for j in range(M):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _acc += K[i, j, a, b]*_xp[j, np.uint64(_wp*a + b + _f)]
            _up[i, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                dX[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_dX_block(K, dU, dX, N, C, M, H, W, RH, RW):
    """One schedule of backward_dX, which picks it by the sizes: register-blocked outer
    products (codegen/block.py).

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B12] δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')
    [EX1] 3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3
    """
    _kp = np.zeros((C // 8, M, 2*RH + 1, 2*RW + 1, 8), dtype=dX.dtype)
    for _k0 in range((C // 8)*8):
        for _k1 in range(M):
            for _k2 in range(2*RH + 1):
                for _k3 in range(2*RW + 1):
                    _kp[_k0 // 8, _k1, _k2, _k3, _k0 - 8*(_k0 // 8)] = K[_k0, _k1, _k2, _k3]
    _wp = RW + W
    for n in prange(N):
        backward_dX_block_one(C, H, K, M, RH, RW, W, _kp, _wp, dU, dX, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def backward_dX_block_one(C, H, K, M, RH, RW, W, _kp, _wp, dU, dX, n):
    """One iteration of backward_dX_block's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B12] δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')
    [EX1] 3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3
    """
    _xp = np.zeros((M, (H + 2*RH + 1)*_wp + 8), dtype=dX.dtype)
    for _c0 in range(M):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(RH + _c1) + RW + _c2)] = dU[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 8), dtype=dX.dtype)
    _i_split = (C // 8)*8
    for i in range(0, _i_split, 8):
        for _f in range(0, H*_wp, 8):
            _acc_0_0 = dX.dtype.type(0)
            _acc_0_1 = dX.dtype.type(0)
            _acc_0_2 = dX.dtype.type(0)
            _acc_0_3 = dX.dtype.type(0)
            _acc_0_4 = dX.dtype.type(0)
            _acc_0_5 = dX.dtype.type(0)
            _acc_0_6 = dX.dtype.type(0)
            _acc_0_7 = dX.dtype.type(0)
            _acc_1_0 = dX.dtype.type(0)
            _acc_1_1 = dX.dtype.type(0)
            _acc_1_2 = dX.dtype.type(0)
            _acc_1_3 = dX.dtype.type(0)
            _acc_1_4 = dX.dtype.type(0)
            _acc_1_5 = dX.dtype.type(0)
            _acc_1_6 = dX.dtype.type(0)
            _acc_1_7 = dX.dtype.type(0)
            _acc_2_0 = dX.dtype.type(0)
            _acc_2_1 = dX.dtype.type(0)
            _acc_2_2 = dX.dtype.type(0)
            _acc_2_3 = dX.dtype.type(0)
            _acc_2_4 = dX.dtype.type(0)
            _acc_2_5 = dX.dtype.type(0)
            _acc_2_6 = dX.dtype.type(0)
            _acc_2_7 = dX.dtype.type(0)
            _acc_3_0 = dX.dtype.type(0)
            _acc_3_1 = dX.dtype.type(0)
            _acc_3_2 = dX.dtype.type(0)
            _acc_3_3 = dX.dtype.type(0)
            _acc_3_4 = dX.dtype.type(0)
            _acc_3_5 = dX.dtype.type(0)
            _acc_3_6 = dX.dtype.type(0)
            _acc_3_7 = dX.dtype.type(0)
            _acc_4_0 = dX.dtype.type(0)
            _acc_4_1 = dX.dtype.type(0)
            _acc_4_2 = dX.dtype.type(0)
            _acc_4_3 = dX.dtype.type(0)
            _acc_4_4 = dX.dtype.type(0)
            _acc_4_5 = dX.dtype.type(0)
            _acc_4_6 = dX.dtype.type(0)
            _acc_4_7 = dX.dtype.type(0)
            _acc_5_0 = dX.dtype.type(0)
            _acc_5_1 = dX.dtype.type(0)
            _acc_5_2 = dX.dtype.type(0)
            _acc_5_3 = dX.dtype.type(0)
            _acc_5_4 = dX.dtype.type(0)
            _acc_5_5 = dX.dtype.type(0)
            _acc_5_6 = dX.dtype.type(0)
            _acc_5_7 = dX.dtype.type(0)
            _acc_6_0 = dX.dtype.type(0)
            _acc_6_1 = dX.dtype.type(0)
            _acc_6_2 = dX.dtype.type(0)
            _acc_6_3 = dX.dtype.type(0)
            _acc_6_4 = dX.dtype.type(0)
            _acc_6_5 = dX.dtype.type(0)
            _acc_6_6 = dX.dtype.type(0)
            _acc_6_7 = dX.dtype.type(0)
            _acc_7_0 = dX.dtype.type(0)
            _acc_7_1 = dX.dtype.type(0)
            _acc_7_2 = dX.dtype.type(0)
            _acc_7_3 = dX.dtype.type(0)
            _acc_7_4 = dX.dtype.type(0)
            _acc_7_5 = dX.dtype.type(0)
            _acc_7_6 = dX.dtype.type(0)
            _acc_7_7 = dX.dtype.type(0)
            for j in range(M):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _r = _kp[i // 8, j, a, b, 0]
                        _r1 = _kp[i // 8, j, a, b, 1]
                        _r2 = _kp[i // 8, j, a, b, 2]
                        _r3 = _kp[i // 8, j, a, b, 3]
                        _r4 = _kp[i // 8, j, a, b, 4]
                        _r5 = _kp[i // 8, j, a, b, 5]
                        _r6 = _kp[i // 8, j, a, b, 6]
                        _r7 = _kp[i // 8, j, a, b, 7]
                        _r8 = _xp[j, np.uint64(_wp*a + b + _f)]
                        _r9 = _xp[j, np.uint64(_wp*a + b + _f + 1)]
                        _r10 = _xp[j, np.uint64(_wp*a + b + _f + 2)]
                        _r11 = _xp[j, np.uint64(_wp*a + b + _f + 3)]
                        _r12 = _xp[j, np.uint64(_wp*a + b + _f + 4)]
                        _r13 = _xp[j, np.uint64(_wp*a + b + _f + 5)]
                        _r14 = _xp[j, np.uint64(_wp*a + b + _f + 6)]
                        _r15 = _xp[j, np.uint64(_wp*a + b + _f + 7)]
                        _acc_0_0 += _r*_r8
                        _acc_0_1 += _r*_r9
                        _acc_0_2 += _r*_r10
                        _acc_0_3 += _r*_r11
                        _acc_0_4 += _r*_r12
                        _acc_0_5 += _r*_r13
                        _acc_0_6 += _r*_r14
                        _acc_0_7 += _r*_r15
                        _acc_1_0 += _r1*_r8
                        _acc_1_1 += _r1*_r9
                        _acc_1_2 += _r1*_r10
                        _acc_1_3 += _r1*_r11
                        _acc_1_4 += _r1*_r12
                        _acc_1_5 += _r1*_r13
                        _acc_1_6 += _r1*_r14
                        _acc_1_7 += _r1*_r15
                        _acc_2_0 += _r2*_r8
                        _acc_2_1 += _r2*_r9
                        _acc_2_2 += _r2*_r10
                        _acc_2_3 += _r2*_r11
                        _acc_2_4 += _r2*_r12
                        _acc_2_5 += _r2*_r13
                        _acc_2_6 += _r2*_r14
                        _acc_2_7 += _r2*_r15
                        _acc_3_0 += _r3*_r8
                        _acc_3_1 += _r3*_r9
                        _acc_3_2 += _r3*_r10
                        _acc_3_3 += _r3*_r11
                        _acc_3_4 += _r3*_r12
                        _acc_3_5 += _r3*_r13
                        _acc_3_6 += _r3*_r14
                        _acc_3_7 += _r3*_r15
                        _acc_4_0 += _r4*_r8
                        _acc_4_1 += _r4*_r9
                        _acc_4_2 += _r4*_r10
                        _acc_4_3 += _r4*_r11
                        _acc_4_4 += _r4*_r12
                        _acc_4_5 += _r4*_r13
                        _acc_4_6 += _r4*_r14
                        _acc_4_7 += _r4*_r15
                        _acc_5_0 += _r5*_r8
                        _acc_5_1 += _r5*_r9
                        _acc_5_2 += _r5*_r10
                        _acc_5_3 += _r5*_r11
                        _acc_5_4 += _r5*_r12
                        _acc_5_5 += _r5*_r13
                        _acc_5_6 += _r5*_r14
                        _acc_5_7 += _r5*_r15
                        _acc_6_0 += _r6*_r8
                        _acc_6_1 += _r6*_r9
                        _acc_6_2 += _r6*_r10
                        _acc_6_3 += _r6*_r11
                        _acc_6_4 += _r6*_r12
                        _acc_6_5 += _r6*_r13
                        _acc_6_6 += _r6*_r14
                        _acc_6_7 += _r6*_r15
                        _acc_7_0 += _r7*_r8
                        _acc_7_1 += _r7*_r9
                        _acc_7_2 += _r7*_r10
                        _acc_7_3 += _r7*_r11
                        _acc_7_4 += _r7*_r12
                        _acc_7_5 += _r7*_r13
                        _acc_7_6 += _r7*_r14
                        _acc_7_7 += _r7*_r15
            _up[i, np.uint64(_f)] = _acc_0_0
            _up[i, np.uint64(_f + 1)] = _acc_0_1
            _up[i, np.uint64(_f + 2)] = _acc_0_2
            _up[i, np.uint64(_f + 3)] = _acc_0_3
            _up[i, np.uint64(_f + 4)] = _acc_0_4
            _up[i, np.uint64(_f + 5)] = _acc_0_5
            _up[i, np.uint64(_f + 6)] = _acc_0_6
            _up[i, np.uint64(_f + 7)] = _acc_0_7
            _up[i + 1, np.uint64(_f)] = _acc_1_0
            _up[i + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[i + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[i + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[i + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[i + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[i + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[i + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[i + 2, np.uint64(_f)] = _acc_2_0
            _up[i + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[i + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[i + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[i + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[i + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[i + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[i + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[i + 3, np.uint64(_f)] = _acc_3_0
            _up[i + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[i + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[i + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[i + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[i + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[i + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[i + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[i + 4, np.uint64(_f)] = _acc_4_0
            _up[i + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[i + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[i + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[i + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[i + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[i + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[i + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[i + 5, np.uint64(_f)] = _acc_5_0
            _up[i + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[i + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[i + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[i + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[i + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[i + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[i + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[i + 6, np.uint64(_f)] = _acc_6_0
            _up[i + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[i + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[i + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[i + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[i + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[i + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[i + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[i + 7, np.uint64(_f)] = _acc_7_0
            _up[i + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[i + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[i + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[i + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[i + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[i + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[i + 7, np.uint64(_f + 7)] = _acc_7_7
    for i in range(_i_split, C):
        for _f in range(H*_wp):
            _acc = 0.0
            for j in range(M):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _acc += K[i, j, a, b]*_xp[j, np.uint64(_wp*a + b + _f)]
            _up[i, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                dX[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX_dot(K, dU, dX, N, C, M, H, W, RH, RW, _threads):
    """One schedule of backward_dX, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]
    """
    _dt = dX.dtype.type
    _dX_f = dX.reshape(dX.shape[0], dX.shape[1], H*W)
    _wk = np.empty((C, M*(2*RH + 1)*(2*RW + 1)), _dt)
    for i in range(C):
        for a in range(2*RH + 1):
            for b in range(2*RW + 1):
                for j in range(M):
                    _wk[i, M*(a*(2*RW + 1) + b) + j] = _dt(K[i, j, a, b])
    _yc = max(1, 32768 // (W*(M*(2*RH + 1)*(2*RW + 1))))  # the map rows a chunk packs
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for i in range(_j0, _j1):
            for p in range(H):
                for q in range(W):
                    dX[n, i, p, q] = _h0
        _pd = np.empty((_yc*W, M*(2*RH + 1)*(2*RW + 1)), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(2*RH + 1):
                for b in range(2*RW + 1):
                    for p in range(max(0, RH - a, _y0), min(H, H + RH - a, _y1)):
                        for q in range(max(0, RW - b), min(W, RW + W - b)):
                            for j in range(M):
                                _pd[-W*_y0 + W*p + q, M*(a*(2*RW + 1) + b) + j] = dU[n, j, -RH + a + p, -RW + b + q]
            for i in range(_j0, _jr, 4):
                for _f in range(0, _fr, 2):
                    _s00 = _dt(0)
                    _s01 = _dt(0)
                    _s10 = _dt(0)
                    _s11 = _dt(0)
                    _s20 = _dt(0)
                    _s21 = _dt(0)
                    _s30 = _dt(0)
                    _s31 = _dt(0)
                    for _r in range(M*(2*RH + 1)*(2*RW + 1)):
                        _p0 = _pd[_f, _r]
                        _p1 = _pd[_f + 1, _r]
                        _w = _wk[i, _r]
                        _s00 += _w*_p0
                        _s01 += _w*_p1
                        _w = _wk[i + 1, _r]
                        _s10 += _w*_p0
                        _s11 += _w*_p1
                        _w = _wk[i + 2, _r]
                        _s20 += _w*_p0
                        _s21 += _w*_p1
                        _w = _wk[i + 3, _r]
                        _s30 += _w*_p0
                        _s31 += _w*_p1
                    _dX_f[n, i, W*_y0 + _f] += _s00
                    _dX_f[n, i, W*_y0 + _f + 1] += _s01
                    _dX_f[n, i + 1, W*_y0 + _f] += _s10
                    _dX_f[n, i + 1, W*_y0 + _f + 1] += _s11
                    _dX_f[n, i + 2, W*_y0 + _f] += _s20
                    _dX_f[n, i + 2, W*_y0 + _f + 1] += _s21
                    _dX_f[n, i + 3, W*_y0 + _f] += _s30
                    _dX_f[n, i + 3, W*_y0 + _f + 1] += _s31
            for i in range(_j0, _jr):
                for _f in range(_fr, _nf):
                    _s00 = _dt(0)
                    for _r in range(M*(2*RH + 1)*(2*RW + 1)):
                        _p0 = _pd[_f, _r]
                        _w = _wk[i, _r]
                        _s00 += _w*_p0
                    _dX_f[n, i, W*_y0 + _f] += _s00
            for i in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(M*(2*RH + 1)*(2*RW + 1)):
                        _p0 = _pd[_f, _r]
                        _w = _wk[i, _r]
                        _s00 += _w*_p0
                    _dX_f[n, i, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX_packed(K, dU, dX, N, C, M, H, W, RH, RW, _threads):
    """One schedule of backward_dX, which picks it by the sizes: packed windows (codegen/window.py).

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]
    """
    _dt = dX.dtype.type
    _dX_f = dX.reshape(dX.shape[0], dX.shape[1], H*W)
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for i in range(_j0, _j1):
            for p in range(H):
                for q in range(W):
                    dX[n, i, p, q] = _h0
        _pk = np.zeros((2*RH + 1, 2*RW + 1, H*W), _dt)
        for j in range(M):
            for a in range(2*RH + 1):
                for b in range(2*RW + 1):
                    for p in range(max(0, RH - a), min(H, H + RH - a)):
                        for q in range(max(0, RW - b), min(W, RW + W - b)):
                            _pk[a, b, W*p + q] = dU[n, j, -RH + a + p, -RW + b + q]
            _br = ((2*RW + 1) // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for i in range(_j0, _jr, 4):
                for a in range(2*RH + 1):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K[i, j, a, b])
                        _k01 = _dt(K[i, j, a, b + 1])
                        _k02 = _dt(K[i, j, a, b + 2])
                        _k03 = _dt(K[i, j, a, b + 3])
                        _k10 = _dt(K[i + 1, j, a, b])
                        _k11 = _dt(K[i + 1, j, a, b + 1])
                        _k12 = _dt(K[i + 1, j, a, b + 2])
                        _k13 = _dt(K[i + 1, j, a, b + 3])
                        _k20 = _dt(K[i + 2, j, a, b])
                        _k21 = _dt(K[i + 2, j, a, b + 1])
                        _k22 = _dt(K[i + 2, j, a, b + 2])
                        _k23 = _dt(K[i + 2, j, a, b + 3])
                        _k30 = _dt(K[i + 3, j, a, b])
                        _k31 = _dt(K[i + 3, j, a, b + 1])
                        _k32 = _dt(K[i + 3, j, a, b + 2])
                        _k33 = _dt(K[i + 3, j, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _dX_f[n, i, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _dX_f[n, i + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _dX_f[n, i + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _dX_f[n, i + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(2*RH + 1):
                    for b in range(_br, 2*RW + 1):
                        _k0 = _dt(K[i, j, a, b])
                        _k1 = _dt(K[i + 1, j, a, b])
                        _k2 = _dt(K[i + 2, j, a, b])
                        _k3 = _dt(K[i + 3, j, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _dX_f[n, i, _f] += _k0*_w0
                            _dX_f[n, i + 1, _f] += _k1*_w0
                            _dX_f[n, i + 2, _f] += _k2*_w0
                            _dX_f[n, i + 3, _f] += _k3*_w0
            for i in range(_jr, _j1):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _h4 = _dt(K[i, j, a, b])
                        for _f in range(H*W):
                            _dX_f[n, i, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX_loops(K, dU, dX, N, C, M, H, W, RH, RW):
    """One schedule of backward_dX, which picks it by the sizes: loop nests.

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, RH - p)}^{min(2*RH, H + RH - p - 1)} Σ_{b=max(0, RW
        - q)}^{min(2*RW, RW + W - q - 1)} K[i, j, a, b]*dU[n, j, -RH + a + p, -RW + b + q]
    """
    _dt = dX.dtype.type
    for _o in prange(N*C):
        n = _o // C
        i = _o % C
        for p in range(H):
            for q in range(W):
                dX[n, i, p, q] = _dt(0)
        for j in range(M):
            for a in range(max(0, -H + RH + 1), min(2*RH + 1, H + RH)):
                for b in range(max(0, RW - W + 1), min(2*RW + 1, RW + W)):
                    _h3 = _dt(K[i, j, a, b])
                    for p in range(max(0, RH - a), min(H, H + RH - a)):
                        for q in range(max(0, RW - b), min(W, RW + W - b)):
                            dX[n, i, p, q] += _h3*dU[n, j, -RH + a + p, -RW + b + q]


def backward_dK(X, dU, dK, N, C, M, H, W, RH, RW, _threads):
    """[B7] gradient dK.

    dK[i, j, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, -RH + a)}^{min(H - 1, H - RH + a - 1)} Σ_{x=max(0,
        -RW + b)}^{min(W - 1, -RW + W + b - 1)} X[n, i, RH - a + y, RW - b + x]*dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B10] ∂E/∂k_ij^ℓ = rot180(conv2(x_i^{ℓ-1}, rot180(δ_j^ℓ), 'valid'))  (i ∈ M_j)
    """
    if M % 2 == 0 and C*M*(2*RH + 1)*(2*RW + 1) <= 36864:  # a small target: blocked lane sums
        backward_dK_block(X, dU, dK, N, C, M, H, W, RH, RW, _threads)
    elif H*W*(2*RH + 1)*(2*RW + 1) <= 16384:  # the packed windows fit in cache
        backward_dK_packed(X, dU, dK, N, C, M, H, W, RH, RW, _threads)
    else:
        backward_dK_loops(X, dU, dK, N, C, M, H, W, RH, RW)


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_dK_block(X, dU, dK, N, C, M, H, W, RH, RW, _threads):
    """One schedule of backward_dK, which picks it by the sizes: register-blocked lane
    sums over images and positions (codegen/gradblock.py).

    dK[i, j, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, -RH + a)}^{min(H - 1, H - RH + a - 1)} Σ_{x=max(0,
        -RW + b)}^{min(W - 1, -RW + W + b - 1)} X[n, i, RH - a + y, RW - b + x]*dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B10] ∂E/∂k_ij^ℓ = rot180(conv2(x_i^{ℓ-1}, rot180(δ_j^ℓ), 'valid'))  (i ∈ M_j)
    """
    _wp = RW + W
    _np = min(N, _threads, 8)
    _part = np.zeros((_np, C, M, 2*RH + 1, 2*RW + 1, 8), dtype=dK.dtype)
    for _t in prange(_np):
        backward_dK_block_one(C, H, M, N, RH, RW, W, X, _np, _part, _t, _wp, dK, dU)
    for a in range(2*RH + 1):
        for b in range(2*RW + 1):
            for i in range(C):
                for j in range(M):
                    _acc = 0.0
                    for _t in range(_np):
                        for _l1 in range(8):
                            _acc += _part[_t, i, j, a, b, _l1]
                    dK[i, j, a, b] = _acc


@_slp
@njit(cache=True, fastmath={"contract"})
def backward_dK_block_one(C, H, M, N, RH, RW, W, X, _np, _part, _t, _wp, dK, dU):
    """One iteration of backward_dK_block's parallel loop over _t, compiled as a
    function of its own (codegen/passes.py, outlined).

    dK[i, j, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, -RH + a)}^{min(H - 1, H - RH + a - 1)} Σ_{x=max(0,
        -RW + b)}^{min(W - 1, -RW + W + b - 1)} X[n, i, RH - a + y, RW - b + x]*dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B10] ∂E/∂k_ij^ℓ = rot180(conv2(x_i^{ℓ-1}, rot180(δ_j^ℓ), 'valid'))  (i ∈ M_j)
    """
    _xp = np.zeros((C, (H + 2*RH + 1)*_wp + 8), dtype=dK.dtype)
    _dp = np.zeros((M, H*_wp + 8), dtype=dK.dtype)
    for n in range(_t*N // _np, (_t + 1)*N // _np):
        for _d0 in range(M):
            for _d1 in range(H):
                for _d2 in range(W):
                    _dp[_d0, np.uint64(_wp*_d1 + _d2)] = dU[n, _d0, _d1, _d2]
        for _c0 in range(C):
            for _c1 in range(H):
                for _c2 in range(W):
                    _xp[_c0, np.uint64(_wp*(RH + _c1) + RW + _c2)] = X[n, _c0, _c1, _c2]
        for a in range(2*RH + 1):
            for b in range(2*RW + 1):
                _i_split = (C // 4)*4
                for i in range(0, _i_split, 4):
                    for j in range(0, M, 2):
                        _acc_0_0_0 = dK.dtype.type(0)
                        _acc_0_0_1 = dK.dtype.type(0)
                        _acc_0_0_2 = dK.dtype.type(0)
                        _acc_0_0_3 = dK.dtype.type(0)
                        _acc_0_0_4 = dK.dtype.type(0)
                        _acc_0_0_5 = dK.dtype.type(0)
                        _acc_0_0_6 = dK.dtype.type(0)
                        _acc_0_0_7 = dK.dtype.type(0)
                        _acc_0_1_0 = dK.dtype.type(0)
                        _acc_0_1_1 = dK.dtype.type(0)
                        _acc_0_1_2 = dK.dtype.type(0)
                        _acc_0_1_3 = dK.dtype.type(0)
                        _acc_0_1_4 = dK.dtype.type(0)
                        _acc_0_1_5 = dK.dtype.type(0)
                        _acc_0_1_6 = dK.dtype.type(0)
                        _acc_0_1_7 = dK.dtype.type(0)
                        _acc_1_0_0 = dK.dtype.type(0)
                        _acc_1_0_1 = dK.dtype.type(0)
                        _acc_1_0_2 = dK.dtype.type(0)
                        _acc_1_0_3 = dK.dtype.type(0)
                        _acc_1_0_4 = dK.dtype.type(0)
                        _acc_1_0_5 = dK.dtype.type(0)
                        _acc_1_0_6 = dK.dtype.type(0)
                        _acc_1_0_7 = dK.dtype.type(0)
                        _acc_1_1_0 = dK.dtype.type(0)
                        _acc_1_1_1 = dK.dtype.type(0)
                        _acc_1_1_2 = dK.dtype.type(0)
                        _acc_1_1_3 = dK.dtype.type(0)
                        _acc_1_1_4 = dK.dtype.type(0)
                        _acc_1_1_5 = dK.dtype.type(0)
                        _acc_1_1_6 = dK.dtype.type(0)
                        _acc_1_1_7 = dK.dtype.type(0)
                        _acc_2_0_0 = dK.dtype.type(0)
                        _acc_2_0_1 = dK.dtype.type(0)
                        _acc_2_0_2 = dK.dtype.type(0)
                        _acc_2_0_3 = dK.dtype.type(0)
                        _acc_2_0_4 = dK.dtype.type(0)
                        _acc_2_0_5 = dK.dtype.type(0)
                        _acc_2_0_6 = dK.dtype.type(0)
                        _acc_2_0_7 = dK.dtype.type(0)
                        _acc_2_1_0 = dK.dtype.type(0)
                        _acc_2_1_1 = dK.dtype.type(0)
                        _acc_2_1_2 = dK.dtype.type(0)
                        _acc_2_1_3 = dK.dtype.type(0)
                        _acc_2_1_4 = dK.dtype.type(0)
                        _acc_2_1_5 = dK.dtype.type(0)
                        _acc_2_1_6 = dK.dtype.type(0)
                        _acc_2_1_7 = dK.dtype.type(0)
                        _acc_3_0_0 = dK.dtype.type(0)
                        _acc_3_0_1 = dK.dtype.type(0)
                        _acc_3_0_2 = dK.dtype.type(0)
                        _acc_3_0_3 = dK.dtype.type(0)
                        _acc_3_0_4 = dK.dtype.type(0)
                        _acc_3_0_5 = dK.dtype.type(0)
                        _acc_3_0_6 = dK.dtype.type(0)
                        _acc_3_0_7 = dK.dtype.type(0)
                        _acc_3_1_0 = dK.dtype.type(0)
                        _acc_3_1_1 = dK.dtype.type(0)
                        _acc_3_1_2 = dK.dtype.type(0)
                        _acc_3_1_3 = dK.dtype.type(0)
                        _acc_3_1_4 = dK.dtype.type(0)
                        _acc_3_1_5 = dK.dtype.type(0)
                        _acc_3_1_6 = dK.dtype.type(0)
                        _acc_3_1_7 = dK.dtype.type(0)
                        for _g in range((H*_wp + 7) // 8):
                            _r = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g)]
                            _r1 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 1)]
                            _r2 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 2)]
                            _r3 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 3)]
                            _r4 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 4)]
                            _r5 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 5)]
                            _r6 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 6)]
                            _r7 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 7)]
                            _r8 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g)]
                            _r9 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 1)]
                            _r10 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 2)]
                            _r11 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 3)]
                            _r12 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 4)]
                            _r13 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 5)]
                            _r14 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 6)]
                            _r15 = _xp[i + 1, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 7)]
                            _r16 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g)]
                            _r17 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 1)]
                            _r18 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 2)]
                            _r19 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 3)]
                            _r20 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 4)]
                            _r21 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 5)]
                            _r22 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 6)]
                            _r23 = _xp[i + 2, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 7)]
                            _r24 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g)]
                            _r25 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 1)]
                            _r26 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 2)]
                            _r27 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 3)]
                            _r28 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 4)]
                            _r29 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 5)]
                            _r30 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 6)]
                            _r31 = _xp[i + 3, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 7)]
                            _r32 = _dp[j, np.uint64(8*_g)]
                            _r33 = _dp[j, np.uint64(8*_g + 1)]
                            _r34 = _dp[j, np.uint64(8*_g + 2)]
                            _r35 = _dp[j, np.uint64(8*_g + 3)]
                            _r36 = _dp[j, np.uint64(8*_g + 4)]
                            _r37 = _dp[j, np.uint64(8*_g + 5)]
                            _r38 = _dp[j, np.uint64(8*_g + 6)]
                            _r39 = _dp[j, np.uint64(8*_g + 7)]
                            _r40 = _dp[j + 1, np.uint64(8*_g)]
                            _r41 = _dp[j + 1, np.uint64(8*_g + 1)]
                            _r42 = _dp[j + 1, np.uint64(8*_g + 2)]
                            _r43 = _dp[j + 1, np.uint64(8*_g + 3)]
                            _r44 = _dp[j + 1, np.uint64(8*_g + 4)]
                            _r45 = _dp[j + 1, np.uint64(8*_g + 5)]
                            _r46 = _dp[j + 1, np.uint64(8*_g + 6)]
                            _r47 = _dp[j + 1, np.uint64(8*_g + 7)]
                            _acc_0_0_0 += _r*_r32
                            _acc_0_0_1 += _r1*_r33
                            _acc_0_0_2 += _r2*_r34
                            _acc_0_0_3 += _r3*_r35
                            _acc_0_0_4 += _r4*_r36
                            _acc_0_0_5 += _r5*_r37
                            _acc_0_0_6 += _r6*_r38
                            _acc_0_0_7 += _r7*_r39
                            _acc_0_1_0 += _r*_r40
                            _acc_0_1_1 += _r1*_r41
                            _acc_0_1_2 += _r2*_r42
                            _acc_0_1_3 += _r3*_r43
                            _acc_0_1_4 += _r4*_r44
                            _acc_0_1_5 += _r5*_r45
                            _acc_0_1_6 += _r6*_r46
                            _acc_0_1_7 += _r7*_r47
                            _acc_1_0_0 += _r8*_r32
                            _acc_1_0_1 += _r9*_r33
                            _acc_1_0_2 += _r10*_r34
                            _acc_1_0_3 += _r11*_r35
                            _acc_1_0_4 += _r12*_r36
                            _acc_1_0_5 += _r13*_r37
                            _acc_1_0_6 += _r14*_r38
                            _acc_1_0_7 += _r15*_r39
                            _acc_1_1_0 += _r8*_r40
                            _acc_1_1_1 += _r9*_r41
                            _acc_1_1_2 += _r10*_r42
                            _acc_1_1_3 += _r11*_r43
                            _acc_1_1_4 += _r12*_r44
                            _acc_1_1_5 += _r13*_r45
                            _acc_1_1_6 += _r14*_r46
                            _acc_1_1_7 += _r15*_r47
                            _acc_2_0_0 += _r16*_r32
                            _acc_2_0_1 += _r17*_r33
                            _acc_2_0_2 += _r18*_r34
                            _acc_2_0_3 += _r19*_r35
                            _acc_2_0_4 += _r20*_r36
                            _acc_2_0_5 += _r21*_r37
                            _acc_2_0_6 += _r22*_r38
                            _acc_2_0_7 += _r23*_r39
                            _acc_2_1_0 += _r16*_r40
                            _acc_2_1_1 += _r17*_r41
                            _acc_2_1_2 += _r18*_r42
                            _acc_2_1_3 += _r19*_r43
                            _acc_2_1_4 += _r20*_r44
                            _acc_2_1_5 += _r21*_r45
                            _acc_2_1_6 += _r22*_r46
                            _acc_2_1_7 += _r23*_r47
                            _acc_3_0_0 += _r24*_r32
                            _acc_3_0_1 += _r25*_r33
                            _acc_3_0_2 += _r26*_r34
                            _acc_3_0_3 += _r27*_r35
                            _acc_3_0_4 += _r28*_r36
                            _acc_3_0_5 += _r29*_r37
                            _acc_3_0_6 += _r30*_r38
                            _acc_3_0_7 += _r31*_r39
                            _acc_3_1_0 += _r24*_r40
                            _acc_3_1_1 += _r25*_r41
                            _acc_3_1_2 += _r26*_r42
                            _acc_3_1_3 += _r27*_r43
                            _acc_3_1_4 += _r28*_r44
                            _acc_3_1_5 += _r29*_r45
                            _acc_3_1_6 += _r30*_r46
                            _acc_3_1_7 += _r31*_r47
                        _part[_t, i, j, a, b, 0] += _acc_0_0_0
                        _part[_t, i, j, a, b, 1] += _acc_0_0_1
                        _part[_t, i, j, a, b, 2] += _acc_0_0_2
                        _part[_t, i, j, a, b, 3] += _acc_0_0_3
                        _part[_t, i, j, a, b, 4] += _acc_0_0_4
                        _part[_t, i, j, a, b, 5] += _acc_0_0_5
                        _part[_t, i, j, a, b, 6] += _acc_0_0_6
                        _part[_t, i, j, a, b, 7] += _acc_0_0_7
                        _part[_t, i, j + 1, a, b, 0] += _acc_0_1_0
                        _part[_t, i, j + 1, a, b, 1] += _acc_0_1_1
                        _part[_t, i, j + 1, a, b, 2] += _acc_0_1_2
                        _part[_t, i, j + 1, a, b, 3] += _acc_0_1_3
                        _part[_t, i, j + 1, a, b, 4] += _acc_0_1_4
                        _part[_t, i, j + 1, a, b, 5] += _acc_0_1_5
                        _part[_t, i, j + 1, a, b, 6] += _acc_0_1_6
                        _part[_t, i, j + 1, a, b, 7] += _acc_0_1_7
                        _part[_t, i + 1, j, a, b, 0] += _acc_1_0_0
                        _part[_t, i + 1, j, a, b, 1] += _acc_1_0_1
                        _part[_t, i + 1, j, a, b, 2] += _acc_1_0_2
                        _part[_t, i + 1, j, a, b, 3] += _acc_1_0_3
                        _part[_t, i + 1, j, a, b, 4] += _acc_1_0_4
                        _part[_t, i + 1, j, a, b, 5] += _acc_1_0_5
                        _part[_t, i + 1, j, a, b, 6] += _acc_1_0_6
                        _part[_t, i + 1, j, a, b, 7] += _acc_1_0_7
                        _part[_t, i + 1, j + 1, a, b, 0] += _acc_1_1_0
                        _part[_t, i + 1, j + 1, a, b, 1] += _acc_1_1_1
                        _part[_t, i + 1, j + 1, a, b, 2] += _acc_1_1_2
                        _part[_t, i + 1, j + 1, a, b, 3] += _acc_1_1_3
                        _part[_t, i + 1, j + 1, a, b, 4] += _acc_1_1_4
                        _part[_t, i + 1, j + 1, a, b, 5] += _acc_1_1_5
                        _part[_t, i + 1, j + 1, a, b, 6] += _acc_1_1_6
                        _part[_t, i + 1, j + 1, a, b, 7] += _acc_1_1_7
                        _part[_t, i + 2, j, a, b, 0] += _acc_2_0_0
                        _part[_t, i + 2, j, a, b, 1] += _acc_2_0_1
                        _part[_t, i + 2, j, a, b, 2] += _acc_2_0_2
                        _part[_t, i + 2, j, a, b, 3] += _acc_2_0_3
                        _part[_t, i + 2, j, a, b, 4] += _acc_2_0_4
                        _part[_t, i + 2, j, a, b, 5] += _acc_2_0_5
                        _part[_t, i + 2, j, a, b, 6] += _acc_2_0_6
                        _part[_t, i + 2, j, a, b, 7] += _acc_2_0_7
                        _part[_t, i + 2, j + 1, a, b, 0] += _acc_2_1_0
                        _part[_t, i + 2, j + 1, a, b, 1] += _acc_2_1_1
                        _part[_t, i + 2, j + 1, a, b, 2] += _acc_2_1_2
                        _part[_t, i + 2, j + 1, a, b, 3] += _acc_2_1_3
                        _part[_t, i + 2, j + 1, a, b, 4] += _acc_2_1_4
                        _part[_t, i + 2, j + 1, a, b, 5] += _acc_2_1_5
                        _part[_t, i + 2, j + 1, a, b, 6] += _acc_2_1_6
                        _part[_t, i + 2, j + 1, a, b, 7] += _acc_2_1_7
                        _part[_t, i + 3, j, a, b, 0] += _acc_3_0_0
                        _part[_t, i + 3, j, a, b, 1] += _acc_3_0_1
                        _part[_t, i + 3, j, a, b, 2] += _acc_3_0_2
                        _part[_t, i + 3, j, a, b, 3] += _acc_3_0_3
                        _part[_t, i + 3, j, a, b, 4] += _acc_3_0_4
                        _part[_t, i + 3, j, a, b, 5] += _acc_3_0_5
                        _part[_t, i + 3, j, a, b, 6] += _acc_3_0_6
                        _part[_t, i + 3, j, a, b, 7] += _acc_3_0_7
                        _part[_t, i + 3, j + 1, a, b, 0] += _acc_3_1_0
                        _part[_t, i + 3, j + 1, a, b, 1] += _acc_3_1_1
                        _part[_t, i + 3, j + 1, a, b, 2] += _acc_3_1_2
                        _part[_t, i + 3, j + 1, a, b, 3] += _acc_3_1_3
                        _part[_t, i + 3, j + 1, a, b, 4] += _acc_3_1_4
                        _part[_t, i + 3, j + 1, a, b, 5] += _acc_3_1_5
                        _part[_t, i + 3, j + 1, a, b, 6] += _acc_3_1_6
                        _part[_t, i + 3, j + 1, a, b, 7] += _acc_3_1_7
                for i in range(_i_split, C):
                    _j_split = (M // 4)*4
                    for j in range(0, _j_split, 4):
                        _acc_0_0 = dK.dtype.type(0)
                        _acc_0_1 = dK.dtype.type(0)
                        _acc_0_2 = dK.dtype.type(0)
                        _acc_0_3 = dK.dtype.type(0)
                        _acc_0_4 = dK.dtype.type(0)
                        _acc_0_5 = dK.dtype.type(0)
                        _acc_0_6 = dK.dtype.type(0)
                        _acc_0_7 = dK.dtype.type(0)
                        _acc_1_0 = dK.dtype.type(0)
                        _acc_1_1 = dK.dtype.type(0)
                        _acc_1_2 = dK.dtype.type(0)
                        _acc_1_3 = dK.dtype.type(0)
                        _acc_1_4 = dK.dtype.type(0)
                        _acc_1_5 = dK.dtype.type(0)
                        _acc_1_6 = dK.dtype.type(0)
                        _acc_1_7 = dK.dtype.type(0)
                        _acc_2_0 = dK.dtype.type(0)
                        _acc_2_1 = dK.dtype.type(0)
                        _acc_2_2 = dK.dtype.type(0)
                        _acc_2_3 = dK.dtype.type(0)
                        _acc_2_4 = dK.dtype.type(0)
                        _acc_2_5 = dK.dtype.type(0)
                        _acc_2_6 = dK.dtype.type(0)
                        _acc_2_7 = dK.dtype.type(0)
                        _acc_3_0 = dK.dtype.type(0)
                        _acc_3_1 = dK.dtype.type(0)
                        _acc_3_2 = dK.dtype.type(0)
                        _acc_3_3 = dK.dtype.type(0)
                        _acc_3_4 = dK.dtype.type(0)
                        _acc_3_5 = dK.dtype.type(0)
                        _acc_3_6 = dK.dtype.type(0)
                        _acc_3_7 = dK.dtype.type(0)
                        for _g in range((H*_wp + 7) // 8):
                            _r48 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g)]
                            _r49 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 1)]
                            _r50 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 2)]
                            _r51 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 3)]
                            _r52 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 4)]
                            _r53 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 5)]
                            _r54 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 6)]
                            _r55 = _xp[i, np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + 7)]
                            _r56 = _dp[j, np.uint64(8*_g)]
                            _r57 = _dp[j, np.uint64(8*_g + 1)]
                            _r58 = _dp[j, np.uint64(8*_g + 2)]
                            _r59 = _dp[j, np.uint64(8*_g + 3)]
                            _r60 = _dp[j, np.uint64(8*_g + 4)]
                            _r61 = _dp[j, np.uint64(8*_g + 5)]
                            _r62 = _dp[j, np.uint64(8*_g + 6)]
                            _r63 = _dp[j, np.uint64(8*_g + 7)]
                            _r64 = _dp[j + 1, np.uint64(8*_g)]
                            _r65 = _dp[j + 1, np.uint64(8*_g + 1)]
                            _r66 = _dp[j + 1, np.uint64(8*_g + 2)]
                            _r67 = _dp[j + 1, np.uint64(8*_g + 3)]
                            _r68 = _dp[j + 1, np.uint64(8*_g + 4)]
                            _r69 = _dp[j + 1, np.uint64(8*_g + 5)]
                            _r70 = _dp[j + 1, np.uint64(8*_g + 6)]
                            _r71 = _dp[j + 1, np.uint64(8*_g + 7)]
                            _r72 = _dp[j + 2, np.uint64(8*_g)]
                            _r73 = _dp[j + 2, np.uint64(8*_g + 1)]
                            _r74 = _dp[j + 2, np.uint64(8*_g + 2)]
                            _r75 = _dp[j + 2, np.uint64(8*_g + 3)]
                            _r76 = _dp[j + 2, np.uint64(8*_g + 4)]
                            _r77 = _dp[j + 2, np.uint64(8*_g + 5)]
                            _r78 = _dp[j + 2, np.uint64(8*_g + 6)]
                            _r79 = _dp[j + 2, np.uint64(8*_g + 7)]
                            _r80 = _dp[j + 3, np.uint64(8*_g)]
                            _r81 = _dp[j + 3, np.uint64(8*_g + 1)]
                            _r82 = _dp[j + 3, np.uint64(8*_g + 2)]
                            _r83 = _dp[j + 3, np.uint64(8*_g + 3)]
                            _r84 = _dp[j + 3, np.uint64(8*_g + 4)]
                            _r85 = _dp[j + 3, np.uint64(8*_g + 5)]
                            _r86 = _dp[j + 3, np.uint64(8*_g + 6)]
                            _r87 = _dp[j + 3, np.uint64(8*_g + 7)]
                            _acc_0_0 += _r48*_r56
                            _acc_0_1 += _r49*_r57
                            _acc_0_2 += _r50*_r58
                            _acc_0_3 += _r51*_r59
                            _acc_0_4 += _r52*_r60
                            _acc_0_5 += _r53*_r61
                            _acc_0_6 += _r54*_r62
                            _acc_0_7 += _r55*_r63
                            _acc_1_0 += _r48*_r64
                            _acc_1_1 += _r49*_r65
                            _acc_1_2 += _r50*_r66
                            _acc_1_3 += _r51*_r67
                            _acc_1_4 += _r52*_r68
                            _acc_1_5 += _r53*_r69
                            _acc_1_6 += _r54*_r70
                            _acc_1_7 += _r55*_r71
                            _acc_2_0 += _r48*_r72
                            _acc_2_1 += _r49*_r73
                            _acc_2_2 += _r50*_r74
                            _acc_2_3 += _r51*_r75
                            _acc_2_4 += _r52*_r76
                            _acc_2_5 += _r53*_r77
                            _acc_2_6 += _r54*_r78
                            _acc_2_7 += _r55*_r79
                            _acc_3_0 += _r48*_r80
                            _acc_3_1 += _r49*_r81
                            _acc_3_2 += _r50*_r82
                            _acc_3_3 += _r51*_r83
                            _acc_3_4 += _r52*_r84
                            _acc_3_5 += _r53*_r85
                            _acc_3_6 += _r54*_r86
                            _acc_3_7 += _r55*_r87
                        _part[_t, i, j, a, b, 0] += _acc_0_0
                        _part[_t, i, j, a, b, 1] += _acc_0_1
                        _part[_t, i, j, a, b, 2] += _acc_0_2
                        _part[_t, i, j, a, b, 3] += _acc_0_3
                        _part[_t, i, j, a, b, 4] += _acc_0_4
                        _part[_t, i, j, a, b, 5] += _acc_0_5
                        _part[_t, i, j, a, b, 6] += _acc_0_6
                        _part[_t, i, j, a, b, 7] += _acc_0_7
                        _part[_t, i, j + 1, a, b, 0] += _acc_1_0
                        _part[_t, i, j + 1, a, b, 1] += _acc_1_1
                        _part[_t, i, j + 1, a, b, 2] += _acc_1_2
                        _part[_t, i, j + 1, a, b, 3] += _acc_1_3
                        _part[_t, i, j + 1, a, b, 4] += _acc_1_4
                        _part[_t, i, j + 1, a, b, 5] += _acc_1_5
                        _part[_t, i, j + 1, a, b, 6] += _acc_1_6
                        _part[_t, i, j + 1, a, b, 7] += _acc_1_7
                        _part[_t, i, j + 2, a, b, 0] += _acc_2_0
                        _part[_t, i, j + 2, a, b, 1] += _acc_2_1
                        _part[_t, i, j + 2, a, b, 2] += _acc_2_2
                        _part[_t, i, j + 2, a, b, 3] += _acc_2_3
                        _part[_t, i, j + 2, a, b, 4] += _acc_2_4
                        _part[_t, i, j + 2, a, b, 5] += _acc_2_5
                        _part[_t, i, j + 2, a, b, 6] += _acc_2_6
                        _part[_t, i, j + 2, a, b, 7] += _acc_2_7
                        _part[_t, i, j + 3, a, b, 0] += _acc_3_0
                        _part[_t, i, j + 3, a, b, 1] += _acc_3_1
                        _part[_t, i, j + 3, a, b, 2] += _acc_3_2
                        _part[_t, i, j + 3, a, b, 3] += _acc_3_3
                        _part[_t, i, j + 3, a, b, 4] += _acc_3_4
                        _part[_t, i, j + 3, a, b, 5] += _acc_3_5
                        _part[_t, i, j + 3, a, b, 6] += _acc_3_6
                        _part[_t, i, j + 3, a, b, 7] += _acc_3_7
                    for j in range(_j_split, M):
                        for _l in range(8):
                            _acc = 0.0
                            for _g in range((H*_wp + 7) // 8):
                                _acc += _xp[
                                    i,
                                    np.uint64(_wp*(2*RH - a) + 2*RW - b + 8*_g + _l)
                                ]*_dp[j, np.uint64(8*_g + _l)]
                            _part[_t, i, j, a, b, _l] += _acc


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dK_packed(X, dU, dK, N, C, M, H, W, RH, RW, _threads):
    """One schedule of backward_dK, which picks it by the sizes: packed windows (codegen/window.py).

    dK[i, j, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, -RH + a)}^{min(H - 1, H - RH + a - 1)} Σ_{x=max(0,
        -RW + b)}^{min(W - 1, -RW + W + b - 1)} X[n, i, RH - a + y, RW - b + x]*dU[n, j, y, x]
    """
    _dt = dK.dtype.type
    _dU_f = dU.reshape(dU.shape[0], dU.shape[1], H*W)
    _n = C
    _nb = min(N, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    _part = np.empty((_n*_nb, M, 2*RH + 1, 2*RW + 1), _dt)  # a slice a block
    for _o in prange(_n*_nb):
        _r = _o // _nb
        i = _r % C
        _j0 = (_o % _nb)*N // _nb
        _j1 = (_o % _nb + 1)*N // _nb
        _h0 = _dt(0)
        for j in range(M):
            for a in range(2*RH + 1):
                for b in range(2*RW + 1):
                    _part[_o, j, a, b] = _h0
        _pk = np.zeros((2*RH + 1, 2*RW + 1, H*W), _dt)
        for n in range(_j0, _j1):
            for a in range(2*RH + 1):
                for b in range(2*RW + 1):
                    for y in range(max(0, -RH + a), min(H, H - RH + a)):
                        for x in range(max(0, -RW + b), min(W, -RW + W + b)):
                            _pk[a, b, W*y + x] = X[n, i, RH - a + y, RW - b + x]
            _br = ((2*RW + 1) // 2)*2
            _jr = (M // 4)*4
            for j in range(0, _jr, 4):
                for a in range(2*RH + 1):
                    for b in range(0, _br, 2):
                        _s00 = _dt(0)
                        _s01 = _dt(0)
                        _s10 = _dt(0)
                        _s11 = _dt(0)
                        _s20 = _dt(0)
                        _s21 = _dt(0)
                        _s30 = _dt(0)
                        _s31 = _dt(0)
                        for _f in range(H*W):
                            _w0 = _dU_f[n, j, _f]
                            _w1 = _pk[a, b, _f]
                            _w2 = _pk[a, b + 1, _f]
                            _w3 = _dU_f[n, j + 1, _f]
                            _w4 = _dU_f[n, j + 2, _f]
                            _w5 = _dU_f[n, j + 3, _f]
                            _s00 += _w0*_w1
                            _s01 += _w0*_w2
                            _s10 += _w1*_w3
                            _s11 += _w2*_w3
                            _s20 += _w1*_w4
                            _s21 += _w2*_w4
                            _s30 += _w1*_w5
                            _s31 += _w2*_w5
                        _part[_o, j, a, b] += _s00
                        _part[_o, j, a, b + 1] += _s01
                        _part[_o, j + 1, a, b] += _s10
                        _part[_o, j + 1, a, b + 1] += _s11
                        _part[_o, j + 2, a, b] += _s20
                        _part[_o, j + 2, a, b + 1] += _s21
                        _part[_o, j + 3, a, b] += _s30
                        _part[_o, j + 3, a, b + 1] += _s31
                for a in range(2*RH + 1):
                    for b in range(_br, 2*RW + 1):
                        _s0 = _dt(0)
                        _s1 = _dt(0)
                        _s2 = _dt(0)
                        _s3 = _dt(0)
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _s0 += _w0*_dU_f[n, j, _f]
                            _s1 += _w0*_dU_f[n, j + 1, _f]
                            _s2 += _w0*_dU_f[n, j + 2, _f]
                            _s3 += _w0*_dU_f[n, j + 3, _f]
                        _part[_o, j, a, b] += _s0
                        _part[_o, j + 1, a, b] += _s1
                        _part[_o, j + 2, a, b] += _s2
                        _part[_o, j + 3, a, b] += _s3
            for j in range(_jr, M):
                for a in range(2*RH + 1):
                    for b in range(2*RW + 1):
                        _s = _dt(0)
                        for _f in range(H*W):
                            _s += _dU_f[n, j, _f]*_pk[a, b, _f]
                        _part[_o, j, a, b] += _s
    _part_f = _part.reshape(_n*_nb, M*(2*RH + 1)*(2*RW + 1))
    _whole = dK.reshape(_n, M*(2*RH + 1)*(2*RW + 1))
    for _p in range(_n):  # the blocks' slices summed into the target
        for _e in range(M*(2*RH + 1)*(2*RW + 1)):
            _whole[_p, _e] = _part_f[_p*_nb, _e]
        for _b in range(1, _nb):
            for _e in range(M*(2*RH + 1)*(2*RW + 1)):
                _whole[_p, _e] += _part_f[_p*_nb + _b, _e]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dK_loops(X, dU, dK, N, C, M, H, W, RH, RW):
    """One schedule of backward_dK, which picks it by the sizes: loop nests.

    dK[i, j, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, -RH + a)}^{min(H - 1, H - RH + a - 1)} Σ_{x=max(0,
        -RW + b)}^{min(W - 1, -RW + W + b - 1)} X[n, i, RH - a + y, RW - b + x]*dU[n, j, y, x]
    """
    _dt = dK.dtype.type
    for _o in prange(C*M):
        i = _o // M
        j = _o % M
        for a in range(2*RH + 1):
            for b in range(2*RW + 1):
                dK[i, j, a, b] = _dt(0)
        for n in range(N):
            for y in range(H):
                for a in range(max(0, -H + RH + y + 1), min(2*RH + 1, RH + y + 1)):
                    for b in range(max(0, RW - W + 1), min(2*RW + 1, RW + W)):
                        _s = _dt(0)
                        for x in range(max(0, -RW + b), min(W, -RW + W + b)):
                            _s += X[n, i, RH - a + y, RW - b + x]*dU[n, j, y, x]
                        dK[i, j, a, b] += _s


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dB(dU, dB, N, M, H, W):
    """[B7] gradient dB.

    dB[j] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B9] ∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}
    """
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    for j in prange(M):
        _acc = dB.dtype.type(0)
        for n in range(N):
            for _f in range(H*W):
                _acc += _dU_r[n, j, _f]
        dB[j] = _acc


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of conv_matlab_relu_same, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "K", 4)
    _check.rank(arrays, "B", 1)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    H = arrays["X"].shape[2]
    W = arrays["X"].shape[3]
    M = arrays["K"].shape[1]
    RH = (arrays["K"].shape[2] - 1) // (2)
    RW = (arrays["K"].shape[3] - 1) // (2)
    _z = {"N": N, "C": C, "M": M, "H": H, "W": W, "RH": RH, "RW": RW}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _check.array(arrays, "K", (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1), _dt)
    _check.array(arrays, "B", (_z["M"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of conv_matlab_relu_same for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "K": (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1),
        "B": (_z["M"],),
        "U": (_z["N"], _z["M"], _z["H"], _z["W"]),
        "Y": (_z["N"], _z["M"], _z["H"], _z["W"]),
        "dU": (_z["N"], _z["M"], _z["H"], _z["W"]),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dK": (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1),
        "dB": (_z["M"],),
        "dY": (_z["N"], _z["M"], _z["H"], _z["W"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of conv_matlab_relu_same [B7]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["U"] = _a["U"] = _check.buffer(out, "U", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt, _a)
    forward_U(
        _a["B"],
        _a["K"],
        _a["X"],
        _a["U"],
        _z["N"],
        _z["C"],
        _z["M"],
        _z["H"],
        _z["W"],
        _z["RH"],
        _z["RW"],
        _numba_config.NUMBA_NUM_THREADS
    )
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt, _a)
    forward_Y(_a["U"], _a["Y"], _z["N"], _z["M"], _z["H"], _z["W"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dU": (),
    "dX": ("dU",),
    "dK": ("dU",),
    "dB": ("dU",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of conv_matlab_relu_same [B7]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U"] = _check.array(arrays, "U", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt)
    _g = {}
    if "dU" in _need:
        _g["dU"] = _a["dU"] = _check.buffer(out, "dU", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt, _a)
        backward_dU(_a["dY"], _a["U"], _a["dU"], _z["N"], _z["M"], _z["H"], _z["W"])
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dX(
            _a["K"],
            _a["dU"],
            _a["dX"],
            _z["N"],
            _z["C"],
            _z["M"],
            _z["H"],
            _z["W"],
            _z["RH"],
            _z["RW"],
            _numba_config.NUMBA_NUM_THREADS
        )
    if "dK" in _need:
        _g["dK"] = _a["dK"] = _check.buffer(out, "dK", (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1), _dt, _a)
        backward_dK(
            _a["X"],
            _a["dU"],
            _a["dK"],
            _z["N"],
            _z["C"],
            _z["M"],
            _z["H"],
            _z["W"],
            _z["RH"],
            _z["RW"],
            _numba_config.NUMBA_NUM_THREADS
        )
    if "dB" in _need:
        _g["dB"] = _a["dB"] = _check.buffer(out, "dB", (_z["M"],), _dt, _a)
        backward_dB(_a["dU"], _a["dB"], _z["N"], _z["M"], _z["H"], _z["W"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of conv_matlab_relu_same for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of conv_matlab_relu_same: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """conv_matlab_relu_same keeps no buffers: nothing to update."""


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
