"""What generated layer modules import at run time: their boundary checks and NumPy array operations.

:mod:`symcnn.support.contract` holds the checks of every module's drivers;
:mod:`symcnn.support.numpy_ops` the views, window sums and products the NumPy
kernels are written in. Kept here once instead of copied into each generated
file. NumPy only: no SymPy, so loading generated code stays fast.
"""
