"""The audit log's "Who" filter lists the council's staff, not the thousands of provider users of a national DPS."""
from dataclasses import replace

from sqlalchemy import select

from portal.auth.models import Role, User
from portal.generator import SIZES, generate


def test_who_lists_the_councils_staff_only(db, client):
    known = generate(replace(SIZES["tiny"], organisations=6, applications=6, report_round_applications=2), seed=2)
    client.post("/sign-in", data={"email": known["commissioner"], "password": known["password"]})
    page = client.get("/audit/").get_data(as_text=True)
    who = page[page.index('name="actor"'):]
    who = who[:who.index("</select>")]
    staff = db.session.scalars(select(User).where(User.role != Role.provider)).all()
    providers = db.session.scalars(select(User).where(User.role == Role.provider)).all()
    assert all(f'value="{user.id}"' in who for user in staff)
    assert not any(f'value="{user.id}"' in who for user in providers)
    assert "The portal" in who


def who_options(client) -> list[tuple[str, str]]:
    import re

    page = client.get("/audit/").get_data(as_text=True)
    who = page[page.index('name="actor"'):]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', who[:who.index("</select>")])


def test_who_follows_the_councils_staff_with_no_event_recorded(db, client, login, council):
    """The staff list is kept by the worker with the council's newest event and its staff as one text, read on
    every view: staff added (the create-staff command records no event), renamed, moved or gone show at once,
    and another council's new staff change nothing."""
    from portal.audit import services
    from portal.auth.models import Role
    from portal.demo import create_staff
    from portal.extensions import db as _db

    from portal.audit.services import record_event
    record_event(council.commissioner, "rate.set", council.commissioner, authority_id=council.authority.id)
    db.session.commit()
    login(council.commissioner)
    before = who_options(client)
    assert [name for _, name in before] == ["Everyone", "The portal", "Grace Okafor", "Margaret Hill", "Priya Shah",
                                            "Tom Evans"]
    kept = services.log_summary(council.authority.id)
    assert services.log_summary(council.authority.id) is kept  # the same staff and events: read once
    create_staff(council.other_commissioner.authority, Role.evaluator, "new@pboro.example", "Zed Other")
    db.session.commit()
    assert services.log_summary(council.authority.id) is kept  # another council's staff
    assert who_options(client) == before

    added = create_staff(council.authority, Role.evaluator, "new@cambs.example", "Aisha Begum")
    db.session.commit()
    assert who_options(client)[2] == (str(added.id), "Aisha Begum")
    council.evaluator1.name = "Tom Evans-Smith"  # by hand: no service renames staff
    db.session.commit()
    assert (str(council.evaluator1.id), "Tom Evans-Smith") in who_options(client)
    council.panel.authority_id = council.other_commissioner.authority_id  # moved by hand to another council
    db.session.commit()
    assert str(council.panel.id) not in [value for value, _ in who_options(client)]
    _db.session.delete(added)
    db.session.commit()
    assert [name for _, name in who_options(client)] == ["Everyone", "The portal", "Grace Okafor", "Priya Shah",
                                                         "Tom Evans-Smith"]
