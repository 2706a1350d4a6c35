"""Bulk-admitting providers moving from an earlier framework: a CSV checked row by row, then stored whole.

All or nothing: the import can be confirmed only when every row of the file is valid, and then every row
is stored in one transaction. A file is the council's record of who moved across; storing part of it would
leave the council to work out which rows are in and to edit the file for a second upload without making
duplicates. So the preview lists every row's problems, the commissioner fixes the file and uploads it again.
The file is checked again when confirmed (someone may have added a member since the preview).

Each row becomes a direct award: a membership with no application, its history starting with a change of
category direct_award. Organisations are matched by Companies House number, or created.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.audit.services import record_event
from portal.core import DomainError, NotAllowed
from portal.extensions import db
from portal.onboarding.identifiers import (
    COMPANIES_HOUSE,
    COMPANIES_HOUSE_MESSAGE,
    CQC_ID,
    CQC_PROVIDER_MESSAGE,
    normalise_companies_house,
    normalise_cqc_id,
)
from portal.onboarding.models import Organisation

from .members import record_zone_admissions
from .models import (
    ChangeCategory,
    Lot,
    Membership,
    MembershipChange,
    MembershipStatus,
    MembershipZone,
    PurchasingSystem,
    today,
)

MAX_ROWS = 5000

#: the columns, as (key, heading in the template file, what to put in it); headings match loosely
COLUMNS = (
    ("legal_name", "Organisation legal name", "As registered at Companies House"),
    ("companies_house_number", "Companies House number", "8 characters, like 02345678 or SC123456, with any 0s at the start"),
    ("cqc_provider_id", "CQC provider ID", "Like 1-101234567; may be empty for a provider CQC does not register"),
    ("lot", "Lot", "The lot's number (1) or title (Providers of Care)"),
    ("zones", "Zones", "One or more zone names separated by semicolons, like Peterborough; Fenland"),
    ("rate", "Rate", "The agreed hourly rate in pounds for those zones, like 19.65"),
    ("admitted_on", "Admitted on", "The date the provider joined the earlier framework, like 2021-04-01 or 01/04/2021"),
)


def _key(heading: str) -> str:
    return re.sub(r"[^a-z0-9]", "", heading.lower())


HEADINGS = {_key(heading): key for key, heading, _ in COLUMNS} | {_key(key): key for key, _, _ in COLUMNS}


@dataclass
class ImportRow:
    """One line of the file: what it says, what it means, and what is wrong with it."""

    line: int
    raw: dict
    errors: list[str] = field(default_factory=list)
    legal_name: str = ""
    companies_house_number: str = ""
    cqc_provider_id: str = ""
    lot: Lot | None = None
    zones: list = field(default_factory=list)
    rate: Decimal | None = None
    admitted_on: date | None = None
    organisation: Organisation | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def note(self) -> str:
        """What confirming will do with the organisation."""
        if self.organisation is None:
            return "A new organisation will be created."
        if self.organisation.legal_name.casefold() != self.legal_name.casefold():
            return (f"Matches the organisation already registered as {self.organisation.legal_name} "
                    "(its name is kept).")
        return "Matches an organisation already registered."


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    problems: list[str] = field(default_factory=list)  #: problems with the whole file

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if not row.ok)

    @property
    def can_confirm(self) -> bool:
        return bool(self.rows) and not self.problems and self.error_count == 0


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), else Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _load_system(system: PurchasingSystem) -> PurchasingSystem:
    """The system's lots with their rates and zones, loaded once for the whole file."""
    db.session.scalars(select(Lot).where(Lot.system_id == system.id).options(selectinload(Lot.rates))).all()
    return system


def preview_import(system: PurchasingSystem, actor, text: str) -> ImportPreview:
    """Check every row of the CSV text against the system; store nothing."""
    if not system.can_manage(actor):
        raise NotAllowed("Only a commissioner of the council that owns this system can add members to it.")
    _load_system(system)
    reader = csv.DictReader(io.StringIO(text))
    headings = {HEADINGS.get(_key(h or "")): h for h in (reader.fieldnames or [])}
    missing = [heading for key, heading, _ in COLUMNS if key not in headings]
    if not reader.fieldnames:
        return ImportPreview([], ["The file is empty. Use the template's columns, with one provider and lot a row."])
    if missing:
        return ImportPreview([], [f"The file has no column for: {', '.join(missing)}. "
                                  "The first row must name the columns, as in the template."])
    rows = []
    for number, record in enumerate(reader, start=2):
        values = {key: (record.get(headings[key]) or "").strip() for key, _, _ in COLUMNS}
        if not any(values.values()):
            continue  # a blank line
        rows.append(ImportRow(line=number, raw=values))
        if len(rows) > MAX_ROWS:
            return ImportPreview([], [f"The file has more than {MAX_ROWS} rows. Split it into smaller files."])
    if not rows:
        return ImportPreview([], ["The file has no rows below its column names."])

    lots_by_number = {str(lot.number): lot for lot in system.lots}
    lots_by_title = {lot.title.casefold(): lot for lot in system.lots}
    zones_by_name = {zone.name.casefold(): zone for zone in system.zones}
    for row in rows:
        _check_row(row, system, lots_by_number, lots_by_title, zones_by_name)

    # organisations and memberships that already exist: two queries for the whole file
    numbers = {row.companies_house_number for row in rows if row.companies_house_number}
    organisations = {o.companies_house_number: o for o in db.session.scalars(
        select(Organisation).where(Organisation.companies_house_number.in_(numbers)))} if numbers else {}
    existing = set()
    if organisations:
        existing = {(m.organisation_id, m.lot_id) for m in db.session.scalars(
            select(Membership).where(Membership.system_id == system.id,
                                     Membership.organisation_id.in_([o.id for o in organisations.values()])))}
    seen: dict[tuple, int] = {}
    for row in rows:
        row.organisation = organisations.get(row.companies_house_number)
        if row.lot is None or not row.companies_house_number:
            continue
        pair = (row.companies_house_number, row.lot.id)
        if pair in seen:
            row.errors.append(f"This provider and lot are already on row {seen[pair]}. Put all its zones on one row "
                              "if they share a rate, or remove the repeated row.")
        else:
            seen[pair] = row.line
        if row.organisation is not None and (row.organisation.id, row.lot.id) in existing:
            row.errors.append(f"{row.organisation.legal_name} is already a member of {row.lot.name}. Remove this row.")
    return ImportPreview(rows)


def _check_row(row: ImportRow, system, lots_by_number, lots_by_title, zones_by_name) -> None:
    values = row.raw
    row.legal_name = values["legal_name"]
    if not row.legal_name:
        row.errors.append("Enter the organisation's legal name.")
    elif len(row.legal_name) > 200:
        row.errors.append("The legal name must be 200 characters or fewer.")

    row.companies_house_number = normalise_companies_house(values["companies_house_number"]) or ""
    if not row.companies_house_number:
        row.errors.append("Enter the Companies House number.")
    elif not COMPANIES_HOUSE.match(row.companies_house_number):
        row.errors.append(f"The Companies House number {values['companies_house_number']} is not valid. "
                          f"{COMPANIES_HOUSE_MESSAGE}.")

    row.cqc_provider_id = normalise_cqc_id(values["cqc_provider_id"]) or ""
    if row.cqc_provider_id and not CQC_ID.match(row.cqc_provider_id):
        row.errors.append(f"The CQC provider ID {row.cqc_provider_id} is not valid. {CQC_PROVIDER_MESSAGE}.")

    lot_text = values["lot"]
    lot_key = re.sub(r"^lot\s*", "", lot_text, flags=re.I).split(":")[0].strip()
    row.lot = lots_by_number.get(lot_key) or lots_by_title.get(lot_text.casefold())
    if not lot_text:
        row.errors.append("Enter the lot's number or title.")
    elif row.lot is None:
        row.errors.append(f"There is no lot {lot_text} in this system. Use one of: "
                          + ", ".join(lot.name for lot in system.lots) + ".")

    names = [name.strip() for name in re.split(r"[;|]", values["zones"]) if name.strip()]
    if not names:
        row.errors.append("Enter at least one zone.")
    for name in names:
        zone = zones_by_name.get(name.casefold())
        if zone is None:
            row.errors.append(f"There is no zone called {name} in this system. Use one of: "
                              + ", ".join(z.name for z in system.zones) + ".")
        elif zone in row.zones:
            row.errors.append(f"{zone.name} is named twice.")
        else:
            row.zones.append(zone)

    rate_text = values["rate"].replace("£", "").replace(",", "").strip()
    try:
        row.rate = Decimal(rate_text) if rate_text else None
        if row.rate is not None and (not row.rate.is_finite() or row.rate.as_tuple().exponent < -2):
            raise InvalidOperation
    except InvalidOperation:
        row.rate = None
        row.errors.append(f"The rate {values['rate']} is not an amount in pounds and pence, like 19.65.")
    else:
        if row.rate is None:
            row.errors.append("Enter the hourly rate, like 19.65.")
        elif row.rate <= 0:
            row.errors.append("The rate must be more than £0.")
        elif row.lot is not None:
            for zone in row.zones:
                band = row.lot.rate_for(zone)
                if band is None:
                    row.errors.append(f"{row.lot.name} has no rate set for {zone.name}. Set it before importing.")
                elif row.rate > band.ceiling_rate:
                    row.errors.append(f"£{row.rate:.2f} is above the ceiling of £{band.ceiling_rate:.2f} "
                                      f"for {zone.name}.")
                elif band.floor_rate is not None and row.rate < band.floor_rate:
                    row.errors.append(f"£{row.rate:.2f} is below the floor of £{band.floor_rate:.2f} for {zone.name}.")

    row.admitted_on = _parse_date(values["admitted_on"]) if values["admitted_on"] else None
    if not values["admitted_on"]:
        row.errors.append("Enter the date the provider was admitted, like 2021-04-01.")
    elif row.admitted_on is None:
        row.errors.append(f"The date {values['admitted_on']} is not a real date. Write it like 2021-04-01 or 01/04/2021.")
    elif row.admitted_on > today():
        row.errors.append("The admission date must be today or in the past.")


def confirm_import(system: PurchasingSystem, actor, text: str, *, source: str) -> list[Membership]:
    """Store every row of the file as a direct award, or nothing if any row has a problem."""
    preview = preview_import(system, actor, text)
    if not preview.can_confirm:
        raise DomainError("The file has problems, so nothing was added. Fix the rows shown and upload it again.")
    source = (source or "the uploaded file").strip()[:200]
    created = []
    for row in preview.rows:
        organisation = row.organisation
        if organisation is None:
            organisation = Organisation(legal_name=row.legal_name, companies_house_number=row.companies_house_number,
                                        cqc_provider_id=row.cqc_provider_id or None)
            db.session.add(organisation)
            db.session.flush()
            record_event(actor, "organisation.created_by_import", organisation, authority_id=system.authority_id,
                         after={"legal_name": row.legal_name, "companies_house_number": row.companies_house_number,
                                "cqc_provider_id": row.cqc_provider_id or None})
        elif row.cqc_provider_id and not organisation.cqc_provider_id:
            organisation.cqc_provider_id = row.cqc_provider_id
        membership = Membership(system=system, lot=row.lot, organisation=organisation, application_id=None,
                                admitted_on=row.admitted_on, status=MembershipStatus.active)
        for zone in row.zones:
            membership.zones.append(MembershipZone(zone=zone, hourly_rate=row.rate))
        db.session.add(membership)
        db.session.add(MembershipChange(membership=membership, from_status=None, status=MembershipStatus.active,
                                        category=ChangeCategory.direct_award, changed_by_id=actor.id,
                                        reason=f"Moved from an earlier framework: row {row.line} of {source}"))
        db.session.flush()
        record_event(actor, "membership.direct_award", membership, authority_id=system.authority_id,
                     after={"provider": organisation.legal_name, "companies_house_number": row.companies_house_number,
                            "lot": row.lot.number, "zones": [z.name for z in row.zones], "rate": row.rate,
                            "admitted_on": row.admitted_on, "source": source, "row": row.line})
        created.append(membership)
    record_zone_admissions(created)
    record_event(actor, "members.imported", system, authority_id=system.authority_id,
                 after={"source": source, "memberships": len(created)})
    return created


def template_csv() -> str:
    """An example file with the columns in order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for _, heading, _ in COLUMNS])
    writer.writerow(["Hales Group Limited", "02345678", "1-101234567", "1", "Peterborough; Fenland", "16.20",
                     "2021-04-01"])
    return buffer.getvalue()
