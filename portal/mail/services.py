"""Sending email: queue_email stores the message; deliver_outbox hands waiting ones to SMTP."""
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from portal.clock import now
from portal.extensions import db

from .models import OutboxEmail


def queue_email(to: str, subject: str, body: str, *, kind: str) -> OutboxEmail:
    """Put an email in the outbox (committed with the request's other changes, or not at all)."""
    email = OutboxEmail(to=to.strip().lower(), subject=subject, body=body, kind=kind)
    db.session.add(email)
    db.session.flush()
    return email


def deliver_outbox(limit: int = 100) -> tuple[int, int]:
    """Send waiting emails through SMTP when MAIL_BACKEND is "smtp"; returns (sent, failed).

    Run by `flask send-email` (e.g. every minute from cron), so a slow mail server never holds up a
    page and a message is sent only once its transaction has committed.
    """
    config = current_app.config
    if config.get("MAIL_BACKEND") != "smtp":
        return 0, 0
    waiting = list(db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.id).limit(limit)
    ))
    sent = failed = 0
    if not waiting:
        return sent, failed
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS", True):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for email in waiting:
            message = EmailMessage()
            message["From"] = config["MAIL_FROM"]
            message["To"] = email.to
            message["Subject"] = email.subject
            message.set_content(email.body)
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as error:
                email.last_error = str(error)[:2000]
                failed += 1
            else:
                email.sent_at = now()
                email.last_error = None
                sent += 1
            db.session.commit()
    return sent, failed
