"""`python -m scripts.deploy --stage dev`: the `chalice deploy` path, end to end.

1. deploys the stage's resources stack (infra/template.py) with CloudFormation;
2. writes its outputs into the stage's env vars in .chalice/config.json
   (including HERALD_SEND_QUEUE_NAME and HERALD_FEEDBACK_TOPIC_NAME, which
   app.py's event decorators read) and refreshes the policy files;
3. runs `chalice deploy --stage <stage>`;
4. turns on ReportBatchItemFailures on the SQS mapping, adds CORS headers to
   API Gateway's own error responses, sets API throttling;
5. publishes the admin UI with its config.js.
Needs AWS credentials allowed to do all of that (an administrator, at first).
"""
from __future__ import annotations

import argparse
from typing import Any

from infra import iam
from infra.stage import load_stage
from infra.template import resources_template
from scripts import admin_ui, post_deploy
from scripts.chalice_cli import run_chalice
from scripts.config_file import write_stage_env
from scripts.stack import deploy_stack


def deploy(stage_name: str, session: Any) -> dict[str, str]:
    """Deploy `stage_name` with the boto3 `session`; returns the stage's URLs."""
    stage = load_stage(stage_name)
    stack = f"{stage.prefix}-resources"
    print(f"[1/5] CloudFormation stack {stack}")
    found = deploy_stack(session.client("cloudformation"), stack, resources_template(stage),
                         {"Application": stage.app_name, "Environment": stage.stage})
    print("[2/5] stack outputs -> .chalice/config.json, policy files")
    write_stage_env(stage_name, found)
    stage = load_stage(stage_name)
    iam.write_policy_files(stage)
    print("[3/5] chalice deploy")
    run_chalice(stage, "deploy")
    print("[4/5] ReportBatchItemFailures, CORS on gateway errors, API throttling")
    resources = post_deploy.deployed_resources(stage_name)
    post_deploy.enable_batch_item_failures(session.client("lambda"), resources)
    apigateway = session.client("apigateway")
    post_deploy.cors_on_gateway_errors(apigateway, resources, stage.api_gateway_stage,
                                       stage.env["HERALD_ADMIN_ORIGIN"])
    post_deploy.throttle_api(apigateway, resources, stage.api_gateway_stage,
                             stage.infra["api_throttle_rate"], stage.infra["api_throttle_burst"])
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
    args = parser.parse_args()
    stage = load_stage(args.stage)
    urls = deploy(args.stage, boto3.session.Session(profile_name=args.profile,
                                                    region_name=stage.region))
    print(f"API: {urls['api']}\nadmin UI: {urls['admin_ui']}")


if __name__ == "__main__":
    main()
