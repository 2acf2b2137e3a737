"""The memory budget (symcnn.runtime.budget) and the field checks of symcnn.runtime.netcheck (#27)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from runtime_helpers import GENERATED, batch

from symcnn.errors import BudgetError, NetworkError
from symcnn.runtime.budget import Budget, estimate_network, format_bytes, parse_bytes
from symcnn.runtime.netcheck import check_layers, check_recipe, show
from symcnn.runtime.netfile import DEFAULT_RECIPE
from symcnn.runtime.presets import build_network, check_preset


@pytest.mark.parametrize("text, value", [("4G", 4 * 2**30), ("512M", 512 * 2**20), ("1.5GiB", 3 * 2**29),
                                         ("300000000", 300_000_000), (" 64k ", 64 * 2**10)])
def test_sizes_parse(text, value):
    assert parse_bytes(text) == value


@pytest.mark.parametrize("text", ["", "lots", "-1G", "0", "nanG", "infM", "1e30T", "G"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(ValueError, match="not a size"):
        parse_bytes(text)


@pytest.mark.sampled
@pytest.mark.parametrize("net", ["dlt", "lenet5"])
def test_the_estimate_bounds_what_a_training_step_and_an_evaluation_allocate(net):
    """NumPy reports its arrays to tracemalloc: build, one step at 32 images, a forward pass at 100
    (after a step at 3 images outside the trace: the modules are imported, no buffer fits)."""
    from symcnn.runtime.optim import SGD

    rng = np.random.default_rng(0)

    def step(n: int, n_eval: int) -> None:
        x, t = batch(rng, n, "float32")
        opt = SGD(model.parameters(), lr=0.01, momentum=0.9)
        model.loss(x, t)
        model.backward()
        opt.step(model.gradients())
        model.predict(batch(rng, n_eval, "float32")[0], n_eval)

    model = build_network(net, backend="numpy", dtype="float32", generated=GENERATED)
    step(3, 5)
    tracemalloc.start()
    try:
        model = build_network(net, backend="numpy", dtype="float32", generated=GENERATED)
        estimate = estimate_network(model, Budget(batch=32, training=True, eval_batch=100), "numpy", net)
        step(32, 100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"{net}: traced peak {format_bytes(peak)}, estimate {format_bytes(estimate)}")
    assert peak <= estimate, (format_bytes(peak), format_bytes(estimate))
    assert estimate < 8 * peak, (format_bytes(peak), format_bytes(estimate))  # a bound, not a guess


def test_a_batch_beyond_the_budget_names_the_layer_and_the_bytes():
    with pytest.raises(BudgetError) as info:
        check_preset("vgg", Budget(batch=10**9, training=True))
    text = str(info.value)
    assert "network vgg" in text and "layer 'conv" in text and "bytes" in text and "--max-memory" in text
    assert check_preset("vgg", Budget(batch=64, training=True, eval_batch=1000)) < 4 * 2**30


def test_values_are_shown_without_walking_them():
    deep: dict = {}
    for _ in range(100_000):
        deep = {"K": deep}
    assert show(deep) == "a dict of 1"
    assert show(10**5000) == "an integer of 16610 bits"
    assert show("x" * 1000).endswith("...") and len(show("x" * 1000)) < 70
    with pytest.raises(NetworkError, match="init of 'K' is a dict of 1"):
        check_layers([{"layer": "fc_identity", "O": 10, "init": deep}], "net.py", NetworkError)


@pytest.mark.parametrize("constant, message", [
    ([[1, 2], [3]], "not rectangular"),
    ([[[[[[[[[1]]]]]]]]], "at most 8 deep"),
    ([[1, "2"]], "holds '2'"),
    ([float("nan")], "holds nan"),
    ([], "holds a list of 0"),
])
def test_constants_are_bounded_lists_of_numbers(constant, message):
    entry = {"layer": "conv_xcorr_sigmoid", "M": 2, "KH": 3, "KW": 3, "constants": {"T": constant}}
    with pytest.raises(NetworkError, match=message):
        check_layers([entry], "net.py", NetworkError)


def test_a_numpy_constant_becomes_plain_json():
    import json

    given = {"layer": "conv_xcorr_sigmoid", "constants": {"T": np.ones((1, 2))}}
    (entry,) = check_layers([given], "n", NetworkError)
    assert json.loads(json.dumps(entry["constants"])) == {"T": [[1.0, 1.0]]}


@pytest.mark.parametrize("recipe, message", [
    ({"lr": "fast"}, "'lr' is 'fast'"), ({"lr": float("inf")}, "'lr' is inf"), ({"batch_size": 0}, "is 0"),
    ({"batch_size": True}, "is True"), ({"momentum": 1}, "'momentum' is 1"), ({"epochs": -1}, "is -1"),
    ({"schedule": ["cosine"]}, "'schedule' is a list of 1"), ({"speed": 1}, "keys from"),
    ({"weight_decay": -0.1}, "'weight_decay' is -0.1"), ({"augment": "rotate"}, "'augment' is 'rotate'"),
])
def test_a_recipe_is_checked_as_the_options_are(recipe, message):
    with pytest.raises(NetworkError, match=message):
        check_recipe(recipe, DEFAULT_RECIPE, "net.py", NetworkError)
