"""Running a system for years: suggesting the next round, standstill before publishing, second rounds."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.commissioning import services as commissioning
from portal.commissioning.models import Membership, Outcome, Round, RoundStatus
from portal.core import DomainError
from portal.demo import at, complete_application, score_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding
from portal.onboarding.models import ApplicationLot, ApplicationStatus


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def published_round_one(db, council, system, make_round, make_provider, frozen_clock, *, standstill=0):
    """Round 1 (31 May to 15 June 2026): Bloomsbury admitted to Lot 1, Hales not admitted; decided on 1 July."""
    commissioning.update_system(system, council.commissioner, standstill_working_days=standstill)
    round_ = make_round()
    lot = system.lots[0]
    admitted_by, rejected_by = make_provider("Bloomsbury Home Care LTD"), make_provider("Hales Group Limited")
    admitted = complete_application(round_, admitted_by, lots=[lot])
    onboarding.submit_application(admitted, admitted_by, declaration_confirmed=True)
    rejected = complete_application(round_, rejected_by, lots=[lot])
    onboarding.submit_application(rejected, rejected_by, declaration_confirmed=True)
    frozen_clock.move_to(at(2026, 6, 30, 10))
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    evaluation.declare_conflicts(round_, council.evaluator1,
                                 {admitted.organisation_id: (False, ""), rejected.organisation_id: (False, "")})
    score_application(admitted, None, council.commissioner, score=4)
    score_application(rejected, None, council.commissioner, score=1)
    commissioning.record_decision(admitted, lot, council.commissioner, outcome=Outcome.admit, reasons="Passed.")
    commissioning.record_decision(rejected, lot, council.commissioner, outcome=Outcome.reject, reasons="Too low.")
    frozen_clock.move_to(at(2026, 7, 1, 10))
    commissioning.confirm_decisions(round_, council.commissioner)
    db.session.commit()
    return round_, admitted_by, rejected_by


# ---- cadence


def test_next_round_is_suggested_three_or_four_months_after_the_last(db, council, system, frozen_clock):
    commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 6, 8, 9), closes_at=at(2026, 7, 6, 12))
    opens_at, closes_at = commissioning.suggest_next_round(system, 3)
    assert (opens_at, closes_at) == (at(2026, 9, 8, 9), at(2026, 10, 6, 12))  # same wall times across BST
    opens_at, _ = commissioning.suggest_next_round(system, 4)
    assert opens_at == at(2026, 10, 8, 9)


def test_suggestion_never_falls_in_the_past_nor_overlaps_nor_leaves_the_lifetime(db, council, system, frozen_clock):
    commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 6, 8, 9), closes_at=at(2026, 7, 6, 12))
    frozen_clock.move_to(at(2026, 12, 1, 12))  # a long gap: 3-monthly dates in the past are skipped
    opens_at, _ = commissioning.suggest_next_round(system, 3)
    assert opens_at == at(2026, 12, 8, 9)
    # a 1-month cadence would open before the last round closes on 6 July: it moves on a month
    frozen_clock.move_to(at(2026, 6, 2, 12))
    assert commissioning.suggest_next_round(system, 1)[0] == at(2026, 7, 8, 9)
    # near the end of the lifetime (31 October 2027) there is no suggestion
    frozen_clock.move_to(at(2027, 9, 20, 12))
    assert commissioning.suggest_next_round(system, 3) is None


def test_system_page_offers_the_suggested_dates_and_the_form_is_prefilled(client, db, council, login, system):
    commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 6, 8, 9), closes_at=at(2026, 7, 6, 12))
    commissioning.update_system(system, council.commissioner, cadence_months=4)
    db.session.commit()
    login(council.commissioner)
    page = text(client.get(f"/commissioning/systems/{system.id}"))
    assert "Schedule Round 2 4 months on</a>: opens 8 October 2026 at 9:00am, closes 5 November 2026 at midday" in page
    form = text(client.get(f"/commissioning/systems/{system.id}/rounds/new?cadence=4"))
    for box, value in (("opens_on-day", "08"), ("opens_on-month", "10"), ("closes_on-day", "05"),
                       ("closes_on-month", "11")):
        assert re.search(f'id="{box}" name="[a-z_]+" type="text" value="{value}"', form), box
    assert "4 months after the last round" in form
    r = client.post(f"/commissioning/systems/{system.id}/rounds/new", data={
        "opens_on": ["8", "10", "2026"], "opens_time": "09:00", "closes_on": ["5", "11", "2026"], "closes_time": "12:00"})
    assert r.status_code == 302
    assert db.session.scalar(select(Round).filter_by(number=2)).opens_at == at(2026, 10, 8, 9)


def test_an_always_open_system_is_offered_one_round_for_its_lifetime(client, db, council, login, system):
    commissioning.update_system(system, council.commissioner, always_open=True)
    db.session.commit()
    login(council.commissioner)
    form = text(client.get(f"/commissioning/systems/{system.id}/rounds/new"))
    assert "This system is always open" in form
    assert re.search('id="closes_on-day" name="closes_on" type="text" value="31"', form)
    assert re.search('id="closes_on-year" name="closes_on" type="text" value="2027"', form)


# ---- standstill


def test_publish_is_refused_during_the_standstill_with_the_date(db, council, system, make_round, make_provider,
                                                                frozen_clock):
    round_, _, _ = published_round_one(db, council, system, make_round, make_provider, frozen_clock, standstill=10)
    # 10 working days from Wednesday 1 July 2026: the standstill ends at the end of Wednesday 15 July
    assert round_.standstill_ends_on == date(2026, 7, 15)
    frozen_clock.move_to(at(2026, 7, 15, 23, 30))
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(DomainError, match="The standstill period of 10 working days ends at the end of 15 July 2026. "
                                          "Publish the decisions from 16 July 2026."):
        commissioning.publish_round(round_, council.commissioner)
    db.session.rollback()
    assert round_.status is RoundStatus.decided and round_.published_at is None
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    frozen_clock.move_to(at(2026, 7, 16, 0, 5))
    commissioning.publish_round(round_, council.commissioner)
    assert round_.status is RoundStatus.published


def test_standstill_counts_bank_holidays_out(db, council, system, make_round, make_provider, frozen_clock):
    round_, _, _ = published_round_one(db, council, system, make_round, make_provider, frozen_clock, standstill=8)
    round_.decided_at = at(2026, 8, 26, 10)  # Wednesday; Monday 31 August is the summer bank holiday
    assert round_.standstill_ends_on == date(2026, 9, 8)


def test_round_page_shows_the_standstill_and_hides_publish(client, db, council, login, system, make_round,
                                                           make_provider, frozen_clock):
    round_, _, _ = published_round_one(db, council, system, make_round, make_provider, frozen_clock, standstill=10)
    login(council.commissioner)
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "It ends at the end of 15 July 2026. You can publish the decisions from 16 July 2026." in page
    assert "Publish decisions</button>" not in page
    r = client.post(f"/commissioning/rounds/{round_.id}/publish")
    assert r.status_code == 302
    assert "Publish the decisions from 16 July 2026" in text(client.get(f"/commissioning/rounds/{round_.id}"))
    db.session.refresh(round_)
    assert round_.published_at is None
    frozen_clock.move_to(at(2026, 7, 16, 9))
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "The standstill period ended at the end of 15 July 2026." in page and "Publish decisions</button>" in page


def test_without_standstill_decisions_publish_at_once(db, council, system, make_round, make_provider, frozen_clock):
    round_, _, _ = published_round_one(db, council, system, make_round, make_provider, frozen_clock, standstill=0)
    assert round_.standstill_ends_on is None and not round_.in_standstill()
    commissioning.publish_round(round_, council.commissioner)
    assert round_.status is RoundStatus.published


# ---- a second round for providers who missed the first


def test_second_round_refuses_a_member_for_its_lot_and_admits_everyone_else(
        db, council, system, make_round, make_provider, frozen_clock):
    round_one, admitted_by, rejected_by = published_round_one(db, council, system, make_round, make_provider,
                                                              frozen_clock)
    commissioning.publish_round(round_one, council.commissioner)
    round_two = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 9, 1, 9),
                                             closes_at=at(2026, 9, 29, 12))
    db.session.commit()
    frozen_clock.move_to(at(2026, 9, 2, 9))
    lot1, lot2 = system.lots
    again = onboarding.start_application(round_two, admitted_by)
    with pytest.raises(DomainError, match=r"Your organisation is already on the call-off list for Lot 1: Providers "
                                          r"of Care \(admitted on 1 July 2026\), so you do not need to apply for it "
                                          r"again. Remove it from this application."):
        onboarding.choose_lots(again, admitted_by, {lot1.id: [system.zones[0].id]})
    assert again.lots == []
    # the member may still apply for the other lot
    onboarding.choose_lots(again, admitted_by, {lot2.id: [system.zones[0].id]})
    # the provider not admitted in Round 1, and a newcomer who missed it, apply for Lot 1 as normal
    retry = complete_application(round_two, rejected_by, lots=[lot1])
    onboarding.submit_application(retry, rejected_by, declaration_confirmed=True)
    newcomer = make_provider("Care Outlook Ltd")
    late = complete_application(round_two, newcomer, lots=[lot1])
    onboarding.submit_application(late, newcomer, declaration_confirmed=True)
    assert retry.status is ApplicationStatus.submitted and late.status is ApplicationStatus.submitted


def test_a_suspended_member_or_one_still_being_decided_is_told_why(db, council, system, make_round, make_provider,
                                                                   frozen_clock):
    round_one, admitted_by, rejected_by = published_round_one(db, council, system, make_round, make_provider,
                                                              frozen_clock)
    round_two = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 7, 6, 9),
                                             closes_at=at(2026, 8, 3, 12))
    db.session.commit()
    frozen_clock.move_to(at(2026, 7, 7, 9))
    lot1 = system.lots[0]
    draft = onboarding.start_application(round_two, rejected_by)
    with pytest.raises(DomainError, match="Your application for Lot 1: Providers of Care in Round 1 is still being "
                                          "decided"):
        onboarding.choose_lots(draft, rejected_by, {lot1.id: [system.zones[0].id]})
    assert db.session.scalar(select(func.count()).select_from(ApplicationLot)
                             .where(ApplicationLot.application_id == draft.id)) == 0
    membership_closed = system.lots_closed_to(admitted_by.organisation_id)
    assert "still being decided" in membership_closed[lot1.id]


def test_the_lots_page_tells_a_member_which_lots_it_already_holds(client, db, council, login, system, make_round,
                                                                  make_provider, frozen_clock):
    round_one, admitted_by, _ = published_round_one(db, council, system, make_round, make_provider, frozen_clock)
    commissioning.publish_round(round_one, council.commissioner)
    round_two = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 9, 1, 9),
                                             closes_at=at(2026, 9, 29, 12))
    db.session.commit()
    frozen_clock.move_to(at(2026, 9, 2, 9))
    application = onboarding.start_application(round_two, admitted_by)
    db.session.commit()
    login(admitted_by)
    page = text(client.get(f"/provider/applications/{application.id}/lots"))
    assert "already on the call-off list for Lot 1: Providers of Care (admitted on 1 July 2026)" in page
