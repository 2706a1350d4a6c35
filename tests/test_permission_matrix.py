"""The permission matrix: every route the app registers, as every kind of user, while bids are sealed and
during evaluation.

How to add a row for a new route: add an entry to MATRIX keyed by the endpoint name (what
`flask routes` prints), with
  url:   a function of the World (`w`) that returns the address to fetch (ids are on `w`);
  get / post: the expected status per role, for each phase ("sealed", "evaluation"), written as nine
         entries in ROLES order. For POST write "ok" where the role is allowed (the matrix does not
         send allowed POSTs: they change things; the route's own tests do), and the status for a refused
         one: the matrix then checks that nothing in the database changed.
  data:  a function of the World returning form data a permitted user would send (so a refused POST
         would have changed something had it been let through).
A route with no row fails test_every_route_has_a_row, so a new route cannot be forgotten.

302 means "sent to sign in" for anonymous and the redirect the route makes for others.
"""
import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.demo import complete_application, create_staff
from portal.evaluation import services as evaluation
from portal.evaluation.models import Assignment, ConflictDeclaration
from portal.extensions import db as _db
from portal.commissioning import services as commissioning
from portal.commissioning.models import Membership
from portal.onboarding import clarifications, colleagues, organisations
from portal.onboarding import services as onboarding
from tests.conftest import send

ROLES = ["anonymous", "provider_a", "provider_b", "evaluator", "evaluator_unassigned", "evaluator_conflicted",
         "panel", "commissioner", "other_commissioner"]
COUNCIL_ROLES = ROLES[3:]
PHASES = ("sealed", "evaluation")

#: written into every answer of provider A: no council user may see it while bids are sealed
SENTINEL = "Zanzibar-sealed-bid-sentinel-7731"


@dataclass
class Row:
    url: Callable
    get: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)
    data: Callable | None = None


def _everyone(status):
    return " ".join([str(status)] * len(ROLES))


PUBLIC = _everyone(200)
ONLY_POST = _everyone(405)
# commissioner-only pages of a council's own objects: others' commissioners get 404, other roles 403
OWN_COMMISSIONER = "302 403 403 403 403 403 403 200 404"
OWN_COMMISSIONER_POST = "302 403 403 403 403 403 403 ok 404"
# a council user's own account pages
COUNCIL_USER = "302 403 403 200 200 200 200 200 200"


MATRIX: dict[str, Row] = {
    # ---- public and static
    "auth.home": Row(lambda w: "/", get={p: "200 302 302 302 302 302 302 302 302" for p in PHASES}),
    "auth.sign_in": Row(lambda w: "/sign-in", get={p: PUBLIC for p in PHASES},
                        post={p: " ".join(["ok"] * 9) for p in PHASES}),
    "auth.register": Row(lambda w: "/register", get={p: "200 302 302 302 302 302 302 302 302" for p in PHASES},
                         post={p: "ok 302 302 302 302 302 302 302 302" for p in PHASES},
                         data=lambda w: {"legal_name": "Intruder Care Ltd", "address": "1 High Street",
                                         "postcode": "PE1 1HF", "name": "Ivan", "email": "ivan@intruder.example",
                                         "password": "a long enough password", "confirm_password":
                                             "a long enough password"}),
    "auth.sign_out": Row(lambda w: "/sign-out", get={p: ONLY_POST for p in PHASES},
                         post={p: " ".join(["ok"] * 9) for p in PHASES}),
    "auth.change_password": Row(lambda w: "/account/password", get={p: "302 " + " ".join(["200"] * 8) for p in PHASES},
                                post={p: "302 " + " ".join(["ok"] * 8) for p in PHASES},
                                data=lambda w: {"current_password": "guess", "password": "intruder pass phrase",
                                                "confirm_password": "intruder pass phrase"}),
    "auth.forgot_password": Row(lambda w: "/forgot-password", get={p: PUBLIC for p in PHASES},
                                post={p: " ".join(["ok"] * 9) for p in PHASES}),
    # a made-up reset link works for nobody
    "auth.reset_password": Row(lambda w: "/reset-password/made-up-token", get={p: _everyone(404) for p in PHASES},
                               post={p: _everyone(404) for p in PHASES},
                               data=lambda w: {"password": "intruder pass phrase",
                                               "confirm_password": "intruder pass phrase"}),
    "auth.signed_out": Row(lambda w: "/signed-out", get={p: PUBLIC for p in PHASES}),
    "auth.keep_alive": Row(lambda w: "/session/keep-alive", get={p: ONLY_POST for p in PHASES},
                           post={p: "302 " + " ".join(["ok"] * 8) for p in PHASES}),
    # ---- two-step verification: the code page needs a right password first (nobody here has given one)
    "auth.sign_in_code": Row(lambda w: "/sign-in/code", get={p: _everyone(302) for p in PHASES},
                             post={p: _everyone(302) for p in PHASES}, data=lambda w: {"code": "123456"}),
    # a person's own two-step pages: council staff and panel members, not providers
    "auth.two_step_page": Row(lambda w: "/account/two-step", get={p: COUNCIL_USER for p in PHASES}),
    "auth.two_step_setup": Row(lambda w: "/account/two-step/set-up", get={p: COUNCIL_USER for p in PHASES},
                               post={p: "302 403 403 ok ok ok ok ok ok" for p in PHASES},
                               data=lambda w: {"code": "123456"}),
    "auth.two_step_recovery_codes": Row(lambda w: "/account/two-step/recovery-codes",
                                        get={p: COUNCIL_USER for p in PHASES}),
    # nobody in the world has two-step on: sent back to the two-step page, nothing changed
    "auth.two_step_new_codes": Row(lambda w: "/account/two-step/new-recovery-codes",
                                   get={p: "302 403 403 302 302 302 302 302 302" for p in PHASES},
                                   post={p: "302 403 403 302 302 302 302 302 302" for p in PHASES},
                                   data=lambda w: {"code": "123456"}),
    "auth.two_step_turn_off": Row(lambda w: "/account/two-step/turn-off",
                                  get={p: "302 403 403 302 302 302 302 302 302" for p in PHASES},
                                  post={p: "302 403 403 302 302 302 302 302 302" for p in PHASES},
                                  data=lambda w: {"password": "care-dps-demo-password", "code": "123456"}),
    # a commissioner's own council: each commissioner sees and changes only their council's setting
    "auth.council_sign_in": Row(lambda w: "/council/sign-in",
                                get={p: "302 403 403 403 403 403 403 200 200" for p in PHASES},
                                post={p: "302 403 403 403 403 403 403 ok ok" for p in PHASES},
                                data=lambda w: {"require_two_step": "y"}),
    "auth.reset_two_step": Row(lambda w: f"/council/staff/{w.users['evaluator'].id}/reset-two-step",
                               get={p: OWN_COMMISSIONER for p in PHASES}, post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "static": Row(lambda w: "/static/portal.css", get={p: PUBLIC for p in PHASES}),
    "govuk_assets": Row(lambda w: "/assets/images/favicon.ico", get={p: PUBLIC for p in PHASES}),
    "govuk_frontend": Row(lambda w: "/govuk-frontend/govuk-frontend.min.css", get={p: PUBLIC for p in PHASES}),
    "publication.index": Row(lambda w: "/call-off-lists/", get={p: PUBLIC for p in PHASES}),
    "publication.call_off_list": Row(lambda w: f"/call-off-lists/{w.system.slug}", get={p: PUBLIC for p in PHASES}),
    "publication.call_off_list_csv": Row(lambda w: f"/call-off-lists/{w.system.slug}.csv",
                                         get={p: PUBLIC for p in PHASES}),
    "publication.call_off_list_json": Row(lambda w: f"/call-off-lists/{w.system.slug}.json",
                                          get={p: PUBLIC for p in PHASES}),
    "publication.call_off_list_ocds": Row(lambda w: f"/call-off-lists/{w.system.slug}.ocds.json",
                                          get={p: PUBLIC for p in PHASES}),
    "publication.call_off_list_xlsx": Row(lambda w: f"/call-off-lists/{w.system.slug}.xlsx",
                                          get={p: PUBLIC for p in PHASES}),
    "publication.about": Row(lambda w: "/call-off-lists/about-this-data", get={p: PUBLIC for p in PHASES}),
    # development only: the outbox answers 404 to everyone in any other configuration
    "mail.outbox": Row(lambda w: "/outbox/", get={p: _everyone(404) for p in PHASES}),

    # ---- provider pages
    "onboarding.dashboard": Row(lambda w: "/provider/", get={p: "302 200 200 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.start": Row(
        lambda w: f"/provider/rounds/{w.round.id}/apply", get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok ok 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.task_list": Row(
        lambda w: f"/provider/applications/{w.app.id}",
        get={p: "302 200 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.choose_lots": Row(
        lambda w: f"/provider/applications/{w.other.id}/lots",
        get={"sealed": "302 404 200 403 403 403 403 403 403",
             "evaluation": "302 404 302 403 403 403 403 403 403"},
        post={"sealed": "302 404 ok 403 403 403 403 403 403",
              "evaluation": "302 404 ok 403 403 403 403 403 403"},
        data=lambda w: {"lots": [str(w.system.lots[1].id)],
                        f"zones_{w.system.lots[1].id}": [str(z.id) for z in w.system.zones]}),
    "onboarding.standard": Row(
        lambda w: f"/provider/applications/{w.app.id}/standards/{w.standard.id}",
        get={p: "302 302 404 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"confirmed": "y", "text": "overwritten by an attacker"}),
    "onboarding.question": Row(
        lambda w: f"/provider/applications/{w.app.id}/questions/{w.question.id}",
        get={p: "302 302 404 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"text": "overwritten by an attacker"}),
    "onboarding.rates": Row(
        lambda w: f"/provider/applications/{w.app.id}/rates",
        get={p: "302 302 404 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"accepted": "y"}),
    "onboarding.check": Row(
        lambda w: f"/provider/applications/{w.other.id}/check",
        get={p: "302 404 200 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 404 ok 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"declaration": "y"}),
    "onboarding.receipt": Row(
        lambda w: f"/provider/applications/{w.app.id}/receipt",
        get={p: "302 200 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.withdraw": Row(
        lambda w: f"/provider/applications/{w.app.id}/withdraw",
        get={"sealed": "302 200 404 403 403 403 403 403 403", "evaluation": "302 302 404 403 403 403 403 403 403"},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.reopen": Row(
        lambda w: f"/provider/applications/{w.app.id}/reopen", get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.upload_document": Row(
        lambda w: f"/provider/applications/{w.other.id}/standards/{w.standard.id}/documents/new",
        # provider B's draft has chosen no lot yet, so the standard is not part of it: 404 for everyone
        get={p: "302 404 404 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 404 404 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"confidential": ""}),
    "onboarding.remove_document": Row(
        lambda w: f"/provider/applications/{w.app.id}/documents/{w.document.id}/remove",
        get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.download_document": Row(
        lambda w: f"/provider/documents/{w.document.id}",
        get={"sealed": "302 200 404 404 404 404 404 404 404",
             "evaluation": "302 200 404 200 404 404 404 200 404"}),
    "onboarding.autosave_answer": Row(
        lambda w: f"/provider/applications/{w.app.id}/questions/{w.question.id}/autosave",
        get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"text": "overwritten by an attacker", "version": "1"}),
    "onboarding.reuse_answer": Row(
        lambda w: f"/provider/applications/{w.app.id}/questions/{w.question.id}/reuse",
        get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.outcome": Row(
        lambda w: f"/provider/applications/{w.app.id}/outcome",
        get={p: "302 302 404 403 403 403 403 403 403" for p in PHASES}),


    # ---- the provider's organisation, locations and colleagues
    "onboarding.organisation": Row(lambda w: "/provider/organisation",
                                   get={p: "302 200 200 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.edit_organisation": Row(
        lambda w: "/provider/organisation/edit", get={p: "302 200 200 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 ok ok 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"legal_name": "Renamed by an intruder", "address": "1 High Street", "postcode": "PE1 1HF"}),
    "onboarding.new_location": Row(
        lambda w: "/provider/organisation/locations/new",
        get={p: "302 200 200 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 ok ok 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"cqc_location_id": "1-999999999", "name": "Intruder House"}),
    "onboarding.edit_location": Row(
        lambda w: f"/provider/organisation/locations/{w.location.id}",
        get={p: "302 200 404 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"cqc_location_id": "1-999999999", "name": "Renamed by an intruder"}),
    "onboarding.remove_location": Row(
        lambda w: f"/provider/organisation/locations/{w.location.id}/remove", get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.invite": Row(
        lambda w: "/provider/organisation/invite", get={p: "302 200 200 403 403 403 403 403 403" for p in PHASES},
        post={p: "302 ok ok 403 403 403 403 403 403" for p in PHASES},
        data=lambda w: {"email": "intruder@intruder.example"}),
    "onboarding.revoke_invitation": Row(
        lambda w: f"/provider/organisation/invitations/{w.invitation.id}/revoke", get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.remove_colleague": Row(
        lambda w: f"/provider/organisation/colleagues/{w.colleague.id}/remove", get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok 404 403 403 403 403 403 403" for p in PHASES}),
    # the invitee's page needs no sign-in; anyone signed in is asked to sign out first (409)
    "onboarding.accept_invitation": Row(
        lambda w: f"/provider/invitations/{w.invitation_token}",
        get={p: "200 409 409 409 409 409 409 409 409" for p in PHASES},
        post={p: "ok 409 409 409 409 409 409 409 409" for p in PHASES},
        data=lambda w: {"name": "Intruder", "password": "a long enough password",
                        "confirm_password": "a long enough password"}),

    # ---- clarifications and following a system
    "onboarding.round_clarifications": Row(
        lambda w: f"/provider/rounds/{w.round.id}/clarifications",
        get={p: "302 200 200 403 403 403 403 403 403" for p in PHASES},
        post={"sealed": "302 ok ok 403 403 403 403 403 403", "evaluation": "302 ok ok 403 403 403 403 403 403"},
        data=lambda w: {"question": "A question from an intruder?"}),
    "onboarding.follow_system": Row(
        lambda w: f"/provider/systems/{w.system.id}/follow", get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok ok 403 403 403 403 403 403" for p in PHASES}),
    "onboarding.unfollow_system": Row(
        lambda w: f"/provider/systems/{w.system.id}/unfollow", get={p: ONLY_POST for p in PHASES},
        post={p: "302 ok ok 403 403 403 403 403 403" for p in PHASES}),
    "commissioning.round_clarifications": Row(lambda w: f"/commissioning/rounds/{w.round.id}/clarifications",
                                              get={p: OWN_COMMISSIONER for p in PHASES}),
    "commissioning.answer_clarification": Row(
        lambda w: f"/commissioning/clarifications/{w.clarification.id}", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"published_question": "Changed", "answer": "Answered by an intruder.", "audience": "all"}),

    # ---- evaluation
    "evaluation.work_list": Row(lambda w: "/evaluation/", get={p: "302 403 403 200 200 200 200 403 403" for p in PHASES}),
    "evaluation.conflicts": Row(
        lambda w: f"/evaluation/rounds/{w.round.id}/conflicts",
        get={"sealed": "302 403 403 404 404 404 404 403 403",
             "evaluation": "302 403 403 200 404 200 200 403 403"},
        post={"sealed": "302 403 403 404 404 404 404 403 403",
              "evaluation": "302 403 403 ok 404 ok ok 403 403"},
        data=lambda w: {f"interest_{w.app.organisation_id}": "no"}),
    "evaluation.score": Row(
        lambda w: f"/evaluation/assignments/{w.assignment.id}",
        get={"sealed": "302 403 403 403 404 404 404 403 403",
             "evaluation": "302 403 403 200 404 404 404 403 403"},
        post={"sealed": "302 403 403 403 404 404 404 403 403",
              "evaluation": "302 403 403 ok 404 404 404 403 403"},
        data=lambda w: {f"score_{w.question.id}": "1", f"justification_{w.question.id}": "Scored by an intruder."}),
    "evaluation.moderate": Row(
        lambda w: f"/evaluation/applications/{w.app.id}/moderation",
        get={"sealed": "302 403 403 403 403 403 403 404 404",
             "evaluation": "302 403 403 403 403 403 403 200 404"},
        post={"sealed": "302 403 403 403 403 403 403 404 404",
              "evaluation": "302 403 403 403 403 403 403 ok 404"},
        data=lambda w: {f"score_{w.question.id}": "0", f"rationale_{w.question.id}": "Moderated by an intruder."}),

    "evaluation.application_evaluators": Row(
        lambda w: f"/evaluation/applications/{w.app.id}/evaluators", get={"sealed": "302 403 403 403 403 403 403 404 404", "evaluation": OWN_COMMISSIONER}, post={"sealed": "302 403 403 403 403 403 403 404 404", "evaluation": OWN_COMMISSIONER_POST},
        data=lambda w: {"evaluators": [str(w.users["evaluator_unassigned"].id)]}),
    "evaluation.conflicts_register": Row(lambda w: f"/evaluation/rounds/{w.round.id}/conflicts-register",
                                         get={p: OWN_COMMISSIONER for p in PHASES}),
    "evaluation.conflicts_register_csv": Row(lambda w: f"/evaluation/rounds/{w.round.id}/conflicts-register.csv",
                                             get={p: OWN_COMMISSIONER for p in PHASES}),
    "evaluation.consistency": Row(lambda w: f"/evaluation/rounds/{w.round.id}/consistency",
                                  get={p: OWN_COMMISSIONER for p in PHASES}),
    "evaluation.decide_conflict": Row(
        lambda w: f"/evaluation/declarations/{w.declaration.id}/decide",
        get={p: OWN_COMMISSIONER for p in PHASES}, post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"decision": "allow", "mitigation": "Allowed by an intruder."}),
    "evaluation.extend_deadline": Row(
        lambda w: f"/evaluation/rounds/{w.round.id}/extend-deadline", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"days": "5", "reason": "Extended by an intruder."}),
    "evaluation.larger_text": Row(lambda w: "/evaluation/larger-text", get={p: ONLY_POST for p in PHASES},
                                  post={p: "302 403 403 ok ok ok ok 403 403" for p in PHASES}),
    "evaluation.panel_answer": Row(
        lambda w: f"/evaluation/assignments/{w.panel_assignment.id}/answers/1",
        get={"sealed": "302 403 403 403 403 403 403 403 403", "evaluation": "302 403 403 403 403 403 200 403 403"},
        post={"sealed": "302 403 403 403 403 403 403 403 403", "evaluation": "302 403 403 403 403 403 ok 403 403"},
        data=lambda w: {"score": "0", "justification": "Scored by an intruder."}),
    "evaluation.panel_check": Row(
        lambda w: f"/evaluation/assignments/{w.panel_assignment.id}/check",
        get={"sealed": "302 403 403 403 403 403 403 403 403", "evaluation": "302 403 403 403 403 403 200 403 403"},
        post={"sealed": "302 403 403 403 403 403 403 403 403", "evaluation": "302 403 403 403 403 403 ok 403 403"}),
    "evaluation.panel_questions": Row(
        lambda w: f"/evaluation/rounds/{w.round.id}/panel-questions", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}, data=lambda w: {"questions": [str(w.question.id)]}),
    "evaluation.reassign": Row(
        lambda w: f"/evaluation/assignments/{w.assignment.id}/reassign", get={"sealed": "302 403 403 403 403 403 403 404 404", "evaluation": OWN_COMMISSIONER}, post={"sealed": "302 403 403 403 403 403 403 404 404", "evaluation": OWN_COMMISSIONER_POST},
        data=lambda w: {"evaluator": str(w.users["evaluator_unassigned"].id), "reason": "Moved by an intruder."}),

    # ---- commissioning
    "commissioning.dashboard": Row(lambda w: "/commissioning/",
                                   get={p: "302 403 403 403 403 403 403 200 200" for p in PHASES}),
    "commissioning.new_system": Row(
        lambda w: "/commissioning/systems/new", get={p: "302 403 403 403 403 403 403 200 200" for p in PHASES},
        post={p: "302 403 403 403 403 403 403 ok ok" for p in PHASES},
        data=lambda w: {"title": "Intruder system", "reference": "INTRUDER-1", "procedure": "dps_pcr2015",
                        "starts_on-day": "1", "starts_on-month": "1", "starts_on-year": "2026",
                        "ends_on-day": "1", "ends_on-month": "1", "ends_on-year": "2030",
                        "quality_weight": "95", "social_value_weight": "5", "pass_mark": "60", "scale_max": "5"}),
    "commissioning.system": Row(lambda w: f"/commissioning/systems/{w.system.id}",
                                get={p: OWN_COMMISSIONER for p in PHASES}),
    "commissioning.new_lot": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/lots/new", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"title": "Intruder lot", "description": "Added by an intruder"}),
    "commissioning.new_zone": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/zones/new", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"name": "Intruder zone", "ceiling_rate": "99.00"}),
    "commissioning.new_standard": Row(
        lambda w: f"/commissioning/lots/{w.system.lots[0].id}/standards/new",
        get={p: OWN_COMMISSIONER for p in PHASES}, post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"kind": "declaration", "title": "Intruder standard", "description": "I agree"}),
    "commissioning.new_question": Row(
        lambda w: f"/commissioning/lots/{w.system.lots[0].id}/questions/new",
        get={p: OWN_COMMISSIONER for p in PHASES}, post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"section": "quality", "text": "Intruder question", "weight": "1", "word_limit": "100",
                        "min_score": "0", "scorer": "officers"}),
    "commissioning.new_round": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/rounds/new", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"opens_on-day": "1", "opens_on-month": "1", "opens_on-year": "2027", "opens_time": "09:00",
                        "closes_on-day": "1", "closes_on-month": "2", "closes_on-year": "2027",
                        "closes_time": "12:00"}),
    "commissioning.round": Row(lambda w: f"/commissioning/rounds/{w.round.id}", get={p: OWN_COMMISSIONER for p in PHASES}),
    "commissioning.open_round": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/open", get={p: ONLY_POST for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.close_early": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/close-early", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"reason": "Closed by an intruder to shut out bidders."}),
    "commissioning.pause_round": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/pause", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"reason": "Paused by an intruder to shut out bidders."}),
    "commissioning.resume_round": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/resume", get={p: ONLY_POST for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.extend_round": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/extend", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"closes_on-day": "1", "closes_on-month": "1", "closes_on-year": "2027",
                        "closes_time": "12:00", "reason": "Extended by an intruder."}),
    "commissioning.assign": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/assign", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"evaluators": [str(w.users["evaluator_unassigned"].id)]}),
    "commissioning.decision": Row(
        lambda w: f"/commissioning/applications/{w.app.id}/decision",
        get={"sealed": "302 403 403 403 403 403 403 404 404", "evaluation": OWN_COMMISSIONER},
        post={"sealed": "302 403 403 403 403 403 403 404 404", "evaluation": OWN_COMMISSIONER_POST},
        data=lambda w: {"outcome": "rejected", "reasons": "Rejected by an intruder."}),
    "commissioning.assess_received": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/assess-received", get={p: ONLY_POST for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.confirm_decisions": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/confirm-decisions", get={p: ONLY_POST for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.publish": Row(
        lambda w: f"/commissioning/rounds/{w.round.id}/publish", get={p: ONLY_POST for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),


    # ---- system set-up: editing, copying, participating councils
    "commissioning.edit_system": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/edit", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"title": "Renamed by an intruder", "reference": "INTRUDER-2", "procedure": "dps_pcr2015",
                        "starts_on-day": "1", "starts_on-month": "1", "starts_on-year": "2022",
                        "ends_on-day": "1", "ends_on-month": "1", "ends_on-year": "2030",
                        "quality_weight": "95", "social_value_weight": "5", "pass_mark": "10", "scale_max": "5"}),
    "commissioning.copy_system": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/copy", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"title": "Copied by an intruder", "reference": "INTRUDER-3",
                        "starts_on-day": "1", "starts_on-month": "11", "starts_on-year": "2027",
                        "ends_on-day": "1", "ends_on-month": "11", "ends_on-year": "2031"}),
    "commissioning.new_participant": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/participants/new", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"authority_name": "Intruder Borough Council", "spend_cap": "1000000"}),
    "commissioning.edit_participant": Row(
        lambda w: f"/commissioning/participants/{w.participant.id}/edit", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}, data=lambda w: {"spend_cap": "1"}),
    "commissioning.remove_participant": Row(
        lambda w: f"/commissioning/participants/{w.participant.id}/remove", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.edit_lot": Row(
        lambda w: f"/commissioning/lots/{w.system.lots[1].id}/edit", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"title": "Renamed by an intruder", "description": "x"}),
    "commissioning.delete_lot": Row(
        lambda w: f"/commissioning/lots/{w.system.lots[1].id}/delete", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.edit_zone": Row(
        lambda w: f"/commissioning/zones/{w.system.zones[0].id}/edit", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}, data=lambda w: {"name": "Renamed by an intruder"}),
    "commissioning.delete_zone": Row(
        lambda w: f"/commissioning/zones/{w.system.zones[0].id}/delete", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.edit_rate": Row(
        lambda w: f"/commissioning/lots/{w.system.lots[0].id}/zones/{w.system.zones[0].id}/rate",
        get={p: OWN_COMMISSIONER for p in PHASES}, post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"ceiling_rate": "99.99"}),
    "commissioning.edit_standard": Row(
        lambda w: f"/commissioning/standards/{w.standard.id}/edit", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"kind": "declaration", "title": "Changed by an intruder", "description": "I agree"}),
    "commissioning.delete_standard": Row(
        lambda w: f"/commissioning/standards/{w.standard.id}/delete", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.edit_question": Row(
        lambda w: f"/commissioning/questions/{w.question.id}/edit", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"section": "quality", "text": "Changed by an intruder", "weight": "35", "word_limit": "100",
                        "min_score": "0", "scorer": "officers"}),
    "commissioning.delete_question": Row(
        lambda w: f"/commissioning/questions/{w.question.id}/delete", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),

    # ---- members of the call-off list
    "commissioning.members_list": Row(lambda w: f"/commissioning/systems/{w.system.id}/members",
                                      get={p: OWN_COMMISSIONER for p in PHASES}),
    "commissioning.member": Row(lambda w: f"/commissioning/members/{w.membership.id}",
                                get={p: OWN_COMMISSIONER for p in PHASES}),
    "commissioning.suspend_member": Row(
        lambda w: f"/commissioning/members/{w.membership.id}/suspend", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"reason": "Suspended by an intruder."}),
    "commissioning.reinstate_member": Row(
        lambda w: f"/commissioning/members/{w.membership.id}/reinstate", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"reason": "Reinstated by an intruder."}),
    "commissioning.remove_member": Row(
        lambda w: f"/commissioning/members/{w.membership.id}/remove", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"reason": "Removed by an intruder.", "confirm": "y"}),

    "commissioning.import_members": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/members/import", get={p: OWN_COMMISSIONER for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "commissioning.import_template": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/members/import/template.csv",
        get={p: OWN_COMMISSIONER for p in PHASES}),
    "commissioning.confirm_import": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/members/import/confirm", get={p: ONLY_POST for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES},
        data=lambda w: {"source": "intruder.csv", "csv_text": "legal_name,lot\nIntruder Care Ltd,Providers of Care\n"}),

    # ---- results, reports and letters
    "commissioning.results": Row(lambda w: f"/commissioning/rounds/{w.round.id}/results",
                                 get={"sealed": "302 403 403 403 403 403 403 302 404", "evaluation": OWN_COMMISSIONER}),
    "commissioning.evaluation_report": Row(lambda w: f"/commissioning/rounds/{w.round.id}/evaluation-report.pdf",
                                           get={p: "302 403 403 403 403 403 403 302 404" for p in PHASES}),
    "commissioning.outcome_letter": Row(lambda w: f"/commissioning/applications/{w.app.id}/outcome-letter.pdf",
                                        get={"sealed": "302 403 403 403 403 403 403 404 404",
                                             "evaluation": "302 403 403 403 403 403 403 302 404"}),
    "commissioning.lead_provider_ranking": Row(
        lambda w: f"/commissioning/systems/{w.system.id}/lead-provider-ranking", get={p: ONLY_POST for p in PHASES},
        post={p: OWN_COMMISSIONER_POST for p in PHASES}),
    "onboarding.outcome_letter": Row(lambda w: f"/provider/applications/{w.app.id}/outcome-letter.pdf",
                                     get={p: "302 302 404 403 403 403 403 403 403" for p in PHASES}),

    # ---- audit
    "audit.log": Row(lambda w: "/audit/", get={p: "302 403 403 403 403 403 403 200 200" for p in PHASES}),
    "audit.export": Row(lambda w: "/audit/export.csv", get={p: "302 403 403 403 403 403 403 200 200" for p in PHASES}),
}


class World:
    """Provider A has submitted (every answer holds SENTINEL); provider B has a draft; Cambridgeshire's
    evaluator, a conflicted evaluator and the panel member are assigned to A's application."""


def _build_world(phase, council, system, make_round, make_provider, frozen_clock, db) -> World:
    w = World()
    w.system = system
    w.round = make_round(closes_in=timedelta(days=3))
    provider_a, provider_b = make_provider("Provider A Care Ltd"), make_provider("Provider B Care Ltd")
    w.app = complete_application(w.round, provider_a, lots=[system.lots[0]], answer=f"{SENTINEL} " + "word " * 50)
    # a supporting document on the evidence standard; its bytes carry the sentinel too
    evidence = next(s for s in system.lots[0].standards if s.kind.value == "evidence")
    w.document = onboarding.upload_document(w.app, evidence, provider_a, filename="evidence.pdf",
                                            data=b"%PDF-1.4\n" + SENTINEL.encode() + b"\n%%EOF\n")
    onboarding.submit_application(w.app, provider_a, declaration_confirmed=True)
    w.other = onboarding.start_application(w.round, provider_b)
    w.location = organisations.add_location(provider_a.organisation, provider_a, cqc_location_id="1-123456789",
                                            name="Bridge House")
    w.invitation, w.invitation_token = colleagues.invite_colleague(provider_a.organisation, provider_a,
                                                                   "new.colleague@provider-a.example")
    other_invitation, token = colleagues.invite_colleague(provider_a.organisation, provider_a,
                                                          "colleague@provider-a.example")
    w.colleague = colleagues.accept_invitation(other_invitation, name="Cole League",
                                               password="care-dps-demo-password")
    w.participant = commissioning.add_participating_authority(system, council.commissioner,
                                                              authority_name="Suffolk County Council")
    # provider B is on the call-off list of the first lot already (moved from an earlier framework)
    w.membership = Membership(system=system, lot=system.lots[0], organisation=provider_b.organisation,
                              admitted_on=date(2025, 4, 1))
    db.session.add(w.membership)
    w.clarification = clarifications.ask_clarification(w.round, provider_b, "Can we bid for one zone only?")
    conflicted = create_staff(council.authority, Role.evaluator, "eval3@cambs.example", "Sam Conflicted")
    db.session.commit()
    w.users = {"provider_a": provider_a, "provider_b": provider_b, "evaluator": council.evaluator1,
               "evaluator_unassigned": council.evaluator2, "evaluator_conflicted": conflicted,
               "panel": council.panel, "commissioner": council.commissioner,
               "other_commissioner": council.other_commissioner}
    scorers = [council.evaluator1, conflicted, council.panel]
    if phase == "sealed":
        # an attack on sealed bids: assignments and declarations that exist before the round closes
        # (as if made by a bug or by hand in the database) must still not open the answers
        for scorer in scorers:
            db.session.add(Assignment(application=w.app, evaluator=scorer, as_panel=scorer.role is Role.panel_member,
                                      assigned_by_id=council.commissioner.id))
            db.session.add(ConflictDeclaration(round_id=w.round.id, evaluator_id=scorer.id,
                                               organisation_id=w.app.organisation_id,
                                               has_interest=scorer is conflicted,
                                               details="My brother owns it." if scorer is conflicted else ""))
        db.session.commit()
    else:
        frozen_clock.advance(days=4)
        evaluation.assign_evaluators(w.round, council.commissioner, scorers)
        for scorer in scorers:
            evaluation.declare_conflicts(w.round, scorer, {w.app.organisation_id: (
                scorer is conflicted, "My brother owns it." if scorer is conflicted else "")})
        db.session.commit()
    w.assignment = db.session.scalar(select(Assignment).where(Assignment.application_id == w.app.id,
                                                              Assignment.evaluator_id == council.evaluator1.id))
    w.panel_assignment = db.session.scalar(select(Assignment).where(Assignment.application_id == w.app.id,
                                                                    Assignment.evaluator_id == council.panel.id))
    w.declaration = db.session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.evaluator_id == conflicted.id))
    w.question = w.system.lots[0].questions[0]
    w.standard = next(s for s in w.system.lots[0].standards if s.kind.value == "evidence")
    return w


def _send(client, method, url, data=None):
    return send(client, method, url, data=data)


def _clients(app, w):
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            response = _send(client, "POST", "/sign-in", {"email": w.users[role].email, "password": "care-dps-demo-password"})
            assert response.status_code == 302, f"{role} could not sign in"
        clients[role] = client
    return clients


def _snapshot():
    """Every row of every table: what a refused POST must leave exactly as it was."""
    _db.session.expire_all()
    out = {}
    for table in _db.metadata.sorted_tables:
        rows = _db.session.execute(select(table)).all()
        out[table.name] = sorted((tuple(map(repr, row)) for row in rows))
    return out


def _diff(before, after):
    return [name for name in before if before[name] != after[name]]


def _expectations(spec: str) -> list[str]:
    entries = spec.split()
    assert len(entries) == len(ROLES), f"expected {len(ROLES)} entries, got {spec!r}"
    return entries


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(MATRIX))
    assert not missing, f"Routes with no row in the permission matrix (add one to MATRIX): {missing}"
    stale = sorted(set(MATRIX) - endpoints)
    assert not stale, f"Rows in the permission matrix for routes that no longer exist: {stale}"
    for rule in app.url_map.iter_rules():
        row = MATRIX[rule.endpoint]
        for method in ("GET", "POST"):
            if method in rule.methods:
                table = row.get if method == "GET" else row.post
                assert set(table) == set(PHASES), f"{rule.endpoint}: give {method} expectations for {PHASES}"


OBSERVE = os.environ.get("MATRIX_OBSERVE") == "1"


@pytest.mark.parametrize("phase", PHASES)
def test_permission_matrix(app, db, council, system, make_round, make_provider, frozen_clock, phase):
    w = _build_world(phase, council, system, make_round, make_provider, frozen_clock, db)
    clients = _clients(app, w)
    failures, observed = [], {}
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for endpoint, row in MATRIX.items():
        rule = rules[endpoint]
        url = row.url(w)
        for method in ("GET", "POST"):
            table = row.get if method == "GET" else row.post
            if method not in rule.methods or not table:
                continue
            expected = _expectations(table[phase])
            seen = []
            for role, want in zip(ROLES, expected):
                client = clients[role]
                if method == "GET":
                    response = _send(client, "GET", url)
                    body = response.get_data()
                    if role in COUNCIL_ROLES and phase == "sealed" and SENTINEL.encode() in body:
                        failures.append(f"{role} GET {url} shows a sealed bid's answer")
                    if role == "provider_b" and SENTINEL.encode() in body:
                        failures.append(f"provider_b GET {url} shows provider A's answer")
                    seen.append(str(response.status_code))
                else:
                    if want == "ok":
                        seen.append("ok")
                        continue
                    before = _snapshot()
                    response = _send(client, "POST", url, row.data(w) if row.data else {})
                    changed = _diff(before, _snapshot())
                    if changed:
                        failures.append(f"{role} POST {url} was refused with {response.status_code} "
                                        f"but changed {changed}")
                    seen.append(str(response.status_code))
                if want != "ok" and seen[-1] != want:
                    failures.append(f"{phase}: {role} {method} {url} ({endpoint}): {seen[-1]}, expected {want}")
                if role == "anonymous" and want == "302" and method == "GET" and seen[-1] == "302" \
                        and endpoint != "auth.home":
                    if "/sign-in" not in response.location:
                        failures.append(f"anonymous GET {url} redirected to {response.location}, not sign in")
            observed[(endpoint, method)] = " ".join(seen)
    if OBSERVE:
        for (endpoint, method), seen in observed.items():
            print(f"{phase:10} {method:4} {endpoint:35} {seen}")
    assert not failures, "\n".join(failures)


def test_sealed_answers_are_not_in_any_council_page_before_close(app, db, council, system, make_round,
                                                                  make_provider, frozen_clock):
    """Every GET route, every council user, with every id of the world's objects: the sealed answer never shows."""
    w = _build_world("sealed", council, system, make_round, make_provider, frozen_clock, db)
    clients = _clients(app, w)
    ids = {w.app.id, w.other.id, w.round.id, w.system.id, w.assignment.id, w.question.id, w.standard.id}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        int_args = [name for name, conv in rule._converters.items() if type(conv).__name__ == "IntegerConverter"]
        if len(int_args) != len(rule.arguments):
            continue  # path and slug routes are covered by the matrix
        for object_id in ids:
            url = re.sub(r"<int:\w+>", str(object_id), rule.rule)
            for role in COUNCIL_ROLES:
                body = _send(clients[role], "GET", url).get_data()
                assert SENTINEL.encode() not in body, f"{role} read a sealed answer at {url}"
