"""The fenced code blocks of README.md and docs/*.md, and what running each means (tests/test_docs.py).

Standard library only: ``.ci/run`` calls ``python3 tests/docblocks.py --ci`` before any venv exists.

A block is what its fence's language and the HTML comment right above it (``<!-- doc: … -->``,
invisible when rendered) make it:

* ``python``: executed in one namespace per document, in the document's folder;
* ``sh``: run by ``bash -euo pipefail`` in the document's folder, with the venv's ``bin/`` first
  on ``PATH``; it must exit 0 unless ``exit N`` says otherwise;
* after ``<!-- doc: output -->``: what the block before it printed (stdout and stderr together),
  checked line by line: ``…`` inside a line stands for any text, a line that is only ``…`` for any
  lines; the lines between two such gaps must follow each other in the output.

More words in the comment, each for the block below it:

* ``slow``: runs with ``-m slow`` (a block nothing after it in its document depends on);
* ``ci``: run by ``.ci/run`` as written, from the checkout (the install and the test commands);
* ``excerpt FILE``: a python block that must also appear, line for line, in ``FILE``;
* ``file PATH``: a python block written to ``PATH`` in the document's folder instead of run.

The document's folder is a fresh temporary folder holding links to the checkout's ``examples``,
``symcnn``, ``generated``, ``benchmarks`` and ``.venv``, so the docs' commands read what a reader
in the checkout reads; what they write goes under ``out/``, which ``.gitignore`` covers.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The documents whose blocks run.
DOCUMENTS = ("README.md", "docs/*.md")
LANGUAGES = ("python", "sh")
WORDS = ("output", "slow", "ci", "excerpt", "file", "exit")
GAP = "…"

_FENCE = re.compile(r"^(```+)\s*([\w+-]*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*doc:(.*?)-->\s*$")


@dataclass
class Block:
    """One fenced code block and the words of the comment above it."""

    doc: str
    line: int
    language: str
    text: str
    words: dict[str, str] = field(default_factory=dict)
    output: Block | None = None

    @property
    def name(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def slow(self) -> bool:
        return "slow" in self.words

    @property
    def ci(self) -> bool:
        return "ci" in self.words

    @property
    def exit(self) -> int:
        return int(self.words.get("exit", "0"))


def documents(root: Path = ROOT) -> list[Path]:
    """README.md and docs/*.md, in that order."""
    found: list[Path] = []
    for pattern in DOCUMENTS:
        found += sorted(root.glob(pattern))
    return found


def _words(comment: str, where: str) -> dict[str, str]:
    words: dict[str, str] = {}
    for part in comment.split(","):
        key, _, value = part.strip().partition(" ")
        if key not in WORDS:
            raise ValueError(f"{where}: unknown doc word {key!r} (known: {', '.join(WORDS)})")
        words[key] = value.strip()
    return words


def parse(text: str, doc: str) -> list[Block]:
    """Every fenced block of ``text``; an output block hangs off the block it belongs to."""
    lines = text.splitlines()
    blocks: list[Block] = []
    pending: dict[str, str] = {}
    i = 0
    while i < len(lines):
        directive = _DIRECTIVE.match(lines[i])
        if directive:
            pending = _words(directive.group(1), f"{doc}:{i + 1}")
            i += 1
            continue
        fence = _FENCE.match(lines[i])
        if not fence:
            if lines[i].strip():
                pending = {}
            i += 1
            continue
        close = next((k for k in range(i + 1, len(lines)) if lines[k].strip() == fence.group(1)), None)
        if close is None:
            raise ValueError(f"{doc}:{i + 1}: a fence that is never closed")
        block = Block(doc, i + 1, fence.group(2), "\n".join(lines[i + 1:close]) + "\n", pending)
        pending = {}
        if "output" in block.words:
            if not blocks or blocks[-1].output is not None:
                raise ValueError(f"{block.name}: an output block with no command block before it")
            blocks[-1].output = block
        else:
            blocks.append(block)
        i = close + 1
    for block in blocks:
        if block.language not in LANGUAGES:
            raise ValueError(f"{block.name}: a ```{block.language} block that is neither python, sh "
                             "nor the output of the block before it (<!-- doc: output -->)")
    return blocks


def all_blocks(root: Path = ROOT) -> list[Block]:
    """The blocks of every document, in order."""
    return [b for path in documents(root) for b in parse(path.read_text(encoding="utf-8"),
                                                          path.relative_to(root).as_posix())]


def matches(expected: str, actual: str) -> str | None:
    """``None`` when ``actual`` shows ``expected`` (see the module's doc), else what is missing."""
    lines = [line.rstrip() for line in actual.splitlines()]
    segments: list[list[str]] = [[]]
    for line in expected.splitlines():
        if line.strip() == GAP:
            segments.append([])
        else:
            segments[-1].append(line.rstrip())
    start = 0
    for segment in filter(None, segments):
        patterns = [re.compile(".*".join(map(re.escape, s.split(GAP))) + r"\Z") for s in segment]
        at = next((k for k in range(start, len(lines) - len(patterns) + 1)
                   if all(p.match(lines[k + m]) for m, p in enumerate(patterns))), None)
        if at is None:
            return "\n".join(segment)
        start = at + len(patterns)
    return None


def main(argv: list[str]) -> int:
    """``--ci``: print the blocks .ci/run runs, one a line; ``--count``: how many blocks there are."""
    blocks = all_blocks()
    if argv == ["--ci"]:
        for block in blocks:
            if block.ci:
                print(block.text.strip())
        return 0
    if argv == ["--count"]:
        print(len(blocks) + sum(b.output is not None for b in blocks))
        return 0
    print("usage: python3 tests/docblocks.py --ci | --count", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
