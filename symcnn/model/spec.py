"""Load user-defined layers from a Python spec file (``symcnn derive --spec FILE.py``).

The file builds layers with the public API (:mod:`symcnn.model`) and lists them
in ``LAYERS``; without ``LAYERS`` every module-level :class:`Layer` is taken,
in the order defined.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ..errors import SpecError
from .layer import Layer


def load_spec(path: str | Path) -> list[Layer]:
    """Run the spec file and return its layers; a broken spec is a :class:`SpecError`.

    The spec is Python and runs with the user's rights: it is trusted code, like a ``setup.py``.
    """
    from .validate import check_structure, warn_unused  # validate imports derive, which imports this one

    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise SpecError(where, "spec file not found")
    name = f"symcnn_user_spec_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpecError(where, "not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SpecError:
        raise
    except Exception as exc:  # the user's module failed: say where, not a traceback
        raise SpecError(where, f"the spec raised {type(exc).__name__}: {exc}") from None
    finally:
        sys.modules.pop(name, None)
    layers = getattr(module, "LAYERS", None)
    if layers is None:
        layers = [v for v in vars(module).values() if isinstance(v, Layer)]
    if not isinstance(layers, list | tuple):
        raise SpecError(where, f"LAYERS must be a list of layers, not {type(layers).__name__}")
    if not layers or not all(isinstance(layer, Layer) for layer in layers):
        raise SpecError(where, "defines no layers (list them in LAYERS)")
    for layer in layers:
        check_structure(layer)
        warn_unused(layer)
    names = [layer.name for layer in layers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SpecError(where, f"duplicate layer names {dupes}")
    return layers
