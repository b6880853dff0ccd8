"""The HTTP layer: route groups declaring who may call them, request parsing,
and the one mapping of domain errors to statuses. Only app.py uses it.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "routes": ("RouteGroup",),
    "errors": ("UnsupportedMediaType", "error_response", "status_of", "internal_error_response",
               "hook_error_response"),
    "http": ("json_body", "json_response", "no_content", "query", "author_of",
             "require_json_content"),
})
_SUBMODULES = ("auth",)
__all__ = [*_WHERE, *_SUBMODULES]
__getattr__ = lazy_exports(__name__, _WHERE, _SUBMODULES)
