"""The evaluation report of a round and the outcome letter of an application, as PDFs, and the outcome page."""
import io
import resource
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.commissioning import services as commissioning
from portal.documents.evaluation import evaluation_report_pdf, outcome_letter_pdf

from .conftest import INTEREST, MITIGATION

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"


def pdf_text(pdf: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    return " ".join(" ".join(pages).split()), pages


def keep(name: str, pdf: bytes) -> None:
    """Keep the PDF under test-artifacts/ so a person can look at it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf)


# ---- the evaluation report


def test_evaluation_report_records_the_criteria_evaluators_conflicts_scores_results_and_decisions(
        app, db, council, decided_round, system):
    round_, applications = decided_round
    with app.test_request_context():
        pdf = evaluation_report_pdf(round_)
    keep("evaluation-report.pdf", pdf)
    text, pages = pdf_text(pdf)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Cambridgeshire County Council" in page
    assert "Evaluation report" in text and "Individual Service Funds pseudo-DPS" in text and "CCC-ISF-PDPS-2022" in text
    assert "Round 1" in text and "Pseudo-DPS under the Light Touch Regime" in text
    assert "Decisions confirmed 18 June 2026 at midday" in text
    # criteria and weights
    assert "Section weights: quality 95, social value 5 (out of 100)" in text and "Pass mark: 60.00" in text
    assert "5 Excellent" in text and "0 No answer, or unacceptable" in text
    assert "How do you keep people safe from abuse and neglect?" in text
    assert "1.1 How will you plan support" in text
    assert "Previous experience Evidence judged by an evaluator" in text
    # evaluators, with their roles
    assert "Tom Evans Evaluator (council officer)" in text and "Grace Okafor Evaluator (council officer)" in text
    assert "Margaret Hill Service-user panel member" in text
    # conflicts declared, and how they were handled
    assert "8 declarations of no interest; 1 interest declared" in text
    assert INTEREST in text
    assert f"Allowed to score with this mitigation: {MITIGATION} Decided by Priya Shah on 16 June 2026." in text
    # results per lot and the agreed scores per application and question
    assert "Bloomsbury Home Care LTD" in text and "80.00 Passed Admitted" in text
    assert "20.00 Failed Not admitted" in text
    assert "Lot 1: Providers of Care: total 60.00 of 100; admitted" in text
    assert "1.1 1 / 5 7.00 / 35 Evaluators agreed. Priya Shah" in text
    assert "Question 1.1 scored 1, below its minimum score of 2." in text
    assert "recorded by Priya Shah on" in text


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (the PDF is laid out in one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def test_evaluation_report_for_100_applications_renders_in_under_10_seconds(app, db, council, decided_round,
                                                                             system):
    from .bulk import add_decided_applications

    round_, _ = decided_round
    add_decided_applications(round_, council.commissioner, 97)
    db.session.commit()
    db.session.expire_all()
    with app.test_request_context():
        started, cpu_started = time.perf_counter(), cpu_seconds()
        pdf = evaluation_report_pdf(round_)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    text, pages = pdf_text(pdf)
    assert "Bulk Care 097 Ltd" in text and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    print(f"evaluation report of {len(pages)} pages for 100 applications: {elapsed:.2f}s ({cpu:.2f}s of CPU)")
    # the CPU time this process and its PDF child process spent, so other work on a shared machine does not
    # fail the test
    assert cpu < 10, f"the report took {cpu:.1f}s of CPU"


def test_evaluation_report_route_is_for_the_owning_commissioner_once_decisions_are_confirmed(
        client, login, council, decided_round, system, in_evaluation_round):
    round_, applications = decided_round
    url = f"/commissioning/rounds/{round_.id}/evaluation-report.pdf"
    login(council.commissioner)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="evaluation-report-ccc-isf-pdps-2022-round-1.pdf"' in response.headers["Content-Disposition"]
    assert "Tom Evans" in pdf_text(response.data)[0]
    for user, status in ((council.other_commissioner, 404), (council.evaluator1, 403),
                         (applications["Hales Group Limited"].organisation.users[0], 403)):
        login(user)
        assert client.get(url).status_code == status
    login(council.commissioner)
    refused = client.get(f"/commissioning/rounds/{in_evaluation_round.id}/evaluation-report.pdf",
                         follow_redirects=True)
    assert refused.mimetype == "text/html"
    assert "The evaluation report is ready once the decisions of the round are confirmed." in refused.get_data(
        as_text=True)


@pytest.fixture()
def in_evaluation_round(db, council, system, make_round, make_provider, frozen_clock):
    """A second round, closed and in evaluation: no report yet."""
    from portal.evaluation import services as evaluation
    from portal.demo import complete_application
    from portal.onboarding import services as onboarding

    frozen_clock.advance(days=1)
    round_ = make_round()
    provider = make_provider("DIAL Peterborough")
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    return round_


# ---- the outcome letter and the provider's outcome page


def test_outcome_letter_is_a_letter_from_the_council_with_the_decision_reasons_and_scores(app, db, decided_round):
    _, applications = decided_round
    cera = applications["Cera Care Operations LTD"]
    with app.test_request_context():
        pdf = outcome_letter_pdf(cera)
    keep("outcome-letter.pdf", pdf)
    text, pages = pdf_text(pdf)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    assert "Cera Care Operations LTD 1 Bridge Street Peterborough PE1 1HF" in text  # the address block
    assert "Cambridgeshire County Council Commissioning 18 June 2026" in text
    assert f"Our reference {cera.reference}" in text
    assert "Outcome of your application" in text and "Dear Cera Care Operations LTD," in text
    assert "Not admitted to this lot." in text
    assert "Reasons: Question 1.1 scored 1, below its minimum score of 2." in text
    assert "Your total is 20.00 out of 100" in text
    assert "1 / 5 7.00 / 35 Evaluators agreed." in text  # score, points and the moderated rationale per question
    assert "Previous experience Pass Evidence accepted by all evaluators." in text
    assert "Yours sincerely, Priya Shah Commissioner Cambridgeshire County Council" in text
    assert "You may apply again when the system next opens for applications." in text


def test_provider_sees_the_outcome_only_once_published_and_downloads_the_letter(client, login, council, db,
                                                                                decided_round):
    round_, applications = decided_round
    bloomsbury = applications["Bloomsbury Home Care LTD"]
    provider = bloomsbury.organisation.users[0]
    login(provider)
    # decisions confirmed, not yet published: no outcome and no letter yet
    for url in (f"/provider/applications/{bloomsbury.id}/outcome",
                f"/provider/applications/{bloomsbury.id}/outcome-letter.pdf"):
        response = client.get(url, follow_redirects=True)
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert "The council has not published the outcome of this round yet." in page
        assert "Admitted" not in page and "80.00" not in page
    commissioning.publish_round(round_, council.commissioner)
    db.session.commit()
    page = client.get(f"/provider/applications/{bloomsbury.id}/outcome").get_data(as_text=True)
    assert "Lot 1: Providers of Care" in page and "<strong>Admitted.</strong> You are on the call-off list" in page
    assert "Met every minimum standard and the pass mark." in page
    assert "80.00 of 100" in page and "4 of 5" in page and "28.00 of 35" in page
    assert "Evaluators agreed." in page and "Evidence accepted by all evaluators." in page
    assert f"/provider/applications/{bloomsbury.id}/outcome-letter.pdf" in page
    letter = client.get(f"/provider/applications/{bloomsbury.id}/outcome-letter.pdf")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    text = pdf_text(letter.data)[0]
    assert "Admitted: you are on the call-off list for this lot." in text and "Your total is 80.00" in text
    # another provider's letter does not exist for this provider
    other = applications["Hales Group Limited"]
    assert client.get(f"/provider/applications/{other.id}/outcome-letter.pdf").status_code == 404
    assert client.get(f"/provider/applications/{other.id}/outcome").status_code == 404


def test_commissioner_downloads_an_outcome_letter_once_decided(client, login, council, decided_round,
                                                               in_evaluation_round):
    _, applications = decided_round
    hales = applications["Hales Group Limited"]
    login(council.commissioner)
    response = client.get(f"/commissioning/applications/{hales.id}/outcome-letter.pdf")
    assert response.status_code == 200 and "Dear Hales Group Limited," in pdf_text(response.data)[0]
    login(council.other_commissioner)
    assert client.get(f"/commissioning/applications/{hales.id}/outcome-letter.pdf").status_code == 404
    login(council.commissioner)
    waiting = in_evaluation_round.applications[0]
    refused = client.get(f"/commissioning/applications/{waiting.id}/outcome-letter.pdf", follow_redirects=True)
    assert "The outcome letter is ready once the decisions of the round are confirmed." in refused.get_data(
        as_text=True)


def test_a_report_that_cannot_be_laid_out_is_an_error_page_not_a_hang(app, client, login, council, decided_round,
                                                                      monkeypatch):
    import os

    from portal.documents import pdf

    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: os._exit(1))  # the layout process dies
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.config, "PDF_IN_CHILD_PROCESS", True)
    round_, _ = decided_round
    login(council.commissioner)
    response = client.get(f"/commissioning/rounds/{round_.id}/evaluation-report.pdf")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
