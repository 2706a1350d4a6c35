"""Provider organisations, their applications, answers and standard responses."""
import enum
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.clock import arrival, now
from portal.core import UTCDateTime, enum_column
from portal.extensions import db


class CQCRating(enum.Enum):
    outstanding = "outstanding"
    good = "good"
    requires_improvement = "requires_improvement"
    inadequate = "inadequate"
    not_rated = "not_rated"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def meets_minimum(self) -> bool:
        """Good or Outstanding: the floor councils set for providers of care."""
        return self in (CQCRating.outstanding, CQCRating.good)


class Organisation(db.Model):
    """A provider: a care company, charity or sole trader."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    trading_name: Mapped[str] = mapped_column(String(200), default="")
    companies_house_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    #: CQC provider ID, e.g. 1-101234567
    cqc_provider_id: Mapped[str | None] = mapped_column(String(20))
    cqc_rating: Mapped[CQCRating | None] = mapped_column(enum_column(CQCRating))
    cqc_rating_date: Mapped[date | None]
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    #: the main contact: who the council writes to about the organisation's applications
    contact_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    users = relationship("User", back_populates="organisation", order_by="User.id")
    locations = relationship("OrganisationLocation", back_populates="organisation",
                             order_by="OrganisationLocation.name", cascade="all, delete-orphan")

    # ---- questions about its people

    def active_users(self) -> list:
        return [user for user in self.users if user.is_active]

    @property
    def owner(self):
        return next((user for user in self.users if user.is_owner and user.is_active), None)

    def can_edit_profile(self, user) -> bool:
        """The owner and every colleague may keep the profile up to date."""
        return bool(user.is_authenticated and user.is_provider and user.is_active
                    and user.organisation_id == self.id)

    def can_manage_users(self, user) -> bool:
        """Only the owner invites and removes colleagues."""
        return self.can_edit_profile(user) and user.is_owner

    def email_recipients(self) -> list[str]:
        """Everyone at the organisation who should hear about its applications: active users and the main contact."""
        addresses = [user.email for user in self.active_users()]
        if self.contact_email and self.contact_email.lower() not in addresses:
            addresses.append(self.contact_email.lower())
        return addresses

    @property
    def display_name(self) -> str:
        if self.trading_name and self.trading_name != self.legal_name:
            return f"{self.legal_name} (trading as {self.trading_name})"
        return self.legal_name


class OrganisationLocation(db.Model):
    """A location (a registered service) of a provider, as CQC lists it, with its latest rating."""

    __tablename__ = "organisation_locations"
    __table_args__ = (UniqueConstraint("organisation_id", "cqc_location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: CQC location ID, e.g. 1-123456789
    cqc_location_id: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    rating: Mapped[CQCRating | None] = mapped_column(enum_column(CQCRating))
    rating_date: Mapped[date | None]

    organisation = relationship("Organisation", back_populates="locations")


class Invitation(db.Model):
    """The owner's invitation to a colleague to join the organisation; only a hash of its token is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    #: SHA-256 of the token in the emailed link; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the account the invitee created
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if now() >= self.expires_at:
            return "expired"
        return "pending"

    def belongs_to(self, user) -> bool:
        return bool(user.is_authenticated and user.is_provider and user.organisation_id == self.organisation_id)


class ApplicationStatus(enum.Enum):
    draft = "draft"
    submitted = "submitted"
    withdrawn = "withdrawn"
    in_evaluation = "in_evaluation"
    decided = "decided"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Application(db.Model):
    """One organisation's bid in one round, for one or more lots and zones."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id"),
        CheckConstraint(
            "(status = 'draft') OR (submitted_at IS NOT NULL AND reference IS NOT NULL)"
            " OR (status = 'withdrawn')",
            name="submitted_has_time_and_reference",
        ),
        #: a round's applications by status (its counts)
        Index("ix_applications_round_status", "round_id", "status"),
        #: a round's applications by reference: the round page reads its page of 50 in this order, not all
        Index("ix_applications_round_reference", "round_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.draft, index=True
    )
    #: the receipt reference given at submission, e.g. CCC-HCS-DPS/R2/00042
    reference: Mapped[str | None] = mapped_column(String(80), unique=True)
    #: the provider accepts the council's hourly rates for the chosen zones
    rate_accepted: Mapped[bool] = mapped_column(default=False)
    #: the provider confirmed the declaration on the check-your-answers page
    declaration_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    round = relationship("Round", back_populates="applications")
    organisation = relationship("Organisation")
    lots = relationship("ApplicationLot", back_populates="application", order_by="ApplicationLot.lot_id",
                        cascade="all, delete-orphan")
    answers = relationship("Answer", back_populates="application", cascade="all, delete-orphan")
    standard_responses = relationship("StandardResponse", back_populates="application",
                                      cascade="all, delete-orphan")
    assignments = relationship("Assignment", back_populates="application")
    documents = relationship("Document", back_populates="application", order_by="Document.uploaded_at")
    decisions = relationship("Decision", back_populates="application")

    @staticmethod
    def page_options() -> tuple:
        """Loader options for a page that shows a whole application: its round, system, organisation, lots
        with their questions and standards, answers and standard responses, in a fixed number of queries."""
        from portal.commissioning.models import Lot, PurchasingSystem, Round

        return (
            joinedload(Application.round).joinedload(Round.system).joinedload(PurchasingSystem.authority),
            joinedload(Application.organisation),
            selectinload(Application.lots).options(
                joinedload(ApplicationLot.lot).options(selectinload(Lot.questions), selectinload(Lot.standards)),
                selectinload(ApplicationLot.zones),
            ),
            selectinload(Application.answers),
            selectinload(Application.standard_responses),
        )

    # ---- questions the application answers about itself

    def chosen_lots(self):
        return [choice.lot for choice in self.lots]

    @property
    def current_assignments(self):
        """The evaluators whose scores count: assignments not moved to someone else."""
        return [a for a in self.assignments if a.ended_at is None]

    def answer_for(self, question) -> "Answer | None":
        return next((a for a in self.answers if a.question_id == question.id), None)

    def response_for(self, standard) -> "StandardResponse | None":
        return next((r for r in self.standard_responses if r.standard_id == standard.id), None)

    def documents_for(self, standard) -> list["Document"]:
        return [d for d in self.documents if d.standard_id == standard.id]

    def is_editable(self) -> bool:
        """A draft in a round that was open when the request being handled arrived."""
        return self.status is ApplicationStatus.draft and self.round.is_open(arrival())

    # ---- permissions

    def belongs_to(self, user) -> bool:
        return bool(user.is_authenticated and user.is_provider and user.organisation_id == self.organisation_id)

    def can_edit(self, user) -> bool:
        return self.belongs_to(user)

    def can_view(self, user) -> bool:
        """Its own provider always; council staff only once the round has closed (sealed bids)."""
        if not user.is_authenticated:
            return False
        if self.belongs_to(user):
            return True
        if self.status in (ApplicationStatus.draft, ApplicationStatus.withdrawn):
            return False
        if self.round.bids_sealed:
            return False
        if user.is_commissioner:
            return self.round.can_manage(user)
        return False

    def can_see_outcome(self, user) -> bool:
        """Its own provider, once the council has confirmed and published the decisions of the round."""
        return (self.belongs_to(user) and self.status is ApplicationStatus.decided
                and self.round.published_at is not None)


class ApplicationLot(db.Model):
    """A lot an application bids for."""

    __tablename__ = "application_lots"
    __table_args__ = (UniqueConstraint("application_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)

    application = relationship("Application", back_populates="lots")
    lot = relationship("Lot")
    zones = relationship("ApplicationZone", back_populates="application_lot", cascade="all, delete-orphan",
                         order_by="ApplicationZone.zone_id")


class ApplicationZone(db.Model):
    """A zone the provider offers to serve within a lot, and its hourly rate."""

    __tablename__ = "application_zones"
    __table_args__ = (UniqueConstraint("application_lot_id", "zone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_lot_id: Mapped[int] = mapped_column(ForeignKey("application_lots.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    #: the provider's offered hourly rate; empty means it takes the council's ceiling rate
    offered_rate: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))

    application_lot = relationship("ApplicationLot", back_populates="zones")
    zone = relationship("Zone")


class Answer(db.Model):
    """A provider's answer to one scored question."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    #: bumped on every save so two tabs cannot silently overwrite each other
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    application = relationship("Application", back_populates="answers")
    question = relationship("Question")

    __mapper_args__ = {"version_id_col": version}

    @property
    def word_count(self) -> int:
        return count_words(self.text)

    @property
    def is_complete(self) -> bool:
        return bool(self.text.strip()) and self.word_count <= self.question.word_limit


def count_words(text: str) -> int:
    """Words as a person counts them: runs of non-space characters."""
    return len(text.split())


class StandardResponse(db.Model):
    """A provider's response to one minimum standard."""

    __tablename__ = "standard_responses"
    __table_args__ = (UniqueConstraint("application_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("minimum_standards.id"), index=True)
    #: the provider confirms the declaration (declaration and CQC standards)
    confirmed: Mapped[bool] = mapped_column(default=False)
    #: written evidence, for evidence standards; details, for declarations
    text: Mapped[str] = mapped_column(Text, default="")
    #: the organisation's CQC rating when the application was submitted
    cqc_rating_at_submission: Mapped[CQCRating | None] = mapped_column(enum_column(CQCRating))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    application = relationship("Application", back_populates="standard_responses")
    standard = relationship("MinimumStandard")


class Document(db.Model):
    """A file a provider uploaded as evidence for a minimum standard (an insurance certificate, a policy)."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("confidential = false OR confidential_reason <> ''", name="confidential_has_reason"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("minimum_standards.id"), index=True)
    #: the file name the provider gave it, cleaned of folders and control characters (shown, never used as a path)
    original_filename: Mapped[str] = mapped_column(String(200))
    #: the random name of the file in the UPLOAD_FOLDER
    stored_name: Mapped[str] = mapped_column(String(32), unique=True)
    #: the type read from the file's bytes, not the name or the browser's claim
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: when the certificate (e.g. insurance) runs out, where the standard asks for it
    expires_on: Mapped[date | None]
    #: the provider asks the council not to disclose it (commercially sensitive), with the reason
    confidential: Mapped[bool] = mapped_column(default=False)
    confidential_reason: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    application = relationship("Application", back_populates="documents")
    standard = relationship("MinimumStandard")
    uploaded_by = relationship("User")

    @property
    def file_type(self):
        from .uploads import ACCEPTED_TYPES

        return next(t for t in ACCEPTED_TYPES if t.content_type == self.content_type)

    @property
    def download_name(self) -> str:
        from .uploads import download_name

        return download_name(self.original_filename, self.file_type)

    @property
    def size_label(self) -> str:
        if self.size_bytes >= 1024 * 1024:
            return f"{self.size_bytes / (1024 * 1024):.1f} MB"
        return f"{max(1, round(self.size_bytes / 1024))} KB"

    def is_expired(self, on: date | None = None) -> bool:
        from portal.clock import london

        on = on or london(now()).date()
        return self.expires_on is not None and self.expires_on < on

    @property
    def is_valid(self) -> bool:
        """Counts towards its standard: not expired, and dated where the standard asks for an expiry date."""
        if self.standard.needs_expiry_date and self.expires_on is None:
            return False
        return not self.is_expired()

    def can_download(self, user) -> bool:
        """The provider's own users; the council's commissioners once the application may be read
        (after close); officer evaluators assigned to it, cleared of conflicts, who judge this standard."""
        application = self.application
        if application.belongs_to(user) or application.can_view(user):
            return True
        return any(
            assignment.can_read(user) and not assignment.as_panel and self.standard in assignment.standards()
            for assignment in application.assignments
        )


class TaskStatus(enum.Enum):
    not_started = "Not started"
    in_progress = "In progress"
    completed = "Completed"
    cannot_start = "Cannot start yet"


def standard_response_complete(standard, response: "StandardResponse | None") -> bool:
    """Whether a provider has done what a minimum standard asks of it."""
    from portal.commissioning.models import StandardKind

    if response is None:
        return False
    if standard.kind in (StandardKind.declaration, StandardKind.cqc_rating):
        return response.confirmed
    return bool(response.text.strip())


def standard_complete(application: Application, standard) -> bool:
    """A required-document standard is done only with a valid document; the others as their response says."""
    from portal.commissioning.models import StandardKind

    if standard.kind is StandardKind.document:
        return any(d.is_valid for d in application.documents_for(standard))
    return standard_response_complete(standard, application.response_for(standard))


def application_tasks(application: Application) -> list[dict]:
    """The task list: each section of the application with its status, in order."""
    tasks = []
    has_lots = bool(application.lots) and all(choice.zones for choice in application.lots)
    tasks.append({"key": "lots", "title": "Choose lots and zones",
                  "status": TaskStatus.completed if has_lots else TaskStatus.not_started})
    for lot in application.chosen_lots():
        for standard in lot.standards:
            response = application.response_for(standard)
            done = standard_complete(application, standard)
            started = response is not None or bool(application.documents_for(standard))
            status = TaskStatus.completed if done else (
                TaskStatus.in_progress if started else TaskStatus.not_started)
            tasks.append({"key": f"standard-{standard.id}", "lot": lot, "standard": standard,
                          "title": standard.title, "status": status})
        for question in lot.questions:
            answer = application.answer_for(question)
            status = TaskStatus.not_started
            if answer is not None and answer.text.strip():
                status = TaskStatus.completed if answer.is_complete else TaskStatus.in_progress
            tasks.append({"key": f"question-{question.id}", "lot": lot, "question": question,
                          "title": question.text, "status": status})
    tasks.append({"key": "rates", "title": "Accept the council's hourly rates",
                  "status": TaskStatus.completed if application.rate_accepted and has_lots
                  else (TaskStatus.not_started if has_lots else TaskStatus.cannot_start)})
    return tasks


def unfinished_tasks(application: Application) -> list[dict]:
    return [t for t in application_tasks(application) if t["status"] is not TaskStatus.completed]


# ---- clarifications, following a system, and the notices sent


class ClarificationStatus(enum.Enum):
    asked = "asked"  #: waiting for the council's answer
    published = "published"  #: answered for every applicant of the round, without the asker's name
    answered_privately = "answered_privately"  #: answered to the asking organisation only

    @property
    def label(self) -> str:
        return {ClarificationStatus.asked: "Waiting for an answer",
                ClarificationStatus.published: "Published to all applicants",
                ClarificationStatus.answered_privately: "Answered privately"}[self]


class Clarification(db.Model):
    """A provider's question about a round, and the council's answer."""

    __tablename__ = "clarifications"
    __table_args__ = (
        CheckConstraint("status = 'asked' OR (answer IS NOT NULL AND answered_at IS NOT NULL)",
                        name="answered_has_answer"),
        CheckConstraint("status <> 'published' OR published_question IS NOT NULL",
                        name="published_has_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: the question as the provider wrote it; only the council and the asking organisation see it
    question: Mapped[str] = mapped_column(Text)
    #: the question as published to every applicant, edited by the council to remove anything identifying
    published_question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ClarificationStatus] = mapped_column(
        enum_column(ClarificationStatus), default=ClarificationStatus.asked, index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round = relationship("Round")
    organisation = relationship("Organisation")
    asked_by = relationship("User", foreign_keys=[asked_by_id])

    def asked_by_organisation_of(self, user) -> bool:
        return bool(user.is_authenticated and user.is_provider and user.organisation_id == self.organisation_id)

    def can_manage(self, user) -> bool:
        return self.round.can_manage(user)

    def can_view(self, user) -> bool:
        """The owning council, the asking organisation, and every provider once published."""
        if self.can_manage(user) or self.asked_by_organisation_of(user):
            return True
        return bool(user.is_authenticated and user.is_provider and self.status is ClarificationStatus.published)


class SystemFollow(db.Model):
    """A provider user who wants an email when a round of a purchasing system opens."""

    __tablename__ = "system_follows"
    __table_args__ = (UniqueConstraint("user_id", "system_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_systems.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user = relationship("User")
    system = relationship("PurchasingSystem")


class SentNotice(db.Model):
    """A notification that went out (round opened, closing reminder, submission receipt), so each goes once."""

    __tablename__ = "sent_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what was sent about what, e.g. "round-opened:12" or "closing-reminder:345"; unique, so a notice goes once
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    #: how many emails were queued
    recipients: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


def previous_answer(application: Application, question) -> "Answer | None":
    """The organisation's answer to this question in its most recent submitted (or evaluated, or decided)
    application to the same system; failing that, its answer to a question with the same words in the same lot."""
    from sqlalchemy import and_, or_, select

    from portal.commissioning.models import Question, Round

    earlier = db.session.scalar(
        select(Application).join(Application.round)
        .where(Application.organisation_id == application.organisation_id,
               Round.system_id == application.round.system_id,
               Application.id != application.id,
               Application.submitted_at.is_not(None),
               Application.status.in_([ApplicationStatus.submitted, ApplicationStatus.in_evaluation,
                                       ApplicationStatus.decided]))
        .order_by(Application.submitted_at.desc(), Application.id.desc()).limit(1)
    )
    if earlier is None:
        return None
    return db.session.scalar(
        select(Answer).join(Answer.question)
        .where(Answer.application_id == earlier.id, Answer.text != "",
               or_(Answer.question_id == question.id,
                   and_(Question.lot_id == question.lot_id, Question.text == question.text)))
        .order_by((Answer.question_id == question.id).desc()).limit(1)
    )


# ---- one whole application for the provider's pages, in short queries


@cache
def _whole_application_statements() -> dict:
    """The statements of load_whole_application, built once (SQLAlchemy reuses each one's compiled form)."""
    from portal.commissioning.models import MinimumStandard, PurchasingSystem, Question, Round

    ids = bindparam("ids", expanding=True)
    return {
        "application": select(Application).where(Application.id == bindparam("application_id")).options(
            joinedload(Application.round).joinedload(Round.system).joinedload(PurchasingSystem.authority),
            joinedload(Application.organisation)),
        "lots": select(ApplicationLot).where(ApplicationLot.application_id == bindparam("application_id"))
        .options(joinedload(ApplicationLot.lot)).order_by(ApplicationLot.lot_id, ApplicationLot.id),
        "zones": select(ApplicationZone).where(ApplicationZone.application_lot_id.in_(ids))
        .order_by(ApplicationZone.zone_id, ApplicationZone.id),
        "questions": select(Question).where(Question.lot_id.in_(ids)).order_by(Question.position, Question.id),
        "standards": select(MinimumStandard).where(MinimumStandard.lot_id.in_(ids))
        .order_by(MinimumStandard.position, MinimumStandard.id),
        "answers": select(Answer).where(Answer.application_id == bindparam("application_id")).order_by(Answer.id),
        "responses": select(StandardResponse).where(StandardResponse.application_id == bindparam("application_id"))
        .order_by(StandardResponse.id),
    }


def _fill(parents, attribute: str, children, parent_id) -> None:
    """Set each parent's collection as loaded from the database: its children (in their order), found by the
    children's parent_id (a function of a child)."""
    by_parent = {}
    for child in children:
        by_parent.setdefault(parent_id(child), []).append(child)
    for parent in parents:
        set_committed_value(parent, attribute, by_parent.get(parent.id, []))


def load_whole_application(application_id: int) -> "Application | None":
    """The application with all a page shows of it, as Application.page_options loads it: its round, system,
    council and organisation, its lots with their zones, questions and standards, its answers and standard
    responses. Seven short queries (four when it has no lots yet) rather than a join and six nested selectin
    loads, which cost SQLAlchemy twice as much for the same rows."""
    statements = _whole_application_statements()
    application = db.session.scalar(statements["application"], {"application_id": application_id})
    if application is None:
        return None
    by_id = {"application_id": application_id}
    choices = db.session.scalars(statements["lots"], by_id).all()
    set_committed_value(application, "lots", choices)
    lots = list({choice.lot_id: choice.lot for choice in choices}.values())
    if choices:
        _fill(choices, "zones", db.session.scalars(statements["zones"], {"ids": [c.id for c in choices]}).all(),
              lambda zone: zone.application_lot_id)
        lot_ids = {"ids": [lot.id for lot in lots]}
        _fill(lots, "questions", db.session.scalars(statements["questions"], lot_ids).all(), lambda q: q.lot_id)
        _fill(lots, "standards", db.session.scalars(statements["standards"], lot_ids).all(), lambda s: s.lot_id)
    set_committed_value(application, "answers", db.session.scalars(statements["answers"], by_id).all())
    set_committed_value(application, "standard_responses",
                        db.session.scalars(statements["responses"], by_id).all())
    return application
