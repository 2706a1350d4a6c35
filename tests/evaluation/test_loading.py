"""The scoring and moderation pages' loader and forms: the same collections as loading each relationship on its own,
read afterwards without a query."""
from sqlalchemy import select

from portal.evaluation import loading
from portal.onboarding.models import Application

from .test_results import counted_queries


def everything(application) -> dict:
    """The ids of every collection the scoring and moderation pages read, in the order the pages see them."""
    return {
        "round": (application.round.id, application.round.system.id, application.organisation.legal_name),
        "lots": [lot.id for lot in application.chosen_lots()],
        "questions": [[(q.id, q.label, q.lot is lot) for q in lot.questions] for lot in application.chosen_lots()],
        "standards": [[(s.id, s.lot is lot) for s in lot.standards] for lot in application.chosen_lots()],
        "answers": sorted(a.id for a in application.answers),
        "responses": sorted(r.id for r in application.standard_responses),
        "documents": [d.id for d in application.documents],
        "assignments": sorted((a.id, a.evaluator.name, sorted(s.id for s in a.scores),
                               sorted(s.id for s in a.standard_assessments)) for a in application.assignments),
    }


def test_the_loader_gives_what_each_relationship_gives_and_the_page_then_reads_without_queries(db, decided_round):
    _, applications = decided_round
    application_id = applications["Hales Group Limited"].id
    db.session.expunge_all()
    expected = everything(db.session.get(Application, application_id))
    assert expected["questions"][0] and expected["standards"][0] and expected["answers"]
    assert len(expected["assignments"]) == 3 and all(scores for _, _, scores, _ in expected["assignments"])

    db.session.expunge_all()
    with counted_queries(db) as statements:
        application = loading.application(application_id)
        loading.load_content(application, documents=True)
        loading.load_assignments(application)
    assert len(statements) == 1 + 6 + 3
    with counted_queries(db) as statements:
        assert everything(application) == expected
    assert statements == []


def test_a_score_added_after_loading_is_stored_with_the_others(db, decided_round, council):
    """What the scoring page saves goes through the loaded collections: they must behave as loaded ones."""
    from portal.evaluation.models import Score

    _, applications = decided_round
    application_id = applications["Bloomsbury Home Care LTD"].id
    db.session.expunge_all()
    application = db.session.get(Application, application_id)
    loading.load_content(application)
    loading.load_assignments(application)
    assignment = application.assignments[0]
    question = application.chosen_lots()[0].questions[0]
    before = len(assignment.scores)
    [score] = [s for s in assignment.scores if s.question_id == question.id]
    assignment.scores.remove(score)
    db.session.flush()
    assignment.scores.append(Score(question_id=question.id, score=2, justification="Agreed after discussion."))
    db.session.commit()
    assignment_id, question_id = assignment.id, question.id
    db.session.expunge_all()
    stored = db.session.scalars(select(Score).where(Score.assignment_id == assignment_id)).all()
    assert len(stored) == before and {s.score for s in stored if s.question_id == question_id} == {2}


def test_the_moderation_form_keeps_its_fields_lot_by_lot_and_labels_each_one(db, council, system, make_round,
                                                                            make_provider, frozen_clock, app):
    """The forms' classes are made once per set of questions: fields still come lot by lot (its questions,
    then its judged standards), so the error summary lists problems in page order."""
    from portal.evaluation.forms import moderation_form, scoring_form
    from portal.evaluation import services as evaluation

    from .test_services import submitted_application

    round_ = make_round()
    application = submitted_application(round_, make_provider("Hales Group Limited"), system.lots[:2])
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    expected = []
    for lot in application.chosen_lots():
        for question in lot.questions:
            expected += [(f"score_{question.id}", f"Agreed score for question {question.label}"),
                         (f"rationale_{question.id}", f"Rationale for the agreed score of question {question.label}")]
        for standard in lot.standards:
            if not standard.kind.is_automatic:
                expected += [(f"standard_{standard.id}", f"Agreed result for “{standard.title}” ({lot.name})"),
                             (f"rationale_standard_{standard.id}", f"Rationale for “{standard.title}” ({lot.name})")]
    assert len(application.chosen_lots()) == 2 and any(name.startswith("standard_") for name, _ in expected)
    with app.test_request_context():
        for _ in range(2):
            form = moderation_form(application, {}, {})
            assert [(f.name, f.label.text) for f in form if f.name.startswith(("score", "rationale", "standard"))] \
                == expected
        assignment = application.assignments[0]
        form = scoring_form(assignment)
        names = [f.name for f in form if f.name.startswith(("score", "justification", "standard", "reason"))]
        assert names == [n for q in assignment.questions() for n in (f"score_{q.id}", f"justification_{q.id}")] + [
            n for s in assignment.standards() if not s.kind.is_automatic for n in (f"standard_{s.id}", f"reason_{s.id}")]


def test_the_forms_shown_before_anything_is_posted_write_what_the_bound_forms_write(db, decided_round, app):
    """A GET writes the scoring and moderation forms from the form classes and the saved values without binding
    a WTForms form: every field, button and the CSRF field is the bound form's markup, saved values checked."""
    from portal.evaluation.forms import (moderation_form, scoring_form, shown_moderation_form,
                                         shown_scoring_form)
    from portal.evaluation.models import ModeratedScore, ModeratedStandard, Score
    from portal.govuk_markup import radios_field, textarea_field

    _, applications = decided_round
    application = applications["Hales Group Limited"]
    assignment = next(a for a in application.assignments if not a.as_panel)
    moderated_scores = {m.question_id: m for m in db.session.scalars(
        select(ModeratedScore).where(ModeratedScore.application_id == application.id))}
    moderated_standards = {m.standard_id: m for m in db.session.scalars(
        select(ModeratedStandard).where(ModeratedStandard.application_id == application.id))}

    def same(bound, shown, buttons):
        names = [f.name for f in bound if f.type in ("RadioField", "TextAreaField")]
        assert names
        for name in names:
            write = radios_field if bound[name].type == "RadioField" else textarea_field
            assert str(write(shown[name])) == str(write(bound[name])), name
            assert str(write(shown[name], "govuk-radios--inline") if write is radios_field
                       else write(shown[name], 3, "Say why")) == str(
                write(bound[name], "govuk-radios--inline") if write is radios_field
                else write(bound[name], 3, "Say why"))
        for button in buttons:
            assert str(getattr(shown, button)) == str(getattr(bound, button))
            assert str(getattr(shown, button)(params={"classes": "govuk-button--secondary"})) == str(
                getattr(bound, button)(params={"classes": "govuk-button--secondary"}))
        assert str(shown.csrf_token) == str(bound.csrf_token) and not shown.errors
        return "".join(str(radios_field(shown[n])) for n in names if shown[n].choices)

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        with app.test_request_context():
            html = same(scoring_form(assignment), shown_scoring_form(assignment), ["save", "submit_all"])
            saved = db.session.scalars(select(Score).where(Score.assignment_id == assignment.id)).all()
            assert saved and all(f'value="{s.score}" checked' in html for s in saved)
            assert 'name="csrf_token" type="hidden" value="' in str(shown_scoring_form(assignment).csrf_token)
            html = same(moderation_form(application, moderated_scores, moderated_standards),
                        shown_moderation_form(application, moderated_scores, moderated_standards), ["save"])
            assert moderated_scores and all(f'name="score_{m.question_id}" type="radio" value="{m.score}" checked'
                                            in html for m in moderated_scores.values())
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context():
        assert str(shown_scoring_form(assignment).csrf_token) == ""
