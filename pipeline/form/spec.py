"""The form definition: loads and validates ``templates/<form>/form.yaml``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipeline import cache
from pipeline.errors import FormError, describe
from pipeline.form import schema
from pipeline.form.schema import SchemaError, build
from pipeline.form.tablemap import (
    City,
    FigureSpec,
    FreeLayout,
    Identity,
    Measures,
    Recipe,
    TableSpec,
    Typeset,
    Unresolved,
    resolve,
)
from pipeline.frozen import Frozen, frozen

if TYPE_CHECKING:
    from importlib.abc import Traversable

FieldType = Literal["text", "paragraphs", "int", "money", "decimal", "date", "checkbox", "choice", "groups"]

FORM_EDITION = "tpe-gender-report"  # the edition shipped with the program


def _shipped_form_dir() -> Path:
    """The shipped form's folder: package data ``pipeline.templates`` (pyproject.toml maps the
    repository's top-level templates/ there), or that folder itself in a plain checkout."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "templates" / FORM_EDITION, package.parent / "templates" / FORM_EDITION):
        if (folder / "form.yaml").is_file():  # installed as files, or a checkout: no import needed
            return folder
    from importlib.resources import files  # e.g. a zipped installation

    try:
        root = files("pipeline.templates")
    except ModuleNotFoundError:  # run from a source tree that was never installed
        return Path(__file__).resolve().parent.parent.parent / "templates" / FORM_EDITION
    entry = root / FORM_EDITION
    if isinstance(entry, Path):  # installed as files: every pip, pipx or editable install
        return entry
    return _extracted(entry)


def _extracted(folder: Traversable) -> Path:
    """A copy on disk of a form folder that is not one (a zipped installation): the
    template is read by path."""
    import atexit
    import shutil
    import tempfile

    target = Path(tempfile.mkdtemp(prefix="report-form-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    for item in folder.iterdir():
        if item.is_file():
            (target / item.name).write_bytes(item.read_bytes())
    return target


DEFAULT_FORM_DIR = _shipped_form_dir()


@frozen
class FieldSpec(Frozen):
    """One input value: a labelled field or a table column."""

    key: str
    header: str
    type: FieldType = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    carry: bool = False  # persists from one year to the next (report init --from)
    # What a blank cell means (the sample agency's value); `report init` writes it into the
    # blank workbook so that the clerk sees it and changes it where it does not fit.
    default: str | None = None

    def __post_init__(self) -> None:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError(f"{self.key}: 'choices' goes with type 'choice' only")
        if self.default is not None:
            if self.type not in ("text", "choice") or self.required:
                raise ValueError(f"{self.key}: 'default' goes with an optional text or choice field only")
            if self.choices and self.default not in self.choices:
                raise ValueError(f"{self.key}: default「{self.default}」is not one of its choices")


@frozen
class SheetSpec(Frozen):
    """One sheet of a workbook: a list of labelled fields, or a table."""

    id: str
    name: str
    kind: Literal["fields", "table"]
    fields: tuple[FieldSpec, ...] = ()
    columns: tuple[FieldSpec, ...] = ()
    numbering: str = "{n}."  # how the report table prints 項次
    max_rows: int | None = None
    free_tables: bool = False
    required: bool = True

    def __post_init__(self) -> None:
        if self.kind == "fields" and (not self.fields or self.columns):
            raise ValueError(f"sheet {self.id}: a 'fields' sheet lists fields")
        if self.kind == "table" and (not self.columns or self.fields):
            raise ValueError(f"sheet {self.id}: a 'table' sheet lists columns")

    @property
    def specs(self) -> tuple[FieldSpec, ...]:
        """The fields or columns of this sheet."""
        return self.fields if self.kind == "fields" else self.columns


@frozen
class WorkbookSpec(Frozen):
    """One section workbook."""

    id: str
    file: str
    title: str
    sheets: tuple[SheetSpec, ...]
    section: str | None = None  # the report section it feeds (一 … 十); findings land there
    required: bool = True
    instructions: tuple[str, ...] = ()  # the form's 填報說明 for this workbook


@frozen
class Formats(Frozen):
    """How figures are printed."""

    percent: dict[str, str | int | bool]
    date_short: str
    date_long: str
    ticked: str
    unticked: str
    done: str
    not_done: str
    difference_up: str
    difference_down: str
    difference_none: str
    none: str


@frozen
class GroupRule(Frozen):
    """Section 八 minimums shared by one or more groups."""

    codes: tuple[str, ...]
    categories: int
    items: int

    def __post_init__(self) -> None:
        if self.categories < 0 or self.items < 0:
            raise ValueError("categories and items are minimums: 0 or more")


@frozen
class AnnexSpec(Frozen):
    """One annex of the form."""

    number: str
    title: str
    section: str
    line: str
    subs: str | None = None
    listed: bool = True
    # Placeholders of the title filled from fields (「…({kind}部分)」: kind → s7.years.budget_kind).
    fields: dict[str, str] = field(default_factory=dict)

    def title_with(self, value: Callable[[str], str]) -> str:
        """The title with its placeholders filled (``value`` gives a field's text by its ref)."""
        if not self.fields:
            return self.title
        return self.title.format(**{name: value(ref) for name, ref in self.fields.items()})


@frozen
class Category(Frozen):
    """A section 八 strategy category with its official items."""

    number: str
    label: str
    items: tuple[str, ...]


@frozen
class Form(Frozen):
    """The whole form definition."""

    id: str
    edition: str
    title: str
    output_name: str
    template: str
    formats: Formats
    groups: tuple[GroupRule, ...]
    annexes: tuple[AnnexSpec, ...]
    sub_annex_line: str
    strategies: tuple[Category, ...]
    workbooks: tuple[WorkbookSpec, ...]
    identity: Identity
    figures: dict[str, FigureSpec]
    city: City
    measures: Measures
    wording: dict[str, str]
    values: dict[str, Recipe]
    tables: dict[str, TableSpec]
    free_layout: FreeLayout
    typeset: Typeset = field(default_factory=Typeset)
    directory: Path = field(default=Path("."), compare=False)
    # What the form was loaded from, as a cache key (form.yaml's bytes, its folder, the code
    # that reads it): what is checked against this form (the rules) is cached under it.
    # Empty for a form made in code.
    fingerprint: str = field(default="", init=False, compare=False, repr=False)

    @cached_property
    def sheets(self) -> dict[str, tuple[WorkbookSpec, SheetSpec]]:
        """Every sheet by its qualified id ``<workbook>.<sheet>``."""
        return {f"{wb.id}.{sh.id}": (wb, sh) for wb in self.workbooks for sh in wb.sheets}

    @cached_property
    def table_of_sheet(self) -> dict[str, str]:
        """The report table each sheet feeds (by sheet id), for findings."""
        tables = {t.rows: table_id for table_id, t in self.tables.items() if t.rows}
        grid = next((table_id for table_id, t in self.tables.items() if t.grid), None)
        if grid is not None:
            tables[self.measures.sheet] = grid  # the measures land in the rows of their items
        return tables

    def section_of(self, sheet_id: str) -> str | None:
        """The report section (一 … 十) a sheet feeds."""
        wb_spec, _ = self.sheets[sheet_id]
        return wb_spec.section

    def field_spec(self, sheet_id: str, key: str) -> FieldSpec:
        """The spec of one field of a sheet (the form has been resolved: it exists)."""
        return next(f for f in self.sheets[sheet_id][1].specs if f.key == key)

    @property
    def template_path(self) -> Path:
        """The Word template."""
        return self.directory / self.template

    @property
    def group_codes(self) -> tuple[str, ...]:
        """Every valid group code, in the form's order."""
        return tuple(code for rule in self.groups for code in rule.codes)

    def strategy_row(self, category: str, item: int) -> int | None:
        """The body row of section 八's table for (category, item), or None if no such item."""
        row = 0
        for cat in self.strategies:
            if cat.number == category:
                return row + item - 1 if 1 <= item <= len(cat.items) else None
            row += len(cat.items)
        return None

    def group_rule(self, code: str) -> GroupRule | None:
        """The section 八 minimums for a group code."""
        return next((rule for rule in self.groups if code in rule.codes), None)


def load_yaml(text: str) -> Any:
    """YAML data, read safely (libyaml's C loader when it is there: ten times faster).

    Raises ``yaml.YAMLError``; yaml is imported only when a form file is actually read."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def parse_yaml(path: Path, blob: bytes, what: str) -> Any:
    """The data of one of the form's YAML files; bad UTF-8 or YAML is a FormError naming
    the file (``what``: 表單定義檔, 規則檔)."""
    try:
        return load_yaml(blob.decode("utf-8"))
    except (yaml_error(), UnicodeDecodeError) as exc:
        raise FormError(f"{what}格式錯誤：{path}\n{exc}") from exc


def yaml_error() -> type[Exception]:
    """The exception class of YAML syntax errors."""
    import yaml

    return yaml.YAMLError


def read_form_file(path: Path, what: str) -> bytes:
    """The bytes of one of the form's files; a missing or unreadable one is a FormError
    naming ``what`` it is (表單定義檔, 規則檔)."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise FormError(f"找不到{what}：{path}") from exc
    except OSError as exc:
        raise FormError(f"無法讀取{what}：{path}\n{describe(exc)}") from exc


_FORMS: dict[tuple[str, Path], Form] = {}  # per process: a batch loads the form for every agency


def load_form(directory: Path | str = DEFAULT_FORM_DIR) -> Form:
    """Load and validate the form definition in ``directory`` (cached: see pipeline.cache;
    a pickle, in the checked cache folder only)."""
    directory = Path(directory)
    path = directory / "form.yaml"
    blob = read_form_file(path, "表單定義檔")
    from pipeline.form import fmt, tablemap  # fmt checks the date formats; both import this module

    code = cache.code_of(__file__, schema.__file__, fmt.__file__, tablemap.__file__)
    entry = cache.key(blob, str(directory.resolve()).encode(), code)
    form = _FORMS.get((entry, directory))
    if form is None:
        form = cache.remember("forms", entry, Form, lambda: _read_form(path, _parse_form(path, blob)), pickled=True)
        object.__setattr__(form, "directory", directory)  # where it was read from, not data
        object.__setattr__(form, "fingerprint", entry)
        _FORMS.clear()  # one form per process is the norm; keep memory flat
        _FORMS[(entry, directory)] = form
    if not form.template_path.is_file():
        raise FormError(f"找不到 Word 範本：{form.template_path}")
    return form


def _parse_form(path: Path, blob: bytes) -> dict[str, Any]:
    """form.yaml as data (the slow part of loading a form, so the part that is cached)."""
    data = parse_yaml(path, blob, "表單定義檔")
    if not isinstance(data, dict):
        raise FormError(f"表單定義檔格式錯誤：{path}")
    return data


def _read_form(path: Path, data: dict[str, Any]) -> Form:
    if "directory" in data:
        raise FormError(f"表單定義檔內容不正確：{path}\ndirectory 由程式設定，不可寫在檔案中")
    try:
        form = build(Form, data)
    except SchemaError as exc:
        raise FormError(f"表單定義檔內容不正確：{path}\n{exc}") from exc
    _check_date_formats(form.formats, path)
    try:
        resolve(form)
    except Unresolved as exc:
        raise FormError(f"表單定義檔內容不正確：{path}\n{exc}") from exc
    object.__setattr__(form, "directory", path.parent)
    return form


def _check_date_formats(formats: Formats, path: Path) -> None:
    """Each date format prints a date and reads back (``report pull``) with {y}, {m}, {d}:
    a broken one is a form error here, not a traceback in a build or a pull."""
    from pipeline.form.fmt import date_pattern

    for name in ("date_short", "date_long"):
        pattern = getattr(formats, name)
        try:
            date_pattern(pattern)
            pattern.format(y=110, m=2, d=24)
        except (ValueError, KeyError, IndexError) as exc:
            raise FormError(f"表單定義檔內容不正確：{path}\nformats.{name}：{exc}") from exc
