"""The IAM actions Herald's code needs, found two ways: by reading chalicelib/
(every boto3 operation called) and by watching the calls a flow makes under
moto (with the resources they touch)."""
from __future__ import annotations

import ast
import fnmatch
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore import xform_name

IAM_PREFIX = {"sesv2": "ses"}
# Operations whose IAM actions are not `<prefix>:<OperationName>`.
SPECIAL = {
    ("s3", "list_objects_v2"): {"s3:ListBucket"},
    ("s3", "list_object_versions"): {"s3:ListBucketVersions"},
    ("s3", "head_object"): {"s3:GetObject", "s3:GetObjectVersion"},
    ("s3", "get_object"): {"s3:GetObject", "s3:GetObjectVersion"},
    ("s3", "put_object"): {"s3:PutObject", "s3:PutObjectTagging"},
    ("sqs", "delete_message_batch"): {"sqs:DeleteMessage"},
    ("sqs", "send_message_batch"): {"sqs:SendMessage"},
    ("sqs", "change_message_visibility_batch"): {"sqs:ChangeMessageVisibility"},
    ("dynamodb", "transact_write_items"): set(),  # authorised per item
}
TRANSACT_ITEMS = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
                  "Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem"}


@cache
def operations(service: str) -> dict[str, str]:
    """python name -> API name of every operation of a boto3 client."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def actions_for(service: str, operation: str) -> set[str]:
    if (service, operation) in SPECIAL:
        return SPECIAL[(service, operation)]
    return {f"{IAM_PREFIX.get(service, service)}:{operations(service)[operation]}"}


def _string_args(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def source_files(source: Path) -> list[Path]:
    """Every module under `source`, packages nested at any depth included."""
    return sorted(source.rglob("*.py"))


@cache  # both readings walk the same trees
def _trees(source: Path) -> list[ast.AST]:
    return [ast.parse(path.read_text()) for path in source_files(source)]


def services_used(source: Path) -> set[str]:
    """Services named in `client("x", ...)` / `_client("x")` calls."""
    found = set()
    for tree in _trees(source):
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                        "client", "_client"}):
                found.update(_string_args(node)[:1])
    return found


def static_actions(source: Path) -> set[str]:
    """Every IAM action the boto3 calls in `source` need."""
    services = services_used(source)
    found: set[str] = set()
    for tree in _trees(source):
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Attribute):  # called, or passed on as a callable
                names = [node.attr]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "get_paginator"):
                names = _string_args(node)
            for name in names:
                owners = [s for s in services if name in operations(s)]
                assert len(owners) <= 1, f"{name} is ambiguous between {owners}"
                found.update(actions_for(owners[0], name) if owners else set())
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (isinstance(key, ast.Constant) and key.value in TRANSACT_ITEMS
                            and isinstance(value, ast.Dict) and any(
                                isinstance(k, ast.Constant) and k.value == "TableName"
                                for k in value.keys)):
                        found.add(TRANSACT_ITEMS[key.value])
    return found


def _queue_arn(url: str, region: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def needs(service: str, operation: str, params: dict[str, Any], region: str,
          account: str) -> list[tuple[str, str]]:
    """The (action, resource ARN) pairs one observed call needs."""
    if service == "dynamodb" and operation == "transact_write_items":
        return [(TRANSACT_ITEMS[kind], f"arn:aws:dynamodb:{region}:{account}:table/"
                                       f"{body['TableName']}")
                for item in params["TransactItems"] for kind, body in item.items()]
    if service == "dynamodb" and operation == "batch_get_item":
        return [(action, f"arn:aws:dynamodb:{region}:{account}:table/{table}")
                for action in actions_for(service, operation) for table in params["RequestItems"]]
    if service == "s3":
        key = params.get("Key")
        arn = f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if key else "")
    elif service == "sqs":
        arn = _queue_arn(params["QueueUrl"], region) if "QueueUrl" in params else params[
            "SourceArn"]
    elif service == "dynamodb":
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{params['TableName']}"
        if params.get("IndexName"):
            arn += f"/index/{params['IndexName']}"
    elif service == "sns":  # a publish to a phone number (an SMS) names no ARN
        arn = params.get("TopicArn") or "*"
    elif service == "kms":
        arn = params["KeyId"]
    elif service == "ssm":
        arn = f"arn:aws:ssm:{region}:{account}:parameter{params['Name']}"
    elif service == "sesv2":
        domain = params["FromEmailAddress"].rsplit("@", 1)[1].rstrip(">")
        ses = f"arn:aws:ses:{region}:{account}"
        arns = [f"{ses}:identity/{domain}",
                f"{ses}:configuration-set/{params['ConfigurationSetName']}"]
        return [(action, arn) for action in actions_for(service, operation) for arn in arns]
    else:
        arn = "*"
    return [(action, arn) for action in actions_for(service, operation)]


def allows(policy: dict[str, Any], action: str, arn: str) -> bool:
    return any(statement["Effect"] == "Allow" and action in statement["Action"]
               and any(fnmatch.fnmatchcase(arn, pattern) for pattern in statement["Resource"])
               for statement in policy["Statement"])


class CallRecorder:
    """Records every API call of the given boto3 clients under a label."""

    def __init__(self) -> None:
        self.label = ""
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []

    def watch(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        client.meta.events.register("provide-client-params.*.*", self._record(service))

    def _record(self, service: str) -> Any:
        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            self.calls.append((self.label, service, xform_name(model.name), dict(params)))
        return record
