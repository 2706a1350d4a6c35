"""The public call-off lists: the page, its filters and pages, the CSV download, and the query budget."""
import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from portal.commissioning import services as commissioning
from portal.commissioning.models import Membership, MembershipStatus, MembershipZone, Outcome
from portal.demo import build_isf_system, complete_application, score_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding
from portal.onboarding.models import CQCRating, Organisation


@pytest.fixture()
def make_member(db, system):
    """A member put straight on the list (no application), for lists longer than the journey makes cheaply."""
    counter = {"n": 0}

    def make(name=None, lot=None, zones=None, status=MembershipStatus.active, trading_name="",
             rating=CQCRating.good, admitted_on=date(2026, 5, 1), companies_house_number=None,
             cqc_provider_id=None):
        counter["n"] += 1
        n = counter["n"]
        organisation = Organisation(
            legal_name=name or f"Member {n:02d} Care Ltd", trading_name=trading_name,
            companies_house_number=companies_house_number or f"{20000000 + n}",
            cqc_provider_id=cqc_provider_id or f"1-20{n:07d}", cqc_rating=rating)
        membership = Membership(system=system, lot=lot or system.lots[0], organisation=organisation,
                                admitted_on=admitted_on, status=status)
        if zones is None:
            zones = {system.zones[0]: Decimal("19.65")}
        for zone, rate in zones.items():
            membership.zones.append(MembershipZone(zone=zone, hourly_rate=rate))
        db.session.add(membership)
        db.session.commit()
        return membership

    return make


def zone_named(system, name):
    return next(z for z in system.zones if z.name == name)


def main_html(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<main'):html.index('</main>')]


def table_rows(html) -> list[str]:
    """The text of each row of the members table's body, whitespace squeezed."""
    body = html[html.index('<tbody'):html.index('</tbody>')]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def parse_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# ---- the list as the journey makes it


def test_admitted_provider_is_published_with_its_zones_and_rates(db, client, council, system, make_round,
                                                                  make_provider, frozen_clock):
    round_ = make_round()
    provider = make_provider(name="Bloomsbury Home Care LTD")
    lot = system.lots[0]
    application = complete_application(round_, provider, lots=[lot])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    frozen_clock.advance(days=15)
    scorers = [council.evaluator1, council.evaluator2, council.panel]
    evaluation.assign_evaluators(round_, council.commissioner, scorers)
    score_application(application, scorers, council.commissioner)
    commissioning.record_decision(application, lot, council.commissioner, outcome=Outcome.admit,
                                  reasons="Met every standard and scored 80.")
    commissioning.confirm_decisions(round_, council.commissioner)
    commissioning.publish_round(round_, council.commissioner)
    db.session.commit()

    index = client.get("/call-off-lists/")
    assert index.status_code == 200
    html = main_html(index)
    assert "Individual Service Funds pseudo-DPS" in html
    assert "Cambridgeshire County Council" in html
    assert "CCC-ISF-PDPS-2022" in html
    assert "Pseudo-DPS under the Light Touch Regime" in html
    assert "1 October 2022 to 31 October 2027" in html
    assert f'href="/call-off-lists/{system.slug}"' in html

    page = client.get(f"/call-off-lists/{system.slug}")
    assert page.status_code == 200
    rows = table_rows(main_html(page))
    assert len(rows) == 1
    row = rows[0]
    assert "Bloomsbury Home Care LTD" in row
    assert "Lot 1: Providers of Care" in row
    # the rate accepted for each zone, zones in name order
    assert "Fenland: £16.22 an hour Huntingdonshire: £16.22 an hour Peterborough: £19.65 an hour" in row
    assert "16 June 2026" in row  # admitted when the round was published
    assert "Good" in row and "Active" in row


def test_index_lists_only_systems_with_members(db, client, council, system, make_member):
    empty = build_isf_system(council.commissioner, reference="CCC-HC-DPS-2017", title="Home care DPS")
    db.session.commit()
    make_member(name="Affinity Trust")
    make_member(name="Gone Ltd", status=MembershipStatus.removed)
    html = main_html(client.get("/call-off-lists/"))
    assert "Individual Service Funds pseudo-DPS" in html
    assert empty.title not in html
    # the count of providers on the list counts active members only
    assert table_rows(html)[0].endswith(" 1")


def test_suspended_and_removed_members_are_not_shown(db, client, council, system, make_member):
    from portal.commissioning import members
    from portal.commissioning.models import ChangeCategory

    make_member(name="Active Care Ltd")
    suspended = make_member(name="Suspended Care Ltd")
    removed = make_member(name="Removed Care Ltd")
    members.suspend_membership(suspended, council.commissioner, category=ChangeCategory.safeguarding,
                               reason="Section 42 enquiry opened")
    members.remove_membership(removed, council.commissioner, category=ChangeCategory.ceased_trading,
                              reason="Went into administration")
    db.session.commit()
    html = main_html(client.get(f"/call-off-lists/{system.slug}"))
    assert "Active Care Ltd" in html
    assert "Suspended Care Ltd" not in html
    assert "Removed Care Ltd" not in html
    csv_text = client.get(f"/call-off-lists/{system.slug}.csv").get_data(as_text=True)
    assert "Active Care Ltd" in csv_text
    assert "Suspended Care Ltd" not in csv_text and "Removed Care Ltd" not in csv_text


def test_members_sorted_by_lot_then_name(client, system, make_member):
    providers, brokers = system.lots
    make_member(name="zeta Care Ltd", lot=providers)
    make_member(name="Alpha Brokers Ltd", lot=brokers)
    make_member(name="Beta Care Ltd", lot=providers)
    rows = table_rows(main_html(client.get(f"/call-off-lists/{system.slug}")))
    assert [row.split(" Lot ")[0] for row in rows] == ["Beta Care Ltd", "zeta Care Ltd", "Alpha Brokers Ltd"]


def test_provider_shows_trading_name_and_rating_in_words(client, system, make_member):
    make_member(name="Care UK 247 Home Care LTD", trading_name="Home Care 247",
                rating=CQCRating.requires_improvement)
    make_member(name="No Rating Ltd", rating=None)
    rows = table_rows(main_html(client.get(f"/call-off-lists/{system.slug}")))
    assert "Care UK 247 Home Care LTD (trading as Home Care 247)" in rows[0]
    assert "Requires improvement" in rows[0]
    assert "Not known" in rows[1]


def test_names_are_escaped(client, system, make_member):
    make_member(name="<script>alert(1)</script> Ltd")
    html = main_html(client.get(f"/call-off-lists/{system.slug}"))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in html


# ---- filters


def test_filter_by_lot_and_zone(client, system, make_member):
    providers, brokers = system.lots
    peterborough, fenland = zone_named(system, "Peterborough"), zone_named(system, "Fenland")
    make_member(name="Peterborough Carers", lot=providers, zones={peterborough: Decimal("19.65")})
    make_member(name="Fenland Carers", lot=providers, zones={fenland: Decimal("16.00")})
    make_member(name="Both Zones Brokers", lot=brokers,
                zones={peterborough: Decimal("19.00"), fenland: Decimal("15.50")})
    url = f"/call-off-lists/{system.slug}"

    by_lot = main_html(client.get(url, query_string={"lot": brokers.id}))
    assert [r.split(" Lot ")[0] for r in table_rows(by_lot)] == ["Both Zones Brokers"]
    assert f'<option value="{brokers.id}" selected>' in by_lot

    by_zone = main_html(client.get(url, query_string={"zone": fenland.id}))
    assert [r.split(" Lot ")[0] for r in table_rows(by_zone)] == ["Fenland Carers", "Both Zones Brokers"]
    assert f'<option value="{fenland.id}" selected>' in by_zone
    # the CSV link keeps the filters
    assert f'.csv?zone={fenland.id}"' in by_zone

    both = main_html(client.get(url, query_string={"lot": providers.id, "zone": peterborough.id}))
    assert [r.split(" Lot ")[0] for r in table_rows(both)] == ["Peterborough Carers"]

    huntingdonshire = zone_named(system, "Huntingdonshire")
    none = main_html(client.get(url, query_string={"lot": brokers.id, "zone": huntingdonshire.id}))
    assert "No providers match these filters" in none
    assert "<tbody" not in none


def test_unknown_filter_ids_are_ignored(client, system, make_member):
    make_member(name="Peterborough Carers")
    html = main_html(client.get(f"/call-off-lists/{system.slug}", query_string={"lot": 9999, "zone": "abc"}))
    assert "Peterborough Carers" in html
    assert '<option value="" selected>All lots</option>' in html
    assert '<option value="" selected>All zones</option>' in html


def test_empty_list_says_so(client, system, make_member):
    make_member(name="Removed Ltd", status=MembershipStatus.removed)
    html = main_html(client.get(f"/call-off-lists/{system.slug}"))
    assert "No providers are on this list yet" in html
    assert "<table" not in html


# ---- pages


def test_paginates_and_keeps_filters_in_page_links(app, client, system, make_member, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    providers, brokers = system.lots
    for n in range(5):
        make_member(name=f"Provider {n} Ltd", lot=providers)
    make_member(name="Broker Ltd", lot=brokers)
    url = f"/call-off-lists/{system.slug}"

    first = main_html(client.get(url, query_string={"lot": providers.id}))
    assert [r.split(" Lot ")[0] for r in table_rows(first)] == ["Provider 0 Ltd", "Provider 1 Ltd"]
    assert "Showing 1 to 2 of 5 providers" in first
    assert 'class="govuk-pagination' in first
    assert f'href="{url}?page=2&amp;lot={providers.id}" rel="next"' in first.replace("\n", "")
    assert f'href="{url}?page=3&amp;lot={providers.id}"' in first
    assert 'aria-current="page"' in first

    last = main_html(client.get(url, query_string={"lot": providers.id, "page": 3}))
    assert [r.split(" Lot ")[0] for r in table_rows(last)] == ["Provider 4 Ltd"]
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert client.get(url, query_string={"lot": providers.id, "page": 4}).status_code == 404
    # the title says which page this is
    assert "(page 3 of 3)" in client.get(url, query_string={"lot": providers.id, "page": 3}).get_data(as_text=True)

    # one page only: no pagination
    single = main_html(client.get(url, query_string={"lot": brokers.id}))
    assert "govuk-pagination" not in single


# ---- the CSV download


def test_csv_has_one_row_per_member_per_zone(client, system, make_member):
    providers, brokers = system.lots
    peterborough, fenland = zone_named(system, "Peterborough"), zone_named(system, "Fenland")
    make_member(name="Hales Group Limited", trading_name="Hales Care", lot=providers,
                companies_house_number="02345678", cqc_provider_id="1-101234567", rating=CQCRating.outstanding,
                zones={peterborough: Decimal("19.65"), fenland: Decimal("16.2")}, admitted_on=date(2026, 4, 30))
    make_member(name="DIAL Peterborough", lot=brokers, companies_house_number="07654321",
                cqc_provider_id="1-109999999", rating=None, zones={peterborough: Decimal("18")},
                admitted_on=date(2026, 5, 2))

    response = client.get(f"/call-off-lists/{system.slug}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"{system.slug}-call-off-list-2026-06-01.csv" in disposition

    header, *rows = parse_csv(response)
    assert header == ["System reference", "Lot number", "Lot title", "Provider legal name", "Trading name",
                      "Companies House number", "CQC provider ID", "CQC rating", "Zone", "Hourly rate (GBP)",
                      "Admitted on", "Admitted by", "Status", "Status changed on", "Status reason",
                      "Suspended until"]
    assert rows == [
        ["CCC-ISF-PDPS-2022", "1", "Providers of Care", "Hales Group Limited", "Hales Care", "02345678",
         "1-101234567", "Outstanding", "Fenland", "16.20", "2026-04-30", "direct_award", "active", "", "", ""],
        ["CCC-ISF-PDPS-2022", "1", "Providers of Care", "Hales Group Limited", "Hales Care", "02345678",
         "1-101234567", "Outstanding", "Peterborough", "19.65", "2026-04-30", "direct_award", "active", "", "", ""],
        ["CCC-ISF-PDPS-2022", "2", "Brokers of Care", "DIAL Peterborough", "", "07654321",
         "1-109999999", "Not known", "Peterborough", "18.00", "2026-05-02", "direct_award", "active", "", "", ""],
    ]


def test_csv_keeps_the_filters(client, system, make_member):
    providers, brokers = system.lots
    peterborough, fenland = zone_named(system, "Peterborough"), zone_named(system, "Fenland")
    make_member(name="Two Zones Ltd", lot=providers, zones={peterborough: Decimal("19"), fenland: Decimal("16")})
    make_member(name="Broker Ltd", lot=brokers, zones={fenland: Decimal("15")})
    url = f"/call-off-lists/{system.slug}.csv"

    by_lot = parse_csv(client.get(url, query_string={"lot": providers.id}))[1:]
    assert {(r[3], r[8]) for r in by_lot} == {("Two Zones Ltd", "Fenland"), ("Two Zones Ltd", "Peterborough")}
    # a zone filter gives that zone's rows only
    by_zone = parse_csv(client.get(url, query_string={"zone": fenland.id}))[1:]
    assert [(r[3], r[8], r[9]) for r in by_zone] == [("Two Zones Ltd", "Fenland", "16.00"),
                                                    ("Broker Ltd", "Fenland", "15.00")]
    empty = parse_csv(client.get(url, query_string={"lot": brokers.id, "zone": peterborough.id}))
    assert len(empty) == 1  # the header only


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://evil.example\")", "+44 1733 000000",
                                       "-2+3", "@SUM(A1:A2)", "\t=1+1"])
def test_csv_cells_cannot_start_a_formula(client, system, make_member, dangerous):
    make_member(name=dangerous, trading_name=dangerous)
    row = parse_csv(client.get(f"/call-off-lists/{system.slug}.csv"))[1]
    assert row[3] == "'" + dangerous
    assert row[4] == "'" + dangerous
    # ordinary values are left alone
    assert row[6].startswith("1-") and row[9] == "19.65"


# ---- not found


def test_unknown_slug_is_not_found(client, system):
    assert client.get("/call-off-lists/no-such-list").status_code == 404
    assert client.get("/call-off-lists/no-such-list.csv").status_code == 404


# ---- query budget


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def test_list_page_runs_a_fixed_number_of_queries(db, client, system, make_member):
    zones = {zone: Decimal("16.22") for zone in system.zones}
    url = f"/call-off-lists/{system.slug}"

    def queries_for_page():
        db.session.expire_all()  # nothing served from the test's own identity map
        with QueryCounter(db.engine) as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count, len(table_rows(main_html(response)))

    for n in range(3):
        make_member(lot=system.lots[n % 2], zones=zones)
    few, shown = queries_for_page()
    assert shown == 3
    for n in range(27):
        make_member(lot=system.lots[n % 2], zones=zones)
    many, shown = queries_for_page()
    assert shown == 30
    assert many == few
    assert few <= 8

    with QueryCounter(db.engine) as counter:
        client.get("/call-off-lists/")
    index_queries = counter.count
    for n in range(5):
        make_member(lot=system.lots[0], zones=zones)
    with QueryCounter(db.engine) as counter:
        client.get("/call-off-lists/")
    assert counter.count == index_queries
