"""Synthetic agencies: complete, deterministic, clean unless told, breaching what they are told."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import verify
from pipeline.errors import PipelineError
from pipeline.form.rules import load_rules
from pipeline.inputs.read import read_inputs
from tests.support.synthetic import (
    BREACHES,
    BROKEN_KINDS,
    EMPTIABLE,
    SIZES,
    make_agency,
    make_city,
)


def table_rows(folder: Path, form) -> dict[str, int]:
    """How many records each table sheet of an agency holds."""
    inputs, _ = read_inputs(folder, form)
    return {sid: len(sheet.records) for sid, sheet in inputs.sheets.items() if form.sheets[sid][1].kind == "table"}


def values_of(folder: Path, form) -> dict[str, list[dict[str, object]]]:
    """Every value read from an agency's workbooks, by sheet."""
    inputs, _ = read_inputs(folder, form)
    return {
        sid: [{k: v.value for k, v in r.values.items()} for r in sheet.records] for sid, sheet in inputs.sheets.items()
    }


def test_a_clean_agency_has_every_workbook_and_gives_no_findings(tmp_path, form):
    agency = make_agency(tmp_path / "a", seed=1, breaches=(), form=form)
    files = sorted(p.name for p in agency.folder.glob("*.xlsx"))
    assert files == sorted(wb.file for wb in form.workbooks)
    assert agency.broken is None and agency.breaches == ()
    assert verify(agency.folder).findings == []


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_size_is_clean_when_asked(tmp_path, form, size):
    agency = make_agency(tmp_path / size, seed=4, size=size, breaches=(), form=form)
    assert agency.size == size
    assert verify(agency.folder).findings == []


def test_breaches_are_rules_of_the_form(form):
    rule_ids = {rule.id for rule in load_rules(form)}
    assert set(BREACHES) <= rule_ids


@pytest.mark.parametrize("seed", [2, 4, 12])
@pytest.mark.parametrize("breach", BREACHES)
def test_each_breach_gives_findings_of_its_rule_only(tmp_path, form, breach, seed):
    agency = make_agency(tmp_path / "a", seed=seed, breaches=(breach,), form=form)
    rules = {f.rule for f in verify(agency.folder).findings}
    assert rules == {breach}


def test_the_same_seed_writes_the_same_agency(tmp_path, form):
    one = make_agency(tmp_path / "one", seed=42, form=form)
    two = make_agency(tmp_path / "two", seed=42, form=form)
    assert (one.name, one.groups, one.size, one.breaches, one.empty) == (
        two.name,
        two.groups,
        two.size,
        two.breaches,
        two.empty,
    )
    assert values_of(one.folder, form) == values_of(two.folder, form)
    other = make_agency(tmp_path / "other", seed=43, form=form)
    assert values_of(other.folder, form) != values_of(one.folder, form)


def test_scale_multiplies_the_table_rows_and_stays_clean(tmp_path, form):
    base = make_agency(tmp_path / "x1", seed=5, size="sample", breaches=(), empty=(), form=form)
    big = make_agency(tmp_path / "x3", seed=5, scale=3, size="sample", breaches=(), empty=(), form=form)
    rows1, rows3 = table_rows(base.folder, form), table_rows(big.folder, form)
    for sid in (
        "s2.meetings",
        "s3.self_training",
        "s7.current",
        "s7.next",
        "s8.measures",
        "results.blocks",
        "header.contacts",
    ):
        assert rows1[sid] > 0 and rows3[sid] == 3 * rows1[sid], sid
    assert rows3["s1.highlights"] <= 3  # the form allows three; scaling keeps to it
    assert sum(rows3.values()) > 2.5 * sum(rows1.values())
    assert verify(big.folder).findings == []


def test_empty_sections_have_no_rows_and_print_none(tmp_path, form):
    agency = make_agency(tmp_path / "a", seed=6, empty=("s6", "s10"), breaches=(), form=form)
    rows = table_rows(agency.folder, form)
    assert rows["s6.ordinances"] == rows["s6.public_works"] == rows["s6.major_policies"] == 0
    assert rows["s10.plans"] == 0
    assert verify(agency.folder).findings == []


def test_a_breach_keeps_its_section_filled(tmp_path, form):
    agency = make_agency(tmp_path / "a", seed=6, empty=("s6",), breaches=("impact.adopted-le-opinions",), form=form)
    assert "s6" not in agency.empty
    assert "impact.adopted-le-opinions" in {f.rule for f in verify(agency.folder).findings}


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_a_broken_agency_cannot_be_built(tmp_path, form, kind):
    agency = make_agency(tmp_path / "a", seed=7, broken=kind, form=form)
    assert agency.broken == kind
    with pytest.raises(PipelineError) as exc:
        verify(agency.folder)
    message = str(exc.value)
    assert message and "Traceback" not in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # said in Chinese


def test_bad_arguments_are_refused(tmp_path, form):
    with pytest.raises(ValueError, match="unknown breaches"):
        make_agency(tmp_path / "a", seed=1, breaches=("no.such-rule",), form=form)
    with pytest.raises(ValueError, match="scale"):
        make_agency(tmp_path / "b", seed=1, scale=0, form=form)
    with pytest.raises(ValueError, match="broken"):
        make_agency(tmp_path / "c", seed=1, broken="melted", form=form)


def test_a_city_varies_groups_sizes_and_sections(tmp_path, form):
    agencies = make_city(tmp_path / "city", 12, seed=5, form=form)
    assert len(agencies) == 12
    assert len({a.folder.name for a in agencies}) == 12
    assert len({a.name for a in agencies}) == 12
    assert all(a.folder.parent == tmp_path / "city" for a in agencies)
    assert len({a.groups for a in agencies}) >= 3
    assert len({a.size for a in agencies}) >= 2
    assert len({a.year for a in agencies}) == 1  # one report year for the city
    assert any(a.empty for a in agencies)
    assert all(set(a.empty) <= set(EMPTIABLE) for a in agencies)
    assert any(a.breaches for a in agencies) and any(not a.breaches for a in agencies)
    assert not any(a.broken for a in agencies)


def test_a_city_breaks_as_many_agencies_as_asked(tmp_path, form):
    agencies = make_city(tmp_path / "city", 6, seed=8, broken=2, form=form)
    assert sum(1 for a in agencies if a.broken) == 2
    chosen = make_city(tmp_path / "chosen", 3, seed=8, broken=[0, 2], form=form)
    assert [a.broken is not None for a in chosen] == [True, False, True]
