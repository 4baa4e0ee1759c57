"""The one writer of every CSV and XLSX file the application hands out (docs/exports.md).

Spreadsheets run a cell that begins with `=`, `+`, `-` or `@` as a formula, and some treat a
leading tab or carriage return the same way once the file is edited or re-saved. Anyone who
can name an agency, a risk factor or a barrier category can put such a value into an export
that a chair or an evaluator later opens: a formula there can send the sheet's other cells to a
web address (HYPERLINK, WEBSERVICE) or, in older Excel, start a program (DDE). So, as the OWASP
guidance on CSV injection asks, every text cell that begins with one of those characters is
written with a leading apostrophe, which spreadsheets read as "this is text". Only text is
changed: a number, even a negative one, stays a number, and a date stays a date.

CSV: every field is quoted, so a value holding `;` cannot become a cell of its own (and then a
formula) in a spreadsheet set to a semicolon-separated locale. XLSX: text is forced to a string
cell, so openpyxl never stores it as a formula (it would for any string starting with `=`) or as
an error value (`#N/A`), and characters XLSX cannot hold are dropped rather than failing the
whole export.

defusedcsv was considered: it does not treat tab and carriage return, leaves strings that look
like numbers alone, and covers CSV only, while the same rule must hold for XLSX.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

# The characters OWASP lists as starting a formula (or, for tab and CR, a cell Excel re-reads).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBERS = (int, float, Decimal)  # bool is an int: written as such

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Column(NamedTuple):
    """A column of an export: a stable machine name and a translated heading for people."""

    name: str
    label: Any  # a lazily translated string


def neutralise(text: str) -> str:
    """Text a spreadsheet cannot take for a formula: prefixed with an apostrophe when it
    begins with one of the FORMULA_TRIGGERS; anything else unchanged."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_field(value: Any) -> Any:
    """One CSV field: numbers as they are, dates in ISO 8601, nothing as empty, and all
    other values (lazy translations included) as neutralised text."""
    if value is None:
        return ""
    if isinstance(value, NUMBERS):
        return value
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return neutralise(str(value))


class CsvWriter:
    """csv.writer with every field quoted and passed through csv_field."""

    def __init__(self, stream):
        self._writer = csv.writer(stream, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_field(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream) -> CsvWriter:
    return CsvWriter(stream)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str) -> tuple[HttpResponse, CsvWriter]:
    """An attachment response and the safe writer that fills it."""
    response = _attachment(HttpResponse(content_type=CSV_CONTENT_TYPE), filename)
    return response, CsvWriter(response)


def _xlsx_cell(sheet, value: Any, bold: bool = False) -> Cell | None:
    if value is None:
        return None  # an empty cell
    if isinstance(value, NUMBERS):
        cell = WriteOnlyCell(sheet, value=value)
    elif isinstance(value, datetime):
        # Excel has no time zones: the local wall-clock time, as people at the table read it.
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        cell = WriteOnlyCell(sheet, value=moment.replace(tzinfo=None))
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        # Dropped first, so a control character cannot hide a formula trigger behind it.
        text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell = WriteOnlyCell(sheet, value=text)
        # openpyxl infers a formula from a leading "=" and an error from "#N/A": never here.
        cell.data_type = "s"
    if bold:  # a header
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(
    title: str, header_rows: Sequence[Sequence[Any]], rows: Iterable[Sequence[Any]]
) -> bytes:
    """A one-sheet workbook: header rows in bold and frozen, then the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(ILLEGAL_CHARACTERS_RE.sub("", title)[:31] or "export")
    if header_rows:
        sheet.freeze_panes = f"A{len(header_rows) + 1}"
    for header in header_rows:
        sheet.append([_xlsx_cell(sheet, value, bold=True) for value in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str,
    title: str,
    header_rows: Sequence[Sequence[Any]],
    rows: Iterable[Sequence[Any]],
) -> HttpResponse:
    return _attachment(
        HttpResponse(xlsx_bytes(title, header_rows, rows), content_type=XLSX_CONTENT_TYPE),
        filename,
    )
