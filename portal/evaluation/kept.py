"""The scoring and moderation pages' main content, kept by each worker while nothing it shows can have changed.

Everything the two pages show below the heading's provider name is changed only by services that record an
audit event for the round's council in the same transaction: the application's lots, answers, standard
responses and documents (the provider's own services, while the application is a draft, and its submission),
the questions and standards (the council's set-up), assignments made, moved and submitted, scores and
results saved, declarations and their decisions, extensions, agreed scores and results, the round's
evaluation starting, its decisions and publication, the system's title, kind and scale. Events only join the
log, each with a higher number than any before it, so content kept with the council's newest event (its
number and hash, as the round page and the commissioner's dashboard keep theirs) is current while that is
still the newest. What changes without anyone acting is in the stamp too: the day (the clock's working days
left, a document's expiry), and the round's close ends the content's life (the clock starts). A provider may
rename their organisation without a council event, and the name is in the page's heading: it is read with the
page's own object every time and is part of the stamp. Evaluators' names are never changed by the portal.

Only a GET keeps or shows kept content: a POST's page (typed values, errors, a crossing save) is always made
afresh. The permission checks run on every request before any of this. The form's CSRF field is written
afresh into the kept content on every request.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request
from markupsafe import Markup

from portal.clock import london, now
from portal.commissioning.dashboard import COUNCIL_HEAD
from portal.extensions import db

from .forms import csrf_field

#: where each worker keeps the pages' content (tests forget it with the data)
KEPT = "evaluation_scoring_pages"
#: how many pages' content a worker keeps: past it, it starts again
KEPT_PAGES = 500


@dataclass(frozen=True, slots=True)
class _Kept:
    """One page's content as shown at one state of the council's audit log on one day, from counted_at until
    valid_until (the round's close)."""

    stamp: tuple
    counted_at: datetime
    valid_until: datetime | None
    #: the content before and after the form's CSRF field
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a page's content was made at: the council's newest event, the day and what is read every time."""

    key: tuple
    values: tuple
    moment: datetime


def stamp(key: tuple, authority_id: int, *read_every_time) -> Stamp:
    """The stamp of the page `key` now: read before its content is made, so content made after a later change
    is kept under an older event, never the reverse."""
    moment = now()
    newest = db.session.connection().execute(COUNCIL_HEAD, {"authority_id": authority_id}).first()
    values = (tuple(newest) if newest else None, london(moment).date(), request.script_root, *read_every_time)
    return Stamp(key, values, moment)


def kept(at: Stamp) -> Markup | None:
    """The page's kept content, with this request's CSRF field, if it is still current; else None."""
    entry = current_app.extensions.get(KEPT, {}).get(at.key)
    if entry is None or entry.stamp != at.values or at.moment < entry.counted_at or (
            entry.valid_until is not None and at.moment >= entry.valid_until):
        return None
    # the kept pieces were escaped or written as markup when the content was made
    return Markup(f"{entry.before}{csrf_field()}{entry.after}")  # nosec B704


def keep(at: Stamp, content: Markup, valid_until: datetime | None) -> Markup:
    """Keep the page's content made at `at` (written with this request's CSRF field) and give it back."""
    csrf = str(csrf_field())
    before, _, after = str(content).partition(csrf) if csrf else (str(content), "", "")
    if csrf and csrf not in str(content):
        return content  # no form on the page: nothing to write afresh, and nothing kept
    pages = current_app.extensions.setdefault(KEPT, {})
    if len(pages) >= KEPT_PAGES:
        pages.clear()
    pages[at.key] = _Kept(at.values, at.moment, valid_until if valid_until and valid_until > at.moment else None,
                          before, after)
    return content
