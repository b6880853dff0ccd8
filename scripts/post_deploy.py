"""What `chalice deploy` cannot set, applied right after it: partial batch
responses on the SQS mappings (then the functions' flag that relies on
them), CORS on API Gateway's own errors, API stage throttling and access
logging. Reads `.chalice/deployed/<stage>.json`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.logging import API_ACCESS_LOG_FORMAT
from infra.package import REPORT_FAILURES_ENV, gateway_responses
from infra.stage import PROJECT


def deployed_resources(stage: str, project: Path = PROJECT) -> list[dict[str, Any]]:
    path = project / ".chalice" / "deployed" / f"{stage}.json"
    return json.loads(path.read_text())["resources"]


def _one(resources: list[dict[str, Any]], resource_type: str) -> dict[str, Any]:
    found = [r for r in resources if r["resource_type"] == resource_type]
    if len(found) != 1:
        raise ValueError(f"expected one {resource_type} in the deployed stage, found {len(found)}")
    return found[0]


def enable_batch_item_failures(lambda_client: Any, resources: list[dict[str, Any]]) -> list[str]:
    """On every SQS mapping, turn on ReportBatchItemFailures, then tell its
    function it may rely on it; returns the mappings' UUIDs.

    In this order, a function never returns `batchItemFailures` to a mapping
    that would ignore them (which would delete the failed messages)."""
    mappings = [r for r in resources if r["resource_type"] == "sqs_event"]
    for mapping in mappings:
        lambda_client.update_event_source_mapping(
            UUID=mapping["event_uuid"], FunctionResponseTypes=["ReportBatchItemFailures"])
        _rely_on_partial_responses(lambda_client, mapping["lambda_arn"])
    return [mapping["event_uuid"] for mapping in mappings]


def _rely_on_partial_responses(lambda_client: Any, function: str) -> None:
    """Tell a function its mapping honours `batchItemFailures` (set on the mapping first)."""
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function)
    current = lambda_client.get_function_configuration(FunctionName=function)
    variables = {**current.get("Environment", {}).get("Variables", {}),
                 REPORT_FAILURES_ENV: "true"}
    lambda_client.update_function_configuration(FunctionName=function,
                                                Environment={"Variables": variables})


def configure_stream_mappings(lambda_client: Any, resources: list[dict[str, Any]],
                              settings: dict[str, Any], failure_queue_arn: str) -> list[str]:
    """On every DynamoDB stream mapping (the users table's), the failure handling of
    infra/users.py: partial responses, bisection, retry and age limits, and the
    on-failure queue; then the function's flag. Returns the mappings' UUIDs."""
    mappings = [r for r in resources if r["resource_type"] == "dynamodb_event"]
    for mapping in mappings:
        lambda_client.update_event_source_mapping(
            UUID=mapping["event_uuid"], **settings,
            DestinationConfig={"OnFailure": {"Destination": failure_queue_arn}})
        _rely_on_partial_responses(lambda_client, mapping["lambda_arn"])
    return [mapping["event_uuid"] for mapping in mappings]


def cors_on_gateway_errors(apigateway: Any, resources: list[dict[str, Any]], stage_name: str,
                           origin: str) -> str:
    """Gateway responses with the admin UI's CORS headers, then a new deployment
    of the stage so they apply. `chalice deploy` overwrites the API definition,
    which drops them: run after every deploy, before `throttle_api`."""
    rest_api_id = _one(resources, "rest_api")["rest_api_id"]
    for response_type, response in gateway_responses(f"'{origin}'").items():
        apigateway.put_gateway_response(restApiId=rest_api_id, responseType=response_type,
                                        **response)
    apigateway.create_deployment(restApiId=rest_api_id, stageName=stage_name)
    return rest_api_id


def throttle_api(apigateway: Any, resources: list[dict[str, Any]], stage_name: str,
                 rate: float, burst: int) -> str:
    """Stage-wide throttling for every method of the REST API."""
    rest_api_id = _one(resources, "rest_api")["rest_api_id"]
    apigateway.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(rate)},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(burst)}])
    return rest_api_id


def access_logging(apigateway: Any, resources: list[dict[str, Any]], stage_name: str,
                   log_group_arn: str) -> str:
    """JSON access logs of the API stage to the stack's log group."""
    rest_api_id = _one(resources, "rest_api")["rest_api_id"]
    apigateway.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": log_group_arn.removesuffix(":*")},
        {"op": "replace", "path": "/accessLogSettings/format", "value": API_ACCESS_LOG_FORMAT}])
    return rest_api_id
