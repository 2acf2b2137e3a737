"""examples/batchnorm.py: training-mode batch norm from its equations, against PyTorch and proven.

Both spellings (the variance an equation of its own; the sum inside the root)
generate kernels that agree with ``F.batch_norm(training=True)`` and its
autograd in float64; ``symcnn derive --spec`` and ``verify --spec`` prove every
gradient, each verdict naming its method.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symcnn.derive import derive
from symcnn.model.spec import load_spec
from symcnn.verify.generated import load_source, module_sources

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "batchnorm.py"
LAYERS = {layer.name: layer for layer in load_spec(SPEC)}


@pytest.mark.parametrize("name", ["batchnorm_var", "batchnorm_inline"])
def test_the_generated_batch_norm_agrees_with_torch_in_training_mode(name):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F  # noqa: N812

    mod = load_source(module_sources(derive(LAYERS[name]), ("numpy",))["numpy"], f"bn_{name}")
    rng = np.random.default_rng(0)
    x = rng.normal(1.5, 2.0, (4, 3, 5, 6))
    g, b = rng.normal(size=3), rng.normal(size=3)
    dy = rng.normal(size=x.shape)
    fwd = mod.forward({"X": x, "G": g, "B": b}, {})
    grads = mod.backward({"X": x, "G": g, "B": b, **fwd, "dY": dy}, {})

    tx, tg, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, g, b))
    ty = F.batch_norm(tx, None, None, tg, tb, training=True, eps=1e-5)
    ty.backward(torch.tensor(dy))
    assert np.allclose(fwd["Y"], ty.detach().numpy(), rtol=0, atol=1e-12)
    for mine, ref in ((grads["dX"], tx.grad), (grads["dG"], tg.grad), (grads["dB"], tb.grad)):
        assert np.max(np.abs(mine - ref.numpy())) <= 1e-12 * max(1.0, np.max(np.abs(ref.numpy())))


def _symcnn(args: list[str], cache: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "SYMCNN_CACHE": str(cache), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "symcnn.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=900)


@pytest.mark.slow  # derives, proves and generates three layers from an empty cache, then proves again
def test_derive_and_verify_spec_prove_every_batch_norm_gradient_naming_the_method(tmp_path):
    gradients = sum(len(derive(layer).gradients) for layer in LAYERS.values())
    out = _symcnn(["derive", "--spec", str(SPEC), "--out", str(tmp_path / "bn")], tmp_path / "cache")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("proven by a randomized identity test at 3 sizes") == gradients
    report = (tmp_path / "bn" / "DERIVATIONS.md").read_text()
    assert report.count("**proven by a randomized identity test") == gradients
    out = _symcnn(["verify", "--spec", str(SPEC), "--backend", "none"], tmp_path / "cache2")  # proofs afresh
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count(": verified") == len(LAYERS)
    assert out.stdout.count("proven by a randomized identity test at 3 sizes") == gradients
