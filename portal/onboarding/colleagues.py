"""The organisation's users: the owner invites colleagues, revokes invitations, removes colleagues.

Check, change, audit, flush; never commit. An invitation's token travels only in the emailed link:
the database keeps its SHA-256, so a copy of the database cannot be used to join an organisation.
"""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from portal.audit.services import record_event
from portal.auth.models import Role, User
from portal.clock import format_datetime, now
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.mail.services import queue_email

from .models import Invitation, Organisation
from .notifications import external_url

INVITATION_LIFETIME = timedelta(days=7)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_owner(organisation: Organisation, actor) -> None:
    if not organisation.can_manage_users(actor):
        raise NotAllowed("Only your organisation's owner can invite or remove colleagues.")


def _email_taken(email: str) -> bool:
    return bool(db.session.scalar(select(func.count()).where(func.lower(User.email) == email)))


def invite_colleague(organisation: Organisation, actor, email: str) -> tuple[Invitation, str]:
    """Email a colleague a link to join; returns the invitation and its token (for the link only).

    A new invitation to the same address replaces a waiting one, so "send again" is simply inviting again.
    """
    _require_owner(organisation, actor)
    email = (email or "").strip().lower()
    if "@" not in email:
        raise DomainError("Enter your colleague's email address, like name@example.com.")
    if _email_taken(email):
        raise DomainError(f"{email} already has an account on the portal. Each person can belong to one "
                          "organisation only; ask them to use a different email address.")
    moment = now()
    for waiting in db.session.scalars(select(Invitation).where(
            Invitation.organisation_id == organisation.id, func.lower(Invitation.email) == email,
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        waiting.revoked_at = moment
        record_event(actor, "invitation.replaced", waiting, before={"status": "pending"}, after={"status": "revoked"})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organisation=organisation, email=email, token_hash=hash_token(token),
                            invited_by_id=actor.id, created_at=moment, expires_at=moment + INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    link = external_url("onboarding.accept_invitation", token=token)
    queue_email(email, f"{actor.name} invited you to join {organisation.legal_name} on the care DPS portal", (
        f"{actor.name} has invited you to join {organisation.legal_name} on the care DPS portal, where "
        "your organisation applies to councils' purchasing systems for adult social care.\n\n"
        f"To accept, open this link, then set your name and a password:\n{link}\n\n"
        f"The link works once and expires on {format_datetime(invitation.expires_at)}. "
        f"If you were not expecting this email, you can ignore it."), kind="invitation.sent")
    record_event(actor, "invitation.sent", invitation, after={"email": email, "expires_at": invitation.expires_at})
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state; None for a token that was never issued."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def refusal(invitation: Invitation | None) -> str | None:
    """Why an invitation link cannot be used now, as a sentence; None when it can."""
    if invitation is None:
        return ("This invitation link is not valid. Check that you copied the whole link from the email, "
                "or ask your organisation's owner to invite you again.")
    organisation = invitation.organisation.legal_name
    if invitation.accepted_at is not None:
        return (f"This invitation has already been used to join {organisation}. "
                "If it was you, sign in with the email address and password you set.")
    if invitation.revoked_at is not None:
        return f"This invitation was cancelled by {organisation}. Ask its owner to invite you again if you need access."
    if now() >= invitation.expires_at:
        return (f"This invitation expired on {format_datetime(invitation.expires_at)}. "
                f"Ask the owner of {organisation} to send you a new one.")
    return None


def accept_invitation(invitation: Invitation, *, name: str, password: str) -> User:
    """The invitee joins the organisation as a provider user with the name and password they chose."""
    problem = refusal(invitation)
    if problem:
        raise DomainError(problem)
    if not (name or "").strip():
        raise DomainError("Enter your full name.")
    if _email_taken(invitation.email):
        raise DomainError(f"{invitation.email} already has an account on the portal. Sign in instead.")
    user = User(email=invitation.email, name=name.strip(), role=Role.provider,
                organisation_id=invitation.organisation_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    invitation.accepted_at = now()
    invitation.user_id = user.id
    db.session.flush()
    record_event(user, "invitation.accepted", invitation, after={"user": user.id, "email": user.email})
    return user


def revoke_invitation(invitation: Invitation, actor) -> Invitation:
    _require_owner(invitation.organisation, actor)
    if invitation.accepted_at is not None:
        raise DomainError(f"{invitation.email} has already accepted this invitation. Remove them as a colleague instead.")
    if invitation.revoked_at is not None:
        raise DomainError("This invitation was already cancelled.")
    invitation.revoked_at = now()
    db.session.flush()
    record_event(actor, "invitation.revoked", invitation, before={"status": "pending"}, after={"status": "revoked"})
    return invitation


def remove_colleague(colleague: User, actor) -> User:
    """Take a colleague out of the organisation: they can no longer sign in (their past work stays recorded)."""
    organisation = actor.organisation
    _require_owner(organisation, actor)
    if colleague.organisation_id != organisation.id:
        raise NotAllowed("This person is not one of your colleagues.")
    if colleague.id == actor.id:
        raise DomainError("You cannot remove yourself: you are the organisation's owner.")
    if colleague.removed_at is not None:
        raise DomainError(f"{colleague.name} was already removed.")
    colleague.removed_at = now()
    colleague.active = False
    db.session.flush()
    record_event(actor, "organisation.colleague_removed", colleague,
                 before={"active": True}, after={"active": False, "email": colleague.email})
    return colleague
