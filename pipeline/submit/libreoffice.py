"""LibreOffice as a service of the program: conversions on private copies, offline, timed.

Every command that converts files (``report build --pdf --odt``, ``report
package``, marked copies of .ods workbooks, ``report init --ods``) opens one
:class:`Office` and hands it all its conversions.  The session

- works in a private temporary folder: each file is copied there under an
  ASCII name (LibreOffice under a C locale mangles others), with its external
  links removed first (:mod:`pipeline.submit.offline`), so that LibreOffice
  never reaches the network or another machine's share, and never writes
  beside the clerk's files;
- runs LibreOffice with a private profile that blocks linked content, never
  updates links, runs no macros and exports PDF as PDF/A-2b: an open
  LibreOffice window, a broken user profile or a lock file cannot get in the
  way;
- keeps one LibreOffice warm for all the conversions of the command when a
  Python with LibreOffice's ``uno`` module is on the machine (Debian's
  python3-uno, or the Python that comes with LibreOffice on Windows and
  macOS): it starts in the background as soon as the session opens, while
  the report is still being built, and each document is loaded once for all
  its output formats;
- otherwise falls back to ``soffice --convert-to`` with all the files of one
  output format in one invocation (one cold start per format);
- bounds every conversion in time, and ends everything LibreOffice started
  when the time is up or the command ends.

``TPE_REPORT_LIBREOFFICE=cold`` forces the fallback (``warm`` requires UNO).
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConversionError, ToolMissing, describe
from pipeline.inputs.filecheck import OLE_MAGIC
from pipeline.outputs import atomic_write
from pipeline.submit.offline import private_copy

# python3-uno is optional: with it, one LibreOffice serves all the conversions of a command.
INSTALL_HINT = "sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui python3-uno"
PROGRAMS = ("soffice", "libreoffice")
# Where the installers put it when it is not on PATH (Windows, macOS).
KNOWN_LOCATIONS = (
    Path("C:/Program Files/LibreOffice/program/soffice.exe"),
    Path("C:/Program Files (x86)/LibreOffice/program/soffice.exe"),
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
)
# What a conversion may read, and what it may write.
SOURCES = {".docx": "text", ".odt": "text", ".xlsx": "sheet", ".ods": "sheet"}
TARGETS = {"text": ("pdf", "odt", "docx"), "sheet": ("pdf", "ods", "xlsx")}
KIND_NAMES = {"text": "Word（.docx）或 .odt", "sheet": "Excel（.xlsx）或 .ods"}
DEFAULT_TIMEOUT = 180.0  # seconds per document; a long report converts in well under a minute
START_TIMEOUT = 90.0  # seconds for LibreOffice to start and answer
QUIT_GRACE = 2.0  # seconds LibreOffice is given to quit by itself before it is ended
MODE_VARIABLE = "TPE_REPORT_LIBREOFFICE"
WORKER = Path(__file__).with_name("uno_worker.py")

# The private profile.  Values from LibreOffice's officecfg schemas (Common.xcs,
# Writer.xcs, Calc.xcs, Inet.xcs); a name an older LibreOffice does not know is ignored.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
 <prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop>
 <prop oor:name="DisableActiveContent" oor:op="fuse"><value>true</value></prop>
 <prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop>
 <prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">
 <prop oor:name="Link" oor:op="fuse"><value>2</value></prop>
 <prop oor:name="Field" oor:op="fuse"><value>false</value></prop>
 <prop oor:name="Chart" oor:op="fuse"><value>false</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update">
 <prop oor:name="Link" oor:op="fuse"><value>1</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop>
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>1</value></prop>
</item>
<item oor:path="/org.openoffice.Inet/Settings">
 <prop oor:name="ooInetProxyType" oor:op="fuse"><value>1</value></prop>
 <prop oor:name="ooInetHTTPProxyName" oor:op="fuse"><value>0.0.0.0</value></prop>
 <prop oor:name="ooInetHTTPProxyPort" oor:op="fuse"><value>9</value></prop>
 <prop oor:name="ooInetHTTPSProxyName" oor:op="fuse"><value>0.0.0.0</value></prop>
 <prop oor:name="ooInetHTTPSProxyPort" oor:op="fuse"><value>9</value></prop>
 <prop oor:name="ooInetNoProxy" oor:op="fuse"><value></value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Filter/PDF/Export">
 <prop oor:name="SelectPdfVersion" oor:op="fuse"><value>2</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Misc">
 <prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop>
 <prop oor:name="UseLocking" oor:op="fuse"><value>false</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Save/Document">
 <prop oor:name="WarnAlienFormat" oor:op="fuse"><value>false</value></prop>
 <prop oor:name="GenerateThumbnail" oor:op="fuse"><value>false</value></prop>
</item>
</oor:items>
"""


def find_soffice() -> str:
    """The LibreOffice program to run; ToolMissing, with the install hint, when there is none."""
    for name in PROGRAMS:
        found = shutil.which(name)
        if found:
            return found
    for location in KNOWN_LOCATIONS:
        if location.is_file():
            return str(location)
    raise ToolMissing(
        "找不到 LibreOffice（soffice），無法轉換 Word／Excel 檔（PDF、ODF）。\n"
        f"請先安裝：{INSTALL_HINT}\n"
        "（Windows／macOS：由 https://www.libreoffice.org 下載安裝）"
    )


def uno_pythons(soffice: str) -> list[str]:
    """Pythons that may import LibreOffice's ``uno`` module, the most likely first.

    The one LibreOffice brings along (Windows, macOS), then the system's (Debian's
    python3-uno installs into /usr/bin/python3).  The program's own Python is not
    one: a virtual environment cannot import the system's uno.
    """
    program = Path(os.path.realpath(soffice)).parent
    candidates = [
        program / "python.exe",
        program / "python",
        program.parent / "Resources" / "python",  # macOS: Contents/MacOS/soffice
        Path("/usr/bin/python3"),
    ]
    found: list[str] = []
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK) and str(candidate) not in found:
            found.append(str(candidate))
    return found


@dataclass(frozen=True)
class Job:
    """One document to convert, loaded once, and where each output format goes.

    ``outputs`` pairs an extension ("pdf", "odt", "ods", "xlsx", "docx") with the
    path to write (atomically, never half-written).
    """

    source: Path
    outputs: tuple[tuple[str, Path], ...]


Output = tuple[str, Path, Path]  # a job's output: extension, where LibreOffice writes it, its target
Staged = tuple[Path, list[Output]]  # a job's private, offline copy and its outputs


def check_source(source: Path) -> str:
    """The document kind ("text" or "sheet"); ConversionError for what LibreOffice would misread.

    LibreOffice opens any file it does not recognise as plain text, so a damaged
    or encrypted file is refused here, by its first bytes.
    """
    kind = SOURCES.get(source.suffix.lower())
    if kind is None:
        raise ConversionError(f"「{source.name}」不是 Word、Excel 或 ODF 檔（.docx、.xlsx、.odt、.ods），無法轉換")
    try:
        with source.open("rb") as handle:
            head = handle.read(len(OLE_MAGIC))
    except OSError as exc:
        raise ConversionError(f"無法讀取「{source.name}」：{describe(exc)}") from exc
    if head == OLE_MAGIC:
        raise ConversionError(
            f"「{source.name}」有密碼保護（或是舊版 .doc／.xls 改了副檔名），無法轉換："
            f"請移除密碼，或另存為 {source.suffix.lower()} 或 PDF 後再放入"
        )
    if not zipfile.is_zipfile(source):
        raise ConversionError(f"「{source.name}」不是有效的 {source.suffix.lower()} 檔（檔案可能已損毀），無法轉換")
    return kind


def _kill_tree(process: subprocess.Popen[Any]) -> None:
    """End a process started in its own session and everything it started."""
    if process.poll() is None or os.name == "posix":
        try:
            if os.name == "posix":
                os.killpg(process.pid, signal.SIGKILL)  # soffice starts soffice.bin under it
            else:
                process.kill()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _popen(command: list[str], **options: Any) -> subprocess.Popen[Any]:
    # A session of its own: the whole tree can be ended at once, and Ctrl-C in the
    # terminal reaches the program, which then ends LibreOffice itself.
    if sys.platform == "win32":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
    else:
        options["start_new_session"] = True
    return subprocess.Popen(command, **options)


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run a program; on timeout end it and every process it started (TimeoutExpired)."""
    process: subprocess.Popen[bytes] = _popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


_LINGERING: list[_Worker] = []  # workers left to end by themselves (Office.close(wait=False))


class _Worker:
    """The UNO worker process and the LibreOffice it started."""

    def __init__(self, python: str, soffice: str, profile: Path):
        self.profile = profile
        self.process: subprocess.Popen[str] = _popen(
            [python, str(WORKER), soffice, str(profile), f"report_{uuid.uuid4().hex}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        self.quitting = False
        self.office_pid: int | None = None  # LibreOffice's process group, once it is ready
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        try:
            for line in self.process.stdout:
                self.lines.put(line)
        except (OSError, ValueError):  # closed under it by stop()
            pass
        finally:
            self.lines.put(None)
            self.process.stdout.close()

    def answer(self, timeout: float) -> dict[str, Any] | None:
        """The next answer, or None when the worker ended or did not answer in time."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            return None
        try:
            reply = json.loads(line)
        except ValueError:
            return None
        return reply if isinstance(reply, dict) else None

    def send(self, request: Mapping[str, object]) -> bool:
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def quit(self) -> None:
        """Ask LibreOffice to quit, without waiting for it."""
        if self.process.poll() is None and not self.quitting:
            self.quitting = self.send({"quit": True})

    def leave(self) -> None:
        """Ask LibreOffice to quit and leave the worker to it (it tidies up and ends itself)."""
        self.quit()
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        _LINGERING[:] = [w for w in _LINGERING if w.process.poll() is None]
        _LINGERING.append(self)  # referenced until it ends, so that it is never collected running

    def stop(self, grace: float = QUIT_GRACE) -> None:
        """Ask LibreOffice to quit, then end whatever is left after ``grace`` seconds.

        Every conversion has been written by then, and the profile is thrown away:
        waiting for LibreOffice to tidy up would only make the command slower.
        """
        self.quit()
        if self.quitting:
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if self.process.poll() is None and self.office_pid is not None and os.name == "posix":
            try:
                os.killpg(self.office_pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _kill_tree(self.process)
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass


class Office:
    """One private headless LibreOffice for the conversions of one command (a context manager).

    ``mode``: "auto" (warm through UNO when possible, else the fallback), "warm"
    or "cold"; by default from ``TPE_REPORT_LIBREOFFICE``.  ``start()`` begins
    starting LibreOffice in the background; the first conversion waits for it.
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, mode: str | None = None):
        self.soffice = find_soffice()
        self.timeout = timeout
        self.mode = (mode or os.environ.get(MODE_VARIABLE) or "auto").strip().lower()
        if self.mode not in ("auto", "warm", "cold"):
            self.mode = "auto"
        self.work = Path(tempfile.mkdtemp(prefix="report-office-"))
        self._profiles = 0
        self._cold_profile: Path | None = None
        self._pythons = uno_pythons(self.soffice) if self.mode != "cold" else []
        self._worker: _Worker | None = None
        self._ready = False
        self._counter = 0
        self._failed_starts = 0
        self._start_error = ""
        self._quitting: list[_Worker] = []
        self._staged: dict[Job, Staged | ConversionError] = {}
        atexit.register(self.close, wait=False)  # whatever happens, nothing is left running or lying about
        self.warm_used = False  # whether any conversion went through the warm worker

    # -- life cycle ----------------------------------------------------------------------

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> Office:
        """Start the warm LibreOffice in the background (no-op in cold mode or when running)."""
        if self._worker is None and self._pythons:
            self._worker = _Worker(self._pythons[0], self.soffice, self._new_profile())
            self._ready = False
        return self

    def _new_profile(self) -> Path:
        """A fresh private profile folder with the program's settings (one per LibreOffice started:
        a worker removes its own when it ends)."""
        self._profiles += 1
        profile = self.work / f"profile-{self._profiles}"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
        return profile

    def finish(self) -> None:
        """No more conversions for now: LibreOffice quits in the background while the
        command goes on (a later conversion starts it again); ``close`` waits for it."""
        if self._worker is not None:
            self._worker.quit()
            self._quitting.append(self._worker)
            self._worker = None
            self._ready = False

    def close(self, wait: bool = True) -> None:
        """End LibreOffice and remove the private folder (again: a no-op).

        ``wait=False`` (a command that is about to end): LibreOffice is asked to quit
        and left to it; its worker removes the profile when it has.
        """
        atexit.unregister(self.close)  # (every registration of this bound method)
        workers = [*self._quitting, *([self._worker] if self._worker is not None else [])]
        self._quitting.clear()
        self._worker = None
        lingering = set()
        for worker in workers:
            if wait:
                worker.stop(grace=QUIT_GRACE)
            else:
                worker.leave()
                if worker.process.poll() is None:
                    lingering.add(worker.profile)
        if not lingering:
            shutil.rmtree(self.work, ignore_errors=True)
            return
        for entry in self.work.iterdir() if self.work.is_dir() else ():
            if entry not in lingering:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        try:
            self.work.rmdir()  # when the workers were quicker; else the last of them does it
        except OSError:
            pass

    def _warm_worker(self) -> _Worker | None:
        """The warm worker, started (again) if need be; None when UNO is not to be had.

        A Python that cannot import uno, or whose LibreOffice does not start twice
        in a row, is dropped and the next one tried.
        """
        while self._pythons:
            self.start()
            assert self._worker is not None
            if self._ready:
                return self._worker
            hello = self._worker.answer(START_TIMEOUT)
            if hello is not None and hello.get("ready"):
                self._worker.office_pid = hello.get("pid")
                self._ready = True
                self._failed_starts = 0
                return self._worker
            self._worker.stop()
            self._worker = None
            self._start_error = str((hello or {}).get("error") or "沒有回應")
            self._failed_starts += 1
            if self._failed_starts >= 2 or str(self._start_error).startswith("uno:"):
                self._pythons.pop(0)
                self._failed_starts = 0
        if self.mode == "warm":
            raise ConversionError(f"無法以 UNO 啟動 LibreOffice（需要 python3-uno）：{self._start_error}")
        return None

    def warm(self) -> bool:
        """Whether conversions go to a warm LibreOffice (waits for it to be up)."""
        return self._warm_worker() is not None

    # -- conversions ---------------------------------------------------------------------

    def convert(self, source: Path, target: Path) -> Path:
        """Convert one file to the format of ``target``'s extension; returns ``target``.

        Raises ConversionError naming the file when it cannot be converted.
        """
        result = self.convert_all([Job(Path(source), ((Path(target).suffix.lower().lstrip("."), Path(target)),))])[0]
        if isinstance(result, ConversionError):
            raise result
        return Path(target)

    def convert_all(self, jobs: Sequence[Job]) -> list[ConversionError | None]:
        """Run every job; for each, None when all its outputs were written, else the error.

        One job failing (damaged file, time limit) does not stop the others.
        """
        results: list[ConversionError | None] = [None] * len(jobs)
        staged: list[tuple[int, Path, list[Output]]] = []
        self.prepare(jobs)
        for index, job in enumerate(jobs):
            prepared = self._staged.pop(job)
            if isinstance(prepared, ConversionError):
                results[index] = prepared
            else:
                staged.append((index, *prepared))
        cold: list[tuple[int, Path, list[Output]]] = []
        for index, copy, outputs in staged:
            worker = self._warm_worker()
            if worker is None:  # no UNO here (or it cannot start again): the fallback
                cold.append((index, copy, outputs))
                continue
            try:
                self._convert_warm(worker, jobs[index], copy, outputs)
                self.warm_used = True
            except ConversionError as exc:
                results[index] = exc
        if cold:
            errors = self._convert_cold([(jobs[i], c, o) for i, c, o in cold])
            for position, error in errors.items():
                results[cold[position][0]] = error
        for index, _copy, outputs in staged:
            if results[index] is None:
                try:
                    for _extension, produced, target in outputs:
                        self._deliver(jobs[index].source, produced, target)
                except ConversionError as exc:
                    results[index] = exc
        return results

    def prepare(self, jobs: Sequence[Job]) -> None:
        """Make the private, offline copies of the jobs' files now (e.g. while LibreOffice
        starts); ``convert_all`` makes those it was not given beforehand."""
        for job in jobs:
            if job not in self._staged:
                try:
                    self._staged[job] = self._stage(job)
                except ConversionError as exc:
                    self._staged[job] = exc

    def _stage(self, job: Job) -> Staged:
        """The private, offline copy of a job's source and where each output will appear."""
        kind = check_source(job.source)
        for extension, _target in job.outputs:
            if extension not in TARGETS[kind]:
                raise ConversionError(f"「{job.source.name}」（{KIND_NAMES[kind]}）無法轉成 .{extension}")
        self._counter += 1
        folder = self.work / f"job-{self._counter}"
        (folder / "out").mkdir(parents=True)
        copy = folder / f"document{job.source.suffix.lower()}"
        try:
            private_copy(job.source, copy)
        except ValueError as exc:  # a part that is not XML, or too large (the reason is in Chinese)
            raise ConversionError(f"「{job.source.name}」不是有效的 {job.source.suffix.lower()} 檔：{exc}") from exc
        except (OSError, zipfile.BadZipFile) as exc:
            reason = "檔案已損毀" if isinstance(exc, zipfile.BadZipFile) else describe(exc)
            raise ConversionError(f"「{job.source.name}」不是有效的 {job.source.suffix.lower()} 檔：{reason}") from exc
        outputs = [(ext, folder / "out" / f"document.{ext}", Path(target)) for ext, target in job.outputs]
        return copy, outputs

    def _convert_warm(self, worker: _Worker, job: Job, copy: Path, outputs: list[Output]) -> None:
        request = {"source": str(copy), "outputs": [[str(produced), ext] for ext, produced, _t in outputs]}
        reply = worker.answer(self.timeout) if worker.send(request) else None
        if reply is None:
            # No answer in time, or LibreOffice died: end it; the next job starts a fresh one.
            worker.stop()
            self._worker = None
            raise ConversionError(
                f"LibreOffice 轉換「{job.source.name}」超過 {self.timeout:g} 秒仍未完成或中途結束"
                "（檔案可能過大或已損毀）"
            )
        if not reply.get("ok"):  # LibreOffice's own reason is English and rarely helps a clerk
            raise self._failed(job.source)

    def _convert_cold(self, pending: list[tuple[Job, Path, list[Output]]]) -> dict[int, ConversionError]:
        """The fallback: one ``soffice --convert-to`` per output format, all its files at once.

        When a whole batch fails (time limit, crash), its files are converted one
        by one, so that one bad file cannot take the others down with it.
        """
        errors: dict[int, ConversionError] = {}
        by_format: dict[str, list[tuple[int, Path, Path]]] = {}
        for position, (_job, copy, outputs) in enumerate(pending):
            for extension, produced, _target in outputs:
                by_format.setdefault(extension, []).append((position, copy, produced))
        for extension, items in by_format.items():
            finished, details = self._cold_batch(extension, items)
            if not finished and len(items) > 1:
                details = {}
                for item in items:
                    details.update(self._cold_batch(extension, [item])[1])
            for position, copy, produced in items:
                if position not in errors and not _produced(produced):
                    errors[position] = details.get(copy) or self._failed(pending[position][0].source)
        return errors

    def _cold_batch(
        self, extension: str, items: list[tuple[int, Path, Path]]
    ) -> tuple[bool, dict[Path, ConversionError]]:
        """One ``soffice --convert-to`` for ``items``: whether it ran to its end, and why files failed."""
        if self._cold_profile is None:  # one profile for all the batches: made once
            self._cold_profile = self._new_profile()
        batch = self.work / f"batch-{uuid.uuid4().hex}"
        # Every private copy is named document.<ext>; the batch needs distinct names.
        names: list[Path] = []
        for number, (_position, copy, _target) in enumerate(items):
            name = batch / "in" / f"d{number}{copy.suffix}"
            name.parent.mkdir(parents=True, exist_ok=True)
            os.link(copy, name) if hasattr(os, "link") else shutil.copyfile(copy, name)
            names.append(name)
        command = [
            self.soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--nodefault",
            f"-env:UserInstallation={self._cold_profile.as_uri()}",
            "--convert-to",
            extension,
            "--outdir",
            str(batch / "out"),
            *map(str, names),
        ]
        try:
            done = _run(command, self.timeout * len(items))
        except subprocess.TimeoutExpired:
            late = ConversionError(f"LibreOffice 轉換超過 {self.timeout:g} 秒仍未完成（檔案可能過大或已損毀）")
            return False, {copy: late for _p, copy, _o in items}
        except OSError as exc:
            raise ConversionError(f"無法執行 LibreOffice（{self.soffice}）：{describe(exc)}") from exc
        for number, (_position, _copy, produced) in enumerate(items):
            result = batch / "out" / f"d{number}.{extension}"
            if _produced(result):
                os.replace(result, produced)
        return done.returncode == 0, {}

    def _failed(self, source: Path) -> ConversionError:
        return ConversionError(f"LibreOffice 無法轉換「{source.name}」，檔案可能已損毀或有密碼保護")

    def _deliver(self, source: Path, produced: Path, target: Path) -> None:
        if not _produced(produced):
            raise self._failed(source)
        with atomic_write(target) as tmp:
            shutil.copyfile(produced, tmp)


def _produced(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def convert(source: Path, target: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert one file (its own LibreOffice session); returns ``target``."""
    with Office(timeout=timeout) as office:
        return office.convert(source, target)
