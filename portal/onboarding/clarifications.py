"""Clarifications: a provider asks about an open round; the council answers, to everyone or privately.

Check, change, audit, flush; never commit. A published clarification carries the council's (possibly
edited) wording of the question and never the asking organisation's name.
"""
from functools import cache

from sqlalchemy import bindparam, select

from portal.audit.services import record_event
from portal.clock import arrival, format_datetime, now
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.mail.services import queue_email

from .models import Clarification, ClarificationStatus
from .notifications import external_url

MAX_QUESTION_CHARACTERS = 5000


def published_clarifications(round_id: int) -> list[Clarification]:
    """A round's published clarifications, oldest first: what every applicant sees (one query)."""
    return db.session.scalars(_published_clarifications(), {"round_id": round_id}).all()


def published_clarification_rows(round_id: int) -> list:
    """The same clarifications as plain rows (the same statement, on the session's connection), for a page that
    only shows them."""
    return db.session.connection().execute(_published_clarifications(), {"round_id": round_id}).all()


@cache
def _published_clarifications():
    """The statement of published_clarifications, built once."""
    return (select(Clarification).where(Clarification.round_id == bindparam("round_id"),
                                        Clarification.status == ClarificationStatus.published)
            .order_by(Clarification.answered_at, Clarification.id))


def ask_clarification(round_, actor, question: str) -> Clarification:
    """A provider asks a question about a round while it is open."""
    if not (actor.is_authenticated and actor.is_provider):
        raise NotAllowed("Only a provider can ask for a clarification.")
    question = (question or "").strip()
    if not question:
        raise DomainError("Enter your question.")
    if len(question) > MAX_QUESTION_CHARACTERS:
        raise DomainError(f"Shorten your question to {MAX_QUESTION_CHARACTERS} characters or fewer.")
    moment = arrival()
    if round_.has_closed(moment):
        raise DomainError(f"{round_.name} closed at {format_datetime(round_.closes_at)}, so the council no longer "
                          "takes questions about it.")
    if moment < round_.opens_at:
        raise DomainError(f"{round_.name} opens at {format_datetime(round_.opens_at)}. You can ask questions once it is open.")
    clarification = Clarification(round=round_, organisation_id=actor.organisation_id, asked_by_id=actor.id,
                                  asked_at=moment, question=question)
    db.session.add(clarification)
    db.session.flush()
    record_event(actor, "clarification.asked", clarification, authority_id=round_.system.authority_id,
                 after={"round": round_.id, "question": question})
    return clarification


def answer_clarification(clarification: Clarification, actor, *, answer: str, publish: bool,
                         published_question: str | None = None) -> Clarification:
    """The commissioner answers: published to every applicant (question reworded if needed), or privately."""
    round_ = clarification.round
    if not clarification.can_manage(actor):
        raise NotAllowed("Only the council that runs this round can answer its clarifications.")
    answer = (answer or "").strip()
    if not answer:
        raise DomainError("Enter the answer.")
    if clarification.status is not ClarificationStatus.asked:
        raise DomainError("This clarification has already been answered.")
    wording = (published_question or "").strip() or clarification.question
    before = {"status": clarification.status}
    clarification.answer = answer
    clarification.answered_by_id = actor.id
    clarification.answered_at = now()
    if publish:
        clarification.published_question = wording
        clarification.status = ClarificationStatus.published
    else:
        clarification.status = ClarificationStatus.answered_privately
    db.session.flush()
    record_event(actor, f"clarification.{'published' if publish else 'answered_privately'}", clarification,
                 authority_id=round_.system.authority_id, before=before,
                 after={"status": clarification.status, "answer": answer,
                        "published_question": clarification.published_question})
    if publish:
        _tell_applicants_of_publication(clarification)
    else:
        _tell_asker(clarification)
    return clarification


def _tell_applicants_of_publication(clarification: Clarification) -> int:
    from portal.commissioning.services import _tell_applicants

    round_ = clarification.round
    link = external_url("onboarding.round_clarifications", round_id=round_.id)
    return _tell_applicants(
        round_, f"New clarification: {round_.system.title}, {round_.name}",
        f"{round_.system.authority.name} has published a clarification for {round_.system.title}, {round_.name}. "
        "Every applicant sees the same question and answer.\n\n"
        f"Question: {clarification.published_question}\n\nAnswer: {clarification.answer}\n\n"
        f"See every clarification for this round: {link}",
        kind="clarification.published")


def _tell_asker(clarification: Clarification) -> None:
    round_ = clarification.round
    link = external_url("onboarding.round_clarifications", round_id=round_.id)
    # the asker; their organisation's people only if the asker has since left it
    asker = clarification.asked_by
    recipients = [asker.email] if asker.is_active else clarification.organisation.email_recipients()
    for address in recipients:
        queue_email(address, f"Answer to your question: {round_.system.title}, {round_.name}",
                    f"{round_.system.authority.name} has answered your question about {round_.system.title}, "
                    f"{round_.name}. The answer is for your organisation only.\n\n"
                    f"Your question: {clarification.question}\n\nAnswer: {clarification.answer}\n\n"
                    f"See it on the portal: {link}", kind="clarification.answered_privately")
