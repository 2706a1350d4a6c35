"""The application a provider's task list shows, read as plain rows: the application with its round, system and
organisation, its lots with their zones, the lots' standards and questions, its answers, standard responses and
documents, in short Core queries on the session's connection.

The task list shows only what the statuses of its tasks need, so it does not build the ORM objects
load_whole_application loads for the pages that change them. The objects here answer with the models' own
code (each class below borrows the model's properties and methods: Round.is_open, Answer.is_complete,
Document.is_valid, Question.label, ...), so application_tasks and the template give the same statuses and page
(tests/onboarding/test_task_list_page.py compares the page with the one drawn from the ORM objects).
"""
from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from portal.commissioning.models import Lot, MinimumStandard, PurchasingSystem, Question, Round
from portal.extensions import db

from .models import (
    Answer,
    Application,
    ApplicationLot,
    ApplicationZone,
    Document,
    Organisation,
    StandardResponse,
)


def _borrowed(model, *names) -> list:
    """The model's own properties and methods of these names, for a class of plain values to answer with."""
    return [model.__dict__[name] for name in names]


class _Organisation(SimpleNamespace):
    display_name = Organisation.__dict__["display_name"]


class _Round(SimpleNamespace):
    name, is_open, has_closed = _borrowed(Round, "name", "is_open", "has_closed")


class _Lot(SimpleNamespace):
    name = Lot.__dict__["name"]


class _Question(SimpleNamespace):
    label = Question.__dict__["label"]


class _Answer(SimpleNamespace):
    word_count, is_complete = _borrowed(Answer, "word_count", "is_complete")


class _Document(SimpleNamespace):
    is_expired, is_valid = _borrowed(Document, "is_expired", "is_valid")


class _Application(SimpleNamespace):
    chosen_lots, answer_for, response_for, documents_for, is_editable, belongs_to = _borrowed(
        Application, "chosen_lots", "answer_for", "response_for", "documents_for", "is_editable", "belongs_to")


@cache
def _statements() -> dict:
    """The task list's statements, built once (SQLAlchemy reuses each one's compiled form)."""
    application_id = bindparam("application_id")
    lot_ids = bindparam("lot_ids", expanding=True)
    return {
        "application": select(
            Application.id, Application.round_id, Application.organisation_id, Application.status,
            Application.reference, Application.rate_accepted, Application.submitted_at, Application.withdrawn_at,
            Round.number, Round.opens_at, Round.closes_at, Round.paused, Round.pause_reason, Round.published_at,
            PurchasingSystem.title, PurchasingSystem.always_open, Organisation.legal_name, Organisation.trading_name)
        .join(Round, Round.id == Application.round_id).join(PurchasingSystem, PurchasingSystem.id == Round.system_id)
        .join(Organisation, Organisation.id == Application.organisation_id).where(Application.id == application_id),
        "lots": select(ApplicationLot.id, ApplicationLot.lot_id, Lot.number, Lot.title, ApplicationZone.zone_id)
        .join(Lot, Lot.id == ApplicationLot.lot_id)
        .outerjoin(ApplicationZone, ApplicationZone.application_lot_id == ApplicationLot.id)
        .where(ApplicationLot.application_id == application_id)
        .order_by(ApplicationLot.lot_id, ApplicationLot.id, ApplicationZone.zone_id, ApplicationZone.id),
        "standards": select(MinimumStandard.id, MinimumStandard.lot_id, MinimumStandard.kind, MinimumStandard.title,
                            MinimumStandard.needs_expiry_date)
        .where(MinimumStandard.lot_id.in_(lot_ids)).order_by(MinimumStandard.position, MinimumStandard.id),
        "questions": select(Question.id, Question.lot_id, Question.position, Question.text, Question.word_limit)
        .where(Question.lot_id.in_(lot_ids)).order_by(Question.position, Question.id),
        "answers": select(Answer.question_id, Answer.text).where(Answer.application_id == application_id)
        .order_by(Answer.id),
        "responses": select(StandardResponse.standard_id, StandardResponse.confirmed, StandardResponse.text)
        .where(StandardResponse.application_id == application_id).order_by(StandardResponse.id),
        "documents": select(Document.standard_id, Document.expires_on).where(Document.application_id == application_id)
        .order_by(Document.uploaded_at, Document.id),
    }


def load_task_list(application_id: int):
    """The application as its task list shows it, or None when there is none with this id."""
    statements = _statements()
    connection = db.session.connection()
    by_id = {"application_id": application_id}
    row = connection.execute(statements["application"], by_id).first()
    if row is None:
        return None
    system = SimpleNamespace(title=row.title, always_open=row.always_open)
    round_ = _Round(id=row.round_id, number=row.number, opens_at=row.opens_at, closes_at=row.closes_at,
                    paused=row.paused, pause_reason=row.pause_reason, published_at=row.published_at, system=system)
    application = _Application(
        id=row.id, round_id=row.round_id, organisation_id=row.organisation_id, status=row.status,
        reference=row.reference, rate_accepted=row.rate_accepted, submitted_at=row.submitted_at,
        withdrawn_at=row.withdrawn_at, round=round_,
        organisation=_Organisation(legal_name=row.legal_name, trading_name=row.trading_name),
        lots=[], answers=[], standard_responses=[], documents=[])
    lots = {}
    for choice_id, lot_id, number, title, zone_id in connection.execute(statements["lots"], by_id):
        if not application.lots or application.lots[-1].id != choice_id:
            lot = lots.setdefault(lot_id, _Lot(id=lot_id, number=number, title=title, standards=[], questions=[]))
            application.lots.append(SimpleNamespace(id=choice_id, lot_id=lot_id, lot=lot, zones=[]))
        if zone_id is not None:
            application.lots[-1].zones.append(SimpleNamespace(zone_id=zone_id))
    if not lots:
        # no lots chosen: the task list has no standards or questions to give a status
        return application
    lot_ids = {"lot_ids": list(lots)}
    standards = {}
    for standard in connection.execute(statements["standards"], lot_ids):
        standards[standard.id] = light = SimpleNamespace(**standard._asdict())
        lots[standard.lot_id].standards.append(light)
    questions = {}
    for question in connection.execute(statements["questions"], lot_ids):
        lot = lots[question.lot_id]
        questions[question.id] = light = _Question(lot=lot, **question._asdict())
        lot.questions.append(light)
    application.answers = [_Answer(question_id=question_id, text=text, question=questions.get(question_id))
                           for question_id, text in connection.execute(statements["answers"], by_id)]
    application.standard_responses = [SimpleNamespace(**response._asdict())
                                      for response in connection.execute(statements["responses"], by_id)]
    if standards:
        application.documents = [_Document(standard_id=standard_id, expires_on=expires_on,
                                           standard=standards.get(standard_id))
                                 for standard_id, expires_on in connection.execute(statements["documents"], by_id)]
    return application

