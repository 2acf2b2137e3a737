"""Two layers whose sums sit inside nonlinear functions, which the engine splits into intermediates.

``symcnn derive --spec examples/split_layers.py --out my_layers`` derives them;
the generated modules carry the hash of the layers as written here, so the
folder loads like any other (``symcnn.torch``, a network file's ``"generated"``).
"""

from symcnn.model import Equation, Layer, Sum, array, exp, indices, sigmoid, sizes

N, Ni, No = sizes("N I O")
n, k, i = indices("n k i")
X, W, Bf = array("X", (N, Ni)), array("W", (No, Ni)), array("b", (No,))
Y = array("Y", (N, No))
# A fully connected layer written as one equation: the sum sits inside the sigmoid.
fc_sigmoid_sum = Layer(
    name="fc_sigmoid_sum",
    sizes=(N, Ni, No),
    inputs=(X,),
    params=(W, Bf),
    outputs=(Y,),
    equations=(Equation(Y[n, k], sigmoid(Sum(W[k, i] * X[n, i], (i, 0, Ni - 1)) + Bf[k])),),
    doc="fully connected, sigmoid of the sum",
)

C, H, Wd = sizes("C H W")
c, e, y, x = indices("c e y x")
Xc, Yc = array("X", (N, C, H, Wd)), array("Y", (N, C, H, Wd))
# A softmax across the maps at each pixel: the normaliser is a sum inside a power.
softmax_maps = Layer(
    name="softmax_maps",
    sizes=(N, C, H, Wd),
    inputs=(Xc,),
    params=(),
    outputs=(Yc,),
    equations=(
        Equation(Yc[n, c, y, x], exp(Xc[n, c, y, x]) / Sum(exp(Xc[n, e, y, x]), (e, 0, C - 1))),
    ),
    doc="softmax across maps",
)

LAYERS = [fc_sigmoid_sum, softmax_maps]
