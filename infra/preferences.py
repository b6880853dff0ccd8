"""Optional: a role a Cognito identity pool gives signed-in users so a product's
front end writes their notification preferences straight to DynamoDB (seed 001),
each user their own items only: the preferences table's partition key must be the
caller's identity id (`dynamodb:LeadingKeys`), and writes touch only the
preference attributes. Created when `herald_infra.preferences_identity_pool_id`
names the pool; Herald's `user_id` must then be the user's identity id. The README
("Notifications") shows how to attach it to the pool.
"""
from __future__ import annotations

from typing import Any

from infra.stage import StageConfig

ROLE = "PreferencesIdentityRole"
ROLE_OUTPUT = "PreferencesIdentityRoleArn"
OWN_ID = "${cognito-identity.amazonaws.com:sub}"  # an IAM policy variable, not Fn::Sub
# What a user may write: the key, a state per channel, and the change's stamp
WRITABLE = ["user_id", "notification_type", "email", "sms", "updated_at", "updated_by"]


def identity_pool(stage: StageConfig) -> str:
    return str(stage.infra.get("preferences_identity_pool_id") or "")


def _trust(pool: str) -> dict[str, Any]:
    """Only the pool's authenticated identities may take the role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool},
                      "ForAnyValue:StringLike": {
                          "cognito-identity.amazonaws.com:amr": "authenticated"}}}]}


def _own_items() -> dict[str, Any]:
    table = {"Fn::GetAtt": ["PreferencesTable", "Arn"]}
    own = {"dynamodb:LeadingKeys": [OWN_ID]}
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadOwnPreferences", "Effect": "Allow",
         "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": table,
         "Condition": {"ForAllValues:StringEquals": own}},
        {"Sid": "WriteOwnPreferences", "Effect": "Allow",
         "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": table,
         "Condition": {"ForAllValues:StringEquals": {**own, "dynamodb:Attributes": WRITABLE},
                       "StringEqualsIfExists": {"dynamodb:ReturnValues": [
                           "NONE", "UPDATED_OLD", "UPDATED_NEW"]}}}]}


def identity_pool_resources(stage: StageConfig) -> dict[str, Any]:
    pool = identity_pool(stage)
    if not pool:
        return {}
    return {ROLE: {"Type": "AWS::IAM::Role", "Properties": {
        "Description": f"Herald {stage.stage}: signed-in users read and write their own "
                       "notification preferences",
        "AssumeRolePolicyDocument": _trust(pool), "MaxSessionDuration": 3600,
        "Policies": [{"PolicyName": "OwnPreferenceItems", "PolicyDocument": _own_items()}]}}}


def identity_pool_outputs(stage: StageConfig) -> dict[str, Any]:
    return {ROLE_OUTPUT: {"Fn::GetAtt": [ROLE, "Arn"]}} if identity_pool(stage) else {}
