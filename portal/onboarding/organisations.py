"""Keeping an organisation's profile and CQC locations up to date: check, change, audit, flush. Never commit."""
from datetime import date

from sqlalchemy import func, select

from portal.audit.services import record_event
from portal.clock import now
from portal.core import DomainError, NotAllowed
from portal.extensions import db

from . import identifiers
from .models import CQCRating, Organisation, OrganisationLocation

#: the profile's fields, in the order the page shows them
PROFILE_FIELDS = (
    "legal_name", "trading_name", "companies_house_number", "cqc_provider_id", "cqc_rating", "cqc_rating_date",
    "address", "postcode", "contact_name", "contact_email", "contact_phone",
)


def _require_profile_editor(organisation: Organisation, actor) -> None:
    if not organisation.can_edit_profile(actor):
        raise NotAllowed("Only the organisation's own users can change its profile.")


def _check_rating_date(rating_date: date | None, what: str) -> None:
    if rating_date is not None and rating_date > now().date():
        raise DomainError(f"The date of the {what} must be today or in the past.")


def update_profile(organisation: Organisation, actor, **values) -> Organisation:
    """Change the profile's fields (any of PROFILE_FIELDS); audited with what each field was before."""
    _require_profile_editor(organisation, actor)
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    values = dict(values)
    for name in ("legal_name", "trading_name", "address", "contact_name", "contact_phone"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if "legal_name" in values and not values["legal_name"]:
        raise DomainError("Enter your organisation's legal name.")
    if "companies_house_number" in values:
        number = identifiers.normalise_companies_house(values["companies_house_number"]) or None
        if number and not identifiers.is_companies_house_number(number):
            raise DomainError(identifiers.COMPANIES_HOUSE_MESSAGE + ".")
        if number and db.session.scalar(select(func.count()).where(
                Organisation.companies_house_number == number, Organisation.id != organisation.id)):
            raise DomainError("Another organisation on the portal is registered with this Companies House number. "
                              "Check the number, or ask that organisation's owner to invite you.")
        values["companies_house_number"] = number
    if "cqc_provider_id" in values:
        cqc_id = identifiers.normalise_cqc_id(values["cqc_provider_id"]) or None
        if cqc_id and not identifiers.is_cqc_id(cqc_id):
            raise DomainError(identifiers.CQC_PROVIDER_MESSAGE + ".")
        values["cqc_provider_id"] = cqc_id
    cqc_id = values.get("cqc_provider_id", organisation.cqc_provider_id)
    if values.get("cqc_rating", organisation.cqc_rating) is not None and not cqc_id:
        raise DomainError("Enter your CQC provider ID, or choose Not registered with CQC.")
    _check_rating_date(values.get("cqc_rating_date"), "rating")
    if "postcode" in values:
        postcode = identifiers.normalise_postcode(values["postcode"])
        if not identifiers.is_postcode(postcode):
            raise DomainError(identifiers.POSTCODE_MESSAGE + ".")
        values["postcode"] = postcode
    if "contact_email" in values:
        values["contact_email"] = (values["contact_email"] or "").strip().lower()
        if "@" not in values["contact_email"]:
            raise DomainError("Enter the main contact's email address, like name@example.com.")
    if values.get("contact_phone") and not identifiers.is_phone(values["contact_phone"]):
        raise DomainError(identifiers.PHONE_MESSAGE + ".")
    before, after = {}, {}
    for name in PROFILE_FIELDS:
        if name in values and getattr(organisation, name) != values[name]:
            before[name], after[name] = getattr(organisation, name), values[name]
            setattr(organisation, name, values[name])
    if after:
        db.session.flush()
        record_event(actor, "organisation.updated", organisation, before=before, after=after)
    return organisation


def _check_location(organisation: Organisation, cqc_location_id: str, name: str, rating_date,
                    *, ignore: OrganisationLocation | None = None) -> str:
    cqc_location_id = identifiers.normalise_cqc_id(cqc_location_id) or ""
    if not identifiers.is_cqc_id(cqc_location_id):
        raise DomainError(identifiers.CQC_LOCATION_MESSAGE + ".")
    if not (name or "").strip():
        raise DomainError("Enter the location's name, as CQC shows it.")
    _check_rating_date(rating_date, "rating")
    for other in organisation.locations:
        if other is not ignore and other.cqc_location_id == cqc_location_id:
            raise DomainError(f"{cqc_location_id} is already one of your locations ({other.name}). Change that one instead.")
    return cqc_location_id


def add_location(organisation: Organisation, actor, *, cqc_location_id: str, name: str,
                 rating: CQCRating | None = None, rating_date: date | None = None) -> OrganisationLocation:
    """Add one of the organisation's CQC-registered locations, with its current overall rating."""
    _require_profile_editor(organisation, actor)
    cqc_location_id = _check_location(organisation, cqc_location_id, name, rating_date)
    location = OrganisationLocation(organisation=organisation, cqc_location_id=cqc_location_id, name=name.strip(),
                                    rating=rating, rating_date=rating_date)
    db.session.add(location)
    db.session.flush()
    record_event(actor, "organisation.location_added", organisation,
                 after={"cqc_location_id": cqc_location_id, "name": location.name, "rating": rating,
                        "rating_date": rating_date})
    return location


def update_location(location: OrganisationLocation, actor, *, cqc_location_id: str, name: str,
                    rating: CQCRating | None = None, rating_date: date | None = None) -> OrganisationLocation:
    organisation = location.organisation
    _require_profile_editor(organisation, actor)
    cqc_location_id = _check_location(organisation, cqc_location_id, name, rating_date, ignore=location)
    before = {"cqc_location_id": location.cqc_location_id, "name": location.name, "rating": location.rating,
              "rating_date": location.rating_date}
    location.cqc_location_id, location.name = cqc_location_id, name.strip()
    location.rating, location.rating_date = rating, rating_date
    db.session.flush()
    record_event(actor, "organisation.location_updated", organisation, before=before,
                 after={"cqc_location_id": cqc_location_id, "name": location.name, "rating": rating,
                        "rating_date": rating_date})
    return location


def remove_location(location: OrganisationLocation, actor) -> None:
    organisation = location.organisation
    _require_profile_editor(organisation, actor)
    before = {"cqc_location_id": location.cqc_location_id, "name": location.name, "rating": location.rating}
    organisation.locations.remove(location)
    db.session.flush()
    record_event(actor, "organisation.location_removed", organisation, before=before)
