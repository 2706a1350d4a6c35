"""The organisation profile, CQC locations, colleagues and invitations: services and pages."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.core import DomainError, NotAllowed
from portal.mail.models import OutboxEmail
from portal.onboarding import colleagues, organisations
from portal.onboarding.models import CQCRating, Invitation, OrganisationLocation


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def token_from(email: OutboxEmail) -> str:
    return re.search(r"/provider/invitations/([\w-]+)", email.body).group(1)


PROFILE = {"legal_name": "Fenland Homecare Partnership Ltd", "trading_name": "Fenland Homecare",
           "companies_house_number": "sc123456", "cqc_provider_id": "1-101234567", "cqc_rating": "good",
           "cqc_rating_date": ["4", "3", "2025"], "address": "1 Market Place\nWisbech", "postcode": "pe131ab",
           "contact_name": "Sam Patel", "contact_email": "office@fenland.example", "contact_phone": "01945 123456"}


# ---- profile: services


def test_owner_is_the_registering_user_and_main_contact(make_provider):
    owner = make_provider()
    assert owner.is_owner and owner.organisation.owner == owner
    assert owner.organisation.contact_name == owner.name


def test_profile_update_normalises_and_audits_before_and_after(db, make_provider):
    owner = make_provider("Old Name Care Ltd")
    organisation = owner.organisation
    organisations.update_profile(organisation, owner, legal_name="New Name Care Ltd", companies_house_number=" sc 123456 ",
                                 postcode="pe29 3tn", contact_phone="01632 960001")
    assert organisation.companies_house_number == "SC123456"
    assert organisation.postcode == "PE29 3TN"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
    assert event.before["legal_name"] == "Old Name Care Ltd" and event.after["legal_name"] == "New Name Care Ltd"
    assert event.after["companies_house_number"] == "SC123456"
    assert "address" not in event.after  # only what changed is recorded


@pytest.mark.parametrize("number", ["AB12345", "1234567", "SC12345X", "XX123456", "123456789", "SC1234567"])
def test_bad_companies_house_numbers_are_refused(make_provider, number):
    owner = make_provider()
    before = owner.organisation.companies_house_number
    with pytest.raises(DomainError, match="8 characters"):
        organisations.update_profile(owner.organisation, owner, companies_house_number=number)
    assert owner.organisation.companies_house_number == before


@pytest.mark.parametrize("number", ["01234567", "SC123456", "NI123456", "OC123456", "R0123456", "LP123456", "NF123456"])
def test_real_companies_house_formats_are_accepted(make_provider, number):
    owner = make_provider()
    organisations.update_profile(owner.organisation, owner, companies_house_number=number.lower())
    assert owner.organisation.companies_house_number == number


def test_companies_house_number_of_another_organisation_is_refused(make_provider):
    first, second = make_provider(), make_provider()
    with pytest.raises(DomainError, match="Another organisation"):
        organisations.update_profile(second.organisation, second,
                                     companies_house_number=first.organisation.companies_house_number)


@pytest.mark.parametrize("cqc_id", ["1-12345678", "1-123456789012", "2-123456789", "1123456789", "1-12345678X"])
def test_bad_cqc_ids_are_refused(make_provider, cqc_id):
    owner = make_provider()
    with pytest.raises(DomainError, match="CQC provider ID"):
        organisations.update_profile(owner.organisation, owner, cqc_provider_id=cqc_id)
    with pytest.raises(DomainError, match="CQC location ID"):
        organisations.add_location(owner.organisation, owner, cqc_location_id=cqc_id, name="Wisbech office")


def test_bad_postcode_and_phone_are_refused(make_provider):
    owner = make_provider()
    with pytest.raises(DomainError, match="postcode"):
        organisations.update_profile(owner.organisation, owner, postcode="PE29")
    with pytest.raises(DomainError, match="telephone"):
        organisations.update_profile(owner.organisation, owner, contact_phone="12345")


def test_colleague_can_edit_profile_but_another_organisation_cannot(db, make_provider):
    owner, stranger = make_provider(), make_provider()
    invitation, token = colleagues.invite_colleague(owner.organisation, owner, "jo@provider.example")
    colleague = colleagues.accept_invitation(invitation, name="Jo Bloggs", password="a long enough password")
    organisations.update_profile(owner.organisation, colleague, trading_name="Fenland Care")
    assert owner.organisation.trading_name == "Fenland Care"
    with pytest.raises(NotAllowed):
        organisations.update_profile(owner.organisation, stranger, trading_name="Hijacked")


def test_locations_keep_their_own_ratings(db, make_provider):
    owner = make_provider()
    organisation = owner.organisation
    organisations.add_location(organisation, owner, cqc_location_id="1-123456789", name="Wisbech office",
                               rating=CQCRating.good, rating_date=date(2025, 3, 4))
    location = organisations.add_location(organisation, owner, cqc_location_id="1-12345678901", name="March office")
    with pytest.raises(DomainError, match="already one of your locations"):
        organisations.add_location(organisation, owner, cqc_location_id="1-123456789", name="Again")
    organisations.update_location(location, owner, cqc_location_id="1-12345678901", name="March office",
                                  rating=CQCRating.outstanding, rating_date=date(2026, 1, 5))
    db.session.commit()
    assert [(loc.name, loc.rating) for loc in organisation.locations] == [
        ("March office", CQCRating.outstanding), ("Wisbech office", CQCRating.good)]
    with pytest.raises(DomainError, match="today or in the past"):
        organisations.update_location(location, owner, cqc_location_id="1-12345678901", name="March office",
                                      rating_date=date(2027, 1, 1))
    organisations.remove_location(location, owner)
    db.session.commit()
    assert db.session.scalars(select(OrganisationLocation.name)).all() == ["Wisbech office"]


# ---- colleagues: services


def test_invitation_stores_only_a_hash_and_emails_the_link(db, make_provider):
    owner = make_provider()
    invitation, token = colleagues.invite_colleague(owner.organisation, owner, " Jo@Provider.Example ")
    assert invitation.email == "jo@provider.example"
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "invitation.sent"))
    assert email.to == "jo@provider.example" and token_from(email) == token
    assert owner.organisation.legal_name in email.subject
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_colleague_cannot_invite_or_remove(db, make_provider):
    owner = make_provider()
    invitation, _ = colleagues.invite_colleague(owner.organisation, owner, "jo@provider.example")
    colleague = colleagues.accept_invitation(invitation, name="Jo Bloggs", password="a long enough password")
    assert not colleague.is_owner
    with pytest.raises(NotAllowed):
        colleagues.invite_colleague(owner.organisation, colleague, "someone@provider.example")
    with pytest.raises(NotAllowed):
        colleagues.remove_colleague(owner, colleague)


def test_expired_used_and_revoked_invitations_are_refused(db, make_provider, frozen_clock):
    owner = make_provider()
    expiring, _ = colleagues.invite_colleague(owner.organisation, owner, "late@provider.example")
    used, _ = colleagues.invite_colleague(owner.organisation, owner, "used@provider.example")
    revoked, _ = colleagues.invite_colleague(owner.organisation, owner, "revoked@provider.example")
    colleagues.accept_invitation(used, name="Used Once", password="a long enough password")
    colleagues.revoke_invitation(revoked, owner)
    frozen_clock.advance(days=7)
    for invitation, reason in ((expiring, "expired"), (used, "already been used"), (revoked, "cancelled")):
        with pytest.raises(DomainError, match=reason):
            colleagues.accept_invitation(invitation, name="Someone", password="a long enough password")
    assert db.session.scalar(select(User).filter_by(email="late@provider.example")) is None


def test_owner_cannot_remove_themselves_and_removed_colleague_cannot_sign_in(client, db, make_provider, login):
    owner = make_provider()
    invitation, _ = colleagues.invite_colleague(owner.organisation, owner, "jo@provider.example")
    colleague = colleagues.accept_invitation(invitation, name="Jo Bloggs", password="a long enough password")
    db.session.commit()
    with pytest.raises(DomainError, match="cannot remove yourself"):
        colleagues.remove_colleague(owner, owner)
    login(colleague, password="a long enough password")
    assert client.get("/provider/").status_code == 200
    colleagues.remove_colleague(colleague, owner)
    db.session.commit()
    # the session they already had no longer works, and signing in again is refused
    assert client.get("/provider/").status_code == 302
    response = client.post("/sign-in", data={"email": "jo@provider.example", "password": "a long enough password"})
    assert response.status_code == 200 and "Enter a correct email address and password" in text(response)


# ---- pages


def test_profile_page_edit_and_error_summary_keeps_typed_data(client, db, make_provider, login):
    owner = make_provider()
    login(owner)
    page = text(client.get("/provider/organisation"))
    assert owner.organisation.legal_name in page and "Owner" in page
    bad = dict(PROFILE, companies_house_number="SC12345X", cqc_provider_id="1-123", postcode="nowhere",
               contact_phone="123")
    response = client.post("/provider/organisation/edit", data=bad)
    page = text(response)
    assert response.status_code == 200 and page.startswith("<!DOCTYPE html>") and "<title>Error:" in page
    assert "There is a problem" in page
    assert "Enter a Companies House number in the correct format" in page
    assert "Enter a CQC provider ID in the correct format" in page
    assert "Enter a real postcode" in page and "Enter a UK telephone number" in page
    assert 'value="SC12345X"' in page and 'value="Fenland Homecare Partnership Ltd"' in page and "1 Market Place" in page
    response = client.post("/provider/organisation/edit", data=PROFILE)
    assert response.status_code == 302
    organisation = owner.organisation
    db.session.refresh(organisation)
    assert (organisation.companies_house_number, organisation.postcode, organisation.cqc_rating_date) == (
        "SC123456", "PE13 1AB", date(2025, 3, 4))
    assert organisation.contact_email == "office@fenland.example"
    page = text(client.get("/provider/organisation"))
    assert "SC123456" in page and "Sam Patel, office@fenland.example, 01945 123456" in page


def test_location_pages_and_other_organisations_location_is_404(client, db, make_provider, login):
    owner, stranger = make_provider(), make_provider()
    theirs = organisations.add_location(stranger.organisation, stranger, cqc_location_id="1-999999999", name="Theirs")
    db.session.commit()
    login(owner)
    response = client.post("/provider/organisation/locations/new", data={"cqc_location_id": "1-1234", "name": "Wisbech"})
    page = text(response)
    assert "Enter a CQC location ID in the correct format" in page and 'value="Wisbech"' in page
    response = client.post("/provider/organisation/locations/new", data={
        "cqc_location_id": "1-123456789", "name": "Wisbech office", "rating": "good",
        "rating_date": ["4", "3", "2025"]})
    assert response.status_code == 302
    page = text(client.get("/provider/organisation"))
    assert "Wisbech office" in page and "1-123456789" in page and "Good, 4 March 2025" in page
    assert client.get(f"/provider/organisation/locations/{theirs.id}").status_code == 404
    assert client.post(f"/provider/organisation/locations/{theirs.id}/remove").status_code == 404


def test_invite_accept_and_manage_colleagues_through_the_pages(client, db, make_provider, login, frozen_clock):
    owner, stranger = make_provider(), make_provider()
    theirs, _ = colleagues.invite_colleague(stranger.organisation, stranger, "their@provider.example")
    db.session.commit()
    login(owner)
    response = client.post("/provider/organisation/invite", data={"email": "not-an-email"})
    assert "Enter an email address in the correct format" in text(response) and 'value="not-an-email"' in text(response)
    response = client.post("/provider/organisation/invite", data={"email": stranger.email})
    assert "already has an account" in text(response)
    assert client.post("/provider/organisation/invite", data={"email": "jo@provider.example"}).status_code == 302
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "jo@provider.example"))
    token = token_from(email)
    assert "Sent; the link works until" in text(client.get("/provider/organisation"))
    # another organisation's invitation and users are unknown here
    assert client.post(f"/provider/organisation/invitations/{theirs.id}/revoke").status_code == 404
    assert client.post(f"/provider/organisation/colleagues/{stranger.id}/remove").status_code == 404
    client.post("/sign-out")

    # the invitee sets a name and password; typed data kept on error
    response = client.post(f"/provider/invitations/{token}", data={
        "name": "Jo Bloggs", "password": "short", "confirm_password": "short"})
    assert "There is a problem" in text(response) and 'value="Jo Bloggs"' in text(response)
    response = client.post(f"/provider/invitations/{token}", data={
        "name": "Jo Bloggs", "password": "a long enough password", "confirm_password": "a long enough password"})
    assert response.status_code == 302
    colleague = db.session.scalar(select(User).filter_by(email="jo@provider.example"))
    assert colleague.organisation_id == owner.organisation_id and not colleague.is_owner
    # the colleague edits the profile but may not invite
    assert "Jo Bloggs (you)" in text(client.get("/provider/organisation"))
    assert client.get("/provider/organisation/edit").status_code == 200
    assert client.get("/provider/organisation/invite").status_code == 403
    assert client.post("/provider/organisation/invite", data={"email": "x@provider.example"}).status_code == 403
    assert client.post(f"/provider/organisation/colleagues/{owner.id}/remove").status_code == 403
    client.post("/sign-out")

    # the link works once
    response = client.get(f"/provider/invitations/{token}")
    assert response.status_code == 410 and "already been used" in text(response)
    assert client.get("/provider/invitations/not-a-real-token").status_code == 404

    # the owner removes the colleague; the owner has no Remove button for themselves
    login(owner)
    page = text(client.get("/provider/organisation"))
    assert f"Remove<span class=\"govuk-visually-hidden\"> {owner.name}</span>" not in page
    assert client.post(f"/provider/organisation/colleagues/{colleague.id}/remove").status_code == 302
    page = text(client.get("/provider/organisation"))
    assert "Jo Bloggs is removed from your organisation and can no longer sign in" in page
    assert "jo@provider.example" not in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.colleague_removed"))


def test_expired_and_revoked_invitation_pages(client, db, make_provider, login, frozen_clock):
    owner = make_provider()
    expiring, expiring_token = colleagues.invite_colleague(owner.organisation, owner, "late@provider.example")
    revoked, revoked_token = colleagues.invite_colleague(owner.organisation, owner, "gone@provider.example")
    db.session.commit()
    login(owner)
    assert client.post(f"/provider/organisation/invitations/{revoked.id}/revoke").status_code == 302
    client.post("/sign-out")
    response = client.get(f"/provider/invitations/{revoked_token}")
    assert response.status_code == 410 and "cancelled" in text(response)
    frozen_clock.advance(days=7, seconds=1)
    response = client.post(f"/provider/invitations/{expiring_token}", data={
        "name": "Late", "password": "a long enough password", "confirm_password": "a long enough password"})
    assert response.status_code == 410 and "expired on" in text(response) and "Ask the owner" in text(response)
    assert db.session.scalar(select(User).filter_by(email="late@provider.example")) is None
    assert db.session.scalar(select(Invitation).filter_by(email="late@provider.example")).status == "expired"
