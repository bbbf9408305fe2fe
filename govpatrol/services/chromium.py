"""Chromium needs no starting: check that Debian's build renders headless here."""

from __future__ import annotations

import subprocess
import tempfile

from crawlers.browser import CHROMIUM_CANDIDATES, CHROMIUM_FLAGS, find_chromium
from govpatrol.services.state import ServiceError


def chromium_path() -> str:
    if found := find_chromium():
        return found
    raise ServiceError(
        f"Chromium not found at {' or '.join(CHROMIUM_CANDIDATES)}: install the Debian package `chromium`"
    )


def check_chromium(timeout: float = 30.0) -> dict[str, str]:
    """Prove Chromium runs headless here (not just exists); returns its path and version."""
    path = chromium_path()
    with tempfile.TemporaryDirectory(prefix="govpatrol-chromium-") as profile:
        cmd = [path, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", "about:blank"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ServiceError(f"{path} did not render about:blank within {timeout:.0f} s") from exc
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise ServiceError(
            f"{path} failed to render about:blank (exit {proc.returncode}):\n{proc.stderr[-1500:]}"
        )
    version = subprocess.run(
        [path, "--version"], capture_output=True, text=True, timeout=timeout, check=False
    )
    return {"path": path, "version": version.stdout.strip()}
