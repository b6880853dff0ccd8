"""Route groups: who may call a set of routes, declared once for the set.

API Gateway enforces a group's authorizer; the group's Cognito groups are
checked again in code before the view runs, so a route wired to the wrong
authorizer still refuses the wrong caller. Domain errors raised by a view
become responses here (Chalice would turn any other exception into a bare 500).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from chalice import Chalice
from chalice.app import Authorizer, CORSConfig

from chalicelib.api import auth
from chalicelib.api.errors import error_response
from chalicelib.errors import HeraldError

View = Callable[..., Any]


class RouteGroup:
    def __init__(self, app: Chalice, *, authorizer: Authorizer | None = None,
                 groups: tuple[str, ...] = (), cors: CORSConfig | None = None) -> None:
        self.app = app
        self.authorizer = authorizer
        self.groups = groups
        self.cors = cors

    def route(self, path: str, methods: tuple[str, ...] = ("GET",),
              content_types: tuple[str, ...] = ()) -> Callable[[View], View]:
        """Register `view` at `path` for `methods`, guarded by this group's authorisation;
        `content_types` the request bodies it takes besides Chalice's default (JSON)."""
        def register(view: View) -> View:
            @functools.wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                try:
                    if self.groups:
                        auth.require(self.app.current_request, *self.groups)
                    return view(*args, **kwargs)
                except HeraldError as error:
                    response = error_response(error)
                    response.headers.update(auth.cors_headers())  # the admin UI reads errors
                    return response

            guarded.groups = self.groups  # the groups it admits (the OpenAPI test reads them)
            options: dict[str, Any] = {"methods": list(methods)}
            if self.authorizer is not None:
                options["authorizer"] = self.authorizer
            if self.cors is not None:
                options["cors"] = self.cors
            if content_types:
                options["content_types"] = ["application/json", *content_types]
            self.app.route(path, **options)(guarded)
            return view
        return register
