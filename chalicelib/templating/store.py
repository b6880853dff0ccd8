"""Templates in S3: one object per template, every save a new object version.

S3 versioning gives history, rollback sources and immutable version ids for
free; a conditional put (If-Match on the ETag read) closes the race between
checking `base_version` and writing.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

from botocore.exceptions import ClientError

from chalicelib.errors import Conflict, NotFound
from chalicelib.platform.clock import iso_time
from chalicelib.platform.dynamo import error_code
from chalicelib.templating.model import TemplateDoc, parse_template

_PREFIX = "templates/"
_MISSING = {"NoSuchKey", "404", "NoSuchVersion", "NotFound", "MethodNotAllowed", "InvalidArgument"}
_PARALLEL_HEADS = 8


@dataclass(frozen=True)
class VersionInfo:
    version_id: str
    etag: str
    updated_at: str
    size: int
    author: str
    category: str
    description: str

    def summary(self) -> dict[str, Any]:
        return {"version_id": self.version_id, "updated_at": self.updated_at,
                "size": self.size, "author": self.author}


def _key(name: str) -> str:
    return f"{_PREFIX}{name}.json"


def _name_of(key: str) -> str:
    """The template a bucket key holds ("" for any other object)."""
    return key[len(_PREFIX):-len(".json")] if key.endswith(".json") else ""


class TemplateStore:
    """Adapter over the template bucket (versioning on, SSE, tagged objects)."""

    def __init__(self, s3: Any, bucket: str, stage: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.stage = stage

    def head(self, name: str, version_id: str | None = None) -> VersionInfo:
        """Metadata of the latest (or one) version; NotFound if deleted or never saved."""
        response = self._object(self.s3.head_object, name, version_id)
        return self._info(response, response.get("VersionId", version_id or ""))

    def get(self, name: str, version_id: str | None = None) -> tuple[TemplateDoc, VersionInfo]:
        response = self._object(self.s3.get_object, name, version_id)
        body = json.loads(response["Body"].read())
        body.pop("name", None)
        return parse_template(name, body), self._info(response, response.get("VersionId", ""))

    def _object(self, operation: Any, name: str, version_id: str | None) -> dict[str, Any]:
        """HEAD or GET one version (the latest when None), missing ones as NotFound."""
        args = {"Bucket": self.bucket, "Key": _key(name)}
        if version_id:
            args["VersionId"] = version_id
        try:
            return operation(**args)
        except ClientError as exc:
            raise self._not_found(exc, name, version_id) from None

    def put(self, doc: TemplateDoc, author: str, base_version: str | None = None,
            if_absent: bool = False) -> str:
        """Write a new version; with `base_version`, refuse (409) if another save landed;
        with `if_absent`, refuse (409) unless the name is free or deleted (S3 checks it)."""
        body = json.dumps(doc.to_dict(), indent=2, sort_keys=True).encode()
        tags = {"Name": doc.name, "Type": "template", "Environment": self.stage,
                "Category": doc.category, **doc.tags}
        args: dict[str, Any] = {
            "Bucket": self.bucket, "Key": _key(doc.name), "Body": body,
            "ContentType": "application/json", "ServerSideEncryption": "AES256",
            "Tagging": urlencode(tags),
            "Metadata": {"author": quote(author), "category": doc.category,
                         "description": quote(doc.description[:512])},
        }
        if base_version is not None:
            current = self._current_or_none(doc.name)
            if current is None or current.version_id != base_version:
                latest = current.version_id if current else None
                raise Conflict(f"template {doc.name!r} changed since version {base_version} "
                               f"(latest is {latest}); reload, merge and save again",
                               field="base_version", code="stale_version")
            args["IfMatch"] = current.etag
        if if_absent:
            args["IfNoneMatch"] = "*"
        try:
            response = self.s3.put_object(**args)
        except Exception as exc:
            if error_code(exc) not in {"PreconditionFailed", "ConditionalRequestConflict"}:
                raise
            if if_absent:
                raise Conflict(f"template {doc.name!r} exists (saved or restored meanwhile)",
                               field="name", code="template_exists") from None
            raise Conflict(f"template {doc.name!r} was saved by someone else meanwhile",
                           field="base_version", code="stale_version") from None
        return response["VersionId"]

    def delete(self, name: str) -> None:
        """Add a delete marker: the template disappears, its history stays."""
        self.head(name)
        self.s3.delete_object(Bucket=self.bucket, Key=_key(name))

    def list(self) -> list[tuple[TemplateDoc, VersionInfo]]:
        """Every live template at its newest version, content included (the admin list
        filters on tags, which only the content holds)."""
        names = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=_PREFIX):
            for obj in page.get("Contents", []):
                name = _name_of(obj["Key"])
                if name:
                    names.append(name)
        with ThreadPoolExecutor(max_workers=_PARALLEL_HEADS) as pool:
            found = list(pool.map(self._latest_or_none, names))
        return [entry for entry in found if entry is not None]

    def deleted(self) -> list[tuple[TemplateDoc, VersionInfo, str]]:
        """Deleted templates (a delete marker is their newest entry): each one's last
        content version, and when it was deleted."""
        deleted_at: dict[str, Any] = {}
        last_content: dict[str, str] = {}
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=_PREFIX):
            for marker in page.get("DeleteMarkers", []):
                if marker.get("IsLatest") and _name_of(marker["Key"]):
                    deleted_at[_name_of(marker["Key"])] = marker["LastModified"]
            for version in page.get("Versions", []):  # S3 lists a key's newest first
                last_content.setdefault(_name_of(version["Key"]), version["VersionId"])
        names = sorted(name for name in deleted_at if name in last_content)
        with ThreadPoolExecutor(max_workers=_PARALLEL_HEADS) as pool:
            found = list(pool.map(lambda name: self.get(name, last_content[name]), names))
        return [(doc, info, iso_time(deleted_at[doc.name], millis=False))
                for doc, info in found]

    def has_history(self, name: str) -> bool:
        """Whether `name` was ever saved (live or deleted): its versions stay attached."""
        response = self.s3.list_object_versions(Bucket=self.bucket, Prefix=_key(name),
                                                MaxKeys=1)
        entries = response.get("Versions", []) + response.get("DeleteMarkers", [])
        return any(entry["Key"] == _key(name) for entry in entries)

    def versions(self, name: str, limit: int = 100) -> list[VersionInfo]:
        """History, newest first (delete markers are not versions of content)."""
        found = []
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=_key(name)):
            found += [v for v in page.get("Versions", []) if v["Key"] == _key(name)]
        if not found:
            raise NotFound(f"template {name!r} not found", field="name")
        found.sort(key=lambda v: v["LastModified"], reverse=True)
        with ThreadPoolExecutor(max_workers=_PARALLEL_HEADS) as pool:
            return list(pool.map(lambda v: self.head(name, v["VersionId"]), found[:limit]))

    def exists(self, name: str) -> bool:
        """Whether `name` is live (saved and not deleted)."""
        return self._current_or_none(name) is not None

    def _latest_or_none(self, name: str) -> tuple[TemplateDoc, VersionInfo] | None:
        try:
            return self.get(name)
        except NotFound:
            return None

    def _current_or_none(self, name: str) -> VersionInfo | None:
        try:
            return self.head(name)
        except NotFound:
            return None

    def _info(self, response: dict[str, Any], version_id: str) -> VersionInfo:
        metadata = response.get("Metadata", {})
        modified = response.get("LastModified")
        return VersionInfo(
            version_id=version_id, etag=response.get("ETag", ""),
            updated_at=iso_time(modified or time.time(), millis=False),
            size=int(response.get("ContentLength", 0)),
            author=unquote(metadata.get("author", "")),
            category=metadata.get("category", ""),
            description=unquote(metadata.get("description", "")))

    @staticmethod
    def _not_found(exc: Exception, name: str, version_id: str | None) -> Exception:
        if error_code(exc) in _MISSING:
            what = (f"version {version_id} of template {name!r}" if version_id
                    else f"template {name!r}")
            return NotFound(f"{what} not found", field="version" if version_id else "name")
        return exc
