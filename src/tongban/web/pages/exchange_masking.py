"""The operator's masking rules: how each personal item leaves the platform when a grant does not say clear."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tongban.errors import TongbanError
from tongban.exchange import masking
from tongban.exchange.masking_rules import list_rules, set_rule
from tongban.i18n import gettext
from tongban.identity.policy import Actor
from tongban.web.api.exchange import forget_masking_rules
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.render import form_failure, render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]

EXAMPLES = {"id_number": "310115199001011234", "phone": "13812345678", "name": "张三明",
            "address": "上海市浦东新区张杨路100弄5号", "date": "1990-01-01", "hide": "…"}


def _page(request: Request, db: Session, actor: Actor, *, status: int = 200, **context: Any) -> HTMLResponse:
    rules = list_rules(db, actor)
    examples = {rule: masking.apply(rule, EXAMPLES[rule]) for rule in masking.RULES}
    return render(request, "exchange_masking.html", {
        "items": rules, "rules": masking.RULES, "examples": EXAMPLES, "masked": examples, **context}, status=status)


@router.get("/exchange/masking", response_class=HTMLResponse)
def masking_page(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """The catalog's personal data items with their masking rules (operator)."""
    return _page(request, db, actor)


@router.post("/exchange/masking", response_class=HTMLResponse, dependencies=[Csrf])
def change_rule(request: Request, db: Db, actor: ActorDep, item: Annotated[str, Form(max_length=64)],
                rule: Annotated[str, Form(max_length=16)]) -> HTMLResponse:
    """Change one item's rule; audited, and in force in this server at once (others within seconds)."""
    try:
        saved = attempt(db, set_rule, actor, item, rule)
    except TongbanError as exc:
        return _page(request, db, actor, status=exc.status, **form_failure(request, exc))
    forget_masking_rules(request.app)
    notice = gettext(request.state.lang, "{item} now leaves by the rule {rule}", item=saved.item_code,
                     rule=saved.rule)
    return _page(request, db, actor, notice=notice)
