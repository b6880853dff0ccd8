"""`python -m scripts.package --stage dev`: the stage's SAM template, Herald's
resources merged in, ready for `aws cloudformation package` and `deploy`.

Writes build/<stage>/merge.json (infra/package.py), refreshes the stage's
policy files, then runs `chalice package --merge-template`, which leaves
build/<stage>/package/sam.json and deployment.zip.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from infra import iam
from infra.stage import PROJECT, load_stage
from scripts.chalice_cli import run_chalice, stage_environ

BUILD = PROJECT / "build"


def package(stage_name: str, build: Path = BUILD, allow_no_alarm_email: bool = False) -> Path:
    """Build the stage's SAM template; returns its path."""
    from scripts.deploy import check_alarm_email

    stage = load_stage(stage_name)
    check_alarm_email(stage, allow_no_alarm_email)
    os.environ.update(stage_environ(stage))  # app.py reads its settings at import
    import app
    from infra.package import merge_template

    out = build / stage_name
    out.mkdir(parents=True, exist_ok=True)
    merge = out / "merge.json"
    merge.write_text(json.dumps(merge_template(stage, app.app), indent=2))
    iam.write_policy_files(stage)
    run_chalice(stage, "package", "--merge-template", str(merge), str(out / "package"))
    return out / "package" / "sam.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json")
    parser.add_argument("--build", type=Path, default=BUILD, help="output folder")
    parser.add_argument("--no-alarm-email", action="store_true",
                        help="build although herald_infra.alarm_email is empty (alarms reach "
                             "nobody)")
    args = parser.parse_args()
    print(package(args.stage, args.build, args.no_alarm_email))


if __name__ == "__main__":
    main()
