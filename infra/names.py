"""Names shared by both deploy paths, so resources can refer to each other by
name whichever path created them: Chalice's own naming for functions and
roles (`chalice deploy` uses it; the package path sets the same names), and
Herald's `<app>-<stage>-<what>` for everything else."""
from __future__ import annotations

API_HANDLER = "api_handler"


def function_name(prefix: str, function: str) -> str:
    """Chalice names the API handler `<app>-<stage>`, others `<app>-<stage>-<name>`."""
    return prefix if function == API_HANDLER else f"{prefix}-{function}"


def role_name(prefix: str, function: str) -> str:
    """Chalice's role name for a function with its own policy file."""
    return f"{prefix}-{function}"


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def function_logical_id(function: str) -> str:
    """The function's logical id in `chalice package` output."""
    return "APIHandler" if function == API_HANDLER else _camel(function)


def role_logical_id(function: str) -> str:
    return f"{_camel(function)}Role"


def log_group_logical_id(function: str) -> str:
    return f"{_camel(function)}LogGroup"


def policy_file(stage: str, function: str) -> str:
    """The policy file of a function, relative to `.chalice/`."""
    return f"policy-{stage}-{function}.json"
