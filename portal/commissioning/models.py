"""Authorities, purchasing systems, lots, zones, standards, questions, rounds, decisions, members."""
import enum
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    JSON,
    false,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import and_, not_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import london, now
from portal.core import UTCDateTime, enum_column
from portal.extensions import db


def today() -> date:
    """Today's date on the London calendar."""
    return london(now()).date()


class Authority(db.Model):
    """A council."""

    __tablename__ = "authorities"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: commissioners and evaluating officers must use two-step verification to sign in (not panel members)
    require_two_step_for_staff: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<Authority {self.name}>"


class Procedure(enum.Enum):
    dps_pcr2015 = "dps_pcr2015"
    pseudo_dps_light_touch = "pseudo_dps_light_touch"
    dynamic_market_pa2023 = "dynamic_market_pa2023"
    open_framework_pa2023 = "open_framework_pa2023"

    @property
    def label(self) -> str:
        return PROCEDURE_LABELS[self]

    @property
    def default_standstill_days(self) -> int:
        """Working days between confirming decisions and publishing them, unless the council chooses otherwise.

        Only an open framework has a statutory standstill for the decision the portal records (Procurement Act
        2023 s.51: 8 working days before the framework is awarded to a supplier). Admission to a PCR 2015 DPS
        (reg 34), a pseudo-DPS under the Light Touch Regime or a PA 2023 dynamic market is not a contract award,
        so no standstill is required; a council may still set a voluntary one on the system.
        """
        return 8 if self is Procedure.open_framework_pa2023 else 0


PROCEDURE_LABELS = {
    Procedure.dps_pcr2015: "Dynamic Purchasing System (PCR 2015 regulation 34)",
    Procedure.pseudo_dps_light_touch: "Pseudo-DPS under the Light Touch Regime",
    Procedure.dynamic_market_pa2023: "Dynamic market (Procurement Act 2023)",
    Procedure.open_framework_pa2023: "Open framework (Procurement Act 2023)",
}

DEFAULT_SCALE = [
    "No answer, or unacceptable",
    "Poor",
    "Weak",
    "Satisfactory",
    "Good",
    "Excellent",
]


class PurchasingSystem(db.Model):
    """A DPS, pseudo-DPS, dynamic market or open framework owned by one authority."""

    __tablename__ = "purchasing_systems"
    __table_args__ = (
        CheckConstraint("quality_weight + social_value_weight = 100", name="weights_sum_to_100"),
        CheckConstraint("quality_weight >= 0 AND social_value_weight >= 0", name="weights_not_negative"),
        CheckConstraint("ends_on > starts_on", name="lifetime_ends_after_start"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_in_range"),
        CheckConstraint("scale_max >= 1 AND scale_max <= 10", name="scale_max_in_range"),
        CheckConstraint("standstill_working_days >= 0 AND standstill_working_days <= 30",
                        name="standstill_in_range"),
        CheckConstraint("cadence_months IS NULL OR (cadence_months >= 1 AND cadence_months <= 12)",
                        name="cadence_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the council's own reference, e.g. CCC-HCS-DPS-2017
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    #: the stable part of the public call-off list URL
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[Procedure] = mapped_column(enum_column(Procedure))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    quality_weight: Mapped[int] = mapped_column(default=95)
    social_value_weight: Mapped[int] = mapped_column(default=5)
    #: the total (out of 100) an application must reach to pass a lot
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("60"))
    #: scores run from 0 to scale_max
    scale_max: Mapped[int] = mapped_column(default=5)
    #: one description per point of the scale, 0 first
    scale_descriptions: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_SCALE))
    #: an always-open system takes applications at any time and assesses each on submission
    always_open: Mapped[bool] = mapped_column(default=False)
    #: working days between confirming a round's decisions and publishing them (0: publish at once)
    standstill_working_days: Mapped[int] = mapped_column(default=0, server_default="0")
    #: how many months after a round opens the next one usually opens (3 or 4), for suggesting dates
    cadence_months: Mapped[int | None]
    #: the council picks a lead provider per zone, so passing applications are ranked per zone
    ranks_lead_providers: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    authority = relationship("Authority")
    lots = relationship("Lot", back_populates="system", order_by="Lot.number")
    zones = relationship("Zone", back_populates="system", order_by="Zone.name")
    rounds = relationship("Round", back_populates="system", order_by="Round.number")
    participants = relationship("ParticipatingAuthority", back_populates="system",
                                order_by="ParticipatingAuthority.id", cascade="all, delete-orphan")

    def can_manage(self, user) -> bool:
        return bool(
            user.is_authenticated and user.is_commissioner and user.authority_id == self.authority_id
        )

    def scale(self) -> list[tuple[int, str]]:
        """(score, description) pairs for every point of the scale."""
        descriptions = list(self.scale_descriptions or [])
        return [
            (point, descriptions[point] if point < len(descriptions) else "")
            for point in range(self.scale_max + 1)
        ]

    def opened_rounds(self, moment: datetime | None = None) -> list["Round"]:
        moment = moment or now()
        return [r for r in self.rounds if r.opens_at <= moment]

    def round_open_now(self, moment: datetime | None = None) -> "Round | None":
        """The round whose window is running now (paused or not), if any."""
        moment = moment or now()
        return next((r for r in self.rounds if r.opens_at <= moment < r.closes_at), None)

    def lots_closed_to(self, organisation_id: int, *, apart_from=None) -> dict[int, str]:
        """Lots an organisation cannot bid for again, by lot id, each with the sentence saying why: it is
        already on the call-off list (active or suspended), or another of its applications for the lot is still
        being decided. A removed member, or one not admitted, may apply again in a later round."""
        from sqlalchemy import select

        from portal.clock import format_date
        from portal.onboarding.models import Application, ApplicationLot, ApplicationStatus

        names = {lot.id: lot.name for lot in self.lots}
        closed = {}
        held = db.session.execute(
            select(Membership.lot_id, Membership.status, Membership.admitted_on)
            .where(Membership.system_id == self.id, Membership.organisation_id == organisation_id,
                   Membership.status != MembershipStatus.removed)).all()
        for lot_id, status, admitted_on in held:
            if status is MembershipStatus.suspended:
                closed[lot_id] = (f"Your organisation's place on the call-off list for {names.get(lot_id)} is "
                                  "suspended, so you cannot apply for it again. Contact the council about it.")
            else:
                closed[lot_id] = (f"Your organisation is already on the call-off list for {names.get(lot_id)} "
                                  f"(admitted on {format_date(admitted_on)}), so you do not need to apply for it again.")
        pending = db.session.execute(
            select(ApplicationLot.lot_id, Round.number)
            .join(Application, Application.id == ApplicationLot.application_id)
            .join(Round, Round.id == Application.round_id)
            .where(Round.system_id == self.id, Application.organisation_id == organisation_id,
                   Application.id != (apart_from.id if apart_from is not None else -1),
                   Round.published_at.is_(None),
                   Application.status.in_([ApplicationStatus.submitted, ApplicationStatus.in_evaluation,
                                           ApplicationStatus.decided]))).all()
        for lot_id, number in pending:
            closed.setdefault(lot_id, f"Your application for {names.get(lot_id)} in Round {number} is still being "
                                      "decided, so you cannot apply for it again until its outcome is published.")
        return closed

    @property
    def scoring_frozen(self) -> bool:
        """Weights, pass mark and scale stay as they were once a round has opened: past results must not move."""
        return bool(self.opened_rounds())

    def setup_problems(self) -> list[str]:
        """What stops a round of this system from opening, as sentences; empty when ready."""
        problems = []
        if not self.lots:
            problems.append("Add at least one lot.")
        if not self.zones:
            problems.append("Add at least one zone.")
        for lot in self.lots:
            problems.extend(lot.setup_problems())
        return problems

    def __repr__(self) -> str:
        return f"<PurchasingSystem {self.reference}>"


class Lot(db.Model):
    """A category inside a system with its own minimum standards and questions."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("system_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_systems.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: when the lot was added: rounds that closed before then never offered it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    system = relationship("PurchasingSystem", back_populates="lots")
    standards = relationship("MinimumStandard", back_populates="lot", order_by="MinimumStandard.position")
    questions = relationship("Question", back_populates="lot", order_by="Question.position")
    rates = relationship("LotZoneRate", back_populates="lot")

    @property
    def name(self) -> str:
        return f"Lot {self.number}: {self.title}"

    def can_manage(self, user) -> bool:
        return self.system.can_manage(user)

    def offering_round(self, moment: datetime | None = None) -> "Round | None":
        """The first round that has opened offering this lot; once there is one, the lot's set-up is frozen."""
        moment = moment or now()
        return next((r for r in self.system.rounds if r.opens_at <= moment and r.closes_at > self.created_at), None)

    def section_weight_total(self, section) -> Decimal:
        return sum((q.weight for q in self.questions if q.section is section), Decimal(0))

    def setup_problems(self) -> list[str]:
        problems = []
        if not self.questions:
            problems.append(f"{self.name} has no questions. Add its quality and social value questions.")
        system = self.system
        for section, target in (
            (Section.quality, system.quality_weight),
            (Section.social_value, system.social_value_weight),
        ):
            total = self.section_weight_total(section)
            if self.questions and total != target:
                problems.append(
                    f"{self.name}: the {section.label.lower()} question weights add up to "
                    f"{_fmt(total)}, but the {section.label.lower()} weight is {target}. "
                    "Change the question weights so they match."
                )
        zone_ids = {rate.zone_id for rate in self.rates}
        for zone in system.zones:
            if zone.id not in zone_ids:
                problems.append(f"{self.name} has no hourly rate for {zone.name}. Set its rate.")
        return problems

    def rate_for(self, zone) -> "LotZoneRate | None":
        return next((r for r in self.rates if r.zone_id == zone.id), None)


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


class ParticipatingAuthority(db.Model):
    """Another council allowed to call off from a system, up to an authorised spend."""

    __tablename__ = "participating_authorities"
    __table_args__ = (
        UniqueConstraint("system_id", "authority_id"),
        CheckConstraint("spend_cap IS NULL OR spend_cap > 0", name="spend_cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_systems.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    #: the most, in pounds, this authority is authorised to spend through the system (empty: no cap set)
    spend_cap: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    system = relationship("PurchasingSystem", back_populates="participants")
    authority = relationship("Authority", lazy="joined")

    def can_manage(self, user) -> bool:
        return self.system.can_manage(user)


class Zone(db.Model):
    """A geographic contracted area of a system."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_systems.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    system = relationship("PurchasingSystem", back_populates="zones")

    def can_manage(self, user) -> bool:
        return self.system.can_manage(user)


class LotZoneRate(db.Model):
    """The council's hourly rates for one lot in one zone."""

    __tablename__ = "lot_zone_rates"
    __table_args__ = (
        UniqueConstraint("lot_id", "zone_id"),
        CheckConstraint("ceiling_rate > 0", name="ceiling_positive"),
        CheckConstraint("floor_rate IS NULL OR floor_rate <= ceiling_rate", name="floor_not_above_ceiling"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    ceiling_rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    floor_rate: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    #: a premium rate for hard-to-serve areas, where the council pays one
    enhanced_rate: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))

    lot = relationship("Lot", back_populates="rates")
    zone = relationship("Zone")


class StandardKind(enum.Enum):
    declaration = "declaration"  #: the provider confirms a statement (e.g. no exclusion grounds)
    cqc_rating = "cqc_rating"  #: the organisation's CQC overall rating must be Good or Outstanding
    document = "document"  #: a document must be provided (e.g. insurance)
    evidence = "evidence"  #: written evidence judged pass or fail by an evaluator

    @property
    def label(self) -> str:
        return {
            StandardKind.declaration: "Declaration",
            StandardKind.cqc_rating: "CQC rating of Good or Outstanding",
            StandardKind.document: "Required document",
            StandardKind.evidence: "Evidence judged by an evaluator",
        }[self]

    @property
    def is_automatic(self) -> bool:
        """Passed or failed by the portal itself, without an evaluator's judgement."""
        return self in (StandardKind.declaration, StandardKind.cqc_rating)


class MinimumStandard(db.Model):
    """A pass/fail condition of a lot."""

    __tablename__ = "minimum_standards"
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[StandardKind] = mapped_column(enum_column(StandardKind))
    title: Mapped[str] = mapped_column(String(200))
    #: what the provider must confirm or show
    description: Mapped[str] = mapped_column(Text, default="")
    #: a document standard whose certificate has an expiry date (insurance): the provider must give it
    needs_expiry_date: Mapped[bool] = mapped_column(default=False)

    lot = relationship("Lot", back_populates="standards")

    def can_manage(self, user) -> bool:
        return self.lot.system.can_manage(user)

    @property
    def takes_documents(self) -> bool:
        """Required documents, and supporting documents for evidence standards."""
        return self.kind in (StandardKind.document, StandardKind.evidence)


class Section(enum.Enum):
    quality = "quality"
    social_value = "social_value"

    @property
    def label(self) -> str:
        return "Quality" if self is Section.quality else "Social value"


class Scorer(enum.Enum):
    officers = "officers"
    panel = "panel"
    both = "both"

    @property
    def label(self) -> str:
        return {
            Scorer.officers: "Council officers",
            Scorer.panel: "Service-user panel",
            Scorer.both: "Officers and the service-user panel",
        }[self]

    @property
    def includes_panel(self) -> bool:
        return self in (Scorer.panel, Scorer.both)

    @property
    def includes_officers(self) -> bool:
        return self in (Scorer.officers, Scorer.both)


class Question(db.Model):
    """A scored question of a lot."""

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("word_limit > 0", name="word_limit_positive"),
        CheckConstraint("min_score >= 0", name="min_score_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    section: Mapped[Section] = mapped_column(enum_column(Section))
    text: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    #: points out of 100 this question carries; a section's weights add up to the section weight
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    word_limit: Mapped[int] = mapped_column(default=500)
    #: an answer scoring below this fails the lot whatever the total
    min_score: Mapped[int] = mapped_column(default=0)
    scorer: Mapped[Scorer] = mapped_column(enum_column(Scorer), default=Scorer.officers)

    lot = relationship("Lot", back_populates="questions")

    def can_manage(self, user) -> bool:
        return self.lot.system.can_manage(user)

    @property
    def label(self) -> str:
        return f"{self.lot.number}.{self.position}"


class Round(db.Model):
    """One application window of a system."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("system_id", "number"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("(paused = false) OR (pause_reason IS NOT NULL)", name="pause_has_reason"),
        CheckConstraint(
            "(published_at IS NULL OR decided_at IS NOT NULL)"
            " AND (decided_at IS NULL OR evaluation_started_at IS NOT NULL)",
            name="phases_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_systems.id"), index=True)
    number: Mapped[int]
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(default=False)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    #: why the round closed before the advertised time, when it did
    early_close_reason: Mapped[str | None] = mapped_column(Text)
    evaluation_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    system = relationship("PurchasingSystem", back_populates="rounds")
    applications = relationship("Application", back_populates="round")

    @property
    def name(self) -> str:
        return f"Round {self.number}"

    @property
    def status(self) -> "RoundStatus":
        """Derived from the timestamps, so it cannot drift from the clock."""
        if self.published_at:
            return RoundStatus.published
        if self.decided_at:
            return RoundStatus.decided
        if self.evaluation_started_at:
            return RoundStatus.in_evaluation
        moment = now()
        if moment >= self.closes_at:
            return RoundStatus.closed
        if moment >= self.opens_at:
            return RoundStatus.open
        return RoundStatus.scheduled

    def is_open(self, moment: datetime | None = None) -> bool:
        """Open for submissions: opens_at <= now < closes_at, and not paused."""
        moment = moment or now()
        return self.opens_at <= moment < self.closes_at and not self.paused

    def has_closed(self, moment: datetime | None = None) -> bool:
        return (moment or now()) >= self.closes_at

    @property
    def standstill_ends_on(self) -> date | None:
        """The last day of the standstill after the decisions were confirmed (None when the system has none)."""
        from portal.clock import add_working_days

        days = self.system.standstill_working_days
        if not self.decided_at or not days:
            return None
        return add_working_days(self.decided_at, days)

    @property
    def publishable_from(self) -> date | None:
        """The first day the decisions may be published after the standstill."""
        from datetime import timedelta

        ends_on = self.standstill_ends_on
        return ends_on + timedelta(days=1) if ends_on else None

    def in_standstill(self, moment: datetime | None = None) -> bool:
        from portal.clock import london

        ends_on = self.standstill_ends_on
        return ends_on is not None and london(moment or now()).date() <= ends_on

    @property
    def bids_sealed(self) -> bool:
        """Until a windowed round closes nobody at the council may read the answers."""
        return not self.has_closed()

    def can_manage(self, user) -> bool:
        return self.system.can_manage(user)


class RoundStatus(enum.Enum):
    scheduled = "scheduled"
    open = "open"
    closed = "closed"
    in_evaluation = "in_evaluation"
    decided = "decided"
    published = "published"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Outcome(enum.Enum):
    admit = "admit"
    reject = "reject"

    @property
    def label(self) -> str:
        return "Admitted" if self is Outcome.admit else "Not admitted"


class Decision(db.Model):
    """The commissioner's admit or reject of one application for one lot, with reasons."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("application_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    reasons: Mapped[str] = mapped_column(Text)
    #: the computed total when decided, kept so a later challenge sees what the decider saw
    total_at_decision: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    passed_at_decision: Mapped[bool]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    application = relationship("Application", back_populates="decisions")
    lot = relationship("Lot")
    decided_by = relationship("User")


class MembershipStatus(enum.Enum):
    active = "active"
    suspended = "suspended"
    removed = "removed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ChangeCategory(enum.Enum):
    """Why a membership changed, in words the public may read (the written reason stays with the council)."""

    admitted = "admitted"
    direct_award = "direct_award"
    quality_concerns = "quality_concerns"
    safeguarding = "safeguarding"
    cqc_enforcement = "cqc_enforcement"
    provider_request = "provider_request"
    concerns_resolved = "concerns_resolved"
    ceased_trading = "ceased_trading"
    excluded = "excluded"
    other = "other"

    @property
    def label(self) -> str:
        return CHANGE_CATEGORY_LABELS[self]


CHANGE_CATEGORY_LABELS = {
    ChangeCategory.admitted: "Admitted after a round",
    ChangeCategory.direct_award: "Moved from an earlier framework (direct award)",
    ChangeCategory.quality_concerns: "Concerns about the quality of care",
    ChangeCategory.safeguarding: "Safeguarding enquiry",
    ChangeCategory.cqc_enforcement: "CQC enforcement action",
    ChangeCategory.provider_request: "At the provider's request",
    ChangeCategory.concerns_resolved: "Concerns resolved",
    ChangeCategory.ceased_trading: "Ceased trading",
    ChangeCategory.excluded: "Excluded (exclusion grounds apply)",
    ChangeCategory.other: "Other",
}

#: the categories a commissioner picks from for each move
SUSPENSION_CATEGORIES = (ChangeCategory.quality_concerns, ChangeCategory.safeguarding,
                         ChangeCategory.cqc_enforcement, ChangeCategory.provider_request, ChangeCategory.other)
REINSTATEMENT_CATEGORIES = (ChangeCategory.concerns_resolved, ChangeCategory.provider_request, ChangeCategory.other)
REMOVAL_CATEGORIES = (ChangeCategory.ceased_trading, ChangeCategory.excluded, ChangeCategory.other)


class Membership(db.Model):
    """A provider's place on the call-off list for one lot of a system.

    A suspension may carry an end date (suspended_until, the last day of the suspension): from the day
    after it the member counts as active again without anyone acting, so the public list is right on that
    morning. A suspension without an end date lasts until a commissioner reinstates the member.
    Use the effective_status of a day, never the stored status alone, to answer "is it on the list?".
    """

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("lot_id", "organisation_id"),
        CheckConstraint("suspended_until IS NULL OR status = 'suspended'", name="only_suspension_has_end"),
        #: the call-off list: a system's members of one status (and lot), without visiting the others
        Index("ix_memberships_system_status_lot", "system_id", "status", "lot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_systems.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the application (and so the decision) that admitted the provider; empty for a direct award
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    admitted_on: Mapped[date]
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus), default=MembershipStatus.active, index=True
    )
    #: the last day of a suspension with an end date (London calendar date); empty otherwise
    suspended_until: Mapped[date | None]

    system = relationship("PurchasingSystem")
    lot = relationship("Lot")
    organisation = relationship("Organisation")
    application = relationship("Application")
    zones = relationship("MembershipZone", back_populates="membership", order_by="MembershipZone.zone_id")
    history = relationship("MembershipChange", back_populates="membership", order_by="MembershipChange.id")

    @property
    def is_direct_award(self) -> bool:
        """Put on the list without an application (moved from an earlier framework)."""
        return self.application_id is None

    def effective_status(self, day: date | None = None) -> MembershipStatus:
        """The status on day (today in London by default): a suspension past its end date counts as active."""
        if self.status is MembershipStatus.suspended and self.suspended_until is not None:
            if (day or today()) > self.suspended_until:
                return MembershipStatus.active
        return self.status

    @property
    def returns_on(self) -> date | None:
        """For a suspension with an end date: the day the member is back on the list."""
        return self.suspended_until + timedelta(days=1) if self.suspended_until else None

    @classmethod
    def status_is(cls, status: MembershipStatus, day: date):
        """SQL condition: the membership's effective status on day is status (see effective_status)."""
        lapsed = and_(cls.status == MembershipStatus.suspended, cls.suspended_until.is_not(None),
                      cls.suspended_until < day)
        if status is MembershipStatus.active:
            return or_(cls.status == MembershipStatus.active, lapsed)
        if status is MembershipStatus.suspended:
            return and_(cls.status == MembershipStatus.suspended, not_(lapsed))
        return cls.status == status

    def can_manage(self, user) -> bool:
        return self.system.can_manage(user)

    @property
    def name(self) -> str:
        return f"{self.organisation.legal_name}, {self.lot.name}"


class MembershipZone(db.Model):
    """A zone a member serves for its lot, at the agreed hourly rate."""

    __tablename__ = "membership_zones"
    __table_args__ = (UniqueConstraint("membership_id", "zone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))

    membership = relationship("Membership", back_populates="zones")
    zone = relationship("Zone")


class ZoneAdmission(db.Model):
    """The day a provider was first admitted to a zone of a system, on any of its lots.

    Kept by the services that admit providers (record_zone_admissions); the commissioning dashboard's chart
    of providers admitted per zone over time counts these rows in SQL instead of reading every membership.
    """

    __tablename__ = "zone_admissions"
    __table_args__ = (
        UniqueConstraint("system_id", "zone_id", "organisation_id"),
        #: the chart's count per system, zone and day, read from the index alone
        Index("ix_zone_admissions_system_zone_first", "system_id", "zone_id", "first_admitted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_systems.id"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    first_admitted_on: Mapped[date]


class MembershipChange(db.Model):
    """One change of a membership's status, with its reason: the history is never rewritten."""

    __tablename__ = "membership_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    #: the status before the change; empty when the change put the provider on the list
    from_status: Mapped[MembershipStatus | None] = mapped_column(enum_column(MembershipStatus))
    status: Mapped[MembershipStatus] = mapped_column(enum_column(MembershipStatus))
    #: the public reason category; empty on changes recorded before categories existed
    category: Mapped[ChangeCategory | None] = mapped_column(enum_column(ChangeCategory))
    reason: Mapped[str] = mapped_column(Text)
    #: for a suspension with an end date: its last day
    suspended_until: Mapped[date | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    membership = relationship("Membership", back_populates="history")
    changed_by = relationship("User")
