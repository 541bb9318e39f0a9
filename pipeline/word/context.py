"""From the report model to what the template places: ready strings plus a layout plan.

The template does no arithmetic and no formatting; everything it shows is a
string made here.  What docxtpl tags cannot express well — vertical merges
inside row loops, a table nested in a cell, the free-layout part — goes into
the ``Layout`` plan that the renderer applies after docxtpl has run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.form.fmt import Formatter, chinese_numeral
from pipeline.inputs.paths import contained
from pipeline.inputs.records import FreeTable, Record, Value
from pipeline.report.compute import Completion, Report, participants_total


@dataclass(frozen=True)
class Merge:
    """Merge body rows ``first``..``last`` (0-based) of one column of a report table."""

    table: str
    column: int
    first: int
    last: int


@dataclass(frozen=True)
class NestedTable:
    """A small table placed inside a body cell of a report table."""

    table: str
    row: int
    column: int
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Block:
    """One block of the free-layout 成果說明 part."""

    kind: str  # heading1..3, paragraph, list, table, image
    paragraphs: tuple[str, ...] = ()
    table: FreeTable | None = None
    header_rows: int = 1
    caption: str = ""
    image: Path | None = None


@dataclass(frozen=True)
class Layout:
    """What the renderer does after docxtpl: merges, nested tables, free-layout blocks."""

    header_rows: dict[str, int]
    merges: tuple[Merge, ...] = ()
    nested: tuple[NestedTable, ...] = ()
    blocks: tuple[Block, ...] = ()


BLOCK_KINDS = {
    "標題1": "heading1", "標題2": "heading2", "標題3": "heading3",
    "段落": "paragraph", "條列": "list", "表格": "table", "圖片": "image",
}  # fmt: skip

TARGETS = (
    ("target_general", "一般公務人員："),
    ("target_senior", "高階公務人員："),
    ("target_other", "其他："),
)
COURSES = (
    ("course_basic", "基礎課程"),
    ("course_advanced", "進階課程"),
    ("course_cedaw", "CEDAW"),
    ("course_gm", "性別主流化"),
)
METHODS = (
    ("method_lecture", "一般講授"),
    ("method_diverse", "多元形式*"),
    ("method_case", "含實際案例討論"),
    ("method_pre_survey", "經課前問卷調查所辦理"),
    ("method_post_survey", "設計課後評估或滿意度調查問卷"),
)


def runs_of_equal(values: list[Any]) -> Iterable[tuple[int, int]]:
    """(first, last) index pairs of runs of equal consecutive values longer than one."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - 1 > start:
                yield start, i - 1
            start = i


class ContextBuilder:
    """Builds the docxtpl context and the layout plan for one report."""

    def __init__(self, report: Report):
        self.report = report
        self.form = report.form
        self.inputs = report.inputs
        self.fmt = Formatter(report.form.formats)
        self.merges: list[Merge] = []
        self.nested: list[NestedTable] = []

    # -- small helpers -------------------------------------------------------------
    def show(self, value: Value, render: Callable[[Any], str] = str) -> str:
        """A value as text; a value that could not be understood is shown as typed."""
        if value.value is None:
            return value.raw or ""
        return render(value.value)

    def paras(self, value: Value) -> list[str]:
        """A paragraphs field as a list (a bad value shown as typed)."""
        if value.value is None:
            return [value.raw] if value.raw else []
        return list(value.value) if isinstance(value.value, tuple) else [str(value.value)]

    def number_label(self, sheet_id: str, n: int) -> str:
        """A table's 項次 label, e.g. 「1.」."""
        return self.form.sheets[sheet_id][1].numbering.format(n=n)

    def boxes(self, row: Record, options: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
        """A checkbox group as lines; a group left entirely blank shows nothing."""
        if all(row.at(key).value is None and not row.at(key).raw for key, _ in options):
            return []
        lines = []
        for key, label in options:
            note = self.show(row.at(f"{key}_note")) if f"{key}_note" in row.values else ""
            lines.append({"box": self.fmt.box(row.get(key)), "text": label + note})
        return lines

    def merge_equal(self, table: str, column: int, keys: list[Any]) -> None:
        """Plan vertical merges for runs of equal keys in one column."""
        for first, last in runs_of_equal(keys):
            self.merges.append(Merge(table, column, first, last))

    # -- sections ------------------------------------------------------------------
    def header(self) -> dict[str, Any]:
        info = self.inputs.fields("header.info")
        contacts = self.inputs.rows("header.contacts")
        duties = self.paras(info.at("contact_duties"))
        rows = [
            {
                "role": "性平聯絡人" if i == 0 else "",
                "name": self.show(r.at("name")),
                "unit": self.show(r.at("unit")),
                "title": self.show(r.at("title")),
                "duties": duties if i == 0 else [],
            }
            for i, r in enumerate(contacts)
        ]
        if len(rows) > 1:
            self.merges.append(Merge("header.contacts", 0, 0, len(rows) - 1))
            self.merges.append(Merge("header.contacts", 4, 0, len(rows) - 1))
        approval = self.fmt.date_long(info.get("approval_date")) + self.show(info.at("approval_text"))
        return {
            "title": self.report.title,
            "approval": approval,
            "groups": "、".join(self.report.groups) or self.show(info.at("groups")),
            "contacts": rows,
        }

    def s1(self) -> dict[str, Any]:
        intro = self.paras(self.inputs.fields("s1.intro").at("intro"))
        items = []
        for i, r in enumerate(self.inputs.rows("s1.highlights"), start=1):
            content = self.paras(r.at("content"))
            lead = f"({chinese_numeral(i)}) {self.show(r.at('title'))}："
            first = lead + (content[0] if content else "")
            items.append({"paragraphs": [first, *content[1:]]})
        empty = not intro and not items
        none = self.form.formats.none if empty else ""
        return {"intro": intro, "highlights": items, "none": none}

    def s2(self) -> dict[str, Any]:
        c = self.report.committee
        members = self.inputs.fields("s2.members")
        meetings = [
            {
                "session": self.show(r.at("session")),
                "head": self.fmt.box(r.get("chair_head")),
                "deputy": self.fmt.box(r.get("chair_deputy")),
                "secretary": self.fmt.box(r.get("chair_secretary")),
                "other": self.fmt.box(r.get("chair_other")),
                "other_title": self.show(r.at("chair_other_title")),
                "quorum": self.fmt.box(r.get("quorum")),
                "experts": self.show(r.at("experts")),
            }
            for r in self.inputs.rows("s2.meetings")
        ]
        return {
            "total": self.show(members.at("total"), self.fmt.number),
            "male": self.show(members.at("male"), self.fmt.number),
            "female": self.show(members.at("female"), self.fmt.number),
            "share": self.fmt.percent(c.lower_share),
            "reason": self.paras(members.at("reason")),
            "meetings": meetings,
        }

    def completion(self, c: Completion, sheet_id: str) -> dict[str, str]:
        f = self.inputs.fields(sheet_id)
        num = self.fmt.number
        return {
            "total": self.show(f.at("total"), num),
            "male": self.show(f.at("male"), num),
            "female": self.show(f.at("female"), num),
            "done_total": self.show(f.at("done_total"), num),
            "done_male": self.show(f.at("done_male"), num),
            "done_female": self.show(f.at("done_female"), num),
            "rate_total": self.fmt.percent(c.rate_total),
            "rate_male": self.fmt.percent(c.rate_male),
            "rate_female": self.fmt.percent(c.rate_female),
        }

    def trainings(self, sheet_id: str, with_total: bool) -> list[dict[str, Any]]:
        rows = []
        num = self.fmt.number
        for i, r in enumerate(self.inputs.rows(sheet_id), start=1):
            male, female = self.show(r.at("male"), num), self.show(r.at("female"), num)
            people = f"男{male}人 女{female}人"
            total = participants_total(r)
            if with_total and total is not None:
                people = f"總計{num(total)}人 " + people
            rows.append(
                {
                    "no": self.number_label(sheet_id, i),
                    "date": self.show(r.at("date"), self.fmt.date_short),
                    "name": self.show(r.at("name")),
                    "targets": self.boxes(r, TARGETS),
                    "content": self.paras(r.at("content")),
                    "lecturer": self.paras(r.at("lecturer")),
                    "courses": self.boxes(r, COURSES),
                    "methods": self.boxes(r, METHODS),
                    "hours": self.show(r.at("hours"), num),
                    "people": people,
                }
            )
        return rows

    def s3(self) -> dict[str, Any]:
        num = self.fmt.number
        hours_rows = self.inputs.rows("s3.contact_hours")
        roles = [r.get("role") for r in hours_rows]
        self.merge_equal("s3.contact_hours", 0, roles)
        contact_hours = [
            {
                "role": self.show(r.at("role")) if i == 0 or roles[i] != roles[i - 1] else "",
                "name": self.show(r.at("name")),
                "hours": self.show(r.at("hours"), num),
                "advanced": self.show(r.at("advanced"), num),
            }
            for i, r in enumerate(hours_rows)
        ]
        physical = self.inputs.fields("s3.physical_rate")
        # Staff and media trainings print 總計 only where the form does (三(五) yes, 三(六) no).
        return {
            "general": self.completion(self.report.general, "s3.general"),
            "managers": self.completion(self.report.managers, "s3.managers"),
            "contact_hours": contact_hours,
            "physical_rate": self.fmt.percent(self.report.physical_rate),
            "physical_participants": self.show(physical.at("participants"), num),
            "physical_staff": self.show(physical.at("staff"), num),
            "self_training": self.trainings("s3.self_training", with_total=True),
            "staff_training": self.trainings("s3.staff_training", with_total=True),
            "media_training": self.trainings("s3.media_training", with_total=False),
        }

    def s4(self) -> dict[str, Any]:
        existing = self.inputs.fields("s4.existing")
        num = self.fmt.number

        def new_rows(sheet_id: str) -> list[dict[str, Any]]:
            return [
                {
                    "no": self.number_label(sheet_id, i),
                    "name": self.show(r.at("name")),
                    "definition": self.paras(r.at("definition")),
                    "dgbas": self.fmt.box(r.get("level") == "主計處列管"),
                    "agency": self.fmt.box(r.get("level") == "機關構列管"),
                }
                for i, r in enumerate(self.inputs.rows(sheet_id), start=1)
            ]

        return {
            "existing": {
                key: self.show(existing.at(key), num)
                for key in ("indicators_dgbas", "indicators_agency", "items_dgbas", "items_agency")
            },
            "new_indicators": new_rows("s4.new_indicators"),
            "new_items": new_rows("s4.new_items"),
        }

    def s5(self) -> dict[str, Any]:
        rows = []
        for i, r in enumerate(self.inputs.rows("s5.analyses"), start=1):
            report = [self.show(r.at("report_date"), self.fmt.date_long)]
            report.append(self.show(r.at("report_meeting")))
            rows.append(
                {
                    "no": self.number_label("s5.analyses", i),
                    "name": self.show(r.at("name")),
                    "unit": self.show(r.at("unit")),
                    "report": [line for line in report if line],
                }
            )
        return {"analyses": rows}

    def s6(self) -> dict[str, Any]:
        def rows(sheet_id: str) -> list[dict[str, Any]]:
            out = []
            for i, r in enumerate(self.inputs.rows(sheet_id), start=1):
                experts = self.show(r.at("experts"))
                method = r.get("method")
                out.append(
                    {
                        "no": self.number_label(sheet_id, i),
                        "name": self.show(r.at("name")),
                        "summary": self.paras(r.at("summary")),
                        "written": experts if method == "書面審查" else "",
                        "panel": experts if method != "書面審查" else "",
                        "opinions": self.count(r.at("opinions")),
                        "adopted": self.count(r.at("adopted")),
                        "submitted": self.paras(r.at("submitted")),
                    }
                )
            return out

        return {
            "ordinances": rows("s6.ordinances"),
            "public_works": rows("s6.public_works"),
            "major_policies": rows("s6.major_policies"),
        }

    def count(self, value: Value) -> str:
        """A count of opinions, printed 「3項」."""
        return self.show(value, lambda v: f"{self.fmt.number(v)}項")

    def s7(self) -> dict[str, Any]:
        b = self.report.budget
        years = self.inputs.fields("s7.years")

        def rows(sheet_id: str) -> list[dict[str, Any]]:
            return [
                {
                    "no": self.number_label(sheet_id, i),
                    "item": self.show(r.at("item")),
                    "amount": self.show(r.at("amount"), self.fmt.number),
                    "impact": self.paras(r.at("impact")),
                }
                for i, r in enumerate(self.inputs.rows(sheet_id), start=1)
            ]

        note_rows = []
        for i, r in enumerate(self.inputs.rows("s7.notes"), start=1):
            paragraphs = self.paras(r.at("text"))
            if paragraphs:
                note_rows.append({"paragraphs": [f"{i}. {paragraphs[0]}", *paragraphs[1:]]})
        return {
            "current_year": self.show(years.at("current_year")),
            "next_year": self.show(years.at("next_year")),
            "current": rows("s7.current"),
            "next": rows("s7.next"),
            "current_total": self.fmt.number(b.current_total),
            "next_total": self.fmt.number(b.next_total),
            "difference": self.fmt.difference(b.difference),
            "notes": note_rows,
            "notes_none": "" if note_rows else self.form.formats.none,
        }

    def s8(self) -> dict[str, Any]:
        measures = self.inputs.rows("s8.measures")
        details = self.inputs.rows("s8.details")
        detail_spec = self.form.sheets["s8.details"][1].detail_of or {}
        rows, categories = [], []
        index = 0
        for cat in self.form.strategies:
            for n, item in enumerate(cat.items, start=1):
                lines: list[str] = []
                for m in measures:
                    if m.get("category") == cat.number and m.get("item") == n:
                        paragraphs = self.paras(m.at("name"))
                        if paragraphs:
                            lines.append(self.fmt.done(m.get("done")) + paragraphs[0])
                            lines.extend(paragraphs[1:])
                rows.append({"category": cat.label if n == 1 else "", "item": item, "measures": lines})
                categories.append(cat.number)
                if details and cat.number == str(detail_spec.get("category")) and n == int(detail_spec.get("item", 0)):
                    self.nested.append(
                        NestedTable(
                            "s8.strategies",
                            index,
                            2,
                            "s8.venues",
                            ("活動名稱", "活動地點", "性別友善設施設備"),
                            tuple(
                                (
                                    self.show(d.at("activity")),
                                    self.show(d.at("venue")),
                                    self.show(d.at("facilities")),
                                )
                                for d in details
                            ),
                        )
                    )
                index += 1
        self.merge_equal("s8.strategies", 0, categories)
        group_rules = [
            f"({chinese_numeral(i)}) {'、'.join(g.codes)}：下開(一)至(六)類，"
            f"每年至少辦理{g.categories}類，總計至少{g.items}項以上。"
            for i, g in enumerate(self.form.groups, start=1)
        ]
        return {"group_rules": group_rules, "rows": rows}

    def s9(self) -> dict[str, Any]:
        paragraphs = [p for r in self.inputs.rows("s9.others") for p in self.paras(r.at("text"))]
        return {"paragraphs": paragraphs, "none": "" if paragraphs else self.form.formats.none}

    def s10(self) -> dict[str, Any]:
        return {
            "plans": [
                {
                    "no": self.number_label("s10.plans", i),
                    "name": self.show(r.at("name")),
                    "status": self.paras(r.at("status")),
                    "strategy": self.paras(r.at("strategy")),
                    "benefit": self.paras(r.at("benefit")),
                }
                for i, r in enumerate(self.inputs.rows("s10.plans"), start=1)
            ]
        }

    def annexes(self) -> dict[str, list[str]]:
        """Annex lines by section key (s2, s3 …), sub-annexes under their annex."""
        out: dict[str, list[str]] = {}
        for annex in self.form.annexes:
            key = f"s{'一二三四五六七八九十'.index(annex.section) + 1}"
            lines = out.setdefault(key, [])
            if not annex.listed:
                continue
            lines.append(annex.line.format(number=annex.number, title=annex.title))
            if annex.subs:
                for r in self.inputs.rows(annex.subs):
                    lines.append(
                        self.form.sub_annex_line.format(
                            number=self.show(r.at("number")), title=self.show(r.at("title"))
                        )
                    )
        return out

    def blocks(self) -> list[Block]:
        """The free-layout 成果說明 part, block by block."""
        out: list[Block] = []
        tables = self.inputs.free_tables
        count = 0
        for r in self.inputs.rows("results.blocks"):
            kind = BLOCK_KINDS.get(r.get("kind") or "", "paragraph")
            paragraphs = tuple(self.paras(r.at("text")))
            if kind == "table":
                table = tables.get(r.get("sheet") or "")
                if table is None:
                    continue  # reported by the checks
                count += 1
                out.append(
                    Block(
                        kind,
                        table=table,
                        header_rows=1 if r.get("header_rows") is None else r.get("header_rows"),
                        caption=f"results.{count}",
                    )
                )
            elif kind == "image":
                name = paragraphs[0] if paragraphs else ""
                out.append(Block(kind, paragraphs, image=contained(self.inputs.directory, name)))
            else:
                out.append(Block(kind, paragraphs))
        return out

    def build(self) -> tuple[dict[str, Any], Layout]:
        """The whole context and layout plan."""
        context = {
            "header": self.header(),
            "s1": self.s1(),
            "s2": self.s2(),
            "s3": self.s3(),
            "s4": self.s4(),
            "s5": self.s5(),
            "s6": self.s6(),
            "s7": self.s7(),
            "s8": self.s8(),
            "s9": self.s9(),
            "s10": self.s10(),
            "annexes": self.annexes(),
        }
        layout = Layout(
            header_rows={key: table.header_rows for key, table in self.form.tables.items()},
            merges=tuple(self.merges),
            nested=tuple(self.nested),
            blocks=tuple(self.blocks()),
        )
        return context, layout


def build_context(report: Report) -> tuple[dict[str, Any], Layout]:
    """The docxtpl context (ready strings) and the layout plan for ``report``."""
    return ContextBuilder(report).build()
