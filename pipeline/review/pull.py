"""Reading a report back into section workbooks: ``report pull``.

The inverse of context.py: the official tables, the figures placed in
paragraphs and headings, the annex lines and the free-layout part are read
from a generated (and perhaps reviewer-edited, or last year's) report and
written as a new set of section workbooks, so a clerk can take corrections
back into the data or start a new year from last year's file.  Computed
figures (shares, rates, totals' wording) are not pulled: they are computed
again from the pulled data.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from pipeline.errors import InputError, OutputError
from pipeline.form.fmt import date_pattern
from pipeline.form.spec import Form
from pipeline.inputs.workbooks import write_workbook
from pipeline.office.celltext import safe_sheet_name
from pipeline.office.wml import caption_of
from pipeline.outputs import safe_file_name
from pipeline.review.diff import _open
from pipeline.review.extract import W_P, W_TBL, W_TC, W_TR, cell_text, grid_rows, paragraph_text
from pipeline.word.context import COURSES, METHODS, TARGETS
from pipeline.word.template import load_template

Data = dict[str, dict[str, Any]]
TICK = "V"
UNTICK = "否"
BOXES = ("☑", "☐")
DONE = ("■", "□")
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
PIC_NS = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


@dataclass
class PullResult:
    """What ``pull_report`` wrote, and what it could not read back."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Block:
    kind: str  # "p" or "tbl"
    element: Any
    style: str = ""
    text: str = ""


def _style(p) -> str:
    el = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return el.get(qn("w:val")) if el is not None else "Normal"


def _body_rows(tbl, header_rows: int) -> list[list[str]]:
    """Body rows as one text per grid column (a spanned or vertically continued cell gives "")."""
    return grid_rows(tbl)[header_rows:]


def _is_none_row(row: list[str]) -> bool:
    return [c.strip() for c in row if c.strip()] == ["無"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _box(text: str) -> str | None:
    """A cell or line that starts with a checkbox glyph: V, 否, or None when it has none."""
    text = text.strip()
    if text.startswith(BOXES[0]):
        return TICK
    if text.startswith(BOXES[1]):
        return UNTICK
    return None


def _cell(row: list[str], columns: dict[str, Any], key: str) -> str:
    col = columns.get(key)
    return row[col] if isinstance(col, int) and col < len(row) else ""


_TAG = re.compile(r"{{\s*([A-Za-z_][\w.]*)\s*}}")


def placed_patterns(body_source: str) -> list[tuple[re.Pattern[str], tuple[str, ...], str]]:
    """Each template paragraph that places figures in its own wording (「總人數：{{
    s3.general.total }} 男性人數：…」) as a regex that reads them back from a report, with
    the tag each group stands for and the wording (for messages).  The wording comes from
    the template, so a reworded template is read back without a change here."""
    patterns = []
    for paragraph in re.findall(r"<w:p[ >].*?</w:p>", body_source, re.DOTALL):
        text = html.unescape(re.sub(r"<[^>]+>", "", paragraph))
        if "{%" in text or "{#" in text or "{{" not in text:
            continue
        tags = tuple(_TAG.findall(text))
        literals = _TAG.split(text)[::2]
        if text.count("{{") != len(tags) or not "".join(literals).strip():
            continue  # an expression, not a plain value; or nothing to recognise it by
        pieces = [r"\s*".join(re.escape(word) for word in literal.split()) for literal in literals]
        patterns.append(
            (re.compile(r"\s*" + "(.*?)".join(pieces) + r"\s*", re.DOTALL), tags, " ".join(_TAG.sub("…", text).split()))
        )
    return patterns


class _Reader:
    def __init__(self, doc: DocxDocument, form: Form):
        self.doc = doc
        self.form = form
        self.long_date = date_pattern(form.formats.date_long)  # as the report prints dates
        self.patterns = placed_patterns(load_template(form.template_path).body)
        self.blocks: list[_Block] = []
        self.tables: dict[str, Any] = {}
        self.notes: list[str] = []
        for child in doc.element.body.iterchildren():
            if child.tag == W_P:
                self.blocks.append(_Block("p", child, _style(child), paragraph_text(child)))
            elif child.tag == W_TBL:
                self.blocks.append(_Block("tbl", child))
                for tbl in child.iter(W_TBL):
                    caption = caption_of(tbl)
                    if caption:
                        self.tables[caption] = tbl

    # -- locating --------------------------------------------------------------------
    def rows(self, table_id: str) -> list[list[str]]:
        tbl = self.tables.get(table_id)
        if tbl is None:
            self.notes.append(f"報告中找不到表格「{table_id}」，該表未讀回")
            return []
        rows = _body_rows(tbl, self.form.tables[table_id].header_rows)
        if len(rows) == 1 and _is_none_row(rows[0]):
            return []
        return rows

    def section(self, numeral: str) -> list[_Block]:
        """The blocks after the Heading 1 of a section, up to the next Heading 1."""
        out: list[_Block] = []
        inside = False
        for block in self.blocks:
            if block.kind == "p" and block.style == "Heading1":
                if inside:
                    break
                inside = block.text.startswith(numeral + "、")
                if inside:
                    out.append(block)
                continue
            if inside:
                out.append(block)
        return out

    def roc_date(self, text: str) -> str | None:
        """A printed 民國 date at the start of ``text`` as the workbooks take it (109-07-10)."""
        m = self.long_date.match(text.strip())
        return f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}" if m else None

    def heading(self, numeral: str) -> str:
        blocks = self.section(numeral)
        return blocks[0].text if blocks else ""

    def paragraphs(self, numeral: str, style: str | None = None) -> list[_Block]:
        return [b for b in self.section(numeral)[1:] if b.kind == "p" and (style is None or b.style == style)]

    def placed(self, *tags: str) -> dict[str, str]:
        """The values the report shows for ``tags``, read through the template paragraph
        that places them (empty when no paragraph of the report matches it)."""
        wording = ""
        for regex, names, text in self.patterns:
            if not all(tag in names for tag in tags):
                continue
            wording = wording or text
            for block in self.blocks:
                m = regex.fullmatch(block.text) if block.kind == "p" else None
                if m:
                    found: dict[str, str] = {}
                    for name, value in zip(names, m.groups(), strict=True):
                        found.setdefault(name, value.strip())
                    return found
        self.notes.append(
            f"報告中找不到「{wording}」這一段，其中的數字未讀回"
            if wording
            else f"Word 範本中沒有放置 {'、'.join(tags)} 的段落，未讀回"
        )
        return {}

    # -- sections --------------------------------------------------------------------
    def header(self) -> dict[str, Any]:
        title = self.blocks[0].text if self.blocks else ""
        pattern = re.escape(self.form.title).replace(r"\{agency\}", "(?P<agency>.+?)")
        pattern = pattern.replace(r"\{year\}", r"(?P<year>\d+)")
        m = re.match(pattern + "$", title.strip())
        info: dict[str, Any] = {}
        if m:
            info["機關名稱"], info["年度(民國)"] = m.group("agency"), int(m.group("year"))
        else:
            self.notes.append(f"無法由標題「{title}」讀出機關名稱及年度")
        approval = next((b.text for b in self.blocks[1:4] if self.long_date.match(b.text.strip())), "")
        if approval:
            date = self.long_date.match(approval.strip())
            info["性平小組決議日期"] = self.roc_date(approval)
            info["決議通過說明"] = approval.strip()[date.end() :]
        group = self.placed("header.groups").get("header.groups")
        if group:
            info["組別"] = group
        contacts = self.rows("header.contacts")
        if contacts and contacts[0][4:]:
            info["性平聯絡人任務"] = contacts[0][4]
        people = [{"姓名": r[1], "科室": r[2], "職稱": r[3]} for r in contacts]
        return {"基本資料": info, "性平聯絡人": people}

    def s1(self) -> dict[str, Any]:
        paras = [b.text for b in self.paragraphs("一") if b.style not in ("Instruction",)]
        paras = [p for p in paras if p.strip()]
        if paras == ["無"]:
            paras = []
        intro, items = [], []
        heading = re.compile(r"^\(([一二三四五六七八九十]+)\)\s*(.*?)：(.*)$", re.DOTALL)
        for text in paras:
            m = heading.match(text)
            if m:
                items.append({"措施名稱": m.group(2).strip(), "內容": m.group(3).strip()})
            elif items:
                items[-1]["內容"] += "\n" + text
            else:
                intro.append(text)
        return {"說明": {"前言": "\n".join(intro)} if intro else {}, "亮點措施": items}

    def s2(self) -> dict[str, Any]:
        members = self.rows("s2.members")
        fields = {}
        if members:
            row = members[0]
            fields = {"委員總數": row[1], "男性委員數": row[2], "女性委員數": row[3]}
            if row[5:] and row[5].strip():
                fields["未達單一性別三分之一之原因"] = row[5]
        meetings = []
        for r in self.rows("s2.meetings"):
            other_title = r[4].lstrip("".join(BOXES)).strip()
            meetings.append(
                {
                    "會議場次": r[0],
                    "主席-首長": _box(r[1]),
                    "主席-副首長": _box(r[2]),
                    "主席-主秘": _box(r[3]),
                    "主席-其他": _box(r[4]),
                    "其他主席職稱": other_title or None,
                    "全數委員達2/3出席": _box(r[5]),
                    "專家學者委員出席者": r[6],
                }
            )
        return {"成員": fields, "會議": meetings}

    def completion(self, table_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        keys = {f"{table_id}.total": "總人數", f"{table_id}.male": "男性人數", f"{table_id}.female": "女性人數"}
        out.update({keys[tag]: value for tag, value in self.placed(*keys).items() if tag in keys})
        rows = self.rows(table_id)
        if rows:
            r = rows[0]
            out.update({"完成人數": r[1], "男性完成人數": r[3], "女性完成人數": r[5]})
        return out

    def trainings(self, table_id: str, sheet_id: str) -> list[dict[str, Any]]:
        headers = {c.key: c.header for c in self.form.sheets[sheet_id][1].columns}
        columns = self.form.tables[table_id].columns
        out = []
        for r in self.rows(table_id):
            row: dict[str, Any] = {
                headers[key]: _cell(r, columns, key) for key in ("date", "name", "content", "lecturer", "hours")
            }
            for options in (TARGETS, COURSES, METHODS):
                if options[0][0] not in columns:
                    continue
                for line in _lines(_cell(r, columns, options[0][0])):
                    body = line.lstrip("".join(BOXES)).strip()
                    for key, label in options:
                        if options is TARGETS and body.startswith(label):
                            row[headers[key]] = _box(line)
                            row[headers[key + "_note"]] = body[len(label) :].strip() or None
                        elif body == label:
                            row[headers[key]] = _box(line)
            people = _cell(r, columns, "male")
            for key, pattern in (
                ("total", r"總計\s*([\d,]+)\s*人"),
                ("male", r"男\s*([\d,]+)\s*人"),
                ("female", r"女\s*([\d,]+)\s*人"),
            ):
                m = re.search(pattern, people)
                row[headers[key]] = m.group(1) if m else None
            out.append(row)
        return out

    def annexes(self, numeral: str) -> list[dict[str, str]]:
        out = []
        for block in self.paragraphs(numeral, "Annex"):
            m = re.match(r"^附件(\d+-\d+)：(.*)$", block.text.strip())
            if m:
                out.append({"附件編號": m.group(1), "附件名稱": m.group(2)})
        return out

    def s3(self) -> dict[str, Any]:
        hours, role = [], ""
        for r in self.rows("s3.contact_hours"):
            role = r[0] or role
            hours.append({"身分": role, "姓名": r[1], "年度培力總時數": r[2], "進階課程時數": r[3]})
        placed = self.placed("s3.physical_participants", "s3.physical_staff")
        physical = (
            {"一般公務員參訓者": placed["s3.physical_participants"], "機關一般公務員": placed["s3.physical_staff"]}
            if placed
            else {}
        )
        return {
            "一般公務員": self.completion("s3.general"),
            "主管人員": self.completion("s3.managers"),
            "性平聯絡人參訓時數": hours,
            "實體課程參訓率": physical,
            "自辦訓練": self.trainings("s3.self_training", "s3.self_training"),
            "職工訓練": self.trainings("s3.staff_training", "s3.staff_training"),
            "新聞聯絡人小編訓練": self.trainings("s3.media_training", "s3.media_training"),
            "附件": self.annexes("三"),
        }

    def s4(self) -> dict[str, Any]:
        existing = self.rows("s4.existing")
        fields = {}
        if len(existing) >= 2:
            fields = {
                "既有性別統計指標-主計處列管": existing[0][1],
                "既有性別統計指標-機關構列管": existing[0][2],
                "既有性別統計項目-主計處列管": existing[1][1],
                "既有性別統計項目-機關構列管": existing[1][2],
            }

        def new_rows(table_id: str) -> list[dict[str, Any]]:
            return [
                {
                    "名稱": r[1],
                    "定義及說明": r[2],
                    "列管層級": "主計處列管" if _box(r[3]) == TICK else "機關構列管" if _box(r[4]) == TICK else None,
                }
                for r in self.rows(table_id)
            ]

        return {"既有指標項目": fields, "新增指標": new_rows("s4.new_indicators"), "新增項目": new_rows("s4.new_items")}

    def s5(self) -> dict[str, Any]:
        rows = []
        for r in self.rows("s5.analyses"):
            lines = _lines(r[3])
            date = self.roc_date(lines[0]) if lines else None
            meeting = lines[1:] if date else lines
            rows.append(
                {
                    "分析專題名稱": r[1],
                    "辦理科室或受委託辦理單位名稱": r[2],
                    "提送性平小組日期": date,
                    "提送性平小組會議": "\n".join(meeting) or None,
                }
            )
        return {"分析專題": rows, "附件": self.annexes("五")}

    def s6(self) -> dict[str, Any]:
        def rows(table_id: str) -> list[dict[str, Any]]:
            return [
                {
                    "評估方案名稱": r[1],
                    "摘要": r[2] or None,
                    "程序參與方式": "書面審查" if r[3].strip() else "性平小組",
                    "專家學者姓名": r[3].strip() or r[4].strip(),
                    "專家學者意見項數": r[5],
                    "專家學者參採項數": r[6],
                    "修正後提送性平小組時間": r[7] or None,
                }
                for r in self.rows(table_id)
            ]

        return {
            "自治條例": rows("s6.ordinances"),
            "公共工程中程計畫": rows("s6.public_works"),
            "重大施政計畫": rows("s6.major_policies"),
            "附件": self.annexes("六"),
        }

    def s7(self) -> dict[str, Any]:
        def rows(table_id: str) -> tuple[list[dict[str, Any]], str | None]:
            body = self.rows(table_id)
            total = None
            if body and body[-1][1].strip() == "總計":
                total = body[-1][2]
                body = body[:-1]
            if len(body) == 1 and _is_none_row(body[0]):
                body = []
            items = [{"計畫項目": r[1], "預算數": r[2], "對促進性別平等的影響": r[3] or None} for r in body]
            return items, total

        current, current_total = rows("s7.budget_current")
        upcoming, next_total = rows("s7.budget_next")
        years = {}
        for label, tag in (("本年度", "s7.current_year"), ("下年度", "s7.next_year")):
            year = self.placed(tag).get(tag, "")
            if year.isdigit():
                years[label] = int(year)
        if current_total:
            years["本年度總計(填寫時核對)"] = current_total
        if next_total:
            years["下年度總計(填寫時核對)"] = next_total
        notes = []
        blocks = self.paragraphs("七")
        start = next((i for i, b in enumerate(blocks) if b.text.startswith("說明：")), None)
        if start is not None and blocks[start].text.strip() != "說明：無":
            for block in blocks[start + 1 :]:
                if block.style in ("Annex", "Heading2") or not block.text.strip():
                    break
                m = re.match(r"^(\d+)\.\s*(.*)$", block.text, re.DOTALL)
                if m:
                    notes.append({"說明": m.group(2)})
                elif notes:
                    notes[-1]["說明"] += "\n" + block.text
        return {"年度及總計": years, "本年度預算": current, "下年度預算": upcoming, "增減說明": notes}

    def s8(self) -> dict[str, Any]:
        measures = []
        rows = self.rows("s8.strategies")
        index = 0
        for cat in self.form.strategies:
            for n in range(1, len(cat.items) + 1):
                if index < len(rows):
                    for line in _lines(rows[index][2]):
                        if line[0] in DONE:
                            measures.append(
                                {
                                    "類別": cat.number,
                                    "項目": n,
                                    "政策方案措施或計畫名稱": line[1:].strip(),
                                    "已辦理": TICK if line[0] == DONE[0] else UNTICK,
                                }
                            )
                        elif measures:
                            measures[-1]["政策方案措施或計畫名稱"] += "\n" + line
                index += 1
        details = []
        venues = self.tables.get("s8.venues")
        if venues is not None:
            details = [
                {"活動名稱": r[0], "活動地點": r[1], "性別友善設施設備": r[2]}
                for r in _body_rows(venues, self.form.tables["s8.venues"].header_rows)
            ]
        return {"具體措施": measures, "措施細項表": details}

    def results(self, out_dir: Path) -> dict[str, Any]:
        blocks = self.section("八")
        start = next(
            (i for i, b in enumerate(blocks) if b.kind == "p" and b.text.startswith("2. 可於欄位中檢附")), None
        )
        if start is None:
            return {"成果說明": []}
        rows: list[dict[str, Any]] = []
        data: dict[str, Any] = {"成果說明": rows}
        kinds = {"Heading3": "標題1", "Heading4": "標題2", "Heading5": "標題3", "ListParagraph": "條列"}
        for block in blocks[start + 1 :]:
            if block.kind == "tbl":
                name, sheet = self.free_table(block.element)
                base, n = name, 1
                while name in data:  # two tables without their sheet name: keep both
                    n += 1
                    name = safe_sheet_name(base, str(n))
                data[name] = sheet
                header_rows = sum(
                    1
                    for tr in block.element.findall(W_TR)
                    if tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
                )
                rows.append({"類型": "表格", "表格工作表": name, "表頭列數": header_rows})
                continue
            if block.style == "Annex":
                break
            image = self.image(block.element, out_dir)
            if image:
                rows.append({"類型": "圖片", "內容": image})
            elif block.text.strip():
                rows.append({"類型": kinds.get(block.style, "段落"), "內容": block.text})
        return data

    def free_table(self, tbl) -> tuple[str, dict[str, Any]]:
        desc = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblDescription')}")
        name = safe_sheet_name(desc.get(qn("w:val")) or "" if desc is not None else caption_of(tbl) or "表格")
        cells, merges, below = [], [], {}
        for r, tr in enumerate(tbl.findall(W_TR)):
            row, col = [], 0
            for tc in tr.findall(W_TC):
                pr = tc.find(qn("w:tcPr"))
                span_el = pr.find(qn("w:gridSpan")) if pr is not None else None
                span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
                vmerge = pr.find(qn("w:vMerge")) if pr is not None else None
                if vmerge is not None and vmerge.get(qn("w:val")) != "restart":
                    below[col][2] = r  # extend the open vertical merge
                    row.extend([""] * span)
                else:
                    row.append(cell_text(tc))
                    row.extend([""] * (span - 1))
                    if vmerge is not None:
                        below[col] = [r, col, r, col + span - 1]
                        merges.append(below[col])
                    elif span > 1:
                        merges.append([r, col, r, col + span - 1])
                col += span
            cells.append(row)
        ranges = [f"{_ref(r1, c1)}:{_ref(r2, c2)}" for r1, c1, r2, c2 in merges if (r1, c1) != (r2, c2)]
        return name, {"cells": cells, "merges": ranges}

    def image(self, p, out_dir: Path) -> str | None:
        blip = next(p.iter(f"{A_NS}blip"), None)
        if blip is None:
            return None
        part = self.doc.part.related_parts.get(blip.get(R_EMBED))
        if part is None:
            return None
        name_el = next(p.iter(f"{PIC_NS}cNvPr"), None)
        name = safe_file_name(Path(name_el.get("name") or "").name) if name_el is not None else ""
        if not name or "." not in name:
            count = len(list(out_dir.glob("attachments/*"))) + 1
            name = f"image{count}{Path(part.partname).suffix}"
        target = out_dir / "attachments" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(part.blob)
        return f"attachments/{name}"

    def s9(self) -> dict[str, Any]:
        if self.heading("九").rstrip().endswith("無"):
            return {"其他相關成果": []}
        return {
            "其他相關成果": [
                {"成果說明": b.text} for b in self.paragraphs("九") if b.style != "Instruction" and b.text.strip()
            ]
        }

    def s10(self) -> dict[str, Any]:
        return {
            "重點項目": [
                {
                    "重點項目或方案名稱": r[1],
                    "現況說明": r[2] or None,
                    "具體策略": r[3] or None,
                    "預期效益": r[4] or None,
                }
                for r in self.rows("s10.future")
            ]
        }


def _ref(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"


def pull_report(docx_path: Path, out_dir: Path, form: Form) -> PullResult:
    """Read ``docx_path`` back into a new set of section workbooks in ``out_dir``.

    Everything is written into a hidden folder first and renamed at the end, so a
    failure leaves no half-filled folder behind."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise OutputError(f"輸出資料夾 {out_dir} 已有檔案；請指定新的資料夾（不會覆寫既有資料）")
    reader = _Reader(_open(Path(docx_path)), form)
    if not set(reader.tables) & set(form.tables):
        raise InputError(f"{Path(docx_path).name} 不是本產生器產生的報告（找不到任何附有表格代號的官方表格）")
    staging = Path(tempfile.mkdtemp(prefix=".~pull-", dir=out_dir.parent if out_dir.parent.exists() else None))
    try:
        sections = {
            "header": reader.header(),
            "s1": reader.s1(),
            "s2": reader.s2(),
            "s3": reader.s3(),
            "s4": reader.s4(),
            "s5": reader.s5(),
            "s6": reader.s6(),
            "s7": reader.s7(),
            "s8": reader.s8(),
            "results": reader.results(staging),
            "s9": reader.s9(),
            "s10": reader.s10(),
        }
        for wb_spec in form.workbooks:
            write_workbook(wb_spec, form, staging / wb_spec.file, _drop_empty(sections.get(wb_spec.id, {})))
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        shutil.move(str(staging), str(out_dir))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PullResult([out_dir / wb.file for wb in form.workbooks], reader.notes)


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """Blank strings and None become empty cells."""

    def clean(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if v not in (None, "")}

    out: dict[str, Any] = {}
    for sheet, value in data.items():
        if isinstance(value, list):
            out[sheet] = [clean(r) for r in value]
        elif isinstance(value, dict) and "cells" in value:
            out[sheet] = value
        else:
            out[sheet] = clean(value)
    return out
