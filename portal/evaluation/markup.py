"""The scoring and moderation pages' repeated blocks written in Python: each question with the provider's
answer and its fields (the saved, typed or refused values and their errors come from the form's fields).

Twenty questions through Jinja, each with several filters, a details box, two fields and (when moderating)
every evaluator's score, cost more than the rest of the page. These functions write the same markup as the
template did, byte for byte (the pages' HTML was compared before and after; tests/evaluation check what
they show).
"""
from functools import lru_cache

from markupsafe import Markup, escape

from portal.clock import format_datetime
from portal.govuk_markup import govuk_details, radios_field, textarea_field
from portal.templating import multiline, points

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


def scoring_questions(assignment, lot, form) -> Markup:
    """The questions of the lot the evaluator scores, each with its heading, weight, guidance, the provider's
    answer, and the score's radios and reason (to fill in: the page shows saved scores otherwise)."""
    answers = {answer.question_id: answer for answer in assignment.application.answers}
    parts = []
    for question in assignment.questions():
        if question.lot_id != lot.id:
            continue
        answer = answers.get(question.id)
        parts.append(_scoring_heading(question.label, question.text, question.section.label, question.weight,
                                      question.min_score, question.guidance))
        parts.append(f'    <div class="portal-answer">{multiline(answer.text if answer else "Not answered")}</div>\n'
                     f'      {radios_field(form[f"score_{question.id}"], legend_classes="govuk-fieldset__legend--s")}\n'
                     f'      {textarea_field(form[f"justification_{question.id}"], 4, JUSTIFICATION_HINT)}\n')
    # every piece is escaped above or is markup written by the GOV.UK functions
    return Markup("".join(parts))  # nosec B704


def moderation_questions(application, lot, form, editable: bool, versions: dict, conflicts: dict,
                         moderated_scores: dict) -> Markup:
    """The lot's questions for moderation: each with the provider's answer, every current evaluator's score
    and justification (a spread of 2 or more points flagged), and either the agreed score's fields (with
    the version the form was loaded with, and what another moderator saved if their save crossed this
    one) or the agreed score already recorded."""
    answers = {answer.question_id: answer for answer in application.answers}
    scored = [(a, {s.question_id: s for s in a.scores}) for a in application.current_assignments]
    parts = []
    for question in lot.questions:
        answer = answers.get(question.id)
        given = [(a, scores[question.id]) for a, scores in scored if question.id in scores]
        parts.append(
            f'    <h4 class="govuk-heading-s">{escape(question.label)} {escape(question.text)} (weight '
            f'{escape(points(question.weight))}, scored by {escape(question.scorer.label.lower())})</h4>\n'
            f'    <div class="portal-answer">{multiline(answer.text if answer else "Not answered")}</div>\n'
            f'    <table class="govuk-table">\n'
            f'      <caption class="govuk-table__caption govuk-table__caption--s">Evaluators\' scores for question '
            f'{escape(question.label)}\n')
        if given:
            spread = max(s.score for _, s in given) - min(s.score for _, s in given)
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
        for a, s in given:
            parts.append(
                f'        <tr class="govuk-table__row"><td class="govuk-table__cell">{escape(a.evaluator.name)}'
                f'{" (panel)" if a.as_panel else ""}</td><td class="govuk-table__cell govuk-table__cell--numeric">'
                f'{escape(s.score)}</td><td class="govuk-table__cell">{escape(s.justification)}</td></tr>\n')
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
