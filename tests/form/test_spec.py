"""The form definition: loaded, validated, and a clear FormError when it is broken."""

from __future__ import annotations

import shutil

import pytest
import yaml

from pipeline.errors import FormError
from pipeline.form.rules import load_rules
from pipeline.form.spec import DEFAULT_FORM_DIR, load_form


@pytest.fixture
def form_dir(tmp_path):
    target = tmp_path / "form"
    shutil.copytree(DEFAULT_FORM_DIR, target)
    return target


def edit_form(form_dir, change):
    path = form_dir / "form.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_shipped_form_loads(form):
    assert form.id == "tpe-gender-report" and len(form.workbooks) == 12
    assert form.group_rule("C2組").categories == 3 and form.group_rule("Z群") is None
    assert form.strategy_row("四", 2) == 4 + 5 + 4 + 1 and form.strategy_row("三", 9) is None
    assert (
        form.table_of_sheet["s2.meetings"] == "s2.meetings" and form.table_of_sheet["s7.current"] == "s7.budget_current"
    )
    assert form.table_of_sheet[form.measures.sheet] == "s8.strategies"  # measures land in the grid


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: d.pop("groups"), "groups"),
        (lambda d: d["workbooks"][0]["sheets"][0]["fields"][0].update(type="colour"), "type"),
        (lambda d: d["workbooks"][0]["sheets"][0].update(unknown_key=1), "unknown_key"),
        (lambda d: d["workbooks"][4]["sheets"][1]["columns"][2].pop("choices"), "choices"),
        (lambda d: d["groups"][0].update(categories=-1), "categories"),
        # A date format the program cannot print (or pull cannot read back) with {y}, {m}, {d}.
        (lambda d: d["formats"].update(date_long="{year}年{m}月{d}日"), "date_long"),
        (lambda d: d["formats"].update(date_short="{y}-{m:02d}-{d:q}"), "date_short"),
        (lambda d: d["formats"].update(date_long="{y}年{m}月{d日"), "date_long"),
    ],
    ids=[
        "missing-key",
        "unknown-type",
        "unknown-key",
        "choice-without-choices",
        "negative-minimum",
        "date-unknown-field",
        "date-bad-spec",
        "date-unclosed",
    ],
)
def test_a_broken_form_is_a_form_error_naming_the_problem(form_dir, change, words):
    edit_form(form_dir, change)
    with pytest.raises(FormError, match=words):
        load_form(form_dir)


def test_missing_or_unreadable_files_are_form_errors(form_dir, tmp_path):
    (form_dir / "report.docx").unlink()
    with pytest.raises(FormError, match="Word 範本"):
        load_form(form_dir)
    (form_dir / "form.yaml").write_text("groups: [unclosed", encoding="utf-8")
    with pytest.raises(FormError, match="格式錯誤"):
        load_form(form_dir)
    with pytest.raises(FormError, match="找不到表單定義檔"):
        load_form(tmp_path / "nowhere")


def test_form_and_rules_are_cached_between_processes(form_dir, tmp_path, monkeypatch):
    from pipeline.form import spec as form_module

    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path / "cache"))
    first, first_rules = load_form(form_dir), load_rules(load_form(form_dir))
    entries = {p.relative_to(tmp_path / "cache").parts[0] + p.suffix for p in (tmp_path / "cache").rglob("*.*")}
    # the form as loaded; the rules' YAML as data, and the rules as checked against the form
    assert entries == {"forms.pickle", "rules.json", "checked-rules.pickle"}

    def no_yaml(text):
        raise AssertionError("a cached form must not be parsed again")

    def no_check(rule, form):
        raise AssertionError("rules checked against this form must not be checked again")

    monkeypatch.setattr(form_module, "_FORMS", {})  # as in a new process
    monkeypatch.setattr("pipeline.form.rules._CHECKED", {})
    monkeypatch.setattr(form_module, "load_yaml", no_yaml)  # rules.yaml is parsed through it too
    monkeypatch.setattr("pipeline.form.rules._unresolved", no_check)
    assert load_form(form_dir) == first and load_rules(load_form(form_dir)) == first_rules
    assert load_form(form_dir).directory == form_dir


def test_an_edited_form_is_read_again_not_taken_from_the_cache(form_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path / "cache"))
    before = load_form(form_dir)
    edit_form(form_dir, lambda data: data.update(edition="110"))
    assert before.edition != "110" and load_form(form_dir).edition == "110"


def test_a_broken_cache_entry_is_ignored(form_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path / "cache"))
    expected = load_form(form_dir)
    for entry in [*(tmp_path / "cache").rglob("*.json"), *(tmp_path / "cache").rglob("*.pickle")]:
        entry.write_bytes(b"not JSON, not a pickle")
    monkeypatch.setattr("pipeline.form.spec._FORMS", {})
    assert load_form(form_dir) == expected


def test_without_a_usable_cache_folder_the_form_still_loads(form_dir, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("TPE_REPORT_CACHE", str(blocked))
    assert load_form(form_dir).id == "tpe-gender-report"
    monkeypatch.setenv("TPE_REPORT_CACHE", "off")
    assert load_form(form_dir).id == "tpe-gender-report"
