"""Code generation itself: IR purity, printers, names, determinism, --check, atomic writes, lint."""

from __future__ import annotations

import dataclasses
import importlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sympy as sp

from symcnn.cli.main import main
from symcnn.codegen.generate import assemble, render_layer, write_tree
from symcnn.codegen.ir import Code
from symcnn.codegen.lower import lower
from symcnn.codegen.printer import array_code, scalar_code
from symcnn.derive.cache import cached_derive, spec_hash
from symcnn.model import builtin_layers
from symcnn.model.functions import relu, sigmoid, step
from symcnn.pipeline import DERIVATIONS, build

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
LAYERS = builtin_layers()


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return build(LAYERS.values())[0]


def _plain(value, path="module"):
    """Walk an IR value: only strings, frozen code, ints, bools, None and tuples/dataclasses of them."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            _plain(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, tuple):
        for k, v in enumerate(value):
            _plain(v, f"{path}[{k}]")
    elif type(value) is Code:
        assert type(value.atom) is bool and (value.value is None or type(value.value) is int), path
    else:
        assert value is None or type(value) in (str, int, bool), f"{path} holds {type(value)}"


@pytest.mark.parametrize("name", ["conv_xcorr_sigmoid", "pool_max_relu", "combo_sigmoid", "loss_softmax_ce"])
def test_ir_holds_no_sympy(name):
    layer = LAYERS[name]
    module = lower(cached_derive(layer), spec_hash(layer))
    _plain(module)


def test_printers():
    p, s, h = sp.symbols("p s Ho", integer=True)
    x = sp.Symbol("x")
    assert scalar_code(sp.floor(p / s)) == "((p) // (s))"
    assert scalar_code(sp.floor((p - h) / s) + 1) == "((-Ho + p) // (s)) + 1"
    assert "math.exp" in scalar_code(sigmoid(x)) and "np.exp" in array_code(sigmoid(x))
    assert scalar_code(step(x)) == "(1.0 if (x) > 0 else 0.0)"
    assert array_code(relu(x)) == "np.maximum(x, 0)"
    assert array_code(sp.Max(p, s, h)).count("np.maximum") == 2


def test_generated_files_are_deterministic(files):
    modules = {}
    for layer in LAYERS.values():  # rendered afresh, not read from the stage cache
        modules.update(render_layer(cached_derive(layer)))
    again = assemble(list(LAYERS.values()), modules, {DERIVATIONS: files[DERIVATIONS]})
    assert again == files
    for name in LAYERS:
        assert f"{name}_numba.py" in files and f"{name}_numpy.py" in files
    assert "MANIFEST.json" in files


def test_generated_folder_is_up_to_date(files):
    report = write_tree(files, GENERATED, check=True)
    assert report.up_to_date, (report.stale, report.missing, report.extra)


def test_generated_source_cites_label_and_imports_no_sympy(files):
    for name, text in files.items():
        if not name.endswith(".py") or name == "__init__.py":
            continue
        assert "sympy" not in text.split('"""', 2)[2].replace("SymPy", ""), name
        layer = LAYERS[name.rsplit("_", 1)[0]]
        assert f'SPEC_HASH = "{spec_hash(layer)}"' in text
        assert f"[{layer.label}]" in text if layer.label else "no label in docs/paper.md" in text
        for line in text.splitlines():
            if line.startswith("def backward_"):
                assert "=" in text.split(line, 1)[1].split('"""', 2)[1]  # a formula in the docstring


def test_generated_module_does_not_load_sympy():
    code = textwrap.dedent(
        f"""
        import sys
        from symcnn.runtime.loader import load_layer_module
        for b in ("numpy", "numba"):
            load_layer_module("conv_xcorr_sigmoid", b, {str(GENERATED)!r})
        assert "sympy" not in sys.modules, "sympy was imported"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


#: What generated code must pass, whatever ruff's defaults of the day: pyflakes (undefined and unused
#: names), syntax, and bugbear. Not style: sizes keep the paper's names (``I``, ``O``: E741).
GENERATED_RULES = ("--select", "F,E9,W6,B", "--ignore", "B905", "--target-version", "py310")


def test_ruff_finds_nothing_in_generated():
    beside = Path(sys.executable).with_name("ruff")  # the virtual environment's, off PATH
    ruff = str(beside) if beside.is_file() else shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "check", "--isolated", *GENERATED_RULES, str(GENERATED)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.slow  # derives every layer twice from an empty cache (CI also runs derive --check)
def test_derive_twice_is_byte_identical_and_check_passes(tmp_path, capsys):
    spec = ROOT / "examples" / "custom_layers.py"
    out = tmp_path / "gen"
    assert main(["derive", "--spec", str(spec), "--out", str(out)]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(["derive", "--spec", str(spec), "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == first
    assert "0 files written" in capsys.readouterr().out
    assert main(["derive", "--spec", str(spec), "--out", str(out), "--check"]) == 0
    target = out / "strided_conv_numpy.py"
    target.write_text(target.read_text() + "# edited\n")
    assert main(["derive", "--spec", str(spec), "--out", str(out), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    target.unlink()
    assert main(["derive", "--spec", str(spec), "--out", str(out), "--check"]) == 1
    assert main(["derive", "--spec", str(spec), "--out", str(out)]) == 0
    assert target.read_bytes() == first["strided_conv_numpy.py"]


@pytest.mark.slow  # derives every built-in into a folder
def test_failed_render_leaves_folder_intact(tmp_path, monkeypatch):
    spec = ROOT / "examples" / "custom_layers.py"
    out = tmp_path / "gen"
    assert main(["derive", "--spec", str(spec), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    calls = []
    gen = importlib.import_module("symcnn.codegen.generate")
    real = gen.render_module

    def failing(module, backend, *blocks):
        calls.append(backend)
        if len(calls) == 3:
            raise RuntimeError("render failed halfway")
        return real(module, backend, *blocks) + "# changed\n"

    monkeypatch.setattr(gen, "render_module", failing)
    with pytest.raises(RuntimeError):
        main(["derive", "--spec", str(spec), "--out", str(out), "--no-cache"])
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_show_prints_a_derivation(capsys):
    assert main(["derive", "--show", "conv_xcorr_sigmoid"]) == 0
    assert "dX[n, i, p, q]" in capsys.readouterr().out
    assert main(["derive", "--show", "conv_xcorr_sigmoid", "--latex"]) == 0
    assert r"\sum" in capsys.readouterr().out
    assert main(["derive", "--show", "no_such_layer"]) == 1


BAD_SPEC = """
from symcnn.model import Equation, Layer, Sum, array, indices, sizes
N, C = sizes("N C")
n, c = indices("{index} c")
X, Y = array("{array}", (N, C)), array("Y", (N, C))
LAYERS = [Layer(name="{layer}", sizes=(N, C), inputs=(X,), params=(), outputs=(Y,),
                equations=(Equation(Y[n, c], 2 * X[n, c]),))]
"""


@pytest.mark.parametrize(
    "layer,array,index,why",
    [
        ("ok; import os", "X", "n", "identifier"),
        ("ok", "max", "n", "reserved"),
        ("ok", "X", "n-1", "identifier"),
        ("ok", "range", "n", "reserved"),
    ],
)
def test_names_that_could_inject_code_are_refused(tmp_path, layer, array, index, why, capsys):
    spec = tmp_path / "spec.py"
    spec.write_text(BAD_SPEC.format(layer=layer, array=array, index=index))
    out = tmp_path / "out"
    assert main(["derive", "--spec", str(spec), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "spec error" in err and why in err
    assert not out.exists()


def test_index_names_that_shadow_arrays_are_renamed():
    spec_text = BAD_SPEC.format(layer="shadow", array="X", index="Y")
    namespace: dict = {}
    exec(compile(spec_text, "spec", "exec"), namespace)
    files = build(namespace["LAYERS"], report=False)[0]
    assert "Y_" in files["shadow_numba.py"]
