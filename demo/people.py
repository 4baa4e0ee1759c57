"""The demo data set: six FOCUS sites, fictional agencies and people for every role."""

import base64
import hashlib
from datetime import time

from agencies.models import Sector

DEMO_PASSWORD = "focus-demo-2026"  # noqa: S105  # nosec B105

SITES = [
    # code, name, divisions, weekday (0 = Monday), time
    ("REX", "FOCUS Rexdale", "22, 23", 1, time(10, 0)),
    ("SCA", "FOCUS Scarborough", "41, 42, 43", 2, time(9, 30)),
    ("DTE", "FOCUS Downtown East", "51", 3, time(10, 0)),
    ("DTW", "FOCUS Downtown West", "11, 14, 52", 3, time(13, 30)),
    ("BLC", "FOCUS Black Creek", "31, 32", 1, time(13, 30)),
    ("YRK", "FOCUS York", "12, 13", 4, time(10, 0)),
]

AGENCIES = [
    # short name, name, sector
    ("MPS", "Metro Police Service", Sector.POLICE),
    ("MPS-NCO", "Metro Police Neighbourhood Community Officers", Sector.POLICE),
    ("HVCHC", "Humber Valley Community Health Centre", Sector.HEALTH),
    ("EHN", "Eastside Hospital Network", Sector.HEALTH),
    ("PHU", "City Public Health Unit", Sector.HEALTH),
    ("COMH", "Crisis Outreach Mental Health Team", Sector.MENTAL_HEALTH),
    ("PATH", "Pathways Addiction Services", Sector.MENTAL_HEALTH),
    ("YMC", "Youth Minds Counselling", Sector.MENTAL_HEALTH),
    ("CAC", "Children's Aid of the City", Sector.CHILD_WELFARE),
    ("FCAS", "Family Children's Aid Society", Sector.CHILD_WELFARE),
    ("CSHO", "City Shelter and Housing Office", Sector.HOUSING),
    ("SHHC", "Safe Homes Housing Co-operative", Sector.HOUSING),
    ("NTS", "Northgate Tenant Support", Sector.HOUSING),
    ("CDSB", "City District School Board", Sector.EDUCATION),
    ("CCSB", "City Catholic School Board", Sector.EDUCATION),
    ("PPS", "Probation and Parole Services", Sector.JUSTICE),
    ("YJS", "Youth Justice Services", Sector.JUSTICE),
    ("VSC", "Victim Services of the City", Sector.VICTIM_SERVICES),
    ("WSH", "Women's Safe Haven", Sector.VICTIM_SERVICES),
    ("ESS", "Employment and Social Services", Sector.SOCIAL_SERVICES),
    ("SSN", "Seniors Support Network", Sector.SOCIAL_SERVICES),
    ("NSC", "Newcomer Settlement Centre", Sector.SOCIAL_SERVICES),
    ("CFS", "City Fire Services", Sector.FIRE_EMS),
    ("CPS", "City Paramedic Services", Sector.FIRE_EMS),
    ("UNB", "United Neighbourhoods", Sector.COMMUNITY),
    ("RYH", "Rexdale Youth Hub", Sector.COMMUNITY),
    ("BCCC", "Black Creek Community Collective", Sector.COMMUNITY),
    ("SFH", "Scarborough Family Hub", Sector.COMMUNITY),
    ("DDN", "Downtown Drop-in Network", Sector.COMMUNITY),
    ("SDO", "City Social Development Office", Sector.MUNICIPAL),
    ("LAC", "Community Legal Aid Clinic", Sector.OTHER),
]

# Who sits at every table: chair from the city, co-chair from the police, then representatives.
TABLE_AGENCIES = ["SDO", "MPS", "COMH", "CAC", "CSHO", "CDSB", "PPS", "CPS"]
LOCAL_AGENCY = {"REX": "RYH", "SCA": "SFH", "DTE": "DDN", "DTW": "DDN", "BLC": "BCCC", "YRK": "UNB"}

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farah",
    "Gabriel",
    "Hana",
    "Isaac",
    "Jasmine",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Usha",
    "Victor",
    "Wen",
    "Xavier",
    "Yara",
    "Zane",
]
LAST_NAMES = [
    "Abebe",
    "Bouchard",
    "Chen",
    "Da Silva",
    "Evans",
    "Fernandes",
    "Ghosh",
    "Hughes",
    "Ibrahim",
    "Johnson",
    "Kaur",
    "Lopez",
    "MacDonald",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quintero",
    "Roy",
    "Singh",
    "Tremblay",
    "Usman",
    "Vasquez",
    "Wong",
    "Yilmaz",
    "Zhang",
]


def demo_totp_key(username: str) -> str:
    """A fixed authenticator key per demo person (hex, as django-otp stores it). Public, like
    the demo password: demo data only."""
    return hashlib.sha256(f"focus-demo-totp:{username}".encode()).hexdigest()[:40]


def demo_totp_secret(username: str) -> str:
    """The same key in base32, as authenticator apps take it."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode().rstrip("=")
