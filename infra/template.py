"""The resources template: everything Herald needs that Chalice does not create."""
from __future__ import annotations

from typing import Any

from infra import admin_ui, alarms, cognito, logging, messaging, outputs, storage, users
from infra.stage import StageConfig


def resources_template(stage: StageConfig) -> dict[str, Any]:
    """A stand-alone CloudFormation template (the `chalice deploy` path's stack)."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Herald {stage.stage}: storage, queues, tables, topics, SES, alarms, "
                       "access logs, admin UI hosting and staff sign-in",
        "Resources": {**storage.resources(stage), **messaging.resources(stage),
                      **alarms.resources(stage), **admin_ui.resources(stage),
                      **logging.resources(stage),
                      **cognito.resources(stage),
                      **cognito.mail_resources(stage),
                      **users.resources(stage)},
        "Outputs": outputs.outputs({**messaging.identity_outputs(stage),
                                    **users.outputs(stage)}),
    }
