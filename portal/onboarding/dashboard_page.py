"""The provider's dashboard written in Python: its organisation's applications, the rounds open for applications
and the purchasing systems to follow, read as plain rows (three short queries on the session's connection) and drawn as the Jinja template
drew them, byte for byte (tests/onboarding/test_dashboard_markup.py compares the page with that template,
tests/data/provider_dashboard_in_jinja.html, on the same data).

A few ORM queries with joined loads and a template looping over them cost several times what the page shows.
"""
from functools import cache

from flask import url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select

from portal.clock import format_datetime, now
from portal.commissioning.models import Authority, PurchasingSystem, Round
from portal.extensions import db
from portal.urls import ID, url_pattern

from .models import Application, ApplicationStatus
from .notifications import running_systems_with_follow_state

#: the colour of each status's tag (words say the status; the colour only adds to them)
STATUS_COLOURS = {ApplicationStatus.draft: "grey", ApplicationStatus.submitted: "blue",
                  ApplicationStatus.withdrawn: "orange", ApplicationStatus.in_evaluation: "purple",
                  ApplicationStatus.decided: "green"}

@cache
def _statements() -> dict:
    """The dashboard's statements, built once (SQLAlchemy reuses each one's compiled form)."""
    moment = bindparam("moment", type_=Round.opens_at.type)
    return {
        "applications": select(Application.id, Application.reference, Application.status, Application.round_id,
                               Round.number, Round.closes_at, Round.published_at, PurchasingSystem.title)
        .join(Round, Round.id == Application.round_id).join(PurchasingSystem, PurchasingSystem.id == Round.system_id)
        .where(Application.organisation_id == bindparam("organisation_id"))
        .order_by(Application.created_at.desc(), Application.id.desc()),
        "open_rounds": select(Round.id, Round.number, Round.closes_at, Round.paused, Round.pause_reason,
                              PurchasingSystem.title, PurchasingSystem.procedure, Authority.name)
        .join(PurchasingSystem, PurchasingSystem.id == Round.system_id)
        .join(Authority, Authority.id == PurchasingSystem.authority_id)
        .where(Round.opens_at <= moment, Round.closes_at > moment).order_by(Round.closes_at, Round.id),
        "systems": running_systems_with_follow_state(PurchasingSystem.id, PurchasingSystem.title, Authority.name)
        .join(Authority, Authority.id == PurchasingSystem.authority_id)
        .order_by(PurchasingSystem.title, PurchasingSystem.id),
    }


def dashboard_main(user) -> Markup:
    """The dashboard's main content for a provider user."""
    statements = _statements()
    moment = now()
    # plain rows, straight from the session's connection (no ORM objects to build)
    connection = db.session.connection()
    applications = connection.execute(statements["applications"], {"organisation_id": user.organisation_id}).all()
    open_rounds = connection.execute(statements["open_rounds"], {"moment": moment}).all()
    systems = connection.execute(statements["systems"], {"today": moment.date(), "user_id": user.id}).all()
    task_list = url_pattern("onboarding.task_list", application_id=ID)
    parts = ['<h1 class="govuk-heading-l">Your applications</h1>\n\n'
             '<h2 class="govuk-heading-m">Your organisation\'s applications</h2>\n']
    parts.append(_applications(applications, task_list) if applications else
                 '<p class="govuk-body">Your organisation has not applied to any purchasing system yet.</p>\n')
    parts.append('\n<h2 class="govuk-heading-m">Rounds open for applications</h2>\n')
    csrf = escape(generate_csrf())
    if open_rounds:
        applied = {}
        for application in applications:
            applied[application.round_id] = application.id
        parts.append(_open_rounds(open_rounds, applied, task_list, csrf))
    else:
        parts.append('<p class="govuk-body">No purchasing system is open for applications just now.</p>\n')
    parts.append('\n<h2 class="govuk-heading-m">Follow a purchasing system</h2>\n'
                 '<p class="govuk-body">Follow a system to get an email when one of its rounds opens for '
                 'applications.</p>\n')
    parts.append(_systems(systems, csrf) if systems else
                 '<p class="govuk-body">There are no purchasing systems to follow yet.</p>\n')
    # every piece of text in it is escaped
    return Markup("".join(parts))  # nosec B704


def _applications(applications, task_list: str) -> str:
    outcome = url_pattern("onboarding.outcome", application_id=ID)
    parts = ['<table class="govuk-table">\n'
             '  <caption class="govuk-table__caption govuk-visually-hidden">Your organisation\'s applications</caption>\n'
             '  <thead class="govuk-table__head"><tr class="govuk-table__row">\n'
             '    <th scope="col" class="govuk-table__header">Purchasing system</th>\n'
             '    <th scope="col" class="govuk-table__header">Round</th>\n'
             '    <th scope="col" class="govuk-table__header">Closes</th>\n'
             '    <th scope="col" class="govuk-table__header">Status</th>\n'
             '  </tr></thead>\n'
             '  <tbody class="govuk-table__body">\n']
    for a in applications:
        reference = f'<br><span class="govuk-body-s">Reference {escape(a.reference)}</span>' if a.reference else ""
        see_outcome = (f'<br><a class="govuk-link" href="{outcome.format(a.id)}">See the outcome</a>'
                       if a.published_at else "")
        parts.append(
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell"><a class="govuk-link" href="{task_list.format(a.id)}">'
            f'{escape(a.title)}</a>\n{reference}</td>\n'
            f'      <td class="govuk-table__cell">Round {a.number}</td>\n'
            f'      <td class="govuk-table__cell">{escape(format_datetime(a.closes_at))}</td>\n'
            f'      <td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--{STATUS_COLOURS[a.status]}">'
            f'{escape(a.status.label)}</strong>\n\n{see_outcome}</td>\n'
            '    </tr>\n')
    parts.append('  </tbody>\n</table>\n')
    return "".join(parts)


def _open_rounds(open_rounds, applied: dict, task_list: str, csrf: str) -> str:
    clarifications = url_pattern("onboarding.round_clarifications", round_id=ID)
    start = url_pattern("onboarding.start", round_id=ID)
    parts = []
    for r in open_rounds:
        title = escape(r.title)
        # (the template's line for it kept neither its indent nor its line break)
        paused = (f'<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Paused</dt>'
                  f'<dd class="govuk-summary-list__value">{escape(r.pause_reason)}</dd></div>' if r.paused else "")
        parts.append(
            '  <div class="govuk-summary-card">\n'
            '    <div class="govuk-summary-card__title-wrapper">\n'
            f'      <h3 class="govuk-summary-card__title">{title}: Round {r.number}</h3>\n'
            '    </div>\n'
            '    <div class="govuk-summary-card__content">\n'
            '      <dl class="govuk-summary-list">\n'
            '        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Council</dt>'
            f'<dd class="govuk-summary-list__value">{escape(r.name)}</dd></div>\n'
            '        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Type</dt>'
            f'<dd class="govuk-summary-list__value">{escape(r.procedure.label)}</dd></div>\n'
            '        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Closes</dt>'
            f'<dd class="govuk-summary-list__value"><strong>{escape(format_datetime(r.closes_at))}</strong></dd></div>\n'
            f'{paused}'
            '      </dl>\n'
            f'      <p class="govuk-body"><a class="govuk-link" href="{clarifications.format(r.id)}">Questions and '
            f'answers<span class="govuk-visually-hidden"> about {title}, Round {r.number}</span></a>: ask the '
            'council about this round, and read its published clarifications.</p>\n')
        if r.id in applied:
            parts.append('        <a class="govuk-button govuk-button--secondary" '
                         f'href="{task_list.format(applied[r.id])}">Continue your application</a>\n')
        elif not r.paused:
            parts.append(
                f'        <form method="post" action="{start.format(r.id)}" data-submit-once>\n'
                f'          <input type="hidden" name="csrf_token" value="{csrf}">\n'
                '          <button type="submit" class="govuk-button" data-module="govuk-button" '
                'data-prevent-double-click="true">Start an application<span class="govuk-visually-hidden"> to '
                f'{title}</span></button>\n'
                '        </form>\n')
        parts.append('    </div>\n  </div>\n')
    return "".join(parts)


def _systems(systems, csrf: str) -> str:
    follow = url_pattern("onboarding.follow_system", system_id=ID)
    unfollow = url_pattern("onboarding.unfollow_system", system_id=ID)
    here = escape(url_for("onboarding.dashboard"))
    parts = ['<table class="govuk-table">\n'
             '  <caption class="govuk-table__caption govuk-visually-hidden">Purchasing systems you can follow</caption>\n'
             '  <thead class="govuk-table__head"><tr class="govuk-table__row">\n'
             '    <th scope="col" class="govuk-table__header">Purchasing system</th>\n'
             '    <th scope="col" class="govuk-table__header">Council</th>\n'
             '    <th scope="col" class="govuk-table__header">You</th>\n'
             '    <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>\n'
             '  </tr></thead>\n'
             '  <tbody class="govuk-table__body">\n']
    for system_id, title, council, following in systems:
        title = escape(title)
        parts.append(
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell">{title}</td>\n'
            f'      <td class="govuk-table__cell">{escape(council)}</td>\n'
            f'      <td class="govuk-table__cell">{"Following" if following else "Not following"}</td>\n'
            '      <td class="govuk-table__cell"><form method="post" '
            f'action="{(unfollow if following else follow).format(system_id)}" class="portal-inline-form">\n'
            f'  <input type="hidden" name="csrf_token" value="{csrf}">\n'
            f'  <input type="hidden" name="next" value="{here}">\n'
            '  <button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" '
            f'data-module="govuk-button">{"Stop following" if following else "Follow"}'
            f'<span class="govuk-visually-hidden"> {title}</span></button>\n'
            '</form>\n</td>\n'
            '    </tr>\n')
    parts.append('  </tbody>\n</table>\n')
    return "".join(parts)
