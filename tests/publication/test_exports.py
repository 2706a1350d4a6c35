"""The call-off list's JSON, Excel and OCDS downloads: read back and checked field by field; OCDS validated
against the OCDS 1.1.5 release package schema (local copy, no network); a fixed number of queries."""
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker
from openpyxl import load_workbook
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import event

from portal.commissioning import members
from portal.commissioning.models import ChangeCategory, Membership, MembershipStatus, MembershipZone
from portal.onboarding.models import CQCRating, Organisation

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "ocds-1.1.5"


@pytest.fixture()
def listed(db, council, system):
    """Three members: Hales (two zones), DIAL (broker lot, no rating), and a suspended and a removed one."""
    providers, brokers = system.lots
    zones = {z.name: z for z in system.zones}

    def add(name, lot, rates, number, cqc, rating, admitted_on, trading=""):
        organisation = Organisation(legal_name=name, trading_name=trading, companies_house_number=number,
                                    cqc_provider_id=cqc, cqc_rating=rating, postcode="PE1 1HF")
        membership = Membership(system=system, lot=lot, organisation=organisation, admitted_on=admitted_on)
        for zone_name, rate in rates.items():
            membership.zones.append(MembershipZone(zone=zones[zone_name], hourly_rate=Decimal(rate)))
        db.session.add(membership)
        return membership

    hales = add("Hales Group Limited", providers, {"Peterborough": "19.65", "Fenland": "16.2"}, "02345678",
                "1-101234567", CQCRating.outstanding, date(2026, 4, 30), trading="Hales Care")
    dial = add("DIAL Peterborough", brokers, {"Peterborough": "18"}, "07654321", "1-109999999", None, date(2026, 5, 2))
    paused = add("=Risky Care Ltd", providers, {"Fenland": "16.00"}, "01111111", "1-100000001", CQCRating.good,
                 date(2026, 5, 3))
    gone = add("Gone Care Ltd", providers, {"Fenland": "16.00"}, "02222222", "1-100000002", CQCRating.good,
               date(2026, 5, 4))
    db.session.flush()
    members.suspend_membership(paused, council.commissioner, category=ChangeCategory.safeguarding,
                               reason="Enquiry", until=date(2026, 6, 30))
    members.remove_membership(gone, council.commissioner, category=ChangeCategory.ceased_trading, reason="Dissolved")
    db.session.commit()
    return {"hales": hales, "dial": dial, "paused": paused, "gone": gone}


def test_json_has_one_record_per_active_member_with_its_zones(client, system, listed):
    response = client.get(f"/call-off-lists/{system.slug}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.is_streamed
    data = json.loads(response.get_data(as_text=True))
    assert data["council"] == "Cambridgeshire County Council"
    assert data["system"]["reference"] == system.reference
    assert data["about"].endswith("/call-off-lists/about-this-data")
    assert data["filters"] == {"lot_number": None, "zone": None, "status": "active"}
    assert [m["provider_legal_name"] for m in data["members"]] == ["Hales Group Limited", "DIAL Peterborough"]
    hales = data["members"][0]
    assert hales == {
        "lot_number": 1, "lot_title": "Providers of Care", "provider_legal_name": "Hales Group Limited",
        "trading_name": "Hales Care", "companies_house_number": "02345678", "cqc_provider_id": "1-101234567",
        "cqc_rating": "Outstanding", "admitted_on": "2026-04-30", "admitted_by": "direct_award", "status": "active",
        "status_changed_on": None, "status_reason": "", "suspended_until": None,
        "zones": [{"zone": "Fenland", "hourly_rate": "16.20"}, {"zone": "Peterborough", "hourly_rate": "19.65"}],
    }
    assert data["members"][1]["cqc_rating"] == "Not known"


def test_json_status_and_zone_filters(client, system, listed):
    suspended = client.get(f"/call-off-lists/{system.slug}.json", query_string={"status": "suspended"}).get_json()
    assert [m["provider_legal_name"] for m in suspended["members"]] == ["=Risky Care Ltd"]
    risky = suspended["members"][0]
    assert (risky["status"], risky["status_changed_on"], risky["status_reason"], risky["suspended_until"]) == (
        "suspended", "2026-06-01", "Safeguarding enquiry", "2026-06-30")
    removed = client.get(f"/call-off-lists/{system.slug}.json", query_string={"status": "removed"}).get_json()
    assert [(m["provider_legal_name"], m["status_reason"]) for m in removed["members"]] == [("Gone Care Ltd", "Ceased trading")]
    fenland = next(z for z in system.zones if z.name == "Fenland")
    by_zone = client.get(f"/call-off-lists/{system.slug}.json", query_string={"zone": fenland.id}).get_json()
    assert by_zone["filters"]["zone"] == "Fenland"
    assert [m["zones"] for m in by_zone["members"]] == [[{"zone": "Fenland", "hourly_rate": "16.20"}]]


def test_the_list_stays_right_as_members_change(db, client, council, system, listed):
    members.suspend_membership(listed["hales"], council.commissioner, category=ChangeCategory.quality_concerns,
                               reason="Complaints")
    db.session.commit()
    names = [m["provider_legal_name"] for m in client.get(f"/call-off-lists/{system.slug}.json").get_json()["members"]]
    assert names == ["DIAL Peterborough"]


def test_xlsx_reads_back_field_by_field(client, system, listed):
    response = client.get(f"/call-off-lists/{system.slug}.xlsx", query_string={"status": "suspended"})
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["Call-off list", "About"]
    rows = list(workbook["Call-off list"].iter_rows(values_only=True))
    assert rows[0][:4] == ("System reference", "Lot number", "Lot title", "Provider legal name")
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["Provider legal name"] == "=Risky Care Ltd"  # text, not a formula
    assert workbook["Call-off list"]["D2"].data_type == "s"
    assert row["Lot number"] == 1 and row["Zone"] == "Fenland"
    assert row["Hourly rate (GBP)"] == 16 and workbook["Call-off list"]["J2"].number_format == "0.00"
    assert row["Admitted on"].date() == date(2026, 5, 3)
    assert row["Status"] == "suspended" and row["Status reason"] == "Safeguarding enquiry"
    assert row["Suspended until"].date() == date(2026, 6, 30)
    about = [r for r in workbook["About"].iter_rows(values_only=True)]
    assert ("Hourly rate (GBP)",) == about[4 + 9][:1]


def test_xlsx_active_list_has_a_row_per_zone(client, system, listed):
    workbook = load_workbook(io.BytesIO(client.get(f"/call-off-lists/{system.slug}.xlsx").get_data()))
    rows = list(workbook["Call-off list"].iter_rows(values_only=True))[1:]
    assert [(r[3], r[8], r[9]) for r in rows] == [("Hales Group Limited", "Fenland", 16.2),
                                                  ("Hales Group Limited", "Peterborough", 19.65),
                                                  ("DIAL Peterborough", "Peterborough", 18)]


def test_about_page_documents_every_field(client):
    from portal.publication.services import FIELDS

    html = client.get("/call-off-lists/about-this-data").get_data(as_text=True)
    for key, heading, _ in FIELDS:
        assert heading in html
    assert "hasDynamicPurchasingSystem" in html


def ocds_validator() -> Draft4Validator:
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def test_ocds_package_is_valid_and_says_what_was_awarded(client, system, listed, app):
    response = client.get(f"/call-off-lists/{system.slug}.ocds.json")
    assert response.status_code == 200 and response.is_streamed
    package = json.loads(response.get_data(as_text=True))
    errors = sorted(ocds_validator().iter_errors(package), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    prefix = app.config["OCDS_PREFIX"]
    ocid = f"{prefix}-{system.reference}"
    tender, *awards = package["releases"]
    assert {r["ocid"] for r in package["releases"]} == {ocid}
    assert len({r["id"] for r in package["releases"]}) == len(package["releases"])
    assert tender["tag"] == ["tender"]
    assert tender["tender"]["techniques"]["hasDynamicPurchasingSystem"] is True
    assert tender["tender"]["techniques"]["dynamicPurchasingSystem"] == {"type": "closed"}
    assert [lot["title"] for lot in tender["tender"]["lots"]] == ["Providers of Care", "Brokers of Care"]
    assert tender["parties"][0]["roles"] == ["buyer", "procuringEntity"]
    assert tender["parties"][0]["name"] == "Cambridgeshire County Council"
    by_supplier = {r["awards"][0]["suppliers"][0]["name"]: r for r in awards}
    assert set(by_supplier) == {"Hales Group Limited", "DIAL Peterborough", "=Risky Care Ltd", "Gone Care Ltd"}
    hales = by_supplier["Hales Group Limited"]
    assert hales["tag"] == ["award"]
    award = hales["awards"][0]
    assert award["status"] == "active" and award["date"] == "2026-04-30T00:00:00Z"
    assert award["relatedLots"] == ["lot-1"]
    assert "Fenland £16.20 an hour; Peterborough £19.65 an hour" in award["description"]
    supplier = next(p for p in hales["parties"] if p["roles"] == ["supplier"])
    assert supplier["identifier"] == {"scheme": "GB-COH", "id": "02345678", "legalName": "Hales Group Limited"}
    assert supplier["id"] == award["suppliers"][0]["id"] == "GB-COH-02345678"
    assert (by_supplier["=Risky Care Ltd"]["tag"], by_supplier["=Risky Care Ltd"]["awards"][0]["status"]) == (
        ["awardUpdate"], "pending")
    assert (by_supplier["Gone Care Ltd"]["tag"], by_supplier["Gone Care Ltd"]["awards"][0]["status"]) == (
        ["awardCancellation"], "cancelled")
    assert package["version"] == "1.1" and package["publisher"]["name"] == "Cambridgeshire County Council"


def test_ocds_validator_rejects_a_broken_package(client, system, listed):
    """The schema check is real: a release without its ocid, or a wrong award status, fails."""
    package = client.get(f"/call-off-lists/{system.slug}.ocds.json").get_json()
    del package["releases"][1]["ocid"]
    package["releases"][2]["awards"][0]["status"] = "suspended"
    messages = [e.message for e in ocds_validator().iter_errors(package)]
    assert any("'ocid' is a required property" in m for m in messages)
    assert any("'suspended' is not one of" in m for m in messages)


def test_a_new_release_when_a_member_changes(db, client, council, system, listed):
    before = {r["id"] for r in client.get(f"/call-off-lists/{system.slug}.ocds.json").get_json()["releases"]}
    members.suspend_membership(listed["dial"], council.commissioner, category=ChangeCategory.other, reason="x")
    db.session.commit()
    after = {r["id"] for r in client.get(f"/call-off-lists/{system.slug}.ocds.json").get_json()["releases"]}
    assert len(after - before) == 1 and len(before - after) == 1


def _count_queries(db, client, url):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
        response.get_data()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("suffix", [".json", ".xlsx", ".csv", ".ocds.json", "?status=suspended"])
def test_downloads_run_a_fixed_number_of_queries(db, client, council, system, listed, suffix):
    url = f"/call-off-lists/{system.slug}{suffix}"
    few = _count_queries(db, client, url)
    providers = system.lots[0]
    for n in range(25):
        organisation = Organisation(legal_name=f"Extra {n:02d} Ltd", companies_house_number=f"{30000000 + n}")
        membership = Membership(system=system, lot=providers, organisation=organisation, admitted_on=date(2026, 5, 1))
        membership.zones.append(MembershipZone(zone=system.zones[n % 3], hourly_rate=Decimal("17")))
        db.session.add(membership)
        db.session.flush()
        if suffix.startswith("?"):
            members.suspend_membership(membership, council.commissioner, category=ChangeCategory.other, reason="x")
    db.session.commit()
    assert _count_queries(db, client, url) == few


def test_ocds_names_participating_councils_as_buyers(db, client, council, system, listed):
    from portal.commissioning.models import ParticipatingAuthority

    db.session.add(ParticipatingAuthority(system=system, authority_id=council.other_commissioner.authority_id))
    db.session.commit()
    package = client.get(f"/call-off-lists/{system.slug}.ocds.json").get_json()
    assert not list(ocds_validator().iter_errors(package))
    tender = package["releases"][0]
    assert tender["tender"]["techniques"]["dynamicPurchasingSystem"] == {"type": "open"}
    assert [(p["name"], p["roles"]) for p in tender["parties"]] == [
        ("Cambridgeshire County Council", ["buyer", "procuringEntity"]), ("Peterborough City Council", ["buyer"])]
