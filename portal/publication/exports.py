"""Writing the call-off list downloads (JSON and Excel) from services.member_records, a member at a time."""
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from portal import clock
from portal.commissioning.models import MembershipStatus
from portal.documents import xlsx

from .services import CSV_HEADER, FIELDS, flat_rows

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


_JSON = json.JSONEncoder(ensure_ascii=False)


def json_stream(head: dict, records: Iterator[dict], batch_size: int = 200) -> Iterator[str]:
    """head's fields, then "members": [...], written a batch of members at a time."""
    opening = _JSON.encode(head)
    yield opening[:-1] + ', "members": ['
    encode = _JSON.encode
    batch = []
    separator = "\n"
    for record in records:
        batch.append(encode(member_json(record)))
        if len(batch) >= batch_size:
            yield separator + ",\n".join(batch)
            separator = ",\n"
            batch.clear()
    if batch:
        yield separator + ",\n".join(batch)
    yield "\n]}\n"


#: the call-off list's column widths in characters, in FIELDS order
WORKBOOK_WIDTHS = (20, 11, 28, 40, 28, 14, 14, 20, 22, 12, 12, 13, 10, 14, 26, 14)


def workbook_stream(system, records: Iterator[dict]) -> Iterator[bytes]:
    """The .xlsx file, streamed: the list (typed cells, bold headings frozen at the top), then an About sheet."""
    about = [
        (system.title,),
        (f"{system.authority.name}, {system.reference}. Downloaded {clock.format_datetime(clock.now())}.",),
        (),
        ("Column", "What it means"),
        *((heading, meaning) for _, heading, meaning in FIELDS),
    ]
    return xlsx.workbook_stream([xlsx.Sheet("Call-off list", flat_rows(records, typed=True), heading=CSV_HEADER,
                                            widths=WORKBOOK_WIDTHS),
                                 xlsx.Sheet("About", about, widths=(24, 100))],
                                title=f"{system.title}: call-off list")
