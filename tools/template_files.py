"""The `templates/` folder format, read and written for humans and diffs.

Each template is a folder: `template.json` (subject, description, category,
variables, locales' subjects...), `body.html`, an optional `body.txt`, and
per-locale bodies `body.<locale>.html` / `body.<locale>.txt`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_BODY = re.compile(r"^body(?:\.(?P<locale>[A-Za-z0-9-]+))?\.(?P<ext>html|txt)$")
_PART_OF_EXT = {"html": "html", "txt": "text"}
_EXT_OF_PART = {"html": "html", "text": "txt"}


def read_template(folder: Path) -> dict[str, Any]:
    """A template folder as the JSON body of PUT /templates/{name}."""
    payload = json.loads((folder / "template.json").read_text(encoding="utf-8"))
    for path in sorted(folder.iterdir()):
        match = _BODY.match(path.name)
        if not match:
            continue
        part = _PART_OF_EXT[match["ext"]]
        source = path.read_text(encoding="utf-8")
        if match["locale"]:
            payload.setdefault("locales", {}).setdefault(match["locale"], {})[part] = source
        else:
            payload[part] = source
    return payload


def read_all(root: Path) -> dict[str, dict[str, Any]]:
    """Every template under `root`, layouts first (templates extend them)."""
    found = {p.name: read_template(p) for p in sorted(root.iterdir())
             if (p / "template.json").is_file()}
    return dict(sorted(found.items(), key=lambda item: item[1].get("category") != "layout"))


def write_template(root: Path, name: str, template: dict[str, Any]) -> Path:
    """Write a template (as GET /templates/{name} returns it) into `root/name/`."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("body*"):
        old.unlink()
    meta = {k: v for k, v in template.items()
            if k not in {"name", "html", "text", "version_id", "updated_at", "author",
                         "secret_variables"} and v not in (None, {}, [], "")}
    for part, ext in _EXT_OF_PART.items():
        if template.get(part):  # an SMS template has no HTML: no empty body.html
            (folder / f"body.{ext}").write_text(template[part], encoding="utf-8")
    locales = {}
    for locale, parts in (template.get("locales") or {}).items():
        for part, source in parts.items():
            if part in _EXT_OF_PART:
                (folder / f"body.{locale}.{_EXT_OF_PART[part]}").write_text(source, "utf-8")
            else:
                locales.setdefault(locale, {})[part] = source
    meta.pop("locales", None)
    if locales:
        meta["locales"] = locales
    (folder / "template.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return folder
