"""Registry API: department systems deliver feeds for their catalog resources."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel

from tongban.identity.policy import Actor
from tongban.registry.model import Feed
from tongban.registry.service import deliver_feed, list_feeds
from tongban.web.deps import Db, api_actor

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])
ApiActor = Annotated[Actor, Depends(api_actor)]


class FeedOut(BaseModel):
    """A delivered feed as registered: the file kept unchanged under its SHA-256."""

    id: int
    resource_code: str
    filename: str
    sha256: str
    size_bytes: int
    format: str
    encoding: str
    columns: list[str]
    missing: list[str]
    status: str
    delivered_at: dt.datetime
    repeated: bool = False

    @classmethod
    def of(cls, feed: Feed, *, repeated: bool = False) -> FeedOut:
        return cls(id=feed.id, resource_code=feed.resource.code, filename=feed.filename, sha256=feed.sha256,
                   size_bytes=feed.size_bytes, format=feed.format, encoding=feed.encoding, columns=feed.columns,
                   missing=feed.missing, status=feed.status, delivered_at=feed.delivered_at, repeated=repeated)


@router.post("/feeds", response_model=FeedOut, status_code=201, summary="Deliver a feed")
def deliver(request: Request, db: Db, actor: ApiActor, file: Annotated[UploadFile, File()],
            resource: Annotated[str, Query(description="The catalog resource's code (or exact name)")]) -> FeedOut:
    """A CSV (UTF-8 or GB18030/GBK), .xlsx or JSON Lines file whose header names the resource's data items. The
    same file delivered again is recognised (``repeated``) and not registered twice. Problems come back as
    problem+json naming the column and rule."""
    delivery = deliver_feed(db, actor, resource, file.filename or "feed", file.file,
                            store=request.app.state.settings.feed_store)
    return FeedOut.of(delivery.feed, repeated=delivery.repeated)


@router.get("/feeds", response_model=list[FeedOut], summary="Delivered feeds")
def feeds(db: Db, actor: ApiActor) -> list[FeedOut]:
    """Newest first: a department sees its own deliveries, the operator and auditor every department's."""
    return [FeedOut.of(f) for f in list_feeds(db, actor)]
