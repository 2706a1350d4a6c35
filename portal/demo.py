"""Demo data drawn from the councils' own reports (shared/reference/council-facts.md).

The same builders serve the `flask demo-data` command and the tests, so both use one realistic set-up:
Cambridgeshire's Individual Service Funds pseudo-DPS, with Peterborough's ceiling rate.
"""
import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import clock
from portal.auth.models import Role, User
from portal.commissioning import services as commissioning
from portal.commissioning.models import Authority, Procedure, Scorer, Section, StandardKind
from portal.extensions import db

#: the demo accounts' password: set DEMO_PASSWORD to choose your own; the default is public (README) and
#: meant only for a local demo, never for real accounts (`flask create-commissioner` prompts for those)
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "care-dps-demo-password")

ISF_PROVIDERS = [
    ("Affinity Trust", None, "good"),
    ("Allied Health Services Limited", "04567123", "good"),
    ("APT Care Limited", "05123987", "outstanding"),
    ("Bloomsbury Home Care LTD", "08812345", "good"),
    ("Care UK 247 Home Care LTD", "09123456", "good"),
    ("Cera Care Operations LTD", "10012345", "good"),
    ("DIAL Peterborough", None, "good"),
    ("Hales Group Limited", "02345678", "good"),
    ("The Edmund Trust", None, "outstanding"),
]


def ensure_authority(name: str, slug: str) -> Authority:
    authority = db.session.scalar(select(Authority).filter_by(slug=slug))
    if authority is None:
        authority = Authority(name=name, slug=slug)
        db.session.add(authority)
        db.session.flush()
    return authority


def create_staff(authority: Authority, role: Role, email: str, name: str, password: str = DEMO_PASSWORD) -> User:
    """A commissioner, evaluator or panel member of a council (idempotent by email)."""
    user = db.session.scalar(select(User).filter_by(email=email.lower()))
    if user is None:
        user = User(email=email.lower(), name=name, role=role, authority=authority)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
    return user


def build_isf_system(commissioner: User, *, reference: str = "CCC-ISF-PDPS-2022",
                     title: str = "Individual Service Funds pseudo-DPS", with_insurance: bool = False):
    """Cambridgeshire's ISF pseudo-DPS: two lots, three zones, standards and 95/5 questions."""
    system = commissioning.create_system(
        commissioner, title=title, reference=reference, procedure=Procedure.pseudo_dps_light_touch,
        starts_on=date(2022, 10, 1), ends_on=date(2027, 10, 31), quality_weight=95, social_value_weight=5,
        pass_mark=Decimal(60), scale_max=5,
        description="Individual Service Funds for adults in Cambridgeshire and Peterborough. Reopens every 4 months.",
    )
    providers = commissioning.add_lot(system, commissioner, title="Providers of Care",
                                      description="Care and support delivered through an Individual Service Fund.")
    brokers = commissioning.add_lot(system, commissioner, title="Brokers of Care",
                                    description="Arranging care and support on behalf of a person with an ISF.")
    commissioning.add_zone(system, commissioner, name="Peterborough", ceiling_rate=Decimal("19.65"))
    commissioning.add_zone(system, commissioner, name="Huntingdonshire", ceiling_rate=Decimal("16.22"),
                           floor_rate=Decimal("14.17"))
    commissioning.add_zone(system, commissioner, name="Fenland", ceiling_rate=Decimal("16.22"),
                           floor_rate=Decimal("14.17"))
    for lot in (providers, brokers):
        commissioning.add_standard(
            lot, commissioner, kind=StandardKind.declaration, title="Mandatory exclusion grounds",
            description="I confirm that none of the mandatory exclusion grounds in regulation 57 of the "
                        "Public Contracts Regulations 2015 apply to my organisation or its directors.")
    commissioning.add_standard(
        providers, commissioner, kind=StandardKind.cqc_rating, title="CQC rating of Good or Outstanding",
        description="Your organisation's current CQC overall rating must be Good or Outstanding.")
    if with_insurance:
        insurance = commissioning.add_standard(
            providers, commissioner, kind=StandardKind.document, title="Insurance certificates",
            description="Upload your certificates of employer's liability insurance (at least £5 million) and "
                        "public liability insurance (at least £5 million), each with the date it expires.")
        insurance.needs_expiry_date = True
    for lot in (providers, brokers):
        commissioning.add_standard(
            lot, commissioner, kind=StandardKind.evidence, title="Previous experience",
            description="Give evidence of personalised care and support planning"
                        + (" and delivery." if lot is providers else "."))
    q = commissioning.add_question
    q(providers, commissioner, section=Section.quality, weight=Decimal(35), word_limit=500, min_score=2,
      scorer=Scorer.both, text="How will you plan support with each person so that it follows what matters to them?",
      guidance="Describe how the person, and people who know them well, lead the plan; how it is reviewed; and an example.")
    q(providers, commissioner, section=Section.quality, weight=Decimal(30), word_limit=500, min_score=2,
      text="How do you keep people safe from abuse and neglect?",
      guidance="Cover safeguarding training, how concerns are raised, and how you learn from incidents.")
    q(providers, commissioner, section=Section.quality, weight=Decimal(30), word_limit=400, min_score=2,
      text="How do you recruit and keep enough care workers to deliver every hour you accept?",
      guidance="Include your approach to pay, travel time, training and cover for absence.")
    q(providers, commissioner, section=Section.social_value, weight=Decimal(5), word_limit=300, min_score=0,
      text="What will you do for local employment, training and apprenticeships?",
      guidance="Give measurable commitments for the first year.")
    q(brokers, commissioner, section=Section.quality, weight=Decimal(50), word_limit=500, min_score=2,
      scorer=Scorer.both, text="How will you help a person choose and arrange the support they want?",
      guidance="Explain how you give real choice, in plain English, and how you check the person is happy.")
    q(brokers, commissioner, section=Section.quality, weight=Decimal(45), word_limit=400, min_score=2,
      text="How will you manage the person's budget and keep clear records?",
      guidance="Cover financial controls, statements to the person, and audit.")
    q(brokers, commissioner, section=Section.social_value, weight=Decimal(5), word_limit=300, min_score=0,
      text="How will you support local voluntary and community organisations?",
      guidance="Give measurable commitments for the first year.")
    return system


def at(year, month, day, hour=12, minute=0) -> datetime:
    """A Europe/London wall time as aware UTC."""
    return clock.from_london(datetime(year, month, day, hour, minute))


def load_demo_data() -> dict:
    """Everything a newcomer needs to try each role; does nothing when already loaded."""
    from portal.onboarding.models import CQCRating
    from portal.onboarding.services import register_provider

    existing = db.session.scalar(select(User).filter_by(email="commissioner@cambridgeshire.example"))
    if existing is not None:
        return demo_logins()
    cambs = ensure_authority("Cambridgeshire County Council", "cambridgeshire")
    ensure_authority("Peterborough City Council", "peterborough")
    commissioner = create_staff(cambs, Role.commissioner, "commissioner@cambridgeshire.example", "Priya Shah")
    create_staff(cambs, Role.evaluator, "evaluator1@cambridgeshire.example", "Tom Evans")
    create_staff(cambs, Role.evaluator, "evaluator2@cambridgeshire.example", "Grace Okafor")
    create_staff(cambs, Role.panel_member, "panel@cambridgeshire.example", "Margaret Hill")

    real_now = clock.now()
    try:
        clock.set_now(at(2022, 9, 1))
        system = build_isf_system(commissioner, with_insurance=True)
        _run_first_round(system, commissioner)
        # the demo's round is open from yesterday for four weeks (a fresh window every 4 months)
        clock.set_now(real_now - timedelta(days=2))
        commissioning.schedule_round(system, commissioner, opens_at=real_now - timedelta(days=1),
                                     closes_at=(real_now + timedelta(days=28)).replace(hour=12, minute=0, second=0,
                                                                                      microsecond=0))
    finally:
        clock.set_now(None)

    # A provider with an account but no application yet, to try the provider's journey
    register_provider(legal_name="Fenland Homecare Partnership Ltd", companies_house_number="12345678",
                      cqc_provider_id="1-101234567", cqc_rating=CQCRating.good, cqc_rating_date=date(2024, 3, 27),
                      address="1 Market Place\nWisbech", postcode="PE13 1AB", name="Sam Patel",
                      email="provider@fenland-homecare.example", password=DEMO_PASSWORD)
    db.session.flush()
    return demo_logins()


def _run_first_round(system, commissioner) -> None:
    """Round 1 (October 2022): the nine providers of care admitted to the real ISF list apply,
    are scored by two officers and a panel member, moderated, admitted and published."""
    from portal.commissioning.models import Outcome
    from portal.evaluation import services as evaluation
    from portal.onboarding.models import CQCRating
    from portal.onboarding.services import register_provider, submit_application

    staff = [u for u in db.session.scalars(select(User).where(User.authority_id == commissioner.authority_id,
                                                                User.role.in_([Role.evaluator, Role.panel_member])))]
    round_ = commissioning.schedule_round(system, commissioner, opens_at=at(2022, 10, 3, 9), closes_at=at(2022, 10, 31, 12))
    clock.set_now(at(2022, 10, 10))
    lot1 = system.lots[0]
    applications = []
    for n, (name, number, rating) in enumerate(ISF_PROVIDERS, start=1):
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        # CQC provider IDs here are made up: the real ones are not in the councils' reports
        user = register_provider(legal_name=name, companies_house_number=number, cqc_provider_id=f"1-1000{n:05d}",
                                 cqc_rating=CQCRating(rating), cqc_rating_date=None, address="Peterborough",
                                 postcode="PE1 1HF", name=f"{name} applications", email=f"bids@{slug}.example",
                                 password=DEMO_PASSWORD)
        application = complete_application(round_, user, lots=[lot1])
        submit_application(application, user, declaration_confirmed=True)
        applications.append(application)
    clock.set_now(at(2022, 11, 1, 9))
    evaluation.assign_evaluators(round_, commissioner, staff)
    for i, application in enumerate(applications):
        score_application(application, staff, commissioner, score=4 if i % 3 else 5)
        commissioning.record_decision(application, lot1, commissioner, outcome=Outcome.admit,
                                      reasons="Met every minimum standard and passed the quality threshold.")
    commissioning.confirm_decisions(round_, commissioner)
    clock.set_now(at(2022, 11, 14, 9))
    commissioning.publish_round(round_, commissioner)


def demo_logins() -> dict:
    return {
        "Commissioner": "commissioner@cambridgeshire.example",
        "Evaluator (officer)": "evaluator1@cambridgeshire.example",
        "Evaluator (officer)  ": "evaluator2@cambridgeshire.example",
        "Service-user panel member": "panel@cambridgeshire.example",
        "Provider": "provider@fenland-homecare.example",
        "password (all)": DEMO_PASSWORD,
    }


SAMPLE_ANSWER = (
    "Each person leads their own plan. We meet them where they choose, with the people who know them "
    "best, and write the plan in their words. We review it after six weeks and whenever they ask. "
    "For example, one man we support wanted to get back to his allotment; his plan now builds visits "
    "around his best time of day, with a worker who shares his interest."
)


def complete_application(round_, user, lots=None, zones=None, answer=SAMPLE_ANSWER):
    """Fill in every section of an application as a provider would, and return the draft."""
    from portal.commissioning.models import StandardKind
    from portal.onboarding import services as onboarding

    application = onboarding.start_application(round_, user)
    system = round_.system
    lots = lots or system.lots
    zones = zones or system.zones
    onboarding.choose_lots(application, user, {lot.id: [z.id for z in zones] for lot in lots})
    for lot in lots:
        for standard in lot.standards:
            if standard.kind is StandardKind.document:
                onboarding.upload_document(application, standard, user, data=sample_pdf("Certificate of insurance"),
                                           filename="Insurance certificate.pdf",
                                           expires_on=clock.london(clock.now()).date() + timedelta(days=365))
            elif standard.kind is StandardKind.evidence:
                onboarding.save_standard_response(application, standard, user,
                                                  text="Five years delivering personalised support plans.")
            else:
                onboarding.save_standard_response(application, standard, user, confirmed=True)
        for question in lot.questions:
            onboarding.save_answer(application, question, user, answer)
    onboarding.set_rates(application, user, accepted=True)
    return application


def score_application(application, evaluators, commissioner, score=4, moderated=None):
    """Each evaluator declares no conflict and scores; the commissioner moderates to `moderated` (or score)."""
    from portal.evaluation import services as evaluation

    from portal.evaluation.models import ConflictDeclaration

    for assignment in application.assignments:
        evaluator = assignment.evaluator
        if assignment.conflict() is None:
            # an evaluator declares for every provider they are assigned to in the round at once
            round_ = application.round
            declared = {d.organisation_id for d in ConflictDeclaration.query.filter_by(
                round_id=round_.id, evaluator_id=evaluator.id)}
            assigned = {a.application.organisation_id for app in round_.applications for a in app.assignments
                        if a.evaluator_id == evaluator.id}
            evaluation.declare_conflicts(round_, evaluator,
                                         {org_id: (False, "") for org_id in assigned - declared})
        for question in assignment.questions():
            evaluation.record_score(assignment, question, evaluator, score=score,
                                    justification="Clear, specific and evidenced answer.")
        for standard in assignment.standards():
            if not standard.kind.is_automatic:
                evaluation.record_standard_assessment(assignment, standard, evaluator, passed=True,
                                                      reason="Evidence shows relevant experience.")
        evaluation.submit_assignment(assignment, evaluator)
    final = score if moderated is None else moderated
    for lot in application.chosen_lots():
        for question in lot.questions:
            evaluation.moderate_question(application, question, commissioner, score=final,
                                         rationale="Evaluators agreed.")
        for standard in lot.standards:
            if not standard.kind.is_automatic:
                evaluation.moderate_standard(application, standard, commissioner, passed=True,
                                             rationale="Evidence accepted by all evaluators.")


def sample_pdf(line: str) -> bytes:
    """A small, valid one-page PDF showing one line of text: a stand-in for a provider's scanned certificate."""
    safe = line.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
