"""Email: every message goes to the outbox table; SMTP delivers it when configured."""
from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/outbox")

from . import routes  # noqa: E402,F401
