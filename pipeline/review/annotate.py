"""Copies of the clerk's workbooks with each finding's cell highlighted and commented.

The files in inputs/ are never touched: the copies go to the output folder.

A copy is made by editing the .xlsx package directly: every part is copied as it
is except the few that change (the styles, the marked sheets, their relationships,
the content types) and the new comment parts.  Importing and running openpyxl
costs more than the rest of a build, so it is only the fallback, for a package
this path does not edit: a workbook that already has comments or other VML
shapes, or anything unexpected (openpyxl then rewrites the whole workbook, as
it always did).
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from pipeline.errors import describe
from pipeline.findings import Finding, Severity
from pipeline.inputs.values import strip_forbidden
from pipeline.office.opc import Element, Package, serialize
from pipeline.office.sml import (
    MAX_COLUMN,
    MAX_ROW,
    cell_ref,
    insert_worksheet_child,
    parse_cell,
    parse_range,
    range_ref,
)
from pipeline.office.xlsx import order_fonts, use_excel_font_order
from pipeline.outputs import atomic_write

FILL_RGB = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "DDEBF7"}
AUTHOR = "檢核程式"
NOTE_WIDTH = 320  # pixels, as the comment box is drawn


def _note_height(lines: int) -> int:
    return 40 + 60 * lines


Cell = tuple[str, str]  # sheet name, cell reference


def mark_workbooks(inputs_dir: Path, findings: list[Finding], out_dir: Path) -> tuple[list[Path], list[str]]:
    """Write a marked copy of every workbook that has findings into ``out_dir``.

    Returns the copies written and, for a workbook that could not be marked, why: the
    copies are a convenience, so one that fails never stops the build."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.source is not None:
            by_file[finding.source.workbook].append(finding)
    # An .ods is marked as .xlsx and converted back by LibreOffice: its copy is an .ods.
    ods = {name: by_file.pop(name) for name in list(by_file) if name.lower().endswith(".ods")}
    written, problems = [], []
    for name, items in sorted(by_file.items()):
        source = inputs_dir / name
        if not source.is_file():
            continue
        path = out_dir / name
        try:
            with atomic_write(path) as tmp:
                try:
                    _mark_package(source, items, tmp)
                except Exception:  # anything the direct path does not expect: openpyxl's way
                    _mark_with_openpyxl(source, items, tmp)
        except Exception as exc:  # neither could: the report stands, the copy is left out
            problems.append(f"無法寫出 {name} 的檢核標示副本：{describe(exc)}")
            continue
        written.append(path)
    if ods:
        more, why = _mark_ods(inputs_dir, ods, out_dir)
        written, problems = written + more, problems + why
    return written, problems


def _mark_ods(inputs_dir: Path, by_file: dict[str, list[Finding]], out_dir: Path) -> tuple[list[Path], list[str]]:
    """Marked copies of .ods workbooks: converted to .xlsx, marked, converted back (LibreOffice)."""
    from pipeline.errors import PipelineError
    from pipeline.submit.libreoffice import Job, Office

    names = [name for name in sorted(by_file) if (inputs_dir / name).is_file()]
    try:
        office = Office()
    except PipelineError as exc:  # no LibreOffice: the copies are a convenience
        return [], [f"無法寫出 {name} 的檢核標示副本：{exc}" for name in names]
    written, problems = [], []
    with office:
        folder = office.work / "marks"
        opened = office.convert_all(
            [Job(inputs_dir / n, (("xlsx", folder / f"{i}.xlsx"),)) for i, n in enumerate(names)]
        )
        back = []
        for i, (name, error) in enumerate(zip(names, opened, strict=True)):
            marked = folder / f"{i}-marked.xlsx"
            try:
                if error is not None:
                    raise error
                try:
                    _mark_package(folder / f"{i}.xlsx", by_file[name], marked)
                except Exception:  # as for an .xlsx: openpyxl's way
                    _mark_with_openpyxl(folder / f"{i}.xlsx", by_file[name], marked)
            except Exception as exc:
                problems.append(f"無法寫出 {name} 的檢核標示副本：{exc}")
                continue
            back.append((name, Job(marked, (("ods", out_dir / name),))))
        for (name, _job), error in zip(back, office.convert_all([job for _, job in back]), strict=True):
            if error is None:
                written.append(out_dir / name)
            else:
                problems.append(f"無法寫出 {name} 的檢核標示副本：{error}")
    return written, problems


def _group(
    items: list[Finding], sheetnames: list[str], top_left: Callable[[str, str], str]
) -> dict[Cell, list[Finding]]:
    """Findings by the cell that shows them: unknown sheet → first sheet, no or bad cell → A1."""
    notes: dict[Cell, list[Finding]] = defaultdict(list)
    for finding in items:
        source = finding.source
        if source is None:  # (only findings with a source are marked)
            continue
        sheet = source.sheet if source.sheet is not None and source.sheet in sheetnames else sheetnames[0]
        cell = source.cell if source.cell is not None and parse_cell(source.cell) else "A1"
        notes[(sheet, top_left(sheet, cell))].append(finding)
    return notes


def _worst(group: list[Finding]) -> Severity:
    return min((f.severity for f in group), key=list(Severity).index)


def _note_text(group: list[Finding]) -> str:
    return strip_forbidden("\n".join(f"[{f.severity.label}] {f.heading}：{f.message}" for f in group))


# --- the fallback: openpyxl ------------------------------------------------------------------


def _mark_with_openpyxl(source: Path, items: list[Finding], target: Path) -> None:
    """Mark a copy with openpyxl (load and save the whole workbook)."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(source)

    def top_left(sheet: str, ref: str) -> str:
        # A merged cell is marked on its range's top-left cell (the others cannot hold a comment).
        for rng in book[sheet].merged_cells.ranges:
            if ref in rng:
                return cell_ref(rng.min_row, rng.min_col)
        return ref

    for (sheet, ref), group in _group(items, book.sheetnames, top_left).items():
        cell = book[sheet][ref]
        cell.fill = PatternFill("solid", fgColor=FILL_RGB[_worst(group)])
        cell.comment = Comment(_note_text(group), AUTHOR, width=NOTE_WIDTH, height=_note_height(len(group)))
    use_excel_font_order()
    book.save(target)


# --- the direct path: the package's XML ------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RT = REL_NS + "/"
RT_WORKSHEET, RT_STYLES = RT + "worksheet", RT + "styles"
RT_COMMENTS, RT_VML = RT + "comments", RT + "vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class _Unhandled(Exception):
    """The package holds something the direct path does not edit; openpyxl marks it instead."""


def _q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


def _targets(package: Package, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part name) of ``part``'s internal relationships."""
    return {rid: (rel_type, target) for rid, rel_type, target in package.relationships(part)}


def _mark_package(source: Path, items: list[Finding], target: Path) -> None:
    """Write the marked copy of ``source`` to ``target`` by editing its XML parts directly."""
    package = Package.read(source, what="Excel 活頁簿")
    if any(name.lower().endswith(".vml") for name in package.parts):
        # VML shape ids are numbered across the workbook; another VML part (comments,
        # header images, form controls) would have to be read and renumbered.
        raise _Unhandled("the workbook already has VML drawings")
    workbook = package.main_part()
    if workbook is None:
        raise _Unhandled("no workbook part")
    related = _targets(package, workbook)
    sheets: dict[str, str] = {}
    for sheet_el in package.xml(workbook).iter(_q("sheet")):
        rel_id, name = sheet_el.get(_q("id", REL_NS)), sheet_el.get("name")
        if rel_id not in related or name is None:
            raise _Unhandled("a sheet without its relationship or name")
        rel_type, part = related[rel_id]
        sheets[name] = part if rel_type == RT_WORKSHEET else ""
    styles = next((part for rel_type, part in related.values() if rel_type == RT_STYLES), None)
    if not sheets or styles is None:
        raise _Unhandled("no sheets or no styles")

    def top_left(sheet: str, ref: str) -> str:
        if not sheets[sheet]:
            raise _Unhandled(f"{sheet} is not a worksheet")
        row, column = _place(ref)
        for merge in package.xml(sheets[sheet]).iter(_q("mergeCell")):
            area = parse_range(merge.get("ref"))
            if area and area[0] <= row <= area[2] and area[1] <= column <= area[3]:
                return cell_ref(area[0], area[1])
        return ref

    notes = _group(items, list(sheets), top_left)
    styles_root = package.xml(styles, edit=True)
    order_fonts(styles_root)  # a workbook saved in openpyxl's font order comes out valid
    cell_style = _CellStyles(styles_root)
    by_sheet: dict[str, dict[str, list[Finding]]] = defaultdict(dict)
    for (sheet, ref), group in notes.items():
        by_sheet[sheet][ref] = group
    data_id = 1
    for sheet, cells in by_sheet.items():
        part = sheets[sheet]
        _check_no_comments(package, part)
        grid = _SheetGrid(package.xml(part, edit=True))
        placed: list[tuple[int, int, list[Finding]]] = []
        for ref, group in cells.items():
            row, column = _place(ref)
            cell = grid.cell(row, column)
            cell.set("s", str(cell_style.with_fill(grid.style_of(cell, row, column), _worst(group))))
            placed.append((row, column, group))
        placed.sort(key=lambda p: (p[0], p[1]))
        data_id = _add_comments(package, part, grid, placed, data_id)
    types = package.xml("[Content_Types].xml")
    if not any(d.get("Extension", "").lower() == "rels" for d in types.iter(_q("Default", CT_NS))):
        raise _Unhandled("relationship parts are not declared by extension")
    package.save(target)


def _place(ref: str) -> tuple[int, int]:
    """(row, column) of a cell reference that _group checked (A1 where it had none)."""
    place = parse_cell(ref)
    if place is None:
        raise _Unhandled(f"not a cell reference: {ref}")
    return place


def _whole_number(node: Element, name: str) -> int:
    """An attribute the direct path needs (a row's number, a column range's ends)."""
    value = node.get(name)
    if value is None:
        raise _Unhandled(f"{etree.QName(node).localname} without {name}")
    return int(value)


def _check_no_comments(package: Package, part: str) -> None:
    if package.xml(part).find(_q("legacyDrawing")) is not None:
        raise _Unhandled(f"{part} already has a legacy drawing")
    if any(rel_type in (RT_COMMENTS, RT_VML) for rel_type, _ in _targets(package, part).values()):
        raise _Unhandled(f"{part} already has comments")


class _CellStyles:
    """The styles part's fills and cell formats, extended with the marking fills."""

    def __init__(self, root: Element):
        fills, xfs = root.find(_q("fills")), root.find(_q("cellXfs"))
        if fills is None or xfs is None or not len(xfs):
            raise _Unhandled("styles without fills or cell formats")
        self.fills, self.xfs = fills, xfs
        self.fill_ids: dict[Severity, int] = {}
        self.clones: dict[tuple[int, Severity], int] = {}

    def _fill(self, severity: Severity) -> int:
        if severity not in self.fill_ids:
            fill = etree.SubElement(self.fills, _q("fill"))
            pattern = etree.SubElement(fill, _q("patternFill"), patternType="solid")
            etree.SubElement(pattern, _q("fgColor"), rgb="FF" + FILL_RGB[severity])
            etree.SubElement(pattern, _q("bgColor"), indexed="64")
            self.fills.set("count", str(len(self.fills.findall(_q("fill")))))
            self.fill_ids[severity] = len(self.fills.findall(_q("fill"))) - 1
        return self.fill_ids[severity]

    def with_fill(self, xf_id: int, severity: Severity) -> int:
        """The index of a cell format like ``xf_id`` but filled in the severity's colour."""
        key = (xf_id, severity)
        if key not in self.clones:
            formats = self.xfs.findall(_q("xf"))
            if xf_id >= len(formats):
                raise _Unhandled(f"cell format {xf_id} does not exist")
            clone = copy.deepcopy(formats[xf_id])
            clone.set("fillId", str(self._fill(severity)))
            clone.set("applyFill", "1")
            self.xfs.append(clone)
            self.xfs.set("count", str(len(formats) + 1))
            self.clones[key] = len(formats)
        return self.clones[key]


class _SheetGrid:
    """A worksheet's rows and cells, found by number and inserted in order when missing."""

    def __init__(self, root: Element):
        self.root = root
        data = root.find(_q("sheetData"))
        if data is None:
            raise _Unhandled("worksheet without sheetData")
        self.data = data
        self.rows: dict[int, Element] = {}
        for row in data.findall(_q("row")):
            self.rows[_whole_number(row, "r")] = row
        fmt = root.find(_q("sheetFormatPr"))
        width, height = (None, None) if fmt is None else (fmt.get("defaultColWidth"), fmt.get("defaultRowHeight"))
        self.column_px = int(float(0 if width is None else width) * 7 + 0.5) or 64
        self.row_px = round(float(15 if height is None else height) * 4 / 3)
        self.columns: list[tuple[int, int, Element]] = [
            (_whole_number(col, "min"), _whole_number(col, "max"), col)
            for col in root.findall(f"{_q('cols')}/{_q('col')}")
        ]

    def cell(self, row: int, column: int) -> Element:
        """The ``<c>`` at (row, column), created (with its row) in order when absent."""
        ref = cell_ref(row, column)
        row_el = self.rows.get(row)
        if row_el is None:
            row_el = etree.Element(_q("row"), r=str(row))
            later = [r for r in self.rows if r > row]
            if later:
                self.rows[min(later)].addprevious(row_el)
            else:
                self.data.append(row_el)
            self.rows[row] = row_el
        for cell in row_el.findall(_q("c")):
            found = parse_cell(cell.get("r"))
            if found is None or found[0] != row:
                raise _Unhandled(f"a cell without a proper reference in row {row}")
            if found[1] == column:
                return cell
            if found[1] > column:
                new = etree.Element(_q("c"), r=ref)
                cell.addprevious(new)
                break
        else:
            new = etree.SubElement(row_el, _q("c"), r=ref)
        self._widen(row_el, row, column)
        return new

    def _widen(self, row_el: Element, row: int, column: int) -> None:
        """Keep the row's spans and the sheet's dimension around a new cell."""
        spans = row_el.get("spans")
        if spans:
            first, _, last = spans.partition(":")
            if " " in spans or not (first.isdigit() and last.isdigit()):
                del row_el.attrib["spans"]  # optional, a hint only
            else:
                row_el.set("spans", f"{min(int(first), column)}:{max(int(last), column)}")
        dimension = self.root.find(_q("dimension"))
        if dimension is not None:
            area = parse_range(dimension.get("ref"))
            if area:
                top, left = min(area[0], row), min(area[1], column)
                bottom, right = max(area[2], row), max(area[3], column)
                dimension.set("ref", range_ref(top, left, bottom, right))

    def style_of(self, cell: Element, row: int, column: int) -> int:
        """The cell format shown at a cell: its own, else its row's, else its column's."""
        if (own := cell.get("s")) is not None:
            return int(own)
        row_el = self.rows[row]
        if row_el.get("customFormat") in ("1", "true") and (row_style := row_el.get("s")) is not None:
            return int(row_style)
        for first, last, col in self.columns:
            if first <= column <= last and (column_style := col.get("style")) is not None:
                return int(column_style)
        return 0

    def width_px(self, column: int) -> int:
        """A column's width in pixels (1-based column)."""
        for first, last, col in self.columns:
            if first <= column <= last:
                if col.get("hidden") in ("1", "true"):
                    return 0
                if (width := col.get("width")) is not None:
                    return int(float(width) * 7 + 0.5)
        return self.column_px

    def height_px(self, row: int) -> int:
        """A row's height in pixels (1-based row)."""
        row_el = self.rows.get(row)
        if row_el is not None:
            if row_el.get("hidden") in ("1", "true"):
                return 0
            if (height := row_el.get("ht")) is not None:
                return round(float(height) * 4 / 3)
        return self.row_px


def _note_box(grid: _SheetGrid, row: int, column: int, width: int, height: int) -> tuple[int, int, str]:
    """Where the comment box is drawn, as Excel places a new note (one column right of its
    cell, from a row above it): left and top in pixels, and the VML anchor (from and to
    column, offset, row, offset; zero-based)."""
    start_col, x1 = column + 1, 15  # 1-based columns and rows here
    start_row, y1 = (row - 1, 10) if row > 1 else (1, 2)
    left = sum(grid.width_px(c) for c in range(1, start_col)) + x1
    top = sum(grid.height_px(r) for r in range(1, start_row)) + y1
    end_col, x2 = start_col, x1 + width
    while x2 >= grid.width_px(end_col) and end_col < MAX_COLUMN:
        x2 -= grid.width_px(end_col)
        end_col += 1
    end_row, y2 = start_row, y1 + height
    while y2 >= grid.height_px(end_row) and end_row < MAX_ROW:
        y2 -= grid.height_px(end_row)
        end_row += 1
    anchor = f"{start_col - 1}, {x1}, {start_row - 1}, {y1}, {end_col - 1}, {x2}, {end_row - 1}, {y2}"
    return left, top, anchor


_VML_HEAD = """<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" \
xmlns:x="urn:schemas-microsoft-com:office:excel">
 <o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>
 <v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">
  <v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/>
 </v:shapetype>
"""
_VML_SHAPE = """ <v:shape id="_x0000_s{id}" type="#_x0000_t202" style="{style}" fillcolor="#ffffe1" \
o:insetmode="auto">
  <v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>
  <v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>
  <x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor>\
<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{column}</x:Column></x:ClientData>
 </v:shape>
"""


def _add_comments(
    package: Package, part: str, grid: _SheetGrid, placed: list[tuple[int, int, list[Finding]]], data_id: int
) -> int:
    """Give the sheet a comments part and its VML drawing; the next free VML id block."""
    # lxml-stubs types nsmap as str → str; lxml takes None for the default namespace.
    comments = etree.Element(_q("comments"), nsmap={None: MAIN})  # type: ignore[dict-item]
    etree.SubElement(etree.SubElement(comments, _q("authors")), _q("author")).text = AUTHOR
    listed = etree.SubElement(comments, _q("commentList"))
    blocks = len(placed) // 1024 + 1  # each idmap number names 1024 shape ids
    vml = [_VML_HEAD.format(data=",".join(str(n) for n in range(data_id, data_id + blocks)))]
    for index, (row, column, group) in enumerate(placed, start=1):
        ref = cell_ref(row, column)
        note = etree.SubElement(listed, _q("comment"), ref=ref, authorId="0", shapeId="0")
        text = etree.SubElement(etree.SubElement(note, _q("text")), _q("t"))
        text.text = _note_text(group)
        text.set(XML_SPACE, "preserve")
        height = _note_height(len(group))
        left, top, anchor = _note_box(grid, row, column, NOTE_WIDTH, height)
        style = (
            f"position:absolute;margin-left:{left * 0.75:g}pt;margin-top:{top * 0.75:g}pt;"
            f"width:{NOTE_WIDTH * 0.75:g}pt;height:{height * 0.75:g}pt;z-index:{index};"
            "visibility:hidden"
        )
        vml.append(
            _VML_SHAPE.format(id=1024 * data_id + index, style=style, anchor=anchor, row=row - 1, column=column - 1)
        )
    vml.append("</xml>")
    number = package.unused_number("xl/comments%d.xml", "xl/drawings/vmlDrawing%d.vml")
    comments_part, vml_part = f"xl/comments{number}.xml", f"xl/drawings/vmlDrawing{number}.vml"
    package.add_part(comments_part, serialize(comments), CT_COMMENTS)
    package.add_media(vml_part, "".join(vml).encode("utf-8"), CT_VML)
    package.relate(part, RT_COMMENTS, comments_part)
    rid = package.relate(part, RT_VML, vml_part)
    sheet = grid.root
    drawing = etree.Element(_q("legacyDrawing"), nsmap={"r": REL_NS})
    drawing.set(_q("id", REL_NS), rid)
    insert_worksheet_child(sheet, drawing)
    return data_id + blocks
