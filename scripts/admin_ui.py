"""`python -m scripts.admin_ui --stage dev --stack herald-dev`: publish admin_ui/
to the stage's bucket behind CloudFront, with a `config.js` telling the UI
where the API and the staff sign-in are (package path; the `chalice deploy`
path's script calls `publish` itself)."""
from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any, Mapping

from infra.stage import PROJECT, load_stage

SOURCE = PROJECT / "admin_ui"
CONFIG_JS = "config.js"
_NO_CACHE = {"index.html", CONFIG_JS}  # so a deploy shows at once


def config_js(api_base: str, region: str, stack_outputs: Mapping[str, str]) -> str:
    settings = {"apiBase": api_base.rstrip("/"), "region": region,
                "userPoolId": stack_outputs["UserPoolId"],
                "userPoolClientId": stack_outputs["UserPoolClientId"],
                "cognitoDomain": stack_outputs["CognitoDomain"]}
    return ("// Written at deploy time by scripts/admin_ui.py.\n"
            f"window.HERALD_CONFIG = {json.dumps(settings, indent=2)};\n")


def publish(s3: Any, cloudfront: Any, stack_outputs: Mapping[str, str], config: str,
            source: Path = SOURCE) -> list[str]:
    """Upload the UI (its local config.js replaced by `config`), then
    invalidate the CDN's copy; returns the keys written."""
    bucket = stack_outputs["AdminUiBucketName"]
    files = {path.relative_to(source).as_posix(): path.read_bytes()
             for path in sorted(source.rglob("*")) if path.is_file()}
    files[CONFIG_JS] = config.encode()
    for key, body in files.items():
        kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
        cache = "no-cache" if key in _NO_CACHE else "max-age=300"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=kind, CacheControl=cache)
    cloudfront.create_invalidation(
        DistributionId=stack_outputs["AdminUiDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]},
                           "CallerReference": f"herald-{time.time_ns()}"})
    return sorted(files)


def main() -> None:
    import boto3

    from scripts.stack import outputs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--stack", required=True, help="the stage's CloudFormation stack")
    args = parser.parse_args()
    stage = load_stage(args.stage)
    session = boto3.session.Session(region_name=stage.region)
    found = outputs(session.client("cloudformation"), args.stack)
    publish(session.client("s3"), session.client("cloudfront"), found,
            config_js(found["EndpointURL"], stage.region, found))
    print(f"admin UI: {found['AdminUiOrigin']}/")


if __name__ == "__main__":
    main()
