"""Commissioning services: setting up systems, scheduling and running rounds, deciding and publishing."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.commissioning import services as commissioning
from portal.commissioning.models import (
    Decision,
    Lot,
    LotZoneRate,
    Membership,
    MembershipChange,
    MembershipStatus,
    MembershipZone,
    MinimumStandard,
    Outcome,
    Procedure,
    PurchasingSystem,
    Question,
    Round,
    RoundStatus,
    Scorer,
    Section,
    StandardKind,
    Zone,
    ZoneAdmission,
)
from portal.core import DomainError, NotAllowed
from portal.demo import at, build_isf_system, complete_application, score_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding
from portal.onboarding.models import ApplicationStatus


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(db, action=None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def new_system(commissioner, *, reference="PCC-HC-DPS-2026", quality=80, social_value=20,
               starts_on=date(2026, 4, 1), ends_on=date(2030, 3, 31), scale_max=5, pass_mark=Decimal(60)):
    return commissioning.create_system(
        commissioner, title="Home care DPS", reference=reference, procedure=Procedure.dps_pcr2015,
        starts_on=starts_on, ends_on=ends_on, quality_weight=quality, social_value_weight=social_value,
        scale_max=scale_max, pass_mark=pass_mark)


def ready_system(commissioner, **kwargs):
    """A small system with one lot, one zone and questions whose weights add up: ready for a round."""
    system = new_system(commissioner, **kwargs)
    lot = commissioning.add_lot(system, commissioner, title="Home care")
    commissioning.add_zone(system, commissioner, name="Peterborough", ceiling_rate=Decimal("19.65"))
    commissioning.add_question(lot, commissioner, section=Section.quality, weight=Decimal(system.quality_weight),
                               text="How will you deliver person-centred care?")
    commissioning.add_question(lot, commissioner, section=Section.social_value,
                               weight=Decimal(system.social_value_weight), text="What social value will you add?")
    return system


# ---- create_system


def test_create_system_stores_the_system_and_audits_it(db, council):
    system = new_system(council.commissioner)
    db.session.commit()
    stored = db.session.get(PurchasingSystem, system.id)
    assert stored.authority_id == council.authority.id
    assert stored.reference == "PCC-HC-DPS-2026"
    assert stored.slug == "pcc-hc-dps-2026"
    assert (stored.quality_weight, stored.social_value_weight) == (80, 20)
    assert stored.scale_max == 5 and stored.pass_mark == Decimal(60)
    event = db.session.scalar(select(AuditEvent).filter_by(action="system.created"))
    assert event.actor_id == council.commissioner.id
    assert event.object_id == system.id and event.authority_id == council.authority.id
    assert event.after["weights"] == [80, 20]


@pytest.mark.parametrize("quality, social_value", [(95, 10), (90, 5), (100, 1), (50, 49)])
def test_create_system_refuses_weights_that_do_not_add_up_to_100(db, council, quality, social_value):
    with pytest.raises(DomainError, match="The quality and social value weights must add up to 100."):
        new_system(council.commissioner, quality=quality, social_value=social_value)
    assert count(db, PurchasingSystem) == 0
    assert events(db) == 0


@pytest.mark.parametrize("ends_on", [date(2026, 4, 1), date(2026, 3, 31)])
def test_create_system_refuses_a_lifetime_that_ends_before_it_starts(db, council, ends_on):
    with pytest.raises(DomainError, match="The end of the system's lifetime must be after its start."):
        new_system(council.commissioner, starts_on=date(2026, 4, 1), ends_on=ends_on)
    assert count(db, PurchasingSystem) == 0


def test_create_system_refuses_a_reference_already_used(db, council):
    new_system(council.commissioner, reference="PCC-HC-DPS-2026")
    before = events(db)
    with pytest.raises(DomainError, match="A system with the reference PCC-HC-DPS-2026 already exists"):
        new_system(council.other_commissioner, reference="PCC-HC-DPS-2026")
    assert count(db, PurchasingSystem) == 1
    assert events(db) == before


def test_create_system_is_for_commissioners_only(db, council):
    with pytest.raises(NotAllowed):
        new_system(council.evaluator1)
    assert count(db, PurchasingSystem) == 0


# ---- lots, zones, standards, questions, rates


def test_add_lot_numbers_lots_in_order(db, council):
    system = new_system(council.commissioner)
    first = commissioning.add_lot(system, council.commissioner, title="General home care")
    second = commissioning.add_lot(system, council.commissioner, title="Specialist care")
    assert (first.number, second.number) == (1, 2)
    assert second.name == "Lot 2: Specialist care"
    assert events(db, "lot.added") == 2


def test_add_zone_gives_every_lot_the_council_rate(db, council):
    system = new_system(council.commissioner)
    lot1 = commissioning.add_lot(system, council.commissioner, title="General")
    lot2 = commissioning.add_lot(system, council.commissioner, title="Specialist")
    zone = commissioning.add_zone(system, council.commissioner, name="Huntingdonshire",
                                  ceiling_rate=Decimal("16.22"), floor_rate=Decimal("14.17"))
    for lot in (lot1, lot2):
        rate = lot.rate_for(zone)
        assert (rate.ceiling_rate, rate.floor_rate) == (Decimal("16.22"), Decimal("14.17"))


def test_add_zone_refuses_a_duplicate_name_and_a_floor_above_the_ceiling(db, council):
    system = new_system(council.commissioner)
    commissioning.add_lot(system, council.commissioner, title="General")
    commissioning.add_zone(system, council.commissioner, name="Fenland", ceiling_rate=Decimal("16.22"))
    with pytest.raises(DomainError, match="The system already has a zone called fenland."):
        commissioning.add_zone(system, council.commissioner, name="fenland", ceiling_rate=Decimal("16.22"))
    with pytest.raises(DomainError, match="The floor rate must not be more than the ceiling rate."):
        commissioning.add_zone(system, council.commissioner, name="Wisbech", ceiling_rate=Decimal("16.00"),
                               floor_rate=Decimal("16.01"))
    assert count(db, Zone) == 1
    assert count(db, LotZoneRate) == 1


def test_add_standard_stores_kind_and_position(db, council):
    system = new_system(council.commissioner)
    lot = commissioning.add_lot(system, council.commissioner, title="General")
    commissioning.add_standard(lot, council.commissioner, kind=StandardKind.declaration, title="Exclusion grounds")
    insurance = commissioning.add_standard(lot, council.commissioner, kind=StandardKind.document,
                                           title="Public liability insurance", description="At least £5m.")
    assert insurance.position == 2 and insurance.kind is StandardKind.document
    assert [s.title for s in lot.standards] == ["Exclusion grounds", "Public liability insurance"]


def test_add_question_stores_the_question(db, council):
    system = new_system(council.commissioner)
    lot = commissioning.add_lot(system, council.commissioner, title="General")
    question = commissioning.add_question(lot, council.commissioner, section=Section.quality,
                                          weight=Decimal("42.5"), text="How do you keep people safe?",
                                          word_limit=400, min_score=2, scorer=Scorer.both)
    db.session.commit()
    stored = db.session.get(Question, question.id)
    assert (stored.section, stored.weight, stored.word_limit, stored.min_score, stored.scorer) == (
        Section.quality, Decimal("42.50"), 400, 2, Scorer.both)
    assert stored.label == "1.1"


def test_question_weights_cannot_exceed_the_section_weight(db, council):
    system = new_system(council.commissioner)  # 80 / 20
    lot = commissioning.add_lot(system, council.commissioner, title="General")
    commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=Decimal(50), text="Q1")
    commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=Decimal(30), text="Q2")
    commissioning.add_question(lot, council.commissioner, section=Section.social_value, weight=Decimal(15), text="S1")
    before = events(db)
    with pytest.raises(DomainError, match=r"The quality questions of Lot 1: General would weigh more than the "
                                          r"quality weight of 80. Lower this question's weight."):
        commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=Decimal("0.5"),
                                   text="Q3")
    with pytest.raises(DomainError, match="social value weight of 20"):
        commissioning.add_question(lot, council.commissioner, section=Section.social_value, weight=Decimal(6),
                                   text="S2")
    assert count(db, Question) == 3
    assert events(db) == before
    # exactly filling the section is allowed
    commissioning.add_question(lot, council.commissioner, section=Section.social_value, weight=Decimal(5), text="S2")
    assert lot.section_weight_total(Section.social_value) == 20


@pytest.mark.parametrize("weight, min_score, message", [
    (Decimal(0), 0, "Enter a weight greater than 0."),
    (Decimal(-5), 0, "Enter a weight greater than 0."),
    (Decimal(10), 6, "The minimum score must be between 0 and 5."),
])
def test_add_question_refuses_a_bad_weight_or_minimum(db, council, weight, min_score, message):
    system = new_system(council.commissioner)
    lot = commissioning.add_lot(system, council.commissioner, title="General")
    with pytest.raises(DomainError, match=message):
        commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=weight,
                                   min_score=min_score, text="Q1")
    assert count(db, Question) == 0


def test_set_rate_changes_the_rate_and_records_before_and_after(db, council, system):
    lot, zone = system.lots[0], system.zones[1]  # Huntingdonshire, 16.22 / 14.17
    commissioning.set_rate(lot, zone, council.commissioner, ceiling_rate=Decimal("17.10"),
                           floor_rate=Decimal("15.00"))
    rate = lot.rate_for(zone)
    assert (rate.ceiling_rate, rate.floor_rate) == (Decimal("17.10"), Decimal("15.00"))
    event = db.session.scalar(select(AuditEvent).filter_by(action="rate.set"))
    assert event.before == {"ceiling_rate": "16.22", "floor_rate": "14.17", "enhanced_rate": None}
    assert event.after["ceiling_rate"] == "17.10"


@pytest.mark.parametrize("ceiling, floor, message", [
    (Decimal("16.22"), Decimal("16.23"), "The floor rate must not be more than the ceiling rate."),
    (Decimal("0"), None, "Enter an hourly ceiling rate greater than £0."),
])
def test_set_rate_refuses_a_floor_above_the_ceiling(db, council, system, ceiling, floor, message):
    lot, zone = system.lots[0], system.zones[1]
    before = events(db)
    with pytest.raises(DomainError, match=message):
        commissioning.set_rate(lot, zone, council.commissioner, ceiling_rate=ceiling, floor_rate=floor)
    rate = lot.rate_for(zone)
    assert (rate.ceiling_rate, rate.floor_rate) == (Decimal("16.22"), Decimal("14.17"))
    assert events(db) == before


def test_set_rate_refuses_a_zone_of_another_system(db, council, system):
    other = build_isf_system(council.commissioner, reference="CCC-ISF-PDPS-2025")
    with pytest.raises(DomainError, match="That zone belongs to another system."):
        commissioning.set_rate(system.lots[0], other.zones[0], council.commissioner, ceiling_rate=Decimal(20))


SETUP_ACTIONS = {
    "add_lot": lambda system, actor: commissioning.add_lot(system, actor, title="Extra lot"),
    "add_zone": lambda system, actor: commissioning.add_zone(system, actor, name="East Cambridgeshire",
                                                             ceiling_rate=Decimal("17.00")),
    "add_standard": lambda system, actor: commissioning.add_standard(
        system.lots[0], actor, kind=StandardKind.document, title="Insurance"),
    "add_question": lambda system, actor: commissioning.add_question(
        system.lots[1], actor, section=Section.quality, weight=Decimal(0.5), text="One more question"),
    "set_rate": lambda system, actor: commissioning.set_rate(
        system.lots[0], system.zones[0], actor, ceiling_rate=Decimal("20.00")),
}
SETUP_MODELS = (Lot, Zone, LotZoneRate, MinimumStandard, Question)


def snapshot(db):
    return [count(db, model) for model in SETUP_MODELS] + [events(db)]


@pytest.mark.parametrize("action", SETUP_ACTIONS)
def test_only_a_commissioner_of_the_owning_council_changes_the_setup(db, council, system, action):
    before = snapshot(db)
    for outsider in (council.other_commissioner, council.evaluator1, council.panel):
        with pytest.raises(NotAllowed, match="Only a commissioner of the council that owns this system"):
            SETUP_ACTIONS[action](system, outsider)
    assert snapshot(db) == before
    assert system.lots[0].rate_for(system.zones[0]).ceiling_rate == Decimal("16.22")  # Fenland


FROZEN_MESSAGES = {
    "add_lot": "Round 1 is open until .*, so its lots cannot change while providers are applying",
    "add_zone": "Round 1 is open until .*, so its zones cannot change while providers are applying",
    "set_rate": "Round 1 is open until .*, so its rates cannot change while providers are applying",
    "add_standard": "Lot 1: Providers of Care was offered in Round 1, which has opened, so its title, standards "
                    "and questions are frozen",
    "add_question": "Lot 2: Brokers of Care was offered in Round 1, which has opened, so its title, standards "
                    "and questions are frozen",
}


@pytest.mark.parametrize("action", SETUP_ACTIONS)
def test_setup_is_frozen_once_a_round_has_opened(db, council, system, make_round, action):
    make_round()  # opened yesterday
    before = snapshot(db)
    with pytest.raises(DomainError, match=FROZEN_MESSAGES[action]):
        SETUP_ACTIONS[action](system, council.commissioner)
    assert snapshot(db) == before


def test_setup_can_still_change_while_the_only_round_is_scheduled(db, council, system, make_round):
    make_round(opens_in=timedelta(days=7), closes_in=timedelta(days=21))
    commissioning.add_standard(system.lots[0], council.commissioner, kind=StandardKind.document, title="Insurance")
    assert [s.title for s in system.lots[0].standards][-1] == "Insurance"


# ---- scheduling rounds


def test_schedule_round_stores_the_window_and_numbers_rounds(db, council, system, frozen_clock):
    first = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 6, 8, 9),
                                         closes_at=at(2026, 7, 6, 12))
    second = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 10, 5, 9),
                                          closes_at=at(2026, 11, 2, 12))
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    assert first.status is RoundStatus.scheduled
    stored = db.session.get(Round, first.id)
    assert stored.opens_at == at(2026, 6, 8, 9)  # 08:00 UTC in summer time
    assert stored.opens_at.hour == 8
    assert events(db, "round.scheduled") == 2


@pytest.mark.parametrize("opens_at, closes_at, message", [
    (at(2026, 7, 6, 12), at(2026, 6, 8, 9), "The closing time must be after the opening time."),
    (at(2026, 7, 6, 12), at(2026, 7, 6, 12), "The closing time must be after the opening time."),
    (at(2026, 5, 1, 9), at(2026, 5, 31, 12), "The closing time must be in the future."),
    (at(2027, 10, 1, 9), at(2027, 11, 1, 12), r"The round must fall within the system's lifetime"),
    (at(2022, 9, 1, 9), at(2026, 7, 1, 12), r"The round must fall within the system's lifetime"),
])
def test_schedule_round_refuses_a_bad_window(db, council, system, opens_at, closes_at, message):
    before = events(db)
    with pytest.raises(DomainError, match=message):
        commissioning.schedule_round(system, council.commissioner, opens_at=opens_at, closes_at=closes_at)
    assert count(db, Round) == 0
    assert events(db) == before


def test_schedule_round_lifetime_is_read_on_the_london_calendar(db, council):
    """A round opening just after midnight on the system's first day (British Summer Time) is inside it,
    though in UTC it is still the day before."""
    system = ready_system(council.commissioner, starts_on=date(2026, 7, 1), ends_on=date(2027, 6, 30))
    round_ = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 7, 1, 0, 0),
                                          closes_at=at(2026, 7, 31, 12))
    assert round_.number == 1
    # and one closing just after midnight the day after the lifetime ends is outside it
    with pytest.raises(DomainError, match="within the system's lifetime"):
        commissioning.schedule_round(system, council.commissioner, opens_at=at(2027, 6, 1, 9),
                                     closes_at=at(2027, 7, 1, 0, 30))


def test_schedule_round_refuses_an_overlap_with_another_round(db, council, system, make_round):
    make_round()  # 31 May to 15 June
    before = events(db)
    with pytest.raises(DomainError, match="The round would overlap Round 1. Choose dates after it closes."):
        commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 6, 10, 9),
                                     closes_at=at(2026, 7, 10, 12))
    assert count(db, Round) == 1
    assert events(db) == before
    # starting exactly when the other closes is not an overlap
    later = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 6, 15, 12),
                                         closes_at=at(2026, 7, 10, 12))
    assert later.number == 2


def test_schedule_round_refuses_a_system_that_is_not_ready(db, council):
    system = new_system(council.commissioner)
    commissioning.add_lot(system, council.commissioner, title="General home care")
    commissioning.add_zone(system, council.commissioner, name="Peterborough", ceiling_rate=Decimal("19.65"))
    with pytest.raises(DomainError) as refused:
        commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 7, 1, 9),
                                     closes_at=at(2026, 7, 31, 12))
    assert str(refused.value) == (
        "The system is not ready for a round: Lot 1: General home care has no questions. "
        "Add its quality and social value questions.")
    assert count(db, Round) == 0


def test_schedule_round_lists_weights_that_do_not_add_up_and_missing_zones(db, council):
    system = new_system(council.commissioner)  # 80 / 20
    lot = commissioning.add_lot(system, council.commissioner, title="General")
    commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=Decimal(70), text="Q1")
    commissioning.add_question(lot, council.commissioner, section=Section.social_value, weight=Decimal(20), text="S")
    with pytest.raises(DomainError) as refused:
        commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 7, 1, 9),
                                     closes_at=at(2026, 7, 31, 12))
    message = str(refused.value)
    assert "Add at least one zone." in message
    assert "the quality question weights add up to 70, but the quality weight is 80" in message
    assert "social value question weights" not in message


def test_schedule_round_is_for_the_owning_council_only(db, council, system):
    with pytest.raises(NotAllowed):
        commissioning.schedule_round(system, council.other_commissioner, opens_at=at(2026, 7, 1, 9),
                                     closes_at=at(2026, 7, 31, 12))
    assert count(db, Round) == 0


# ---- running a round


def test_open_round_now_brings_the_opening_forward(db, council, make_round, frozen_clock):
    round_ = make_round(opens_in=timedelta(days=7))
    commissioning.open_round_now(round_, council.commissioner)
    assert round_.opens_at == frozen_clock.now
    assert round_.status is RoundStatus.open and round_.is_open()
    event = db.session.scalar(select(AuditEvent).filter_by(action="round.opened"))
    assert event.before == {"opens_at": at(2026, 6, 8, 12).isoformat()}


def test_close_round_early_needs_a_reason(db, council, make_round, frozen_clock):
    round_ = make_round()
    closes_at = round_.closes_at
    before = events(db)
    for reason in ("", "   "):
        with pytest.raises(DomainError, match="Enter the reason for closing the round early."):
            commissioning.close_round_early(round_, council.commissioner, reason=reason)
    assert round_.closes_at == closes_at and round_.early_close_reason is None
    assert round_.status is RoundStatus.open
    assert events(db) == before

    commissioning.close_round_early(round_, council.commissioner, reason="  Enough providers for the zones.  ")
    assert round_.closes_at == frozen_clock.now
    assert round_.early_close_reason == "Enough providers for the zones."
    assert round_.status is RoundStatus.closed
    event = db.session.scalar(select(AuditEvent).filter_by(action="round.closed_early"))
    assert event.before == {"closes_at": closes_at.isoformat()}


def test_another_council_cannot_run_the_round(db, council, make_round):
    scheduled = make_round(opens_in=timedelta(days=30), closes_in=timedelta(days=40))
    with pytest.raises(NotAllowed):
        commissioning.open_round_now(scheduled, council.other_commissioner)
    assert scheduled.status is RoundStatus.scheduled


def test_begin_evaluation_moves_submitted_applications_only(db, council, system, make_round, make_provider,
                                                            frozen_clock):
    round_ = make_round()
    submitted_by, draft_by, withdrawn_by = make_provider(), make_provider(), make_provider()
    submitted = complete_application(round_, submitted_by, lots=[system.lots[0]])
    onboarding.submit_application(submitted, submitted_by, declaration_confirmed=True)
    draft = complete_application(round_, draft_by, lots=[system.lots[0]])
    withdrawn = complete_application(round_, withdrawn_by, lots=[system.lots[0]])
    onboarding.withdraw_application(withdrawn, withdrawn_by)
    frozen_clock.advance(days=15)
    commissioning.begin_evaluation(round_, council.commissioner)
    assert round_.status is RoundStatus.in_evaluation
    assert round_.evaluation_started_at == frozen_clock.now
    assert [a.status for a in (submitted, draft, withdrawn)] == [
        ApplicationStatus.in_evaluation, ApplicationStatus.draft, ApplicationStatus.withdrawn]
    event = db.session.scalar(select(AuditEvent).filter_by(action="round.evaluation_started"))
    assert event.after == {"applications": 1}


# ---- the round state × action table


def round_in(state, make_round, council, frozen_clock):
    """A round with no applications, brought to `state` through the services."""
    if state == "scheduled":
        return make_round(opens_in=timedelta(days=7), closes_in=timedelta(days=21))
    round_ = make_round()
    if state == "open":
        return round_
    frozen_clock.advance(days=15)
    if state == "closed":
        return round_
    commissioning.begin_evaluation(round_, council.commissioner)
    if state == "in_evaluation":
        return round_
    commissioning.confirm_decisions(round_, council.commissioner)
    if state == "decided":
        return round_
    commissioning.publish_round(round_, council.commissioner)
    assert state == "published"
    return round_


ROUND_ACTIONS = {
    "open_round_now": (lambda r, actor: commissioning.open_round_now(r, actor), "open"),
    "close_round_early": (lambda r, actor: commissioning.close_round_early(r, actor, reason="Enough bids."), "closed"),
    "begin_evaluation": (lambda r, actor: commissioning.begin_evaluation(r, actor), "in_evaluation"),
    "confirm_decisions": (lambda r, actor: commissioning.confirm_decisions(r, actor), "decided"),
    "publish_round": (lambda r, actor: commissioning.publish_round(r, actor), "published"),
}
ALLOWED_FROM = {
    "open_round_now": "scheduled",
    "close_round_early": "open",
    "begin_evaluation": "closed",
    "confirm_decisions": "in_evaluation",
    "publish_round": "decided",
}
ROUND_STATES = ["scheduled", "open", "closed", "in_evaluation", "decided", "published"]


def round_fields(round_):
    return (round_.opens_at, round_.closes_at, round_.early_close_reason, round_.evaluation_started_at,
            round_.decided_at, round_.published_at)


@pytest.mark.parametrize("action", ROUND_ACTIONS)
@pytest.mark.parametrize("state", ROUND_STATES)
def test_round_state_action_table(db, council, make_round, frozen_clock, state, action):
    round_ = round_in(state, make_round, council, frozen_clock)
    db.session.commit()
    assert round_.status is RoundStatus(state)
    do, becomes = ROUND_ACTIONS[action]
    if ALLOWED_FROM[action] == state:
        do(round_, council.commissioner)
        assert round_.status is RoundStatus(becomes)
        return
    fields, before = round_fields(round_), events(db)
    with pytest.raises(DomainError) as refused:
        do(round_, council.commissioner)
    assert type(refused.value) is DomainError  # refused by the rules, not by permissions
    assert str(refused.value).startswith("Round 1 ")
    assert round_.status is RoundStatus(state)
    assert round_fields(round_) == fields
    assert events(db) == before
    db.session.commit()
    db.session.expire_all()
    assert round_fields(round_) == fields


# ---- decisions and publication


def submitted_application(round_, provider, lots):
    application = complete_application(round_, provider, lots=lots)
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    return application


def declare_no_conflicts(round_, evaluators):
    """Each evaluator declares no interest in any provider they are assigned to (all at once, as the form does)."""
    for evaluator in evaluators:
        organisations = {a.organisation_id for a in round_.applications
                         if any(x.evaluator_id == evaluator.id for x in a.assignments)}
        evaluation.declare_conflicts(round_, evaluator, {o: (False, "") for o in organisations})


def scores_without_moderation(application, score=4):
    for assignment in application.assignments:
        evaluator = assignment.evaluator
        for question in assignment.questions():
            evaluation.record_score(assignment, question, evaluator, score=score,
                                    justification="Clear, specific and evidenced answer.")
        for standard in assignment.standards():
            if not standard.kind.is_automatic:
                evaluation.record_standard_assessment(assignment, standard, evaluator, passed=True,
                                                      reason="Evidence shows relevant experience.")
        evaluation.submit_assignment(assignment, evaluator)


@pytest.fixture()
def two_applications(db, council, system, make_round, make_provider, frozen_clock):
    """Round 1 in evaluation with two applications for Lot 1, each with both officers assigned."""
    round_ = make_round()
    good, weak = make_provider("Bloomsbury Home Care LTD"), make_provider("Hales Group Limited")
    first = submitted_application(round_, good, [system.lots[0]])
    second = submitted_application(round_, weak, [system.lots[0]])
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2])
    declare_no_conflicts(round_, [council.evaluator1, council.evaluator2])
    db.session.commit()
    return round_, first, second


def test_record_decision_keeps_the_computed_result_beside_it(db, council, system, two_applications):
    round_, application, _ = two_applications
    lot = system.lots[0]
    score_application(application, None, council.commissioner, score=4)
    decision = commissioning.record_decision(application, lot, council.commissioner, outcome=Outcome.admit,
                                             reasons="  Met every standard and scored 80.  ")
    db.session.commit()
    stored = db.session.get(Decision, decision.id)
    assert stored.outcome is Outcome.admit
    assert stored.reasons == "Met every standard and scored 80."
    assert stored.total_at_decision == Decimal("80.00")
    assert stored.passed_at_decision is True
    assert stored.decided_by_id == council.commissioner.id
    # deciding again replaces the decision and keeps what it was in the audit log
    commissioning.record_decision(application, lot, council.commissioner, outcome=Outcome.reject,
                                  reasons="Withdrew from the market.")
    assert count(db, Decision) == 1
    event = db.session.scalars(select(AuditEvent).filter_by(action="decision.recorded")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.before == {"outcome": "admit", "reasons": "Met every standard and scored 80."}


def test_admit_is_refused_when_the_result_failed(db, council, system, two_applications):
    round_, application, _ = two_applications
    lot = system.lots[0]
    score_application(application, None, council.commissioner, score=4, moderated=1)  # 1 is below the minimum 2
    before = events(db)
    with pytest.raises(DomainError, match="This application did not pass Lot 1: Providers of Care, so it cannot "
                                          "be admitted. Record a rejection with reasons."):
        commissioning.record_decision(application, lot, council.commissioner, outcome=Outcome.admit,
                                      reasons="We would like them on the list.")
    assert count(db, Decision) == 0
    assert events(db) == before
    decision = commissioning.record_decision(application, lot, council.commissioner, outcome=Outcome.reject,
                                             reasons="Answers below the minimum acceptable score.")
    assert decision.passed_at_decision is False
    assert decision.total_at_decision == Decimal("20.00")  # 1/5 of every weight


def test_decision_is_refused_before_moderation_is_complete(db, council, system, two_applications):
    round_, application, _ = two_applications
    lot = system.lots[0]
    scores_without_moderation(application)
    evaluation.moderate_question(application, lot.questions[0], council.commissioner, score=4,
                                 rationale="Agreed at the moderation meeting.")
    for outcome in Outcome:
        with pytest.raises(DomainError, match="Finish moderating Lot 1: Providers of Care for this application "
                                              "before deciding"):
            commissioning.record_decision(application, lot, council.commissioner, outcome=outcome,
                                          reasons="Looks fine.")
    assert count(db, Decision) == 0


def test_record_decision_refuses_missing_reasons_and_lots_not_bid_for(db, council, system, two_applications):
    round_, application, _ = two_applications
    score_application(application, None, council.commissioner, score=4)
    with pytest.raises(DomainError, match="Enter the reasons for the decision."):
        commissioning.record_decision(application, system.lots[0], council.commissioner, outcome=Outcome.admit,
                                      reasons="  ")
    with pytest.raises(DomainError, match="This application does not bid for Lot 2: Brokers of Care."):
        commissioning.record_decision(application, system.lots[1], council.commissioner, outcome=Outcome.admit,
                                      reasons="Good.")
    with pytest.raises(NotAllowed):
        commissioning.record_decision(application, system.lots[0], council.other_commissioner,
                                      outcome=Outcome.admit, reasons="Good.")
    assert count(db, Decision) == 0


def test_confirm_decisions_lists_every_missing_decision(db, council, system, two_applications):
    round_, first, second = two_applications
    score_application(first, None, council.commissioner, score=4)
    commissioning.record_decision(first, system.lots[0], council.commissioner, outcome=Outcome.admit,
                                  reasons="Passed.")
    before = events(db)
    with pytest.raises(DomainError) as refused:
        commissioning.confirm_decisions(round_, council.commissioner)
    assert str(refused.value) == ("Record a decision for every lot of every application first. "
                                  "Missing: Hales Group Limited (Lot 1: Providers of Care).")
    assert round_.status is RoundStatus.in_evaluation and round_.decided_at is None
    assert second.status is ApplicationStatus.in_evaluation
    assert events(db) == before


def test_publish_round_admits_members_at_the_ceiling_or_their_offered_rate(
        db, council, system, make_round, make_provider, frozen_clock):
    round_ = make_round()
    lot = system.lots[0]
    peterborough, huntingdonshire, fenland = sorted(system.zones, key=lambda z: z.id)
    admitted_by, rejected_by = make_provider("Bloomsbury Home Care LTD"), make_provider("Hales Group Limited")
    admitted = complete_application(round_, admitted_by, lots=[lot])
    onboarding.set_rates(admitted, admitted_by, accepted=True,
                         offered={(lot.id, huntingdonshire.id): Decimal("15.50")})
    onboarding.submit_application(admitted, admitted_by, declaration_confirmed=True)
    rejected = submitted_application(round_, rejected_by, [lot])
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    declare_no_conflicts(round_, [council.evaluator1])
    score_application(admitted, None, council.commissioner, score=4)
    score_application(rejected, None, council.commissioner, score=1)
    commissioning.record_decision(admitted, lot, council.commissioner, outcome=Outcome.admit, reasons="Passed.")
    commissioning.record_decision(rejected, lot, council.commissioner, outcome=Outcome.reject,
                                  reasons="Below the minimum score.")
    commissioning.confirm_decisions(round_, council.commissioner)
    assert {admitted.status, rejected.status} == {ApplicationStatus.decided}
    frozen_clock.advance(days=2)

    members = commissioning.publish_round(round_, council.commissioner)
    db.session.commit()

    assert round_.status is RoundStatus.published
    assert count(db, Membership) == 1
    membership = db.session.scalar(select(Membership))
    assert members == [membership]
    assert membership.organisation_id == admitted_by.organisation_id
    assert (membership.system_id, membership.lot_id, membership.application_id) == (system.id, lot.id, admitted.id)
    assert membership.status is MembershipStatus.active
    assert membership.admitted_on == frozen_clock.now.date()
    rates = {z.zone.name: z.hourly_rate for z in membership.zones}
    assert rates == {peterborough.name: Decimal("19.65"), huntingdonshire.name: Decimal("15.50"),
                     fenland.name: Decimal("16.22")}
    assert count(db, MembershipZone) == 3
    [change] = membership.history
    assert (change.status, change.reason, change.changed_by_id) == (
        MembershipStatus.active, "Admitted in Round 1", council.commissioner.id)
    assert count(db, MembershipChange) == 1
    event = db.session.scalar(select(AuditEvent).filter_by(action="round.published"))
    assert event.after == {"admitted": 1}
    # the dashboard's chart counts each provider's first admission per zone
    first = db.session.execute(select(ZoneAdmission.zone_id, ZoneAdmission.organisation_id,
                                      ZoneAdmission.first_admitted_on)).all()
    assert sorted(first) == sorted((zone.id, admitted_by.organisation_id, frozen_clock.now.date())
                                   for zone in (peterborough, huntingdonshire, fenland))
