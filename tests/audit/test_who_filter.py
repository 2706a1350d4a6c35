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
