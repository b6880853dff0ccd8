"""The template manager: save with checks, history, diff, rollback, preview.

Every write goes through the same checks (parse, declared variables, sample
render) so nothing that cannot be sent is ever stored as the latest version.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import replace
from typing import Any, Mapping

from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.templating.cache import TemplateCache
from chalicelib.templating.exposure import exposure_warnings
from chalicelib.templating.model import TemplateDoc, parse_template, validate_name
from chalicelib.templating.renderer import check_template
from chalicelib.templating.schema import variables_schema
from chalicelib.templating.store import TemplateStore, VersionInfo

_PREVIEW_FIELDS = {"variables", "version_id", "locale"}


def _variables_arg(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest("variables must be an object", field="variables")
    return raw


def _locale_arg(raw: Any) -> str | None:
    if raw is not None and not isinstance(raw, str):
        raise BadRequest("locale must be a string like en or pt-BR", field="locale")
    return raw


def _listed(doc: TemplateDoc, info: VersionInfo) -> dict[str, Any]:
    """One row of GET /templates: what the admin list shows and filters on."""
    return {"name": doc.name, "category": doc.category, "description": doc.description,
            "channel": doc.channel, "tags": doc.tags, "version_id": info.version_id,
            "updated_at": info.updated_at}


def _diff_text(doc: TemplateDoc) -> list[str]:
    """A line-oriented form of a template, so a diff reads like a code review."""
    data = doc.to_dict()
    lines = []
    for key in ("subject", "description", "category", "sender", "reply_to",
                "default_locale", "rate_limit_per_hour"):
        lines.append(f"{key}: {data[key] if data[key] is not None else ''}")
    lines.append("variables: " + json.dumps(data["variables"], sort_keys=True))
    lines.append("tags: " + json.dumps(data["tags"], sort_keys=True))
    sections = [("html", doc.html), ("text", doc.text)]
    for locale, parts in sorted(doc.locales.items()):
        sections += [(f"{locale} {part}", source) for part, source in sorted(parts.items())]
    for title, source in sections:
        if source is not None:
            lines.append(f"--- {title} ---")
            lines.extend(source.splitlines())
    return [line + "\n" for line in lines]


class TemplateManager:
    def __init__(self, store: TemplateStore, cache: TemplateCache) -> None:
        self.store = store
        self.cache = cache

    def save(self, name: str, payload: Any, author: str) -> dict[str, Any]:
        if isinstance(payload, dict) and "name" in payload and payload["name"] != name:
            raise BadRequest("name in the body differs from the path", field="name")
        base_version = payload.get("base_version") if isinstance(payload, dict) else None
        if base_version is not None and not isinstance(base_version, str):
            raise BadRequest("base_version must be a version id string", field="base_version")
        doc = parse_template(name, payload)
        draft = self.cache.draft(doc)
        check_template(draft)
        answer = {"name": name, "category": doc.category, "warnings": exposure_warnings(draft)}
        latest = self._latest_if_same(doc)
        if latest is not None:
            return {**answer, "version_id": latest, "unchanged": True}
        version = self.store.put(doc, author=author, base_version=base_version)
        if doc.category == "layout":
            self.cache.forget_latest(name)
        return {**answer, "version_id": version, "unchanged": False}

    def _latest_if_same(self, doc: TemplateDoc) -> str | None:
        """The latest version's id when it holds exactly `doc`: saving it again would only
        add a copy to the history. A stale base_version is no conflict then (nothing of
        theirs would be overwritten); a deleted template is saved again as usual."""
        try:
            latest, info = self.store.get(doc.name)
        except NotFound:
            return None
        return info.version_id if latest == doc else None

    def schema(self, name: str, version_id: str | None = None) -> dict[str, Any]:
        """GET /templates/{name}/schema: the JSON Schema of a send's `variables`."""
        validate_name(name)
        doc, info = self.store.get(name, version_id)
        return variables_schema(doc, info.version_id)

    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        """GET /templates: every live template, or with `status=deleted` the deleted ones
        (their last version, and when they were deleted), for the admin list's filter."""
        if status == "deleted":
            return [{**_listed(doc, info), "status": "deleted", "deleted_at": deleted_at}
                    for doc, info, deleted_at in self.store.deleted()]
        if status not in (None, "", "live"):
            raise BadRequest("status must be live or deleted", field="status")
        return sorted((_listed(doc, info) for doc, info in self.store.list()),
                      key=lambda entry: entry["name"])

    def restore(self, name: str, author: str) -> dict[str, Any]:
        """POST /templates/{name}/restore: a deleted template's last version becomes live
        again as a new version (its history, the deletion included, stays). S3 writes it
        only if the name is still deleted, so a second restore, or a save that got there
        first, gets a 409 and changes nothing."""
        validate_name(name)
        if self.store.exists(name):
            raise Conflict(f"template {name!r} is not deleted", field="name",
                           code="not_deleted")
        [last] = self.store.versions(name, limit=1)  # NotFound: never existed
        doc, _ = self.store.get(name, last.version_id)
        version = self.store.put(doc, author=author, if_absent=True)
        if doc.category == "layout":
            self.cache.forget_latest(name)
        return {"name": name, "version_id": version, "restored_from": last.version_id}

    def duplicate(self, name: str, payload: Any, author: str) -> dict[str, Any]:
        """POST /templates/{name}/duplicate {"name": new}: a copy of the latest version
        under a new name, starting its own history. A name that was ever used (live or
        deleted, whose history would carry over) is refused with a 409 naming `name`."""
        validate_name(name)
        unknown = sorted(set(payload) - {"name"}) if isinstance(payload, dict) else []
        if unknown:
            raise BadRequest(f"unknown field {unknown[0]!r}", field=unknown[0])
        new_name = validate_name(payload.get("name") if isinstance(payload, dict) else None)
        doc, info = self.store.get(name)
        if self.store.has_history(new_name):
            raise Conflict(f"template {new_name!r} already exists or was deleted (restore it "
                           "or choose another name)", field="name", code="template_exists")
        version = self.store.put(replace(doc, name=new_name), author=author, if_absent=True)
        return {"name": new_name, "version_id": version, "category": doc.category,
                "copied_from": {"name": name, "version_id": info.version_id}}

    def get(self, name: str, version_id: str | None = None) -> dict[str, Any]:
        validate_name(name)
        doc, info = self.store.get(name, version_id)
        return {**doc.to_dict(), "version_id": info.version_id, "updated_at": info.updated_at,
                "author": info.author, "secret_variables": doc.secret_names}

    def versions(self, name: str) -> list[dict[str, Any]]:
        validate_name(name)
        return [info.summary() for info in self.store.versions(name)]

    def diff(self, name: str, from_version: str | None, to_version: str | None) -> str:
        validate_name(name)
        if not from_version:
            raise BadRequest("from is required (a version id)", field="from")
        old, _ = self.store.get(name, from_version)
        new, new_info = self.store.get(name, to_version)
        return "".join(difflib.unified_diff(
            _diff_text(old), _diff_text(new), fromfile=f"{name}@{from_version}",
            tofile=f"{name}@{to_version or new_info.version_id}"))

    def rollback(self, name: str, payload: Any, author: str) -> dict[str, Any]:
        """Make an old version the newest one (history keeps everything in between)."""
        validate_name(name)
        version_id = payload.get("version_id") if isinstance(payload, dict) else None
        if not isinstance(version_id, str) or not version_id:
            raise BadRequest("version_id is required", field="version_id")
        old, _ = self.store.get(name, version_id)
        new_version = self.store.put(old, author=author)
        return {"name": name, "version_id": new_version, "restored_from": version_id}

    def delete(self, name: str) -> None:
        validate_name(name)
        self.store.delete(name)

    def preview_saved(self, name: str, payload: Any) -> dict[str, Any]:
        validate_name(name)
        payload = payload or {}
        if not isinstance(payload, dict):
            raise BadRequest("body must be a JSON object", field="body")
        unknown = set(payload) - _PREVIEW_FIELDS
        if unknown:
            raise BadRequest(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
        version = payload.get("version_id")
        if version is not None and not isinstance(version, str):
            raise BadRequest("version_id must be a version id string", field="version_id")
        version = version or self.store.head(name).version_id
        compiled = self.cache.pinned(name, version)
        return self._preview(compiled, payload)

    def preview_draft(self, payload: Any) -> dict[str, Any]:
        """Body: {"template": <draft as for PUT>, "variables"?, "locale"?}."""
        if not isinstance(payload, dict) or not isinstance(payload.get("template"), dict):
            raise BadRequest("body must be {\"template\": {...}, \"variables\": {...}}",
                             field="template")
        unknown = set(payload) - {"template", "variables", "locale"}
        if unknown:
            raise BadRequest(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
        draft = dict(payload["template"])
        doc = parse_template(draft.pop("name", None) or "draft", draft)
        return self._preview(self.cache.draft(doc), payload)

    @staticmethod
    def _preview(compiled: Any, payload: Mapping[str, Any]) -> dict[str, Any]:
        variables = {**compiled.sample_variables(), **_variables_arg(payload.get("variables"))}
        rendered = compiled.preview(variables, _locale_arg(payload.get("locale")))
        return {**rendered.to_dict(), "version_id": compiled.version}
