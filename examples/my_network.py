"""A network of one layer that is not built in and four that are (``symcnn train --net-spec``).

``symcnn train --net-spec examples/my_network.py`` derives ``dilated_conv`` from
``custom_layers.py`` into the cache folder on first use, reads every size the
entries leave out off the layer before, and trains on Fashion-MNIST.
"""

NETWORK = [
    # 28×28 → 24×24: 3×3 taps 2 pixels apart, tanh; C (1) follows from the images
    {"name": "conv1", "layer": "dilated_conv", "spec": "custom_layers.py", "M": 8, "KH": 3, "KW": 3, "d": 2},
    {"name": "pool1", "layer": "pool_max_plain", "s": 2},  # → 12×12
    {"name": "conv2", "layer": "conv_xcorr_relu", "M": 16, "KH": 3, "KW": 3, "init": {"K": "he"}},  # → 10×10
    {"name": "pool2", "layer": "pool_max_plain", "s": 2},  # → 5×5
    {"layer": "flatten"},  # → 400 features
    {"name": "fc", "layer": "fc_identity", "O": 10},  # one score a class
]
LOSS = "loss_softmax_ce"
RECIPE = {"lr": 0.05, "momentum": 0.9, "batch_size": 64, "epochs": 3, "schedule": "cosine"}
