import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402

#: Files whose tests take minutes in the slow run (the layer fuzz, the docs' long blocks), run first.
LONGEST_FIRST = {"test_layer_fuzz.py", "test_docs.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A test marked ``sampled`` runs its first case by default; its other cases are ``slow``."""
    seen = set()
    for item in items:
        if item.get_closest_marker("sampled") is None:
            continue
        key = (str(item.path), item.originalname)
        if key in seen:
            item.add_marker(pytest.mark.slow)
        seen.add(key)
    # the longest file first, so that the workers (pytest-xdist, a file each) finish together
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)


def pytest_terminal_summary(terminalreporter):
    """Print what tests recorded for the reader (``record_property``: the layer fuzz's coverage),
    whichever worker ran them, and how many of the docs' code blocks ran."""
    blocks = outputs = 0
    for report in terminalreporter.stats.get("passed", []):
        for name, text in getattr(report, "user_properties", ()):
            if name == "layer fuzz":
                terminalreporter.write_line(f"layer fuzz: {text}")
            if name == "doc block":
                blocks += 1
                outputs += text == "output"
    if blocks:
        terminalreporter.write_line(f"doc blocks: {blocks + outputs} run and checked ({blocks} code blocks, "
                                    f"{outputs} outputs compared with what their commands printed)")
