"""Edit a report through LibreOffice itself, as a reviewer would (run with the system Python,
which has python3-uno).

    python3 uno_edit.py SOURCE OUT.docx OUT.odt FIND REPLACE PARAGRAPH WORKDIR [AFTER]

starts a private headless LibreOffice, opens SOURCE, replaces the paragraph whose whole
text is FIND by REPLACE (a table cell's value), adds PARAGRAPH after the first
paragraph (or after the first body paragraph starting with AFTER), saves the document as
.docx and .odt, and ends the LibreOffice it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import uno  # noqa: F401  (sets up the com.sun.star imports)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.text.ControlCharacter import PARAGRAPH_BREAK


def prop(name: str, value: object) -> PropertyValue:
    found = PropertyValue()
    found.Name, found.Value = name, value
    return found


def main(source: str, docx: str, odt: str, find: str, replace: str, paragraph: str, work: str, after: str = "") -> None:
    pipe = f"report-uno-{os.getpid()}"
    profile = Path(work, "uno-profile").as_uri()
    office = subprocess.Popen(
        [
            "soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nolockcheck",
            f"-env:UserInstallation={profile}", f"--accept=pipe,name={pipe};urp;",
        ],
        start_new_session=True,
    )  # fmt: skip
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        context = None
        for _ in range(300):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.2)
        if context is None:
            raise SystemExit("LibreOffice did not answer")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),))
        search = document.createSearchDescriptor()
        search.SearchString = f"^{find}$"
        search.SearchRegularExpression = True
        found = document.findFirst(search)
        if found is None:
            raise SystemExit(f"{find!r} not found")
        found.setString(replace)
        text = document.getText()
        blocks = text.createEnumeration()
        anchor = blocks.nextElement()
        while after and not (
            anchor.supportsService("com.sun.star.text.Paragraph") and anchor.getString().startswith(after)
        ):
            if not blocks.hasMoreElements():
                raise SystemExit(f"no paragraph starts with {after!r}")
            anchor = blocks.nextElement()
        cursor = text.createTextCursorByRange(anchor.getEnd())
        text.insertControlCharacter(cursor, PARAGRAPH_BREAK, False)
        text.insertString(cursor, paragraph, False)
        document.storeToURL(uno.systemPathToFileUrl(docx), (prop("FilterName", "MS Word 2007 XML"),))
        document.storeToURL(uno.systemPathToFileUrl(odt), (prop("FilterName", "writer8"),))
        document.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge goes down with LibreOffice
            pass
        office.wait(timeout=60)
    finally:
        if office.poll() is None:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait()


if __name__ == "__main__":
    main(*sys.argv[1:9])
