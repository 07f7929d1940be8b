"""The application factory: routes, the one error shape, CSRF and security headers."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send
from starlette_csrf.middleware import CSRFMiddleware

from callpact.governance.database import make_engine, session_factory
from callpact.governance.errors import GovernanceError, NotFound, PermissionDenied
from callpact.web import api, pages
from callpact.web.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, log_refusal
from callpact.web.identity import AuthenticationFailed, LoginThrottled
from callpact.web.problems import (
    Problem,
    on_http,
    on_unexpected,
    on_validation,
    problem_response,
)
from callpact.web.settings import Settings

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "cache-control": "no-store",
}


class Csrf(CSRFMiddleware):
    """Double-submit CSRF on every state change made with a browser's session, and on the
    sign-in form. A request without the session cookie carries no ambient credential another
    site could borrow (a bearer token is never sent by the browser on its own), so it passes
    here and is answered 401 or served on its token."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            if SESSION_COOKIE not in request.cookies and request.url.path != "/login":
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _get_error_response(self, request: Request) -> Response:
        return problem_response(403, "the CSRF token is missing or wrong: reload the page")


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _status_of(error: GovernanceError) -> tuple[int, str | None]:
    if isinstance(error, AuthenticationFailed):
        return 401, None
    if isinstance(error, LoginThrottled):
        return 429, None
    if isinstance(error, PermissionDenied):
        return 403, None
    if isinstance(error, NotFound):
        return 404, None
    return 422, getattr(error, "field", None)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="callpact",
        summary="The shared portal of an outsourced contact-center contract",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return answer(request, exc.status, exc.detail, exc.field, refused=exc.refused)

    async def on_governance(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GovernanceError)
        status, field = _status_of(exc)
        refused = isinstance(exc, PermissionDenied)
        return answer(request, status, str(exc), field, refused=refused)

    def answer(
        request: Request, status: int, detail: str, field: str | None, *, refused: bool
    ) -> Response:
        if refused:
            log_refusal(request, status)
        if _wants_page(request):
            if status == 401:
                return RedirectResponse("/login", status_code=303)
            return pages.error_page(request, status, detail)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return problem_response(status, detail, field, headers)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        if _wants_page(request) and isinstance(exc, StarletteHTTPException):
            return pages.error_page(request, exc.status_code, str(exc.detail))
        return await on_http(request, exc)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(GovernanceError, on_governance)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_unexpected)

    app.include_router(api.router)
    app.include_router(pages.router)
    static = resources.files("callpact.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.add_middleware(
        Csrf,
        secret=settings.secret,
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=True,
        cookie_samesite="strict",
        cookie_path="/",
    )
    return app
