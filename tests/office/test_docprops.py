"""Document properties: title, author and times as Word shows them in File → Info."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pipeline.office.docprops import DocumentInfo, app_xml, core_xml, read_document_info, set_document_info, w3cdtf
from pipeline.office.opc import Package


def test_times_are_written_in_utc_to_the_minute():
    taipei = timezone(timedelta(hours=8))
    assert w3cdtf(datetime(2026, 12, 1, 3, 52, 41, tzinfo=taipei)) == "2026-11-30T19:52:00Z"


def test_core_properties_name_the_report_its_author_and_build_time():
    when = datetime(2026, 11, 30, 19, 52, tzinfo=timezone.utc)
    info = read_document_info(core_xml(DocumentInfo("某局110年推動性別平等工作成果報告", "某局", when)))
    assert info["title"] == "某局110年推動性別平等工作成果報告"
    assert info["creator"] == info["lastModifiedBy"] == "某局"
    assert info["created"] == info["modified"] == "2026-11-30T19:52:00Z"
    assert info["description"] == "" and info["revision"] == "1"


def test_the_extended_properties_claim_no_application_and_no_statistics():
    xml = app_xml(DocumentInfo("t", "某局", datetime.now(timezone.utc), company="某局")).decode("utf-8")
    assert "<Company>某局</Company>" in xml
    for absent in ("Application", "AppVersion", "Pages", "Words", "Template"):
        assert f"<{absent}>" not in xml


def test_a_package_without_properties_gets_both_parts_and_their_relationships():
    package = Package(
        {"[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'}
    )
    set_document_info(package, DocumentInfo("t", "a", datetime.now(timezone.utc)))
    targets = {target for _rid, _type, target in package.relationships("")}
    assert targets == {"docProps/core.xml", "docProps/app.xml"}
    assert read_document_info(package.parts["docProps/core.xml"])["title"] == "t"
