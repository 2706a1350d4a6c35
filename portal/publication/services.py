"""Reading the published call-off lists: the one place the page and the CSV download ask the database.

Nothing here changes anything; publishing happens in commissioning.services.publish_round.
"""
from collections.abc import Iterator

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.commissioning.models import (
    Authority,
    Lot,
    Membership,
    MembershipStatus,
    MembershipZone,
    PurchasingSystem,
    Zone,
)
from portal.extensions import db
from portal.onboarding.models import Organisation


def published_systems() -> list[tuple[PurchasingSystem, int]]:
    """Every system that has ever admitted a member, with its number of active members (counted in SQL).

    A system whose members have all been removed keeps its page: the list was published and people
    may have bookmarked it; the page then says nobody is on it.
    """
    active_count = (
        select(func.count(Membership.id))
        .where(Membership.system_id == PurchasingSystem.id, Membership.status == MembershipStatus.active)
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
        )
    )


def _member_conditions(system: PurchasingSystem, lot_id: int | None) -> list:
    conditions = [Membership.system_id == system.id, Membership.status == MembershipStatus.active]
    if lot_id is not None:
        conditions.append(Membership.lot_id == lot_id)
    return conditions


def _member_order() -> tuple:
    """Lot number, then provider name (ignoring case), then a tie-break so pages never overlap."""
    return Lot.number, func.lower(Organisation.legal_name), Membership.id


def active_members(system: PurchasingSystem, lot_id: int | None = None, zone_id: int | None = None) -> Select:
    """The active memberships of system (optionally of one lot, or serving one zone), in list order.

    Each membership comes with its lot, organisation and zones (and each zone's name) loaded, so a page
    of any length costs the same number of queries: this select, plus one for the zones.
    """
    stmt = (
        select(Membership)
        .join(Membership.lot)
        .join(Membership.organisation)
        .where(*_member_conditions(system, lot_id))
        .options(
            contains_eager(Membership.lot),
            contains_eager(Membership.organisation),
            selectinload(Membership.zones).joinedload(MembershipZone.zone),
        )
        .order_by(*_member_order())
    )
    if zone_id is not None:
        stmt = stmt.where(Membership.zones.any(MembershipZone.zone_id == zone_id))
    return stmt


CSV_HEADER = (
    "System reference",
    "Lot number",
    "Lot title",
    "Provider legal name",
    "Trading name",
    "Companies House number",
    "CQC provider ID",
    "CQC rating",
    "Zone",
    "Hourly rate (GBP)",
    "Admitted on",
    "Status",
)


def call_off_rows(system: PurchasingSystem, lot_id: int | None = None, zone_id: int | None = None,
                  batch_size: int = 500) -> Iterator[tuple]:
    """The call-off list as CSV rows (header first): one row per active member per zone it serves.

    Same members and order as active_members. With a zone filter only that zone's rows are given:
    the download answers "who serves this zone, at what rate". Rows are fetched in batches, so a long
    list streams without being held in memory.
    """
    yield CSV_HEADER
    stmt = (
        select(
            Lot.number,
            Lot.title,
            Organisation.legal_name,
            Organisation.trading_name,
            Organisation.companies_house_number,
            Organisation.cqc_provider_id,
            Organisation.cqc_rating,
            Zone.name,
            MembershipZone.hourly_rate,
            Membership.admitted_on,
            Membership.status,
        )
        .select_from(Membership)
        .join(Membership.lot)
        .join(Membership.organisation)
        .outerjoin(Membership.zones)
        .outerjoin(MembershipZone.zone)
        .where(*_member_conditions(system, lot_id))
        .order_by(*_member_order(), Zone.name)
        .execution_options(yield_per=batch_size)
    )
    if zone_id is not None:
        stmt = stmt.where(MembershipZone.zone_id == zone_id)
    for (lot_number, lot_title, legal_name, trading_name, company_number, cqc_id, cqc_rating, zone_name,
         rate, admitted_on, status) in db.session.execute(stmt):
        yield (
            system.reference,
            lot_number,
            lot_title,
            legal_name,
            trading_name or "",
            company_number or "",
            cqc_id or "",
            cqc_rating.label if cqc_rating else "Not known",
            zone_name or "",
            f"{rate:.2f}" if rate is not None else "",
            admitted_on.isoformat(),
            status.label,
        )


#: a spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """value as CSV cell text that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
