"""Generated modules of a derivation, rendered and loaded in memory, for checking.

``symcnn verify --spec`` and the tests run a user layer's generated NumPy and
Numba modules without writing a generated folder: the NumPy module is executed
from its text; the Numba module is written to a scratch folder first, since
Numba's cache needs a file to key on. The scratch folder is named after the
module's text, under the cache folder, so a module checked again (by a later
``verify --spec`` or another test) loads its compiled kernels from Numba's
cache instead of compiling them again.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

from ..backends import BACKENDS
from ..codegen.target import BASELINE, Target
from ..derive.engine import Derivation
from ..fileio import atomic_write_text, text_sha256
from ..paths import cache_dir


def module_sources(
    d: Derivation, backends: tuple[str, ...] = BACKENDS, target: Target = BASELINE
) -> dict[str, str]:
    """The text of each backend's module for ``d``: :func:`~symcnn.codegen.generate.render_layer`'s,
    the very text ``symcnn derive`` writes."""
    from ..codegen.generate import render_layer

    files = render_layer(d, backends, target)
    return {b: files[f"{d.written.name}_{b}.py"] for b in backends}


def load_source(text: str, name: str, folder: str | Path | None = None) -> types.ModuleType:
    """Execute a generated module's ``text`` as module ``name``.

    With ``folder`` the text is written there as ``name.py`` and imported from
    that file (what a Numba module needs); without, it is executed in memory.
    """
    if folder is None:
        mod = types.ModuleType(name)
        exec(compile(text, f"<generated {name}>", "exec"), mod.__dict__)  # noqa: S102 - our own output
        return mod
    path = Path(folder) / f"{name}.py"
    # rewritten only when it differs: a new mtime would make Numba's cache compile it again
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.modules.pop(name, None)
    return mod


def scratch_folder(text: str) -> Path:
    """The folder a generated Numba module of this ``text`` is loaded from: one per text, in the cache."""
    folder = cache_dir() / "verify" / text_sha256(text)[:20]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_backends(
    d: Derivation, backends: tuple[str, ...] = BACKENDS, folder: str | Path | None = None
) -> dict[str, types.ModuleType]:
    """Each backend's generated module for ``d``, loaded (Numba's through ``folder`` or a scratch folder)."""
    return load_texts(d.written.name, module_sources(d, backends), folder)


def load_texts(
    layer: str, texts: dict[str, str], folder: str | Path | None = None
) -> dict[str, types.ModuleType]:
    """Load each backend's module text ``texts[backend]`` of ``layer`` (Numba's through a file)."""
    out = {}
    for backend, text in texts.items():
        name = f"{layer}_{backend}"
        if backend == "numba":
            where = folder if folder is not None else scratch_folder(text)
            out[backend] = load_source(text, name, where)
        else:
            out[backend] = load_source(text, name)
    return out
