"""Changing organisations and applications: check, change, audit, flush. Never commit."""
import hashlib
from decimal import Decimal

from sqlalchemy import func, select, update

from portal.audit.services import record_event
from portal.auth.models import Role, User
from portal.clock import arrival, now
from portal.commissioning.models import Lot, Round, StandardKind, Zone
from portal.core import DomainError, NotAllowed
from portal.extensions import db

from .models import (
    Answer,
    Application,
    ApplicationLot,
    ApplicationStatus,
    ApplicationZone,
    CQCRating,
    Document,
    Organisation,
    StandardResponse,
    count_words,
    previous_answer,
    unfinished_tasks,
)
from .notifications import send_submission_confirmation


def register_provider(*, legal_name: str, companies_house_number: str | None, cqc_provider_id: str | None,
                      cqc_rating: CQCRating | None, cqc_rating_date, address: str, postcode: str,
                      name: str, email: str, password: str, trading_name: str = "") -> User:
    """Register a provider organisation and its first user (the owner)."""
    email = email.strip().lower()
    if db.session.scalar(select(func.count()).where(func.lower(User.email) == email)):
        raise DomainError("An account with this email address already exists. Sign in instead.")
    if companies_house_number and db.session.scalar(
        select(func.count()).where(Organisation.companies_house_number == companies_house_number)
    ):
        raise DomainError(
            "An organisation with this Companies House number is already registered. "
            "Ask its owner to invite you."
        )
    organisation = Organisation(
        legal_name=legal_name.strip(), trading_name=trading_name.strip(),
        companies_house_number=companies_house_number or None, cqc_provider_id=cqc_provider_id or None,
        cqc_rating=cqc_rating, cqc_rating_date=cqc_rating_date, address=address.strip(),
        postcode=postcode.strip().upper(), contact_name=name.strip(), contact_email=email,
    )
    db.session.add(organisation)
    db.session.flush()
    user = User(email=email, name=name.strip(), role=Role.provider, organisation=organisation, is_owner=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(user, "organisation.registered", organisation,
                 after={"legal_name": legal_name, "companies_house_number": companies_house_number,
                        "cqc_provider_id": cqc_provider_id, "cqc_rating": cqc_rating})
    return user


def _require_provider_of(application: Application, actor) -> None:
    if not application.can_edit(actor):
        raise NotAllowed("Only the provider's own users can change this application.")


def _require_editable(application: Application) -> None:
    if application.status is not ApplicationStatus.draft:
        raise DomainError(
            f"This application is {application.status.label.lower()}, so it cannot be changed. "
            "Reopen it first if the round is still open."
        )
    if application.round.paused:
        raise DomainError(
            "The council has paused this round, so applications cannot be changed just now. "
            f"Reason: {application.round.pause_reason}"
        )
    if not application.round.is_open(arrival()):
        raise DomainError(_not_open_message(application.round))


def _not_open_message(round_: Round) -> str:
    from portal.clock import format_datetime

    if round_.has_closed(arrival()):
        return f"{round_.name} closed at {format_datetime(round_.closes_at)}. Applications can no longer be changed or submitted."
    if round_.paused:
        return f"The council has paused {round_.name}: {round_.pause_reason}"
    return f"{round_.name} opens at {format_datetime(round_.opens_at)}. Come back then to apply."


def start_application(round_: Round, actor) -> Application:
    """Start (or return) the organisation's draft application in an open round."""
    if not (actor.is_authenticated and actor.is_provider):
        raise NotAllowed("Only a provider can apply.")
    existing = db.session.scalar(
        select(Application).filter_by(round_id=round_.id, organisation_id=actor.organisation_id)
    )
    if existing is not None:
        return existing
    if not round_.is_open(arrival()):
        raise DomainError(_not_open_message(round_))
    application = Application(round=round_, organisation_id=actor.organisation_id, created_by_id=actor.id)
    db.session.add(application)
    db.session.flush()
    record_event(actor, "application.started", application, authority_id=round_.system.authority_id)
    return application


def _refuse_lots_closed_to(application: Application, lot_ids) -> None:
    """A member already admitted to a lot (or with an application for it still being decided) cannot bid again."""
    closed = application.round.system.lots_closed_to(application.organisation_id, apart_from=application)
    for lot_id in lot_ids:
        if lot_id in closed:
            raise DomainError(closed[lot_id] + " Remove it from this application.")


def choose_lots(application: Application, actor, choices: dict[int, list[int]]) -> Application:
    """Set the lots (by id) and, for each, the zones (by id) the provider bids for."""
    _require_provider_of(application, actor)
    _require_editable(application)
    system = application.round.system
    lots = {lot.id: lot for lot in system.lots}
    zones = {zone.id: zone for zone in system.zones}
    if not choices:
        raise DomainError("Select at least one lot.")
    for lot_id, zone_ids in choices.items():
        if lot_id not in lots:
            raise DomainError("Select lots from this system only.")
        if not zone_ids:
            raise DomainError(f"Select at least one zone for {lots[lot_id].name}.")
        if any(z not in zones for z in zone_ids):
            raise DomainError("Select zones from this system only.")
    _refuse_lots_closed_to(application, choices)
    before = {c.lot_id: [z.zone_id for z in c.zones] for c in application.lots}
    for choice in list(application.lots):
        if choice.lot_id not in choices:
            application.lots.remove(choice)
    for lot_id, zone_ids in choices.items():
        choice = next((c for c in application.lots if c.lot_id == lot_id), None)
        if choice is None:
            choice = ApplicationLot(lot=lots[lot_id])
            application.lots.append(choice)
        for zone_choice in list(choice.zones):
            if zone_choice.zone_id not in zone_ids:
                choice.zones.remove(zone_choice)
        have = {z.zone_id for z in choice.zones}
        for zone_id in zone_ids:
            if zone_id not in have:
                choice.zones.append(ApplicationZone(zone=zones[zone_id]))
    application.rate_accepted = False  # the rates depend on the zones chosen
    db.session.flush()
    record_event(actor, "application.lots_chosen", application, authority_id=system.authority_id,
                 before=before, after=choices)
    return application


def _lot_item(application: Application, item, attribute: str):
    lot_ids = {c.lot_id for c in application.lots}
    if item.lot_id not in lot_ids:
        raise DomainError(f"This application does not bid for the lot this {attribute} belongs to.")


class AnswerConflict(DomainError):
    """The answer was changed elsewhere (another tab, a colleague) since this person opened it."""


def save_answer(application: Application, question, actor, text: str, *, expected_version: int | None = None) -> Answer:
    """Save a draft answer. Over the word limit is saved (nothing typed is lost) but not complete."""
    _require_provider_of(application, actor)
    _require_editable(application)
    _lot_item(application, question, "question")
    answer = application.answer_for(question)
    if answer is None:
        answer = Answer(application=application, question=question, text=text)
        db.session.add(answer)
    else:
        if answer.text == text:
            return answer  # nothing changed (an autosave and a button press may carry the same text)
        if expected_version is not None and expected_version != answer.version:
            raise AnswerConflict(
                "This answer was changed somewhere else (perhaps in another tab) since you opened it. "
                "Your text is shown below: copy it, reload the page to see the latest version, then save again."
            )
        answer.text = text
    db.session.flush()
    record_event(actor, "answer.saved", answer, authority_id=application.round.system.authority_id,
                 after={"question": question.id, "words": count_words(text)})
    return answer


def save_standard_response(application: Application, standard, actor, *, confirmed: bool = False,
                           text: str = "") -> StandardResponse:
    _require_provider_of(application, actor)
    _require_editable(application)
    _lot_item(application, standard, "standard")
    if standard.kind is StandardKind.cqc_rating and confirmed:
        organisation = application.organisation
        if not organisation.cqc_provider_id or organisation.cqc_rating is None:
            raise DomainError("Add your CQC provider ID and current overall rating to your organisation first.")
    response = application.response_for(standard)
    if response is None:
        response = StandardResponse(application=application, standard=standard)
        db.session.add(response)
    response.confirmed = confirmed
    response.text = text
    db.session.flush()
    record_event(actor, "standard_response.saved", response,
                 authority_id=application.round.system.authority_id,
                 after={"standard": standard.id, "confirmed": confirmed})
    return response


def set_rates(application: Application, actor, *, accepted: bool,
              offered: dict[tuple[int, int], Decimal | None] | None = None) -> Application:
    """Accept the council's rates; optionally offer a rate per (lot id, zone id) within floor and ceiling."""
    _require_provider_of(application, actor)
    _require_editable(application)
    if not accepted:
        raise DomainError("Confirm that you accept the council's hourly rates.")
    offered = offered or {}
    # check every rate before storing any, so a refusal leaves the application as it was
    for choice in application.lots:
        for zone_choice in choice.zones:
            rate = offered.get((choice.lot_id, zone_choice.zone_id))
            band = choice.lot.rate_for(zone_choice.zone)
            if rate is not None:
                if rate > band.ceiling_rate:
                    raise DomainError(
                        f"Your rate for {zone_choice.zone.name} ({choice.lot.name}) is above the council's "
                        f"ceiling of £{band.ceiling_rate}. Enter £{band.ceiling_rate} or less."
                    )
                if band.floor_rate is not None and rate < band.floor_rate:
                    raise DomainError(
                        f"Your rate for {zone_choice.zone.name} ({choice.lot.name}) is below the council's "
                        f"floor of £{band.floor_rate}. Enter £{band.floor_rate} or more."
                    )
    for choice in application.lots:
        for zone_choice in choice.zones:
            zone_choice.offered_rate = offered.get((choice.lot_id, zone_choice.zone_id))
    application.rate_accepted = True
    db.session.flush()
    record_event(actor, "application.rates_accepted", application,
                 authority_id=application.round.system.authority_id,
                 after={f"{k[0]}-{k[1]}": v for k, v in offered.items()})
    return application


def submit_application(application: Application, actor, *, declaration_confirmed: bool) -> Application:
    """Submit before the deadline; the server refuses after closes_at whatever the browser showed.

    The deadline is judged at the request's arrival (portal.clock.arrival), and that moment is the
    submitted_at stored and shown on the receipt: a bid received in time is on time however long the
    portal took to reach it."""
    _require_provider_of(application, actor)
    moment = arrival()
    round_ = application.round
    if application.status is ApplicationStatus.submitted:
        return application  # a second click of Submit: the receipt, not a second submission
    if application.status is not ApplicationStatus.draft:
        raise DomainError(f"This application is {application.status.label.lower()}, so it cannot be submitted.")
    if not round_.is_open(moment):
        raise DomainError(_not_open_message(round_))
    _refuse_lots_closed_to(application, [c.lot_id for c in application.lots])
    missing = unfinished_tasks(application)
    if missing:
        raise DomainError(
            "Complete every section before submitting. Still to do: "
            + "; ".join(t["title"][:80] for t in missing) + "."
        )
    for lot in application.chosen_lots():
        for standard in lot.standards:
            if standard.kind is StandardKind.cqc_rating:
                rating = application.organisation.cqc_rating
                if rating is None or not rating.meets_minimum:
                    label = rating.label if rating else "not recorded"
                    raise DomainError(
                        f"{lot.name} needs a CQC overall rating of Good or Outstanding; your organisation's "
                        f"rating is {label}. Remove {lot.name} from your application or update your rating."
                    )
    for choice in application.lots:
        for answer in application.answers:
            if answer.question.lot_id == choice.lot_id and answer.word_count > answer.question.word_limit:
                raise DomainError(f"Shorten your answer to question {answer.question.label} to "
                                  f"{answer.question.word_limit} words or fewer.")
    if not declaration_confirmed:
        raise DomainError("Confirm the declaration to submit your application.")
    reference = application.reference or f"{round_.system.reference}/R{round_.number}/{application.id:05d}"
    if not _mark_submitted(application, reference, moment):
        return application  # submitted meanwhile by another request (a double click): nothing more to do
    for response in application.standard_responses:
        if response.standard.kind is StandardKind.cqc_rating:
            response.cqc_rating_at_submission = application.organisation.cqc_rating
    db.session.flush()
    record_event(actor, "application.submitted", application, authority_id=round_.system.authority_id,
                 after={"reference": application.reference, "submitted_at": moment,
                        "lots": [c.lot_id for c in application.lots]})
    send_submission_confirmation(application, actor)
    return application


def _mark_submitted(application: Application, reference: str, moment) -> bool:
    """Move the row from draft to submitted in one conditional UPDATE; False when it was no longer a draft.

    Two requests from a double click may both have read the draft: only the first UPDATE matches, so the
    second records no event and sends nothing. The session's copy of the application is brought up to date.
    """
    db.session.flush()
    result = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == ApplicationStatus.draft)
        .values(status=ApplicationStatus.submitted, reference=reference, submitted_at=moment,
                withdrawn_at=None, declaration_confirmed=True)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(application)
    return result.rowcount == 1


def reopen_application(application: Application, actor) -> Application:
    """Take a submitted (or withdrawn) application back to draft while the round is open."""
    _require_provider_of(application, actor)
    if application.status not in (ApplicationStatus.submitted, ApplicationStatus.withdrawn):
        raise DomainError("Only a submitted or withdrawn application can be reopened.")
    if application.status is ApplicationStatus.submitted and application.round.system.always_open:
        raise DomainError(
            "The council assesses applications to this system as they arrive, so a submitted application "
            "cannot be reopened. Withdraw it if you need to change it, then reopen it."
        )
    if not application.round.is_open(arrival()):
        raise DomainError(_not_open_message(application.round))
    before = application.status
    application.status = ApplicationStatus.draft
    application.declaration_confirmed = False
    db.session.flush()
    record_event(actor, "application.reopened", application,
                 authority_id=application.round.system.authority_id, before={"status": before})
    return application


def withdraw_application(application: Application, actor) -> Application:
    _require_provider_of(application, actor)
    if application.status not in (ApplicationStatus.draft, ApplicationStatus.submitted):
        raise DomainError(f"This application is {application.status.label.lower()}, so it cannot be withdrawn.")
    moment = arrival()
    if application.round.has_closed(moment):
        raise DomainError("The round has closed, so the application can no longer be withdrawn.")
    before = application.status
    application.status = ApplicationStatus.withdrawn
    application.withdrawn_at = moment
    db.session.flush()
    record_event(actor, "application.withdrawn", application,
                 authority_id=application.round.system.authority_id, before={"status": before})
    return application


# ---- documents (evidence a provider uploads against a minimum standard)


class UploadRefused(DomainError):
    """An upload the rules refuse; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def upload_document(application: Application, standard, actor, *, data: bytes, filename: str,
                    expires_on=None, confidential: bool = False, confidential_reason: str = "") -> Document:
    """Check and store an uploaded document: the file is written first, then its row, and the file is
    deleted again if the transaction does not commit (see uploads.py)."""
    from flask import current_app

    from portal.clock import format_date, london

    from . import uploads

    _require_provider_of(application, actor)
    _require_editable(application)
    _lot_item(application, standard, "standard")
    if not standard.takes_documents:
        raise DomainError("This minimum standard does not take documents.")
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if not data:
        raise UploadRefused("The selected file is empty. Choose the file again, or another file.", "file")
    if len(data) > limit:
        raise UploadRefused(f"The selected file must be smaller than {uploads.megabytes(limit)}.", "file")
    file_type = uploads.sniff_file_type(data)
    if file_type is None:
        raise UploadRefused(f"The selected file must be {uploads.ACCEPTED_TYPES_SENTENCE}. "
                            "Its name may say otherwise, but its contents are not one of these.", "file")
    today = london(now()).date()
    if standard.needs_expiry_date and expires_on is None:
        raise UploadRefused("Enter the date the certificate expires.", "expires_on")
    if expires_on is not None and expires_on < today:
        raise UploadRefused(f"The expiry date must be today or in the future: this certificate expired on "
                            f"{format_date(expires_on)}. Upload your current certificate.", "expires_on")
    reason = (confidential_reason or "").strip()
    if confidential and not reason:
        raise UploadRefused("Enter why this document is confidential.", "confidential_reason")
    stored_name = uploads.write_file(db.session, data)
    document = Document(
        application=application, standard=standard, original_filename=uploads.clean_display_name(filename),
        stored_name=stored_name, content_type=file_type.content_type, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), expires_on=expires_on, confidential=bool(confidential),
        confidential_reason=reason if confidential else "", uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    record_event(actor, "document.uploaded", document, authority_id=application.round.system.authority_id,
                 after={"standard": standard.id, "name": document.original_filename, "type": file_type.extension,
                        "bytes": len(data), "sha256": document.sha256, "expires_on": expires_on,
                        "confidential": document.confidential})
    return document


def remove_document(document: Document, actor) -> None:
    """Remove a document from a draft; its file is deleted once the removal is committed."""
    from . import uploads

    application = document.application
    _require_provider_of(application, actor)
    _require_editable(application)
    record_event(actor, "document.removed", document, authority_id=application.round.system.authority_id,
                 before={"standard": document.standard_id, "name": document.original_filename,
                         "sha256": document.sha256})
    uploads.remove_file_after_commit(db.session, document.stored_name)
    application.documents.remove(document)
    db.session.delete(document)
    db.session.flush()


# ---- reusing an earlier answer


def reuse_previous_answer(application: Application, question, actor, *, expected_version: int | None) -> Answer:
    """Copy the organisation's answer from its last application to the system into this draft, then it can be
    edited. Refused (AnswerConflict) if the answer changed since the person opened the page."""
    previous = previous_answer(application, question)
    if previous is None:
        raise DomainError("Your organisation has no earlier answer to this question to reuse.")
    answer = save_answer(application, question, actor, previous.text, expected_version=expected_version)
    record_event(actor, "answer.reused", answer, authority_id=application.round.system.authority_id,
                 after={"question": question.id, "from_application": previous.application_id,
                        "from_question": previous.question_id})
    return answer
