"""Autosave of answers (never over a newer version), word limits, and reusing the answer from the last round."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.core import DomainError
from portal.demo import SAMPLE_ANSWER, complete_application
from portal.onboarding import services as onboarding
from portal.onboarding.models import Answer, ApplicationStatus, TaskStatus, application_tasks, previous_answer


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def events(db, action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


@pytest.fixture()
def draft(db, system, make_round, make_provider):
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    onboarding.choose_lots(application, provider, {system.lots[0].id: [z.id for z in system.zones]})
    db.session.commit()
    return application, provider, system.lots[0].questions[0]


def autosave(client, application, question, text_, version):
    return client.post(f"/provider/applications/{application.id}/questions/{question.id}/autosave",
                       data={"text": text_, "version": "" if version is None else str(version)})


# ---- autosave


def test_autosave_stores_the_draft_and_answers_the_new_version(client, db, login, draft):
    application, provider, question = draft
    login(provider)
    r = autosave(client, application, question, "We plan with each person.", None)
    assert r.status_code == 200
    assert r.json["status"] == "saved" and r.json["words"] == 5 and r.json["over_limit"] is False
    assert re.fullmatch(r"Draft saved at \d\d:\d\d\.", r.json["message"])
    version = r.json["version"]
    r = autosave(client, application, question, "We plan with each person and review it.", version)
    assert r.status_code == 200 and r.json["version"] == version + 1
    db.session.expire_all()
    assert application.answer_for(question).text == "We plan with each person and review it."
    # the same text again changes nothing: no new version, no audit event
    before = events(db, "answer.saved")
    r = autosave(client, application, question, "We plan with each person and review it.", version + 1)
    assert r.json["version"] == version + 1 and events(db, "answer.saved") == before


@pytest.mark.parametrize("version", ["²", "٣", "99999999999999999999", "-1", " 1"])
def test_a_version_that_is_not_a_plain_whole_number_is_no_version_not_a_500(client, db, login, draft, version):
    """Hypothesis found "²": str.isdigit() says yes and int() refuses it; twenty digits overflow PostgreSQL."""
    application, provider, question = draft
    login(provider)
    r = client.post(f"/provider/applications/{application.id}/questions/{question.id}/autosave",
                    data={"text": "We plan with each person.", "version": version})
    assert r.status_code == 200 and r.json["status"] == "saved"


def test_autosave_never_overwrites_an_answer_changed_in_another_tab(client, db, login, draft):
    application, provider, question = draft
    login(provider)
    first = autosave(client, application, question, "Tab one's first words.", None).json["version"]
    # tab two saves on top of the same version
    assert autosave(client, application, question, "Tab two's answer.", first).status_code == 200
    # tab one, still holding the old version, must not overwrite it
    r = autosave(client, application, question, "Tab one's longer answer.", first)
    assert r.status_code == 409 and r.json["status"] == "conflict"
    assert "changed somewhere else" in r.json["message"] and "Your text is still in the answer box" in r.json["message"]
    db.session.expire_all()
    assert application.answer_for(question).text == "Tab two's answer."


def test_the_save_button_is_refused_the_same_way_and_keeps_the_text(client, db, login, draft):
    application, provider, question = draft
    login(provider)
    first = autosave(client, application, question, "Tab one's first words.", None).json["version"]
    autosave(client, application, question, "Tab two's answer.", first)
    r = client.post(f"/provider/applications/{application.id}/questions/{question.id}",
                    data={"text": "Tab one's longer answer.", "version": str(first), "save": "y"})
    page = text(r)
    assert r.status_code == 200 and "changed somewhere else" in page and "Tab one&#39;s longer answer." in page


def test_an_over_limit_draft_is_stored_but_cannot_be_submitted(client, db, login, system, make_round, make_provider):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    db.session.commit()
    question = system.lots[0].questions[0]
    login(provider)
    long_answer = " ".join(["word"] * (question.word_limit + 20))
    r = autosave(client, application, question, long_answer, application.answer_for(question).version)
    assert r.status_code == 200 and r.json["over_limit"] is True
    assert f"Your answer has {question.word_limit + 20} words: shorten it to {question.word_limit}" in r.json["message"]
    db.session.expire_all()
    assert application.answer_for(question).text == long_answer
    task = next(t for t in application_tasks(application) if t.get("question") == question)
    assert task["status"] is TaskStatus.in_progress
    with pytest.raises(DomainError, match="Complete every section"):
        onboarding.submit_application(application, provider, declaration_confirmed=True)


def test_autosave_is_refused_once_submitted_and_for_other_providers(client, db, login, system, make_round,
                                                                    make_provider):
    owner, stranger = make_provider(), make_provider()
    application = complete_application(make_round(), owner, lots=[system.lots[0]])
    onboarding.submit_application(application, owner, declaration_confirmed=True)
    db.session.commit()
    question = system.lots[0].questions[0]
    login(stranger)
    assert autosave(client, application, question, "Mine now.", None).status_code == 404
    login(owner)
    r = autosave(client, application, question, "A late change.", application.answer_for(question).version)
    assert r.status_code == 409 and r.json["status"] == "refused" and "submitted" in r.json["message"]
    db.session.expire_all()
    assert application.answer_for(question).text == SAMPLE_ANSWER


def test_the_question_page_wires_up_autosave_without_inline_script(client, db, login, draft):
    application, provider, question = draft
    login(provider)
    page = client.get(f"/provider/applications/{application.id}/questions/{question.id}").get_data(as_text=True)
    assert f'data-autosave-url="/provider/applications/{application.id}/questions/{question.id}/autosave"' in page
    assert 'id="autosave-status"' in page and 'aria-live="polite"' in page
    assert "<script>" not in page and "Save and come back later" in page


# ---- reuse


@pytest.fixture()
def earlier_round(db, system, council, make_round, make_provider, frozen_clock):
    """The provider applied in Round 1, was not admitted (published); Round 2 is open."""
    from portal.commissioning import services as commissioning
    from portal.commissioning.models import Outcome
    from portal.demo import score_application
    from portal.evaluation import services as evaluation

    provider = make_provider()
    round1 = make_round(closes_in=timedelta(days=2))
    earlier = complete_application(round1, provider, lots=[system.lots[0]],
                                   answer="Round 1 answer: we plan with each person, in their words.")
    onboarding.submit_application(earlier, provider, declaration_confirmed=True)
    frozen_clock.advance(days=2)
    evaluation.assign_evaluators(round1, council.commissioner, [council.evaluator1])
    score_application(earlier, [council.evaluator1], council.commissioner, score=1)
    commissioning.record_decision(earlier, system.lots[0], council.commissioner, outcome=Outcome.reject,
                                  reasons="Below the pass mark.")
    commissioning.confirm_decisions(round1, council.commissioner)
    commissioning.publish_round(round1, council.commissioner)
    db.session.commit()
    frozen_clock.advance(days=1)
    round2 = make_round(closes_in=timedelta(days=20))
    application = onboarding.start_application(round2, provider)
    onboarding.choose_lots(application, provider, {system.lots[0].id: [z.id for z in system.zones]})
    db.session.commit()
    return earlier, application, provider


def test_the_previous_answer_is_found_by_question_or_by_its_words(db, system, council, earlier_round):
    from portal.commissioning import services as commissioning
    from portal.commissioning.models import Section

    earlier, application, provider = earlier_round
    question = system.lots[0].questions[0]
    assert previous_answer(application, question).application_id == earlier.id
    # the same words asked as a new question in the same lot still finds it
    from portal.commissioning.models import Question
    copy = Question(lot=question.lot, position=99, section=Section.quality, text=question.text,
                    weight=question.weight, word_limit=500)
    db.session.add(copy)
    db.session.flush()
    assert previous_answer(application, copy).text.startswith("Round 1 answer")
    # a draft or withdrawn application is not "the last application"
    assert previous_answer(earlier, question) is None


def test_a_provider_reuses_its_round_1_answer_with_one_click(client, db, login, system, earlier_round):
    earlier, application, provider = earlier_round
    question = system.lots[0].questions[0]
    login(provider)
    url = f"/provider/applications/{application.id}/questions/{question.id}"
    page = text(client.get(url))
    assert "You answered this question in Round 1" in page and "Use your answer from Round 1" in page
    r = client.post(f"{url}/reuse", data={"version": ""})
    assert r.status_code == 302
    page = text(client.get(r.location))
    assert "Your earlier answer is copied in" in page
    assert "Round 1 answer: we plan with each person, in their words." in page
    assert "Use your answer from Round 1" not in page  # it is the answer now
    answer = db.session.scalar(select(Answer).filter_by(application_id=application.id, question_id=question.id))
    assert answer.text.startswith("Round 1 answer") and events(db, "answer.reused") == 1
    # then edited as any answer
    client.post(url, data={"text": answer.text + " Reviewed for 2026.", "version": str(answer.version), "save": "y"})
    db.session.expire_all()
    assert answer.text.endswith("Reviewed for 2026.")


def test_reuse_does_not_silently_overwrite_a_newer_answer(client, db, login, system, earlier_round):
    earlier, application, provider = earlier_round
    question = system.lots[0].questions[0]
    onboarding.save_answer(application, question, provider, "Started in this tab.")
    db.session.commit()
    version_seen = application.answer_for(question).version
    onboarding.save_answer(application, question, provider, "A newer answer from another tab.",
                           expected_version=version_seen)
    db.session.commit()
    login(provider)
    url = f"/provider/applications/{application.id}/questions/{question.id}"
    page = text(client.get(url))
    assert "Using it replaces what you have written below" in page
    r = client.post(f"{url}/reuse", data={"version": str(version_seen)})
    assert "was not copied" in text(client.get(r.location))
    db.session.expire_all()
    assert application.answer_for(question).text == "A newer answer from another tab."
    assert events(db, "answer.reused") == 0


def test_there_is_nothing_to_reuse_for_a_first_application(client, db, login, draft):
    application, provider, question = draft
    login(provider)
    url = f"/provider/applications/{application.id}/questions/{question.id}"
    assert "Use your answer from" not in text(client.get(url))
    r = client.post(f"{url}/reuse", data={"version": ""})
    assert "no earlier answer to this question" in text(client.get(r.location))
