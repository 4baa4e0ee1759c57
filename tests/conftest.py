"""The cast every test shares (after healthchecks' alice, bob and charlie).

Rexdale (REX) and Scarborough (SCA) are two tables.
- alice: representative of Crisis Outreach (COMH) at Rexdale
- bob: representative of Children's Aid (CAC) at Rexdale
- carol: chair of Rexdale, from the City's social development office (SDO)
- dave: representative of the Shelter and Housing Office (CSHO) at Rexdale
- erin: representative of the District School Board (CDSB) at Rexdale
- charlie: representative of Crisis Outreach at Scarborough only (same agency as alice!)
- steve: steering committee
- adam: administrator
- polly: privacy officer
"""

import logging
from dataclasses import dataclass

import pytest
from django.test import Client

from agencies.models import Membership, Sector, Site, User
from tests.factories import AgencyFactory, MembershipFactory, SiteFactory, UserFactory

PASSWORD = "correct horse battery"

# django-axes logs every sign-in at INFO; thousands of test sign-ins would bury the failures.
logging.getLogger("axes").setLevel(logging.WARNING)


def verify_second_factor(client, user) -> None:
    """Mark a signed-in test session as past its second factor, as the real sign-in does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access.policy import needs_second_factor

    if not needs_second_factor(user):
        return
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class VerifiedClient(Client):
    """force_login as a person who has also passed two-step sign-in. Tests of MFA itself use
    the real sign-in pages instead."""

    def force_login(self, user, backend="django.contrib.auth.backends.ModelBackend"):
        super().force_login(user, backend)
        verify_second_factor(self, user)


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues(django_test_environment):
    """The .mo files are build output, not committed: `pytest` alone compiles any that are out
    of date, as `make test` does, so the French the tests read is the catalogue's."""
    from core.catalogues import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in French leaves French active in the thread (LocaleMiddleware activates,
    nothing deactivates): later tests that call services directly would read French."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_fragments_from_another_test():
    """Rendered fragments are keyed by rows' ids and times. A test database reuses ids (SQLite
    after a rollback) and a frozen clock repeats times, so one test's fragment could match
    another's key: each test starts with none."""
    from django.core.cache import caches

    caches["fragments"].clear()


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 is the production hasher (tested separately); tests need speed, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    return transactional or "live_server" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests that flush the database (browser and worker tests) run after every test that
    relies on the migrations' data, as Django's own runner orders them: a flush in the middle
    would make later, unrelated tests fail."""
    items.sort(key=_flushes_the_database)


@pytest.fixture(autouse=True)
def _lists(request):
    """Transactional tests (browser, worker) flush the database, data migrations included."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if transactional or "live_server" in request.fixturenames:
        from django.apps import apps

        from barriers.lists import seed as seed_barrier_categories
        from situations.lists import seed

        request.getfixturevalue("transactional_db")
        seed(apps)
        seed_barrier_categories(apps)


@dataclass
class Cast:
    rex: Site
    sca: Site
    alice: User
    bob: User
    carol: User
    dave: User
    erin: User
    charlie: User
    steve: User
    adam: User
    polly: User

    def rex_window(self):
        from datetime import timedelta

        return timedelta(hours=self.rex.response_window_hours)


@pytest.fixture
def cast(db) -> Cast:
    rex = SiteFactory(code="REX", name="FOCUS Rexdale", police_divisions="22, 23")
    sca = SiteFactory(code="SCA", name="FOCUS Scarborough", police_divisions="41, 42, 43")
    comh = AgencyFactory(short_name="COMH", name="Crisis Outreach", sector=Sector.MENTAL_HEALTH)
    cac = AgencyFactory(short_name="CAC", name="Children's Aid", sector=Sector.CHILD_WELFARE)
    sdo = AgencyFactory(short_name="SDO", name="Social Development", sector=Sector.MUNICIPAL)
    alice = UserFactory(username="alice", first_name="Alice", agency=comh)
    bob = UserFactory(username="bob", first_name="Bob", agency=cac)
    carol = UserFactory(username="carol", first_name="Carol", agency=sdo)
    csho = AgencyFactory(short_name="CSHO", name="Shelter and Housing", sector=Sector.HOUSING)
    cdsb = AgencyFactory(short_name="CDSB", name="School Board", sector=Sector.EDUCATION)
    dave = UserFactory(username="dave", first_name="Dave", agency=csho)
    erin = UserFactory(username="erin", first_name="Erin", agency=cdsb)
    charlie = UserFactory(username="charlie", first_name="Charlie", agency=comh)
    steve = UserFactory(username="steve", first_name="Steve", agency=None, is_steering=True)
    adam = UserFactory(username="adam", first_name="Adam", agency=None, is_administrator=True)
    polly = UserFactory(username="polly", first_name="Polly", agency=None, is_privacy_officer=True)
    MembershipFactory(user=alice, site=rex)
    MembershipFactory(user=bob, site=rex)
    MembershipFactory(user=carol, site=rex, role=Membership.Role.CHAIR)
    MembershipFactory(user=dave, site=rex)
    MembershipFactory(user=erin, site=rex)
    MembershipFactory(user=charlie, site=sca)
    return Cast(rex, sca, alice, bob, carol, dave, erin, charlie, steve, adam, polly)


MARKER = "Zyxwquarq Marker"  # a name that appears nowhere else


@dataclass
class Story:
    """Situations at Rexdale in every state, all originated by alice's agency (COMH).

    Accepted ones have bob's agency (CAC) as lead and dave's (CSHO) assisting. Each carries one
    affected person whose identifying name contains MARKER.
    """

    draft: object
    submitted: object
    open: object
    concluded: object
    rejected: object


def make_situation(cast, *, narrative="A youth at risk of harm; several agencies needed."):
    from situations import services
    from situations.models import RiskFactor

    factors = list(RiskFactor.objects.order_by("pk")[:3])
    record = services.Record(
        subject_type="person",
        age_group="12-17",
        gender="woman",
        narrative=narrative,
        risk_factors=factors,
    )
    situation = services.create_draft(cast.alice, cast.rex, record)
    services.save_person(
        cast.alice,
        situation,
        person=None,
        label="Person A",
        age_group="12-17",
        gender="woman",
        identity=services.Identity(
            full_name=f"{MARKER} {situation.reference}",
            date_of_birth="2010-05-04",
            location=f"12 {MARKER} Street",
            contact_notes=f"Call {MARKER}'s aunt",
        ),
        risk_factor_ids=[factors[0].pk],
    )
    return situation


def accept(cast, situation):
    from agencies.models import Agency
    from situations import services

    return services.accept(
        cast.carol,
        situation,
        services.Assignment(
            lead=Agency.objects.get(short_name="CAC"),
            assisting=[Agency.objects.get(short_name="CSHO")],
        ),
        "obtained",
    )


@pytest.fixture
def story(cast) -> Story:
    from situations import services
    from situations.models import ConclusionReason

    draft = make_situation(cast)
    submitted = services.submit(cast.alice, make_situation(cast))
    opened = accept(cast, services.submit(cast.alice, make_situation(cast)))
    concluded = services.conclude(
        cast.carol,
        accept(cast, services.submit(cast.alice, make_situation(cast))),
        ConclusionReason.objects.filter(outcome="lowered").first(),
    )
    rejected = services.reject(
        cast.carol, services.submit(cast.alice, make_situation(cast)), "not_aer"
    )
    return Story(draft, submitted, opened, concluded, rejected)


@pytest.fixture
def run_tasks():
    """Celery tasks run in the test's own process as they are sent (Celery's eager mode), for
    tests of what a request hands to the worker; test_worker.py proves the real path."""
    from focus.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False
