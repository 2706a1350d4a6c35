"""Pausing, resuming and extending a round: services and pages, refusals included (nothing changes)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.commissioning import services as commissioning
from portal.commissioning.models import RoundStatus
from portal.core import DomainError, NotAllowed
from portal.demo import at, complete_application
from portal.mail.models import OutboxEmail
from portal.onboarding import services as onboarding
from portal.onboarding.models import ApplicationStatus


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def n_events(db, action=None):
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def emails(db, kind=None):
    query = select(OutboxEmail).order_by(OutboxEmail.to)
    if kind:
        query = query.where(OutboxEmail.kind == kind)
    return db.session.scalars(query).all()


def round_emails(db):
    """Emails about the round, leaving out the receipt the submitting provider got."""
    return [email for email in emails(db) if email.kind != "application.submitted"]


@pytest.fixture()
def open_round(db, system, make_round, make_provider):
    """An open round (1 to 15 June 2026) with one submitted application and one draft."""
    round_ = make_round()
    submitter, drafter = make_provider("Ouse Valley Care Ltd"), make_provider("Fen Edge Support Ltd")
    submitted = complete_application(round_, submitter, lots=[system.lots[0]])
    onboarding.submit_application(submitted, submitter, declaration_confirmed=True)
    draft = complete_application(round_, drafter, lots=[system.lots[0]])
    db.session.commit()
    return {"round": round_, "submitted": submitted, "draft": draft, "submitter": submitter, "drafter": drafter}


# ---- pause and resume


def test_pause_keeps_drafts_refuses_submission_with_the_reason_and_tells_applicants(db, council, open_round):
    round_, draft, drafter = open_round["round"], open_round["draft"], open_round["drafter"]
    commissioning.pause_round(round_, council.commissioner, reason="A question's guidance is being corrected.")
    db.session.commit()
    assert round_.paused and round_.pause_reason == "A question's guidance is being corrected."
    assert not round_.is_open() and round_.status is RoundStatus.open
    with pytest.raises(DomainError, match="The council has paused Round 1: A question's guidance is being corrected."):
        onboarding.submit_application(draft, drafter, declaration_confirmed=True)
    assert draft.status is ApplicationStatus.draft and draft.answers  # the draft and its answers are kept
    paused = emails(db, "round_paused")
    assert [e.to for e in paused] == sorted([open_round["drafter"].email, open_round["submitter"].email])
    assert "A question's guidance is being corrected." in paused[0].body
    event = db.session.scalar(select(AuditEvent).filter_by(action="round.paused"))
    assert event.after == {"reason": "A question's guidance is being corrected."}

    commissioning.resume_round(round_, council.commissioner)
    db.session.commit()
    assert not round_.paused and round_.pause_reason is None and round_.is_open()
    onboarding.submit_application(draft, drafter, declaration_confirmed=True)
    assert draft.status is ApplicationStatus.submitted
    assert len(emails(db, "round_resumed")) == 2
    assert db.session.scalar(select(AuditEvent).filter_by(action="round.resumed")).before == {
        "reason": "A question's guidance is being corrected."}


@pytest.mark.parametrize("reason", ["", "   "])
def test_pause_needs_a_reason(db, council, open_round, reason):
    round_ = open_round["round"]
    before = n_events(db)
    with pytest.raises(DomainError, match="Enter the reason for pausing the round"):
        commissioning.pause_round(round_, council.commissioner, reason=reason)
    assert not round_.paused and round_.pause_reason is None
    assert n_events(db) == before and round_emails(db) == []


def test_pause_is_refused_for_a_round_that_is_not_open_or_already_paused(db, council, make_round, frozen_clock):
    scheduled = make_round(opens_in=timedelta(days=30), closes_in=timedelta(days=40))
    with pytest.raises(DomainError, match="Round 1 is scheduled. Only an open round can be paused."):
        commissioning.pause_round(scheduled, council.commissioner, reason="Because")
    assert not scheduled.paused
    frozen_clock.advance(days=31)
    commissioning.pause_round(scheduled, council.commissioner, reason="First reason")
    with pytest.raises(DomainError, match="already paused"):
        commissioning.pause_round(scheduled, council.commissioner, reason="Second reason")
    assert scheduled.pause_reason == "First reason"
    frozen_clock.advance(days=10)  # closed while paused
    with pytest.raises(DomainError, match="closed at .* while it was paused. It cannot be resumed"):
        commissioning.resume_round(scheduled, council.commissioner)
    assert scheduled.paused


def test_resume_refuses_a_round_that_is_not_paused(db, council, open_round):
    with pytest.raises(DomainError, match="Round 1 is not paused"):
        commissioning.resume_round(open_round["round"], council.commissioner)
    assert n_events(db, "round.resumed") == 0


def test_only_the_owning_council_pauses_resumes_or_extends(db, council, open_round):
    round_ = open_round["round"]
    closes_at = round_.closes_at
    with pytest.raises(NotAllowed):
        commissioning.pause_round(round_, council.other_commissioner, reason="Not mine")
    with pytest.raises(NotAllowed):
        commissioning.extend_round(round_, council.evaluator1, closes_at=closes_at + timedelta(days=1), reason="x")
    assert not round_.paused and round_.closes_at == closes_at and round_emails(db) == []


# ---- extend


def test_extend_moves_the_closing_time_records_the_reason_and_emails_every_applicant(db, council, open_round):
    round_ = open_round["round"]
    old = round_.closes_at
    new = at(2026, 6, 22, 12)
    commissioning.extend_round(round_, council.commissioner, closes_at=new,
                               reason="Providers asked for more time after the bank holiday.")
    db.session.commit()
    assert round_.closes_at == new
    sent = emails(db, "round_extended")
    assert sorted(e.to for e in sent) == sorted([open_round["drafter"].email, open_round["submitter"].email])
    assert "now closes at 22 June 2026 at midday" in sent[0].subject
    assert "It was due to close at 15 June 2026 at midday" in sent[0].body
    assert "Providers asked for more time after the bank holiday." in sent[0].body
    [extension] = commissioning.round_extensions(round_)
    assert extension["from"] == old and extension["to"] == new
    assert extension["reason"] == "Providers asked for more time after the bank holiday."


@pytest.mark.parametrize("closes_at, reason, message", [
    (at(2026, 6, 15, 12), "More time", "must be later than the current one, 15 June 2026 at midday"),
    (at(2026, 6, 10, 12), "More time", "must be later than the current one"),
    (at(2027, 11, 1, 12), "More time", "within the system's lifetime, which ends on 31 October 2027"),
    (at(2026, 6, 22, 12), "  ", "Enter the reason for extending the round"),
])
def test_extend_refusals_change_nothing(db, council, open_round, closes_at, reason, message):
    round_ = open_round["round"]
    old = round_.closes_at
    before = n_events(db)
    with pytest.raises(DomainError, match=message):
        commissioning.extend_round(round_, council.commissioner, closes_at=closes_at, reason=reason)
    assert round_.closes_at == old and n_events(db) == before and round_emails(db) == []


def test_extend_may_not_run_into_the_next_round(db, council, system, open_round):
    round_ = open_round["round"]
    commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 7, 1, 9), closes_at=at(2026, 7, 20, 12))
    old = round_.closes_at
    with pytest.raises(DomainError, match="would overlap Round 2, which opens at 1 July 2026 at 9:00am"):
        commissioning.extend_round(round_, council.commissioner, closes_at=at(2026, 7, 2, 12), reason="More time")
    assert round_.closes_at == old
    commissioning.extend_round(round_, council.commissioner, closes_at=at(2026, 7, 1, 9), reason="More time")
    assert round_.closes_at == at(2026, 7, 1, 9)


def test_a_closed_round_cannot_be_extended(db, council, open_round, frozen_clock):
    round_ = open_round["round"]
    frozen_clock.advance(days=15)
    old = round_.closes_at
    with pytest.raises(DomainError, match="Round 1 is closed, so it cannot be extended"):
        commissioning.extend_round(round_, council.commissioner, closes_at=old + timedelta(days=7), reason="Late")
    assert round_.closes_at == old and round_emails(db) == []


def test_a_paused_round_can_be_extended_and_reopens_until_the_new_time(db, council, open_round, frozen_clock):
    round_ = open_round["round"]
    commissioning.pause_round(round_, council.commissioner, reason="Fixing a question")
    commissioning.extend_round(round_, council.commissioner, closes_at=at(2026, 6, 29, 12), reason="Lost a week")
    commissioning.resume_round(round_, council.commissioner)
    frozen_clock.move_to(at(2026, 6, 20, 12))
    assert round_.is_open()


# ---- pages


def test_pause_and_resume_through_the_round_page(client, db, council, login, open_round):
    round_ = open_round["round"]
    login(council.commissioner)
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "Pause the round" in page and "Extend the round" in page
    r = client.post(f"/commissioning/rounds/{round_.id}/pause", data={"reason": ""})
    assert r.status_code == 200 and "Error:" in text(r) and "Enter the reason for pausing the round" in text(r)
    assert not round_.paused
    r = client.post(f"/commissioning/rounds/{round_.id}/pause", data={"reason": "Correcting question 1.2"})
    assert r.status_code == 302
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "Round 1: open (paused)" in page and "They see your reason: Correcting question 1.2" in page
    assert "Resume the round" in page

    login(open_round["drafter"])
    page = text(client.get("/provider/"))
    assert "Correcting question 1.2" in page

    login(council.commissioner)
    r = client.post(f"/commissioning/rounds/{round_.id}/resume")
    assert r.status_code == 302
    db.session.refresh(round_)
    assert not round_.paused
    assert "Round 1: open</h1>" in client.get(f"/commissioning/rounds/{round_.id}").get_data(as_text=True).replace(
        "\n", "")


def test_extend_through_the_page_shows_errors_and_keeps_typed_data(client, db, council, login, open_round):
    round_ = open_round["round"]
    old = round_.closes_at
    login(council.commissioner)
    r = client.post(f"/commissioning/rounds/{round_.id}/extend", data={
        "closes_on": ["10", "6", "2026"], "closes_time": "12:00", "reason": "Bank holiday"})
    page = text(r)
    assert r.status_code == 200 and "must be later than the current one, 15 June 2026 at midday" in page
    assert "Bank holiday" in page  # typed data kept
    db.session.refresh(round_)
    assert round_.closes_at == old
    r = client.post(f"/commissioning/rounds/{round_.id}/extend", data={
        "closes_on": ["22", "6", "2026"], "closes_time": "17:00", "reason": "Bank holiday"})
    assert r.status_code == 302
    db.session.refresh(round_)
    assert round_.closes_at == at(2026, 6, 22, 17)
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "From 15 June 2026 at midday to 22 June 2026 at 5:00pm: Bank holiday" in page
    assert len(emails(db, "round_extended")) == 2


@pytest.mark.parametrize("path", ["pause", "extend"])
def test_another_council_gets_404_for_the_round_controls(client, council, login, open_round, path):
    login(council.other_commissioner)
    assert client.get(f"/commissioning/rounds/{open_round['round'].id}/{path}").status_code == 404
    assert client.post(f"/commissioning/rounds/{open_round['round'].id}/resume").status_code == 404


# ---- always-open systems: assess what has arrived, keep taking applications


def test_always_open_round_hands_received_applications_to_assessment_and_keeps_drafts(
        db, council, system, open_round, frozen_clock):
    from portal.commissioning.models import Round

    round_ = open_round["round"]
    system.always_open = True  # set up as always open (the setting is fixed once a round opens)
    old_close = round_.closes_at
    following = commissioning.assess_received_applications(round_, council.commissioner)
    db.session.commit()
    assert round_.status is RoundStatus.closed and round_.closes_at == frozen_clock.now
    assert following.number == 2 and following.is_open() and following.closes_at == old_close
    draft, submitted = open_round["draft"], open_round["submitted"]
    assert draft.round_id == following.id and draft.status is ApplicationStatus.draft and draft.answers
    assert submitted.round_id == round_.id and submitted.can_view(council.commissioner)
    # the draft can still be submitted, in the new round
    onboarding.submit_application(draft, open_round["drafter"], declaration_confirmed=True)
    assert draft.reference.endswith(f"/R2/{draft.id:05d}")
    # the received application goes through the normal evaluation
    commissioning.begin_evaluation(round_, council.commissioner)
    assert submitted.status is ApplicationStatus.in_evaluation
    assert db.session.scalar(select(func.count()).select_from(Round)) == 2


@pytest.mark.parametrize("setup, message", [
    ("windowed", "is not always open"),
    ("paused", "Round 1 is paused. Resume it first"),
    ("nothing_submitted", "No applications have been submitted in Round 1 yet"),
])
def test_assess_received_refusals_change_nothing(db, council, system, make_round, make_provider, setup, message):
    from portal.commissioning.models import Round

    round_ = make_round()
    provider = make_provider()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    if setup != "nothing_submitted":
        onboarding.submit_application(application, provider, declaration_confirmed=True)
    if setup != "windowed":
        system.always_open = True  # set up as always open (the setting is fixed once a round opens)
    if setup == "paused":
        commissioning.pause_round(round_, council.commissioner, reason="Checking a question")
    db.session.commit()
    closes_at, before = round_.closes_at, n_events(db)
    with pytest.raises(DomainError, match=message):
        commissioning.assess_received_applications(round_, council.commissioner)
    db.session.rollback()
    assert round_.closes_at == closes_at and n_events(db) == before
    assert db.session.scalar(select(func.count()).select_from(Round)) == 1
    assert application.round_id == round_.id


def test_assess_received_through_the_round_page(client, db, council, login, system, open_round):
    system.always_open = True  # set up as always open (the setting is fixed once a round opens)
    db.session.commit()
    round_ = open_round["round"]
    login(council.commissioner)
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "Assess the applications received so far" in page
    r = client.post(f"/commissioning/rounds/{round_.id}/assess-received")
    assert r.status_code == 302
    page = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "Round 1: closed" in page and "new applications continue in Round 2" in page
    assert "Ouse Valley Care Ltd" in page  # the received application can now be read
