"""The report map of form.yaml: everything it names is resolved when the form loads, and a
renamed id either works everywhere or stops with a FormError naming it."""

from __future__ import annotations

import shutil

import pytest
import yaml

from pipeline.errors import FormError
from pipeline.form.spec import DEFAULT_FORM_DIR, load_form
from pipeline.form.tablemap import Recipe
from pipeline.word.template import check_against_form, load_template

FORM = yaml.safe_load((DEFAULT_FORM_DIR / "form.yaml").read_text(encoding="utf-8"))


def copy_form(tmp_path, change) -> object:
    """A copy of the shipped form folder with ``change`` applied to form.yaml's data."""
    folder = tmp_path / "form"
    shutil.copytree(DEFAULT_FORM_DIR, folder)
    data = yaml.safe_load((folder / "form.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "form.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def load_everything(folder):
    """What a build loads before it reads any workbook: the form, and the template against it."""
    form = load_form(folder)
    check_against_form(load_template(form.template_path), form)
    return form


def sheet_ids() -> list[tuple[int, int, str]]:
    return [
        (w, s, f"{wb['id']}.{sheet['id']}")
        for w, wb in enumerate(FORM["workbooks"])
        for s, sheet in enumerate(wb["sheets"])
    ]


@pytest.mark.parametrize("w, s, sheet_id", sheet_ids(), ids=[i for *_, i in sheet_ids()])
def test_a_sheet_id_renamed_where_it_is_defined_is_a_form_error_naming_it(tmp_path, w, s, sheet_id):
    folder = copy_form(tmp_path, lambda d: d["workbooks"][w]["sheets"][s].update(id="renamed"))
    with pytest.raises(FormError, match=sheet_id.replace(".", r"\.") + "|renamed"):
        load_everything(folder)


def field_keys() -> list[tuple[int, int, int, str]]:
    out = []
    for w, wb in enumerate(FORM["workbooks"]):
        for s, sheet in enumerate(wb["sheets"]):
            for f, spec in enumerate(sheet.get("fields") or sheet.get("columns")):
                out.append((w, s, f, f"{wb['id']}.{sheet['id']}.{spec['key']}"))
    return out


FIELD_KEYS = field_keys()


@pytest.mark.parametrize("w, s, f, ref", FIELD_KEYS, ids=[ref for *_, ref in FIELD_KEYS])
def test_a_field_key_renamed_where_it_is_defined_is_a_form_error_naming_it(tmp_path, w, s, f, ref):
    def rename(data):
        sheet = data["workbooks"][w]["sheets"][s]
        (sheet.get("fields") or sheet.get("columns"))[f]["key"] = "renamed_key"

    folder = copy_form(tmp_path, rename)
    key = ref.rsplit(".", 1)[1]
    try:
        load_everything(folder)
    except FormError as exc:
        assert key in str(exc) or "renamed_key" in str(exc)
    else:
        # Loading may only pass for a field that nothing but the rules uses; those are
        # checked by the rules' loader (tests/form/test_rules.py).
        pytest.skip(f"{ref} is used by rules.yaml only")


TEMPLATE_TABLES = [t for t, spec in FORM["tables"].items() if "nested_in" not in spec]


@pytest.mark.parametrize("table_id", TEMPLATE_TABLES)
def test_a_table_id_renamed_is_a_form_error_naming_it(tmp_path, table_id):
    def rename(data):
        data["tables"]["renamed.table"] = data["tables"].pop(table_id)

    folder = copy_form(tmp_path, rename)
    with pytest.raises(FormError, match=r"renamed\.table|" + table_id.replace(".", r"\.")):
        load_everything(folder)


@pytest.mark.parametrize("name", list(FORM["figures"]))
def test_a_figure_renamed_is_a_form_error_naming_it(tmp_path, name):
    folder = copy_form(tmp_path, lambda d: d["figures"].update(renamed_figure=d["figures"].pop(name)))
    with pytest.raises(FormError, match=name):
        load_everything(folder)


@pytest.mark.parametrize("path", list(FORM["values"]))
def test_a_value_the_template_places_cannot_go_missing(tmp_path, path):
    folder = copy_form(tmp_path, lambda d: d["values"].pop(path))
    with pytest.raises(FormError, match=path.replace(".", r"\.")):
        load_everything(folder)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: d["values"]["s3.physical_rate"].update(figure="physical_rat"), "physical_rat"),
        (lambda d: d["tables"]["s2.meetings"]["cells"]["head"].update(tick="chair_haed"), "chair_haed"),
        (lambda d: d["tables"]["s2.meetings"].update(rows="s2.meetingz"), "s2.meetingz"),
        (lambda d: d["tables"]["s6.ordinances"]["cells"]["written"].update(when={"method": "書審"}), "書審"),
        (lambda d: d["tables"]["s4.new_indicators"]["cells"]["dgbas"].update(equals="主計列管"), "主計列管"),
        (lambda d: d["tables"]["s2.meetings"]["cells"]["head"].update(text="session"), "一種"),
        (lambda d: d["tables"]["s2.meetings"]["cells"]["head"].pop("col"), "col"),
        (lambda d: d["identity"].update(agency="header.info.agencyy"), "agencyy"),
        (lambda d: d["values"]["s1.highlights"].update(lead="hilight"), "hilight"),
        (lambda d: d["tables"]["s2.members"]["cells"]["total"].pop("row"), "row"),
    ],
    ids=[
        "unknown-figure",
        "unknown-field",
        "unknown-sheet",
        "unknown-choice-in-condition",
        "unknown-choice-ticked",
        "two-kinds",
        "cell-without-column",
        "identity-field",
        "unknown-wording",
        "fields-table-cell-without-row",
    ],
)
def test_a_broken_report_map_is_a_form_error_naming_the_place(tmp_path, change, words):
    folder = copy_form(tmp_path, change)
    with pytest.raises(FormError, match=words):
        load_everything(folder)


def test_the_nearest_name_is_suggested(tmp_path):
    folder = copy_form(tmp_path, lambda d: d["values"]["s3.physical_rate"].update(figure="physical_rat"))
    with pytest.raises(FormError, match="是否為「physical_rate」"):
        load_everything(folder)


def test_a_sheet_that_feeds_nothing_is_a_form_error(tmp_path):
    def add(data):
        data["workbooks"][1]["sheets"].append(
            {"id": "orphan", "name": "孤兒", "kind": "table", "columns": [{"key": "x", "header": "X"}]}
        )

    with pytest.raises(FormError, match="orphan.*沒有用在報告"):
        load_everything(copy_form(tmp_path, add))


def test_a_tag_of_the_template_the_form_does_not_make_is_named(tmp_path):
    folder = copy_form(tmp_path, lambda d: d["tables"]["s2.meetings"]["cells"].pop("quorum"))
    with pytest.raises(FormError, match="quorum"):
        load_everything(folder)


def test_a_recipe_names_exactly_one_kind():
    assert Recipe(text="name").kind == "text"
    with pytest.raises(ValueError):
        Recipe()
    with pytest.raises(ValueError):
        Recipe(text="a", number="b")


def test_where_findings_land_is_derived_from_the_cells(form):
    meetings = form.tables["s2.meetings"]
    assert meetings.cell_of("chair_other_title", 3) == (3, 4)  # beside the ☑ of 其他
    assert meetings.cell_of("date", 0) == (0, 0)  # not shown: `places`
    assert form.tables["s4.existing"].cell_of("items_agency", 0) == (1, 2)  # a fields table
    assert form.tables["s6.ordinances"].cell_of("method", 2) == (2, 3)  # the condition's column


def test_a_nested_table_renamed_works_everywhere(tmp_path, sample_inputs):
    """The renderer makes a nested table under its id, and pull reads it back by that id."""
    from pipeline import build
    from pipeline.review.pull import pull_report

    folder = copy_form(tmp_path, lambda d: d["tables"].update(renamed_venues=d["tables"].pop("s8.venues")))
    form = load_everything(folder)
    report = build(sample_inputs, tmp_path / "out", folder).output
    pull_report(report, tmp_path / "pulled", form)
    rebuilt = build(tmp_path / "pulled", tmp_path / "again", folder).output
    from pipeline.review.extract import read_tables

    assert read_tables(rebuilt)["renamed_venues"] == read_tables(report)["renamed_venues"]


# -- typesetting data ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d["tables"]["s2.members"]["layout"].update(widths=[1, 2]), "widths"),
        (lambda d: d["tables"]["s2.members"]["layout"].update(widths=[1, 1, 1, 1, 1, "2in"]), "公分"),
        (lambda d: d["tables"]["s2.members"]["layout"].update(widths=[1, 1, 1, 1, 1, 0]), "大於 0"),
        (lambda d: d["tables"]["s2.members"]["layout"].update(align={9: "left"}), "align"),
        (lambda d: d["tables"]["s2.members"]["layout"].update(align={1: "middle"}), "middle"),
        (lambda d: d["tables"]["s2.meetings"].update(ticks={"ticked": "", "unticked": ""}), "勾選"),
        (lambda d: d["typeset"]["align"].update(amount="right"), "amount"),
        (lambda d: d["typeset"].update(list_levels=[["{x}、"]]), "條列編號"),
        (lambda d: d["annexes"][5].update(fields={"kinds": "s7.years.budget_kind"}), "kind"),
        (lambda d: d["annexes"][5].update(fields={"kind": "s7.years.budget_kinds"}), "budget_kinds"),
    ],
    ids=["too-few-widths", "width-unit", "zero-width", "align-column", "align-value", "tick-glyph",
         "align-kind", "list-numbering", "annex-placeholder", "annex-field"],
)  # fmt: skip
def test_typesetting_data_is_checked_when_the_form_loads(tmp_path, change, message):
    folder = copy_form(tmp_path, change)
    with pytest.raises(FormError, match=message):
        load_form(folder)


def test_widths_that_do_not_match_the_templates_table_stop_the_build(tmp_path, sample_inputs):
    from pipeline import build

    folder = copy_form(tmp_path, lambda d: d["tables"]["s2.members"]["layout"].update(widths=[1] * 7))
    with pytest.raises(FormError, match="s2.members.*7 欄.*6 欄"):
        build(sample_inputs, tmp_path / "out", folder)


def test_a_default_must_be_one_of_the_choices(tmp_path):
    def change(d):
        years = next(s for wb in d["workbooks"] if wb["id"] == "s7" for s in wb["sheets"] if s["id"] == "years")
        next(f for f in years["fields"] if f["key"] == "budget_kind")["default"] = "特種基金"

    with pytest.raises(FormError, match="特種基金"):
        load_form(copy_form(tmp_path, change))


def test_every_header_renamed_with_its_old_name_as_alias_works_everywhere(tmp_path, sample_inputs):
    """A new edition renames column headers and keeps the old ones as aliases: the clerks'
    workbooks still read, the report is the same, and pull writes the new headers."""
    from openpyxl import load_workbook

    from pipeline import build
    from pipeline.review.extract import read_paragraphs, read_tables
    from pipeline.review.pull import pull_report

    def rename(data):
        for wb in data["workbooks"]:
            for sheet in wb["sheets"]:
                for spec in sheet.get("fields") or sheet.get("columns"):
                    spec["aliases"] = [*spec.get("aliases", []), spec["header"]]
                    spec["header"] = spec["header"] + "（新）"

    folder = copy_form(tmp_path, rename)
    form = load_everything(folder)
    original = build(sample_inputs, tmp_path / "before").output
    renamed = build(sample_inputs, tmp_path / "after", folder)
    assert "input.missing-column" not in {f.rule for f in renamed.findings}
    assert read_tables(renamed.output) == read_tables(original)
    assert read_paragraphs(renamed.output) == read_paragraphs(original)
    pull_report(renamed.output, tmp_path / "pulled", form)
    members = load_workbook(tmp_path / "pulled" / "02_性別平等專案小組.xlsx")["成員"]
    assert {row[0].value: row[1].value for row in members.iter_rows(min_row=2)}["委員總數（新）"] == 36
    meetings = load_workbook(tmp_path / "pulled" / "02_性別平等專案小組.xlsx")["會議"]
    assert [c.value for c in meetings[1]][0] == "會議場次（新）" and meetings.max_row > 1
    rebuilt = build(tmp_path / "pulled", tmp_path / "again", folder).output
    assert read_tables(rebuilt) == read_tables(original)
