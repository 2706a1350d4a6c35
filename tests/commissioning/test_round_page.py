"""The round page's list of submitted applications: paged in reference order, drafts and withdrawn
applications only counted, each lot's decision and the evaluators' progress shown."""
import re

from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome
from portal.demo import complete_application, score_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding

from tests.kept_pages import assert_kept_matches_afresh, assert_kept_reads_less

#: where the round's page starts
MAIN = '<span class="govuk-caption-l">'


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_round_page_lists_a_page_of_submitted_applications_in_reference_order(
        app, client, login, db, council, system, make_round, make_provider, frozen_clock, monkeypatch):
    lot1, lot2 = system.lots[0], system.lots[1]
    round_ = make_round()
    submitted = []
    for name, lots in (("Cedar Care Ltd", [lot1]), ("Alder Homecare CIC", [lot1, lot2]), ("Birch Support Ltd", [lot2])):
        provider = make_provider(name)
        application = complete_application(round_, provider, lots=lots)
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        submitted.append(application)
    onboarding.start_application(round_, make_provider("Drafting Care Ltd"))
    leaver = make_provider("Leaving Care Ltd")
    gone = complete_application(round_, leaver, lots=[lot1])
    onboarding.submit_application(gone, leaver, declaration_confirmed=True)
    onboarding.withdraw_application(gone, leaver)
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    score_application(submitted[1], None, council.commissioner, score=1)
    commissioning.record_decision(submitted[1], lot2, council.commissioner, outcome=Outcome.reject,
                                  reasons="Below the pass mark.")
    db.session.commit()
    login(council.commissioner)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)

    first = text(client.get(f"/commissioning/rounds/{round_.id}"))
    assert "1 in draft, 3 submitted, 1 withdrawn" in first
    # by reference, which is the order of submission: Cedar, Alder on page 1; Birch on page 2
    assert first.index("Cedar Care Ltd") < first.index("Alder Homecare CIC")
    assert "Birch Support Ltd" not in first and "Drafting Care Ltd" not in first and "Leaving Care Ltd" not in first
    assert f"Cedar Care Ltd {submitted[0].reference} 0 of 1 Evaluators of Cedar Care Ltd" in first
    assert ("Alder Homecare CIC " + submitted[1].reference) in first
    assert "Lot 1: not decided( decide Alder Homecare CIC lot 1 )" in first
    assert "Lot 2: Not admitted( change Alder Homecare CIC lot 2 )" in first
    assert "Waiting for evaluators" in first

    second = text(client.get(f"/commissioning/rounds/{round_.id}?page=2"))
    assert "Birch Support Ltd" in second and "Cedar Care Ltd" not in second
    assert client.get(f"/commissioning/rounds/{round_.id}?page=3").status_code == 404


def test_the_kept_rows_show_every_change_at_once_and_are_the_rows_written_afresh(
        app, client, login, db, council, system, make_round, make_provider, frozen_clock):
    """The rows, clocks and extensions are kept by each worker (round_page.round_view) until the council's log
    moves, the listed applications change, the round's status changes or the day does: each kind of change shows
    on the next view, and a kept page is byte for byte the page made afresh."""
    from portal.evaluation.deadlines import extend_evaluation_deadline
    from portal.onboarding.organisations import update_profile

    lot1 = system.lots[0]
    round_ = make_round()
    providers, applications = [], []
    for name in ("Cedar Care Ltd", "Alder Homecare CIC"):
        provider = make_provider(name)
        application = complete_application(round_, provider, lots=[lot1])
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        providers.append(provider)
        applications.append(application)
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    login(council.commissioner)
    url = f"/commissioning/rounds/{round_.id}"
    main = lambda: assert_kept_matches_afresh(app, client, url, MAIN)  # noqa: E731

    first, _ = assert_kept_reads_less(app, db, client, url, MAIN)  # kept: the lots, progress and extensions not read
    assert "0 of 1" in text_of(first) and "Waiting for evaluators" in first

    score_application(applications[0], None, council.commissioner, score=4)  # scored and submitted
    db.session.commit()
    assert "1 of 1" in text_of(main())
    commissioning.record_decision(applications[0], lot1, council.commissioner, outcome=Outcome.admit,
                                  reasons="Passed.")
    db.session.commit()
    assert "Lot 1: Admitted" in text_of(main())
    assert "0 in draft, 2 submitted, 0 withdrawn" in text_of(main())
    update_profile(applications[1].organisation, providers[1], legal_name="Alder Home Care CIC")
    db.session.commit()  # a provider's change, recorded for no council
    assert "Alder Home Care CIC" in main()
    due_on_before = text_of(main())
    extend_evaluation_deadline(round_, council.commissioner, justification="Site visits needed.")
    db.session.commit()
    assert text_of(main()) != due_on_before  # the round's clock shows the extension
    assert "Extend the evaluation deadline" not in main()
    today = main()
    frozen_clock.advance(days=1)  # Tuesday 16 June to Wednesday 17 June 2026
    tomorrow = main()
    assert re.search(r"working days? left", today) and tomorrow != today  # a new day: the clock counts again


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_kept_counts_of_an_open_round_follow_each_application(client, login, db, council, make_round,
                                                                  make_provider, system):
    round_ = make_round()
    login(council.commissioner)
    url = f"/commissioning/rounds/{round_.id}"
    count = lambda: re.search(r"\d+ in draft, \d+ submitted, \d+ withdrawn", text(client.get(url)))[0]  # noqa: E731
    assert count() == count() == "0 in draft, 0 submitted, 0 withdrawn"
    provider = make_provider("Cedar Care Ltd")
    application = complete_application(round_, provider, lots=[system.lots[0]])
    db.session.commit()
    assert count() == "1 in draft, 0 submitted, 0 withdrawn"
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    assert count() == "0 in draft, 1 submitted, 0 withdrawn"
    page = client.get(url).get_data(as_text=True)
    assert "Cedar Care Ltd" not in page and "Bids are sealed" in page  # sealed: counts only
    onboarding.withdraw_application(application, provider)
    db.session.commit()
    assert count() == "0 in draft, 0 submitted, 1 withdrawn"


def test_the_kept_evaluation_section_is_what_the_include_wrote(app, client, login, db, council, system, make_round,
                                                               make_provider, frozen_clock):
    """round.html included evaluation/_round_evaluation.html; the section is now written once with the kept
    clocks and put in its place: the page is byte for byte the one the include wrote, in each state."""
    from flask import render_template_string
    from flask_login import login_user

    from portal.commissioning.models import RoundStatus
    from portal.commissioning.round_page import round_view
    from portal.onboarding.models import ApplicationStatus

    source = app.jinja_env.loader.get_source(app.jinja_env, "commissioning/round.html")[0]
    assert "{{ evaluation_section }}\n" in source
    old = source.replace("{{ evaluation_section }}\n", '{% include "evaluation/_round_evaluation.html" %}\n\n')

    round_ = make_round()
    provider = make_provider("Cedar Care Ltd")
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    login(council.commissioner)

    def compare():
        page = client.get(f"/commissioning/rounds/{round_.id}").get_data(as_text=True)
        with app.test_request_context(f"/commissioning/rounds/{round_.id}"):
            login_user(council.commissioner)
            view = round_view(round_, 1, app.config.get("PAGE_SIZE", 50))
            expected = render_template_string(
                old, title=f"{round_.system.title}: {round_.name}", round=round_, evaluation_clocks=view.clocks,
                counts=view.counts, extensions=view.extensions, page=view.page, applications=view.applications,
                application_rows=view.rows, page_nav=view.nav, RoundStatus=RoundStatus,
                ApplicationStatus=ApplicationStatus)
        main = lambda html: html[html.index('<span class="govuk-caption-l">'):html.index("</main>")]  # noqa: E731
        assert main(page) == main(expected)
        return main(page)

    assert "Bids are sealed" in compare()  # open
    frozen_clock.advance(days=15)
    assert "Assign evaluators" in compare()  # closed: the evaluation section with its links
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    assert "working days left" in compare()  # in evaluation: the clock


#: what round.html and results.html called before their back links and page links were written out
BACK_LINK = {
    "commissioning/round.html": '{% block back %}{{ govukBackLink({"href": url_for("commissioning.system", '
                                'system_id=round.system_id), "text": round.system.title}) }}{% endblock %}',
    "commissioning/results.html": '{% block back %}{{ govukBackLink({"href": url_for("commissioning.round", '
                                  'round_id=round.id), "text": round.name}) }}{% endblock %}',
}
PAGE_LINKS = {
    "commissioning/round.html": ("{{ page_nav }}", '{{ pagination(page, "commissioning.round", {"round_id": round.id}, '
                                                   'label="Pages of submitted applications") }}'),
    "commissioning/results.html": ("{{ nav }}", '{{ pagination(page, "commissioning.results", {"round_id": round.id}, '
                                                'label="Pages of results") }}'),
}


def old_template(app, name: str) -> str:
    """The template as it was: govukBackLink and the pagination macro called on every view."""
    source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
    back = re.search(r"{#- govukBackLink's markup.*?-#}\n{% block back %}.*?{% endblock %}", source, re.S)
    assert back, name
    source = source.replace(back[0], BACK_LINK[name])
    written, call = PAGE_LINKS[name]
    assert source.count(written) == 1, name
    source = source.replace(written, call)
    return source.replace('{% extends "layout.html" %}\n', '{% extends "layout.html" %}\n'
                          '{% from "publication/_pagination.html" import pagination %}\n')


def test_the_written_back_link_and_kept_page_links_are_what_the_macros_wrote(
        app, client, login, db, council, system, make_round, make_provider, frozen_clock, monkeypatch):
    """The round page's and the results table's back link is written out and their page links are kept with
    their rows: each page, kept or made afresh, is byte for byte what the macros wrote."""
    from flask import render_template_string
    from flask_login import login_user

    from portal.commissioning.models import RoundStatus
    from portal.commissioning.results_page import results_view
    from portal.commissioning.round_page import KEPT, round_view
    from portal.onboarding.models import ApplicationStatus

    lot = system.lots[0]
    round_ = make_round()
    applications = []
    for name in ("Cedar <Care> & Co", "Alder Homecare CIC", "Birch Support Ltd", "Dunmore Care Ltd"):
        provider = make_provider(name)
        application = complete_application(round_, provider, lots=[lot])
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        applications.append(application)
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    score_application(applications[0], None, council.commissioner, score=4)
    db.session.commit()
    login(council.commissioner)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    client.get(f"/commissioning/rounds/{round_.id}")  # shows the sign-in's message
    old_round, old_results = old_template(app, "commissioning/round.html"), old_template(app, "commissioning/results.html")
    main = lambda html: html[html.index('<a href="/commissioning/'):html.index("</main>")]  # noqa: E731
    for number in (1, 2, 3, 4):
        round_url = f"/commissioning/rounds/{round_.id}?page={number}"
        results_url = f"/commissioning/rounds/{round_.id}/results?page={number}"
        pages = [main(client.get(url).get_data(as_text=True)) for url in (round_url, round_url, results_url,
                                                                          results_url)]
        assert pages[0] == pages[1] and pages[2] == pages[3]  # kept: the same
        assert 'class="govuk-back-link"' in pages[0] and 'aria-label="Pages of results"' in pages[2]
        with app.test_request_context(round_url):
            login_user(council.commissioner)
            app.extensions.pop(KEPT.name)
            view = round_view(round_, number, 1)
            expected = render_template_string(
                old_round, title=f"{round_.system.title}: {round_.name}", round=round_, evaluation_clocks=view.clocks,
                counts=view.counts, extensions=view.extensions, page=view.page, applications=view.applications,
                application_rows=view.rows, evaluation_section=view.evaluation_section, RoundStatus=RoundStatus,
                ApplicationStatus=ApplicationStatus)
        assert pages[0] == main(expected)
        with app.test_request_context(results_url):
            login_user(council.commissioner)
            view = results_view(round_, number, 1)
            expected = render_template_string(old_results, title=f"Results of {round_.name}", round=round_,
                                              page=view.page, rows=view.rows, rankings=None, can_report=False)
        assert pages[2] == main(expected)
    assert client.get(f"/commissioning/rounds/{round_.id}?page=5").status_code == 404
    assert client.get(f"/commissioning/rounds/{round_.id}/results?page=5").status_code == 404


def test_a_round_that_does_not_exist_or_is_another_councils_is_not_found(client, login, db, council, make_round):
    round_ = make_round()
    login(council.commissioner)
    assert client.get(f"/commissioning/rounds/{round_.id}").status_code == 200
    for url in (f"/commissioning/rounds/{round_.id + 1000}", f"/commissioning/rounds/{round_.id + 1000}/results"):
        assert client.get(url).status_code == 404
    login(council.other_commissioner)
    for url in (f"/commissioning/rounds/{round_.id}", f"/commissioning/rounds/{round_.id}/results"):
        assert client.get(url).status_code == 404


def test_the_kept_list_follows_each_application_entering_evaluation_and_its_status(
        app, client, login, db, council, system, make_round, make_provider, frozen_clock):
    """A kept page reads only its providers' names again: the rest of what it lists (which applications, their
    references, status and lots) changes with an audit event of the council, so the next view shows it."""
    from portal.commissioning.models import Outcome

    lot = system.lots[0]
    round_ = make_round()
    provider = make_provider("Cedar Care Ltd")
    first = complete_application(round_, provider, lots=[lot])
    onboarding.submit_application(first, provider, declaration_confirmed=True)
    db.session.commit()
    login(council.commissioner)
    url = f"/commissioning/rounds/{round_.id}"
    assert "Cedar Care Ltd" not in client.get(url).get_data(as_text=True)  # sealed
    late = make_provider("Alder Homecare CIC")
    second = complete_application(round_, late, lots=[lot])
    onboarding.submit_application(second, late, declaration_confirmed=True)
    db.session.commit()
    assert "0 in draft, 2 submitted, 0 withdrawn" in text(client.get(url))
    frozen_clock.advance(days=15)  # closed: listed
    page = text(client.get(url))
    assert "Cedar Care Ltd" in page and "Alder Homecare CIC" in page and "( decide" not in page
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    assert "Lot 1: not decided( decide Cedar Care Ltd lot 1 )" in text(client.get(url))
    score_application(first, None, council.commissioner, score=4)
    commissioning.record_decision(first, lot, council.commissioner, outcome=Outcome.admit, reasons="Passed.")
    db.session.commit()
    assert "Lot 1: Admitted( change Cedar Care Ltd lot 1 )" in text(client.get(url))
