"""The environment the local stack runs Herald in: the dev stage's settings
with local overrides (no auth, short retries) and AWS pointed at the emulator."""
from __future__ import annotations

import json
import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# Local knobs: a poison message must reach the DLQ within 30 s.
LOCAL_DEFAULTS = {
    "HERALD_LOCAL_VISIBILITY_S": "5",
    "HERALD_RETRY_BASE_S": "2",
    "HERALD_RETRY_MAX_S": "8",
    "HERALD_WEBHOOK_RETRY_BASE_S": "1",
    "HERALD_WEBHOOK_RETRY_MAX_S": "4",
}


def stage_env(stage: str = "dev") -> dict[str, str]:
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def apply(endpoint: str, queue_url: str, dlq_url: str) -> None:
    """Point this process (boto3 and Herald's settings) at the emulation."""
    for key, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": os.environ.get("HERALD_REGION", "us-east-1"),
        "HERALD_SEND_QUEUE_URL": queue_url, "HERALD_DLQ_URL": dlq_url,
        "HERALD_LOCAL_MODE": "true", "HERALD_AUTH_MODE": "off",
        "HERALD_REPORT_BATCH_ITEM_FAILURES": "true",
        "HERALD_VISIBILITY_TIMEOUT_S": os.environ["HERALD_LOCAL_VISIBILITY_S"],
    })


def load_stage_defaults(stage: str = "dev") -> None:
    """The stage's env vars, unless the caller set them already."""
    for key, value in stage_env(stage).items():
        os.environ.setdefault(key, value)
