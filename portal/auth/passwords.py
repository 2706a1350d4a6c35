"""One password policy for every place a password is chosen: registration, invitations, reset and change.

It follows the NCSC's password guidance: a minimum length (12) and no maximum that gets in the way,
no composition rules (no "one capital, one digit"), and a deny-list of passwords that attackers try
first (common_passwords.txt, shipped with the portal). A password may not be the person's email
address or name either.
"""
import re
from functools import cache
from pathlib import Path

from wtforms.validators import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 200
DENY_LIST = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = DENY_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _squash(text: str) -> str:
    """Lower case, letters and digits only: "Pass-word 1!" -> "password1"."""
    return re.sub(r"[\W_]+", "", text.lower())


def _is_common(password: str) -> bool:
    deny = common_passwords()
    squashed = _squash(password)
    # "Password123456", "qwerty!!2024", "letmein-letmein": a common word dressed up with digits or repeats
    core = re.sub(r"\d+$", "", re.sub(r"^\d+", "", squashed))
    candidates = {password.lower(), squashed, core}
    for size in range(3, len(core) // 2 + 1):
        if len(core) % size == 0 and core[:size] * (len(core) // size) == core:
            candidates.add(core[:size])
    return bool(candidates & deny) or len(set(squashed)) <= 3


def password_problem(password: str, *, email: str | None = None, name: str | None = None) -> str | None:
    """What is wrong with a new password, as a sentence that says how to fix it; None if it is fine."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Enter a password of at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Enter a password of {MAX_LENGTH} characters or fewer"
    lowered = _squash(password)
    if email:
        local = _squash(email.split("@")[0])
        if _squash(email) in lowered or (len(local) >= 4 and local in lowered):
            return "Your password must not contain your email address"
    if name:
        parts = [_squash(part) for part in name.split() if len(_squash(part)) >= 3]
        if parts and (_squash(name) in lowered or any(len(part) >= 4 and part in lowered for part in parts)):
            return "Your password must not contain your name"
    if _is_common(password):
        return ("Choose a password that is harder to guess. This one is too common: "
                "try three or more random words")
    return None


class StrongPassword:
    """The policy as a WTForms validator; email and name come from other fields of the form, or the signed-in user."""

    def __init__(self, email_field: str | None = "email", name_field: str | None = "name"):
        self.email_field, self.name_field = email_field, name_field

    def __call__(self, form, field):
        email = name = None
        if self.email_field and self.email_field in form:
            email = form[self.email_field].data
        if self.name_field and self.name_field in form:
            name = form[self.name_field].data
        user = getattr(form, "password_owner", None)
        if user is None:
            from flask_login import current_user

            user = current_user
        if getattr(user, "is_authenticated", False):
            email, name = email or user.email, name or user.name
        problem = password_problem(field.data or "", email=email, name=name)
        if problem:
            raise ValidationError(problem)
