"""The data generator: a realistic system at a chosen size, the same every time for a seed, within every rule."""
from dataclasses import replace

from sqlalchemy import func, select

from portal.audit.chain import verify_chain
from portal.commissioning.models import Membership, MembershipStatus, MembershipZone, Round, RoundStatus, ZoneAdmission
from portal.evaluation.models import ModeratedScore, Score
from portal.generator import SIZES, generate
from portal.onboarding.models import Application, ApplicationStatus, Organisation

SIZE = replace(SIZES["tiny"], organisations=20, applications=24, members=5, report_round_applications=6)


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_generates_the_size_asked_for_in_every_state(db):
    known = generate(SIZE, seed=3)
    assert _count(db, Organisation) == 20
    assert _count(db, Application) == 24 + 6  # the national rounds, and the report's round
    statuses = [r.status for r in db.session.scalars(select(Round).order_by(Round.id))]
    assert statuses == [RoundStatus.published, RoundStatus.in_evaluation, RoundStatus.open, RoundStatus.decided]
    assert _count(db, Membership, Membership.status == MembershipStatus.active) == 5
    assert _count(db, Score) > 0 and _count(db, ModeratedScore) > 0
    # every submitted application has its receipt reference; drafts have none
    assert not _count(db, Application, Application.status != ApplicationStatus.draft, Application.reference.is_(None))
    # the dashboard's first admissions per zone agree with the memberships written in bulk
    first = select(Membership.system_id, MembershipZone.zone_id, Membership.organisation_id,
                   func.min(Membership.admitted_on)).join(MembershipZone, MembershipZone.membership_id == Membership.id)
    expected = db.session.execute(first.group_by(Membership.system_id, MembershipZone.zone_id,
                                                 Membership.organisation_id)).all()
    stored = db.session.execute(select(ZoneAdmission.system_id, ZoneAdmission.zone_id, ZoneAdmission.organisation_id,
                                       ZoneAdmission.first_admitted_on)).all()
    assert expected and sorted(stored) == sorted(expected)
    # the generated audit events join the hash chain, so flask verify-audit finds nothing wrong
    assert verify_chain().ok
    for key in ("commissioner", "evaluator", "provider", "scoring_assignment_id", "moderation_application_id",
                "evaluation_round_id", "report_round_id", "filter_lot_id", "filter_zone_id"):
        assert known.get(key), key


def test_the_same_seed_gives_the_same_data(db):
    generate(SIZE, seed=5)
    first = db.session.execute(select(Organisation.legal_name, Organisation.postcode).order_by(Organisation.id)).all()
    scores = db.session.execute(select(Score.score).order_by(Score.id)).scalars().all()
    assert len({name for name, _ in first}) == len(first)  # provider names are not repeated
    assert "Affinity Trust" in {name for name, _ in first}  # real ISF providers from the councils' reports
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    generate(SIZE, seed=5)
    again = db.session.execute(select(Organisation.legal_name, Organisation.postcode).order_by(Organisation.id)).all()
    assert again == first
    assert db.session.execute(select(Score.score).order_by(Score.id)).scalars().all() == scores
