"""Running ``symcnn`` in a child process the way a user does, and checking what it left behind.

:func:`symcnn` runs the CLI in a fresh interpreter with a given working folder
and cache, and reports the exit status, both streams and the child's own peak
resident memory (``VmHWM`` read inside the child: on Linux ``getrusage``'s
``ru_maxrss`` carries the forking test process's peak across ``exec``). :func:`snapshot` records every file
under a folder, so a test can assert that nothing outside the requested output
was created, changed or removed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Runs ``symcnn.cli.main.main`` and writes the child's peak RSS (kB) to ``$SYMCNN_TEST_RSS``.
_CHILD = """
import os, resource, sys
from symcnn.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
def peak_kb():  # VmHWM is this image's own high-water mark; Linux's ru_maxrss survives exec from the parent
    try:
        with open("/proc/self/status") as status:
            return next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(os.environ["SYMCNN_TEST_RSS"], "w") as fh:
    fh.write(str(peak_kb()))
sys.exit(code)
"""


@dataclass
class Result:
    code: int
    out: str
    err: str
    peak_mb: float

    def error_line(self, *needles: str) -> str:
        """The one non-blank stderr line, which must read ``symcnn: ... error: ...`` and hold ``needles``."""
        lines = [ln for ln in self.err.splitlines() if ln.strip()]
        assert "Traceback" not in self.err, self.err
        assert len(lines) == 1, self.err
        assert lines[0].startswith("symcnn: ") and "error: " in lines[0], lines[0]
        for needle in needles:
            assert needle in lines[0], lines[0]
        return lines[0]

    def usage(self, *needles: str) -> None:
        """Exit 2 with argparse's usage line and one ``symcnn ...: error:`` line."""
        assert self.code == 2, (self.code, self.err)
        assert "Traceback" not in self.err, self.err
        assert self.err.startswith("usage: symcnn"), self.err
        last = self.err.strip().splitlines()[-1]
        assert last.startswith("symcnn") and "error: " in last, last
        for needle in needles:
            assert needle in last, last


def symcnn(*argv: str, cwd: Path, cache: Path, timeout: float = 300, **popen) -> Result:
    """Run ``symcnn ARGV`` in ``cwd`` with ``$SYMCNN_CACHE=cache``; return what it did."""
    rss = cache.parent / f".rss-{os.getpid()}-{abs(hash(argv))}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMCNN_CACHE": str(cache), "SYMCNN_TEST_RSS": str(rss),
           "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", _CHILD, *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, **popen)
    try:
        peak = int(rss.read_text()) / 1024
        rss.unlink()
    except (OSError, ValueError):
        peak = float("nan")
    return Result(proc.returncode, proc.stdout, proc.stderr, peak)


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """``{relative path: (sha256, mtime_ns)}`` of every file under ``folder`` (``__pycache__`` aside)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file() or path.is_symlink():
            continue
        found[str(path.relative_to(folder))] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                path.stat().st_mtime_ns)
    return found
