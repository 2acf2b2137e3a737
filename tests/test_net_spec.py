"""Network files (``symcnn train --net-spec``): sizes read off the chain, clear errors, checkpoints."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from runtime_helpers import GENERATED, batch

from symcnn.cli.main import main
from symcnn.errors import CheckpointError, NetworkError
from symcnn.pipeline import derive_spec
from symcnn.runtime import build_network, load_npz, network_from_meta
from symcnn.runtime.datasets import EMBEDDED_DIR
from symcnn.runtime.netfile import derived_folder, read_network_file
from symcnn.runtime.netspec import build_from_file

ROOT = Path(__file__).resolve().parents[1]
COMMON = ["--data", str(EMBEDDED_DIR), "--generated", str(GENERATED)]

#: DeepLearnToolbox's net (the ``dlt`` preset) written as a network file.
DLT_FILE = """
NETWORK = [
    {"name": "conv1", "layer": "conv_xcorr_sigmoid", "M": 6, "KH": 5, "KW": 5},
    {"name": "pool1", "layer": "pool_mean_plain", "s": 2},
    {"name": "conv2", "layer": "conv_xcorr_sigmoid", "M": 12, "KH": 5, "KW": 5},
    {"name": "pool2", "layer": "pool_mean_plain", "s": 2},
    {"layer": "flatten"},
    {"name": "fc", "layer": "fc_sigmoid", "O": 10},
]
LOSS = "loss_squared"
"""


def network_file(tmp_path: Path, text: str, name: str = "net.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def build(path: Path, backend: str = "numpy", dtype: str = "float64", seed: int = 0):
    return build_from_file(read_network_file(path), backend=backend, dtype=dtype, seed=seed,
                           generated=GENERATED)


def test_a_network_file_of_the_dlt_preset_is_the_preset(tmp_path):
    """Same layers, sizes read off the chain: same loss and same gradients as build_network('dlt')."""
    net = build(network_file(tmp_path, DLT_FILE))
    preset = build_network("dlt", backend="numpy", dtype="float64", generated=GENERATED, seed=3)
    assert net.param_spec() == preset.param_spec()
    net.set_parameters(preset.parameters())
    x, t = batch(np.random.default_rng(0), 7, "float64")
    assert net.loss(x, t) == preset.loss(x, t)
    net.backward()
    preset.backward()
    for name, grad in preset.gradients().items():
        np.testing.assert_array_equal(net.gradients()[name], grad, err_msg=name)


def test_sizes_not_given_come_from_the_layer_before(tmp_path):
    text = DLT_FILE.replace('"KH": 5, "KW": 5}', '"KH": 3, "KW": 3}', 1)  # 28 → 26 → 13
    text = text.replace('"KH": 5, "KW": 5}', '"KH": 4, "KW": 4}')  # → 10 → 5
    net = build(network_file(tmp_path, text))
    shapes = {k: s for k, (s, _) in net.param_spec().items()}
    assert shapes["conv1.K"] == (1, 6, 3, 3) and shapes["conv2.K"] == (6, 12, 4, 4)
    assert shapes["fc.W"] == (10, 12 * 5 * 5)


def test_init_and_seed(tmp_path):
    text = DLT_FILE.replace('"O": 10}', '"O": 10, "init": {"W": 0.5, "b": "he"}}')
    params = build(network_file(tmp_path, text), seed=1).parameters()
    assert np.all(params["fc.W"] == 0.5) and np.all(params["conv1.B"] == 0)
    assert 0 < np.abs(params["fc.b"]).max() <= np.sqrt(6.0)  # He, fan in 1: one entry per output unit
    again = build(network_file(tmp_path, text), seed=1).parameters()
    other = build(network_file(tmp_path, text), seed=2).parameters()
    np.testing.assert_array_equal(again["conv1.K"], params["conv1.K"])
    assert not np.array_equal(other["conv1.K"], params["conv1.K"])
    k = params["conv2.K"]  # Glorot: ±√(6/(fan_in + fan_out)), fans 6·25 and 12·25
    assert np.abs(k).max() <= np.sqrt(6 / (6 * 25 + 12 * 25)) and np.abs(k).max() > 0.5 * np.sqrt(6 / 450)


@pytest.mark.parametrize("edit, message", [
    (('"pool2", "layer": "pool_mean_plain", "s": 2', '"pool2", "layer": "pool_mean_plain", "s": 3'),
     r"layer 'pool2' \(pool_mean_plain\) cannot take the output of layer 'conv2' \(conv_xcorr_sigmoid\), "
     r"\(N, 12, 8, 8\): its input X is \(N, C, 3\*Ho, 3\*Wo\) with s=3"),
    (('    {"layer": "flatten"},\n', ''),
     r"layer 'fc' \(fc_sigmoid\) cannot take the output of layer 'pool2' \(pool_mean_plain\), \(N, 12, 4, 4\)"
     r".*put \{'layer': 'flatten'\} between them"),
    (('"O": 10', '"O": 12'),
     r"the loss loss_squared cannot take the output of layer 'fc' \(fc_sigmoid\), \(N, 12\): "
     r"it takes \(N, 10\)"),
    (('"M": 12, "KH": 5', '"M": 12, "Q": 1, "KH": 5'),
     r"layer 'conv2' \(conv_xcorr_sigmoid\): 'Q' is not one"),
    (('"s": 2}', '}'), r"layer 'pool1' \(pool_mean_plain\): give its hyper-parameter 's'"),
    (('"fc_sigmoid"', '"fc_sigmoidal"'),
     r"layer 'fc': no layer 'fc_sigmoidal' in the built-in layers; choose"),
    (('"KH": 5, "KW": 5}', '"KW": 5}'),
     r"layer 'conv1' \(conv_xcorr_sigmoid\): sizes .*cannot all be read off"),
    (('"conv2", "layer"', '"conv1", "layer"'), r"'conv1' is used twice"),
    (('LOSS = "loss_squared"', 'LOSS = "hinge"'), r"LOSS 'hinge'; choose from"),
    (('"M": 6', '"M": 6.5'), r"size M = 6.5 is not a whole number"),
    (('NETWORK = [', 'NETWORK = [1/0, '), r"the file raised ZeroDivisionError"),
])
def test_a_network_that_does_not_chain_is_one_clear_line(tmp_path, capsys, edit, message):
    path = network_file(tmp_path, DLT_FILE.replace(*edit))
    code = main(["train", "--net-spec", str(path), "--backend", "numpy", "--limit", "10", *COMMON])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("symcnn: ")]
    assert len(lines) == 1 and lines[0].startswith("symcnn: network error: ")
    assert re.search(message, lines[0]), lines[0]


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory):
    """A cache folder of its own, so the spec file is derived on first use here."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYMCNN_CACHE", str(folder))
        yield folder


def test_the_example_trains_saves_and_evaluates(fresh_cache, tmp_path, capsys):
    """examples/my_network.py: a custom layer derived on first use and built-ins, trained, evaluated."""
    model = tmp_path / "model.npz"
    code = main(["train", "--net-spec", str(ROOT / "examples" / "my_network.py"), "--backend", "numpy",
                 "--limit", "256", "--epochs", "1", "--json", "--save", str(model), *COMMON])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "deriving the layers of" in err and list((fresh_cache / "layers").glob("custom_layers-*"))
    record = json.loads(out.splitlines()[-1])
    assert record["epoch"] == 1 and np.isfinite(record["train_loss"])
    arrays, meta = load_npz(model)
    assert meta["net"] == "net-spec" and meta["net_spec"]["layers"][0]["layer"] == "dilated_conv"
    assert arrays["conv1.K"].shape == (1, 8, 3, 3) and arrays["fc.W"].shape == (10, 400)
    assert main(["evaluate", "--model", str(model), "--json", *COMMON]) == 1  # its custom layer is not run
    assert "--spec FILE" in capsys.readouterr().err
    spec = str(ROOT / "examples" / "custom_layers.py")
    assert main(["evaluate", "--model", str(model), "--json", "--spec", spec, *COMMON]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["net"] == "net-spec" and evaluated["test_error"] == record["test_error"]


def test_a_checkpoint_whose_custom_layer_changed_is_refused(fresh_cache, tmp_path):
    spec = tmp_path / "custom_layers.py"
    shutil.copy(ROOT / "examples" / "custom_layers.py", spec)
    net_path = tmp_path / "my_network.py"
    shutil.copy(ROOT / "examples" / "my_network.py", net_path)
    folder = derived_folder(spec, derive=derive_spec)  # as `symcnn train` and `evaluate` do
    net = build(net_path)
    meta = dict(net.meta)
    assert network_from_meta(meta, generated=GENERATED, custom=[folder]).param_spec() == net.param_spec()
    spec.write_text(spec.read_text().replace("tanh(U[n, j, y, x])", "U[n, j, y, x] * U[n, j, y, x]"))
    changed = derived_folder(spec, derive=derive_spec)
    with pytest.raises(CheckpointError, match="'conv1' \\(dilated_conv\\) was trained with spec hash"):
        network_from_meta(meta, generated=GENERATED, custom=[changed])


def test_missing_network_file():
    with pytest.raises(NetworkError, match="no such network file"):
        read_network_file("/nonexistent/net.py")


def test_numba_warmup_children_build_the_network_file_net(tmp_path):
    """The compiling children rebuild a network file's net from what the checkpoint would record."""
    from symcnn.runtime.warmup import _network

    nf = read_network_file(network_file(tmp_path, DLT_FILE))
    net = _network({"net": "dlt", "dtype": "float32", "generated": str(GENERATED), "trust": False,
                    "net_spec": nf.meta()})
    assert net.meta["net"] == "net-spec" and net.meta["backend"] == "numba"
    assert [layer.name for layer in net.layers] == [e["name"] for e in nf.layers]


def test_convention_does_not_apply_to_a_network_file(tmp_path, capsys):
    path = network_file(tmp_path, DLT_FILE)
    assert main(["train", "--net-spec", str(path), "--convention", "matlab", *COMMON]) == 1
    assert "--convention applies to the presets" in capsys.readouterr().err
