"""Reading a report back into section workbooks: ``report pull``.

The inverse of word/context.py, driven by the same data: the report is aligned
with its Word template (:mod:`pipeline.review.align`), and every value the
template placed is read back through its recipe in form.yaml's report map
(:class:`pipeline.form.codec.Decoder`): the official tables cell by cell, the
figures placed in sentences, the paragraph loops, the annex lines and the
free-layout part.  The result is a new set of section workbooks, so a clerk can
take a reviewer's corrections back into the data or start a new year from last
year's file.  Computed figures are not data: they are computed again from what
was read, and where the report shows another value (a reviewer changed a total
or a rate), that is listed as a notice with the numbers it comes from.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import InputError, OutputError
from pipeline.form.codec import Decoder, Encoder, wording_pattern
from pipeline.form.spec import AnnexSpec, FieldSpec, Form
from pipeline.form.tablemap import Recipe, TableSpec
from pipeline.office.celltext import safe_sheet_name
from pipeline.outputs import umask
from pipeline.review.align import Block, Cond, Item, Loop, Para, align, outline
from pipeline.review.document import Table
from pipeline.review.report_file import ReportFile, open_report
from pipeline.word.template import check_against_form, load_template

if TYPE_CHECKING:
    from pipeline.inputs.records import Inputs

TICK = "V"


@dataclass
class PullResult:
    """What ``pull_report`` wrote, and what it could not read back (or found changed)."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read back
    notices: list[str] = field(default_factory=list)  # computed figures the report shows otherwise


class Sink:
    """The records read back, by sheet id: one dict for a fields sheet, a list for a table."""

    def __init__(self, form: Form):
        self.form = form
        self.fields: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.free_tables: dict[str, dict[str, Any]] = {}
        self.shown_figures: dict[str, str] = {}

    def put(self, ref: str, value: Any) -> None:
        """Set ``sheet.key`` of a fields sheet."""
        sheet_id, _, key = ref.rpartition(".")
        self.fields.setdefault(sheet_id, {})[key] = value

    def add_row(self, sheet_id: str, values: dict[str, Any]) -> None:
        self.rows.setdefault(sheet_id, []).append(values)


class Puller:
    """Reads one report back through the form's report map."""

    def __init__(self, report: ReportFile, form: Form):
        self.report = report
        self.form = form
        self.decoder = Decoder(form)
        self.prepared = load_template(form.template_path)
        check_against_form(self.prepared, form)
        self.sink = Sink(form)
        self.notes: list[str] = []

    # -- values placed in paragraphs -------------------------------------------------------
    def value(self, path: str, texts: list[str]) -> None:
        """Read the value the template placed at ``path`` from the report's text(s)."""
        recipe = self.form.values.get(path)
        if recipe is None:
            return  # a loop variable of the template, read with its loop
        self.decode(recipe, texts, None)

    def decode(self, recipe: Recipe, texts: list[str], sheet_id: str | None) -> None:
        kind = recipe.kind
        text = "\n".join(texts)
        sink, form = self.sink, self.form
        if kind == "report_title":
            self.title(text)
        elif kind == "figure" and recipe.figure is not None:
            sink.shown_figures[recipe.figure] = text.strip()
            if recipe.stated and text.strip():
                sink.put(recipe.stated, self.decoder.number(text))
        elif kind == "items":
            self.items(recipe, texts)
        elif kind == "annexes":
            self.annex_lines(texts)
        elif kind == "paragraphs" and recipe.paragraphs is not None and _is_table_field(form, recipe.paragraphs):
            sheet, _, key = recipe.paragraphs.rpartition(".")
            for paragraph in texts:
                if paragraph.strip():
                    sink.add_row(sheet, {key: paragraph.strip()})
        elif kind in ("text", "number", "groups", "paragraphs", "date", "count", "join", "lines"):
            out: dict[str, Any] = {}
            self.cell([recipe], text, out)
            for ref, value in out.items():
                sink.put(ref, value)
        # numbering, const, none_if_empty, group_rules: nothing of the records

    def cell(self, recipes: list[Recipe], text: str, out: dict[str, Any]) -> None:
        """Decode one cell (or one placed text) made by ``recipes``."""
        if len(recipes) == 1 and recipes[0].kind == "join":
            recipes = list(recipes[0].join or ())
        for recipe in recipes:
            if recipe.figure is not None:  # computed, not data: kept to compare (notices)
                self.sink.shown_figures[recipe.figure] = text.strip()
        self.decoder.cell([r for r in recipes if r.kind != "figure"], text, out, self._choices)

    def _choices(self, ref: str) -> tuple[str, ...]:
        for sheet_id, (_wb, spec) in self.form.sheets.items():
            for f in spec.specs:
                if f.key == ref or f"{sheet_id}.{f.key}" == ref:
                    return f.choices
        return ()

    def title(self, text: str) -> None:
        """The title names the agency and the year (form.yaml `title`)."""
        m = _title_pattern(self.form).fullmatch(text.strip())
        if m is None:
            self.notes.append(f"無法由標題「{text.strip()}」讀出機關名稱及年度")
            return
        self.sink.put(self.form.identity.agency, m.group("agency"))
        self.sink.put(self.form.identity.year, int(m.group("year")))

    def items(self, recipe: Recipe, texts: list[str]) -> None:
        """Numbered paragraphs back into rows: a paragraph with the lead starts a row."""
        lead = self.lead_pattern(recipe)
        body = recipe.body or ""
        rows: list[dict[str, Any]] = []
        for text in texts:
            m = lead.match(text)
            if m:
                row = {body: text[m.end() :].strip()}
                if recipe.name:
                    row[recipe.name] = m.group("title").strip()
                rows.append(row)
            elif rows:
                rows[-1][body] += "\n" + text.strip()
            elif recipe.items:
                self.notes.append(f"「{text.strip()[:30]}」不在任何一項之下，未讀回")
        for row in rows:
            self.sink.add_row(recipe.items or "", row)

    def lead_pattern(self, recipe: Recipe) -> re.Pattern[str]:
        wording = self.form.wording[recipe.lead or ""]
        pattern = wording_pattern(wording, {"n": r"\d+", "n_zh": "[一二三四五六七八九十]+", "title": ".*?"})
        return re.compile(pattern.pattern.removesuffix(r"\s*"), re.DOTALL)  # the lead starts the text

    def annex_lines(self, texts: list[str]) -> None:
        """The sub-annex lines back into the 附件 sheet of the annex line above them (and the
        fields an annex's title shows back into their sheets)."""
        lines = [(_annex_line(a), a) for a in self.form.annexes]
        current = None
        for text in texts:
            found = next(((m, a) for pattern, a in lines if (m := pattern.fullmatch(_squash(text)))), None)
            if found is not None:
                m, current = found
                for name, ref in current.fields.items():
                    self.sink.put(ref, m.group(name))
                continue
            m = wording_pattern(self.form.sub_annex_line, {}).fullmatch(text)
            if m and current is not None and current.subs:
                self.sink.add_row(current.subs, {key: value.strip() for key, value in m.groupdict().items()})

    # -- tables -------------------------------------------------------------------------------
    def table(self, table_id: str, spec: TableSpec, grid: list[list[str]]) -> None:
        body = grid[spec.header_rows : len(grid) - spec.footer_rows if spec.footer_rows else None]
        if spec.footer_rows and len(grid) > spec.header_rows:
            footer = grid[-1]
            for path, col in spec.footer.items():
                if col < len(footer):
                    self.value(path, [footer[col]])
        if spec.grid:
            self.strategies(spec, body)
            return
        if len(body) == 1 and [c.strip() for c in body[0] if c.strip()] == [self.form.formats.none]:
            body = []
        sheet = self.form.sheets[spec.rows or ""][1]
        if sheet.kind == "fields":
            out: dict[str, Any] = {}
            for _col, recipes in _by_cell(spec, with_row=True):
                (row, col), cell_recipes = _col, recipes
                if row < len(body) and col < len(body[row]):
                    self.cell(cell_recipes, body[row][col], out)
            for key, value in out.items():
                self.sink.put(f"{spec.rows}.{key}" if "." not in key else key, value)
            return
        previous: dict[str, Any] = {}
        for index, cells in enumerate(body):
            out = {}
            for col, recipes in _by_cell(spec):
                chosen = [r for r in recipes if not (r.first_row and index > 0)]
                text = cells[col] if col < len(cells) else ""
                self.cell(chosen, text, out)
                for recipe in chosen:
                    if recipe.runs and recipe.field and not out.get(recipe.field):
                        out[recipe.field] = previous.get(recipe.field)  # a merged run
            previous = out
            row = {k: v for k, v in out.items() if "." not in k}
            for ref, value in out.items():
                if "." in ref:
                    self.sink.put(ref, value)
            self.sink.add_row(spec.rows or "", row)

    def strategies(self, spec: TableSpec, body: list[list[str]]) -> None:
        """Section 八's grid: the measures filed under each official item."""
        m = self.form.measures
        col = next(r.col for r in spec.cells.values() if r.measures)
        index = 0
        rows: list[dict[str, Any]] = []
        for cat in self.form.strategies:
            for n in range(1, len(cat.items) + 1):
                if index < len(body) and col is not None and col < len(body[index]):
                    for line in (ln.strip() for ln in body[index][col].split("\n")):
                        if not line:
                            continue
                        done = self.decoder.tick(line)
                        if done is not None:
                            rows.append({m.category: cat.number, m.item: n, m.name: self.decoder.strip_glyph(line),
                                         m.done: TICK if done else None})  # fmt: skip
                        elif rows:
                            rows[-1][m.name] += "\n" + line
                index += 1
        for row in rows:
            self.sink.add_row(m.sheet, row)

    def nested(self, table_id: str, spec: TableSpec, grid: list[list[str]]) -> None:
        for cells in grid[spec.header_rows :]:
            out: dict[str, Any] = {}
            for col, recipes in _by_cell(spec):
                self.cell(recipes, cells[col] if col < len(cells) else "", out)
            self.sink.add_row(spec.rows or "", out)

    # -- the free-layout part -----------------------------------------------------------------
    def free_layout(self, blocks: list[Block], staging: Path) -> None:
        layout = self.form.free_layout
        kinds = {self.prepared.style_id(name) or name: kind for kind, name in layout.styles.items()}
        plain = next((kind for kind, name in layout.styles.items() if name == "Normal"), None)
        for block in blocks:
            if isinstance(block.element, Table):  # a block of kind "tbl"
                name, sheet = self.report.free_table(block.element)
                base, n = name, 1
                while name in self.sink.free_tables:  # two tables without their sheet name: keep both
                    n += 1
                    name = safe_sheet_name(base, str(n))
                self.sink.free_tables[name] = sheet
                self.sink.add_row(layout.sheet, {layout.kind: layout.table_kind, layout.table: name,
                                                 layout.header_rows: sheet["header_rows"]})  # fmt: skip
                continue
            image = self.report.image(block.element, staging)
            if image:
                self.sink.add_row(layout.sheet, {layout.kind: layout.image_kind, layout.text: image})
            elif block.text.strip():
                kind = kinds.get(block.style, plain)
                self.sink.add_row(layout.sheet, {layout.kind: kind, layout.text: block.text})

    # -- everything ---------------------------------------------------------------------------
    def claims(self, item: Item, block: Block) -> bool | None:
        """True when ``block`` surely belongs to ``item`` (a loop's numbering, an annex line,
        「無」, the title's wording, a date where a date is placed), False when it surely does
        not, None when it cannot tell."""
        if block.kind != "p":
            return False
        if isinstance(item, Para):
            return self.fits(item, block.text)
        if isinstance(item, Cond):
            recipe = self.form.values.get(item.expr)
            return (
                recipe is not None and recipe.kind == "none_if_empty" and block.text.strip() == self.form.formats.none
            )
        if not isinstance(item, Loop):
            return False
        recipe = self.form.values.get(item.path)
        if recipe is None:
            return False
        if recipe.kind == "items":
            return self.lead_pattern(recipe).match(block.text) is not None
        if recipe.kind == "annexes":
            return any(p.fullmatch(_squash(block.text)) for p in self.annex_patterns())
        return False

    def fits(self, para: Para, text: str) -> bool | None:
        """Whether ``text`` has the shape of what the positional paragraph ``para`` places."""
        m = para.pattern().fullmatch(text)
        if m is None:
            return False
        for tag, value in zip(para.tags, m.groups(), strict=False):
            recipe = self.form.values.get(tag)
            if recipe is None:
                continue
            if recipe.kind == "report_title":
                return _title_pattern(self.form).fullmatch(value.strip()) is not None
            first = (recipe.join or recipe.lines or (recipe,))[0]
            if first.kind == "date":
                return self.decoder.date(value, first.format or "date_short")[0] is not None
        return None

    def annex_patterns(self) -> Iterator[re.Pattern[str]]:
        for annex in self.form.annexes:
            yield _annex_line(annex)
        yield wording_pattern(self.form.sub_annex_line, {})

    def run(self, staging: Path) -> None:
        items = outline(self.prepared.body)
        found = align(items, self.report.blocks, self.claims)
        for missing in found.missing:
            if isinstance(missing, Para):
                self.notes.append(f"報告中找不到「{missing.wording}」這一段，其中的數字未讀回")
        for block in found.extra:
            if block.kind == "p":
                shown = " ".join(block.text.split())
                self.notes.append(f"報告中多了一段「{shown[:40]}{'…' if len(shown) > 40 else ''}」，"
                                  "不在範本的任何位置（不屬於任何表格或清單），未讀回")  # fmt: skip
        for para, block in found.anchors:
            if para.tags:
                m = para.pattern().fullmatch(block.text)
                for tag, text in zip(para.tags, m.groups() if m else (), strict=False):
                    self.value(tag, [text.strip()])
        for item, blocks in found.gaps:
            texts = [b.text for b in blocks if b.kind == "p"]
            if isinstance(item, Para) and item.bookmark == self.form.free_layout.bookmark:
                self.free_layout(blocks, staging)
            elif isinstance(item, Para):
                m = item.pattern().fullmatch(texts[0]) if texts else None
                for tag, text in zip(item.tags, m.groups() if m else (), strict=False):
                    self.value(tag, [text.strip()])
            elif isinstance(item, Loop):
                self.value(item.path, texts)
        tables = self.report.tables
        for table_id, spec in self.form.tables.items():
            grid = tables.get(table_id)
            if grid is None:
                if spec.nested_in is None:
                    self.notes.append(f"報告中找不到表格「{spec.title or table_id}」，該表未讀回")
                continue
            if spec.nested_in is not None:
                self.nested(table_id, spec, grid)
            else:
                self.table(table_id, spec, grid)


def _by_cell(spec: TableSpec, with_row: bool = False) -> list[tuple[Any, list[Recipe]]]:
    """The recipes of a table's cells grouped by cell (column, or (row, column)), in order."""
    cells: dict[Any, list[Recipe]] = {}
    for recipe in spec.cells.values():
        where = (recipe.row or 0, recipe.col) if with_row else recipe.col
        cells.setdefault(where, []).append(recipe)
    return sorted(cells.items(), key=lambda item: item[0])


def _annex_line(annex: AnnexSpec) -> re.Pattern[str]:
    """A regex for an annex's line as the report prints it (spaces squashed), the fields
    its title shows as named groups."""
    marks = {name: f"\x00{i}\x00" for i, name in enumerate(annex.fields)}
    line = _squash(annex.line.format(number=annex.number, title=annex.title.format(**marks) if marks else annex.title))
    pattern = re.escape(line)
    for name, mark in marks.items():
        pattern = pattern.replace(re.escape(mark), f"(?P<{name}>.+?)")
    return re.compile(pattern)


def _title_pattern(form: Form) -> re.Pattern[str]:
    """The report title (form.yaml `title`) with its agency and year as groups."""
    pattern = re.escape(form.title).replace(r"\{agency\}", "(?P<agency>.+?)")
    return re.compile(pattern.replace(r"\{year\}", r"(?P<year>\d+)"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_table_field(form: Form, ref: str | None) -> bool:
    sheet_id = (ref or "").rpartition(".")[0]
    return sheet_id in form.sheets and form.sheets[sheet_id][1].kind == "table"


# -- writing the workbooks ------------------------------------------------------------------


def _cell_value(value: Any, field_type: str) -> Any:
    """A value read back as the clerk types it: numbers stay numbers, ticks the form's tick."""
    if value is None or value == "":
        return None
    if field_type == "checkbox":
        return TICK if value is True or value == TICK else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _by_header(values: dict[str, Any], specs: dict[str, FieldSpec]) -> dict[str, Any]:
    """Values by field key → by the workbook's column header (blank ones left out)."""
    out = {}
    for key, value in values.items():
        spec = specs.get(key)
        shown = _cell_value(value, spec.type) if spec is not None else None
        if spec is not None and shown is not None:
            out[spec.header] = shown
    return out


def workbook_data(sink: Sink, form: Form) -> dict[str, dict[str, Any]]:
    """The records read back as each workbook's sheets (sheet name → values by header)."""
    data: dict[str, dict[str, Any]] = {}
    for sheet_id, (wb_spec, spec) in form.sheets.items():
        specs = {f.key: f for f in spec.specs}
        book = data.setdefault(wb_spec.file, {})
        if spec.kind == "fields":
            if sheet_id in sink.fields:
                book[spec.name] = _by_header(sink.fields[sheet_id], specs)
        elif sheet_id in sink.rows:
            book[spec.name] = [_by_header(r, specs) for r in sink.rows[sheet_id]]
        if sheet_id == form.free_layout.sheet:
            book.update(sink.free_tables)
    return data


def figure_notices(sink: Sink, form: Form, folder: Path) -> list[str]:
    """Computed figures the report shows otherwise than the data read back gives."""
    if not sink.shown_figures:
        return []
    from pipeline.inputs.read import read_inputs
    from pipeline.report.compute import compute_report

    records, _ = read_inputs(folder, form)
    report = compute_report(records, form)
    encoder = Encoder(report, records)
    notices = []
    for name, shown in sink.shown_figures.items():
        computed = encoder.figure(name)
        if re.sub(r"\s+", "", shown) != re.sub(r"\s+", "", computed):
            sources = _figure_sources(name, form, records)
            notices.append(
                f"報告中的「{shown}」與讀回資料計算的「{computed}」不同（{sources}）；"
                "重新產生報告時以計算結果為準，若報告中的數字才正確，請修正來源資料"
            )
    return notices


def _figure_sources(name: str, form: Form, records: Inputs) -> str:
    """The numbers a figure is computed from, named by their workbook headers."""
    spec = form.figures[name]
    if spec.kind == "difference":
        return "由 " + "、".join(spec.of) + " 相減"
    sheet_id = spec.sheet or ""
    wb_spec, sheet = form.sheets[sheet_id]
    if spec.kind == "column_sum":
        header = form.field_spec(sheet_id, spec.column or "").header
        return f"{wb_spec.file} 工作表「{sheet.name}」各列「{header}」的合計"
    fields = records.fields(sheet_id)
    keys = [k for k in (spec.total, spec.part, spec.whole, *spec.parts) if k]
    shown = "、".join(f"{form.field_spec(sheet_id, k).header} {fields.get(k)}" for k in dict.fromkeys(keys))
    return f"{wb_spec.file} 工作表「{sheet.name}」：{shown}"


def pull_report(report_path: Path, out_dir: Path, form: Form, attachments: Path | None = None) -> PullResult:
    """Read ``report_path`` back into a new set of section workbooks in ``out_dir``.

    ``attachments``: a folder whose annex files are copied along (the inputs the report
    was built from), so that a build from ``out_dir`` finds its annexes.  Everything is
    written into a hidden folder first and renamed at the end, so a failure leaves no
    half-filled folder behind."""
    from pipeline.inputs.workbooks import write_workbook

    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise OutputError(f"輸出資料夾 {out_dir} 已有檔案；請指定新的資料夾（不會覆寫既有資料）")
    report = open_report(Path(report_path), form)
    if not set(report.tables) & set(form.tables):
        raise InputError(f"{Path(report_path).name} 不是本產生器產生的報告（找不到任何表單的官方表格）")
    staging = Path(tempfile.mkdtemp(prefix=".~pull-", dir=out_dir.parent if out_dir.parent.exists() else None))
    try:
        puller = Puller(report, form)
        puller.run(staging)
        data = workbook_data(puller.sink, form)
        for wb_spec in form.workbooks:
            write_workbook(wb_spec, form, staging / wb_spec.file, data.get(wb_spec.file, {}))
        copied = _copy_attachments(attachments, staging) if attachments else []
        notices = figure_notices(puller.sink, form, staging)
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        os.chmod(staging, 0o777 & ~umask())  # mkdtemp makes it 0700: a folder like any other
        shutil.move(str(staging), str(out_dir))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = [out_dir / wb.file for wb in form.workbooks] + [out_dir / p for p in copied]
    return PullResult(files, puller.notes, notices)


def _copy_attachments(source: Path, staging: Path) -> list[Path]:
    """The annex files of ``source``/attachments (not the pictures read from the report)."""
    from pipeline.report.annexes import ANNEX_FOLDER, is_annex_name

    folder = Path(source) / ANNEX_FOLDER
    if not folder.is_dir():
        return []
    copied = []
    for path in sorted(folder.iterdir()):
        target = staging / ANNEX_FOLDER / path.name
        if path.is_file() and not path.is_symlink() and is_annex_name(path) and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied.append(Path(ANNEX_FOLDER) / path.name)
    return copied
