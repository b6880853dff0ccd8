"""The integration layer's one fixture: a local stack per test module, as a
newcomer runs it (a subprocess on a free port, driven over HTTP and boto3)."""
from __future__ import annotations

import pytest
from stack_process import running_stack


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running
