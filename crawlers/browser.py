"""Where Debian's Chromium lives and how every Chromium the project starts is launched.

Browser downloads are impossible on these machines, so the crawl renders with the system package;
one place names its path and flags for the Scrapy settings, the services check and the tests.
"""

from __future__ import annotations

import os

# Debian's Chromium (browser downloads are impossible here); the first path skips a noisy wrapper.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
# Launch flags for every Chromium the project starts (services check, Scrapy renders, tests):
# without the background-networking ones this closed network refuses a burst of connections.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CHROMIUM_FLAGS = ("--headless", *CHROMIUM_ARGS)


def find_chromium() -> str | None:
    """The first installed Chromium of :data:`CHROMIUM_CANDIDATES`, or None."""
    return next((c for c in CHROMIUM_CANDIDATES if os.access(c, os.X_OK)), None)
