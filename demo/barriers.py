"""A demo barrier per site, linked to its open demo situations."""

from agencies.models import Site, User
from barriers import services
from barriers.models import Barrier, BarrierCategory
from situations.models import Situation, Status

DEMO = {
    "REX": ("Youth services", "Youth mental-health waits exceed six months in the north end."),
    "SCA": ("Housing and shelter capacity", "No family shelter space east of Victoria Park."),
    "DTE": ("After-hours availability", "No crisis outreach between 11 pm and 7 am."),
    "DTW": ("Eligibility rules", "Income support rules exclude people without a fixed address."),
    "BLC": ("Transportation", "No transit to the only youth drop-in after 6 pm."),
    "YRK": ("Language and interpretation", "No interpretation for Tigrinya at intake."),
}


def seed_site(site: Site) -> int:
    if site.code not in DEMO or Barrier.objects.filter(sites=site).exists():
        return 0
    category_name, description = DEMO[site.code]
    raiser = User.objects.get(username=f"chair.{site.code.lower()}")
    situations = Situation.objects.filter(site=site, status=Status.OPEN)
    barrier = services.raise_barrier(
        raiser, site, BarrierCategory.objects.get(name=category_name), description
    )
    for situation in situations:
        services.link(raiser, situation, barrier)
    return 1
