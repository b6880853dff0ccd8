"""`python -m scripts.indexes`: table indexes added (dropped) one stack update at a time.

    python -m scripts.indexes --stage dev --stack herald-dev --s3-bucket <artifact-bucket>

CloudFormation (DynamoDB underneath) creates or deletes at most one GSI per
table in one update, and only while no other index of the table is being
built. So when a live table lacks more than one of its template's indexes
(or has more than one to drop), the stack is updated once per index, each
time waiting until the update is done and the index ACTIVE. A table that
does not exist yet is created with all its indexes at once (allowed).
Everything is read from the live tables, so a run stopped midway continues
where the tables are when run again.

`scripts.deploy` does this before its resources stack update. On the package
path this command runs before `aws cloudformation deploy`: each step is the
stack's deployed template with one more (one fewer) index, so only indexes
change and the code stays as deployed until the real deploy.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from botocore.exceptions import ClientError

from scripts.stack import CAPABILITIES, stack_status

Index = dict[str, Any]
TABLE_TYPE = "AWS::DynamoDB::Table"
MAX_TEMPLATE_BODY = 51_200  # bytes: larger templates go through S3
DEFAULT_TIMEOUT_S = 6 * 3600  # backfilling a big table takes hours
POLL_S = 30.0
REPORT_EVERY_S = 600.0


class IndexRolloutError(SystemExit):
    """An index step failed or took longer than allowed; the message says what to do."""


def _shape(index: Index | None) -> Any:
    """What makes two index definitions the same index (CloudFormation or DescribeTable form)."""
    if index is None:
        return None
    projection = index.get("Projection", {})
    return (index["IndexName"], json.dumps(index["KeySchema"], sort_keys=True),
            projection.get("ProjectionType", "ALL"),
            tuple(sorted(projection.get("NonKeyAttributes", []))))


def plan_index_steps(live: list[Index], wanted: list[Index]) -> list[list[Index]]:
    """The table's indexes after each update, one index dropped or added per update,
    ending with `wanted`; [] when live already matches. Drops (and changed indexes,
    dropped then added again) go first, then additions in `wanted`'s order."""
    wanted_by_name = {index["IndexName"]: index for index in wanted}
    drops = [index for index in live
             if _shape(wanted_by_name.get(index["IndexName"])) != _shape(index)]
    live_shapes = {_shape(index) for index in live}
    adds = [index for index in wanted if _shape(index) not in live_shapes]
    kept = [index for index in wanted if index not in adds]
    steps = [[*kept, *drops[done:]] for done in range(1, len(drops) + 1)]
    for done in range(1, len(adds) + 1):
        present = kept + adds[:done]
        steps.append([index for index in wanted if index in present])
    return steps


def _describe(dynamodb: Any, table: str) -> dict[str, Any] | None:
    try:
        return dynamodb.describe_table(TableName=table)["Table"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def _live_index(described: Index) -> Index:
    """A DescribeTable index in CloudFormation's form."""
    return {key: described[key] for key in ("IndexName", "KeySchema", "Projection")}


def _with_indexes(properties: dict[str, Any], indexes: list[Index],
                  attributes: list[dict[str, str]]) -> None:
    """Set a table's indexes, and its AttributeDefinitions to exactly the key
    attributes in use (CloudFormation refuses any other); `attributes` gives the
    types of those the table's definitions lack."""
    used = {key["AttributeName"] for schema in
            [properties["KeySchema"], *[index["KeySchema"] for index in indexes]]
            for key in schema}
    defined = properties["AttributeDefinitions"]
    known = {d["AttributeName"] for d in defined}
    properties["AttributeDefinitions"] = [
        d for d in [*defined, *[d for d in attributes if d["AttributeName"] not in known]]
        if d["AttributeName"] in used]
    if indexes:
        properties["GlobalSecondaryIndexes"] = indexes
    else:
        properties.pop("GlobalSecondaryIndexes", None)


def _tables(template: dict[str, Any]) -> dict[str, str]:
    """The template's tables with a literal name: logical id -> table name."""
    return {logical_id: resource["Properties"]["TableName"]
            for logical_id, resource in template["Resources"].items()
            if resource["Type"] == TABLE_TYPE
            and isinstance(resource["Properties"].get("TableName"), str)}


def staged_templates(dynamodb: Any, base: dict[str, Any],
                     wanted: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """`base` with each live table's indexes moved one step at a time towards
    `wanted`'s, one (change, template) per update (tables step together); the
    last one holds `wanted`'s indexes. [] when every live table has them already."""
    plans = {}
    for logical_id, table in _tables(wanted).items():
        described = _describe(dynamodb, table)
        if logical_id not in base["Resources"] or described is None:
            continue  # a new table is created with all its indexes at once
        resource = wanted["Resources"][logical_id]
        steps = plan_index_steps([_live_index(index) for index in
                                  described.get("GlobalSecondaryIndexes", [])],
                                 resource["Properties"].get("GlobalSecondaryIndexes", []))
        if steps:
            before = [described.get("GlobalSecondaryIndexes", []), *steps]
            plans[table] = (logical_id, before, resource["Properties"][
                "AttributeDefinitions"] + described["AttributeDefinitions"])
    templates = []
    for step in range(1, max((len(before) for _, before, _ in plans.values()), default=1)):
        template, changes = copy.deepcopy(base), []
        for table, (logical_id, before, attributes) in plans.items():
            if step < len(before):
                changes.append(f"{table} {_change(before[step - 1], before[step])}")
            _with_indexes(template["Resources"][logical_id]["Properties"],
                          before[min(step, len(before) - 1)], attributes)
        templates.append(("; ".join(changes), template))
    return templates


def _change(before: list[Index], after: list[Index]) -> str:
    """`+by_x` or `-by_x`: the index one step adds or drops."""
    names_before, names_after = ({i["IndexName"] for i in indexes} for indexes in (before, after))
    added = sorted(names_after - names_before)
    return f"+{added[0]}" if added else f"-{sorted(names_before - names_after)[0]}"


class Waits:
    """Waiting, and its progress lines (injected in tests)."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S, poll_s: float = POLL_S,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.monotonic, out: TextIO = sys.stdout) -> None:
        self.timeout_s, self.poll_s, self.sleep, self.now, self.out = (
            timeout_s, poll_s, sleep, now, out)


def _building(dynamodb: Any, tables: list[str]) -> list[str]:
    """Indexes of `tables` that are not ACTIVE yet, as `table.index STATUS`."""
    found = []
    for table in tables:
        described = _describe(dynamodb, table) or {}
        found += [f"{table}.{index['IndexName']} {index['IndexStatus']}"
                  + (" (backfilling)" if index.get("Backfilling") else "")
                  for index in described.get("GlobalSecondaryIndexes", [])
                  if index["IndexStatus"] != "ACTIVE"]
    return found


def settle(cfn: Any, dynamodb: Any, stack: str, tables: list[str], clock: Waits) -> str | None:
    """Wait until the stack is not in progress and every index of `tables` is
    ACTIVE, printing progress; returns the stack's status (None: no stack)."""
    started = last_report = clock.now()
    last_line = ""
    while True:
        status = stack_status(cfn, stack)
        building = _building(dynamodb, tables)
        if not (status or "").endswith("_IN_PROGRESS") and not building:
            return status
        line = f"stack {status}; " + (", ".join(building) or "indexes ACTIVE")
        now = clock.now()
        if line != last_line or now - last_report >= REPORT_EVERY_S:
            clock.out.write(f"  {(now - started) / 60:.0f} min: {line}\n")
            last_line, last_report = line, now
        if now - started >= clock.timeout_s:
            raise IndexRolloutError(
                f"{stack}: still {line} after {clock.timeout_s / 60:.0f} min. Nothing is lost: "
                "the update goes on in AWS. Run the same command again later (it waits for "
                "it, then continues from the live tables), or give --index-timeout-min more.")
        clock.sleep(clock.poll_s)


def _update(cfn: Any, stack: str, template: dict[str, Any], tags: dict[str, str] | None,
            upload: Callable[[str], str] | None) -> None:
    """One stack update to `template`, parameters and (without `tags`) tags as they are."""
    body = json.dumps(template, separators=(",", ":"), default=str)
    if len(body.encode()) <= MAX_TEMPLATE_BODY:
        source = {"TemplateBody": body}
    elif upload is not None:
        source = {"TemplateURL": upload(body)}
    else:
        raise IndexRolloutError(
            f"{stack}: the template is {len(body.encode())} bytes, over CloudFormation's "
            f"{MAX_TEMPLATE_BODY} for a direct update: pass --s3-bucket <artifact-bucket>.")
    [described] = cfn.describe_stacks(StackName=stack)["Stacks"]
    parameters = [{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
                  for p in described.get("Parameters", [])]
    extra = {} if tags is None else {
        "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}
    cfn.update_stack(StackName=stack, **source, Parameters=parameters,
                     Capabilities=[*CAPABILITIES, "CAPABILITY_AUTO_EXPAND"], **extra)


def roll_out(cfn: Any, dynamodb: Any, stack: str, wanted: dict[str, Any], *,
             from_deployed: bool = False, tags: dict[str, str] | None = None,
             upload: Callable[[str], str] | None = None, clock: Waits | None = None) -> int:
    """Update `stack` one index per table at a time until the live tables have
    `wanted`'s indexes; returns the number of updates. Each step is `wanted`
    itself with the step's indexes or, `from_deployed`, the deployed template
    with them (so nothing else changes)."""
    clock = clock or Waits()
    tables = list(_tables(wanted).values())
    if settle(cfn, dynamodb, stack, tables, clock) is None:
        return 0  # a new stack creates its tables with all their indexes
    base = _deployed_template(cfn, stack) if from_deployed else wanted
    steps = staged_templates(dynamodb, base, wanted)
    for number, (change, template) in enumerate(steps, 1):
        clock.out.write(f"[indexes {number}/{len(steps)}] {stack}: {change}\n")
        _update(cfn, stack, template, tags, upload)
        status = settle(cfn, dynamodb, stack, tables, clock)
        if status != "UPDATE_COMPLETE":
            raise IndexRolloutError(
                f"{stack} ended {status} at index step {number} ({change}): see "
                f"`aws cloudformation describe-stack-events --stack-name {stack}`, fix, and "
                "run the same command again (it continues from the live tables).")
    return len(steps)


def _deployed_template(cfn: Any, stack: str) -> dict[str, Any]:
    """The stack's template as deployed (`aws cloudformation package` writes YAML)."""
    import yaml

    body = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    return body if isinstance(body, dict) else yaml.safe_load(body)


def s3_upload(s3: Any, bucket: str, stack: str, region: str) -> Callable[[str], str]:
    """Puts a step's template in `bucket` and answers its URL (templates over 51,200 bytes)."""
    def upload(body: str) -> str:
        key = f"herald-index-steps/{stack}/{hashlib.sha256(body.encode()).hexdigest()[:16]}.json"
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
        return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"
    return upload


def main() -> None:
    import boto3

    from infra.stage import load_stage
    from infra.template import resources_template

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json")
    parser.add_argument("--stack", required=True, help="the stage's CloudFormation stack")
    parser.add_argument("--s3-bucket", help="where step templates go (the package path's "
                                            "artifact bucket: its template is over 51,200 bytes)")
    parser.add_argument("--profile", help="AWS profile (default: the usual credential chain)")
    parser.add_argument("--index-timeout-min", type=float, default=DEFAULT_TIMEOUT_S / 60,
                        help="how long one index may take to build (default: %(default)s)")
    args = parser.parse_args()
    stage = load_stage(args.stage)
    session = boto3.session.Session(profile_name=args.profile, region_name=stage.region)
    upload = (s3_upload(session.client("s3"), args.s3_bucket, args.stack, stage.region)
              if args.s3_bucket else None)
    steps = roll_out(session.client("cloudformation"), session.client("dynamodb"), args.stack,
                     resources_template(stage), from_deployed=True, upload=upload,
                     clock=Waits(timeout_s=args.index_timeout_min * 60))
    print(f"{args.stack}: {steps} index step(s) applied; now `aws cloudformation deploy`.")


if __name__ == "__main__":
    main()
