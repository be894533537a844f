"""Registry quality API: a base's quality report on the six GB/T 36344 dimensions, as its last build measured it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from tongban.errors import NotFound
from tongban.identity.policy import Actor
from tongban.registry.quality_reads import quality_report
from tongban.web.deps import Db, api_actor

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])
ApiActor = Annotated[Actor, Depends(api_actor)]


@router.get("/quality/{base}", summary="Quality report of a base")
def quality(base: str, db: Db, actor: ApiActor) -> dict[str, Any]:
    """Per feed and for the golden records, per GB/T 36344 dimension (conformance, completeness, accuracy,
    consistency, timeliness, accessibility) and per field: values checked, passed, failed and the pass rate. A
    department's system sees its own feeds only. 404 (problem+json) before the base's first measured build."""
    report = quality_report(db, actor, base)
    if report is None:
        raise NotFound("The {base} base has no quality report yet", code="registry.no_quality_report",
                       params={"base": base})
    return report
