"""Fuzzing what a user types and what a checkpoint holds, through the CLI in a child process.

Whatever the value, ``symcnn`` must end with 0, or 1 and one ``symcnn: ... error:``
line, or 2 with the usage line; never a traceback, never a file touched outside
its output, never more than 300 MB. Subprocesses are slow, so the example counts
are small and every command is one that fails (or finishes) before training.
"""

from __future__ import annotations

import json
import math

import numpy as np
from cli_helpers import snapshot, symcnn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symcnn.runtime.datasets import EMBEDDED_DIR

MEMORY_MB = 300
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                         st.floats(allow_nan=False, allow_infinity=False), _text)
_json = st.recursive(_json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(_text, inner, max_size=4)),
                     max_leaves=12)


def _field(choices: tuple) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(choices), _json)


_dlt_layer = st.one_of(
    st.fixed_dictionaries({"type": st.just("c"), "kernelsize": _field((1, 5, 30)),
                           "outputmaps": _field((1, 6, 5000))}),
    st.fixed_dictionaries({"type": st.just("s"), "scale": _field((0, 1, 2, 64))}),
    _json,
)
_meta = st.fixed_dictionaries(
    {},
    optional={
        "net": _field(("dlt", "bouvrie", "lenet5", "combo", "dlt-custom", "alexnet")),
        "dtype": _field(("float32", "float64", "float16")),
        "convention": _field(("xcorr", "matlab")),
        "backend": _field(("numpy", "numba")),
        "combo_lambda": st.one_of(st.floats(), _json),
        "input_size": _field((0, 28, 10**9)),
        "dlt_layers": st.one_of(st.lists(_dlt_layer, max_size=4).map(lambda ls: [{"type": "i"}, *ls]), _json),
        "classes": _field((0, 10, 10**6)),
    },
)


def _check(r, work, before) -> None:
    assert "Traceback" not in r.err, r.err
    if r.code == 2:
        r.usage()
    elif r.code == 1:
        r.error_line()
    else:
        assert r.code == 0, (r.code, r.err)
    assert r.peak_mb < MEMORY_MB, r.peak_mb
    assert snapshot(work) == before


@FUZZ
@given(meta=_meta)
def test_fuzzed_checkpoint_metadata(tmp_path_factory, meta):
    from symcnn.runtime import build_network

    root = tmp_path_factory.mktemp("meta")
    work = root / "work"
    work.mkdir()
    model = work / "model.npz"
    params = build_network("dlt", backend="numpy", dtype="float32").parameters()
    text = json.dumps({"symcnn_checkpoint": 1, "meta": meta}, allow_nan=True)
    with open(model, "wb") as fh:
        np.savez(fh, **params, __meta__=np.frombuffer(text.encode(), np.uint8))
    before = snapshot(work)
    # the embedded subset, whatever this machine has installed: a valid meta evaluates 1,000 images in
    # about 230 MB, Fashion-MNIST's 10,000 in about 850, past the bound bad input is held to
    r = symcnn("evaluate", "--model", "model.npz", "--backend", "numpy", "--data", str(EMBEDDED_DIR),
               cwd=work, cache=root / "cache", timeout=120)
    _check(r, work, before)


_OPTIONS = ("--lr", "--momentum", "--seed", "--epochs", "--batch-size", "--limit", "--max-images")
_values = st.one_of(
    _text,
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(lambda x: repr(x) if not math.isnan(x) else "nan"),
    st.sampled_from(["inf", "-inf", "NaN", "1e999", "0x10", "1_000", " 3 ", "", "-0"]),
)


@FUZZ
@given(option=st.sampled_from(_OPTIONS), value=_values)
def test_fuzzed_train_options(tmp_path_factory, option, value):
    """A value argparse takes goes on to a missing --data folder (exit 1); any other is exit 2. A batch
    too large for the memory budget is refused first, before any data is read (also exit 1)."""
    root = tmp_path_factory.mktemp("opts")
    work = root / "work"
    work.mkdir()
    before = snapshot(work)
    r = symcnn("train", f"{option}={value}", "--data", "no-such-folder", cwd=work, cache=root / "cache",
               timeout=60)
    _check(r, work, before)
    assert r.code in (1, 2)
    if r.code == 1 and option == "--batch-size" and "memory error" in r.err:
        r.error_line("memory error", "needs about", "--max-memory")
    elif r.code == 1:
        r.error_line("data error", "no-such-folder")
