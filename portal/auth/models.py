"""Accounts and roles."""
import enum
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.core import UTCDateTime
from portal.extensions import db

_hasher = PasswordHasher()


class Role(enum.Enum):
    provider = "provider"
    evaluator = "evaluator"  #: a council officer who scores
    panel_member = "panel_member"  #: a service-user panel member who scores panel questions
    commissioner = "commissioner"

    @property
    def label(self) -> str:
        return {
            Role.provider: "Provider",
            Role.evaluator: "Evaluator (council officer)",
            Role.panel_member: "Service-user panel member",
            Role.commissioner: "Commissioner",
        }[self]


COUNCIL_ROLES = (Role.evaluator, Role.panel_member, Role.commissioner)
#: the council's own officers: a council's "require two-step verification for staff" applies to them. Not to
#: service-user panel members, who may opt in but are never made to (many have little IT experience).
STAFF_ROLES = (Role.evaluator, Role.commissioner)


def two_step_required_of(role: Role, council_requires_two_step: bool | None) -> bool:
    """Whether someone in this role must use two-step verification, when their council does or does not require
    it of its staff: council staff only, never service-user panel members or providers."""
    return role in STAFF_ROLES and bool(council_requires_two_step)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'provider' AND organisation_id IS NOT NULL AND authority_id IS NULL)"
            " OR (role <> 'provider' AND authority_id IS NOT NULL AND organisation_id IS NULL)",
            name="belongs_to_one_side",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    #: the council a commissioner, evaluator or panel member works for
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), index=True)
    #: the provider organisation a provider user belongs to
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: the provider user who registered the organisation: the only one who invites and removes colleagues
    is_owner: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: when the owner removed this colleague from the organisation; a removed user cannot sign in
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: shows the portal's text larger (a choice the person makes on the panel pages; remembered)
    larger_text: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: the authenticator app's shared secret, encrypted (portal.auth.two_step); None when two-step is off
    two_step_secret: Mapped[str | None] = mapped_column(String(500))
    #: when two-step verification was turned on; None when it is off
    two_step_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the 30-second time step of the last code accepted: a code is never accepted twice
    two_step_last_step: Mapped[int | None] = mapped_column(BigInteger)

    authority = relationship("Authority")
    organisation = relationship("Organisation", back_populates="users")

    @property
    def is_active(self) -> bool:
        return self.active and self.removed_at is None

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: it changes with the password (log out everywhere)."""
        from .sessions import session_id_for

        return session_id_for(self)

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_provider(self) -> bool:
        return self.role is Role.provider

    @property
    def is_commissioner(self) -> bool:
        return self.role is Role.commissioner

    @property
    def is_scorer(self) -> bool:
        """An evaluator or panel member: someone who can be assigned to score."""
        return self.role in (Role.evaluator, Role.panel_member)

    @property
    def is_panel_member(self) -> bool:
        return self.role is Role.panel_member

    @property
    def two_step_on(self) -> bool:
        return self.two_step_enabled_at is not None

    @property
    def may_use_two_step(self) -> bool:
        """Council staff and panel members may turn on two-step verification."""
        return self.role in COUNCIL_ROLES

    @property
    def two_step_required(self) -> bool:
        """The person's council requires two-step verification of its staff (never of panel members)."""
        return self.role in STAFF_ROLES and two_step_required_of(self.role, self.authority.require_two_step_for_staff)

    @property
    def must_set_up_two_step(self) -> bool:
        return self.two_step_required and not self.two_step_on

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """What every page's header says about the signed-in person: read when the request loads them.

    The layout reads this rather than the account, so that a page that commits (which expires every loaded
    object) does not load the account, its council and its organisation again just to draw the header.
    """

    name: str
    role: Role
    #: the council a member of staff works for (shown as the header's title)
    council: str | None
    #: the provider organisation a provider user belongs to
    organisation: str | None
    larger_text: bool

    @classmethod
    def of(cls, user: "User") -> "SignedIn":
        return cls(name=user.name, role=user.role, council=user.authority.name if user.authority else None,
                   organisation=user.organisation.legal_name if user.organisation else None,
                   larger_text=user.larger_text)

    @property
    def is_commissioner(self) -> bool:
        return self.role is Role.commissioner

    @property
    def is_provider(self) -> bool:
        return self.role is Role.provider

    @property
    def may_use_two_step(self) -> bool:
        return self.role in COUNCIL_ROLES


#: signing in finds an account by its email whatever its case, without reading every account
Index("ix_users_email_lower", func.lower(User.email))


class RecoveryCode(db.Model):
    """A single-use code that stands in for an authenticator app's code; only its hash is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailure(db.Model):
    """A wrong password or a wrong code for an account (by the email typed, whether or not it has an account).

    Counted in the database so every worker sees the same count; old rows stop counting after the window
    (portal.auth.limits) and are pruned. A correct sign-in removes nothing.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_account_kind_at", "account", "kind", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(20))  #: "password" or "code"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
