"""Editing a system over its lifetime: settings, participating authorities, lots, zones, rates, standards,
questions, copying the set-up; every refusal leaves the stored set-up as it was."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.commissioning import services as commissioning
from portal.commissioning.models import (
    Authority,
    Lot,
    LotZoneRate,
    MinimumStandard,
    ParticipatingAuthority,
    Procedure,
    PurchasingSystem,
    Question,
    Scorer,
    Section,
    StandardKind,
    Zone,
)
from portal.core import DomainError, NotAllowed
from portal.demo import at, complete_application
from portal.onboarding import services as onboarding


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot(db):
    """Everything a set-up change could touch, so a refusal can be checked to have changed nothing."""
    rows = []
    for model in (PurchasingSystem, Lot, Zone, LotZoneRate, MinimumStandard, Question, ParticipatingAuthority,
                  Authority, AuditEvent):
        rows.append(count(db, model))
    rows.append(db.session.execute(select(Question.id, Question.weight, Question.text, Question.position)
                                   .order_by(Question.id)).all())
    rows.append(db.session.execute(select(MinimumStandard.id, MinimumStandard.title).order_by(MinimumStandard.id)).all())
    rows.append(db.session.execute(select(LotZoneRate.id, LotZoneRate.ceiling_rate, LotZoneRate.floor_rate,
                                          LotZoneRate.enhanced_rate).order_by(LotZoneRate.id)).all())
    rows.append(db.session.execute(select(PurchasingSystem.id, PurchasingSystem.quality_weight,
                                          PurchasingSystem.pass_mark, PurchasingSystem.ends_on,
                                          PurchasingSystem.reference)).all())
    return rows


# ---- system settings


def test_update_system_changes_settings_and_audits_before_and_after(db, council, system):
    commissioning.update_system(system, council.commissioner, title="ISF pseudo-DPS (renewed)",
                                quality_weight=90, social_value_weight=10, pass_mark=Decimal(55),
                                ends_on=date(2028, 10, 31), cadence_months=4, standstill_working_days=5)
    db.session.commit()
    stored = db.session.get(PurchasingSystem, system.id)
    assert (stored.title, stored.quality_weight, stored.social_value_weight) == ("ISF pseudo-DPS (renewed)", 90, 10)
    assert stored.pass_mark == Decimal(55) and stored.ends_on == date(2028, 10, 31)
    assert (stored.cadence_months, stored.standstill_working_days) == (4, 5)
    assert stored.slug == "ccc-isf-pdps-2022"
    event = db.session.scalar(select(AuditEvent).filter_by(action="system.updated"))
    assert event.before["quality_weight"] == 95 and event.after["quality_weight"] == 90
    # the lots' question weights no longer match: a round cannot open until they do
    assert any("the quality question weights add up to 95, but the quality weight is 90" in p
               for p in stored.setup_problems())


def test_standstill_defaults_from_the_procedure(db, council):
    made = {}
    for procedure in Procedure:
        made[procedure] = commissioning.create_system(
            council.commissioner, title="S", reference=f"REF-{procedure.value}", procedure=procedure,
            starts_on=date(2026, 1, 1), ends_on=date(2030, 1, 1))
    assert made[Procedure.open_framework_pa2023].standstill_working_days == 8
    assert made[Procedure.dps_pcr2015].standstill_working_days == 0
    assert made[Procedure.dynamic_market_pa2023].standstill_working_days == 0


@pytest.mark.parametrize("changes, message", [
    ({"quality_weight": 90}, "The quality and social value weights must add up to 100."),
    ({"ends_on": date(2022, 9, 1)}, "The end of the system's lifetime must be after its start."),
    ({"standstill_working_days": 31}, "Enter a standstill period from 0 to 30 working days."),
    ({"reference": "OTHER-REF"}, "A system with the reference OTHER-REF already exists"),
])
def test_update_system_refusals_change_nothing(db, council, system, changes, message):
    commissioning.create_system(council.commissioner, title="Other", reference="OTHER-REF",
                                procedure=Procedure.dps_pcr2015, starts_on=date(2026, 1, 1), ends_on=date(2030, 1, 1))
    db.session.commit()
    before = snapshot(db)
    with pytest.raises(DomainError, match=message):
        commissioning.update_system(system, council.commissioner, **changes)
    db.session.rollback()
    assert snapshot(db) == before


def test_lifetime_cannot_end_before_an_existing_round(db, council, system, make_round):
    make_round(opens_in=timedelta(days=30), closes_in=timedelta(days=60))  # closes 31 July 2026
    before = snapshot(db)
    with pytest.raises(DomainError, match="The lifetime must end on or after 31 July 2026, when Round 1 closes."):
        commissioning.update_system(system, council.commissioner, ends_on=date(2026, 7, 30))
    with pytest.raises(DomainError, match="The lifetime must start on or before 1 July 2026, when Round 1 opens."):
        commissioning.update_system(system, council.commissioner, starts_on=date(2026, 7, 2))
    db.session.rollback()
    assert snapshot(db) == before


def test_weights_pass_mark_and_procedure_are_fixed_once_a_round_has_opened(db, council, system, make_round):
    make_round()
    before = snapshot(db)
    for changes in ({"quality_weight": 90, "social_value_weight": 10}, {"pass_mark": Decimal(50)},
                    {"procedure": Procedure.dps_pcr2015}, {"scale_max": 4}):
        with pytest.raises(DomainError, match="A round of this system has opened, so its procedure, weights"):
            commissioning.update_system(system, council.commissioner, **changes)
    db.session.rollback()
    assert snapshot(db) == before
    # the title, lifetime and cadence may still change
    commissioning.update_system(system, council.commissioner, title="Renamed", cadence_months=3)
    assert system.title == "Renamed"


def test_update_system_is_for_the_owning_council(db, council, system):
    with pytest.raises(NotAllowed):
        commissioning.update_system(system, council.other_commissioner, title="Taken over")
    assert system.title == "Individual Service Funds pseudo-DPS"


# ---- participating authorities


def test_participating_authorities_with_spend_caps(db, council, system):
    pboro = commissioning.add_participating_authority(system, council.commissioner,
                                                      authority_name="peterborough city council",
                                                      spend_cap=Decimal("2500000"))
    norfolk = commissioning.add_participating_authority(system, council.commissioner,
                                                        authority_name="  Norfolk   County Council ")
    db.session.commit()
    assert pboro.authority_id == council.other_commissioner.authority_id  # matched the existing council
    assert norfolk.authority.name == "Norfolk County Council" and norfolk.authority.slug == "norfolk-county-council"
    assert [p.authority.name for p in system.participants] == ["Peterborough City Council", "Norfolk County Council"]
    assert pboro.spend_cap == Decimal("2500000") and norfolk.spend_cap is None
    commissioning.set_spend_cap(norfolk, council.commissioner, spend_cap=Decimal("750000.50"))
    assert norfolk.spend_cap == Decimal("750000.50")
    commissioning.remove_participating_authority(pboro, council.commissioner)
    db.session.commit()
    assert [p.authority.name for p in system.participants] == ["Norfolk County Council"]
    assert db.session.scalar(select(AuditEvent).filter_by(action="participant.removed")).before["spend_cap"] == "2500000.00"


@pytest.mark.parametrize("name, cap, message", [
    ("Cambridgeshire County Council", None, "Cambridgeshire County Council owns this system"),
    ("Peterborough City Council", None, "Peterborough City Council already takes part in this system"),
    ("Suffolk County Council", Decimal(0), "Enter a spend cap greater than £0"),
    ("   ", None, "Enter the name of the council"),
])
def test_participating_authority_refusals_change_nothing(db, council, system, name, cap, message):
    commissioning.add_participating_authority(system, council.commissioner, authority_name="Peterborough City Council")
    db.session.commit()
    before = snapshot(db)
    with pytest.raises(DomainError, match=message):
        commissioning.add_participating_authority(system, council.commissioner, authority_name=name, spend_cap=cap)
    db.session.rollback()
    assert snapshot(db) == before


# ---- lots, zones, rates, standards, questions


def test_edit_and_delete_standards_and_questions_before_any_round(db, council, system):
    lot = system.lots[0]
    standard = lot.standards[1]
    commissioning.update_standard(standard, council.commissioner, kind=StandardKind.document,
                                  title="Insurance", description="Public liability insurance of £5 million.")
    assert (standard.kind, standard.title) == (StandardKind.document, "Insurance")
    commissioning.delete_standard(lot.standards[0], council.commissioner)
    assert [s.position for s in lot.standards] == [1, 2]
    question = lot.questions[0]  # quality, weight 35
    with pytest.raises(DomainError, match="would weigh more than the quality weight of 95"):
        commissioning.update_question(question, council.commissioner, section=Section.quality, text=question.text,
                                      weight=Decimal(36))
    assert question.weight == Decimal(35)
    commissioning.update_question(question, council.commissioner, section=Section.quality, text="Reworded?",
                                  weight=Decimal(25), min_score=3, scorer=Scorer.panel, word_limit=400)
    assert (question.text, question.weight, question.min_score, question.scorer) == (
        "Reworded?", Decimal(25), 3, Scorer.panel)
    assert any("quality question weights add up to 85" in p for p in system.setup_problems())
    commissioning.delete_question(lot.questions[1], council.commissioner)
    assert [q.position for q in lot.questions] == [1, 2, 3]
    db.session.commit()


def test_frozen_once_a_round_offering_the_lot_has_opened(db, council, system, make_round, frozen_clock):
    make_round(closes_in=timedelta(days=5))
    lot = system.lots[0]
    before = snapshot(db)
    frozen = "Lot 1: Providers of Care was offered in Round 1, which has opened, so its title, standards and questions are frozen"
    for action in (
        lambda: commissioning.update_question(lot.questions[0], council.commissioner, section=Section.quality,
                                              text="Changed", weight=Decimal(35)),
        lambda: commissioning.delete_question(lot.questions[0], council.commissioner),
        lambda: commissioning.update_standard(lot.standards[0], council.commissioner, kind=StandardKind.declaration,
                                              title="Changed"),
        lambda: commissioning.delete_standard(lot.standards[0], council.commissioner),
        lambda: commissioning.update_lot(lot, council.commissioner, title="Changed"),
        lambda: commissioning.delete_lot(lot, council.commissioner),
    ):
        with pytest.raises(DomainError, match=frozen):
            action()
    db.session.rollback()
    assert snapshot(db) == before
    # after the round closes the old lots stay frozen, but a new lot can be added and set up for the next round
    frozen_clock.advance(days=6)
    new_lot = commissioning.add_lot(system, council.commissioner, title="Specialist care")
    commissioning.add_question(new_lot, council.commissioner, section=Section.quality, weight=Decimal(95), text="Q?")
    commissioning.update_lot(new_lot, council.commissioner, title="Specialist dementia care")
    assert new_lot.offering_round() is None and lot.offering_round().number == 1
    with pytest.raises(DomainError, match=frozen):
        commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=Decimal(1), text="Q")
    # rates may change between rounds (an annual uplift), with an enhanced rate for hard-to-serve areas
    commissioning.set_rate(lot, system.zones[0], council.commissioner, ceiling_rate=Decimal("17.00"),
                           floor_rate=Decimal("14.50"), enhanced_rate=Decimal("19.00"))
    assert lot.rate_for(system.zones[0]).enhanced_rate == Decimal("19.00")


@pytest.mark.parametrize("ceiling, floor, enhanced, message", [
    (Decimal("17.00"), Decimal("17.01"), None, "The floor rate must not be more than the ceiling rate."),
    (Decimal("17.00"), None, Decimal("17.00"), "so it must be more than the ceiling rate"),
    (Decimal("0"), None, None, "Enter an hourly ceiling rate greater than £0."),
])
def test_rate_refusals_change_nothing(db, council, system, ceiling, floor, enhanced, message):
    before = snapshot(db)
    with pytest.raises(DomainError, match=message):
        commissioning.set_rate(system.lots[0], system.zones[0], council.commissioner, ceiling_rate=ceiling,
                               floor_rate=floor, enhanced_rate=enhanced)
    db.session.rollback()
    assert snapshot(db) == before


def test_deleting_a_lot_with_applications_is_refused(db, council, system, make_round, make_provider, frozen_clock):
    # a lot added after Round 1 closed, applied for in Round 2 (which has not opened yet cannot happen, so
    # the application comes in Round 2 once open); then Round 2 closes and the lot is frozen AND has applications
    round_ = make_round(opens_in=timedelta(days=1), closes_in=timedelta(days=10))
    lot = system.lots[1]
    frozen_clock.advance(days=2)
    provider = make_provider()
    application = complete_application(round_, provider, lots=[lot])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    before = snapshot(db)
    with pytest.raises(DomainError):
        commissioning.delete_lot(lot, council.commissioner)
    db.session.rollback()
    assert snapshot(db) == before
    assert db.session.get(Lot, lot.id) is not None and application.lots[0].lot_id == lot.id


def test_delete_lot_renumbers_later_lots(db, council, system):
    third = commissioning.add_lot(system, council.commissioner, title="Specialist care")
    commissioning.delete_lot(system.lots[1], council.commissioner)
    db.session.commit()
    assert [(l.number, l.title) for l in system.lots] == [(1, "Providers of Care"), (3 - 1, "Specialist care")]
    assert third.number == 2
    assert count(db, Lot) == 2


def test_zone_rename_and_delete(db, council, system):
    fenland = next(z for z in system.zones if z.name == "Fenland")
    with pytest.raises(DomainError, match="already has a zone called Peterborough"):
        commissioning.rename_zone(fenland, council.commissioner, name="peterborough")
    commissioning.rename_zone(fenland, council.commissioner, name="Fenland and Wisbech")
    commissioning.delete_zone(fenland, council.commissioner)
    db.session.commit()
    assert [z.name for z in system.zones] == ["Huntingdonshire", "Peterborough"]
    assert count(db, LotZoneRate) == 4


def test_deleting_a_zone_providers_bid_for_is_refused(db, council, system, make_round, make_provider, frozen_clock):
    round_ = make_round(closes_in=timedelta(days=3))
    provider = make_provider()
    complete_application(round_, provider, lots=[system.lots[0]], zones=[system.zones[0]])
    db.session.commit()
    frozen_clock.advance(days=4)
    before = snapshot(db)
    with pytest.raises(DomainError, match=f"Providers have applied for or serve {system.zones[0].name}"):
        commissioning.delete_zone(system.zones[0], council.commissioner)
    db.session.rollback()
    assert snapshot(db) == before


# ---- copying the set-up


def test_copy_system_copies_the_setup_but_not_rounds(db, council, system, make_round):
    make_round()
    copy = commissioning.copy_system(system, council.commissioner, title="ISF pseudo-DPS 2027",
                                     reference="CCC-ISF-PDPS-2027", starts_on=date(2027, 11, 1),
                                     ends_on=date(2031, 10, 31))
    db.session.commit()
    assert (copy.title, copy.reference, copy.slug) == ("ISF pseudo-DPS 2027", "CCC-ISF-PDPS-2027", "ccc-isf-pdps-2027")
    assert (copy.starts_on, copy.ends_on) == (date(2027, 11, 1), date(2031, 10, 31))
    assert (copy.procedure, copy.quality_weight, copy.pass_mark) == (system.procedure, 95, Decimal(60))
    assert [l.title for l in copy.lots] == [l.title for l in system.lots]
    assert [z.name for z in copy.zones] == [z.name for z in system.zones]
    for old, new in zip(system.lots, copy.lots):
        assert [(q.text, q.weight, q.scorer, q.min_score) for q in new.questions] == [
            (q.text, q.weight, q.scorer, q.min_score) for q in old.questions]
        assert [(s.kind, s.title) for s in new.standards] == [(s.kind, s.title) for s in old.standards]
        for zone_old, zone_new in zip(system.zones, copy.zones):
            assert new.rate_for(zone_new).ceiling_rate == old.rate_for(zone_old).ceiling_rate
    assert copy.rounds == [] and copy.setup_problems() == []
    # the copy is not frozen: its questions can change although the original's round has opened
    commissioning.update_question(copy.lots[0].questions[0], council.commissioner, section=Section.quality,
                                  text="New wording", weight=Decimal(35))


def test_copy_system_refuses_a_reference_in_use(db, council, system):
    before = snapshot(db)
    with pytest.raises(DomainError, match="A system with the reference CCC-ISF-PDPS-2022 already exists"):
        commissioning.copy_system(system, council.commissioner, title="Copy", reference="CCC-ISF-PDPS-2022",
                                  starts_on=date(2027, 1, 1), ends_on=date(2030, 1, 1))
    db.session.rollback()
    assert snapshot(db) == before


# ---- pages


def test_edit_system_page(client, db, council, login, system):
    login(council.commissioner)
    page = text(client.get(f"/commissioning/systems/{system.id}/edit"))
    assert 'value="Individual Service Funds pseudo-DPS"' in page and "Cambridgeshire County Council owns this system" in page
    form = {"title": "ISF pseudo-DPS", "reference": "CCC-ISF-PDPS-2022", "procedure": "pseudo_dps_light_touch",
            "starts_on": ["1", "10", "2022"], "ends_on": ["31", "10", "2027"], "quality_weight": "90",
            "social_value_weight": "5", "pass_mark": "60", "scale_max": "5", "standstill_working_days": "",
            "cadence_months": "4"}
    r = client.post(f"/commissioning/systems/{system.id}/edit", data=form)
    assert r.status_code == 200 and "The weights add up to 95" in text(r) and 'value="ISF pseudo-DPS"' in text(r)
    db.session.refresh(system)
    assert system.title == "Individual Service Funds pseudo-DPS"
    r = client.post(f"/commissioning/systems/{system.id}/edit", data=form | {"social_value_weight": "10"})
    assert r.status_code == 302
    db.session.refresh(system)
    assert (system.title, system.quality_weight, system.cadence_months, system.standstill_working_days) == (
        "ISF pseudo-DPS", 90, 4, 0)
    page = text(client.get(f"/commissioning/systems/{system.id}"))
    assert "Every 4 months" in page and "Before a round can open" in page


def test_participant_and_rate_and_question_pages(client, db, council, login, system):
    login(council.commissioner)
    r = client.post(f"/commissioning/systems/{system.id}/participants/new",
                    data={"authority_name": "Peterborough City Council", "spend_cap": "£2,500,000"})
    assert r.status_code == 302
    page = text(client.get(f"/commissioning/systems/{system.id}"))
    assert "Peterborough City Council" in page and "£2,500,000.00" in page
    lot, zone = system.lots[0], system.zones[0]
    r = client.post(f"/commissioning/lots/{lot.id}/zones/{zone.id}/rate",
                    data={"ceiling_rate": "17.00", "floor_rate": "18.00", "enhanced_rate": ""})
    assert r.status_code == 200 and "The floor rate must not be more than the ceiling rate." in text(r)
    r = client.post(f"/commissioning/lots/{lot.id}/zones/{zone.id}/rate",
                    data={"ceiling_rate": "17.00", "floor_rate": "14.00", "enhanced_rate": "19.50"})
    assert r.status_code == 302
    assert "enhanced £19.50" in text(client.get(f"/commissioning/systems/{system.id}"))
    question = lot.questions[0]
    page = text(client.get(f"/commissioning/questions/{question.id}/edit"))
    assert "How will you plan support with each person" in page
    r = client.post(f"/commissioning/questions/{question.id}/edit", data={
        "section": "quality", "text": "How will you plan support?", "weight": "50", "word_limit": "500",
        "min_score": "2", "scorer": "both"})
    assert r.status_code == 200 and "would weigh more than the quality weight of 95" in text(r)
    r = client.post(f"/commissioning/questions/{question.id}/delete", data={})
    assert r.status_code == 302
    assert count(db, Question) == 6


def test_frozen_question_edit_page_refuses_with_a_clear_message(client, db, council, login, system, make_round):
    make_round()
    question = system.lots[0].questions[0]
    login(council.commissioner)
    page = text(client.get(f"/commissioning/systems/{system.id}"))
    assert "offered in Round 1, so its title, standards and questions stay as published" in page and f"/commissioning/questions/{question.id}/edit" not in page
    r = client.post(f"/commissioning/questions/{question.id}/edit", data={
        "section": "quality", "text": "Changed after opening", "weight": "35", "word_limit": "500",
        "min_score": "2", "scorer": "both"})
    assert r.status_code == 200
    assert "was offered in Round 1, which has opened, so its title, standards and questions are frozen" in text(r)
    db.session.refresh(question)
    assert question.text.startswith("How will you plan support")


def test_copy_page(client, db, council, login, system):
    login(council.commissioner)
    r = client.post(f"/commissioning/systems/{system.id}/copy", data={
        "title": "ISF 2027", "reference": "CCC-ISF-PDPS-2027", "starts_on": ["1", "11", "2027"],
        "ends_on": ["31", "10", "2027"]})
    assert r.status_code == 200 and "The end of the lifetime must be after its start" in text(r)
    assert count(db, PurchasingSystem) == 1
    r = client.post(f"/commissioning/systems/{system.id}/copy", data={
        "title": "ISF 2027", "reference": "CCC-ISF-PDPS-2027", "starts_on": ["1", "11", "2027"],
        "ends_on": ["31", "10", "2031"]})
    assert r.status_code == 302
    copy = db.session.scalar(select(PurchasingSystem).filter_by(reference="CCC-ISF-PDPS-2027"))
    assert len(copy.lots) == 2 and count(db, Question) == 14


@pytest.mark.parametrize("path", ["/commissioning/systems/{system}/edit", "/commissioning/systems/{system}/copy",
                                  "/commissioning/systems/{system}/participants/new",
                                  "/commissioning/lots/{lot}/edit", "/commissioning/questions/{question}/edit",
                                  "/commissioning/zones/{zone}/edit",
                                  "/commissioning/lots/{lot}/zones/{zone}/rate"])
def test_setup_pages_are_404_for_another_council(client, council, login, system, path):
    url = path.format(system=system.id, lot=system.lots[0].id, question=system.lots[0].questions[0].id,
                      zone=system.zones[0].id)
    login(council.other_commissioner)
    assert client.get(url).status_code == 404
    login(council.commissioner)
    assert client.get(url).status_code == 200


def test_a_scheduled_round_cannot_be_opened_early_once_the_setup_is_broken(db, council, system, make_round):
    round_ = make_round(opens_in=timedelta(days=7), closes_in=timedelta(days=21))
    lot = system.lots[1]
    commissioning.delete_question(lot.questions[0], council.commissioner)
    db.session.commit()
    opens_at = round_.opens_at
    with pytest.raises(DomainError, match="Round 1 cannot open until the system is ready: Lot 2: Brokers of Care: "
                                          "the quality question weights add up to 45"):
        commissioning.open_round_now(round_, council.commissioner)
    assert round_.opens_at == opens_at


def test_system_page_runs_the_same_queries_however_many_lots_and_zones(client, db, council, login, system):
    from portal.querycount import count_queries

    login(council.commissioner)
    db.session.expire_all()
    with count_queries() as small:
        client.get(f"/commissioning/systems/{system.id}")
    for n in range(3):
        lot = commissioning.add_lot(system, council.commissioner, title=f"Extra lot {n}")
        commissioning.add_standard(lot, council.commissioner, kind=StandardKind.declaration, title="Declaration")
        commissioning.add_question(lot, council.commissioner, section=Section.quality, weight=Decimal(95), text="Q?")
        commissioning.add_zone(system, council.commissioner, name=f"Extra zone {n}", ceiling_rate=Decimal("18.00"))
        commissioning.add_participating_authority(system, council.commissioner, authority_name=f"Council {n}")
    db.session.commit()
    db.session.expire_all()
    with count_queries() as large:
        page = client.get(f"/commissioning/systems/{system.id}").get_data(as_text=True)
    assert "Lot 5: Extra lot 2" in page and "Extra zone 2" in page and "Council 2" in page
    assert large[0] == small[0] and large[0] <= 15, (small[0], large[0])


@pytest.mark.parametrize("form, message", [
    ({"opens_on": ["10", "6", "2026"], "closes_on": ["9", "6", "2026"]}, "The closing time must be after the opening time."),
    ({"opens_on": ["10", "6", "2026"], "closes_on": ["30", "6", "2026"]}, "The round would overlap Round 1"),
    ({"opens_on": ["1", "10", "2027"], "closes_on": ["1", "11", "2027"]}, "The round must fall within the system&#39;s lifetime (1 October 2022 to 31 October 2027)"),
])
def test_schedule_round_page_refuses_impossible_windows(client, db, council, login, system, make_round, form, message):
    make_round(opens_in=timedelta(days=14), closes_in=timedelta(days=28))  # 15 to 29 June 2026
    login(council.commissioner)
    r = client.post(f"/commissioning/systems/{system.id}/rounds/new",
                    data=form | {"opens_time": "09:00", "closes_time": "12:00"})
    page = text(r)
    assert r.status_code == 200 and "There is a problem" in page and message in page
    assert len(db.session.scalars(select(PurchasingSystem)).one().rounds) == 1


def test_a_lot_without_questions_stops_a_round_from_being_scheduled(client, db, council, login, system):
    login(council.commissioner)
    client.post(f"/commissioning/systems/{system.id}/lots/new", data={"title": "Specialist care"})
    page = text(client.get(f"/commissioning/systems/{system.id}"))
    assert "Lot 3: Specialist care has no questions" in page
    assert f"/commissioning/systems/{system.id}/rounds/new" not in page
    r = client.post(f"/commissioning/systems/{system.id}/rounds/new", data={
        "opens_on": ["10", "6", "2026"], "opens_time": "09:00", "closes_on": ["30", "6", "2026"], "closes_time": "12:00"})
    assert r.status_code == 200 and "Lot 3: Specialist care has no questions" in text(r)
    assert system.rounds == []


def test_public_call_off_list_names_the_participating_councils(client, db, council, system):
    assert "Other councils that call off from it" not in text(client.get(f"/call-off-lists/{system.slug}"))
    commissioning.add_participating_authority(system, council.commissioner, authority_name="Peterborough City Council",
                                              spend_cap=Decimal("2500000"))
    commissioning.add_participating_authority(system, council.commissioner, authority_name="Norfolk County Council")
    db.session.commit()
    page = text(client.get(f"/call-off-lists/{system.slug}"))
    assert re.search(r"Other councils that call off from it\s*</dt>\s*<dd[^>]*>\s*Peterborough City Council, "
                     r"Norfolk County Council", page)
    assert "2,500,000" not in page  # the spend cap is the council's own business
