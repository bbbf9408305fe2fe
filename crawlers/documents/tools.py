"""Running the Debian tools (antiword, catdoc, pdftoppm, tesseract) under a time limit.

Each run is one subprocess killed at its timeout, with one OCR thread (the machine is shared);
a missing tool is a reason (``tool_missing``), not a crash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass


@dataclass
class ToolRun:
    ok: bool
    stdout: bytes = b""
    reason: str = ""  # tool_missing | timeout | failed
    detail: str = ""


def available(name: str) -> bool:
    return shutil.which(name) is not None


def run_tool(args: list[str], timeout_s: float, data: bytes | None = None) -> ToolRun:
    """Run ``args`` (stdin ``data``), killed after ``timeout_s``; stdout on success."""
    if not available(args[0]):
        return ToolRun(False, reason="tool_missing", detail=f"{args[0]} is not installed")
    env = dict(os.environ, OMP_THREAD_LIMIT="1", LC_ALL="C.UTF-8")
    try:
        done = subprocess.run(args, input=data, capture_output=True, timeout=timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired:
        return ToolRun(False, reason="timeout", detail=f"{args[0]} ran over {timeout_s:g} s")
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return ToolRun(
            False, reason="failed", detail=f"{args[0]} exit {done.returncode}: {err[-1] if err else ''}"
        )
    return ToolRun(True, done.stdout)
