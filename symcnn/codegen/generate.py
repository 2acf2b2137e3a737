"""The pipeline from layers to files: model → derive → lower → render → write.

:func:`render_all` is pure (derivations in, ``{filename: text}`` out) and
:func:`write_tree` is the only step that touches the disk: everything is
rendered in memory first, then each file is replaced atomically, and only
when its content changed (so timestamps, and Numba's on-disk cache, survive
an unchanged derive). A failure anywhere before writing leaves the folder as
it was.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..derive.cache import cached_derive, spec_hash
from ..derive.engine import Derivation
from ..errors import GeneratedCodeError
from ..fileio import atomic_write_text
from ..model.layer import Layer
from .lower import lower
from .render import BACKENDS, render_module, versions
from .target import BASELINE, Target

MANIFEST = "MANIFEST.json"
DERIVATIONS = "DERIVATIONS.md"


def derive_all(layers: Iterable[Layer], use_cache: bool = True) -> list[Derivation]:
    """Derive every layer (through the on-disk cache unless ``use_cache`` is false)."""
    return [cached_derive(layer, use_cache) for layer in layers]


def _derivations_markdown() -> Callable[[list[Derivation]], str] | None:
    try:
        from ..verify.report import derivations_markdown
    except ImportError:
        return None
    return derivations_markdown


def render_all(
    derivations: list[Derivation], backends: tuple[str, ...] = BACKENDS, target: Target = BASELINE
) -> dict[str, str]:
    """Every file of a generated folder, by name: modules, ``__init__.py``, manifest, report; the
    Numba schedules sized for ``target`` (:data:`~.target.BASELINE` unless asked: the same files on
    every machine)."""
    files: dict[str, str] = {}
    layers: dict[str, dict] = {}
    for d in derivations:
        h = spec_hash(d.layer)
        module = lower(d, h, target)
        names = {}
        for backend in backends:
            name = f"{d.layer.name}_{backend}.py"
            files[name] = render_module(module, backend)
            names[backend] = name
        layers[d.layer.name] = {"label": d.layer.label, "spec_hash": h, "files": names}
    files["__init__.py"] = _package_init(sorted(layers))
    files[".gitignore"] = "__pycache__/\n"
    report = _derivations_markdown()
    if report is not None:
        text = report(list(derivations))
        files[DERIVATIONS] = text if text.endswith("\n") else text + "\n"
    entries = {}
    for name in sorted(files):
        entry = {"sha256": hashlib.sha256(files[name].encode()).hexdigest()}
        for layer, info in layers.items():
            for backend, fname in info["files"].items():
                if fname == name:
                    entry.update(layer=layer, backend=backend, spec_hash=info["spec_hash"])
        entries[name] = entry
    manifest = {**versions(), "target": {"isa": target.isa, "block": target.block}, "layers": layers,
                "files": entries}
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files


def _package_init(layers: list[str]) -> str:
    lines = [
        f"# Produced by symcnn {__version__}; do not edit (`symcnn derive` rewrites this folder).",
        '"""Generated layer modules: ``<layer>_numba.py`` and ``<layer>_numpy.py`` for each layer.',
        "",
        "Layers: " + ", ".join(layers) + ".",
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


def _previous_files(out: Path) -> set[str]:
    try:
        doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return {n for n in doc.get("files", {}) if "/" not in n and n != MANIFEST}
    except (OSError, ValueError, AttributeError):
        return set()


def write_tree(files: dict[str, str], out: str | Path, check: bool = False) -> TreeReport:
    """Make ``out`` hold exactly ``files``; with ``check``, only compare and report.

    Files a previous manifest listed that are no longer generated are removed
    (or, with ``check``, reported as extra). The manifest is written last.
    """
    out = Path(out)
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
    if check:
        return report
    try:
        out.mkdir(parents=True, exist_ok=True)
        todo = sorted(report.stale + report.missing, key=lambda n: (n == MANIFEST, n))
        for name in todo:
            atomic_write_text(out / name, files[name])
            report.written.append(name)
        for name in report.extra:
            (out / name).unlink(missing_ok=True)
    except OSError as exc:
        raise GeneratedCodeError(f"{out}: cannot write generated code: {exc}") from exc
    return report


def generate_tree(
    layers: Iterable[Layer], out: str | Path, check: bool = False, use_cache: bool = True,
    target: Target = BASELINE,
) -> tuple[TreeReport, float]:
    """Derive, render and write (or check) a generated folder for ``target``; returns the report and
    seconds taken."""
    start = time.perf_counter()
    files = render_all(derive_all(layers, use_cache), target=target)
    report = write_tree(files, out, check)
    return report, time.perf_counter() - start
