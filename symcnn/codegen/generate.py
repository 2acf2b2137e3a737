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
(it holds symcnn's ``MANIFEST.json``, or the journal of an unfinished
write), holds an exclusive lock on the folder while it judges and writes it,
and removes a file only when it can prove it wrote it: a ``.py`` file that
starts with the generated header and whose SHA-256 is the one the manifest
(or the journal) recorded. The new hashes are journalled before the first
module is replaced and the manifest is written last (:mod:`symcnn.manifest`):
a derive killed at any point leaves modules that load, and the next one (or
``--check``) finds and sweeps its journal and temporary files.
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
from ..fileio import (
    atomic_write_text,
    fsync_dir,
    remove_stale_temporaries_in,
    stale_temporaries_in,
    text_sha256,
)
from ..manifest import JOURNAL, journal_entries, read_doc
from ..model.layer import Layer
from . import loops as L
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
    from .plain import kernel_trees, plain_module
    from .variants import blocked_variants, shapes

    module = lower(d, spec_hash(d.written), target)  # once, for every backend and schedule
    blocks = blocked_variants(d, module, target) if "numba" in backends else {}
    trees = {t.name: t for t in kernel_trees(d, module) if isinstance(t, L.Kernel)} if "numba" in backends \
        else {}
    return {
        f"{d.written.name}_{backend}.py": plain_module(d, module) if backend == PLAIN
        else render_module(module, backend, blocks, trees, shapes(d, seeds=True)) if backend == "numba"
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
    doc = read_doc(out / MANIFEST)
    if doc is not None and "symcnn" in doc and isinstance(doc.get("files"), dict):
        return doc
    return None


def _derived(out: Path) -> bool:
    """True when a derive wrote ``out``, or began to: it holds symcnn's manifest or journal."""
    doc = read_doc(out / JOURNAL)
    return _manifest(out) is not None or (doc is not None and "symcnn" in doc)


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
    """Modules a previous derive wrote (or an interrupted one began to) still exactly as it wrote them."""
    entries: dict[str, list] = {n: [e] for n, e in (_manifest(out) or {"files": {}})["files"].items()}
    for name, more in journal_entries(out).items():
        entries.setdefault(name, []).extend(more)
    found = set()
    for name, candidates in entries.items():
        plain = isinstance(name, str) and name.endswith(".py") and "/" not in name and "\\" not in name
        if plain and not name.startswith("."):
            if any(isinstance(e, dict) and _ours(out / name, e.get("sha256")) for e in candidates):
                found.add(name)
    return found


def _leftovers(out: Path) -> list[str]:
    """What an interrupted derive left behind: its journal and its temporary files."""
    names = [p.name for p in stale_temporaries_in(out)]
    return sorted(names + ([JOURNAL] if (out / JOURNAL).exists() else []))


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
    """Refuse a folder that holds files but no manifest (or journal) of symcnn's: derive did not write it."""
    if not out.is_dir() or _derived(out):
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


def _journal(out: Path, files: dict[str, str], extra: list[str]) -> str:
    """The journal of a write of ``files`` that removes ``extra``: each file's new entry; the old
    manifest's entry of each file to be removed (so that a derive killed before removing it still
    knows it wrote it); and the entries of an interrupted write's journal that a file on disk still
    matches (they stay loadable until replaced)."""
    try:
        new = json.loads(files.get(MANIFEST, "")).get("files")
    except (ValueError, AttributeError):
        new = None
    entries: dict[str, list] = {n: [e] for n, e in (new if isinstance(new, dict) else {}).items()}
    before = (_manifest(out) or {"files": {}})["files"]
    for name in extra:
        if isinstance(before.get(name), dict):
            entries.setdefault(name, []).append(before[name])
    for name, old in journal_entries(out).items():
        on_disk = [e for e in old if e not in entries.get(name, []) and _ours(out / name, e.get("sha256"))]
        if on_disk and "/" not in name and not name.startswith("."):
            entries.setdefault(name, []).extend(on_disk)
    return json.dumps({**versions(), "files": entries}, indent=1, sort_keys=True) + "\n"


def _replace(out: Path, files: dict[str, str], report: TreeReport) -> None:
    """Write ``report``'s stale and missing files and remove its extra ones, journalled: the new
    entries go to the journal first, the manifest last, and the journal once the manifest is there."""
    todo = sorted(report.stale + report.missing, key=lambda n: (n == MANIFEST, n))
    if todo or report.extra:
        atomic_write_text(out / JOURNAL, _journal(out, files, report.extra))
    for name in todo:
        atomic_write_text(out / name, files[name])
        report.written.append(name)
    for name in report.extra:
        (out / name).unlink(missing_ok=True)
    if (out / JOURNAL).exists():
        (out / JOURNAL).unlink()
        fsync_dir(out)


def write_tree(files: dict[str, str], out: str | Path, check: bool = False) -> TreeReport:
    """Make ``out`` hold exactly ``files``; with ``check``, only compare and report.

    Generated modules a previous manifest listed that are no longer generated,
    and are unchanged since, are removed (or, with ``check``, reported as
    extra), and so are an interrupted derive's temporary files and journal.
    The folder is locked first, the new hashes journalled (:mod:`symcnn.manifest`)
    before any module is replaced, and the manifest written last: killed at any
    point, every module in the folder is the old generation's or the new one's
    and loads.
    """
    out = Path(out)
    if check:
        report = _compare(files, out)
        report.extra += _leftovers(out) if out.is_dir() else []
        return report
    # every module to be written parses, checked before the folder is touched; a module byte-identical
    # to the file on disk is not written (it was parsed when it was)
    unchanged = set(_compare(files, out).unchanged) if out.is_dir() else set()
    check_parses({name: text for name, text in files.items() if name not in unchanged})
    if out.exists() and not out.is_dir():
        raise GeneratedCodeError(f"{out}: not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with folder_lock(out):  # first: a derive writing here has not written its manifest yet
            _refuse_foreign(out)
            report = _compare(files, out)
            _refuse_overwrite(out, report.stale)
            check_parses({name: files[name] for name in report.stale + report.missing if name in unchanged})
            swept = [p.name for p in remove_stale_temporaries_in(out)]
            _replace(out, files, report)
            report.extra = sorted(report.extra + swept)
    except OSError as exc:
        raise GeneratedCodeError(f"{out}: cannot write generated code: {exc}") from exc
    return report
