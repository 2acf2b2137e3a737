"""symcnn: derive, prove and compile the backward pass of convolutional networks."""

__version__ = "0.1.0"
