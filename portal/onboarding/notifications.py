"""Emails to providers: following a system, round-opened notices, 3-day closing reminders and submission
receipts. Each notice is recorded in SentNotice under a unique key, so it goes once however often
`flask send-notifications` runs (it is meant to run from cron every few minutes)."""
from datetime import timedelta
from functools import cache

from flask import current_app, has_request_context, url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from portal.audit.services import record_event
from portal.clock import format_datetime, now
from portal.core import NotAllowed
from portal.extensions import db
from portal.mail.services import queue_email

from .models import Application, ApplicationStatus, SentNotice, SystemFollow

REMINDER_BEFORE_CLOSE = timedelta(days=3)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email: the request's own host, or PORTAL_URL outside a request."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PORTAL_URL"]):
        return url_for(endpoint, _external=True, **values)


# ---- following a purchasing system


def _require_provider(actor) -> None:
    if not (actor.is_authenticated and actor.is_provider):
        raise NotAllowed("Only a provider can follow a purchasing system.")


def is_following(user, system) -> bool:
    return bool(db.session.scalar(select(SystemFollow.id).filter_by(user_id=user.id, system_id=system.id)))


def follow_system(system, actor) -> SystemFollow:
    """The provider user gets an email whenever a round of the system opens (following twice is following)."""
    _require_provider(actor)
    existing = db.session.scalar(select(SystemFollow).filter_by(user_id=actor.id, system_id=system.id))
    if existing is not None:
        return existing
    follow = SystemFollow(user_id=actor.id, system_id=system.id)
    db.session.add(follow)
    db.session.flush()
    record_event(actor, "system.followed", system, after={"user": actor.id})
    return follow


def unfollow_system(system, actor) -> None:
    _require_provider(actor)
    existing = db.session.scalar(select(SystemFollow).filter_by(user_id=actor.id, system_id=system.id))
    if existing is None:
        return
    db.session.delete(existing)
    db.session.flush()
    record_event(actor, "system.unfollowed", system, before={"user": actor.id})


# ---- notices that go once


def _already_sent(key: str) -> bool:
    return bool(db.session.scalar(select(SentNotice.id).where(SentNotice.key == key)))


def _record(key: str, kind: str, *, round_id=None, application_id=None, recipients: int = 0) -> SentNotice:
    notice = SentNotice(key=key, kind=kind, round_id=round_id, application_id=application_id,
                        recipients=recipients, sent_at=now())
    db.session.add(notice)
    db.session.flush()
    return notice


def notify_round_opened(round_) -> int:
    """Email every active follower of the round's system that the round is open; once per round."""
    key = f"round-opened:{round_.id}"
    if _already_sent(key):
        return 0
    system = round_.system
    followers = db.session.scalars(
        select(SystemFollow).where(SystemFollow.system_id == system.id)
        .options(selectinload(SystemFollow.user)).order_by(SystemFollow.id)).all()
    link = external_url("onboarding.dashboard")
    sent = 0
    for follow in followers:
        if not follow.user.is_active:
            continue
        queue_email(follow.user.email, f"{system.title}: {round_.name} is open for applications",
                    f"{system.authority.name} has opened {round_.name} of {system.title}.\n\n"
                    f"Applications close at {format_datetime(round_.closes_at)}.\n\n"
                    f"Start or continue your application: {link}\n\n"
                    "You get this email because you follow this purchasing system on the portal. "
                    "You can stop following it from your dashboard.", kind="round.opened")
        sent += 1
    _record(key, "round.opened", round_id=round_.id, recipients=sent)
    return sent


def remind_draft_before_close(application: Application) -> int:
    """Tell the organisation its draft is not submitted and the round closes within 3 days; once per application."""
    key = f"closing-reminder:{application.id}"
    if _already_sent(key):
        return 0
    round_ = application.round
    link = external_url("onboarding.task_list", application_id=application.id)
    recipients = application.organisation.email_recipients()
    for address in recipients:
        queue_email(address, f"Reminder: submit your application by {format_datetime(round_.closes_at)}",
                    f"Your application to {round_.system.title}, {round_.name} is still a draft: the council "
                    f"cannot consider it until you submit it.\n\n"
                    f"The round closes at {format_datetime(round_.closes_at)}. Applications cannot be submitted "
                    f"after that time.\n\nFinish and submit your application: {link}", kind="round.closing_reminder")
    _record(key, "round.closing_reminder", round_id=round_.id, application_id=application.id,
            recipients=len(recipients))
    return len(recipients)


def send_due_notifications() -> dict:
    """Queue every notice now due: rounds that have opened, drafts in rounds closing within 3 days.

    Idempotent: what was sent is recorded, so running it again sends nothing new. Returns counts of emails.
    """
    from portal.commissioning.models import PurchasingSystem, Round

    moment = now()
    opened = 0
    open_rounds = db.session.scalars(
        select(Round).where(Round.opens_at <= moment, Round.closes_at > moment, Round.paused.is_(False))
        .where(~select(SentNotice.id).where(SentNotice.round_id == Round.id, SentNotice.kind == "round.opened")
               .exists())
        .options(selectinload(Round.system).selectinload(PurchasingSystem.authority))
        .order_by(Round.id)).all()
    for round_ in open_rounds:
        opened += notify_round_opened(round_)
    reminded = 0
    drafts = db.session.scalars(
        select(Application).join(Application.round)
        .where(Application.status == ApplicationStatus.draft, Round.opens_at <= moment, Round.closes_at > moment,
               Round.closes_at <= moment + REMINDER_BEFORE_CLOSE, Round.paused.is_(False))
        .where(~select(SentNotice.id).where(SentNotice.application_id == Application.id,
                                            SentNotice.kind == "round.closing_reminder").exists())
        .options(selectinload(Application.organisation), selectinload(Application.round).selectinload(Round.system))
        .order_by(Application.id)).all()
    for application in drafts:
        reminded += remind_draft_before_close(application)
    return {"rounds_opened": len(open_rounds), "opened_emails": opened,
            "reminders": len(drafts), "reminder_emails": reminded}


# ---- the receipt emailed at submission


def send_submission_confirmation(application: Application, actor) -> int:
    """Email the submitting user (and the main contact, when someone else) the receipt; once per submission."""
    key = f"submitted:{application.id}:{application.submitted_at.isoformat()}"
    if _already_sent(key):
        return 0
    round_ = application.round
    organisation = application.organisation
    recipients = [actor.email]
    if organisation.contact_email and organisation.contact_email.lower() != actor.email.lower():
        recipients.append(organisation.contact_email.lower())
    lots = "\n".join(
        f"- {choice.lot.name}: {', '.join(zone.zone.name for zone in choice.zones)}" for choice in application.lots)
    link = external_url("onboarding.receipt", application_id=application.id)
    for address in recipients:
        queue_email(address, f"Application received: {application.reference}",
                    f"{organisation.legal_name}'s application to {round_.system.title}, {round_.name} was "
                    f"submitted by {actor.name} at {format_datetime(application.submitted_at)}.\n\n"
                    f"Reference: {application.reference}\n"
                    f"Council: {round_.system.authority.name}\n"
                    f"Round: {round_.name}, closing {format_datetime(round_.closes_at)}\n\n"
                    f"Lots and zones:\n{lots}\n\n"
                    "Keep this email: quote the reference if you contact the council. You can reopen the "
                    f"application to change it until the round closes.\n\nSee your receipt: {link}",
                    kind="application.submitted")
    _record(key, "application.submitted", round_id=round_.id, application_id=application.id,
            recipients=len(recipients))
    return len(recipients)


def systems_with_follow_state(user) -> list[tuple]:
    """Every purchasing system still running, with its council and whether the user follows it (one query)."""
    rows = db.session.execute(_systems_with_follow_state(), {"today": now().date(), "user_id": user.id}).all()
    return [(system, bool(follows)) for system, follows in rows]


def running_systems_with_follow_state(*columns):
    """A statement of `columns` for every purchasing system still running on the bound date `today`, then whether
    the user bound as `user_id` follows it: the rule for the systems a provider may follow, in one place."""
    from portal.commissioning.models import PurchasingSystem

    following = (select(SystemFollow.id).where(SystemFollow.system_id == PurchasingSystem.id,
                                               SystemFollow.user_id == bindparam("user_id")).exists())
    return select(*columns, following).where(PurchasingSystem.ends_on >= bindparam("today"))


@cache
def _systems_with_follow_state():
    """The statement of systems_with_follow_state, built once."""
    from portal.commissioning.models import PurchasingSystem

    return (running_systems_with_follow_state(PurchasingSystem)
            .options(joinedload(PurchasingSystem.authority)).order_by(PurchasingSystem.title))
