"""Bulk-admitting providers from an earlier framework: per-row checks in a preview, then all rows or none."""
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.commissioning import member_import
from portal.commissioning.models import (
    ChangeCategory,
    Membership,
    MembershipChange,
    MembershipStatus,
    ZoneAdmission,
)
from portal.core import DomainError, NotAllowed
from portal.onboarding.models import Organisation

HEADER = "Organisation legal name,Companies House number,CQC provider ID,Lot,Zones,Rate,Admitted on\n"
GOOD = HEADER + (
    "Hales Group Limited,02345678,1-101234567,1,Peterborough; Fenland,16.20,2021-04-01\n"
    "DIAL Peterborough,07654321,,Brokers of Care,Peterborough,18.00,01/05/2021\n"
)
BAD = HEADER + (
    "Hales Group Limited,02345678,1-101234567,Lot 7,Peterborough,16.20,2021-04-01\n"   # unknown lot
    "Alpha Care,11111111,1-100000001,1,Wisbech,16.00,2021-04-01\n"                   # unknown zone
    "Beta Care,2222222,1-1000,1,Fenland,sixteen,2021-02-30\n"                           # bad numbers and date
    "Gamma Care,33333333,,1,Fenland,17.50,2021-04-01\n"                              # above the Fenland ceiling
    "Delta Care,44444444,,1,Huntingdonshire,14.00,2021-04-01\n"                      # below the floor
    "Epsilon Care,55555555,,1,Peterborough,19.00,2021-04-01\n"                       # fine
    "Epsilon Care,55555555,,1,Fenland,15.00,2021-04-01\n"                            # duplicate provider and lot
)


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_preview_checks_every_row_and_stores_nothing(db, council, system):
    preview = member_import.preview_import(system, council.commissioner, BAD)
    errors = {row.line: row.errors for row in preview.rows}
    assert "There is no lot Lot 7 in this system" in errors[2][0]
    assert "There is no zone called Wisbech" in errors[3][0]
    assert any("Companies House number 2222222 is not valid. Enter a Companies House number in the correct format" in e for e in errors[4])
    assert any("CQC provider ID 1-1000 is not valid" in e for e in errors[4])
    assert any("The rate sixteen is not an amount" in e for e in errors[4])
    assert any("The date 2021-02-30 is not a real date" in e for e in errors[4])
    assert errors[5] == ["£17.50 is above the ceiling of £16.22 for Fenland."]
    assert errors[6] == ["£14.00 is below the floor of £14.17 for Huntingdonshire."]
    assert errors[7] == []
    assert "already on row 7" in errors[8][0]
    assert preview.error_count == 6 and not preview.can_confirm
    assert count(db, Membership) == 0 and count(db, Organisation) == 0


def test_confirm_refuses_a_file_with_any_bad_row(db, council, system):
    with pytest.raises(DomainError, match="nothing was added"):
        member_import.confirm_import(system, council.commissioner, BAD, source="old-framework.csv")
    db.session.rollback()
    assert count(db, Membership) == 0 and count(db, Organisation) == 0


def test_confirm_stores_direct_awards_matching_organisations_by_company_number(db, council, system, make_provider):
    existing = make_provider(name="Hales Group Limited")  # registered as 10000001
    existing.organisation.companies_house_number = "02345678"
    db.session.commit()
    created = member_import.confirm_import(system, council.commissioner, GOOD, source="old-framework.csv")
    db.session.commit()
    assert len(created) == 2
    hales, dial = created
    assert hales.organisation_id == existing.organisation.id  # matched, not duplicated
    assert count(db, Organisation) == 2
    assert hales.application_id is None and hales.is_direct_award
    assert hales.admitted_on == date(2021, 4, 1) and hales.status is MembershipStatus.active
    assert {(z.zone.name, z.hourly_rate) for z in hales.zones} == {("Peterborough", Decimal("16.20")),
                                                                   ("Fenland", Decimal("16.20"))}
    assert dial.lot.title == "Brokers of Care" and dial.admitted_on == date(2021, 5, 1)
    assert dial.organisation.companies_house_number == "07654321" and dial.organisation.cqc_provider_id is None
    change = db.session.scalar(select(MembershipChange).where(MembershipChange.membership_id == hales.id))
    assert (change.from_status, change.status, change.category) == (None, MembershipStatus.active,
                                                                    ChangeCategory.direct_award)
    assert change.reason == "Moved from an earlier framework: row 2 of old-framework.csv"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.authority_id == council.authority.id)
                                 .order_by(AuditEvent.id.desc()).limit(4)).all()
    assert actions == ["members.imported", "membership.direct_award", "organisation.created_by_import",
                       "membership.direct_award"]
    # each provider's first admission per zone, for the dashboard's chart
    first = db.session.execute(select(ZoneAdmission.zone_id, ZoneAdmission.organisation_id,
                                      ZoneAdmission.first_admitted_on)).all()
    assert sorted(first) == sorted([(z.zone_id, hales.organisation_id, date(2021, 4, 1)) for z in hales.zones]
                                   + [(z.zone_id, dial.organisation_id, date(2021, 5, 1)) for z in dial.zones])
    # the same file again: every row is now a duplicate of an existing member
    again = member_import.preview_import(system, council.commissioner, GOOD)
    assert all("is already a member of" in row.errors[0] for row in again.rows)


@pytest.mark.parametrize("text,problem", [
    ("", "The file is empty"),
    ("Name,Rate\nX,1\n", "The file has no column for: Organisation legal name, Companies House number"),
    (HEADER, "The file has no rows below its column names"),
])
def test_whole_file_problems(db, council, system, text, problem):
    preview = member_import.preview_import(system, council.commissioner, text)
    assert problem in preview.problems[0] and not preview.can_confirm


def test_future_admission_date_is_refused(db, council, system):
    preview = member_import.preview_import(system, council.commissioner,
                                           HEADER + "A Ltd,12345678,,1,Fenland,15.00,2026-06-02\n")
    assert preview.rows[0].errors == ["The admission date must be today or in the past."]


def test_another_council_cannot_import(db, council, system):
    with pytest.raises(NotAllowed):
        member_import.preview_import(system, council.other_commissioner, GOOD)


# ---- pages


def upload(client, system, text, name="old-framework.csv"):
    return client.post(f"/commissioning/systems/{system.id}/members/import",
                       data={"file": (io.BytesIO(text.encode("utf-8-sig")), name)},
                       content_type="multipart/form-data")


def test_upload_previews_then_confirm_adds_and_the_public_list_shows_them(db, client, login, council, system):
    login(council.commissioner)
    assert "Organisation legal name" in client.get(f"/commissioning/systems/{system.id}/members/import").get_data(as_text=True)
    preview = upload(client, system, GOOD)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "All 2 rows are ready to add" in html and "A new organisation will be created." in html
    assert count(db, Membership) == 0
    done = client.post(f"/commissioning/systems/{system.id}/members/import/confirm",
                       data={"csv_text": GOOD, "source": "old-framework.csv"})
    assert done.status_code == 302
    assert count(db, Membership) == 2
    public = client.get(f"/call-off-lists/{system.slug}").get_data(as_text=True)
    assert "Hales Group Limited" in public and "DIAL Peterborough" in public


def test_upload_with_bad_rows_shows_each_rows_problems_and_no_confirm(db, client, login, council, system):
    login(council.commissioner)
    html = upload(client, system, BAD).get_data(as_text=True)
    assert "6 of 7 rows have problems" in html
    assert "Row 5: £17.50 is above the ceiling of £16.22 for Fenland." in html
    assert "Add these providers" not in html
    # a confirmation posted anyway (an old tab) stores nothing and shows the problems
    response = client.post(f"/commissioning/systems/{system.id}/members/import/confirm",
                           data={"csv_text": BAD, "source": "x.csv"})
    assert response.status_code == 200 and "nothing was added" in response.get_data(as_text=True)
    assert count(db, Membership) == 0


def test_upload_refuses_other_files(db, client, login, council, system):
    login(council.commissioner)
    html = upload(client, system, GOOD, name="providers.xlsx").get_data(as_text=True)
    assert "The file must be a CSV file" in html and "There is a problem" in html
    missing = client.post(f"/commissioning/systems/{system.id}/members/import", data={},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "Select a CSV file" in missing


def test_windows_1252_file_is_read(db, client, login, council, system):
    login(council.commissioner)
    text = HEADER + "Café Care Ltd,12345678,,1,Fenland,15.00,2021-04-01\n"
    response = client.post(f"/commissioning/systems/{system.id}/members/import",
                           data={"file": (io.BytesIO(text.encode("cp1252")), "old.csv")},
                           content_type="multipart/form-data")
    assert "Café Care Ltd" in response.get_data(as_text=True)


def test_import_pages_are_for_the_owning_council(db, client, login, council, system):
    login(council.other_commissioner)
    assert client.get(f"/commissioning/systems/{system.id}/members/import").status_code == 404
    assert client.post(f"/commissioning/systems/{system.id}/members/import/confirm",
                       data={"csv_text": GOOD}).status_code == 404
    assert count(db, Membership) == 0
    login(council.evaluator1)
    assert client.get(f"/commissioning/systems/{system.id}/members/import").status_code == 403
