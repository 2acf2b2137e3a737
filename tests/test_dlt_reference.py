"""The DeepLearnToolbox reference must be right before it can judge symcnn.

Its gradients are checked against central finite differences of its own loss
in float64, and its forward pass against the definition of true convolution.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

pytest.importorskip("scipy")

from dlt_reference import dlt_bp, dlt_ff, dlt_loss, dlt_setup  # noqa: E402

H = 1e-5
RTOL = 1e-6


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(1234)
    net = dlt_setup(rng)
    # Non-zero biases so that the bias paths are exercised too.
    for layer in net["layers"]:
        if layer["type"] == "c":
            layer["b"] = list(rng.normal(0.0, 0.3, len(layer["b"])))
    net["ffb"] = rng.normal(0.0, 0.3, net["ffb"].shape)
    n = 3
    x = rng.random((28, 28, n))
    y = np.zeros((10, n))
    y[rng.integers(0, 10, n), np.arange(n)] = 1.0
    return net, x, y, dlt_bp(net, x, y)


def central_difference(net, x, y, setter) -> float:
    plus, minus = copy.deepcopy(net), copy.deepcopy(net)
    setter(plus, +H)
    setter(minus, -H)
    return (dlt_loss(plus, x, y) - dlt_loss(minus, x, y)) / (2 * H)


def assert_close(analytic: float, numeric: float) -> None:
    assert abs(analytic) > 1e-7, "pick an entry with a gradient well above round-off"
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=0)


def test_shapes(problem):
    net, x, y, out = problem
    assert [len(m) for m in out["a"]] == [1, 6, 6, 12, 12]
    assert out["a"][1][0].shape == (24, 24, 3)
    assert out["a"][2][0].shape == (12, 12, 3)
    assert out["a"][3][0].shape == (8, 8, 3)
    assert out["a"][4][0].shape == (4, 4, 3)
    assert out["fv"].shape == (192, 3)
    assert out["o"].shape == (10, 3)
    assert out["dffW"].shape == net["ffW"].shape == (10, 192)
    assert out["dffb"].shape == (10,)
    assert out["dk"][1][0][5].shape == (5, 5)
    assert out["dk"][3][5][11].shape == (5, 5)
    assert out["L"] == pytest.approx(dlt_loss(net, x, y), rel=1e-15)


@pytest.mark.parametrize(
    ("layer", "i", "j", "r", "c"),
    [(1, 0, 0, 0, 0), (1, 0, 4, 2, 3), (3, 0, 0, 4, 1), (3, 5, 11, 2, 2), (3, 3, 7, 0, 4)],
)
def test_kernel_gradient(problem, layer, i, j, r, c):
    net, x, y, out = problem

    def setter(n, h):
        n["layers"][layer]["k"][i][j][r, c] += h

    assert_close(out["dk"][layer][i][j][r, c], central_difference(net, x, y, setter))


@pytest.mark.parametrize(("layer", "j"), [(1, 2), (3, 9)])
def test_bias_gradient(problem, layer, j):
    net, x, y, out = problem

    def setter(n, h):
        n["layers"][layer]["b"][j] += h

    assert_close(out["db"][layer][j], central_difference(net, x, y, setter))


@pytest.mark.parametrize(("r", "c"), [(0, 0), (3, 17), (9, 191), (5, 100)])
def test_ffw_gradient(problem, r, c):
    net, x, y, out = problem

    def setter(n, h):
        n["ffW"][r, c] += h

    assert_close(out["dffW"][r, c], central_difference(net, x, y, setter))


def test_ffb_gradient(problem):
    net, x, y, out = problem

    def setter(n, h):
        n["ffb"][4] += h

    assert_close(out["dffb"][4], central_difference(net, x, y, setter))


def test_forward_is_true_convolution_and_mean_pooling(problem):
    net, x, _, out = problem
    k = net["layers"][1]["k"][0][2]
    b = net["layers"][1]["b"][2]
    u, v, n = 7, 11, 1
    z = sum(x[u + 4 - p, v + 4 - q, n] * k[p, q] for p in range(5) for q in range(5))
    assert out["a"][1][2][u, v, n] == pytest.approx(1 / (1 + np.exp(-(z + b))), rel=1e-13)
    pooled = out["a"][1][2][2 * 3 : 2 * 3 + 2, 2 * 5 : 2 * 5 + 2, n].mean()
    assert out["a"][2][2][3, 5, n] == pytest.approx(pooled, rel=1e-13)


def test_feature_vector_is_column_major(problem):
    _, _, _, out = problem
    # fv row (j * 16 + col * 4 + row) is pixel (row, col) of map j (MATLAB order).
    assert out["fv"][7 * 16 + 2 * 4 + 1, 0] == out["a"][4][7][1, 2, 0]


def test_forward_only_matches_bp(problem):
    net, x, _, out = problem
    np.testing.assert_array_equal(dlt_ff(net, x)["o"], out["o"])
