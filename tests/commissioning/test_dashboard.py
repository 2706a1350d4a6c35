"""The commissioning dashboard: pipeline per system, members by lot and zone, the admissions chart, and a
fixed number of SQL queries whatever the data."""
import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.commissioning import services as commissioning
from portal.commissioning.charts import admitted_chart
from portal.commissioning.dashboard import system_overviews
from portal.commissioning.members import record_zone_admissions
from portal.commissioning.models import Membership, MembershipStatus, MembershipZone, ZoneAdmission
from portal.demo import at, build_isf_system, complete_application
from portal.onboarding import services as onboarding
from portal.onboarding.models import Organisation
from portal.querycount import count_queries


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def add_member(db, system, lot, zones, admitted_on, name, status=MembershipStatus.active):
    organisation = Organisation(legal_name=name)
    db.session.add(organisation)
    db.session.flush()
    membership = Membership(system_id=system.id, lot_id=lot.id, organisation_id=organisation.id,
                            admitted_on=admitted_on, status=status)
    db.session.add(membership)
    db.session.flush()
    for zone in zones:
        db.session.add(MembershipZone(membership_id=membership.id, zone_id=zone.id, hourly_rate=Decimal("16.00")))
    db.session.flush()
    record_zone_admissions([membership])  # as the services that admit providers do
    return membership


def test_pipeline_follows_applications_through_the_round(db, council, system, make_round, make_provider,
                                                         frozen_clock):
    round_ = make_round(closes_in=timedelta(days=3))  # closes Thursday 4 June 2026
    submitter, drafter = make_provider(), make_provider()
    application = complete_application(round_, submitter, lots=[system.lots[0]])
    onboarding.submit_application(application, submitter, declaration_confirmed=True)
    onboarding.start_application(round_, drafter)
    db.session.commit()

    def pipeline():
        return system_overviews([system])[system.id].pipeline

    p = pipeline()
    assert (p.drafts, p.submitted, p.in_evaluation, p.overdue, p.decided) == (1, 1, 0, 0, 0)
    frozen_clock.move_to(at(2026, 6, 5, 9))  # closed: the draft can no longer be submitted, so it leaves the pipeline
    assert (pipeline().drafts, pipeline().submitted) == (0, 1)
    commissioning.begin_evaluation(round_, council.commissioner)
    p = pipeline()
    assert (p.submitted, p.in_evaluation, p.overdue) == (0, 1, 0)
    # 10 working days from 4 June 2026 is 18 June; on the 19th the evaluation is overdue
    frozen_clock.move_to(at(2026, 6, 18, 17))
    assert pipeline().overdue == 0
    frozen_clock.move_to(at(2026, 6, 19, 9))
    assert pipeline().overdue == 1


def test_members_by_lot_and_zone_and_admissions_over_time(db, council, system, frozen_clock):
    lot1, lot2 = system.lots
    fenland, huntingdonshire, peterborough = system.zones  # ordered by name
    add_member(db, system, lot1, [peterborough, fenland], date(2025, 11, 3), "A Care Ltd")
    add_member(db, system, lot1, [peterborough], date(2025, 11, 3), "B Care Ltd")
    add_member(db, system, lot1, [peterborough], date(2026, 3, 2), "C Care Ltd")
    add_member(db, system, lot2, [peterborough], date(2026, 3, 2), "A Care Ltd broker")
    add_member(db, system, lot1, [huntingdonshire], date(2026, 3, 2), "Gone Ltd", status=MembershipStatus.removed)
    db.session.commit()
    overview = system_overviews([system])[system.id]
    assert overview.members_in(lot1, peterborough) == 3
    assert overview.members_in(lot1, fenland) == 1
    assert overview.members_in(lot1, huntingdonshire) == 0  # removed members are not counted
    assert overview.members_in(lot2, peterborough) == 1
    assert overview.admitted_over_time["Peterborough"] == [
        (date(2025, 11, 3), 2), (date(2026, 3, 2), 4), (date(2026, 6, 1), 4)]
    assert overview.admitted_over_time["Fenland"] == [(date(2025, 11, 3), 1), (date(2026, 6, 1), 1)]


def test_first_admission_per_zone_keeps_the_earliest_day(db, council, system):
    lot1, lot2 = system.lots
    fenland, huntingdonshire, peterborough = system.zones
    organisation = Organisation(legal_name="A Care Ltd")
    db.session.add(organisation)
    db.session.flush()

    def admit(lot, zones, day):
        membership = Membership(system_id=system.id, lot_id=lot.id, organisation_id=organisation.id, admitted_on=day)
        membership.zones = [MembershipZone(zone_id=zone.id, hourly_rate=Decimal("16.00")) for zone in zones]
        db.session.add(membership)
        db.session.flush()
        record_zone_admissions([membership])
        return membership

    def first():
        return {(row.zone_id, row.first_admitted_on) for row in db.session.scalars(select(ZoneAdmission))}

    first_lot = admit(lot1, [peterborough], date(2026, 3, 2))
    admit(lot2, [peterborough, fenland], date(2025, 11, 3))  # another lot, earlier: the zone's day moves back
    assert first() == {(peterborough.id, date(2025, 11, 3)), (fenland.id, date(2025, 11, 3))}
    first_lot.admitted_on = date(2026, 5, 1)  # admitted again later: the first day stays
    first_lot.zones.append(MembershipZone(zone_id=huntingdonshire.id, hourly_rate=Decimal("16.00")))
    db.session.flush()
    record_zone_admissions([first_lot])
    assert first() == {(peterborough.id, date(2025, 11, 3)), (fenland.id, date(2025, 11, 3)),
                       (huntingdonshire.id, date(2026, 5, 1))}


def test_chart_is_labelled_directly_with_patterns_and_a_text_alternative(db):
    svg = str(admitted_chart({"Peterborough": [(date(2025, 1, 6), 3), (date(2026, 1, 5), 9)],
                              "Fenland": [(date(2025, 1, 6), 2), (date(2026, 1, 5), 2)]},
                             chart_id="c1", title="Providers admitted to date per zone"))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<title id=\"c1-title\">Providers admitted to date per zone</title>" in svg
    assert "Fenland: 2 providers admitted by 5 January 2026; Peterborough: 9 providers admitted by 5 January 2026" in svg
    assert ">Peterborough: 9</text>" in svg and ">Fenland: 2</text>" in svg  # direct labels
    assert 'stroke-dasharray="8 4"' in svg  # the second line differs by pattern, not only colour
    assert "<rect" in svg and "<circle" in svg  # and by marker shape
    assert str(admitted_chart({}, chart_id="c2", title="t")) == ""


def test_dashboard_page_shows_pipeline_members_and_chart(client, db, council, login, system, make_round,
                                                         make_provider):
    lot1 = system.lots[0]
    peterborough = next(z for z in system.zones if z.name == "Peterborough")
    add_member(db, system, lot1, [peterborough], date(2025, 11, 3), "A Care Ltd")
    add_member(db, system, lot1, [peterborough], date(2026, 3, 2), "B Care Ltd")
    round_ = make_round()
    onboarding.start_application(round_, make_provider())
    db.session.commit()
    login(council.commissioner)
    page = text(client.get("/commissioning/"))
    assert "Individual Service Funds pseudo-DPS" in page and "Round 1</a>: open" in page
    assert re.search(r"Drafts</th>.*?Decided, not published</th>.*?<td[^>]*>1</td>", page)
    assert re.search(r">Peterborough</th>\s*<td[^>]*>2</td>\s*<td[^>]*>0</td>", page)
    assert "<svg" in page and ">Peterborough: 2</text>" in page
    assert "The chart&#39;s figures as a table" in page or "The chart's figures as a table" in page
    assert re.search(r"<td[^>]*>Peterborough</td><td[^>]*>2 March 2026</td><td[^>]*>2</td>", page)


def test_dashboard_runs_the_same_queries_however_much_data(app, client, db, council, login, system, make_round,
                                                           make_provider):
    other = build_isf_system(council.commissioner, reference="CCC-HC-DPS-2026", title="Home care DPS")
    commissioning.update_system(other, council.commissioner, always_open=True)
    round_ = make_round(closes_in=timedelta(days=3))

    def add_data(n_applications, n_members, offset):
        for n in range(n_applications):
            provider = make_provider()
            application = complete_application(round_, provider, lots=[system.lots[0]])
            onboarding.submit_application(application, provider, declaration_confirmed=True)
        for n in range(n_members):
            add_member(db, system, system.lots[n % 2], system.zones[: 1 + n % 3], date(2025, 1 + n % 12, 1),
                       f"M{offset + n} Ltd")
            add_member(db, other, other.lots[0], other.zones[:2], date(2024, 1 + n % 12, 1), f"O{offset + n} Ltd")
        db.session.commit()

    def forget_kept_figures():
        """Each measured page counts its figures (figures kept from an earlier page take fewer queries)."""
        app.extensions.pop("commissioning_dashboard_figures", None)

    add_data(1, 1, 0)
    login(council.commissioner)
    client.get("/commissioning/")
    db.session.expire_all()  # as after any commit: each measured request loads the signed-in user afresh
    forget_kept_figures()
    with count_queries() as small:
        client.get("/commissioning/")
    add_data(8, 16, 100)
    db.session.expire_all()
    forget_kept_figures()
    with count_queries() as large:
        page = client.get("/commissioning/").get_data(as_text=True)
    assert "Home care DPS" in page and page.count("<svg") == 2 and ">Fenland: " in page
    assert large[0] == small[0] and large[0] <= 15, (small[0], large[0])
