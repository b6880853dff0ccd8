"""The package layers hold: each rule says which modules a part of the tree may not import.
Imports are read with `ast` (nothing is imported), including those inside functions, so a
lazy import cannot slip past; a broken rule names each file and import that breaks it."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
HERALD = ("chalicelib", "app", "infra", "local_stack", "tests", "bench", "scripts", "tools",
          "herald_client")


def module_of(path: Path, root: Path = PROJECT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache  # each file is read once for all the rules
def imports_of(path: Path, root: Path = PROJECT) -> frozenset[str]:
    """Every module (or module.name) `path` imports, relative imports made absolute."""
    package = module_of(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


@dataclass(frozen=True)
class Rule:
    """Python files under `sources` (minus `exempt`) import nothing under `forbidden`
    except what is under `allowed`."""

    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()

    def files(self) -> list[Path]:
        found = []
        for source in self.sources:
            path = PROJECT / source
            found += [path] if path.is_file() else sorted(path.rglob("*.py"))
        return [f for f in found
                if not any(f.relative_to(PROJECT).as_posix().startswith(e) for e in self.exempt)]

    def broken_by(self) -> list[str]:
        return sorted(f"{path.relative_to(PROJECT)} imports {module}"
                      for path in self.files() for module in imports_of(path)
                      if under(module, self.forbidden) and not under(module, self.allowed))


RULES = {
    # the base every package stands on: AWS clients, items, logs, metrics, settings; it
    # may raise the domain's error vocabulary (chalicelib/errors.py), nothing else
    "platform imports nothing of Herald's outside platform but the errors": Rule(
        ("chalicelib/platform",), HERALD, allowed=("chalicelib.platform", "chalicelib.errors")),
    "the domain never imports the HTTP layer": Rule(
        ("chalicelib",), ("chalicelib.api",), exempt=("chalicelib/api/",)),
    # HTTP is one layer: domain errors and logic know nothing of Chalice. infra/ is exempt
    # because packaging reads the Chalice app's event sources (infra/package.py).
    "only api/, app.py, local_stack and infra packaging import chalice": Rule(
        ("chalicelib", "app.py", "infra", "local_stack"), ("chalice",),
        exempt=("chalicelib/api/", "app.py", "local_stack/", "infra/package.py")),
    "infra never imports the local stack": Rule(("infra",), ("local_stack",)),
    "the product imports no test, bench, dev or deploy code": Rule(
        ("chalicelib",), ("moto", "pytest", "local_stack", "tests", "bench", "infra", "scripts",
                          "tools", "app")),
    "records know nothing of the paths that use them": Rule(
        ("chalicelib/records",), tuple(f"chalicelib.{p}" for p in (
            "sending", "delivery", "api", "operations", "feedback", "wiring"))),
    "templating knows nothing of sending, delivery, records or operations": Rule(
        ("chalicelib/templating",), tuple(f"chalicelib.{p}" for p in (
            "sending", "delivery", "records", "operations", "feedback", "wiring"))),
    "the queue message format stands on platform alone": Rule(
        ("chalicelib/messages",), HERALD, allowed=("chalicelib.messages", "chalicelib.platform",
                                                   "chalicelib.errors")),
    "delivery and feedback never reach into sending, api or operations": Rule(
        ("chalicelib/delivery", "chalicelib/feedback"), tuple(f"chalicelib.{p}" for p in (
            "sending", "api", "operations", "wiring"))),
    # the intake reaches sending only through the producer it is handed (POST /emails' path)
    "the webhook intake never reaches into sending, delivery, records, operations or api": Rule(
        ("chalicelib/intake",), tuple(f"chalicelib.{p}" for p in (
            "sending", "delivery", "records", "feedback", "operations", "api", "wiring"))),
    # webhooks read the message log's stream, never the paths that write it
    "webhooks know nothing of sending, delivery, feedback, templating, operations or api": Rule(
        ("chalicelib/webhooks",), tuple(f"chalicelib.{p}" for p in (
            "sending", "delivery", "feedback", "templating", "operations", "api", "wiring"))),
    # the links are signed and read here; mail and pages reach the stores they are handed
    "unsubscribe knows nothing of sending, delivery, records, feedback, operations or api": Rule(
        ("chalicelib/unsubscribe",), tuple(f"chalicelib.{p}" for p in (
            "sending", "delivery", "records", "feedback", "operations", "api", "wiring"))),
    # the consumer and the API each hand the gateway what it needs; it calls neither
    "scanner-safe links know nothing of sending, delivery, feedback, operations or api": Rule(
        ("chalicelib/links",), tuple(f"chalicelib.{p}" for p in (
            "sending", "delivery", "feedback", "operations", "api", "wiring"))),
    "only app.py and the local stack use the composition root": Rule(
        ("chalicelib", "infra"), ("chalicelib.wiring",), exempt=("chalicelib/wiring.py",)),
    # rate limits, suppression, idempotency and the log apply because the producer is
    # the only way in (it is passed in by the composition root)
    "the Cognito intake reaches mail only through the accept path": Rule(
        ("chalicelib/intake/cognito.py",), tuple(f"chalicelib.{p}" for p in (
            "sending", "records", "delivery", "feedback", "operations", "messages"))),
    # POST /notifications is handed the accept path (and the topic's publish) by the
    # composition root: it never sends, enqueues or delivers by itself
    "notifications reach mail only through the accept path they are handed": Rule(
        ("chalicelib/notifications",), tuple(f"chalicelib.{p}" for p in (
            "sending", "delivery", "messages", "feedback", "operations", "webhooks", "intake",
            "api", "wiring")),
        allowed=("chalicelib.sending.accept.Dispatch", "chalicelib.sending.accept.Audience",
                 "chalicelib.sending.request.idempotency_key")),
    "records know nothing of the notifications using them": Rule(
        ("chalicelib/records",), ("chalicelib.notifications",)),
    # SMS is a second channel beside email, not a copy of it: each stands on the protocol
    "the SMS channel never reaches into the email channel": Rule(
        ("chalicelib/delivery/channels/sms.py",), ("chalicelib.delivery.channels.email",
                                                   "chalicelib.delivery.channels.mime")),
    "the email channel never reaches into the SMS channel": Rule(
        ("chalicelib/delivery/channels/email.py", "chalicelib/delivery/channels/mime.py"),
        ("chalicelib.delivery.channels.sms",)),
    "the unit layer runs without emulated AWS, a server or a browser": Rule(
        ("tests/unit",), ("moto", "chalice.test", "local_stack.emulator", "local_stack.server",
                          "stack_process", "requests", "playwright")),
}


@pytest.mark.parametrize("name", RULES)
def test_layer_rule_holds(name):
    broken = RULES[name].broken_by()
    assert not broken, "\n".join(broken)


def test_the_reader_sees_lazy_relative_and_aliased_imports(tmp_path):
    package = tmp_path / "chalicelib" / "records"
    package.mkdir(parents=True)
    module = package / "log.py"
    module.write_text("import json as j\nfrom . import states\nfrom ..sending import accept\n"
                      "def later():\n    from chalice import Response\n")
    assert imports_of(module, tmp_path) == {
        "json", "chalicelib.records.states", "chalicelib.sending.accept", "chalice.Response"}
    rule = RULES["records know nothing of the paths that use them"]
    assert under("chalicelib.sending.accept", rule.forbidden)
    assert not under("chalicelib.sendings", rule.forbidden)
