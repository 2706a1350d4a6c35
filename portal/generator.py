"""A national-sized purchasing system, generated from a seed, for the benchmark and the query-count tests.

`flask generate-data --size small|large --seed N` fills an (empty) database with ten years of a national
home-care DPS: thousands of providers, tens of thousands of applications over 30 rounds, their answers,
three evaluators' scores, moderation, decisions, the call-off list and the audit log, plus a second,
smaller system whose one decided round has exactly 100 applications (the evaluation report's case).

The set-up (system, lots, zones, rates, standards, questions) goes through the commissioning services, so
it obeys their rules; everything else is written with Core bulk inserts (lists of dicts) into the real
tables, in the states the services would leave them in, so every CHECK and UNIQUE constraint holds.
"""
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, text

from portal import clock
from portal.audit import chain
from portal.audit.cells import export_cells
from portal.audit.models import AuditEvent
from portal.auth import models as auth_models
from portal.auth.models import Role, User
from portal.commissioning import services as commissioning
from portal.commissioning.models import (
    Authority,
    Decision,
    Membership,
    MembershipChange,
    MembershipStatus,
    MembershipZone,
    Outcome,
    Procedure,
    PurchasingSystem,
    Round,
    Scorer,
    Section,
    StandardKind,
    ZoneAdmission,
)
from portal.demo import DEMO_PASSWORD, ISF_PROVIDERS, ensure_authority
from portal.evaluation.models import (
    Assignment,
    ConflictDeclaration,
    ModeratedScore,
    ModeratedStandard,
    Score,
    StandardAssessment,
)
from portal.extensions import db
from portal.onboarding.models import (
    Answer,
    Application,
    ApplicationLot,
    ApplicationStatus,
    ApplicationZone,
    CQCRating,
    Organisation,
    StandardResponse,
)

#: every generated account's password (benchmark and local use only: the data is made up)
PASSWORD = DEMO_PASSWORD
NATIONAL_REFERENCE = "NAT-HCS-DPS-2026"
REPORT_REFERENCE = "CCC-ISF-PDPS-2026"


@dataclass(frozen=True)
class Size:
    organisations: int
    applications: int
    rounds: int = 30
    lots: int = 3
    zones: int = 12
    questions_per_lot: int = 10
    #: target number of active members on the call-off list at the end
    members: int = 8000
    officers: int = 40
    panel_members: int = 20
    #: applications in the second system's one decided round (the evaluation report's case)
    report_round_applications: int = 100


SIZES = {
    "large": Size(organisations=10_000, applications=40_000, members=8_000, officers=60, panel_members=30),
    "small": Size(organisations=1_000, applications=4_000, members=800, officers=20, panel_members=10),
    # the query-count tests: two tiny systems, one four times the other
    "tiny": Size(organisations=12, applications=12, rounds=3, members=3, officers=3, panel_members=2,
                 report_round_applications=3),
}

PLACES = [
    "Cambridge", "Peterborough", "Fenland", "Huntingdon", "Wisbech", "March", "Ely", "St Neots", "St Ives",
    "Ramsey", "Chatteris", "Whittlesey", "Soham", "Littleport", "Sawston", "Yaxley", "Stamford", "Spalding",
    "Norwich", "Ipswich", "Bedford", "Luton", "Leicester", "Nottingham", "Derby", "Sheffield", "Leeds",
    "Bradford", "York", "Hull", "Lincoln", "Northampton", "Milton Keynes", "Oxford", "Reading", "Bristol",
    "Bath", "Exeter", "Plymouth", "Birmingham", "Coventry", "Wolverhampton", "Stoke", "Manchester", "Salford",
    "Bolton", "Wigan", "Liverpool", "Preston", "Lancaster", "Carlisle", "Newcastle", "Sunderland", "Durham",
    "Middlesbrough", "Southampton", "Portsmouth", "Brighton", "Canterbury", "Colchester",
]
FIRST_WORDS = [
    "Bluebell", "Meadow", "Riverside", "Oak Tree", "Willow", "Heritage", "Compass", "Beacon", "Harmony",
    "Kindred", "Horizon", "Cedar", "Lantern", "Evergreen", "Bridge", "Hearth", "Orchard", "Amber", "Sunrise",
    "Nightingale", "Fenland", "Wellbeing", "Caring Hands", "Helping Hands", "Trinity", "Lily", "Primrose",
]
KINDS = [
    "Home Care", "Homecare", "Care Services", "Community Care", "Support Services", "Care and Support",
    "Domiciliary Care", "Supported Living", "Care at Home", "Living Support",
]
SUFFIXES = ["Ltd", "Limited", "LTD", "CIC", "Trust", "Partnership Ltd", "Group Limited"]
POSTCODE_AREAS = ["PE1", "PE2", "PE7", "PE13", "PE15", "PE16", "PE19", "PE26", "PE27", "PE28", "PE29",
                  "CB1", "CB2", "CB4", "CB6", "CB7", "CB22", "CB23", "CB24", "CB25"]
FIRST_NAMES = ["Priya", "Tom", "Grace", "Margaret", "Sam", "Lee", "Ann", "James", "Fatima", "Oliver", "Amelia",
               "Mohammed", "Sophie", "Daniel", "Chloe", "Aisha", "Jack", "Emily", "Harry", "Zara"]
LAST_NAMES = ["Shah", "Evans", "Okafor", "Hill", "Patel", "Grant", "Ward", "Smith", "Jones", "Taylor", "Brown",
              "Khan", "Wilson", "Davies", "Hughes", "Clarke", "Murphy", "Singh", "Wright", "Green"]

ZONES = [
    # (name, ceiling, floor): Peterborough's ceiling £19.65 (2024), Cambridgeshire's £16.22 / £14.17 (2017)
    ("Peterborough", "19.65", None), ("Huntingdonshire", "16.22", "14.17"), ("Fenland", "16.22", "14.17"),
    ("Cambridge City", "16.22", "14.17"), ("East Cambridgeshire", "16.22", "14.17"),
    ("South Cambridgeshire", "16.22", "14.17"), ("Norfolk", "18.40", None), ("Suffolk", "18.10", None),
    ("Bedford Borough", "18.75", None), ("Lincolnshire", "17.90", None), ("Leicestershire", "18.30", None),
    ("Northamptonshire", "18.60", None), ("Hertfordshire", "19.95", None), ("Essex", "19.20", None),
]
LOTS = [
    ("Home and Community Support", "Care and support in people's own homes: older people and physical disability."),
    ("Individual Service Funds: Providers of Care",
     "Care and support delivered through an Individual Service Fund chosen by the person."),
    ("Specialist care", "Hospital discharge transition service and delegated health tasks, at a premium rate."),
    ("Brokers of Care", "Arranging care and support on behalf of a person with an ISF."),
]
QUESTIONS = [
    "How will you plan support with each person so that it follows what matters to them?",
    "How do you keep people safe from abuse and neglect?",
    "How do you recruit and keep enough care workers to deliver every hour you accept?",
    "How will you start a new package of care within 48 hours of a referral?",
    "How do you support people to manage their medicines safely?",
    "How do you learn from complaints, compliments and incidents?",
    "How will you work with district nurses, GPs and the hospital discharge team?",
    "How do you cover calls in rural areas and at weekends?",
    "What will you do for local employment, training and apprenticeships?",
    "How will you reduce the carbon emissions of your care workers' travel?",
]
ANSWERS = [
    "Each person leads their own plan. We meet them where they choose, with the people who know them best, "
    "and write the plan in their words. We review it after six weeks and whenever they ask.",
    "Every care worker completes safeguarding training before their first visit and every year after. "
    "Concerns go to the registered manager the same day and to the council's safeguarding team.",
    "We pay the real living wage, pay travel time between visits and give every new worker two weeks of "
    "shadowing. Our staff turnover last year was 18 per cent.",
    "A coordinator is on call seven days a week. We keep a bank of trained workers for new packages and "
    "confirm the first visit with the person and their family before it happens.",
    "Our managers audit every medicines record each month and share what they find with the team; errors "
    "are reported the same day and every one is reviewed.",
]
JUSTIFICATIONS = [
    "Clear, specific and evidenced answer.", "Good answer with a relevant example.",
    "Meets the requirement but gives little evidence.", "Weak: generic statements without examples.",
    "Excellent, with measurable commitments.", "Satisfactory answer; some gaps in detail.",
]
QUALITY_WEIGHTS = [15, 15, 15, 10, 10, 10, 10, 10]  # 95 over eight quality questions
SOCIAL_VALUE_WEIGHTS = [Decimal("2.5"), Decimal("2.5")]  # 5 over two social value questions
TWO_PLACES = Decimal("0.01")
CHUNK = 5000


def generate(size: str | Size = "small", seed: int = 1, *, reference: str = NATIONAL_REFERENCE,
             domain: str = "national", with_report_round: bool = True) -> dict:
    """Fill the database with a national system of `size`; returns the known accounts and objects.

    Commits as it goes (in chunks), so run it on a database of its own. Deterministic from `seed`.
    """
    spec = SIZES[size] if isinstance(size, str) else size
    return _Generator(spec, seed, reference, domain).run(with_report_round)


class _Ids:
    """The next free id of each table, so rows can point at each other before they are inserted."""

    def __init__(self):
        self.next = {}

    def take(self, model, count: int = 1) -> int:
        table = model.__table__
        if table.name not in self.next:
            self.next[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        first = self.next[table.name]
        self.next[table.name] += count
        return first


class _Generator:
    def __init__(self, spec: Size, seed: int, reference: str, domain: str):
        self.spec = spec
        self.rng = random.Random(seed)
        self.reference = reference
        self.domain = domain
        self.ids = _Ids()
        self.rows: dict = {}
        self.now = clock.now()
        self.password_hash = auth_models._hasher.hash(PASSWORD)
        self.known: dict = {"password": PASSWORD}
        #: (lot id, organisation id) -> (application id, round, [(zone id, rate)]) of its first admission
        self.admitted: dict = {}

    # ---- writing

    def add(self, model, row: dict) -> None:
        self.rows.setdefault(model, []).append(row)

    def flush_rows(self) -> None:
        """Insert every pending row, parents before children, in chunks of plain Core executemany."""
        order = [t for t in db.metadata.sorted_tables]
        for table in order:
            model = next((m for m in self.rows if m.__table__ is table), None)
            if model is None:
                continue
            rows = self.rows.pop(model)
            if model is AuditEvent:
                self.chain_events(rows)
            for start in range(0, len(rows), CHUNK):
                db.session.execute(table.insert(), rows[start:start + CHUNK])
        db.session.commit()

    def chain_events(self, rows: list[dict]) -> None:
        """Link generated audit events into the hash chain, as record_event would, so verify-audit passes."""
        head = chain._lock_head()
        prev = head.last_hash
        for row in sorted(rows, key=lambda r: r["id"]):
            row["prev_hash"] = prev
            prev = row["chain_hash"] = chain.link_hash(prev, chain.canonical_fields(
                **{key: row[key] for key in ("id", "occurred_at", "actor_id", "action", "object_type", "object_id",
                                             "authority_id", "before", "after")}))
            row["csv_start"], row["csv_end"] = export_cells(
                **{key: row[key] for key in ("id", "occurred_at", "action", "object_type", "object_id", "before",
                                             "after", "prev_hash", "chain_hash")})
        rows.sort(key=lambda r: r["id"])
        head.last_hash = prev
        head.last_event_id = rows[-1]["id"]
        head.event_count += len(rows)
        db.session.flush()

    # ---- the whole run

    def run(self, with_report_round: bool) -> dict:
        if db.session.scalar(select(func.count()).where(PurchasingSystem.reference == self.reference)):
            raise ValueError(f"A system with the reference {self.reference} is already in this database. "
                             "Generate into an empty database.")
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA synchronous = OFF"))
        self.authority = ensure_authority("Cambridgeshire County Council", "cambridgeshire")
        ensure_authority("Peterborough City Council", "peterborough")
        self.make_staff()
        self.make_organisations()
        real_now = clock.now()
        try:
            clock.set_now(self.now - timedelta(days=3700))
            system = self.make_system(self.reference, "National Home and Community Support DPS",
                                      Procedure.dps_pcr2015, self.spec.lots, self.spec.zones,
                                      date(2016, 11, 1), date(2036, 10, 31))
            report = None
            if with_report_round:
                report = self.make_system(f"{self.reference}-ISF", "Individual Service Funds pseudo-DPS",
                                          Procedure.pseudo_dps_light_touch, 2, 3, date(2022, 10, 1),
                                          date(2027, 10, 31))
            db.session.commit()
        finally:
            clock.set_now(real_now)
        self.make_rounds(system, self.spec.rounds, self.spec.applications, national=True)
        if report is not None:
            self.make_rounds(report, 1, self.spec.report_round_applications, national=False)
        self.make_memberships(system)
        if report is not None:
            self.make_memberships(report)
        self.flush_rows()
        if db.engine.dialect.name == "postgresql":
            self.reset_sequences()
        return self.known

    def reset_sequences(self) -> None:
        for table in db.metadata.sorted_tables:
            if "id" in table.c:
                # table names come from the portal's own metadata, never from input
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
        db.session.commit()

    # ---- people

    def person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def make_staff(self) -> None:
        spec, domain = self.spec, self.domain
        first = self.ids.take(User, 1 + spec.officers + spec.panel_members)
        self.commissioner_id = first
        self.add(User, self._staff_row(first, Role.commissioner, f"commissioner@{domain}.example", "Priya Shah"))
        self.officer_ids = list(range(first + 1, first + 1 + spec.officers))
        self.panel_ids = list(range(first + 1 + spec.officers, first + 1 + spec.officers + spec.panel_members))
        for n, user_id in enumerate(self.officer_ids, start=1):
            self.add(User, self._staff_row(user_id, Role.evaluator, f"evaluator{n}@{domain}.example", self.person()))
        for n, user_id in enumerate(self.panel_ids, start=1):
            self.add(User, self._staff_row(user_id, Role.panel_member, f"panel{n}@{domain}.example", self.person()))
        self.known.update(commissioner=f"commissioner@{domain}.example", evaluator=f"evaluator1@{domain}.example",
                          panel_member=f"panel1@{domain}.example")
        self.flush_rows()
        self.commissioner = db.session.get(User, self.commissioner_id)

    def _staff_row(self, user_id, role, email, name) -> dict:
        return {"id": user_id, "email": email, "name": name, "password_hash": self.password_hash, "role": role,
                "authority_id": self.authority.id, "organisation_id": None, "active": True,
                "created_at": self.now - timedelta(days=3650)}

    def organisation_name(self, n: int, used: set) -> str:
        if n < len(ISF_PROVIDERS):
            name = ISF_PROVIDERS[n][0]
        else:
            rng = self.rng
            pattern = rng.randrange(3)
            if pattern == 0:
                name = f"{rng.choice(PLACES)} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}"
            elif pattern == 1:
                name = f"{rng.choice(FIRST_WORDS)} {rng.choice(KINDS)} ({rng.choice(PLACES)}) {rng.choice(SUFFIXES)}"
            else:
                name = f"{rng.choice(FIRST_WORDS)} {rng.choice(PLACES)} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}"
        base, k = name, 2
        while name in used:
            name, k = f"{base} {k}", k + 1
        used.add(name)
        return name

    def make_organisations(self) -> None:
        count = self.spec.organisations
        first_org = self.ids.take(Organisation, count)
        first_user = self.ids.take(User, count)
        used: set = set()
        ratings = [CQCRating.good] * 14 + [CQCRating.outstanding] * 3 + [CQCRating.requires_improvement] * 2 + [
            CQCRating.not_rated]
        self.org_ids = []
        for n in range(count):
            org_id, user_id = first_org + n, first_user + n
            name = self.organisation_name(n, used)
            rating = self.rng.choice(ratings)
            number = f"{(org_id * 7919 + 1234567) % 90_000_000 + 10_000_000:08d}"
            self.add(Organisation, {
                "id": org_id, "legal_name": name, "trading_name": "",
                "companies_house_number": None if name.endswith(("Trust", "CIC")) else number,
                "cqc_provider_id": f"1-{100_000_000 + org_id:09d}", "cqc_rating": rating,
                "cqc_rating_date": date(2023, 1, 1) + timedelta(days=self.rng.randrange(900)),
                "address": f"{self.rng.randrange(1, 200)} High Street", "postcode":
                    f"{self.rng.choice(POSTCODE_AREAS)} {self.rng.randrange(1, 9)}{self.rng.choice('ABDEFGHJ')}"
                    f"{self.rng.choice('LNPQRSTUWXYZ')}",
                "contact_email": f"office@provider{org_id}.example", "contact_phone": f"01733 {org_id % 1000000:06d}",
                "created_at": self.now - timedelta(days=self.rng.randrange(30, 3650)),
            })
            self.add(User, {
                "id": user_id, "email": f"bids@provider{org_id}.example", "name": self.person(),
                "password_hash": self.password_hash, "role": Role.provider, "authority_id": None,
                "organisation_id": org_id, "active": True, "created_at": self.now - timedelta(days=3650),
            })
            self.org_ids.append(org_id)
        self.provider_user = dict(zip(self.org_ids, range(first_user, first_user + count)))
        self.flush_rows()

    # ---- the system's set-up, through the services

    def make_system(self, reference, title, procedure, lots, zones, starts_on, ends_on) -> PurchasingSystem:
        actor = self.commissioner
        system = commissioning.create_system(
            actor, title=title, reference=reference, procedure=procedure, starts_on=starts_on, ends_on=ends_on,
            quality_weight=95, social_value_weight=5, pass_mark=Decimal(60), scale_max=5,
            description="Care and support for adults, reopened every four months.")
        lot_specs = LOTS[:lots] if lots <= len(LOTS) else LOTS + [
            (f"Additional lot {n}", "") for n in range(len(LOTS) + 1, lots + 1)]
        for lot_title, description in lot_specs:
            commissioning.add_lot(system, actor, title=lot_title, description=description)
        zone_specs = ZONES[:zones] if zones <= len(ZONES) else ZONES + [
            (f"Area {n}", "18.00", None) for n in range(len(ZONES) + 1, zones + 1)]
        for name, ceiling, floor in zone_specs:
            commissioning.add_zone(system, actor, name=name, ceiling_rate=Decimal(ceiling),
                                   floor_rate=Decimal(floor) if floor else None)
        for number, lot in enumerate(system.lots, start=1):
            commissioning.add_standard(
                lot, actor, kind=StandardKind.declaration, title="Mandatory exclusion grounds",
                description="I confirm that none of the mandatory exclusion grounds in regulation 57 of the "
                            "Public Contracts Regulations 2015 apply to my organisation or its directors.")
            if number != 4:
                commissioning.add_standard(
                    lot, actor, kind=StandardKind.cqc_rating, title="CQC rating of Good or Outstanding",
                    description="Your organisation's current CQC overall rating must be Good or Outstanding.")
            commissioning.add_standard(lot, actor, kind=StandardKind.evidence, title="Previous experience",
                                       description="Give evidence of personalised care and support planning.")
            self._add_questions(lot)
        db.session.flush()
        return system

    def _add_questions(self, lot) -> None:
        count = self.spec.questions_per_lot
        quality = max(1, count - 2) if count > 1 else 1
        social = count - quality
        quality_weights = _split(Decimal(95), quality, QUALITY_WEIGHTS)
        social_weights = _split(Decimal(5), social, SOCIAL_VALUE_WEIGHTS) if social else []
        if not social:
            quality_weights[-1] += Decimal(5)  # one question carries both sections' weight only if asked
        for n, weight in enumerate(quality_weights):
            commissioning.add_question(
                lot, self.commissioner, section=Section.quality, weight=weight, word_limit=500, min_score=2,
                scorer=Scorer.both if n in (0, 3) else Scorer.officers, text=QUESTIONS[n % 8],
                guidance="Describe what you do, how you know it works, and give an example.")
        for n, weight in enumerate(social_weights):
            commissioning.add_question(
                lot, self.commissioner, section=Section.social_value, weight=weight, word_limit=300, min_score=0,
                scorer=Scorer.officers, text=QUESTIONS[8 + n % 2], guidance="Give measurable commitments.")

    # ---- rounds and everything in them

    def make_rounds(self, system, rounds: int, applications: int, *, national: bool) -> None:
        rng, spec = self.rng, self.spec
        lots = list(system.lots)
        zones = list(system.zones)
        rates = {(r.lot_id, r.zone_id): r for lot in lots for r in lot.rates}
        questions = {lot.id: list(lot.questions) for lot in lots}
        standards = {lot.id: list(lot.standards) for lot in lots}
        scale_max = system.scale_max
        pass_mark = Decimal(system.pass_mark)
        per_round = _spread(applications, rounds)
        first_round = self.ids.take(Round, rounds)
        # windows every four months; the last is open now (national) and the one before it in evaluation
        if national:
            last_closes = self.now - timedelta(days=3)
        else:
            last_closes = self.now - timedelta(days=60)
        for index in range(rounds):
            number = index + 1
            round_id = first_round + index
            from_last = rounds - number
            if national and number == rounds:
                opens_at = self.now - timedelta(days=1)
                closes_at = opens_at + timedelta(days=28)
                phase = "open"
            else:
                closes_at = last_closes - timedelta(days=122 * (from_last - (1 if national else 0)))
                opens_at = closes_at - timedelta(days=28)
                phase = "evaluation" if national and number == rounds - 1 else "published"
                if not national:
                    phase = "decided"
            closes_at = closes_at.replace(hour=12, minute=0, second=0, microsecond=0)
            opens_at = opens_at.replace(hour=9, minute=0, second=0, microsecond=0)
            started = closes_at + timedelta(days=1) if phase != "open" else None
            decided = closes_at + timedelta(days=14) if phase in ("decided", "published") else None
            published = closes_at + timedelta(days=21) if phase == "published" else None
            self.add(Round, {"id": round_id, "system_id": system.id, "number": number, "opens_at": opens_at,
                             "closes_at": closes_at, "paused": False, "pause_reason": None,
                             "early_close_reason": None, "evaluation_started_at": started, "decided_at": decided,
                             "published_at": published, "created_at": opens_at - timedelta(days=30)})
            self.add(AuditEvent, self._event(self.commissioner_id, "round.scheduled", "Round", round_id,
                                             opens_at - timedelta(days=30), {"number": number}))
            if published:
                self.add(AuditEvent, self._event(self.commissioner_id, "round.published", "Round", round_id,
                                                 published, {"number": number}))
            organisations = rng.sample(self.org_ids, min(per_round[index], len(self.org_ids)))
            round_ctx = {"id": round_id, "number": number, "phase": phase, "closes_at": closes_at,
                         "opens_at": opens_at, "started": started, "decided": decided, "system": system}
            for position, org_id in enumerate(organisations):
                self.make_application(round_ctx, org_id, position, lots, zones, rates, questions, standards,
                                      scale_max, pass_mark, national)
            self.flush_rows()
        if national:
            self.known.update(system_slug=system.slug, system_id=system.id, open_round_id=first_round + rounds - 1,
                              evaluation_round_id=first_round + rounds - 2 if rounds > 1 else None,
                              published_round_id=first_round)
        else:
            self.known.update(report_round_id=first_round, report_system_slug=system.slug)

    def _event(self, actor_id, action, object_type, object_id, when, after=None) -> dict:
        return {"id": self.ids.take(AuditEvent), "occurred_at": when, "actor_id": actor_id, "action": action,
                "object_type": object_type, "object_id": object_id, "authority_id": self.authority.id,
                "before": None, "after": after}

    def make_application(self, rnd, org_id, position, lots, zones, rates, questions, standards, scale_max,
                         pass_mark, national) -> None:
        rng = self.rng
        phase = rnd["phase"]
        app_id = self.ids.take(Application)
        user_id = self.provider_user[org_id]
        roll = rng.random()
        if phase == "open":
            status = ApplicationStatus.submitted if roll < 0.4 else ApplicationStatus.draft
        elif phase == "evaluation" and position < 4:
            status = ApplicationStatus.in_evaluation  # the pages the benchmark measures need these four
        elif roll < 0.03:
            status = ApplicationStatus.withdrawn
        elif roll < 0.08:
            status = ApplicationStatus.draft  # started but never submitted before the round closed
        elif phase == "evaluation":
            status = ApplicationStatus.in_evaluation
        else:
            status = ApplicationStatus.decided
        created = rnd["opens_at"] + timedelta(hours=rng.randrange(1, 24 * 20))
        submitted = None
        if status is not ApplicationStatus.draft:
            submitted = min(created + timedelta(days=rng.randrange(1, 7)), rnd["closes_at"] - timedelta(hours=1))
            if phase == "open":
                submitted = min(submitted, self.now - timedelta(minutes=5))
        reference = f"{rnd['system'].reference}/R{rnd['number']}/{app_id:05d}" if submitted else None
        self.add(Application, {
            "id": app_id, "round_id": rnd["id"], "organisation_id": org_id, "status": status,
            "reference": reference, "rate_accepted": True, "declaration_confirmed": submitted is not None,
            "created_at": created, "submitted_at": submitted,
            "withdrawn_at": submitted + timedelta(days=1) if status is ApplicationStatus.withdrawn else None,
            "created_by_id": user_id,
        })
        self.add(AuditEvent, self._event(user_id, "application.started", "Application", app_id, created))
        if phase == "open" and "provider" not in self.known:
            # the provider the benchmark signs in as: a draft in the open round (and earlier applications)
            self.known.update(provider=f"bids@provider{org_id}.example", provider_application_id=app_id)
        if submitted:
            self.add(AuditEvent, self._event(user_id, "application.submitted", "Application", app_id, submitted,
                                             {"reference": reference}))
        # lots: mostly one, sometimes two or all
        lot_roll = rng.random()
        lot_count = 1 if lot_roll < 0.7 else (2 if lot_roll < 0.95 else len(lots))
        chosen = sorted(rng.sample(lots, min(lot_count, len(lots))), key=lambda lot: lot.id)
        chosen_zones = {}
        for lot in chosen:
            app_lot_id = self.ids.take(ApplicationLot)
            self.add(ApplicationLot, {"id": app_lot_id, "application_id": app_id, "lot_id": lot.id})
            picked = sorted(rng.sample(zones, min(rng.randint(1, 4), len(zones))), key=lambda z: z.id)
            chosen_zones[lot.id] = []
            for zone in picked:
                rate = rates[(lot.id, zone.id)]
                offered = None
                if rate.floor_rate is not None and rng.random() < 0.3:
                    offered = rate.floor_rate + (rate.ceiling_rate - rate.floor_rate) * Decimal(rng.randrange(0, 101)) / 100
                    offered = offered.quantize(TWO_PLACES)
                self.add(ApplicationZone, {"id": self.ids.take(ApplicationZone), "application_lot_id": app_lot_id,
                                           "zone_id": zone.id, "offered_rate": offered})
                chosen_zones[lot.id].append((zone.id, offered if offered is not None else rate.ceiling_rate))
            for question in questions[lot.id]:
                self.add(Answer, {"id": self.ids.take(Answer), "application_id": app_id, "question_id": question.id,
                                  "text": rng.choice(ANSWERS), "version": 1, "updated_at": created})
            for standard in standards[lot.id]:
                automatic = standard.kind.is_automatic
                self.add(StandardResponse, {
                    "id": self.ids.take(StandardResponse), "application_id": app_id, "standard_id": standard.id,
                    "confirmed": automatic, "text": "" if automatic else
                    "Five years delivering personalised support plans, reviewed with each person.",
                    "cqc_rating_at_submission": CQCRating.good if standard.kind is StandardKind.cqc_rating else None,
                    "updated_at": created})
        if status not in (ApplicationStatus.in_evaluation, ApplicationStatus.decided):
            return
        self.evaluate(rnd, app_id, org_id, chosen, chosen_zones, questions, standards, scale_max, pass_mark,
                      position)

    def evaluate(self, rnd, app_id, org_id, chosen, chosen_zones, questions, standards, scale_max, pass_mark,
                 position) -> None:
        """Three evaluators (two officers and a panel member) score; moderation and decisions follow."""
        rng = self.rng
        phase = rnd["phase"]
        started = rnd["started"]
        officers = rng.sample(self.officer_ids, min(2, len(self.officer_ids)))
        panel = rng.sample(self.panel_ids, min(1, len(self.panel_ids)))
        if phase == "evaluation" and position < 3 and self.officer_ids[0] not in officers:
            officers[0] = self.officer_ids[0]  # the benchmark's evaluator has work in the live round
        # in the live round, most evaluators are done; the first applications are fully moderated
        in_live = phase == "evaluation"
        everyone_done = not in_live or position % 5 != 2
        moderated = not in_live or position % 2 == 0
        ability = rng.choice([2, 3, 3, 4, 4, 4, 5])  # how good this provider's answers are
        evaluator_scores: dict[int, list[int]] = {}
        for evaluator_id in officers + panel:
            as_panel = evaluator_id in panel
            assignment_id = self.ids.take(Assignment)
            submitted = everyone_done and not (in_live and evaluator_id == self.officer_ids[0] and position == 1)
            self.add(Assignment, {"id": assignment_id, "application_id": app_id, "round_id": rnd["id"],
                                  "evaluator_id": evaluator_id, "as_panel": as_panel, "assigned_by_id": self.commissioner_id,
                                  "assigned_at": started, "submitted_at": started + timedelta(days=5) if submitted
                                  else None})
            interest = rng.random() < 0.02 and not (in_live and evaluator_id == self.officer_ids[0])
            self.add(ConflictDeclaration, {
                "id": self.ids.take(ConflictDeclaration), "round_id": rnd["id"], "evaluator_id": evaluator_id,
                "organisation_id": org_id, "has_interest": interest,
                "details": "A family member works for this provider as a care worker." if interest else "",
                "declared_at": started + timedelta(hours=2),
                "allowed_with_mitigation": "Allowed: the evaluator has no role in the provider's management; "
                                           "a second officer checks their scores." if interest else None})
            if in_live and evaluator_id == self.officer_ids[0] and position == 1:
                self.known["scoring_assignment_id"] = assignment_id  # left to score in the benchmark
                continue
            for lot in chosen:
                for question in questions[lot.id]:
                    scorer = question.scorer
                    if not (scorer.includes_panel if as_panel else scorer.includes_officers):
                        continue
                    score = max(0, min(scale_max, ability + rng.choice([-1, 0, 0, 0, 1])))
                    evaluator_scores.setdefault(question.id, []).append(score)
                    self.add(Score, {"id": self.ids.take(Score), "assignment_id": assignment_id,
                                     "question_id": question.id, "score": score,
                                     "justification": rng.choice(JUSTIFICATIONS),
                                     "updated_at": started + timedelta(days=4)})
                if not as_panel:
                    for standard in standards[lot.id]:
                        if standard.kind.is_automatic:
                            continue
                        self.add(StandardAssessment, {
                            "id": self.ids.take(StandardAssessment), "assignment_id": assignment_id,
                            "standard_id": standard.id, "passed": True,
                            "reason": "Evidence shows relevant experience.", "updated_at": started + timedelta(days=4)})
        if in_live and position == 3:
            self.known["moderation_application_id"] = app_id
        if not (everyone_done and moderated):
            return  # position 3 of the live round: scored by everyone, left for the moderation page
        moderated_at = started + timedelta(days=8)
        for lot in chosen:
            total = Decimal(0)
            minimums_met = True
            for question in questions[lot.id]:
                scores = sorted(evaluator_scores.get(question.id, [ability]))
                final = scores[len(scores) // 2]
                total += (Decimal(final) / Decimal(scale_max) * Decimal(question.weight)).quantize(
                    TWO_PLACES, ROUND_HALF_UP)
                minimums_met = minimums_met and final >= question.min_score
                self.add(ModeratedScore, {"id": self.ids.take(ModeratedScore), "application_id": app_id,
                                          "question_id": question.id, "score": final,
                                          "rationale": "Evaluators agreed after discussion.",
                                          "moderator_id": self.commissioner_id, "moderated_at": moderated_at,
                                          "version": 1})
            for standard in standards[lot.id]:
                if standard.kind.is_automatic:
                    continue
                self.add(ModeratedStandard, {"id": self.ids.take(ModeratedStandard), "application_id": app_id,
                                             "standard_id": standard.id, "passed": True,
                                             "rationale": "Evidence accepted by all evaluators.",
                                             "moderator_id": self.commissioner_id, "moderated_at": moderated_at})
            passed = minimums_met and total >= pass_mark
            if phase == "evaluation" and position % 3:
                continue  # the live round: some decisions recorded, the rest still to make
            decision_id = self.ids.take(Decision)
            self.add(Decision, {
                "id": decision_id, "application_id": app_id, "lot_id": lot.id,
                "outcome": Outcome.admit if passed else Outcome.reject,
                "reasons": "Met every minimum standard and passed the quality threshold." if passed else
                "Did not reach the pass mark or a minimum score; see the feedback on each answer.",
                "total_at_decision": total, "passed_at_decision": passed, "decided_by_id": self.commissioner_id,
                "decided_at": started + timedelta(days=10)})
            self.add(AuditEvent, self._event(self.commissioner_id, "decision.recorded", "Decision", decision_id,
                                             started + timedelta(days=10), {"outcome": "admit" if passed else "reject",
                                                                            "total": str(total)}))
            if passed and phase in ("published", "decided"):
                self.admitted.setdefault((lot.id, org_id), (app_id, rnd, chosen_zones[lot.id]))

    # ---- the call-off list

    def make_memberships(self, system) -> None:
        """Every provider admitted in a published round joins the list; over ten years many leave again."""
        rng = self.rng
        lot_ids = {lot.id for lot in system.lots}
        admitted = [(key, value) for key, value in self.admitted.items() if key[0] in lot_ids]
        rng.shuffle(admitted)
        target = self.spec.members
        #: (zone id, organisation id) -> the day of the provider's first admission to the zone (any lot)
        first_admitted: dict[tuple[int, int], date] = {}
        for n, ((lot_id, org_id), (app_id, rnd, zones)) in enumerate(admitted):
            if rnd["phase"] != "published":
                continue
            membership_id = self.ids.take(Membership)
            admitted_on = (rnd["closes_at"] + timedelta(days=21)).date()
            status = MembershipStatus.active
            if n >= target:
                status = MembershipStatus.suspended if rng.random() < 0.2 else MembershipStatus.removed
            self.add(Membership, {"id": membership_id, "system_id": system.id, "lot_id": lot_id,
                                  "organisation_id": org_id, "application_id": app_id, "admitted_on": admitted_on,
                                  "status": status})
            if status is MembershipStatus.active and "filter_lot_id" not in self.known:
                # the filtered call-off list the benchmark asks for: a lot and zone with members
                self.known.update(filter_lot_id=lot_id, filter_zone_id=zones[0][0])
            for zone_id, rate in zones:
                self.add(MembershipZone, {"id": self.ids.take(MembershipZone), "membership_id": membership_id,
                                          "zone_id": zone_id, "hourly_rate": rate})
                first_admitted[zone_id, org_id] = min(first_admitted.get((zone_id, org_id), admitted_on), admitted_on)
            joined = rnd["closes_at"] + timedelta(days=21)
            self.add(MembershipChange, {"id": self.ids.take(MembershipChange), "membership_id": membership_id,
                                        "status": MembershipStatus.active, "reason": f"Admitted in Round {rnd['number']}",
                                        "changed_by_id": self.commissioner_id, "changed_at": joined})
            if status is not MembershipStatus.active:
                reason = ("Suspended after CQC enforcement action." if status is MembershipStatus.suspended
                          else "Removed: the provider stopped trading.")
                changed = min(joined + timedelta(days=rng.randrange(30, 900)), self.now - timedelta(days=1))
                self.add(MembershipChange, {"id": self.ids.take(MembershipChange), "membership_id": membership_id,
                                            "status": status, "reason": reason,
                                            "changed_by_id": self.commissioner_id, "changed_at": changed})
                self.add(AuditEvent, self._event(self.commissioner_id, f"membership.{status.value}", "Membership",
                                                 membership_id, changed, {"reason": reason}))
        for (zone_id, org_id), day in first_admitted.items():
            self.add(ZoneAdmission, {"id": self.ids.take(ZoneAdmission), "system_id": system.id, "zone_id": zone_id,
                                     "organisation_id": org_id, "first_admitted_on": day})


def _spread(total: int, parts: int) -> list[int]:
    """total split into parts as evenly as whole numbers allow."""
    base, extra = divmod(total, parts)
    return [base + (1 if n < extra else 0) for n in range(parts)]


def _split(total: Decimal, count: int, preferred: list) -> list[Decimal]:
    """count question weights adding up to total: the preferred ones when they fit, else equal shares."""
    if count == len(preferred) and sum(Decimal(w) for w in preferred) == total:
        return [Decimal(w) for w in preferred]
    share = (total / count).quantize(TWO_PLACES)
    weights = [share] * count
    weights[-1] = total - share * (count - 1)
    return weights
