"""``--convention matlab`` reproduces DeepLearnToolbox's cnnff/cnnbp, value for value.

The reference is tests/dlt_reference.py, an independent line-by-line NumPy port
of DeepLearnToolbox. Every activation ``a``, sensitivity ``d``, kernel and bias
gradient and the fully connected gradients must agree to float64 round-off.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy")

from dlt_reference import dlt_bp, dlt_setup  # noqa: E402
from runtime_helpers import GENERATED  # noqa: E402

from symcnn.errors import DataError, ShapeError  # noqa: E402
from symcnn.runtime import build_network, from_dlt, load_dlt_mat  # noqa: E402
from symcnn.runtime.dlt import dlt_gradients  # noqa: E402

RTOL = 1e-11


def close(got, want, what):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, what
    scale = np.max(np.abs(want))
    assert scale > 0, what
    err = np.max(np.abs(got - want)) / scale
    assert err < RTOL, f"{what}: relative error {err:.2e}"


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(2006)
    cnn = dlt_setup(rng)
    for layer in cnn["layers"]:  # non-zero biases so the bias paths count
        if layer["type"] == "c":
            layer["b"] = list(rng.normal(0.0, 0.3, len(layer["b"])))
    cnn["ffb"] = rng.normal(0.0, 0.3, 10)
    n = 7
    x = rng.random((28, 28, n))
    y = np.zeros((10, n))
    y[rng.integers(0, 10, n), np.arange(n)] = 1.0
    return cnn, x, y, dlt_bp(cnn, x, y)


def compare(got, ref):
    close(got["L"], ref["L"], "L")
    for key in ("fv", "o", "e", "od", "fvd", "dffW", "dffb"):
        close(got[key], ref[key], key)
    for l in range(1, 5):  # noqa: E741 - DeepLearnToolbox's index
        for j, want in enumerate(ref["a"][l]):
            close(got["a"][l][j], want, f"a[{l}][{j}]")
            close(got["d"][l][j], ref["d"][l][j], f"d[{l}][{j}]")
        if ref["dk"][l] is None:
            assert got["dk"][l] is None and got["db"][l] is None
            continue
        close(got["db"][l], ref["db"][l], f"db[{l}]")
        for i, row in enumerate(ref["dk"][l]):
            for j, want in enumerate(row):
                close(got["dk"][l][i][j], want, f"dk[{l}][{i}][{j}]")


@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.slow), "numpy"])
def test_matlab_convention_matches_deeplearntoolbox(problem, backend):
    cnn, x, y, ref = problem
    net = from_dlt(cnn, backend=backend, generated=GENERATED)
    assert net.meta["net"] == "dlt" and net.meta["convention"] == "matlab"
    compare(dlt_gradients(net, x, y), ref)


def test_xcorr_convention_computes_the_same_function(problem):
    cnn, x, y, ref = problem
    net = from_dlt(cnn, convention="xcorr", backend="numpy", generated=GENERATED)
    np.testing.assert_array_equal(net.parameters()["conv1.K"][0, 2], cnn["layers"][1]["k"][0][2][::-1, ::-1])
    compare(dlt_gradients(net, x, y), ref)


def test_dlt_preset_in_matlab_convention_is_deeplearntoolbox(problem):
    """The ``dlt`` preset's weight names are the documented image of k{i}{j}, b{j}, ffW, ffb."""
    cnn, x, y, ref = problem
    net = build_network("dlt", convention="matlab", backend="numpy", generated=GENERATED)
    net.set_parameters({
        "conv1.K": np.array(cnn["layers"][1]["k"]), "conv1.B": np.array(cnn["layers"][1]["b"]),
        "conv2.K": np.array(cnn["layers"][3]["k"]), "conv2.B": np.array(cnn["layers"][3]["b"]),
        "fc.W": cnn["ffW"], "fc.b": cnn["ffb"],
    })
    compare(dlt_gradients(net, x, y), ref)


def test_one_dlt_update_step_matches(problem):
    """One SGD step (lr 1, DeepLearnToolbox's cnnapplygrads) from the same weights."""
    from symcnn.runtime import SGD

    cnn, x, y, ref = problem
    net = from_dlt(cnn, backend="numpy", generated=GENERATED)
    dlt_gradients(net, x, y)
    SGD(net.parameters(), lr=1.0).step(net.gradients())
    close(net.parameters()["fc.W"], cnn["ffW"] - ref["dffW"], "ffW after one step")
    k_after = cnn["layers"][3]["k"][3][7] - ref["dk"][3][3][7]
    close(net.parameters()["conv2.K"][3, 7], k_after, "k after one step")


def test_from_dlt_rejects_malformed_structs(problem):
    cnn = problem[0]
    bad = dict(cnn, ffW=cnn["ffW"][:, :100])
    with pytest.raises(ShapeError, match="ffW"):
        from_dlt(bad, backend="numpy", generated=GENERATED)
    layers = [dict(layer) for layer in cnn["layers"]]
    layers[3]["k"] = layers[3]["k"][:4]
    with pytest.raises(ShapeError, match=r"layers\{4\}.k is 4x12, expected 6 inputs x 12 outputs"):
        from_dlt(dict(cnn, layers=layers), backend="numpy", generated=GENERATED)
    net = from_dlt(cnn, backend="numpy", generated=GENERATED)
    with pytest.raises(ShapeError, match="MATLAB layout"):
        dlt_gradients(net, np.zeros((5, 28, 28)), np.zeros((10, 5)))


def _as_mat_cells(items):
    cell = np.empty((1, len(items)), dtype=object)
    for i, item in enumerate(items):
        cell[0, i] = item
    return cell


def test_load_dlt_mat_reads_a_saved_cnn_struct(problem, tmp_path):
    """A struct laid out as MATLAB saves DeepLearnToolbox's cnn (cells of cells, column ffb)."""
    import scipy.io

    cnn, x, y, ref = problem
    layers = []
    for layer in cnn["layers"]:
        entry = {"type": layer["type"]}
        if layer["type"] == "c":
            entry.update(outputmaps=float(layer["outputmaps"]), kernelsize=float(layer["kernelsize"]))
            entry["k"] = _as_mat_cells([_as_mat_cells(list(row)) for row in layer["k"]])
            entry["b"] = _as_mat_cells([np.array([[b]]) for b in layer["b"]])
        elif layer["type"] == "s":
            entry["scale"] = float(layer["scale"])
            entry["b"] = _as_mat_cells([np.array([[0.0]])] * 1)
        layers.append(entry)
    struct = {"layers": _as_mat_cells(layers), "ffW": cnn["ffW"], "ffb": cnn["ffb"][:, None],
              "rL": np.arange(3.0)}
    path = tmp_path / "cnn.mat"
    scipy.io.savemat(path, {"cnn": struct})
    loaded = load_dlt_mat(path)
    net = from_dlt(loaded, backend="numpy", generated=GENERATED)
    compare(dlt_gradients(net, x, y), ref)

    (tmp_path / "text.mat").write_text("# Created by Octave 8.4.0\n# name: cnn\n# type: scalar struct\n")
    with pytest.raises(DataError, match="save -v7"):
        load_dlt_mat(tmp_path / "text.mat")
    with pytest.raises(DataError, match="no such file"):
        load_dlt_mat(tmp_path / "missing.mat")
