"""The import graph of ``symcnn/`` follows the pipeline: model → derive → codegen / verify → runtime.

Built from the source with :mod:`ast`, so imports inside functions count as
much as those at the top of a module: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symcnn"

#: For each part of symcnn, the parts it must not import. ``support`` and ``runtime`` are what
#: generated code and training run on: no SymPy, nothing that derives, proves or generates.
FORBIDDEN = {
    "model": {"derive", "verify", "codegen", "runtime", "bench", "cli", "pipeline"},
    "derive": {"verify", "codegen", "runtime", "bench", "cli", "pipeline"},
    "codegen": {"verify", "runtime", "bench", "cli", "pipeline"},
    # verify --spec renders a user layer's kernels to check them: verify may use codegen, never the reverse
    "verify": {"runtime", "bench", "cli", "pipeline"},
    "runtime": {"model", "derive", "verify", "codegen", "cli", "pipeline", "sympy"},
    "support": {"model", "derive", "verify", "codegen", "runtime", "bench", "cli", "pipeline", "sympy"},
    "backends": {
        "model", "derive", "verify", "codegen", "runtime", "support", "bench", "cli", "pipeline",
        "sympy", "numpy",
    },
}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """Module → the modules it imports (symcnn's own, and third-party top-level names)."""
    modules = {_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", node)
                subs = {f"{target}.{a.name}" for a in node.names} & set(modules)
                edges |= subs if len(subs) == len(node.names) else subs | {target}
        graph[module] = {e if e.startswith("symcnn") else e.split(".")[0] for e in edges} - {module}
    return graph


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "symcnn" and len(parts) > 1 else parts[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle among symcnn's modules, each once (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_graph_sees_lazy_and_relative_imports(graph):
    assert "symcnn.derive.cache" in graph["symcnn.pipeline"]  # top level, relative
    assert "symcnn.verify.report" in graph["symcnn.pipeline"]  # inside a function
    assert "sympy" in graph["symcnn.derive.engine"]


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles(graph):
    assert cycles(graph) == []


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_layering(graph, part):
    bad = sorted(
        f"{m} imports {t}"
        for m, targets in graph.items() if _part(m) == part
        for t in targets if _part(t) in FORBIDDEN[part]
    )
    assert not bad, bad


def test_one_registry_of_backends_and_dtypes():
    """Only ``symcnn/backends.py`` spells out the list of backends or of dtypes."""
    from symcnn.backends import BACKENDS, DTYPES

    registry = [set(BACKENDS), set(DTYPES)]
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "backends.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                words = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if words in registry:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, found


#: Modules of symcnn/codegen that match patterns against printed source: none. A stage works on the
#: IR (SymPy frozen into pieces with holes, :func:`symcnn.codegen.ir.pieces`), never on text.
TEXT_MATCHING: set[str] = set()


def _uses_re(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "re":
            return True
    return False


def test_no_new_codegen_module_matches_patterns_against_source():
    matching = {p.name for p in (PACKAGE / "codegen").glob("*.py") if _uses_re(p)}
    assert matching <= TEXT_MATCHING, sorted(matching - TEXT_MATCHING)
    assert not _uses_re(PACKAGE / "codegen" / "layout.py") and not _uses_re(PACKAGE / "codegen" / "plain.py")


def test_no_codegen_stage_hands_its_private_functions_to_another():
    """A stage imports the steps it shares (``codegen/nest.py``); none passes a ``_private`` function as
    an argument to another module's function."""
    found = []
    for path in sorted((PACKAGE / "codegen").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        private = {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("_")}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                args = [*node.args, *(k.value for k in node.keywords)]
                found += [f"{path.name}:{node.lineno} passes {a.id}" for a in args
                          if isinstance(a, ast.Name) and a.id in private]
    assert not found, found


#: str methods that would tell what printed source means by looking at its characters.
_TEXT_TESTS = {"isidentifier", "isdigit", "isalnum", "isnumeric", "isdecimal"}


def test_no_codegen_stage_reads_a_value_off_printed_source():
    """Stages ask a frozen expression (:class:`symcnn.codegen.ir.Code`) whether it is one name or number and
    which integer it is; none compares source with a number's text or tests its characters. (The layout
    stage, which wraps the rendered module's long lines, works on text by design.)"""
    found = []
    for path in sorted((PACKAGE / "codegen").glob("*.py")):
        if path.name == "layout.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in _TEXT_TESTS:
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                    found += [f"{path.name}:{node.lineno} compares with {v.value!r}" for v in values
                              if isinstance(v, ast.Constant) and isinstance(v.value, str)
                              and v.value.lstrip("-").isdigit()]
    # the templates too: they are rendered from the same frozen values
    number_text = re.compile(r"""[=!]= *["']-?\d+["']""")
    for path in sorted((PACKAGE.parent / "templates").glob("*.j2")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(f".{test}(" in line for test in _TEXT_TESTS) or number_text.search(line):
                found.append(f"{path.name}:{number}")
    assert not found, found
