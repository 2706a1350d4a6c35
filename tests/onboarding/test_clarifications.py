"""Clarifications: providers ask while a round is open; the council answers to everyone or privately."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.core import DomainError, NotAllowed
from portal.mail.models import OutboxEmail
from portal.onboarding import clarifications, colleagues
from portal.onboarding import services as onboarding
from portal.onboarding.models import Application, ClarificationStatus


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def outbox(db, kind):
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.to)).all()


QUESTION = ("We are Wisbech Carers Ltd and our manager Sue Jones asks: does the Fenland zone include "
            "the villages south of March?")
ANONYMOUS = "Does the Fenland zone include the villages south of March?"


@pytest.fixture()
def scene(db, council, make_round, make_provider):
    """An open round; the asker, another applicant with a draft, and a provider that has not applied."""
    round_ = make_round(closes_in=timedelta(days=10))
    asker = make_provider("Wisbech Carers Ltd")
    applicant = make_provider("Ely Home Support Ltd")
    bystander = make_provider("March Care Ltd")
    onboarding.start_application(round_, asker)
    onboarding.start_application(round_, applicant)
    db.session.commit()
    return {"round": round_, "asker": asker, "applicant": applicant, "bystander": bystander}


def test_published_clarification_goes_to_every_applicant_without_the_askers_name(db, council, scene):
    round_ = scene["round"]
    clarification = clarifications.ask_clarification(round_, scene["asker"], QUESTION)
    assert clarification.status is ClarificationStatus.asked
    clarifications.answer_clarification(clarification, council.commissioner, answer="Yes, as far as Chatteris.",
                                        publish=True, published_question=ANONYMOUS)
    db.session.commit()
    assert clarification.status is ClarificationStatus.published and clarification.question == QUESTION
    sent = outbox(db, "clarification.published")
    assert sorted(e.to for e in sent) == sorted([scene["asker"].email, scene["applicant"].email])
    for email in sent:
        assert ANONYMOUS in email.body and "Yes, as far as Chatteris." in email.body
        assert "Wisbech" not in email.body and "Sue Jones" not in email.body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "clarification.published"))
    assert event.after["published_question"] == ANONYMOUS and event.before == {"status": "asked"}


def test_private_answer_goes_to_the_asker_only(db, council, scene):
    clarification = clarifications.ask_clarification(scene["round"], scene["asker"], "Can we send our policy late?")
    clarifications.answer_clarification(clarification, council.commissioner, answer="No.", publish=False)
    db.session.commit()
    assert clarification.status is ClarificationStatus.answered_privately
    assert [e.to for e in outbox(db, "clarification.answered_privately")] == [scene["asker"].email]
    assert outbox(db, "clarification.published") == []


def test_asking_is_refused_after_close_and_before_opening(db, council, scene, make_round, frozen_clock):
    frozen_clock.advance(days=10)
    with pytest.raises(DomainError, match="closed at .* no longer takes questions"):
        clarifications.ask_clarification(scene["round"], scene["asker"], "Too late?")
    with pytest.raises(DomainError, match="Enter your question"):
        clarifications.ask_clarification(scene["round"], scene["asker"], "   ")


def test_only_the_owning_council_answers_and_only_once(db, council, scene):
    clarification = clarifications.ask_clarification(scene["round"], scene["asker"], "A question?")
    with pytest.raises(NotAllowed):
        clarifications.answer_clarification(clarification, council.other_commissioner, answer="x", publish=True)
    with pytest.raises(NotAllowed):
        clarifications.ask_clarification(scene["round"], council.commissioner, "Council asking?")
    clarifications.answer_clarification(clarification, council.commissioner, answer="Yes.", publish=False)
    with pytest.raises(DomainError, match="already been answered"):
        clarifications.answer_clarification(clarification, council.commissioner, answer="Again", publish=True)


def test_pages_ask_answer_publish_and_keep_the_asker_hidden(client, db, council, scene, login, frozen_clock):
    round_ = scene["round"]
    url = f"/provider/rounds/{round_.id}/clarifications"
    login(scene["asker"])
    response = client.post(url, data={"question": ""})
    assert "There is a problem" in text(response) and "Enter your question" in text(response)
    assert client.post(url, data={"question": QUESTION}).status_code == 302
    page = text(client.get(url))
    assert "Waiting for an answer" in page and "Sue Jones asks" in page

    # the commissioner sees who asked; another council does not see the question at all
    login(council.other_commissioner)
    assert client.get(f"/commissioning/rounds/{round_.id}/clarifications").status_code == 404
    clarification_id = db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "clarification.asked"))
    assert client.get(f"/commissioning/clarifications/{clarification_id}").status_code == 404
    login(council.commissioner)
    page = text(client.get(f"/commissioning/rounds/{round_.id}/clarifications"))
    assert "Wisbech Carers Ltd" in page and "Waiting for an answer" in page
    assert "Clarifications" in text(client.get(f"/commissioning/rounds/{round_.id}"))
    answer_url = f"/commissioning/clarifications/{clarification_id}"
    assert QUESTION in text(client.get(answer_url))  # the question is offered for editing
    response = client.post(answer_url, data={"published_question": "", "answer": "", "audience": "all"})
    page = text(response)
    assert "Enter the answer" in page and "Enter the question as other applicants will see it" in page
    response = client.post(answer_url, data={"published_question": ANONYMOUS, "answer": "Yes, as far as Chatteris.",
                                             "audience": "all"})
    assert response.status_code == 302

    # another applicant sees the question and answer, never the asker's organisation or name
    for provider in (scene["applicant"], scene["bystander"]):
        login(provider)
        page = text(client.get(url))
        assert ANONYMOUS in page and "Yes, as far as Chatteris." in page
        assert "Wisbech" not in page and "Sue Jones" not in page
    login(scene["applicant"])
    application = db.session.scalar(select(Application).filter_by(organisation_id=scene["applicant"].organisation_id))
    task_list = text(client.get(f"/provider/applications/{application.id}"))
    assert "Questions and answers about this round" in task_list
    assert "clarifications for this round (1)" in task_list and ANONYMOUS in task_list
    assert "Wisbech" not in task_list

    # after close the form is gone and posting is refused with the reason, the text kept
    frozen_clock.advance(days=10)
    page = text(client.get(url))
    assert "no longer takes questions" in page and "Send your question" not in page
    response = client.post(url, data={"question": "Is it too late?"})
    assert "no longer takes questions" in text(response) and "Is it too late?" in text(response)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "clarification.asked",
                                                      AuditEvent.actor_id == scene["applicant"].id)) is None


def test_private_answer_is_shown_to_the_asking_organisation_only(client, db, council, scene, login):
    owner = scene["asker"]
    invitation, _ = colleagues.invite_colleague(owner.organisation, owner, "colleague@wisbech.example")
    colleague = colleagues.accept_invitation(invitation, name="Colleague", password="a long enough password")
    clarification = clarifications.ask_clarification(scene["round"], owner, "Is our insurance enough?")
    clarifications.answer_clarification(clarification, council.commissioner, answer="Yes, £5m is enough.",
                                        publish=False)
    db.session.commit()
    url = f"/provider/rounds/{scene['round'].id}/clarifications"
    login(colleague, password="a long enough password")
    page = text(client.get(url))
    assert "Yes, £5m is enough." in page and "for your organisation only" in page
    login(scene["applicant"])
    page = text(client.get(url))
    assert "£5m" not in page and "insurance" not in page


def test_answer_page_keeps_what_the_commissioner_typed_when_refused(client, db, council, scene, login):
    clarification = clarifications.ask_clarification(scene["round"], scene["asker"], QUESTION)
    db.session.commit()
    login(council.commissioner)
    response = client.post(f"/commissioning/clarifications/{clarification.id}",
                           data={"published_question": ANONYMOUS, "answer": "Yes, as far as Chatteris."})
    page = text(response)
    assert response.status_code == 200 and "Choose who should see the answer" in page
    assert ANONYMOUS in page and "Yes, as far as Chatteris." in page
    assert clarification.status is ClarificationStatus.asked and outbox(db, "clarification.published") == []
