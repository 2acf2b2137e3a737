"""Checkpoints and network files are data: nothing they name runs, every size is bounded before it is
allocated (#27).

Each case runs ``symcnn`` in a child process (:mod:`cli_helpers`) and asserts the exit status, one
``symcnn: ... error:`` line with no traceback, that a sentinel file the hostile input would create
never appears, that nothing in the working folder was created, changed or removed, and that the
child's peak resident memory stayed under 300 MB.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import snapshot, symcnn

from symcnn.runtime.datasets import EMBEDDED_DIR
from symcnn.runtime.loader import GENERATED_DIR

ROOT = Path(__file__).resolve().parent.parent
MEMORY_MB = 300
SENTINEL = "pwned"
#: Python that leaves a sentinel file in the working folder when it runs.
EVIL = f"open({SENTINEL!r}, 'w').write('ran')\n"

#: A small net of built-in layers: conv 4@5x5 -> mean-pool 2 -> fc 10.
NET = """
NETWORK = [
    {"name": "conv1", "layer": "conv_xcorr_sigmoid", "M": 4, "KH": 5, "KW": 5},
    {"name": "pool1", "layer": "pool_mean_plain", "s": 2},
    {"layer": "flatten"},
    {"name": "fc", "layer": "fc_identity", "O": 10},
]
LOSS = "loss_softmax_ce"
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache") / "symcnn"


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[dict, dict]:
    """The arrays and metadata of a checkpoint of :data:`NET` (untrained weights: only its form matters)."""
    from symcnn.runtime.netfile import read_network_file
    from symcnn.runtime.netspec import build_from_file

    folder = tmp_path_factory.mktemp("net")
    (folder / "net.py").write_text(NET)
    net = build_from_file(read_network_file(folder / "net.py"), backend="numpy", dtype="float32",
                          generated=GENERATED_DIR)
    return {k: v.copy() for k, v in net.parameters().items()}, dict(net.meta)


def _save(path: Path, arrays: dict, meta) -> None:
    """A checkpoint holding ``meta`` as it is (written by hand: save_npz would check it)."""
    text = json.dumps({"symcnn_checkpoint": 1, "meta": meta})
    with open(path, "wb") as fh:
        np.savez(fh, **arrays, __meta__=np.frombuffer(text.encode(), np.uint8))


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def _refused(r, work: Path, before: dict, *needles: str) -> str:
    assert r.code == 1, (r.code, r.err)
    line = r.error_line(*needles)
    assert not (work / SENTINEL).exists() and not (work.parent / SENTINEL).exists()
    assert snapshot(work) == before
    assert r.peak_mb < MEMORY_MB, r.peak_mb
    return line


def _evaluate(work: Path, cache: Path, *extra: str, model: str = "model.npz"):
    return symcnn("evaluate", "--model", model, "--backend", "numpy", "--data", str(EMBEDDED_DIR), *extra,
                  cwd=work, cache=cache, timeout=120)


# --- 1: evaluate runs no code a checkpoint names ------------------------------------------


def _custom(meta: dict, **entry) -> dict:
    """``meta`` with its fc layer made a custom layer (``spec`` or ``generated`` as given)."""
    layers = [dict(e, **entry) if e["name"] == "fc" else e for e in meta["net_spec"]["layers"]]
    return {**meta, "net_spec": {**meta["net_spec"], "layers": layers}}


def _evil_generated(folder: Path, spec_hash: str | None = None) -> None:
    """``folder`` holding fc_identity's NumPy module with a sentinel line, vouched for by its MANIFEST."""
    folder.mkdir()
    text = (GENERATED_DIR / "fc_identity_numpy.py").read_text()
    if spec_hash is not None:
        old = text.split('SPEC_HASH = "', 1)[1].split('"', 1)[0]
        text = text.replace(f'SPEC_HASH = "{old}"', f'SPEC_HASH = "{spec_hash}"')
    text = text.replace("\nLAYER = ", f"\n{EVIL}LAYER = ", 1)
    assert EVIL in text
    (folder / "fc_identity_numpy.py").write_text(text)
    declared = text.split('SPEC_HASH = "', 1)[1].split('"', 1)[0]
    manifest = {"files": {"fc_identity_numpy.py": {"spec_hash": declared,
                                                   "sha256": hashlib.sha256(text.encode()).hexdigest()}}}
    (folder / "MANIFEST.json").write_text(json.dumps(manifest))


@pytest.mark.sampled
@pytest.mark.parametrize("where", ["absolute", "parent", "beside", "generated"])
def test_a_custom_layer_the_checkpoint_names_is_never_run(work, cache, trained, where):
    arrays, meta = trained
    (work.parent / "evil.py").write_text(EVIL)
    (work / "custom_layers.py").write_text(EVIL)
    _evil_generated(work / "gen")
    entry = {"absolute": {"spec": str(work.parent / "evil.py")}, "parent": {"spec": "../evil.py"},
             "beside": {"spec": "custom_layers.py"}, "generated": {"generated": "gen"}}[where]
    _save(work / "model.npz", arrays, _custom(meta, **entry))
    before = snapshot(work)
    r = _evaluate(work, cache)
    _refused(r, work, before, "checkpoint error", "'fc'", "fc_identity", "--spec FILE", "--generated DIR")


def test_a_folder_the_user_names_runs_only_with_the_recorded_spec_hash(work, cache, trained):
    arrays, meta = trained
    _save(work / "model.npz", arrays, _custom(meta, generated="/elsewhere/gen"))
    _evil_generated(work / "other", spec_hash="0123456789abcdef")
    before = snapshot(work)
    r = _evaluate(work, cache, "--generated", "other")
    _refused(r, work, before, "checkpoint error", "0123456789abcdef", "was trained with spec hash")
    _evil_generated(work / "gen")  # the recorded hash: the user named it, so it runs
    r = _evaluate(work, cache, "--generated", "gen", "--json")
    assert r.code == 0, r.err
    assert (work / SENTINEL).exists() and json.loads(r.out)["net"] == "net-spec"


# --- 4: a checkpoint's recorded network, field by field ----------------------------------


def _edit(meta: dict, who: str, **changes) -> dict:
    layers = [dict(e, **changes) if e.get("name") == who else e for e in meta["net_spec"]["layers"]]
    return {**meta, "net_spec": {**meta["net_spec"], "layers": layers}}


def _drop(meta: dict, who: str, key: str) -> dict:
    layers = [{k: v for k, v in e.items() if not (e.get("name") == who and k == key)}
              for e in meta["net_spec"]["layers"]]
    return {**meta, "net_spec": {**meta["net_spec"], "layers": layers}}


META_EDITS = {
    "M-2**20": (lambda m: _edit(m, "conv1", M=2**20), ("memory error", "'conv1'", "bytes")),
    "layers-1": (lambda m: {**m, "net_spec": {**m["net_spec"], "layers": [1]}}, ("layer 1 is 1",)),
    "no-name": (lambda m: _drop(m, "conv1", "name"), ("missing array",)),
    "M-str": (lambda m: _edit(m, "conv1", M="16"), ("size M = '16'",)),
    "M-float": (lambda m: _edit(m, "conv1", M=16.5), ("size M = 16.5",)),
    "M-bool": (lambda m: _edit(m, "conv1", M=True), ("size M = True",)),
    "M-10**30": (lambda m: _edit(m, "conv1", M=10**30), ("size M = an integer of 100 bits",)),
    "M-10**7": (lambda m: _edit(m, "conv1", M=10**7), ("size M = 10000000",)),
    "loss-5": (lambda m: {**m, "net_spec": {**m["net_spec"], "loss": 5}}, ("LOSS 5",)),
    "init-he": (lambda m: _edit(m, "conv1", init="he"), ("'init' is 'he'",)),
    "constants-x": (lambda m: _edit(m, "conv1", constants="x"), ("'constants' is 'x'",)),
    "T-xyz": (lambda m: _edit(m, "conv1", constants={"T": "xyz"}), ("constant 'T'",)),
    "T-shape": (lambda m: _edit(m, "conv1", constants={"T": [[1.0, 2.0]]}), ("constant 'T' has shape",)),
    "spec-5": (lambda m: _edit(m, "fc", spec=5), ("'spec' is 5",)),
    "generated-list": (lambda m: _edit(m, "fc", generated=["gen"]), ("'generated' is a list of 1",)),
    "dupe-name": (lambda m: _edit(m, "pool1", name="conv1"), ("'conv1' is used twice",)),
    "hashes-list": (lambda m: {**m, "spec_hashes": ["x"]}, ("'spec_hashes' is a list of 1",)),
    "no-hash": (lambda m: {**_edit(m, "fc", spec="x.py"), "spec_hashes": {}}, ("no recorded spec hash",)),
    "layer-path": (lambda m: _edit(m, "fc", layer="../../fc_identity"), ("not a dict with a 'layer' name",)),
    "deep-init": (lambda m: _edit(m, "conv1", init={"K": [[[[["he"]]]]]}), ("init of 'K' is a list of 1",)),
}


@pytest.mark.sampled
@pytest.mark.parametrize("case", list(META_EDITS))
def test_a_checkpoints_recorded_network_is_checked_field_by_field(work, cache, trained, case):
    arrays, meta = trained
    edit, needles = META_EDITS[case]
    _save(work / "model.npz", arrays, edit(meta))
    before = snapshot(work)
    _refused(_evaluate(work, cache), work, before, *needles)


# --- 5: network files ---------------------------------------------------------------------

#: Python defining the values a network file's fields are set to below.
POISON = """
DEEP = {}
for _ in range(100_000):
    DEEP = {"K": DEEP}
"""

NET_EDITS = {
    "O-10**9": (('"O": 10}', '"O": 10**9}'), ("size O = 1000000000",)),
    "M-10**7": (('"M": 4,', '"M": 10**7,'), ("size M = 10000000",)),
    "M-2**20": (('"M": 4,', '"M": 2**20,'), ("memory error", "'conv1'", "bytes")),
    "lr-fast": (("LOSS =", 'RECIPE = {"lr": "fast"}\nLOSS ='), ("RECIPE 'lr' is 'fast'",)),
    "batch-0": (("LOSS =", 'RECIPE = {"batch_size": 0}\nLOSS ='), ("RECIPE 'batch_size' is 0",)),
    "batch-str": (("LOSS =", 'RECIPE = {"batch_size": "64"}\nLOSS ='), ("RECIPE 'batch_size' is '64'",)),
    "momentum-5": (("LOSS =", 'RECIPE = {"momentum": 5}\nLOSS ='), ("RECIPE 'momentum' is 5",)),
    "spec-5": (('"fc_identity",', '"fc_identity", "spec": 5,'), ("'spec' is 5",)),
    "T-xyz": (('"M": 4,', '"M": 4, "constants": {"T": "xyz"},'), ("constant 'T' holds 'xyz'",)),
    "init-deep": (('"M": 4,', '"M": 4, "init": DEEP,'), ("init of 'K' is a dict of 1",)),
    "spec-dev-zero": (('"fc_identity",', '"fc_identity", "spec": "/dev/zero",'), ("not a regular file",)),
    "spec-fifo": (('"fc_identity",', '"fc_identity", "spec": "fifo.py",'), ("not a regular file",)),
    "layers-10**5": (("NETWORK = [", "NETWORK = [{'layer': 'flatten'}] * 100_000 + ["), ("list of 100",)),
}


@pytest.mark.sampled
@pytest.mark.parametrize("case", list(NET_EDITS))
def test_a_network_file_is_checked_field_by_field(work, cache, case):
    edit, needles = NET_EDITS[case]
    (work / "net.py").write_text(POISON + NET.replace(*edit))
    os.mkfifo(work / "fifo.py")
    before = snapshot(work)
    r = symcnn("train", "--net-spec", "net.py", "--backend", "numpy", "--data", str(EMBEDDED_DIR),
               "--epochs", "0", cwd=work, cache=cache, timeout=120)
    _refused(r, work, before, *needles)


def test_a_network_file_that_is_a_fifo_is_refused_not_waited_on(work, cache):
    os.mkfifo(work / "net.py")
    before = snapshot(work)
    r = symcnn("train", "--net-spec", "net.py", cwd=work, cache=cache, timeout=60)
    _refused(r, work, before, "network error", "not a regular file")


# --- 6: the memory budget -----------------------------------------------------------------


@pytest.mark.sampled
@pytest.mark.parametrize("argv, needles", [
    (("train", "--net", "vgg", "--batch-size", "1000000000"), ("memory error", "network vgg", "bytes")),
    (("bench", "--batch-size", "1000000", "--backend", "numpy", "--no-peak"), ("memory error", "dlt")),
    (("train", "--net", "lenet5", "--max-memory", "50M"), ("50.0 MiB budget", "'conv")),
    (("evaluate", "--model", "model.npz", "--max-memory", "10M"), ("memory error", "10.0 MiB")),
])
def test_a_network_over_the_memory_budget_is_refused_before_allocating(work, cache, trained, argv, needles):
    arrays, meta = trained
    _save(work / "model.npz", arrays, meta)
    before = snapshot(work)
    r = symcnn(*argv, "--data", str(EMBEDDED_DIR), cwd=work, cache=cache, timeout=120) if argv[0] != "bench" \
        else symcnn(*argv, cwd=work, cache=cache, timeout=120)
    _refused(r, work, before, *needles)


def test_max_memory_is_a_size(work, cache):
    symcnn("train", "--max-memory", "lots", cwd=work, cache=cache).usage("--max-memory", "'lots'")


def test_an_idx_header_of_another_item_shape_is_refused_before_inflating(work, cache):
    """(1000, 1000, 1000): 1 GB of zeros in 1 MB of gzip members, refused on its header."""
    data = work / "data"
    shutil.copytree(EMBEDDED_DIR, data, ignore=shutil.ignore_patterns("*.md"))
    zeros = gzip.compress(bytes(16 * 2**20), compresslevel=9, mtime=0)  # concatenated gzip members
    header = b"\x00\x00\x08\x03" + b"".join(n.to_bytes(4, "big") for n in (1000, 1000, 1000))
    with open(data / "train-images-idx3-ubyte.gz", "wb") as fh:
        fh.write(gzip.compress(header, mtime=0))
        for _ in range(10**9 // (16 * 2**20) + 1):
            fh.write(zeros)
    assert (data / "train-images-idx3-ubyte.gz").stat().st_size < 2 * 2**20
    assert len(zlib.decompressobj(31).decompress(zeros)) == 16 * 2**20
    before = snapshot(work)
    r = symcnn("train", "--data", "data", "--backend", "numpy", "--epochs", "0", cwd=work, cache=cache)
    _refused(r, work, before, "data error", "(1000, 1000, 1000)", "(N, 28, 28)")


# --- 8: non-finite weights ----------------------------------------------------------------


def test_a_last_batch_that_diverges_saves_no_checkpoint(work, cache):
    """One batch, whose update (lr 1e308) overflows the weights: its loss was finite, its result is not."""
    before = snapshot(work)
    r = symcnn("train", "--backend", "numpy", "--data", str(EMBEDDED_DIR), "--limit", "50", "--lr", "1e308",
               "--save", "model.npz", cwd=work, cache=cache, timeout=120)
    assert r.code == 1 and "Traceback" not in r.err, r.err
    last = r.err.strip().splitlines()[-1]  # after the progress lines training prints
    assert last.startswith("symcnn: training error: weights") and "NaN or Inf" in last, last
    assert "epoch 1, batch 1" in last and "no checkpoint was saved" in last, last
    assert snapshot(work) == before and not (work / "model.npz").exists()
    assert r.peak_mb < MEMORY_MB, r.peak_mb


def test_a_checkpoint_of_non_finite_weights_is_refused(work, cache):
    from symcnn.runtime import build_network

    net = build_network("dlt", backend="numpy", dtype="float32")
    net.parameters()["fc.W"][...] = np.nan
    net.save(work / "model.npz")
    before = snapshot(work)
    _refused(_evaluate(work, cache), work, before, "checkpoint error", "'fc.W'", "1920 non-finite")
