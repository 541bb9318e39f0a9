"""Write a second edition of the form as a test fixture: tests/fixtures/form-edition-2/.

A copy of templates/tpe-gender-report/ with the kinds of change a new year's form
brings, made as a maintainer would make them — form.yaml and rules.yaml edited, the
Word template edited — and no code change:

- a renamed column: 二(一)'s 委員總數 is now 委員人數 (the old header kept as an alias);
- an added column: 十's table gets 預定完成日期 (a date), printed in a new last column;
- a removed table: 四(三) 新增性別統計項目 is gone (its sheet, its table, its heading);
- a changed rule threshold: the committee's lower single-gender share must reach 2/5.

    python tools/make_second_edition.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml
from docx import Document
from docx.shared import Cm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.office.wml import caption_of  # noqa: E402

SOURCE = ROOT / "templates" / "tpe-gender-report"
TARGET = ROOT / "tests" / "fixtures" / "form-edition-2"
REMOVED_TABLE = "s4.new_items"
REMOVED_HEADING = "(三) 新增性別統計項目 (或其複分類)"


def edit_form(data: dict) -> None:
    data["edition"] = "110"
    for wb in data["workbooks"]:
        for sheet in wb["sheets"]:
            for spec in sheet.get("fields") or sheet.get("columns"):
                if spec["header"] == "委員總數":
                    spec["header"], spec["aliases"] = "委員人數", ["委員總數"]
            if f"{wb['id']}.{sheet['id']}" == "s10.plans":
                sheet["columns"].append({"key": "due", "header": "預定完成日期", "type": "date"})
        wb["sheets"] = [s for s in wb["sheets"] if f"{wb['id']}.{s['id']}" != "s4.new_items"]
    del data["tables"][REMOVED_TABLE]
    data["tables"]["s10.future"]["cells"]["due"] = {"col": 5, "date": "due", "format": "date_long"}
    data["tables"]["s10.future"]["layout"]["widths"].append(2.4)  # the new column's width


def edit_rules(data: dict) -> None:
    for rule in data["rules"]:
        if rule["id"] == "committee.share":
            rule["threshold"] = "2/5"


def edit_template(path: Path) -> None:
    doc = Document(str(path))
    body = doc.element.body
    for table in doc.tables:
        caption = caption_of(table._tbl)
        if caption == REMOVED_TABLE:
            following = table._tbl.getnext()  # the empty paragraph after a table
            body.remove(table._tbl)
            if following is not None and not "".join(following.itertext()).strip():
                body.remove(following)
        elif caption == "s10.future":
            column = table.add_column(Cm(2.4))
            texts = ["預定完成日期", "", "{{ r.due }}", "", "", ""]
            for cell, text in zip(column.cells, texts, strict=True):
                cell.paragraphs[0].text = text
                cell.paragraphs[0].style = table.rows[2].cells[1].paragraphs[0].style
    for paragraph in doc.paragraphs:
        if paragraph.text == REMOVED_HEADING:
            body.remove(paragraph._p)
    doc.save(str(path))


def main() -> int:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(SOURCE, TARGET)
    for name, edit in (("form.yaml", edit_form), ("rules.yaml", edit_rules)):
        path = TARGET / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(data)
        header = "# Second edition of the form (a test fixture made by tools/make_second_edition.py).\n"
        path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    edit_template(TARGET / "report.docx")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
