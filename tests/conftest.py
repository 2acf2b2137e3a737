import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402


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
