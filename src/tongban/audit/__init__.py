"""The tamper-evident audit log every context writes to."""

from tongban.audit.service import (
    ActorRef,
    AuditEvent,
    bind_request,
    current_request_id,
    record,
    record_event,
    unbind_request,
)

__all__ = ["ActorRef", "AuditEvent", "bind_request", "current_request_id", "record", "record_event", "unbind_request"]
