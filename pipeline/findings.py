"""Findings: problems and notes about the data, collected as values, never raised."""

from __future__ import annotations

from dataclasses import field
from enum import Enum

from pipeline.frozen import Frozen, frozen


class Severity(str, Enum):
    """How serious a finding is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        """The severity in Traditional Chinese, for messages."""
        return {"error": "錯誤", "warning": "警告", "info": "提示"}[self.value]


@frozen
class Source(Frozen):
    """Where a value comes from: workbook file, sheet and cell (any may be absent)."""

    workbook: str
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        parts = [self.workbook]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.cell:
            parts.append(f"儲存格 {self.cell}")
        return " ".join(parts)


@frozen
class Target(Frozen):
    """Where a finding lands in the report: a table (by id), body row and column key."""

    table: str | None = None
    row: int | None = None  # 0-based body row
    column: str | None = None
    section: str | None = None


@frozen
class Finding(Frozen):
    """One problem or note: rule id (for machines), severity, message, where it comes from
    and lands, and the rule's title (what a person reads instead of the id)."""

    rule: str
    severity: Severity
    message: str
    source: Source | None = None
    target: Target = field(default_factory=Target)
    title: str = ""

    @property
    def heading(self) -> str:
        """What a person reads as the finding's kind: the rule's title (its id only when a
        finding was made without one)."""
        return self.title or self.rule

    def __str__(self) -> str:
        where = f"{self.source}：" if self.source else ""
        return f"[{self.severity.label}] {where}{self.message}"


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding is an error."""
    return any(f.severity is Severity.ERROR for f in findings)
