"""Documents: the list, the text view (where a missed finding is added by selecting text), the original file."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlmodel import Session

from models.intake import stored_path
from models.tables import User
from web import queries as Q
from web.auth import require
from web.deps import current_user, db, flash, render

router = APIRouter()
MEDIA = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "ole": "application/msword"}


@router.get("/documents")
def documents_page(request: Request, user: User = Depends(current_user), session: Session = Depends(db)):
    return render(request, "documents.html", user=user, docs=Q.documents(session, user))


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: int, user: User = Depends(current_user),
                  session: Session = Depends(db)):
    record = Q.document_or_404(session, user, document_id)
    from models.review import EDITABLE, FIELD_LABELS

    blocks, pos = [], 0
    for b in record.blocks or []:  # offsets as models.review counts them: block texts joined with "\n"
        blocks.append({"offset": pos, "text": b.get("text", ""), "kind": b.get("kind", "paragraph")})
        pos += len(b.get("text", "")) + 1
    return render(request, "document.html", user=user, doc=record, blocks=blocks,
                  findings=Q.document_findings(session, user, document_id), editable=EDITABLE, labels=FIELD_LABELS)


@router.get("/documents/{document_id}/original")
def original(request: Request, document_id: int, user: User = Depends(current_user), session: Session = Depends(db)):
    record = Q.document_or_404(session, user, document_id)
    path = stored_path(request.app.state.settings, record)
    if path is None or not path.is_file():
        raise HTTPException(404, "原始文件不在存储中（可能已被隔离或迁移），请联系管理员。")
    name = record.name.replace("\\", "_").replace("/", "_") or f"document-{record.id}"
    return FileResponse(path, media_type=MEDIA.get(record.file_type, "application/octet-stream"),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                                 "Cache-Control": "private, no-store"})


@router.post("/documents/{document_id}/missed")
async def add_missed(request: Request, document_id: int, start: int = Form(...), end: int = Form(...),
                     user: User = Depends(current_user), session: Session = Depends(db)):
    from models import review as R

    record = Q.document_or_404(session, user, document_id)
    require(user, "review")
    form = await request.form()
    changes = {k: str(form[k]) for k in R.EDITABLE if str(form.get(k, "")).strip()}
    try:
        f = R.add_missed(session, user.name, record, start, end, changes)
        session.commit()
    except R.ReviewError as exc:
        session.rollback()
        raise HTTPException(400, str(exc)) from None
    flash(request, "已添加遗漏的问题。")
    return RedirectResponse(f"/findings/{f.id}", status_code=303)
