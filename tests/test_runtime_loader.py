"""Generated modules are loaded by path, from the named folder only, hash-checked, SymPy-free."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest
from runtime_helpers import GENERATED

from symcnn.errors import GeneratedCodeError
from symcnn.runtime.loader import CONTRACT, load_layer_module, read_manifest


def copy_layer(tmp_path, layer="fc_sigmoid", backend="numpy"):
    """A private generated folder holding one module and the real manifest."""
    folder = tmp_path / "gen"
    folder.mkdir()
    shutil.copy(GENERATED / f"{layer}_{backend}.py", folder)
    shutil.copy(GENERATED / "MANIFEST.json", folder)
    return folder


def test_loads_every_name_of_the_contract():
    module = load_layer_module("conv_xcorr_sigmoid", "numpy", GENERATED)
    assert all(hasattr(module, name) for name in CONTRACT)
    assert (module.LAYER, module.BACKEND) == ("conv_xcorr_sigmoid", "numpy")
    assert module.PARAMS == ("K", "B") and module.CONSTANTS == ("T",)
    assert load_layer_module("conv_xcorr_sigmoid", "numpy", GENERATED) is module  # cached


def test_missing_folder_file_and_backend_are_clear_errors(tmp_path):
    with pytest.raises(GeneratedCodeError, match="no generated-code folder"):
        load_layer_module("fc_sigmoid", "numpy", tmp_path / "nowhere")
    with pytest.raises(GeneratedCodeError, match="no generated numpy module for layer 'fc_nope'"):
        load_layer_module("fc_nope", "numpy", GENERATED)
    with pytest.raises(GeneratedCodeError, match="unknown backend"):
        load_layer_module("fc_sigmoid", "cuda", GENERATED)
    with pytest.raises(GeneratedCodeError, match="not a layer name"):
        load_layer_module("../fc_sigmoid", "numpy", GENERATED)


def test_only_the_named_folder_is_searched(tmp_path):
    folder = copy_layer(tmp_path)
    assert load_layer_module("fc_sigmoid", "numpy", folder).__file__ == str(folder / "fc_sigmoid_numpy.py")
    with pytest.raises(GeneratedCodeError, match="no generated numpy module"):
        load_layer_module("conv_xcorr_sigmoid", "numpy", folder)  # present in generated/, not here


def test_a_module_whose_hash_disagrees_with_the_manifest_is_refused(tmp_path):
    folder = copy_layer(tmp_path)
    path = folder / "fc_sigmoid_numpy.py"
    text = path.read_text()
    module = load_layer_module("fc_sigmoid", "numpy", GENERATED)
    path.write_text(text.replace(module.SPEC_HASH, "0123456789abcdef"))
    with pytest.raises(GeneratedCodeError, match="does not match MANIFEST.json"):
        load_layer_module("fc_sigmoid", "numpy", folder)
    assert load_layer_module("fc_sigmoid", "numpy", folder, trust=True).SPEC_HASH == "0123456789abcdef"


def test_an_edited_module_is_refused_by_its_sha256(tmp_path):
    folder = copy_layer(tmp_path, backend="numba")
    entry = read_manifest(folder)["files"]["fc_sigmoid_numba.py"]
    if "sha256" not in entry:
        pytest.skip("this manifest records no file digests")
    path = folder / "fc_sigmoid_numba.py"
    path.write_text(path.read_text() + "\n# a harmless-looking edit\n")
    with pytest.raises(GeneratedCodeError, match="contents differ from the sha256 in MANIFEST.json"):
        load_layer_module("fc_sigmoid", "numba", folder)


def test_refused_module_is_never_executed(tmp_path):
    folder = copy_layer(tmp_path)
    path = folder / "fc_sigmoid_numpy.py"
    marker = tmp_path / "executed"
    path.write_text(path.read_text().replace(
        load_layer_module("fc_sigmoid", "numpy", GENERATED).SPEC_HASH, "ffffffffffffffff"
    ) + f"\nopen({str(marker)!r}, 'w').close()\n")
    with pytest.raises(GeneratedCodeError):
        load_layer_module("fc_sigmoid", "numpy", folder)
    assert not marker.exists()


def test_missing_manifest_or_entry_is_refused(tmp_path):
    folder = copy_layer(tmp_path)
    manifest = read_manifest(folder)
    (folder / "MANIFEST.json").unlink()
    with pytest.raises(GeneratedCodeError, match="no MANIFEST.json"):
        load_layer_module("fc_sigmoid", "numpy", folder)
    (folder / "MANIFEST.json").write_text(json.dumps({k: v for k, v in manifest.items()
                                                      if k not in ("layers", "files")}))
    with pytest.raises(GeneratedCodeError, match="not in MANIFEST.json"):
        load_layer_module("fc_sigmoid", "numpy", folder)


def test_broken_or_incomplete_modules_are_generated_code_errors(tmp_path):
    folder = copy_layer(tmp_path)
    path = folder / "fc_sigmoid_numpy.py"
    path.write_text(path.read_text() + "\nraise RuntimeError('boom')\n")
    with pytest.raises(GeneratedCodeError, match="failed to import: RuntimeError: boom"):
        load_layer_module("fc_sigmoid", "numpy", folder, trust=True)
    path.write_text('SPEC_HASH = "0"\nLAYER = "fc_sigmoid"\n')
    with pytest.raises(GeneratedCodeError, match="does not define"):
        load_layer_module("fc_sigmoid", "numpy", folder, trust=True)


def test_runtime_never_imports_sympy():
    code = textwrap.dedent(f"""
        import sys, time
        t = time.perf_counter()
        import symcnn.runtime
        print(time.perf_counter() - t)
        from symcnn.runtime import build_network
        build_network("dlt", backend="numpy", generated={str(GENERATED)!r})
        assert "sympy" not in sys.modules, "sympy was imported"
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout.split()[0]) < 0.5
