"""Running the Chalice CLI of this virtualenv for a stage."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Mapping

from infra.stage import PROJECT, StageConfig

# Chalice renders CORS preflights only for a known origin; the package path
# replaces this with the CloudFront domain (infra/package.py).
ORIGIN_PLACEHOLDER = "https://admin-ui.invalid"

Runner = Callable[..., subprocess.CompletedProcess]


def stage_environ(stage: StageConfig, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment Chalice gives app.py when it loads it for `stage`."""
    environ = {**base, "AWS_DEFAULT_REGION": stage.region, **stage.env}
    environ.setdefault("HERALD_ADMIN_ORIGIN", ORIGIN_PLACEHOLDER)
    return environ


def run_chalice(stage: StageConfig, *args: str, run: Runner = subprocess.run) -> None:
    """Run `chalice <args> --stage <stage>` in the project; raises if it fails."""
    command = [str(Path(sys.executable).with_name("chalice")), *args, "--stage", stage.stage]
    run(command, cwd=PROJECT, env=stage_environ(stage), check=True)
