"""One emulator per test module; each test gets a fresh account in it."""
from __future__ import annotations

import pytest

from .harness import Emulator


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as running:
        yield running
