"""The demo data a newcomer sees: a published first round and a round open now."""
from portal import clock
from portal.commissioning.models import Membership, MembershipStatus, Round, RoundStatus
from portal.demo import load_demo_data


def test_demo_data_loads_once_with_a_published_list_and_an_open_round(client, db):
    clock.set_now(None)  # the demo's open round is placed around the real date
    load_demo_data()
    db.session.commit()
    load_demo_data()  # a second run changes nothing
    db.session.commit()
    rounds = db.session.query(Round).order_by(Round.number).all()
    assert [r.status for r in rounds] == [RoundStatus.published, RoundStatus.open]
    members = db.session.query(Membership).filter_by(status=MembershipStatus.active).count()
    assert members == 9
    page = client.get(f"/call-off-lists/{rounds[0].system.slug}").get_data(as_text=True)
    assert "The Edmund Trust" in page and "Cera Care Operations LTD" in page
