"""The commissioning dashboard's figures: a fixed number of aggregate queries for every system of a council,
whatever the number of applications or members; the page's sections made from them are kept by each worker
while nothing they show can have changed (council_dashboard)."""
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from flask import render_template
from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from portal.clock import format_date, london, now
from portal.extensions import db
from portal.kept import Store, stamp

from .models import Membership, MembershipStatus, MembershipZone, PurchasingSystem, Round, ZoneAdmission, today


@dataclass
class Pipeline:
    """Applications of one system by where they are: drafts in rounds still taking applications, submitted and
    waiting for evaluation, in evaluation (of which overdue against the deadline clock), decided and not yet
    published."""

    drafts: int = 0
    submitted: int = 0
    in_evaluation: int = 0
    overdue: int = 0
    decided: int = 0


@dataclass
class SystemOverview:
    system: PurchasingSystem
    pipeline: Pipeline = field(default_factory=Pipeline)
    #: active members by (lot id, zone id)
    members: dict[tuple[int, int], int] = field(default_factory=dict)
    #: per zone name, the number of providers admitted to date at each date a new provider was first admitted
    admitted_over_time: dict[str, list[tuple[date, int]]] = field(default_factory=dict)

    def members_in(self, lot, zone) -> int:
        return self.members.get((lot.id, zone.id), 0)

    def members_in_lot(self, lot) -> int:
        return sum(n for (lot_id, _), n in self.members.items() if lot_id == lot.id)

    #: markup drawn from these figures (the chart and its table), kept with them while they are kept
    drawn: dict = field(default_factory=dict)

    def admitted_chart(self) -> Markup:
        """The admissions chart (charts.admitted_chart), drawn once for these figures."""
        from .charts import admitted_chart

        key = ("chart", self.system.id, self.system.title)
        if key not in self.drawn:
            self.drawn[key] = admitted_chart(self.admitted_over_time, chart_id=f"chart-{self.system.id}",
                                             title=f"Providers admitted to date per zone, {self.system.title}")
        return self.drawn[key]

    def admitted_rows(self) -> Markup:
        """The chart's figures as table rows: zone (in the order of Jinja's dictsort), date, providers."""
        if "rows" not in self.drawn:
            rows = []
            for zone, line in sorted(self.admitted_over_time.items(), key=lambda item: item[0].lower()):
                cell = f'<tr class="govuk-table__row"><td class="govuk-table__cell">{escape(zone)}</td>'
                rows.extend(f'      {cell}<td class="govuk-table__cell">{format_date(day)}</td><td class="govuk-table__cell '
                            f'govuk-table__cell--numeric">{n}</td></tr>\n' for day, n in line)
            # the zone names went through escape(); dates and numbers are formatted here
            self.drawn["rows"] = Markup("".join(rows))  # nosec B704
        return self.drawn["rows"]


def system_overviews(systems: list[PurchasingSystem]) -> dict[int, SystemOverview]:
    """Overviews of the given systems (their rounds, lots and zones already loaded), by system id."""
    overviews = {s.id: SystemOverview(s) for s in systems}
    if not systems:
        return overviews
    ids = list(overviews)
    _add_pipeline(overviews, ids)
    _add_members(overviews, ids)
    _add_admissions(overviews, ids)
    return overviews


@cache
def _council_systems():
    """The council's systems with their rounds, lots and zones, newest first (built once the models are all
    mapped)."""
    return (select(PurchasingSystem).where(PurchasingSystem.authority_id == bindparam("authority_id"))
            .options(selectinload(PurchasingSystem.rounds), selectinload(PurchasingSystem.lots),
                     selectinload(PurchasingSystem.zones))
            .order_by(PurchasingSystem.created_at.desc()))


#: where each worker keeps each council's dashboard sections (commissioning/_dashboard_systems.html)
KEPT = Store("commissioning_dashboard_figures")


def council_dashboard(authority_id: int) -> Markup:
    """The sections of the dashboard for a council's systems (their rounds, figures and charts), made again only
    when something they show may have changed.

    Everything they show (the systems and their settings, lots, zones, rounds and their times, applications and
    their status, evaluation extensions, memberships and their zones, first admissions) is changed only by
    services that record an audit event for the system's council in the same transaction, so sections kept with
    the council's newest event (portal.kept) are current while that is still the newest. What the clock changes
    without anyone acting is in the stamp too: the day (overdue evaluations, suspensions that end, the chart's
    line to today), and the next time a round opens or closes (its status; a closed round's drafts leave the
    pipeline and its evaluation clock starts) ends the sections' life. Activity for other councils leaves them
    as they are. Each worker keeps the latest sections of each council it has shown."""
    at = stamp(authority_id)
    sections = KEPT.get(authority_id, at)
    if sections is None:
        systems = db.session.scalars(_council_systems(), {"authority_id": authority_id}).all()
        overviews = system_overviews(systems)
        sections = Markup(render_template("commissioning/_dashboard_systems.html", systems=systems,
                                          overviews=overviews))
        changes = [t for s in systems for r in s.rounds for t in (r.opens_at, r.closes_at) if t > at.moment]
        KEPT.put(authority_id, at, sections, min(changes, default=None))
    return sections


def _add_pipeline(overviews: dict[int, SystemOverview], ids: list[int]) -> None:
    from portal.evaluation.deadlines import evaluation_clock, extensions_for
    from portal.onboarding.models import Application, ApplicationStatus

    rounds = {r.id: r for o in overviews.values() for r in o.system.rounds}
    rows = db.session.execute(
        select(Application.round_id, Application.status, func.count())
        .join(Round, Round.id == Application.round_id)
        .where(Round.system_id.in_(ids))
        .group_by(Application.round_id, Application.status)).all()
    extensions = extensions_for(list(rounds))
    moment = now()
    for round_id, status, n in rows:
        round_ = rounds[round_id]
        pipeline = overviews[round_.system_id].pipeline
        if status is ApplicationStatus.draft and round_.closes_at > moment:
            pipeline.drafts += n
        elif status is ApplicationStatus.submitted:
            pipeline.submitted += n
        elif status is ApplicationStatus.in_evaluation:
            pipeline.in_evaluation += n
        elif status is ApplicationStatus.decided and round_.published_at is None:
            pipeline.decided += n
        if status in (ApplicationStatus.submitted, ApplicationStatus.in_evaluation) \
                and not round_.system.always_open:
            clock = evaluation_clock(round_, extensions=extensions)
            if clock is not None and clock.overdue:
                pipeline.overdue += n
    # in an always-open system each application has its own clock from its submission
    always_open = [o.system.id for o in overviews.values() if o.system.always_open]
    if always_open:
        waiting = db.session.execute(
            select(Application).join(Round, Round.id == Application.round_id)
            .where(Round.system_id.in_(always_open),
                   Application.status.in_([ApplicationStatus.submitted, ApplicationStatus.in_evaluation]))
        ).scalars().all()
        for application in waiting:
            round_ = rounds[application.round_id]
            clock = evaluation_clock(round_, application, extensions=extensions)
            if clock is not None and clock.overdue:
                overviews[round_.system_id].pipeline.overdue += 1


def _add_members(overviews: dict[int, SystemOverview], ids: list[int]) -> None:
    rows = db.session.execute(
        select(Membership.system_id, Membership.lot_id, MembershipZone.zone_id, func.count())
        .join(MembershipZone, MembershipZone.membership_id == Membership.id)
        # a suspension past its last day counts as active, as on the public list
        .where(Membership.system_id.in_(ids), Membership.status_is(MembershipStatus.active, today()))
        .group_by(Membership.system_id, Membership.lot_id, MembershipZone.zone_id)).all()
    for system_id, lot_id, zone_id, n in rows:
        overviews[system_id].members[(lot_id, zone_id)] = n


def _add_admissions(overviews: dict[int, SystemOverview], ids: list[int]) -> None:
    """Providers admitted to date per zone: each organisation counted once per zone, from its first admission
    (stored in zone_admissions by the services that admit providers; counted from an index, not the list)."""
    rows = db.session.execute(
        select(ZoneAdmission.system_id, ZoneAdmission.zone_id, ZoneAdmission.first_admitted_on, func.count())
        .where(ZoneAdmission.system_id.in_(ids))
        .group_by(ZoneAdmission.system_id, ZoneAdmission.zone_id, ZoneAdmission.first_admitted_on)
        .order_by(ZoneAdmission.system_id, ZoneAdmission.zone_id, ZoneAdmission.first_admitted_on)).all()
    zone_names = {z.id: z.name for o in overviews.values() for z in o.system.zones}
    for system_id, zone_id, first_on, n in rows:
        series = overviews[system_id].admitted_over_time.setdefault(zone_names.get(zone_id, "Zone"), [])
        total = (series[-1][1] if series else 0) + n
        series.append((first_on, total))
    today = london(now()).date()
    for overview in overviews.values():
        for series in overview.admitted_over_time.values():
            if series and series[-1][0] < today:
                series.append((today, series[-1][1]))  # carry the line to today
