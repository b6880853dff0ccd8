"""Writes a deployed stack's outputs into the stage's env vars in
`.chalice/config.json` (the `chalice deploy` path has no Ref/GetAtt)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from infra import users
from infra.outputs import STAGE_ENV
from infra.stage import CONFIG


def write_stage_env(stage: str, stack_outputs: Mapping[str, str], path: Path = CONFIG) -> None:
    """Set each env var of infra/outputs.py to the output it names."""
    config = json.loads(path.read_text())
    env = config["stages"][stage].setdefault("environment_variables", {})
    env.update({row.env_var: stack_outputs[row.output] for row in STAGE_ENV})
    env[users.STREAM_ENV] = stack_outputs[users.STREAM_OUTPUT]  # created or the stage's own
    env[users.TABLE_ENV] = stack_outputs[users.TABLE_OUTPUT]
    path.write_text(json.dumps(config, indent=2) + "\n")


def main() -> None:
    """`python -m scripts.config_file --stage dev --stack herald-dev`: after a
    package-path deploy, so tools (templates push/pull) find the stage's names."""
    import argparse

    import boto3

    from infra.stage import load_stage
    from scripts.stack import outputs

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--stack", required=True)
    args = parser.parse_args()
    cfn = boto3.client("cloudformation", region_name=load_stage(args.stage).region)
    write_stage_env(args.stage, outputs(cfn, args.stack))


if __name__ == "__main__":
    main()
