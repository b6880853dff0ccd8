"""Push `templates/` to a stage, or pull a stage's (or the local stack's) templates back.

    python -m tools.templates push --stage dev      # folder -> the stage's bucket
    python -m tools.templates pull --stage dev      # the stage's bucket -> folder
    python -m tools.templates pull --url http://127.0.0.1:8000   # local stack -> folder

Push goes through the same save-time checks as the API; AWS credentials come
from the usual places (env, profile) and the stage's names from .chalice/config.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

from tools.template_files import read_all, write_template

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT / "templates"


def use_stage(stage: str) -> Any:
    from chalicelib.wiring import reset, services
    from local_stack.environment import stage_env

    os.environ.update(stage_env(stage))
    reset()
    return services().templates


def push(stage: str, root: Path = TEMPLATES) -> list[str]:
    manager = use_stage(stage)
    pushed = []
    for name, payload in read_all(root).items():
        version = manager.save(name, payload, author="templates/")["version_id"]
        print(f"pushed {name} -> {version}")
        pushed.append(name)
    return pushed


def http_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - user-given URL
        return json.load(response)


def pull(stage: str | None, url: str | None, root: Path = TEMPLATES) -> list[str]:
    if url:
        base = url.rstrip("/")
        names = [t["name"] for t in http_json(f"{base}/templates")["templates"]]
        templates = {name: http_json(f"{base}/templates/{name}") for name in names}
    else:
        manager = use_stage(stage or "dev")
        templates = {t["name"]: manager.get(t["name"]) for t in manager.list()}
    for name, template in templates.items():
        print(f"pulled {name} ({template['version_id']}) -> {write_template(root, name, template)}")
    return sorted(templates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.templates", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["push", "pull"])
    parser.add_argument("--stage", default="dev", help="stage in .chalice/config.json")
    parser.add_argument("--url", help="pull from a running Herald API instead of a stage")
    parser.add_argument("--dir", type=Path, default=TEMPLATES, help="templates folder")
    args = parser.parse_args(argv)
    if args.action == "push":
        push(args.stage, args.dir)
    else:
        pull(None if args.url else args.stage, args.url, args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
