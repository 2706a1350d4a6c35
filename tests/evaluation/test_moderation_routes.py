"""The moderation page: its refusals store nothing and say how to fix them; two moderators cannot
overwrite each other's agreed scores without seeing them."""
import re

from sqlalchemy import func, select

from portal.auth.models import Role
from portal.demo import create_staff
from portal.evaluation.models import ModeratedScore, ModeratedStandard

from .test_services import closed_round, in_evaluation, submit_scores  # noqa: F401 (fixtures)


def stored(db, model=ModeratedScore) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


class Moderator:
    """A browser of its own: each request runs in a fresh app context, as on a real server, so two
    moderators signed in at once do not share the signed-in user or the database session."""

    def __init__(self, app, user):
        self.app, self.client = app, app.test_client()
        assert self.post("/sign-in", data={"email": user.email, "password": "care-dps-demo-password"}).status_code == 302

    def get(self, url):
        with self.app.app_context():
            return self.client.get(url)

    def post(self, url, data):
        with self.app.app_context():
            return self.client.post(url, data=data)


def signed_in(app, user) -> Moderator:
    return Moderator(app, user)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def everyone_submits(council, application):
    submit_scores(application, {council.evaluator1: 4, council.evaluator2: 2, council.panel: 3})


def test_moderating_before_every_evaluator_has_submitted_is_refused_and_stores_nothing(
        app, db, council, system, in_evaluation):
    _, application = in_evaluation
    submit_scores(application, {council.evaluator1: 4})
    db.session.commit()
    question = system.lots[0].questions[0]
    client = signed_in(app, council.commissioner)
    page = page_text(client.get(f"/evaluation/applications/{application.id}/moderation"))
    assert "Not every evaluator has submitted their scores." in page
    response = client.post(f"/evaluation/applications/{application.id}/moderation",
                           data={f"score_{question.id}": "4", f"rationale_{question.id}": "Agreed.",
                                 f"version_{question.id}": "0"})
    assert response.status_code == 200
    page = page_text(response)
    assert "<title>Error:" in page
    assert page.count("Wait until every evaluator has submitted their scores. Still scoring: ") == 1
    assert "Grace Okafor" in page and "Margaret Hill" in page
    assert stored(db) == 0


def test_an_agreed_score_outside_the_scale_or_without_a_rationale_is_refused_and_nothing_is_stored(
        app, db, council, system, in_evaluation):
    _, application = in_evaluation
    everyone_submits(council, application)
    db.session.commit()
    q1, q2 = system.lots[0].questions[:2]
    evidence = system.lots[0].standards[2]
    client = signed_in(app, council.commissioner)
    response = client.post(f"/evaluation/applications/{application.id}/moderation", data={
        f"score_{q1.id}": "9", f"rationale_{q1.id}": "The plan is person-led.", f"version_{q1.id}": "0",
        f"score_{q2.id}": "3", f"rationale_{q2.id}": "  ", f"version_{q2.id}": "0",
        f"standard_{evidence.id}": "pass", f"rationale_standard_{evidence.id}": "Five years of plans.",
        f"version_standard_{evidence.id}": "0"})
    page = page_text(response)
    assert "Error:" in page
    assert "Choose an agreed score from 0 to 5 for question 1.1." in page
    assert "Give the rationale for the agreed score of question 1.2." in page
    assert "The plan is person-led." in page  # what was typed is kept
    # all or nothing: the valid standard result was not stored either
    assert stored(db) == 0 and stored(db, ModeratedStandard) == 0


def test_two_moderators_saving_the_same_answer_the_second_is_told_and_nothing_is_lost(
        app, db, council, system, in_evaluation):
    _, application = in_evaluation
    everyone_submits(council, application)
    colleague = create_staff(council.authority, Role.commissioner, "commissioner2@cambs.example", "Sam Reid")
    db.session.commit()
    question = system.lots[0].questions[0]
    url = f"/evaluation/applications/{application.id}/moderation"
    priya, sam = signed_in(app, council.commissioner), signed_in(app, colleague)
    for client in (priya, sam):  # both open the page before anything is agreed
        page = client.get(url).get_data(as_text=True)
        assert f'name="version_{question.id}" value="0"' in page
    # each group of radios is named by its legend, even where the template sizes the legend
    assert re.search(r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\s*'
                     r'Agreed score for question 1.1\s*</legend>', page)

    saved = priya.post(url, data={f"score_{question.id}": "3", f"rationale_{question.id}": "Adequate plan.",
                                  f"version_{question.id}": "0"})
    assert saved.status_code == 302
    second = sam.post(url, data={f"score_{question.id}": "5", f"rationale_{question.id}": "An excellent plan.",
                                 f"version_{question.id}": "0"})
    assert second.status_code == 200
    page = page_text(second)
    assert "Priya Shah saved an agreed result for question 1.1 while you were working." in page
    assert "Saved by Priya Shah at" in page and "agreed score <strong>3</strong>. Adequate plan." in page
    assert "An excellent plan." in page  # Sam's own rationale is shown back to him
    assert re.search(rf'<input class="govuk-radios__input" id="score_{question.id}-6" name="score_{question.id}" '
                     r'type="radio" value="5" checked>', page)  # and his own score, still picked
    assert f'name="version_{question.id}" value="1"' in page  # saving again now replaces Priya's on purpose
    db.session.expire_all()
    moderated = db.session.scalar(select(ModeratedScore).filter_by(application_id=application.id,
                                                                    question_id=question.id))
    assert (moderated.score, moderated.rationale, moderated.version) == (3, "Adequate plan.", 1)

    again = sam.post(url, data={f"score_{question.id}": "5", f"rationale_{question.id}": "An excellent plan.",
                                f"version_{question.id}": "1"})
    assert again.status_code == 302
    db.session.expire_all()
    moderated = db.session.get(ModeratedScore, moderated.id)
    assert (moderated.score, moderated.rationale, moderated.moderator_id) == (5, "An excellent plan.", colleague.id)
