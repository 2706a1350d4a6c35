"""Two-step verification: a code from an authenticator app (TOTP, RFC 6238) after the password.

- The app's shared secret is stored encrypted (Fernet, with a key derived from SECRET_KEY; keys in
  SECRET_KEY_FALLBACKS still decrypt, so the secret key can be rotated without locking anyone out).
- A code is accepted for the current 30-second step and one step either side (clocks drift), and never
  twice: the step of the last accepted code is stored, and moved on atomically, so two workers cannot both
  accept the same code.
- Ten single-use recovery codes stand in for the app; only their SHA-256 is kept (they are random, 50 bits,
  so a slow hash adds nothing).
- Turning it on or off, a reset by a commissioner and a recovery code used are audited and emailed.
"""
import base64
import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import delete, or_, select, update

from portal.audit.services import record_event
from portal.clock import now
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.mail.services import queue_email

from .models import STAFF_ROLES, RecoveryCode, User

ISSUER = "Care DPS portal"
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read and type
CODE = re.compile(r"^\d{6}$")


# ---- the secret, encrypted at rest -------------------------------------------------------------------

def _fernet() -> MultiFernet:
    keys = [current_app.secret_key] + list(current_app.config.get("SECRET_KEY_FALLBACKS") or [])
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"two-step-secret:" + str(key).encode()).digest()))
        for key in keys
    ])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def issuer() -> str:
    return current_app.config.get("SERVICE_NAME") or ISSUER


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer())


def qr_code_data_uri(user: User, secret: str) -> str:
    """The set-up QR code as an SVG data: URI (drawn here, no third party sees the secret)."""
    return segno.make(provisioning_uri(user, secret), error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The key in groups of four, for people who type it in: "ABCD EFGH ..."."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# ---- checking codes ----------------------------------------------------------------------------------

def normalise_code(text: str | None) -> str:
    return re.sub(r"[\s-]+", "", text or "").lower()


def matching_step(secret: str, code: str) -> int | None:
    """The time step (current, or one either side) whose code this is; None when it matches none."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now())
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(user: User, step: int) -> bool:
    """Mark step as used, unless it (or a later one) already was; atomic across workers."""
    result = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.two_step_last_step.is_(None), User.two_step_last_step < step))
        .values(two_step_last_step=step).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.two_step_last_step = step
    return True


class CodeRefused(DomainError):
    """A wrong, used or badly typed code: counts towards the account's limit of wrong codes."""


class WrongPassword(DomainError):
    """The password typed to confirm a change is wrong: counts towards the limit of wrong passwords."""


def check_app_code(user: User, code: str) -> None:
    """Accept a current code from the user's app, once; raise CodeRefused saying what to do otherwise."""
    code = normalise_code(code)
    secret = decrypt(user.two_step_secret or "")
    if not CODE.match(code):
        raise CodeRefused("Enter the 6-digit code from your authenticator app, like 123456")
    if secret is None:
        raise CodeRefused("Your two-step verification cannot be checked. Use a recovery code, "
                          "or ask a commissioner of your council to reset it")
    step = matching_step(secret, code)
    if step is None:
        raise CodeRefused("The code is not correct. Enter the code your authenticator app shows now")
    if not _use_step(user, step):
        raise CodeRefused("That code has already been used. Wait for your app to show a new code, then enter it")


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def looks_like_recovery_code(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == 10 and all(c in RECOVERY_ALPHABET for c in code)


def check_sign_in_code(user: User, text: str) -> str:
    """A code from the app, or a recovery code (used up). Returns "app" or "recovery"; raises CodeRefused."""
    if looks_like_recovery_code(text):
        use_recovery_code(user, text)
        return "recovery"
    check_app_code(user, text)
    return "app"


def use_recovery_code(user: User, text: str) -> None:
    digest = _hash_recovery(text)
    stored = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                           RecoveryCode.used_at.is_(None))).all()
    match = next((code for code in stored if hmac.compare_digest(code.code_hash, digest)), None)
    if match is None:
        raise CodeRefused("The recovery code is not correct, or it has been used. Check it and try again, "
                          "or enter the code from your authenticator app")
    # used once: the update only succeeds for the first of two simultaneous sign-ins
    result = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == match.id,
                                                           RecoveryCode.used_at.is_(None))
                                .values(used_at=now()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise CodeRefused("That recovery code has already been used. Enter another one")
    db.session.expire(match)
    left = recovery_codes_left(user)
    record_event(user, "user.two_step_recovery_code_used", user, authority_id=user.authority_id,
                 after={"recovery_codes_left": left})
    _email(user, "A recovery code was used to sign in",
           f"A recovery code was used to sign in to your account on the {issuer()}. You have {left} recovery "
           f"code{'s' if left != 1 else ''} left.\n\nIf this was not you, change your password now and tell a "
           "commissioner of your council.", kind="two_step_recovery_code_used")


def recovery_codes_left(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
    db.session.flush()
    return codes


# ---- turning it on and off ---------------------------------------------------------------------------

def _email(user: User, subject: str, body: str, *, kind: str) -> None:
    queue_email(user.email, subject, f"Dear {user.name},\n\n{body}", kind=kind)


def turn_on(user: User, secret: str, code: str) -> list[str]:
    """Turn two-step on with the secret the person's app was given, once they typed a current code from it.

    Returns the new recovery codes (shown once; only their hashes are kept).
    """
    if not user.may_use_two_step:
        raise NotAllowed("Two-step verification is for council staff and panel members.")
    if user.two_step_on:
        raise DomainError("Two-step verification is already on for your account")
    code = normalise_code(code)
    if not CODE.match(code):
        raise CodeRefused("Enter the 6-digit code from your authenticator app, like 123456")
    step = matching_step(secret, code)
    if step is None:
        raise CodeRefused("The code is not correct. Check you added the key shown on this page, "
                          "then enter the code your app shows now")
    user.two_step_secret = encrypt(secret)
    user.two_step_enabled_at = now()
    user.two_step_last_step = step
    codes = _new_recovery_codes(user)
    record_event(user, "user.two_step_turned_on", user, authority_id=user.authority_id)
    _email(user, "Two-step verification is on",
           f"Two-step verification is now on for your account on the {issuer()}. When you sign in you will be "
           "asked for a code from your authenticator app after your password.\n\nIf this was not you, change "
           "your password now and tell a commissioner of your council.", kind="two_step_turned_on")
    return codes


def new_recovery_codes(user: User, code: str) -> list[str]:
    """Replace every recovery code (the old ones stop working), after a current code from the app."""
    if not user.two_step_on:
        raise DomainError("Turn on two-step verification first")
    check_app_code(user, code)
    codes = _new_recovery_codes(user)
    record_event(user, "user.two_step_recovery_codes_renewed", user, authority_id=user.authority_id)
    return codes


def _clear(user: User) -> None:
    user.two_step_secret = None
    user.two_step_enabled_at = None
    user.two_step_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(user: User, password: str, code: str) -> None:
    """The person turns it off: their password and a current code (or a recovery code) prove it is them."""
    if not user.two_step_on:
        raise DomainError("Two-step verification is already off for your account")
    if not user.check_password(password or ""):
        raise WrongPassword("Your password is not correct")
    check_sign_in_code(user, code)
    _clear(user)
    record_event(user, "user.two_step_turned_off", user, authority_id=user.authority_id)
    _email(user, "Two-step verification is off",
           f"Two-step verification is now off for your account on the {issuer()}: you sign in with your password "
           "only.\n\nIf this was not you, change your password now and tell a commissioner of your council.",
           kind="two_step_turned_off")


def may_reset(commissioner: User, staff: User) -> bool:
    """A commissioner may reset the two-step of a person of their own council (not their own)."""
    return (commissioner.is_commissioner and staff.authority_id is not None
            and staff.authority_id == commissioner.authority_id and staff.id != commissioner.id)


def reset_by_commissioner(staff: User, commissioner: User) -> None:
    """A person lost their phone: a commissioner of their council turns two-step off for them."""
    if not may_reset(commissioner, staff):
        raise NotAllowed("You can only reset two-step verification for people in your own council.")
    if not staff.two_step_on:
        raise DomainError(f"{staff.name} does not have two-step verification on, so there is nothing to reset")
    _clear(staff)
    record_event(commissioner, "user.two_step_reset", staff, authority_id=staff.authority_id,
                 before={"two_step": "on"}, after={"two_step": "off"})
    required = staff.role in STAFF_ROLES and staff.authority.require_two_step_for_staff
    _email(staff, "Your two-step verification was reset",
           f"{commissioner.name} reset two-step verification for your account on the {issuer()}, for example "
           "because you lost your phone. "
           + ("Your council requires it: the next time you sign in you will be asked to set it up again with "
              "your authenticator app." if required else
              "You now sign in with your password only; you can turn two-step verification on again from your "
              "account.")
           + f"\n\nIf you did not ask for this, tell {commissioner.name} or another commissioner of your council.",
           kind="two_step_reset")


def set_council_requirement(authority, commissioner: User, required: bool) -> bool:
    """Require (or stop requiring) two-step verification for the council's staff. Returns whether it changed."""
    if not commissioner.is_commissioner or commissioner.authority_id != authority.id:
        raise NotAllowed("Only a commissioner of this council can change its sign-in settings.")
    if authority.require_two_step_for_staff == required:
        return False
    before = authority.require_two_step_for_staff
    authority.require_two_step_for_staff = required
    record_event(commissioner, "authority.two_step_requirement_changed", authority, authority_id=authority.id,
                 before={"require_two_step_for_staff": before}, after={"require_two_step_for_staff": required})
    return True
