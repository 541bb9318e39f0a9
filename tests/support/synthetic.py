"""Synthetic agencies: complete sets of section workbooks made up from a seed.

Used by the benchmark (tools/benchmark.py) and the tests to exercise the city-wide
batch build.  An agency gets a group of the form, a size, some empty sections and,
when asked (or by chance), breaches of named rules of ``rules.yaml``; ``scale``
multiplies every table's rows.  A ``broken`` agency's inputs cannot be read at all,
so that building it raises :class:`pipeline.errors.PipelineError`.

    from tests.support.synthetic import make_agency, make_city
    make_agency(Path("city/001_社會局"), seed=1, breaches=("committee.share",))
    make_city(Path("city"), 20, seed=7, broken=2)

The workbooks are written from field keys of ``form.yaml`` (mapped to their
headers here), so a renamed header needs no change in this module.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from pipeline.form.spec import DEFAULT_FORM_DIR, Form, load_form
from pipeline.inputs.workbooks import write_workbook

TICK = "V"
ATTACHMENTS = "attachments"  # annex files and images, as pipeline.report.annexes expects them
SIZES = {"small": 0.5, "sample": 1.0, "large": 2.0}
HEADCOUNTS = {"small": (20, 200), "sample": (500, 900), "large": (1000, 5000)}

# Rule ids of rules.yaml that make_agency knows how to breach.
BREACHES = (
    "committee.share",
    "committee.total",
    "meetings.quorum",
    "meetings.date-in-year",
    "general.done-le-headcount",
    "contacts.hours",
    "physical-rate.staff",
    "training.date-in-year",
    "impact.adopted-le-opinions",
    "budget.current-total",
    "strategies.group-minimum",
    "highlights.at-most-3",
    "names.spelled-two-ways",
)
# How a broken agency's inputs are unusable.
BROKEN_KINDS = ("missing-header", "header-not-xlsx", "section-not-xlsx")
# Workbooks (by id) whose tables may all be left empty: the report prints 「無」.
EMPTIABLE = ("s1", "s5", "s6", "s9", "s10", "results")
# A breach needs its section filled in.
_NEEDS = {"highlights.at-most-3": "s1", "impact.adopted-le-opinions": "s6", "names.spelled-two-ways": "s6"}

_DEPARTMENTS = (
    "民政局",
    "財政局",
    "教育局",
    "產業發展局",
    "工務局",
    "交通局",
    "社會局",
    "勞動局",
    "警察局",
    "衛生局",
    "環境保護局",
    "都市發展局",
    "文化局",
    "消防局",
    "捷運工程局",
    "觀光傳播局",
    "地政局",
    "兵役局",
    "體育局",
    "資訊局",
    "法務局",
    "秘書處",
    "主計處",
    "人事處",
    "政風處",
    "研究發展考核委員會",
    "原住民族事務委員會",
    "客家事務委員會",
    "臺北自來水事業處",
    "臺北翡翠水庫管理局",
    "動物保護處",
    "公園路燈工程管理處",
)
_DISTRICTS = ("松山", "信義", "大安", "中山", "中正", "大同", "萬華", "文山", "南港", "內湖", "士林", "北投")
_LOCAL_UNITS = (
    "區公所",
    "區戶政事務所",
    "區健康服務中心",
    "地政事務所",
    "運動中心",
    "區清潔隊",
    "社會福利服務中心",
    "國民運動中心管理處",
    "區圖書館",
    "消防分隊",
    "警察分局",
    "就業服務站",
    "長青學苑",
    "親子館",
    "少年服務中心",
    "家庭暴力防治中心",
)
_SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何林高羅鄭梁謝宋唐許韓馮鄧曹彭曾蕭田董潘袁蔡蔣余杜葉"
_GIVEN = "子涵沛宜欣怡家豪志明淑芬美玲建宏俊傑雅婷冠宇佳穎承恩宗翰詩涵柏翰品妤思妤彥廷"
_EXPERTS = (
    "臺灣大學社會工作學系教授王麗容",
    "政治大學公共行政學系副教授林芳玫",
    "世新大學性別研究所教授陳瑤華",
    "臺北大學社會學系助理教授黃長玲",
    "臺灣師範大學公民教育與活動領導學系教授游美惠",
    "東吳大學法律學系副教授郭玲惠",
    "陽明交通大學衛生福利研究所教授周碧瑟",
)
_SENTENCES = (
    "持續檢視業務中的性別落差，並於年度計畫中訂定改善目標。",
    "邀請專家學者提供性別觀點之建議，作為政策規劃之參考。",
    "蒐集服務對象之性別統計資料，定期於性平小組報告分析結果。",
    "辦理性別意識培力課程，提升同仁性別平等知能。",
    "於服務場所設置性別友善設施，兼顧不同性別及年齡層之需求。",
    "運用多元管道宣導性別平等觀念，擴大宣導涵蓋範圍及對象。",
    "結合民間團體資源，共同推動促進性別平等之方案。",
    "檢討活動場地之友善設施設備，優先選用設有哺集乳室之場地。",
)
_TOPICS = (
    "性別友善廁所",
    "哺集乳室",
    "性別統計",
    "性別分析",
    "性別影響評估",
    "性別預算",
    "性騷擾防治",
    "多元性別",
    "CEDAW",
    "性別主流化",
)
_VENUES = ("本局第一會議室", "本局簡報室", "市政大樓親子劇場", "中山堂", "區民活動中心", "花博公園爭艷館", "市民廣場")
_FACILITIES = ("廁所及鄰近哺集乳室", "廁所及友善育嬰設施", "性別友善廁所及尿布台", "無障礙廁所及哺集乳室")


@dataclass(frozen=True)
class Agency:
    """What make_agency wrote: where, who, and what it put in on purpose."""

    folder: Path
    name: str
    year: int
    groups: str
    size: str
    scale: int
    breaches: tuple[str, ...]
    empty: tuple[str, ...]
    broken: str | None = None


def make_city(
    root: Path | str,
    n: int,
    seed: int,
    *,
    broken: int | Iterable[int] = 0,
    scale: int = 1,
    form: Form | None = None,
) -> list[Agency]:
    """Write ``n`` agencies as subfolders of ``root`` (one report year for all).

    ``broken`` is how many agencies are broken (picked by the seed), or the
    indices (0-based) of the broken ones.
    """
    form = form or load_form(DEFAULT_FORM_DIR)
    rng = random.Random(seed)
    year = rng.randint(109, 112)
    if isinstance(broken, int):
        broken_set = set(rng.sample(range(n), min(broken, n)))
    else:
        broken_set = set(broken)
    names = agency_names(n, rng)
    agencies = []
    for i, name in enumerate(names):
        folder = Path(root) / f"{i + 1:03d}_{name}"
        agencies.append(
            make_agency(
                folder, seed * 100_003 + i, scale=scale, broken=i in broken_set, name=name, year=year, form=form
            )
        )
    return agencies


def agency_names(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct agency names, departments first, then district units."""
    local = [f"臺北市{d}{u}" for u in _LOCAL_UNITS for d in _DISTRICTS]
    pool = list(_DEPARTMENTS) + rng.sample(local, len(local))
    names = pool[:n]
    for i in range(len(names), n):
        names.append(f"{pool[i % len(pool)]}第{i // len(pool) + 1}分處")
    return names


def make_agency(
    folder: Path | str,
    seed: int,
    *,
    scale: int = 1,
    broken: bool | str = False,
    size: str | None = None,
    groups: str | None = None,
    breaches: Collection[str] | None = None,
    empty: Collection[str] | None = None,
    name: str | None = None,
    year: int | None = None,
    form: Form | None = None,
) -> Agency:
    """Write a complete set of section workbooks for a made-up agency into ``folder``.

    Anything not given is drawn from ``seed``: ``size`` (small, sample, large —
    "sample" has about the shipped sample's rows), ``groups`` (e.g. 「C群、C2組」),
    ``breaches`` (rule ids of BREACHES; ``()`` for a clean agency), ``empty``
    (workbook ids of EMPTIABLE left without rows).  ``scale`` multiplies every
    table's rows.  ``broken`` (True, or one of BROKEN_KINDS) makes the inputs
    unusable.
    """
    form = form or load_form(DEFAULT_FORM_DIR)
    folder = Path(folder)
    rng = random.Random(seed)
    if scale < 1:
        raise ValueError("scale must be at least 1")
    size = size or rng.choices(list(SIZES), weights=(3, 4, 2))[0]
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    groups = groups or _pick_groups(form, rng)
    year = year or rng.randint(109, 112)
    name = name or rng.choice(_DEPARTMENTS)
    if breaches is None:
        breaches = rng.sample(BREACHES, rng.randint(1, 2)) if rng.random() < 0.4 else ()
    unknown = set(breaches) - set(BREACHES)
    if unknown:
        raise ValueError(f"unknown breaches: {', '.join(sorted(unknown))}")
    if empty is None:
        empty = rng.sample(EMPTIABLE, rng.choice((0, 0, 1, 1, 2)))
    empty = tuple(wb for wb in empty if wb not in {_NEEDS.get(b) for b in breaches})
    kind = _broken_kind(broken, rng)

    generator = _Generator(form, rng, name, year, groups, size, scale, set(breaches))
    data = generator.data()
    files = {wb.id: wb.file for wb in form.workbooks}
    for wb_id in empty:
        data[files[wb_id]] = {}
    for wb_spec in form.workbooks:
        write_workbook(wb_spec, form, folder / wb_spec.file, data.get(wb_spec.file, {}))
    if data.get(files["results"]):
        _write_png(folder / ATTACHMENTS / "成果照片.png", rng)
    subs = [number for wb_id, numbers in generator.sub_annexes.items() if wb_id not in empty for number in numbers]
    for number in [annex.number for annex in form.annexes] + subs:
        _write_pdf(folder / ATTACHMENTS / f"附件{number}.pdf")
    if kind:
        _break(folder, kind, files)
    return Agency(folder, name, year, groups, size, scale, tuple(breaches), tuple(empty), kind)


def _broken_kind(broken: bool | str, rng: random.Random) -> str | None:
    if broken is False:
        return None
    if broken is True:
        return rng.choice(BROKEN_KINDS)
    if broken not in BROKEN_KINDS:
        raise ValueError(f"broken must be a bool or one of {', '.join(BROKEN_KINDS)}")
    return broken


def _break(folder: Path, kind: str, files: dict[str, str]) -> None:
    """Make the inputs unusable: a required workbook missing, or not an .xlsx at all."""
    header = folder / files["header"]
    if kind == "missing-header":
        header.unlink()
    elif kind == "header-not-xlsx":
        header.write_text("這不是 Excel 活頁簿", encoding="utf-8")
    else:
        section = folder / files["s3"]
        section.write_bytes(section.read_bytes()[:200])  # a truncated zip


def _pick_groups(form: Form, rng: random.Random) -> str:
    """A group code of the form; a 組 code sometimes after the 群 of its letter."""
    code = rng.choice(form.group_codes)
    parent = next((c for c in form.group_codes if c.endswith("群") and c[0] == code[0]), None)
    if code.endswith("組") and parent and rng.random() < 0.5:
        return f"{parent}、{code}"
    return code


class _Generator:
    """Makes one agency's data: workbook file → sheet name → values (by header)."""

    def __init__(
        self,
        form: Form,
        rng: random.Random,
        name: str,
        year: int,
        groups: str,
        size: str,
        scale: int,
        breaches: set[str],
    ):
        self.form, self.rng, self.name, self.year = form, rng, name, year
        self.groups, self.size, self.scale, self.breaches = groups, size, scale, breaches
        self.training_breach = "training.date-in-year" in breaches
        self.experts = [self.person() for _ in range(5)]  # who sits on the committee
        self.sub_annexes: dict[str, list[str]] = {}  # workbook id → sub-annex numbers listed

    # -- helpers -------------------------------------------------------------------
    def count(self, base: int) -> int:
        """Rows of a table: the sample's count for the size, times the scale."""
        if base == 0:
            return 0
        return max(1, round(base * SIZES[self.size])) * self.scale

    def person(self) -> str:
        """A three-character name (too short for the spelled-two-ways rule to compare)."""
        return self.rng.choice(_SURNAMES) + "".join(self.rng.sample(_GIVEN, 2))

    def date(self, year: int | None = None) -> str:
        return f"{year or self.year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def text(self, lines: int = 1) -> str:
        return "\n".join(self.rng.choice(_SENTENCES) for _ in range(lines))

    def split(self, total: int, low_share: Fraction = Fraction(1, 3)) -> tuple[int, int]:
        """(male, female) adding to ``total``, the smaller at least ``low_share`` of it."""
        low = -(-total * low_share.numerator // low_share.denominator)  # ceiling
        first = self.rng.randint(low, total - low) if 2 * low <= total else total // 2
        return (first, total - first) if self.rng.random() < 0.5 else (total - first, first)

    def by_header(self, sheet_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Field keys of ``sheet_id`` → the workbook's headers."""
        _, spec = self.form.sheets[sheet_id]
        headers = {f.key: f.header for f in spec.specs}
        return {headers[key]: value for key, value in values.items() if value is not None}

    def rows(self, sheet_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.by_header(sheet_id, row) for row in rows]

    def annex_rows(self, wb_id: str, annex: str, titles: list[str]) -> list[dict[str, Any]]:
        """A 附件 sheet listing sub-annexes 3-1, 3-2 … (remembered: their files are written)."""
        numbers = [f"{annex}-{i + 1}" for i in range(len(titles))]
        self.sub_annexes[wb_id] = numbers
        return [{"number": n, "title": t} for n, t in zip(numbers, titles, strict=True)]

    # -- the workbooks ---------------------------------------------------------------
    def data(self) -> dict[str, dict[str, Any]]:
        files = {wb.id: wb.file for wb in self.form.workbooks}
        sheets = {
            **self.header(),
            **self.s1(),
            **self.s2(),
            **self.s3(),
            **self.s4(),
            **self.s5(),
            **self.s6(),
            **self.s7(),
            **self.s8(),
            **self.results(),
            **self.s9(),
            **self.s10(),
        }
        data: dict[str, dict[str, Any]] = {}
        for sheet_id, values in sheets.items():
            wb_id, _, sheet = sheet_id.partition(".")
            if wb_id == "free":  # a free-layout table sheet of 08-1, kept as laid out
                data.setdefault(files["results"], {})[sheet] = values
                continue
            name = self.form.sheets[sheet_id][1].name
            if isinstance(values, list):
                data.setdefault(files[wb_id], {})[name] = self.rows(sheet_id, values)
            else:
                data.setdefault(files[wb_id], {})[name] = self.by_header(sheet_id, values)
        return data

    def header(self) -> dict[str, Any]:
        self.contacts = [self.person() for _ in range(self.count(2))]
        units = ("人事室", "秘書室", "企劃科", "綜合規劃科")
        return {
            "header.info": {
                "agency": self.name,
                "year": self.year,
                "groups": self.groups,
                "approval_date": f"{self.year + 1}-02-{self.rng.randint(1, 28):02d}",
                "approval_text": "經本機關性平小組決議通過",
                "contact_duties": "1. 熟悉本府性別主流化總計畫。\n2. 協助單位落實性別主流化。",
            },
            "header.contacts": [
                {"name": n, "unit": self.rng.choice(units), "title": self.rng.choice(("股長", "科員", "專員"))}
                for n in self.contacts
            ],
        }

    def s1(self) -> dict[str, Any]:
        rows = min(self.count(2), 3)
        if "highlights.at-most-3" in self.breaches:
            rows = 4
        return {
            "s1.intro": {"intro": self.text(1)},
            "s1.highlights": [
                {"title": f"{self.rng.choice(_TOPICS)}推動措施", "content": self.text(3)} for _ in range(rows)
            ],
        }

    def s2(self) -> dict[str, Any]:
        total = self.rng.randint(9, 40)
        male, female = self.split(total)
        if "committee.share" in self.breaches:
            female = max(1, total // 3 - 2)
            male = total - female
        elif "committee.total" in self.breaches:
            female = total // 2  # balanced, so that the wrong total does not also break the share
            male = total - female
        stated = total + 1 if "committee.total" in self.breaches else total
        chairs = ("chair_head", "chair_deputy", "chair_secretary")
        meetings = []
        for i in range(self.count(3)):
            year = self.year - 1 if i == 0 and "meetings.date-in-year" in self.breaches else None
            chair = self.rng.choice(chairs)
            meetings.append(
                {
                    "session": f"{self.year}-{i + 1}",
                    "date": self.date(year),
                    chair: TICK,
                    "quorum": None if i == 0 and "meetings.quorum" in self.breaches else TICK,
                    "experts": "、".join(self.rng.sample(self.experts, self.rng.randint(2, 4))),
                }
            )
        return {"s2.members": {"total": stated, "male": male, "female": female}, "s2.meetings": meetings}

    def completion(self, low: int, high: int, breach: bool = False) -> dict[str, int]:
        total = self.rng.randint(low, high)
        male, female = self.split(total, Fraction(1, 5))
        done_male = male - self.rng.randint(0, max(0, male // 50))
        done_female = female - self.rng.randint(0, max(0, female // 50))
        if breach:
            done_male = male + 2
        return {
            "total": total,
            "male": male,
            "female": female,
            "done_total": done_male + done_female,
            "done_male": done_male,
            "done_female": done_female,
        }

    def training(self, rows: int, total: bool, self_run: bool) -> list[dict[str, Any]]:
        out = []
        for i in range(rows):
            year = self.year + 1 if i == 0 and self.training_breach else None
            self.training_breach = False
            male, female = self.rng.randint(0, 80), self.rng.randint(0, 80)
            row: dict[str, Any] = {
                "date": self.date(year),
                "name": f"{self.year}年度「{self.rng.choice(_TOPICS)}研習班」",
                "content": self.text(2),
                "hours": self.rng.choice((1, 2, 3, 3, 6)),
                "male": male,
                "female": female,
                "total": male + female if total else None,
            }
            if self_run:
                row |= {
                    "target_general": TICK,
                    "target_general_note": "本機關人員",
                    "lecturer": self.rng.choice(_EXPERTS),
                    self.rng.choice(("course_basic", "course_advanced", "course_cedaw", "course_gm")): TICK,
                    self.rng.choice(("method_lecture", "method_diverse", "method_case")): TICK,
                }
            out.append(row)
        return out

    def s3(self) -> dict[str, Any]:
        low, high = HEADCOUNTS[self.size]
        general = self.completion(low, high, "general.done-le-headcount" in self.breaches)
        managers = self.completion(max(3, low // 15), max(5, high // 15))
        hours = []
        for i, n in enumerate(self.contacts):
            total = self.rng.randint(18, 40)
            if i == 0 and "contacts.hours" in self.breaches:
                total = 12
            role = "性平聯絡人" if i == 0 else "辦理性別平等業務相關人員"
            hours.append({"role": role, "name": n, "hours": total, "advanced": self.rng.randint(6, min(total, 30))})
        staff = general["total"] + (5 if "physical-rate.staff" in self.breaches else 0)
        self_training = self.training(self.count(2), total=True, self_run=True)
        annexes = self.annex_rows("s3", "3", [row["name"] for row in self_training])
        return {
            "s3.general": general,
            "s3.managers": managers,
            "s3.contact_hours": hours,
            "s3.physical_rate": {"participants": self.rng.randint(0, general["total"]), "staff": staff},
            "s3.self_training": self_training,
            "s3.staff_training": self.training(self.count(1), total=True, self_run=False),
            "s3.media_training": self.training(self.count(2), total=False, self_run=False),
            "s3.annexes": annexes,
        }

    def s4(self) -> dict[str, Any]:
        def stats(kind: str) -> list[dict[str, Any]]:
            return [
                {
                    "name": f"{self.name}{self.rng.choice(_TOPICS)}{kind}{i + 1}",
                    "definition": self.text(1),
                    "level": self.rng.choice(("主計處列管", "機關構列管")),
                }
                for i in range(self.count(1))
            ]

        return {
            "s4.existing": {
                key: self.rng.randint(0, 6)
                for key in ("indicators_dgbas", "indicators_agency", "items_dgbas", "items_agency")
            },
            "s4.new_indicators": stats("指標"),
            "s4.new_items": stats("項目"),
        }

    def s5(self) -> dict[str, Any]:
        analyses = [
            {
                "name": f"{self.year}年度「{self.rng.choice(_TOPICS)}」性別分析報告案",
                "unit": self.rng.choice(("企劃科", "綜合規劃科", "秘書室")),
                "report_date": self.date(),
                "report_meeting": f"{self.year}年性別平等專案小組會議",
            }
            for _ in range(self.count(2))
        ]
        return {"s5.analyses": analyses, "s5.annexes": self.annex_rows("s5", "4", [a["name"] for a in analyses])}

    def s6(self) -> dict[str, Any]:
        sheets = {"s6.ordinances": [], "s6.public_works": [], "s6.major_policies": []}
        n = self.count(4)
        if "names.spelled-two-ways" in self.breaches:
            n = max(n, 2)
        names = []
        for i in range(n):
            opinions = self.rng.randint(1, 4)
            adopted = opinions  # all adopted: fewer is a notice (impact.not-all-adopted)
            if i == 0 and "impact.adopted-le-opinions" in self.breaches:
                adopted = opinions + 1
            listed = [f"{'甲乙丙丁'[k]}、{self.rng.choice(_SENTENCES)}" for k in range(opinions)]
            expert = self.rng.choice(_EXPERTS)
            if i == 1 and "names.spelled-two-ways" in self.breaches:
                first = names[0]
                expert = first[:-1] + ("恩" if first[-1] != "恩" else "宇")
            names.append(expert)
            row = {
                "name": f"「{self.rng.choice(_TOPICS)}計畫{i + 1}」性別影響評估案",
                "summary": "\n".join([self.text(1), *listed]),
                "method": self.rng.choice(("書面審查", "性平小組")),
                "experts": expert,
                "opinions": opinions,
                "adopted": adopted,
                "submitted": f"{self.year}年性別平等專案小組會議通過。",
            }
            sheets[self.rng.choice(list(sheets))].append(row)
        all_rows = [r for rows in sheets.values() for r in rows]
        return {**sheets, "s6.annexes": self.annex_rows("s6", "5", [r["name"] for r in all_rows])}

    def s7(self) -> dict[str, Any]:
        def budget() -> list[dict[str, Any]]:
            return [
                {
                    "item": f"{self.rng.choice(_TOPICS)}相關計畫{i + 1}",
                    "amount": self.rng.randint(1, 3000) * 1000,
                    "impact": self.text(2),
                }
                for i in range(self.count(6))
            ]

        current, following = budget(), budget()
        current_total = sum(r["amount"] for r in current)
        if "budget.current-total" in self.breaches:
            current_total += 1000
        return {
            "s7.years": {
                "current_year": self.year,
                "next_year": self.year + 1,
                "current_total": current_total,
                "next_total": sum(r["amount"] for r in following),
            },
            "s7.current": current,
            "s7.next": following,
            "s7.notes": [{"text": self.text(1)} for _ in range(self.count(3))],
        }

    def s8(self) -> dict[str, Any]:
        codes = self.groups.split("、")
        rules = [r for r in (self.form.group_rule(c) for c in codes) if r is not None]
        need_cats = max(r.categories for r in rules)
        need_items = max(r.items for r in rules)
        cats = self.rng.sample(self.form.strategies, min(len(self.form.strategies), need_cats + self.rng.randint(0, 1)))
        pairs = [(c.number, k + 1) for c in cats for k in range(len(c.items))]
        chosen = {(c.number, self.rng.randint(1, len(c.items))) for c in cats}
        extra = [p for p in pairs if p not in chosen]
        self.rng.shuffle(extra)
        while len(chosen) < need_items + self.rng.randint(0, 2) and extra:
            chosen.add(extra.pop())
        if "strategies.group-minimum" in self.breaches:
            chosen = {sorted(chosen)[0]}
        chosen_list = sorted(chosen)
        base = max(len(chosen_list), round(7 * SIZES[self.size]))
        measures = []
        for i in range(base * self.scale):
            category, item = chosen_list[i % len(chosen_list)]
            measures.append(
                {"category": category, "item": item, "done": TICK, "name": f"{self.rng.choice(_TOPICS)}措施{i + 1}"}
            )
        venues = []
        if ("四", 2) in chosen:
            venues = [
                {
                    "activity": f"{self.year}年度{self.rng.choice(_TOPICS)}活動{i + 1}",
                    "venue": self.rng.choice(_VENUES),
                    "facilities": self.rng.choice(_FACILITIES),
                }
                for i in range(self.count(6))
            ]
        return {"s8.measures": measures, "s8.details": venues}

    def results(self) -> dict[str, Any]:
        blocks: list[dict[str, Any]] = []
        for i in range(self.count(6)):
            blocks.append({"kind": "標題1", "text": f"{i + 1}、{self.rng.choice(_TOPICS)}推動成果"})
            blocks.append({"kind": "標題2", "text": "(一) 方案說明"})
            blocks += [{"kind": "條列", "text": f"{k + 1}、{self.text(1)}"} for k in range(3)]
            blocks.append({"kind": "段落", "text": self.text(2)})
            if i % 2 == 0:
                blocks.append({"kind": "表格", "sheet": "辦理情形" if i % 4 == 0 else "經費表", "header_rows": 1})
            if i % 3 == 0:
                blocks.append({"kind": "圖片", "text": "attachments/成果照片.png"})
        places = self.rng.sample(_VENUES, 4)
        return {
            "results.blocks": blocks,
            "free.辦理情形": {
                "cells": [
                    ["項目", "地點", "人數"],
                    *[[f"活動{k + 1}", places[k % 4], self.rng.randint(10, 300)] for k in range(8)],
                ],
                "merges": [],
            },
            "free.經費表": {
                "cells": [
                    ["計畫", "項目", "金額"],
                    ["性別平等推動", "講座", 30000],
                    ["", "宣導", 20000],
                    ["", "設施", 150000],
                    ["總計", "", 200000],
                ],
                "merges": ["A2:A4"],
            },
        }

    def s9(self) -> dict[str, Any]:
        return {"s9.others": [{"text": self.text(2)} for _ in range(self.count(1))]}

    def s10(self) -> dict[str, Any]:
        return {
            "s10.plans": [
                {
                    "name": f"{self.rng.choice(_TOPICS)}精進方案{i + 1}",
                    "status": self.text(1),
                    "strategy": self.text(2),
                    "benefit": self.text(1),
                }
                for i in range(self.count(1))
            ]
        }


def _write_png(path: Path, rng: random.Random, width: int = 240, height: int = 120) -> Path:
    """A small solid-colour PNG (no imaging library needed)."""
    colour = bytes(rng.randint(60, 220) for _ in range(3))
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


def _write_pdf(path: Path) -> Path:
    """A valid one-page blank PDF, standing in for an annex file."""
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    )
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    pdf += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    pdf += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    return path
