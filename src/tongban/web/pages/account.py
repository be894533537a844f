"""The user's own account: profile, recent sign-ins, password change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from tongban.errors import InvalidInput
from tongban.i18n import gettext
from tongban.identity import service as identity
from tongban.identity.policy import Actor
from tongban.web.deps import Csrf, Db, attempt, current_actor, session_token
from tongban.web.render import form_failure, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, db: Db, actor: Actor, *, status: int = 200, **extra: object) -> HTMLResponse:
    user, logins = identity.view_account(db, actor)
    return render(request, "account.html", {"profile": user, "logins": logins, **extra}, status=status)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: Db, actor: Annotated[Actor, Depends(current_actor)]) -> HTMLResponse:
    """Profile and recent activity."""
    return _page(request, db, actor)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[Csrf])
def change_password(
    request: Request, db: Db, actor: Annotated[Actor, Depends(current_actor)],
    current_password: Annotated[str, Form(max_length=256)], new_password: Annotated[str, Form(max_length=256)],
    confirm_password: Annotated[str, Form(max_length=256)],
) -> HTMLResponse:
    """Change one's own password; other sessions end."""
    lang = request.state.lang
    if new_password != confirm_password:
        return _page(request, db, actor, status=422, error=gettext(lang, "The two new passwords differ"))
    try:
        attempt(db, identity.change_password, actor, current=current_password, new=new_password,
                keep_session=session_token(request))
    except InvalidInput as exc:
        return _page(request, db, actor, status=422, **form_failure(request, exc))
    return _page(request, db, actor, notice=gettext(lang, "Your password has been changed"))
