"""A tiny Chrome DevTools Protocol client over Chromium's pipe: open a page, run JavaScript.

Chromium started with ``--remote-debugging-pipe`` reads commands on its file
descriptor 3 and answers on 4, each a JSON message ended by a NUL byte; no
network port, no websocket library.  Test-only.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class Browser:
    """Headless Chromium with one page open at ``url``; ``evaluate`` runs JavaScript in it."""

    def __init__(self, chromium: str, url: str, profile: Path, timeout: float = 60) -> None:
        to_browser, self._commands = os.pipe()
        self._answers, from_browser = os.pipe()

        def pipes_as_3_and_4() -> None:  # in the child, before exec
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        self.process = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", url],
            preexec_fn=pipes_as_3_and_4,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._id, self._deadline = b"", 0, time.monotonic() + timeout
        pages = [t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        self._session = self.call("Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True})[
            "sessionId"
        ]
        while self.evaluate("location.href") != url or self.evaluate("document.readyState") != "complete":
            self._check_time()
            time.sleep(0.05)

    def _check_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise TimeoutError("Chromium did not answer in time")

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command; its result."""
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                self._check_time()
                chunk = os.read(self._answers, 65536)
                if not chunk:
                    raise EOFError("Chromium closed its pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(answer["error"])
                return answer["result"]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (an exception raises)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, self._session)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"]["exception"]["description"])
        return result["result"].get("value")

    def close(self) -> None:
        """Close the browser and wait for it."""
        try:
            self.call("Browser.close")
        except (EOFError, OSError, RuntimeError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._answers)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
