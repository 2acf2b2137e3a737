"""Measuring symcnn: training-step throughput, the machine's peak, and PyTorch beside it.

``arch`` holds the presets' layer shapes and FLOP counts, ``timing`` the timed
windows and the machine's load, ``peak`` the matmul yardstick, ``torch_ref``
the PyTorch reference nets (PyTorch is optional and imported only there),
``run`` the measurement ``symcnn bench`` makes and ``commands`` the cold/warm
times of ``symcnn derive`` and ``verify``.
"""
