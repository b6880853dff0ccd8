"""Save-time warnings for secrets placed where people other than the reader see
them: lock screens and notification previews show a mail's subject and its
preheader (the hidden first line of the body). A code there is readable on a
locked phone, so saving it is allowed but comes back with a warning.
"""
from __future__ import annotations

from typing import Any

from jinja2 import nodes

from chalicelib.templating.renderer import CompiledTemplate, field_of

PREHEADER_BLOCK = "preheader"


def exposure_warnings(compiled: CompiledTemplate) -> list[dict[str, Any]]:
    """One warning per secret variable used in a subject or a preheader block."""
    secrets = set(compiled.secret_names)
    if not secrets:
        return []
    warnings = []
    for key, source in compiled.sources.items():
        part = key.lstrip("@").split(":", 1)[0]
        ast = compiled.env.parse(source)
        if part == "subject":
            scopes, where = [ast], "the subject"
        elif part == "html":
            scopes = [b for b in ast.find_all(nodes.Block) if b.name == PREHEADER_BLOCK]
            where = "the preheader"
        else:
            continue
        uses = [n for scope in scopes for n in scope.find_all(nodes.Name) if n.name in secrets]
        for name in sorted({use.name for use in uses}):
            line = min(use.lineno for use in uses if use.name == name)
            warnings.append({
                "field": field_of(key, compiled.doc.default_locale), "line": line,
                "variable": name, "code": "secret_exposed",
                "message": f"secret variable {name!r} is in {where}: lock screens and "
                           "notification previews show it to anyone holding the phone"})
    return warnings
