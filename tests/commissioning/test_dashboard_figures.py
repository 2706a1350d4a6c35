"""The commissioning dashboard's figures are kept by each worker between requests (council_overviews) and
counted again as soon as anything they count changes: every kind of change, through the services that make
it, and every change the clock makes without anyone acting, shows on the very next page."""
import re
from datetime import date, timedelta

from sqlalchemy import update

from portal.commissioning import member_import
from portal.commissioning import members as memberships
from portal.commissioning import services as commissioning
from portal.commissioning.models import ChangeCategory, Membership, MembershipStatus, Outcome
from portal.demo import at, build_isf_system, complete_application, score_application
from portal.evaluation import services as evaluation
from portal.evaluation.deadlines import evaluation_clock, extend_evaluation_deadline
from portal.onboarding import services as onboarding
from portal.querycount import count_queries

IMPORT = ("Organisation legal name,Companies House number,CQC provider ID,Lot,Zones,Rate,Admitted on\n"
          "DIAL Peterborough,07654321,,1,Peterborough,16.20,01/05/2021\n")


class Dashboard:
    """The dashboard as the commissioner sees it, read into its figures."""

    def __init__(self, client, system):
        self.client, self.system = client, system

    def section(self, system=None) -> str:
        page = self.client.get("/commissioning/").get_data(as_text=True)
        return page.split(f'id="system-{(system or self.system).id}"')[1].split("</section>")[0]

    def pipeline(self) -> tuple:
        """(drafts, submitted, in evaluation, overdue, decided and not published)"""
        table = self.section().split("Applications to")[1].split("</table>")[0]
        cells = re.findall(r'govuk-table__cell--numeric">(.*?)</td>', table)
        return tuple(int(re.sub(r"<[^>]+>|overdue", "", cell)) for cell in cells)

    def members(self, zone: str) -> tuple:
        """Active members in a zone: (Lot 1, Lot 2)"""
        found = re.search(rf'>{zone}</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>', self.section())
        return int(found[1]), int(found[2])


def test_every_change_to_the_pipeline_shows_at_once(client, db, council, login, system, make_round, make_provider,
                                                    frozen_clock):
    login(council.commissioner)
    page = Dashboard(client, system)
    round_ = make_round()  # open, closing at midday on 15 June 2026
    assert page.pipeline() == (0, 0, 0, 0, 0)

    first = make_provider("Bloomsbury Home Care LTD")
    onboarding.start_application(round_, make_provider("Drafting Care Ltd"))
    db.session.commit()
    assert page.pipeline() == (1, 0, 0, 0, 0)  # a provider started an application

    application = complete_application(round_, first, lots=[system.lots[0]])
    db.session.commit()
    assert page.pipeline() == (2, 0, 0, 0, 0)
    onboarding.submit_application(application, first, declaration_confirmed=True)
    db.session.commit()
    assert page.pipeline() == (1, 1, 0, 0, 0)  # submitted
    onboarding.reopen_application(application, first)
    db.session.commit()
    assert page.pipeline() == (2, 0, 0, 0, 0)  # reopened to change it
    onboarding.submit_application(application, first, declaration_confirmed=True)
    db.session.commit()
    assert page.pipeline() == (1, 1, 0, 0, 0)

    leaver = make_provider("Leaving Care Ltd")
    gone = complete_application(round_, leaver, lots=[system.lots[0]])
    onboarding.submit_application(gone, leaver, declaration_confirmed=True)
    db.session.commit()
    assert page.pipeline() == (1, 2, 0, 0, 0)
    onboarding.withdraw_application(gone, leaver)
    db.session.commit()
    assert page.pipeline() == (1, 1, 0, 0, 0)  # withdrawn

    commissioning.extend_round(round_, council.commissioner, closes_at=at(2026, 6, 19, 12),
                               reason="Providers asked for more time.")
    db.session.commit()
    frozen_clock.move_to(at(2026, 6, 16, 9))
    assert page.pipeline() == (1, 1, 0, 0, 0)  # still open: its closing time moved later
    frozen_clock.move_to(at(2026, 6, 19, 11, 59))
    assert page.pipeline() == (1, 1, 0, 0, 0)
    frozen_clock.move_to(at(2026, 6, 19, 12, 0))
    assert page.pipeline() == (0, 1, 0, 0, 0)  # closed by the clock, nobody acting: the draft leaves

    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    assert page.pipeline() == (0, 0, 1, 0, 0)  # evaluation started

    due_on = evaluation_clock(round_).due_on
    frozen_clock.move_to(at(due_on.year, due_on.month, due_on.day, 23, 59))
    assert page.pipeline() == (0, 0, 1, 0, 0)
    next_day = due_on + timedelta(days=1)
    frozen_clock.move_to(at(next_day.year, next_day.month, next_day.day, 0, 1))
    assert page.pipeline() == (0, 0, 1, 1, 0)  # overdue from the next day, nobody acting
    extend_evaluation_deadline(round_, council.commissioner, justification="Site visits needed.")
    db.session.commit()
    assert page.pipeline() == (0, 0, 1, 0, 0)  # extended to 15 working days

    evaluation.declare_conflicts(round_, council.evaluator1, {application.organisation_id: (False, "")})
    score_application(application, None, council.commissioner, score=4)
    commissioning.record_decision(application, system.lots[0], council.commissioner, outcome=Outcome.admit,
                                  reasons="Passed.")
    commissioning.confirm_decisions(round_, council.commissioner)
    db.session.commit()
    assert page.pipeline() == (0, 0, 0, 0, 1)  # decided, not yet published
    commissioning.update_system(system, council.commissioner, standstill_working_days=0)
    commissioning.publish_round(round_, council.commissioner)
    db.session.commit()
    assert page.pipeline() == (0, 0, 0, 0, 0)
    assert page.members("Peterborough") == (1, 0)  # admitted by publishing
    assert ">Peterborough: 1</text>" in page.section()  # and on the chart


def test_every_change_to_the_members_and_the_chart_shows_at_once(client, db, council, login, system, frozen_clock):
    login(council.commissioner)
    page = Dashboard(client, system)
    assert page.members("Peterborough") == (0, 0) and "<svg" not in page.section()

    [membership] = member_import.confirm_import(system, council.commissioner, IMPORT, source="old-list.csv")
    db.session.commit()
    assert page.members("Peterborough") == (1, 0)  # imported
    assert ">Peterborough: 1</text>" in page.section()
    assert "1 May 2021</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">1</td>" in page.section()

    memberships.suspend_membership(membership, council.commissioner, category=ChangeCategory.safeguarding,
                                   reason="Safeguarding concern under review.", until=date(2026, 6, 2))
    db.session.commit()
    assert page.members("Peterborough") == (0, 0)  # suspended
    frozen_clock.move_to(at(2026, 6, 2, 23, 59))
    assert page.members("Peterborough") == (0, 0)  # its last day
    frozen_clock.move_to(at(2026, 6, 3, 0, 1))
    assert page.members("Peterborough") == (1, 0)  # active again the next morning, nobody acting
    assert "3 June 2026</td>" in page.section()  # the chart's table runs to today

    memberships.remove_membership(membership, council.commissioner, category=ChangeCategory.ceased_trading,
                                  reason="Left the market.")
    db.session.commit()
    assert page.members("Peterborough") == (0, 0)  # removed (the chart keeps its history)

    peterborough = next(zone for zone in system.zones if zone.name == "Peterborough")
    commissioning.rename_zone(peterborough, council.commissioner, name="Peterborough City")
    db.session.commit()
    assert ">Peterborough City: 1</text>" in page.section()  # renamed zone, on the chart too

    other = build_isf_system(council.commissioner, reference="CCC-HC-DPS-2026", title="Home care DPS")
    db.session.commit()
    assert "Home care DPS" in page.section(other)  # a new system has its figures at once


def test_figures_are_kept_until_the_audit_log_moves_and_counted_again_after(client, app, db, council, login, system,
                                                                            frozen_clock):
    [membership] = member_import.confirm_import(system, council.commissioner, IMPORT, source="old-list.csv")
    db.session.commit()
    login(council.commissioner)
    page = Dashboard(client, system)
    with count_queries() as counting:
        assert page.members("Peterborough") == (1, 0)
    with count_queries() as keeping:
        assert page.members("Peterborough") == (1, 0)
    assert keeping[0] < counting[0]  # the second page reads the kept figures, not the aggregates

    # a change no service made (so no audit event) is not seen while the figures are kept...
    db.session.execute(update(Membership).where(Membership.id == membership.id)
                       .values(status=MembershipStatus.removed))
    db.session.commit()
    assert page.members("Peterborough") == (1, 0)
    # ...and is counted with the next audited change, whatever it is about
    commissioning.update_system(system, council.commissioner, standstill_working_days=5)
    db.session.commit()
    assert page.members("Peterborough") == (0, 0)


def test_closing_early_and_reinstating_show_at_once(client, db, council, login, system, make_round, make_provider):
    login(council.commissioner)
    page = Dashboard(client, system)
    round_ = make_round()
    onboarding.start_application(round_, make_provider("Drafting Care Ltd"))
    [membership] = member_import.confirm_import(system, council.commissioner, IMPORT, source="old-list.csv")
    memberships.suspend_membership(membership, council.commissioner, category=ChangeCategory.quality_concerns,
                                   reason="Missed visits under review.")
    db.session.commit()
    assert page.pipeline() == (1, 0, 0, 0, 0) and page.members("Peterborough") == (0, 0)

    commissioning.close_round_early(round_, council.commissioner, reason="Enough providers applied.")
    db.session.commit()
    assert page.pipeline() == (0, 0, 0, 0, 0)  # closed now, before its closing time: the draft leaves at once
    memberships.reinstate_membership(membership, council.commissioner, category=ChangeCategory.concerns_resolved,
                                     reason="Visits back on time.")
    db.session.commit()
    assert page.members("Peterborough") == (1, 0)  # reinstated


# ---- the sections are kept per council (council_dashboard): other councils' activity leaves them as they are

#: the dashboard's template before its systems' sections were kept (commissioning/_dashboard_systems.html)
OLD_DASHBOARD = '{% extends "layout.html" %}\n{% block main_content %}\n<h1 class="govuk-heading-l">{{ title }}</h1>\n{{ govukButton({"text": "Set up a purchasing system", "href": url_for("commissioning.new_system")}) }}\n{% for system in systems %}{% set o = overviews[system.id] %}\n<section class="govuk-!-margin-bottom-9" aria-labelledby="system-{{ system.id }}">\n  <h2 class="govuk-heading-m" id="system-{{ system.id }}"><a class="govuk-link" href="{{ url_for(\'commissioning.system\', system_id=system.id) }}">{{ system.title }}</a></h2>\n  <p class="govuk-body-s">{{ system.reference }} · {{ system.procedure.label }}{% if system.always_open %} · always open{% endif %} · {{ system.starts_on | date }} to {{ system.ends_on | date }}</p>\n  <p class="govuk-body">{% for r in system.rounds %}<a class="govuk-link" href="{{ url_for(\'commissioning.round\', round_id=r.id) }}">{{ r.name }}</a>: {{ r.status.label | lower }}{% if r.paused and r.status.value == "open" %} (paused){% endif %}{% if not loop.last %}; {% endif %}{% else %}No rounds yet.{% endfor %}</p>\n\n  <h3 class="govuk-heading-s">Applications</h3>\n  <table class="govuk-table">\n    <caption class="govuk-table__caption govuk-visually-hidden">Applications to {{ system.title }} by stage</caption>\n    <thead class="govuk-table__head"><tr class="govuk-table__row">\n      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Drafts</th>\n      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Submitted</th>\n      <th scope="col" class="govuk-table__header govuk-table__header--numeric">In evaluation</th>\n      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Overdue</th>\n      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Decided, not published</th></tr></thead>\n    <tbody class="govuk-table__body"><tr class="govuk-table__row">\n      <td class="govuk-table__cell govuk-table__cell--numeric">{{ o.pipeline.drafts }}</td>\n      <td class="govuk-table__cell govuk-table__cell--numeric">{{ o.pipeline.submitted }}</td>\n      <td class="govuk-table__cell govuk-table__cell--numeric">{{ o.pipeline.in_evaluation }}</td>\n      <td class="govuk-table__cell govuk-table__cell--numeric">{% if o.pipeline.overdue %}<strong>{{ o.pipeline.overdue }} overdue</strong>{% else %}0{% endif %}</td>\n      <td class="govuk-table__cell govuk-table__cell--numeric">{{ o.pipeline.decided }}</td></tr></tbody>\n  </table>\n  <p class="govuk-body-s">Overdue: not decided within the evaluation deadline (10 working days from the close of a round, or from submission in an always-open system; 15 where extended).</p>\n\n  {% if system.lots and system.zones %}\n  <h3 class="govuk-heading-s">Members by lot and zone</h3>\n  <table class="govuk-table">\n    <caption class="govuk-table__caption govuk-visually-hidden">Active members of {{ system.title }} by lot and zone</caption>\n    <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Zone</th>\n      {% for lot in system.lots %}<th scope="col" class="govuk-table__header govuk-table__header--numeric">{{ lot.name }}</th>{% endfor %}</tr></thead>\n    <tbody class="govuk-table__body">\n    {% for zone in system.zones %}\n      <tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{{ zone.name }}</th>\n        {% for lot in system.lots %}<td class="govuk-table__cell govuk-table__cell--numeric">{{ o.members_in(lot, zone) }}</td>{% endfor %}</tr>\n    {% endfor %}\n    </tbody>\n  </table>\n  {% endif %}\n\n  {% if o.admitted_over_time %}\n  <h3 class="govuk-heading-s">Providers admitted per zone over time</h3>\n  {{ o.admitted_chart() }}\n  {% call govukDetails({"summaryText": "The chart\'s figures as a table"}) %}\n  <table class="govuk-table">\n    <caption class="govuk-table__caption govuk-visually-hidden">Providers admitted to date per zone, {{ system.title }}</caption>\n    <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Zone</th><th scope="col" class="govuk-table__header">Date</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Providers admitted to date</th></tr></thead>\n    <tbody class="govuk-table__body">\n{{ o.admitted_rows() }}    </tbody>\n  </table>\n  {% endcall %}\n  {% endif %}\n</section>\n{% else %}\n<p class="govuk-body">Your council has no purchasing systems yet.</p>\n{% endfor %}\n{% endblock %}\n'


def test_the_kept_sections_are_the_page_the_template_wrote(app, client, db, council, login, system, make_round,
                                                           make_provider, frozen_clock):
    """The page is byte for byte what the whole template wrote, counted afresh and kept."""
    from flask import render_template_string
    from sqlalchemy import select as select_

    from portal.commissioning.dashboard import system_overviews as overviews_of
    from portal.commissioning.models import PurchasingSystem

    round_ = make_round()
    commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 7, 1, 9),
                                 closes_at=at(2026, 7, 20, 12))
    provider = make_provider("Bloomsbury Home Care LTD")
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    onboarding.start_application(round_, make_provider("Drafting <Care> & Co"))
    member_import.confirm_import(system, council.commissioner, IMPORT, source="old-list.csv")
    build_isf_system(council.commissioner, reference="CCC-HC-DPS-2026", title="Home care & support DPS")
    db.session.commit()
    login(council.commissioner)
    pages = [client.get("/commissioning/").get_data(as_text=True) for _ in range(2)]  # counted, then kept

    with app.test_request_context("/commissioning/"):
        from flask_login import login_user

        login_user(council.commissioner)
        systems = db.session.scalars(select_(PurchasingSystem).where(
            PurchasingSystem.authority_id == council.authority.id).order_by(PurchasingSystem.created_at.desc())).all()
        expected = render_template_string(OLD_DASHBOARD, title="Purchasing systems", systems=systems,
                                          overviews=overviews_of(systems))
    # the main content, from its heading (the layout around it has the user's token and messages)
    main = lambda page: page.split('<h1 class="govuk-heading-l">')[1].split("</main>")[0]  # noqa: E731
    assert len(systems) == 2 and "Home care &amp; support DPS" in main(pages[0])
    assert main(pages[0]) == main(pages[1]) == main(expected)


def test_other_councils_activity_leaves_the_kept_sections_and_their_own_shows_at_once(client, db, council, login,
                                                                                      system, frozen_clock):
    login(council.commissioner)
    page = Dashboard(client, system)
    db.session.expire_all()  # as after a commit: each measured request loads the signed-in user afresh
    with count_queries() as counting:
        assert page.members("Peterborough") == (0, 0)

    build_isf_system(council.other_commissioner, reference="PCC-ISF-2026", title="Peterborough ISF")
    db.session.commit()  # another council's activity
    with count_queries() as after_other:
        assert page.members("Peterborough") == (0, 0)
    assert after_other[0] < counting[0] - 3  # still kept: neither the systems nor their figures read again
    assert "Peterborough ISF" not in client.get("/commissioning/").get_data(as_text=True)

    member_import.confirm_import(system, council.commissioner, IMPORT, source="old-list.csv")
    db.session.commit()
    assert page.members("Peterborough") == (1, 0)  # the council's own change, at once

    login(council.other_commissioner)
    other = client.get("/commissioning/").get_data(as_text=True)
    assert "Peterborough ISF" in other and system.title not in other  # each council its own sections


def test_a_round_opening_and_the_clock_going_back_show_at_once(client, db, council, login, system, frozen_clock):
    round_ = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 6, 1, 14),
                                          closes_at=at(2026, 6, 20, 12))
    db.session.commit()
    login(council.commissioner)
    page = Dashboard(client, system)
    assert f"{round_.name}</a>: scheduled" in page.section()
    frozen_clock.move_to(at(2026, 6, 1, 14, 0))
    assert f"{round_.name}</a>: open" in page.section()  # opened by the clock, nobody acting
    frozen_clock.move_to(at(2026, 6, 1, 13, 59))
    assert f"{round_.name}</a>: scheduled" in page.section()  # a clock moved back (tests, demos) counts again
