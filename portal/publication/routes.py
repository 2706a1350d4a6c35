"""The public call-off lists: no sign-in needed, read-only."""
import csv
import io

from flask import Response, abort, current_app, render_template, request, stream_with_context

from portal import clock
from portal.extensions import db

from . import bp, services


def _system_or_404(slug: str):
    system = services.system_by_slug(slug)
    if system is None:
        abort(404)
    return system


def _filters(system) -> tuple[int | None, int | None]:
    """The lot and zone ids chosen in the filter form.

    An id that is not a lot or zone of this system (a stale bookmark, a hand-edited address) is ignored
    rather than answered with 404: the page still shows the whole list, and the select then shows
    "All lots" / "All zones", so what is shown and what the form says agree.
    """
    lot_id = request.args.get("lot", type=int)
    zone_id = request.args.get("zone", type=int)
    if lot_id not in {lot.id for lot in system.lots}:
        lot_id = None
    if zone_id not in {zone.id for zone in system.zones}:
        zone_id = None
    return lot_id, zone_id


def _filter_args(lot_id, zone_id) -> dict:
    """The filters as query arguments for links (pagination, CSV download), without the empty ones."""
    return {name: value for name, value in (("lot", lot_id), ("zone", zone_id)) if value is not None}


@bp.route("/")
def index():
    """Every published call-off list."""
    return render_template("publication/index.html", title="Published call-off lists",
                           systems=services.published_systems())


@bp.route("/<slug>")
def call_off_list(slug):
    """One system's call-off list: its active members, filtered by lot and zone, a page at a time."""
    system = _system_or_404(slug)
    lot_id, zone_id = _filters(system)
    per_page = current_app.config.get("PAGE_SIZE", 50)
    # one query for the page's members (plus one for their zones) and one SELECT count(*) for the total;
    # error_out: a page number past the end answers 404 (page 1 of an empty list is fine)
    page = db.paginate(services.active_members(system, lot_id, zone_id),
                       page=request.args.get("page", 1, type=int), per_page=per_page, error_out=True)
    filtered = lot_id is not None or zone_id is not None
    return render_template(
        "publication/call_off_list.html",
        title=system.title,
        system=system,
        page=page,
        lot_id=lot_id,
        zone_id=zone_id,
        filtered=filtered,
        filter_args=_filter_args(lot_id, zone_id),
    )


@bp.route("/<slug>.csv")
def call_off_list_csv(slug):
    """The call-off list as a CSV file, one row per member per zone, with the page's filters."""
    system = _system_or_404(slug)
    lot_id, zone_id = _filters(system)
    rows = services.call_off_rows(system, lot_id, zone_id)

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # a byte order mark, so spreadsheet programs read the names as UTF-8
        yield "\ufeff"
        for row in rows:
            writer.writerow([services.csv_safe(value) for value in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)

    today = clock.london(clock.now()).date().isoformat()
    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=f"{system.slug}-call-off-list-{today}.csv")
    return response
