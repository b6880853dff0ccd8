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


def test_the_cognito_sender_is_wired_only_to_the_pool_named_for_mail():
    from helpers import herald_app

    from infra.package import merge_template

    stage = load_stage("dev")
    assert "CognitoEmailSenderPermission" not in merge_template(stage, herald_app())["Resources"]
    pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Users"
    named = type(stage)(**{**stage.__dict__,
                           "infra": {**stage.infra, "cognito_user_pool_for_mail": pool}})
    resources = merge_template(named, herald_app())["Resources"]
    permission = resources["CognitoEmailSenderPermission"]["Properties"]
    assert permission["Principal"] == "cognito-idp.amazonaws.com"
    assert permission["SourceArn"] == pool
    assert permission["FunctionName"] == {"Ref": "CognitoEmailSender"}
    [cognito] = [s for s in resources["CognitoCodeKey"]["Properties"]["KeyPolicy"]["Statement"]
                 if s["Sid"] == "CognitoEncryptsCodes"]
    assert cognito["Condition"]["ArnLike"] == {"aws:SourceArn": pool}
    assert "UserPool" not in str(permission)  # never the staff pool
