"""The commissioning dashboard's figures: a fixed number of aggregate queries for every system of a council,
whatever the number of applications or members, remembered by each worker while nothing they count can
have changed (council_overviews)."""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import func, select

from portal.audit.chain import HEAD_ID
from portal.audit.models import AuditChainHead
from portal.clock import format_date, london, now
from portal.extensions import db

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


#: the audit chain head's hash (built once: see round_page)
_HEAD = select(AuditChainHead.last_hash).where(AuditChainHead.id == HEAD_ID)


@dataclass
class _Kept:
    """A council's figures as counted at one state of the audit chain on one day, until valid_until."""

    stamp: tuple
    valid_until: datetime | None
    #: by system id: (pipeline, members, admitted over time, drawn markup)
    figures: dict


def council_overviews(authority_id: int, systems: list[PurchasingSystem]) -> dict[int, SystemOverview]:
    """system_overviews of a council's systems, counted again only when something they count may have changed.

    Everything the figures count (applications and their status, rounds' times, evaluation extensions,
    memberships and their zones, first admissions, lots, zones, a system's settings) is changed only by
    services that record an audit event in the same transaction, and every event moves the audit chain's
    single head (its hash), so figures kept with the head they were counted at are current while the head
    is the same. What the clock changes without anyone acting is in the key too: the day (overdue
    evaluations, suspensions that end, the chart's line to today), and the next closing time of a round (a
    closed round's drafts leave the pipeline, its evaluation clock starts) ends the figures' life.
    Each worker keeps the latest figures of each council it has shown."""
    kept_by_council = current_app.extensions.setdefault("commissioning_dashboard_figures", {})
    moment = now()
    # read before counting: figures counted after a later change are kept under an older head, never the reverse
    head = db.session.scalar(_HEAD)
    stamp = (head, london(moment).date(), tuple(s.id for s in systems))
    kept = kept_by_council.get(authority_id)
    if kept is None or kept.stamp != stamp or (kept.valid_until is not None and moment >= kept.valid_until):
        overviews = system_overviews(systems)
        closing = [r.closes_at for s in systems for r in s.rounds if r.closes_at > moment]
        kept = _Kept(stamp, min(closing, default=None), {
            o.system.id: (o.pipeline, o.members, o.admitted_over_time, o.drawn) for o in overviews.values()})
        kept_by_council[authority_id] = kept
    return {s.id: SystemOverview(s, *kept.figures[s.id]) for s in systems}


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
