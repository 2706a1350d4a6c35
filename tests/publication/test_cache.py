"""The call-off list page is kept rendered between changes (portal/publication/cache.py). What matters most:
every kind of change to what the page shows is on the page at once, and a kept page is the page as rendered
afresh."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text, update

from portal.commissioning import member_import, members
from portal.commissioning import services as commissioning
from portal.commissioning.models import ChangeCategory, Membership, MembershipStatus, Zone
from portal.onboarding import organisations
from portal.onboarding.models import CQCRating, Organisation
from portal.publication import cache

from .test_routes import QueryCounter, main_html, make_member, table_rows  # noqa: F401 (make_member: a fixture)


@pytest.fixture(autouse=True)
def version(db):
    """The version row, as every migrated database has it (the tests' clean-up empties every table)."""
    cache.bump(db.session.connection())
    db.session.commit()


def served_from_cache(db, client, url, **args) -> bool:
    """Whether the page came without reading the list: one query, the data's version."""
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(url, query_string=args).status_code == 200
    return counter.count == 1


@pytest.fixture()
def page(db, client, system):
    """The page's main content, filtered as asked; for a reader not signed in, asked twice, to check that the
    second time it is served as kept and the same (so a test that then changes something proves the change
    shows although the page was kept)."""

    def get(kept=True, **args):
        url = f"/call-off-lists/{system.slug}"
        response = client.get(url, query_string=args)
        assert response.status_code == 200
        html = main_html(response)
        if kept:
            assert served_from_cache(db, client, url, **args)
            assert main_html(client.get(url, query_string=args)) == html
        return html

    return get


def test_a_kept_page_is_the_page_rendered_afresh(db, client, system, make_member):
    for n in range(3):
        make_member(name=f"Member {n} Ltd", lot=system.lots[n % 2])
    url = f"/call-off-lists/{system.slug}"
    cache.pages.clear()
    fresh = main_html(client.get(url))
    assert served_from_cache(db, client, url)
    assert main_html(client.get(url)) == fresh  # the layout around it is the request's own (its script nonce)
    # each choice of filters and page is its own page
    lot = system.lots[1]
    filtered = main_html(client.get(url, query_string={"lot": lot.id}))
    assert [r.split(" Lot ")[0] for r in table_rows(filtered)] == ["Member 1 Ltd"]
    assert served_from_cache(db, client, url, lot=lot.id)
    assert len(table_rows(main_html(client.get(url)))) == 3


def test_any_write_to_what_the_page_shows_replaces_the_version_and_nothing_else_does(db, system, make_member):
    membership = make_member()
    before = cache.current_token()
    assert before is not None
    db.session.execute(update(Organisation).where(Organisation.id == membership.organisation_id)
                       .values(trading_name="Renamed by a bulk update"))
    changed = cache.current_token()
    assert changed != before
    db.session.rollback()  # a change rolled back leaves the version it had
    assert cache.current_token() == before
    # reading, and writing the version row itself, change nothing
    db.session.execute(text("SELECT 1"))
    db.session.execute(update(cache.CallOffListVersion).values(token=cache.CallOffListVersion.token))
    assert cache.current_token() == before
    # a table the page does not show
    from portal.auth.models import User
    db.session.execute(update(User).values(name=User.name))
    assert cache.current_token() == before
    db.session.rollback()


def test_suspending_reinstating_and_removing_show_at_once(db, client, council, system, make_member, page):
    kept = make_member(name="Kept Care Ltd")
    moved = make_member(name="Moved Care Ltd")
    assert len(table_rows(page())) == 2 and "Moved Care Ltd" in page()
    assert "Moved Care Ltd" not in page(status="suspended")

    members.suspend_membership(moved, council.commissioner, category=ChangeCategory.quality_concerns,
                               reason="Missed visits", until=date(2026, 6, 10))
    db.session.commit()
    assert [r.split(" Lot ")[0] for r in table_rows(page())] == ["Kept Care Ltd"]
    suspended = table_rows(page(status="suspended"))
    assert len(suspended) == 1 and "Moved Care Ltd" in suspended[0]
    assert ("Suspended Since 1 June 2026: Concerns about the quality of care. Back on the list on 11 June 2026"
            in suspended[0])

    members.reinstate_membership(moved, council.commissioner, category=ChangeCategory.concerns_resolved,
                                 reason="Visits back on time")
    db.session.commit()
    assert len(table_rows(page())) == 2 and "Moved Care Ltd" not in page(status="suspended")

    members.remove_membership(kept, council.commissioner, category=ChangeCategory.ceased_trading, reason="Closed")
    db.session.commit()
    assert [r.split(" Lot ")[0] for r in table_rows(page())] == ["Moved Care Ltd"]
    removed = table_rows(page(status="removed"))
    assert len(removed) == 1 and "Kept Care Ltd" in removed[0]
    assert "Removed Since 1 June 2026: Ceased trading" in removed[0]


def test_publishing_a_round_shows_at_once(db, client, council, system, make_round, make_provider, frozen_clock,
                                         page):
    from portal.commissioning.models import Outcome
    from portal.demo import complete_application, score_application
    from portal.evaluation import services as evaluation
    from portal.onboarding import services as onboarding

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
    db.session.commit()
    assert "No providers are on this list yet" in page()
    commissioning.publish_round(round_, council.commissioner)
    db.session.commit()
    rows = table_rows(page())
    assert len(rows) == 1 and "Bloomsbury Home Care LTD" in rows[0]


def test_a_suspension_ending_shows_on_the_day_after(db, client, council, system, make_member, page, frozen_clock):
    moved = make_member(name="Moved Care Ltd")
    members.suspend_membership(moved, council.commissioner, category=ChangeCategory.quality_concerns,
                               reason="Missed visits", until=date(2026, 6, 3))
    db.session.commit()
    assert "Moved Care Ltd" not in page() and "Moved Care Ltd" in page(status="suspended")
    frozen_clock.advance(days=2)  # 3 June: the last day of the suspension
    assert "Moved Care Ltd" not in page()
    frozen_clock.advance(days=1)  # nothing written, but it is back on the list today
    assert "Moved Care Ltd" in page() and "Moved Care Ltd" not in page(status="suspended")


def test_importing_members_shows_at_once(db, client, council, system, page):
    assert "No providers are on this list yet" in page()
    from tests.commissioning.test_member_import import GOOD

    member_import.confirm_import(system, council.commissioner, GOOD, source="old-framework.csv")
    db.session.commit()
    html = page()
    assert "Hales Group Limited" in html and "DIAL Peterborough" in html


def test_a_providers_new_name_and_rating_show_at_once(db, client, system, make_member, make_provider, page):
    user = make_provider(name="Old Name Care Ltd")
    organisation = user.organisation
    make_member(name="Other Care Ltd")
    membership = Membership(system=system, lot=system.lots[0], organisation=organisation,
                            admitted_on=date(2026, 5, 1), status=MembershipStatus.active)
    db.session.add(membership)
    db.session.commit()
    assert "Old Name Care Ltd" in page()
    organisations.update_profile(organisation, user, legal_name="New Name Care Ltd", trading_name="Fresh Care",
                                 cqc_rating=CQCRating.outstanding)
    db.session.commit()
    row = next(r for r in table_rows(page()) if "Fresh Care" in r)
    assert "Outstanding" in row and "Old Name Care Ltd" not in page()


def test_the_systems_own_changes_show_at_once(db, client, council, system, make_member, page):
    make_member(name="Member Care Ltd", zones={system.zones[0]: Decimal("19.65")})
    html = page()
    zone = system.zones[0]
    commissioning.update_system(system, council.commissioner, title="Renamed Support DPS")
    commissioning.rename_zone(zone, council.commissioner, name="Renamed Zone")
    commissioning.update_lot(system.lots[0], council.commissioner, title="Renamed Lot")
    db.session.commit()
    after = page()
    assert after != html
    assert "Renamed Support DPS" in after and "Renamed Zone" in after and "Renamed Lot" in after
    commissioning.add_participating_authority(system, council.commissioner, authority_name="Peterborough City Council")
    db.session.commit()
    assert "Other councils that call off from it" in page()


def test_a_rate_changed_in_the_database_shows_at_once(db, client, system, make_member, page):
    membership = make_member(name="Member Care Ltd", zones={system.zones[0]: Decimal("19.65")})
    assert "£19.65 an hour" in page()
    membership.zones[0].hourly_rate = Decimal("21.10")
    db.session.commit()
    assert "£21.10 an hour" in page() and "£19.65" not in page()


def test_the_follow_button_is_each_readers_own(db, client, login, system, make_member, make_provider, page):
    make_member(name="Member Care Ltd")
    assert "Follow this purchasing system" not in page()  # kept for everyone, without a button
    user = make_provider()
    login(user)
    html = page(kept=False)
    assert "Follow this purchasing system to get an email" in html and "Member Care Ltd" in html
    client.post(f"/provider/systems/{system.id}/follow", data={"next": f"/call-off-lists/{system.slug}"})
    assert "You follow this purchasing system" in page(kept=False)
    client.post("/sign-out")
    page(kept=False)  # (shows the signed-out message)
    assert "follow this purchasing system" not in page().lower()


def test_without_a_version_nothing_is_kept(db, client, system, make_member):
    make_member(name="Member Care Ltd")
    db.session.execute(cache.CallOffListVersion.__table__.delete())
    db.session.commit()
    url = f"/call-off-lists/{system.slug}"
    assert "Member Care Ltd" in client.get(url).get_data(as_text=True)
    assert not served_from_cache(db, client, url)
