"""Assignments, conflict declarations, scores and moderated scores."""
import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, bindparam, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.core import UTCDateTime, enum_column
from portal.extensions import db


class AssignmentState:
    """What an assignment's state is, from its submitted_at and ended_at: for the model and for the work list's
    plain rows (work_list.ListedAssignment)."""

    __slots__ = ()

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_current(self) -> bool:
        """Still this evaluator's work: not moved to another evaluator."""
        return self.ended_at is None


class Assignment(AssignmentState, db.Model):
    """Which evaluator scores which application (a panel member scores only panel questions)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("application_id", "evaluator_id"),
        #: an evaluator's work list counts their assignments by round, and reads a page's rounds, from the index
        Index("ix_assignments_evaluator_round", "evaluator_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the application's round, kept here for the work list (set from the application when first stored)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    #: scores only the questions marked for the service-user panel
    as_panel: Mapped[bool] = mapped_column(default=False)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: when the evaluator submitted all their scores; after that they cannot change them
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when a commissioner moved this work to another evaluator; the scores stay stored, uncounted
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: why the work moved (illness, a declared interest ...)
    ended_reason: Mapped[str | None] = mapped_column(Text)
    #: the assignment that took this one's place
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))

    application = relationship("Application", back_populates="assignments")
    evaluator = relationship("User", foreign_keys=[evaluator_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])
    replaced_by = relationship("Assignment", remote_side=[id])
    scores = relationship("Score", back_populates="assignment", cascade="all, delete-orphan")
    standard_assessments = relationship("StandardAssessment", back_populates="assignment",
                                        cascade="all, delete-orphan")


    @property
    def progress(self) -> str:
        """'to_do', 'in_progress' or 'done', as the work list shows it."""
        if self.is_submitted:
            return "done"
        return "in_progress" if self.scores or self.standard_assessments else "to_do"

    def questions(self):
        """The questions this evaluator scores, across the lots the application bids for."""
        return [
            q
            for lot in self.application.chosen_lots()
            for q in lot.questions
            if (q.scorer.includes_panel if self.as_panel else q.scorer.includes_officers)
        ]

    def standards(self):
        """The minimum standards this evaluator judges: evidence ones, and never for the panel."""
        if self.as_panel:
            return []
        return [s for lot in self.application.chosen_lots() for s in lot.standards]

    def score_for(self, question) -> "Score | None":
        return next((s for s in self.scores if s.question_id == question.id), None)

    def assessment_for(self, standard) -> "StandardAssessment | None":
        return next((a for a in self.standard_assessments if a.standard_id == standard.id), None)

    def belongs_to(self, user) -> bool:
        return bool(user.is_authenticated and user.id == self.evaluator_id)

    def conflict(self) -> "ConflictDeclaration | None":
        """This evaluator's declaration for this provider in this round, if made."""
        return db.session.scalars(_DECLARATION, {
            "round_id": self.application.round_id,
            "evaluator_id": self.evaluator_id,
            "organisation_id": self.application.organisation_id,
        }).one_or_none()

    def can_read(self, user) -> bool:
        """The evaluator may read the answers: assigned, round closed, no interest blocking."""
        if not self.belongs_to(user) or not self.is_current or self.application.round.bids_sealed:
            return False
        declared = db.session.execute(_DECLARED, {
            "round_id": self.application.round_id,
            "evaluator_id": self.evaluator_id,
            "organisation_id": self.application.organisation_id,
        }).one_or_none()
        return declared is not None and Declared(*declared).clears_scoring

    def can_score(self, user) -> bool:
        return self.can_read(user) and not self.is_submitted


@event.listens_for(Assignment, "before_insert")
def _round_of_the_application(mapper, connection, assignment) -> None:
    """An assignment is in its application's round (an application never moves round)."""
    if assignment.round_id is None:
        assignment.round_id = assignment.application.round_id


class ConflictDecision(enum.Enum):
    allowed = "allowed"  #: the evaluator goes on, with the recorded mitigation
    reassigned = "reassigned"  #: the work moved to another evaluator

    @property
    def label(self) -> str:
        return "Allowed with mitigation" if self is ConflictDecision.allowed else "Reassigned to another evaluator"


class DeclarationState:
    """What a declaration means for scoring, from its has_interest and decision: for the model and for the work
    list's plain rows (work_list.ListedDeclaration)."""

    __slots__ = ()

    @property
    def clears_scoring(self) -> bool:
        return not self.has_interest or self.decision is ConflictDecision.allowed

    @property
    def awaits_decision(self) -> bool:
        return self.has_interest and self.decision is None

    @property
    def status_label(self) -> str:
        """The declaration and its decision in words, for the register and the work list."""
        if not self.has_interest:
            return "No interest"
        if self.decision is None:
            return "Interest declared: waiting for a decision"
        return self.decision.label


class ConflictDeclaration(DeclarationState, db.Model):
    """An evaluator's declaration, for one provider in one round: no interest, or an interest."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (
        UniqueConstraint("round_id", "evaluator_id", "organisation_id"),
        CheckConstraint("has_interest = false OR details <> ''", name="interest_has_details"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    has_interest: Mapped[bool]
    details: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: a commissioner allowed the evaluator to go on despite the interest, with this mitigation
    allowed_with_mitigation: Mapped[str | None] = mapped_column(Text)
    #: the commissioner's decision on a declared interest: allowed with mitigation, or reassigned
    decision: Mapped[ConflictDecision | None] = mapped_column(enum_column(ConflictDecision))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    evaluator = relationship("User", foreign_keys=[evaluator_id])
    organisation = relationship("Organisation")
    round = relationship("Round")
    decided_by = relationship("User", foreign_keys=[decided_by_id])


#: one evaluator's declaration for one provider in one round (built once: Assignment.conflict runs on every
#: scoring page)
_DECLARATION = select(ConflictDeclaration).where(
    ConflictDeclaration.round_id == bindparam("round_id"),
    ConflictDeclaration.evaluator_id == bindparam("evaluator_id"),
    ConflictDeclaration.organisation_id == bindparam("organisation_id"))
#: the same declaration's meaning for scoring only, as a plain row
_DECLARED = (select(ConflictDeclaration.has_interest, ConflictDeclaration.decision)
             .where(*_DECLARATION.whereclause.clauses))


@dataclass(frozen=True, slots=True)
class Declared(DeclarationState):
    """What a declaration says for scoring, read as a plain row (the work list; the scoring page's check)."""

    has_interest: bool
    decision: ConflictDecision | None


class Score(db.Model):
    """One evaluator's score of one answer, with the written reason."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("assignment_id", "question_id"),
        CheckConstraint("score >= 0", name="score_not_negative"),
        CheckConstraint("justification <> ''", name="has_justification"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    score: Mapped[int]
    justification: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    assignment = relationship("Assignment", back_populates="scores")
    question = relationship("Question")


class StandardAssessment(db.Model):
    """One evaluator's pass or fail of one minimum standard, with the reason."""

    __tablename__ = "standard_assessments"
    __table_args__ = (UniqueConstraint("assignment_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("minimum_standards.id"), index=True)
    passed: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    assignment = relationship("Assignment", back_populates="standard_assessments")
    standard = relationship("MinimumStandard")


class _Moderated:
    """What the two kinds of agreed value share: the agreed value (`value_name`) of one item
    (`item_name`: a question or a standard) with its rationale, who agreed it, when, and a version."""

    item_name: str
    value_name: str

    @property
    def value(self):
        return getattr(self, self.value_name)

    def saved(self) -> dict:
        """What is stored, as another moderator is shown it when their save crosses this one."""
        return {self.value_name: self.value, "rationale": self.rationale, "moderator": self.moderator.name,
                "moderated_at": self.moderated_at, "version": self.version}


class ModeratedScore(_Moderated, db.Model):
    """The agreed final score of one answer after moderation; individual scores stay as they were."""

    item_name, value_name = "question", "score"

    __tablename__ = "moderated_scores"
    __table_args__ = (
        UniqueConstraint("application_id", "question_id"),
        CheckConstraint("score >= 0", name="score_not_negative"),
        CheckConstraint("rationale <> ''", name="has_rationale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    score: Mapped[int]
    rationale: Mapped[str] = mapped_column(Text)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    version: Mapped[int] = mapped_column(default=1)

    question = relationship("Question")
    moderator = relationship("User")

    __mapper_args__ = {"version_id_col": version}


class ModeratedStandard(_Moderated, db.Model):
    """The agreed pass or fail of one evidence standard after moderation."""

    item_name, value_name = "standard", "passed"

    __tablename__ = "moderated_standards"
    __table_args__ = (
        UniqueConstraint("application_id", "standard_id"),
        CheckConstraint("rationale <> ''", name="has_rationale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("minimum_standards.id"), index=True)
    passed: Mapped[bool]
    rationale: Mapped[str] = mapped_column(Text)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    #: bumped on every save, so two moderators saving at once cannot overwrite each other unseen
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    standard = relationship("MinimumStandard")
    moderator = relationship("User")

    __mapper_args__ = {"version_id_col": version}


class EvaluationExtension(db.Model):
    """A commissioner's extension of the evaluation deadline from 10 to 15 working days, with why.

    For a windowed round it covers the whole round (application_id is empty); in an always-open
    system each application has its own clock, so it covers one application.
    """

    __tablename__ = "evaluation_extensions"
    __table_args__ = (
        UniqueConstraint("round_id", "application_id"),
        CheckConstraint("justification <> ''", name="has_justification"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    justification: Mapped[str] = mapped_column(Text)
    extended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    extended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    extended_by = relationship("User")
