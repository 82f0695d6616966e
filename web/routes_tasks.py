"""The ledger page (整改台账): tasks by deadline, and their lifecycle steps with the logged-in user as actor."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from models import ledger
from models import vocabulary as V
from models.tables import User
from web import queries as Q
from web.auth import require
from web.deps import current_user, db, flash, render

router = APIRouter()

# action → (permission, what it does, success sentence)
ACTIONS = {
    "start": ("task_work", lambda s, t, u, f: ledger.start(s, t, u), "已开始办理。"),
    "submit": ("task_work", lambda s, t, u, f: ledger.submit(s, t, u, f.get("measure", "")), "已申请销号。"),
    "approve": ("task_approve", lambda s, t, u, f: ledger.approve(s, t, u), "已销号。"),
    "send-back": ("task_decide", lambda s, t, u, f: ledger.send_back(s, t, u, f.get("reason", "")), "已退回。"),
    "extend": ("task_decide", lambda s, t, u, f: ledger.extend(s, t, u, _date(f.get("until", "")),
                                                                 f.get("reason", "")), "已延期。"),
    "withdraw": ("task_decide", lambda s, t, u, f: ledger.withdraw(s, t, u, f.get("reason", "")), "已撤销。"),
}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ledger.LedgerError("日期格式应为 YYYY-MM-DD，例如 2026-12-31。") from None


@router.get("/tasks")
def tasks_page(request: Request, status: str = "", user: User = Depends(current_user),
               session: Session = Depends(db)):
    status = status if status in V.TASK_STATUSES else ""
    return render(request, "tasks.html", user=user, rows=Q.tasks(session, user, status), status=status,
                  today=date.today(), allowed_next=ledger.ALLOWED)


@router.post("/tasks/{task_id}/{action}")
def task_action(request: Request, task_id: int, action: str, measure: str = Form(""), reason: str = Form(""),
                until: str = Form(""), user: User = Depends(current_user), session: Session = Depends(db)):
    if action not in ACTIONS:
        raise HTTPException(404)
    permission, step, done = ACTIONS[action]
    task = Q.task_or_404(session, user, task_id)
    require(user, permission)
    try:
        step(session, task, user.name, {"measure": measure, "reason": reason, "until": until})
        session.commit()
    except ledger.LedgerError as exc:
        session.rollback()
        raise HTTPException(409, str(exc)) from None
    flash(request, f"任务 {task_id}：{done}")
    return RedirectResponse(f"/tasks#task-{task_id}", status_code=303)
