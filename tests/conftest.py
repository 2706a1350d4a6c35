"""Shared fixtures: the app on a migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
a clean database for every test, a clock the tests move, and factories for the journey's objects."""
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import text

from portal import clock, create_app
from portal.auth.models import Role
from portal.demo import at, build_isf_system, create_staff, ensure_authority
from portal.extensions import db as _db
from portal.kept import forget as forget_kept

TEST_DB_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """argon2 with the smallest cost: the tests create many accounts; production keeps the library's defaults."""
    from argon2 import PasswordHasher

    from portal.auth import models

    models._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session")
def app():
    tmp = None
    if TEST_DB_URL:
        url = TEST_DB_URL
    else:
        tmp = tempfile.mkdtemp(prefix="portal-test-")
        url = f"sqlite:///{Path(tmp) / 'test.db'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url,
                     UPLOAD_FOLDER=tempfile.mkdtemp(prefix="portal-test-uploads-"))
    with app.app_context():
        if TEST_DB_URL:
            _db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            _db.session.commit()
        upgrade()  # every run exercises the migrations
    yield app


@pytest.fixture()
def db(app):
    """The database, emptied after each test."""
    ctx = app.app_context()
    ctx.push()
    yield _db
    _db.session.rollback()
    _db.session.remove()
    forget_kept(app)  # page parts kept by the worker belong to this data
    tables = [t for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()
    ctx.pop()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture(autouse=True)
def frozen_clock():
    """The clock starts at 1 June 2026, midday in London; tests move it with frozen_clock.move_to(...)."""

    class Clock:
        def move_to(self, moment):
            clock.set_now(moment)

        def advance(self, **kwargs):
            clock.set_now(clock.now() + timedelta(**kwargs))

        @property
        def now(self):
            return clock.now()

    clock.set_now(at(2026, 6, 1, 12, 0))
    yield Clock()
    clock.set_now(None)


@pytest.fixture()
def login(client):
    def do_login(user, password="care-dps-demo-password"):
        client.post("/sign-out")
        response = client.post("/sign-in", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture()
def council(db):
    """Cambridgeshire with a commissioner, two officer evaluators and a panel member; Peterborough with its own commissioner."""
    cambs = ensure_authority("Cambridgeshire County Council", "cambridgeshire")
    pboro = ensure_authority("Peterborough City Council", "peterborough")

    class Council:
        authority = cambs
        commissioner = create_staff(cambs, Role.commissioner, "commissioner@cambs.example", "Priya Shah")
        evaluator1 = create_staff(cambs, Role.evaluator, "eval1@cambs.example", "Tom Evans")
        evaluator2 = create_staff(cambs, Role.evaluator, "eval2@cambs.example", "Grace Okafor")
        panel = create_staff(cambs, Role.panel_member, "panel@cambs.example", "Margaret Hill")
        other_commissioner = create_staff(pboro, Role.commissioner, "commissioner@pboro.example", "Lee Grant")
        other_evaluator = create_staff(pboro, Role.evaluator, "eval@pboro.example", "Ann Ward")

    _db.session.commit()
    return Council


@pytest.fixture()
def system(council):
    s = build_isf_system(council.commissioner)
    _db.session.commit()
    return s


@pytest.fixture()
def make_round(system, council):
    """A round of the ISF system: open now by default, closing in two weeks."""
    from portal.commissioning.services import schedule_round

    def make(opens_in=timedelta(days=-1), closes_in=timedelta(days=14)):
        r = schedule_round(system, council.commissioner, opens_at=clock.now() + opens_in,
                           closes_at=clock.now() + closes_in) if opens_in >= timedelta(0) else None
        if r is None:
            # a round that opened in the past: schedule from a moment before it opened
            real = clock.now()
            clock.set_now(real + opens_in - timedelta(hours=1))
            try:
                r = schedule_round(system, council.commissioner, opens_at=real + opens_in, closes_at=real + closes_in)
            finally:
                clock.set_now(real)
        _db.session.commit()
        return r

    return make


@pytest.fixture()
def make_provider(db):
    from portal.onboarding.models import CQCRating
    from portal.onboarding.services import register_provider

    counter = {"n": 0}

    def make(name=None, rating=CQCRating.good):
        counter["n"] += 1
        n = counter["n"]
        user = register_provider(
            legal_name=name or f"Provider {n} Care Ltd", companies_house_number=f"{10000000 + n}",
            cqc_provider_id=f"1-10{n:07d}", cqc_rating=rating, cqc_rating_date=None,
            address="1 Bridge Street, Peterborough", postcode="PE1 1HF", name=f"Owner {n}",
            email=f"owner{n}@provider{n}.example", password="care-dps-demo-password")
        _db.session.commit()
        return user

    return make


def send(client, method, url, **kwargs):
    """One request as the client's own cookie says. The tests share one app context with the requests, so
    the signed-in user Flask-Login keeps on `g` is dropped before and after: each client is known by its
    own cookie, as several browsers would be."""
    g.pop("_login_user", None)
    try:
        return client.open(url, method=method, **kwargs)
    finally:
        g.pop("_login_user", None)
