# Produced by symcnn 0.1.0; do not edit (`symcnn derive` rewrites this folder).
"""Generated layer modules: ``<layer>_numba.py`` and ``<layer>_numpy.py`` for each layer.

Layers: batchnorm, batchnorm_relu, combo_sigmoid, combo_sigmoid_pairs, conv_matlab_identity,
conv_matlab_relu, conv_matlab_relu_same, conv_matlab_sigmoid, conv_matlab_tanh,
conv_xcorr_identity, conv_xcorr_identity_same, conv_xcorr_relu, conv_xcorr_relu_same,
conv_xcorr_sigmoid, conv_xcorr_tanh, fc_identity, fc_relu, fc_sigmoid, fc_tanh, global_avg_pool,
loss_softmax_ce, loss_squared, lrn, penalty_entropy, penalty_l1, pool_max_plain, pool_max_relu,
pool_max_sigmoid, pool_mean_plain, pool_mean_sigmoid, pool_sum_plain, pool_sum_sigmoid,
resblock.
"""
