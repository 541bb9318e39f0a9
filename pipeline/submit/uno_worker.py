"""One private LibreOffice kept running for many conversions, driven through UNO.

This file is run as a script by a Python that can import LibreOffice's ``uno``
module (Debian's python3-uno in /usr/bin/python3, or the Python that Windows and
macOS LibreOffice bring along), which is usually not the Python of the program:
it imports nothing from the pipeline package and only the standard library
besides ``uno``.  pipeline.submit.libreoffice starts it and talks to it:

    python uno_worker.py SOFFICE PROFILE_DIR PIPE_NAME

It starts LibreOffice headless with that private profile, listening on a named
pipe, in a process group of its own, and answers ``{"ready": true, "pid": …}``
(or ``{"ready": false, "error": …}``) on stdout.  Then each line on stdin is one
request, answered by one line:

    {"source": "/tmp/…/in-1.docx", "outputs": [["/tmp/…/out-1.pdf", "pdf"], …]}
    → {"ok": true} or {"ok": false, "error": "…"}

The document is loaded once, read-only, hidden, with macros and link updates
off, and stored once per output.  End of input (the program ended or was
killed) or ``{"quit": true}`` terminates LibreOffice (ended by force when it
does not quit in time); the worker then removes the profile folder and, when
that leaves it empty, the folder around it, and exits.  So the program need not
wait for LibreOffice to quit.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

START_SECONDS = 60
QUIT_SECONDS = 10

# (document kind, extension) → LibreOffice export filter.
FILTERS = {
    ("text", "pdf"): "writer_pdf_Export",
    ("text", "odt"): "writer8",
    ("text", "docx"): "MS Word 2007 XML",
    ("sheet", "pdf"): "calc_pdf_Export",
    ("sheet", "ods"): "calc8",
    ("sheet", "xlsx"): "Calc MS Excel 2007 XML",
}
PDF_VERSION = 2  # SelectPdfVersion: 2 = PDF/A-2b


def answer(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main(argv):
    try:
        import uno
        from com.sun.star.beans import PropertyValue
        from com.sun.star.connection import NoConnectException
    except Exception as exc:  # no python3-uno here: the caller falls back to one process per batch
        answer(ready=False, error=f"uno: {exc}")
        return 3

    soffice, profile, pipe = argv[1], argv[2], argv[3]

    def props(**values):
        result = []
        for name, value in values.items():
            prop = PropertyValue()
            prop.Name, prop.Value = name, value
            result.append(prop)
        return tuple(result)

    command = [
        soffice,
        "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
    ]
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if os.name == "posix":  # a group of its own: soffice starts soffice.bin, both end together
        office = subprocess.Popen(command, start_new_session=True, **quiet)
    else:
        office = subprocess.Popen(command, creationflags=subprocess.CREATE_NEW_PROCESS_GROUP, **quiet)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if office.poll() is not None or time.monotonic() > deadline:
                answer(ready=False, error=f"LibreOffice did not start (exit status {office.poll()})")
                stop(None, office, profile)
                return 4
            time.sleep(0.01)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    answer(ready=True, pid=office.pid)

    for line in sys.stdin:
        request = json.loads(line)
        if request.get("quit"):
            break
        try:
            convert(uno, props, desktop, request["source"], request["outputs"])
        except Exception as exc:
            answer(ok=False, error=getattr(exc, "Message", "") or f"{type(exc).__name__}: {exc}")
        else:
            answer(ok=True)
    stop(desktop, office, profile)
    return 0


def convert(uno, props, desktop, source, outputs):
    """Load ``source`` once and store it in each requested format."""
    document = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(source),
        "_blank",
        0,
        # MacroExecutionMode 0 = never; UpdateDocMode 0 = do not update links on load.
        props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0, Silent=True),
    )
    if document is None:
        raise RuntimeError("LibreOffice could not open the file")
    try:
        if document.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            kind = "sheet"
        elif document.supportsService("com.sun.star.text.TextDocument"):
            kind = "text"
        else:
            raise RuntimeError("not a text document or a spreadsheet")
        for target, extension in outputs:
            name = FILTERS.get((kind, extension))
            if name is None:
                raise RuntimeError(f"cannot convert a {kind} document to .{extension}")
            settings = {"FilterName": name, "Overwrite": True}
            if extension == "pdf":
                data = props(SelectPdfVersion=PDF_VERSION)
                settings["FilterData"] = uno.Any("[]com.sun.star.beans.PropertyValue", data)
            document.storeToURL(uno.systemPathToFileUrl(target), props(**settings))
    finally:
        try:
            document.close(True)
        except Exception:
            document.dispose()


def stop(desktop, office, profile):
    """End LibreOffice, politely then by force, and remove its profile."""
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:
            pass
    try:
        office.wait(timeout=QUIT_SECONDS)
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            os.killpg(office.pid, signal.SIGKILL)
        else:
            office.kill()
        office.wait()
    shutil.rmtree(profile, ignore_errors=True)
    try:
        os.rmdir(os.path.dirname(os.path.abspath(profile)))  # only when nothing else is left in it
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv))
