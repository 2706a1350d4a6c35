"""A new provider's journey in a real browser: register, apply, save and come back, submit.

Every distinct page is checked with axe (no serious or critical violations) and key pages are
screenshotted to test-artifacts/e2e/.
"""
import re

import pytest

pytestmark = pytest.mark.e2e

ORGANISATION = "Wisbech Community Care Ltd"
EMAIL = "manager@wisbech-care.example"
PASSWORD = "three unrelated words"

QUESTIONS = {
    "How will you plan support": "We sit down with each person, and the people who know them best, and write the plan "
                                 "in their own words. We review it after six weeks and whenever they ask.",
    "How do you keep people safe": "Every worker completes safeguarding training before their first visit and each year. "
                                   "Concerns go straight to our safeguarding lead, who reports them to the council.",
    "How do you recruit and keep": "We pay for travel time, guarantee hours and train every new worker for two weeks, "
                                   "with a relief team covering absence.",
    "What will you do for local employment": "We will offer four apprenticeships in Fenland in the first year and "
                                             "recruit from local colleges.",
}
SAVE_FOR_LATER = "How do you keep people safe"


class Journey:
    """The browser tab plus the per-page checks: axe once per distinct page, screenshots of key pages."""

    def __init__(self, page, artifacts_dir):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.artifacts = artifacts_dir
        self.checked: list[str] = []
        self.violations: dict[str, list[dict]] = {}

    def check(self, name: str, screenshot: bool = False) -> None:
        """Run axe on the current page the first time `name` is seen, and screenshot it if asked."""
        page = self.page
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1, f"{name}: expected exactly one h1 on {page.url}"
        if name not in self.checked:
            self.checked.append(name)
            results = self.axe.run(page)
            found = results.response["violations"]
            for v in found:  # shown with -s, or in the captured output of a failure
                print(f"axe {name}: {v.get('impact')} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}")
            bad = [v for v in found if v.get("impact") in ("serious", "critical")]
            if bad:
                self.violations[name] = [
                    {"id": v["id"], "impact": v["impact"], "help": v["help"],
                     "nodes": [n["target"] for n in v["nodes"]][:5]} for v in bad]
        if screenshot:
            page.screenshot(path=str(self.artifacts / f"{len(self.checked):02d}-{name}.png"), full_page=True)


def test_new_provider_registers_applies_and_submits(page, artifacts_dir):
    from playwright.sync_api import expect

    journey = Journey(page, artifacts_dir)

    # The start page
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Join a council's list of care providers")
    # GOV.UK Frontend's JavaScript ran (the body is marked as supported) and its font loaded
    expect(page.locator("body")).to_have_class(re.compile(r"govuk-frontend-supported"))
    assert page.evaluate("document.fonts.ready.then(() => [...document.fonts].some("
                         "f => f.family.includes('GDS Transport') && f.status === 'loaded'))"), \
        "the GOV.UK font did not load"
    journey.check("home", screenshot=True)
    page.get_by_role("button", name="Register your organisation").click()

    # Registration, first with a postcode that is not real
    expect(page.locator("h1")).to_have_text("Register your organisation")
    journey.check("register")
    page.get_by_label("Legal name of your organisation").fill(ORGANISATION)
    page.get_by_label("Companies House number (optional)").fill("12345679")
    page.get_by_label("CQC provider ID (optional)").fill("1-101234568")
    page.get_by_label("Current CQC overall rating").select_option(label="Good")
    page.get_by_label("Registered address").fill("12 Market Place\nWisbech")
    page.get_by_label("Postcode", exact=True).fill("NOT A POSTCODE")
    page.get_by_label("Your full name").fill("Alex Morgan")
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=re.compile("Enter a real postcode"))).to_be_visible()
    expect(page.locator(".govuk-error-message")).to_contain_text("Enter a real postcode")
    expect(page.get_by_label("Legal name of your organisation")).to_have_value(ORGANISATION)
    assert page.title().startswith("Error: ")
    journey.check("register-errors", screenshot=True)
    # the error summary's link takes the person to the field
    summary.get_by_role("link", name=re.compile("Enter a real postcode")).click()
    expect(page.get_by_label("Postcode", exact=True)).to_be_focused()

    page.get_by_label("Postcode", exact=True).fill("pe13 1ab")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()

    # Your applications
    expect(page.locator("h1")).to_have_text("Your applications")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"{ORGANISATION} is registered")
    journey.check("dashboard", screenshot=True)
    page.get_by_role("button", name=re.compile("^Start an application")).click()

    # The task list
    expect(page.locator("h1")).to_have_text("Your application")
    journey.check("task-list-new", screenshot=True)
    task_list_url = page.url
    page.get_by_role("link", name="Choose lots and zones").click()

    expect(page.locator("h1")).to_have_text("Choose lots and zones")
    journey.check("lots", screenshot=True)
    page.get_by_role("group", name=re.compile("Which lots are you applying for")) \
        .get_by_label("Lot 1: Providers of Care").check()
    zones = page.get_by_role("group", name="Zones for Lot 1: Providers of Care")
    zones.get_by_label("Peterborough").check()
    zones.get_by_label("Fenland").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(task_list_url)
    journey.check("task-list")

    # Minimum standards
    page.get_by_role("link", name="Mandatory exclusion grounds").click()
    expect(page.locator("h1")).to_have_text("Mandatory exclusion grounds")
    journey.check("standard-declaration", screenshot=True)
    page.get_by_label("I confirm this statement is true for my organisation").check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="CQC rating of Good or Outstanding").click()
    expect(page.locator("h1")).to_have_text("CQC rating of Good or Outstanding")
    expect(page.locator(".govuk-summary-list")).to_contain_text("1-101234568")
    journey.check("standard-cqc")
    page.get_by_label("I confirm this is my organisation's current CQC registration and overall rating").check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Previous experience").click()
    expect(page.locator("h1")).to_have_text("Previous experience")
    journey.check("standard-evidence")
    page.get_by_label("Your evidence").fill(
        "Since 2019 we have planned and delivered personalised support for 40 adults in Fenland, "
        "each with a plan written with them and reviewed every six months.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(task_list_url)

    # The insurance certificate: a text file named .pdf is refused, the real PDF is taken
    from portal.demo import sample_pdf

    page.get_by_role("link", name="Insurance certificates").click()
    expect(page.locator("h1")).to_have_text("Insurance certificates")
    journey.check("standard-document")
    page.get_by_role("button", name="Upload a document").click()
    expect(page.locator("h1")).to_have_text("Upload a document")
    page.get_by_label("Upload a file").set_input_files(
        files=[{"name": "insurance.pdf", "mimeType": "application/pdf", "buffer": b"not really a PDF"}])
    expiry = page.get_by_role("group", name="Expiry date")
    expiry.get_by_label("Day").fill("31")
    expiry.get_by_label("Month").fill("3")
    expiry.get_by_label("Year").fill("2030")
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The selected file must be a PDF")
    journey.check("upload-errors", screenshot=True)
    page.get_by_label("Upload a file").set_input_files(
        files=[{"name": "Public liability 2026.pdf", "mimeType": "application/pdf",
                "buffer": sample_pdf("Certificate of public liability insurance")}])
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator("h1")).to_have_text("Insurance certificates")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Public liability 2026.pdf is uploaded")
    expect(page.locator("main")).to_contain_text("Expires on 31 March 2030")
    journey.check("standard-document-uploaded", screenshot=True)
    page.get_by_role("link", name="Back to your application").last.click()
    expect(page).to_have_url(task_list_url)

    # Questions: one is saved for later and picked up again from the dashboard
    for start, answer in QUESTIONS.items():
        page.get_by_role("link", name=re.compile(r"^\d+\.\d+ " + re.escape(start))).click()
        expect(page.locator("h1")).to_contain_text(start)
        journey.check("question", screenshot=start == SAVE_FOR_LATER)
        page.get_by_label("Your answer").fill(answer)
        if start == SAVE_FOR_LATER:
            page.get_by_role("button", name="Save and come back later").click()
            expect(page.locator("h1")).to_have_text("Your applications")
            expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your answer is saved")
            journey.check("dashboard-draft", screenshot=True)
            page.get_by_role("link", name="Continue your application").click()
            expect(page).to_have_url(task_list_url)
            page.get_by_role("link", name=re.compile(r"^\d+\.\d+ " + re.escape(start))).click()
            expect(page.get_by_label("Your answer")).to_have_value(answer)
        page.get_by_role("button", name="Save and continue").click()
        expect(page).to_have_url(task_list_url)

    # Rates
    page.get_by_role("link", name="Accept the council's hourly rates").click()
    expect(page.locator("h1")).to_have_text("Hourly rates")
    journey.check("rates", screenshot=True)
    page.get_by_label("I accept the council's hourly rates for the zones I have chosen").check()
    page.get_by_role("button", name="Save and continue").click()

    # Every section done: check and submit
    expect(page).to_have_url(task_list_url)
    expect(page.locator("main")).to_contain_text("You have completed 10 of 10 sections")
    journey.check("task-list-complete", screenshot=True)
    page.get_by_role("button", name="Check your answers and submit").click()

    expect(page.locator("h1")).to_have_text("Check your answers before submitting")
    for answer in QUESTIONS.values():
        expect(page.locator("main")).to_contain_text(answer)
    journey.check("check", screenshot=True)
    page.get_by_label(re.compile("I confirm that the information in this application is true")).check()
    page.get_by_role("button", name="Submit application").click()

    # The receipt
    panel = page.locator(".govuk-panel")
    expect(panel).to_contain_text("Application submitted")
    expect(panel).to_contain_text(re.compile(r"CCC-ISF-PDPS-2022/R2/\d{5}"))
    expect(panel.locator("strong")).to_have_text(re.compile(r"^CCC-ISF-PDPS-2022/R2/\d{5}$"))  # markup, not text
    journey.check("receipt", screenshot=True)

    assert not journey.violations, "axe found serious or critical accessibility problems:\n" + "\n".join(
        f"{name}: {v['impact']} {v['id']}: {v['help']} at {v['nodes']}"
        for name, found in journey.violations.items() for v in found)
