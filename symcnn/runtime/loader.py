"""Loading generated layer modules by file path, checked against the manifest.

A generated folder (``generated/`` or any folder ``symcnn derive --out`` wrote)
holds ``<layer>_<backend>.py`` files and a ``MANIFEST.json`` naming the spec
hash each file was generated from (and the file's sha256). :func:`load_layer_module` loads exactly
``<folder>/<layer>_<backend>.py``: nothing is looked up on ``sys.path`` and no
other folder is tried. Before the file is executed its ``SPEC_HASH`` line is
read as text and compared with the manifest, and its bytes with the
manifest's sha256 when there is one; a mismatch (or a file the manifest does
not list) is refused unless ``trust=True`` (``--trust-generated``). A module
the journal of an unfinished ``symcnn derive`` lists with its exact sha256 and
spec hash is the new generation's, and accepted (:mod:`symcnn.manifest`).

Only the standard library is used here; the modules themselves import NumPy or
Numba. Loaded modules are cached by path and modification time, so every
network built in one process shares Numba's compiled kernels.

A Numba kernel not in Numba's disk cache compiles on its first call, in the
calling process, for seconds to tens of seconds. The first time that happens
to a generated module's kernels, one line on stderr says so
(``symcnn: compiling conv_xcorr_relu's Numba kernels in this process, first use
only``), so a wait is never a silent one (``symcnn train`` compiles them in
child processes beforehand: :mod:`symcnn.runtime.warmup`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from symcnn.backends import BACKENDS
from symcnn.errors import GeneratedCodeError
from symcnn.manifest import journal_entries
from symcnn.paths import generated_dir

__all__ = [
    "BACKENDS",
    "CONTRACT",
    "GENERATED_DIR",
    "declared_spec_hash",
    "load_layer_module",
    "module_path",
    "read_manifest",
    "resolve_folder",
]

#: The built-in generated folder: ``generated/`` of a checkout, or the copy shipped in the wheel.
GENERATED_DIR = generated_dir()
#: Backends a generated folder provides.
#: Names every generated module defines (the contract with ``symcnn.codegen``).
CONTRACT = (
    "LAYER", "LABEL", "BACKEND", "SPEC_HASH", "INPUTS", "PARAMS", "CONSTANTS", "OUTPUTS",
    "HYPER", "RECORDS", "INTERMEDIATES", "GRADIENTS", "SIZES", "BUFFERS", "EVALUATION", "sizes_of", "forward",
    "backward", "forward_eval", "update_buffers", "initial_buffers",
)
MANIFEST = "MANIFEST.json"

_HASH_LINE = re.compile(r"""^SPEC_HASH\s*=\s*["']([0-9a-fA-F]+)["']""", re.MULTILINE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CACHE: dict[tuple[str, int, int, bool], ModuleType] = {}
#: Generated Numba modules loaded in this process (module name → layer), watched for compiles.
_WATCHED: dict[str, str] = {}
#: Layers whose first in-process compile has been announced.
_ANNOUNCED: set[str] = set()
_LISTENING: list[object] = []  # the Numba event listener, once installed


def resolve_folder(folder: str | Path | None) -> Path:
    """The generated folder to use: ``folder`` if given, else :data:`GENERATED_DIR`."""
    path = Path(folder) if folder is not None else GENERATED_DIR
    if not path.is_dir():
        hint = "" if folder is not None else "; run `symcnn derive` first or pass --generated DIR"
        raise GeneratedCodeError(f"{path}: no generated-code folder{hint}")
    return path.resolve()


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The parsed ``MANIFEST.json`` of ``folder`` (None when the folder has none)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GeneratedCodeError(f"{path}: unreadable manifest: {exc}") from exc
    if not isinstance(doc, dict):
        raise GeneratedCodeError(f"{path}: manifest is not a JSON object")
    return doc


def manifest_hash(manifest: dict[str, Any], layer: str, backend: str, filename: str) -> str | None:
    """The spec hash ``manifest`` records for ``layer``'s ``backend`` file, if any.

    Accepts the layouts ``{"files": {filename: {"spec_hash": h, "sha256": ...}}}``
    (what ``symcnn derive`` writes), ``{"layers": {layer: {"spec_hash": h, ...}}}`` (one hash
    for both backends), ``{"layers": {layer: {backend: {"spec_hash": h}}}}``,
    and lists of entries with
    ``"layer"``/``"name"`` and ``"spec_hash"`` keys.
    """
    files = manifest.get("files")
    if isinstance(files, dict) and isinstance(files.get(filename), dict):
        found = files[filename].get("spec_hash")
        if isinstance(found, str):
            return found
    layers = manifest.get("layers")
    entry: Any = None
    if isinstance(layers, dict):
        entry = layers.get(layer)
    elif isinstance(layers, list):
        entry = next(
            (e for e in layers if isinstance(e, dict) and layer in (e.get("layer"), e.get("name"))),
            None,
        )
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get(backend), dict) and isinstance(entry[backend].get("spec_hash"), str):
        return entry[backend]["spec_hash"]
    found = entry.get("spec_hash")
    return found if isinstance(found, str) else None


def module_path(layer: str, backend: str, folder: str | Path | None = None) -> Path:
    """``<folder>/<layer>_<backend>.py``, checked to name a file."""
    if backend not in BACKENDS:
        raise GeneratedCodeError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if not _NAME.match(layer):
        raise GeneratedCodeError(f"{layer!r} is not a layer name")
    path = resolve_folder(folder) / f"{layer}_{backend}.py"
    if not path.is_file():
        raise GeneratedCodeError(f"{path}: no generated {backend} module for layer {layer!r}")
    return path


def declared_spec_hash(path: str | Path) -> str | None:
    """The ``SPEC_HASH`` a generated module's text declares (read, not run); ``None`` if it declares none."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(1 << 16)  # the constants come first, after the header and docstring
    except (OSError, UnicodeDecodeError):
        return None
    match = _HASH_LINE.search(text)
    return match.group(1).lower() if match else None


def _check_hash(path: Path, layer: str, backend: str) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GeneratedCodeError(f"{path}: unreadable: {exc}") from exc
    match = _HASH_LINE.search(text)
    if match is None:
        raise GeneratedCodeError(f"{path}: no SPEC_HASH line; not a symcnn-generated module")
    manifest = read_manifest(path.parent)
    if _journalled(path, text, match.group(1)):
        return  # the new generation of a derive that is writing the folder, or was killed writing it
    if manifest is None:
        raise GeneratedCodeError(
            f"{path.parent}: no {MANIFEST}; cannot check generated code (--trust-generated skips this)"
        )
    want = manifest_hash(manifest, layer, backend, path.name)
    if want is None:
        raise GeneratedCodeError(
            f"{path}: layer {layer!r} ({backend}) is not in {MANIFEST} (--trust-generated skips this)"
        )
    if match.group(1).lower() != want.lower():
        raise GeneratedCodeError(
            f"{path}: SPEC_HASH {match.group(1)} does not match {MANIFEST} ({want}); "
            "regenerate with `symcnn derive` (--trust-generated skips this)"
        )
    entry = (manifest.get("files") or {}).get(path.name)
    digest = entry.get("sha256") if isinstance(entry, dict) else None
    if isinstance(digest, str) and hashlib.sha256(text.encode("utf-8")).hexdigest() != digest.lower():
        raise GeneratedCodeError(
            f"{path}: contents differ from the sha256 in {MANIFEST} (edited after generation?); "
            "regenerate with `symcnn derive` (--trust-generated skips this)"
        )


def _journalled(path: Path, text: str, spec_hash: str) -> bool:
    """True when the journal of the folder's last write (:mod:`symcnn.manifest`) lists ``path``
    with exactly this content and spec hash."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return any(
        isinstance(e.get("sha256"), str) and e["sha256"].lower() == digest
        and isinstance(e.get("spec_hash"), str) and e["spec_hash"].lower() == spec_hash.lower()
        for e in journal_entries(path.parent).get(path.name, [])
    )


def _module_name(path: Path) -> str:
    """The name a generated file is imported under: its stem, unless another file holds that name.

    Numba's on-disk cache (``cache=True``) re-imports a kernel's module *by
    name* when it loads a compiled entry, so every process must import a given
    file under one name; the file's stem is the name any other loader (a plain
    ``import`` with the folder on ``sys.path``, say) would also use.
    """
    held = sys.modules.get(path.stem)
    if held is None or getattr(held, "__file__", None) == str(path):
        return path.stem
    return f"{path.stem}__{hashlib.sha1(str(path).encode()).hexdigest()[:10]}"


def _exec_module(path: Path) -> ModuleType:
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise GeneratedCodeError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken generated file is a user-facing problem
        if previous is None:
            del sys.modules[name]
        else:
            sys.modules[name] = previous
        raise GeneratedCodeError(f"{path}: failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def load_layer_module(
    layer: str, backend: str = "numba", folder: str | Path | None = None, trust: bool = False
) -> ModuleType:
    """Load the generated ``backend`` module of ``layer`` from ``folder`` (default ``generated/``).

    Raises :class:`GeneratedCodeError` when the file is missing, its
    ``SPEC_HASH`` disagrees with the folder's manifest (unless ``trust``), it
    fails to import, or it lacks a name of the contract (:data:`CONTRACT`).
    """
    path = module_path(layer, backend, folder)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, trust)
    if key in _CACHE:
        return _CACHE[key]
    if not trust:
        _check_hash(path, layer, backend)
    module = _exec_module(path)
    missing = [name for name in CONTRACT if not hasattr(module, name)]
    if missing:
        raise GeneratedCodeError(f"{path}: does not define {', '.join(missing)}")
    if module.LAYER != layer or module.BACKEND != backend:
        raise GeneratedCodeError(
            f"{path}: says it is {module.LAYER!r} ({module.BACKEND}), expected {layer!r} ({backend})"
        )
    if backend == "numba":
        _watch_compiles(module)
    _CACHE[key] = module
    return module


def compile_notice(layer: str) -> str:
    """The line said when ``layer``'s kernels first compile in this process."""
    return (f"symcnn: compiling {layer}'s Numba kernels in this process, first use only "
            "(later runs load them from Numba's cache)")


def _announce(dispatcher: Any) -> None:
    """Say once per layer that a generated module's kernel compiles here (a Numba cache miss)."""
    layer = _WATCHED.get(getattr(getattr(dispatcher, "py_func", None), "__module__", None) or "")
    if layer is not None and layer not in _ANNOUNCED:
        _ANNOUNCED.add(layer)
        print(compile_notice(layer), file=sys.stderr, flush=True)


def _watch_compiles(module: ModuleType) -> None:
    """Announce the first compile of ``module``'s kernels (Numba's ``numba:compile`` event fires
    only for a compile, never for a kernel loaded from the disk cache)."""
    _WATCHED[module.__name__] = module.LAYER
    if _LISTENING:
        return
    from numba.core import event

    class Notice(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            _announce(ev.data.get("dispatcher") if isinstance(ev.data, dict) else None)

        def on_end(self, ev: event.Event) -> None:
            pass

    _LISTENING.append(Notice())
    event.register("numba:compile", _LISTENING[0])
