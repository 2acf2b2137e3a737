"""The training loop and the train/evaluate commands: determinism, NaN, Ctrl-C, JSON, checkpoints."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
from runtime_helpers import GENERATED, batch

import symcnn.runtime.train as train_module
from symcnn.cli.main import main
from symcnn.errors import TrainingError
from symcnn.runtime import SGD, build_network, evaluate, find_dataset, load_npz, train_epoch
from symcnn.runtime.datasets import EMBEDDED_DIR

COMMON = ["--data", str(EMBEDDED_DIR), "--generated", str(GENERATED)]


def run_one_epoch(name, backend, dtype, seed, n=120):
    rng = np.random.default_rng(0)
    x, t = batch(rng, n, dtype)
    net = build_network(name, backend=backend, dtype=dtype, generated=GENERATED, seed=seed)
    opt = SGD(net.parameters(), lr=0.5, momentum=0.5)
    loss, seen, stopped = train_epoch(net, opt, x, t, 25, np.random.default_rng(seed))
    assert seen == n and not stopped  # the last batch (20 images) is smaller and still used
    return loss, {k: v.copy() for k, v in net.parameters().items()}


@pytest.mark.parametrize("backend,dtype",
                         [pytest.param("numba", "float32", marks=pytest.mark.slow), ("numpy", "float64")])
def test_same_seed_same_backend_same_dtype_same_result(backend, dtype):
    (l1, p1), (l2, p2) = (run_one_epoch("bouvrie", backend, dtype, 7) for _ in range(2))
    assert l1 == l2
    for key in p1:
        np.testing.assert_array_equal(p1[key], p2[key], err_msg=key)
    l3, _ = run_one_epoch("bouvrie", backend, dtype, 8)
    assert l3 != l1


@pytest.mark.slow  # a numba training of a whole preset
def test_bouvrie_trains_every_beta_and_b():
    rng = np.random.default_rng(1)
    x, t = batch(rng, 100)
    net = build_network("bouvrie", backend="numba", generated=GENERATED, seed=0)
    before = {k: v.copy() for k, v in net.parameters().items()}
    train_epoch(net, SGD(net.parameters(), lr=1.0), x, t, 10, rng)
    for key in ("pool1.beta", "pool1.b", "pool2.beta", "pool2.b"):
        assert np.all(net.parameters()[key] != before[key]), key


def test_nan_loss_stops_with_epoch_and_batch_before_touching_weights():
    rng = np.random.default_rng(1)
    x, t = batch(rng, 40)
    x[30] = np.nan
    net = build_network("dlt", backend="numpy", generated=GENERATED)
    order = np.random.default_rng(3).permutation(40)
    bad_batch = int(np.where(order == 30)[0][0]) // 10 + 1
    seen = []
    with pytest.raises(TrainingError, match=f"loss is nan at epoch 4, batch {bad_batch}"):
        train_epoch(
            net, SGD(net.parameters(), lr=1.0), x, t, 10, np.random.default_rng(3), epoch=4,
            on_batch=lambda b, done, loss: seen.append({k: v.copy() for k, v in net.parameters().items()}),
        )
    assert len(seen) == bad_batch - 1
    for key, p in net.parameters().items():
        assert np.all(np.isfinite(p)), key
        if seen:
            np.testing.assert_array_equal(p, seen[-1][key])


def test_stop_request_ends_after_the_current_batch():
    rng = np.random.default_rng(1)
    x, t = batch(rng, 50)
    net = build_network("dlt", backend="numpy", generated=GENERATED)
    calls = []
    _, seen, stopped = train_epoch(net, SGD(net.parameters(), lr=1.0), x, t, 10, rng,
                                   on_batch=lambda *a: calls.append(a), stop=lambda: len(calls) == 2)
    assert stopped and seen == 20


def test_lr_at_sets_the_rate_of_every_update():
    rng = np.random.default_rng(1)
    x, t = batch(rng, 50)
    net = build_network("dlt", backend="numpy", generated=GENERATED)
    opt, rates = SGD(net.parameters(), lr=1.0), []

    def lr_at(b):
        rates.append(opt.lr)
        return 0.5 / b

    train_epoch(net, opt, x, t, 10, rng, lr_at=lr_at)
    assert rates == [1.0, 0.5, 0.25, 0.5 / 3, 0.125] and opt.lr == 0.1


def test_evaluate_gives_error_and_confusion_matrix():
    data = find_dataset(EMBEDDED_DIR)
    net = build_network("dlt", backend="numpy", generated=GENERATED)
    x, y = data.images("test")[:300, None], data.labels("test")[:300]
    error, matrix = evaluate(net, x, y, batch_size=128)
    assert matrix.shape == (10, 10) and matrix.sum() == 300
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y, minlength=10))
    assert error == pytest.approx(1 - np.trace(matrix) / 300)


def test_train_json_save_then_evaluate(tmp_path, capsys):
    model = tmp_path / "m.npz"
    rc = main(["train", *COMMON, "--net", "dlt", "--backend", "numpy", "--limit", "100", "--epochs", "2",
               "--json", "--save", str(model)])
    assert rc == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    assert set(records[0]) == {"epoch", "train_loss", "test_error", "seconds", "images_per_s"}
    assert "epoch 2/2 [" in err and "img/s" in err
    arrays, meta = load_npz(model)
    assert meta["net"] == "dlt" and meta["epoch"] == 2 and set(arrays) >= {"conv1.K", "fc.W"}
    assert main(["evaluate", "--model", str(model), "--data", str(EMBEDDED_DIR),
                 "--generated", str(GENERATED)]) == 0
    out = capsys.readouterr().out
    assert f"test error: {100 * records[-1]['test_error']:.2f}%" in out and "true\\pred" in out


def test_evaluate_rejects_a_checkpoint_that_does_not_fit(tmp_path, capsys):
    model = tmp_path / "m.npz"
    net = build_network("dlt", backend="numpy", generated=GENERATED)
    params = dict(net.parameters())
    params["fc.W"] = params["fc.W"][:, :100]
    from symcnn.runtime import save_npz

    save_npz(model, params, net.meta)
    assert main(["evaluate", "--model", str(model), *COMMON]) == 1
    assert "checkpoint error" in capsys.readouterr().err


def test_ctrl_c_finishes_the_batch_and_saves(tmp_path, capsys, monkeypatch):
    real = train_module.train_epoch

    def interrupting(*args, on_batch=None, **kwargs):
        def hook(batch, done, loss):
            on_batch(batch, done, loss)
            if batch == 2:
                os.kill(os.getpid(), signal.SIGINT)
        return real(*args, on_batch=hook, **kwargs)

    monkeypatch.setattr(train_module, "train_epoch", interrupting)
    before = signal.getsignal(signal.SIGINT)  # the default handler, or SIG_IGN in a background job
    model = tmp_path / "m.npz"
    rc = main(["train", *COMMON, "--backend", "numpy", "--limit", "300", "--batch-size", "50",
               "--save", str(model)])
    assert rc == 130
    err = capsys.readouterr().err
    assert "finishing the batch" in err and f"saved checkpoint {model}" in err
    _, meta = load_npz(model)
    assert meta["partial_epoch_images"] == 100
    assert signal.getsignal(signal.SIGINT) is before


def test_nan_during_cli_training_keeps_the_last_good_checkpoint(tmp_path, capsys, monkeypatch):
    real, calls = train_module.train_epoch, []

    def failing_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise TrainingError("loss is nan at epoch 2, batch 1; training stopped")
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "train_epoch", failing_second_epoch)
    model = tmp_path / "m.npz"
    rc = main(["train", *COMMON, "--backend", "numpy", "--limit", "100", "--epochs", "3",
               "--save", str(model)])
    assert rc == 1
    err = capsys.readouterr().err
    assert "training error: loss is nan at epoch 2, batch 1" in err
    assert f"last good checkpoint kept: {model} (epoch 1)" in err
    assert load_npz(model)[1]["epoch"] == 1


def test_plot_without_matplotlib_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("numpy")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert main(["train", *COMMON, "--backend", "numpy", "--limit", "50", "--plot", str(tmp_path)]) == 1
        assert "--plot needs matplotlib: pip install 'symcnn[plot]'" in capsys.readouterr().err
    else:
        assert main(["train", *COMMON, "--backend", "numpy", "--limit", "50", "--plot", str(tmp_path)]) == 0
        assert (tmp_path / "loss.png").stat().st_size > 0 and (tmp_path / "kernels.png").stat().st_size > 0


@pytest.mark.slow  # compiles the dlt kernels when the cache is cold
def test_default_train_runs_on_the_embedded_subset(capsys):
    assert main(["train", *COMMON, "--json"]) == 0  # numba, all 3000 embedded images, one epoch
    record = json.loads(capsys.readouterr().out)
    assert record["epoch"] == 1 and 0 <= record["test_error"] <= 1


def test_train_takes_a_schedule_and_names_it_in_the_recipe(capsys):
    rc = main(["train", *COMMON, "--net", "dlt", "--backend", "numpy", "--limit", "60", "--epochs", "1",
               "--schedule", "cosine", "--json"])
    assert rc == 0
    assert "'schedule': 'cosine'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *COMMON, "--schedule", "step"])
    assert exit_info.value.code == 2


def test_train_takes_weight_decay_and_augmentation_and_names_them_in_the_recipe(capsys):
    rc = main(["train", *COMMON, "--net", "dlt", "--backend", "numpy", "--limit", "60", "--epochs", "1",
               "--weight-decay", "0.001", "--augment", "shift-flip", "--json"])
    assert rc == 0
    assert "'weight_decay': 0.001, 'augment': 'shift-flip'" in capsys.readouterr().err
    for bad in (["--weight-decay", "1"], ["--augment", "rotate"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["train", *COMMON, *bad])
        assert exit_info.value.code == 2
