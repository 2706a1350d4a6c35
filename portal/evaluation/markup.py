"""The scoring and moderation pages' repeated blocks written in Python: each question with the provider's
answer and its fields (the saved, typed or refused values and their errors come from the form's fields).

Twenty questions through Jinja, each with several filters, a details box, two fields and (when moderating)
every evaluator's score, cost more than the rest of the page. These functions write the same markup as the
template did, byte for byte (the pages' HTML was compared before and after; tests/evaluation check what
they show).
"""
from functools import lru_cache

from flask import current_app, url_for
from markupsafe import Markup, escape

from portal.clock import format_date, format_datetime
from portal.commissioning.models import StandardKind
from portal.commissioning.round_page import clock_cell
from portal.govuk_markup import govuk_details, radios_field, textarea_field
from portal.templating import multiline, pass_fail, points
from portal.urls import ID, url_pattern

from .results import automatic_standard_result

JUSTIFICATION_HINT = "Required: say why, against the question and guidance. At least 10 characters."


@lru_cache(maxsize=1024)
def _scoring_heading(label, text, section, weight, min_score, guidance) -> str:
    """A question's heading, weight and guidance on the scoring page (the same for every evaluator)."""
    parts = [f'    <h4 class="govuk-heading-s">{escape(label)} {escape(text)}</h4>\n'
             f'    <p class="govuk-body-s">{escape(section)}, weight {escape(points(weight))}.']
    if min_score:
        parts.append(f" Minimum acceptable score {escape(min_score)}.")
    parts.append("</p>\n")
    if guidance:
        parts.append(govuk_details({"summaryText": "Guidance the provider was given", "html": multiline(guidance)}))
    return "".join(parts)


@lru_cache(maxsize=2048)
def answer_markup(text: str) -> Markup:
    """The provider's answer (or "Not answered") as the pages show it: its line breaks kept, escaped. A pure function
    of the words, so it is kept for the words themselves: the same answer is shown to every evaluator and
    moderator of the application, and a changed answer is different words."""
    return multiline(text)


def answer_of(answers: dict, question_id: int) -> Markup:
    """The answer's markup on the pages: the answer's words if there is an answer (even empty), else "Not answered"."""
    return answer_markup(answers[question_id] if question_id in answers else "Not answered")


def scoring_questions(assignment, lot, form, answers: dict) -> Markup:
    """The questions of the lot the evaluator scores, each with its heading, weight, guidance, the provider's
    answer (from `answers`, {question id: text}), and the score's radios and reason (to fill in: the page shows
    saved scores otherwise)."""
    parts = []
    for question in assignment.questions():
        if question.lot_id != lot.id:
            continue
        parts.append(_scoring_heading(question.label, question.text, question.section.label, question.weight,
                                      question.min_score, question.guidance))
        parts.append(f'    <div class="portal-answer">{answer_of(answers, question.id)}</div>\n'
                     f'      {radios_field(form[f"score_{question.id}"], legend_classes="govuk-fieldset__legend--s")}\n'
                     f'      {textarea_field(form[f"justification_{question.id}"], 4, JUSTIFICATION_HINT)}\n')
    # every piece is escaped above or is markup written by the GOV.UK functions
    return Markup("".join(parts))  # nosec B704


@lru_cache(maxsize=1024)
def _moderation_heading(label, text, weight, scorer) -> str:
    """A question's heading on the moderation page: label, words, weight and who scores it (the same for every
    application)."""
    return (f'    <h4 class="govuk-heading-s">{escape(label)} {escape(text)} (weight '
            f'{escape(points(weight))}, scored by {escape(scorer.lower())})</h4>\n')


def moderation_questions(application, lot, form, editable: bool, versions: dict, conflicts: dict,
                         moderated_scores: dict, answers: dict) -> Markup:
    """The lot's questions for moderation: each with the provider's answer, every current evaluator's score
    and justification (a spread of 2 or more points flagged), and either the agreed score's fields (with
    the version the form was loaded with, and what another moderator saved if their save crossed this
    one) or the agreed score already recorded. `answers` is {question id: the provider's answer}."""
    # (the evaluator's name, {question id: (score, justification)}) for each current evaluator, read once
    scored = [(f'{escape(a.evaluator.name)}{" (panel)" if a.as_panel else ""}',
               {s.question_id: (s.score, s.justification) for s in a.scores}) for a in application.current_assignments]
    parts = []
    for question in lot.questions:
        question_id, label = question.id, question.label
        given = [(name, scores[question_id]) for name, scores in scored if question_id in scores]
        parts.append(
            f'{_moderation_heading(label, question.text, question.weight, question.scorer.label)}'
            f'    <div class="portal-answer">{answer_of(answers, question_id)}</div>\n'
            f'    <table class="govuk-table">\n'
            f'      <caption class="govuk-table__caption govuk-table__caption--s">Evaluators\' scores for question '
            f'{escape(label)}\n')
        if given:
            spread = max(score for _, (score, _) in given) - min(score for _, (score, _) in given)
            if spread >= 2:
                parts.append(f'<strong class="govuk-tag govuk-tag--red portal-spread-flag">Spread of {spread} points: '
                             f'discuss</strong>')
        parts.append(
            '</caption>\n'
            '      <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" '
            'class="govuk-table__header">Evaluator</th><th scope="col" class="govuk-table__header '
            'govuk-table__header--numeric">Score</th><th scope="col" class="govuk-table__header">Justification'
            '</th></tr></thead>\n'
            '      <tbody class="govuk-table__body">\n')
        for name, (score, justification) in given:
            parts.append(
                f'        <tr class="govuk-table__row"><td class="govuk-table__cell">{name}'
                f'</td><td class="govuk-table__cell govuk-table__cell--numeric">'
                f'{escape(score)}</td><td class="govuk-table__cell">{escape(justification)}</td></tr>\n')
        parts.append('      </tbody>\n    </table>\n')
        if editable:
            parts.append(f'      <input type="hidden" name="version_{question.id}" '
                         f'value="{escape(versions[f"version_{question.id}"])}">\n')
            theirs = conflicts.get(f"score_{question.id}")
            if theirs:
                parts.append(
                    f'<div class="govuk-inset-text portal-conflict">Saved by {escape(theirs["moderator"])} at '
                    f'{escape(format_datetime(theirs["moderated_at"]))}: agreed score <strong>'
                    f'{escape(theirs["score"])}</strong>. {escape(theirs["rationale"])}<br>Your score and rationale '
                    f'are kept below. Save again to replace theirs with yours, or change yours first.</div>')
            parts.append(
                f'      {radios_field(form[f"score_{question.id}"], "govuk-radios--small", "govuk-fieldset__legend--s")}\n'
                f'      {textarea_field(form[f"rationale_{question.id}"], 2)}\n')
        elif moderated_scores.get(question.id):
            agreed = moderated_scores[question.id]
            parts.append(f'      <p class="govuk-body">Agreed score: <strong>{escape(agreed.score)}</strong>. '
                         f'{escape(agreed.rationale)}</p>\n')
    # every piece is escaped above or is markup written by the GOV.UK functions
    return Markup("".join(parts))  # nosec B704


def evaluation_clock(clock, intro: str = "Evaluation due by") -> Markup:
    """The evaluation deadline clock in words (as evaluation/_clock.html's evaluation_clock macro): due date,
    working days, the extension's justification, and finished, overdue, due today or the days left."""
    if not clock:
        return Markup("")
    days = clock.days_left
    extension = f", extended: {escape(clock.extension.justification)}" if clock.extension else ""
    if clock.finished:
        state = "Decisions are made.\n"
    elif clock.overdue:
        state = (f'<strong class="govuk-tag govuk-tag--red">Overdue</strong> by {-days} working '
                 f'day{"s" if days != -1 else ""}.\n')
    elif days == 0:
        state = '<strong class="govuk-tag govuk-tag--yellow">Due today</strong>\n'
    else:
        state = f'{days} working day{"s" if days != 1 else ""} left.'
    # every piece is escaped or fixed markup
    return Markup(f'<p class="govuk-body portal-clock">{escape(intro)} <strong>{escape(format_date(clock.due_on))}'  # nosec B704
                  f'</strong>\n  ({clock.working_days} working days{extension}).\n{state}</p>\n')


_HEAD = ('  <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">'
         'Provider</th><th scope="col" class="govuk-table__header">Conflict of interest</th><th scope="col" '
         'class="govuk-table__header">Status</th>{}<th scope="col" class="govuk-table__header">Your scores</th></tr>'
         '</thead>\n')
_DUE = '<th scope="col" class="govuk-table__header">Due</th>'


def work_list_rounds(rounds: dict, progress: dict, clock) -> Markup:
    """The work list's rounds, each with its clock, progress and table of the page's assignments (work_list's
    plain rows): provider, declaration, status, (in an always-open system) due date, and the link to score."""
    if not rounds:
        return Markup('<p class="govuk-body">You have no applications to evaluate.</p>\n')
    score_url = url_pattern("evaluation.score", assignment_id=ID).format
    parts = []
    for round_, assignments in rounds.items():
        system = round_.system
        parts.append(f'<h2 class="govuk-heading-m">{escape(system.title)}: {escape(round_.name)}</h2>\n')
        if round_.bids_sealed:
            parts.append(f'  <p class="govuk-body">This round closes on {escape(format_datetime(round_.closes_at))}. '
                         'You can read the applications after it closes.</p>\n')
            continue
        always_open = system.always_open
        if not always_open:
            parts.append(evaluation_clock(clock(round_)))
        p = progress.get(round_.id)
        if p:
            parts.append(f'<p class="govuk-body">To do: <strong>{p["to_do"]}</strong>. In progress: <strong>'
                         f'{p["in_progress"]}</strong>. Done: <strong>{p["done"]}</strong>.</p>')
        parts.append(f'<table class="govuk-table">\n  <caption class="govuk-table__caption govuk-visually-hidden">'
                     f'Applications to score in {escape(round_.name)}</caption>\n'
                     f'{_HEAD.format(_DUE if always_open else "")}  <tbody class="govuk-table__body">\n')
        conflicts_url = None
        for a in assignments:
            d = a.declaration
            name = escape(a.application.legal_name)
            if not a.is_current:
                declared = "–"
            elif d is None:
                if conflicts_url is None:
                    conflicts_url = escape(url_for("evaluation.conflicts", round_id=round_.id))
                declared = f'<a class="govuk-link" href="{conflicts_url}">Declare first</a>'
            else:
                declared = escape(d.status_label)
            if not a.is_current:
                status = '<strong class="govuk-tag govuk-tag--grey">Moved</strong> to another evaluator'
            elif a.is_submitted:
                status = '<strong class="govuk-tag govuk-tag--green">Done</strong>'
            elif a.started:
                status = '<strong class="govuk-tag govuk-tag--blue">In progress</strong>'
            else:
                status = '<strong class="govuk-tag govuk-tag--grey">To do</strong>'
            due = (f'<td class="govuk-table__cell">{clock_cell(clock(round_, a.application))}</td>' if always_open
                   else "")
            if not a.is_current:
                link = "No longer yours\n"
            elif a.is_submitted:
                link = (f'Submitted (<a class="govuk-link" href="{score_url(a.id)}">view<span '
                        f'class="govuk-visually-hidden"> your scores for {name}</span></a>)\n')
            elif d is not None and d.clears_scoring:
                link = (f'<a class="govuk-link" href="{score_url(a.id)}">'
                        f'{"Continue scoring" if a.started else "Start scoring"}<span class="govuk-visually-hidden"> '
                        f'{name}</span></a>\n')
            else:
                link = "Not yet"
            parts.append(f'    <tr class="govuk-table__row">\n      <td class="govuk-table__cell">{name}</td>\n'
                         f'      <td class="govuk-table__cell">{declared}</td>\n'
                         f'      <td class="govuk-table__cell">{status}</td>\n{due}'
                         f'      <td class="govuk-table__cell">\n{link}</td>\n    </tr>\n')
        parts.append('  </tbody>\n</table>\n')
    # every piece is escaped above or is fixed markup
    return Markup("".join(parts))  # nosec B704


def _documents(application, standard) -> str:
    """The provider's documents for a standard, to download (onboarding/_documents.html, owned by the onboarding
    area, drawn only when there are some: with none it writes nothing)."""
    if not standard.takes_documents or not application.documents_for(standard):
        return ""
    return current_app.jinja_env.get_template("onboarding/_documents.html").render(
        application=application, standard=standard, removable=False, show_none=False)


def scoring_standards(assignment, lot, form) -> Markup:
    """The minimum standards of the lot the evaluator judges: each with its description and either the portal's
    own check (declarations, CQC rating) or the provider's evidence, documents, and the result's fields (or the
    evaluator's result once submitted)."""
    application = assignment.application
    standards = [standard for standard in assignment.standards() if standard.lot_id == lot.id]
    if not standards:
        return Markup("")
    responses = {response.standard_id: response for response in application.standard_responses}
    parts = ['<h3 class="govuk-heading-m">Minimum standards</h3>']
    for standard in standards:
        r = responses.get(standard.id)
        parts.append(f'    <h4 class="govuk-heading-s">{escape(standard.title)}</h4>\n'
                     f'    <p class="govuk-body-s">{escape(standard.description)}</p>\n')
        if standard.kind.is_automatic:
            parts.append(f'      <p class="govuk-body">Checked automatically: <strong>'
                         f'{escape(pass_fail(automatic_standard_result(application, standard)))}</strong>\n')
            if standard.kind is StandardKind.cqc_rating:
                rating = r.cqc_rating_at_submission.label if r and r.cqc_rating_at_submission else "none"
                parts.append(f"(CQC rating at submission: {escape(rating)})")
            parts.append("</p>\n")
            continue
        evidence = r.text if r and r.text else (
            "See the documents below" if application.documents_for(standard) else "No evidence given")
        parts.append(f'      <div class="portal-answer">{multiline(evidence)}</div>\n{_documents(application, standard)}')
        if assignment.is_submitted:
            a = assignment.assessment_for(standard)
            parts.append(f'<p class="govuk-body">Your result: <strong>{escape(pass_fail(a.passed))}</strong>. '
                         f'{escape(a.reason)}</p>\n')
        else:
            parts.append(f'        {radios_field(form[f"standard_{standard.id}"], "govuk-radios--inline", "govuk-fieldset__legend--s")}\n'
                         f'        {textarea_field(form[f"reason_{standard.id}"], 3)}\n')
    # every piece is escaped above or is markup written by the GOV.UK functions and the documents' template
    return Markup("".join(parts))  # nosec B704


def moderation_standards(application, lot, form, editable: bool, versions: dict, conflicts: dict) -> Markup:
    """The lot's minimum standards for moderation: the portal's own check, or the provider's evidence with each
    current evaluator's result, and (to record) the agreed result's fields with the version the form was loaded
    with and what another moderator saved if their save crossed this one."""
    responses = {response.standard_id: response for response in application.standard_responses}
    judging = [a for a in application.current_assignments if not a.as_panel]
    parts = ['  <h3 class="govuk-heading-m">Minimum standards</h3>\n']
    for standard in lot.standards:
        parts.append(f'    <h4 class="govuk-heading-s">{escape(standard.title)}</h4>\n')
        if standard.kind.is_automatic:
            parts.append(f'      <p class="govuk-body">Checked automatically: <strong>'
                         f'{escape(pass_fail(automatic_standard_result(application, standard)))}</strong></p>\n')
            continue
        r = responses.get(standard.id)
        parts.append(f'      <div class="portal-answer">{multiline(r.text if r else "No evidence given")}</div>\n'
                     '      <ul class="govuk-list">\n')
        for a in judging:
            sa = a.assessment_for(standard)
            parts.append(f'        <li>{escape(a.evaluator.name)}: <strong>'
                         f'{escape(pass_fail(sa.passed)) if sa else "Not assessed"}</strong>'
                         f'{f". {escape(sa.reason)}" if sa else ""}</li>\n')
        parts.append('      </ul>\n')
        if editable:
            parts.append(f'        <input type="hidden" name="version_standard_{standard.id}" '
                         f'value="{escape(versions[f"version_standard_{standard.id}"])}">\n')
            theirs = conflicts.get(f"standard_{standard.id}")
            if theirs:
                parts.append(
                    f'<div class="govuk-inset-text portal-conflict">Saved by {escape(theirs["moderator"])} at '
                    f'{escape(format_datetime(theirs["moderated_at"]))}: <strong>{escape(pass_fail(theirs["passed"]))}'
                    f'</strong>. {escape(theirs["rationale"])}<br>Your answer is kept below. Save again to replace '
                    f'theirs with yours, or change yours first.</div>')
            parts.append(
                f'        {radios_field(form[f"standard_{standard.id}"], "govuk-radios--inline", "govuk-fieldset__legend--s")}\n'
                f'        {textarea_field(form[f"rationale_standard_{standard.id}"], 2)}\n')
    # every piece is escaped above or is markup written by the GOV.UK functions
    return Markup("".join(parts))  # nosec B704
