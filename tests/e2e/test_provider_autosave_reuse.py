"""A returning provider in a real browser: reuse an answer from an earlier round, autosave, upload, submit.

The demo's Round 1 providers answered only Lot 1 and are all on its list, so none can reuse an answer in
Round 2. This module serves its own portal whose demo provider (Fenland Homecare) also sent an application
in Round 1, with its own answers, and whose autosave waits one second instead of fifteen.
Every provider page is checked with axe (no serious or critical violations); key pages are screenshotted.
"""
import re
import tempfile
from pathlib import Path

import pytest

from portal import clock, create_app

from conftest import serve  # tests/e2e/conftest.py (tests/e2e is not a package)
from test_provider_journey import Journey

pytestmark = pytest.mark.e2e

EMAIL = "provider@fenland-homecare.example"
ROUND_1_ANSWER = ("In Round 1 we wrote: each plan is written with the person at their kitchen table, "
                  "in their own words, and reviewed after six weeks.")
EDITED = " Since then we also ask the person's family to read the plan with them."
AUTOSAVED = ("Every worker completes safeguarding training before their first visit. Concerns go straight to "
             "our safeguarding lead, who reports them to the council the same day.")
OTHERS = {
    "How do you recruit and keep": "We pay for travel time, guarantee hours and train every new worker for two weeks.",
    "What will you do for local employment": "Four apprenticeships in Fenland in the first year.",
}


def _seed_round_1_application():
    """Fenland Homecare applies in Round 1 (October 2022) for Lot 1 with its own answers."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.commissioning.models import Round
    from portal.demo import at, complete_application
    from portal.extensions import db
    from portal.onboarding.services import submit_application

    user = db.session.scalar(select(User).filter_by(email=EMAIL))
    round_1 = db.session.scalar(select(Round).filter_by(number=1))
    try:
        clock.set_now(at(2022, 10, 12))
        application = complete_application(round_1, user, lots=[round_1.system.lots[0]], answer=ROUND_1_ANSWER)
        submit_application(application, user, declaration_confirmed=True)
    finally:
        clock.set_now(None)


@pytest.fixture(scope="session")
def live_server():
    """Like tests/e2e/conftest.py's portal (CSRF on, demo data, real clock), plus the Round 1 application."""
    from flask_migrate import upgrade

    from portal.demo import load_demo_data
    from portal.extensions import db

    tmp = tempfile.mkdtemp(prefix="portal-e2e-reuse-")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'e2e.db'}",
                     UPLOAD_FOLDER=str(Path(tmp) / "uploads"), WTF_CSRF_ENABLED=True, TESTING=False,
                     AUTOSAVE_DELAY_MS=1000)
    clock.set_now(None)
    with app.app_context():
        upgrade()
        load_demo_data()
        _seed_round_1_application()
        db.session.commit()
        db.session.remove()
    with serve(app, tmp, "portal-e2e-reuse-server") as url:
        yield url


def test_returning_provider_reuses_an_answer_autosaves_uploads_and_submits(page, artifacts_dir):
    from playwright.sync_api import expect

    from portal.demo import DEMO_PASSWORD, sample_pdf

    journey = Journey(page, artifacts_dir)
    question_link = lambda start: page.get_by_role("link", name=re.compile(r"^\d+\.\d+ " + re.escape(start)))  # noqa: E731

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Your applications")
    journey.check("reuse-dashboard")
    page.get_by_role("button", name=re.compile("^Start an application")).click()
    expect(page.locator("h1")).to_have_text("Your application")
    journey.check("reuse-task-list")
    task_list_url = page.url

    page.get_by_role("link", name="Choose lots and zones").click()
    journey.check("reuse-lots")
    page.get_by_role("group", name=re.compile("Which lots are you applying for")) \
        .get_by_label("Lot 1: Providers of Care").check()
    page.get_by_role("group", name="Zones for Lot 1: Providers of Care").get_by_label("Fenland").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(task_list_url)

    # (1) the answer from Round 1 is copied in, and can be changed
    question_link("How will you plan support").click()
    expect(page.locator(".portal-reuse")).to_contain_text("You answered this question in Round 1")
    expect(page.get_by_label("Your answer")).to_have_value("")
    journey.check("reuse-question", screenshot=True)
    page.get_by_role("button", name="Use your answer from Round 1").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your earlier answer is copied in")
    answer = page.get_by_label("Your answer")
    expect(answer).to_have_value(ROUND_1_ANSWER)
    expect(answer).to_be_editable()
    expect(page.locator(".portal-reuse")).to_have_count(0)  # the box is the same as Round 1's now
    journey.check("reuse-question-copied", screenshot=True)
    answer.press("Control+End")
    answer.type(EDITED)
    expect(answer).to_have_value(ROUND_1_ANSWER + EDITED)
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(task_list_url)

    # (2) typing is saved in the background; a reload shows it. The portal's script is held back until the
    # person has typed (a slow connection): the text typed before it started is saved too.
    held = []
    page.route("**/static/portal.js*", lambda route: held.append(route))  # routing also turns the cache off
    question_link("How do you keep people safe").click()
    page.get_by_label("Your answer").fill(AUTOSAVED)
    page.wait_for_timeout(1500)  # longer than the autosave's delay: nothing can have been saved yet
    expect(page.locator("#autosave-status")).to_have_text("")
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/static/portal.js*")
    # the save goes after a second's pause in typing; a busy test machine has taken more than 10 s to show it
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Draft saved at \d\d:\d\d"),
                                                            timeout=30_000)
    journey.check("reuse-question-autosaved", screenshot=True)
    page.reload()
    expect(page.get_by_label("Your answer")).to_have_value(AUTOSAVED)
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(task_list_url)

    for start, text in OTHERS.items():
        question_link(start).click()
        page.get_by_label("Your answer").fill(text)
        page.get_by_role("button", name="Save and continue").click()
        expect(page).to_have_url(task_list_url)

    # Minimum standards, with (3) the insurance certificate uploaded
    page.get_by_role("link", name="Mandatory exclusion grounds").click()
    journey.check("reuse-standard-declaration")
    page.get_by_label("I confirm this statement is true for my organisation").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="CQC rating of Good or Outstanding").click()
    journey.check("reuse-standard-cqc")
    page.get_by_label("I confirm this is my organisation's current CQC registration and overall rating").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Previous experience").click()
    journey.check("reuse-standard-evidence")
    page.get_by_label("Your evidence").fill("Since 2019 we have planned personalised support for 40 adults in Fenland.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(task_list_url)

    page.get_by_role("link", name="Insurance certificates").click()
    journey.check("reuse-standard-document")
    page.get_by_role("button", name="Upload a document").click()
    expect(page.locator("h1")).to_have_text("Upload a document")
    journey.check("reuse-upload")
    page.get_by_label("Upload a file").set_input_files(
        files=[{"name": "Employers liability 2026.pdf", "mimeType": "application/pdf",
                "buffer": sample_pdf("Certificate of employers liability insurance")}])
    expiry = page.get_by_role("group", name="Expiry date")
    expiry.get_by_label("Day").fill("30")
    expiry.get_by_label("Month").fill("6")
    expiry.get_by_label("Year").fill("2031")
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Employers liability 2026.pdf is uploaded")
    expect(page.locator("main")).to_contain_text("Expires on 30 June 2031")
    journey.check("reuse-standard-document-uploaded", screenshot=True)
    page.get_by_role("link", name="Back to your application").last.click()
    expect(page).to_have_url(task_list_url)

    # Rates, then (4) check and submit
    page.get_by_role("link", name="Accept the council's hourly rates").click()
    journey.check("reuse-rates")
    page.get_by_label("I accept the council's hourly rates for the zones I have chosen").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("main")).to_contain_text("You have completed 10 of 10 sections")
    page.get_by_role("button", name="Check your answers and submit").click()
    expect(page.locator("h1")).to_have_text("Check your answers before submitting")
    main = page.locator("main")
    expect(main).to_contain_text(ROUND_1_ANSWER + EDITED)
    expect(main).to_contain_text(AUTOSAVED)
    expect(main).to_contain_text("Employers liability 2026.pdf")
    journey.check("reuse-check", screenshot=True)
    page.get_by_label(re.compile("I confirm that the information in this application is true")).check()
    page.get_by_role("button", name="Submit application").click()

    panel = page.locator(".govuk-panel")
    expect(panel).to_contain_text("Application submitted")
    expect(panel.locator("strong")).to_have_text(re.compile(r"^CCC-ISF-PDPS-2022/R2/\d{5}$"))
    journey.check("reuse-receipt", screenshot=True)

    assert not journey.violations, "axe found serious or critical accessibility problems:\n" + "\n".join(
        f"{name}: {v['impact']} {v['id']}: {v['help']} at {v['nodes']}"
        for name, found in journey.violations.items() for v in found)
