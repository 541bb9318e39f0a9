"""Hypothesis settings for this suite: in CI (CI=true, as .ci/run sets it) every run draws the
same examples, so a red CI is a real regression, never a lucky draw; elsewhere the draws vary
and keep looking for new failures.  (Recent Hypothesis versions do the same by themselves when
they see a CI variable; the declared minimum, 6.100, does not.)"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)


def load() -> str:
    """Select the CI profile when running in CI; the name of the profile in force."""
    if os.environ.get("CI", "").lower() == "true":
        settings.load_profile("ci")
        return "ci"
    return "default"
