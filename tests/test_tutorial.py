"""examples/tutorial.ipynb runs from top to bottom, and shows what it says it shows.

It is executed in a Jupyter kernel (nbclient, ipykernel: the ``test`` extra), as a reader would run it:
the derivation and the gradient come out as typeset math (and render in KaTeX, where it is installed),
the proof holds, and the student layer's loss falls.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the tutorial needs nbformat (pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="the tutorial needs nbclient (pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "examples" / "tutorial.ipynb"

pytestmark = pytest.mark.slow  # a Jupyter kernel, a derivation and its exhaustive proof: ~15 s


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(TUTORIAL, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")  # kept without outputs
    where = {"metadata": {"path": str(tmp_path_factory.mktemp("tutorial"))}}  # the kernel's working folder
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources=where)
    client.execute()
    return [c for c in nb.cells if c.cell_type == "code"]


def _data(cell, kind: str) -> str:
    return "".join(o.get("data", {}).get(kind, "") for o in cell.outputs if o.output_type == "execute_result")


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def test_the_tutorial_shows_the_derivation_typeset_and_trains(executed):
    _, derivation, gradient, proof, kernel, training = executed
    tex = _data(derivation, "text/latex")
    assert tex.startswith("$$\\begin{aligned}") and "{dK}_{i,j,a,b} &=" in tex and r"\lfloor" in tex
    assert "**layer `dilated_conv`**" in _data(derivation, "text/markdown")
    dx = "$$\\begin{aligned}\n{dX}_{n,i,p,q} &= \\sum_{j=0}^{M - 1}"
    assert _data(gradient, "text/latex").startswith(dx)
    assert _data(proof, "text/markdown").startswith("**layer dilated_conv: verified**")
    assert "def backward_dK_loops(" in _stdout(kernel) and "prange" in _stdout(kernel)
    losses = [float(v) for v in re.findall(r"loss (\S+)", _stdout(training))]
    assert len(losses) == 6 and losses[-1] < 1e-4 * losses[0]
    assert float(_stdout(training).rsplit(":", 1)[1]) < 1e-2  # the teacher's kernel, learnt


def test_the_tutorials_math_renders_in_katex(executed):
    from test_latex import KATEX_SCRIPT, _katex

    env = _katex()
    blocks = [_data(cell, "text/latex")[2:-2] for cell in executed[1:3]]
    run = subprocess.run(["node", str(KATEX_SCRIPT)], input=json.dumps(blocks), env=env,
                         capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == [None, None]
