"""Write the Word template ``templates/tpe-gender-report/report.docx`` from scratch.

The committed report.docx is the source of truth and people edit it in Word;
this script is how it was first made, kept so that a restructuring can start
from clean markup.  It refuses to overwrite an existing template unless given
``--force`` (which would lose edits made in Word).

    python tools/make_template.py --force
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.office.wml import (  # noqa: E402
    EAST_ASIA_FONT,
    LATIN_FONT,
    SYMBOL_FONT,
    mark_header_row,
    set_run_fonts,
    set_table_caption,
)

TARGET = Path(__file__).resolve().parent.parent / "templates" / "tpe-gender-report" / "report.docx"
FORM = TARGET.with_name("form.yaml")
TEXT_WIDTH_CM = 17.0


def form_widths(caption: str) -> list[float] | None:
    """A table's column widths as form.yaml's layout gives them (the renderer applies them to
    every report; the template shows the same proportions)."""
    import yaml

    table = (yaml.safe_load(FORM.read_text(encoding="utf-8")).get("tables") or {}).get(caption) or {}
    widths = (table.get("layout") or {}).get("widths")
    if not widths:
        return None
    return [float(str(w).removesuffix("cm")) for w in widths]


# A cell's content: a list of paragraphs.  A paragraph is a string (a run), a
# list of runs, or LOOP(...) for a docxtpl paragraph loop.  A run is a string
# or BOX(tag), a run in the symbol font.


class BOX(str):
    """A run shown in the symbol font (checkbox glyphs)."""


def LOOP(items: str, var: str, *body) -> list:  # noqa: N802 - reads like a keyword
    """Paragraphs repeated for each element of ``items``."""
    return [f"{{%p for {var} in {items} %}}", *body, "{%p endfor %}"]


def PARAS(items: str) -> list:  # noqa: N802
    """One paragraph per string of ``items``."""
    return LOOP(items, "x", "{{ x }}")


def BOXES(items: str) -> list:  # noqa: N802
    """One ticked/unticked line per option of ``items``."""
    return LOOP(items, "o", [BOX("{{ o.box }}"), "{{ o.text }}"])


# --------------------------------------------------------------------------- styles


def setup_styles(doc) -> None:
    styles = doc.styles
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_run_fonts(rpr, EAST_ASIA_FONT, LATIN_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-TW")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    normal = styles["Normal"]
    normal.font.size = Pt(12)
    set_run_fonts(normal.element.get_or_add_rPr(), EAST_ASIA_FONT, LATIN_FONT)
    normal.paragraph_format.space_after = Pt(3)

    title = styles["Title"]
    _plain_heading(title, 18)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    # The default Title has a bottom border; the form's title has none.
    ppr = title.element.pPr
    if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
        ppr.remove(ppr.find(qn("w:pBdr")))

    for level, size in ((1, 14), (2, 12), (3, 12), (4, 12), (5, 12)):
        style = styles[f"Heading {level}"]
        _plain_heading(style, size)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        style.paragraph_format.space_after = Pt(3)

    instruction = styles.add_style("Instruction", WD_STYLE_TYPE.PARAGRAPH)
    instruction.base_style = normal
    instruction.font.size = Pt(11)
    instruction.paragraph_format.space_after = Pt(3)

    annex = styles.add_style("Annex", WD_STYLE_TYPE.PARAGRAPH)
    annex.base_style = normal
    annex.paragraph_format.space_after = Pt(0)

    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(10)
    cell.paragraph_format.space_after = Pt(0)

    head = styles.add_style("Table Heading", WD_STYLE_TYPE.PARAGRAPH)
    head.base_style = cell
    head.font.bold = True
    head.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    box = styles.add_style("Checkbox", WD_STYLE_TYPE.CHARACTER)
    set_run_fonts(box.element.get_or_add_rPr(), SYMBOL_FONT, SYMBOL_FONT)


def _plain_heading(style, size: int) -> None:
    style.font.size = Pt(size)
    style.font.bold = True
    style.font.color.rgb = RGBColor(0, 0, 0)
    color = style.element.rPr.find(qn("w:color"))
    for attr in ("w:themeColor", "w:themeShade"):
        color.attrib.pop(qn(attr), None)
    set_run_fonts(style.element.rPr, EAST_ASIA_FONT, LATIN_FONT)


# --------------------------------------------------------------------------- content


def add_paragraph(container, content, style: str | None = None) -> None:
    """Add one paragraph (str or list of runs) to a document or cell."""
    runs = content if isinstance(content, list) else [content]
    paragraph = container.add_paragraph(style=style)
    for run in runs:
        if isinstance(run, BOX):
            paragraph.add_run(run, style="Checkbox")
        else:
            paragraph.add_run(run)


def fill_cell(cell, content, style: str) -> None:
    """Put paragraphs into a (new, empty) cell: one paragraph, or a LOOP/PARAS list."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    is_loop = isinstance(content, list) and content and str(content[0]).startswith("{%p")
    items = content if is_loop else [content]
    first = cell.paragraphs[0]
    first.style = cell.part.document.styles[style]
    if isinstance(content, BOX) or content == "{{ r.no }}":  # a lone box or 項次: centred
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, item in enumerate(items):
        if i == 0:
            for run in item if isinstance(item, list) else [item]:
                first.add_run(run, style="Checkbox" if isinstance(run, BOX) else None)
        else:
            add_paragraph(cell, item, style)


def add_table(
    doc,
    caption: str,
    widths: list[float],
    header: list[list[str]],
    body: list[list],
    loop: str | None = None,
    empty: list | None = None,
    after: list[list] | None = None,
):
    """A table: header rows (with > for a horizontal and ^ for a vertical merge), then
    either fixed body rows, or one row repeated for each element of ``loop`` with
    ``empty`` shown when there is none, then fixed ``after`` rows."""
    widths = form_widths(caption) or widths
    cols = len(widths)
    table = doc.add_table(rows=0, cols=cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_table_caption(table._tbl, caption)
    total = sum(widths)
    grid = [Cm(TEXT_WIDTH_CM * w / total) for w in widths]

    def new_row(values, style):
        row = table.add_row()
        for i, cell in enumerate(row.cells):
            cell.width = grid[i]
            value = values[i] if i < len(values) else ""
            if value in (">", "^"):
                continue
            fill_cell(cell, value, style)
        return row

    header_rows = []
    for values in header:
        row = new_row(values, "Table Heading")
        mark_header_row(row._tr)
        header_rows.append((row, values))
    _merge(table, header_rows)

    def tag_row(tag):
        row = table.add_row()
        for i, cell in enumerate(row.cells):
            cell.width = grid[i]
        row.cells[0].paragraphs[0].add_run(tag)
        return row

    if loop:
        tag_row(f"{{%tr for r in {loop} %}}")
        new_row(body[0], "Table Text")
        if empty is not None:
            tag_row("{%tr else %}")
            new_row(empty, "Table Text")
        tag_row("{%tr endfor %}")
    else:
        for values in body:
            new_row(values, "Table Text")
    for values in after or []:
        new_row(values, "Table Text")
    for col, width in zip(table.columns, grid, strict=True):
        col.width = width
    doc.add_paragraph()  # Word needs a paragraph between consecutive tables
    return table


def _merge(table, header_rows) -> None:
    for r, (row, values) in enumerate(header_rows):
        for c, value in enumerate(values):
            if value == ">":
                start = c
                while values[start] == ">":
                    start -= 1
                row.cells[start].merge(row.cells[c])
            elif value == "^":
                top = r
                while header_rows[top][1][c] == "^":
                    top -= 1
                header_rows[top][0].cells[c].merge(row.cells[c])


def heading(doc, text: str, level: int) -> None:
    doc.add_paragraph(text, style=f"Heading {level}")


def instruction(doc, text: str) -> None:
    doc.add_paragraph(text, style="Instruction")


def paragraphs(doc, items: list, style: str | None = None) -> None:
    for item in items:
        add_paragraph(doc, item, style)


def annex_lines(doc, section: str) -> None:
    paragraphs(doc, LOOP(f"annexes.{section}", "line", "{{ line }}"), "Annex")


def bookmark_paragraph(doc, name: str) -> None:
    """An empty paragraph carrying a bookmark: the renderer puts content there."""
    paragraph = doc.add_paragraph()
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), "0")
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), "0")
    paragraph._p.append(start)
    paragraph._p.append(end)


# --------------------------------------------------------------------------- the form

TRAINING_HEADER = [
    "項次",
    "辦理日期\n或預計辦理日期",
    "訓練班期(活動)名稱",
    "訓練目標(內容)或活動簡介",
    "講師資料",
    "課程類別\n(可複選)",
    "訓練方式\n(可複選)",
    "時數",
    "參加人數",
]
TRAINING_BODY = [
    "{{ r.no }}",
    "{{ r.date }}",
    "{{ r.name }}",
    PARAS("r.content"),
    PARAS("r.lecturer"),
    BOXES("r.courses"),
    BOXES("r.methods"),
    "{{ r.hours }}",
    "{{ r.people }}",
]
TRAINING_WIDTHS = [1, 2, 2.4, 3, 2, 2.2, 2.8, 1, 1.8]
IMPACT_HEADER = [
    [
        "項次",
        "評估方案名稱",
        "摘要針對特定性別之影響，或參採專家學者意見後之計畫調整或修正等相關脈絡。\n(若無可免填)",
        "程序參與方式及專家學者姓名(依方式擇以下一欄內填入專家學者姓名)",
        ">",
        "專家學者意見項數(幾項)",
        "專家學者參採項數(幾項)",
        "修正後提送性平小組時間",
    ],
    ["^", "^", "^", "書面審查", "性平小組", "^", "^", "^"],
]
IMPACT_BODY = [
    "{{ r.no }}",
    "{{ r.name }}",
    PARAS("r.summary"),
    "{{ r.written }}",
    "{{ r.panel }}",
    "{{ r.opinions }}",
    "{{ r.adopted }}",
    PARAS("r.submitted"),
]
IMPACT_EMPTY = ["", "無", "", "", "", "", "", ""]
IMPACT_WIDTHS = [1, 2.4, 5.5, 1.8, 1.3, 1.2, 1.2, 2.6]
BUDGET_HEADER = [["項次", "計畫項目", "預算數", "對促進性別平等的影響"]]
BUDGET_WIDTHS = [1, 4, 2, 7]
COMPLETION_WIDTHS = [2.4, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6]


def build(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)

    doc.add_paragraph("{{ header.title }}", style="Title")
    p = doc.add_paragraph("{{ header.approval }}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("■組別 (A群、B群、B1組、C群、C1組、D群、D1組、E1組)：{{ header.groups }}")
    add_table(
        doc,
        "header.contacts",
        [2.2, 1.6, 1.6, 1.4, 6],
        [["", "姓名", "科室", "職稱", "任務"]],
        [["{{ r.role }}", "{{ r.name }}", "{{ r.unit }}", "{{ r.title }}", PARAS("r.duties")]],
        loop="header.contacts",
        empty=["性平聯絡人", "無", "", "", ""],
    )

    # 一
    heading(doc, "一、本年度機關推動性別平等之特色或亮點措施：", 1)
    instruction(
        doc,
        "(可簡述年度推展性平業務與往年不同之處、特別著力之處、抱持之理念與原則，或可列舉機關最重要推動性別平等之措施，簡述辦理方式及其促進性別平等之影響，至多書寫3項，列舉之形式與內容不拘，若無可免填報。)",
    )
    paragraphs(doc, PARAS("s1.intro"))
    paragraphs(doc, LOOP("s1.highlights", "item", *PARAS("item.paragraphs")))
    paragraphs(doc, ["{%p if s1.none %}", "{{ s1.none }}", "{%p endif %}"])

    # 二
    heading(doc, "二、性別平等專案小組 (複合組：請主責機關填寫即可)", 1)
    heading(doc, "(一) 成員", 2)
    add_table(
        doc,
        "s2.members",
        [1.6, 1, 1, 1, 2, 4],
        [["", "總數", "男性", "女性", "單一性別比例\n(較低者)", "無法達到單一性別三分之一以上者請說明原因"]],
        [["全體委員", "{{ s2.total }}", "{{ s2.male }}", "{{ s2.female }}", "{{ s2.share }}", PARAS("s2.reason")]],
    )
    heading(doc, "(二) 運作情形", 2)
    add_table(
        doc,
        "s2.meetings",
        [1.4, 1, 1, 1, 1.6, 2.6, 4],
        [
            [
                "",
                "會議主席\n(請勾選，主席為「其他」者，請填報職稱。)",
                ">",
                ">",
                ">",
                "全數委員出席狀況\n(代理者仍可列計，達成2/3出席請勾選)",
                "專家學者委員出席者\n(請一一填報姓名)",
            ],
            ["^", "首長", "副首長", "主秘", "其他", "^", "^"],
        ],
        [
            [
                "{{ r.session }}",
                BOX("{{ r.head }}"),
                BOX("{{ r.deputy }}"),
                BOX("{{ r.secretary }}"),
                [BOX("{{ r.other }}"), "{{ r.other_title }}"],
                BOX("{{ r.quorum }}"),
                "{{ r.experts }}",
            ]
        ],
        loop="s2.meetings",
        empty=["無", "", "", "", "", "", ""],
    )
    annex_lines(doc, "s2")

    # 三
    heading(doc, "三、性別意識培力", 1)
    for sub, key, who, counts, text in (
        (
            "(一)",
            "general",
            "一般公務員",
            ("總人數", "男性人數", "女性人數"),
            "(依行政院107年2月7日院臺性平字第1070163622號函頒「各機關公務員性別主流化訓練計畫」規定「一般公務人員」係指1.依法任用、派用之有給專任人員。2.依法聘任、聘用及僱用人員。3.公務人員考試錄用人員。每人每年均須完成3小時性別主流化訓練。)",
        ),
        (
            "(二)",
            "managers",
            "主管",
            ("主管總數", "男性主管數", "女性主管數"),
            "(「主管人員」係指市府及機關正副首長、正副幕僚長及單位主管，每人每年均須完成3小時性別主流化訓練。)",
        ),
    ):
        v = f"s3.{key}"
        heading(doc, f"{sub} {'一般公務員' if key == 'general' else '主管人員'}參訓比率", 2)
        instruction(doc, text)
        doc.add_paragraph(
            f"{counts[0]}：{{{{ {v}.total }}}} {counts[1]}：{{{{ {v}.male }}}} {counts[2]}：{{{{ {v}.female }}}}"
        )
        add_table(
            doc,
            v,
            COMPLETION_WIDTHS,
            # broken where a typesetter would: never a lone 數 or 率 on a line of its own
            [
                [
                    "",
                    f"{who}\n完成人數",
                    f"{who}\n完成比率",
                    "男性\n完成人數",
                    "男性\n完成比率",
                    "女性\n完成人數",
                    "女性\n完成比率",
                ]
            ],
            [
                ["完成3小時\n性別主流化訓練"]
                + [
                    f"{{{{ {v}.{k} }}}}"
                    for k in ("done_total", "rate_total", "done_male", "rate_male", "done_female", "rate_female")
                ]
            ],
        )
    heading(doc, "(三) 性平聯絡人及辦理性別平等業務相關人員參訓時數", 2)
    instruction(
        doc,
        "(本府各機關構性平聯絡人及辦理性別平等業務相關人員每人每年均須完成18小時課程訓練，其中6小時以上應屬進階課程。年中間因職務異動，或人數超過總計畫規範者，機關可擇其中培力時數較高者填寫。)",
    )
    add_table(
        doc,
        "s3.contact_hours",
        [4, 2, 2, 2],
        [["", "姓名", "年度培力總時數", "進階課程時數"]],
        [["{{ r.role }}", "{{ r.name }}", "{{ r.hours }}", "{{ r.advanced }}"]],
        loop="s3.contact_hours",
        empty=["無", "", "", ""],
    )
    heading(
        doc,
        "(四) 自辦訓練 (含跨機關聯合辦理)：實體課程參訓率(不限自辦課程)為 {{ s3.physical_rate }} "
        "(一般公務員參訓者{{ s3.physical_participants }}/ 機關一般公務員{{ s3.physical_staff }})",
        2,
    )
    add_table(
        doc,
        "s3.self_training",
        [0.9, 1.6, 1.9, 2.8, 2.6, 1.8, 1.8, 2.4, 0.8, 1.4],
        [
            [
                "項次",
                "辦理日期\n或預計辦理日期",
                "訓練班期\n(活動)名稱",
                "訓練對象\n(可複選)",
                "訓練目標(內容)或活動簡介",
                "講師資料",
                "課程類別\n(可複選)",
                "訓練方式\n(可複選)",
                "時數",
                "參加人數",
            ]
        ],
        [
            [
                "{{ r.no }}",
                "{{ r.date }}",
                "{{ r.name }}",
                BOXES("r.targets"),
                PARAS("r.content"),
                PARAS("r.lecturer"),
                BOXES("r.courses"),
                BOXES("r.methods"),
                "{{ r.hours }}",
                "{{ r.people }}",
            ]
        ],
        loop="s3.self_training",
        empty=["", "", "無", "", "", "", "", "", "", ""],
    )
    heading(doc, "(五) 職工相關實體課程訓練", 2)
    add_table(
        doc,
        "s3.staff_training",
        TRAINING_WIDTHS,
        [TRAINING_HEADER],
        [TRAINING_BODY],
        loop="s3.staff_training",
        empty=["", "", "無", "", "", "", "", "", ""],
    )
    heading(doc, "(六) 新聞聯絡人/經營{{ header.self_name }} (暨所屬) 社群媒體小編相關訓練", 2)
    add_table(
        doc,
        "s3.media_training",
        TRAINING_WIDTHS,
        [TRAINING_HEADER],
        [TRAINING_BODY],
        loop="s3.media_training",
        empty=["", "", "無", "", "", "", "", "", ""],
    )
    instruction(
        doc,
        "*「訓練方式」之「多元形式」係指：非僅以傳統講師授課方式辦理，而採多元形式，如工作坊、座談會、參訪、電影賞析、讀書會、選讀性平相關媒材、個案研討、分組討論、角色扮演、體驗學習、案例演練、論壇、小旅行或實地踏查等；或其他具創意性且可提升前開各類受訓人員性別意識及知能等方式。",
    )
    annex_lines(doc, "s3")

    # 四
    heading(doc, "四、性別統計", 1)
    heading(doc, "(一) 既有性別統計指標項目", 2)
    add_table(
        doc,
        "s4.existing",
        [4, 2, 2],
        [["名稱", "數量", ">"], ["^", "主計處列管", "機關構列管"]],
        [
            ["既有性別統計指標", "{{ s4.existing.indicators_dgbas }}", "{{ s4.existing.indicators_agency }}"],
            ["既有性別統計項目", "{{ s4.existing.items_dgbas }}", "{{ s4.existing.items_agency }}"],
        ],
    )
    for sub, key, word in (("(二)", "new_indicators", "指標"), ("(三)", "new_items", "項目")):
        heading(doc, f"{sub} 新增性別統計{word} (或其複分類)", 2)
        add_table(
            doc,
            f"s4.{key}",
            [1, 4, 5, 1.6, 1.6],
            [
                [
                    "項次",
                    f"新增{word}\n(或其複分類)\n名稱",
                    f"新增{word}\n(或其複分類)\n定義及說明",
                    "列管層級\n(請勾選)",
                    ">",
                ],
                ["^", "^", "^", "主計處列管", "機關構列管"],
            ],
            [["{{ r.no }}", "{{ r.name }}", PARAS("r.definition"), BOX("{{ r.dgbas }}"), BOX("{{ r.agency }}")]],
            loop=f"s4.{key}",
            empty=["", "無", "", "", ""],
        )

    # 五
    heading(doc, "五、性別分析", 1)
    add_table(
        doc,
        "s5.analyses",
        [1, 6, 3, 4],
        [["項次", "分析專題名稱", "辦理科室或受委託辦理單位名稱", "提送性平小組專題報告時間"]],
        [["{{ r.no }}", "{{ r.name }}", "{{ r.unit }}", PARAS("r.report")]],
        loop="s5.analyses",
        empty=["", "無", "", ""],
    )
    annex_lines(doc, "s5")

    # 六
    heading(doc, "六、性別影響評估：年度性別影響評估表提報情形", 1)
    for sub, key, name in (
        ("(一)", "ordinances", "自治條例"),
        ("(二)", "public_works", "公共工程中程計畫"),
        ("(三)", "major_policies", "重大施政計畫"),
    ):
        heading(doc, f"{sub} {name}", 2)
        add_table(doc, f"s6.{key}", IMPACT_WIDTHS, IMPACT_HEADER, [IMPACT_BODY], loop=f"s6.{key}", empty=IMPACT_EMPTY)
    annex_lines(doc, "s6")

    # 七
    heading(doc, "七、性別預算", 1)
    heading(doc, "(一) 本年度({{ s7.current_year }})性別預算編列情形", 2)
    budget_body = [["{{ r.no }}", "{{ r.item }}", "{{ r.amount }}", PARAS("r.impact")]]
    add_table(
        doc,
        "s7.budget_current",
        BUDGET_WIDTHS,
        BUDGET_HEADER,
        budget_body,
        loop="s7.current",
        empty=["", "無", "", ""],
        after=[["", "總計", "{{ s7.current_total }}", ""]],
    )
    heading(doc, "(二) 下年度({{ s7.next_year }})性別預算編列情形", 2)
    add_table(
        doc,
        "s7.budget_next",
        BUDGET_WIDTHS,
        BUDGET_HEADER,
        budget_body,
        loop="s7.next",
        empty=["", "無", "", ""],
        after=[["", "總計", "{{ s7.next_total }}", ""]],
    )
    heading(doc, "(三) 下年度({{ s7.next_year }})與本年度({{ s7.current_year }})相較之增減：{{ s7.difference }}", 2)
    doc.add_paragraph("說明：{{ s7.notes_none }}")
    paragraphs(doc, LOOP("s7.notes", "note", *PARAS("note.paragraphs")))
    annex_lines(doc, "s7")

    # 八
    heading(doc, "八、推展性別平等工作策略及具體措施類別及項目", 1)
    doc.add_paragraph("辦理單位及規範：各執行辦理單位依組別每年辦理類別及項目如下：")
    paragraphs(doc, PARAS("s8.group_rules"))
    add_table(
        doc,
        "s8.strategies",
        [4, 6, 7],
        [["類別", "項目", "請依序填入年度辦理該類別項目之政策、方案、措施或計畫名稱(若該類別項目無，則空白即可)"]],
        [["{{ r.category }}", "{{ r.item }}", PARAS("r.measures")]],
        loop="s8.rows",
    )
    doc.add_paragraph("成果說明：")
    doc.add_paragraph("1. 請依組別要求自行增刪欄位與欄位大小。")
    doc.add_paragraph("2. 可於欄位中檢附相關照片及說明，或提供相關資料連結及附件，自由排版呈現。")
    bookmark_paragraph(doc, "results")
    annex_lines(doc, "s8")

    # 九
    heading(doc, "九、其他相關成果：{{ s9.none }}", 1)
    instruction(doc, "(除總計畫所規定應辦理事項外，機關構自行推展之促進性別平等相關作為。若無則免。)")
    paragraphs(doc, PARAS("s9.paragraphs"))

    # 十
    heading(doc, "十、未來推展性別主流化之重點項目及精進作為", 1)
    instruction(
        doc,
        "各執行辦理單位於下年度，為深化內部執行業務過程中深化性別主流化概念，或透過業務促進政府機關內部或民間社會性別平等的相關措施與作為。(請擇重點填寫，若無則免填。)",
    )
    add_table(
        doc,
        "s10.future",
        [1, 3, 4.5, 4.5, 4],
        [["項次", "重點項目或方案名稱", "現況說明", "具體策略", "預期效益"]],
        [["{{ r.no }}", "{{ r.name }}", PARAS("r.status"), PARAS("r.strategy"), PARAS("r.benefit")]],
        loop="s10.plans",
        empty=["", "無", "", "", ""],
    )


# --------------------------------------------------------------------------- page and package


def field_runs(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) as Word writes it: begin, instruction, separate, result, end."""
    for kind, text in (("begin", None), ("instr", f" {instruction} "), ("separate", None), ("text", shown),
                       ("end", None)):  # fmt: skip
        run = paragraph.add_run()
        if kind == "instr":
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        elif kind == "text":
            node = OxmlElement("w:t")
            node.text = text
        else:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        run._r.append(node)


def page_number_footer(doc) -> None:
    """第 N 頁，共 M 頁 centred at the foot of every page (PAGE and NUMPAGES fields)."""
    section = doc.sections[0]
    section.header_distance = Cm(1.5)
    section.footer_distance = Cm(1.0)
    footer_style = doc.styles["Footer"]
    footer_style.font.size = Pt(10)
    paragraph = section.footer.paragraphs[0]
    paragraph.style = footer_style
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    field_runs(paragraph, "PAGE", "1")
    paragraph.add_run(" 頁，共 ")
    field_runs(paragraph, "NUMPAGES", "1")
    paragraph.add_run(" 頁")


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WORD_URI = "http://schemas.microsoft.com/office/word"
# Word 2013 and later (compatibilityMode 15: no 相容模式), as Word 2016+ writes the settings.
COMPAT_SETTINGS = (
    ("compatibilityMode", "15"),
    ("overrideTableStyleFontSizeAndJustification", "1"),
    ("enableOpenTypeFeatures", "1"),
    ("doNotFlipMirrorIndents", "1"),
    ("differentiateMultirowTableHeaders", "1"),
    ("useWord2013TrackBottomHyphenation", "0"),
)
# The fonts the template uses, as Word describes them (so that Word on a Mac and LibreOffice
# find 標楷體 as DFKai-SB / BiauKai, a Big5 font).
FONTS = {
    "標楷體": ("DFKai-SB", "03000509000000000000", "88", "script", "fixed",
              ("00000003", "080E0000", "00000016", "00000000", "00100001", "00000000")),
    "新細明體": ("PMingLiU", "02020500000000000000", "88", "roman", "variable", None),
    "Segoe UI Symbol": (None, "020B0502040204020203", "00", "swiss", "variable", None),
}  # fmt: skip
# The styles Word uses for comments (the findings), as Word 2016+ defines them.
COMMENT_STYLES = f"""<w:styles xmlns:w="{W_NS}">
<w:style w:type="character" w:styleId="CommentReference"><w:name w:val="annotation reference"/><w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="CommentText"><w:name w:val="annotation text"/><w:basedOn w:val="Normal"/><w:link w:val="CommentTextChar"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:pPr><w:spacing w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="character" w:customStyle="1" w:styleId="CommentTextChar"><w:name w:val="Comment Text Char"/><w:basedOn w:val="DefaultParagraphFont"/><w:link w:val="CommentText"/><w:uiPriority w:val="99"/><w:semiHidden/><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="CommentSubject"><w:name w:val="annotation subject"/><w:basedOn w:val="CommentText"/><w:next w:val="CommentText"/><w:link w:val="CommentSubjectChar"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="character" w:customStyle="1" w:styleId="CommentSubjectChar"><w:name w:val="Comment Subject Char"/><w:basedOn w:val="CommentTextChar"/><w:link w:val="CommentSubject"/><w:uiPriority w:val="99"/><w:semiHidden/><w:rPr><w:b/><w:bCs/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="BalloonText"><w:name w:val="Balloon Text"/><w:basedOn w:val="Normal"/><w:link w:val="BalloonTextChar"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:rFonts w:ascii="Segoe UI" w:hAnsi="Segoe UI" w:cs="Segoe UI"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="character" w:customStyle="1" w:styleId="BalloonTextChar"><w:name w:val="Balloon Text Char"/><w:basedOn w:val="DefaultParagraphFont"/><w:link w:val="BalloonText"/><w:uiPriority w:val="99"/><w:semiHidden/><w:rPr><w:rFonts w:ascii="Segoe UI" w:hAnsi="Segoe UI" w:cs="Segoe UI"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
</w:styles>"""


def finish_package(path: Path) -> None:
    """Clean python-docx's default package into one Word 2013+ would write for this form:
    real properties (no "generated by python-docx", no 2013 dates, no Mac Word 2011 app
    record), compatibility mode 15, zh-TW theme language and theme fonts, 標楷體 in the
    font table, the comment styles defined, and the Word 2010 and bibliography leftovers
    (stylesWithEffects, customXml) dropped."""
    from datetime import datetime

    from lxml import etree

    from pipeline.office.docprops import DocumentInfo, set_document_info
    from pipeline.office.opc import CONTENT_TYPES, Package, parse, resolve, serialize

    package = Package.read(path)
    w = lambda tag: f"{{{W_NS}}}{tag}"  # noqa: E731

    def edit(name: str, change) -> None:
        root = parse(package.parts[name])
        change(root)
        package.parts[name] = serialize(root)

    # Parts nobody reads: Word 2010's stylesWithEffects, an empty bibliography (customXml).
    dropped = [n for n in package.parts if n.startswith("customXml/") or n == "word/stylesWithEffects.xml"]
    for name in dropped:
        del package.parts[name]
    for rels in [n for n in package.parts if n.endswith(".rels")]:
        source = rels.replace("_rels/", "").removesuffix(".rels")

        def prune(root, source=source) -> None:
            for rel in list(root):
                if rel.get("TargetMode") != "External" and resolve(source, rel.get("Target", "")) in dropped:
                    root.remove(rel)

        edit(rels, prune)

    def types(root) -> None:
        for node in list(root):
            if node.get("PartName", "").lstrip("/") in dropped:
                root.remove(node)

    edit(CONTENT_TYPES, types)

    def settings(root) -> None:
        compat = root.find(w("compat"))
        for node in list(compat):
            if node.tag == w("compatSetting"):
                compat.remove(node)
        for name, value in COMPAT_SETTINGS:
            etree.SubElement(compat, w("compatSetting"), {w("name"): name, w("uri"): WORD_URI, w("val"): value})
        root.find(w("themeFontLang")).set(w("eastAsia"), "zh-TW")
        root.find(w("defaultTabStop")).set(w("val"), "480")  # two characters of 12 pt

    edit("word/settings.xml", settings)

    def fonts(root) -> None:
        for font in list(root):
            name = font.get(w("name"))
            if name in ("ＭＳ 明朝", "ＭＳ ゴシック") or name in FONTS:
                root.remove(font)
            elif name == "Times New Roman":
                font.find(w("family")).set(w("val"), "roman")
        for name, (alt, panose, charset, family, pitch, sig) in FONTS.items():
            font = etree.SubElement(root, w("font"), {w("name"): name})
            if alt:
                etree.SubElement(font, w("altName"), {w("val"): alt})
            etree.SubElement(font, w("panose1"), {w("val"): panose})
            etree.SubElement(font, w("charset"), {w("val"): charset})
            etree.SubElement(font, w("family"), {w("val"): family})
            etree.SubElement(font, w("pitch"), {w("val"): pitch})
            if sig:
                keys = ("usb0", "usb1", "usb2", "usb3", "csb0", "csb1")
                etree.SubElement(font, w("sig"), {w(k): v for k, v in zip(keys, sig, strict=True)})

    edit("word/fontTable.xml", fonts)

    def theme(root) -> None:
        a = "http://schemas.openxmlformats.org/drawingml/2006/main"
        for scheme in root.iter(f"{{{a}}}majorFont", f"{{{a}}}minorFont"):
            scheme.find(f"{{{a}}}latin").set("typeface", LATIN_FONT)
            for font in scheme.findall(f"{{{a}}}font"):
                if font.get("script") == "Hant":
                    font.set("typeface", EAST_ASIA_FONT)

    edit("word/theme/theme1.xml", theme)

    def styles(root) -> None:
        have = {s.get(w("styleId")) for s in root.iter(w("style"))}
        for style in parse(COMMENT_STYLES):
            if style.get(w("styleId")) not in have:
                root.append(style)
        for style in root.iter(w("style")):  # tab stops of A4 with 2 cm margins, not of Letter
            if style.get(w("styleId")) in ("Header", "Footer"):
                for tab in style.iter(w("tab")):
                    tab.set(w("pos"), "4819" if tab.get(w("val")) == "center" else "9638")

    edit("word/styles.xml", styles)

    now = datetime.now().astimezone()
    set_document_info(package, DocumentInfo(title="推動性別平等工作成果報告（Word 範本）", author="", when=now))
    package.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite an existing template")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        print(f"{args.out} exists (edits made in Word would be lost); use --force", file=sys.stderr)
        return 1
    doc = Document()
    setup_styles(doc)
    build(doc)
    page_number_footer(doc)
    # python-docx's default package carries a thumbnail of an empty page: not ours to show.
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
        rels.pop(rid)
    doc.save(args.out)
    finish_package(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
