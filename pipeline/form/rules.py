"""The form's rules (``templates/<form>/rules.yaml``) as typed data, checked against the form.

Each rule names a *kind* of check (the code is in :mod:`pipeline.report.check`)
and gives that kind's parameters, which are a frozen dataclass here.  When the
rules load, every parameter is checked twice: its type (with ``schema.build``)
and what it names (every sheet id in form.yaml, every field key in that sheet,
every report table and column).  A typo is a FormError naming the file, the
line, the rule and the parameter, with the nearest valid name — never a rule
that silently checks nothing or a KeyError halfway through a build.

    from pipeline.form.rules import load_rules
    rules = load_rules(form)          # a tuple of Rule
    rules[0].params.total             # typed: a field key of the rule's sheet
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

from pipeline import cache as disk_cache
from pipeline import findings as findings_module
from pipeline.errors import FormError
from pipeline.findings import Severity
from pipeline.form import schema
from pipeline.form.schema import SchemaError, build, did_you_mean
from pipeline.form.spec import Form, parse_yaml, read_form_file
from pipeline.frozen import Frozen, frozen

RULES_FILE = "rules.yaml"


@frozen
class Ref(Frozen):
    """What a parameter names, resolved against the form when the rules load.

    ``sheet``: a sheet id ``<workbook>.<sheet>``; ``field``: a field key of the sheet(s)
    named by parameter ``of`` (``scope``: the rule's own sheets); ``table``: a report
    table id; ``column``: a column key of the report table of the rule's sheets;
    ``qualified``: ``<workbook>.<sheet>.<field>``.
    """

    what: Literal["sheet", "field", "table", "column", "qualified"]
    of: str = "scope"


SheetId = Annotated[str, Ref("sheet")]
FieldKey = Annotated[str, Ref("field")]
TableId = Annotated[str, Ref("table")]
TableColumn = Annotated[str, Ref("column")]
QualifiedField = Annotated[str, Ref("qualified")]
OtherField = Annotated[str, Ref("field", "other_sheet")]
RowsField = Annotated[str, Ref("field", "rows")]


# Every kind's class is made at each start of the program: the kinds share equality, hash
# and repr (pipeline.frozen) instead of compiling their own (eq=False, repr=False below).
@frozen(kw_only=True)
class Params(Frozen):
    """The parameters every kind shares: the sheet (or sheets) the rule applies to."""

    sheet: SheetId | None = None
    sheets: tuple[SheetId, ...] = ()

    scoped: ClassVar[bool] = True  # the kind goes through the records of its sheet(s)
    reads: ClassVar[tuple[str, ...]] = ()  # field keys the kind's code reads in its sheet(s)

    @property
    def scope(self) -> tuple[str, ...]:
        """The sheet ids the rule applies to."""
        return self.sheets or ((self.sheet,) if self.sheet else ())


@frozen(kw_only=True)
class SumEquals(Params):
    """A stated total equals the sum of its parts."""

    total: FieldKey
    parts: tuple[FieldKey, ...]


@frozen(kw_only=True)
class MinShare(Params):
    """The lower single-gender share against a threshold.  ``explained: false`` reports a
    share below it without an explanation; ``explained: true`` one with an explanation,
    for the reviewer to judge, at report column ``shown_at``."""

    total: FieldKey
    parts: tuple[FieldKey, ...]
    threshold: Fraction
    explanation: FieldKey
    explained: bool = False
    shown_at: TableColumn | None = None


@frozen(kw_only=True)
class ExactlyOne(Params):
    """Exactly one box of a group is ticked."""

    fields: tuple[FieldKey, ...]
    label: str


@frozen(kw_only=True)
class AtLeastOne(Params):
    """At least one box of a group is ticked."""

    fields: tuple[FieldKey, ...]
    label: str


@frozen(kw_only=True)
class RequiredIf(Params):
    """A field is filled when a box is ticked."""

    when: FieldKey
    field: FieldKey


@frozen(kw_only=True)
class Ticked(Params):
    """A box the form expects ticked is ticked."""

    field: FieldKey


@frozen(kw_only=True)
class DateInYear(Params):
    """A date lies inside the report year."""

    field: FieldKey


@frozen(kw_only=True)
class NotGreater(Params):
    """For each pair [a, b]: a ≤ b."""

    pairs: tuple[tuple[FieldKey, FieldKey], ...]


@frozen(kw_only=True)
class LessThan(Params):
    """For each pair [a, b]: a < b is reported (e.g. fewer opinions adopted than given)."""

    pairs: tuple[tuple[FieldKey, FieldKey], ...]


@frozen(kw_only=True)
class MinValue(Params):
    """A figure is at least a minimum; ``who`` names the row in the message."""

    field: FieldKey
    minimum: Fraction
    who: FieldKey | None = None


@frozen(kw_only=True)
class MaxRows(Params):
    """A table has at most ``maximum`` rows."""

    maximum: int


@frozen(kw_only=True)
class EqualsField(Params):
    """A field equals a field of another sheet, plus an offset."""

    field: FieldKey
    other_sheet: SheetId
    other_field: OtherField
    offset: int = 0


@frozen(kw_only=True)
class StatedSum(Params):
    """A stated total (optional) equals the sum of column ``column`` of sheet ``rows``."""

    field: FieldKey
    rows: SheetId
    column: RowsField


@frozen(kw_only=True)
class ListedCount(Params):
    """Opinions listed with ``markers`` (甲、乙…) number as many as the count given."""

    field: FieldKey
    count: FieldKey
    markers: str


@frozen(kw_only=True)
class GroupMinimum(Params):
    """Section 八: the categories and items done meet the group's minimum; shown at ``table``."""

    table: TableId


@frozen(kw_only=True)
class StrategyItem(Params):
    """Section 八: each measure names an item the form has (its fields: form.yaml `measures`)."""


@frozen(kw_only=True)
class FreeTable(Params):
    """A 表格 block names a sheet of its workbook that fits."""

    reads: ClassVar[tuple[str, ...]] = ("kind", "sheet", "header_rows")


@frozen(kw_only=True)
class ImageFile(Params):
    """A 圖片 block names a readable image under the inputs folder."""

    reads: ClassVar[tuple[str, ...]] = ("kind", "text")


@frozen(kw_only=True)
class NamesMatch(Params):
    """Each name in one table appears in another."""

    field: FieldKey
    other_sheet: SheetId
    other_field: OtherField


@frozen(kw_only=True)
class NearDuplicates(Params):
    """Values across tables that differ in one character (a name spelled two ways)."""

    fields: tuple[QualifiedField, ...]
    min_length: int = 6
    short_length: int | None = None
    repeats: int = 2
    scoped: ClassVar[bool] = False


@frozen(kw_only=True)
class AnnexFilePresent(Params):
    """Every expected annex has a file."""

    scoped: ClassVar[bool] = False


@frozen(kw_only=True)
class AnnexFileListed(Params):
    """Every 附件… file belongs to an annex."""

    scoped: ClassVar[bool] = False


@frozen(kw_only=True)
class AnnexSubNumber(Params):
    """A 附件 sheet lists sub-annexes of its own annex only."""

    scoped: ClassVar[bool] = False


@frozen(kw_only=True)
class AnnexReferences(Params):
    """A text that cites 附件N cites an annex of the list."""

    scoped: ClassVar[bool] = False


KIND_PARAMS: dict[str, type[Params]] = {
    "sum_equals": SumEquals,
    "min_share": MinShare,
    "exactly_one": ExactlyOne,
    "at_least_one": AtLeastOne,
    "required_if": RequiredIf,
    "ticked": Ticked,
    "date_in_year": DateInYear,
    "not_greater": NotGreater,
    "less_than": LessThan,
    "min_value": MinValue,
    "max_rows": MaxRows,
    "equals_field": EqualsField,
    "stated_sum": StatedSum,
    "listed_count": ListedCount,
    "group_minimum": GroupMinimum,
    "strategy_item": StrategyItem,
    "free_table": FreeTable,
    "image_file": ImageFile,
    "names_match": NamesMatch,
    "near_duplicates": NearDuplicates,
    "annex_file_present": AnnexFilePresent,
    "annex_file_listed": AnnexFileListed,
    "annex_sub_number": AnnexSubNumber,
    "annex_references": AnnexReferences,
}


@frozen
class Rule(Frozen):
    """One rule of rules.yaml: id (the code machines read), title (what a person reads),
    severity, the typed parameters of its kind, and the field keys it reads in each record
    of its sheets."""

    id: str
    kind: str
    severity: Severity
    title: str
    params: Params
    reads: frozenset[str]  # fields_read(params), worked out once when the rules load


_CHECKED: dict[str, tuple[Rule, ...]] = {}  # per process: a batch loads the rules for every agency


def load_rules(form: Form) -> tuple[Rule, ...]:
    """Load ``rules.yaml`` next to the form; every parameter typed and checked against ``form``.

    The rules checked against a form loaded from its files are cached (see pipeline.cache),
    keyed by the rules' bytes, this code and the form's fingerprint: a pickle, as the form
    is, since typing and checking them again costs about 6 ms a build against 0.3 ms.
    """
    path = Path(form.directory) / RULES_FILE
    blob = read_form_file(path, "規則檔")
    code = disk_cache.code_of(__file__, schema.__file__, findings_module.__file__)
    if not form.fingerprint:  # a form made in code: nothing to key the check by
        return _checked_rules(path, blob, code, form)
    entry = disk_cache.key(blob, code, form.fingerprint.encode())
    rules = _CHECKED.get(entry)
    if rules is None:
        rules = disk_cache.remember(
            "checked-rules", entry, tuple, lambda: _checked_rules(path, blob, code, form), pickled=True
        )
        _CHECKED.clear()  # one form per process is the norm; keep memory flat
        _CHECKED[entry] = rules
    return rules


def _checked_rules(path: Path, blob: bytes, code: bytes, form: Form) -> tuple[Rule, ...]:
    """The rules typed from the YAML (as parsed, cached as JSON data) and checked against ``form``."""
    data = disk_cache.remember("rules", disk_cache.key(blob, code), dict, lambda: _parse_rules(path, blob))
    rules = _read_rules(path, blob, data)
    for index, rule in enumerate(rules):
        problem = _unresolved(rule, form)
        if problem:
            raise _error(path, blob, index, f"規則 {rule.id}（{rule.title}）的參數 {problem}")
    named = getattr(getattr(form, "city", None), "committee_rule", None)
    ids = [rule.id for rule in rules]
    if named is not None and named not in ids:
        raise FormError(
            f"表單定義檔內容不正確：{Path(form.directory) / 'form.yaml'}\n"
            f"city.committee_rule：規則檔沒有規則「{named}」{did_you_mean(named, ids)}"
        )
    return rules


def _parse_rules(path: Path, blob: bytes) -> dict[str, Any]:
    data = parse_yaml(path, blob, "規則檔")
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise FormError(f"規則檔內容不正確：{path}\n應有 rules: 清單")
    return data


def _read_rules(path: Path, blob: bytes, data: dict[str, Any]) -> tuple[Rule, ...]:
    if not isinstance(data.get("rules"), list):
        raise FormError(f"規則檔內容不正確：{path}\n應有 rules: 清單")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, item in enumerate(data["rules"]):
        try:
            rule = _rule(item, index)
        except SchemaError as exc:
            raise _error(path, blob, index, str(exc)) from exc
        if rule.id in seen:
            raise _error(path, blob, index, f"規則 id「{rule.id}」重複")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


@frozen
class _Head(Frozen):
    """The keys every rule has, whatever its kind."""

    id: str
    kind: str
    severity: Literal["error", "warning", "info"]
    title: str


def _rule(item: Any, index: int) -> Rule:
    if not isinstance(item, dict):
        raise SchemaError(f"rules[{index}]：應為「名稱: 值」的對應表")
    rule_id = item.get("id")
    where = f"規則 {rule_id}" if isinstance(rule_id, str) and rule_id else f"rules[{index}]"
    head_keys = [f.name for f in dataclasses.fields(_Head)]
    head = build(_Head, {key: item[key] for key in head_keys if key in item}, where, " 的 ")
    if not head.title.strip():
        raise SchemaError(f"{where}：title 不可空白（寫出讀者看得懂的中文名稱）")
    cls = KIND_PARAMS.get(head.kind)
    if cls is None:
        raise SchemaError(
            f"{where}：不認得的規則種類 kind: {head.kind}{did_you_mean(head.kind, KIND_PARAMS)}"
            f"（可用的種類：{', '.join(sorted(KIND_PARAMS))}）"
        )
    params = build(cls, {k: v for k, v in item.items() if k not in head_keys}, f"{where}（{head.kind}）", " 的參數 ")
    if cls.scoped and not params.scope:
        raise SchemaError(f"{where}（{head.kind}）：缺少參數 sheet（或 sheets）")
    if params.sheet and params.sheets:
        raise SchemaError(f"{where}：sheet 與 sheets 只能擇一")
    return Rule(head.id, head.kind, Severity(head.severity), head.title.strip(), params, fields_read(params))


# -- resolving what the parameters name ---------------------------------------------------


@cache
def _refs(cls: type[Params]) -> tuple[tuple[str, Ref], ...]:
    """(parameter name, what it names) for every naming parameter of a kind."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return tuple((f.name, ref) for f in dataclasses.fields(cls) for ref in _refs_in(hints[f.name]))


def _refs_in(tp: Any) -> Iterator[Ref]:
    if get_origin(tp) is Annotated:
        yield from (meta for meta in tp.__metadata__ if isinstance(meta, Ref))
        return
    for arg in get_args(tp):
        yield from _refs_in(arg)


@cache
def _fields_read(cls: type[Params], params: Params) -> frozenset[str]:
    own = [name for name, ref in _refs(cls) if ref.what == "field" and ref.of == "scope"]  # type: ignore[arg-type]  # classes are hashable; mypy#11470 checks Frozen.__hash__
    return frozenset(key for name in own for key in _names(getattr(params, name))) | frozenset(cls.reads)


def fields_read(params: Params) -> frozenset[str]:
    """The field keys a rule reads in each record of its own sheets."""
    return _fields_read(type(params), params)  # type: ignore[arg-type]  # classes are hashable; mypy#11470 checks Frozen.__hash__


def _names(value: Any) -> Iterator[str]:
    """The strings in a parameter value (a string, or tuples of them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _names(item)


def _unresolved(rule: Rule, form: Form) -> str | None:
    """What the first parameter of ``rule`` that names nothing in ``form`` is, or None."""
    params = rule.params
    for name, ref in _refs(type(params)):  # type: ignore[arg-type]  # classes are hashable; mypy#11470 checks Frozen.__hash__
        for value in _names(getattr(params, name)):
            problem = _resolve(ref, value, params, form)
            if problem:
                return f"{name}：{problem}"
    for sheet_id in params.scope:
        keys = _keys(form, sheet_id)
        for key in type(params).reads:
            if key not in keys:
                return f"sheet：工作表 {sheet_id} 沒有這類規則需要的欄位 {key}"
    return None


def _keys(form: Form, sheet_id: str) -> list[str]:
    return [spec.key for spec in form.sheets[sheet_id][1].specs]


def _sheet_problem(form: Form, sheet_id: str) -> str | None:
    if sheet_id in form.sheets:
        return None
    return f"表單定義檔沒有工作表「{sheet_id}」{did_you_mean(sheet_id, form.sheets)}"


def _field_problem(form: Form, sheet_id: str, key: str) -> str | None:
    keys = _keys(form, sheet_id)
    if key in keys:
        return None
    _, spec = form.sheets[sheet_id]
    return f"工作表 {sheet_id}（{spec.name}）沒有欄位「{key}」{did_you_mean(key, keys)}"


def _resolve(ref: Ref, value: str, params: Params, form: Form) -> str | None:
    if ref.what == "sheet":
        return _sheet_problem(form, value)
    if ref.what == "table":
        return None if value in form.tables else f"表單定義檔沒有報告表格「{value}」{did_you_mean(value, form.tables)}"
    if ref.what == "qualified":
        sheet_id, _, key = value.rpartition(".")
        return _sheet_problem(form, sheet_id) or _field_problem(form, sheet_id, key)
    if ref.what == "field":
        owners = params.scope if ref.of == "scope" else (getattr(params, ref.of),)
        for sheet_id in owners:  # each was resolved before (sheet parameters come first)
            problem = _sheet_problem(form, sheet_id) or _field_problem(form, sheet_id, value)
            if problem:
                return problem
        return None
    for sheet_id in params.scope:  # a column of the report table
        table_id = form.table_of_sheet.get(sheet_id)
        columns = form.tables[table_id].columns if table_id in form.tables else {}
        if value not in columns:
            return f"報告表格 {table_id} 沒有欄「{value}」{did_you_mean(value, columns)}"
    return None


def _error(path: Path, blob: bytes, index: int, message: str) -> FormError:
    line = _line_of(blob, index)
    where = f"（第 {line} 行）" if line else ""
    return FormError(f"規則檔內容不正確：{path}{where}\n{message}")


def _line_of(blob: bytes, index: int) -> int | None:
    """The line of rule ``index`` in the file (composed again only to say where a problem is)."""
    import yaml

    try:
        root = yaml.compose(blob.decode("utf-8"), Loader=yaml.SafeLoader)
        if root is None:  # an empty file
            return None
        rules = next(v for k, v in root.value if k.value == "rules")
        line: int = rules.value[index].start_mark.line
        return line + 1
    except Exception:  # the message still names the rule and parameter
        return None
