"""Every rule of rules.yaml: a passing and a failing case, built in code."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import verify as run_check
from pipeline.form.rules import load_rules
from pipeline.form.spec import DEFAULT_FORM_DIR, load_form
from tests.conftest import ATTACHMENTS, MINIMAL, pdf_bytes

Data = dict[str, dict[str, Any]]


def patch(workbook: str, sheet: str, value: Any) -> Callable[[Data], None]:
    """A change to the minimal data: replace one sheet's content."""

    def apply(data: Data) -> None:
        data.setdefault(workbook, {})[sheet] = value

    return apply


def fields(workbook: str, sheet: str, **changes: Any) -> Callable[[Data], None]:
    """A change to some labelled fields of a ``fields`` sheet."""

    def apply(data: Data) -> None:
        data.setdefault(workbook, {}).setdefault(sheet, {}).update(changes)

    return apply


def both(*changes: Callable[[Data], None]) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        for change in changes:
            change(data)

    return apply


S2, S3, S6, S7 = ("02_性別平等專案小組.xlsx", "03_性別意識培力.xlsx", "06_性別影響評估.xlsx", "07_性別預算.xlsx")
MEETING = {"會議場次": "112-1", "主席-首長": "V", "全數委員達2/3出席": "V", "會議日期": "112-03-01"}
TRAINING = {
    "辦理日期": "112-05-01",
    "訓練班期(活動)名稱": "研習",
    "對象-一般公務人員": "V",
    "類別-基礎課程": "V",
    "方式-一般講授": "V",
    "時數": 3,
    "參加總人數": 9,
    "男性參加人數": 5,
    "女性參加人數": 4,
}
IMPACT = {
    "評估方案名稱": "方案",
    "摘要": "(1) 說明\n甲、意見一\n乙、意見二",
    "程序參與方式": "書面審查",
    "專家學者姓名": "教授甲",
    "專家學者意見項數": 2,
    "專家學者參採項數": 2,
}
HOURS = {"身分": "性平聯絡人", "姓名": "王小明", "年度培力總時數": 18, "進階課程時數": 6}
BLOCK_TABLE = {"類型": "表格", "表格工作表": "附表"}


def attach(name: str) -> Callable[[Data], None]:
    """A change to the minimal data: one more file in attachments/."""

    def apply(data: Data) -> None:
        data.setdefault(ATTACHMENTS, {})[name] = pdf_bytes()

    return apply


def detach(number: str) -> Callable[[Data], None]:
    """A change to the minimal data: the file of one annex taken out of attachments/."""

    def apply(data: Data) -> None:
        files = data.setdefault(ATTACHMENTS, {})
        for name in [n for n in files if n.startswith(f"附件{number} ")]:
            del files[name]

    return apply


SUB_3_1 = patch(S3, "附件", [{"附件編號": "3-1", "附件名稱": "研習班"}])

# (rule id, a change that keeps the rule satisfied, a change that breaks it)
CASES: list[tuple[str, Callable[[Data], None], Callable[[Data], None]]] = [
    ("committee.total", fields(S2, "成員", 委員總數=9), fields(S2, "成員", 委員總數=10)),
    (
        "committee.share",
        fields(S2, "成員", 委員總數=9, 男性委員數=6, 女性委員數=3),  # exactly 1/3
        fields(S2, "成員", 委員總數=9, 男性委員數=7, 女性委員數=2),
    ),
    (
        "committee.share-explained",  # a share at 1/3 or more needs no reason; below it, the reason is shown
        fields(S2, "成員", **{"未達單一性別三分之一之原因": "委員改選中"}),
        fields(S2, "成員", 委員總數=9, 男性委員數=7, 女性委員數=2, **{"未達單一性別三分之一之原因": "委員改選中"}),
    ),
    ("meetings.chair", patch(S2, "會議", [MEETING]), patch(S2, "會議", [MEETING | {"主席-副首長": "V"}])),
    (
        "meetings.other-title",
        patch(S2, "會議", [MEETING | {"主席-首長": None, "主席-其他": "V", "其他主席職稱": "局長"}]),
        patch(S2, "會議", [MEETING | {"主席-首長": None, "主席-其他": "V"}]),
    ),
    ("meetings.quorum", patch(S2, "會議", [MEETING]), patch(S2, "會議", [MEETING | {"全數委員達2/3出席": None}])),
    ("meetings.date-in-year", patch(S2, "會議", [MEETING]), patch(S2, "會議", [MEETING | {"會議日期": "111-12-31"}])),
    ("general.headcount-sum", fields(S3, "一般公務員", 總人數=100), fields(S3, "一般公務員", 總人數=101)),
    ("general.done-sum", fields(S3, "一般公務員", 完成人數=99), fields(S3, "一般公務員", 完成人數=98)),
    (
        "general.done-le-headcount",
        fields(S3, "一般公務員", 女性完成人數=40),
        fields(S3, "一般公務員", 女性完成人數=41, 完成人數=100),
    ),
    ("managers.headcount-sum", fields(S3, "主管人員", 總人數=10), fields(S3, "主管人員", 總人數=11)),
    ("managers.done-sum", fields(S3, "主管人員", 完成人數=10), fields(S3, "主管人員", 完成人數=9)),
    (
        "managers.done-le-headcount",
        fields(S3, "主管人員", 男性完成人數=6),
        fields(S3, "主管人員", 男性完成人數=7, 完成人數=11),
    ),
    (
        "contacts.hours",
        patch(S3, "性平聯絡人參訓時數", [HOURS]),
        patch(S3, "性平聯絡人參訓時數", [HOURS | {"年度培力總時數": 17}]),
    ),
    (
        "contacts.advanced-hours",
        patch(S3, "性平聯絡人參訓時數", [HOURS]),
        patch(S3, "性平聯絡人參訓時數", [HOURS | {"進階課程時數": 5.5}]),
    ),
    (
        "contacts.advanced-le-total",
        patch(S3, "性平聯絡人參訓時數", [HOURS]),
        patch(S3, "性平聯絡人參訓時數", [HOURS | {"進階課程時數": 20}]),
    ),
    (
        "physical-rate.le",
        fields(S3, "實體課程參訓率", 一般公務員參訓者=100),
        fields(S3, "實體課程參訓率", 一般公務員參訓者=101),
    ),
    (
        "physical-rate.staff",
        fields(S3, "實體課程參訓率", 機關一般公務員=100),
        fields(S3, "實體課程參訓率", 機關一般公務員=120),
    ),
    (
        "training.participants-sum",
        patch(S3, "職工訓練", [TRAINING]),
        patch(S3, "職工訓練", [TRAINING | {"參加總人數": 10}]),
    ),
    (
        "training.date-in-year",
        patch(S3, "自辦訓練", [TRAINING]),
        patch(S3, "自辦訓練", [TRAINING | {"辦理日期": "113-01-05"}]),
    ),
    (
        "training.category",
        patch(S3, "自辦訓練", [TRAINING]),
        patch(S3, "自辦訓練", [TRAINING | {"類別-基礎課程": None}]),
    ),
    ("training.method", patch(S3, "自辦訓練", [TRAINING]), patch(S3, "自辦訓練", [TRAINING | {"方式-一般講授": "否"}])),
    (
        "training.target",
        patch(S3, "自辦訓練", [TRAINING]),
        patch(S3, "自辦訓練", [TRAINING | {"對象-一般公務人員": None}]),
    ),
    (
        "impact.adopted-le-opinions",
        patch(S6, "公共工程中程計畫", [IMPACT]),
        patch(S6, "公共工程中程計畫", [IMPACT | {"專家學者參採項數": 3}]),
    ),
    (
        "impact.listed-opinions",
        patch(S6, "重大施政計畫", [IMPACT]),
        patch(S6, "重大施政計畫", [IMPACT | {"專家學者意見項數": 3}]),
    ),
    (
        "impact.not-all-adopted",
        patch(S6, "自治條例", [IMPACT]),
        patch(S6, "自治條例", [IMPACT | {"專家學者參採項數": 1}]),
    ),
    ("budget.current-year", fields(S7, "年度及總計", 本年度=112), fields(S7, "年度及總計", 本年度=111, 下年度=112)),
    ("budget.next-year", fields(S7, "年度及總計", 下年度=113), fields(S7, "年度及總計", 下年度=114)),
    (
        "budget.current-total",
        fields(S7, "年度及總計", **{"本年度總計(填寫時核對)": "10,000"}),
        fields(S7, "年度及總計", **{"本年度總計(填寫時核對)": 11000}),
    ),
    (
        "budget.next-total",
        fields(S7, "年度及總計", **{"下年度總計(填寫時核對)": 12000}),
        fields(S7, "年度及總計", **{"下年度總計(填寫時核對)": 1200}),
    ),
    (
        "strategies.group-minimum",
        lambda data: None,
        patch("08_推展策略.xlsx", "具體措施", MINIMAL["08_推展策略.xlsx"]["具體措施"][:4]),
    ),
    (
        "strategies.item-exists",
        lambda data: None,
        patch(
            "08_推展策略.xlsx",
            "具體措施",
            [
                *MINIMAL["08_推展策略.xlsx"]["具體措施"],
                {"類別": "三", "項目": 9, "政策方案措施或計畫名稱": "不存在的項目", "已辦理": "V"},
            ],
        ),
    ),
    (
        "highlights.at-most-3",
        patch("01_特色亮點.xlsx", "亮點措施", [{"措施名稱": f"措施{i}", "內容": "內容"} for i in range(3)]),
        patch("01_特色亮點.xlsx", "亮點措施", [{"措施名稱": f"措施{i}", "內容": "內容"} for i in range(4)]),
    ),
    (
        "results.table-sheet",
        both(
            patch("08-1_成果說明.xlsx", "成果說明", [BLOCK_TABLE]),
            patch("08-1_成果說明.xlsx", "附表", {"cells": [["甲", "乙"], ["1", "2"]]}),
        ),
        patch("08-1_成果說明.xlsx", "成果說明", [BLOCK_TABLE | {"表格工作表": "不存在"}]),
    ),
    (
        "results.image-file",
        lambda data: None,
        patch("08-1_成果說明.xlsx", "成果說明", [{"類型": "圖片", "內容": "attachments/沒有這張.png"}]),
    ),
    (
        "names.contacts-trained",
        patch(S3, "性平聯絡人參訓時數", [HOURS]),
        patch(S3, "性平聯絡人參訓時數", [HOURS | {"姓名": "王小名"}]),
    ),
    (
        "names.spelled-two-ways",
        patch(
            S6,
            "公共工程中程計畫",
            [IMPACT | {"專家學者姓名": "某某大學教授陳艾懃"}, IMPACT | {"專家學者姓名": "某某大學教授王大同"}],
        ),
        patch(
            S6,
            "公共工程中程計畫",
            [IMPACT | {"專家學者姓名": "某某大學教授陳艾懃"}, IMPACT | {"專家學者姓名": "某某大學教授陳艾勳"}],
        ),
    ),
    (
        "annexes.missing-file",  # sub-annex 3-1 listed: its own file satisfies annex 3
        both(detach("3"), SUB_3_1, attach("附件3-1 研習班.pdf")),
        both(detach("3"), SUB_3_1),
    ),
    ("annexes.unexpected-file", attach("附件7_第二個檔案.pdf"), attach("附件9 不在清單.pdf")),
    ("annexes.sub-number", SUB_3_1, patch(S3, "附件", [{"附件編號": "4-1", "附件名稱": "研習班"}])),
    (
        "annexes.cited-unknown",
        patch("09_其他相關成果.xlsx", "其他相關成果", [{"成果說明": "詳如附件7"}]),
        patch("09_其他相關成果.xlsx", "其他相關成果", [{"成果說明": "詳如附件8"}]),
    ),
]


def rule_ids(make_inputs, change, name: str, form_dir: Path = DEFAULT_FORM_DIR) -> list[str]:
    data = copy.deepcopy(MINIMAL)
    change(data)
    return [f.rule for f in run_check(make_inputs(data, name=name), form_dir).findings]


def test_minimal_agency_passes_every_rule(make_inputs):
    assert rule_ids(make_inputs, lambda data: None, "base") == []


@pytest.mark.parametrize("rule, keep, broken", CASES, ids=[c[0] for c in CASES])
def test_rule_passes_and_fails(make_inputs, rule, keep, broken):
    assert rule not in rule_ids(make_inputs, keep, "keep")
    assert rule in rule_ids(make_inputs, broken, "broken")


def test_every_rule_in_rules_yaml_has_cases():
    assert {r.id for r in load_rules(load_form())} == {c[0] for c in CASES}


def test_finding_names_cell_and_report_place(make_inputs):
    data = copy.deepcopy(MINIMAL)
    fields(S2, "成員", 委員總數=10)(data)
    [finding] = run_check(make_inputs(data)).findings
    assert finding.rule == "committee.total" and finding.severity.value == "error"
    assert (finding.source.workbook, finding.source.sheet, finding.source.cell) == (S2, "成員", "B2")
    assert (finding.target.table, finding.target.row, finding.target.column) == ("s2.members", 0, "total")
    assert "男性委員數 5 + 女性委員數 4 = 9" in finding.message and "10" in finding.message


def copy_form(tmp_path: Path) -> Path:
    target = tmp_path / "form"
    shutil.copytree(DEFAULT_FORM_DIR, target)
    return target


def test_threshold_is_data(make_inputs, tmp_path):
    form_dir = copy_form(tmp_path)
    base = rule_ids(make_inputs, lambda data: None, "a", form_dir)  # 4/9 women
    assert "committee.share" not in base
    path = form_dir / "rules.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('threshold: "1/3"', 'threshold: "1/2"'), encoding="utf-8")
    assert "committee.share" in rule_ids(make_inputs, lambda data: None, "b", form_dir)


def test_new_group_is_data(make_inputs, tmp_path):
    form_dir = copy_form(tmp_path)
    path = form_dir / "form.yaml"
    form = yaml.safe_load(path.read_text(encoding="utf-8"))
    form["groups"].append({"codes": ["F1組"], "categories": 4, "items": 6})
    path.write_text(yaml.safe_dump(form, allow_unicode=True), encoding="utf-8")
    as_f1 = fields("00_基本資料.xlsx", "基本資料", 組別="F1組")
    ids = rule_ids(make_inputs, as_f1, "f1", form_dir)
    assert "input.bad-value" not in ids  # the new code is accepted
    assert "strategies.group-minimum" in ids  # 3 categories / 5 items < 4 / 6
    assert "strategies.group-minimum" not in rule_ids(make_inputs, lambda d: None, "d", form_dir)


def test_a_shared_group_minimum_is_reported_once(make_inputs):
    two_codes = both(
        fields("00_基本資料.xlsx", "基本資料", 組別="C群、C2組"),
        patch("08_推展策略.xlsx", "具體措施", MINIMAL["08_推展策略.xlsx"]["具體措施"][:1]),
    )
    assert rule_ids(make_inputs, two_codes, "cc2").count("strategies.group-minimum") == 1


def test_contacts_without_any_training_hours_are_pointed_out(make_inputs):
    no_hours = patch(S3, "性平聯絡人參訓時數", [])
    assert "names.contacts-trained" in rule_ids(make_inputs, no_hours, "nohours")


def test_free_table_blocks_must_fit_their_sheet(make_inputs):
    tall_header = both(
        patch("08-1_成果說明.xlsx", "成果說明", [BLOCK_TABLE | {"表頭列數": 5}]),
        patch("08-1_成果說明.xlsx", "附表", {"cells": [["甲", "乙"], ["1", "2"]]}),
    )
    assert "results.table-sheet" in rule_ids(make_inputs, tall_header, "tall")


def test_a_nonexistent_item_does_not_count_toward_the_minimum(make_inputs):
    measures = MINIMAL["08_推展策略.xlsx"]["具體措施"]
    # D群 needs 5 items; four real ones plus (三)9, which the form does not have.
    fake = patch(
        "08_推展策略.xlsx",
        "具體措施",
        [*measures[:4], {"類別": "三", "項目": 9, "政策方案措施或計畫名稱": "不存在", "已辦理": "V"}],
    )
    ids = rule_ids(make_inputs, fake, "fake")
    assert "strategies.item-exists" in ids and "strategies.group-minimum" in ids


def test_a_short_name_spelled_differently_once_is_a_slip(make_inputs):
    def meeting(n, experts):
        return MEETING | {"會議場次": f"112-{n}", "專家學者委員出席者": experts}

    slip = patch(S2, "會議", [meeting(1, "黃煥榮、吳嘉麗"), meeting(2, "黃煥榮、吳嘉麗"), meeting(3, "黃煥蓉、吳嘉麗")])
    data = copy.deepcopy(MINIMAL)
    slip(data)
    [finding] = [f for f in run_check(make_inputs(data, name="slip")).findings if f.rule == "names.spelled-two-ways"]
    assert "黃煥蓉" in finding.message.split("與")[0] and finding.source.cell == "I4"
    two_people = patch(S2, "會議", [meeting(1, "李大明、吳嘉麗"), meeting(2, "李大同、吳嘉麗")])
    assert "names.spelled-two-ways" not in rule_ids(make_inputs, two_people, "two")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="陳艾勳懃王小明ab", min_size=1, max_size=5), max_size=30))
def test_one_apart_pairs_are_every_pair_a_full_comparison_finds(values):
    from pipeline.report.check import _one_apart, _one_apart_pairs

    order: dict[str, int] = {}
    for value in values:
        order.setdefault(value, len(order))
    distinct = list(order)
    brute = [(a, b) for i, a in enumerate(distinct) for b in distinct[i + 1 :] if _one_apart(a, b)]
    assert _one_apart_pairs(order) == brute


def test_one_finding_per_cell_and_cause(make_inputs):
    data = copy.deepcopy(MINIMAL)
    patch(S2, "會議", [MEETING | {"全數委員達2/3出席": "有", "主席-首長": "有"}])(data)
    findings = run_check(make_inputs(data, name="have")).findings
    # Each unreadable tick is one error (無法解讀); no rule adds 未勾選 or 勾選 0 項 for the same cells.
    assert sorted((f.rule, f.source.cell) for f in findings) == [("input.bad-value", "C2"), ("input.bad-value", "H2")]


def test_opinions_not_all_adopted_is_a_notice(make_inputs):
    data = copy.deepcopy(MINIMAL)
    patch(S6, "重大施政計畫", [IMPACT | {"專家學者參採項數": 1}])(data)
    [notice] = [f for f in run_check(make_inputs(data, name="notice")).findings if f.rule == "impact.not-all-adopted"]
    assert notice.severity.value == "info" and notice.title == "專家學者意見未全數參採"
    assert "「專家學者參採項數」1 少於「專家學者意見項數」2" in notice.message
