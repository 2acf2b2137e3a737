"""Network files: a Python file that lists a network's layers (``symcnn train --net-spec FILE``).

The file defines ``NETWORK``, a list with one dict per layer, and optionally
``LOSS`` and ``RECIPE``::

    NETWORK = [
        {"name": "conv1", "layer": "dilated_conv", "spec": "custom_layers.py",
         "M": 8, "KH": 3, "KW": 3, "d": 2},
        {"name": "pool1", "layer": "pool_max_plain", "s": 2},
        {"layer": "flatten"},
        {"name": "fc", "layer": "fc_identity", "O": 10},
    ]
    LOSS = "loss_softmax_ce"            # or "loss_squared"
    RECIPE = {"lr": 0.01, "momentum": 0.9, "batch_size": 64, "epochs": 1, "schedule": "constant"}

``layer`` names a built-in generated module (``generated/<layer>_<backend>.py``)
or, with ``"spec": FILE`` (relative to the network file), a layer that
``FILE`` defines: symcnn derives that file on first use into the cache folder
(``$SYMCNN_CACHE``, else ``~/.cache/symcnn``), keyed by the file's contents,
exactly as ``symcnn derive --spec FILE --out DIR`` would; ``"generated": DIR``
takes an already derived folder instead. Every other key is one of the
layer's sizes or hyper-parameters; sizes its input fixes (batch, channels,
height, width) are read off the previous layer's output. ``"init"`` maps a
parameter to ``"glorot"``, ``"he"`` or a number; by default a parameter starts
where the layer's spec says (``init``: a batch norm's ``G`` at 1), else arrays of
two or more axes are Glorot-uniform, vectors zero. ``"constants"`` maps a constant to
a value (a convolution's connection table ``T`` defaults to all ones).

The file is Python you name, so it runs; what it defines is then checked field
by field (:mod:`symcnn.runtime.netcheck`: sizes whole numbers in 1..2**20, RECIPE
values as the CLI options are), and a file or spec that is not a regular file of
at most :data:`MAX_FILE_BYTES` (a FIFO, ``/dev/zero``) is refused unopened. This
module reads and checks the file and derives its spec files; building the
network is :mod:`symcnn.runtime.netspec`'s job.
"""

from __future__ import annotations

import hashlib
import runpy
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symcnn import __version__
from symcnn.errors import NetworkError, SymcnnError
from symcnn.runtime.netcheck import LOSSES, RESERVED, check_layers, check_loss, check_recipe

__all__ = ["DEFAULT_RECIPE", "LOSSES", "MAX_FILE_BYTES", "RESERVED", "NetworkFile", "derived_folder",
           "read_network_file", "regular_file"]

#: The largest network or layer spec file read (a spec is Python source: the examples are 2 KB).
MAX_FILE_BYTES = 1 << 20
#: Training recipe of a network file that gives none (keys a RECIPE may set).
DEFAULT_RECIPE = {"lr": 0.01, "schedule": "constant", "momentum": 0.9, "batch_size": 64, "epochs": 1}


@dataclass
class NetworkFile:
    """A network file's layers (JSON-able dicts, paths absolute), loss and recipe."""

    path: str
    layers: list[dict[str, Any]]
    loss: str = "loss_softmax_ce"
    recipe: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_RECIPE))

    def meta(self) -> dict[str, Any]:
        """What a checkpoint records to rebuild the network without the file."""
        return {"file": self.path, "layers": self.layers, "loss": self.loss}


def regular_file(path: Path, what: str, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse ``path`` unless it is a regular file of at most ``limit`` bytes (a FIFO or ``/dev/zero``
    is refused before it is opened: reading either would hang or never end)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise NetworkError(f"{path}: no such {what}" if isinstance(exc, FileNotFoundError)
                           else f"{path}: {what} cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise NetworkError(f"{path}: {what} is not a regular file")
    if info.st_size > limit:
        raise NetworkError(f"{path}: {what} of {info.st_size} bytes; at most {limit}")


def read_network_file(path: str | Path) -> NetworkFile:
    """Run the network file ``path`` and check its ``NETWORK``, ``LOSS`` and ``RECIPE`` field by field."""
    path = Path(path)
    where = f"{path}"
    regular_file(path, "network file")
    try:
        found = runpy.run_path(str(path), run_name="symcnn_network_file")
    except SymcnnError:
        raise
    except Exception as exc:  # the user's file failed: say where, not a traceback
        raise NetworkError(f"{where}: the file raised {type(exc).__name__}: {str(exc)[:200]}") from None
    network = found.get("NETWORK")
    if type(network) not in (list, tuple) or not network:
        raise NetworkError(f"{where}: defines no NETWORK (a list with one dict per layer)")
    layers = check_layers(network, where, NetworkError, home=path.parent)
    loss = check_loss(found.get("LOSS", "loss_softmax_ce"), where, NetworkError)
    recipe = check_recipe(found.get("RECIPE", {}), DEFAULT_RECIPE, where, NetworkError)
    return NetworkFile(str(path.resolve()), layers, loss, recipe)


#: ``derive(spec, folder)``: derive a spec file's layers into a folder (:func:`symcnn.pipeline.derive_spec`).
Deriver = Callable[[Path, Path], float]


def derived_folder(
    spec: str | Path, log: Callable[[str], None] | None = None, derive: Deriver | None = None
) -> Path:
    """The folder holding the generated modules of the layer spec file ``spec``, derived on first use.

    The folder is ``<cache>/layers/<stem>-<hash of the file and symcnn's version>``:
    an edited spec is derived anew (by ``derive``: the runtime holds no SymPy). Given ``derive``, an
    unchanged one is too, on every use: ``derive`` compares the folder with what the spec generates
    and rewrites what differs, so a module planted in the cache folder never runs.
    """
    from symcnn.paths import cache_dir

    spec = Path(spec)
    regular_file(spec, "layer spec file")
    try:
        text = spec.read_bytes()
    except OSError as exc:
        raise NetworkError(f"{spec}: layer spec file cannot be read: {exc}") from None
    key = hashlib.sha256(text + f"\nsymcnn={__version__}".encode()).hexdigest()[:16]
    folder = cache_dir() / "layers" / f"{spec.stem}-{key}"
    fresh = not (folder / "MANIFEST.json").is_file()  # the manifest is written last
    if fresh and derive is None:
        raise NetworkError(f"{spec}: its layers are not derived yet; `symcnn train --net-spec` derives them")
    if derive is not None:  # on every use: the folder is in the cache, and is checked, never trusted
        if fresh and log:
            log(f"deriving the layers of {spec} into {folder}")
        seconds = derive(spec, folder)
        if fresh and log:
            log(f"  done in {seconds:.1f} s")
    return folder
