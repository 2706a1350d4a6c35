"""The provider's answers on the scoring and moderation pages: read as plain rows and written once per worker for
the words themselves (markup.answer_markup), so the same answer shown to every evaluator and moderator is written
once, and changed words are always written afresh."""
import re

import pytest

from portal.core import DomainError
from portal.demo import complete_application
from portal.evaluation import services as evaluation
from portal.evaluation.kept import KEPT
from portal.evaluation.markup import answer_markup
from portal.onboarding import services as onboarding

from .test_services import assignment_of, declare_none

CHANGED = "We changed this <answer> after reopening.\nLine two & more.\n\nA second paragraph."
SHORT = "A shorter answer."
CHANGED_HTML = ('<div class="portal-answer"><p class="govuk-body">We changed this &lt;answer&gt; after reopening.<br>'
                'Line two &amp; more.</p><p class="govuk-body">A second paragraph.</p></div>')


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return re.sub(r'nonce="[^"]+"', 'nonce="X"', response.get_data(as_text=True))


def afresh(app, client, path) -> str:
    """The page with nothing kept: neither the page's content nor any answer's markup."""
    app.extensions.pop(KEPT.name, None)
    answer_markup.cache_clear()
    return page(client, path)


@pytest.fixture()
def reopened(db, council, system, make_round, make_provider, frozen_clock):
    """Two applications with the same words; the first reopened, one answer changed, another shortened and
    resubmitted at the same moment as it was first submitted (the clock is frozen), then the round closed and both
    given to both officers."""
    round_ = make_round()
    lot = system.lots[0]
    first, second = (make_provider("Bloomsbury Home Care LTD"), make_provider("Fenland Support CIC"))
    applications = []
    for provider in (first, second):
        application = complete_application(round_, provider, lots=[lot])
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        applications.append(application)
    db.session.commit()
    changed, emptied = lot.questions[0], lot.questions[1]
    application = applications[0]
    submitted_at = application.submitted_at
    onboarding.reopen_application(application, first)
    onboarding.save_answer(application, changed, first, CHANGED)
    onboarding.save_answer(application, emptied, first, SHORT)
    onboarding.submit_application(application, first, declaration_confirmed=True)
    db.session.commit()
    assert application.submitted_at == submitted_at  # nothing but the words tells the two versions apart
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1, council.evaluator2])
    for evaluator in (council.evaluator1, council.evaluator2):
        declare_none(round_, evaluator, *applications)
    db.session.commit()
    return round_, applications, changed, emptied


def test_every_page_shows_the_answers_as_last_submitted(app, client, login, db, council, reopened):
    round_, (changed_one, same_one), changed, emptied = reopened
    answer_markup.cache_clear()
    first_words = same_one.answer_for(changed).text
    paths = []
    for evaluator in (council.evaluator1, council.evaluator2):
        login(evaluator)
        client.get("/evaluation/")  # the message of signing in is shown once
        for application in (same_one, changed_one):
            path = f"/evaluation/assignments/{assignment_of(application, evaluator).id}"
            shown = page(client, path)
            assert shown == afresh(app, client, path)
            paths.append((evaluator, application, path, shown))
    for evaluator, application, path, shown in paths:
        if application is changed_one:
            assert CHANGED_HTML in shown and shown.count(f'<p class="govuk-body">{SHORT}</p>') == 1
            assert shown.count(str(answer_markup(first_words))) == len(changed.lot.questions) - 2
        else:
            assert CHANGED_HTML not in shown and SHORT not in shown
            assert str(answer_markup(first_words)) in shown
    login(council.commissioner)
    client.get(f"/evaluation/applications/{same_one.id}/moderation")  # the message of signing in is shown once
    for application in (same_one, changed_one):
        path = f"/evaluation/applications/{application.id}/moderation"
        shown = page(client, path)
        assert shown == afresh(app, client, path)
        assert (CHANGED_HTML in shown) is (application is changed_one)


def test_the_same_words_are_written_once_for_every_evaluator(app, client, login, db, council, reopened):
    round_, (changed_one, same_one), changed, emptied = reopened
    login(council.evaluator1)
    client.get("/evaluation/")
    app.extensions.pop(KEPT.name, None)
    answer_markup.cache_clear()
    page(client, f"/evaluation/assignments/{assignment_of(same_one, council.evaluator1).id}")
    made = answer_markup.cache_info()
    assert made.misses == 1 and made.hits == len(changed.lot.questions) - 1  # every answer has the same words
    page(client, f"/evaluation/assignments/{assignment_of(changed_one, council.evaluator1).id}")
    after = answer_markup.cache_info()
    assert after.misses == made.misses + 2  # only the two changed answers are new words


def test_an_application_in_evaluation_cannot_be_changed(db, reopened):
    """Why the answers shown never change once they can be seen: the provider cannot reopen or change them."""
    round_, (application, _), changed, _ = reopened
    provider = application.organisation.users[0]
    with pytest.raises(DomainError):
        onboarding.reopen_application(application, provider)
    with pytest.raises(DomainError):
        onboarding.save_answer(application, changed, provider, "Changed in evaluation.")
