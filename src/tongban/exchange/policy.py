"""The rules of on-demand sharing (按需共享), pure and without I/O: how a request is decided by the resource's
sharing type, the request's state machine, what a valid request and a valid grant look like, and what the time
limit asks of a request on a given day (remind, flag overdue, escalate).

Routes, by the catalog's sharing type (national or Shanghai vocabulary, standards §3):

    无条件共享 (unconditional)           → ``unconditional``: granted at once, still recorded — unless personal items
                                          are asked for in clear, which only the provider may allow (``conditional``)
    有条件共享 / 授权共享 (conditional)   → ``conditional``: the provider answers within the time limit
    不予共享 / 非共享 (not shared)        → ``arbitration``: only the platform operator decides, on a legal basis

States: ``submitted`` → ``granted`` | ``refused`` | ``withdrawn``; nothing leaves a decided request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from tongban.catalog.vocab import PARSE
from tongban.errors import Conflict, FieldError, InvalidInput
from tongban.i18n import Msg

UNCONDITIONAL, CONDITIONAL, ARBITRATION = "unconditional", "conditional", "arbitration"
SUBMITTED, GRANTED, REFUSED, WITHDRAWN = "submitted", "granted", "refused", "withdrawn"
STATUSES = (SUBMITTED, GRANTED, REFUSED, WITHDRAWN)
TRANSITIONS: dict[str, frozenset[str]] = {SUBMITTED: frozenset({GRANTED, REFUSED, WITHDRAWN}),
                                          GRANTED: frozenset(), REFUSED: frozenset(), WITHDRAWN: frozenset()}

DEFAULT_TIME_LIMIT = 10  # working days (国发〔2016〕51号; standards §3)
DEFAULT_REMIND_DAYS_BEFORE = 2
DEFAULT_RATE_LIMIT = 600  # calls per minute per client
MAX_RATE_LIMIT = 10_000
MAX_VOLUME = 100_000_000  # calls per day
MAX_PERIOD_DAYS = 5 * 366
SCENARIO_LENGTH, TEXT_LENGTH = 200, 2000
NUMBER_PREFIX = "GX"


def sharing_kind(value: str) -> str:
    """The sharing type's code (unconditional | conditional | not_shared) from a code or a label of either
    vocabulary (有条件共享 and 授权共享 are the same thing)."""
    code = PARSE["sharing_type"].get((value or "").strip())
    if code is None:
        raise ValueError(f"unknown sharing type {value!r}")
    return code


def route_for(sharing_type: str, *, clear_personal: bool = False) -> str:
    """How a request for a resource of ``sharing_type`` is decided."""
    kind = sharing_kind(sharing_type)
    if kind == "not_shared":
        return ARBITRATION
    if kind == "conditional" or clear_personal:
        return CONDITIONAL
    return UNCONDITIONAL


# How a request's state is named in messages (English msgids, translated where they are shown).
STATUS_NAMES = {SUBMITTED: "Waiting for an answer", GRANTED: "Granted", REFUSED: "Refused", WITHDRAWN: "Withdrawn"}


def check_transition(status: str, to: str) -> None:
    """Refuse (409) a step the state machine does not allow, naming the request's state."""
    if to not in TRANSITIONS.get(status, frozenset()):
        raise Conflict("The request stands as “{status}”: it cannot become “{to}”", code="exchange.request_state",
                       params={"status": Msg(STATUS_NAMES.get(status, status)), "to": Msg(STATUS_NAMES.get(to, to))})


def request_number(day: dt.date, seq: int) -> str:
    """GX20261127-0001: the n-th request submitted that day in China."""
    return f"{NUMBER_PREFIX}{day:%Y%m%d}-{seq:04d}"


# What is asked for ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResourceFacts:
    """What the rules need of a catalog resource: its provider, sharing type and items (and which are personal)."""

    code: str
    department_id: int
    sharing_type: str
    items: tuple[str, ...]
    personal: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RequestDraft:
    """A request as typed into the form or the command line; dates and numbers may still be text."""

    scenario: str
    purpose: str
    items: Sequence[str]
    period_from: dt.date | str | None
    period_to: dt.date | str | None
    legal_basis: str = ""
    clear_items: Sequence[str] = ()
    expected_volume: int | str | None = None
    client_ids: Sequence[int] = ()


@dataclass(frozen=True)
class RequestTerms:
    """A request that passed every rule: items in the resource's order, dates parsed, text trimmed."""

    scenario: str
    purpose: str
    legal_basis: str
    items: list[str]
    clear_items: list[str]
    expected_volume: int | None
    period_from: dt.date
    period_to: dt.date
    client_ids: list[int]
    route: str


def _line(value: str | None) -> str:
    return " ".join((value or "").split())


def _day(name: str, value: dt.date | str | None, problems: list[FieldError]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    raw = (value or "").strip()
    if not raw:
        problems.append(FieldError(name, "is required", code="exchange.required"))
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(FieldError(name, "{value} is not a date (YYYY-MM-DD)", {"value": raw}, code="exchange.date"))
        return None


def _required(name: str, value: str, limit: int, problems: list[FieldError]) -> None:
    if not value:
        problems.append(FieldError(name, "is required", code="exchange.required"))
    elif len(value) > limit:
        problems.append(FieldError(name, "is at most {max} characters", {"max": limit}, code="exchange.too_long"))


def _ordered(wanted: Collection[str], known: Sequence[str]) -> list[str]:
    return [code for code in known if code in wanted]


def check_items(items: Sequence[str], clear_items: Sequence[str], of: Sequence[str], problems: list[FieldError],
                *, clear_of: Collection[str] | None = None) -> tuple[list[str], list[str]]:
    """Items: a non-empty subset of ``of``; clear items: a subset of the items (and of ``clear_of``)."""
    wanted, clear = set(items), set(clear_items)
    unknown = sorted(wanted - set(of))
    if not wanted:
        problems.append(FieldError("items", "choose at least one data item", code="exchange.items_empty"))
    elif unknown:
        problems.append(FieldError("items", "{items} not among the items offered", {"items": ", ".join(unknown)},
                                   code="exchange.items_subset"))
    outside = sorted(clear - wanted) if not unknown else []
    if outside:
        problems.append(FieldError("clear_items", "{items} must also be among the items", {"items": ", ".join(outside)},
                                   code="exchange.clear_subset"))
    elif clear_of is not None and (beyond := sorted(clear - set(clear_of))):
        problems.append(FieldError("clear_items", "{items} were not asked for in clear", {"items": ", ".join(beyond)},
                                   code="exchange.clear_subset"))
    return _ordered(wanted, of), _ordered(clear & wanted, of)


def _period(start: dt.date | None, end: dt.date | None, problems: list[FieldError], *,
            earliest: dt.date | None = None, latest: dt.date | None = None) -> None:
    if start is None or end is None:
        return
    if end < start:
        problems.append(FieldError("period_to", "must not be before the start", code="exchange.period_order"))
    elif (end - start).days > MAX_PERIOD_DAYS:
        problems.append(FieldError("period_to", "a period is at most five years", code="exchange.period_length"))
    if earliest is not None and start < earliest:
        problems.append(FieldError("period_from", "must not be before {day}", {"day": earliest.isoformat()},
                                   code="exchange.period_start"))
    if latest is not None and end > latest:
        problems.append(FieldError("period_to", "must not be after {day}", {"day": latest.isoformat()},
                                   code="exchange.period_end"))


def _count(name: str, value: int | str | None, low: int, high: int, problems: list[FieldError]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        problems.append(FieldError(name, "is a whole number from {min} to {max}", {"min": low, "max": high},
                                   code="exchange.number"))
        return None
    return number


def check_request(draft: RequestDraft, resource: ResourceFacts, *, today: dt.date) -> tuple[RequestTerms | None,
                                                                                              list[FieldError]]:
    """The request's terms, or every problem with it (field, rule): a scenario and a purpose, a legal basis for a
    restricted resource, items a non-empty subset of the resource's, clear items a subset of those, a valid period
    from today on, a sensible volume, at least one API client."""
    problems: list[FieldError] = []
    scenario, purpose, basis = _line(draft.scenario), (draft.purpose or "").strip(), (draft.legal_basis or "").strip()
    _required("scenario", scenario, SCENARIO_LENGTH, problems)
    _required("purpose", purpose, TEXT_LENGTH, problems)
    kind = sharing_kind(resource.sharing_type)
    if kind != "unconditional":
        _required("legal_basis", basis, TEXT_LENGTH, problems)
    elif len(basis) > TEXT_LENGTH:
        _required("legal_basis", basis, TEXT_LENGTH, problems)
    items, clear = check_items(draft.items, draft.clear_items, resource.items, problems)
    start, end = _day("period_from", draft.period_from, problems), _day("period_to", draft.period_to, problems)
    _period(start, end, problems, earliest=today)
    volume = _count("expected_volume", draft.expected_volume, 0, MAX_VOLUME, problems)
    clients = list(dict.fromkeys(draft.client_ids))
    if not clients:
        problems.append(FieldError("client_ids", "name at least one API client of your department",
                                   code="exchange.clients_empty"))
    if problems:
        return None, problems
    assert start is not None and end is not None
    route = route_for(kind, clear_personal=bool(set(clear) & resource.personal))
    return RequestTerms(scenario, purpose, basis, items, clear, volume, start, end, clients, route), []


# What is granted ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GrantDraft:
    """The provider's (or the operator's) narrowing of a request when granting it; None keeps what was asked."""

    items: Sequence[str] | None = None
    clear_items: Sequence[str] | None = None
    period_from: dt.date | str | None = None
    period_to: dt.date | str | None = None
    rate_limit: int | str | None = None


@dataclass(frozen=True)
class GrantTerms:
    """What a grant will say."""

    items: list[str]
    clear_items: list[str]
    valid_from: dt.date
    valid_to: dt.date
    rate_limit: int


@dataclass(frozen=True)
class Asked:
    """What the request asked for, as the grant check needs it."""

    items: Sequence[str]
    clear_items: Sequence[str]
    period_from: dt.date
    period_to: dt.date


def check_grant(asked: Asked, offered: GrantDraft) -> GrantTerms:
    """The grant's terms: items a non-empty subset of those asked, clear items a subset of those asked in clear
    and of the items granted, a period inside the one asked, a rate limit from 1 to the maximum — or every problem."""
    problems: list[FieldError] = []
    items = list(asked.items) if offered.items is None else list(offered.items)
    clear = [c for c in asked.clear_items if c in items] if offered.clear_items is None else list(offered.clear_items)
    items, clear = check_items(items, clear, list(asked.items), problems, clear_of=asked.clear_items)
    start = asked.period_from if offered.period_from in (None, "") else _day("period_from", offered.period_from,
                                                                             problems)
    end = asked.period_to if offered.period_to in (None, "") else _day("period_to", offered.period_to, problems)
    _period(start, end, problems, earliest=asked.period_from, latest=asked.period_to)
    rate = _count("rate_limit", offered.rate_limit, 1, MAX_RATE_LIMIT, problems)
    if problems:
        raise InvalidInput("The grant cannot be made: {count} problem(s)", code="exchange.invalid_grant",
                           params={"count": len(problems)}, errors=problems)
    assert start is not None and end is not None
    return GrantTerms(items, clear, start, end, DEFAULT_RATE_LIMIT if rate is None else rate)


def check_reason(reason: str, *, name: str = "reason", code: str = "exchange.reason_required") -> str:
    """A refusal's reason, a revocation's reason, an arbitration's legal basis: required, at most 2,000 characters."""
    text = (reason or "").strip()
    problems: list[FieldError] = []
    _required(name, text, TEXT_LENGTH, problems)
    errors = [FieldError(p.field, p.message, p.params, code=code) for p in problems]
    if errors and name == "legal_basis":
        raise InvalidInput("Give the legal basis of the decision", code=code, errors=errors)
    if errors:
        raise InvalidInput("Give the reason", code=code, errors=errors)
    return text


# The time limit --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    """Where a pending conditional request stands on a day: working days left (0: due today) and whether the day
    is past its due date; the flags already set on it."""

    days_left: int
    past_due: bool
    reminded: bool = False
    overdue: bool = False
    escalated: bool = False


@dataclass(frozen=True)
class Steps:
    """What a sweep does to one request, in this order."""

    remind: bool = False
    overdue: bool = False
    escalate: bool = False
    names: tuple[str, ...] = field(default=())


def steps_due(clock: Clock, *, remind_days_before: int) -> Steps:
    """Remind once when at most ``remind_days_before`` working days are left (not when already past due); flag a
    request overdue the day after its due date and escalate it to the operator at the same time — each once."""
    remind = not clock.reminded and not clock.past_due and 0 <= clock.days_left <= remind_days_before
    overdue = clock.past_due and not clock.overdue
    escalate = clock.past_due and not clock.escalated
    names = tuple(name for name, on in (("remind", remind), ("overdue", overdue), ("escalate", escalate)) if on)
    return Steps(remind, overdue, escalate, names)


@dataclass
class SweepReport:
    """What one sweep did, by request number."""

    reminded: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    redated: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.reminded or self.overdue or self.escalated or self.redated)
