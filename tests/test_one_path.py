"""One road from a derivation to module text: what ``verify`` checks is, byte for byte, what ``derive``
writes.

- every built-in module that :func:`~symcnn.verify.generated.module_sources` renders (the text
  ``symcnn verify`` and the tests load) has the SHA-256 that ``generated/MANIFEST.json`` records;
- ``symcnn verify --spec F --json`` reports, for each module it checked, the SHA-256 that
  ``symcnn derive --spec F --out D`` records in ``D/MANIFEST.json``;
- a layer whose sum sits inside a nonlinear function (the engine splits it into an intermediate)
  carries the hash of the layer as written, so its folder loads through ``load_layer_module``,
  ``symcnn.torch`` and a network file's ``"generated"``; the fuzz's first layers load both ways too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fuzz_layers import layers
from hypothesis import HealthCheck, Phase, given, settings

from symcnn.backends import BACKENDS
from symcnn.cli.main import main
from symcnn.codegen.checks import random_arrays, run_backward, seeds
from symcnn.derive import derive
from symcnn.derive.cache import cached_derive, spec_hash
from symcnn.fileio import text_sha256
from symcnn.model import builtin_layers
from symcnn.model.spec import load_spec
from symcnn.pipeline import run_derive
from symcnn.runtime.loader import load_layer_module
from symcnn.verify.generated import module_sources

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SPECS = ("custom_layers.py", "split_layers.py")


def manifest(folder: Path) -> dict:
    return json.loads((folder / "MANIFEST.json").read_text())["files"]


def test_every_builtin_module_verify_renders_is_the_one_in_the_manifest():
    files = manifest(ROOT / "generated")
    for name, layer in builtin_layers().items():
        for backend, text in module_sources(cached_derive(layer)).items():
            assert text_sha256(text) == files[f"{name}_{backend}.py"]["sha256"], (name, backend)


@pytest.mark.parametrize("backend", ["numpy", pytest.param("all", marks=pytest.mark.slow)])
@pytest.mark.parametrize("spec", SPECS)
def test_verify_spec_reports_the_hashes_derive_records(spec, backend, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["derive", "--spec", str(EXAMPLES / spec), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["verify", "--spec", str(EXAMPLES / spec), "--json", "--backend", backend]) == 0
    reports = json.loads(capsys.readouterr().out)
    recorded = manifest(out)
    wanted = BACKENDS if backend == "all" else (backend,)
    assert [r["layer"] for r in reports] == [layer.name for layer in load_spec(EXAMPLES / spec)]
    for r in reports:
        assert sorted(r["modules"]) == sorted(f"{r['layer']}_{b}.py" for b in wanted)
        for name, sha in r["modules"].items():
            assert sha == recorded[name]["sha256"] == text_sha256((out / name).read_text()), name


@pytest.fixture(scope="module")
def split_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("split")
    run_derive(load_spec(EXAMPLES / "split_layers.py"), out, report=False)
    return out


def test_a_split_layer_carries_the_hash_of_the_layer_as_written(split_dir):
    for layer in load_spec(EXAMPLES / "split_layers.py"):
        d = derive(layer)
        assert d.layer is not layer and d.written is layer  # the engine split a sum into an intermediate
        assert spec_hash(d.layer) != spec_hash(layer)
        for backend in BACKENDS:
            module = load_layer_module(layer.name, backend, split_dir)
            assert module.SPEC_HASH == spec_hash(layer)


def test_split_layers_agree_with_pytorch_through_symcnn_torch(split_dir):
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedLayer

    g = torch.Generator().manual_seed(0)
    W = torch.randn(4, 6, generator=g, dtype=torch.float64)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    fc = GeneratedLayer.load("fc_sigmoid_sum", {"W": W, "b": b}, generated=split_dir)
    soft = GeneratedLayer.load("softmax_maps", {}, generated=split_dir)
    x = torch.randn(3, 6, generator=g, dtype=torch.float64, requires_grad=True)
    m = torch.randn(2, 5, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    seed_y = torch.randn(3, 4, generator=g, dtype=torch.float64)
    seed_m = torch.randn(2, 5, 3, 4, generator=g, dtype=torch.float64)
    ((fc(x) * seed_y).sum() + (soft(m) * seed_m).sum()).backward()
    xr, mr = x.detach().clone().requires_grad_(), m.detach().clone().requires_grad_()
    Wr, br = W.clone().requires_grad_(), b.clone().requires_grad_()
    y_ref = torch.sigmoid(torch.nn.functional.linear(xr, Wr, br))
    s_ref = torch.softmax(mr, dim=1)
    ((y_ref * seed_y).sum() + (s_ref * seed_m).sum()).backward()
    for ours, ref in ((x.grad, xr.grad), (fc.W.grad, Wr.grad), (fc.b.grad, br.grad), (m.grad, mr.grad)):
        assert float((ours - ref).abs().max()) <= 1e-12 * float(ref.abs().max())


NETWORK = """
NETWORK = [
    {{"layer": "flatten"}},
    {{"name": "hidden", "layer": "fc_sigmoid_sum", "generated": "{folder}", "O": 16}},
    {{"name": "fc", "layer": "fc_identity", "O": 10}},
]
LOSS = "loss_softmax_ce"
RECIPE = {{"lr": 0.1, "batch_size": 50, "epochs": 1}}
"""


def test_a_split_layer_trains_in_a_network_file(split_dir, tmp_path, capsys):
    net = tmp_path / "net.py"
    net.write_text(NETWORK.format(folder=split_dir))
    args = ["train", "--net-spec", str(net), "--data", str(ROOT / "symcnn" / "data"), "--limit", "500",
            "--backend", "numpy", "--save", str(tmp_path / "net.npz")]
    assert main(args) == 0
    assert (tmp_path / "net.npz").is_file()
    assert "error" in capsys.readouterr().out


def small_sizes(mod) -> dict[str, int]:
    """The first sizes (hyper-parameters 1–2, others 2–4) under which every array is non-empty."""
    for extent in range(2, 5):
        for hyper in (1, 2):
            z = {s: hyper if s in mod.HYPER else extent for s in mod.SIZES}
            if all(v >= 1 for shape in mod.shapes(z).values() for v in shape):
                return z
    raise AssertionError(f"{mod.LAYER}: no small sizes give non-empty arrays")


@settings(max_examples=20, derandomize=True, database=None, deadline=None, phases=(Phase.generate,),
          suppress_health_check=list(HealthCheck))
@given(layers())
def test_the_fuzzs_first_layers_load_from_their_folder_and_through_symcnn_torch(tmp_path_factory, layer):
    """Written by ``derive``, loaded as users load them, run through ``GeneratedFunction``: the same
    forward and gradients as the module itself gives."""
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedFunction

    folder = tmp_path_factory.mktemp("fuzz")
    run_derive([layer], folder, report=False)
    mod = load_layer_module(layer.name, "numpy", folder)
    z = small_sizes(mod)
    hyper = {h: z[h] for h in mod.HYPER}
    arrays = random_arrays(mod, z, np.random.default_rng(0))
    w = seeds(mod, z, np.random.default_rng(1))
    want = run_backward(mod, arrays, hyper, w)
    names = (*mod.INPUTS, *mod.PARAMS)
    tensors = [torch.from_numpy(arrays[n].copy()).requires_grad_() for n in names]
    constants = {c: arrays[c] for c in mod.CONSTANTS}
    outs = GeneratedFunction.apply(mod, hyper, constants, *tensors)
    outs = outs if isinstance(outs, tuple) else (outs,)
    sum((o * torch.from_numpy(w[f"d{n}"])).sum() for o, n in zip(outs, mod.OUTPUTS)).backward()
    for n, t in zip(names, tensors):
        assert np.allclose(t.grad.numpy(), want[f"d{n}"], rtol=1e-12, atol=1e-12), (layer.name, n)
