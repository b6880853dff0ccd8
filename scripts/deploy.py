"""`python -m scripts.deploy --stage dev`: the `chalice deploy` path, end to end.

0. refuses to run without `herald_infra.alarm_email` (alarms would reach
   nobody) unless `--no-alarm-email` is given, which it then says loudly;
1. deploys the stage's resources stack (infra/template.py) with CloudFormation,
   first adding (dropping) table indexes one update at a time where a live
   table lacks (has) more than one (scripts/indexes.py);
2. writes its outputs into the stage's env vars in .chalice/config.json
   (including the queue and topic names app.py's event decorators read),
   refreshes the policy files and creates every function's log group with
   the stage's retention (Chalice would name the API's wrongly, aws/chalice #2079);
3. runs `chalice deploy --stage <stage>`;
4. turns on ReportBatchItemFailures on the SQS mappings (and the users
   stream's, with its retry limits and on-failure queue), adds CORS headers to
   API Gateway's own error responses, sets API throttling and access logging;
5. publishes the admin UI with its config.js.
Needs AWS credentials allowed to do all of that (an administrator, at first).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from botocore.exceptions import ClientError

from infra import iam, names, users
from infra.stage import StageConfig, load_stage
from infra.template import resources_template
from scripts import admin_ui, indexes, post_deploy
from scripts.chalice_cli import run_chalice
from scripts.config_file import write_stage_env
from scripts.stack import deploy_stack

NO_ALARM_EMAIL_WARNING = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! WARNING: herald_infra.alarm_email is empty for stage {stage}: ALARMS GO
!! NOWHERE. DLQ, failed mail, errors and bounce-rate alarms reach no person.
!! Set herald_infra.alarm_email in .chalice/config.json and deploy again.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


class NoAlarmEmail(SystemExit):
    """Deploying would leave the alarms without a subscriber."""


def check_alarm_email(stage: StageConfig, allow_none: bool, err: TextIO = sys.stderr) -> None:
    """Refuse a stage whose alarms reach nobody, unless `allow_none` (then warn loudly)."""
    if stage.infra.get("alarm_email"):
        return
    if not allow_none:
        raise NoAlarmEmail(
            f"herald_infra.alarm_email is empty for stage {stage.stage}: alarms would reach "
            "nobody. Set it in .chalice/config.json (the address gets a confirmation mail from "
            "SNS), or pass --no-alarm-email to deploy anyway.")
    err.write(NO_ALARM_EMAIL_WARNING.format(stage=stage.stage))


def create_log_groups(logs: Any, stage: StageConfig) -> list[str]:
    """Every function's log group, under the name Lambda really uses, with the
    stage's retention; existing groups get the retention. Returns the names."""
    created = []
    for function in iam.POLICIES:
        group = "/aws/lambda/" + names.function_name(stage.prefix, function)
        try:
            logs.create_log_group(logGroupName=group)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
        logs.put_retention_policy(logGroupName=group, retentionInDays=stage.log_retention_days)
        created.append(group)
    return created


def deploy_resources(cfn: Any, dynamodb: Any, stack: str, template: dict[str, Any],
                     tags: dict[str, str], index_waits: indexes.Waits | None = None
                     ) -> dict[str, str]:
    """The resources stack: its tables' indexes a step at a time where the live
    tables need more than one change, then the template; returns its outputs."""
    indexes.roll_out(cfn, dynamodb, stack, template, tags=tags, clock=index_waits)
    return deploy_stack(cfn, stack, template, tags)


def deploy(stage_name: str, session: Any, allow_no_alarm_email: bool = False,
           index_waits: indexes.Waits | None = None) -> dict[str, str]:
    """Deploy `stage_name` with the boto3 `session`; returns the stage's URLs."""
    stage = load_stage(stage_name)
    check_alarm_email(stage, allow_no_alarm_email)
    stack = f"{stage.prefix}-resources"
    print(f"[1/5] CloudFormation stack {stack}")
    found = deploy_resources(session.client("cloudformation"), session.client("dynamodb"),
                             stack, resources_template(stage),
                             {"Application": stage.app_name, "Environment": stage.stage},
                             index_waits)
    print("[2/5] stack outputs -> .chalice/config.json, policy files, log groups")
    write_stage_env(stage_name, found)
    stage = load_stage(stage_name)
    iam.write_policy_files(stage)
    create_log_groups(session.client("logs"), stage)
    print("[3/5] chalice deploy")
    run_chalice(stage, "deploy")
    print("[4/5] ReportBatchItemFailures, CORS on gateway errors, API throttling and logs")
    resources = post_deploy.deployed_resources(stage_name)
    post_deploy.enable_batch_item_failures(session.client("lambda"), resources)
    post_deploy.configure_stream_mappings(session.client("lambda"), resources,
                                          users.mapping_settings(stage),
                                          found[users.FAILURE_QUEUE_OUTPUT])
    apigateway = session.client("apigateway")
    post_deploy.cors_on_gateway_errors(apigateway, resources, stage.api_gateway_stage,
                                       stage.env["HERALD_ADMIN_ORIGIN"])
    post_deploy.throttle_api(apigateway, resources, stage.api_gateway_stage,
                             stage.infra["api_throttle_rate"], stage.infra["api_throttle_burst"])
    post_deploy.access_logging(apigateway, resources, stage.api_gateway_stage,
                               found["ApiAccessLogGroupArn"])
    print("[5/5] admin UI")
    api_url = next(r["rest_api_url"] for r in resources if r["resource_type"] == "rest_api")
    admin_ui.publish(session.client("s3"), session.client("cloudfront"), found,
                     admin_ui.config_js(api_url, stage.region, found))
    return {"api": api_url, "admin_ui": found["AdminUiOrigin"] + "/"}


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json")
    parser.add_argument("--profile", help="AWS profile (default: the usual credential chain)")
    parser.add_argument("--no-alarm-email", action="store_true",
                        help="deploy although herald_infra.alarm_email is empty (alarms reach "
                             "nobody)")
    parser.add_argument("--index-timeout-min", type=float,
                        default=indexes.DEFAULT_TIMEOUT_S / 60,
                        help="how long one new table index may take to build "
                             "(default: %(default)s)")
    args = parser.parse_args()
    stage = load_stage(args.stage)
    urls = deploy(args.stage, boto3.session.Session(profile_name=args.profile,
                                                    region_name=stage.region),
                  allow_no_alarm_email=args.no_alarm_email,
                  index_waits=indexes.Waits(timeout_s=args.index_timeout_min * 60))
    print(f"API: {urls['api']}\nadmin UI: {urls['admin_ui']}")


if __name__ == "__main__":
    main()
