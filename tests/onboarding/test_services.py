"""Onboarding services: registering providers, filling in, submitting, withdrawing and reopening applications."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome, StandardKind
from portal.core import DomainError, NotAllowed
from portal.demo import SAMPLE_ANSWER, build_isf_system, complete_application, score_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding
from portal.onboarding.models import (
    Answer,
    Application,
    ApplicationLot,
    ApplicationStatus,
    ApplicationZone,
    CQCRating,
    Organisation,
    TaskStatus,
    application_tasks,
)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(db, action=None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def register(**overrides):
    details = dict(legal_name="Fenland Homecare Partnership Ltd", companies_house_number="12345678",
                   cqc_provider_id="1-101234567", cqc_rating=CQCRating.good, cqc_rating_date=None,
                   address="1 Market Place\nWisbech", postcode="pe13 1ab", name="Sam Patel",
                   email="Sam@Fenland-Homecare.example", password="care-dps-demo-password")
    details.update(overrides)
    return onboarding.register_provider(**details)


def lots_by_number(system):
    return {lot.number: lot for lot in system.lots}


def zones_by_name(system):
    return {zone.name: zone for zone in system.zones}


# ---- registering


def test_register_provider_creates_the_organisation_and_its_owner(db):
    user = register()
    db.session.commit()
    organisation = db.session.get(Organisation, user.organisation_id)
    assert organisation.legal_name == "Fenland Homecare Partnership Ltd"
    assert organisation.companies_house_number == "12345678"
    assert organisation.postcode == "PE13 1AB"
    assert organisation.contact_email == "sam@fenland-homecare.example"
    assert user.email == "sam@fenland-homecare.example" and user.role is Role.provider
    assert user.check_password("care-dps-demo-password")
    assert events(db, "organisation.registered") == 1


@pytest.mark.parametrize("overrides, message", [
    ({"email": "  SAM@fenland-homecare.EXAMPLE ", "companies_house_number": "87654321"},
     "An account with this email address already exists. Sign in instead."),
    ({"email": "bids@other.example"},
     "An organisation with this Companies House number is already registered. Ask its owner to invite you."),
])
def test_register_provider_refuses_a_duplicate(db, overrides, message):
    register()
    before = (count(db, Organisation), count(db, User), events(db))
    with pytest.raises(DomainError, match=message):
        register(legal_name="Another Care Ltd", **overrides)
    assert (count(db, Organisation), count(db, User), events(db)) == before


def test_organisations_without_a_companies_house_number_can_both_register(db):
    register(companies_house_number=None, email="a@charity.example", legal_name="Affinity Trust")
    register(companies_house_number="", email="b@charity.example", legal_name="DIAL Peterborough")
    assert count(db, Organisation) == 2


# ---- starting an application


def test_start_application_creates_a_draft_and_returns_the_same_one_again(db, make_round, make_provider):
    round_ = make_round()
    provider = make_provider()
    application = onboarding.start_application(round_, provider)
    assert application.status is ApplicationStatus.draft
    assert application.organisation_id == provider.organisation_id
    assert application.created_by_id == provider.id
    before = events(db)
    again = onboarding.start_application(round_, provider)
    assert again.id == application.id
    assert count(db, Application) == 1
    assert events(db) == before


def test_start_application_before_the_round_opens(db, make_round, make_provider):
    round_ = make_round(opens_in=timedelta(days=3), closes_in=timedelta(days=30))
    with pytest.raises(DomainError, match="^Round 1 opens at 4 June 2026 at midday. Come back then to apply.$"):
        onboarding.start_application(round_, make_provider())
    assert count(db, Application) == 0


def test_start_application_after_the_round_closed(db, make_round, make_provider, frozen_clock):
    round_ = make_round()
    provider = make_provider()
    frozen_clock.move_to(round_.closes_at)
    with pytest.raises(DomainError, match="^Round 1 closed at 15 June 2026 at midday. Applications can no longer"):
        onboarding.start_application(round_, provider)
    assert count(db, Application) == 0


def test_start_application_while_the_round_is_paused(db, make_round, make_provider):
    round_ = make_round()
    round_.paused, round_.pause_reason = True, "We are answering a clarification that affects every bidder."
    with pytest.raises(DomainError, match="^The council has paused Round 1: We are answering a clarification"):
        onboarding.start_application(round_, make_provider())
    assert count(db, Application) == 0


def test_only_providers_apply(db, council, make_round):
    with pytest.raises(NotAllowed):
        onboarding.start_application(make_round(), council.commissioner)


# ---- lots and zones


def test_choose_lots_stores_lots_and_zones(db, system, make_round, make_provider):
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    lots, zones = lots_by_number(system), zones_by_name(system)
    onboarding.choose_lots(application, provider, {lots[1].id: [zones["Peterborough"].id, zones["Fenland"].id],
                                                   lots[2].id: [zones["Huntingdonshire"].id]})
    db.session.commit()
    chosen = {c.lot.number: sorted(z.zone.name for z in c.zones) for c in application.lots}
    assert chosen == {1: ["Fenland", "Peterborough"], 2: ["Huntingdonshire"]}
    # choosing again replaces the choice
    onboarding.choose_lots(application, provider, {lots[2].id: [zones["Fenland"].id]})
    db.session.commit()
    assert {c.lot.number: [z.zone.name for z in c.zones] for c in application.lots} == {2: ["Fenland"]}
    assert count(db, ApplicationLot) == 1 and count(db, ApplicationZone) == 1


@pytest.mark.parametrize("choice, message", [
    ("none", "Select at least one lot."),
    ("lot without zones", "Select at least one zone for Lot 2: Brokers of Care."),
    ("another system's lot", "Select lots from this system only."),
    ("another system's zone", "Select zones from this system only."),
])
def test_choose_lots_refuses_a_bad_choice(db, council, system, make_round, make_provider, choice, message):
    other = build_isf_system(council.commissioner, reference="CCC-ISF-PDPS-2025")
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    lots, zones = lots_by_number(system), zones_by_name(system)
    onboarding.choose_lots(application, provider, {lots[1].id: [zones["Peterborough"].id]})
    before = (count(db, ApplicationLot), count(db, ApplicationZone), events(db))
    choices = {
        "none": {},
        "lot without zones": {lots[1].id: [zones["Peterborough"].id], lots[2].id: []},
        "another system's lot": {other.lots[0].id: [zones["Peterborough"].id]},
        "another system's zone": {lots[1].id: [other.zones[0].id]},
    }[choice]
    with pytest.raises(DomainError, match=message):
        onboarding.choose_lots(application, provider, choices)
    assert (count(db, ApplicationLot), count(db, ApplicationZone), events(db)) == before
    assert [(c.lot_id, [z.zone_id for z in c.zones]) for c in application.lots] == [
        (lots[1].id, [zones["Peterborough"].id])]


def test_another_provider_cannot_change_the_application(db, system, make_round, make_provider):
    owner, stranger = make_provider(), make_provider()
    application = onboarding.start_application(make_round(), owner)
    with pytest.raises(NotAllowed):
        onboarding.choose_lots(application, stranger, {system.lots[0].id: [system.zones[0].id]})
    assert application.lots == []


# ---- answers


def test_save_answer_over_the_word_limit_is_kept_but_not_complete(db, system, make_round, make_provider):
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    lot = system.lots[0]
    onboarding.choose_lots(application, provider, {lot.id: [system.zones[0].id]})
    social_value = lot.questions[3]  # 300 words at most
    long_text = " ".join(["apprenticeships"] * 301)
    answer = onboarding.save_answer(application, social_value, provider, long_text)
    db.session.commit()
    stored = db.session.get(Answer, answer.id)
    assert stored.text == long_text and stored.word_count == 301
    assert stored.is_complete is False
    task = next(t for t in application_tasks(application) if t["key"] == f"question-{social_value.id}")
    assert task["status"] is TaskStatus.in_progress
    onboarding.save_answer(application, social_value, provider, " ".join(["apprenticeships"] * 300))
    task = next(t for t in application_tasks(application) if t["key"] == f"question-{social_value.id}")
    assert task["status"] is TaskStatus.completed


def test_save_answer_refuses_a_stale_version_and_keeps_the_newer_text(db, system, make_round, make_provider):
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    lot = system.lots[0]
    onboarding.choose_lots(application, provider, {lot.id: [system.zones[0].id]})
    question = lot.questions[0]
    answer = onboarding.save_answer(application, question, provider, "First draft.")
    db.session.commit()
    assert answer.version == 1
    onboarding.save_answer(application, question, provider, "Second draft, from tab A.", expected_version=1)
    db.session.commit()
    assert answer.version == 2
    before = events(db)
    with pytest.raises(DomainError, match="^This answer was changed somewhere else \\(perhaps in another tab\\)"):
        onboarding.save_answer(application, question, provider, "Old tab B text.", expected_version=1)
    assert (answer.text, answer.version) == ("Second draft, from tab A.", 2)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Answer, answer.id).text == "Second draft, from tab A."
    assert events(db) == before


def test_save_answer_refuses_a_question_of_a_lot_not_chosen(db, system, make_round, make_provider):
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    onboarding.choose_lots(application, provider, {system.lots[0].id: [system.zones[0].id]})
    with pytest.raises(DomainError, match="This application does not bid for the lot this question belongs to."):
        onboarding.save_answer(application, system.lots[1].questions[0], provider, "Text")
    assert count(db, Answer) == 0


# ---- rates


def test_set_rates_stores_an_offered_rate_within_the_band(db, system, make_round, make_provider):
    provider = make_provider()
    lot, zones = system.lots[0], zones_by_name(system)
    application = complete_application(make_round(), provider, lots=[lot])
    onboarding.set_rates(application, provider, accepted=True,
                         offered={(lot.id, zones["Huntingdonshire"].id): Decimal("14.17")})
    offered = {z.zone.name: z.offered_rate for z in application.lots[0].zones}
    assert offered == {"Fenland": None, "Huntingdonshire": Decimal("14.17"), "Peterborough": None}
    assert application.rate_accepted is True


@pytest.mark.parametrize("zone, rate, message", [
    ("Peterborough", Decimal("19.66"),
     "Your rate for Peterborough (Lot 1: Providers of Care) is above the council's ceiling of £19.65. "
     "Enter £19.65 or less."),
    ("Huntingdonshire", Decimal("14.16"),
     "Your rate for Huntingdonshire (Lot 1: Providers of Care) is below the council's floor of £14.17. "
     "Enter £14.17 or more."),
    ("Fenland", Decimal("16.23"),
     "Your rate for Fenland (Lot 1: Providers of Care) is above the council's ceiling of £16.22. "
     "Enter £16.22 or less."),
])
def test_set_rates_refuses_a_rate_outside_the_band(db, system, make_round, make_provider, zone, rate, message):
    provider = make_provider()
    lot, zones = system.lots[0], zones_by_name(system)
    application = onboarding.start_application(make_round(), provider)
    onboarding.choose_lots(application, provider, {lot.id: [z.id for z in zones.values()]})
    before = events(db)
    # a valid rate for another zone is offered in the same go: nothing at all may be stored
    valid = ("Fenland", Decimal("15.00")) if zone == "Peterborough" else ("Peterborough", Decimal("19.00"))
    offered = {(lot.id, zones[zone].id): rate, (lot.id, zones[valid[0]].id): valid[1]}
    with pytest.raises(DomainError) as refused:
        onboarding.set_rates(application, provider, accepted=True, offered=offered)
    assert str(refused.value) == message
    assert application.rate_accepted is False
    assert [z.offered_rate for z in application.lots[0].zones] == [None, None, None]
    assert events(db) == before


def test_set_rates_needs_the_rates_accepted(db, system, make_round, make_provider):
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    onboarding.choose_lots(application, provider, {system.lots[0].id: [system.zones[0].id]})
    with pytest.raises(DomainError, match="Confirm that you accept the council's hourly rates."):
        onboarding.set_rates(application, provider, accepted=False)
    assert application.rate_accepted is False


# ---- submitting


def test_submit_application_gives_a_reference_and_records_the_rating(db, system, make_round, make_provider,
                                                                     frozen_clock):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    assert application.status is ApplicationStatus.submitted
    assert application.submitted_at == frozen_clock.now
    assert application.declaration_confirmed is True
    assert re.fullmatch(r"CCC-ISF-PDPS-2022/R1/\d{5}", application.reference)
    assert application.reference == f"CCC-ISF-PDPS-2022/R1/{application.id:05d}"
    cqc = next(r for r in application.standard_responses if r.standard.kind is StandardKind.cqc_rating)
    assert cqc.cqc_rating_at_submission is CQCRating.good
    event = db.session.scalar(select(AuditEvent).filter_by(action="application.submitted"))
    assert event.after["reference"] == application.reference


def test_submit_refuses_an_incomplete_application_listing_what_is_missing(db, system, make_round, make_provider):
    provider = make_provider()
    lot = system.lots[0]
    application = onboarding.start_application(make_round(), provider)
    onboarding.choose_lots(application, provider, {lot.id: [system.zones[0].id]})
    for question in lot.questions[:3]:
        onboarding.save_answer(application, question, provider, SAMPLE_ANSWER)
    for standard in lot.standards:
        if standard.kind is StandardKind.evidence:
            onboarding.save_standard_response(application, standard, provider, text="Ten years of ISFs.")
        elif standard.kind is StandardKind.declaration:
            onboarding.save_standard_response(application, standard, provider, confirmed=True)
    before = events(db)
    with pytest.raises(DomainError) as refused:
        onboarding.submit_application(application, provider, declaration_confirmed=True)
    assert str(refused.value) == (
        "Complete every section before submitting. Still to do: CQC rating of Good or Outstanding; "
        "What will you do for local employment, training and apprenticeships?; "
        "Accept the council's hourly rates.")
    assert application.status is ApplicationStatus.draft and application.reference is None
    assert events(db) == before


def test_submit_refuses_a_cqc_rating_below_good_for_lot_1(db, system, make_round, make_provider):
    provider = make_provider(rating=CQCRating.requires_improvement)
    round_ = make_round()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    with pytest.raises(DomainError) as refused:
        onboarding.submit_application(application, provider, declaration_confirmed=True)
    assert str(refused.value) == (
        "Lot 1: Providers of Care needs a CQC overall rating of Good or Outstanding; your organisation's rating "
        "is Requires improvement. Remove Lot 1: Providers of Care from your application or update your rating.")
    assert application.status is ApplicationStatus.draft and application.reference is None
    # Lot 2 has no CQC standard: bidding for it alone is fine
    onboarding.choose_lots(application, provider, {system.lots[1].id: [z.id for z in system.zones]})
    for standard in system.lots[1].standards:
        if standard.kind is StandardKind.declaration:
            onboarding.save_standard_response(application, standard, provider, confirmed=True)
        else:
            onboarding.save_standard_response(application, standard, provider, text="Brokered 40 ISFs.")
    for question in system.lots[1].questions:
        onboarding.save_answer(application, question, provider, SAMPLE_ANSWER)
    onboarding.set_rates(application, provider, accepted=True)
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    assert application.status is ApplicationStatus.submitted


def test_submit_is_refused_one_second_after_the_deadline(db, system, make_round, make_provider, frozen_clock):
    provider = make_provider()
    round_ = make_round()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    db.session.commit()
    before = events(db)
    for moment in (round_.closes_at, round_.closes_at + timedelta(seconds=1)):
        frozen_clock.move_to(moment)
        with pytest.raises(DomainError, match="^Round 1 closed at 15 June 2026 at midday. Applications can no "
                                              "longer be changed or submitted.$"):
            onboarding.submit_application(application, provider, declaration_confirmed=True)
        assert application.status is ApplicationStatus.draft
        assert application.submitted_at is None and application.reference is None
    assert events(db) == before
    # a second before the deadline is still in time
    frozen_clock.move_to(round_.closes_at - timedelta(seconds=1))
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    assert application.status is ApplicationStatus.submitted


def test_submit_needs_the_declaration_confirmed(db, system, make_round, make_provider):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    with pytest.raises(DomainError, match="^Confirm the declaration to submit your application.$"):
        onboarding.submit_application(application, provider, declaration_confirmed=False)
    assert application.status is ApplicationStatus.draft
    assert application.declaration_confirmed is False and application.reference is None


def test_another_provider_cannot_submit(db, system, make_round, make_provider):
    owner, stranger = make_provider(), make_provider()
    application = complete_application(make_round(), owner, lots=[system.lots[0]])
    with pytest.raises(NotAllowed):
        onboarding.submit_application(application, stranger, declaration_confirmed=True)
    assert application.status is ApplicationStatus.draft


def test_a_reopened_and_resubmitted_application_keeps_its_reference(db, system, make_round, make_provider):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    reference = application.reference
    onboarding.reopen_application(application, provider)
    assert application.status is ApplicationStatus.draft and application.declaration_confirmed is False
    onboarding.save_answer(application, system.lots[0].questions[0], provider, SAMPLE_ANSWER + " Updated.")
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    assert application.reference == reference


# ---- withdrawing and reopening


def test_withdraw_and_reopen_only_while_the_round_is_open(db, system, make_round, make_provider, frozen_clock):
    provider = make_provider()
    round_ = make_round()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    onboarding.withdraw_application(application, provider)
    assert application.status is ApplicationStatus.withdrawn
    assert application.withdrawn_at == frozen_clock.now
    frozen_clock.move_to(round_.closes_at)
    before = events(db)
    with pytest.raises(DomainError, match="^Round 1 closed at 15 June 2026 at midday"):
        onboarding.reopen_application(application, provider)
    assert application.status is ApplicationStatus.withdrawn
    frozen_clock.move_to(round_.closes_at - timedelta(days=1))
    onboarding.reopen_application(application, provider)
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    frozen_clock.move_to(round_.closes_at)
    with pytest.raises(DomainError, match="^The round has closed, so the application can no longer be withdrawn.$"):
        onboarding.withdraw_application(application, provider)
    assert application.status is ApplicationStatus.submitted
    assert events(db) == before + 2  # the reopen and the resubmission only


def test_reopen_is_refused_while_the_round_is_paused(db, system, make_round, make_provider):
    provider = make_provider()
    round_ = make_round()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    round_.paused, round_.pause_reason = True, "Rates under review."
    with pytest.raises(DomainError, match="^The council has paused Round 1: Rates under review.$"):
        onboarding.reopen_application(application, provider)
    assert application.status is ApplicationStatus.submitted


# ---- the application state × action table


def application_in(state, *, system, council, make_round, make_provider, frozen_clock):
    """An application for Lot 1 brought to `state` through the services."""
    provider = make_provider()
    round_ = make_round()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    if state == "draft":
        return application, provider
    if state == "withdrawn":
        onboarding.withdraw_application(application, provider)
        return application, provider
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    if state == "submitted":
        return application, provider
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    if state == "in_evaluation":
        return application, provider
    score_application(application, [council.evaluator1], council.commissioner, score=4)
    commissioning.record_decision(application, system.lots[0], council.commissioner, outcome=Outcome.admit,
                                  reasons="Passed every standard.")
    commissioning.confirm_decisions(round_, council.commissioner)
    assert state == "decided"
    return application, provider


APPLICATION_ACTIONS = {
    "submit": lambda app, user, q: onboarding.submit_application(app, user, declaration_confirmed=True),
    "withdraw": lambda app, user, q: onboarding.withdraw_application(app, user),
    "reopen": lambda app, user, q: onboarding.reopen_application(app, user),
    "save_answer": lambda app, user, q: onboarding.save_answer(app, q, user, "A changed answer."),
}
#: (state, action) -> the status afterwards, or the start of the refusal
APPLICATION_TABLE = {
    ("draft", "submit"): ApplicationStatus.submitted,
    ("draft", "withdraw"): ApplicationStatus.withdrawn,
    ("draft", "reopen"): "Only a submitted or withdrawn application can be reopened.",
    ("draft", "save_answer"): ApplicationStatus.draft,
    ("submitted", "submit"): ApplicationStatus.submitted,  # idempotent: the receipt again, no second event
    ("submitted", "withdraw"): ApplicationStatus.withdrawn,
    ("submitted", "reopen"): ApplicationStatus.draft,
    ("submitted", "save_answer"): "This application is submitted, so it cannot be changed.",
    ("withdrawn", "submit"): "This application is withdrawn, so it cannot be submitted.",
    ("withdrawn", "withdraw"): "This application is withdrawn, so it cannot be withdrawn.",
    ("withdrawn", "reopen"): ApplicationStatus.draft,
    ("withdrawn", "save_answer"): "This application is withdrawn, so it cannot be changed.",
    ("in_evaluation", "submit"): "This application is in evaluation, so it cannot be submitted.",
    ("in_evaluation", "withdraw"): "This application is in evaluation, so it cannot be withdrawn.",
    ("in_evaluation", "reopen"): "Only a submitted or withdrawn application can be reopened.",
    ("in_evaluation", "save_answer"): "This application is in evaluation, so it cannot be changed.",
    ("decided", "submit"): "This application is decided, so it cannot be submitted.",
    ("decided", "withdraw"): "This application is decided, so it cannot be withdrawn.",
    ("decided", "reopen"): "Only a submitted or withdrawn application can be reopened.",
    ("decided", "save_answer"): "This application is decided, so it cannot be changed.",
}


def application_fields(application, question):
    answer = application.answer_for(question)
    return (application.status, application.reference, application.submitted_at, application.withdrawn_at,
            application.declaration_confirmed, answer.text, answer.version)


@pytest.mark.parametrize("state, action", APPLICATION_TABLE)
def test_application_state_action_table(db, council, system, make_round, make_provider, frozen_clock,
                                        state, action):
    application, provider = application_in(state, system=system, council=council, make_round=make_round,
                                           make_provider=make_provider, frozen_clock=frozen_clock)
    db.session.commit()
    assert application.status is ApplicationStatus(state)
    question = system.lots[0].questions[0]
    expected = APPLICATION_TABLE[(state, action)]
    if isinstance(expected, ApplicationStatus):
        APPLICATION_ACTIONS[action](application, provider, question)
        assert application.status is expected
        return
    fields, before = application_fields(application, question), events(db)
    with pytest.raises(DomainError) as refused:
        APPLICATION_ACTIONS[action](application, provider, question)
    assert type(refused.value) is DomainError
    assert str(refused.value).startswith(expected)
    assert application_fields(application, question) == fields
    db.session.commit()
    db.session.expire_all()
    assert application_fields(application, question) == fields
    assert events(db) == before
