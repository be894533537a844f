"""The portal's front page: what Tongban is, and for a logged-in user, where to go."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tongban.identity.model import User
from tongban.web.deps import optional_user
from tongban.web.render import navigation, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> HTMLResponse:
    """Landing page; shows the role's entry points once logged in."""
    return render(request, "home.html", {"shortcuts": [n for n in navigation(user) if n.href != "/"]})
