"""Every code block of README.md and docs/*.md runs, and what it prints is what the docs show.

How a block runs is told in tests/docblocks.py. Each document's blocks run in order in a fresh
folder of their own; a block run alone first runs the quick blocks above it in its document.
The ``ci`` blocks (make the venv, run the tests) are run by ``.ci/run`` as written.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from docblocks import ROOT, Block, all_blocks, matches

BLOCKS = all_blocks()
#: What a document's folder links to in the checkout (its outputs go under out/, never there).
LINKS = ("examples", "symcnn", "generated", "benchmarks")
#: The fewest blocks (outputs included) the docs should hold; fewer means a document lost its tests.
AT_LEAST = 30
TIMEOUT = 1800


@dataclass
class Document:
    """A document's folder, its Python namespace, and which of its blocks have run."""

    folder: Path
    namespace: dict = field(default_factory=lambda: {"__name__": "__doc_block__"})
    ran: set[int] = field(default_factory=set)


_DOCUMENTS: dict[str, Document] = {}


def document(doc: str, tmp_path_factory) -> Document:
    if doc not in _DOCUMENTS:
        folder = tmp_path_factory.mktemp(Path(doc).stem.lower())
        for name in LINKS:
            (folder / name).symlink_to(ROOT / name, target_is_directory=True)
        (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
        _DOCUMENTS[doc] = Document(folder)
    return _DOCUMENTS[doc]


def run_python(block: Block, state: Document) -> str:
    if "file" in block.words:
        target = state.folder / block.words["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.text, encoding="utf-8")
        return ""
    if "excerpt" in block.words:
        source = (ROOT / block.words["excerpt"]).read_text(encoding="utf-8")
        assert block.text.strip() in source, f"{block.name}: not part of {block.words['excerpt']} as written"
    code = compile("\n" * block.line + block.text, str(ROOT / block.doc), "exec")
    printed, cwd = io.StringIO(), os.getcwd()
    os.chdir(state.folder)
    try:
        with redirect_stdout(printed):
            exec(code, state.namespace)
    finally:
        os.chdir(cwd)
    return printed.getvalue()


def run_sh(block: Block, state: Document) -> tuple[str, ...]:
    """What the block printed: on stdout, on stderr (progress, errors), and both."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONUNBUFFERED="1")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text], cwd=state.folder, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == block.exit, (f"{block.name}: exit status {done.returncode}, the docs "
                                           f"expect {block.exit}:\n{done.stdout}\n{done.stderr}")
    return done.stdout, done.stderr, done.stdout + done.stderr


def run(block: Block, state: Document) -> None:
    printed = (run_python(block, state),) if block.language == "python" else run_sh(block, state)
    state.ran.add(block.line)
    if block.output is not None:
        missing = [matches(block.output.text, p) for p in printed]
        assert None in missing, (f"{block.output.name}: the output the docs show is not what "
                                 f"{block.name} printed; not found:\n{missing[0]}\n--- printed:\n"
                                 + "\n--- on stderr:\n".join(printed[:2]))


def _param(block: Block):
    return pytest.param(block, id=block.name, marks=[pytest.mark.slow] if block.slow else [])


@pytest.mark.parametrize("block", [_param(b) for b in BLOCKS if not b.ci])
def test_doc_block(block, tmp_path_factory, record_property):
    state = document(block.doc, tmp_path_factory)
    for earlier in BLOCKS:
        if earlier.doc == block.doc and earlier.line < block.line and earlier.line not in state.ran \
                and not (earlier.slow or earlier.ci):
            run(earlier, state)
    run(block, state)
    record_property("doc block", "output" if block.output is not None else "")


def test_the_docs_hold_enough_blocks_and_ci_runs_the_rest():
    count = len(BLOCKS) + sum(b.output is not None for b in BLOCKS)
    assert count >= AT_LEAST, f"README.md and docs/*.md hold {count} code blocks, fewer than {AT_LEAST}"
    ci = [b for b in BLOCKS if b.ci]
    assert ci and all(b.language == "sh" and b.output is None for b in ci)
    assert "python3 tests/docblocks.py --ci" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_an_output_block_is_checked_against_what_was_printed():
    from docblocks import matches as m

    assert m("a\n…\nc\n", "x\na\nb\nc\n") is None
    assert m("a\nc\n", "a\nb\nc\n") == "a\nc"
    assert m("epoch 1: … 28.10%\n", "epoch 1: loss 1.2  28.10%\n") is None
    assert m("epoch 1: … 28.10%\n", "epoch 1: loss 1.2  28.11%\n") is not None


def test_example_outputs_go_where_git_ignores_them():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "/out/" in ignored, "out/ (where the docs' examples write) is not in .gitignore"
