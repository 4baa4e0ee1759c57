"""A barrier's counts for the steering committee: one publication for its register row, its
page and its quarterly-report rows, so that no page undoes another's "<5"."""

import csv
import html
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from barriers.models import BarrierCategory, BarrierLink
from barriers.services import raise_barrier
from situations.models import Situation

TZ = ZoneInfo("America/Toronto")


def _situations(cast, n):
    agency = cast.alice.agency
    return [
        Situation.objects.create(
            site=cast.rex,
            reference=f"REX-2026-{i:03d}",
            subject_type="person",
            narrative="x",
            status="open",
            first_presented_on=datetime(2026, 1, 5).date(),
            originating_agency=agency,
        )
        for i in range(n)
    ]


def test_the_quarter_the_total_and_the_months_do_not_give_a_small_count_away(client, cast):
    """Six situations linked in January, two in April: the total (8) and the first quarter
    (6) published would give the second quarter's 2; the months' cells, the first quarter."""
    situations = _situations(cast, 8)
    category = BarrierCategory.objects.first()
    barrier = raise_barrier(cast.carol, cast.rex, category, "No beds.", situations[0])
    type(barrier).objects.filter(pk=barrier.pk).update(created_at=datetime(2026, 1, 2, tzinfo=TZ))
    for s in situations[1:]:
        BarrierLink.objects.create(barrier=barrier, situation=s, linked_by=cast.carol)
    links = BarrierLink.objects.order_by("situation__reference")
    for link, month in zip(links, [1] * 6 + [4] * 2, strict=True):
        link.linked_at = datetime(2026, month, 10, 12, tzinfo=TZ)
        link.save()

    client.force_login(cast.steve)
    detail = html.unescape(client.get(barrier.get_absolute_url()).content.decode())
    total = re.search(r"Situations touched</dt><dd>(.+?)</dd>", detail).group(1)
    cells = re.findall(r"<td>REX</td><td>(2026-\d\d)</td><td>(.+?)</td>", detail)
    quarters = {}
    for quarter in ("2026-Q1", "2026-Q2"):
        report = client.get("/barriers/report/", {"quarter": quarter, "format": "csv"})
        (row,) = list(csv.DictReader(io.StringIO(report.content.decode())))
        assert row["situations_total"] == total  # the register's and the page's total
        quarters[quarter] = row["situations_this_quarter"]
    register = html.unescape(client.get("/barriers/").content.decode())
    # A phone shows the register's rows as cards: each cell carries its column's name.
    assert re.search(rf"<td[^>]*>{re.escape(total)}</td>", register)

    assert dict(cells)["2026-04"] == "<5" and quarters["2026-Q2"] == "<5"
    # Neither the total nor the first quarter nor January's cell may stand beside the other.
    published = [v for v in (total, quarters["2026-Q1"], dict(cells)["2026-01"]) if v.isdigit()]
    assert len(published) <= 1 or published == [total], (total, quarters, cells)
    assert not (total.isdigit() and quarters["2026-Q1"].isdigit())
    assert not (total.isdigit() and dict(cells)["2026-01"].isdigit())

    # A member of the table sees the exact counts.
    client.force_login(cast.carol)
    detail = client.get(barrier.get_absolute_url()).content.decode()
    assert "Situations touched</dt><dd>8</dd>" in detail
