"""Check a send's payload against a template's variable contract, in your own CI.

    python -m tools.check --url http://127.0.0.1:8000 --template otp-code payload.json
    python -m tools.check --stage dev --template otp-code payload.json

`payload.json` is a POST /emails body (its `variables` are checked) or the
variables object alone. The contract is GET /templates/{name}/schema (JSON
Schema 2020-12; `--version` pins one). Exit 0 when the payload fits, 1 with
one line per problem when it does not, 2 when the check could not run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from chalicelib.errors import HeraldError
from tools.templates import http_json, use_stage


def fetch_schema(template: str, url: str | None, stage: str, version: str | None) -> Any:
    if url:
        query = f"?version={quote(version)}" if version else ""
        return http_json(f"{url.rstrip('/')}/templates/{quote(template)}/schema{query}")
    return use_stage(stage).schema(template, version)


def problems(schema: dict[str, Any], payload: Any) -> list[str]:
    """Every way `payload`'s variables break `schema`, as `path: message` lines."""
    from jsonschema import Draft202012Validator

    is_send = isinstance(payload, dict) and ("template" in payload or "to" in payload)
    variables = payload.get("variables", {}) if is_send else payload
    validator = Draft202012Validator(schema)
    return [f"variables{''.join(f'.{part}' for part in error.absolute_path)}: {error.message}"
            for error in sorted(validator.iter_errors(variables), key=lambda e: list(e.path))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("payload", type=Path, help="a POST /emails body, or its variables")
    parser.add_argument("--template", required=True)
    parser.add_argument("--url", help="a running Herald API (the local stack)")
    parser.add_argument("--stage", default="dev", help="stage in .chalice/config.json")
    parser.add_argument("--version", help="a template version id (default: the latest)")
    args = parser.parse_args(argv)
    try:
        payload = json.loads(args.payload.read_text())
        schema = fetch_schema(args.template, args.url, args.stage, args.version)
    except (OSError, ValueError, HeraldError) as error:
        print(f"cannot check: {error}", file=sys.stderr)
        return 2
    found = problems(schema, payload)
    for line in found:
        print(line)
    if not found:
        print(f"{args.payload} fits {args.template} ({schema.get('$id', '')})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
