"""The symcnn runtime: data loading, checkpoints and training with generated kernels.

Nothing under this package imports SymPy.
"""
