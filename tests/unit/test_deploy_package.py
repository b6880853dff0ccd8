"""The merge template refuses a stage it cannot deploy safely (building, cfn-lint and
checkov are in tests/functional/test_deploy_package.py)."""
from __future__ import annotations

import pytest

from infra.stage import load_stage
from infra.template import resources_template


def test_a_visibility_timeout_under_six_function_timeouts_is_refused():
    stage = load_stage("dev")
    short = type(stage)(**{**stage.__dict__,
                           "env": {**stage.env, "HERALD_VISIBILITY_TIMEOUT_S": "30"}})
    with pytest.raises(ValueError, match="HERALD_VISIBILITY_TIMEOUT_S is 30 s: it must be at "
                                         "least 6 x lambda_timeout"):
        resources_template(short)
