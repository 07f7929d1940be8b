"""Server-rendered pages (Jinja2), htmx for the forms so that a change needs no full reload."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from callpact.governance.contract.service import list_contracts
from callpact.governance.dispute import service as disputes
from callpact.governance.organization.permissions import Action
from callpact.governance.statement import service as statements_service
from callpact.governance.statement.rules import STEPS, Step, invoice_effect
from callpact.governance.statement.service import newest_documents, stored_months
from callpact.web import identity
from callpact.web.deps import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    Contract,
    ContractAccess,
    CurrentActor,
    DbSession,
    Now,
    now_of,
    settings_of,
)
from callpact.web.problems import TITLES, Problem
from callpact.web.rules import PUBLIC, SIGNED_IN, on_contract, rule
from callpact.web.tables import BOARDS, csv_response, flatten

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("callpact.web", "templates"),
        autoescape=select_autoescape(["html", "jinja"]),
    )
)
templates.env.globals.update(csrf_cookie=CSRF_COOKIE, csrf_header=CSRF_HEADER)


def sparkline(values: list[Decimal | None], width: int = 120, height: int = 28) -> str:
    """The points of an SVG polyline through the months' values (gaps skipped)."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or Decimal(1)
    step = Decimal(width) / (len(values) - 1)
    points = []
    for i, value in enumerate(values):
        if value is not None:
            y = Decimal(height) - (value - low) / span * Decimal(height - 4) - 2
            points.append(f"{float(step * i):.1f},{float(y):.1f}")
    return " ".join(points)


def _decimal(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text)) if text is not None else None
    except InvalidOperation:
        return None


def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("actor", getattr(request.state, "actor", None))
    return templates.TemplateResponse(request, name, context, status_code=code)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(
        request,
        "error.jinja",
        status,
        status=status,
        title=TITLES.get(status, "Error"),
        detail=detail,
    )


def _redirect(request: Request, url: str) -> Response:
    """After a change: htmx follows ``HX-Redirect``; a plain form follows the 303."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@router.get("/login")
@rule(PUBLIC)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.jinja")


@router.post("/login")
@rule(PUBLIC)
def login(
    request: Request,
    session: DbSession,
    now: Now,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    address = request.client.host if request.client else None
    try:
        actor = identity.authenticate(session, email, password, now=now, address=address)
    except identity.AuthenticationFailed as error:
        session.commit()  # the refused attempt stays in the audit log
        return render(request, "login.jinja", 401, error=str(error), email=email)
    issued = identity.issue_token(session, actor, purpose="session", now=now)
    response = _redirect(request, "/")
    response.set_cookie(
        SESSION_COOKIE,
        issued.plaintext,
        max_age=settings_of(request).session_ttl_hours * 3600,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
@rule(SIGNED_IN)
def logout(request: Request, actor: CurrentActor, session: DbSession, now: Now) -> Response:
    identity.revoke_token(session, request.cookies.get(SESSION_COOKIE, ""), now=now)
    identity.log_event(
        session,
        who=actor.email,
        subject=actor.email,
        kind="authentication",
        action="logout",
        now=now,
    )
    response = _redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/")
@rule(SIGNED_IN)
def home(request: Request, actor: CurrentActor, session: DbSession) -> HTMLResponse:
    rows = []
    for contract in list_contracts(session, actor):
        months = stored_months(session, actor, contract.contract_id)
        rows.append({"contract": contract, "months": months})
    return render(request, "home.jinja", contracts=rows)


def _statement(
    session: Session, access: Any, month: str | None
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return _pick(newest_documents(session, access.actor, access.contract_id), access, month)


def _pick(
    found: dict[str, dict[str, Any]], access: Any, month: str | None
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The month asked for (the newest without one) among the stored statements."""
    if not found:
        raise Problem(404, f"no statement has been settled for {access.contract_id} yet", "month")
    month = month or list(found)[-1]
    if month not in found:
        raise Problem(404, f"no settled statement for {month} on {access.contract_id}", "month")
    return month, found[month], found


def _tiles(document: dict[str, Any], found: dict[str, Any]) -> list[dict[str, Any]]:
    months = [m for m in found if m <= document["period"]][-12:]
    tiles = []
    for kpi in document["kpis"]:
        series = [
            _decimal((found[m]["results"]["kpis"].get(kpi["kpi_id"]) or {}).get("value"))
            for m in months
        ]
        tiles.append({**kpi, "sparkline": sparkline(series), "months": len(months)})
    return tiles


@router.get("/contracts/{contract_id}")
@rule(on_contract(Action.READ))
def month_at_a_glance(
    request: Request, access: Contract, session: DbSession, month: str | None = None
) -> HTMLResponse:
    stored = newest_documents(session, access.actor, access.contract_id)
    if month is None and not stored:
        return render(request, "month.jinja", contract=access.contract, statement=None)
    month, document, found = _pick(stored, access, month)
    suspended = sum(
        (Decimal(line["amount"]) for line in document["lines"] if line["kind"] == "suspended"),
        Decimal(0),
    )
    return render(
        request,
        "month.jinja",
        contract=access.contract,
        month=month,
        months=list(found),
        statement=document,
        tiles=_tiles(document, found),
        suspended=suspended,
    )


@router.get("/contracts/{contract_id}/statements/{month}")
@rule(on_contract(Action.READ))
def statement_page(
    request: Request, access: Contract, session: DbSession, month: str
) -> HTMLResponse:
    month, document, _found = _statement(session, access, month)
    lines = [
        {**line, "effect": invoice_effect(line["kind"], Decimal(line["amount"]))}
        for line in document["lines"]
    ]
    total = sum((line["effect"] for line in lines if line["effect"] is not None), Decimal(0))
    threads = disputes.list_disputes(session, access.actor, access.contract_id, month)
    record = statements_service.get_statement(session, access.actor, access.contract_id, month)
    return render(
        request,
        "statement.jinja",
        record=record,
        steps=[step.value for step in Step],
        contract=access.contract,
        month=month,
        statement=document,
        lines=lines,
        total=total,
        disputes=threads,
        opposite_open=[d for d in threads if d.status == "open"],
    )


@router.get("/contracts/{contract_id}/statements/{month}/statement.pdf")
@rule(on_contract(Action.READ))
def statement_pdf(request: Request, access: Contract, session: DbSession, month: str) -> Response:
    from callpact.reports.record import StatementRecordInfo, Transition
    from callpact.reports.statement import render_pdf

    month, document, _found = _statement(session, access, month)
    view = statements_service.get_statement(session, access.actor, access.contract_id, month)
    record = StatementRecordInfo(
        number=view.number,
        version=view.version,
        state=view.state,
        issued_at=next((t.at for t in view.transitions if t.to_state == "issued"), None),
        supersedes=view.supersedes,
        transitions=tuple(Transition(t.to_state, t.actor, t.at) for t in view.transitions),
    )
    return Response(
        render_pdf(document, record),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{access.contract_id}-{month}.pdf"'},
    )


@router.get("/contracts/{contract_id}/statements/{month}/lines.csv")
@rule(on_contract(Action.READ))
def statement_lines_csv(
    request: Request, access: Contract, session: DbSession, month: str
) -> Response:
    month, document, _found = _statement(session, access, month)
    columns = ["line_id", "kind", "kpi_id", "incident_id", "origin", "amount", "reason"]
    rows = [{c: line.get(c) for c in columns} for line in document["lines"]]
    return csv_response(rows, f"{access.contract_id}-{month}-lines.csv")


def _board(
    request: Request, access: ContractAccess, session: Session, board: str
) -> tuple[str, list[dict[str, Any]]]:
    if board not in BOARDS:
        raise Problem(404, f"no board {board!r}; boards: {', '.join(BOARDS)}", "board")
    title, lister = BOARDS[board]
    views = lister(session, access.actor, access.contract_id, now_of(request))
    return title, [flatten(v) for v in views]


@router.get("/contracts/{contract_id}/governance")
@rule(on_contract(Action.READ))
def governance_boards(request: Request, access: Contract, session: DbSession) -> HTMLResponse:
    boards = []
    for board in BOARDS:
        title, rows = _board(request, access, session, board)
        columns = list(dict.fromkeys(k for row in rows for k in row))
        boards.append({"name": board, "title": title, "rows": rows, "columns": columns})
    return render(request, "governance.jinja", contract=access.contract, boards=boards)


@router.get("/contracts/{contract_id}/governance/{board}.csv")
@rule(on_contract(Action.READ))
def governance_board_csv(
    request: Request, access: Contract, session: DbSession, board: str
) -> Response:
    _title, rows = _board(request, access, session, board)
    return csv_response(rows, f"{access.contract_id}-{board}.csv")


def _step_page(step: Step) -> None:
    """A lifecycle step from the statement page's form; one route per step and permission."""

    @router.post(f"/contracts/{{contract_id}}/statements/{{statement}}/{step.value}")
    @rule(on_contract(STEPS[step].action))
    def take(
        *,
        request: Request,
        access: Contract,
        session: DbSession,
        now: Now,
        statement: str,
        note: Annotated[str, Form()] = "",
    ) -> Response:
        view = statements_service.take_step(
            session, access.actor, access.contract_id, statement, step, now=now, note=note
        )
        return _redirect(request, f"/contracts/{access.contract_id}/statements/{view.period}")

    take.__name__ = f"statement_{step.value}_page"


for _step in Step:
    _step_page(_step)


@router.post("/contracts/{contract_id}/disputes")
@rule(on_contract(Action.OPEN_DISPUTE))
def dispute_open(
    *,
    request: Request,
    access: Contract,
    session: DbSession,
    now: Now,
    month: Annotated[str, Form()],
    line_id: Annotated[str, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    disputes.open_dispute(
        session,
        access.actor,
        access.contract_id,
        statement=month,
        line_id=line_id,
        reason=reason,
        now=now,
    )
    return _redirect(request, f"/contracts/{access.contract_id}/statements/{month}")


@router.post("/contracts/{contract_id}/disputes/{dispute_id}/resolution")
@rule(on_contract(Action.RESOLVE_DISPUTE))
def dispute_resolve(
    *,
    request: Request,
    access: Contract,
    session: DbSession,
    now: Now,
    dispute_id: int,
    resolution: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    amount_adjustment: Annotated[str, Form()] = "",
) -> Response:
    amount = None
    if amount_adjustment.strip():
        amount = _decimal(amount_adjustment.strip())
        if amount is None:
            raise Problem(422, f"not an amount: {amount_adjustment!r}", "amount_adjustment")
    row = disputes.resolve_dispute(
        session,
        access.actor,
        access.contract_id,
        dispute_id,
        resolution=resolution,
        note=note,
        amount_adjustment=amount,
        now=now,
    )
    return _redirect(request, f"/contracts/{access.contract_id}/statements/{row.month}")
