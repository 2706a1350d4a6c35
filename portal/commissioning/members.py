"""Changing memberships of a call-off list: suspend, reinstate, remove. Each checks, changes, audits, flushes.

Kept apart from services.py (systems and rounds) so the two can grow without treading on each other.
Suspension with an end date: the date is the suspension's last day; from the next day the member counts
as active again without anyone acting (Membership.effective_status), so the public list is right that
morning. A commissioner who wants to look again before the provider returns leaves the end date empty
and reinstates by hand.
"""
from datetime import date

from sqlalchemy import select

from portal.audit.services import record_event
from portal.clock import format_date
from portal.core import DomainError, NotAllowed
from portal.extensions import db

from .models import (
    REINSTATEMENT_CATEGORIES,
    REMOVAL_CATEGORIES,
    SUSPENSION_CATEGORIES,
    ChangeCategory,
    Membership,
    MembershipChange,
    MembershipStatus,
    ZoneAdmission,
    today,
)


def _require_manager(membership: Membership, actor) -> None:
    if not membership.can_manage(actor):
        raise NotAllowed("Only a commissioner of the council that owns this system can change its members.")


def _check_reason(category: ChangeCategory, allowed: tuple, reason: str, move: str) -> str:
    if category not in allowed:
        raise DomainError(f"Select why you are {move} this provider.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"Enter the reason for {move} this provider.")
    return reason


def _record_change(membership: Membership, actor, action: str, *, from_status, to_status, category, reason,
                   suspended_until=None) -> MembershipChange:
    change = MembershipChange(membership=membership, from_status=from_status, status=to_status, category=category,
                              reason=reason, suspended_until=suspended_until, changed_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    record_event(actor, action, membership, authority_id=membership.system.authority_id,
                 before={"status": from_status},
                 after={"status": to_status, "category": category, "reason": reason,
                        "suspended_until": suspended_until, "provider": membership.organisation.legal_name,
                        "lot": membership.lot.number})
    return change


def suspend_membership(membership: Membership, actor, *, category: ChangeCategory, reason: str,
                       until: date | None = None) -> MembershipChange:
    """Take an active member off the list for now; with `until`, it returns on the day after."""
    _require_manager(membership, actor)
    current = membership.effective_status()
    if current is MembershipStatus.suspended:
        ends = f" until {format_date(membership.suspended_until)}" if membership.suspended_until else ""
        raise DomainError(f"{membership.organisation.legal_name} is already suspended{ends}. "
                          "Reinstate it first if the suspension should change.")
    if current is MembershipStatus.removed:
        raise DomainError(f"{membership.organisation.legal_name} has been removed from the list, so it cannot be "
                          "suspended. A removed provider can apply again in a new round.")
    reason = _check_reason(category, SUSPENSION_CATEGORIES, reason, "suspending")
    if until is not None and until < today():
        raise DomainError("The last day of the suspension must be today or in the future.")
    membership.status = MembershipStatus.suspended
    membership.suspended_until = until
    return _record_change(membership, actor, "membership.suspended", from_status=current,
                          to_status=MembershipStatus.suspended,
                          category=category, reason=reason, suspended_until=until)


def reinstate_membership(membership: Membership, actor, *, category: ChangeCategory, reason: str) -> MembershipChange:
    """Put a suspended member back on the list."""
    _require_manager(membership, actor)
    current = membership.effective_status()
    if current is MembershipStatus.active:
        lapsed = membership.status is MembershipStatus.suspended
        raise DomainError(f"{membership.organisation.legal_name} is active" +
                          (f": its suspension ended on {format_date(membership.suspended_until)}" if lapsed else "") +
                          ", so there is nothing to reinstate.")
    if current is MembershipStatus.removed:
        raise DomainError(f"{membership.organisation.legal_name} has been removed from the list and cannot be "
                          "reinstated. It can apply again in a new round.")
    reason = _check_reason(category, REINSTATEMENT_CATEGORIES, reason, "reinstating")
    membership.status = MembershipStatus.active
    membership.suspended_until = None
    return _record_change(membership, actor, "membership.reinstated", from_status=current,
                          to_status=MembershipStatus.active,
                          category=category, reason=reason)


def remove_membership(membership: Membership, actor, *, category: ChangeCategory, reason: str) -> MembershipChange:
    """Take a member off the list for good (it keeps its history; it may apply again in a later round)."""
    _require_manager(membership, actor)
    current = membership.effective_status()
    if current is MembershipStatus.removed:
        raise DomainError(f"{membership.organisation.legal_name} has already been removed from the list.")
    reason = _check_reason(category, REMOVAL_CATEGORIES, reason, "removing")
    membership.status = MembershipStatus.removed
    membership.suspended_until = None
    return _record_change(membership, actor, "membership.removed", from_status=current,
                          to_status=MembershipStatus.removed,
                          category=category, reason=reason)


def record_zone_admissions(memberships: list[Membership]) -> None:
    """Note each provider's first admission to each zone of these memberships (flushed, with their zones).

    A zone the provider never served in the system gets a row; an admission earlier than the recorded one
    moves the day back; a later one (a provider admitted again) leaves it. One query, whatever the number.
    """
    wanted: dict[tuple[int, int, int], date] = {}
    for membership in memberships:
        for membership_zone in membership.zones:
            key = (membership.system_id, membership_zone.zone_id, membership.organisation_id)
            wanted[key] = min(wanted.get(key, membership.admitted_on), membership.admitted_on)
    if not wanted:
        return
    existing = {
        (row.system_id, row.zone_id, row.organisation_id): row
        for row in db.session.scalars(select(ZoneAdmission).where(
            ZoneAdmission.system_id.in_({key[0] for key in wanted}),
            ZoneAdmission.organisation_id.in_({key[2] for key in wanted})))
    }
    for (system_id, zone_id, organisation_id), day in wanted.items():
        row = existing.get((system_id, zone_id, organisation_id))
        if row is None:
            db.session.add(ZoneAdmission(system_id=system_id, zone_id=zone_id, organisation_id=organisation_id,
                                         first_admitted_on=day))
        elif day < row.first_admitted_on:
            row.first_admitted_on = day
    db.session.flush()

