"""Suspending, reinstating and removing members: the rules, the history, the audit, the pages, the public list."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.commissioning import members
from portal.commissioning.models import ChangeCategory, Membership, MembershipChange, MembershipStatus, MembershipZone
from portal.core import DomainError, NotAllowed
from portal.onboarding.models import CQCRating, Organisation


@pytest.fixture()
def member(db, system):
    organisation = Organisation(legal_name="Hales Group Limited", companies_house_number="02345678",
                                cqc_provider_id="1-101234567", cqc_rating=CQCRating.outstanding)
    membership = Membership(system=system, lot=system.lots[0], organisation=organisation, admitted_on=date(2026, 4, 30))
    membership.zones.append(MembershipZone(zone=system.zones[0], hourly_rate=Decimal("19.65")))
    db.session.add(membership)
    db.session.commit()
    return membership


def public_names(client, system, **args):
    html = client.get(f"/call-off-lists/{system.slug}", query_string=args).get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def test_suspend_then_reinstate_keeps_every_change_and_audits(db, council, member, client, system):
    change = members.suspend_membership(member, council.commissioner, category=ChangeCategory.quality_concerns,
                                        reason="Missed visits reported by three families")
    db.session.commit()
    assert member.status is MembershipStatus.suspended and member.effective_status() is MembershipStatus.suspended
    assert (change.from_status, change.status, change.category) == (MembershipStatus.active, MembershipStatus.suspended,
                                                                    ChangeCategory.quality_concerns)
    assert change.changed_by_id == council.commissioner.id
    assert "Hales Group Limited" not in public_names(client, system)
    suspended_page = public_names(client, system, status="suspended")
    assert "Hales Group Limited" in suspended_page
    assert "Since 1 June 2026: Concerns about the quality of care" in suspended_page
    assert "Missed visits" not in suspended_page  # the written reason stays with the council

    members.reinstate_membership(member, council.commissioner, category=ChangeCategory.concerns_resolved,
                                 reason="Action plan completed")
    db.session.commit()
    assert member.status is MembershipStatus.active
    assert "Hales Group Limited" in public_names(client, system)
    history = db.session.scalars(select(MembershipChange).where(MembershipChange.membership_id == member.id)
                                 .order_by(MembershipChange.id)).all()
    assert [(c.from_status, c.status) for c in history] == [
        (MembershipStatus.active, MembershipStatus.suspended), (MembershipStatus.suspended, MembershipStatus.active)]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "Membership",
                                                         AuditEvent.object_id == member.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["membership.suspended", "membership.reinstated"]
    assert events[0].before == {"status": "active"}
    assert events[0].after["reason"] == "Missed visits reported by three families"
    assert events[0].after["category"] == "quality_concerns"


def test_suspension_with_an_end_date_lapses_the_day_after(db, council, member, client, system, frozen_clock):
    members.suspend_membership(member, council.commissioner, category=ChangeCategory.cqc_enforcement,
                               reason="Warning notice", until=date(2026, 6, 10))
    db.session.commit()
    frozen_clock.advance(days=9)  # 10 June: the last day
    assert member.effective_status() is MembershipStatus.suspended
    assert "Hales Group Limited" not in public_names(client, system)
    frozen_clock.advance(days=1)  # 11 June
    assert member.effective_status() is MembershipStatus.active
    assert "Hales Group Limited" in public_names(client, system)
    assert "Hales Group Limited" not in public_names(client, system, status="suspended")
    with pytest.raises(DomainError, match="its suspension ended on 10 June 2026, so there is nothing to reinstate"):
        members.reinstate_membership(member, council.commissioner, category=ChangeCategory.other, reason="x")
    # a lapsed suspension can be followed by a new one
    members.suspend_membership(member, council.commissioner, category=ChangeCategory.other, reason="Again")
    assert member.effective_status() is MembershipStatus.suspended and member.suspended_until is None


def test_remove_is_final_and_public_with_its_category(db, council, member, client, system):
    members.remove_membership(member, council.commissioner, category=ChangeCategory.ceased_trading,
                              reason="Company dissolved on 28 May 2026")
    db.session.commit()
    assert "Hales Group Limited" not in public_names(client, system)
    removed = public_names(client, system, status="removed")
    assert "Hales Group Limited" in removed and "Ceased trading" in removed
    with pytest.raises(DomainError, match="has been removed from the list and cannot be reinstated"):
        members.reinstate_membership(member, council.commissioner, category=ChangeCategory.other, reason="x")
    with pytest.raises(DomainError, match="has been removed from the list, so it cannot be suspended"):
        members.suspend_membership(member, council.commissioner, category=ChangeCategory.other, reason="x")
    with pytest.raises(DomainError, match="has already been removed"):
        members.remove_membership(member, council.commissioner, category=ChangeCategory.other, reason="x")


@pytest.mark.parametrize("move,kwargs,message", [
    ("reinstate_membership", {"category": ChangeCategory.concerns_resolved, "reason": "x"}, "is active, so there is nothing"),
    ("suspend_membership", {"category": ChangeCategory.ceased_trading, "reason": "x"}, "Select why you are suspending"),
    ("suspend_membership", {"category": ChangeCategory.safeguarding, "reason": "  "}, "Enter the reason for suspending"),
    ("suspend_membership", {"category": ChangeCategory.safeguarding, "reason": "x", "until": date(2026, 5, 31)},
     "must be today or in the future"),
    ("remove_membership", {"category": ChangeCategory.quality_concerns, "reason": "x"}, "Select why you are removing"),
])
def test_refusals_change_nothing(db, council, member, move, kwargs, message):
    with pytest.raises(DomainError, match=message):
        getattr(members, move)(member, council.commissioner, **kwargs)
    db.session.rollback()
    assert member.status is MembershipStatus.active
    assert db.session.scalar(select(MembershipChange).where(MembershipChange.membership_id == member.id)) is None


def test_suspending_twice_is_refused(db, council, member):
    members.suspend_membership(member, council.commissioner, category=ChangeCategory.safeguarding, reason="x",
                               until=date(2026, 7, 1))
    with pytest.raises(DomainError, match="already suspended until 1 July 2026"):
        members.suspend_membership(member, council.commissioner, category=ChangeCategory.safeguarding, reason="y")


def test_another_councils_commissioner_cannot_change_members(db, council, member):
    with pytest.raises(NotAllowed):
        members.suspend_membership(member, council.other_commissioner, category=ChangeCategory.safeguarding, reason="x")


# ---- pages


def test_member_page_shows_the_history_and_suspend_form_works(db, client, login, council, member, system):
    login(council.commissioner)
    page = client.get(f"/commissioning/members/{member.id}").get_data(as_text=True)
    assert "Hales Group Limited" in page and "Suspend" in page and "Reinstate" not in page
    form = client.get(f"/commissioning/members/{member.id}/suspend").get_data(as_text=True)
    legends = [" ".join(t.split()) for t in re.findall(r"<legend[^>]*>(.*?)</legend>", form, re.S)]
    assert legends == ["Why are you suspending this provider?", "Last day of the suspension (optional)"]
    # a refused form keeps what was typed and says how to fix it
    bad = client.post(f"/commissioning/members/{member.id}/suspend",
                      data={"category": "safeguarding", "reason": "Enquiry opened", "until": ["31", "5", "2026"]})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text and "must be today or in the future" in text and "Enquiry opened" in text
    assert member.status is MembershipStatus.active
    missing = client.post(f"/commissioning/members/{member.id}/suspend", data={"reason": ""}).get_data(as_text=True)
    assert "Select the reason category" in missing and "Enter the reason" in missing
    done = client.post(f"/commissioning/members/{member.id}/suspend",
                       data={"category": "safeguarding", "reason": "Enquiry opened", "until": ["30", "6", "2026"]})
    assert done.status_code == 302 and done.location.endswith(f"/commissioning/members/{member.id}")
    db.session.expire_all()
    assert member.status is MembershipStatus.suspended and member.suspended_until == date(2026, 6, 30)
    page = client.get(f"/commissioning/members/{member.id}").get_data(as_text=True)
    assert "until 30 June 2026 (back on the list on 1 July 2026)" in page
    history = page[page.index("Every change of status"):]
    assert "Priya Shah" in history and "Active" in history and "Suspended" in history
    assert "Safeguarding enquiry" in history and "Enquiry opened" in history
    assert "Last day of the suspension: 30 June 2026" in history
    assert "Reinstate" in page
    # reinstating through its page
    assert client.post(f"/commissioning/members/{member.id}/reinstate",
                       data={"category": "concerns_resolved", "reason": "Enquiry closed"}).status_code == 302
    db.session.expire_all()
    assert member.status is MembershipStatus.active


def test_a_refused_move_on_the_page_is_explained(db, client, login, council, member):
    login(council.commissioner)
    response = client.post(f"/commissioning/members/{member.id}/reinstate",
                           data={"category": "concerns_resolved", "reason": "x"})
    assert response.status_code == 200
    assert "is active, so there is nothing to reinstate" in response.get_data(as_text=True)


def test_members_list_filters_by_status(db, client, login, council, member, system):
    login(council.commissioner)
    members.remove_membership(member, council.commissioner, category=ChangeCategory.excluded, reason="Fraud")
    db.session.commit()
    assert "Hales Group Limited" in client.get(f"/commissioning/systems/{system.id}/members").get_data(as_text=True)
    assert "Hales Group Limited" in client.get(f"/commissioning/systems/{system.id}/members?status=removed").get_data(as_text=True)
    assert "Hales Group Limited" not in client.get(f"/commissioning/systems/{system.id}/members?status=active").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/commissioning/members/{id}", "/commissioning/members/{id}/suspend",
                                 "/commissioning/members/{id}/remove", "/commissioning/systems/{system}/members"])
def test_other_council_gets_404_and_others_403(client, login, council, member, system, url, make_provider):
    url = url.format(id=member.id, system=system.id)
    login(council.other_commissioner)
    assert client.get(url).status_code == 404
    login(council.evaluator1)
    assert client.get(url).status_code == 403
    login(make_provider())
    assert client.get(url).status_code == 403
    client.post("/sign-out")
    assert client.get(url).status_code == 302


def test_dashboard_counts_a_lapsed_suspension_as_active(db, council, member, system, frozen_clock):
    from portal.commissioning.dashboard import system_overviews

    lot, zone = member.lot, member.zones[0].zone
    members.suspend_membership(member, council.commissioner, category=ChangeCategory.other, reason="x",
                               until=date(2026, 6, 5))
    db.session.commit()
    assert system_overviews([system])[system.id].members_in(lot, zone) == 0
    frozen_clock.advance(days=5)  # 6 June: the suspension has ended
    assert system_overviews([system])[system.id].members_in(lot, zone) == 1
