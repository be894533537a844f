"""Identity API for department systems (bearer tokens)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from tongban.identity import service
from tongban.identity.model import ApiClient
from tongban.identity.policy import Actor
from tongban.web.deps import Db, client_actor, require_client

router = APIRouter(prefix="/api/v1", tags=["identity"])


class ClientOut(BaseModel):
    """The calling API client."""

    key_id: str
    name: str
    department_id: int
    department: str
    expires_at: dt.datetime | None


class DepartmentOut(BaseModel):
    """A department of the city."""

    id: int
    name: str
    short_name: str
    credit_code: str
    division_code: str
    parent_id: int | None


@router.get("/me", response_model=ClientOut, summary="Who am I (the calling API client)")
def me(client: Annotated[ApiClient, Depends(require_client)]) -> ClientOut:
    """The client the bearer token belongs to."""
    return ClientOut(key_id=client.key_id, name=client.name, department_id=client.department_id,
                     department=client.department.name, expires_at=client.expires_at)


@router.get("/departments", response_model=list[DepartmentOut], summary="The city's departments")
def departments(db: Db, actor: Annotated[Actor, Depends(client_actor)]) -> list[DepartmentOut]:
    """Every department with its codes, for routing requests to providers."""
    return [DepartmentOut.model_validate(d, from_attributes=True) for d in service.view_departments(db, actor)]
