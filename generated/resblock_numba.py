# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer resblock, spec hash 527d5e3b4bccb9c9.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""resblock: residual block: two 3×3 'same' convolutions with batch norm, identity shortcut (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. A user layer (no label in
docs/paper.md): its gradients are derived from its forward equations alone.
"""

import math
import sys
import types

import numpy as np
from numba import config as _numba_config, njit, prange

from symcnn.support import contract as _contract
from symcnn.support.vector import slp as _slp, vector_bits as _vector_bits

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_resblock_numba_527d5e3b4bccb9c9"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

# The width of this machine's vector registers: the register blocks sized for it run.
_VECTOR_BITS = _vector_bits()

LAYER = "resblock"
LABEL = ""
BACKEND = "numba"
SPEC_HASH = "527d5e3b4bccb9c9"
INPUTS = ("X",)
PARAMS = ("K1", "G1", "B1", "K2", "G2", "B2")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("U1", "M1", "V1", "Z1", "H1", "U2", "M2", "V2", "Z2")
GRADIENTS = (
    "dZ2",
    "dV2",
    "dM2",
    "dU2",
    "dH1",
    "dZ1",
    "dV1",
    "dM1",
    "dU1",
    "dX",
    "dK1",
    "dG1",
    "dB1",
    "dK2",
    "dG2",
    "dB2"
)
SIZES = ("N", "C", "H", "W")
BUFFERS = ("RM1", "RV1", "RM2", "RV2")
EVALUATION = ("EU1", "EH1", "EU2", "Y")
PARAM_INIT = {"G1": 1.0, "G2": 1.0}
_check = _contract.Contract(LAYER, "X")


def forward_U1(K1, X, U1, N, C, H, W, _threads):
    """Forward equation for U1 of a user layer (no label in docs/paper.md).

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _VECTOR_BITS >= 512 and C >= 8 and 9*C <= 512:  # 512-bit vectors
        forward_U1_block512(K1, X, U1, N, C, H, W)
    elif C >= 8 and 9*C <= 512:  # a short contraction: register-blocked outer products
        forward_U1_block(K1, X, U1, N, C, H, W)
    elif 9*C >= 64 and 9*C*W <= 262144:  # a long contraction in cache
        forward_U1_dot(K1, X, U1, N, C, H, W, _threads)
    elif 9*H*W <= 262144:  # the packed windows fit in cache
        forward_U1_packed(K1, X, U1, N, C, H, W, _threads)
    else:
        forward_U1_loops(K1, X, U1, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_U1_block512(K1, X, U1, N, C, H, W):
    """One schedule of forward_U1, which picks it by the sizes: register-blocked outer
    products (codegen/block.py), sized for 512-bit vectors.

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _kp = np.zeros((C // 8, C, 3, 3, 8), dtype=U1.dtype)
    for _k0 in range(C):
        for _k1 in range((C // 8)*8):
            for _k2 in range(3):
                for _k3 in range(3):
                    _kp[_k1 // 8, _k0, _k2, _k3, _k1 - 8*(_k1 // 8)] = K1[_k0, _k1, _k2, _k3]
    _wp = W + 1
    for n in prange(N):
        forward_U1_block512_one(C, H, K1, U1, W, X, _kp, _wp, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def forward_U1_block512_one(C, H, K1, U1, W, X, _kp, _wp, n):
    """One iteration of forward_U1_block512's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 16), dtype=U1.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = X[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 16), dtype=U1.dtype)
    _c_split = (C // 8)*8
    for c in range(0, _c_split, 8):
        for _f in range(0, H*_wp, 16):
            _acc_0_0 = U1.dtype.type(0)
            _acc_0_1 = U1.dtype.type(0)
            _acc_0_2 = U1.dtype.type(0)
            _acc_0_3 = U1.dtype.type(0)
            _acc_0_4 = U1.dtype.type(0)
            _acc_0_5 = U1.dtype.type(0)
            _acc_0_6 = U1.dtype.type(0)
            _acc_0_7 = U1.dtype.type(0)
            _acc_0_8 = U1.dtype.type(0)
            _acc_0_9 = U1.dtype.type(0)
            _acc_0_10 = U1.dtype.type(0)
            _acc_0_11 = U1.dtype.type(0)
            _acc_0_12 = U1.dtype.type(0)
            _acc_0_13 = U1.dtype.type(0)
            _acc_0_14 = U1.dtype.type(0)
            _acc_0_15 = U1.dtype.type(0)
            _acc_1_0 = U1.dtype.type(0)
            _acc_1_1 = U1.dtype.type(0)
            _acc_1_2 = U1.dtype.type(0)
            _acc_1_3 = U1.dtype.type(0)
            _acc_1_4 = U1.dtype.type(0)
            _acc_1_5 = U1.dtype.type(0)
            _acc_1_6 = U1.dtype.type(0)
            _acc_1_7 = U1.dtype.type(0)
            _acc_1_8 = U1.dtype.type(0)
            _acc_1_9 = U1.dtype.type(0)
            _acc_1_10 = U1.dtype.type(0)
            _acc_1_11 = U1.dtype.type(0)
            _acc_1_12 = U1.dtype.type(0)
            _acc_1_13 = U1.dtype.type(0)
            _acc_1_14 = U1.dtype.type(0)
            _acc_1_15 = U1.dtype.type(0)
            _acc_2_0 = U1.dtype.type(0)
            _acc_2_1 = U1.dtype.type(0)
            _acc_2_2 = U1.dtype.type(0)
            _acc_2_3 = U1.dtype.type(0)
            _acc_2_4 = U1.dtype.type(0)
            _acc_2_5 = U1.dtype.type(0)
            _acc_2_6 = U1.dtype.type(0)
            _acc_2_7 = U1.dtype.type(0)
            _acc_2_8 = U1.dtype.type(0)
            _acc_2_9 = U1.dtype.type(0)
            _acc_2_10 = U1.dtype.type(0)
            _acc_2_11 = U1.dtype.type(0)
            _acc_2_12 = U1.dtype.type(0)
            _acc_2_13 = U1.dtype.type(0)
            _acc_2_14 = U1.dtype.type(0)
            _acc_2_15 = U1.dtype.type(0)
            _acc_3_0 = U1.dtype.type(0)
            _acc_3_1 = U1.dtype.type(0)
            _acc_3_2 = U1.dtype.type(0)
            _acc_3_3 = U1.dtype.type(0)
            _acc_3_4 = U1.dtype.type(0)
            _acc_3_5 = U1.dtype.type(0)
            _acc_3_6 = U1.dtype.type(0)
            _acc_3_7 = U1.dtype.type(0)
            _acc_3_8 = U1.dtype.type(0)
            _acc_3_9 = U1.dtype.type(0)
            _acc_3_10 = U1.dtype.type(0)
            _acc_3_11 = U1.dtype.type(0)
            _acc_3_12 = U1.dtype.type(0)
            _acc_3_13 = U1.dtype.type(0)
            _acc_3_14 = U1.dtype.type(0)
            _acc_3_15 = U1.dtype.type(0)
            _acc_4_0 = U1.dtype.type(0)
            _acc_4_1 = U1.dtype.type(0)
            _acc_4_2 = U1.dtype.type(0)
            _acc_4_3 = U1.dtype.type(0)
            _acc_4_4 = U1.dtype.type(0)
            _acc_4_5 = U1.dtype.type(0)
            _acc_4_6 = U1.dtype.type(0)
            _acc_4_7 = U1.dtype.type(0)
            _acc_4_8 = U1.dtype.type(0)
            _acc_4_9 = U1.dtype.type(0)
            _acc_4_10 = U1.dtype.type(0)
            _acc_4_11 = U1.dtype.type(0)
            _acc_4_12 = U1.dtype.type(0)
            _acc_4_13 = U1.dtype.type(0)
            _acc_4_14 = U1.dtype.type(0)
            _acc_4_15 = U1.dtype.type(0)
            _acc_5_0 = U1.dtype.type(0)
            _acc_5_1 = U1.dtype.type(0)
            _acc_5_2 = U1.dtype.type(0)
            _acc_5_3 = U1.dtype.type(0)
            _acc_5_4 = U1.dtype.type(0)
            _acc_5_5 = U1.dtype.type(0)
            _acc_5_6 = U1.dtype.type(0)
            _acc_5_7 = U1.dtype.type(0)
            _acc_5_8 = U1.dtype.type(0)
            _acc_5_9 = U1.dtype.type(0)
            _acc_5_10 = U1.dtype.type(0)
            _acc_5_11 = U1.dtype.type(0)
            _acc_5_12 = U1.dtype.type(0)
            _acc_5_13 = U1.dtype.type(0)
            _acc_5_14 = U1.dtype.type(0)
            _acc_5_15 = U1.dtype.type(0)
            _acc_6_0 = U1.dtype.type(0)
            _acc_6_1 = U1.dtype.type(0)
            _acc_6_2 = U1.dtype.type(0)
            _acc_6_3 = U1.dtype.type(0)
            _acc_6_4 = U1.dtype.type(0)
            _acc_6_5 = U1.dtype.type(0)
            _acc_6_6 = U1.dtype.type(0)
            _acc_6_7 = U1.dtype.type(0)
            _acc_6_8 = U1.dtype.type(0)
            _acc_6_9 = U1.dtype.type(0)
            _acc_6_10 = U1.dtype.type(0)
            _acc_6_11 = U1.dtype.type(0)
            _acc_6_12 = U1.dtype.type(0)
            _acc_6_13 = U1.dtype.type(0)
            _acc_6_14 = U1.dtype.type(0)
            _acc_6_15 = U1.dtype.type(0)
            _acc_7_0 = U1.dtype.type(0)
            _acc_7_1 = U1.dtype.type(0)
            _acc_7_2 = U1.dtype.type(0)
            _acc_7_3 = U1.dtype.type(0)
            _acc_7_4 = U1.dtype.type(0)
            _acc_7_5 = U1.dtype.type(0)
            _acc_7_6 = U1.dtype.type(0)
            _acc_7_7 = U1.dtype.type(0)
            _acc_7_8 = U1.dtype.type(0)
            _acc_7_9 = U1.dtype.type(0)
            _acc_7_10 = U1.dtype.type(0)
            _acc_7_11 = U1.dtype.type(0)
            _acc_7_12 = U1.dtype.type(0)
            _acc_7_13 = U1.dtype.type(0)
            _acc_7_14 = U1.dtype.type(0)
            _acc_7_15 = U1.dtype.type(0)
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _r = _kp[c // 8, i, a, b, 0]
                        _r1 = _kp[c // 8, i, a, b, 1]
                        _r2 = _kp[c // 8, i, a, b, 2]
                        _r3 = _kp[c // 8, i, a, b, 3]
                        _r4 = _kp[c // 8, i, a, b, 4]
                        _r5 = _kp[c // 8, i, a, b, 5]
                        _r6 = _kp[c // 8, i, a, b, 6]
                        _r7 = _kp[c // 8, i, a, b, 7]
                        _r8 = _xp[i, np.uint64(_wp*a + b + _f)]
                        _r9 = _xp[i, np.uint64(_wp*a + b + _f + 1)]
                        _r10 = _xp[i, np.uint64(_wp*a + b + _f + 2)]
                        _r11 = _xp[i, np.uint64(_wp*a + b + _f + 3)]
                        _r12 = _xp[i, np.uint64(_wp*a + b + _f + 4)]
                        _r13 = _xp[i, np.uint64(_wp*a + b + _f + 5)]
                        _r14 = _xp[i, np.uint64(_wp*a + b + _f + 6)]
                        _r15 = _xp[i, np.uint64(_wp*a + b + _f + 7)]
                        _r16 = _xp[i, np.uint64(_wp*a + b + _f + 8)]
                        _r17 = _xp[i, np.uint64(_wp*a + b + _f + 9)]
                        _r18 = _xp[i, np.uint64(_wp*a + b + _f + 10)]
                        _r19 = _xp[i, np.uint64(_wp*a + b + _f + 11)]
                        _r20 = _xp[i, np.uint64(_wp*a + b + _f + 12)]
                        _r21 = _xp[i, np.uint64(_wp*a + b + _f + 13)]
                        _r22 = _xp[i, np.uint64(_wp*a + b + _f + 14)]
                        _r23 = _xp[i, np.uint64(_wp*a + b + _f + 15)]
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
            _up[c, np.uint64(_f)] = _acc_0_0
            _up[c, np.uint64(_f + 1)] = _acc_0_1
            _up[c, np.uint64(_f + 2)] = _acc_0_2
            _up[c, np.uint64(_f + 3)] = _acc_0_3
            _up[c, np.uint64(_f + 4)] = _acc_0_4
            _up[c, np.uint64(_f + 5)] = _acc_0_5
            _up[c, np.uint64(_f + 6)] = _acc_0_6
            _up[c, np.uint64(_f + 7)] = _acc_0_7
            _up[c, np.uint64(_f + 8)] = _acc_0_8
            _up[c, np.uint64(_f + 9)] = _acc_0_9
            _up[c, np.uint64(_f + 10)] = _acc_0_10
            _up[c, np.uint64(_f + 11)] = _acc_0_11
            _up[c, np.uint64(_f + 12)] = _acc_0_12
            _up[c, np.uint64(_f + 13)] = _acc_0_13
            _up[c, np.uint64(_f + 14)] = _acc_0_14
            _up[c, np.uint64(_f + 15)] = _acc_0_15
            _up[c + 1, np.uint64(_f)] = _acc_1_0
            _up[c + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[c + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[c + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[c + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[c + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[c + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[c + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[c + 1, np.uint64(_f + 8)] = _acc_1_8
            _up[c + 1, np.uint64(_f + 9)] = _acc_1_9
            _up[c + 1, np.uint64(_f + 10)] = _acc_1_10
            _up[c + 1, np.uint64(_f + 11)] = _acc_1_11
            _up[c + 1, np.uint64(_f + 12)] = _acc_1_12
            _up[c + 1, np.uint64(_f + 13)] = _acc_1_13
            _up[c + 1, np.uint64(_f + 14)] = _acc_1_14
            _up[c + 1, np.uint64(_f + 15)] = _acc_1_15
            _up[c + 2, np.uint64(_f)] = _acc_2_0
            _up[c + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[c + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[c + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[c + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[c + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[c + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[c + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[c + 2, np.uint64(_f + 8)] = _acc_2_8
            _up[c + 2, np.uint64(_f + 9)] = _acc_2_9
            _up[c + 2, np.uint64(_f + 10)] = _acc_2_10
            _up[c + 2, np.uint64(_f + 11)] = _acc_2_11
            _up[c + 2, np.uint64(_f + 12)] = _acc_2_12
            _up[c + 2, np.uint64(_f + 13)] = _acc_2_13
            _up[c + 2, np.uint64(_f + 14)] = _acc_2_14
            _up[c + 2, np.uint64(_f + 15)] = _acc_2_15
            _up[c + 3, np.uint64(_f)] = _acc_3_0
            _up[c + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[c + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[c + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[c + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[c + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[c + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[c + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[c + 3, np.uint64(_f + 8)] = _acc_3_8
            _up[c + 3, np.uint64(_f + 9)] = _acc_3_9
            _up[c + 3, np.uint64(_f + 10)] = _acc_3_10
            _up[c + 3, np.uint64(_f + 11)] = _acc_3_11
            _up[c + 3, np.uint64(_f + 12)] = _acc_3_12
            _up[c + 3, np.uint64(_f + 13)] = _acc_3_13
            _up[c + 3, np.uint64(_f + 14)] = _acc_3_14
            _up[c + 3, np.uint64(_f + 15)] = _acc_3_15
            _up[c + 4, np.uint64(_f)] = _acc_4_0
            _up[c + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[c + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[c + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[c + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[c + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[c + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[c + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[c + 4, np.uint64(_f + 8)] = _acc_4_8
            _up[c + 4, np.uint64(_f + 9)] = _acc_4_9
            _up[c + 4, np.uint64(_f + 10)] = _acc_4_10
            _up[c + 4, np.uint64(_f + 11)] = _acc_4_11
            _up[c + 4, np.uint64(_f + 12)] = _acc_4_12
            _up[c + 4, np.uint64(_f + 13)] = _acc_4_13
            _up[c + 4, np.uint64(_f + 14)] = _acc_4_14
            _up[c + 4, np.uint64(_f + 15)] = _acc_4_15
            _up[c + 5, np.uint64(_f)] = _acc_5_0
            _up[c + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[c + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[c + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[c + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[c + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[c + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[c + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[c + 5, np.uint64(_f + 8)] = _acc_5_8
            _up[c + 5, np.uint64(_f + 9)] = _acc_5_9
            _up[c + 5, np.uint64(_f + 10)] = _acc_5_10
            _up[c + 5, np.uint64(_f + 11)] = _acc_5_11
            _up[c + 5, np.uint64(_f + 12)] = _acc_5_12
            _up[c + 5, np.uint64(_f + 13)] = _acc_5_13
            _up[c + 5, np.uint64(_f + 14)] = _acc_5_14
            _up[c + 5, np.uint64(_f + 15)] = _acc_5_15
            _up[c + 6, np.uint64(_f)] = _acc_6_0
            _up[c + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[c + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[c + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[c + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[c + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[c + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[c + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[c + 6, np.uint64(_f + 8)] = _acc_6_8
            _up[c + 6, np.uint64(_f + 9)] = _acc_6_9
            _up[c + 6, np.uint64(_f + 10)] = _acc_6_10
            _up[c + 6, np.uint64(_f + 11)] = _acc_6_11
            _up[c + 6, np.uint64(_f + 12)] = _acc_6_12
            _up[c + 6, np.uint64(_f + 13)] = _acc_6_13
            _up[c + 6, np.uint64(_f + 14)] = _acc_6_14
            _up[c + 6, np.uint64(_f + 15)] = _acc_6_15
            _up[c + 7, np.uint64(_f)] = _acc_7_0
            _up[c + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[c + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[c + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[c + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[c + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[c + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[c + 7, np.uint64(_f + 7)] = _acc_7_7
            _up[c + 7, np.uint64(_f + 8)] = _acc_7_8
            _up[c + 7, np.uint64(_f + 9)] = _acc_7_9
            _up[c + 7, np.uint64(_f + 10)] = _acc_7_10
            _up[c + 7, np.uint64(_f + 11)] = _acc_7_11
            _up[c + 7, np.uint64(_f + 12)] = _acc_7_12
            _up[c + 7, np.uint64(_f + 13)] = _acc_7_13
            _up[c + 7, np.uint64(_f + 14)] = _acc_7_14
            _up[c + 7, np.uint64(_f + 15)] = _acc_7_15
    for c in range(_c_split, C):
        for _f in range(H*_wp):
            _acc = 0.0
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _acc += K1[i, c, a, b]*_xp[i, np.uint64(_wp*a + b + _f)]
            _up[c, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                U1[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_U1_block(K1, X, U1, N, C, H, W):
    """One schedule of forward_U1, which picks it by the sizes: register-blocked outer
    products (codegen/block.py).

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _kp = np.zeros((C // 8, C, 3, 3, 8), dtype=U1.dtype)
    for _k0 in range(C):
        for _k1 in range((C // 8)*8):
            for _k2 in range(3):
                for _k3 in range(3):
                    _kp[_k1 // 8, _k0, _k2, _k3, _k1 - 8*(_k1 // 8)] = K1[_k0, _k1, _k2, _k3]
    _wp = W + 1
    for n in prange(N):
        forward_U1_block_one(C, H, K1, U1, W, X, _kp, _wp, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def forward_U1_block_one(C, H, K1, U1, W, X, _kp, _wp, n):
    """One iteration of forward_U1_block's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 8), dtype=U1.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = X[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 8), dtype=U1.dtype)
    _c_split = (C // 8)*8
    for c in range(0, _c_split, 8):
        for _f in range(0, H*_wp, 8):
            _acc_0_0 = U1.dtype.type(0)
            _acc_0_1 = U1.dtype.type(0)
            _acc_0_2 = U1.dtype.type(0)
            _acc_0_3 = U1.dtype.type(0)
            _acc_0_4 = U1.dtype.type(0)
            _acc_0_5 = U1.dtype.type(0)
            _acc_0_6 = U1.dtype.type(0)
            _acc_0_7 = U1.dtype.type(0)
            _acc_1_0 = U1.dtype.type(0)
            _acc_1_1 = U1.dtype.type(0)
            _acc_1_2 = U1.dtype.type(0)
            _acc_1_3 = U1.dtype.type(0)
            _acc_1_4 = U1.dtype.type(0)
            _acc_1_5 = U1.dtype.type(0)
            _acc_1_6 = U1.dtype.type(0)
            _acc_1_7 = U1.dtype.type(0)
            _acc_2_0 = U1.dtype.type(0)
            _acc_2_1 = U1.dtype.type(0)
            _acc_2_2 = U1.dtype.type(0)
            _acc_2_3 = U1.dtype.type(0)
            _acc_2_4 = U1.dtype.type(0)
            _acc_2_5 = U1.dtype.type(0)
            _acc_2_6 = U1.dtype.type(0)
            _acc_2_7 = U1.dtype.type(0)
            _acc_3_0 = U1.dtype.type(0)
            _acc_3_1 = U1.dtype.type(0)
            _acc_3_2 = U1.dtype.type(0)
            _acc_3_3 = U1.dtype.type(0)
            _acc_3_4 = U1.dtype.type(0)
            _acc_3_5 = U1.dtype.type(0)
            _acc_3_6 = U1.dtype.type(0)
            _acc_3_7 = U1.dtype.type(0)
            _acc_4_0 = U1.dtype.type(0)
            _acc_4_1 = U1.dtype.type(0)
            _acc_4_2 = U1.dtype.type(0)
            _acc_4_3 = U1.dtype.type(0)
            _acc_4_4 = U1.dtype.type(0)
            _acc_4_5 = U1.dtype.type(0)
            _acc_4_6 = U1.dtype.type(0)
            _acc_4_7 = U1.dtype.type(0)
            _acc_5_0 = U1.dtype.type(0)
            _acc_5_1 = U1.dtype.type(0)
            _acc_5_2 = U1.dtype.type(0)
            _acc_5_3 = U1.dtype.type(0)
            _acc_5_4 = U1.dtype.type(0)
            _acc_5_5 = U1.dtype.type(0)
            _acc_5_6 = U1.dtype.type(0)
            _acc_5_7 = U1.dtype.type(0)
            _acc_6_0 = U1.dtype.type(0)
            _acc_6_1 = U1.dtype.type(0)
            _acc_6_2 = U1.dtype.type(0)
            _acc_6_3 = U1.dtype.type(0)
            _acc_6_4 = U1.dtype.type(0)
            _acc_6_5 = U1.dtype.type(0)
            _acc_6_6 = U1.dtype.type(0)
            _acc_6_7 = U1.dtype.type(0)
            _acc_7_0 = U1.dtype.type(0)
            _acc_7_1 = U1.dtype.type(0)
            _acc_7_2 = U1.dtype.type(0)
            _acc_7_3 = U1.dtype.type(0)
            _acc_7_4 = U1.dtype.type(0)
            _acc_7_5 = U1.dtype.type(0)
            _acc_7_6 = U1.dtype.type(0)
            _acc_7_7 = U1.dtype.type(0)
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _r = _kp[c // 8, i, a, b, 0]
                        _r1 = _kp[c // 8, i, a, b, 1]
                        _r2 = _kp[c // 8, i, a, b, 2]
                        _r3 = _kp[c // 8, i, a, b, 3]
                        _r4 = _kp[c // 8, i, a, b, 4]
                        _r5 = _kp[c // 8, i, a, b, 5]
                        _r6 = _kp[c // 8, i, a, b, 6]
                        _r7 = _kp[c // 8, i, a, b, 7]
                        _r8 = _xp[i, np.uint64(_wp*a + b + _f)]
                        _r9 = _xp[i, np.uint64(_wp*a + b + _f + 1)]
                        _r10 = _xp[i, np.uint64(_wp*a + b + _f + 2)]
                        _r11 = _xp[i, np.uint64(_wp*a + b + _f + 3)]
                        _r12 = _xp[i, np.uint64(_wp*a + b + _f + 4)]
                        _r13 = _xp[i, np.uint64(_wp*a + b + _f + 5)]
                        _r14 = _xp[i, np.uint64(_wp*a + b + _f + 6)]
                        _r15 = _xp[i, np.uint64(_wp*a + b + _f + 7)]
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
            _up[c, np.uint64(_f)] = _acc_0_0
            _up[c, np.uint64(_f + 1)] = _acc_0_1
            _up[c, np.uint64(_f + 2)] = _acc_0_2
            _up[c, np.uint64(_f + 3)] = _acc_0_3
            _up[c, np.uint64(_f + 4)] = _acc_0_4
            _up[c, np.uint64(_f + 5)] = _acc_0_5
            _up[c, np.uint64(_f + 6)] = _acc_0_6
            _up[c, np.uint64(_f + 7)] = _acc_0_7
            _up[c + 1, np.uint64(_f)] = _acc_1_0
            _up[c + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[c + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[c + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[c + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[c + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[c + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[c + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[c + 2, np.uint64(_f)] = _acc_2_0
            _up[c + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[c + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[c + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[c + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[c + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[c + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[c + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[c + 3, np.uint64(_f)] = _acc_3_0
            _up[c + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[c + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[c + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[c + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[c + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[c + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[c + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[c + 4, np.uint64(_f)] = _acc_4_0
            _up[c + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[c + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[c + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[c + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[c + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[c + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[c + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[c + 5, np.uint64(_f)] = _acc_5_0
            _up[c + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[c + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[c + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[c + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[c + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[c + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[c + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[c + 6, np.uint64(_f)] = _acc_6_0
            _up[c + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[c + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[c + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[c + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[c + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[c + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[c + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[c + 7, np.uint64(_f)] = _acc_7_0
            _up[c + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[c + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[c + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[c + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[c + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[c + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[c + 7, np.uint64(_f + 7)] = _acc_7_7
    for c in range(_c_split, C):
        for _f in range(H*_wp):
            _acc = 0.0
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _acc += K1[i, c, a, b]*_xp[i, np.uint64(_wp*a + b + _f)]
            _up[c, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                U1[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U1_dot(K1, X, U1, N, C, H, W, _threads):
    """One schedule of forward_U1, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]
    """
    _dt = U1.dtype.type
    _U1_f = U1.reshape(U1.shape[0], U1.shape[1], H*W)
    _wk = np.empty((C, 9*C), _dt)
    for c in range(C):
        for a in range(3):
            for b in range(3):
                for i in range(C):
                    _wk[c, C*(3*a + b) + i] = _dt(K1[i, c, a, b])
    _yc = max(1, 32768 // (W*(9*C)))  # the map rows a chunk packs
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    U1[n, c, y, x] = _h0
        _pd = np.empty((_yc*W, 9*C), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a, _y0), min(H, H - a + 1, _y1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            for i in range(C):
                                _pd[-W*_y0 + W*y + x, C*(3*a + b) + i] = X[n, i, a + y - 1, b + x - 1]
            for c in range(_j0, _jr, 4):
                for _f in range(0, _fr, 2):
                    _s00 = _dt(0)
                    _s01 = _dt(0)
                    _s10 = _dt(0)
                    _s11 = _dt(0)
                    _s20 = _dt(0)
                    _s21 = _dt(0)
                    _s30 = _dt(0)
                    _s31 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _p1 = _pd[_f + 1, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                        _s01 += _w*_p1
                        _w = _wk[c + 1, _r]
                        _s10 += _w*_p0
                        _s11 += _w*_p1
                        _w = _wk[c + 2, _r]
                        _s20 += _w*_p0
                        _s21 += _w*_p1
                        _w = _wk[c + 3, _r]
                        _s30 += _w*_p0
                        _s31 += _w*_p1
                    _U1_f[n, c, W*_y0 + _f] += _s00
                    _U1_f[n, c, W*_y0 + _f + 1] += _s01
                    _U1_f[n, c + 1, W*_y0 + _f] += _s10
                    _U1_f[n, c + 1, W*_y0 + _f + 1] += _s11
                    _U1_f[n, c + 2, W*_y0 + _f] += _s20
                    _U1_f[n, c + 2, W*_y0 + _f + 1] += _s21
                    _U1_f[n, c + 3, W*_y0 + _f] += _s30
                    _U1_f[n, c + 3, W*_y0 + _f + 1] += _s31
            for c in range(_j0, _jr):
                for _f in range(_fr, _nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _U1_f[n, c, W*_y0 + _f] += _s00
            for c in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _U1_f[n, c, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U1_packed(K1, X, U1, N, C, H, W, _threads):
    """One schedule of forward_U1, which picks it by the sizes: packed windows (codegen/window.py).

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]
    """
    _dt = U1.dtype.type
    _U1_f = U1.reshape(U1.shape[0], U1.shape[1], H*W)
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    U1[n, c, y, x] = _h0
        _pk = np.zeros((3, 3, H*W), _dt)
        for i in range(C):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _pk[a, b, W*y + x] = X[n, i, a + y - 1, b + x - 1]
            _br = (3 // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for c in range(_j0, _jr, 4):
                for a in range(3):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K1[i, c, a, b])
                        _k01 = _dt(K1[i, c, a, b + 1])
                        _k02 = _dt(K1[i, c, a, b + 2])
                        _k03 = _dt(K1[i, c, a, b + 3])
                        _k10 = _dt(K1[i, c + 1, a, b])
                        _k11 = _dt(K1[i, c + 1, a, b + 1])
                        _k12 = _dt(K1[i, c + 1, a, b + 2])
                        _k13 = _dt(K1[i, c + 1, a, b + 3])
                        _k20 = _dt(K1[i, c + 2, a, b])
                        _k21 = _dt(K1[i, c + 2, a, b + 1])
                        _k22 = _dt(K1[i, c + 2, a, b + 2])
                        _k23 = _dt(K1[i, c + 2, a, b + 3])
                        _k30 = _dt(K1[i, c + 3, a, b])
                        _k31 = _dt(K1[i, c + 3, a, b + 1])
                        _k32 = _dt(K1[i, c + 3, a, b + 2])
                        _k33 = _dt(K1[i, c + 3, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _U1_f[n, c, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _U1_f[n, c + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _U1_f[n, c + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _U1_f[n, c + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(3):
                    for b in range(_br, 3):
                        _k0 = _dt(K1[i, c, a, b])
                        _k1 = _dt(K1[i, c + 1, a, b])
                        _k2 = _dt(K1[i, c + 2, a, b])
                        _k3 = _dt(K1[i, c + 3, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _U1_f[n, c, _f] += _k0*_w0
                            _U1_f[n, c + 1, _f] += _k1*_w0
                            _U1_f[n, c + 2, _f] += _k2*_w0
                            _U1_f[n, c + 3, _f] += _k3*_w0
            for c in range(_jr, _j1):
                for a in range(3):
                    for b in range(3):
                        _h4 = _dt(K1[i, c, a, b])
                        for _f in range(H*W):
                            _U1_f[n, c, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U1_loops(K1, X, U1, N, C, H, W):
    """One schedule of forward_U1, which picks it by the sizes: loop nests.

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]
    """
    _dt = U1.dtype.type
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for y in range(H):
            for x in range(W):
                U1[n, c, y, x] = _dt(0)
        for i in range(C):
            for a in range(max(0, 2 - H), min(3, H + 1)):
                for b in range(max(0, 2 - W), min(3, W + 1)):
                    _h3 = _dt(K1[i, c, a, b])
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            U1[n, c, y, x] += _h3*X[n, i, a + y - 1, b + x - 1]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_M1(U1, M1, N, C, H, W):
    """Forward equation for M1 of a user layer (no label in docs/paper.md).

    M1[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} U1[n, c, y, x])/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U1_r = U1.reshape(U1.shape[0], U1.shape[1], U1.shape[2]*U1.shape[3])
    for c in prange(C):
        _acc = M1.dtype.type(0)
        _h = M1.dtype.type(1/(H*N*W))
        for n in range(N):
            for _f in range(H*W):
                _acc += _h*_U1_r[n, c, _f]
        M1[c] = _acc


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_V1(M1, U1, V1, N, C, H, W):
    """Forward equation for V1 of a user layer (no label in docs/paper.md).

    V1[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M1[c] + U1[n, c, y, x])**2)/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U1_r = U1.reshape(U1.shape[0], U1.shape[1], U1.shape[2]*U1.shape[3])
    for c in range(C):
        V1[c] = V1.dtype.type(0)
    _h = V1.dtype.type(1/(H*N*W))
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                V1[c] += _h*(-M1[c] + _U1_r[n, c, _f])**2


@njit(cache=True, parallel=True)
def forward_Z1(B1, G1, M1, U1, V1, Z1, N, C, H, W):
    """Forward equation for Z1 of a user layer (no label in docs/paper.md).

    Z1[n, c, y, x] = (-M1[c] + U1[n, c, y, x])*G1[c]/sqrt(V1[c] + 1.0e-5) + B1[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Z1_r = Z1.reshape(Z1.shape[0], Z1.shape[1], Z1.shape[2]*Z1.shape[3])
    _U1_r = U1.reshape(U1.shape[0], U1.shape[1], U1.shape[2]*U1.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Z1_r[n, c, _f] = (-M1[c] + _U1_r[n, c, _f])*G1[c]/math.sqrt(V1[c] + 1e-05) + B1[c]


@njit(cache=True, parallel=True)
def forward_H1(Z1, H1, N, C, H, W):
    """Forward equation for H1 of a user layer (no label in docs/paper.md).

    H1[n, c, y, x] = relu(Z1[n, c, y, x])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _H1_r = H1.reshape(H1.shape[0], H1.shape[1], H1.shape[2]*H1.shape[3])
    _Z1_r = Z1.reshape(Z1.shape[0], Z1.shape[1], Z1.shape[2]*Z1.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _H1_r[n, c, _f] = max(_Z1_r[n, c, _f], 0.0)


def forward_U2(H1, K2, U2, N, C, H, W, _threads):
    """Forward equation for U2 of a user layer (no label in docs/paper.md).

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _VECTOR_BITS >= 512 and C >= 8 and 9*C <= 512:  # 512-bit vectors
        forward_U2_block512(H1, K2, U2, N, C, H, W)
    elif C >= 8 and 9*C <= 512:  # a short contraction: register-blocked outer products
        forward_U2_block(H1, K2, U2, N, C, H, W)
    elif 9*C >= 64 and 9*C*W <= 262144:  # a long contraction in cache
        forward_U2_dot(H1, K2, U2, N, C, H, W, _threads)
    elif 9*H*W <= 262144:  # the packed windows fit in cache
        forward_U2_packed(H1, K2, U2, N, C, H, W, _threads)
    else:
        forward_U2_loops(H1, K2, U2, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_U2_block512(H1, K2, U2, N, C, H, W):
    """One schedule of forward_U2, which picks it by the sizes: register-blocked outer
    products (codegen/block.py), sized for 512-bit vectors.

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _kp = np.zeros((C // 8, C, 3, 3, 8), dtype=U2.dtype)
    for _k0 in range(C):
        for _k1 in range((C // 8)*8):
            for _k2 in range(3):
                for _k3 in range(3):
                    _kp[_k1 // 8, _k0, _k2, _k3, _k1 - 8*(_k1 // 8)] = K2[_k0, _k1, _k2, _k3]
    _wp = W + 1
    for n in prange(N):
        forward_U2_block512_one(C, H, H1, K2, U2, W, _kp, _wp, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def forward_U2_block512_one(C, H, H1, K2, U2, W, _kp, _wp, n):
    """One iteration of forward_U2_block512's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 16), dtype=U2.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = H1[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 16), dtype=U2.dtype)
    _c_split = (C // 8)*8
    for c in range(0, _c_split, 8):
        for _f in range(0, H*_wp, 16):
            _acc_0_0 = U2.dtype.type(0)
            _acc_0_1 = U2.dtype.type(0)
            _acc_0_2 = U2.dtype.type(0)
            _acc_0_3 = U2.dtype.type(0)
            _acc_0_4 = U2.dtype.type(0)
            _acc_0_5 = U2.dtype.type(0)
            _acc_0_6 = U2.dtype.type(0)
            _acc_0_7 = U2.dtype.type(0)
            _acc_0_8 = U2.dtype.type(0)
            _acc_0_9 = U2.dtype.type(0)
            _acc_0_10 = U2.dtype.type(0)
            _acc_0_11 = U2.dtype.type(0)
            _acc_0_12 = U2.dtype.type(0)
            _acc_0_13 = U2.dtype.type(0)
            _acc_0_14 = U2.dtype.type(0)
            _acc_0_15 = U2.dtype.type(0)
            _acc_1_0 = U2.dtype.type(0)
            _acc_1_1 = U2.dtype.type(0)
            _acc_1_2 = U2.dtype.type(0)
            _acc_1_3 = U2.dtype.type(0)
            _acc_1_4 = U2.dtype.type(0)
            _acc_1_5 = U2.dtype.type(0)
            _acc_1_6 = U2.dtype.type(0)
            _acc_1_7 = U2.dtype.type(0)
            _acc_1_8 = U2.dtype.type(0)
            _acc_1_9 = U2.dtype.type(0)
            _acc_1_10 = U2.dtype.type(0)
            _acc_1_11 = U2.dtype.type(0)
            _acc_1_12 = U2.dtype.type(0)
            _acc_1_13 = U2.dtype.type(0)
            _acc_1_14 = U2.dtype.type(0)
            _acc_1_15 = U2.dtype.type(0)
            _acc_2_0 = U2.dtype.type(0)
            _acc_2_1 = U2.dtype.type(0)
            _acc_2_2 = U2.dtype.type(0)
            _acc_2_3 = U2.dtype.type(0)
            _acc_2_4 = U2.dtype.type(0)
            _acc_2_5 = U2.dtype.type(0)
            _acc_2_6 = U2.dtype.type(0)
            _acc_2_7 = U2.dtype.type(0)
            _acc_2_8 = U2.dtype.type(0)
            _acc_2_9 = U2.dtype.type(0)
            _acc_2_10 = U2.dtype.type(0)
            _acc_2_11 = U2.dtype.type(0)
            _acc_2_12 = U2.dtype.type(0)
            _acc_2_13 = U2.dtype.type(0)
            _acc_2_14 = U2.dtype.type(0)
            _acc_2_15 = U2.dtype.type(0)
            _acc_3_0 = U2.dtype.type(0)
            _acc_3_1 = U2.dtype.type(0)
            _acc_3_2 = U2.dtype.type(0)
            _acc_3_3 = U2.dtype.type(0)
            _acc_3_4 = U2.dtype.type(0)
            _acc_3_5 = U2.dtype.type(0)
            _acc_3_6 = U2.dtype.type(0)
            _acc_3_7 = U2.dtype.type(0)
            _acc_3_8 = U2.dtype.type(0)
            _acc_3_9 = U2.dtype.type(0)
            _acc_3_10 = U2.dtype.type(0)
            _acc_3_11 = U2.dtype.type(0)
            _acc_3_12 = U2.dtype.type(0)
            _acc_3_13 = U2.dtype.type(0)
            _acc_3_14 = U2.dtype.type(0)
            _acc_3_15 = U2.dtype.type(0)
            _acc_4_0 = U2.dtype.type(0)
            _acc_4_1 = U2.dtype.type(0)
            _acc_4_2 = U2.dtype.type(0)
            _acc_4_3 = U2.dtype.type(0)
            _acc_4_4 = U2.dtype.type(0)
            _acc_4_5 = U2.dtype.type(0)
            _acc_4_6 = U2.dtype.type(0)
            _acc_4_7 = U2.dtype.type(0)
            _acc_4_8 = U2.dtype.type(0)
            _acc_4_9 = U2.dtype.type(0)
            _acc_4_10 = U2.dtype.type(0)
            _acc_4_11 = U2.dtype.type(0)
            _acc_4_12 = U2.dtype.type(0)
            _acc_4_13 = U2.dtype.type(0)
            _acc_4_14 = U2.dtype.type(0)
            _acc_4_15 = U2.dtype.type(0)
            _acc_5_0 = U2.dtype.type(0)
            _acc_5_1 = U2.dtype.type(0)
            _acc_5_2 = U2.dtype.type(0)
            _acc_5_3 = U2.dtype.type(0)
            _acc_5_4 = U2.dtype.type(0)
            _acc_5_5 = U2.dtype.type(0)
            _acc_5_6 = U2.dtype.type(0)
            _acc_5_7 = U2.dtype.type(0)
            _acc_5_8 = U2.dtype.type(0)
            _acc_5_9 = U2.dtype.type(0)
            _acc_5_10 = U2.dtype.type(0)
            _acc_5_11 = U2.dtype.type(0)
            _acc_5_12 = U2.dtype.type(0)
            _acc_5_13 = U2.dtype.type(0)
            _acc_5_14 = U2.dtype.type(0)
            _acc_5_15 = U2.dtype.type(0)
            _acc_6_0 = U2.dtype.type(0)
            _acc_6_1 = U2.dtype.type(0)
            _acc_6_2 = U2.dtype.type(0)
            _acc_6_3 = U2.dtype.type(0)
            _acc_6_4 = U2.dtype.type(0)
            _acc_6_5 = U2.dtype.type(0)
            _acc_6_6 = U2.dtype.type(0)
            _acc_6_7 = U2.dtype.type(0)
            _acc_6_8 = U2.dtype.type(0)
            _acc_6_9 = U2.dtype.type(0)
            _acc_6_10 = U2.dtype.type(0)
            _acc_6_11 = U2.dtype.type(0)
            _acc_6_12 = U2.dtype.type(0)
            _acc_6_13 = U2.dtype.type(0)
            _acc_6_14 = U2.dtype.type(0)
            _acc_6_15 = U2.dtype.type(0)
            _acc_7_0 = U2.dtype.type(0)
            _acc_7_1 = U2.dtype.type(0)
            _acc_7_2 = U2.dtype.type(0)
            _acc_7_3 = U2.dtype.type(0)
            _acc_7_4 = U2.dtype.type(0)
            _acc_7_5 = U2.dtype.type(0)
            _acc_7_6 = U2.dtype.type(0)
            _acc_7_7 = U2.dtype.type(0)
            _acc_7_8 = U2.dtype.type(0)
            _acc_7_9 = U2.dtype.type(0)
            _acc_7_10 = U2.dtype.type(0)
            _acc_7_11 = U2.dtype.type(0)
            _acc_7_12 = U2.dtype.type(0)
            _acc_7_13 = U2.dtype.type(0)
            _acc_7_14 = U2.dtype.type(0)
            _acc_7_15 = U2.dtype.type(0)
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _r = _xp[i, np.uint64(_wp*a + b + _f)]
                        _r1 = _xp[i, np.uint64(_wp*a + b + _f + 1)]
                        _r2 = _xp[i, np.uint64(_wp*a + b + _f + 2)]
                        _r3 = _xp[i, np.uint64(_wp*a + b + _f + 3)]
                        _r4 = _xp[i, np.uint64(_wp*a + b + _f + 4)]
                        _r5 = _xp[i, np.uint64(_wp*a + b + _f + 5)]
                        _r6 = _xp[i, np.uint64(_wp*a + b + _f + 6)]
                        _r7 = _xp[i, np.uint64(_wp*a + b + _f + 7)]
                        _r8 = _xp[i, np.uint64(_wp*a + b + _f + 8)]
                        _r9 = _xp[i, np.uint64(_wp*a + b + _f + 9)]
                        _r10 = _xp[i, np.uint64(_wp*a + b + _f + 10)]
                        _r11 = _xp[i, np.uint64(_wp*a + b + _f + 11)]
                        _r12 = _xp[i, np.uint64(_wp*a + b + _f + 12)]
                        _r13 = _xp[i, np.uint64(_wp*a + b + _f + 13)]
                        _r14 = _xp[i, np.uint64(_wp*a + b + _f + 14)]
                        _r15 = _xp[i, np.uint64(_wp*a + b + _f + 15)]
                        _r16 = _kp[c // 8, i, a, b, 0]
                        _r17 = _kp[c // 8, i, a, b, 1]
                        _r18 = _kp[c // 8, i, a, b, 2]
                        _r19 = _kp[c // 8, i, a, b, 3]
                        _r20 = _kp[c // 8, i, a, b, 4]
                        _r21 = _kp[c // 8, i, a, b, 5]
                        _r22 = _kp[c // 8, i, a, b, 6]
                        _r23 = _kp[c // 8, i, a, b, 7]
                        _acc_0_0 += _r*_r16
                        _acc_0_1 += _r1*_r16
                        _acc_0_2 += _r2*_r16
                        _acc_0_3 += _r3*_r16
                        _acc_0_4 += _r4*_r16
                        _acc_0_5 += _r5*_r16
                        _acc_0_6 += _r6*_r16
                        _acc_0_7 += _r7*_r16
                        _acc_0_8 += _r8*_r16
                        _acc_0_9 += _r9*_r16
                        _acc_0_10 += _r10*_r16
                        _acc_0_11 += _r11*_r16
                        _acc_0_12 += _r12*_r16
                        _acc_0_13 += _r13*_r16
                        _acc_0_14 += _r14*_r16
                        _acc_0_15 += _r15*_r16
                        _acc_1_0 += _r*_r17
                        _acc_1_1 += _r1*_r17
                        _acc_1_2 += _r2*_r17
                        _acc_1_3 += _r3*_r17
                        _acc_1_4 += _r4*_r17
                        _acc_1_5 += _r5*_r17
                        _acc_1_6 += _r6*_r17
                        _acc_1_7 += _r7*_r17
                        _acc_1_8 += _r8*_r17
                        _acc_1_9 += _r9*_r17
                        _acc_1_10 += _r10*_r17
                        _acc_1_11 += _r11*_r17
                        _acc_1_12 += _r12*_r17
                        _acc_1_13 += _r13*_r17
                        _acc_1_14 += _r14*_r17
                        _acc_1_15 += _r15*_r17
                        _acc_2_0 += _r*_r18
                        _acc_2_1 += _r1*_r18
                        _acc_2_2 += _r2*_r18
                        _acc_2_3 += _r3*_r18
                        _acc_2_4 += _r4*_r18
                        _acc_2_5 += _r5*_r18
                        _acc_2_6 += _r6*_r18
                        _acc_2_7 += _r7*_r18
                        _acc_2_8 += _r8*_r18
                        _acc_2_9 += _r9*_r18
                        _acc_2_10 += _r10*_r18
                        _acc_2_11 += _r11*_r18
                        _acc_2_12 += _r12*_r18
                        _acc_2_13 += _r13*_r18
                        _acc_2_14 += _r14*_r18
                        _acc_2_15 += _r15*_r18
                        _acc_3_0 += _r*_r19
                        _acc_3_1 += _r1*_r19
                        _acc_3_2 += _r2*_r19
                        _acc_3_3 += _r3*_r19
                        _acc_3_4 += _r4*_r19
                        _acc_3_5 += _r5*_r19
                        _acc_3_6 += _r6*_r19
                        _acc_3_7 += _r7*_r19
                        _acc_3_8 += _r8*_r19
                        _acc_3_9 += _r9*_r19
                        _acc_3_10 += _r10*_r19
                        _acc_3_11 += _r11*_r19
                        _acc_3_12 += _r12*_r19
                        _acc_3_13 += _r13*_r19
                        _acc_3_14 += _r14*_r19
                        _acc_3_15 += _r15*_r19
                        _acc_4_0 += _r*_r20
                        _acc_4_1 += _r1*_r20
                        _acc_4_2 += _r2*_r20
                        _acc_4_3 += _r3*_r20
                        _acc_4_4 += _r4*_r20
                        _acc_4_5 += _r5*_r20
                        _acc_4_6 += _r6*_r20
                        _acc_4_7 += _r7*_r20
                        _acc_4_8 += _r8*_r20
                        _acc_4_9 += _r9*_r20
                        _acc_4_10 += _r10*_r20
                        _acc_4_11 += _r11*_r20
                        _acc_4_12 += _r12*_r20
                        _acc_4_13 += _r13*_r20
                        _acc_4_14 += _r14*_r20
                        _acc_4_15 += _r15*_r20
                        _acc_5_0 += _r*_r21
                        _acc_5_1 += _r1*_r21
                        _acc_5_2 += _r2*_r21
                        _acc_5_3 += _r3*_r21
                        _acc_5_4 += _r4*_r21
                        _acc_5_5 += _r5*_r21
                        _acc_5_6 += _r6*_r21
                        _acc_5_7 += _r7*_r21
                        _acc_5_8 += _r8*_r21
                        _acc_5_9 += _r9*_r21
                        _acc_5_10 += _r10*_r21
                        _acc_5_11 += _r11*_r21
                        _acc_5_12 += _r12*_r21
                        _acc_5_13 += _r13*_r21
                        _acc_5_14 += _r14*_r21
                        _acc_5_15 += _r15*_r21
                        _acc_6_0 += _r*_r22
                        _acc_6_1 += _r1*_r22
                        _acc_6_2 += _r2*_r22
                        _acc_6_3 += _r3*_r22
                        _acc_6_4 += _r4*_r22
                        _acc_6_5 += _r5*_r22
                        _acc_6_6 += _r6*_r22
                        _acc_6_7 += _r7*_r22
                        _acc_6_8 += _r8*_r22
                        _acc_6_9 += _r9*_r22
                        _acc_6_10 += _r10*_r22
                        _acc_6_11 += _r11*_r22
                        _acc_6_12 += _r12*_r22
                        _acc_6_13 += _r13*_r22
                        _acc_6_14 += _r14*_r22
                        _acc_6_15 += _r15*_r22
                        _acc_7_0 += _r*_r23
                        _acc_7_1 += _r1*_r23
                        _acc_7_2 += _r2*_r23
                        _acc_7_3 += _r3*_r23
                        _acc_7_4 += _r4*_r23
                        _acc_7_5 += _r5*_r23
                        _acc_7_6 += _r6*_r23
                        _acc_7_7 += _r7*_r23
                        _acc_7_8 += _r8*_r23
                        _acc_7_9 += _r9*_r23
                        _acc_7_10 += _r10*_r23
                        _acc_7_11 += _r11*_r23
                        _acc_7_12 += _r12*_r23
                        _acc_7_13 += _r13*_r23
                        _acc_7_14 += _r14*_r23
                        _acc_7_15 += _r15*_r23
            _up[c, np.uint64(_f)] = _acc_0_0
            _up[c, np.uint64(_f + 1)] = _acc_0_1
            _up[c, np.uint64(_f + 2)] = _acc_0_2
            _up[c, np.uint64(_f + 3)] = _acc_0_3
            _up[c, np.uint64(_f + 4)] = _acc_0_4
            _up[c, np.uint64(_f + 5)] = _acc_0_5
            _up[c, np.uint64(_f + 6)] = _acc_0_6
            _up[c, np.uint64(_f + 7)] = _acc_0_7
            _up[c, np.uint64(_f + 8)] = _acc_0_8
            _up[c, np.uint64(_f + 9)] = _acc_0_9
            _up[c, np.uint64(_f + 10)] = _acc_0_10
            _up[c, np.uint64(_f + 11)] = _acc_0_11
            _up[c, np.uint64(_f + 12)] = _acc_0_12
            _up[c, np.uint64(_f + 13)] = _acc_0_13
            _up[c, np.uint64(_f + 14)] = _acc_0_14
            _up[c, np.uint64(_f + 15)] = _acc_0_15
            _up[c + 1, np.uint64(_f)] = _acc_1_0
            _up[c + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[c + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[c + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[c + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[c + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[c + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[c + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[c + 1, np.uint64(_f + 8)] = _acc_1_8
            _up[c + 1, np.uint64(_f + 9)] = _acc_1_9
            _up[c + 1, np.uint64(_f + 10)] = _acc_1_10
            _up[c + 1, np.uint64(_f + 11)] = _acc_1_11
            _up[c + 1, np.uint64(_f + 12)] = _acc_1_12
            _up[c + 1, np.uint64(_f + 13)] = _acc_1_13
            _up[c + 1, np.uint64(_f + 14)] = _acc_1_14
            _up[c + 1, np.uint64(_f + 15)] = _acc_1_15
            _up[c + 2, np.uint64(_f)] = _acc_2_0
            _up[c + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[c + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[c + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[c + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[c + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[c + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[c + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[c + 2, np.uint64(_f + 8)] = _acc_2_8
            _up[c + 2, np.uint64(_f + 9)] = _acc_2_9
            _up[c + 2, np.uint64(_f + 10)] = _acc_2_10
            _up[c + 2, np.uint64(_f + 11)] = _acc_2_11
            _up[c + 2, np.uint64(_f + 12)] = _acc_2_12
            _up[c + 2, np.uint64(_f + 13)] = _acc_2_13
            _up[c + 2, np.uint64(_f + 14)] = _acc_2_14
            _up[c + 2, np.uint64(_f + 15)] = _acc_2_15
            _up[c + 3, np.uint64(_f)] = _acc_3_0
            _up[c + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[c + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[c + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[c + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[c + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[c + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[c + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[c + 3, np.uint64(_f + 8)] = _acc_3_8
            _up[c + 3, np.uint64(_f + 9)] = _acc_3_9
            _up[c + 3, np.uint64(_f + 10)] = _acc_3_10
            _up[c + 3, np.uint64(_f + 11)] = _acc_3_11
            _up[c + 3, np.uint64(_f + 12)] = _acc_3_12
            _up[c + 3, np.uint64(_f + 13)] = _acc_3_13
            _up[c + 3, np.uint64(_f + 14)] = _acc_3_14
            _up[c + 3, np.uint64(_f + 15)] = _acc_3_15
            _up[c + 4, np.uint64(_f)] = _acc_4_0
            _up[c + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[c + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[c + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[c + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[c + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[c + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[c + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[c + 4, np.uint64(_f + 8)] = _acc_4_8
            _up[c + 4, np.uint64(_f + 9)] = _acc_4_9
            _up[c + 4, np.uint64(_f + 10)] = _acc_4_10
            _up[c + 4, np.uint64(_f + 11)] = _acc_4_11
            _up[c + 4, np.uint64(_f + 12)] = _acc_4_12
            _up[c + 4, np.uint64(_f + 13)] = _acc_4_13
            _up[c + 4, np.uint64(_f + 14)] = _acc_4_14
            _up[c + 4, np.uint64(_f + 15)] = _acc_4_15
            _up[c + 5, np.uint64(_f)] = _acc_5_0
            _up[c + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[c + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[c + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[c + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[c + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[c + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[c + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[c + 5, np.uint64(_f + 8)] = _acc_5_8
            _up[c + 5, np.uint64(_f + 9)] = _acc_5_9
            _up[c + 5, np.uint64(_f + 10)] = _acc_5_10
            _up[c + 5, np.uint64(_f + 11)] = _acc_5_11
            _up[c + 5, np.uint64(_f + 12)] = _acc_5_12
            _up[c + 5, np.uint64(_f + 13)] = _acc_5_13
            _up[c + 5, np.uint64(_f + 14)] = _acc_5_14
            _up[c + 5, np.uint64(_f + 15)] = _acc_5_15
            _up[c + 6, np.uint64(_f)] = _acc_6_0
            _up[c + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[c + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[c + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[c + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[c + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[c + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[c + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[c + 6, np.uint64(_f + 8)] = _acc_6_8
            _up[c + 6, np.uint64(_f + 9)] = _acc_6_9
            _up[c + 6, np.uint64(_f + 10)] = _acc_6_10
            _up[c + 6, np.uint64(_f + 11)] = _acc_6_11
            _up[c + 6, np.uint64(_f + 12)] = _acc_6_12
            _up[c + 6, np.uint64(_f + 13)] = _acc_6_13
            _up[c + 6, np.uint64(_f + 14)] = _acc_6_14
            _up[c + 6, np.uint64(_f + 15)] = _acc_6_15
            _up[c + 7, np.uint64(_f)] = _acc_7_0
            _up[c + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[c + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[c + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[c + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[c + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[c + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[c + 7, np.uint64(_f + 7)] = _acc_7_7
            _up[c + 7, np.uint64(_f + 8)] = _acc_7_8
            _up[c + 7, np.uint64(_f + 9)] = _acc_7_9
            _up[c + 7, np.uint64(_f + 10)] = _acc_7_10
            _up[c + 7, np.uint64(_f + 11)] = _acc_7_11
            _up[c + 7, np.uint64(_f + 12)] = _acc_7_12
            _up[c + 7, np.uint64(_f + 13)] = _acc_7_13
            _up[c + 7, np.uint64(_f + 14)] = _acc_7_14
            _up[c + 7, np.uint64(_f + 15)] = _acc_7_15
    for c in range(_c_split, C):
        for _f in range(H*_wp):
            _acc = 0.0
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _acc += _xp[i, np.uint64(_wp*a + b + _f)]*K2[i, c, a, b]
            _up[c, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                U2[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_U2_block(H1, K2, U2, N, C, H, W):
    """One schedule of forward_U2, which picks it by the sizes: register-blocked outer
    products (codegen/block.py).

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _kp = np.zeros((C // 8, C, 3, 3, 8), dtype=U2.dtype)
    for _k0 in range(C):
        for _k1 in range((C // 8)*8):
            for _k2 in range(3):
                for _k3 in range(3):
                    _kp[_k1 // 8, _k0, _k2, _k3, _k1 - 8*(_k1 // 8)] = K2[_k0, _k1, _k2, _k3]
    _wp = W + 1
    for n in prange(N):
        forward_U2_block_one(C, H, H1, K2, U2, W, _kp, _wp, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def forward_U2_block_one(C, H, H1, K2, U2, W, _kp, _wp, n):
    """One iteration of forward_U2_block's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 8), dtype=U2.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = H1[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 8), dtype=U2.dtype)
    _c_split = (C // 8)*8
    for c in range(0, _c_split, 8):
        for _f in range(0, H*_wp, 8):
            _acc_0_0 = U2.dtype.type(0)
            _acc_0_1 = U2.dtype.type(0)
            _acc_0_2 = U2.dtype.type(0)
            _acc_0_3 = U2.dtype.type(0)
            _acc_0_4 = U2.dtype.type(0)
            _acc_0_5 = U2.dtype.type(0)
            _acc_0_6 = U2.dtype.type(0)
            _acc_0_7 = U2.dtype.type(0)
            _acc_1_0 = U2.dtype.type(0)
            _acc_1_1 = U2.dtype.type(0)
            _acc_1_2 = U2.dtype.type(0)
            _acc_1_3 = U2.dtype.type(0)
            _acc_1_4 = U2.dtype.type(0)
            _acc_1_5 = U2.dtype.type(0)
            _acc_1_6 = U2.dtype.type(0)
            _acc_1_7 = U2.dtype.type(0)
            _acc_2_0 = U2.dtype.type(0)
            _acc_2_1 = U2.dtype.type(0)
            _acc_2_2 = U2.dtype.type(0)
            _acc_2_3 = U2.dtype.type(0)
            _acc_2_4 = U2.dtype.type(0)
            _acc_2_5 = U2.dtype.type(0)
            _acc_2_6 = U2.dtype.type(0)
            _acc_2_7 = U2.dtype.type(0)
            _acc_3_0 = U2.dtype.type(0)
            _acc_3_1 = U2.dtype.type(0)
            _acc_3_2 = U2.dtype.type(0)
            _acc_3_3 = U2.dtype.type(0)
            _acc_3_4 = U2.dtype.type(0)
            _acc_3_5 = U2.dtype.type(0)
            _acc_3_6 = U2.dtype.type(0)
            _acc_3_7 = U2.dtype.type(0)
            _acc_4_0 = U2.dtype.type(0)
            _acc_4_1 = U2.dtype.type(0)
            _acc_4_2 = U2.dtype.type(0)
            _acc_4_3 = U2.dtype.type(0)
            _acc_4_4 = U2.dtype.type(0)
            _acc_4_5 = U2.dtype.type(0)
            _acc_4_6 = U2.dtype.type(0)
            _acc_4_7 = U2.dtype.type(0)
            _acc_5_0 = U2.dtype.type(0)
            _acc_5_1 = U2.dtype.type(0)
            _acc_5_2 = U2.dtype.type(0)
            _acc_5_3 = U2.dtype.type(0)
            _acc_5_4 = U2.dtype.type(0)
            _acc_5_5 = U2.dtype.type(0)
            _acc_5_6 = U2.dtype.type(0)
            _acc_5_7 = U2.dtype.type(0)
            _acc_6_0 = U2.dtype.type(0)
            _acc_6_1 = U2.dtype.type(0)
            _acc_6_2 = U2.dtype.type(0)
            _acc_6_3 = U2.dtype.type(0)
            _acc_6_4 = U2.dtype.type(0)
            _acc_6_5 = U2.dtype.type(0)
            _acc_6_6 = U2.dtype.type(0)
            _acc_6_7 = U2.dtype.type(0)
            _acc_7_0 = U2.dtype.type(0)
            _acc_7_1 = U2.dtype.type(0)
            _acc_7_2 = U2.dtype.type(0)
            _acc_7_3 = U2.dtype.type(0)
            _acc_7_4 = U2.dtype.type(0)
            _acc_7_5 = U2.dtype.type(0)
            _acc_7_6 = U2.dtype.type(0)
            _acc_7_7 = U2.dtype.type(0)
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _r = _xp[i, np.uint64(_wp*a + b + _f)]
                        _r1 = _xp[i, np.uint64(_wp*a + b + _f + 1)]
                        _r2 = _xp[i, np.uint64(_wp*a + b + _f + 2)]
                        _r3 = _xp[i, np.uint64(_wp*a + b + _f + 3)]
                        _r4 = _xp[i, np.uint64(_wp*a + b + _f + 4)]
                        _r5 = _xp[i, np.uint64(_wp*a + b + _f + 5)]
                        _r6 = _xp[i, np.uint64(_wp*a + b + _f + 6)]
                        _r7 = _xp[i, np.uint64(_wp*a + b + _f + 7)]
                        _r8 = _kp[c // 8, i, a, b, 0]
                        _r9 = _kp[c // 8, i, a, b, 1]
                        _r10 = _kp[c // 8, i, a, b, 2]
                        _r11 = _kp[c // 8, i, a, b, 3]
                        _r12 = _kp[c // 8, i, a, b, 4]
                        _r13 = _kp[c // 8, i, a, b, 5]
                        _r14 = _kp[c // 8, i, a, b, 6]
                        _r15 = _kp[c // 8, i, a, b, 7]
                        _acc_0_0 += _r*_r8
                        _acc_0_1 += _r1*_r8
                        _acc_0_2 += _r2*_r8
                        _acc_0_3 += _r3*_r8
                        _acc_0_4 += _r4*_r8
                        _acc_0_5 += _r5*_r8
                        _acc_0_6 += _r6*_r8
                        _acc_0_7 += _r7*_r8
                        _acc_1_0 += _r*_r9
                        _acc_1_1 += _r1*_r9
                        _acc_1_2 += _r2*_r9
                        _acc_1_3 += _r3*_r9
                        _acc_1_4 += _r4*_r9
                        _acc_1_5 += _r5*_r9
                        _acc_1_6 += _r6*_r9
                        _acc_1_7 += _r7*_r9
                        _acc_2_0 += _r*_r10
                        _acc_2_1 += _r1*_r10
                        _acc_2_2 += _r2*_r10
                        _acc_2_3 += _r3*_r10
                        _acc_2_4 += _r4*_r10
                        _acc_2_5 += _r5*_r10
                        _acc_2_6 += _r6*_r10
                        _acc_2_7 += _r7*_r10
                        _acc_3_0 += _r*_r11
                        _acc_3_1 += _r1*_r11
                        _acc_3_2 += _r2*_r11
                        _acc_3_3 += _r3*_r11
                        _acc_3_4 += _r4*_r11
                        _acc_3_5 += _r5*_r11
                        _acc_3_6 += _r6*_r11
                        _acc_3_7 += _r7*_r11
                        _acc_4_0 += _r*_r12
                        _acc_4_1 += _r1*_r12
                        _acc_4_2 += _r2*_r12
                        _acc_4_3 += _r3*_r12
                        _acc_4_4 += _r4*_r12
                        _acc_4_5 += _r5*_r12
                        _acc_4_6 += _r6*_r12
                        _acc_4_7 += _r7*_r12
                        _acc_5_0 += _r*_r13
                        _acc_5_1 += _r1*_r13
                        _acc_5_2 += _r2*_r13
                        _acc_5_3 += _r3*_r13
                        _acc_5_4 += _r4*_r13
                        _acc_5_5 += _r5*_r13
                        _acc_5_6 += _r6*_r13
                        _acc_5_7 += _r7*_r13
                        _acc_6_0 += _r*_r14
                        _acc_6_1 += _r1*_r14
                        _acc_6_2 += _r2*_r14
                        _acc_6_3 += _r3*_r14
                        _acc_6_4 += _r4*_r14
                        _acc_6_5 += _r5*_r14
                        _acc_6_6 += _r6*_r14
                        _acc_6_7 += _r7*_r14
                        _acc_7_0 += _r*_r15
                        _acc_7_1 += _r1*_r15
                        _acc_7_2 += _r2*_r15
                        _acc_7_3 += _r3*_r15
                        _acc_7_4 += _r4*_r15
                        _acc_7_5 += _r5*_r15
                        _acc_7_6 += _r6*_r15
                        _acc_7_7 += _r7*_r15
            _up[c, np.uint64(_f)] = _acc_0_0
            _up[c, np.uint64(_f + 1)] = _acc_0_1
            _up[c, np.uint64(_f + 2)] = _acc_0_2
            _up[c, np.uint64(_f + 3)] = _acc_0_3
            _up[c, np.uint64(_f + 4)] = _acc_0_4
            _up[c, np.uint64(_f + 5)] = _acc_0_5
            _up[c, np.uint64(_f + 6)] = _acc_0_6
            _up[c, np.uint64(_f + 7)] = _acc_0_7
            _up[c + 1, np.uint64(_f)] = _acc_1_0
            _up[c + 1, np.uint64(_f + 1)] = _acc_1_1
            _up[c + 1, np.uint64(_f + 2)] = _acc_1_2
            _up[c + 1, np.uint64(_f + 3)] = _acc_1_3
            _up[c + 1, np.uint64(_f + 4)] = _acc_1_4
            _up[c + 1, np.uint64(_f + 5)] = _acc_1_5
            _up[c + 1, np.uint64(_f + 6)] = _acc_1_6
            _up[c + 1, np.uint64(_f + 7)] = _acc_1_7
            _up[c + 2, np.uint64(_f)] = _acc_2_0
            _up[c + 2, np.uint64(_f + 1)] = _acc_2_1
            _up[c + 2, np.uint64(_f + 2)] = _acc_2_2
            _up[c + 2, np.uint64(_f + 3)] = _acc_2_3
            _up[c + 2, np.uint64(_f + 4)] = _acc_2_4
            _up[c + 2, np.uint64(_f + 5)] = _acc_2_5
            _up[c + 2, np.uint64(_f + 6)] = _acc_2_6
            _up[c + 2, np.uint64(_f + 7)] = _acc_2_7
            _up[c + 3, np.uint64(_f)] = _acc_3_0
            _up[c + 3, np.uint64(_f + 1)] = _acc_3_1
            _up[c + 3, np.uint64(_f + 2)] = _acc_3_2
            _up[c + 3, np.uint64(_f + 3)] = _acc_3_3
            _up[c + 3, np.uint64(_f + 4)] = _acc_3_4
            _up[c + 3, np.uint64(_f + 5)] = _acc_3_5
            _up[c + 3, np.uint64(_f + 6)] = _acc_3_6
            _up[c + 3, np.uint64(_f + 7)] = _acc_3_7
            _up[c + 4, np.uint64(_f)] = _acc_4_0
            _up[c + 4, np.uint64(_f + 1)] = _acc_4_1
            _up[c + 4, np.uint64(_f + 2)] = _acc_4_2
            _up[c + 4, np.uint64(_f + 3)] = _acc_4_3
            _up[c + 4, np.uint64(_f + 4)] = _acc_4_4
            _up[c + 4, np.uint64(_f + 5)] = _acc_4_5
            _up[c + 4, np.uint64(_f + 6)] = _acc_4_6
            _up[c + 4, np.uint64(_f + 7)] = _acc_4_7
            _up[c + 5, np.uint64(_f)] = _acc_5_0
            _up[c + 5, np.uint64(_f + 1)] = _acc_5_1
            _up[c + 5, np.uint64(_f + 2)] = _acc_5_2
            _up[c + 5, np.uint64(_f + 3)] = _acc_5_3
            _up[c + 5, np.uint64(_f + 4)] = _acc_5_4
            _up[c + 5, np.uint64(_f + 5)] = _acc_5_5
            _up[c + 5, np.uint64(_f + 6)] = _acc_5_6
            _up[c + 5, np.uint64(_f + 7)] = _acc_5_7
            _up[c + 6, np.uint64(_f)] = _acc_6_0
            _up[c + 6, np.uint64(_f + 1)] = _acc_6_1
            _up[c + 6, np.uint64(_f + 2)] = _acc_6_2
            _up[c + 6, np.uint64(_f + 3)] = _acc_6_3
            _up[c + 6, np.uint64(_f + 4)] = _acc_6_4
            _up[c + 6, np.uint64(_f + 5)] = _acc_6_5
            _up[c + 6, np.uint64(_f + 6)] = _acc_6_6
            _up[c + 6, np.uint64(_f + 7)] = _acc_6_7
            _up[c + 7, np.uint64(_f)] = _acc_7_0
            _up[c + 7, np.uint64(_f + 1)] = _acc_7_1
            _up[c + 7, np.uint64(_f + 2)] = _acc_7_2
            _up[c + 7, np.uint64(_f + 3)] = _acc_7_3
            _up[c + 7, np.uint64(_f + 4)] = _acc_7_4
            _up[c + 7, np.uint64(_f + 5)] = _acc_7_5
            _up[c + 7, np.uint64(_f + 6)] = _acc_7_6
            _up[c + 7, np.uint64(_f + 7)] = _acc_7_7
    for c in range(_c_split, C):
        for _f in range(H*_wp):
            _acc = 0.0
            for i in range(C):
                for a in range(3):
                    for b in range(3):
                        _acc += _xp[i, np.uint64(_wp*a + b + _f)]*K2[i, c, a, b]
            _up[c, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                U2[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U2_dot(H1, K2, U2, N, C, H, W, _threads):
    """One schedule of forward_U2, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]
    """
    _dt = U2.dtype.type
    _U2_f = U2.reshape(U2.shape[0], U2.shape[1], H*W)
    _wk = np.empty((C, 9*C), _dt)
    for c in range(C):
        for a in range(3):
            for b in range(3):
                for i in range(C):
                    _wk[c, C*(3*a + b) + i] = _dt(K2[i, c, a, b])
    _yc = max(1, 32768 // (W*(9*C)))  # the map rows a chunk packs
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    U2[n, c, y, x] = _h0
        _pd = np.empty((_yc*W, 9*C), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a, _y0), min(H, H - a + 1, _y1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            for i in range(C):
                                _pd[-W*_y0 + W*y + x, C*(3*a + b) + i] = H1[n, i, a + y - 1, b + x - 1]
            for c in range(_j0, _jr, 4):
                for _f in range(0, _fr, 2):
                    _s00 = _dt(0)
                    _s01 = _dt(0)
                    _s10 = _dt(0)
                    _s11 = _dt(0)
                    _s20 = _dt(0)
                    _s21 = _dt(0)
                    _s30 = _dt(0)
                    _s31 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _p1 = _pd[_f + 1, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                        _s01 += _w*_p1
                        _w = _wk[c + 1, _r]
                        _s10 += _w*_p0
                        _s11 += _w*_p1
                        _w = _wk[c + 2, _r]
                        _s20 += _w*_p0
                        _s21 += _w*_p1
                        _w = _wk[c + 3, _r]
                        _s30 += _w*_p0
                        _s31 += _w*_p1
                    _U2_f[n, c, W*_y0 + _f] += _s00
                    _U2_f[n, c, W*_y0 + _f + 1] += _s01
                    _U2_f[n, c + 1, W*_y0 + _f] += _s10
                    _U2_f[n, c + 1, W*_y0 + _f + 1] += _s11
                    _U2_f[n, c + 2, W*_y0 + _f] += _s20
                    _U2_f[n, c + 2, W*_y0 + _f + 1] += _s21
                    _U2_f[n, c + 3, W*_y0 + _f] += _s30
                    _U2_f[n, c + 3, W*_y0 + _f + 1] += _s31
            for c in range(_j0, _jr):
                for _f in range(_fr, _nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _U2_f[n, c, W*_y0 + _f] += _s00
            for c in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _U2_f[n, c, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U2_packed(H1, K2, U2, N, C, H, W, _threads):
    """One schedule of forward_U2, which picks it by the sizes: packed windows (codegen/window.py).

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]
    """
    _dt = U2.dtype.type
    _U2_f = U2.reshape(U2.shape[0], U2.shape[1], H*W)
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    U2[n, c, y, x] = _h0
        _pk = np.zeros((3, 3, H*W), _dt)
        for i in range(C):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _pk[a, b, W*y + x] = H1[n, i, a + y - 1, b + x - 1]
            _br = (3 // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for c in range(_j0, _jr, 4):
                for a in range(3):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K2[i, c, a, b])
                        _k01 = _dt(K2[i, c, a, b + 1])
                        _k02 = _dt(K2[i, c, a, b + 2])
                        _k03 = _dt(K2[i, c, a, b + 3])
                        _k10 = _dt(K2[i, c + 1, a, b])
                        _k11 = _dt(K2[i, c + 1, a, b + 1])
                        _k12 = _dt(K2[i, c + 1, a, b + 2])
                        _k13 = _dt(K2[i, c + 1, a, b + 3])
                        _k20 = _dt(K2[i, c + 2, a, b])
                        _k21 = _dt(K2[i, c + 2, a, b + 1])
                        _k22 = _dt(K2[i, c + 2, a, b + 2])
                        _k23 = _dt(K2[i, c + 2, a, b + 3])
                        _k30 = _dt(K2[i, c + 3, a, b])
                        _k31 = _dt(K2[i, c + 3, a, b + 1])
                        _k32 = _dt(K2[i, c + 3, a, b + 2])
                        _k33 = _dt(K2[i, c + 3, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _U2_f[n, c, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _U2_f[n, c + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _U2_f[n, c + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _U2_f[n, c + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(3):
                    for b in range(_br, 3):
                        _k0 = _dt(K2[i, c, a, b])
                        _k1 = _dt(K2[i, c + 1, a, b])
                        _k2 = _dt(K2[i, c + 2, a, b])
                        _k3 = _dt(K2[i, c + 3, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _U2_f[n, c, _f] += _k0*_w0
                            _U2_f[n, c + 1, _f] += _k1*_w0
                            _U2_f[n, c + 2, _f] += _k2*_w0
                            _U2_f[n, c + 3, _f] += _k3*_w0
            for c in range(_jr, _j1):
                for a in range(3):
                    for b in range(3):
                        _h4 = _dt(K2[i, c, a, b])
                        for _f in range(H*W):
                            _U2_f[n, c, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U2_loops(H1, K2, U2, N, C, H, W):
    """One schedule of forward_U2, which picks it by the sizes: loop nests.

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]
    """
    _dt = U2.dtype.type
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for y in range(H):
            for x in range(W):
                U2[n, c, y, x] = _dt(0)
        for i in range(C):
            for a in range(max(0, 2 - H), min(3, H + 1)):
                for b in range(max(0, 2 - W), min(3, W + 1)):
                    _h3 = _dt(K2[i, c, a, b])
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            U2[n, c, y, x] += _h3*H1[n, i, a + y - 1, b + x - 1]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_M2(U2, M2, N, C, H, W):
    """Forward equation for M2 of a user layer (no label in docs/paper.md).

    M2[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} U2[n, c, y, x])/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U2_r = U2.reshape(U2.shape[0], U2.shape[1], U2.shape[2]*U2.shape[3])
    for c in prange(C):
        _acc = M2.dtype.type(0)
        _h = M2.dtype.type(1/(H*N*W))
        for n in range(N):
            for _f in range(H*W):
                _acc += _h*_U2_r[n, c, _f]
        M2[c] = _acc


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_V2(M2, U2, V2, N, C, H, W):
    """Forward equation for V2 of a user layer (no label in docs/paper.md).

    V2[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M2[c] + U2[n, c, y, x])**2)/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U2_r = U2.reshape(U2.shape[0], U2.shape[1], U2.shape[2]*U2.shape[3])
    for c in range(C):
        V2[c] = V2.dtype.type(0)
    _h = V2.dtype.type(1/(H*N*W))
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                V2[c] += _h*(-M2[c] + _U2_r[n, c, _f])**2


@njit(cache=True, parallel=True)
def forward_Z2(B2, G2, M2, U2, V2, X, Z2, N, C, H, W):
    """Forward equation for Z2 of a user layer (no label in docs/paper.md).

    Z2[n, c, y, x] = (-M2[c] + U2[n, c, y, x])*G2[c]/sqrt(V2[c] + 1.0e-5) + B2[c] + X[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Z2_r = Z2.reshape(Z2.shape[0], Z2.shape[1], Z2.shape[2]*Z2.shape[3])
    _U2_r = U2.reshape(U2.shape[0], U2.shape[1], U2.shape[2]*U2.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Z2_r[n, c, _f] = (-M2[c] + _U2_r[n, c, _f])*G2[c]/math.sqrt(V2[c] + 1e-05) + B2[c] + _X_r[n, c, _f]


@njit(cache=True, parallel=True)
def forward_Y(Z2, Y, N, C, H, W):
    """Forward equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = relu(Z2[n, c, y, x])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _Z2_r = Z2.reshape(Z2.shape[0], Z2.shape[1], Z2.shape[2]*Z2.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Y_r[n, c, _f] = max(_Z2_r[n, c, _f], 0.0)


@njit(cache=True, parallel=True)
def backward_dZ2(dY, Z2, dZ2, N, C, H, W):
    """Gradient dZ2 of a user layer (no label in docs/paper.md).

    dZ2[n, c, y, x] = step(Z2[n, c, y, x])*dY[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ2_r = dZ2.reshape(dZ2.shape[0], dZ2.shape[1], dZ2.shape[2]*dZ2.shape[3])
    _Z2_r = Z2.reshape(Z2.shape[0], Z2.shape[1], Z2.shape[2]*Z2.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _dZ2_r[n, c, _f] = (1.0 if _Z2_r[n, c, _f] > 0 else 0.0)*_dY_r[n, c, _f]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dV2(V2, M2, U2, G2, dZ2, dV2, N, C, H, W):
    """Gradient dV2 of a user layer (no label in docs/paper.md).

    dV2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -(-M2[c] + U2[n, c, y, x])*G2[c]*dZ2[n,
        c, y, x]/(2*(V2[c] + 1.0e-5)**(3/2))

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U2_r = U2.reshape(U2.shape[0], U2.shape[1], U2.shape[2]*U2.shape[3])
    _dZ2_r = dZ2.reshape(dZ2.shape[0], dZ2.shape[1], dZ2.shape[2]*dZ2.shape[3])
    for c in range(C):
        dV2[c] = dV2.dtype.type(0)
    _h = dV2.dtype.type(-1/2)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dV2[c] += _h*(-M2[c] + _U2_r[n, c, _f])*G2[c]*_dZ2_r[n, c, _f]/(V2[c] + 1e-05)**(3/2)


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dM2(G2, M2, U2, V2, dV2, dZ2, dM2, N, C, H, W):
    """Gradient dM2 of a user layer (no label in docs/paper.md).

    dM2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -G2[c]*dZ2[n, c, y, x]/sqrt(V2[c] +
        1.0e-5) + 2*(M2[c] - U2[n, c, y, x])*dV2[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ2_r = dZ2.reshape(dZ2.shape[0], dZ2.shape[1], dZ2.shape[2]*dZ2.shape[3])
    _U2_r = U2.reshape(U2.shape[0], U2.shape[1], U2.shape[2]*U2.shape[3])
    for c in range(C):
        dM2[c] = dM2.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dM2[c] += -G2[c]*_dZ2_r[n, c, _f]/math.sqrt(V2[c] + 1e-05) + 2*(M2[c] - _U2_r[n, c, _f])*dV2[c]/(H*N*W)


@njit(cache=True, parallel=True)
def backward_dU2(G2, M2, U2, V2, dM2, dV2, dZ2, dU2, N, C, H, W):
    """Gradient dU2 of a user layer (no label in docs/paper.md).

    dU2[n, c, y, x] = G2[c]*dZ2[n, c, y, x]/sqrt(V2[c] + 1.0e-5) + 2*(-M2[c] + U2[n, c, y,
        x])*dV2[c]/(H*N*W) + dM2[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dU2_r = dU2.reshape(dU2.shape[0], dU2.shape[1], dU2.shape[2]*dU2.shape[3])
    _dZ2_r = dZ2.reshape(dZ2.shape[0], dZ2.shape[1], dZ2.shape[2]*dZ2.shape[3])
    _U2_r = U2.reshape(U2.shape[0], U2.shape[1], U2.shape[2]*U2.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _t = 1/H
            _t1 = 1/N
            _t2 = 1/W
            _dU2_r[n, c, _f] = (
                G2[c]*_dZ2_r[n, c, _f]/math.sqrt(V2[c] + 1e-05)
                + 2*_t*_t1*_t2*(-M2[c] + _U2_r[n, c, _f])*dV2[c]
                + _t*_t1*_t2*dM2[c]
            )


def backward_dH1(K2, dU2, dH1, N, C, H, W, _threads):
    """Gradient dH1 of a user layer (no label in docs/paper.md).

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _VECTOR_BITS >= 512 and C >= 8 and 9*C <= 512:  # 512-bit vectors
        backward_dH1_block512(K2, dU2, dH1, N, C, H, W)
    elif C >= 8 and 9*C <= 512:  # a short contraction: register-blocked outer products
        backward_dH1_block(K2, dU2, dH1, N, C, H, W)
    elif 9*C >= 64 and 9*C*W <= 262144:  # a long contraction in cache
        backward_dH1_dot(K2, dU2, dH1, N, C, H, W, _threads)
    elif 9*H*W <= 262144:  # the packed windows fit in cache
        backward_dH1_packed(K2, dU2, dH1, N, C, H, W, _threads)
    else:
        backward_dH1_loops(K2, dU2, dH1, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_dH1_block512(K2, dU2, dH1, N, C, H, W):
    """One schedule of backward_dH1, which picks it by the sizes: register-blocked outer
    products (codegen/block.py), sized for 512-bit vectors.

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _kp = np.zeros((C // 8, C, 3, 3, 8), dtype=dH1.dtype)
    for _k0 in range((C // 8)*8):
        for _k1 in range(C):
            for _k2 in range(3):
                for _k3 in range(3):
                    _kp[_k0 // 8, _k1, _k2, _k3, _k0 - 8*(_k0 // 8)] = K2[_k0, _k1, _k2, _k3]
    _wp = W + 1
    for n in prange(N):
        backward_dH1_block512_one(C, H, K2, W, _kp, _wp, dH1, dU2, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def backward_dH1_block512_one(C, H, K2, W, _kp, _wp, dH1, dU2, n):
    """One iteration of backward_dH1_block512's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 16), dtype=dH1.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = dU2[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 16), dtype=dH1.dtype)
    _i_split = (C // 8)*8
    for i in range(0, _i_split, 8):
        for _f in range(0, H*_wp, 16):
            _acc_0_0 = dH1.dtype.type(0)
            _acc_0_1 = dH1.dtype.type(0)
            _acc_0_2 = dH1.dtype.type(0)
            _acc_0_3 = dH1.dtype.type(0)
            _acc_0_4 = dH1.dtype.type(0)
            _acc_0_5 = dH1.dtype.type(0)
            _acc_0_6 = dH1.dtype.type(0)
            _acc_0_7 = dH1.dtype.type(0)
            _acc_0_8 = dH1.dtype.type(0)
            _acc_0_9 = dH1.dtype.type(0)
            _acc_0_10 = dH1.dtype.type(0)
            _acc_0_11 = dH1.dtype.type(0)
            _acc_0_12 = dH1.dtype.type(0)
            _acc_0_13 = dH1.dtype.type(0)
            _acc_0_14 = dH1.dtype.type(0)
            _acc_0_15 = dH1.dtype.type(0)
            _acc_1_0 = dH1.dtype.type(0)
            _acc_1_1 = dH1.dtype.type(0)
            _acc_1_2 = dH1.dtype.type(0)
            _acc_1_3 = dH1.dtype.type(0)
            _acc_1_4 = dH1.dtype.type(0)
            _acc_1_5 = dH1.dtype.type(0)
            _acc_1_6 = dH1.dtype.type(0)
            _acc_1_7 = dH1.dtype.type(0)
            _acc_1_8 = dH1.dtype.type(0)
            _acc_1_9 = dH1.dtype.type(0)
            _acc_1_10 = dH1.dtype.type(0)
            _acc_1_11 = dH1.dtype.type(0)
            _acc_1_12 = dH1.dtype.type(0)
            _acc_1_13 = dH1.dtype.type(0)
            _acc_1_14 = dH1.dtype.type(0)
            _acc_1_15 = dH1.dtype.type(0)
            _acc_2_0 = dH1.dtype.type(0)
            _acc_2_1 = dH1.dtype.type(0)
            _acc_2_2 = dH1.dtype.type(0)
            _acc_2_3 = dH1.dtype.type(0)
            _acc_2_4 = dH1.dtype.type(0)
            _acc_2_5 = dH1.dtype.type(0)
            _acc_2_6 = dH1.dtype.type(0)
            _acc_2_7 = dH1.dtype.type(0)
            _acc_2_8 = dH1.dtype.type(0)
            _acc_2_9 = dH1.dtype.type(0)
            _acc_2_10 = dH1.dtype.type(0)
            _acc_2_11 = dH1.dtype.type(0)
            _acc_2_12 = dH1.dtype.type(0)
            _acc_2_13 = dH1.dtype.type(0)
            _acc_2_14 = dH1.dtype.type(0)
            _acc_2_15 = dH1.dtype.type(0)
            _acc_3_0 = dH1.dtype.type(0)
            _acc_3_1 = dH1.dtype.type(0)
            _acc_3_2 = dH1.dtype.type(0)
            _acc_3_3 = dH1.dtype.type(0)
            _acc_3_4 = dH1.dtype.type(0)
            _acc_3_5 = dH1.dtype.type(0)
            _acc_3_6 = dH1.dtype.type(0)
            _acc_3_7 = dH1.dtype.type(0)
            _acc_3_8 = dH1.dtype.type(0)
            _acc_3_9 = dH1.dtype.type(0)
            _acc_3_10 = dH1.dtype.type(0)
            _acc_3_11 = dH1.dtype.type(0)
            _acc_3_12 = dH1.dtype.type(0)
            _acc_3_13 = dH1.dtype.type(0)
            _acc_3_14 = dH1.dtype.type(0)
            _acc_3_15 = dH1.dtype.type(0)
            _acc_4_0 = dH1.dtype.type(0)
            _acc_4_1 = dH1.dtype.type(0)
            _acc_4_2 = dH1.dtype.type(0)
            _acc_4_3 = dH1.dtype.type(0)
            _acc_4_4 = dH1.dtype.type(0)
            _acc_4_5 = dH1.dtype.type(0)
            _acc_4_6 = dH1.dtype.type(0)
            _acc_4_7 = dH1.dtype.type(0)
            _acc_4_8 = dH1.dtype.type(0)
            _acc_4_9 = dH1.dtype.type(0)
            _acc_4_10 = dH1.dtype.type(0)
            _acc_4_11 = dH1.dtype.type(0)
            _acc_4_12 = dH1.dtype.type(0)
            _acc_4_13 = dH1.dtype.type(0)
            _acc_4_14 = dH1.dtype.type(0)
            _acc_4_15 = dH1.dtype.type(0)
            _acc_5_0 = dH1.dtype.type(0)
            _acc_5_1 = dH1.dtype.type(0)
            _acc_5_2 = dH1.dtype.type(0)
            _acc_5_3 = dH1.dtype.type(0)
            _acc_5_4 = dH1.dtype.type(0)
            _acc_5_5 = dH1.dtype.type(0)
            _acc_5_6 = dH1.dtype.type(0)
            _acc_5_7 = dH1.dtype.type(0)
            _acc_5_8 = dH1.dtype.type(0)
            _acc_5_9 = dH1.dtype.type(0)
            _acc_5_10 = dH1.dtype.type(0)
            _acc_5_11 = dH1.dtype.type(0)
            _acc_5_12 = dH1.dtype.type(0)
            _acc_5_13 = dH1.dtype.type(0)
            _acc_5_14 = dH1.dtype.type(0)
            _acc_5_15 = dH1.dtype.type(0)
            _acc_6_0 = dH1.dtype.type(0)
            _acc_6_1 = dH1.dtype.type(0)
            _acc_6_2 = dH1.dtype.type(0)
            _acc_6_3 = dH1.dtype.type(0)
            _acc_6_4 = dH1.dtype.type(0)
            _acc_6_5 = dH1.dtype.type(0)
            _acc_6_6 = dH1.dtype.type(0)
            _acc_6_7 = dH1.dtype.type(0)
            _acc_6_8 = dH1.dtype.type(0)
            _acc_6_9 = dH1.dtype.type(0)
            _acc_6_10 = dH1.dtype.type(0)
            _acc_6_11 = dH1.dtype.type(0)
            _acc_6_12 = dH1.dtype.type(0)
            _acc_6_13 = dH1.dtype.type(0)
            _acc_6_14 = dH1.dtype.type(0)
            _acc_6_15 = dH1.dtype.type(0)
            _acc_7_0 = dH1.dtype.type(0)
            _acc_7_1 = dH1.dtype.type(0)
            _acc_7_2 = dH1.dtype.type(0)
            _acc_7_3 = dH1.dtype.type(0)
            _acc_7_4 = dH1.dtype.type(0)
            _acc_7_5 = dH1.dtype.type(0)
            _acc_7_6 = dH1.dtype.type(0)
            _acc_7_7 = dH1.dtype.type(0)
            _acc_7_8 = dH1.dtype.type(0)
            _acc_7_9 = dH1.dtype.type(0)
            _acc_7_10 = dH1.dtype.type(0)
            _acc_7_11 = dH1.dtype.type(0)
            _acc_7_12 = dH1.dtype.type(0)
            _acc_7_13 = dH1.dtype.type(0)
            _acc_7_14 = dH1.dtype.type(0)
            _acc_7_15 = dH1.dtype.type(0)
            for c in range(C):
                for a in range(3):
                    for b in range(3):
                        _r = _kp[i // 8, c, a, b, 0]
                        _r1 = _kp[i // 8, c, a, b, 1]
                        _r2 = _kp[i // 8, c, a, b, 2]
                        _r3 = _kp[i // 8, c, a, b, 3]
                        _r4 = _kp[i // 8, c, a, b, 4]
                        _r5 = _kp[i // 8, c, a, b, 5]
                        _r6 = _kp[i // 8, c, a, b, 6]
                        _r7 = _kp[i // 8, c, a, b, 7]
                        _r8 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 2)]
                        _r9 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 3)]
                        _r10 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 4)]
                        _r11 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 5)]
                        _r12 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 6)]
                        _r13 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 7)]
                        _r14 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 8)]
                        _r15 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 9)]
                        _r16 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 10)]
                        _r17 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 11)]
                        _r18 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 12)]
                        _r19 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 13)]
                        _r20 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 14)]
                        _r21 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 15)]
                        _r22 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 16)]
                        _r23 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 17)]
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
            for c in range(C):
                for a in range(3):
                    for b in range(3):
                        _acc += K2[i, c, a, b]*_xp[c, np.uint64(_wp*(-a + 2) - b + _f + 2)]
            _up[i, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                dH1[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_dH1_block(K2, dU2, dH1, N, C, H, W):
    """One schedule of backward_dH1, which picks it by the sizes: register-blocked outer
    products (codegen/block.py).

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _kp = np.zeros((C // 8, C, 3, 3, 8), dtype=dH1.dtype)
    for _k0 in range((C // 8)*8):
        for _k1 in range(C):
            for _k2 in range(3):
                for _k3 in range(3):
                    _kp[_k0 // 8, _k1, _k2, _k3, _k0 - 8*(_k0 // 8)] = K2[_k0, _k1, _k2, _k3]
    _wp = W + 1
    for n in prange(N):
        backward_dH1_block_one(C, H, K2, W, _kp, _wp, dH1, dU2, n)


@_slp
@njit(cache=True, fastmath={"contract"})
def backward_dH1_block_one(C, H, K2, W, _kp, _wp, dH1, dU2, n):
    """One iteration of backward_dH1_block's parallel loop over n, compiled as a
    function of its own (codegen/passes.py, outlined).

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 8), dtype=dH1.dtype)
    for _c0 in range(C):
        for _c1 in range(H):
            for _c2 in range(W):
                _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = dU2[n, _c0, _c1, _c2]
    _up = np.empty((C, H*_wp + 8), dtype=dH1.dtype)
    _i_split = (C // 8)*8
    for i in range(0, _i_split, 8):
        for _f in range(0, H*_wp, 8):
            _acc_0_0 = dH1.dtype.type(0)
            _acc_0_1 = dH1.dtype.type(0)
            _acc_0_2 = dH1.dtype.type(0)
            _acc_0_3 = dH1.dtype.type(0)
            _acc_0_4 = dH1.dtype.type(0)
            _acc_0_5 = dH1.dtype.type(0)
            _acc_0_6 = dH1.dtype.type(0)
            _acc_0_7 = dH1.dtype.type(0)
            _acc_1_0 = dH1.dtype.type(0)
            _acc_1_1 = dH1.dtype.type(0)
            _acc_1_2 = dH1.dtype.type(0)
            _acc_1_3 = dH1.dtype.type(0)
            _acc_1_4 = dH1.dtype.type(0)
            _acc_1_5 = dH1.dtype.type(0)
            _acc_1_6 = dH1.dtype.type(0)
            _acc_1_7 = dH1.dtype.type(0)
            _acc_2_0 = dH1.dtype.type(0)
            _acc_2_1 = dH1.dtype.type(0)
            _acc_2_2 = dH1.dtype.type(0)
            _acc_2_3 = dH1.dtype.type(0)
            _acc_2_4 = dH1.dtype.type(0)
            _acc_2_5 = dH1.dtype.type(0)
            _acc_2_6 = dH1.dtype.type(0)
            _acc_2_7 = dH1.dtype.type(0)
            _acc_3_0 = dH1.dtype.type(0)
            _acc_3_1 = dH1.dtype.type(0)
            _acc_3_2 = dH1.dtype.type(0)
            _acc_3_3 = dH1.dtype.type(0)
            _acc_3_4 = dH1.dtype.type(0)
            _acc_3_5 = dH1.dtype.type(0)
            _acc_3_6 = dH1.dtype.type(0)
            _acc_3_7 = dH1.dtype.type(0)
            _acc_4_0 = dH1.dtype.type(0)
            _acc_4_1 = dH1.dtype.type(0)
            _acc_4_2 = dH1.dtype.type(0)
            _acc_4_3 = dH1.dtype.type(0)
            _acc_4_4 = dH1.dtype.type(0)
            _acc_4_5 = dH1.dtype.type(0)
            _acc_4_6 = dH1.dtype.type(0)
            _acc_4_7 = dH1.dtype.type(0)
            _acc_5_0 = dH1.dtype.type(0)
            _acc_5_1 = dH1.dtype.type(0)
            _acc_5_2 = dH1.dtype.type(0)
            _acc_5_3 = dH1.dtype.type(0)
            _acc_5_4 = dH1.dtype.type(0)
            _acc_5_5 = dH1.dtype.type(0)
            _acc_5_6 = dH1.dtype.type(0)
            _acc_5_7 = dH1.dtype.type(0)
            _acc_6_0 = dH1.dtype.type(0)
            _acc_6_1 = dH1.dtype.type(0)
            _acc_6_2 = dH1.dtype.type(0)
            _acc_6_3 = dH1.dtype.type(0)
            _acc_6_4 = dH1.dtype.type(0)
            _acc_6_5 = dH1.dtype.type(0)
            _acc_6_6 = dH1.dtype.type(0)
            _acc_6_7 = dH1.dtype.type(0)
            _acc_7_0 = dH1.dtype.type(0)
            _acc_7_1 = dH1.dtype.type(0)
            _acc_7_2 = dH1.dtype.type(0)
            _acc_7_3 = dH1.dtype.type(0)
            _acc_7_4 = dH1.dtype.type(0)
            _acc_7_5 = dH1.dtype.type(0)
            _acc_7_6 = dH1.dtype.type(0)
            _acc_7_7 = dH1.dtype.type(0)
            for c in range(C):
                for a in range(3):
                    for b in range(3):
                        _r = _kp[i // 8, c, a, b, 0]
                        _r1 = _kp[i // 8, c, a, b, 1]
                        _r2 = _kp[i // 8, c, a, b, 2]
                        _r3 = _kp[i // 8, c, a, b, 3]
                        _r4 = _kp[i // 8, c, a, b, 4]
                        _r5 = _kp[i // 8, c, a, b, 5]
                        _r6 = _kp[i // 8, c, a, b, 6]
                        _r7 = _kp[i // 8, c, a, b, 7]
                        _r8 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 2)]
                        _r9 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 3)]
                        _r10 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 4)]
                        _r11 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 5)]
                        _r12 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 6)]
                        _r13 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 7)]
                        _r14 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 8)]
                        _r15 = _xp[c, np.uint64(_wp*(-a + 2) - b + _f + 9)]
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
            for c in range(C):
                for a in range(3):
                    for b in range(3):
                        _acc += K2[i, c, a, b]*_xp[c, np.uint64(_wp*(-a + 2) - b + _f + 2)]
            _up[i, np.uint64(_f)] = _acc
    for _s0 in range(C):
        for _s1 in range(H):
            for _s2 in range(W):
                dH1[n, _s0, _s1, _s2] = _up[_s0, np.uint64(_wp*_s1 + _s2)]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dH1_dot(K2, dU2, dH1, N, C, H, W, _threads):
    """One schedule of backward_dH1, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]
    """
    _dt = dH1.dtype.type
    _dH1_f = dH1.reshape(dH1.shape[0], dH1.shape[1], H*W)
    _wk = np.empty((C, 9*C), _dt)
    for i in range(C):
        for a in range(3):
            for b in range(3):
                for c in range(C):
                    _wk[i, C*(3*a + b) + c] = _dt(K2[i, c, a, b])
    _yc = max(1, 32768 // (W*(9*C)))  # the map rows a chunk packs
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for i in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    dH1[n, i, y, x] = _h0
        _pd = np.empty((_yc*W, 9*C), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, a - 1, _y0), min(H, H + a - 1, _y1)):
                        for x in range(max(0, b - 1), min(W, W + b - 1)):
                            for c in range(C):
                                _pd[-W*_y0 + W*y + x, C*(3*a + b) + c] = dU2[n, c, -a + y + 1, -b + x + 1]
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
                    for _r in range(9*C):
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
                    _dH1_f[n, i, W*_y0 + _f] += _s00
                    _dH1_f[n, i, W*_y0 + _f + 1] += _s01
                    _dH1_f[n, i + 1, W*_y0 + _f] += _s10
                    _dH1_f[n, i + 1, W*_y0 + _f + 1] += _s11
                    _dH1_f[n, i + 2, W*_y0 + _f] += _s20
                    _dH1_f[n, i + 2, W*_y0 + _f + 1] += _s21
                    _dH1_f[n, i + 3, W*_y0 + _f] += _s30
                    _dH1_f[n, i + 3, W*_y0 + _f + 1] += _s31
            for i in range(_j0, _jr):
                for _f in range(_fr, _nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[i, _r]
                        _s00 += _w*_p0
                    _dH1_f[n, i, W*_y0 + _f] += _s00
            for i in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[i, _r]
                        _s00 += _w*_p0
                    _dH1_f[n, i, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dH1_packed(K2, dU2, dH1, N, C, H, W, _threads):
    """One schedule of backward_dH1, which picks it by the sizes: packed windows (codegen/window.py).

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]
    """
    _dt = dH1.dtype.type
    _dH1_f = dH1.reshape(dH1.shape[0], dH1.shape[1], H*W)
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for i in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    dH1[n, i, y, x] = _h0
        _pk = np.zeros((3, 3, H*W), _dt)
        for c in range(C):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, a - 1), min(H, H + a - 1)):
                        for x in range(max(0, b - 1), min(W, W + b - 1)):
                            _pk[a, b, W*y + x] = dU2[n, c, -a + y + 1, -b + x + 1]
            _br = (3 // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for i in range(_j0, _jr, 4):
                for a in range(3):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K2[i, c, a, b])
                        _k01 = _dt(K2[i, c, a, b + 1])
                        _k02 = _dt(K2[i, c, a, b + 2])
                        _k03 = _dt(K2[i, c, a, b + 3])
                        _k10 = _dt(K2[i + 1, c, a, b])
                        _k11 = _dt(K2[i + 1, c, a, b + 1])
                        _k12 = _dt(K2[i + 1, c, a, b + 2])
                        _k13 = _dt(K2[i + 1, c, a, b + 3])
                        _k20 = _dt(K2[i + 2, c, a, b])
                        _k21 = _dt(K2[i + 2, c, a, b + 1])
                        _k22 = _dt(K2[i + 2, c, a, b + 2])
                        _k23 = _dt(K2[i + 2, c, a, b + 3])
                        _k30 = _dt(K2[i + 3, c, a, b])
                        _k31 = _dt(K2[i + 3, c, a, b + 1])
                        _k32 = _dt(K2[i + 3, c, a, b + 2])
                        _k33 = _dt(K2[i + 3, c, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _dH1_f[n, i, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _dH1_f[n, i + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _dH1_f[n, i + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _dH1_f[n, i + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(3):
                    for b in range(_br, 3):
                        _k0 = _dt(K2[i, c, a, b])
                        _k1 = _dt(K2[i + 1, c, a, b])
                        _k2 = _dt(K2[i + 2, c, a, b])
                        _k3 = _dt(K2[i + 3, c, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _dH1_f[n, i, _f] += _k0*_w0
                            _dH1_f[n, i + 1, _f] += _k1*_w0
                            _dH1_f[n, i + 2, _f] += _k2*_w0
                            _dH1_f[n, i + 3, _f] += _k3*_w0
            for i in range(_jr, _j1):
                for a in range(3):
                    for b in range(3):
                        _h4 = _dt(K2[i, c, a, b])
                        for _f in range(H*W):
                            _dH1_f[n, i, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dH1_loops(K2, dU2, dH1, N, C, H, W):
    """One schedule of backward_dH1, which picks it by the sizes: loop nests.

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]
    """
    _dt = dH1.dtype.type
    for _o in prange(N*C):
        n = _o // C
        i = _o % C
        for y in range(H):
            for x in range(W):
                dH1[n, i, y, x] = _dt(0)
        for c in range(C):
            for a in range(max(0, 2 - H), min(3, H + 1)):
                for b in range(max(0, 2 - W), min(3, W + 1)):
                    _h3 = _dt(K2[i, c, a, b])
                    for y in range(max(0, a - 1), min(H, H + a - 1)):
                        for x in range(max(0, b - 1), min(W, W + b - 1)):
                            dH1[n, i, y, x] += _h3*dU2[n, c, -a + y + 1, -b + x + 1]


@njit(cache=True, parallel=True)
def backward_dZ1(dH1, Z1, dZ1, N, C, H, W):
    """Gradient dZ1 of a user layer (no label in docs/paper.md).

    dZ1[n, c, y, x] = step(Z1[n, c, y, x])*dH1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ1_r = dZ1.reshape(dZ1.shape[0], dZ1.shape[1], dZ1.shape[2]*dZ1.shape[3])
    _Z1_r = Z1.reshape(Z1.shape[0], Z1.shape[1], Z1.shape[2]*Z1.shape[3])
    _dH1_r = dH1.reshape(dH1.shape[0], dH1.shape[1], dH1.shape[2]*dH1.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _dZ1_r[n, c, _f] = (1.0 if _Z1_r[n, c, _f] > 0 else 0.0)*_dH1_r[n, c, _f]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dV1(V1, M1, U1, G1, dZ1, dV1, N, C, H, W):
    """Gradient dV1 of a user layer (no label in docs/paper.md).

    dV1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -(-M1[c] + U1[n, c, y, x])*G1[c]*dZ1[n,
        c, y, x]/(2*(V1[c] + 1.0e-5)**(3/2))

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U1_r = U1.reshape(U1.shape[0], U1.shape[1], U1.shape[2]*U1.shape[3])
    _dZ1_r = dZ1.reshape(dZ1.shape[0], dZ1.shape[1], dZ1.shape[2]*dZ1.shape[3])
    for c in range(C):
        dV1[c] = dV1.dtype.type(0)
    _h = dV1.dtype.type(-1/2)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dV1[c] += _h*(-M1[c] + _U1_r[n, c, _f])*G1[c]*_dZ1_r[n, c, _f]/(V1[c] + 1e-05)**(3/2)


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dM1(G1, M1, U1, V1, dV1, dZ1, dM1, N, C, H, W):
    """Gradient dM1 of a user layer (no label in docs/paper.md).

    dM1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -G1[c]*dZ1[n, c, y, x]/sqrt(V1[c] +
        1.0e-5) + 2*(M1[c] - U1[n, c, y, x])*dV1[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ1_r = dZ1.reshape(dZ1.shape[0], dZ1.shape[1], dZ1.shape[2]*dZ1.shape[3])
    _U1_r = U1.reshape(U1.shape[0], U1.shape[1], U1.shape[2]*U1.shape[3])
    for c in range(C):
        dM1[c] = dM1.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dM1[c] += -G1[c]*_dZ1_r[n, c, _f]/math.sqrt(V1[c] + 1e-05) + 2*(M1[c] - _U1_r[n, c, _f])*dV1[c]/(H*N*W)


@njit(cache=True, parallel=True)
def backward_dU1(G1, M1, U1, V1, dM1, dV1, dZ1, dU1, N, C, H, W):
    """Gradient dU1 of a user layer (no label in docs/paper.md).

    dU1[n, c, y, x] = G1[c]*dZ1[n, c, y, x]/sqrt(V1[c] + 1.0e-5) + 2*(-M1[c] + U1[n, c, y,
        x])*dV1[c]/(H*N*W) + dM1[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dU1_r = dU1.reshape(dU1.shape[0], dU1.shape[1], dU1.shape[2]*dU1.shape[3])
    _dZ1_r = dZ1.reshape(dZ1.shape[0], dZ1.shape[1], dZ1.shape[2]*dZ1.shape[3])
    _U1_r = U1.reshape(U1.shape[0], U1.shape[1], U1.shape[2]*U1.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _t = 1/H
            _t1 = 1/N
            _t2 = 1/W
            _dU1_r[n, c, _f] = (
                G1[c]*_dZ1_r[n, c, _f]/math.sqrt(V1[c] + 1e-05)
                + 2*_t*_t1*_t2*(-M1[c] + _U1_r[n, c, _f])*dV1[c]
                + _t*_t1*_t2*dM1[c]
            )


def backward_dX(dZ2, K1, dU1, dX, N, C, H, W, _threads):
    """Gradient dX of a user layer (no label in docs/paper.md).

    dX[n, i, y, x] = dZ2[n, i, y, x] + Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)}
        Σ_{b=max(0, -W + x + 2)}^{min(2, x + 1)} K1[i, c, a, b]*dU1[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if 9*C >= 64 and 9*C*W <= 262144:  # a long contraction in cache
        backward_dX_dot(dZ2, K1, dU1, dX, N, C, H, W, _threads)
    elif 9*H*W <= 262144:  # the packed windows fit in cache
        backward_dX_packed(dZ2, K1, dU1, dX, N, C, H, W, _threads)
    else:
        backward_dX_loops(dZ2, K1, dU1, dX, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX_dot(dZ2, K1, dU1, dX, N, C, H, W, _threads):
    """One schedule of backward_dX, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    dX[n, i, y, x] = dZ2[n, i, y, x] + Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)}
        Σ_{b=max(0, -W + x + 2)}^{min(2, x + 1)} K1[i, c, a, b]*dU1[n, c, -a + y + 1, -b + x + 1]
    """
    _dt = dX.dtype.type
    _dX_f = dX.reshape(dX.shape[0], dX.shape[1], H*W)
    _wk = np.empty((C, 9*C), _dt)
    for i in range(C):
        for a in range(3):
            for b in range(3):
                for c in range(C):
                    _wk[i, C*(3*a + b) + c] = _dt(K1[i, c, a, b])
    _yc = max(1, 32768 // (W*(9*C)))  # the map rows a chunk packs
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        for i in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    dX[n, i, y, x] = dZ2[n, i, y, x]
        _pd = np.empty((_yc*W, 9*C), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, a - 1, _y0), min(H, H + a - 1, _y1)):
                        for x in range(max(0, b - 1), min(W, W + b - 1)):
                            for c in range(C):
                                _pd[-W*_y0 + W*y + x, C*(3*a + b) + c] = dU1[n, c, -a + y + 1, -b + x + 1]
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
                    for _r in range(9*C):
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
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[i, _r]
                        _s00 += _w*_p0
                    _dX_f[n, i, W*_y0 + _f] += _s00
            for i in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[i, _r]
                        _s00 += _w*_p0
                    _dX_f[n, i, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX_packed(dZ2, K1, dU1, dX, N, C, H, W, _threads):
    """One schedule of backward_dX, which picks it by the sizes: packed windows (codegen/window.py).

    dX[n, i, y, x] = dZ2[n, i, y, x] + Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)}
        Σ_{b=max(0, -W + x + 2)}^{min(2, x + 1)} K1[i, c, a, b]*dU1[n, c, -a + y + 1, -b + x + 1]
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
        for i in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    dX[n, i, y, x] = dZ2[n, i, y, x]
        _pk = np.zeros((3, 3, H*W), _dt)
        for c in range(C):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, a - 1), min(H, H + a - 1)):
                        for x in range(max(0, b - 1), min(W, W + b - 1)):
                            _pk[a, b, W*y + x] = dU1[n, c, -a + y + 1, -b + x + 1]
            _br = (3 // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for i in range(_j0, _jr, 4):
                for a in range(3):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K1[i, c, a, b])
                        _k01 = _dt(K1[i, c, a, b + 1])
                        _k02 = _dt(K1[i, c, a, b + 2])
                        _k03 = _dt(K1[i, c, a, b + 3])
                        _k10 = _dt(K1[i + 1, c, a, b])
                        _k11 = _dt(K1[i + 1, c, a, b + 1])
                        _k12 = _dt(K1[i + 1, c, a, b + 2])
                        _k13 = _dt(K1[i + 1, c, a, b + 3])
                        _k20 = _dt(K1[i + 2, c, a, b])
                        _k21 = _dt(K1[i + 2, c, a, b + 1])
                        _k22 = _dt(K1[i + 2, c, a, b + 2])
                        _k23 = _dt(K1[i + 2, c, a, b + 3])
                        _k30 = _dt(K1[i + 3, c, a, b])
                        _k31 = _dt(K1[i + 3, c, a, b + 1])
                        _k32 = _dt(K1[i + 3, c, a, b + 2])
                        _k33 = _dt(K1[i + 3, c, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _dX_f[n, i, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _dX_f[n, i + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _dX_f[n, i + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _dX_f[n, i + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(3):
                    for b in range(_br, 3):
                        _k0 = _dt(K1[i, c, a, b])
                        _k1 = _dt(K1[i + 1, c, a, b])
                        _k2 = _dt(K1[i + 2, c, a, b])
                        _k3 = _dt(K1[i + 3, c, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _dX_f[n, i, _f] += _k0*_w0
                            _dX_f[n, i + 1, _f] += _k1*_w0
                            _dX_f[n, i + 2, _f] += _k2*_w0
                            _dX_f[n, i + 3, _f] += _k3*_w0
            for i in range(_jr, _j1):
                for a in range(3):
                    for b in range(3):
                        _h4 = _dt(K1[i, c, a, b])
                        for _f in range(H*W):
                            _dX_f[n, i, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX_loops(dZ2, K1, dU1, dX, N, C, H, W):
    """One schedule of backward_dX, which picks it by the sizes: loop nests.

    dX[n, i, y, x] = dZ2[n, i, y, x] + Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)}
        Σ_{b=max(0, -W + x + 2)}^{min(2, x + 1)} K1[i, c, a, b]*dU1[n, c, -a + y + 1, -b + x + 1]
    """
    _dt = dX.dtype.type
    for _o in prange(N*C):
        n = _o // C
        i = _o % C
        for y in range(H):
            for x in range(W):
                dX[n, i, y, x] = dZ2[n, i, y, x]
        for c in range(C):
            for a in range(max(0, 2 - H), min(3, H + 1)):
                for b in range(max(0, 2 - W), min(3, W + 1)):
                    _h3 = _dt(K1[i, c, a, b])
                    for y in range(max(0, a - 1), min(H, H + a - 1)):
                        for x in range(max(0, b - 1), min(W, W + b - 1)):
                            dX[n, i, y, x] += _h3*dU1[n, c, -a + y + 1, -b + x + 1]


def backward_dK1(X, dU1, dK1, N, C, H, W, _threads):
    """Gradient dK1 of a user layer (no label in docs/paper.md).

    dK1[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} X[n, i, a + y - 1, b + x - 1]*dU1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if C % 2 == 0 and C*C*3*3 <= 36864:  # a small target: blocked lane sums
        backward_dK1_block(X, dU1, dK1, N, C, H, W, _threads)
    elif 9*H*W <= 16384:  # the packed windows fit in cache
        backward_dK1_packed(X, dU1, dK1, N, C, H, W, _threads)
    else:
        backward_dK1_loops(X, dU1, dK1, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_dK1_block(X, dU1, dK1, N, C, H, W, _threads):
    """One schedule of backward_dK1, which picks it by the sizes: register-blocked lane
    sums over images and positions (codegen/gradblock.py).

    dK1[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} X[n, i, a + y - 1, b + x - 1]*dU1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _wp = W + 1
    _np = min(N, _threads, 8)
    _part = np.zeros((_np, C, C, 3, 3, 8), dtype=dK1.dtype)
    for _t in prange(_np):
        backward_dK1_block_one(C, H, N, W, X, _np, _part, _t, _wp, dK1, dU1)
    for a in range(3):
        for b in range(3):
            for i in range(C):
                for c in range(C):
                    _acc = 0.0
                    for _t in range(_np):
                        for _l1 in range(8):
                            _acc += _part[_t, i, c, a, b, _l1]
                    dK1[i, c, a, b] = _acc


@_slp
@njit(cache=True, fastmath={"contract"})
def backward_dK1_block_one(C, H, N, W, X, _np, _part, _t, _wp, dK1, dU1):
    """One iteration of backward_dK1_block's parallel loop over _t, compiled as a
    function of its own (codegen/passes.py, outlined).

    dK1[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} X[n, i, a + y - 1, b + x - 1]*dU1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 8), dtype=dK1.dtype)
    _dp = np.zeros((C, H*_wp + 8), dtype=dK1.dtype)
    for n in range(_t*N // _np, (_t + 1)*N // _np):
        for _d0 in range(C):
            for _d1 in range(H):
                for _d2 in range(W):
                    _dp[_d0, np.uint64(_wp*_d1 + _d2)] = dU1[n, _d0, _d1, _d2]
        for _c0 in range(C):
            for _c1 in range(H):
                for _c2 in range(W):
                    _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = X[n, _c0, _c1, _c2]
        for a in range(3):
            for b in range(3):
                _i_split = (C // 4)*4
                for i in range(0, _i_split, 4):
                    for c in range(0, C, 2):
                        _acc_0_0_0 = dK1.dtype.type(0)
                        _acc_0_0_1 = dK1.dtype.type(0)
                        _acc_0_0_2 = dK1.dtype.type(0)
                        _acc_0_0_3 = dK1.dtype.type(0)
                        _acc_0_0_4 = dK1.dtype.type(0)
                        _acc_0_0_5 = dK1.dtype.type(0)
                        _acc_0_0_6 = dK1.dtype.type(0)
                        _acc_0_0_7 = dK1.dtype.type(0)
                        _acc_0_1_0 = dK1.dtype.type(0)
                        _acc_0_1_1 = dK1.dtype.type(0)
                        _acc_0_1_2 = dK1.dtype.type(0)
                        _acc_0_1_3 = dK1.dtype.type(0)
                        _acc_0_1_4 = dK1.dtype.type(0)
                        _acc_0_1_5 = dK1.dtype.type(0)
                        _acc_0_1_6 = dK1.dtype.type(0)
                        _acc_0_1_7 = dK1.dtype.type(0)
                        _acc_1_0_0 = dK1.dtype.type(0)
                        _acc_1_0_1 = dK1.dtype.type(0)
                        _acc_1_0_2 = dK1.dtype.type(0)
                        _acc_1_0_3 = dK1.dtype.type(0)
                        _acc_1_0_4 = dK1.dtype.type(0)
                        _acc_1_0_5 = dK1.dtype.type(0)
                        _acc_1_0_6 = dK1.dtype.type(0)
                        _acc_1_0_7 = dK1.dtype.type(0)
                        _acc_1_1_0 = dK1.dtype.type(0)
                        _acc_1_1_1 = dK1.dtype.type(0)
                        _acc_1_1_2 = dK1.dtype.type(0)
                        _acc_1_1_3 = dK1.dtype.type(0)
                        _acc_1_1_4 = dK1.dtype.type(0)
                        _acc_1_1_5 = dK1.dtype.type(0)
                        _acc_1_1_6 = dK1.dtype.type(0)
                        _acc_1_1_7 = dK1.dtype.type(0)
                        _acc_2_0_0 = dK1.dtype.type(0)
                        _acc_2_0_1 = dK1.dtype.type(0)
                        _acc_2_0_2 = dK1.dtype.type(0)
                        _acc_2_0_3 = dK1.dtype.type(0)
                        _acc_2_0_4 = dK1.dtype.type(0)
                        _acc_2_0_5 = dK1.dtype.type(0)
                        _acc_2_0_6 = dK1.dtype.type(0)
                        _acc_2_0_7 = dK1.dtype.type(0)
                        _acc_2_1_0 = dK1.dtype.type(0)
                        _acc_2_1_1 = dK1.dtype.type(0)
                        _acc_2_1_2 = dK1.dtype.type(0)
                        _acc_2_1_3 = dK1.dtype.type(0)
                        _acc_2_1_4 = dK1.dtype.type(0)
                        _acc_2_1_5 = dK1.dtype.type(0)
                        _acc_2_1_6 = dK1.dtype.type(0)
                        _acc_2_1_7 = dK1.dtype.type(0)
                        _acc_3_0_0 = dK1.dtype.type(0)
                        _acc_3_0_1 = dK1.dtype.type(0)
                        _acc_3_0_2 = dK1.dtype.type(0)
                        _acc_3_0_3 = dK1.dtype.type(0)
                        _acc_3_0_4 = dK1.dtype.type(0)
                        _acc_3_0_5 = dK1.dtype.type(0)
                        _acc_3_0_6 = dK1.dtype.type(0)
                        _acc_3_0_7 = dK1.dtype.type(0)
                        _acc_3_1_0 = dK1.dtype.type(0)
                        _acc_3_1_1 = dK1.dtype.type(0)
                        _acc_3_1_2 = dK1.dtype.type(0)
                        _acc_3_1_3 = dK1.dtype.type(0)
                        _acc_3_1_4 = dK1.dtype.type(0)
                        _acc_3_1_5 = dK1.dtype.type(0)
                        _acc_3_1_6 = dK1.dtype.type(0)
                        _acc_3_1_7 = dK1.dtype.type(0)
                        for _g in range((H*_wp + 7) // 8):
                            _r = _xp[i, np.uint64(_wp*a + b + 8*_g)]
                            _r1 = _xp[i, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r2 = _xp[i, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r3 = _xp[i, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r4 = _xp[i, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r5 = _xp[i, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r6 = _xp[i, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r7 = _xp[i, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r8 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g)]
                            _r9 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r10 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r11 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r12 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r13 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r14 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r15 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r16 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g)]
                            _r17 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r18 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r19 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r20 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r21 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r22 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r23 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r24 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g)]
                            _r25 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r26 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r27 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r28 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r29 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r30 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r31 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r32 = _dp[c, np.uint64(8*_g)]
                            _r33 = _dp[c, np.uint64(8*_g + 1)]
                            _r34 = _dp[c, np.uint64(8*_g + 2)]
                            _r35 = _dp[c, np.uint64(8*_g + 3)]
                            _r36 = _dp[c, np.uint64(8*_g + 4)]
                            _r37 = _dp[c, np.uint64(8*_g + 5)]
                            _r38 = _dp[c, np.uint64(8*_g + 6)]
                            _r39 = _dp[c, np.uint64(8*_g + 7)]
                            _r40 = _dp[c + 1, np.uint64(8*_g)]
                            _r41 = _dp[c + 1, np.uint64(8*_g + 1)]
                            _r42 = _dp[c + 1, np.uint64(8*_g + 2)]
                            _r43 = _dp[c + 1, np.uint64(8*_g + 3)]
                            _r44 = _dp[c + 1, np.uint64(8*_g + 4)]
                            _r45 = _dp[c + 1, np.uint64(8*_g + 5)]
                            _r46 = _dp[c + 1, np.uint64(8*_g + 6)]
                            _r47 = _dp[c + 1, np.uint64(8*_g + 7)]
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
                        _part[_t, i, c, a, b, 0] += _acc_0_0_0
                        _part[_t, i, c, a, b, 1] += _acc_0_0_1
                        _part[_t, i, c, a, b, 2] += _acc_0_0_2
                        _part[_t, i, c, a, b, 3] += _acc_0_0_3
                        _part[_t, i, c, a, b, 4] += _acc_0_0_4
                        _part[_t, i, c, a, b, 5] += _acc_0_0_5
                        _part[_t, i, c, a, b, 6] += _acc_0_0_6
                        _part[_t, i, c, a, b, 7] += _acc_0_0_7
                        _part[_t, i, c + 1, a, b, 0] += _acc_0_1_0
                        _part[_t, i, c + 1, a, b, 1] += _acc_0_1_1
                        _part[_t, i, c + 1, a, b, 2] += _acc_0_1_2
                        _part[_t, i, c + 1, a, b, 3] += _acc_0_1_3
                        _part[_t, i, c + 1, a, b, 4] += _acc_0_1_4
                        _part[_t, i, c + 1, a, b, 5] += _acc_0_1_5
                        _part[_t, i, c + 1, a, b, 6] += _acc_0_1_6
                        _part[_t, i, c + 1, a, b, 7] += _acc_0_1_7
                        _part[_t, i + 1, c, a, b, 0] += _acc_1_0_0
                        _part[_t, i + 1, c, a, b, 1] += _acc_1_0_1
                        _part[_t, i + 1, c, a, b, 2] += _acc_1_0_2
                        _part[_t, i + 1, c, a, b, 3] += _acc_1_0_3
                        _part[_t, i + 1, c, a, b, 4] += _acc_1_0_4
                        _part[_t, i + 1, c, a, b, 5] += _acc_1_0_5
                        _part[_t, i + 1, c, a, b, 6] += _acc_1_0_6
                        _part[_t, i + 1, c, a, b, 7] += _acc_1_0_7
                        _part[_t, i + 1, c + 1, a, b, 0] += _acc_1_1_0
                        _part[_t, i + 1, c + 1, a, b, 1] += _acc_1_1_1
                        _part[_t, i + 1, c + 1, a, b, 2] += _acc_1_1_2
                        _part[_t, i + 1, c + 1, a, b, 3] += _acc_1_1_3
                        _part[_t, i + 1, c + 1, a, b, 4] += _acc_1_1_4
                        _part[_t, i + 1, c + 1, a, b, 5] += _acc_1_1_5
                        _part[_t, i + 1, c + 1, a, b, 6] += _acc_1_1_6
                        _part[_t, i + 1, c + 1, a, b, 7] += _acc_1_1_7
                        _part[_t, i + 2, c, a, b, 0] += _acc_2_0_0
                        _part[_t, i + 2, c, a, b, 1] += _acc_2_0_1
                        _part[_t, i + 2, c, a, b, 2] += _acc_2_0_2
                        _part[_t, i + 2, c, a, b, 3] += _acc_2_0_3
                        _part[_t, i + 2, c, a, b, 4] += _acc_2_0_4
                        _part[_t, i + 2, c, a, b, 5] += _acc_2_0_5
                        _part[_t, i + 2, c, a, b, 6] += _acc_2_0_6
                        _part[_t, i + 2, c, a, b, 7] += _acc_2_0_7
                        _part[_t, i + 2, c + 1, a, b, 0] += _acc_2_1_0
                        _part[_t, i + 2, c + 1, a, b, 1] += _acc_2_1_1
                        _part[_t, i + 2, c + 1, a, b, 2] += _acc_2_1_2
                        _part[_t, i + 2, c + 1, a, b, 3] += _acc_2_1_3
                        _part[_t, i + 2, c + 1, a, b, 4] += _acc_2_1_4
                        _part[_t, i + 2, c + 1, a, b, 5] += _acc_2_1_5
                        _part[_t, i + 2, c + 1, a, b, 6] += _acc_2_1_6
                        _part[_t, i + 2, c + 1, a, b, 7] += _acc_2_1_7
                        _part[_t, i + 3, c, a, b, 0] += _acc_3_0_0
                        _part[_t, i + 3, c, a, b, 1] += _acc_3_0_1
                        _part[_t, i + 3, c, a, b, 2] += _acc_3_0_2
                        _part[_t, i + 3, c, a, b, 3] += _acc_3_0_3
                        _part[_t, i + 3, c, a, b, 4] += _acc_3_0_4
                        _part[_t, i + 3, c, a, b, 5] += _acc_3_0_5
                        _part[_t, i + 3, c, a, b, 6] += _acc_3_0_6
                        _part[_t, i + 3, c, a, b, 7] += _acc_3_0_7
                        _part[_t, i + 3, c + 1, a, b, 0] += _acc_3_1_0
                        _part[_t, i + 3, c + 1, a, b, 1] += _acc_3_1_1
                        _part[_t, i + 3, c + 1, a, b, 2] += _acc_3_1_2
                        _part[_t, i + 3, c + 1, a, b, 3] += _acc_3_1_3
                        _part[_t, i + 3, c + 1, a, b, 4] += _acc_3_1_4
                        _part[_t, i + 3, c + 1, a, b, 5] += _acc_3_1_5
                        _part[_t, i + 3, c + 1, a, b, 6] += _acc_3_1_6
                        _part[_t, i + 3, c + 1, a, b, 7] += _acc_3_1_7
                for i in range(_i_split, C):
                    _c_split = (C // 4)*4
                    for c in range(0, _c_split, 4):
                        _acc_0_0 = dK1.dtype.type(0)
                        _acc_0_1 = dK1.dtype.type(0)
                        _acc_0_2 = dK1.dtype.type(0)
                        _acc_0_3 = dK1.dtype.type(0)
                        _acc_0_4 = dK1.dtype.type(0)
                        _acc_0_5 = dK1.dtype.type(0)
                        _acc_0_6 = dK1.dtype.type(0)
                        _acc_0_7 = dK1.dtype.type(0)
                        _acc_1_0 = dK1.dtype.type(0)
                        _acc_1_1 = dK1.dtype.type(0)
                        _acc_1_2 = dK1.dtype.type(0)
                        _acc_1_3 = dK1.dtype.type(0)
                        _acc_1_4 = dK1.dtype.type(0)
                        _acc_1_5 = dK1.dtype.type(0)
                        _acc_1_6 = dK1.dtype.type(0)
                        _acc_1_7 = dK1.dtype.type(0)
                        _acc_2_0 = dK1.dtype.type(0)
                        _acc_2_1 = dK1.dtype.type(0)
                        _acc_2_2 = dK1.dtype.type(0)
                        _acc_2_3 = dK1.dtype.type(0)
                        _acc_2_4 = dK1.dtype.type(0)
                        _acc_2_5 = dK1.dtype.type(0)
                        _acc_2_6 = dK1.dtype.type(0)
                        _acc_2_7 = dK1.dtype.type(0)
                        _acc_3_0 = dK1.dtype.type(0)
                        _acc_3_1 = dK1.dtype.type(0)
                        _acc_3_2 = dK1.dtype.type(0)
                        _acc_3_3 = dK1.dtype.type(0)
                        _acc_3_4 = dK1.dtype.type(0)
                        _acc_3_5 = dK1.dtype.type(0)
                        _acc_3_6 = dK1.dtype.type(0)
                        _acc_3_7 = dK1.dtype.type(0)
                        for _g in range((H*_wp + 7) // 8):
                            _r48 = _xp[i, np.uint64(_wp*a + b + 8*_g)]
                            _r49 = _xp[i, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r50 = _xp[i, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r51 = _xp[i, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r52 = _xp[i, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r53 = _xp[i, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r54 = _xp[i, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r55 = _xp[i, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r56 = _dp[c, np.uint64(8*_g)]
                            _r57 = _dp[c, np.uint64(8*_g + 1)]
                            _r58 = _dp[c, np.uint64(8*_g + 2)]
                            _r59 = _dp[c, np.uint64(8*_g + 3)]
                            _r60 = _dp[c, np.uint64(8*_g + 4)]
                            _r61 = _dp[c, np.uint64(8*_g + 5)]
                            _r62 = _dp[c, np.uint64(8*_g + 6)]
                            _r63 = _dp[c, np.uint64(8*_g + 7)]
                            _r64 = _dp[c + 1, np.uint64(8*_g)]
                            _r65 = _dp[c + 1, np.uint64(8*_g + 1)]
                            _r66 = _dp[c + 1, np.uint64(8*_g + 2)]
                            _r67 = _dp[c + 1, np.uint64(8*_g + 3)]
                            _r68 = _dp[c + 1, np.uint64(8*_g + 4)]
                            _r69 = _dp[c + 1, np.uint64(8*_g + 5)]
                            _r70 = _dp[c + 1, np.uint64(8*_g + 6)]
                            _r71 = _dp[c + 1, np.uint64(8*_g + 7)]
                            _r72 = _dp[c + 2, np.uint64(8*_g)]
                            _r73 = _dp[c + 2, np.uint64(8*_g + 1)]
                            _r74 = _dp[c + 2, np.uint64(8*_g + 2)]
                            _r75 = _dp[c + 2, np.uint64(8*_g + 3)]
                            _r76 = _dp[c + 2, np.uint64(8*_g + 4)]
                            _r77 = _dp[c + 2, np.uint64(8*_g + 5)]
                            _r78 = _dp[c + 2, np.uint64(8*_g + 6)]
                            _r79 = _dp[c + 2, np.uint64(8*_g + 7)]
                            _r80 = _dp[c + 3, np.uint64(8*_g)]
                            _r81 = _dp[c + 3, np.uint64(8*_g + 1)]
                            _r82 = _dp[c + 3, np.uint64(8*_g + 2)]
                            _r83 = _dp[c + 3, np.uint64(8*_g + 3)]
                            _r84 = _dp[c + 3, np.uint64(8*_g + 4)]
                            _r85 = _dp[c + 3, np.uint64(8*_g + 5)]
                            _r86 = _dp[c + 3, np.uint64(8*_g + 6)]
                            _r87 = _dp[c + 3, np.uint64(8*_g + 7)]
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
                        _part[_t, i, c, a, b, 0] += _acc_0_0
                        _part[_t, i, c, a, b, 1] += _acc_0_1
                        _part[_t, i, c, a, b, 2] += _acc_0_2
                        _part[_t, i, c, a, b, 3] += _acc_0_3
                        _part[_t, i, c, a, b, 4] += _acc_0_4
                        _part[_t, i, c, a, b, 5] += _acc_0_5
                        _part[_t, i, c, a, b, 6] += _acc_0_6
                        _part[_t, i, c, a, b, 7] += _acc_0_7
                        _part[_t, i, c + 1, a, b, 0] += _acc_1_0
                        _part[_t, i, c + 1, a, b, 1] += _acc_1_1
                        _part[_t, i, c + 1, a, b, 2] += _acc_1_2
                        _part[_t, i, c + 1, a, b, 3] += _acc_1_3
                        _part[_t, i, c + 1, a, b, 4] += _acc_1_4
                        _part[_t, i, c + 1, a, b, 5] += _acc_1_5
                        _part[_t, i, c + 1, a, b, 6] += _acc_1_6
                        _part[_t, i, c + 1, a, b, 7] += _acc_1_7
                        _part[_t, i, c + 2, a, b, 0] += _acc_2_0
                        _part[_t, i, c + 2, a, b, 1] += _acc_2_1
                        _part[_t, i, c + 2, a, b, 2] += _acc_2_2
                        _part[_t, i, c + 2, a, b, 3] += _acc_2_3
                        _part[_t, i, c + 2, a, b, 4] += _acc_2_4
                        _part[_t, i, c + 2, a, b, 5] += _acc_2_5
                        _part[_t, i, c + 2, a, b, 6] += _acc_2_6
                        _part[_t, i, c + 2, a, b, 7] += _acc_2_7
                        _part[_t, i, c + 3, a, b, 0] += _acc_3_0
                        _part[_t, i, c + 3, a, b, 1] += _acc_3_1
                        _part[_t, i, c + 3, a, b, 2] += _acc_3_2
                        _part[_t, i, c + 3, a, b, 3] += _acc_3_3
                        _part[_t, i, c + 3, a, b, 4] += _acc_3_4
                        _part[_t, i, c + 3, a, b, 5] += _acc_3_5
                        _part[_t, i, c + 3, a, b, 6] += _acc_3_6
                        _part[_t, i, c + 3, a, b, 7] += _acc_3_7
                    for c in range(_c_split, C):
                        for _l in range(8):
                            _acc = 0.0
                            for _g in range((H*_wp + 7) // 8):
                                _acc += _xp[i, np.uint64(_wp*a + b + 8*_g + _l)]*_dp[c, np.uint64(8*_g + _l)]
                            _part[_t, i, c, a, b, _l] += _acc


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dK1_packed(X, dU1, dK1, N, C, H, W, _threads):
    """One schedule of backward_dK1, which picks it by the sizes: packed windows (codegen/window.py).

    dK1[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} X[n, i, a + y - 1, b + x - 1]*dU1[n, c, y, x]
    """
    _dt = dK1.dtype.type
    _dU1_f = dU1.reshape(dU1.shape[0], dU1.shape[1], H*W)
    _n = C
    _nb = min(N, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    _part = np.empty((_n*_nb, C, 3, 3), _dt)  # a slice a block
    for _o in prange(_n*_nb):
        _r = _o // _nb
        i = _r % C
        _j0 = (_o % _nb)*N // _nb
        _j1 = (_o % _nb + 1)*N // _nb
        _h0 = _dt(0)
        for c in range(C):
            for a in range(3):
                for b in range(3):
                    _part[_o, c, a, b] = _h0
        _pk = np.zeros((3, 3, H*W), _dt)
        for n in range(_j0, _j1):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _pk[a, b, W*y + x] = X[n, i, a + y - 1, b + x - 1]
            _br = (3 // 2)*2
            _jr = (C // 4)*4
            for c in range(0, _jr, 4):
                for a in range(3):
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
                            _w0 = _dU1_f[n, c, _f]
                            _w1 = _pk[a, b, _f]
                            _w2 = _pk[a, b + 1, _f]
                            _w3 = _dU1_f[n, c + 1, _f]
                            _w4 = _dU1_f[n, c + 2, _f]
                            _w5 = _dU1_f[n, c + 3, _f]
                            _s00 += _w0*_w1
                            _s01 += _w0*_w2
                            _s10 += _w1*_w3
                            _s11 += _w2*_w3
                            _s20 += _w1*_w4
                            _s21 += _w2*_w4
                            _s30 += _w1*_w5
                            _s31 += _w2*_w5
                        _part[_o, c, a, b] += _s00
                        _part[_o, c, a, b + 1] += _s01
                        _part[_o, c + 1, a, b] += _s10
                        _part[_o, c + 1, a, b + 1] += _s11
                        _part[_o, c + 2, a, b] += _s20
                        _part[_o, c + 2, a, b + 1] += _s21
                        _part[_o, c + 3, a, b] += _s30
                        _part[_o, c + 3, a, b + 1] += _s31
                for a in range(3):
                    for b in range(_br, 3):
                        _s0 = _dt(0)
                        _s1 = _dt(0)
                        _s2 = _dt(0)
                        _s3 = _dt(0)
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _s0 += _w0*_dU1_f[n, c, _f]
                            _s1 += _w0*_dU1_f[n, c + 1, _f]
                            _s2 += _w0*_dU1_f[n, c + 2, _f]
                            _s3 += _w0*_dU1_f[n, c + 3, _f]
                        _part[_o, c, a, b] += _s0
                        _part[_o, c + 1, a, b] += _s1
                        _part[_o, c + 2, a, b] += _s2
                        _part[_o, c + 3, a, b] += _s3
            for c in range(_jr, C):
                for a in range(3):
                    for b in range(3):
                        _s = _dt(0)
                        for _f in range(H*W):
                            _s += _dU1_f[n, c, _f]*_pk[a, b, _f]
                        _part[_o, c, a, b] += _s
    _part_f = _part.reshape(_n*_nb, 9*C)
    _whole = dK1.reshape(_n, 9*C)
    for _p in range(_n):  # the blocks' slices summed into the target
        for _e in range(9*C):
            _whole[_p, _e] = _part_f[_p*_nb, _e]
        for _b in range(1, _nb):
            for _e in range(9*C):
                _whole[_p, _e] += _part_f[_p*_nb + _b, _e]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dK1_loops(X, dU1, dK1, N, C, H, W):
    """One schedule of backward_dK1, which picks it by the sizes: loop nests.

    dK1[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} X[n, i, a + y - 1, b + x - 1]*dU1[n, c, y, x]
    """
    _dt = dK1.dtype.type
    for _o in prange(C*C):
        i = _o // C
        c = _o % C
        for a in range(3):
            for b in range(3):
                dK1[i, c, a, b] = _dt(0)
        for n in range(N):
            for y in range(H):
                for a in range(max(0, 1 - y), min(3, H - y + 1)):
                    for b in range(max(0, 2 - W), min(3, W + 1)):
                        _s = _dt(0)
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _s += X[n, i, a + y - 1, b + x - 1]*dU1[n, c, y, x]
                        dK1[i, c, a, b] += _s


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dG1(V1, M1, U1, dZ1, dG1, N, C, H, W):
    """Gradient dG1 of a user layer (no label in docs/paper.md).

    dG1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M1[c] + U1[n, c, y, x])*dZ1[n, c, y,
        x]/sqrt(V1[c] + 1.0e-5)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U1_r = U1.reshape(U1.shape[0], U1.shape[1], U1.shape[2]*U1.shape[3])
    _dZ1_r = dZ1.reshape(dZ1.shape[0], dZ1.shape[1], dZ1.shape[2]*dZ1.shape[3])
    for c in range(C):
        dG1[c] = dG1.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dG1[c] += (-M1[c] + _U1_r[n, c, _f])*_dZ1_r[n, c, _f]/math.sqrt(V1[c] + 1e-05)


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dB1(dZ1, dB1, N, C, H, W):
    """Gradient dB1 of a user layer (no label in docs/paper.md).

    dB1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dZ1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ1_r = dZ1.reshape(dZ1.shape[0], dZ1.shape[1], dZ1.shape[2]*dZ1.shape[3])
    for c in prange(C):
        _acc = dB1.dtype.type(0)
        for n in range(N):
            for _f in range(H*W):
                _acc += _dZ1_r[n, c, _f]
        dB1[c] = _acc


def backward_dK2(H1, dU2, dK2, N, C, H, W, _threads):
    """Gradient dK2 of a user layer (no label in docs/paper.md).

    dK2[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} H1[n, i, a + y - 1, b + x - 1]*dU2[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if C % 2 == 0 and C*C*3*3 <= 36864:  # a small target: blocked lane sums
        backward_dK2_block(H1, dU2, dK2, N, C, H, W, _threads)
    elif 9*H*W <= 16384:  # the packed windows fit in cache
        backward_dK2_packed(H1, dU2, dK2, N, C, H, W, _threads)
    else:
        backward_dK2_loops(H1, dU2, dK2, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_dK2_block(H1, dU2, dK2, N, C, H, W, _threads):
    """One schedule of backward_dK2, which picks it by the sizes: register-blocked lane
    sums over images and positions (codegen/gradblock.py).

    dK2[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} H1[n, i, a + y - 1, b + x - 1]*dU2[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _wp = W + 1
    _np = min(N, _threads, 8)
    _part = np.zeros((_np, C, C, 3, 3, 8), dtype=dK2.dtype)
    for _t in prange(_np):
        backward_dK2_block_one(C, H, H1, N, W, _np, _part, _t, _wp, dK2, dU2)
    for a in range(3):
        for b in range(3):
            for i in range(C):
                for c in range(C):
                    _acc = 0.0
                    for _t in range(_np):
                        for _l1 in range(8):
                            _acc += _part[_t, i, c, a, b, _l1]
                    dK2[i, c, a, b] = _acc


@_slp
@njit(cache=True, fastmath={"contract"})
def backward_dK2_block_one(C, H, H1, N, W, _np, _part, _t, _wp, dK2, dU2):
    """One iteration of backward_dK2_block's parallel loop over _t, compiled as a
    function of its own (codegen/passes.py, outlined).

    dK2[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} H1[n, i, a + y - 1, b + x - 1]*dU2[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _xp = np.zeros((C, (H + 3)*_wp + 8), dtype=dK2.dtype)
    _dp = np.zeros((C, H*_wp + 8), dtype=dK2.dtype)
    for n in range(_t*N // _np, (_t + 1)*N // _np):
        for _d0 in range(C):
            for _d1 in range(H):
                for _d2 in range(W):
                    _dp[_d0, np.uint64(_wp*_d1 + _d2)] = dU2[n, _d0, _d1, _d2]
        for _c0 in range(C):
            for _c1 in range(H):
                for _c2 in range(W):
                    _xp[_c0, np.uint64(_wp*(_c1 + 1) + _c2 + 1)] = H1[n, _c0, _c1, _c2]
        for a in range(3):
            for b in range(3):
                _i_split = (C // 4)*4
                for i in range(0, _i_split, 4):
                    for c in range(0, C, 2):
                        _acc_0_0_0 = dK2.dtype.type(0)
                        _acc_0_0_1 = dK2.dtype.type(0)
                        _acc_0_0_2 = dK2.dtype.type(0)
                        _acc_0_0_3 = dK2.dtype.type(0)
                        _acc_0_0_4 = dK2.dtype.type(0)
                        _acc_0_0_5 = dK2.dtype.type(0)
                        _acc_0_0_6 = dK2.dtype.type(0)
                        _acc_0_0_7 = dK2.dtype.type(0)
                        _acc_0_1_0 = dK2.dtype.type(0)
                        _acc_0_1_1 = dK2.dtype.type(0)
                        _acc_0_1_2 = dK2.dtype.type(0)
                        _acc_0_1_3 = dK2.dtype.type(0)
                        _acc_0_1_4 = dK2.dtype.type(0)
                        _acc_0_1_5 = dK2.dtype.type(0)
                        _acc_0_1_6 = dK2.dtype.type(0)
                        _acc_0_1_7 = dK2.dtype.type(0)
                        _acc_1_0_0 = dK2.dtype.type(0)
                        _acc_1_0_1 = dK2.dtype.type(0)
                        _acc_1_0_2 = dK2.dtype.type(0)
                        _acc_1_0_3 = dK2.dtype.type(0)
                        _acc_1_0_4 = dK2.dtype.type(0)
                        _acc_1_0_5 = dK2.dtype.type(0)
                        _acc_1_0_6 = dK2.dtype.type(0)
                        _acc_1_0_7 = dK2.dtype.type(0)
                        _acc_1_1_0 = dK2.dtype.type(0)
                        _acc_1_1_1 = dK2.dtype.type(0)
                        _acc_1_1_2 = dK2.dtype.type(0)
                        _acc_1_1_3 = dK2.dtype.type(0)
                        _acc_1_1_4 = dK2.dtype.type(0)
                        _acc_1_1_5 = dK2.dtype.type(0)
                        _acc_1_1_6 = dK2.dtype.type(0)
                        _acc_1_1_7 = dK2.dtype.type(0)
                        _acc_2_0_0 = dK2.dtype.type(0)
                        _acc_2_0_1 = dK2.dtype.type(0)
                        _acc_2_0_2 = dK2.dtype.type(0)
                        _acc_2_0_3 = dK2.dtype.type(0)
                        _acc_2_0_4 = dK2.dtype.type(0)
                        _acc_2_0_5 = dK2.dtype.type(0)
                        _acc_2_0_6 = dK2.dtype.type(0)
                        _acc_2_0_7 = dK2.dtype.type(0)
                        _acc_2_1_0 = dK2.dtype.type(0)
                        _acc_2_1_1 = dK2.dtype.type(0)
                        _acc_2_1_2 = dK2.dtype.type(0)
                        _acc_2_1_3 = dK2.dtype.type(0)
                        _acc_2_1_4 = dK2.dtype.type(0)
                        _acc_2_1_5 = dK2.dtype.type(0)
                        _acc_2_1_6 = dK2.dtype.type(0)
                        _acc_2_1_7 = dK2.dtype.type(0)
                        _acc_3_0_0 = dK2.dtype.type(0)
                        _acc_3_0_1 = dK2.dtype.type(0)
                        _acc_3_0_2 = dK2.dtype.type(0)
                        _acc_3_0_3 = dK2.dtype.type(0)
                        _acc_3_0_4 = dK2.dtype.type(0)
                        _acc_3_0_5 = dK2.dtype.type(0)
                        _acc_3_0_6 = dK2.dtype.type(0)
                        _acc_3_0_7 = dK2.dtype.type(0)
                        _acc_3_1_0 = dK2.dtype.type(0)
                        _acc_3_1_1 = dK2.dtype.type(0)
                        _acc_3_1_2 = dK2.dtype.type(0)
                        _acc_3_1_3 = dK2.dtype.type(0)
                        _acc_3_1_4 = dK2.dtype.type(0)
                        _acc_3_1_5 = dK2.dtype.type(0)
                        _acc_3_1_6 = dK2.dtype.type(0)
                        _acc_3_1_7 = dK2.dtype.type(0)
                        for _g in range((H*_wp + 7) // 8):
                            _r = _xp[i, np.uint64(_wp*a + b + 8*_g)]
                            _r1 = _xp[i, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r2 = _xp[i, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r3 = _xp[i, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r4 = _xp[i, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r5 = _xp[i, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r6 = _xp[i, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r7 = _xp[i, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r8 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g)]
                            _r9 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r10 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r11 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r12 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r13 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r14 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r15 = _xp[i + 1, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r16 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g)]
                            _r17 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r18 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r19 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r20 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r21 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r22 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r23 = _xp[i + 2, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r24 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g)]
                            _r25 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r26 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r27 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r28 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r29 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r30 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r31 = _xp[i + 3, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r32 = _dp[c, np.uint64(8*_g)]
                            _r33 = _dp[c, np.uint64(8*_g + 1)]
                            _r34 = _dp[c, np.uint64(8*_g + 2)]
                            _r35 = _dp[c, np.uint64(8*_g + 3)]
                            _r36 = _dp[c, np.uint64(8*_g + 4)]
                            _r37 = _dp[c, np.uint64(8*_g + 5)]
                            _r38 = _dp[c, np.uint64(8*_g + 6)]
                            _r39 = _dp[c, np.uint64(8*_g + 7)]
                            _r40 = _dp[c + 1, np.uint64(8*_g)]
                            _r41 = _dp[c + 1, np.uint64(8*_g + 1)]
                            _r42 = _dp[c + 1, np.uint64(8*_g + 2)]
                            _r43 = _dp[c + 1, np.uint64(8*_g + 3)]
                            _r44 = _dp[c + 1, np.uint64(8*_g + 4)]
                            _r45 = _dp[c + 1, np.uint64(8*_g + 5)]
                            _r46 = _dp[c + 1, np.uint64(8*_g + 6)]
                            _r47 = _dp[c + 1, np.uint64(8*_g + 7)]
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
                        _part[_t, i, c, a, b, 0] += _acc_0_0_0
                        _part[_t, i, c, a, b, 1] += _acc_0_0_1
                        _part[_t, i, c, a, b, 2] += _acc_0_0_2
                        _part[_t, i, c, a, b, 3] += _acc_0_0_3
                        _part[_t, i, c, a, b, 4] += _acc_0_0_4
                        _part[_t, i, c, a, b, 5] += _acc_0_0_5
                        _part[_t, i, c, a, b, 6] += _acc_0_0_6
                        _part[_t, i, c, a, b, 7] += _acc_0_0_7
                        _part[_t, i, c + 1, a, b, 0] += _acc_0_1_0
                        _part[_t, i, c + 1, a, b, 1] += _acc_0_1_1
                        _part[_t, i, c + 1, a, b, 2] += _acc_0_1_2
                        _part[_t, i, c + 1, a, b, 3] += _acc_0_1_3
                        _part[_t, i, c + 1, a, b, 4] += _acc_0_1_4
                        _part[_t, i, c + 1, a, b, 5] += _acc_0_1_5
                        _part[_t, i, c + 1, a, b, 6] += _acc_0_1_6
                        _part[_t, i, c + 1, a, b, 7] += _acc_0_1_7
                        _part[_t, i + 1, c, a, b, 0] += _acc_1_0_0
                        _part[_t, i + 1, c, a, b, 1] += _acc_1_0_1
                        _part[_t, i + 1, c, a, b, 2] += _acc_1_0_2
                        _part[_t, i + 1, c, a, b, 3] += _acc_1_0_3
                        _part[_t, i + 1, c, a, b, 4] += _acc_1_0_4
                        _part[_t, i + 1, c, a, b, 5] += _acc_1_0_5
                        _part[_t, i + 1, c, a, b, 6] += _acc_1_0_6
                        _part[_t, i + 1, c, a, b, 7] += _acc_1_0_7
                        _part[_t, i + 1, c + 1, a, b, 0] += _acc_1_1_0
                        _part[_t, i + 1, c + 1, a, b, 1] += _acc_1_1_1
                        _part[_t, i + 1, c + 1, a, b, 2] += _acc_1_1_2
                        _part[_t, i + 1, c + 1, a, b, 3] += _acc_1_1_3
                        _part[_t, i + 1, c + 1, a, b, 4] += _acc_1_1_4
                        _part[_t, i + 1, c + 1, a, b, 5] += _acc_1_1_5
                        _part[_t, i + 1, c + 1, a, b, 6] += _acc_1_1_6
                        _part[_t, i + 1, c + 1, a, b, 7] += _acc_1_1_7
                        _part[_t, i + 2, c, a, b, 0] += _acc_2_0_0
                        _part[_t, i + 2, c, a, b, 1] += _acc_2_0_1
                        _part[_t, i + 2, c, a, b, 2] += _acc_2_0_2
                        _part[_t, i + 2, c, a, b, 3] += _acc_2_0_3
                        _part[_t, i + 2, c, a, b, 4] += _acc_2_0_4
                        _part[_t, i + 2, c, a, b, 5] += _acc_2_0_5
                        _part[_t, i + 2, c, a, b, 6] += _acc_2_0_6
                        _part[_t, i + 2, c, a, b, 7] += _acc_2_0_7
                        _part[_t, i + 2, c + 1, a, b, 0] += _acc_2_1_0
                        _part[_t, i + 2, c + 1, a, b, 1] += _acc_2_1_1
                        _part[_t, i + 2, c + 1, a, b, 2] += _acc_2_1_2
                        _part[_t, i + 2, c + 1, a, b, 3] += _acc_2_1_3
                        _part[_t, i + 2, c + 1, a, b, 4] += _acc_2_1_4
                        _part[_t, i + 2, c + 1, a, b, 5] += _acc_2_1_5
                        _part[_t, i + 2, c + 1, a, b, 6] += _acc_2_1_6
                        _part[_t, i + 2, c + 1, a, b, 7] += _acc_2_1_7
                        _part[_t, i + 3, c, a, b, 0] += _acc_3_0_0
                        _part[_t, i + 3, c, a, b, 1] += _acc_3_0_1
                        _part[_t, i + 3, c, a, b, 2] += _acc_3_0_2
                        _part[_t, i + 3, c, a, b, 3] += _acc_3_0_3
                        _part[_t, i + 3, c, a, b, 4] += _acc_3_0_4
                        _part[_t, i + 3, c, a, b, 5] += _acc_3_0_5
                        _part[_t, i + 3, c, a, b, 6] += _acc_3_0_6
                        _part[_t, i + 3, c, a, b, 7] += _acc_3_0_7
                        _part[_t, i + 3, c + 1, a, b, 0] += _acc_3_1_0
                        _part[_t, i + 3, c + 1, a, b, 1] += _acc_3_1_1
                        _part[_t, i + 3, c + 1, a, b, 2] += _acc_3_1_2
                        _part[_t, i + 3, c + 1, a, b, 3] += _acc_3_1_3
                        _part[_t, i + 3, c + 1, a, b, 4] += _acc_3_1_4
                        _part[_t, i + 3, c + 1, a, b, 5] += _acc_3_1_5
                        _part[_t, i + 3, c + 1, a, b, 6] += _acc_3_1_6
                        _part[_t, i + 3, c + 1, a, b, 7] += _acc_3_1_7
                for i in range(_i_split, C):
                    _c_split = (C // 4)*4
                    for c in range(0, _c_split, 4):
                        _acc_0_0 = dK2.dtype.type(0)
                        _acc_0_1 = dK2.dtype.type(0)
                        _acc_0_2 = dK2.dtype.type(0)
                        _acc_0_3 = dK2.dtype.type(0)
                        _acc_0_4 = dK2.dtype.type(0)
                        _acc_0_5 = dK2.dtype.type(0)
                        _acc_0_6 = dK2.dtype.type(0)
                        _acc_0_7 = dK2.dtype.type(0)
                        _acc_1_0 = dK2.dtype.type(0)
                        _acc_1_1 = dK2.dtype.type(0)
                        _acc_1_2 = dK2.dtype.type(0)
                        _acc_1_3 = dK2.dtype.type(0)
                        _acc_1_4 = dK2.dtype.type(0)
                        _acc_1_5 = dK2.dtype.type(0)
                        _acc_1_6 = dK2.dtype.type(0)
                        _acc_1_7 = dK2.dtype.type(0)
                        _acc_2_0 = dK2.dtype.type(0)
                        _acc_2_1 = dK2.dtype.type(0)
                        _acc_2_2 = dK2.dtype.type(0)
                        _acc_2_3 = dK2.dtype.type(0)
                        _acc_2_4 = dK2.dtype.type(0)
                        _acc_2_5 = dK2.dtype.type(0)
                        _acc_2_6 = dK2.dtype.type(0)
                        _acc_2_7 = dK2.dtype.type(0)
                        _acc_3_0 = dK2.dtype.type(0)
                        _acc_3_1 = dK2.dtype.type(0)
                        _acc_3_2 = dK2.dtype.type(0)
                        _acc_3_3 = dK2.dtype.type(0)
                        _acc_3_4 = dK2.dtype.type(0)
                        _acc_3_5 = dK2.dtype.type(0)
                        _acc_3_6 = dK2.dtype.type(0)
                        _acc_3_7 = dK2.dtype.type(0)
                        for _g in range((H*_wp + 7) // 8):
                            _r48 = _xp[i, np.uint64(_wp*a + b + 8*_g)]
                            _r49 = _xp[i, np.uint64(_wp*a + b + 8*_g + 1)]
                            _r50 = _xp[i, np.uint64(_wp*a + b + 8*_g + 2)]
                            _r51 = _xp[i, np.uint64(_wp*a + b + 8*_g + 3)]
                            _r52 = _xp[i, np.uint64(_wp*a + b + 8*_g + 4)]
                            _r53 = _xp[i, np.uint64(_wp*a + b + 8*_g + 5)]
                            _r54 = _xp[i, np.uint64(_wp*a + b + 8*_g + 6)]
                            _r55 = _xp[i, np.uint64(_wp*a + b + 8*_g + 7)]
                            _r56 = _dp[c, np.uint64(8*_g)]
                            _r57 = _dp[c, np.uint64(8*_g + 1)]
                            _r58 = _dp[c, np.uint64(8*_g + 2)]
                            _r59 = _dp[c, np.uint64(8*_g + 3)]
                            _r60 = _dp[c, np.uint64(8*_g + 4)]
                            _r61 = _dp[c, np.uint64(8*_g + 5)]
                            _r62 = _dp[c, np.uint64(8*_g + 6)]
                            _r63 = _dp[c, np.uint64(8*_g + 7)]
                            _r64 = _dp[c + 1, np.uint64(8*_g)]
                            _r65 = _dp[c + 1, np.uint64(8*_g + 1)]
                            _r66 = _dp[c + 1, np.uint64(8*_g + 2)]
                            _r67 = _dp[c + 1, np.uint64(8*_g + 3)]
                            _r68 = _dp[c + 1, np.uint64(8*_g + 4)]
                            _r69 = _dp[c + 1, np.uint64(8*_g + 5)]
                            _r70 = _dp[c + 1, np.uint64(8*_g + 6)]
                            _r71 = _dp[c + 1, np.uint64(8*_g + 7)]
                            _r72 = _dp[c + 2, np.uint64(8*_g)]
                            _r73 = _dp[c + 2, np.uint64(8*_g + 1)]
                            _r74 = _dp[c + 2, np.uint64(8*_g + 2)]
                            _r75 = _dp[c + 2, np.uint64(8*_g + 3)]
                            _r76 = _dp[c + 2, np.uint64(8*_g + 4)]
                            _r77 = _dp[c + 2, np.uint64(8*_g + 5)]
                            _r78 = _dp[c + 2, np.uint64(8*_g + 6)]
                            _r79 = _dp[c + 2, np.uint64(8*_g + 7)]
                            _r80 = _dp[c + 3, np.uint64(8*_g)]
                            _r81 = _dp[c + 3, np.uint64(8*_g + 1)]
                            _r82 = _dp[c + 3, np.uint64(8*_g + 2)]
                            _r83 = _dp[c + 3, np.uint64(8*_g + 3)]
                            _r84 = _dp[c + 3, np.uint64(8*_g + 4)]
                            _r85 = _dp[c + 3, np.uint64(8*_g + 5)]
                            _r86 = _dp[c + 3, np.uint64(8*_g + 6)]
                            _r87 = _dp[c + 3, np.uint64(8*_g + 7)]
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
                        _part[_t, i, c, a, b, 0] += _acc_0_0
                        _part[_t, i, c, a, b, 1] += _acc_0_1
                        _part[_t, i, c, a, b, 2] += _acc_0_2
                        _part[_t, i, c, a, b, 3] += _acc_0_3
                        _part[_t, i, c, a, b, 4] += _acc_0_4
                        _part[_t, i, c, a, b, 5] += _acc_0_5
                        _part[_t, i, c, a, b, 6] += _acc_0_6
                        _part[_t, i, c, a, b, 7] += _acc_0_7
                        _part[_t, i, c + 1, a, b, 0] += _acc_1_0
                        _part[_t, i, c + 1, a, b, 1] += _acc_1_1
                        _part[_t, i, c + 1, a, b, 2] += _acc_1_2
                        _part[_t, i, c + 1, a, b, 3] += _acc_1_3
                        _part[_t, i, c + 1, a, b, 4] += _acc_1_4
                        _part[_t, i, c + 1, a, b, 5] += _acc_1_5
                        _part[_t, i, c + 1, a, b, 6] += _acc_1_6
                        _part[_t, i, c + 1, a, b, 7] += _acc_1_7
                        _part[_t, i, c + 2, a, b, 0] += _acc_2_0
                        _part[_t, i, c + 2, a, b, 1] += _acc_2_1
                        _part[_t, i, c + 2, a, b, 2] += _acc_2_2
                        _part[_t, i, c + 2, a, b, 3] += _acc_2_3
                        _part[_t, i, c + 2, a, b, 4] += _acc_2_4
                        _part[_t, i, c + 2, a, b, 5] += _acc_2_5
                        _part[_t, i, c + 2, a, b, 6] += _acc_2_6
                        _part[_t, i, c + 2, a, b, 7] += _acc_2_7
                        _part[_t, i, c + 3, a, b, 0] += _acc_3_0
                        _part[_t, i, c + 3, a, b, 1] += _acc_3_1
                        _part[_t, i, c + 3, a, b, 2] += _acc_3_2
                        _part[_t, i, c + 3, a, b, 3] += _acc_3_3
                        _part[_t, i, c + 3, a, b, 4] += _acc_3_4
                        _part[_t, i, c + 3, a, b, 5] += _acc_3_5
                        _part[_t, i, c + 3, a, b, 6] += _acc_3_6
                        _part[_t, i, c + 3, a, b, 7] += _acc_3_7
                    for c in range(_c_split, C):
                        for _l in range(8):
                            _acc = 0.0
                            for _g in range((H*_wp + 7) // 8):
                                _acc += _xp[i, np.uint64(_wp*a + b + 8*_g + _l)]*_dp[c, np.uint64(8*_g + _l)]
                            _part[_t, i, c, a, b, _l] += _acc


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dK2_packed(H1, dU2, dK2, N, C, H, W, _threads):
    """One schedule of backward_dK2, which picks it by the sizes: packed windows (codegen/window.py).

    dK2[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} H1[n, i, a + y - 1, b + x - 1]*dU2[n, c, y, x]
    """
    _dt = dK2.dtype.type
    _dU2_f = dU2.reshape(dU2.shape[0], dU2.shape[1], H*W)
    _n = C
    _nb = min(N, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    _part = np.empty((_n*_nb, C, 3, 3), _dt)  # a slice a block
    for _o in prange(_n*_nb):
        _r = _o // _nb
        i = _r % C
        _j0 = (_o % _nb)*N // _nb
        _j1 = (_o % _nb + 1)*N // _nb
        _h0 = _dt(0)
        for c in range(C):
            for a in range(3):
                for b in range(3):
                    _part[_o, c, a, b] = _h0
        _pk = np.zeros((3, 3, H*W), _dt)
        for n in range(_j0, _j1):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _pk[a, b, W*y + x] = H1[n, i, a + y - 1, b + x - 1]
            _br = (3 // 2)*2
            _jr = (C // 4)*4
            for c in range(0, _jr, 4):
                for a in range(3):
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
                            _w0 = _dU2_f[n, c, _f]
                            _w1 = _pk[a, b, _f]
                            _w2 = _pk[a, b + 1, _f]
                            _w3 = _dU2_f[n, c + 1, _f]
                            _w4 = _dU2_f[n, c + 2, _f]
                            _w5 = _dU2_f[n, c + 3, _f]
                            _s00 += _w0*_w1
                            _s01 += _w0*_w2
                            _s10 += _w1*_w3
                            _s11 += _w2*_w3
                            _s20 += _w1*_w4
                            _s21 += _w2*_w4
                            _s30 += _w1*_w5
                            _s31 += _w2*_w5
                        _part[_o, c, a, b] += _s00
                        _part[_o, c, a, b + 1] += _s01
                        _part[_o, c + 1, a, b] += _s10
                        _part[_o, c + 1, a, b + 1] += _s11
                        _part[_o, c + 2, a, b] += _s20
                        _part[_o, c + 2, a, b + 1] += _s21
                        _part[_o, c + 3, a, b] += _s30
                        _part[_o, c + 3, a, b + 1] += _s31
                for a in range(3):
                    for b in range(_br, 3):
                        _s0 = _dt(0)
                        _s1 = _dt(0)
                        _s2 = _dt(0)
                        _s3 = _dt(0)
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _s0 += _w0*_dU2_f[n, c, _f]
                            _s1 += _w0*_dU2_f[n, c + 1, _f]
                            _s2 += _w0*_dU2_f[n, c + 2, _f]
                            _s3 += _w0*_dU2_f[n, c + 3, _f]
                        _part[_o, c, a, b] += _s0
                        _part[_o, c + 1, a, b] += _s1
                        _part[_o, c + 2, a, b] += _s2
                        _part[_o, c + 3, a, b] += _s3
            for c in range(_jr, C):
                for a in range(3):
                    for b in range(3):
                        _s = _dt(0)
                        for _f in range(H*W):
                            _s += _dU2_f[n, c, _f]*_pk[a, b, _f]
                        _part[_o, c, a, b] += _s
    _part_f = _part.reshape(_n*_nb, 9*C)
    _whole = dK2.reshape(_n, 9*C)
    for _p in range(_n):  # the blocks' slices summed into the target
        for _e in range(9*C):
            _whole[_p, _e] = _part_f[_p*_nb, _e]
        for _b in range(1, _nb):
            for _e in range(9*C):
                _whole[_p, _e] += _part_f[_p*_nb + _b, _e]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dK2_loops(H1, dU2, dK2, N, C, H, W):
    """One schedule of backward_dK2, which picks it by the sizes: loop nests.

    dK2[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} H1[n, i, a + y - 1, b + x - 1]*dU2[n, c, y, x]
    """
    _dt = dK2.dtype.type
    for _o in prange(C*C):
        i = _o // C
        c = _o % C
        for a in range(3):
            for b in range(3):
                dK2[i, c, a, b] = _dt(0)
        for n in range(N):
            for y in range(H):
                for a in range(max(0, 1 - y), min(3, H - y + 1)):
                    for b in range(max(0, 2 - W), min(3, W + 1)):
                        _s = _dt(0)
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _s += H1[n, i, a + y - 1, b + x - 1]*dU2[n, c, y, x]
                        dK2[i, c, a, b] += _s


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dG2(V2, M2, U2, dZ2, dG2, N, C, H, W):
    """Gradient dG2 of a user layer (no label in docs/paper.md).

    dG2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M2[c] + U2[n, c, y, x])*dZ2[n, c, y,
        x]/sqrt(V2[c] + 1.0e-5)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _U2_r = U2.reshape(U2.shape[0], U2.shape[1], U2.shape[2]*U2.shape[3])
    _dZ2_r = dZ2.reshape(dZ2.shape[0], dZ2.shape[1], dZ2.shape[2]*dZ2.shape[3])
    for c in range(C):
        dG2[c] = dG2.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dG2[c] += (-M2[c] + _U2_r[n, c, _f])*_dZ2_r[n, c, _f]/math.sqrt(V2[c] + 1e-05)


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dB2(dZ2, dB2, N, C, H, W):
    """Gradient dB2 of a user layer (no label in docs/paper.md).

    dB2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dZ2[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ2_r = dZ2.reshape(dZ2.shape[0], dZ2.shape[1], dZ2.shape[2]*dZ2.shape[3])
    for c in prange(C):
        _acc = dB2.dtype.type(0)
        for n in range(N):
            for _f in range(H*W):
                _acc += _dZ2_r[n, c, _f]
        dB2[c] = _acc


def evaluate_EU1(K1, X, EU1, N, C, H, W, _threads):
    """Evaluation equation for EU1 of a user layer (no label in docs/paper.md).

    EU1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if 9*C >= 64 and 9*C*W <= 262144:  # a long contraction in cache
        evaluate_EU1_dot(K1, X, EU1, N, C, H, W, _threads)
    elif 9*H*W <= 262144:  # the packed windows fit in cache
        evaluate_EU1_packed(K1, X, EU1, N, C, H, W, _threads)
    else:
        evaluate_EU1_loops(K1, X, EU1, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def evaluate_EU1_dot(K1, X, EU1, N, C, H, W, _threads):
    """One schedule of evaluate_EU1, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    EU1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]
    """
    _dt = EU1.dtype.type
    _EU1_f = EU1.reshape(EU1.shape[0], EU1.shape[1], H*W)
    _wk = np.empty((C, 9*C), _dt)
    for c in range(C):
        for a in range(3):
            for b in range(3):
                for i in range(C):
                    _wk[c, C*(3*a + b) + i] = _dt(K1[i, c, a, b])
    _yc = max(1, 32768 // (W*(9*C)))  # the map rows a chunk packs
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    EU1[n, c, y, x] = _h0
        _pd = np.empty((_yc*W, 9*C), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a, _y0), min(H, H - a + 1, _y1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            for i in range(C):
                                _pd[-W*_y0 + W*y + x, C*(3*a + b) + i] = X[n, i, a + y - 1, b + x - 1]
            for c in range(_j0, _jr, 4):
                for _f in range(0, _fr, 2):
                    _s00 = _dt(0)
                    _s01 = _dt(0)
                    _s10 = _dt(0)
                    _s11 = _dt(0)
                    _s20 = _dt(0)
                    _s21 = _dt(0)
                    _s30 = _dt(0)
                    _s31 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _p1 = _pd[_f + 1, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                        _s01 += _w*_p1
                        _w = _wk[c + 1, _r]
                        _s10 += _w*_p0
                        _s11 += _w*_p1
                        _w = _wk[c + 2, _r]
                        _s20 += _w*_p0
                        _s21 += _w*_p1
                        _w = _wk[c + 3, _r]
                        _s30 += _w*_p0
                        _s31 += _w*_p1
                    _EU1_f[n, c, W*_y0 + _f] += _s00
                    _EU1_f[n, c, W*_y0 + _f + 1] += _s01
                    _EU1_f[n, c + 1, W*_y0 + _f] += _s10
                    _EU1_f[n, c + 1, W*_y0 + _f + 1] += _s11
                    _EU1_f[n, c + 2, W*_y0 + _f] += _s20
                    _EU1_f[n, c + 2, W*_y0 + _f + 1] += _s21
                    _EU1_f[n, c + 3, W*_y0 + _f] += _s30
                    _EU1_f[n, c + 3, W*_y0 + _f + 1] += _s31
            for c in range(_j0, _jr):
                for _f in range(_fr, _nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _EU1_f[n, c, W*_y0 + _f] += _s00
            for c in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _EU1_f[n, c, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def evaluate_EU1_packed(K1, X, EU1, N, C, H, W, _threads):
    """One schedule of evaluate_EU1, which picks it by the sizes: packed windows (codegen/window.py).

    EU1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]
    """
    _dt = EU1.dtype.type
    _EU1_f = EU1.reshape(EU1.shape[0], EU1.shape[1], H*W)
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    EU1[n, c, y, x] = _h0
        _pk = np.zeros((3, 3, H*W), _dt)
        for i in range(C):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _pk[a, b, W*y + x] = X[n, i, a + y - 1, b + x - 1]
            _br = (3 // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for c in range(_j0, _jr, 4):
                for a in range(3):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K1[i, c, a, b])
                        _k01 = _dt(K1[i, c, a, b + 1])
                        _k02 = _dt(K1[i, c, a, b + 2])
                        _k03 = _dt(K1[i, c, a, b + 3])
                        _k10 = _dt(K1[i, c + 1, a, b])
                        _k11 = _dt(K1[i, c + 1, a, b + 1])
                        _k12 = _dt(K1[i, c + 1, a, b + 2])
                        _k13 = _dt(K1[i, c + 1, a, b + 3])
                        _k20 = _dt(K1[i, c + 2, a, b])
                        _k21 = _dt(K1[i, c + 2, a, b + 1])
                        _k22 = _dt(K1[i, c + 2, a, b + 2])
                        _k23 = _dt(K1[i, c + 2, a, b + 3])
                        _k30 = _dt(K1[i, c + 3, a, b])
                        _k31 = _dt(K1[i, c + 3, a, b + 1])
                        _k32 = _dt(K1[i, c + 3, a, b + 2])
                        _k33 = _dt(K1[i, c + 3, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _EU1_f[n, c, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _EU1_f[n, c + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _EU1_f[n, c + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _EU1_f[n, c + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(3):
                    for b in range(_br, 3):
                        _k0 = _dt(K1[i, c, a, b])
                        _k1 = _dt(K1[i, c + 1, a, b])
                        _k2 = _dt(K1[i, c + 2, a, b])
                        _k3 = _dt(K1[i, c + 3, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _EU1_f[n, c, _f] += _k0*_w0
                            _EU1_f[n, c + 1, _f] += _k1*_w0
                            _EU1_f[n, c + 2, _f] += _k2*_w0
                            _EU1_f[n, c + 3, _f] += _k3*_w0
            for c in range(_jr, _j1):
                for a in range(3):
                    for b in range(3):
                        _h4 = _dt(K1[i, c, a, b])
                        for _f in range(H*W):
                            _EU1_f[n, c, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def evaluate_EU1_loops(K1, X, EU1, N, C, H, W):
    """One schedule of evaluate_EU1, which picks it by the sizes: loop nests.

    EU1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]
    """
    _dt = EU1.dtype.type
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for y in range(H):
            for x in range(W):
                EU1[n, c, y, x] = _dt(0)
        for i in range(C):
            for a in range(max(0, 2 - H), min(3, H + 1)):
                for b in range(max(0, 2 - W), min(3, W + 1)):
                    _h3 = _dt(K1[i, c, a, b])
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            EU1[n, c, y, x] += _h3*X[n, i, a + y - 1, b + x - 1]


@njit(cache=True, parallel=True)
def evaluate_EH1(B1, EU1, G1, RM1, RV1, EH1, N, C, H, W):
    """Evaluation equation for EH1 of a user layer (no label in docs/paper.md).

    EH1[n, c, y, x] = relu((EU1[n, c, y, x] - RM1[c])*G1[c]/sqrt(RV1[c] + 1.0e-5) + B1[c])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for y in range(H):
            for x in range(W):
                EH1[n, c, y, x] = max((EU1[n, c, y, x] - RM1[c])*G1[c]/math.sqrt(RV1[c] + 1e-05) + B1[c], 0.0)


def evaluate_EU2(EH1, K2, EU2, N, C, H, W, _threads):
    """Evaluation equation for EU2 of a user layer (no label in docs/paper.md).

    EU2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(EH1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if 9*C >= 64 and 9*C*W <= 262144:  # a long contraction in cache
        evaluate_EU2_dot(EH1, K2, EU2, N, C, H, W, _threads)
    elif 9*H*W <= 262144:  # the packed windows fit in cache
        evaluate_EU2_packed(EH1, K2, EU2, N, C, H, W, _threads)
    else:
        evaluate_EU2_loops(EH1, K2, EU2, N, C, H, W)


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def evaluate_EU2_dot(EH1, K2, EU2, N, C, H, W, _threads):
    """One schedule of evaluate_EU2, which picks it by the sizes: register-blocked inner products
        (codegen/dot.py).

    EU2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(EH1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]
    """
    _dt = EU2.dtype.type
    _EU2_f = EU2.reshape(EU2.shape[0], EU2.shape[1], H*W)
    _wk = np.empty((C, 9*C), _dt)
    for c in range(C):
        for a in range(3):
            for b in range(3):
                for i in range(C):
                    _wk[c, C*(3*a + b) + i] = _dt(K2[i, c, a, b])
    _yc = max(1, 32768 // (W*(9*C)))  # the map rows a chunk packs
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    EU2[n, c, y, x] = _h0
        _pd = np.empty((_yc*W, 9*C), _dt)
        _jr = _j0 + ((_j1 - _j0) // 4)*4
        for _y0 in range(0, H, _yc):
            _y1 = min(H, _y0 + _yc)
            _nf = (_y1 - _y0)*W
            _fr = (_nf // 2)*2
            _pd[:, :] = 0.0
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a, _y0), min(H, H - a + 1, _y1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            for i in range(C):
                                _pd[-W*_y0 + W*y + x, C*(3*a + b) + i] = EH1[n, i, a + y - 1, b + x - 1]
            for c in range(_j0, _jr, 4):
                for _f in range(0, _fr, 2):
                    _s00 = _dt(0)
                    _s01 = _dt(0)
                    _s10 = _dt(0)
                    _s11 = _dt(0)
                    _s20 = _dt(0)
                    _s21 = _dt(0)
                    _s30 = _dt(0)
                    _s31 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _p1 = _pd[_f + 1, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                        _s01 += _w*_p1
                        _w = _wk[c + 1, _r]
                        _s10 += _w*_p0
                        _s11 += _w*_p1
                        _w = _wk[c + 2, _r]
                        _s20 += _w*_p0
                        _s21 += _w*_p1
                        _w = _wk[c + 3, _r]
                        _s30 += _w*_p0
                        _s31 += _w*_p1
                    _EU2_f[n, c, W*_y0 + _f] += _s00
                    _EU2_f[n, c, W*_y0 + _f + 1] += _s01
                    _EU2_f[n, c + 1, W*_y0 + _f] += _s10
                    _EU2_f[n, c + 1, W*_y0 + _f + 1] += _s11
                    _EU2_f[n, c + 2, W*_y0 + _f] += _s20
                    _EU2_f[n, c + 2, W*_y0 + _f + 1] += _s21
                    _EU2_f[n, c + 3, W*_y0 + _f] += _s30
                    _EU2_f[n, c + 3, W*_y0 + _f + 1] += _s31
            for c in range(_j0, _jr):
                for _f in range(_fr, _nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _EU2_f[n, c, W*_y0 + _f] += _s00
            for c in range(_jr, _j1):
                for _f in range(_nf):
                    _s00 = _dt(0)
                    for _r in range(9*C):
                        _p0 = _pd[_f, _r]
                        _w = _wk[c, _r]
                        _s00 += _w*_p0
                    _EU2_f[n, c, W*_y0 + _f] += _s00


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def evaluate_EU2_packed(EH1, K2, EU2, N, C, H, W, _threads):
    """One schedule of evaluate_EU2, which picks it by the sizes: packed windows (codegen/window.py).

    EU2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(EH1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]
    """
    _dt = EU2.dtype.type
    _EU2_f = EU2.reshape(EU2.shape[0], EU2.shape[1], H*W)
    _n = N
    _nb = min(C, max(1, (2*_threads + _n - 1) // _n))  # two blocks a thread
    for _o in prange(_n*_nb):
        _r = _o // _nb
        n = _r % N
        _j0 = (_o % _nb)*C // _nb
        _j1 = (_o % _nb + 1)*C // _nb
        _h0 = _dt(0)
        for c in range(_j0, _j1):
            for y in range(H):
                for x in range(W):
                    EU2[n, c, y, x] = _h0
        _pk = np.zeros((3, 3, H*W), _dt)
        for i in range(C):
            for a in range(3):
                for b in range(3):
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            _pk[a, b, W*y + x] = EH1[n, i, a + y - 1, b + x - 1]
            _br = (3 // 4)*4
            _jr = _j0 + ((_j1 - _j0) // 4)*4
            for c in range(_j0, _jr, 4):
                for a in range(3):
                    for b in range(0, _br, 4):
                        _k00 = _dt(K2[i, c, a, b])
                        _k01 = _dt(K2[i, c, a, b + 1])
                        _k02 = _dt(K2[i, c, a, b + 2])
                        _k03 = _dt(K2[i, c, a, b + 3])
                        _k10 = _dt(K2[i, c + 1, a, b])
                        _k11 = _dt(K2[i, c + 1, a, b + 1])
                        _k12 = _dt(K2[i, c + 1, a, b + 2])
                        _k13 = _dt(K2[i, c + 1, a, b + 3])
                        _k20 = _dt(K2[i, c + 2, a, b])
                        _k21 = _dt(K2[i, c + 2, a, b + 1])
                        _k22 = _dt(K2[i, c + 2, a, b + 2])
                        _k23 = _dt(K2[i, c + 2, a, b + 3])
                        _k30 = _dt(K2[i, c + 3, a, b])
                        _k31 = _dt(K2[i, c + 3, a, b + 1])
                        _k32 = _dt(K2[i, c + 3, a, b + 2])
                        _k33 = _dt(K2[i, c + 3, a, b + 3])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _w1 = _pk[a, b + 1, _f]
                            _w2 = _pk[a, b + 2, _f]
                            _w3 = _pk[a, b + 3, _f]
                            _EU2_f[n, c, _f] += _k00*_w0 + _k01*_w1 + _k02*_w2 + _k03*_w3
                            _EU2_f[n, c + 1, _f] += _k10*_w0 + _k11*_w1 + _k12*_w2 + _k13*_w3
                            _EU2_f[n, c + 2, _f] += _k20*_w0 + _k21*_w1 + _k22*_w2 + _k23*_w3
                            _EU2_f[n, c + 3, _f] += _k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3
                for a in range(3):
                    for b in range(_br, 3):
                        _k0 = _dt(K2[i, c, a, b])
                        _k1 = _dt(K2[i, c + 1, a, b])
                        _k2 = _dt(K2[i, c + 2, a, b])
                        _k3 = _dt(K2[i, c + 3, a, b])
                        for _f in range(H*W):
                            _w0 = _pk[a, b, _f]
                            _EU2_f[n, c, _f] += _k0*_w0
                            _EU2_f[n, c + 1, _f] += _k1*_w0
                            _EU2_f[n, c + 2, _f] += _k2*_w0
                            _EU2_f[n, c + 3, _f] += _k3*_w0
            for c in range(_jr, _j1):
                for a in range(3):
                    for b in range(3):
                        _h4 = _dt(K2[i, c, a, b])
                        for _f in range(H*W):
                            _EU2_f[n, c, _f] += _h4*_pk[a, b, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def evaluate_EU2_loops(EH1, K2, EU2, N, C, H, W):
    """One schedule of evaluate_EU2, which picks it by the sizes: loop nests.

    EU2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(EH1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]
    """
    _dt = EU2.dtype.type
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for y in range(H):
            for x in range(W):
                EU2[n, c, y, x] = _dt(0)
        for i in range(C):
            for a in range(max(0, 2 - H), min(3, H + 1)):
                for b in range(max(0, 2 - W), min(3, W + 1)):
                    _h3 = _dt(K2[i, c, a, b])
                    for y in range(max(0, 1 - a), min(H, H - a + 1)):
                        for x in range(max(0, 1 - b), min(W, W - b + 1)):
                            EU2[n, c, y, x] += _h3*EH1[n, i, a + y - 1, b + x - 1]


@njit(cache=True, parallel=True)
def evaluate_Y(B2, EU2, G2, RM2, RV2, X, Y, N, C, H, W):
    """Evaluation equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = relu((EU2[n, c, y, x] - RM2[c])*G2[c]/sqrt(RV2[c] + 1.0e-5) + B2[c] + X[n, c, y,
        x])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for y in range(H):
            for x in range(W):
                Y[n, c, y, x] = max(
                    (EU2[n, c, y, x] - RM2[c])*G2[c]/math.sqrt(RV2[c] + 1e-05) + B2[c] + X[n, c, y, x],
                    0.0
                )


@njit(cache=True)
def update_RM1(M1, RM1, _next_RM1, C):
    """Training update of buffer RM1 of a user layer (no label in docs/paper.md).

    RM1[c] = 0.1*M1[c] + 0.9*RM1[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for c in range(C):
        _next_RM1[c] = 0.1*M1[c] + 0.9*RM1[c]


@njit(cache=True)
def update_RV1(RV1, V1, _next_RV1, N, C, H, W):
    """Training update of buffer RV1 of a user layer (no label in docs/paper.md).

    RV1[c] = 0.1*H*N*W*V1[c]/(H*N*W - 1) + 0.9*RV1[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for c in range(C):
        _next_RV1[c] = 0.1*H*N*W*V1[c]/(H*N*W - 1) + 0.9*RV1[c]


@njit(cache=True)
def update_RM2(M2, RM2, _next_RM2, C):
    """Training update of buffer RM2 of a user layer (no label in docs/paper.md).

    RM2[c] = 0.1*M2[c] + 0.9*RM2[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for c in range(C):
        _next_RM2[c] = 0.1*M2[c] + 0.9*RM2[c]


@njit(cache=True)
def update_RV2(RV2, V2, _next_RV2, N, C, H, W):
    """Training update of buffer RV2 of a user layer (no label in docs/paper.md).

    RV2[c] = 0.1*H*N*W*V2[c]/(H*N*W - 1) + 0.9*RV2[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for c in range(C):
        _next_RV2[c] = 0.1*H*N*W*V2[c]/(H*N*W - 1) + 0.9*RV2[c]


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of resblock, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "K1", 4)
    _check.rank(arrays, "G1", 1)
    _check.rank(arrays, "B1", 1)
    _check.rank(arrays, "K2", 4)
    _check.rank(arrays, "G2", 1)
    _check.rank(arrays, "B2", 1)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    H = arrays["X"].shape[2]
    W = arrays["X"].shape[3]
    _z = {"N": N, "C": C, "H": H, "W": W}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _check.array(arrays, "K1", (_z["C"], _z["C"], 3, 3), _dt)
    _check.array(arrays, "G1", (_z["C"],), _dt)
    _check.array(arrays, "B1", (_z["C"],), _dt)
    _check.array(arrays, "K2", (_z["C"], _z["C"], 3, 3), _dt)
    _check.array(arrays, "G2", (_z["C"],), _dt)
    _check.array(arrays, "B2", (_z["C"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of resblock for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "K1": (_z["C"], _z["C"], 3, 3),
        "G1": (_z["C"],),
        "B1": (_z["C"],),
        "K2": (_z["C"], _z["C"], 3, 3),
        "G2": (_z["C"],),
        "B2": (_z["C"],),
        "U1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "M1": (_z["C"],),
        "V1": (_z["C"],),
        "Z1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "H1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "U2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "M2": (_z["C"],),
        "V2": (_z["C"],),
        "Z2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "Y": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "RM1": (_z["C"],),
        "RV1": (_z["C"],),
        "RM2": (_z["C"],),
        "RV2": (_z["C"],),
        "EU1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "EH1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "EU2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dZ2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dV2": (_z["C"],),
        "dM2": (_z["C"],),
        "dU2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dH1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dZ1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dV1": (_z["C"],),
        "dM1": (_z["C"],),
        "dU1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dK1": (_z["C"], _z["C"], 3, 3),
        "dG1": (_z["C"],),
        "dB1": (_z["C"],),
        "dK2": (_z["C"], _z["C"], 3, 3),
        "dG2": (_z["C"],),
        "dB2": (_z["C"],),
        "dY": (_z["N"], _z["C"], _z["H"], _z["W"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of resblock: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["U1"] = _a["U1"] = _check.buffer(out, "U1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_U1(_a["K1"], _a["X"], _a["U1"], _z["N"], _z["C"], _z["H"], _z["W"], _numba_config.NUMBA_NUM_THREADS)
    _r["M1"] = _a["M1"] = _check.buffer(out, "M1", (_z["C"],), _dt, _a)
    forward_M1(_a["U1"], _a["M1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["V1"] = _a["V1"] = _check.buffer(out, "V1", (_z["C"],), _dt, _a)
    forward_V1(_a["M1"], _a["U1"], _a["V1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Z1"] = _a["Z1"] = _check.buffer(out, "Z1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Z1(_a["B1"], _a["G1"], _a["M1"], _a["U1"], _a["V1"], _a["Z1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["H1"] = _a["H1"] = _check.buffer(out, "H1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_H1(_a["Z1"], _a["H1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["U2"] = _a["U2"] = _check.buffer(out, "U2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_U2(_a["H1"], _a["K2"], _a["U2"], _z["N"], _z["C"], _z["H"], _z["W"], _numba_config.NUMBA_NUM_THREADS)
    _r["M2"] = _a["M2"] = _check.buffer(out, "M2", (_z["C"],), _dt, _a)
    forward_M2(_a["U2"], _a["M2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["V2"] = _a["V2"] = _check.buffer(out, "V2", (_z["C"],), _dt, _a)
    forward_V2(_a["M2"], _a["U2"], _a["V2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Z2"] = _a["Z2"] = _check.buffer(out, "Z2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Z2(_a["B2"], _a["G2"], _a["M2"], _a["U2"], _a["V2"], _a["X"], _a["Z2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Y(_a["Z2"], _a["Y"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dZ2": (),
    "dV2": ("dZ2",),
    "dM2": ("dV2", "dZ2"),
    "dU2": ("dM2", "dV2", "dZ2"),
    "dH1": ("dU2",),
    "dZ1": ("dH1",),
    "dV1": ("dZ1",),
    "dM1": ("dV1", "dZ1"),
    "dU1": ("dM1", "dV1", "dZ1"),
    "dX": ("dZ2", "dU1"),
    "dK1": ("dU1",),
    "dG1": ("dZ1",),
    "dB1": ("dZ1",),
    "dK2": ("dU2",),
    "dG2": ("dZ2",),
    "dB2": ("dZ2",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of resblock: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U1"] = _check.array(arrays, "U1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M1"] = _check.array(arrays, "M1", (_z["C"],), _dt)
    _a["V1"] = _check.array(arrays, "V1", (_z["C"],), _dt)
    _a["Z1"] = _check.array(arrays, "Z1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["H1"] = _check.array(arrays, "H1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["U2"] = _check.array(arrays, "U2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M2"] = _check.array(arrays, "M2", (_z["C"],), _dt)
    _a["V2"] = _check.array(arrays, "V2", (_z["C"],), _dt)
    _a["Z2"] = _check.array(arrays, "Z2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _g = {}
    if "dZ2" in _need:
        _g["dZ2"] = _a["dZ2"] = _check.buffer(out, "dZ2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dZ2(_a["dY"], _a["Z2"], _a["dZ2"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dV2" in _need:
        _g["dV2"] = _a["dV2"] = _check.buffer(out, "dV2", (_z["C"],), _dt, _a)
        backward_dV2(_a["V2"], _a["M2"], _a["U2"], _a["G2"], _a["dZ2"], _a["dV2"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dM2" in _need:
        _g["dM2"] = _a["dM2"] = _check.buffer(out, "dM2", (_z["C"],), _dt, _a)
        backward_dM2(
            _a["G2"],
            _a["M2"],
            _a["U2"],
            _a["V2"],
            _a["dV2"],
            _a["dZ2"],
            _a["dM2"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dU2" in _need:
        _g["dU2"] = _a["dU2"] = _check.buffer(out, "dU2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dU2(
            _a["G2"],
            _a["M2"],
            _a["U2"],
            _a["V2"],
            _a["dM2"],
            _a["dV2"],
            _a["dZ2"],
            _a["dU2"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dH1" in _need:
        _g["dH1"] = _a["dH1"] = _check.buffer(out, "dH1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dH1(
            _a["K2"],
            _a["dU2"],
            _a["dH1"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"],
            _numba_config.NUMBA_NUM_THREADS
        )
    if "dZ1" in _need:
        _g["dZ1"] = _a["dZ1"] = _check.buffer(out, "dZ1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dZ1(_a["dH1"], _a["Z1"], _a["dZ1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dV1" in _need:
        _g["dV1"] = _a["dV1"] = _check.buffer(out, "dV1", (_z["C"],), _dt, _a)
        backward_dV1(_a["V1"], _a["M1"], _a["U1"], _a["G1"], _a["dZ1"], _a["dV1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dM1" in _need:
        _g["dM1"] = _a["dM1"] = _check.buffer(out, "dM1", (_z["C"],), _dt, _a)
        backward_dM1(
            _a["G1"],
            _a["M1"],
            _a["U1"],
            _a["V1"],
            _a["dV1"],
            _a["dZ1"],
            _a["dM1"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dU1" in _need:
        _g["dU1"] = _a["dU1"] = _check.buffer(out, "dU1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dU1(
            _a["G1"],
            _a["M1"],
            _a["U1"],
            _a["V1"],
            _a["dM1"],
            _a["dV1"],
            _a["dZ1"],
            _a["dU1"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dX(
            _a["dZ2"],
            _a["K1"],
            _a["dU1"],
            _a["dX"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"],
            _numba_config.NUMBA_NUM_THREADS
        )
    if "dK1" in _need:
        _g["dK1"] = _a["dK1"] = _check.buffer(out, "dK1", (_z["C"], _z["C"], 3, 3), _dt, _a)
        backward_dK1(_a["X"], _a["dU1"], _a["dK1"], _z["N"], _z["C"], _z["H"], _z["W"], _numba_config.NUMBA_NUM_THREADS)
    if "dG1" in _need:
        _g["dG1"] = _a["dG1"] = _check.buffer(out, "dG1", (_z["C"],), _dt, _a)
        backward_dG1(_a["V1"], _a["M1"], _a["U1"], _a["dZ1"], _a["dG1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dB1" in _need:
        _g["dB1"] = _a["dB1"] = _check.buffer(out, "dB1", (_z["C"],), _dt, _a)
        backward_dB1(_a["dZ1"], _a["dB1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dK2" in _need:
        _g["dK2"] = _a["dK2"] = _check.buffer(out, "dK2", (_z["C"], _z["C"], 3, 3), _dt, _a)
        backward_dK2(
            _a["H1"],
            _a["dU2"],
            _a["dK2"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"],
            _numba_config.NUMBA_NUM_THREADS
        )
    if "dG2" in _need:
        _g["dG2"] = _a["dG2"] = _check.buffer(out, "dG2", (_z["C"],), _dt, _a)
        backward_dG2(_a["V2"], _a["M2"], _a["U2"], _a["dZ2"], _a["dG2"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dB2" in _need:
        _g["dB2"] = _a["dB2"] = _check.buffer(out, "dB2", (_z["C"],), _dt, _a)
        backward_dB2(_a["dZ2"], _a["dB2"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of resblock for these sizes, each at its initial value."""
    _z = sizes
    _b = {}
    _b["RM1"] = _contract.aligned((_z["C"],), dtype)
    _b["RM1"][...] = 0.0
    _b["RV1"] = _contract.aligned((_z["C"],), dtype)
    _b["RV1"][...] = 1.0
    _b["RM2"] = _contract.aligned((_z["C"],), dtype)
    _b["RM2"][...] = 0.0
    _b["RV2"] = _contract.aligned((_z["C"],), dtype)
    _b["RV2"][...] = 1.0
    return _b


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of resblock: its evaluation equations, reading the buffers."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["RM1"] = _check.array(arrays, "RM1", (_z["C"],), _dt)
    _a["RV1"] = _check.array(arrays, "RV1", (_z["C"],), _dt)
    _a["RM2"] = _check.array(arrays, "RM2", (_z["C"],), _dt)
    _a["RV2"] = _check.array(arrays, "RV2", (_z["C"],), _dt)
    _r = {}
    _r["EU1"] = _a["EU1"] = _check.buffer(out, "EU1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_EU1(_a["K1"], _a["X"], _a["EU1"], _z["N"], _z["C"], _z["H"], _z["W"], _numba_config.NUMBA_NUM_THREADS)
    _r["EH1"] = _a["EH1"] = _check.buffer(out, "EH1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_EH1(_a["B1"], _a["EU1"], _a["G1"], _a["RM1"], _a["RV1"], _a["EH1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["EU2"] = _a["EU2"] = _check.buffer(out, "EU2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_EU2(_a["EH1"], _a["K2"], _a["EU2"], _z["N"], _z["C"], _z["H"], _z["W"], _numba_config.NUMBA_NUM_THREADS)
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_Y(
        _a["B2"],
        _a["EU2"],
        _a["G2"],
        _a["RM2"],
        _a["RV2"],
        _a["X"],
        _a["Y"],
        _z["N"],
        _z["C"],
        _z["H"],
        _z["W"]
    )
    return _r


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """A training step's update of the buffers of resblock, in place in ``arrays``.

    ``arrays``: what the training forward pass was given and made, and the buffers. Each buffer's new
    value is computed from the old values before any is replaced.
    """
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U1"] = _check.array(arrays, "U1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M1"] = _check.array(arrays, "M1", (_z["C"],), _dt)
    _a["V1"] = _check.array(arrays, "V1", (_z["C"],), _dt)
    _a["Z1"] = _check.array(arrays, "Z1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["H1"] = _check.array(arrays, "H1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["U2"] = _check.array(arrays, "U2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M2"] = _check.array(arrays, "M2", (_z["C"],), _dt)
    _a["V2"] = _check.array(arrays, "V2", (_z["C"],), _dt)
    _a["Z2"] = _check.array(arrays, "Z2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["RM1"] = _check.array(arrays, "RM1", (_z["C"],), _dt)
    _a["RV1"] = _check.array(arrays, "RV1", (_z["C"],), _dt)
    _a["RM2"] = _check.array(arrays, "RM2", (_z["C"],), _dt)
    _a["RV2"] = _check.array(arrays, "RV2", (_z["C"],), _dt)
    _a["_next_RM1"] = _contract.aligned((_z["C"],), _dt)
    update_RM1(_a["M1"], _a["RM1"], _a["_next_RM1"], _z["C"])
    _a["_next_RV1"] = _contract.aligned((_z["C"],), _dt)
    update_RV1(_a["RV1"], _a["V1"], _a["_next_RV1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _a["_next_RM2"] = _contract.aligned((_z["C"],), _dt)
    update_RM2(_a["M2"], _a["RM2"], _a["_next_RM2"], _z["C"])
    _a["_next_RV2"] = _contract.aligned((_z["C"],), _dt)
    update_RV2(_a["RV2"], _a["V2"], _a["_next_RV2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _a["RM1"][...] = _a["_next_RM1"]
    _a["RV1"][...] = _a["_next_RV1"]
    _a["RM2"][...] = _a["_next_RM2"]
    _a["RV2"][...] = _a["_next_RV2"]


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
