"""Doubtful-data flags (疑义) raised by a department's system about a value it received."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from tongban.exchange import disputes
from tongban.exchange.disputes import DisputeView
from tongban.identity.policy import Actor
from tongban.web.deps import Db, api_actor

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
ApiActor = Annotated[Actor, Depends(api_actor)]


class DisputeIn(BaseModel):
    """A value the calling department received that it holds to be wrong."""

    resource: str = Field(max_length=32, examples=["101001-0001"], description="The catalog resource's code.")
    subject: str = Field(max_length=32, examples=["11010519491231002X"],
                         description="The record's key: ID number, credit code or address code.")
    item: str = Field(max_length=64, examples=["household_address"], description="The data item's code.")
    returned_value: str | None = Field(default=None, max_length=500, description="The value received.")
    claimed_value: str | None = Field(default=None, max_length=500, description="The value held to be right.")
    reason: str = Field(max_length=2000, examples=["申请人出示的户口簿地址为张杨路100弄6号"])
    request_id: str | None = Field(default=None, max_length=64,
                                   description="The X-Tongban-Request-Id of the exchange call that returned the value.")


class DisputeOut(BaseModel):
    """A doubt with its clock and, once given, the provider's answer."""

    number: str = Field(examples=["YY20261127-0001"])
    status: str = Field(description="open | confirmed (the value is wrong, corrected at source) | rejected")
    resource: str
    resource_name: str
    item: str
    item_name: str
    subject: str
    returned_value: str | None
    claimed_value: str | None
    reason: str
    request_id: str | None
    consumer: str
    provider: str
    raised_at: dt.datetime
    due_on: dt.date = Field(description="The provider answers by the end of this day (China).")
    due_estimated: bool = Field(description="Counted by weekends only through a year whose holidays are not loaded.")
    overdue: bool
    answer: str | None
    answered_at: dt.datetime | None

    @classmethod
    def of(cls, view: DisputeView) -> DisputeOut:
        d = view.dispute
        return cls(number=d.number, status=d.status, resource=view.resource_code, resource_name=view.resource_name,
                   item=d.item_code, item_name=view.item_name, subject=d.subject, returned_value=d.returned_value,
                   claimed_value=d.claimed_value, reason=d.reason, request_id=d.call_request_id,
                   consumer=view.consumer, provider=view.provider, raised_at=d.raised_at, due_on=d.due_on,
                   due_estimated=d.due_estimated, overdue=view.overdue, answer=d.answer or None,
                   answered_at=d.answered_at)


@router.post("/disputes", status_code=201, summary="Flag a received value as wrong (疑义)")
def raise_dispute(body: DisputeIn, response: Response, db: Db, actor: ApiActor) -> DisputeOut:
    """The provider department's data admin must answer within the time limit (working days); poll the doubt
    with GET for the answer. Only a value the calling department received from the resource can be flagged
    (the audit log must show the call): 422 (problem+json, naming the field) otherwise."""
    dispute = disputes.raise_dispute(
        db, actor, resource_code=body.resource, subject=body.subject, item_code=body.item,
        returned_value=body.returned_value, claimed_value=body.claimed_value, reason=body.reason,
        call_request_id=body.request_id)
    response.headers["Location"] = f"/api/v1/exchange/disputes/{dispute.number}"
    return DisputeOut.of(disputes.describe(db, dispute))


@router.get("/disputes/{number}", summary="A doubt and the provider's answer")
def get_dispute(number: str, db: Db, actor: ApiActor) -> DisputeOut:
    """Readable by the department that raised it (and the provider's data admin, the operator and the auditor);
    403 for any other department, 404 for an unknown number."""
    return DisputeOut.of(disputes.get_dispute(db, actor, number))
