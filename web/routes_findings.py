"""The review queue and the item view; review decisions go through models.review."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from models import vocabulary as V
from models.audit import audit
from models.intake import stored_path
from models.tables import Document, Finding, User
from web import queries as Q
from web.auth import require
from web.deps import current_user, db, flash, render

router = APIRouter()


def _json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def paragraph_parts(record: Document, finding: Finding) -> tuple[str, str, str]:
    """(before, quote, after) of the paragraph that holds the finding's start, for highlighting."""
    for block in record.blocks or []:
        off, text = block.get("offset", 0), block.get("text", "")
        if off <= finding.start < off + len(text) + 1:
            a = finding.start - off
            b = min(len(text), finding.end - off)
            if text[a:b].strip():
                return text[:a], text[a:b], text[b:]
            break
    return "", finding.quote, ""


def rule_sentences(finding: Finding) -> tuple[list[str], list[str]]:
    """The rules that fired and the vetoes considered, in words."""
    kinds = {"keyword": "关键词", "pattern": "句式", "context": "上下文", "section": "所在章节", "veto": "否决"}
    fired = [f"规则“{h.get('rule_id')}”（{kinds.get(h.get('kind'), h.get('kind'))}）命中“{h.get('matched')}”，"
             f"权重 {float(h.get('weight') or 0):.1f}" for h in finding.hits or []]
    vetoes = [f"否决规则“{v.get('rule_id')}”已检查" + (f"（相关文字“{v.get('matched')}”）" if v.get("matched") else "")
              + "，未否决此项" for v in finding.vetoes or []]
    return fired, vetoes


@router.get("/findings")
def queue(request: Request, after: str = "", user: User = Depends(current_user), session: Session = Depends(db)):
    flt = Q.QueueFilter.from_params(request.query_params)
    rows, nxt = Q.queue_page(session, user, flt, after or None)
    return render(request, "findings.html", user=user, rows=rows, next_cursor=nxt, flt=flt,
                  count=Q.queue_count(session, user, flt), documents=Q.document_choices(session, user),
                  units=Q.units_visible(session, user), first_page=not after)


@router.post("/findings/bulk-accept")
def bulk_accept(request: Request, expected: int = Form(...), document: str = Form(""), unit: str = Form(""),
                category: str = Form(""), route: str = Form(""), review: str = Form("pending"),
                rule: str = Form(""), user: User = Depends(current_user), session: Session = Depends(db)):
    from models import review as R

    require(user, "review")
    if review != "pending":  # a reviewer's rejections and corrections are never overwritten in bulk
        raise HTTPException(400, "只能批量确认“待审核”的项。")
    flt = Q.QueueFilter(document=document, unit=unit, category=category, route=route, review=review, rule=rule)
    ids = Q.queue_ids(session, user, flt)
    if len(ids) != expected:
        raise HTTPException(409, f"筛选结果已变化（现为 {len(ids)} 项，确认时为 {expected} 项），请刷新后重新确认。")
    try:
        for fid in ids:
            R.accept(session, user.name, Q.finding_or_404(session, user, fid))
        audit(session, "finding.bulk_accepted", "finding", "", actor=user.name, count=len(ids),
              filters=flt.as_params())
        session.commit()
    except R.ReviewError as exc:
        session.rollback()
        raise HTTPException(400, str(exc)) from None
    flash(request, f"已确认 {len(ids)} 项。")
    return RedirectResponse("/findings", status_code=303)


@router.get("/findings/{finding_id}")
def item(request: Request, finding_id: int, user: User = Depends(current_user), session: Session = Depends(db)):
    f = Q.finding_or_404(session, user, finding_id)
    record = session.get(Document, f.document_id)
    if f.subject == "individual":  # need-to-know: who looked at an item naming a person
        audit(session, "finding.viewed", "finding", f.id, actor=user.name, person=f.person)
        session.commit()
    fired, vetoes = rule_sentences(f)
    before, quote, after = paragraph_parts(record, f)
    from models.review import EDITABLE, FIELD_LABELS

    has_pdf = record.file_type == "pdf" and bool(record.stored_as)
    return render(request, "finding.html", user=user, f=f, doc=record, fired=fired, vetoes=vetoes,
                  before=before, quote=quote, after=after, has_pdf=has_pdf, editable=EDITABLE,
                  labels=FIELD_LABELS)


@router.get("/findings/{finding_id}/page.png")
def page_image(request: Request, finding_id: int, user: User = Depends(current_user),
               session: Session = Depends(db)):
    from web.pdfpage import render_page

    f = Q.finding_or_404(session, user, finding_id)
    record = Q.document_or_404(session, user, f.document_id)
    path = stored_path(request.app.state.settings, record)
    if record.file_type != "pdf" or path is None or not path.is_file():
        raise Q.not_found()
    png, _marked = render_page(path, f.page, f.quote)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


def _decide(request: Request, user: User, session: Session, finding_id: int, step, done: str):
    """Run one review decision in one transaction; answer JSON to the queue's script, a redirect otherwise."""
    from models import review as R

    f = Q.finding_or_404(session, user, finding_id)  # out of scope: 404 before any role question
    require(user, "review")
    try:
        result = step(R, f)
        session.commit()
    except R.ReviewError as exc:
        session.rollback()
        if _json(request):
            return JSONResponse({"error": str(exc)}, status_code=400)
        raise HTTPException(400, str(exc)) from None
    f = result if isinstance(result, Finding) else f
    session.refresh(f)
    if _json(request):
        return JSONResponse({"id": f.id, "review_state": f.review_state,
                             "label": V.REVIEW_STATES.get(f.review_state, f.review_state), "message": done})
    flash(request, done)
    return RedirectResponse(f"/findings/{f.id}", status_code=303)


@router.post("/findings/{finding_id}/accept")
def accept(request: Request, finding_id: int, user: User = Depends(current_user), session: Session = Depends(db)):
    return _decide(request, user, session, finding_id, lambda R, f: R.accept(session, user.name, f), "已确认。")


@router.post("/findings/{finding_id}/reject")
def reject(request: Request, finding_id: int, reason: str = Form(""), user: User = Depends(current_user),
           session: Session = Depends(db)):
    return _decide(request, user, session, finding_id, lambda R, f: R.reject(session, user.name, f, reason),
                   "已驳回（不是问题）。")


@router.post("/findings/{finding_id}/undo")
def undo(request: Request, finding_id: int, user: User = Depends(current_user), session: Session = Depends(db)):
    return _decide(request, user, session, finding_id, lambda R, f: R.undo(session, user.name, f),
                   "已撤回上一步审核操作。")


@router.post("/findings/{finding_id}/correct")
async def correct(request: Request, finding_id: int, user: User = Depends(current_user),
                  session: Session = Depends(db)):
    from models.review import EDITABLE

    form = await request.form()
    changes = {k: str(form[k]) for k in EDITABLE if k in form}
    reason = str(form.get("reason", ""))
    return _decide(request, user, session, finding_id,
                   lambda R, f: R.correct(session, user.name, f, changes, reason), "已保存修改。")


@router.post("/findings/{finding_id}/split")
def split(request: Request, finding_id: int, at: int = Form(...), user: User = Depends(current_user),
          session: Session = Depends(db)):
    return _decide(request, user, session, finding_id,
                   lambda R, f: R.split(session, user.name, f, at)[0], "已拆分为两项。")
