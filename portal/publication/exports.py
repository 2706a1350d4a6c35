"""Writing the call-off list downloads (JSON and Excel) from services.member_records, a member at a time."""
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal import clock
from portal.commissioning.models import MembershipStatus

from .services import FIELDS, flat_rows

JSON_MEMBER_FIELDS = [key for key, _, _ in FIELDS if key not in ("zone", "hourly_rate", "system_reference")]


def _json_value(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def json_head(system, lot_id, zone_id, status: MembershipStatus, *, about_url: str, list_url: str) -> dict:
    lot = next((lot for lot in system.lots if lot.id == lot_id), None)
    zone = next((zone for zone in system.zones if zone.id == zone_id), None)
    return {
        "about": about_url,
        "generated_at": clock.now().isoformat(),
        "council": system.authority.name,
        "system": {
            "reference": system.reference,
            "title": system.title,
            "procedure": system.procedure.value,
            "starts_on": system.starts_on.isoformat(),
            "ends_on": system.ends_on.isoformat(),
            "url": list_url,
        },
        "filters": {"lot_number": lot.number if lot else None, "zone": zone.name if zone else None,
                    "status": status.value},
    }


def member_json(record: dict) -> dict:
    member = {key: _json_value(record[key]) for key in JSON_MEMBER_FIELDS}
    member["zones"] = [{"zone": z["zone"], "hourly_rate": _json_value(z["hourly_rate"])} for z in record["zones"]]
    return member


def json_stream(head: dict, records: Iterator[dict]) -> Iterator[str]:
    """head's fields, then "members": [...], written one member at a time."""
    opening = json.dumps(head, ensure_ascii=False, indent=None)
    yield opening[:-1] + ', "members": ['
    first = True
    for record in records:
        yield ("" if first else ",") + "\n" + json.dumps(member_json(record), ensure_ascii=False)
        first = False
    yield "\n]}\n"


def write_workbook(target, system, records: Iterator[dict]) -> None:
    """An .xlsx in write-only mode (rows go to disk as they come): the list, then an About sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Call-off list")
    bold = Font(bold=True)
    header = []
    for _, heading, _ in FIELDS:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.freeze_panes = "A2"
    sheet.append(header)
    for row in flat_rows(records, typed=True):
        cells = []
        for (key, _, _), value in zip(FIELDS, row):
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.00"
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": never run as a formula
            cells.append(cell)
        sheet.append(cells)
    about = workbook.create_sheet("About")
    about.append([WriteOnlyCell(about, value=system.title), ])
    about.append([f"{system.authority.name}, {system.reference}. Downloaded {clock.format_datetime(clock.now())}."])
    about.append([])
    about.append([WriteOnlyCell(about, value="Column"), WriteOnlyCell(about, value="What it means")])
    for _, heading, meaning in FIELDS:
        about.append([heading, meaning])
    workbook.save(target)
