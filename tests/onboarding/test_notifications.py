"""Following a system, round-opened emails, 3-day closing reminders and the submission receipt email."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.commissioning import services as commissioning
from portal.demo import complete_application
from portal.mail.models import OutboxEmail
from portal.onboarding import colleagues, notifications, organisations
from portal.onboarding import services as onboarding
from portal.onboarding.models import SentNotice, SystemFollow


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def outbox(db, kind):
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.to)).all()


def run_command(app):
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    return result.output


# ---- following and round-opened emails


def test_followers_are_emailed_once_when_a_round_opens_by_time(app, db, council, system, make_round, make_provider,
                                                               frozen_clock):
    follower, other_follower, bystander = make_provider(), make_provider(), make_provider()
    notifications.follow_system(system, follower)
    notifications.follow_system(system, follower)  # following twice is following once
    notifications.follow_system(system, other_follower)
    notifications.unfollow_system(system, other_follower)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SystemFollow)) == 1
    round_ = make_round(opens_in=timedelta(days=2), closes_in=timedelta(days=20))
    assert "0 round(s) opened" in run_command(app)  # scheduled, not open yet
    assert outbox(db, "round.opened") == []
    frozen_clock.advance(days=2, minutes=5)
    assert "1 round(s) opened: 1 email(s)" in run_command(app)
    sent = outbox(db, "round.opened")
    assert [e.to for e in sent] == [follower.email]
    assert f"{round_.name} is open for applications" in sent[0].subject and "Applications close at" in sent[0].body
    assert "http://127.0.0.1:5000/provider/" in sent[0].body  # a link that works from cron
    assert "0 round(s) opened" in run_command(app)  # idempotent
    assert len(outbox(db, "round.opened")) == 1


def test_opening_a_round_now_emails_followers_at_once(client, db, council, system, make_round, make_provider, login):
    follower = make_provider()
    notifications.follow_system(system, follower)
    db.session.commit()
    round_ = make_round(opens_in=timedelta(days=5), closes_in=timedelta(days=20))
    login(council.commissioner)
    response = client.post(f"/commissioning/rounds/{round_.id}/open")
    assert response.status_code == 302
    assert [e.to for e in outbox(db, "round.opened")] == [follower.email]
    notifications.send_due_notifications()
    assert len(outbox(db, "round.opened")) == 1


def test_removed_follower_is_not_emailed(db, council, system, make_round, make_provider):
    owner = make_provider()
    invitation, _ = colleagues.invite_colleague(owner.organisation, owner, "jo@provider.example")
    colleague = colleagues.accept_invitation(invitation, name="Jo", password="a long enough password")
    notifications.follow_system(system, colleague)
    colleagues.remove_colleague(colleague, owner)
    db.session.commit()
    make_round()
    assert notifications.send_due_notifications()["opened_emails"] == 0


def test_follow_buttons_on_dashboard_and_call_off_list(client, db, council, system, make_provider, login):
    provider = make_provider()
    login(provider)
    page = text(client.get("/provider/"))
    assert system.title in page and "Not following" in page
    response = client.post(f"/provider/systems/{system.id}/follow", data={"next": "/provider/"})
    assert response.status_code == 302 and response.location.endswith("/provider/")
    page = text(client.get("/provider/"))
    assert f"You are following {system.title}" in page and "Stop following" in page
    page = text(client.get(f"/call-off-lists/{system.slug}"))
    assert "You follow this purchasing system" in page
    response = client.post(f"/provider/systems/{system.id}/unfollow", data={"next": f"/call-off-lists/{system.slug}"})
    assert response.location.endswith(f"/call-off-lists/{system.slug}")
    assert "Follow this purchasing system" in text(client.get(f"/call-off-lists/{system.slug}"))
    # an address elsewhere is not followed back
    response = client.post(f"/provider/systems/{system.id}/follow", data={"next": "//evil.example/"})
    assert response.location.endswith("/provider/")
    assert client.post("/provider/systems/99999/follow").status_code == 404
    client.post("/sign-out")
    assert "Follow this purchasing system" not in text(client.get(f"/call-off-lists/{system.slug}"))
    login(council.commissioner)
    assert client.post(f"/provider/systems/{system.id}/follow").status_code == 403


# ---- closing reminders


def test_reminder_goes_once_only_to_drafts_only_within_three_days(app, db, council, system, make_round,
                                                                  make_provider, frozen_clock):
    round_ = make_round(closes_in=timedelta(days=10))
    drafter, submitter, withdrawer = make_provider("Draft Care Ltd"), make_provider(), make_provider()
    draft = onboarding.start_application(round_, drafter)
    submitted = complete_application(round_, submitter, lots=[system.lots[0]])
    onboarding.submit_application(submitted, submitter, declaration_confirmed=True)
    withdrawn = onboarding.start_application(round_, withdrawer)
    onboarding.withdraw_application(withdrawn, withdrawer)
    organisations.update_profile(drafter.organisation, drafter, contact_email="office@draft.example")
    db.session.commit()

    frozen_clock.advance(days=6, hours=23)  # 3 days and 1 hour before closing: not yet
    assert "0 draft(s) closing within 3 days" in run_command(app)
    frozen_clock.advance(hours=2)  # 2 days 23 hours before closing
    assert "1 draft(s) closing within 3 days: 2 reminder(s)" in run_command(app)
    reminders = outbox(db, "round.closing_reminder")
    assert sorted(e.to for e in reminders) == sorted([drafter.email, "office@draft.example"])
    assert "still a draft" in reminders[0].body and f"/provider/applications/{draft.id}" in reminders[0].body
    frozen_clock.advance(days=1)
    run_command(app)
    assert len(outbox(db, "round.closing_reminder")) == 2  # once only
    assert db.session.scalar(select(SentNotice).filter_by(application_id=draft.id)).recipients == 2
    frozen_clock.advance(days=3)  # closed: nothing more
    assert "0 draft(s)" in run_command(app)


def test_reminder_not_sent_for_a_round_closed_or_paused(db, council, system, make_round, make_provider, frozen_clock):
    round_ = make_round(closes_in=timedelta(days=2))
    drafter = make_provider()
    onboarding.start_application(round_, drafter)
    commissioning.pause_round(round_, council.commissioner, reason="Rates under review")
    db.session.commit()
    assert notifications.send_due_notifications()["reminders"] == 0
    commissioning.resume_round(round_, council.commissioner)
    assert notifications.send_due_notifications()["reminders"] == 1


# ---- submission receipt


def test_submission_emails_the_receipt_to_submitter_and_main_contact_once(client, db, council, system, make_round,
                                                                        make_provider, login, frozen_clock):
    round_ = make_round()
    owner = make_provider("Receipt Care Ltd")
    organisations.update_profile(owner.organisation, owner, contact_email="contracts@receipt.example")
    application = complete_application(round_, owner, lots=[system.lots[0]])
    db.session.commit()
    login(owner)
    url = f"/provider/applications/{application.id}/check"
    assert client.post(url, data={"declaration": "y"}).status_code == 302
    assert client.post(url, data={"declaration": "y"}).status_code == 302  # a second click
    onboarding.submit_application(application, owner, declaration_confirmed=True)  # and a repeat in the service
    db.session.commit()
    sent = outbox(db, "application.submitted")
    assert sorted(e.to for e in sent) == sorted([owner.email, "contracts@receipt.example"])
    for email in sent:
        assert application.reference in email.subject and application.reference in email.body
        assert round_.name in email.body and system.lots[0].name in email.body
        assert "Peterborough" in email.body  # the zones chosen
    # reopening and submitting again later is a new submission, with its own receipt
    frozen_clock.advance(hours=2)
    onboarding.reopen_application(application, owner)
    onboarding.submit_application(application, owner, declaration_confirmed=True)
    db.session.commit()
    assert len(outbox(db, "application.submitted")) == 4


def test_receipt_goes_once_when_submitter_is_the_main_contact(db, system, make_round, make_provider):
    round_ = make_round()
    owner = make_provider()
    application = complete_application(round_, owner, lots=[system.lots[0]])
    onboarding.submit_application(application, owner, declaration_confirmed=True)
    assert [e.to for e in outbox(db, "application.submitted")] == [owner.email]
