"""Create or update a CloudFormation stack and read its outputs (boto3)."""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
_NO_UPDATES = "No updates are to be performed"


def stack_status(cfn: Any, name: str) -> str | None:
    """The stack's status; None when there is none (or only a change set under review)."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    status = stacks[0]["StackStatus"] if stacks else None
    return None if status == "REVIEW_IN_PROGRESS" else status


def _exists(cfn: Any, name: str) -> bool:
    return stack_status(cfn, name) is not None


def outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {out["OutputKey"]: out["OutputValue"] for out in stack.get("Outputs", [])}


def deploy_stack(cfn: Any, name: str, template: dict[str, Any],
                 tags: dict[str, str]) -> dict[str, str]:
    """Create the stack or update it (an update with no changes is fine);
    waits until it is done and returns its outputs."""
    args = {"StackName": name, "TemplateBody": json.dumps(template, separators=(",", ":")),
            "Capabilities": CAPABILITIES,
            "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}
    if not _exists(cfn, name):
        cfn.create_stack(**args, OnFailure="ROLLBACK")
        cfn.get_waiter("stack_create_complete").wait(StackName=name)
        return outputs(cfn, name)
    try:
        cfn.update_stack(**args)
    except ClientError as exc:
        if _NO_UPDATES not in str(exc):
            raise
        return outputs(cfn, name)
    cfn.get_waiter("stack_update_complete").wait(StackName=name)
    return outputs(cfn, name)
