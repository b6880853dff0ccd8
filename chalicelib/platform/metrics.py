"""CloudWatch metrics as embedded-metric-format (EMF) lines on stdout.

Lambda ships stdout to CloudWatch Logs, which turns these lines into
metrics: no PutMetricData call, no client, no extra latency on a send.
Hand-written rather than aws-lambda-powertools' Metrics, which costs about
100 ms of cold start and a runtime dependency (see the README's Operations
section for the measurement).
"""
from __future__ import annotations

import json
import sys
import time
from typing import Any, Mapping

from chalicelib.platform import redaction
from chalicelib.platform.settings import get_settings

COUNT = "Count"
MILLISECONDS = "Milliseconds"


def put(values: Mapping[str, tuple[float, str]],
        dimensions: Mapping[str, str] | None = None, **properties: Any) -> None:
    """Write one EMF line: metric name -> (value, unit); properties are searchable fields.

    Every metric has the stage as its dimension, so the metric count stays
    small; each of `dimensions` adds one more series (stage + that dimension),
    for the few figures worth a series per value (time to inbox per auth
    template). Properties (message id, template) are for Logs Insights.
    """
    settings = get_settings()
    extra = dict(dimensions or {})
    entry: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": settings.metrics_namespace,
                "Dimensions": [["Stage"], *(["Stage", name] for name in extra)],
                "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in values.items()],
            }],
        },
        **properties,
        **extra,
        "Stage": settings.stage,
    }
    entry.update({name: value for name, (value, _) in values.items()})
    sys.stdout.write(redaction.scrub(json.dumps(entry, default=str)) + "\n")


def count(*names: str, **properties: Any) -> None:
    """Add one to each named counter, in one line."""
    put({name: (1, COUNT) for name in names}, **properties)
