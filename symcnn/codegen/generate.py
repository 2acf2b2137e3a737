"""Code generation's stages from derivations to files: lower → render → assemble → write.

:func:`render_layer` is the one road from a derivation to module text and
:func:`assemble` makes a folder's files of them, both pure (``{filename: text}``
out); :func:`write_tree` is the only step that touches the disk: everything is
rendered in memory first, every module is parsed (:func:`ast.parse`) so a
spec string that slipped past escaping can never write a module that does
something else, then each file is replaced atomically, and only when its
content changed (so timestamps, and Numba's on-disk cache, survive an
unchanged derive). A failure anywhere before writing leaves the folder as it
was.

Derive writes only into a new or empty folder or one a previous derive wrote
(it holds symcnn's ``MANIFEST.json``), holds an exclusive lock on the folder
while it writes, and removes a file only when it can prove it wrote it: a
``.py`` file that starts with the generated header and whose SHA-256 is the
one the manifest recorded.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import hashlib
import json
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..backends import BACKENDS
from ..derive.cache import spec_hash
from ..derive.engine import Derivation
from ..errors import GeneratedCodeError
from ..fileio import atomic_write_text, text_sha256
from ..model.layer import Layer
from .lower import lower
from .render import render_module, versions
from .target import BASELINE, Target

MANIFEST = "MANIFEST.json"
DERIVATIONS = "DERIVATIONS.md"
#: The schedule that prints every kernel as its derived sum (:mod:`.plain`), rendered like a backend.
PLAIN = "plain"
#: The first line of every generated module starts with this.
HEADER = "# Produced by symcnn"


def render_layer(
    d: Derivation, backends: tuple[str, ...] = BACKENDS, target: Target = BASELINE
) -> dict[str, str]:
    """One layer's modules, by file name: ``<layer>_<backend>.py`` for each backend; the Numba
    schedules sized for ``target`` (:data:`~.target.BASELINE` unless asked: the same files on every
    machine).

    This is the one road from a derivation to module text: ``symcnn derive`` writes what it returns,
    ``symcnn verify`` and ``symcnn.torch`` load it, and the plain schedule (``backends=("plain",)``)
    comes out of it too. Every module carries the hash of the layer as written (``d.written``), the
    hash the folder's manifest records, whatever sums the engine split into intermediates.
    """
    from .plain import plain_module

    module = lower(d, spec_hash(d.written), target)  # once, for every backend and schedule
    return {
        f"{d.written.name}_{backend}.py": plain_module(d, module) if backend == PLAIN
        else render_module(module, backend)
        for backend in backends
    }


def assemble(
    layers: list[Layer], modules: dict[str, str], extra: dict[str, str] | None = None,
    backends: tuple[str, ...] = BACKENDS, hashes: dict[str, str] | None = None,
    target: Target = BASELINE,
) -> dict[str, str]:
    """A whole generated folder from the layers' modules (:func:`render_layer`) and ``extra``
    files (the report): adds ``__init__.py`` and the manifest, which lists every file's hash."""
    files = dict(modules)
    info: dict[str, dict] = {}
    for layer in layers:
        names = {b: f"{layer.name}_{b}.py" for b in backends}
        h = (hashes or {}).get(layer.name) or spec_hash(layer)
        info[layer.name] = {"label": layer.label, "spec_hash": h, "files": names}
    files["__init__.py"] = _package_init(sorted(info))
    files[".gitignore"] = "__pycache__/\n.symcnn-stamp.json\n"
    for name, text in (extra or {}).items():
        files[name] = text if text.endswith("\n") else text + "\n"
    entries = {}
    for name in sorted(files):
        entry = {"sha256": text_sha256(files[name])}
        for layer, about in info.items():
            for backend, fname in about["files"].items():
                if fname == name:
                    entry.update(layer=layer, backend=backend, spec_hash=about["spec_hash"])
        entries[name] = entry
    manifest = {**versions(), "target": {"isa": target.isa, "block": target.block}, "layers": info,
                "files": entries}
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files  # parsed by write_tree, before it writes any


def check_parses(files: dict[str, str]) -> None:
    """Parse every generated Python module; one that does not parse is never written."""
    for name, text in files.items():
        if name.endswith(".py"):
            try:
                ast.parse(text, filename=name)
            except (SyntaxError, ValueError) as exc:
                raise GeneratedCodeError(
                    f"{name}: generated module does not parse ({exc}); nothing was written"
                ) from None


def _package_init(layers: list[str]) -> str:
    lines = [
        f"# Produced by symcnn {__version__}; do not edit (`symcnn derive` rewrites this folder).",
        '"""Generated layer modules: ``<layer>_numba.py`` and ``<layer>_numpy.py`` for each layer.',
        "",
        *textwrap.wrap("Layers: " + ", ".join(layers) + ".", width=96, break_on_hyphens=False),
        '"""',
    ]
    return "\n".join(lines) + "\n"


@dataclass
class TreeReport:
    """What :func:`write_tree` did (or, with ``check``, would do)."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def _manifest(out: Path) -> dict | None:
    """The folder's ``MANIFEST.json`` when it is one symcnn wrote, else ``None``."""
    try:
        doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if isinstance(doc, dict) and "symcnn" in doc and isinstance(doc.get("files"), dict):
        return doc
    return None


def _ours(path: Path, sha256: object) -> bool:
    """True when ``path`` is a generated module, byte for byte as a previous derive wrote it."""
    if not isinstance(sha256, str) or path.is_symlink() or not path.is_file():
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return data.startswith(HEADER.encode()) and hashlib.sha256(data).hexdigest() == sha256


def _previous_files(out: Path) -> set[str]:
    """Modules a previous derive wrote that are still exactly as it wrote them."""
    doc = _manifest(out) or {"files": {}}
    found = set()
    for name, entry in doc["files"].items():
        plain = isinstance(name, str) and name.endswith(".py") and "/" not in name and "\\" not in name
        if plain and not name.startswith(".") and isinstance(entry, dict):
            if _ours(out / name, entry.get("sha256")):
                found.add(name)
    return found


def _compare(files: dict[str, str], out: Path) -> TreeReport:
    report = TreeReport()
    for name, text in files.items():
        path = out / name
        try:
            old = path.read_bytes()
        except FileNotFoundError:
            report.missing.append(name)
            continue
        except OSError as exc:
            raise GeneratedCodeError(f"{path}: unreadable: {exc}") from exc
        (report.unchanged if old == text.encode("utf-8") else report.stale).append(name)
    report.extra = sorted(_previous_files(out) - set(files))
    return report


def _refuse_foreign(out: Path) -> None:
    """Refuse a folder that holds files but no manifest of symcnn's: derive did not write it."""
    if out.exists() and not out.is_dir():
        raise GeneratedCodeError(f"{out}: not a folder")
    if not out.is_dir() or _manifest(out) is not None:
        return
    others = sorted(p.name for p in out.iterdir() if p.name != "__pycache__")
    if others:
        raise GeneratedCodeError(
            f"{out}: holds files symcnn derive did not write ({others[0]}, ...) and no MANIFEST.json "
            "of symcnn's; give --out a new or empty folder"
        )


def _refuse_overwrite(out: Path, names: list[str]) -> None:
    for name in names:
        path = out / name
        if name.endswith(".py") and (path.is_symlink() or not path.read_bytes().startswith(HEADER.encode())):
            raise GeneratedCodeError(f"{path}: not a generated module (no symcnn header); not overwriting it")


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the folder itself; a second derive into it is refused."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GeneratedCodeError(
                f"{out}: another `symcnn derive` is writing this folder; run again when it has finished"
            ) from None
        yield
    finally:
        os.close(fd)


def write_tree(files: dict[str, str], out: str | Path, check: bool = False) -> TreeReport:
    """Make ``out`` hold exactly ``files``; with ``check``, only compare and report.

    Generated modules a previous manifest listed that are no longer generated,
    and are unchanged since, are removed (or, with ``check``, reported as
    extra). The manifest is written last.
    """
    out = Path(out)
    if check:
        return _compare(files, out)
    # every module to be written parses, checked before the folder is touched; a module byte-identical
    # to the file on disk is not written (it was parsed when it was)
    unchanged = set(_compare(files, out).unchanged) if out.is_dir() else set()
    check_parses({name: text for name, text in files.items() if name not in unchanged})
    try:
        _refuse_foreign(out)
        out.mkdir(parents=True, exist_ok=True)
        with folder_lock(out):
            report = _compare(files, out)
            _refuse_overwrite(out, report.stale)
            todo = sorted(report.stale + report.missing, key=lambda n: (n == MANIFEST, n))
            check_parses({name: files[name] for name in todo if name in unchanged})  # changed since
            for name in todo:
                atomic_write_text(out / name, files[name])
                report.written.append(name)
            for name in report.extra:
                (out / name).unlink(missing_ok=True)
    except OSError as exc:
        raise GeneratedCodeError(f"{out}: cannot write generated code: {exc}") from exc
    return report
