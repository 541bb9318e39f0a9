"""Installable like any Python tool: the wheel and sdist carry the form, the declared minimum
versions work, the Makefile rebuilds its venv for another Python, Hypothesis is fixed in CI.

The install tests build the package and install it into fresh venvs (dependencies from pip's
cache or the package index), so they take about a minute together: ``-m "not slow"`` skips them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

import pipeline

from .conftest import ROOT, SAMPLE_INPUTS

PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
FORM_FILES = ("form.yaml", "rules.yaml", "report.docx")
REPORT = "臺北自來水事業處109年推動性別平等工作成果報告.docx"


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **options)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def declared_list(name: str) -> list[str]:
    """A list of strings from pyproject.toml (read with a regex: tomllib is Python 3.11+)."""
    block = re.search(rf"^{name} = \[(.*?)^\]", PYPROJECT, re.MULTILINE | re.DOTALL).group(1)
    return re.findall(r'^\s*"([^"]+)"', block, re.MULTILINE)


def test_the_package_list_names_every_subpackage():
    on_disk = {"pipeline"} | {f"pipeline.{p.parent.name}" for p in (ROOT / "pipeline").glob("*/__init__.py")}
    assert set(declared_list("packages")) == on_disk | {"pipeline.templates"}
    assert (ROOT / "templates" / "__init__.py").is_file()


def test_dependencies_have_lower_bounds_and_jinja2_is_declared():
    dependencies = declared_list("dependencies")
    assert all(">=" in d for d in dependencies), dependencies
    names = {re.split(r"[<>=!]", d)[0].lower() for d in dependencies}
    assert {"jinja2", "python-calamine", "lxml"} <= names
    assert "python-calamine>=0.4,<1" in dependencies  # 0.3.x has no merged_cell_ranges
    assert 'license = "MIT"' in PYPROJECT and (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built as a release would be (the wheel from the sdist), from a
    copy of the source tree so that the checkout stays untouched."""
    work = tmp_path_factory.mktemp("dist")
    source = work / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("pipeline", "templates"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    run([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(source)])
    return work / "dist"


def fresh_venv(path: Path) -> Path:
    """A venv without pip of its own (the suite's pip installs into it: quicker); its python."""
    run([sys.executable, "-m", "venv", "--without-pip", str(path)])
    return path / ("Scripts" if os.name == "nt" else "bin") / "python"


def pip_install(python: Path, *requirements: str) -> None:
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", *requirements])


def build_sample_elsewhere(python: Path, work: Path) -> Path:
    """Run the installed `report` from a folder that is not the checkout; the report it wrote."""
    elsewhere = work / "elsewhere"
    shutil.copytree(SAMPLE_INPUTS, elsewhere / "inputs")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"TPE_REPORT_CACHE": "off"}
    report = python.parent / "report"
    assert run([str(report), "--version"], cwd=elsewhere, env=env).stdout.strip().endswith(pipeline.__version__)
    done = run([str(report), "build", "--inputs", "inputs", "--out", "outputs"], cwd=elsewhere, env=env)
    assert "找不到" not in done.stderr
    return elsewhere / "outputs" / REPORT


@pytest.mark.slow
def test_the_sdist_and_the_wheel_carry_the_form_files_and_the_licence(dist):
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"pipeline/templates/tpe-gender-report/{name}" for name in FORM_FILES} <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {f"templates/tpe-gender-report/{name}" for name in FORM_FILES} | {"LICENSE"} <= members


@pytest.mark.slow
def test_the_wheel_in_a_fresh_venv_builds_the_sample_from_another_folder(dist, tmp_path):
    python = fresh_venv(tmp_path / "venv")
    [wheel] = dist.glob("*.whl")
    pip_install(python, str(wheel))
    report = build_sample_elsewhere(python, tmp_path)
    assert report.is_file()
    code = "from pipeline.form.spec import DEFAULT_FORM_DIR; print(DEFAULT_FORM_DIR)"
    files = run([str(python), "-c", code], cwd=tmp_path)
    assert "site-packages" in files.stdout and str(ROOT) not in files.stdout


def minimum_versions() -> list[str]:
    """Every dependency pinned to the lower bound pyproject.toml declares."""
    pins = []
    for requirement in declared_list("dependencies"):
        name, minimum = re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement).groups()
        pins.append(f"{name}=={minimum}")
    return pins


@pytest.mark.slow
def test_the_declared_minimum_versions_build_the_sample(dist, tmp_path):
    python = fresh_venv(tmp_path / "venv")
    [wheel] = dist.glob("*.whl")
    pins = minimum_versions()
    assert "python-calamine==0.4" in pins
    pip_install(python, "--only-binary=:all:", str(wheel), *pins)
    listed = run([sys.executable, "-m", "pip", "--python", str(python), "list", "--format=freeze"]).stdout
    installed = {
        canonicalize_name(name): Version(version) for name, version in (line.split("==") for line in listed.split())
    }
    for pin in pins:
        name, version = pin.split("==")
        assert installed[canonicalize_name(name)] == Version(version), pin
    assert build_sample_elsewhere(python, tmp_path).is_file()


# -- make test PYTHON=…, Hypothesis in CI -----------------------------------------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_rebuilds_the_venv_for_another_python(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    venv = tmp_path / ".venv"
    venv.mkdir()
    (venv / ".python-3.0.0").touch()  # a venv made by another Python
    (venv / ".installed").touch()
    dry = run(["make", "-n", ".venv/.installed", f"PYTHON={sys.executable}"], cwd=tmp_path).stdout
    assert "rm -rf .venv" in dry and f"{sys.executable} -m venv .venv" in dry
    version = ".".join(map(str, sys.version_info[:3]))
    (venv / f".python-{version}").touch()
    os.utime(venv / ".installed")  # installed after the venv was made
    up_to_date = subprocess.run(["make", "-q", ".venv/.installed", f"PYTHON={sys.executable}"], cwd=tmp_path)
    assert up_to_date.returncode == 0


def test_hypothesis_draws_the_same_examples_in_ci():
    code = "from tests.support import hypothesis_profiles as p; from hypothesis import settings; "
    code += "print(p.load(), settings.default.derandomize)"
    local = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "TF_BUILD")}
    for env, expected in ((local | {"CI": "true"}, "ci True"), (local, "default False")):
        assert run([sys.executable, "-c", code], cwd=ROOT, env=env).stdout.split() == expected.split()
