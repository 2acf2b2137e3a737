"""symcnn finds its templates and generated modules in a checkout and in an installed wheel alike."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from symcnn import paths

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_uses_its_own_templates_and_generated_folder():
    assert paths.source_tree() == ROOT
    assert paths.templates_dir() == ROOT / "templates"
    assert paths.generated_dir() == paths.derive_folder() == ROOT / "generated"


def test_cache_dir_honours_symcnn_cache_then_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path / "a"))
    assert paths.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("SYMCNN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.cache_dir() == tmp_path / "xdg" / "symcnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert paths.cache_dir() == Path("~/.cache/symcnn").expanduser()


def _installed_layout(site: Path) -> None:
    """What the wheel installs: the package with templates/ and generated/ inside it (setup.py)."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "symcnn", site / "symcnn", ignore=ignore)
    shutil.copytree(ROOT / "templates", site / "symcnn" / "_templates", ignore=ignore)
    shutil.copytree(ROOT / "generated", site / "symcnn" / "_generated", ignore=ignore)


PROBE = """
import json, sys
from symcnn import paths
from symcnn.codegen.render import environment
from symcnn.cli.derive import GENERATED
from symcnn.runtime import build_network
environment().get_template("numba.py.j2")
net = build_network("dlt", backend="numpy", dtype="float64")
json.dump({"tree": str(paths.source_tree()), "templates": str(paths.templates_dir()),
           "generated": str(paths.generated_dir()), "derive": str(GENERATED),
           "module": net.layers[0].module.__file__}, sys.stdout)
"""


def test_an_installed_package_finds_its_shipped_copies_and_derives_into_the_cache(tmp_path):
    site = tmp_path / "site"
    _installed_layout(site)
    env = {**os.environ, "PYTHONPATH": str(site), "SYMCNN_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    shipped = site / "symcnn" / "_generated"
    assert found["tree"] == "None"
    assert found["templates"] == str(site / "symcnn" / "_templates")
    assert found["generated"] == str(shipped)
    assert found["derive"] == str(tmp_path / "cache" / "generated")  # never site-packages
    assert found["module"] == str(shipped / "conv_xcorr_sigmoid_numpy.py")


@pytest.mark.slow
def test_the_wheel_ships_templates_generated_modules_and_data(tmp_path):
    src = tmp_path / "src"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "wheel"), str(src)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "wheel").glob("symcnn-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    manifest = json.loads((ROOT / "generated" / "MANIFEST.json").read_text())
    shipped = {f"symcnn/_generated/{n}" for n in [*manifest["files"], "MANIFEST.json"]}
    assert shipped <= names
    assert {f"symcnn/_templates/{p.name}" for p in (ROOT / "templates").glob("*.j2")} <= names
    assert {f"symcnn/data/{p.name}" for p in (ROOT / "symcnn" / "data").glob("*.gz")} <= names
    assert not any(n.startswith(("templates/", "generated/", "tests/")) for n in names)


def test_a_missing_template_is_a_named_error_not_a_traceback(monkeypatch, tmp_path):
    from symcnn.codegen import render, text
    from symcnn.errors import GeneratedCodeError

    monkeypatch.setattr(text, "TEMPLATES", tmp_path)
    text.environment.cache_clear()
    try:
        with pytest.raises(GeneratedCodeError, match=r"template numpy\.py\.j2 is missing"):
            render.template("numpy.py.j2")
    finally:
        text.environment.cache_clear()
