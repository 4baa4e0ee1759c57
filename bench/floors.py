"""Floors: for each benchmarked page, a view that runs one raw SQL query returning the same rows
and writes them out without a template. They sit behind the same middleware (session, sign-in,
second factor), so a page's ratio to its floor is the cost of our own view code: the ORM,
privacy filters, forms and templates. They skip the privacy rules, which is why they exist only
under bench.settings.
"""

from datetime import date, timedelta
from html import escape

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone

from situations.models import TABLE_STATUSES


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table(rows: list[tuple]) -> HttpResponse:
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in row) + "</tr>"
        for row in rows
    )
    return HttpResponse(f"<!doctype html><title>floor</title><table>{body}</table>")


MEETING = """
SELECT i.position, i.kind, i.outcome, s.reference, s.status, s.subject_type, s.age_group,
       s.gender, s.accepted_at, s.response_due_at, s.first_contact_at, o.name, l.name,
       (SELECT u.text FROM situations_situationupdate u
         WHERE u.situation_id = s.id ORDER BY u.created_at DESC LIMIT 1),
       (SELECT string_agg(a.name, ', ') FROM situations_situation_assisting_agencies sa
          JOIN agencies_agency a ON a.id = sa.agency_id WHERE sa.situation_id = s.id)
  FROM meetings_agendaitem i
  JOIN meetings_meeting m ON m.id = i.meeting_id
  JOIN agencies_site site ON site.id = m.site_id
  JOIN situations_situation s ON s.id = i.situation_id
  JOIN agencies_agency o ON o.id = s.originating_agency_id
  LEFT JOIN agencies_agency l ON l.id = s.lead_agency_id
 WHERE site.code = %s AND m.held_on = %s
 ORDER BY i.position, i.id
"""


def meeting(request, code: str, key: str) -> HttpResponse:
    return _table(_rows(MEETING, [code.upper(), date.fromisoformat(key)]))


POLL = """
SELECT m.revision FROM meetings_meeting m JOIN agencies_site site ON site.id = m.site_id
 WHERE site.code = %s AND m.held_on = %s
"""


def meeting_poll(request, code: str, key: str) -> HttpResponse:
    rows = _rows(POLL, [code.upper(), date.fromisoformat(key)])
    if rows and request.GET.get("since") == str(rows[0][0]):
        return HttpResponse(status=204)
    return _table(rows)


SITUATION_LIST = """
SELECT s.reference, s.status, s.subject_type, s.age_group, s.first_presented_on,
       o.short_name, l.short_name,
       (SELECT count(*) FROM situations_situationriskfactor r
         WHERE r.situation_id = s.id AND r.person_id IS NULL),
       count(*) OVER ()
  FROM situations_situation s
  JOIN agencies_site site ON site.id = s.site_id
  JOIN agencies_agency o ON o.id = s.originating_agency_id
  LEFT JOIN agencies_agency l ON l.id = s.lead_agency_id
 WHERE site.code = %s AND s.status IN %s
 ORDER BY s.created_at DESC
 LIMIT 50
"""


def situation_list(request, code: str) -> HttpResponse:
    return _table(_rows(SITUATION_LIST, [code.upper(), tuple(TABLE_STATUSES)]))


SITUATION_DETAIL = """
SELECT s.reference, s.status, s.subject_type, s.age_group, s.gender, s.narrative,
       s.accepted_at, s.response_due_at, s.first_contact_at, s.consent, o.name, l.name,
       (SELECT json_agg(json_build_array(c.name, f.name) ORDER BY c.position, f.name)
          FROM situations_situationriskfactor r
          JOIN situations_riskfactor f ON f.id = r.factor_id
          JOIN situations_riskcategory c ON c.id = f.category_id
         WHERE r.situation_id = s.id),
       (SELECT json_agg(a.name ORDER BY a.name) FROM situations_situation_assisting_agencies sa
          JOIN agencies_agency a ON a.id = sa.agency_id WHERE sa.situation_id = s.id),
       (SELECT json_agg(p.label ORDER BY p.label) FROM situations_affectedperson p
         WHERE p.situation_id = s.id),
       (SELECT json_agg(x) FROM (
          SELECT u.text, u.created_at FROM situations_situationupdate u
           WHERE u.situation_id = s.id ORDER BY u.created_at DESC LIMIT 5) x)
  FROM situations_situation s
  JOIN agencies_site site ON site.id = s.site_id
  JOIN agencies_agency o ON o.id = s.originating_agency_id
  LEFT JOIN agencies_agency l ON l.id = s.lead_agency_id
 WHERE site.code = %s AND s.reference = %s
"""


def situation_detail(request, code: str, reference: str) -> HttpResponse:
    return _table(_rows(SITUATION_DETAIL, [code.upper(), reference.upper()]))


MINE = """
SELECT s.reference, site.code, s.accepted_at, s.response_due_at, s.first_contact_at, l.name
  FROM situations_situation s
  JOIN agencies_site site ON site.id = s.site_id
  LEFT JOIN agencies_agency l ON l.id = s.lead_agency_id
 WHERE s.status = 'open'
   AND s.site_id IN (SELECT site_id FROM agencies_membership WHERE user_id = %s)
   AND (s.lead_agency_id = %s OR EXISTS (
        SELECT 1 FROM situations_situation_assisting_agencies sa
         WHERE sa.situation_id = s.id AND sa.agency_id = %s))
 ORDER BY s.first_contact_at ASC NULLS FIRST, s.response_due_at
"""


def my_situations(request) -> HttpResponse:
    user = request.user
    return _table(_rows(MINE, [user.pk, user.agency_id, user.agency_id]))


DASHBOARD = """
SELECT s.status, s.age_group, s.gender, s.subject_type,
       date_trunc('month', s.first_presented_on), count(*)
  FROM situations_situation s
 WHERE s.first_presented_on BETWEEN %s AND %s AND s.status IN ('open', 'concluded', 'rejected')
 GROUP BY GROUPING SETS ((s.status), (s.age_group), (s.gender), (s.subject_type),
                         (date_trunc('month', s.first_presented_on)))
"""


def dashboard(request) -> HttpResponse:
    """The dashboard's counts by one GROUPING SETS query over the period (default: a year)."""
    end = timezone.localdate()
    start = end - timedelta(days=365)
    if request.GET.get("start"):
        start = date.fromisoformat(request.GET["start"])
    if request.GET.get("end"):
        end = date.fromisoformat(request.GET["end"])
    return _table(_rows(DASHBOARD, [start, end]))
