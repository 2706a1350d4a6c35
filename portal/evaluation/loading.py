"""Loading a whole application for the scoring and moderation pages in plain queries.

`Application.page_options()` loads the same things through nested loader options; for one application
SQLAlchemy spent more time working out those options (their cache keys and loader paths, several
milliseconds a page) than the database spent answering. Here each collection is one plain query and is
put on its objects as if loaded from the database (`set_committed_value`), so the pages read them
without further queries and a change made on the page (a score added to `assignment.scores`) still
works as on any loaded collection.
"""
from collections import defaultdict

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.commissioning.models import Lot, MinimumStandard, Question, Round
from portal.extensions import db
from portal.onboarding.models import Answer, Application, ApplicationLot, Document, StandardResponse

from .models import Assignment, Score, StandardAssessment


def _fill(owners, name: str, children, key: str, back: str | None = None) -> None:
    """Set each owner's collection `name` to its children (matched on the child's `key` attribute), and each
    child's `back` reference to its owner when given (else every read of it looks the owner up again)."""
    groups = defaultdict(list)
    for child in children:
        groups[getattr(child, key)].append(child)
    for owner in owners:
        group = groups.get(owner.id, [])
        set_committed_value(owner, name, group)
        if back:
            for child in group:
                set_committed_value(child, back, owner)


# Built once: a statement made afresh costs its construction and its cache key on every request.
_ids = bindparam("ids", expanding=True)
_WITH_ROUND = (joinedload(Application.round).joinedload(Round.system), joinedload(Application.organisation))
_APPLICATION = select(Application).where(Application.id == bindparam("id")).options(*_WITH_ROUND)
_ASSIGNMENT = (select(Assignment).where(Assignment.id == bindparam("id"))
               .options(joinedload(Assignment.application).options(*_WITH_ROUND)))
_CHOICES = (select(ApplicationLot).where(ApplicationLot.application_id == bindparam("id"))
            .options(joinedload(ApplicationLot.lot)).order_by(ApplicationLot.lot_id))
_QUESTIONS = select(Question).where(Question.lot_id.in_(_ids)).order_by(Question.position)
_STANDARDS = select(MinimumStandard).where(MinimumStandard.lot_id.in_(_ids)).order_by(MinimumStandard.position)
_ANSWERS = select(Answer).where(Answer.application_id == bindparam("id"))
#: the provider's answers as plain (question id, text) rows, for the pages that only show them
_ANSWER_TEXTS = select(Answer.question_id, Answer.text).where(Answer.application_id == bindparam("id"))
_RESPONSES = select(StandardResponse).where(StandardResponse.application_id == bindparam("id"))
_DOCUMENTS = select(Document).where(Document.application_id == bindparam("id")).order_by(Document.uploaded_at)
_ASSIGNMENTS = (select(Assignment).where(Assignment.application_id == bindparam("id"))
                .options(joinedload(Assignment.evaluator)))
_SCORES = select(Score).where(Score.assignment_id.in_(_ids))
_ASSESSMENTS = select(StandardAssessment).where(StandardAssessment.assignment_id.in_(_ids))


def application(application_id: int) -> Application | None:
    """The application with its round, system and organisation (one query); None if there is none."""
    return db.session.scalar(_APPLICATION, {"id": application_id})


def assignment(assignment_id: int) -> Assignment | None:
    """The assignment with its application's round, system and organisation (one query); None if there is none."""
    return db.session.scalar(_ASSIGNMENT, {"id": assignment_id})


def load_content(application: Application, *, documents: bool = False, answers: bool = True) -> None:
    """The application's lots (each with its questions and standards), answers and standard responses, in
    five queries; and its documents in a sixth if asked. Without `answers` the answers are not loaded (a page
    that only shows them reads them with `answer_texts`)."""
    session, key = db.session, {"id": application.id}
    choices = session.scalars(_CHOICES, key).all()
    set_committed_value(application, "lots", choices)
    lots = [choice.lot for choice in choices]
    lot_ids = {"ids": [lot.id for lot in lots]}
    _fill(lots, "questions", session.scalars(_QUESTIONS, lot_ids), "lot_id", "lot")
    _fill(lots, "standards", session.scalars(_STANDARDS, lot_ids), "lot_id", "lot")
    if answers:
        set_committed_value(application, "answers", session.scalars(_ANSWERS, key).all())
    set_committed_value(application, "standard_responses", session.scalars(_RESPONSES, key).all())
    if documents:
        set_committed_value(application, "documents", session.scalars(_DOCUMENTS, key).all())


def load_assignments(application: Application) -> None:
    """Every assignment of the application (current and moved), with its evaluator, scores and standard
    assessments: three queries."""
    assignments = db.session.scalars(_ASSIGNMENTS, {"id": application.id}).all()
    set_committed_value(application, "assignments", assignments)
    load_work(assignments)


def load_work(assignments) -> None:
    """Each assignment's scores and standard assessments: two queries."""
    ids = {"ids": [a.id for a in assignments]}
    _fill(assignments, "scores", db.session.scalars(_SCORES, ids), "assignment_id")
    _fill(assignments, "standard_assessments", db.session.scalars(_ASSESSMENTS, ids), "assignment_id")


def answer_texts(application_id: int) -> dict[int, str]:
    """{question id: text} of the application's answers, as plain rows (one query, no Answer objects). Nothing on
    the scoring and moderation pages changes an answer, so there are no pending changes to flush first."""
    return dict(db.session.connection().execute(_ANSWER_TEXTS, {"id": application_id}).all())
