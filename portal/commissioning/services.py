"""Changing purchasing systems and rounds: every function checks, changes, audits and flushes.

Services never commit: the route commits once after the service returns.
"""
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.clock import format_date, format_datetime, from_london, london, now
from portal.core import DomainError, NotAllowed
from portal.extensions import db

from .members import record_zone_admissions
from .models import (
    ChangeCategory,
    Decision,
    Lot,
    LotZoneRate,
    Membership,
    MembershipChange,
    MembershipStatus,
    MembershipZone,
    MinimumStandard,
    Outcome,
    Procedure,
    PurchasingSystem,
    Question,
    Round,
    RoundStatus,
    Scorer,
    Section,
    StandardKind,
    Zone,
)


def _require_manager(system: PurchasingSystem, actor) -> None:
    if not system.can_manage(actor):
        raise NotAllowed("Only a commissioner of the council that owns this system can change it.")


def _require_no_round_open(system: PurchasingSystem, what: str) -> None:
    """Lots, zones and rates stay put while providers are applying (they may change between rounds)."""
    running = system.round_open_now()
    if running is not None:
        raise DomainError(
            f"{running.name} is open until {format_datetime(running.closes_at)}, so {what} cannot change while "
            "providers are applying. Make the change after it closes, before the next round opens.")


def _require_lot_editable(lot: Lot) -> None:
    """Standards and questions are frozen once a round offering the lot has opened: applications were made,
    and will be judged, against them as published."""
    offered_in = lot.offering_round()
    if offered_in is not None:
        raise DomainError(
            f"{lot.name} was offered in {offered_in.name}, which has opened, so its title, standards and questions "
            "are frozen: applications are judged against them as published. Add a new lot, or copy this system's "
            "set-up into a new system, to change them.")


def _require_scoring_editable(system: PurchasingSystem, what: str) -> None:
    if system.scoring_frozen:
        raise DomainError(
            f"A round of this system has opened, so its {what} cannot change: results already given must stay "
            "the same. Copy the set-up into a new system to use different settings.")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def create_system(
    actor,
    *,
    title: str,
    reference: str,
    procedure: Procedure,
    starts_on,
    ends_on,
    quality_weight: int = 95,
    social_value_weight: int = 5,
    pass_mark: Decimal = Decimal(60),
    scale_max: int = 5,
    always_open: bool = False,
    description: str = "",
    standstill_working_days: int | None = None,
    cadence_months: int | None = None,
) -> PurchasingSystem:
    if not (actor.is_authenticated and actor.is_commissioner):
        raise NotAllowed("Only a commissioner can set up a purchasing system.")
    if ends_on <= starts_on:
        raise DomainError("The end of the system's lifetime must be after its start.")
    if quality_weight + social_value_weight != 100:
        raise DomainError("The quality and social value weights must add up to 100.")
    if db.session.scalar(select(func.count()).where(PurchasingSystem.reference == reference)):
        raise DomainError(f"A system with the reference {reference} already exists. Choose another reference.")
    slug = base = slugify(reference) or "system"
    n = 2
    while db.session.scalar(select(func.count()).where(PurchasingSystem.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    system = PurchasingSystem(
        authority_id=actor.authority_id,
        title=title,
        reference=reference,
        slug=slug,
        procedure=procedure,
        starts_on=starts_on,
        ends_on=ends_on,
        quality_weight=quality_weight,
        social_value_weight=social_value_weight,
        pass_mark=Decimal(pass_mark),
        scale_max=scale_max,
        always_open=always_open,
        description=description,
        standstill_working_days=(procedure.default_standstill_days if standstill_working_days is None
                                 else standstill_working_days),
        cadence_months=cadence_months,
    )
    db.session.add(system)
    db.session.flush()
    record_event(actor, "system.created", system, authority_id=system.authority_id,
                 after={"title": title, "reference": reference, "procedure": procedure,
                        "weights": [quality_weight, social_value_weight], "pass_mark": pass_mark})
    return system


def add_lot(system: PurchasingSystem, actor, *, title: str, description: str = "") -> Lot:
    _require_manager(system, actor)
    _require_no_round_open(system, "its lots")
    number = len(system.lots) + 1
    lot = Lot(system=system, number=number, title=title, description=description)
    db.session.add(lot)
    db.session.flush()
    record_event(actor, "lot.added", lot, authority_id=system.authority_id,
                 after={"number": number, "title": title})
    return lot


def add_zone(system: PurchasingSystem, actor, *, name: str, ceiling_rate: Decimal,
             floor_rate: Decimal | None = None) -> Zone:
    """Add a zone with the council's hourly rate for every lot of the system."""
    _require_manager(system, actor)
    _require_no_round_open(system, "its zones")
    if any(z.name.lower() == name.lower() for z in system.zones):
        raise DomainError(f"The system already has a zone called {name}.")
    _check_rates(ceiling_rate, floor_rate)
    zone = Zone(system=system, name=name)
    db.session.add(zone)
    for lot in system.lots:
        db.session.add(LotZoneRate(lot=lot, zone=zone, ceiling_rate=ceiling_rate, floor_rate=floor_rate))
    db.session.flush()
    record_event(actor, "zone.added", zone, authority_id=system.authority_id,
                 after={"name": name, "ceiling_rate": ceiling_rate, "floor_rate": floor_rate})
    return zone


def _check_rates(ceiling_rate, floor_rate, enhanced_rate=None):
    if ceiling_rate is None or ceiling_rate <= 0:
        raise DomainError("Enter an hourly ceiling rate greater than £0.")
    if floor_rate is not None and floor_rate > ceiling_rate:
        raise DomainError("The floor rate must not be more than the ceiling rate.")
    if enhanced_rate is not None and enhanced_rate <= ceiling_rate:
        raise DomainError("The enhanced rate is paid for hard-to-serve areas, so it must be more than the ceiling "
                          "rate. Leave it empty if there is no enhanced rate.")


def set_rate(lot: Lot, zone: Zone, actor, *, ceiling_rate: Decimal, floor_rate: Decimal | None = None,
             enhanced_rate: Decimal | None = None) -> LotZoneRate:
    """Set a lot's hourly rates in a zone; they may change between rounds (members keep their agreed rate)."""
    system = lot.system
    _require_manager(system, actor)
    _require_no_round_open(system, "its rates")
    if zone.system_id != system.id:
        raise DomainError("That zone belongs to another system.")
    _check_rates(ceiling_rate, floor_rate, enhanced_rate)
    rate = lot.rate_for(zone)
    before = None
    if rate is None:
        rate = LotZoneRate(lot=lot, zone=zone, ceiling_rate=ceiling_rate, floor_rate=floor_rate,
                           enhanced_rate=enhanced_rate)
        db.session.add(rate)
    else:
        before = {"ceiling_rate": rate.ceiling_rate, "floor_rate": rate.floor_rate,
                  "enhanced_rate": rate.enhanced_rate}
        rate.ceiling_rate, rate.floor_rate, rate.enhanced_rate = ceiling_rate, floor_rate, enhanced_rate
    db.session.flush()
    record_event(actor, "rate.set", rate, authority_id=system.authority_id, before=before,
                 after={"lot": lot.number, "zone": zone.name, "ceiling_rate": ceiling_rate,
                        "floor_rate": floor_rate, "enhanced_rate": enhanced_rate})
    return rate


def add_standard(lot: Lot, actor, *, kind: StandardKind, title: str, description: str = "") -> MinimumStandard:
    _require_manager(lot.system, actor)
    _require_lot_editable(lot)
    standard = MinimumStandard(lot=lot, kind=kind, title=title, description=description,
                               position=len(lot.standards) + 1)
    db.session.add(standard)
    db.session.flush()
    record_event(actor, "standard.added", standard, authority_id=lot.system.authority_id,
                 after={"lot": lot.number, "kind": kind, "title": title})
    return standard


def add_question(
    lot: Lot,
    actor,
    *,
    section: Section,
    text: str,
    weight: Decimal,
    word_limit: int = 500,
    min_score: int = 0,
    scorer: Scorer = Scorer.officers,
    guidance: str = "",
) -> Question:
    system = lot.system
    _require_manager(system, actor)
    _require_lot_editable(lot)
    _check_question(lot, section, weight, min_score)
    question = Question(
        lot=lot, section=section, text=text, weight=Decimal(weight), word_limit=word_limit,
        min_score=min_score, scorer=scorer, guidance=guidance, position=len(lot.questions) + 1,
    )
    db.session.add(question)
    db.session.flush()
    record_event(actor, "question.added", question, authority_id=system.authority_id,
                 after={"lot": lot.number, "section": section, "weight": weight, "text": text,
                        "scorer": scorer, "min_score": min_score, "word_limit": word_limit})
    return question


def _check_question(lot: Lot, section: Section, weight, min_score, *, replacing: Question | None = None) -> None:
    system = lot.system
    if weight is None or weight <= 0:
        raise DomainError("Enter a weight greater than 0.")
    if not 0 <= min_score <= system.scale_max:
        raise DomainError(f"The minimum score must be between 0 and {system.scale_max}.")
    section_weight = system.quality_weight if section is Section.quality else system.social_value_weight
    others = sum((q.weight for q in lot.questions if q.section is section and q is not replacing), Decimal(0))
    if others + Decimal(weight) > section_weight:
        raise DomainError(
            f"The {section.label.lower()} questions of {lot.name} would weigh more than the "
            f"{section.label.lower()} weight of {section_weight}. Lower this question's weight."
        )


# ---- editing a system's settings, participating authorities, lots, zones, standards and questions

#: settings that decide how applications are scored or which rules apply: fixed once a round has opened
SCORING_SETTINGS = ("procedure", "quality_weight", "social_value_weight", "pass_mark", "scale_max", "always_open")
SYSTEM_SETTINGS = ("title", "reference", "description", "starts_on", "ends_on", "standstill_working_days",
                   "cadence_months") + SCORING_SETTINGS


def update_system(system: PurchasingSystem, actor, **changes) -> PurchasingSystem:
    """Change a system's settings. The public call-off list address (slug) never changes."""
    _require_manager(system, actor)
    unknown = set(changes) - set(SYSTEM_SETTINGS)
    if unknown:
        raise ValueError(f"Not a system setting: {', '.join(sorted(unknown))}")
    if "pass_mark" in changes:
        changes["pass_mark"] = Decimal(changes["pass_mark"])
    changed = {k: v for k, v in changes.items() if getattr(system, k) != v}
    if not changed:
        return system
    frozen = [k for k in changed if k in SCORING_SETTINGS]
    if frozen:
        _require_scoring_editable(system, "procedure, weights, pass mark, scale and always-open setting")
    starts_on = changed.get("starts_on", system.starts_on)
    ends_on = changed.get("ends_on", system.ends_on)
    if ends_on <= starts_on:
        raise DomainError("The end of the system's lifetime must be after its start.")
    for round_ in system.rounds:
        if london(round_.opens_at).date() < starts_on:
            raise DomainError(f"The lifetime must start on or before {format_date(round_.opens_at)}, "
                              f"when {round_.name} opens.")
        if london(round_.closes_at).date() > ends_on:
            raise DomainError(f"The lifetime must end on or after {format_date(round_.closes_at)}, "
                              f"when {round_.name} closes.")
    quality = changed.get("quality_weight", system.quality_weight)
    social_value = changed.get("social_value_weight", system.social_value_weight)
    if quality + social_value != 100:
        raise DomainError("The quality and social value weights must add up to 100.")
    if "reference" in changed and db.session.scalar(
            select(func.count()).where(PurchasingSystem.reference == changed["reference"],
                                       PurchasingSystem.id != system.id)):
        raise DomainError(f"A system with the reference {changed['reference']} already exists. Choose another reference.")
    standstill = changed.get("standstill_working_days", system.standstill_working_days)
    if not 0 <= standstill <= 30:
        raise DomainError("Enter a standstill period from 0 to 30 working days.")
    before = {k: getattr(system, k) for k in changed}
    for key, value in changed.items():
        setattr(system, key, value)
    db.session.flush()
    record_event(actor, "system.updated", system, authority_id=system.authority_id, before=before, after=changed)
    return system


def add_participating_authority(system: PurchasingSystem, actor, *, authority_name: str,
                                spend_cap: Decimal | None = None):
    """Allow another council to call off from the system, up to an authorised spend; a new council is added by name."""
    from .models import Authority, ParticipatingAuthority

    _require_manager(system, actor)
    name = " ".join((authority_name or "").split())
    if not name:
        raise DomainError("Enter the name of the council, like Peterborough City Council.")
    _check_spend_cap(spend_cap)
    authority = db.session.scalar(select(Authority).where(func.lower(Authority.name) == name.lower()))
    if authority is not None and authority.id == system.authority_id:
        raise DomainError(f"{authority.name} owns this system, so it cannot also be a participating authority.")
    if authority is not None and any(p.authority_id == authority.id for p in system.participants):
        raise DomainError(f"{authority.name} already takes part in this system. Change its spend cap instead.")
    if authority is None:
        slug = base = slugify(name) or "council"
        n = 2
        while db.session.scalar(select(func.count()).where(Authority.slug == slug)):
            slug, n = f"{base}-{n}", n + 1
        authority = Authority(name=name, slug=slug)
        db.session.add(authority)
        db.session.flush()
        record_event(actor, "authority.created", authority, authority_id=system.authority_id, after={"name": name})
    participant = ParticipatingAuthority(system=system, authority=authority, spend_cap=spend_cap)
    db.session.add(participant)
    db.session.flush()
    record_event(actor, "participant.added", participant, authority_id=system.authority_id,
                 after={"authority": authority.name, "spend_cap": spend_cap})
    return participant


def _check_spend_cap(spend_cap) -> None:
    if spend_cap is not None and spend_cap <= 0:
        raise DomainError("Enter a spend cap greater than £0, or leave it empty if there is no cap.")


def set_spend_cap(participant, actor, *, spend_cap: Decimal | None):
    _require_manager(participant.system, actor)
    _check_spend_cap(spend_cap)
    before = {"spend_cap": participant.spend_cap}
    participant.spend_cap = spend_cap
    db.session.flush()
    record_event(actor, "participant.cap_set", participant, authority_id=participant.system.authority_id,
                 before=before, after={"authority": participant.authority.name, "spend_cap": spend_cap})
    return participant


def remove_participating_authority(participant, actor) -> None:
    system = participant.system
    _require_manager(system, actor)
    record_event(actor, "participant.removed", participant, authority_id=system.authority_id,
                 before={"authority": participant.authority.name, "spend_cap": participant.spend_cap})
    system.participants.remove(participant)
    db.session.flush()


def update_lot(lot: Lot, actor, *, title: str, description: str = "") -> Lot:
    _require_manager(lot.system, actor)
    _require_lot_editable(lot)
    before = {"title": lot.title, "description": lot.description}
    lot.title, lot.description = title.strip(), (description or "").strip()
    db.session.flush()
    record_event(actor, "lot.updated", lot, authority_id=lot.system.authority_id, before=before,
                 after={"title": lot.title, "description": lot.description})
    return lot


def _applications_for_lot(lot: Lot) -> int:
    from portal.onboarding.models import ApplicationLot

    return db.session.scalar(select(func.count()).select_from(ApplicationLot).where(ApplicationLot.lot_id == lot.id))


def delete_lot(lot: Lot, actor) -> None:
    """Remove a lot that no round has offered and no application or member uses; later lots move up a number."""
    system = lot.system
    _require_manager(system, actor)
    _require_lot_editable(lot)
    if _applications_for_lot(lot) or db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.lot_id == lot.id)):
        raise DomainError(f"Providers have applied for {lot.name}, so it cannot be deleted: their applications "
                          "must be kept.")
    record_event(actor, "lot.deleted", lot, authority_id=system.authority_id,
                 before={"number": lot.number, "title": lot.title, "questions": len(lot.questions),
                         "standards": len(lot.standards)})
    for child in [*lot.questions, *lot.standards, *lot.rates]:
        db.session.delete(child)
    number = lot.number
    system.lots.remove(lot)
    db.session.delete(lot)
    db.session.flush()
    for later in sorted((l for l in system.lots if l.number > number), key=lambda l: l.number):
        later.number -= 1
        db.session.flush()


def rename_zone(zone: Zone, actor, *, name: str) -> Zone:
    system = zone.system
    _require_manager(system, actor)
    name = name.strip()
    clash = next((z for z in system.zones if z.name.lower() == name.lower() and z is not zone), None)
    if clash is not None:
        raise DomainError(f"The system already has a zone called {clash.name}.")
    before = {"name": zone.name}
    zone.name = name
    db.session.flush()
    record_event(actor, "zone.renamed", zone, authority_id=system.authority_id, before=before, after={"name": name})
    return zone


def delete_zone(zone: Zone, actor) -> None:
    """Remove a zone nobody has bid for or serves, with its rates."""
    from portal.onboarding.models import ApplicationZone

    system = zone.system
    _require_manager(system, actor)
    _require_no_round_open(system, "its zones")
    if db.session.scalar(select(func.count()).select_from(ApplicationZone).where(ApplicationZone.zone_id == zone.id)) \
            or db.session.scalar(select(func.count()).select_from(MembershipZone).where(MembershipZone.zone_id == zone.id)):
        raise DomainError(f"Providers have applied for or serve {zone.name}, so it cannot be deleted. "
                          "Rename it instead if its area changed.")
    record_event(actor, "zone.deleted", zone, authority_id=system.authority_id, before={"name": zone.name})
    for rate in db.session.scalars(select(LotZoneRate).where(LotZoneRate.zone_id == zone.id)):
        rate.lot.rates.remove(rate)
        db.session.delete(rate)
    system.zones.remove(zone)
    db.session.delete(zone)
    db.session.flush()


def update_standard(standard: MinimumStandard, actor, *, kind: StandardKind, title: str,
                    description: str = "") -> MinimumStandard:
    lot = standard.lot
    _require_manager(lot.system, actor)
    _require_lot_editable(lot)
    before = {"kind": standard.kind, "title": standard.title, "description": standard.description}
    standard.kind, standard.title, standard.description = kind, title.strip(), (description or "").strip()
    db.session.flush()
    record_event(actor, "standard.updated", standard, authority_id=lot.system.authority_id, before=before,
                 after={"kind": kind, "title": standard.title, "description": standard.description})
    return standard


def delete_standard(standard: MinimumStandard, actor) -> None:
    lot = standard.lot
    _require_manager(lot.system, actor)
    _require_lot_editable(lot)
    record_event(actor, "standard.deleted", standard, authority_id=lot.system.authority_id,
                 before={"lot": lot.number, "kind": standard.kind, "title": standard.title})
    lot.standards.remove(standard)
    db.session.delete(standard)
    for position, other in enumerate(lot.standards, start=1):
        other.position = position
    db.session.flush()


def update_question(question: Question, actor, *, section: Section, text: str, weight: Decimal,
                    word_limit: int = 500, min_score: int = 0, scorer: Scorer = Scorer.officers,
                    guidance: str = "") -> Question:
    lot = question.lot
    _require_manager(lot.system, actor)
    _require_lot_editable(lot)
    _check_question(lot, section, weight, min_score, replacing=question)
    fields = {"section": section, "text": text.strip(), "weight": Decimal(weight), "word_limit": word_limit,
              "min_score": min_score, "scorer": scorer, "guidance": (guidance or "").strip()}
    before = {k: getattr(question, k) for k in fields}
    for key, value in fields.items():
        setattr(question, key, value)
    db.session.flush()
    record_event(actor, "question.updated", question, authority_id=lot.system.authority_id, before=before,
                 after=fields)
    return question


def delete_question(question: Question, actor) -> None:
    lot = question.lot
    _require_manager(lot.system, actor)
    _require_lot_editable(lot)
    record_event(actor, "question.deleted", question, authority_id=lot.system.authority_id,
                 before={"lot": lot.number, "label": question.label, "text": question.text, "weight": question.weight})
    lot.questions.remove(question)
    db.session.delete(question)
    for position, other in enumerate(lot.questions, start=1):
        other.position = position
    db.session.flush()


def copy_system(system: PurchasingSystem, actor, *, title: str, reference: str, starts_on, ends_on) -> PurchasingSystem:
    """A new system with this one's settings, lots, zones, rates, standards and questions (no rounds or members)."""
    _require_manager(system, actor)
    copy = create_system(
        actor, title=title, reference=reference, procedure=system.procedure, starts_on=starts_on, ends_on=ends_on,
        quality_weight=system.quality_weight, social_value_weight=system.social_value_weight,
        pass_mark=system.pass_mark, scale_max=system.scale_max, always_open=system.always_open,
        description=system.description, standstill_working_days=system.standstill_working_days,
        cadence_months=system.cadence_months)
    copy.scale_descriptions = list(system.scale_descriptions or [])
    zones = {}
    for zone in system.zones:
        zones[zone.id] = Zone(system=copy, name=zone.name)
        db.session.add(zones[zone.id])
    for lot in system.lots:
        new_lot = Lot(system=copy, number=lot.number, title=lot.title, description=lot.description)
        db.session.add(new_lot)
        for rate in lot.rates:
            db.session.add(LotZoneRate(lot=new_lot, zone=zones[rate.zone_id], ceiling_rate=rate.ceiling_rate,
                                       floor_rate=rate.floor_rate, enhanced_rate=rate.enhanced_rate))
        for standard in lot.standards:
            db.session.add(MinimumStandard(lot=new_lot, position=standard.position, kind=standard.kind,
                                           title=standard.title, description=standard.description))
        for question in lot.questions:
            db.session.add(Question(lot=new_lot, position=question.position, section=question.section,
                                    text=question.text, guidance=question.guidance, weight=question.weight,
                                    word_limit=question.word_limit, min_score=question.min_score,
                                    scorer=question.scorer))
    db.session.flush()
    record_event(actor, "system.copied", copy, authority_id=copy.authority_id,
                 after={"from": system.reference, "lots": len(system.lots), "zones": len(system.zones)})
    return copy


# ---- rounds


def schedule_round(system: PurchasingSystem, actor, *, opens_at: datetime, closes_at: datetime) -> Round:
    _require_manager(system, actor)
    if closes_at <= opens_at:
        raise DomainError("The closing time must be after the opening time.")
    if closes_at <= now():
        raise DomainError("The closing time must be in the future.")
    # the lifetime is a pair of London calendar dates, not UTC ones (00:30 BST is still the previous UTC day)
    if london(opens_at).date() < system.starts_on or london(closes_at).date() > system.ends_on:
        raise DomainError(
            "The round must fall within the system's lifetime "
            f"({format_date(system.starts_on)} to {format_date(system.ends_on)})."
        )
    for other in system.rounds:
        if opens_at < other.closes_at and other.opens_at < closes_at:
            raise DomainError(f"The round would overlap {other.name}. Choose dates after it closes.")
    problems = system.setup_problems()
    if problems:
        raise DomainError("The system is not ready for a round: " + " ".join(problems))
    number = (max((r.number for r in system.rounds), default=0)) + 1
    round_ = Round(system=system, number=number, opens_at=opens_at, closes_at=closes_at)
    db.session.add(round_)
    db.session.flush()
    record_event(actor, "round.scheduled", round_, authority_id=system.authority_id,
                 after={"number": number, "opens_at": opens_at, "closes_at": closes_at})
    return round_


def open_round_now(round_: Round, actor) -> Round:
    """Bring a scheduled round's opening forward to now."""
    _require_manager(round_.system, actor)
    if round_.status is not RoundStatus.scheduled:
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}, so it cannot be opened now.")
    problems = round_.system.setup_problems()
    if problems:
        raise DomainError(f"{round_.name} cannot open until the system is ready: " + " ".join(problems))
    before = {"opens_at": round_.opens_at}
    round_.opens_at = now()
    db.session.flush()
    record_event(actor, "round.opened", round_, authority_id=round_.system.authority_id,
                 before=before, after={"opens_at": round_.opens_at})
    return round_


def close_round_early(round_: Round, actor, *, reason: str) -> Round:
    _require_manager(round_.system, actor)
    if round_.status is not RoundStatus.open:
        raise DomainError(f"{round_.name} is not open, so it cannot be closed early.")
    if not reason.strip():
        raise DomainError("Enter the reason for closing the round early.")
    before = {"closes_at": round_.closes_at}
    round_.closes_at = now()
    round_.early_close_reason = reason.strip()
    db.session.flush()
    record_event(actor, "round.closed_early", round_, authority_id=round_.system.authority_id,
                 before=before, after={"closes_at": round_.closes_at, "reason": reason})
    return round_


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def suggest_next_round(system: PurchasingSystem, months: int) -> tuple[datetime, datetime] | None:
    """Dates for the next round `months` after the last one opened, for the commissioner to confirm or change.

    Same weekday-independent day of the month and time of day, same window length (at least a week), never
    before the last round closes nor in the past; None when it would not fit in the lifetime.
    """
    if not system.rounds:
        return None
    last = max(system.rounds, key=lambda r: r.opens_at)
    opens_wall, closes_wall = london(last.opens_at), london(last.closes_at)
    length = max(closes_wall.replace(tzinfo=None) - opens_wall.replace(tzinfo=None), timedelta(days=7))
    clock_time = opens_wall.time().replace(tzinfo=None)
    step = 1
    while True:
        day = _add_months(opens_wall.date(), months * step)
        opens_at = from_london(datetime.combine(day, clock_time))
        if opens_at >= last.closes_at and opens_at > now():
            break
        step += 1
        if step > 240:
            return None
    closes_at = from_london(datetime.combine(day, clock_time) + length)
    if london(closes_at).date() > system.ends_on:
        return None
    return opens_at, closes_at


def pause_round(round_: Round, actor, *, reason: str) -> Round:
    """Stop new submissions for a while; drafts are kept and providers see the reason."""
    _require_manager(round_.system, actor)
    if round_.status is not RoundStatus.open:
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}. Only an open round can be paused.")
    if round_.paused:
        raise DomainError(f"{round_.name} is already paused. Resume it first to change the reason.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for pausing the round. Providers will see it.")
    round_.paused = True
    round_.pause_reason = reason
    db.session.flush()
    record_event(actor, "round.paused", round_, authority_id=round_.system.authority_id, after={"reason": reason})
    _tell_applicants(
        round_, f"{round_.system.title}: {round_.name} is paused",
        f"The council has paused {round_.name} of {round_.system.title}.\n\nReason: {reason}\n\n"
        "Your draft is kept. You cannot submit or change your application until the council resumes the round. "
        f"The round still closes at {format_datetime(round_.closes_at)} unless the council extends it.",
        kind="round_paused")
    return round_


def resume_round(round_: Round, actor) -> Round:
    """Take a paused round back to open; providers can change and submit again."""
    _require_manager(round_.system, actor)
    if not round_.paused:
        raise DomainError(f"{round_.name} is not paused, so there is nothing to resume.")
    if round_.has_closed():
        raise DomainError(
            f"{round_.name} closed at {format_datetime(round_.closes_at)} while it was paused. "
            "It cannot be resumed; schedule a new round for providers who could not apply.")
    reason = round_.pause_reason
    round_.paused = False
    round_.pause_reason = None
    db.session.flush()
    record_event(actor, "round.resumed", round_, authority_id=round_.system.authority_id, before={"reason": reason})
    _tell_applicants(
        round_, f"{round_.system.title}: {round_.name} is open again",
        f"The council has resumed {round_.name} of {round_.system.title}. You can change and submit your "
        f"application again until {format_datetime(round_.closes_at)}.",
        kind="round_resumed")
    return round_


def extend_round(round_: Round, actor, *, closes_at: datetime, reason: str) -> Round:
    """Move a round's closing time later, with a reason; every applicant in the round is told by email."""
    _require_manager(round_.system, actor)
    system = round_.system
    if round_.status not in (RoundStatus.scheduled, RoundStatus.open):
        raise DomainError(
            f"{round_.name} is {round_.status.label.lower()}, so it cannot be extended. "
            "Schedule a new round for providers who missed it.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for extending the round. Applicants will be told it.")
    if closes_at <= round_.closes_at:
        raise DomainError(
            f"The new closing time must be later than the current one, {format_datetime(round_.closes_at)}.")
    if london(closes_at).date() > system.ends_on:
        raise DomainError(
            f"The new closing time must be within the system's lifetime, which ends on {format_date(system.ends_on)}.")
    for other in system.rounds:
        if other is not round_ and round_.opens_at < other.closes_at and other.opens_at < closes_at:
            raise DomainError(
                f"The new closing time would overlap {other.name}, which opens at {format_datetime(other.opens_at)}. "
                "Choose an earlier closing time.")
    before = round_.closes_at
    round_.closes_at = closes_at
    db.session.flush()
    record_event(actor, "round.extended", round_, authority_id=system.authority_id,
                 before={"closes_at": before}, after={"closes_at": closes_at, "reason": reason})
    _tell_applicants(
        round_, f"{system.title}: {round_.name} now closes at {format_datetime(closes_at)}",
        f"The council has extended {round_.name} of {system.title}.\n\n"
        f"It was due to close at {format_datetime(before)}. It now closes at {format_datetime(closes_at)}.\n\n"
        f"Reason: {reason}",
        kind="round_extended")
    return round_


#: a round's "round.extended" events, oldest first (built once: the round page reads them every time)
_ROUND_EXTENDED = (select(AuditEvent)
                   .where(AuditEvent.object_type == "Round", AuditEvent.object_id == bindparam("round_id"),
                          AuditEvent.action == "round.extended").order_by(AuditEvent.id))


def round_extensions(round_: Round) -> list[dict]:
    """Every extension of a round, oldest first: from and to closing times, reason and when."""
    rows = db.session.scalars(_ROUND_EXTENDED, {"round_id": round_.id}).all()
    return [{"from": datetime.fromisoformat(e.before["closes_at"]), "to": datetime.fromisoformat(e.after["closes_at"]),
             "reason": e.after.get("reason", ""), "at": e.occurred_at} for e in rows]


def _tell_applicants(round_: Round, subject: str, body: str, *, kind: str) -> int:
    """Email every active user of every organisation with an application in the round; returns how many."""
    from portal.auth.models import User
    from portal.mail.services import queue_email
    from portal.onboarding.models import Application

    addresses = db.session.scalars(
        select(User.email).where(
            User.active.is_(True),
            User.organisation_id.in_(select(Application.organisation_id).where(Application.round_id == round_.id)))
        .distinct().order_by(User.email)).all()
    for address in addresses:
        queue_email(address, subject, body, kind=kind)
    return len(addresses)


def assess_received_applications(round_: Round, actor) -> Round:
    """In an always-open system: close the running round now so the applications received so far can be
    assessed, and carry on taking applications in a new round that opens at once and closes when this one
    would have. Drafts (and withdrawn applications) move to the new round, so no provider loses its work."""
    from portal.onboarding.models import ApplicationStatus

    system = round_.system
    _require_manager(system, actor)
    if not system.always_open:
        raise DomainError(f"{system.title} is not always open. Wait for {round_.name} to close, or close it early "
                          "with a reason.")
    if round_.status is not RoundStatus.open:
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}, so there is nothing new to assess in it.")
    if round_.paused:
        raise DomainError(f"{round_.name} is paused. Resume it first, so providers can keep applying in the new round.")
    submitted = [a for a in round_.applications if a.status is ApplicationStatus.submitted]
    if not submitted:
        raise DomainError(f"No applications have been submitted in {round_.name} yet, so there is nothing to assess.")
    moment = now()
    if moment <= round_.opens_at:
        raise DomainError(f"{round_.name} opened a moment ago. Try again in a minute.")
    old_close = round_.closes_at
    number = max(r.number for r in system.rounds) + 1
    round_.closes_at = moment
    round_.early_close_reason = (f"Always-open system: the applications received so far are assessed; new "
                                 f"applications continue in Round {number}.")
    following = Round(system=system, number=number, opens_at=moment, closes_at=old_close)
    db.session.add(following)
    db.session.flush()
    moved = 0
    for application in list(round_.applications):
        if application.status in (ApplicationStatus.draft, ApplicationStatus.withdrawn):
            application.round_id = following.id
            moved += 1
    db.session.flush()
    db.session.expire(round_, ["applications"])
    db.session.expire(following, ["applications"])
    record_event(actor, "round.assessment_started", round_, authority_id=system.authority_id,
                 before={"closes_at": old_close},
                 after={"closes_at": moment, "submitted": len(submitted), "drafts_moved": moved,
                        "next_round": number})
    record_event(actor, "round.scheduled", following, authority_id=system.authority_id,
                 after={"number": number, "opens_at": moment, "closes_at": old_close})
    return following


def begin_evaluation(round_: Round, actor) -> Round:
    """Move a closed round, and every application submitted in it, into evaluation."""
    from portal.onboarding.models import ApplicationStatus

    _require_manager(round_.system, actor)
    if round_.status is not RoundStatus.closed:
        raise DomainError(
            f"{round_.name} is {round_.status.label.lower()}. Evaluation can start only once the round has closed."
        )
    round_.evaluation_started_at = now()
    moved = 0
    for application in round_.applications:
        if application.status is ApplicationStatus.submitted:
            application.status = ApplicationStatus.in_evaluation
            moved += 1
    db.session.flush()
    record_event(actor, "round.evaluation_started", round_, authority_id=round_.system.authority_id,
                 after={"applications": moved})
    return round_


def record_decision(application, lot: Lot, actor, *, outcome: Outcome, reasons: str) -> Decision:
    """Admit or reject an application for one lot; the computed result is kept beside it."""
    from portal.evaluation.results import application_results

    round_ = application.round
    _require_manager(round_.system, actor)
    if round_.status is not RoundStatus.in_evaluation:
        raise DomainError(f"Decisions can be recorded only while {round_.name} is in evaluation.")
    if lot not in application.chosen_lots():
        raise DomainError(f"This application does not bid for {lot.name}.")
    if not reasons.strip():
        raise DomainError("Enter the reasons for the decision.")
    result = application_results(application)[lot.id]
    if result.passed is None:
        raise DomainError(
            f"Finish moderating {lot.name} for this application before deciding: every answer "
            "needs an agreed score and every standard an agreed pass or fail."
        )
    if outcome is Outcome.admit and not result.passed:
        raise DomainError(
            f"This application did not pass {lot.name}, so it cannot be admitted. Record a rejection with reasons."
        )
    decision = db.session.scalar(select(Decision).filter_by(application_id=application.id, lot_id=lot.id))
    before = None
    if decision is None:
        decision = Decision(application=application, lot=lot)
        db.session.add(decision)
    else:
        before = {"outcome": decision.outcome, "reasons": decision.reasons}
    decision.outcome = outcome
    decision.reasons = reasons.strip()
    decision.total_at_decision = result.total
    decision.passed_at_decision = bool(result.passed)
    decision.decided_by_id = actor.id
    decision.decided_at = now()
    db.session.flush()
    record_event(actor, "decision.recorded", decision, authority_id=round_.system.authority_id,
                 before=before, after={"application": application.reference, "lot": lot.number,
                                       "outcome": outcome, "reasons": reasons, "total": result.total})
    return decision


def confirm_decisions(round_: Round, actor) -> Round:
    """Close the decisions of a round: every application needs a decision for every lot it bid for."""
    from portal.onboarding.models import ApplicationStatus

    _require_manager(round_.system, actor)
    if round_.status is not RoundStatus.in_evaluation:
        raise DomainError(f"{round_.name} is {round_.status.label.lower()}, so its decisions cannot be confirmed.")
    missing = []
    for application in round_.applications:
        if application.status is not ApplicationStatus.in_evaluation:
            continue
        decided = {d.lot_id for d in application.decisions}
        for lot in application.chosen_lots():
            if lot.id not in decided:
                missing.append(f"{application.organisation.legal_name} ({lot.name})")
    if missing:
        raise DomainError("Record a decision for every lot of every application first. Missing: " + "; ".join(missing) + ".")
    round_.decided_at = now()
    for application in round_.applications:
        if application.status is ApplicationStatus.in_evaluation:
            application.status = ApplicationStatus.decided
    db.session.flush()
    record_event(actor, "round.decided", round_, authority_id=round_.system.authority_id)
    return round_


def publish_round(round_: Round, actor) -> list[Membership]:
    """Publish a decided round: every admitted provider joins the call-off list for its lots and zones."""
    _require_manager(round_.system, actor)
    if round_.status is not RoundStatus.decided:
        raise DomainError(
            f"{round_.name} is {round_.status.label.lower()}. Confirm the decisions before publishing."
        )
    if round_.in_standstill():
        raise DomainError(
            f"The standstill period of {round_.system.standstill_working_days} working days ends at the end of "
            f"{format_date(round_.standstill_ends_on)}. Publish the decisions from "
            f"{format_date(round_.publishable_from)}.")
    today = now().date()
    memberships = []
    for application in round_.applications:
        for decision in application.decisions:
            if decision.outcome is not Outcome.admit:
                continue
            choice = next(c for c in application.lots if c.lot_id == decision.lot_id)
            membership = db.session.scalar(
                select(Membership).filter_by(lot_id=decision.lot_id, organisation_id=application.organisation_id)
            )
            from_status = None
            if membership is None:
                membership = Membership(system_id=round_.system_id, lot_id=decision.lot_id,
                                        organisation_id=application.organisation_id)
                db.session.add(membership)
            else:
                from_status = membership.status
            membership.application_id = application.id
            membership.admitted_on = today
            membership.status = MembershipStatus.active
            membership.suspended_until = None
            for zone_choice in choice.zones:
                rate = zone_choice.offered_rate or decision.lot.rate_for(zone_choice.zone).ceiling_rate
                existing = next((z for z in membership.zones if z.zone_id == zone_choice.zone_id), None)
                if existing:
                    existing.hourly_rate = rate
                else:
                    membership.zones.append(MembershipZone(zone_id=zone_choice.zone_id, hourly_rate=rate))
            db.session.add(MembershipChange(membership=membership, from_status=from_status,
                                            status=MembershipStatus.active, category=ChangeCategory.admitted,
                                            reason=f"Admitted in {round_.name}", changed_by_id=actor.id))
            memberships.append(membership)
    round_.published_at = now()
    db.session.flush()
    record_zone_admissions(memberships)
    record_event(actor, "round.published", round_, authority_id=round_.system.authority_id,
                 after={"admitted": len(memberships)})
    return memberships


def set_lead_provider_ranking(system: PurchasingSystem, actor, *, ranks: bool) -> PurchasingSystem:
    """Turn on or off the ranking of passing applications per zone, for a council that picks lead providers."""
    _require_manager(system, actor)
    before = system.ranks_lead_providers
    if before == ranks:
        return system
    system.ranks_lead_providers = ranks
    db.session.flush()
    record_event(actor, "system.lead_provider_ranking", system, authority_id=system.authority_id,
                 before={"ranks_lead_providers": before}, after={"ranks_lead_providers": ranks})
    return system
