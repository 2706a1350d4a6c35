"""A purchasing system's admissions as an Open Contracting Data Standard (OCDS 1.1) release package.

The system is the contracting process (the tender); each membership is an award to its provider.
- ocid: the configured prefix, a hyphen and the system's reference.
- One "tender" release for the system, then one release per membership in its present state. A release
  never changes once published, so a membership's release id carries its newest change's id: a suspension
  or removal publishes a new release (tag awardUpdate or awardCancellation) beside the older ones'.
- Award status: active for an active member; pending for a suspended one (not to be called off until
  reinstated or its suspension ends); cancelled for a removed one.
- tender.techniques (OCDS techniques extension): hasDynamicPurchasingSystem for a DPS, pseudo-DPS or
  dynamic market, with dynamicPurchasingSystem.type "open" when other councils may call off from it;
  hasFrameworkAgreement for an open framework. tender.lots and award.relatedLots (lots extension).
- parties: the owning council as buyer and procuringEntity, councils allowed to call off as buyer,
  each provider as supplier (identified by its Companies House number, scheme GB-COH).
"""
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time

import orjson

from portal import clock
from portal.commissioning.models import MembershipStatus, Procedure, PurchasingSystem

from .services import member_records

EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_techniques_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
]
DYNAMIC = (Procedure.dps_pcr2015, Procedure.pseudo_dps_light_touch, Procedure.dynamic_market_pa2023)


def _when(moment) -> str:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ocid_of(system: PurchasingSystem, prefix: str) -> str:
    return f"{prefix}-{system.reference}"


def _authority_party(authority, roles) -> dict:
    return {"id": f"authority-{authority.id}", "name": authority.name, "roles": roles}


def _participants(system) -> list:
    """The councils other than the owner allowed to call off from the system."""
    return [p.authority for p in system.participants if p.authority_id != system.authority_id]


def _supplier_party(record: dict) -> dict:
    number = record["companies_house_number"]
    party = {"id": f"GB-COH-{number}" if number else f"membership-{record['membership_id']}-supplier",
             "name": record["provider_legal_name"], "roles": ["supplier"]}
    if number:
        party["identifier"] = {"scheme": "GB-COH", "id": number, "legalName": record["provider_legal_name"]}
    if record["_postcode"]:
        party["address"] = {"postalCode": record["_postcode"], "countryName": "United Kingdom"}
    return party


def tender_release(system: PurchasingSystem, prefix: str) -> dict:
    ocid = ocid_of(system, prefix)
    today = clock.london(clock.now()).date()
    participants = _participants(system)
    techniques = {"hasDynamicPurchasingSystem": system.procedure in DYNAMIC,
                  "hasFrameworkAgreement": system.procedure is Procedure.open_framework_pa2023,
                  "hasElectronicAuction": False}
    if system.procedure in DYNAMIC:
        techniques["dynamicPurchasingSystem"] = {"type": "open" if participants else "closed"}
    if system.procedure is Procedure.open_framework_pa2023:
        techniques["frameworkAgreement"] = {"method": "withoutReopeningCompetition",
                                            "periodRationale": "Open framework under the Procurement Act 2023"}
    buyer = _authority_party(system.authority, ["buyer", "procuringEntity"])
    return {
        "ocid": ocid,
        "id": f"{ocid}-tender-{system.id}",
        "date": _when(system.created_at),
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "en",
        "parties": [buyer] + [_authority_party(a, ["buyer"]) for a in participants],
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": {
            "id": system.reference,
            "title": system.title,
            "description": system.description or system.title,
            "status": "complete" if today > system.ends_on else "active",
            "procuringEntity": {"id": buyer["id"], "name": buyer["name"]},
            "procurementMethod": "selective" if system.procedure is Procedure.dps_pcr2015 else "open",
            "procurementMethodDetails": system.procedure.label,
            "mainProcurementCategory": "services",
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": (f"Every provider that meets the minimum standards and reaches the pass mark "
                                     f"({system.pass_mark:f} of 100; quality {system.quality_weight}, social value "
                                     f"{system.social_value_weight}) is admitted. Hourly rates are set by the council."),
            "contractPeriod": {"startDate": _when(system.starts_on), "endDate": _when(system.ends_on)},
            "techniques": techniques,
            "lots": [{"id": f"lot-{lot.number}", "title": lot.title, "description": lot.description or lot.title,
                      "status": "active"} for lot in system.lots],
        },
    }


AWARD_STATE = {
    MembershipStatus.active: ("active", "award"),
    MembershipStatus.suspended: ("pending", "awardUpdate"),
    MembershipStatus.removed: ("cancelled", "awardCancellation"),
}


class _Awards:
    """Writes the award releases of one system: what every release shares is worked out once."""

    def __init__(self, system: PurchasingSystem, prefix: str):
        self.system = system
        self.ocid = ocid_of(system, prefix)
        self.buyer = _authority_party(system.authority, ["buyer", "procuringEntity"])
        self.buyer_ref = {"id": self.buyer["id"], "name": self.buyer["name"]}
        self.tender = {"id": system.reference}
        self.ends = _when(system.ends_on)
        self.days = {}  # a date's text, by date: many members were admitted on the same day

    def _day(self, day) -> str:
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = _when(day)
        return text

    def release(self, record: dict) -> dict:
        """The release of one membership (a record of services.member_records) in its present state."""
        status = record["_status"]
        award_status, tag = AWARD_STATE[status]
        if status is MembershipStatus.active and record["_from_status"] is not None:
            tag = "awardUpdate"  # reinstated, or re-admitted after a removal
        category = record["_change_category"]
        lot_name = f"Lot {record['lot_number']}: {record['lot_title']}"
        rates = "; ".join(f"{z['zone']} £{z['hourly_rate']:.2f} an hour" for z in record["zones"])
        description = f"Admitted to {lot_name}" + (f". Zones and hourly rates: {rates}" if rates else "")
        if status is MembershipStatus.suspended:
            description += ". Suspended" + (f" ({category.label})" if category else "")
            if record["suspended_until"]:
                description += f" until {record['suspended_until'].isoformat()}"
        elif status is MembershipStatus.removed:
            description += ". Removed" + (f" ({category.label})" if category else "")
        supplier = _supplier_party(record)
        admitted = self._day(record["admitted_on"])
        changed_at = record["_changed_at"]
        return {
            "ocid": self.ocid,
            "id": f"{self.ocid}-award-{record['membership_id']}-{record['_change_id'] or 0}",
            "date": _when(changed_at) if changed_at else admitted,
            "tag": [tag],
            "initiationType": "tender",
            "language": "en",
            "parties": [self.buyer, supplier],
            "buyer": self.buyer_ref,
            "tender": self.tender,
            "awards": [{
                "id": f"membership-{record['membership_id']}",
                "title": f"{record['provider_legal_name']}: {lot_name}",
                "description": description,
                "status": award_status,
                "date": admitted,
                "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                "relatedLots": [f"lot-{record['lot_number']}"],
                "contractPeriod": {"startDate": admitted, "endDate": self.ends},
            }],
        }


def award_release(system: PurchasingSystem, record: dict, prefix: str) -> dict:
    """The release of one membership (a record of services.member_records) in its present state."""
    return _Awards(system, prefix).release(record)


def release_package(system: PurchasingSystem, *, prefix: str, package_uri: str, publisher_uri: str) -> dict:
    """The whole package as one dict (for tests and small systems); the route streams the same thing."""
    return json.loads("".join(release_package_stream(system, prefix=prefix, package_uri=package_uri,
                                                     publisher_uri=publisher_uri)))


def _json(value) -> str:
    """Compact JSON text, characters as they are (orjson: a tenth of the time of the json module here)."""
    return orjson.dumps(value).decode("utf-8")


def release_package_stream(system: PurchasingSystem, *, prefix: str, package_uri: str,
                           publisher_uri: str, batch_size: int = 200) -> Iterator[str]:
    """The package as JSON text, a batch of releases at a time (one chunk per release costs more in passing
    chunks to the server than in writing them)."""
    head = {
        "uri": package_uri,
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": _when(clock.now()),
        "publisher": {"name": system.authority.name, "uri": publisher_uri},
        "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "publicationPolicy": publisher_uri,
    }
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[:-1] + ', "releases": [\n' + _json(tender_release(system, prefix))
    awards = _Awards(system, prefix)
    encode = _json
    batch = []
    # one query for every member whatever its status, read in batches
    for record in member_records(system, status=None):
        batch.append(encode(awards.release(record)))
        if len(batch) >= batch_size:
            yield ",\n" + ",\n".join(batch)
            batch.clear()
    if batch:
        yield ",\n" + ",\n".join(batch)
    yield "\n]}\n"
