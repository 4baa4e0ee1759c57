"""The cast every test shares (after healthchecks' alice, bob and charlie).

Rexdale (REX) and Scarborough (SCA) are two tables.
- alice: representative of Crisis Outreach (COMH) at Rexdale
- bob: representative of Children's Aid (CAC) at Rexdale
- carol: chair of Rexdale, from the City's social development office (SDO)
- charlie: representative of Crisis Outreach at Scarborough only (same agency as alice!)
- steve: steering committee
- adam: administrator / privacy officer
"""

from dataclasses import dataclass

import pytest

from agencies.models import Membership, Sector, Site, User
from tests.factories import AgencyFactory, MembershipFactory, SiteFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 is the production hasher (tested separately); tests need speed, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Cast:
    rex: Site
    sca: Site
    alice: User
    bob: User
    carol: User
    charlie: User
    steve: User
    adam: User


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
    charlie = UserFactory(username="charlie", first_name="Charlie", agency=comh)
    steve = UserFactory(username="steve", first_name="Steve", agency=None, role=User.Role.STEERING)
    adam = UserFactory(username="adam", first_name="Adam", agency=None, role=User.Role.ADMIN)
    MembershipFactory(user=alice, site=rex)
    MembershipFactory(user=bob, site=rex)
    MembershipFactory(user=carol, site=rex, role=Membership.Role.CHAIR)
    MembershipFactory(user=charlie, site=sca)
    return Cast(rex, sca, alice, bob, carol, charlie, steve, adam)
