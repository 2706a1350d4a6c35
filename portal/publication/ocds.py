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

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.commissioning.models import Membership, MembershipStatus, MembershipZone, Procedure, PurchasingSystem
from portal.extensions import db
from portal.onboarding.models import Organisation

from .services import effective_status, latest_change_of

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


def _supplier_party(organisation: Organisation) -> dict:
    party = {"id": _supplier_id(organisation), "name": organisation.legal_name, "roles": ["supplier"]}
    if organisation.companies_house_number:
        party["identifier"] = {"scheme": "GB-COH", "id": organisation.companies_house_number,
                               "legalName": organisation.legal_name}
    if organisation.postcode:
        party["address"] = {"postalCode": organisation.postcode, "countryName": "United Kingdom"}
    return party


def _supplier_id(organisation: Organisation) -> str:
    if organisation.companies_house_number:
        return f"GB-COH-{organisation.companies_house_number}"
    return f"organisation-{organisation.id}"


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


def award_release(system: PurchasingSystem, membership: Membership, change, prefix: str) -> dict:
    ocid = ocid_of(system, prefix)
    day = clock.london(clock.now()).date()
    status = effective_status(membership.status, membership.suspended_until, day)
    award_status, tag = AWARD_STATE[status]
    if status is MembershipStatus.active and change is not None and change.from_status is not None:
        tag = "awardUpdate"  # reinstated, or re-admitted after a removal
    organisation = membership.organisation
    rates = "; ".join(f"{mz.zone.name} £{mz.hourly_rate:.2f} an hour"
                      for mz in sorted(membership.zones, key=lambda mz: mz.zone.name))
    description = f"Admitted to {membership.lot.name}" + (f". Zones and hourly rates: {rates}" if rates else "")
    if status is MembershipStatus.suspended:
        description += ". Suspended" + (f" ({change.category.label})" if change and change.category else "")
        if membership.suspended_until:
            description += f" until {membership.suspended_until.isoformat()}"
    elif status is MembershipStatus.removed:
        description += ". Removed" + (f" ({change.category.label})" if change and change.category else "")
    buyer = _authority_party(system.authority, ["buyer", "procuringEntity"])
    supplier = _supplier_party(organisation)
    changed_at = change.changed_at if change is not None else membership.admitted_on
    return {
        "ocid": ocid,
        "id": f"{ocid}-award-{membership.id}-{change.id if change is not None else 0}",
        "date": _when(changed_at),
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
        "parties": [buyer, supplier],
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": {"id": system.reference},
        "awards": [{
            "id": f"membership-{membership.id}",
            "title": f"{organisation.legal_name}: {membership.lot.name}",
            "description": description,
            "status": award_status,
            "date": _when(membership.admitted_on),
            "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
            "relatedLots": [f"lot-{membership.lot.number}"],
            "contractPeriod": {"startDate": _when(membership.admitted_on), "endDate": _when(system.ends_on)},
        }],
    }


def memberships_in_batches(system: PurchasingSystem, batch_size: int = 200) -> Iterator[list[Membership]]:
    """Every membership of system in id order, a batch at a time, each batch with its organisation, lot,
    zones and newest change loaded: a fixed number of queries per batch."""
    last_id = 0
    while True:
        batch = db.session.scalars(
            select(Membership).where(Membership.system_id == system.id, Membership.id > last_id)
            .options(selectinload(Membership.organisation), selectinload(Membership.lot),
                     selectinload(Membership.zones).joinedload(MembershipZone.zone))
            .order_by(Membership.id).limit(batch_size)
        ).all()
        if not batch:
            return
        yield batch
        last_id = batch[-1].id
        if len(batch) < batch_size:
            return


def release_package(system: PurchasingSystem, *, prefix: str, package_uri: str, publisher_uri: str) -> dict:
    """The whole package as one dict (for tests and small systems); the route streams the same thing."""
    return json.loads("".join(release_package_stream(system, prefix=prefix, package_uri=package_uri,
                                                     publisher_uri=publisher_uri)))


def release_package_stream(system: PurchasingSystem, *, prefix: str, package_uri: str,
                           publisher_uri: str) -> Iterator[str]:
    """The package as JSON text, a release at a time."""
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
    yield opening[:-1] + ', "releases": [\n' + json.dumps(tender_release(system, prefix), ensure_ascii=False)
    for batch in memberships_in_batches(system):
        changes = latest_change_of(batch)
        for membership in batch:
            yield ",\n" + json.dumps(award_release(system, membership, changes.get(membership.id), prefix),
                                     ensure_ascii=False)
    yield "\n]}\n"
