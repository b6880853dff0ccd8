"""Staff sign-in: a Cognito user pool (admins create users; no self sign-up),
the admin UI's app client (hosted UI, implicit grant: the ID token comes back
in the URL fragment of the admin UI's page, see admin_ui/js/session.js) and
the two groups the API checks: `editors` (templates) and `operators`
(queues, DLQ, suppressions)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.auth import EDITORS, OPERATORS
from infra.outputs import ADMIN_UI_ORIGIN
from infra.stage import StageConfig

GROUP_DESCRIPTIONS = {
    EDITORS: "Create, edit, roll back and delete email templates",
    OPERATORS: "Redrive and delete DLQ messages, manage the suppression list",
}


def _user_pool(stage: StageConfig) -> dict[str, Any]:
    return {"Type": "AWS::Cognito::UserPool", "Properties": {
        "UserPoolName": f"{stage.prefix}-staff",
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"],
        "MfaConfiguration": "OPTIONAL", "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
        "Policies": {"PasswordPolicy": {
            "MinimumLength": 12, "RequireLowercase": True, "RequireUppercase": True,
            "RequireNumbers": True, "RequireSymbols": False,
            "TemporaryPasswordValidityDays": 7}},
        "AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Name": "verified_email", "Priority": 1}]}}}


def _client(stage: StageConfig) -> dict[str, Any]:
    page = {"Fn::Sub": ADMIN_UI_ORIGIN["Fn::Sub"] + "/"}
    return {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
        "ClientName": f"{stage.prefix}-admin-ui", "UserPoolId": {"Ref": "UserPool"},
        "GenerateSecret": False, "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthFlows": ["implicit"], "AllowedOAuthScopes": ["openid", "email"],
        "CallbackURLs": [page], "LogoutURLs": [page],
        "SupportedIdentityProviders": ["COGNITO"],
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "PreventUserExistenceErrors": "ENABLED"}}


def resources(stage: StageConfig) -> dict[str, Any]:
    groups = {f"{group.capitalize()}Group": {"Type": "AWS::Cognito::UserPoolGroup", "Properties": {
        "GroupName": group, "Description": description, "UserPoolId": {"Ref": "UserPool"}}}
        for group, description in GROUP_DESCRIPTIONS.items()}
    return {
        "UserPool": _user_pool(stage),
        "UserPoolClient": _client(stage),
        "UserPoolDomain": {"Type": "AWS::Cognito::UserPoolDomain", "Properties": {
            "Domain": {"Fn::Sub": f"{stage.prefix}-${{AWS::AccountId}}"},
            "UserPoolId": {"Ref": "UserPool"}}},
        **groups,
    }
