"""The fast IR's schedules printed from loop trees (symcnn/codegen/schedule_tree.py).

The packed windows, register blocks, jams, split sums and tiles the fast IR
records are loop-tree nodes built from the frozen terms, turned into
loop-tree statements: no record and no tree holds a statement or an
expression as a string. That the kernels compute their equations is what
test_plain_schedule.py and test_generated.py check on random inputs; here,
the records' and the trees' shape.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_pack import kernel

from symcnn.codegen import ir
from symcnn.codegen import loops as L
from symcnn.codegen import schedule_tree as S
from symcnn.codegen.emit import source
from symcnn.paths import templates_dir

#: Kernels with each recorded schedule: windows with inner products and split sums, a tile, packing.
SCHEDULED = [("conv_xcorr_relu_same", "forward_U"), ("conv_xcorr_relu", "backward_dK"),
             ("combo_sigmoid_pairs", "backward_dalpha"), ("fc_relu", "forward_U"),
             ("conv_xcorr_relu", "backward_dX")]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")


def _fields_are_typed(node: L.Node) -> None:
    """Every field of ``node`` is a node, a number or a name: no statement or expression as text."""
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, str) and f.name not in ("note", "doc", "kind", "op", "fn"):
                assert _IDENTIFIER.match(v), f"{type(node).__name__}.{f.name} holds {v!r}"
            else:
                assert v is None or isinstance(v, (L.Node, int, float, str)), (node, f.name)


#: The fields of a :class:`~symcnn.codegen.ir.Reduction` the NumPy backend reads: its loops' bounds and its
#: factors as NumPy source (:mod:`symcnn.codegen.vectorize`), not the Numba schedule's.
_NUMPY_FIELDS = ("loops", "guard_masks", "factors")


def _records_are_typed(record: object, where: str) -> None:
    """Every field of the Numba schedule's ``record``, at any depth, is a loop-tree node, a number, a
    flag or a name: no statement or expression as text."""
    if isinstance(record, tuple):
        for k, v in enumerate(record):
            _records_are_typed(v, f"{where}[{k}]")
    elif isinstance(record, L.Node):
        for node in L.walk(record):
            _fields_are_typed(node)
    elif dataclasses.is_dataclass(record):
        for f in dataclasses.fields(record):
            if not (isinstance(record, ir.Reduction) and f.name in _NUMPY_FIELDS):
                _records_are_typed(getattr(record, f.name), f"{where}.{f.name}")
    elif isinstance(record, str):
        assert _IDENTIFIER.match(record), f"{where} holds {record!r}"
    else:
        assert record is None or isinstance(record, (int, float)), (where, record)


@pytest.mark.parametrize("layer,name", SCHEDULED)
def test_each_schedule_is_recorded_as_typed_nodes(layer, name):
    """What :mod:`.order` and :mod:`.window` record (a reduction's nest, hoists, body and target, a
    window's sizes and fill) are the frozen sums and loop-tree expressions, as :mod:`.tile`,
    :mod:`.pack`, :mod:`.jam` and :mod:`.dot` record theirs."""
    k = kernel(layer, name)
    _records_are_typed(k.terms, f"{name}.terms")
    _records_are_typed((k.window, k.tile), f"{name}.schedule")
    _records_are_typed(k.extents, f"{name}.extents")


@pytest.mark.parametrize("layer,name", SCHEDULED)
def test_each_recorded_schedule_is_a_tree_of_typed_nodes(layer, name):
    k = kernel(layer, name)
    bodies = [S.body(k)]
    if k.window:
        bodies.append(S.windowed(k, k.window))
        if k.window.dot:
            bodies.append(S.dotted(k, k.window, k.window.dot))
    assert k.window or k.tile or any(t.pack for t in k.terms)
    for body in bodies:
        tree = L.Kernel(k.name, (*k.args, "_threads"), body)
        for node in L.walk(tree):
            _fields_are_typed(node)
        compile(source(tree), k.name, "exec")


def test_templates_hold_scaffolding_only():
    """No template over 120 lines, and none writes a Numba kernel: its loops come from a tree."""
    for path in sorted(templates_dir().glob("*.j2")):
        text = path.read_text()
        assert len(text.splitlines()) <= 120, path.name
        assert "prange(" not in text and "@njit" not in text, path.name
        if not path.name.startswith("numpy"):
            assert "{% macro kernel" not in text, path.name
