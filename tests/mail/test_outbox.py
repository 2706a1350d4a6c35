"""The outbox: emails are stored with the request's changes and readable in development only."""
import smtplib

import pytest

from portal.mail.models import OutboxEmail
from portal.mail.services import deliver_outbox, queue_email


def test_queued_email_is_stored_and_rolled_back_with_its_request(db):
    queue_email("Jo@Example.org ", "Your application", "Reference ABC", kind="application.submitted")
    db.session.commit()
    queue_email("jo@example.org", "Never sent", "Rolled back", kind="test")
    db.session.rollback()
    emails = db.session.query(OutboxEmail).all()
    assert [(e.to, e.subject, e.kind, e.sent_at) for e in emails] == [
        ("jo@example.org", "Your application", "application.submitted", None)]


def test_outbox_page_lists_emails_only_where_viewable(app, client, db):
    queue_email("jo@example.org", "Round 3 is open", "Apply by 5pm", kind="round.opened")
    queue_email("sam@example.org", "Other", "Body", kind="round.opened")
    db.session.commit()
    assert client.get("/outbox/").status_code == 404  # the test config, like production, hides it
    app.config["OUTBOX_VIEWABLE"] = True
    try:
        page = client.get("/outbox/?to=jo@example.org").get_data(as_text=True)
    finally:
        app.config["OUTBOX_VIEWABLE"] = False
    assert "Round 3 is open" in page and "Apply by 5pm" in page
    assert "sam@example.org" not in page


class FakeSMTP:
    sent = []

    def __init__(self, host, port, timeout):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        if message["To"] == "bounce@example.org":
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        FakeSMTP.sent.append((message["To"], message["Subject"]))


def test_smtp_delivery_marks_sent_and_keeps_failures_for_retry(app, db, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    queue_email("jo@example.org", "One", "Body", kind="test")
    queue_email("bounce@example.org", "Two", "Body", kind="test")
    db.session.commit()
    assert deliver_outbox() == (0, 0)  # the outbox backend sends nothing
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    assert deliver_outbox() == (1, 1)
    assert FakeSMTP.sent == [("jo@example.org", "One")]
    by_to = {e.to: e for e in db.session.query(OutboxEmail)}
    assert by_to["jo@example.org"].sent_at is not None
    assert by_to["bounce@example.org"].sent_at is None and "no such user" in by_to["bounce@example.org"].last_error
    assert deliver_outbox() == (0, 1)  # only the failed one is tried again
