"""The provider's task list written in Python: the same markup the Jinja loop of onboarding/task_list.html drew
(a GOV.UK task list per lot, with a heading before each lot and before the rates), without a dozen Jinja calls
per task. tests/onboarding/test_task_list_markup.py checks it against that loop (tests/data/task_list_in_jinja.html).
"""
from flask import current_app, url_for
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from portal.urls import ID, url_pattern

from .models import TaskStatus

_LIST_BREAK = '  </ul>\n  <h2 class="govuk-heading-m">{heading}</h2>\n  <ul class="govuk-task-list">\n'


def _links(application) -> dict:
    """The links of the application's tasks: one url_for each, with the task's id put in (not one per task)."""
    return {"lots": url_for("onboarding.choose_lots", application_id=application.id),
            "rates": url_for("onboarding.rates", application_id=application.id),
            "standard": url_pattern("onboarding.standard", application_id=application.id, standard_id=ID),
            "question": url_pattern("onboarding.question", application_id=application.id, question_id=ID)}


def _href(links: dict, task) -> str | None:
    if task["key"] == "lots":
        return links["lots"]
    if task["key"] == "rates":
        if task["status"] is TaskStatus.cannot_start:
            return None
        return links["rates"]
    if task.get("standard"):
        return links["standard"].format(task["standard"].id)
    return links["question"].format(task["question"].id)


def task_list_items(application, tasks: list[dict]) -> Markup:
    """The application's tasks (portal.onboarding.models.application_tasks) as GOV.UK task lists: the lots-and-
    zones task, each lot's standards and questions under the lot's name, then the rates."""
    environment = current_app.jinja_env
    links = _links(application)
    parts = ['  <ul class="govuk-task-list">\n']
    lot = None
    for number, task in enumerate(tasks, start=1):
        if task.get("lot") and task["lot"] != lot:
            lot = task["lot"]
            parts.append(_LIST_BREAK.format(heading=escape(lot.name)))
        if task["key"] == "rates" and lot:
            parts.append(_LIST_BREAK.format(heading="Rates"))
        href = _href(links, task)
        status = task["status"]
        parts.append(f'    <li class="govuk-task-list__item{" govuk-task-list__item--with-link" if href else ""}">\n'
                     '      <div class="govuk-task-list__name-and-hint">\n')
        title = escape(task["title"])
        if href:
            label = f'{escape(task["question"].label)} ' if task.get("question") else ""
            parts.append(f'<a class="govuk-link govuk-task-list__link" href="{escape(href)}" '
                         f'aria-describedby="task-{number}-status">{label}'
                         f'{escape(do_truncate(environment, task["title"], 90))}</a>\n')
        else:
            parts.append(f"<div>{title}</div>")
        cannot_start = " govuk-task-list__status--cannot-start-yet" if status is TaskStatus.cannot_start else ""
        parts.append('      </div>\n'
                     f'      <div class="govuk-task-list__status{cannot_start}" id="task-{number}-status">\n')
        if status in (TaskStatus.completed, TaskStatus.cannot_start):
            parts.append(f"{escape(status.value)}\n")
        else:
            colour = "blue" if status is TaskStatus.in_progress else "grey"
            parts.append(f'<strong class="govuk-tag govuk-tag--{colour}">{escape(status.value)}</strong>\n')
        parts.append("      </div>\n    </li>\n")
    parts.append("  </ul>")
    # every piece of text in it is escaped above
    return Markup("".join(parts))  # nosec B704
