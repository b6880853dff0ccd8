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


# The custom email sender (chalicelib/intake/cognito.py): Cognito encrypts codes with
# CognitoCodeKey (AWS Encryption SDK); the function decrypts them and makes its
# idempotency keys with CognitoMacKey (HMAC, never leaves KMS). It is never attached to
# the staff pool above: `herald_infra.cognito_user_pool_for_mail` names the pool (ARN) of
# the product's users whose mail Herald sends; see the README's Cognito section.
COGNITO_SENDER = "cognito_email_sender"


def mail_pool_arn(stage: StageConfig) -> str:
    """The user pool whose mail the sender handles; empty when none is named yet."""
    return stage.infra.get("cognito_user_pool_for_mail", "")


def _account_administers() -> dict[str, Any]:
    return {"Sid": "AccountAdministers", "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
            "Action": "kms:*", "Resource": "*"}


def _code_key(stage: StageConfig) -> dict[str, Any]:
    pool = mail_pool_arn(stage) or {"Fn::Sub": (
        "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*")}
    cognito_encrypts = {
        "Sid": "CognitoEncryptsCodes", "Effect": "Allow",
        "Principal": {"Service": "cognito-idp.amazonaws.com"},
        "Action": ["kms:CreateGrant", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                      "ArnLike": {"aws:SourceArn": pool}}}
    return {"Type": "AWS::KMS::Key", "Properties": {
        "Description": f"Herald {stage.stage}: Cognito's codes for the custom email sender",
        "EnableKeyRotation": True,
        "KeyPolicy": {"Version": "2012-10-17",
                      "Statement": [_account_administers(), cognito_encrypts]}}}


def mail_resources(stage: StageConfig) -> dict[str, Any]:
    """The sender's two keys (both deploy paths); the Lambda permission is added where
    the function exists (infra/package.py, scripts/post_deploy.py)."""
    return {
        "CognitoCodeKey": _code_key(stage),
        "CognitoCodeKeyAlias": {"Type": "AWS::KMS::Alias", "Properties": {
            "AliasName": f"alias/{stage.prefix}-cognito-codes",
            "TargetKeyId": {"Ref": "CognitoCodeKey"}}},
        "CognitoMacKey": {"Type": "AWS::KMS::Key", "Properties": {
            "Description": f"Herald {stage.stage}: idempotency keys of Cognito's mail (HMAC)",
            "KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC",
            "KeyPolicy": {"Version": "2012-10-17", "Statement": [_account_administers()]}}},
    }


def sender_permission(stage: StageConfig, function: Any) -> dict[str, Any]:
    """Cognito (for the named pool only) may invoke `function` (a name or a Ref)."""
    return {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": function,
        "Principal": "cognito-idp.amazonaws.com", "SourceArn": mail_pool_arn(stage),
        "SourceAccount": {"Ref": "AWS::AccountId"}}}
