"""The one way the portal writes an Excel workbook: the sheets' XML written as text and streamed in a zip.

A spreadsheet library builds an object per cell and serialises it element by element; for a call-off list
of 20,000 rows that took seconds. Here a row is a few string joins, the zip is written as the rows come
(a chunk per batch of rows, so memory does not grow with the list), and the download starts at once.

Cells: text as inline strings (never a formula, whatever it starts with), int and float as numbers,
Decimal as a number shown with 2 decimal places, date as a date (yyyy-mm-dd), datetime as date and time,
bool as TRUE/FALSE; None and "" leave the cell empty. A sheet's first row can be bold headings, frozen
at the top.
"""
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from portal import clock

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# the cell styles of styles.xml below, by position in cellXfs
BOLD, MONEY, DATE, DATETIME = 1, 2, 3, 4
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

#: characters XML 1.0 cannot hold at all (a spreadsheet would refuse the file): dropped from text
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = date(1899, 12, 30)  # day 0 of a spreadsheet's dates (1900 date system, after the 1900 leap-year bug)


@dataclass
class Sheet:
    """A sheet's name and its rows (any iterable of sequences, read once); heading: a bold, frozen first row."""

    name: str
    rows: Iterable
    heading: tuple | None = None
    #: each column's width in characters (the first columns; the others keep the default)
    widths: tuple = ()


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    if _NOT_XML.search(value):
        value = _NOT_XML.sub("", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return '<is><t xml:space="preserve">' + value + "</t></is>"
    return "<is><t>" + value + "</t></is>"


def _body(value, style: int = 0) -> str | None:
    """A cell's XML after its reference: its type, style and value (None for an empty cell)."""
    kind = type(value)
    if kind is str:
        if not value:
            return None
        if style:
            return f' s="{style}" t="inlineStr">{_text(value)}</c>'
        return f' t="inlineStr">{_text(value)}</c>'
    if value is None:
        return None
    if kind is bool:
        return f' t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        return f"><v>{value!r}</v></c>"
    if kind is Decimal:
        return f' s="{MONEY}"><v>{value}</v></c>'
    if kind is date:
        return f' s="{DATE}"><v>{(value - _EPOCH).days}</v></c>'
    if kind is datetime:
        if value.tzinfo is not None:
            value = clock.london(value).replace(tzinfo=None)
        delta = value - datetime(1899, 12, 30)
        return f' s="{DATETIME}"><v>{delta.days + delta.seconds / 86400:.8f}</v></c>'
    if isinstance(value, str):  # a str subclass, like Markup or a str enum
        return _body(str(value), style)
    raise TypeError(f"an Excel cell cannot hold {kind.__name__}")


def _row(number: int, values, letters: list[str], texts: dict, style: int = 0) -> str:
    """One row's XML; texts remembers the XML of text values already seen (they repeat down a column)."""
    n = str(number)
    cells = []
    for letter, value in zip(letters, values):
        if type(value) is str and not style:
            body = texts.get(value)
            if body is None:
                if len(texts) > 10_000:
                    texts.clear()
                body = texts[value] = _body(value) or ""
        else:
            body = _body(value, style) or ""
        if body:
            cells.append(f'<c r="{letter}{n}"{body}')
    return f'<row r="{n}">' + "".join(cells) + "</row>"


def _sheet_xml(sheet: Sheet, selected: bool, batch_size: int) -> Iterator[str]:
    """The sheet's XML in pieces of batch_size rows."""
    tab = ' tabSelected="1"' if selected else ""
    if sheet.heading:
        view = (f'<sheetView workbookViewId="0"{tab}><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                f'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>')
    else:
        view = f'<sheetView workbookViewId="0"{tab}/>'
    cols = "".join(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                   for i, width in enumerate(sheet.widths, start=1))
    yield (f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}"><sheetViews>{view}</sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')
    letters = [column_letters(i) for i in range(64)]
    texts = {}
    number = 0
    if sheet.heading:
        number = 1
        yield _row(1, sheet.heading, letters, texts, BOLD)
    batch = []
    for row in sheet.rows:
        number += 1
        if len(row) > len(letters):
            letters = [column_letters(i) for i in range(len(row))]
        batch.append(_row(number, row, letters, texts))
        if len(batch) >= batch_size:
            yield "".join(batch)
            batch.clear()
    batch.append("</sheetData></worksheet>")
    yield "".join(batch)


class _Chunks:
    """A file that keeps what is written to it until taken (the zip's bytes, as they are made)."""

    def __init__(self):
        self.chunks = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _package_parts(sheets: list[Sheet], title: str) -> list[tuple[str, str]]:
    """The workbook's small parts: content types, relationships, properties, the workbook and its styles."""
    def esc(text):
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    content_types = (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        f'{overrides}</Types>')
    root_rels = (
        f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{PKG_REL_NS}/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{REL_NS}/extended-properties" Target="docProps/app.xml"/>'
        '</Relationships>')
    created = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        f'{XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:title>{esc(title)}</dc:title><dc:creator>Care DPS portal</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified></cp:coreProperties>')
    app = (f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           '<Application>Care DPS portal</Application></Properties>')
    workbook = (
        f'{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><bookViews><workbookView activeTab="0"/></bookViews>'
        '<sheets>' + "".join(f'<sheet name="{esc(sheet.name)}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, sheet in enumerate(sheets, start=1))
        + '</sheets></workbook>')
    workbook_rels = (
        f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, len(sheets) + 1))
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>')
    return [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels), ("docProps/core.xml", core),
            ("docProps/app.xml", app), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/styles.xml", STYLES)]


def workbook_stream(sheets: list[Sheet], *, title: str = "", batch_size: int = 500,
                    compresslevel: int = 1) -> Iterator[bytes]:
    """The .xlsx file's bytes, a chunk per batch of rows; each sheet's rows are read once, as they come."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    out = _Chunks()
    # the output cannot seek, so zipfile writes each entry's sizes after its data (a data descriptor)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as package:
        for name, xml in _package_parts(sheets, title):
            package.writestr(name, xml)
        yield out.take()
        for number, sheet in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                for piece in _sheet_xml(sheet, number == 1, batch_size):
                    part.write(piece.encode("utf-8"))
                    if out.chunks:
                        yield out.take()
    yield out.take()
