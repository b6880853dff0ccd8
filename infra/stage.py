"""A stage's values, read from `.chalice/config.json` the way Chalice reads them
(top-level defaults, overridden per stage), plus Herald's `herald_infra` block."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT / ".chalice" / "config.json"


@dataclass(frozen=True)
class StageConfig:
    app_name: str
    stage: str
    env: dict[str, str]
    lambda_timeout: int
    reserved_concurrency: int
    log_retention_days: int
    api_gateway_stage: str
    infra: dict[str, Any]

    @property
    def region(self) -> str:
        return self.env["HERALD_REGION"]

    @property
    def prefix(self) -> str:
        """Every resource name starts with this (`herald-dev`)."""
        return f"{self.app_name}-{self.stage}"

    @property
    def visibility_timeout_s(self) -> int:
        return int(self.env["HERALD_VISIBILITY_TIMEOUT_S"])

    @property
    def sender_domain(self) -> str:
        """The domain of the default sender: the SES identity Herald sends from."""
        return self.env["HERALD_DEFAULT_SENDER"].rsplit("@", 1)[1].rstrip(">").strip()

    @property
    def account_id(self) -> str:
        """The account the stage's queue lives in (read from its URL)."""
        return urlparse(self.env["HERALD_SEND_QUEUE_URL"]).path.strip("/").split("/")[0]


def read_config(path: Path = CONFIG) -> dict[str, Any]:
    return json.loads(path.read_text())


def load_stage(stage: str, path: Path = CONFIG) -> StageConfig:
    """The merged values of `stage`; KeyError if the stage is not in the file."""
    config = read_config(path)
    own = config["stages"][stage]

    def value(key: str) -> Any:
        return own.get(key, config.get(key))

    return StageConfig(
        app_name=config["app_name"], stage=stage,
        env={**config.get("environment_variables", {}), **own.get("environment_variables", {})},
        lambda_timeout=int(value("lambda_timeout")),
        reserved_concurrency=int(value("reserved_concurrency")),
        log_retention_days=int(value("log_retention_in_days")),
        api_gateway_stage=value("api_gateway_stage") or "api",
        infra={**config.get("herald_infra", {}), **own.get("herald_infra", {})})
