"""The scoring and moderation pages' main content, kept by each worker while nothing it shows can have changed.

Everything the two pages show below the heading's provider name is changed only by services that record an
audit event for the round's council in the same transaction: the application's lots, answers, standard
responses and documents (the provider's own services, while the application is a draft, and its submission),
the questions and standards (the council's set-up), assignments made, moved and submitted, scores and
results saved, declarations and their decisions, extensions, agreed scores and results, the round's
evaluation starting, its decisions and publication, the system's title, kind and scale. So the content is kept
with the council's newest event and the day (portal.kept: the clock's working days left, a document's expiry),
and the round's close ends its life (the clock starts). A provider may rename their organisation without a
council event, and the name is in the page's heading: it is read with the page's own object every time and is
part of the stamp. Evaluators' names are never changed by the portal.

Only a GET keeps or shows kept content: a POST's page (typed values, errors, a crossing save) is always made
afresh. The permission checks run on every request before any of this. The form's CSRF field is written
afresh into the kept content on every request.
"""
from datetime import datetime

from markupsafe import Markup

from portal.kept import Stamp, Store

from .forms import csrf_field

#: where each worker keeps the pages' content, as (before, after) the form's CSRF field
KEPT = Store("evaluation_scoring_pages")


def kept(key: tuple, at: Stamp) -> Markup | None:
    """The page's kept content, with this request's CSRF field, if it is still current; else None."""
    content = KEPT.get(key, at)
    if content is None:
        return None
    before, after = content
    # the kept pieces were escaped or written as markup when the content was made
    return Markup(f"{before}{csrf_field()}{after}")  # nosec B704


def keep(key: tuple, at: Stamp, content: Markup, valid_until: datetime | None) -> Markup:
    """Keep the page's content made at `at` (written with this request's CSRF field) and give it back."""
    csrf = str(csrf_field())
    if csrf and csrf not in str(content):
        return content  # no form on the page: nothing to write afresh, and nothing kept
    before, _, after = str(content).partition(csrf) if csrf else (str(content), "", "")
    KEPT.put(key, at, (before, after), valid_until)
    return content
