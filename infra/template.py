"""The resources template: everything Herald needs that Chalice does not create."""
from __future__ import annotations

from typing import Any

from infra import admin_ui, alarms, cognito, logging, messaging, outputs, storage, users
from infra.preferences import identity_pool_outputs, identity_pool_resources
from infra.stage import StageConfig


def resources_template(stage: StageConfig) -> dict[str, Any]:
    """A stand-alone CloudFormation template (the `chalice deploy` path's stack)."""
    template = {
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
    _add_notifications(stage, template)
    return template


def _add_notifications(stage: StageConfig, template: dict[str, Any]) -> None:
    """The notifications topic, subscribing the channel queues the template holds, and
    the optional identity-pool role for users' own preferences."""
    resources = template["Resources"]
    resources.update(messaging.notification_resources(stage, resources))
    resources.update(identity_pool_resources(stage))
    template["Outputs"].update({name: {"Value": value} for name, value
                                in identity_pool_outputs(stage).items()})
