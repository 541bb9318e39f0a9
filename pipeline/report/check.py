"""Reconciliation: every form rule checked against the report model, as findings.

The rules are data (``templates/<form>/rules.yaml``, loaded and checked against
the form by :mod:`pipeline.form.rules`): each names a *kind* of check defined
here, with its typed parameters.  Checks never raise on bad data; they return
findings, each naming the workbook cell it comes from and the report table cell
it lands in.  A record whose value a rule reads could not be read is left to the
reader's finding (one finding per cell and cause).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, TypeVar

from pipeline.findings import Finding, Source, Target
from pipeline.form import rules as kinds
from pipeline.form.fmt import Formatter
from pipeline.form.rules import Params, Rule
from pipeline.inputs.paths import OutsideFolder, inside
from pipeline.inputs.records import Record
from pipeline.inputs.values import ROC_OFFSET
from pipeline.office.pictures import picture_problem
from pipeline.report import annexes as annex_list
from pipeline.report.compute import Report, column_sum


@dataclass
class Checker:
    """Runs rules against one report and builds findings with their places."""

    report: Report

    def __post_init__(self) -> None:
        self.form = self.report.form
        self.inputs = self.report.inputs
        self.fmt = Formatter(self.form.formats)

    @cached_property
    def annex_files(self) -> annex_list.AnnexFiles:
        """The files of the attachments folder matched to the annexes (the folder read once)."""
        return annex_list.find_annex_files(self.form, self.inputs)

    # -- places --------------------------------------------------------------------
    def records(self, sheet_id: str) -> tuple[Record, ...]:
        """The records of a sheet (a fields sheet gives its single record)."""
        _, spec = self.form.sheets[sheet_id]
        if spec.kind == "fields":
            return (self.inputs.fields(sheet_id),)
        return self.inputs.rows(sheet_id)

    def header(self, sheet_id: str, key: str) -> str:
        """The workbook header (label) of a field."""
        _, spec = self.form.sheets[sheet_id]
        return next((f.header for f in spec.specs if f.key == key), key)

    def target(self, sheet_id: str, record: Record | None, key: str | None) -> Target:
        """Where a field of a record lands in the report."""
        _, spec = self.form.sheets[sheet_id]
        row = None if record is None else record.row if spec.kind == "table" else 0
        measures = self.form.measures
        if sheet_id == measures.sheet and record is not None:  # filed under its category and item
            row = self.form.strategy_row(record.get(measures.category) or "", record.get(measures.item) or 0)
        return Target(self.form.table_of_sheet.get(sheet_id), row, key, self.form.section_of(sheet_id))

    def source(self, sheet_id: str, record: Record | None, key: str | None) -> Source:
        """Where a field comes from in the workbooks."""
        wb_spec, spec = self.form.sheets[sheet_id]
        if record is not None and key is not None and key in record.values:
            return record.values[key].source
        if record is not None and spec.kind == "table":
            return record.source
        read = self.inputs.sheets.get(sheet_id)
        return read.source if read is not None else Source(wb_spec.file, spec.name)  # the file as read (.ods)

    def finding(
        self,
        rule: Rule,
        message: str,
        sheet_id: str,
        record: Record | None = None,
        key: str | None = None,
        *,
        shown_at: str | None = None,
    ) -> Finding:
        """A finding of ``rule`` about field ``key`` of ``record`` (shown at report column
        ``shown_at`` when that is another column than the field's own)."""
        return Finding(
            rule.id,
            rule.severity,
            message,
            self.source(sheet_id, record, key),
            self.target(sheet_id, record, shown_at or key),
            rule.title,
        )

    def num(self, value: Any) -> str:
        """A figure in a message."""
        return self.fmt.number(value) if isinstance(value, (int, Decimal)) else str(value)


P = TypeVar("P", bound=Params)
Check = Callable[[Checker, Rule, Any], Iterable[Finding]]
KINDS: dict[type[Params], Check] = {}


def kind(params: type[P]) -> Callable[[Callable[[Checker, Rule, P], Iterable[Finding]]], Check]:
    """Register the check of a kind, by the class of its parameters (pipeline.form.rules)."""

    def register(func: Callable[[Checker, Rule, P], Iterable[Finding]]) -> Check:
        KINDS[params] = func
        return func

    return register


def _each(c: Checker, rule: Rule) -> Iterator[tuple[str, Record]]:
    """The records of the rule's sheets, but those where a value the rule reads could not
    be read: the reader has reported that cell, and a rule seeing it blank would only
    add a second, contradictory finding (「有」 in a tick column: 無法解讀, not 未勾選)."""
    reads = rule.reads
    for sheet_id in rule.params.scope:
        for record in c.records(sheet_id):
            if not any(record.at(key).raw is not None for key in reads):
                yield sheet_id, record


@kind(kinds.SumEquals)
def sum_equals(c: Checker, rule: Rule, p: kinds.SumEquals) -> Iterator[Finding]:
    """A stated total equals the sum of its parts (skipped when the total is blank)."""
    for sheet_id, record in _each(c, rule):
        total = record.get(p.total)
        values = [record.get(part) for part in p.parts]
        if total is None or any(v is None for v in values):
            continue
        if sum(values) != total:
            shown = " + ".join(f"{c.header(sheet_id, k)} {c.num(v)}" for k, v in zip(p.parts, values, strict=True))
            yield c.finding(
                rule,
                f"{shown} = {c.num(sum(values))}，與填寫的「{c.header(sheet_id, p.total)}」{c.num(total)} 不符",
                sheet_id,
                record,
                p.total,
            )


@kind(kinds.MinShare)
def min_share(c: Checker, rule: Rule, p: kinds.MinShare) -> Iterator[Finding]:
    """The lower single-gender share is at least the threshold, or an explanation is given;
    with ``explained``, a share below it that has an explanation, for the reviewer to judge."""
    for sheet_id, record in _each(c, rule):
        total = record.get(p.total)
        parts = [record.get(k) for k in p.parts]
        if not total or any(v is None for v in parts):
            continue
        share = Fraction(min(parts), total)
        if share >= p.threshold:
            continue
        explanation = record.get(p.explanation)
        said = f"單一性別比例(較低者) {min(parts)}/{total} = {c.fmt.percent(share)}，未達 {p.threshold}"
        if p.explained and explanation:
            yield c.finding(
                rule,
                f"{said}；已填寫「{c.header(sheet_id, p.explanation)}」：{_joined(explanation)}（請審查說明是否充分）",
                sheet_id,
                record,
                p.explanation,
                shown_at=p.shown_at,
            )
        elif not p.explained and not explanation:
            yield c.finding(
                rule,
                f"{said}，且未填寫「{c.header(sheet_id, p.explanation)}」",
                sheet_id,
                record,
                p.explanation,
                shown_at=p.shown_at,
            )


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, tuple) else str(value)


@kind(kinds.ExactlyOne)
def exactly_one(c: Checker, rule: Rule, p: kinds.ExactlyOne) -> Iterator[Finding]:
    """Exactly one box of a group is ticked."""
    for sheet_id, record in _each(c, rule):
        ticked = [f for f in p.fields if record.get(f)]
        if len(ticked) != 1:
            names = "、".join(c.header(sheet_id, f) for f in p.fields)
            yield c.finding(
                rule,
                f"「{p.label}」應勾選一項（{names}），目前勾選 {len(ticked)} 項",
                sheet_id,
                record,
                (ticked or p.fields)[0],
            )


@kind(kinds.AtLeastOne)
def at_least_one(c: Checker, rule: Rule, p: kinds.AtLeastOne) -> Iterator[Finding]:
    """At least one box of a group is ticked."""
    for sheet_id, record in _each(c, rule):
        if not any(record.get(f) for f in p.fields):
            yield c.finding(rule, f"「{p.label}」未勾選任何一項", sheet_id, record, p.fields[0])


@kind(kinds.RequiredIf)
def required_if(c: Checker, rule: Rule, p: kinds.RequiredIf) -> Iterator[Finding]:
    """A field must be filled when a box is ticked (e.g. 主席「其他」needs a title)."""
    for sheet_id, record in _each(c, rule):
        if record.get(p.when) and not record.get(p.field):
            yield c.finding(
                rule,
                f"已勾選「{c.header(sheet_id, p.when)}」，須填寫「{c.header(sheet_id, p.field)}」",
                sheet_id,
                record,
                p.field,
            )


@kind(kinds.Ticked)
def ticked(c: Checker, rule: Rule, p: kinds.Ticked) -> Iterator[Finding]:
    """A box the form expects ticked is ticked."""
    for sheet_id, record in _each(c, rule):
        if not record.get(p.field):
            yield c.finding(rule, f"未勾選「{c.header(sheet_id, p.field)}」", sheet_id, record, p.field)


@kind(kinds.DateInYear)
def date_in_year(c: Checker, rule: Rule, p: kinds.DateInYear) -> Iterator[Finding]:
    """A date lies inside the report year."""
    year = c.report.year
    if year is None:
        return
    for sheet_id, record in _each(c, rule):
        value = record.get(p.field)
        if isinstance(value, date) and value.year - ROC_OFFSET != year:
            yield c.finding(
                rule,
                f"「{c.header(sheet_id, p.field)}」{c.fmt.date_long(value)} 不在報告年度 {year} 年內",
                sheet_id,
                record,
                p.field,
            )


@kind(kinds.NotGreater)
def not_greater(c: Checker, rule: Rule, p: kinds.NotGreater) -> Iterator[Finding]:
    """For each pair [a, b]: a ≤ b (e.g. completed ≤ headcount, adopted ≤ given)."""
    for sheet_id, record in _each(c, rule):
        for small, large in p.pairs:
            a, b = record.get(small), record.get(large)
            if a is not None and b is not None and a > b:
                yield c.finding(
                    rule,
                    f"「{c.header(sheet_id, small)}」{c.num(a)} 大於「{c.header(sheet_id, large)}」{c.num(b)}",
                    sheet_id,
                    record,
                    small,
                )


@kind(kinds.LessThan)
def less_than(c: Checker, rule: Rule, p: kinds.LessThan) -> Iterator[Finding]:
    """For each pair [a, b]: a < b is pointed out (e.g. fewer opinions adopted than given)."""
    for sheet_id, record in _each(c, rule):
        for small, large in p.pairs:
            a, b = record.get(small), record.get(large)
            if a is not None and b is not None and a < b:
                yield c.finding(
                    rule,
                    f"「{c.header(sheet_id, small)}」{c.num(a)} 少於「{c.header(sheet_id, large)}」{c.num(b)}",
                    sheet_id,
                    record,
                    small,
                )


@kind(kinds.MinValue)
def min_value(c: Checker, rule: Rule, p: kinds.MinValue) -> Iterator[Finding]:
    """A figure is at least a minimum (e.g. 18 hours a year)."""
    for sheet_id, record in _each(c, rule):
        value = record.get(p.field)
        if value is not None and Fraction(value) < p.minimum:
            who = record.get(p.who) if p.who else None
            prefix = f"{who}：" if who else ""
            yield c.finding(
                rule,
                f"{prefix}「{c.header(sheet_id, p.field)}」{c.num(value)}，未達 {p.minimum}",
                sheet_id,
                record,
                p.field,
            )


@kind(kinds.MaxRows)
def max_rows(c: Checker, rule: Rule, p: kinds.MaxRows) -> Iterator[Finding]:
    """A table has at most N rows (e.g. 至多書寫3項)."""
    for sheet_id in p.scope:
        rows = c.records(sheet_id)
        if len(rows) > p.maximum:
            yield c.finding(
                rule, f"填寫了 {len(rows)} 項，表單規定至多 {p.maximum} 項", sheet_id, rows[p.maximum], None
            )


@kind(kinds.EqualsField)
def equals_field(c: Checker, rule: Rule, p: kinds.EqualsField) -> Iterator[Finding]:
    """A field equals another (plus an offset), e.g. next year = this year + 1."""
    other = c.inputs.fields(p.other_sheet).get(p.other_field)
    for sheet_id, record in _each(c, rule):
        value = record.get(p.field)
        if value is None or other is None or value == other + p.offset:
            continue
        yield c.finding(
            rule,
            f"「{c.header(sheet_id, p.field)}」為 {c.num(value)}，"
            f"應為 {c.num(other + p.offset)}（「{c.header(p.other_sheet, p.other_field)}」"
            f"{c.num(other)}{f' + {p.offset}' if p.offset else ''}）",
            sheet_id,
            record,
            p.field,
        )


@kind(kinds.StatedSum)
def stated_sum(c: Checker, rule: Rule, p: kinds.StatedSum) -> Iterator[Finding]:
    """A stated total (optional) equals the sum of a table's column (blanks count as 0)."""
    for sheet_id, record in _each(c, rule):
        stated = record.get(p.field)
        if stated is None:
            continue
        computed = column_sum(c.inputs.rows(p.rows), p.column)
        if stated != computed:
            yield c.finding(
                rule,
                f"填寫的「{c.header(sheet_id, p.field)}」{c.num(stated)} 與各項合計 {c.num(computed)} 不符",
                sheet_id,
                record,
                p.field,
            )


@kind(kinds.ListedCount)
def listed_count(c: Checker, rule: Rule, p: kinds.ListedCount) -> Iterator[Finding]:
    """Where opinions are listed (甲、乙、丙…), their number equals the count given."""
    pattern = re.compile(f"^[{re.escape(p.markers)}][、.．]")
    for sheet_id, record in _each(c, rule):
        value = record.get(p.field) or ()
        listed = sum(1 for line in value if pattern.match(line))
        count = record.get(p.count)
        if listed and count is not None and listed != count:
            yield c.finding(
                rule,
                f"摘要列出 {listed} 項意見（{p.markers[:1]}、{p.markers[1:2]}…），"
                f"「{c.header(sheet_id, p.count)}」填寫 {count} 項",
                sheet_id,
                record,
                p.count,
            )


@kind(kinds.GroupMinimum)
def group_minimum(c: Checker, rule: Rule, p: kinds.GroupMinimum) -> Iterator[Finding]:
    """Section 八: categories and items done meet every listed group's minimum."""
    done = c.report.strategies
    sheet_id = p.scope[0]
    checked = []
    for code in c.report.groups:
        group = c.form.group_rule(code)
        if group is None or group in checked:  # 「C群、C2組」 share one minimum: once
            continue
        checked.append(group)
        cats, items = len(done.categories_done), len(done.items_done)
        if cats < group.categories or items < group.items:
            yield Finding(
                rule.id,
                rule.severity,
                f"{code}每年至少辦理 {group.categories} 類、{group.items} 項；目前辦理 {cats} 類、{items} 項",
                c.source(sheet_id, None, None),
                Target(p.table, None, None, c.target(sheet_id, None, None).section),
                rule.title,
            )


@kind(kinds.StrategyItem)
def strategy_item(c: Checker, rule: Rule, p: kinds.StrategyItem) -> Iterator[Finding]:
    """Section 八: each measure names an item the form has."""
    m = c.form.measures
    for sheet_id, record in _each(c, rule):
        cat, item = record.get(m.category), record.get(m.item)
        if cat and item is not None and c.form.strategy_row(cat, item) is None:
            count = next(len(s.items) for s in c.form.strategies if s.number == cat)
            yield c.finding(
                rule, f"{c.header(sheet_id, m.category)}({cat})只有第 1–{count} 項，沒有第 {item} 項",
                sheet_id, record, m.item,
            )  # fmt: skip


@kind(kinds.FreeTable)
def free_table(c: Checker, rule: Rule, p: kinds.FreeTable) -> Iterator[Finding]:
    """A 表格 block of the free-layout part names an existing sheet."""
    layout = c.form.free_layout
    for sheet_id, record in _each(c, rule):
        if record.get(layout.kind) != layout.table_kind:
            continue
        name, rows = record.get(layout.table) or "", record.get(layout.header_rows)
        where = c.header(sheet_id, layout.table)
        table = c.inputs.free_tables.get(name)
        if table is None:
            sheets = "、".join(c.inputs.free_tables) or "（無）"
            message = f"找不到「{where}」所填的工作表「{name}」；此活頁簿的表格工作表有：{sheets}"
            yield c.finding(rule, message, sheet_id, record, layout.table)
        elif not table.cells:
            message = f"{where}「{table.name}」是空的，報告中不會出現此表格"
            yield c.finding(rule, message, sheet_id, record, layout.table)
        elif (rows or 0) > len(table.cells):
            message = (
                f"「{c.header(sheet_id, layout.header_rows)}」{rows} 多於表格「{table.name}」的列數 {len(table.cells)}"
            )
            yield c.finding(rule, message, sheet_id, record, layout.header_rows)


@kind(kinds.ImageFile)
def image_file(c: Checker, rule: Rule, p: kinds.ImageFile) -> Iterator[Finding]:
    """A 圖片 block names an image file inside the inputs folder that Word can show."""
    layout = c.form.free_layout
    for sheet_id, record in _each(c, rule):
        if record.get(layout.kind) != layout.image_kind:
            continue
        name = (record.get(layout.text) or ("",))[0]
        try:
            path = inside(c.inputs.directory, name)
        except OutsideFolder as exc:
            yield c.finding(rule, f"圖片檔的路徑不在輸入資料夾內：{exc}", sheet_id, record, layout.text)
            continue
        if not path.is_file():
            message = f"找不到圖片檔「{name}」（路徑相對於輸入資料夾）"
            yield c.finding(rule, message, sheet_id, record, layout.text)
        elif (problem := picture_problem(path)) is not None:
            yield c.finding(rule, f"圖片檔無法放入 Word：{problem}", sheet_id, record, layout.text)


@kind(kinds.NamesMatch)
def names_match(c: Checker, rule: Rule, p: kinds.NamesMatch) -> Iterator[Finding]:
    """Each name in one table appears in another (e.g. contacts in the training table)."""
    others = {r.get(p.other_field) for r in c.records(p.other_sheet)}
    others.discard(None)
    for sheet_id, record in _each(c, rule):
        name = record.get(p.field)
        if name and name not in others:
            close = [o for o in others if _one_apart(name, o)]
            hint = f"（是否為「{close[0]}」？）" if close else ""
            yield c.finding(
                rule,
                f"「{name}」未出現在{c.form.sheets[p.other_sheet][1].name}表中{hint}",
                sheet_id,
                record,
                p.field,
            )


def _one_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and a != b and sum(x != y for x, y in zip(a, b, strict=True)) == 1


@kind(kinds.NearDuplicates)
def near_duplicates(c: Checker, rule: Rule, p: kinds.NearDuplicates) -> Iterator[Finding]:
    """Two values across tables that differ in one character: a name spelled two ways.

    Long values (a title and a name, ``min_length`` characters or more) are always compared.
    Short ones (a bare name, ``short_length`` or more) only when one spelling is repeated
    (``repeats`` times or more) and the other is not: 黃煥榮 in two meetings and 黃煥蓉 in
    a third is a slip; two different people with similar names are not flagged.
    """
    seen: list[tuple[str, str, Record, str]] = []
    min_length, repeats = p.min_length, p.repeats
    short_length = p.short_length if p.short_length is not None else min_length
    for qualified in p.fields:
        sheet_id, key = qualified.rsplit(".", 1)
        for record in c.records(sheet_id):
            value = record.get(key)
            if not value:
                continue
            for part in re.split(r"[、，,；;]", str(value)):
                part = part.strip()
                if len(part) >= short_length:
                    seen.append((part, sheet_id, record, key))
    counts: dict[str, int] = {}
    first: dict[str, int] = {}  # each distinct value → where it is first seen
    for index, (text, *_) in enumerate(seen):
        counts[text] = counts.get(text, 0) + 1
        first.setdefault(text, index)
    for a, b in _one_apart_pairs(first):
        if len(a) < min_length and not (max(counts[a], counts[b]) >= repeats and min(counts[a], counts[b]) == 1):
            continue
        (_, sheet_a, rec_a, key_a), (_, sheet_b, rec_b, key_b) = seen[first[a]], seen[first[b]]
        # Point at the rarer spelling: that is the one to correct.
        if counts[a] > counts[b]:
            a, b = b, a
            (sheet_a, rec_a, key_a), (sheet_b, rec_b, key_b) = (sheet_b, rec_b, key_b), (sheet_a, rec_a, key_a)
        other = c.source(sheet_b, rec_b, key_b)
        yield c.finding(
            rule, f"「{a}」與「{b}」（{other}）只差一個字，是否為同一人名的不同寫法？", sheet_a, rec_a, key_a
        )


def _one_apart_pairs(texts: dict[str, int]) -> list[tuple[str, str]]:
    """Every pair of the distinct ``texts`` (value → order) that differ in exactly one
    character, in order.  Two such strings share exactly one key "position + the rest",
    so bucketing by it finds them without comparing every pair (a long table stays fast)."""
    buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
    for text in texts:
        for k in range(len(text)):
            buckets[(k, text[:k] + text[k + 1 :])].append(text)
    pairs = {
        (x, y) if texts[x] < texts[y] else (y, x)
        for group in buckets.values()
        if len(group) > 1
        for i, x in enumerate(group)
        for y in group[i + 1 :]
    }
    return sorted(pairs, key=lambda pair: (texts[pair[0]], texts[pair[1]]))


def run_checks(report: Report, rules: Iterable[Rule]) -> list[Finding]:
    """Check every rule against ``report``; findings in rule order."""
    checker = Checker(report)
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(KINDS[type(rule.params)](checker, rule, rule.params))
    return findings


# -- annexes (附件): the files in inputs/attachments/ against the annex list ------------


@kind(kinds.AnnexFilePresent)
def annex_file_present(c: Checker, rule: Rule, p: kinds.AnnexFilePresent) -> Iterator[Finding]:
    """Every expected annex and sub-annex has a file in the attachments folder."""
    found = c.annex_files
    folder = annex_list.ANNEX_FOLDER
    note = "" if found.folder.is_dir() else f"（輸入資料夾中沒有 {folder}/ 資料夾）"
    for annex in found.missing():
        yield Finding(
            rule.id,
            rule.severity,
            f"找不到附件{annex.number}（{annex.title}）的檔案：請將檔案放入 {folder}/ 資料夾，"
            f"檔名以「附件{annex.number}」開頭，例如「附件{annex.number} 名稱.pdf」{note}",
            annex.source,
            Target(section=annex.section),
            rule.title,
        )


@kind(kinds.AnnexFileListed)
def annex_file_listed(c: Checker, rule: Rule, p: kinds.AnnexFileListed) -> Iterator[Finding]:
    """Every file named 附件… in the attachments folder belongs to a listed annex."""
    for path, why in c.annex_files.unexpected:
        yield Finding(
            rule.id, rule.severity, f"{annex_list.ANNEX_FOLDER}/{path.name} 不屬於任何附件：{why}", title=rule.title
        )


@kind(kinds.AnnexSubNumber)
def annex_sub_number(c: Checker, rule: Rule, p: kinds.AnnexSubNumber) -> Iterator[Finding]:
    """A 附件 sheet lists sub-annexes of its own annex only (3-1, 3-2 … in section 三's)."""
    for spec in c.form.annexes:
        if not spec.subs:
            continue
        for record in c.records(spec.subs):
            number = record.get("number")
            if number is None or annex_list.is_sub_number(number, spec.number):
                continue
            hint = (
                "；Excel 可能把「3-1」自動轉成了日期，請將儲存格格式設為「文字」後重新輸入"
                if annex_list.looks_like_date(number)
                else ""
            )
            yield c.finding(
                rule,
                f"附件編號「{number}」不是附件{spec.number}（{spec.title}）的"
                f"子附件：此工作表的附件應編為 {spec.number}-1、{spec.number}-2…{hint}",
                spec.subs,
                record,
                "number",
            )


_CITED = re.compile(r"附件\s*([0-9０-９]+(?:\s*[-－─—]\s*[0-9０-９]+)?)")


@kind(kinds.AnnexReferences)
def annex_references(c: Checker, rule: Rule, p: kinds.AnnexReferences) -> Iterator[Finding]:
    """A text that cites 附件N (「如附件7」) cites an annex of the list."""
    known = {a.number for a in annex_list.each_annex(annex_list.expected_annexes(c.form, c.inputs))}
    skip = {spec.subs for spec in c.form.annexes if spec.subs}  # the 附件 sheets list, not cite
    for sheet_id, sheet in c.inputs.sheets.items():
        if sheet_id in skip:
            continue
        for record in sheet.records:
            for key, value in record.values.items():
                texts = value.value if isinstance(value.value, tuple) else (value.value,)
                for text in texts:
                    for match in _CITED.finditer(text if isinstance(text, str) else ""):
                        number = annex_list.normalize_number(match.group(1))
                        if number is not None and number not in known:
                            yield c.finding(
                                rule,
                                f"文中提到「{match.group(0)}」，但附件清單中沒有附件{number}",
                                sheet_id,
                                record,
                                key,
                            )
