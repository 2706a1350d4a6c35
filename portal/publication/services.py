"""Reading the published call-off lists: the one place the page and the CSV download ask the database.

Nothing here changes anything; publishing happens in commissioning.services.publish_round.
"""
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from operator import itemgetter

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.documents.csv_download import FORMULA_STARTS, csv_safe  # noqa: F401 (kept importable from here)
from portal.commissioning.models import (
    Authority,
    Lot,
    Membership,
    MembershipChange,
    MembershipStatus,
    MembershipZone,
    ParticipatingAuthority,
    PurchasingSystem,
    Zone,
    today,
)
from portal.clock import london
from portal.extensions import db
from portal.onboarding.models import Organisation


def published_systems() -> list[tuple[PurchasingSystem, int]]:
    """Every system that has ever admitted a member, with its number of active members (counted in SQL).

    A system whose members have all been removed keeps its page: the list was published and people
    may have bookmarked it; the page then says nobody is on it.
    """
    active_count = (
        select(func.count(Membership.id))
        .where(Membership.system_id == PurchasingSystem.id, Membership.status_is(MembershipStatus.active, today()))
        .correlate(PurchasingSystem)
        .scalar_subquery()
    )
    stmt = (
        select(PurchasingSystem, active_count)
        .join(PurchasingSystem.authority)
        .where(exists().where(Membership.system_id == PurchasingSystem.id))
        .options(contains_eager(PurchasingSystem.authority))
        .order_by(Authority.name, PurchasingSystem.title, PurchasingSystem.id)
    )
    return [(system, count) for system, count in db.session.execute(stmt)]


def system_by_slug(slug: str) -> PurchasingSystem | None:
    """The system with this slug, with its owner, lots and zones loaded.

    Any system answers, not only those listed by published_systems: a system's title and owner are public
    (it is advertised before anyone applies), and its page then says nobody is on the list yet.
    """
    return db.session.scalar(
        select(PurchasingSystem)
        .where(PurchasingSystem.slug == slug)
        .options(
            joinedload(PurchasingSystem.authority),
            selectinload(PurchasingSystem.lots),
            selectinload(PurchasingSystem.zones),
            selectinload(PurchasingSystem.participants).joinedload(ParticipatingAuthority.authority),
        )
    )


def _member_conditions(system: PurchasingSystem, lot_id: int | None,
                       status: MembershipStatus | None = MembershipStatus.active) -> list:
    """Members of system (of one lot) with status today; status None: every member whatever its status."""
    conditions = [Membership.system_id == system.id]
    if status is not None:
        conditions.append(Membership.status_is(status, today()))
    if lot_id is not None:
        conditions.append(Membership.lot_id == lot_id)
    return conditions


def _member_order() -> tuple:
    """Lot number, then provider name (ignoring case), then a tie-break so pages never overlap."""
    return Lot.number, func.lower(Organisation.legal_name), Membership.id


def latest_changes(system_id: int):
    """A subquery: each membership of a system with its newest MembershipChange id (what put it in its
    present status)."""
    return (select(MembershipChange.membership_id, func.max(MembershipChange.id).label("change_id"))
            .join(Membership, Membership.id == MembershipChange.membership_id)
            .where(Membership.system_id == system_id)
            .group_by(MembershipChange.membership_id).subquery())


def latest_change_of(memberships) -> dict[int, MembershipChange]:
    """The newest change of each membership (what put it in its present status), in one query."""
    ids = [m.id for m in memberships]
    if not ids:
        return {}
    latest = (select(MembershipChange.membership_id, func.max(MembershipChange.id).label("change_id"))
              .where(MembershipChange.membership_id.in_(ids)).group_by(MembershipChange.membership_id).subquery())
    changes = db.session.scalars(
        select(MembershipChange).join(latest, latest.c.change_id == MembershipChange.id)
        .where(latest.c.membership_id.in_(ids))
    )
    return {change.membership_id: change for change in changes}


def member_rows(system: PurchasingSystem, lot_id: int | None = None, zone_id: int | None = None,
                status: MembershipStatus = MembershipStatus.active) -> Select:
    """The memberships of system with status today (active by default), optionally of one lot or serving one
    zone, in list order, as plain rows for the list page (no objects): id, admitted_on, suspended_until, the
    lot's number and title, the provider's legal and trading names and CQC rating; zones_of gives their zones."""
    stmt = (
        select(Membership.id, Membership.admitted_on, Membership.suspended_until, Lot.number, Lot.title,
               Organisation.legal_name, Organisation.trading_name, Organisation.cqc_rating)
        .select_from(Membership)
        .join(Membership.lot)
        .join(Membership.organisation)
        .where(*_member_conditions(system, lot_id, status))
        .order_by(*_member_order())
    )
    if zone_id is not None:
        stmt = stmt.where(Membership.zones.any(MembershipZone.zone_id == zone_id))
    return stmt


def zones_of(membership_ids) -> dict[int, list[tuple[str, Decimal]]]:
    """Each membership's zones and hourly rates, in one query: {membership id: [(zone name, rate), ...]}."""
    zones: dict[int, list] = {}
    if membership_ids:
        for membership_id, name, rate in db.session.execute(
                select(MembershipZone.membership_id, Zone.name, MembershipZone.hourly_rate)
                .join(Zone, Zone.id == MembershipZone.zone_id)
                .where(MembershipZone.membership_id.in_(membership_ids))):
            zones.setdefault(membership_id, []).append((name, rate))
    return zones


def count_members(system: PurchasingSystem, lot_id: int | None = None, zone_id: int | None = None,
                  status: MembershipStatus = MembershipStatus.active) -> int:
    """How many members member_rows lists, counted from the memberships alone (every membership has its lot
    and organisation, so the list's joins, needed for its order, change nothing here): 1.8 ms where counting
    the list as a whole takes 4 ms for 8,000 members."""
    stmt = select(func.count(Membership.id)).where(*_member_conditions(system, lot_id, status))
    if zone_id is not None:
        stmt = stmt.where(Membership.zones.any(MembershipZone.zone_id == zone_id))
    return db.session.scalar(stmt)


#: the fields of every download, in order: (key in JSON, column heading in CSV and Excel, what it means).
#: The "About this data" page is written from this list, so the documentation and the files agree.
FIELDS = (
    ("system_reference", "System reference", "The council's reference for the purchasing system."),
    ("lot_number", "Lot number", "The number of the lot the provider was admitted to."),
    ("lot_title", "Lot title", "The lot's title, for example Providers of Care."),
    ("provider_legal_name", "Provider legal name", "The provider's legal name, as registered at Companies House."),
    ("trading_name", "Trading name", "The name the provider trades under, when it is different; otherwise empty."),
    ("companies_house_number", "Companies House number", "The company's registration number (8 characters); empty for a provider that is not a company."),
    ("cqc_provider_id", "CQC provider ID", "The provider's ID at the Care Quality Commission, like 1-101234567."),
    ("cqc_rating", "CQC rating", "The provider's overall CQC rating as the council last recorded it: Outstanding, Good, Requires improvement, Inadequate, Not rated, or Not known."),
    ("zone", "Zone", "A contracted area the provider serves for this lot."),
    ("hourly_rate", "Hourly rate (GBP)", "The agreed hourly rate in pounds for this zone, 2 decimal places. In JSON a string, so no pence are lost."),
    ("admitted_on", "Admitted on", "The date the provider joined the list for this lot (YYYY-MM-DD)."),
    ("admitted_by", "Admitted by", "round: by an application in one of the system's rounds. direct_award: moved from an earlier framework without an application."),
    ("status", "Status", "active, suspended or removed, on the day of the download. A suspension past its last day counts as active."),
    ("status_changed_on", "Status changed on", "For a suspended or removed provider: the date it was suspended or removed (YYYY-MM-DD); empty for an active provider."),
    ("status_reason", "Status reason", "For a suspended or removed provider: the category of the reason, like Ceased trading. The council's written reason is not published."),
    ("suspended_until", "Suspended until", "For a suspension with an end date: its last day (YYYY-MM-DD). The provider is back on the list the day after."),
)
CSV_HEADER = tuple(heading for _, heading, _ in FIELDS)


def effective_status(status: MembershipStatus, suspended_until, day) -> MembershipStatus:
    """Membership.effective_status for a row read without its object."""
    if status is MembershipStatus.suspended and suspended_until is not None and day > suspended_until:
        return MembershipStatus.active
    return status


def member_records(system: PurchasingSystem, lot_id: int | None = None, zone_id: int | None = None,
                   status: MembershipStatus | None = MembershipStatus.active, batch_size: int = 500) -> Iterator[dict]:
    """The call-off list for the downloads: one dict per member, with the list of zones it serves.

    One query whatever the length (Core rows on the session's connection: no ORM work per row), fetched in batches (rows of one member arrive together, so a member
    is complete when the next one starts), so a long list streams without being held in memory.
    Same members and order as member_rows (status None: every member). With a zone filter only that
    zone is given. Keys starting with an underscore are for the OCDS package, not the published fields.
    """
    day = today()
    latest = latest_changes(system.id)
    stmt = (
        select(
            Membership.id, Lot.number, Lot.title, Organisation.legal_name, Organisation.trading_name,
            Organisation.companies_house_number, Organisation.cqc_provider_id, Organisation.cqc_rating,
            Zone.name, MembershipZone.hourly_rate, Membership.admitted_on, Membership.application_id,
            Membership.status, Membership.suspended_until, MembershipChange.changed_at, MembershipChange.category,
            MembershipChange.id, MembershipChange.from_status, Organisation.postcode,
        )
        .select_from(Membership)
        .join(Membership.lot)
        .join(Membership.organisation)
        .outerjoin(Membership.zones)
        .outerjoin(MembershipZone.zone)
        .outerjoin(latest, latest.c.membership_id == Membership.id)
        .outerjoin(MembershipChange, MembershipChange.id == latest.c.change_id)
        .where(*_member_conditions(system, lot_id, status))
        .order_by(*_member_order(), Zone.name)
        .execution_options(yield_per=batch_size)
    )
    if zone_id is not None:
        stmt = stmt.where(MembershipZone.zone_id == zone_id)
    record = None
    for (membership_id, lot_number, lot_title, legal_name, trading_name, company_number, cqc_id, cqc_rating,
         zone_name, rate, admitted_on, application_id, stored_status, suspended_until, changed_at,
         category, change_id, from_status, postcode) in db.session.connection().execute(stmt):
        if record is not None and record["membership_id"] != membership_id:
            yield record
            record = None
        if record is None:
            current = effective_status(stored_status, suspended_until, day)
            inactive = current is not MembershipStatus.active
            record = {
                "membership_id": membership_id,
                "system_reference": system.reference,
                "lot_number": lot_number,
                "lot_title": lot_title,
                "provider_legal_name": legal_name,
                "trading_name": trading_name or "",
                "companies_house_number": company_number or "",
                "cqc_provider_id": cqc_id or "",
                "cqc_rating": cqc_rating.label if cqc_rating else "Not known",
                "admitted_on": admitted_on,
                "admitted_by": "round" if application_id is not None else "direct_award",
                "status": current.value,
                "status_changed_on": london(changed_at).date() if inactive and changed_at else None,
                "status_reason": category.label if inactive and category else "",
                "suspended_until": suspended_until if current is MembershipStatus.suspended else None,
                "zones": [],
                "_status": current,
                "_change_id": change_id,
                "_changed_at": changed_at,
                "_change_category": category,
                "_from_status": from_status,
                "_postcode": postcode or "",
            }
        if zone_name is not None:
            record["zones"].append({"zone": zone_name, "hourly_rate": rate})
    if record is not None:
        yield record


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_ZONE_AT = [key for key, _, _ in FIELDS].index("zone")
_BEFORE_ZONE = itemgetter(*[key for key, _, _ in FIELDS[:_ZONE_AT]])
_AFTER_RATE = itemgetter(*[key for key, _, _ in FIELDS[_ZONE_AT + 2:]])
assert [key for key, _, _ in FIELDS[_ZONE_AT:_ZONE_AT + 2]] == ["zone", "hourly_rate"]


def flat_rows(records: Iterator[dict], typed: bool = False) -> Iterator[tuple]:
    """One row per member per zone (a member with no zone gets one row), in FIELDS order.

    typed: keep numbers as Decimal/int and dates as dates (for a spreadsheet); otherwise all text (CSV).
    """
    for record in records:
        before, after = _BEFORE_ZONE(record), _AFTER_RATE(record)
        if not typed:
            before, after = tuple(_text(v) for v in before), tuple(_text(v) for v in after)
        for zone in record["zones"] or [{"zone": "", "hourly_rate": None}]:
            rate = zone["hourly_rate"]
            yield before + (zone["zone"], rate if typed else _text(rate)) + after


def call_off_rows(system: PurchasingSystem, lot_id: int | None = None, zone_id: int | None = None,
                  status: MembershipStatus = MembershipStatus.active, batch_size: int = 500) -> Iterator[tuple]:
    """The call-off list as CSV rows (header first): one row per member per zone it serves.

    With a zone filter only that zone's rows are given: the download answers "who serves this zone,
    at what rate".
    """
    yield CSV_HEADER
    yield from flat_rows(member_records(system, lot_id, zone_id, status, batch_size))

