"""Reading a base's quality report: the one its latest published build measured (see :mod:`quality`).

Who may see it is who may see the base's state (:func:`reads.may_read`); a department's data admin or system sees
the base's figures and its own department's feeds only, the operator and auditor every feed. The report holds counts,
not personal data, so reading it is not audited (as the base overview is not).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.errors import NotFound
from tongban.identity.policy import Action, Actor, Role, Target
from tongban.identity.service import require
from tongban.registry.bases import BASES
from tongban.registry.model import Build
from tongban.registry.quality import totals


def _sees_every_department(actor: Actor) -> bool:
    return actor.kind == "system" or (actor.role is not None and actor.role is not Role.DATA_ADMIN)


def quality_report(session: Session, actor: Actor, base: str = "population") -> dict[str, Any] | None:
    """The quality report of ``base``'s latest published build, or None before the first one has one."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id), target_id=base)
    if base not in BASES:
        raise NotFound("There is no base called {base}", code="registry.unknown_base", params={"base": base})
    build = session.scalars(select(Build).where(Build.base == base, Build.status == "published")
                            .order_by(Build.id.desc()).limit(1)).first()
    if build is None or not build.quality:
        return None
    report = dict(build.quality)
    report["build"] = {"id": build.id, "finished_at": build.finished_at.isoformat() if build.finished_at else None}
    if not _sees_every_department(actor):
        feeds = [f for f in report.get("feeds", []) if f.get("department_id") == actor.department_id]
        report["feeds"] = feeds
        report["overall"] = totals(field for feed in feeds for field in feed["fields"])
    return report
