"""The public call-off lists: no sign-in needed, read-only."""
from collections import namedtuple
from dataclasses import dataclass
from datetime import timedelta

from flask import Response, abort, current_app, render_template, request, stream_with_context, url_for
from markupsafe import Markup

from portal import clock
from portal.clock import format_date
from portal.commissioning.models import MembershipStatus, today
from portal.documents import xlsx
from portal.documents.csv_download import csv_download
from portal.extensions import db
from portal.pagination import RowPagination
from portal.templating import money

from . import bp, cache, exports, services

#: what a provider's follow button needs of the system
SystemName = namedtuple("SystemName", "id title")


def _system_or_404(slug: str):
    system = services.system_by_slug(slug)
    if system is None:
        abort(404)
    return system


def _filters(system) -> tuple[int | None, int | None, MembershipStatus]:
    """The lot, zone and status chosen in the filter form.

    An id that is not a lot or zone of this system (a stale bookmark, a hand-edited address) is ignored
    rather than answered with 404: the page still shows the whole list, and the select then shows
    "All lots" / "All zones", so what is shown and what the form says agree. The status is active unless
    suspended or removed is asked for.
    """
    lot_id = request.args.get("lot", type=int)
    zone_id = request.args.get("zone", type=int)
    if lot_id not in {lot.id for lot in system.lots}:
        lot_id = None
    if zone_id not in {zone.id for zone in system.zones}:
        zone_id = None
    try:
        status = MembershipStatus(request.args.get("status") or "active")
    except ValueError:
        status = MembershipStatus.active
    return lot_id, zone_id, status


def _filter_args(lot_id, zone_id, status=MembershipStatus.active) -> dict:
    """The filters as query arguments for links (pagination, downloads), without the empty or default ones."""
    args = {name: value for name, value in (("lot", lot_id), ("zone", zone_id)) if value is not None}
    if status is not MembershipStatus.active:
        args["status"] = status.value
    return args


def _filename(system, extension: str) -> str:
    today = clock.london(clock.now()).date().isoformat()
    return f"{system.slug}-call-off-list-{today}.{extension}"


@bp.route("/")
def index():
    """Every published call-off list."""
    return render_template("publication/index.html", title="Published call-off lists",
                           systems=services.published_systems())


@bp.route("/about-this-data")
def about():
    """What each download holds, field by field."""
    return render_template("publication/about.html", title="About this data", fields=services.FIELDS,
                           ocds_prefix=current_app.config.get("OCDS_PREFIX", "ocds-xxxxxx"))


@dataclass(frozen=True)
class RenderedList:
    """What the call-off list page keeps between changes (publication/cache.py): the system's details and the
    list as HTML, the page's title, and the system's id and title (for a provider's follow button)."""

    title: str
    about: Markup
    members: Markup
    system: SystemName


@bp.route("/<slug>")
def call_off_list(slug):
    """One system's call-off list: its active members (or, when asked, its suspended or removed ones),
    filtered by lot and zone, a page at a time.

    Rendered once for each version of the data, day, and choice of filters and page, then kept
    (publication/cache.py): a request then reads only the data's version (and a provider's follow status).
    """
    # the version first: data read after it is at least as new, so a page is never kept under a newer version
    token = cache.current_token()
    args = request.args
    key = (token, today(), slug, args.get("lot", type=int), args.get("zone", type=int), args.get("status"),
           args.get("page", 1, type=int), current_app.config.get("PAGE_SIZE", 50)) if token is not None else None
    rendered = cache.pages.get(key) if key is not None else None
    if rendered is None:
        rendered = _render_list(slug)
        if key is not None:
            cache.pages.put(key, rendered)
    return render_template("publication/call_off_list.html", title=rendered.title, rendered=rendered,
                           following=_following(rendered.system))


def _render_list(slug) -> RenderedList:
    system = _system_or_404(slug)
    lot_id, zone_id, status = _filters(system)
    per_page = current_app.config.get("PAGE_SIZE", 50)
    # the page's members as plain rows, their zones in one more query, and the total;
    # error_out: a page number past the end answers 404 (page 1 of an empty list is fine)
    page = RowPagination(select=services.member_rows(system, lot_id, zone_id, status), session=db.session,
                         page=request.args.get("page", 1, type=int), per_page=per_page, error_out=True, count=False)
    page.total = services.count_members(system, lot_id, zone_id, status)
    zones = services.zones_of([member.id for member in page.items])
    changes = services.latest_change_of(page.items) if status is not MembershipStatus.active else {}
    tag = Markup('<strong class="govuk-tag govuk-tag--{}">{}</strong>').format(
        {"active": "green", "suspended": "yellow"}.get(status.value, "grey"), status.label)
    rows = [_member_row(member, zones.get(member.id, ()), changes.get(member.id), status, tag)
            for member in page.items]
    filtered = lot_id is not None or zone_id is not None
    context = dict(system=system, page=page, lot_id=lot_id, zone_id=zone_id, status=status,
                   statuses=list(MembershipStatus), rows=rows, filtered=filtered,
                   filter_args=_filter_args(lot_id, zone_id, status))
    title = system.title + (f" (page {page.page} of {page.pages})" if page.pages > 1 else "")
    return RenderedList(
        title=title,
        about=Markup(render_template("publication/_call_off_list_about.html", **context)),
        members=Markup(render_template("publication/_call_off_list_members.html", **context)),
        system=SystemName(system.id, system.title),
    )


def _member_row(member, zones, change, status: MembershipStatus, tag: Markup) -> list[dict]:
    """A member's row of the list's table (govukTable cells): provider, lot, zones and rates (zones in name
    order, ignoring case), admitted on, CQC rating, status (and since when, for a suspended or removed one)."""
    name = member.legal_name
    if member.trading_name and member.trading_name != member.legal_name:
        name = f"{member.legal_name} (trading as {member.trading_name})"
    zone_items = "".join(
        Markup('<li>{}: <span class="portal-nowrap">{} an hour</span></li>').format(zone, money(rate))
        for zone, rate in sorted(zones, key=lambda zone: zone[0].lower()))
    status_html = tag
    if change is not None and status is not MembershipStatus.active:
        since = f"Since {format_date(change.changed_at)}"
        if change.category:
            since += f": {change.category.label}"
        if status is MembershipStatus.suspended and member.suspended_until:
            since += f". Back on the list on {format_date(member.suspended_until + timedelta(days=1))}"
        status_html += Markup('<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">{}</p>').format(
            since)
    return [
        {"text": name},
        {"text": f"Lot {member.number}: {member.title}"},
        {"html": Markup('<ul class="govuk-list govuk-!-margin-bottom-0">{}</ul>').format(Markup(zone_items))},
        {"text": format_date(member.admitted_on), "classes": "portal-nowrap"},
        {"text": member.cqc_rating.label if member.cqc_rating else "Not known"},
        {"html": status_html},
    ]


def _following(system) -> bool | None:
    """Whether the signed-in provider user follows the system; None for anyone else (no button shown)."""
    from flask_login import current_user

    from portal.onboarding.notifications import is_following

    if not (current_user.is_authenticated and current_user.is_provider):
        return None
    return is_following(current_user, system)


@bp.route("/<slug>.csv")
def call_off_list_csv(slug):
    """The call-off list as a CSV file, one row per member per zone, with the page's filters."""
    system = _system_or_404(slug)
    return csv_download(services.call_off_rows(system, *_filters(system)), _filename(system, "csv"))


@bp.route("/<slug>.json")
def call_off_list_json(slug):
    """The call-off list as JSON, one object per member with its zones, streamed; a stable address."""
    system = _system_or_404(slug)
    lot_id, zone_id, status = _filters(system)
    head = exports.json_head(system, lot_id, zone_id, status,
                             about_url=url_for(".about", _external=True),
                             list_url=url_for(".call_off_list", slug=system.slug, _external=True))
    records = services.member_records(system, lot_id, zone_id, status)
    response = Response(stream_with_context(exports.json_stream(head, records)), mimetype="application/json")
    if request.args.get("download"):
        response.headers.set("Content-Disposition", "attachment", filename=_filename(system, "json"))
    return response


@bp.route("/<slug>.xlsx")
def call_off_list_xlsx(slug):
    """The call-off list as an Excel workbook (rows like the CSV, typed cells, and an About sheet)."""
    system = _system_or_404(slug)
    records = services.member_records(system, *_filters(system))
    # streamed as it is written: rows go into the zip a batch at a time, nothing is held whole
    response = Response(stream_with_context(exports.workbook_stream(system, records)), mimetype=xlsx.MIMETYPE)
    response.headers.set("Content-Disposition", "attachment", filename=_filename(system, "xlsx"))
    return response


@bp.route("/<slug>.ocds.json")
def call_off_list_ocds(slug):
    """The system's admissions as an Open Contracting Data Standard 1.1 release package, streamed."""
    from . import ocds

    system = _system_or_404(slug)
    package = ocds.release_package_stream(
        system, prefix=current_app.config.get("OCDS_PREFIX", "ocds-xxxxxx"),
        package_uri=url_for(".call_off_list_ocds", slug=system.slug, _external=True),
        publisher_uri=url_for(".index", _external=True))
    response = Response(stream_with_context(package), mimetype="application/json")
    if request.args.get("download"):
        response.headers.set("Content-Disposition", "attachment", filename=_filename(system, "ocds.json"))
    return response
