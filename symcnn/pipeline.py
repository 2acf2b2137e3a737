"""The stages of ``symcnn derive``, named and in order: derive → lower and render → report → write
(``model → derive → lower → render → write``, with ``verify`` beside them, as docs/generated-code.md
names them).

- **derive** (:mod:`symcnn.derive`): each layer's gradients as bounded sums, cached by spec hash;
- **lower and render** (:mod:`symcnn.codegen`): each layer's Numba and NumPy modules from its
  derivation, by :func:`symcnn.codegen.generate.render_layer` — the one road from a derivation to
  module text, which ``symcnn verify --spec``, the plain schedule and the tests take too;
- **report** (:mod:`symcnn.verify.report`): ``DERIVATIONS.md``, from the same derivations;
- **write** (:func:`symcnn.codegen.generate.write_tree`): the folder, only files that changed.

Code generation never sees the prover: this module hands the report to the
writer as one more file. A stage's output is a function of the layer specs
and of the source of the stages it runs, so each is recorded under a key of
exactly those (:func:`stage_keys`) in a stamp beside the folder written
(``.symcnn-stamp.json``, not part of the generated tree). With nothing
changed, ``symcnn derive`` reads the keys, finds every file already written
under them, and neither derives, lowers nor proves anything. The cache folder
holds derivations only, never generated text (:class:`_Store`): a new folder,
and ``--check``, which trusts no stamp, render and prove from the derivations;
``--no-cache`` trusts neither and derives, renders and proves everything.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import symcnn

from .backends import BACKENDS
from .derive.cache import cached_derive, spec_hash
from .derive.engine import Derivation
from .fileio import atomic_write_text, text_sha256
from .model.layer import Layer

if TYPE_CHECKING:
    from .codegen.target import Target

#: ``progress(phase, k, total, name)``: called as step ``k`` of ``total`` of a phase begins on ``name``.
Progress = Callable[[str, int, int, str], None]


def _quiet(phase: str, k: int, total: int, name: str) -> None:
    pass


def BASELINE_TARGET() -> Target:  # noqa: N802 - the constant, imported only when code is generated
    from .codegen.target import BASELINE

    return BASELINE


def _sized(target: Target | None) -> tuple[str, ...]:
    """What a target adds to the modules' key: nothing for the baseline (the files every machine gets)."""
    return () if target is None else (target.isa, str(target.block))

DERIVATIONS = "DERIVATIONS.md"
STAMP = ".symcnn-stamp.json"
_PACKAGE = Path(symcnn.__file__).resolve().parent
#: What each stage's output depends on besides the layer specs: its source and that of the stages before it.
GENERATE_SOURCES = ("__init__.py", "backends.py", "errors.py", "model", "derive", "codegen", "../templates")
REPORT_SOURCES = ("__init__.py", "model", "derive", "verify")


def source_hash(parts: Iterable[str]) -> str:
    """A hash of the source files under ``parts`` (paths relative to the package)."""
    h = hashlib.sha256()
    for part in parts:
        root = (_PACKAGE / part).resolve()
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in (".py", ".j2"))
        for path in paths:
            h.update(str(path.relative_to(_PACKAGE.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class StageKeys:
    """The key of each layer's modules and of the report."""

    modules: dict[str, str]
    report: str


def stage_keys(
    layers: list[Layer], spec_hashes: dict[str, str] | None = None, target: Target | None = None
) -> StageKeys:
    """Each stage's key: the layers' spec hashes and the source of the stages that make it."""
    known = spec_hashes or {}
    generate = source_hash(GENERATE_SOURCES)
    # the label and doc reach the generated text, so they are part of the key as well as the spec
    hashes = [f"{layer.name}={known.get(layer.name) or spec_hash(layer)}:{layer.label!r}:{layer.doc!r}"
              for layer in layers]
    sized = _sized(target)
    modules = {layer.name: _digest(h, generate, *BACKENDS, *sized) for layer, h in zip(layers, hashes)}
    return StageKeys(modules, _digest(*hashes, source_hash(REPORT_SOURCES)))


class _Store:
    """Stage outputs by key, taken only from the folder being written, as its stamp records them.

    A file of ``out`` is reused when the stamp records it under the stage's key
    and the file's SHA-256, computed here, is the one recorded: ``out`` is the
    folder the user asked derive to write, whose modules they load anyway. The
    cache folder keeps derivations (data, checked as they are read:
    :mod:`symcnn.derive.store`), never generated text: text planted there would
    be written out and run as source. Every stage the stamp does not hold runs.
    """

    def __init__(self, out: Path | None, enabled: bool):
        self.enabled = enabled
        self.out = out
        self.stamp: dict = {}
        if out is not None and enabled:
            try:
                self.stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                self.stamp = {}

    def _from_out(self, name: str, key: str) -> str | None:
        entry = self.stamp.get(name) if isinstance(self.stamp, dict) else None
        if not isinstance(entry, dict) or entry.get("key") != key or self.out is None:
            return None
        try:
            text = (self.out / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text if text_sha256(text) == entry.get("sha256") else None

    def get(self, key: str, names: list[str]) -> dict[str, str] | None:
        if not self.enabled:
            return None
        found = {n: self._from_out(n, key) for n in names}
        return found if all(v is not None for v in found.values()) else None  # type: ignore[return-value]


def build(
    layers: Iterable[Layer], out: Path | None = None, use_cache: bool = True, target: Target | None = None,
    progress: Progress = _quiet, report: bool = True,
) -> tuple[dict, dict]:
    """Every file of the generated folder, by name, and each file's stage key.

    ``out``: a folder written before, whose stamp may already hold some stages' outputs.
    ``report=False`` leaves out ``DERIVATIONS.md`` (and so the proofs it runs): a network file's
    custom layers are derived on first use, and their proof is ``symcnn verify --spec``'s.
    """
    from .codegen.generate import assemble

    layers = list(layers)
    hashes = {layer.name: spec_hash(layer) for layer in layers}
    keys = stage_keys(layers, hashes, target)
    store = _Store(out, use_cache)
    derived: dict[str, Derivation] = {}

    def derivation(layer: Layer) -> Derivation:
        if layer.name not in derived:
            progress("derive", len(derived) + 1, len(layers), layer.name)
            derived[layer.name] = cached_derive(layer, use_cache)
        return derived[layer.name]

    modules: dict[str, str] = {}
    file_keys: dict[str, str] = {}
    wanted = {layer.name: [f"{layer.name}_{b}.py" for b in BACKENDS] for layer in layers}
    found = {layer.name: store.get(keys.modules[layer.name], wanted[layer.name]) for layer in layers}
    text = store.get(keys.report, [DERIVATIONS]) if report else {}
    pending = None
    if text is None:  # the report and the modules need the same derivations, nothing else of each other
        rendering = any(f is None for f in found.values())
        pending = _start_report([derivation(layer) for layer in layers], rendering)
    for k, layer in enumerate(layers, 1):
        progress("render", k, len(layers), layer.name)
        key = keys.modules[layer.name]
        files = found[layer.name]
        if files is None:
            from .codegen.generate import render_layer

            files = render_layer(derivation(layer), target=target or BASELINE_TARGET())
        modules.update(files)
        file_keys.update(dict.fromkeys(files, key))
    if pending is not None:
        text = {DERIVATIONS: pending()}
    if report:
        file_keys[DERIVATIONS] = keys.report
    return assemble(layers, modules, text, hashes=hashes, target=target or BASELINE_TARGET()), file_keys


def _report_text(derivations: list[Derivation]) -> str:
    from .verify.report import derivations_markdown

    return derivations_markdown(derivations)


def _start_report(derivations: list[Derivation], overlap: bool) -> Callable[[], str]:
    """Start the report stage; the returned function waits for its text.

    When modules are rendered meanwhile and a second CPU is there, the report
    runs in a forked child (it proves; rendering lowers): a cold derive then
    takes about the longer of the two, not their sum.
    """
    if not (overlap and (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods()):
        return lambda: _report_text(derivations)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
    future = pool.submit(_report_text, derivations)

    def wait() -> str:
        try:
            return future.result()
        finally:
            pool.shutdown()

    return wait


def write_stamp(out: Path, files: dict[str, str], file_keys: dict[str, str]) -> None:
    """Record under which key each file in ``out`` was made, for the next :func:`build`."""
    stamp = {
        name: {"key": key, "sha256": text_sha256(files[name])}
        for name, key in sorted(file_keys.items())
    }
    try:
        atomic_write_text(out / STAMP, json.dumps(stamp, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass


def build_plain(layers: Iterable[Layer], use_cache: bool = True) -> dict[str, str]:
    """Every file of a folder of the plain schedule: ``<layer>_plain.py``, ``__init__.py``, the manifest."""
    from .codegen.generate import PLAIN, assemble, render_layer

    layers = list(layers)
    modules: dict[str, str] = {}
    for layer in layers:
        modules.update(render_layer(cached_derive(layer, use_cache), (PLAIN,)))
    return assemble(layers, modules, backends=(PLAIN,))


def run_derive(
    layers: Iterable[Layer], out: str | Path, check: bool = False, use_cache: bool = True,
    schedule: str = "fast", target: Target | None = None, progress: Progress = _quiet,
    report: bool = True,
):
    """``symcnn derive``: build every file and write (or, with ``check``, compare) the folder.

    ``schedule="plain"`` writes the plain schedule (:mod:`symcnn.codegen.plain`) instead;
    ``report=False`` leaves ``DERIVATIONS.md`` out (:func:`build`).
    """
    from .codegen.generate import write_tree

    start = time.perf_counter()
    out = Path(out)
    if schedule == "plain":
        report = write_tree(build_plain(layers, use_cache), out, check)
        return report, time.perf_counter() - start
    files, file_keys = build(layers, None if check else out, use_cache, target, progress, report)
    report = write_tree(files, out, check)
    if not check:
        write_stamp(out, files, file_keys)
    return report, time.perf_counter() - start


def derive_spec(spec: Path, folder: Path, progress: Progress = _quiet) -> float:
    """Derive and generate the layers of the spec file ``spec`` into ``folder`` (a network file's
    custom layers, kept in the cache folder); returns the seconds taken. ``progress`` as :data:`Progress`.

    The folder is compared with what the spec generates on every use and rewritten where it
    differs: a folder in the cache is data, and its modules run only as the spec makes them (its
    stamp is not consulted; no proof report is written).
    """
    from .codegen.generate import write_tree
    from .model.spec import load_spec

    start = time.perf_counter()
    files, _ = build(load_spec(spec), progress=progress, report=False)
    if not write_tree(files, folder, check=True).up_to_date:
        write_tree(files, folder)
    return time.perf_counter() - start
