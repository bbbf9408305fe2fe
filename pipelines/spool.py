"""The disk spool: bulk records Elasticsearch has not acknowledged, kept in order until it does.

When Elasticsearch is down or refuses a bulk, a sweep must lose nothing and must not stop crawling.
Records (one document's bulk action/body pairs each) are appended to segment files of JSON lines,
fsync'd at every append, and replayed oldest first. An ack file remembers how far the head segment
was delivered; a segment is deleted only once every record in it was acknowledged, so a crash at any
point re-sends at most a few records, which the stable document ids make harmless. Records refused
for good (a mapping error) go to a dead-letter file with the reason instead of blocking the rest.

One spool directory per sweep id, locked by the process that writes it, so concurrent sweeps never
mix and ``govpatrol spool replay`` never delivers a spool that a running sweep still owns.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawlers.config import ElasticsearchConfig
from pipelines.store import BulkOutcome

SEGMENT_BYTES = 8 * 1024 * 1024
REPLAY_BATCH = 500  # records per bulk when replaying
DEAD_LETTER = "dead-letter.jsonl"
ACK, META, LOCK = "ack.json", "spool.json", "lock"
SEGMENT_PREFIX, SEGMENT_SUFFIX = "seg-", ".jsonl"

Record = list[dict[str, Any]]
Send = Callable[[list[Record]], BulkOutcome]


class SpoolBusy(RuntimeError):
    """Another process (a running sweep) holds this spool."""


class SpoolNotDrained(RuntimeError):
    """Records are still spooled when the wait ran out; the message says where and what to run."""


def default_root() -> Path:
    """The per-user state dir: ``$XDG_STATE_HOME/govpatrol/spool`` or ``~/.local/state/...``."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "govpatrol" / "spool"


def spool_root(cfg: ElasticsearchConfig) -> Path:
    return Path(cfg.spool_dir).expanduser() if cfg.spool_dir else default_root()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _segment_number(path: Path) -> int:
    return int(path.name[len(SEGMENT_PREFIX) : -len(SEGMENT_SUFFIX)])


def segments(directory: Path) -> list[Path]:
    """Segment files, oldest first."""
    found = directory.glob(f"{SEGMENT_PREFIX}*{SEGMENT_SUFFIX}")
    return sorted(found, key=_segment_number)


def _read_ack(directory: Path) -> tuple[str, int]:
    try:
        ack = json.loads((directory / ACK).read_text(encoding="utf-8"))
        return str(ack["segment"]), int(ack["offset"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return "", 0


def count_pending(directory: Path) -> int:
    """Records not yet acknowledged (read-only: for status, without taking the lock)."""
    acked_segment, offset = _read_ack(directory)
    total = 0
    for seg in segments(directory):
        with seg.open("rb") as fh:
            if seg.name == acked_segment:
                fh.seek(offset)
            total += sum(1 for line in fh if line.endswith(b"\n"))
    return total


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


@dataclass
class ReplayResult:
    delivered: int = 0
    rejected: int = 0
    error: str = ""  # why replay stopped with records left ("" when the spool is empty)


class Spool:
    """One sweep's spool directory, locked for as long as it is open."""

    def __init__(
        self, directory: str | Path, *, segment_bytes: int = SEGMENT_BYTES, es: str = "", prefix: str = ""
    ) -> None:
        self.dir = Path(directory)
        self.segment_bytes = segment_bytes
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock: IO[str] | None = (self.dir / LOCK).open("a")  # noqa: SIM115 (held while open)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock.close()
            self._lock = None
            raise SpoolBusy(f"spool {self.dir} is in use by another process") from exc
        if not (self.dir / META).exists():
            meta = {
                "name": self.dir.name,
                "created": datetime.now(UTC).isoformat(),
                "pid": os.getpid(),
                "es": es,
                "prefix": prefix,
            }
            (self.dir / META).write_text(json.dumps(meta), encoding="utf-8")
        self._repair()
        existing = segments(self.dir)
        self._next = _segment_number(existing[-1]) + 1 if existing else 1
        self.pending = count_pending(self.dir)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.pending

    @property
    def dead_letter_path(self) -> Path:
        return self.dir / DEAD_LETTER

    def _repair(self) -> None:
        """Drop a torn last line (a crash mid-append) and an ack naming a segment that is gone."""
        found = segments(self.dir)
        if found:
            tail = found[-1]
            data = tail.read_bytes()
            if data and not data.endswith(b"\n"):
                with tail.open("r+b") as fh:
                    fh.truncate(data.rfind(b"\n") + 1)
                    os.fsync(fh.fileno())
        acked, _ = _read_ack(self.dir)
        if acked and not (self.dir / acked).exists():
            (self.dir / ACK).unlink(missing_ok=True)

    # --- writing ----------------------------------------------------------------------------

    def append(self, records: list[Record]) -> None:
        """Add records behind everything spooled; on disk (fsync'd) when this returns."""
        if not records:
            return
        found = segments(self.dir)
        tail = found[-1] if found else None
        if tail is None or tail.stat().st_size >= self.segment_bytes:
            tail = self.dir / f"{SEGMENT_PREFIX}{self._next:08d}{SEGMENT_SUFFIX}"
            self._next += 1
            created = True
        else:
            created = False
        text = "".join(json.dumps({"ops": r}, ensure_ascii=False, default=str) + "\n" for r in records)
        with tail.open("ab") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if created:
            _fsync_dir(self.dir)
        self.pending += len(records)

    def dead_letter(self, record: Record, failure: dict[str, Any]) -> None:
        """A record Elasticsearch refused for good, with the reason: kept for a person to read."""
        line = {"at": datetime.now(UTC).isoformat(), **failure, "ops": record}
        with self.dead_letter_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    @property
    def dead_letters(self) -> int:
        return count_lines(self.dead_letter_path)

    # --- replay -----------------------------------------------------------------------------

    def replay(self, send: Send, batch: int = REPLAY_BATCH) -> ReplayResult:
        """Deliver records oldest first; stop at the first one not delivered (it stays the head).

        Records refused for good before that point go to the dead-letter file. What follows a
        failed record is sent again next time even if it landed: ids are stable, so that is harmless.
        """
        result = ReplayResult()
        while True:
            found = segments(self.dir)
            if not found:
                self.pending = 0
                return result
            head = found[0]
            acked, offset = _read_ack(self.dir)
            start = offset if acked == head.name else 0
            records, ends, end = self._read(head, start, batch)
            if not records and end > start:  # nothing but unreadable lines (dead-lettered)
                self._ack(head.name, end)
                continue
            if not records:
                head.unlink()  # every record in it acknowledged
                (self.dir / ACK).unlink(missing_ok=True)
                _fsync_dir(self.dir)
                continue
            outcome = send(records)
            stop = min(outcome.failed) if outcome.failed else len(records)
            for i in sorted(k for k in outcome.rejected if k < stop):
                self.dead_letter(records[i], outcome.rejected[i])
                result.rejected += 1
            if stop:
                self._ack(head.name, end if stop == len(records) else ends[stop - 1])
                self.pending = max(0, self.pending - stop)
                result.delivered += stop - sum(1 for k in outcome.rejected if k < stop)
            if outcome.failed:
                first = outcome.failed[stop]
                result.error = (
                    outcome.error or f"{first.get('status')} {first.get('type')}: {first.get('reason')}"
                )
                return result

    def _read(self, segment: Path, start: int, batch: int) -> tuple[list[Record], list[int], int]:
        """Up to ``batch`` records from ``start``, the byte offset after each, and after the last
        line read (an unreadable line is dead-lettered and skipped)."""
        records: list[Record] = []
        ends: list[int] = []
        with segment.open("rb") as fh:
            fh.seek(start)
            position = start
            for line in fh:
                if not line.endswith(b"\n"):
                    break  # being appended by this process: never torn otherwise (see _repair)
                position += len(line)
                try:
                    record = json.loads(line)["ops"]
                except (ValueError, KeyError, TypeError) as exc:
                    failure = {"status": 0, "type": "unreadable", "reason": str(exc)}
                    self.dead_letter([{"line": line.decode("utf-8", "replace")}], failure)
                    continue
                records.append(record)
                ends.append(position)
                if len(records) >= batch:
                    break
        return records, ends, position

    def _ack(self, segment: str, offset: int) -> None:
        tmp = self.dir / (ACK + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"segment": segment, "offset": offset}))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.dir / ACK)

    def close(self) -> None:
        """Release the lock; an empty spool without dead letters leaves no directory behind."""
        if self._lock is None:
            return
        if not segments(self.dir) and not self.dead_letter_path.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()
        self._lock = None


# --- every spool under a root: status and the replay of leftovers ----------------------------


@dataclass
class SpoolInfo:
    name: str
    path: Path
    created: str
    pending: int
    segments: int
    bytes: int
    dead_letters: int
    in_use: bool
    es: str  # the Elasticsearch (URL without credentials) its records were written for
    prefix: str  # the index prefix they were written for ("" in spools older than this field)


def _in_use(directory: Path) -> bool:
    try:
        with (directory / LOCK).open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
            return False
    except FileNotFoundError:
        return False


def list_spools(root: Path) -> list[SpoolInfo]:
    """Every sweep spool under ``root``, oldest first (the order they must be replayed in)."""
    infos: list[SpoolInfo] = []
    if not root.is_dir():
        return infos
    for directory in root.iterdir():
        if not directory.is_dir():
            continue
        try:
            meta = json.loads((directory / META).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            meta = {}
        segs = segments(directory)
        infos.append(
            SpoolInfo(
                name=directory.name,
                path=directory,
                created=str(meta.get("created", "")),
                pending=count_pending(directory),
                segments=len(segs),
                bytes=sum(s.stat().st_size for s in segs),
                dead_letters=count_lines(directory / DEAD_LETTER),
                in_use=_in_use(directory),
                es=str(meta.get("es", "")),
                prefix=str(meta.get("prefix", "")),
            )
        )
    return sorted(infos, key=lambda i: (i.created, i.name))


@dataclass
class ReplayAll:
    delivered: int = 0
    rejected: int = 0
    busy: list[str] | None = None  # spools a running process holds (left alone)
    stopped: str = ""  # the spool whose replay stopped, and why ("" = all delivered)


def replay_all(root: Path, send: Send, prepare: Callable[[str], None] | None = None) -> ReplayAll:
    """Replay every spool under ``root``, oldest first, to the node ``send`` writes to (the one in
    use now, wherever the records were first meant to go), stopping at the first spool that cannot
    be emptied (a newer sweep's records must not overtake an older one's). ``prepare(prefix)`` runs
    before each spool: its index templates must exist before its records create indices."""
    total = ReplayAll(busy=[])
    for info in list_spools(root):
        if not info.segments:
            continue
        if prepare is not None and info.prefix:
            prepare(info.prefix)
        try:
            spool = Spool(info.path)
        except SpoolBusy:
            assert total.busy is not None
            total.busy.append(info.name)
            continue
        with spool:
            result = spool.replay(send)
            total.delivered += result.delivered
            total.rejected += result.rejected
            if spool.pending:
                total.stopped = f"{info.path}: {spool.pending:,} records left ({result.error})"
                return total
    return total
