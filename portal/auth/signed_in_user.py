"""The signed-in person as each request knows them: their account's columns, read with their council's name and
two-step rule and their organisation's name in one plain query by the user loader.

Every signed-in request loads the person, and most pages read only their id, role, council or organisation from
them. Loading the account as ORM objects (the User with its council and organisation) cost about 0.1 ms of a page
of about 1 ms; plain values cost next to nothing. So the loader gives a SignedInUser, and the account itself (a
User) is loaded the first time a request asks for anything else: a relationship (`user.organisation`), a method
(`check_password`), or a change to a column (`user.larger_text = True`). From then on the account answers every
column too, so a change made to it is what the rest of the request reads. Code that receives the signed-in
person works the same with a SignedInUser or a User (as when someone has just signed in), and reads its
attributes by name only; `account` is the User for anything that must be an ORM object.
"""
from sqlalchemy import bindparam, select

from portal.commissioning.models import Authority
from portal.extensions import db
from portal.onboarding.models import Organisation

from .models import SignedIn, User, two_step_required_of

_USERS = User.__table__
#: the account's columns by attribute name (the same names as on User)
COLUMNS = {column.key: column for column in _USERS.columns}
#: the account, its council's name and two-step rule and its organisation's name: one plain query
STATEMENT = (select(*COLUMNS.values(), Authority.name.label("council_name"),
                    Authority.require_two_step_for_staff.label("council_requires_two_step"),
                    Organisation.legal_name.label("organisation_name"))
             .select_from(_USERS.outerjoin(Authority.__table__, _USERS.c.authority_id == Authority.id)
                          .outerjoin(Organisation.__table__, _USERS.c.organisation_id == Organisation.id))
             .where(_USERS.c.id == bindparam("user_id")))


class _Column:
    """One of the account's columns: the value read by the loader until the account is loaded, then the account's."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, user, owner=None):
        if user is None:
            return self
        account = user._account
        return user._row[self.name] if account is None else getattr(account, self.name)

    def __set__(self, user, value):
        setattr(user.account, self.name, value)


def _borrowed(*names) -> list:
    """User's own properties and methods of these names: each reads only the account's columns."""
    return [User.__dict__[name] for name in names]


class SignedInUser:
    """The signed-in person (see the module's docstring)."""

    is_authenticated = True
    is_anonymous = False
    _account = None
    #: what the header shows of the person (portal.auth.sessions.signed_in), set by the loader
    signed_in_summary = None

    (is_active, get_id, is_provider, is_commissioner, is_scorer, is_panel_member, two_step_on,
     may_use_two_step, must_set_up_two_step, __repr__) = _borrowed(
        "is_active", "get_id", "is_provider", "is_commissioner", "is_scorer", "is_panel_member", "two_step_on",
        "may_use_two_step", "must_set_up_two_step", "__repr__")

    def __init__(self, row):
        self._row = row._mapping

    @classmethod
    def load(cls, user_id: int) -> "SignedInUser | None":
        """The person with this id as the loader reads them (one query), or None if there is no such account."""
        row = db.session.connection().execute(STATEMENT, {"user_id": user_id}).first()
        return None if row is None else cls(row)

    @property
    def account(self) -> User:
        """The person's account as an ORM object, loaded the first time it is asked for (one query)."""
        if self._account is None:
            self._account = db.session.get(User, self._row["id"])
        return self._account

    @property
    def two_step_required(self) -> bool:
        return two_step_required_of(self.role, self._row["council_requires_two_step"])

    def summary(self) -> SignedIn:
        """What the page's header shows of the person, from what the loader read."""
        return SignedIn(name=self.name, role=self.role, council=self._row["council_name"],
                        organisation=self._row["organisation_name"], larger_text=self.larger_text)

    def __getattr__(self, name):
        # anything the loader did not read (a relationship, a method) is the account's
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.account, name)


for _name in COLUMNS:
    setattr(SignedInUser, _name, _Column(_name))


def account_of(user) -> User:
    """The person's account as an ORM object, whether `user` is a SignedInUser or already a User: for code that
    changes the account or records an event about it."""
    return user.account if isinstance(user, SignedInUser) else user
