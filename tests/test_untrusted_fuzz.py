"""Fuzzing a network-file checkpoint's metadata and a network file's fields (#27).

Hypothesis edits the recorded network of a checkpoint (``symcnn evaluate``) and the
fields of a network file (``symcnn train --net-spec``): types, sizes, nesting and paths.
Whatever it writes, the command must succeed or end with exit 1 and one
``symcnn: ... error:`` line: never a traceback, never a file changed in the working
folder, never a sentinel file that a checkpoint's paths would create, and never more
than 300 MB allocated (NumPy reports its arrays to :mod:`tracemalloc`). The cases run
in this process so that hundreds fit in the slow run; the default run takes 4 of each, the slow run 100 more.
"""

from __future__ import annotations

import contextlib
import io
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import snapshot
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from symcnn.cli.main import main
from symcnn.runtime.datasets import EMBEDDED_DIR
from symcnn.runtime.loader import GENERATED_DIR

MEMORY_MB = 300
SENTINEL = "pwned"
FEW = settings(max_examples=4, deadline=None, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MANY = settings(FEW, max_examples=100)

NETWORK = [
    {"name": "conv1", "layer": "conv_xcorr_sigmoid", "M": 4, "KH": 5, "KW": 5},
    {"name": "pool1", "layer": "pool_mean_plain", "s": 2},
    {"layer": "flatten"},
    {"name": "fc", "layer": "fc_identity", "O": 10},
]
KEYS = ("name", "layer", "spec", "generated", "init", "constants",
        "M", "KH", "KW", "s", "O", "N", "C", "T", "x")

_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10)
_paths = st.sampled_from(["evil.py", "../evil.py", "/dev/zero", "fifo.py", "gen", "/", "", "a" * 5000])
_names = st.sampled_from(["conv1", "fc", "flatten", "fc_identity", "conv_xcorr_sigmoid", "pool_max_plain",
                          "loss_squared", "../fc_identity", "he", "glorot", "K", "W", "T", "b"])
_ints = st.one_of(st.integers(-3, 40), st.sampled_from([0, 2**20, 2**20 + 1, 10**7, 10**9, 10**30, -(2**70)]))
_scalar = st.one_of(st.none(), st.booleans(), _ints, st.floats(), _text, _paths, _names)
_json = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.one_of(_names, _text), inner,
                                                                      max_size=4)),
                     max_leaves=10)


def _nested(depth: int, key: str = "K") -> dict:
    out: dict = {}
    for _ in range(depth):
        out = {key: out}
    return out


_value = st.one_of(
    _json, st.integers(1, 400).map(lambda d: _nested(d)),
    st.integers(1, 12).map(lambda d: {"T": np.ones((1, 4)).tolist() if d == 1 else _nested(d, "T")}),
)


def _run(argv: list[str]) -> tuple[int, str, float]:
    """``symcnn ARGV`` in this process: exit status, stderr, and the peak MB traced meanwhile."""
    err = io.StringIO()
    tracemalloc.start()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return code, err.getvalue(), peak


def _check(code: int, err: str, peak: float, work: Path, before: dict, code_named: bool = False) -> None:
    """``code_named``: the command was given code to run (a network file, whose spec files are code too)."""
    assert "Traceback" not in err, err
    assert code in (0, 1), (code, err)
    event(f"exit {code}" + (f": {err.strip().splitlines()[-1].split(':')[1].strip()}" if code else ""))
    if code == 1:
        errors = [ln for ln in err.splitlines() if "error: " in ln]
        assert len(errors) == 1 and errors[0].startswith("symcnn: "), err
        assert err.strip().splitlines()[-1] == errors[0], err
    assert peak < MEMORY_MB, peak
    if code_named:
        (work / SENTINEL).unlink(missing_ok=True)
    assert not (work / SENTINEL).exists() and not (work.parent / SENTINEL).exists()
    assert snapshot(work) == before


@pytest.fixture(scope="module", autouse=True)
def _imported() -> None:
    """SymPy and code generation imported before any case (a network file's spec may be derived):
    importing them under tracemalloc takes seconds."""
    import symcnn.codegen.generate  # noqa: F401
    import symcnn.model.spec  # noqa: F401


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "evil.py").write_text(f"open({SENTINEL!r}, 'w').write('ran')\n")
    (tmp_path / "evil.py").write_text(f"open({SENTINEL!r}, 'w').write('ran')\n")
    import os

    os.mkfifo(folder / "fifo.py")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path / "cache"))
    return folder


# --- a checkpoint's recorded network ------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[dict, dict]:
    from symcnn.runtime.netfile import NetworkFile
    from symcnn.runtime.netspec import build_from_file

    nf = NetworkFile(str(tmp_path_factory.mktemp("n") / "net.py"), NETWORK)
    net = build_from_file(nf, backend="numpy", dtype="float32", generated=GENERATED_DIR)
    return {k: v.copy() for k, v in net.parameters().items()}, json.loads(json.dumps(net.meta))


_meta_edit = st.one_of(
    st.tuples(st.just("layer"), st.integers(0, 3), st.sampled_from(KEYS), _value),
    st.tuples(st.just("drop"), st.integers(0, 3), st.sampled_from(KEYS), st.none()),
    st.tuples(st.just("net_spec"), st.just(0), st.sampled_from(["layers", "loss", "file", "x"]), _value),
    st.tuples(st.just("top"), st.just(0), st.sampled_from(["spec_hashes", "net", "dtype", "epoch"]), _value),
    st.tuples(st.just("hash"), st.just(0), _names, _value),
)


def _apply(meta: dict, edits: list) -> dict:
    meta = json.loads(json.dumps(meta))
    for what, k, key, value in edits:
        layers = meta["net_spec"]["layers"] if isinstance(meta.get("net_spec"), dict) else None
        ok = isinstance(layers, list) and k < len(layers) and isinstance(layers[k], dict)
        entry = layers[k] if ok else {}
        if what == "layer":
            entry[key] = value
        elif what == "drop":
            entry.pop(key, None)
        elif what == "net_spec" and isinstance(meta.get("net_spec"), dict):
            meta["net_spec"][key] = value
        elif what == "top":
            meta[key] = value
        elif what == "hash" and isinstance(meta.get("spec_hashes"), dict):
            meta["spec_hashes"][key] = value
    return meta


def _fuzz_checkpoint(work: Path, trained, edits: list) -> None:
    arrays, meta = trained
    text = json.dumps({"symcnn_checkpoint": 1, "meta": _apply(meta, edits)})
    with open(work / "model.npz", "wb") as fh:
        np.savez(fh, **arrays, __meta__=np.frombuffer(text.encode(), np.uint8))
    before = snapshot(work)
    code, err, peak = _run(["evaluate", "--model", "model.npz", "--backend", "numpy",
                            "--data", str(EMBEDDED_DIR), "--max-memory", "200M", "--json"])
    _check(code, err, peak, work, before)


@FEW
@given(edits=st.lists(_meta_edit, min_size=1, max_size=3))
def test_fuzzed_checkpoint_network(work, trained, edits):
    _fuzz_checkpoint(work, trained, edits)


@pytest.mark.slow
@MANY
@given(edits=st.lists(_meta_edit, min_size=1, max_size=3))
def test_fuzzed_checkpoint_network_at_length(work, trained, edits):
    _fuzz_checkpoint(work, trained, edits)


# --- a network file's fields --------------------------------------------------------------

#: Python values a network file may set a field to beyond literals: deep nesting, huge and odd numbers.
SPECIAL = ["DEEP", "10**9", "10**7", "2**20", "float('nan')", "float('inf')", "-1", "0", "True", "'16'",
           "16.5", "[DEEP]", "{'K': DEEP}", "{'T': 'xyz'}", "{'T': [[1, 2]]}", "{'W': 'he'}", "range(3)",
           "object()"]
_source = st.one_of(_value.map(repr), st.sampled_from(SPECIAL))
_recipe = st.dictionaries(st.sampled_from(["lr", "momentum", "batch_size", "epochs", "schedule", "x"]),
                          _source, max_size=3)
_file_edit = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 3), st.sampled_from(KEYS), _source),
    st.tuples(st.just("drop"), st.integers(0, 3), st.sampled_from(KEYS), st.none()),
)


def _network_file(edits: list, recipe: dict, loss: str) -> str:
    entries = [{k: repr(v) for k, v in e.items()} for e in NETWORK]
    for what, k, key, source in edits:
        if what == "set":
            entries[k][key] = source
        else:
            entries[k].pop(key, None)
    body = ",\n    ".join("{" + ", ".join(f"{k!r}: {v}" for k, v in e.items()) + "}" for e in entries)
    recipe_text = "{" + ", ".join(f"{k!r}: {v}" for k, v in recipe.items()) + "}"
    text = f"NETWORK = [\n    {body},\n]\nRECIPE = {recipe_text}\nLOSS = {loss}\n"
    deep = "DEEP = {}\nfor _ in range(100_000):\n    DEEP = {'K': DEEP}\n\n"  # 100 000 deep
    return deep + text if "DEEP" in text else text


def _fuzz_file(work: Path, edits: list, recipe: dict, loss: str) -> None:
    (work / "net.py").write_text(_network_file(edits, recipe, loss))
    before = snapshot(work)
    code, err, peak = _run(["train", "--net-spec", "net.py", "--backend", "numpy",
                            "--data", str(EMBEDDED_DIR), "--epochs", "0", "--max-memory", "200M", "--json"])
    _check(code, err, peak, work, before, code_named=True)


_loss = st.one_of(st.sampled_from(["'loss_softmax_ce'", "'loss_squared'", "'hinge'", "5", "DEEP"]), _source)


@FEW
@given(edits=st.lists(_file_edit, max_size=3), recipe=_recipe, loss=_loss)
def test_fuzzed_network_file(work, edits, recipe, loss):
    _fuzz_file(work, edits, recipe, loss)


@pytest.mark.slow
@MANY
@given(edits=st.lists(_file_edit, max_size=3), recipe=_recipe, loss=_loss)
def test_fuzzed_network_file_at_length(work, edits, recipe, loss):
    _fuzz_file(work, edits, recipe, loss)
