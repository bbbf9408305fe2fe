"""Local services for development, tests and the demo: a real Elasticsearch node, Redis, Chromium.

The project starts its own genuine services instead of mocking them: Elastic's runnable
integ-test distribution from Maven Central (run as a non-root user on Java 17), Debian's
``redis-server`` and Debian's Chromium. Processes outlive the command that started them; a state
file in the run dir makes ``start`` idempotent and lets ``stop``/``status`` find them again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawlers.browser import CHROMIUM_CANDIDATES, CHROMIUM_FLAGS, find_chromium
from crawlers.servicestate import services_run_dir

DEFAULT_ES_VERSION = "8.19.21"
ES_USER = "govpatrol-es"
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
SERVICES = ("elasticsearch", "redis", "chromium")


class ServiceError(RuntimeError):
    """A local service could not be provided; the message says what to install or read."""


def _say(message: str) -> None:
    """Progress goes to stderr so stdout stays parseable (`export ...` lines)."""
    print(f"[services] {message}", file=sys.stderr, flush=True)


# --- places -----------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where the ES distribution lives between runs; must be readable by the ES user."""
    if os.environ.get("GOVPATROL_CACHE"):
        return Path(os.environ["GOVPATROL_CACHE"])
    if os.geteuid() == 0:
        return Path("/var/cache/govpatrol")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govpatrol"


def run_dir() -> Path:
    path = services_run_dir()  # the SSRF guard reads the state there too (crawlers/servicestate.py)
    path.mkdir(parents=True, exist_ok=True)
    return path


def es_version() -> str:
    return os.environ.get("GOVPATROL_ES_VERSION", DEFAULT_ES_VERSION)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise start/stop between processes (parallel test sessions share one node)."""
    with (run_dir() / "services.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_state() -> dict[str, Any]:
    path = run_dir() / "state.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_state(state: dict[str, Any]) -> None:
    path = run_dir() / "state.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    tmp.replace(path)


# --- processes ----------------------------------------------------------------------------------


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise ServiceError("no free TCP port on 127.0.0.1")


def _listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port (a bind test would trip on TIME_WAIT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int, grace: float = 30.0) -> None:
    """SIGTERM the process group (launcher + JVM), wait, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap when we are the parent
            if not _alive(pid):
                return
            time.sleep(0.2)


def _entry(
    proc: subprocess.Popen[bytes], port: int, url: str, data: Path, log: Path, version: str, started: float
) -> dict[str, Any]:
    """A started service as the state file records it (what ``status`` and ``stop`` read back)."""
    return {
        "pid": proc.pid,
        "port": port,
        "url": url,
        "data_dir": str(data),
        "log": str(log),
        "version": version,
        "started_at": datetime.now(UTC).isoformat(),
        "startup_s": round(time.monotonic() - started, 1),
    }


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


# --- Elasticsearch ------------------------------------------------------------------------------


def _es_home(version: str) -> Path:
    """The unzipped distribution in the cache; downloaded once through Maven."""
    cache = cache_dir()
    home = cache / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").is_file():
        return home
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"elasticsearch-{version}.zip"
    if not archive.is_file():
        if not shutil.which("mvn"):
            raise ServiceError("mvn not found: install the Debian package `maven` to download Elasticsearch")
        _say(f"downloading Elasticsearch {version} from Maven Central (~100 MB) into {cache} ...")
        started = time.monotonic()
        artifact = ES_ARTIFACT.format(version=version)
        proc = subprocess.run(
            ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={cache}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not archive.is_file():
            out = (proc.stdout + proc.stderr).strip()[-2000:]
            raise ServiceError(f"downloading {artifact} with mvn failed:\n{out}")
        _say(f"downloaded {archive.name} in {time.monotonic() - started:.1f} s")
    _say(f"unpacking {archive.name} ...")
    staging = Path(tempfile.mkdtemp(prefix=".unzip-", dir=cache))
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                target = Path(zf.extract(info, staging))
                mode = (info.external_attr >> 16) & 0o777  # zipfile drops the executable bits
                if mode and not info.is_dir():
                    target.chmod(mode)
        (staging / home.name).rename(home)  # appears whole or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _make_world_readable(cache)
    return home


def _make_world_readable(root: Path) -> None:
    """chmod -R o+rX: the unprivileged ES user must read the dist that root unpacked."""
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        extra = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() or mode & stat.S_IXUSR else 0)
        path.chmod(mode | extra)


def _es_user() -> pwd.struct_passwd | None:
    """ES refuses to run as root: as root, run it as a dedicated system user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        _say(f"creating system user {ES_USER}")
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ES_USER], check=True
        )
        return pwd.getpwnam(ES_USER)


def _java_home() -> str:
    home = os.environ.get("JAVA_HOME", "")
    if home and (Path(home) / "bin" / "java").is_file():
        return home
    java = shutil.which("java")
    if not java:
        raise ServiceError("java not found: install the Debian package `openjdk-17-jre-headless`")
    return str(Path(java).resolve().parent.parent)


def es_health(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """Cluster health, or None when nothing answers (``GET /`` is 405 on this distribution)."""
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=timeout) as resp:  # noqa: S310
            return json.loads(resp.read())
    except (OSError, urllib.error.URLError, ValueError):
        return None


def _healthy(entry: dict[str, Any] | None) -> bool:
    if not entry or not _alive(int(entry["pid"])):
        return False
    health = es_health(entry["url"])
    return bool(health and health.get("status") in ("yellow", "green"))


def _start_es(timeout: float, reuse: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fresh node in a new temp dir, or (``reuse``: a stopped node's entry) the same node again,
    on its data dir and port."""
    version = es_version()
    home = _es_home(version)
    user = _es_user()
    if reuse is None:
        port = _free_port(9200)
        tmp = Path(tempfile.mkdtemp(prefix="govpatrol-es-"))
        conf = tmp / "config"
        shutil.copytree(home / "config", conf)  # the keystore is written here
        for sub in ("data", "logs"):
            (tmp / sub).mkdir()
        if user:
            for path in [tmp, *tmp.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
    else:
        port, tmp = int(reuse["port"]), Path(reuse["data_dir"])
        conf = tmp / "config"
        if _listening(port):
            raise ServiceError(f"cannot restart Elasticsearch: port {port} is taken")

    def discard() -> None:  # a failed start removes a fresh dir, never a reused node's data
        if reuse is None:
            shutil.rmtree(tmp, ignore_errors=True)

    env = dict(
        os.environ, ES_JAVA_HOME=_java_home(), ES_JAVA_OPTS="-Xms512m -Xmx512m", ES_PATH_CONF=str(conf)
    )
    settings = {
        "discovery.type": "single-node",
        "network.host": "127.0.0.1",
        "http.port": str(port),
        "transport.port": str(_free_port(9300)),
        "path.data": str(tmp / "data"),
        "path.logs": str(tmp / "logs"),
        "xpack.security.enabled": "false",
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "false",
    }
    cmd = [str(home / "bin" / "elasticsearch")]
    for key, value in settings.items():
        cmd += ["-E", f"{key}={value}"]
    if user:
        cmd = ["runuser", "-u", user.pw_name, "--", *cmd]
        if subprocess.run(
            ["runuser", "-u", user.pw_name, "--", "test", "-x", cmd[4]], check=False
        ).returncode:
            discard()
            raise ServiceError(
                f"user {user.pw_name} cannot run {cmd[4]}: set GOVPATROL_CACHE to a directory "
                "every user can traverse (default /var/cache/govpatrol)"
            )
    log = run_dir() / f"elasticsearch-{port}.log"
    url = f"http://127.0.0.1:{port}"
    _say(f"starting Elasticsearch {version} on {url} (data in {tmp}, log {log}) ...")
    started = time.monotonic()
    with log.open("ab" if reuse else "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = started + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            discard()
            raise ServiceError(
                f"Elasticsearch exited with code {proc.returncode} during start-up; last lines of {log}:\n"
                + _tail(log)
            )
        health = es_health(url, timeout=1.0)
        if health and health.get("status") in ("yellow", "green"):
            break
        time.sleep(0.5)
    else:
        _terminate(proc.pid)
        discard()
        raise ServiceError(
            f"Elasticsearch not healthy after {timeout:.0f} s; last lines of {log}:\n{_tail(log)}"
        )
    return _entry(proc, port, url, tmp, log, version, started)


def _ensure(name: str, healthy: Any, starter: Any) -> tuple[dict[str, Any], bool]:
    """Reuse a healthy recorded process, else clean up what is recorded and start anew."""
    with _locked():
        state = _read_state()
        entry = state.get(name)
        if entry and healthy(entry):
            return entry, True
        if entry:
            _stop_entry(entry)
        entry = starter()
        state = _read_state()
        state[name] = entry
        _write_state(state)
        return entry, False


def _stop_entry(entry: dict[str, Any]) -> None:
    pid = int(entry["pid"])
    if _alive(pid):
        _terminate(pid)
    if entry.get("data_dir"):
        shutil.rmtree(entry["data_dir"], ignore_errors=True)


def ensure_elasticsearch_entry(timeout: float = 180) -> tuple[dict[str, Any], bool]:
    return _ensure("elasticsearch", _healthy, lambda: _start_es(timeout))


def ensure_elasticsearch(timeout: float = 180) -> str:
    """Start the local node unless a healthy one is recorded; returns its URL."""
    return ensure_elasticsearch_entry(timeout)[0]["url"]


def stop_elasticsearch_node(timeout: float = 60) -> dict[str, Any]:
    """Stop the recorded node but keep its data dir and port, for :func:`restart_elasticsearch_node`
    (outage drills). Returns once nothing answers on its port any more."""
    with _locked():
        entry = _read_state().get("elasticsearch")
        if not entry:
            raise ServiceError(f"no Elasticsearch recorded in {run_dir()}")
        _say(f"stopping Elasticsearch (pid {entry['pid']}), keeping {entry['data_dir']}")
        _terminate(int(entry["pid"]))
        deadline = time.monotonic() + timeout
        while _listening(int(entry["port"])):  # the JVM may outlive its launcher
            if time.monotonic() > deadline:
                raise ServiceError(f"port {entry['port']} still taken {timeout:.0f} s after stopping")
            time.sleep(0.2)
        return dict(entry)


def restart_elasticsearch_node(timeout: float = 180) -> dict[str, Any]:
    """Start the node :func:`stop_elasticsearch_node` stopped, on the same data dir and port."""
    with _locked():
        state = _read_state()
        entry = state.get("elasticsearch")
        if not entry:
            raise ServiceError(f"no Elasticsearch recorded in {run_dir()}")
        if _healthy(entry):
            return entry
        state["elasticsearch"] = _start_es(timeout, reuse=entry)
        _write_state(state)
        return state["elasticsearch"]


# --- Redis ------------------------------------------------------------------------------------


def _redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0).ping())
    except redis.RedisError:
        return False


def _start_redis(timeout: float = 20.0) -> dict[str, Any]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        raise ServiceError("redis-server not found: install the Debian package `redis-server`")
    port = _free_port(6379)
    tmp = Path(tempfile.mkdtemp(prefix="govpatrol-redis-"))
    log = run_dir() / f"redis-{port}.log"
    url = f"redis://127.0.0.1:{port}/0"
    cmd = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(tmp), "--daemonize", "no"]
    _say(f"starting redis-server on 127.0.0.1:{port} (log {log}) ...")
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    while not _redis_ping(url):
        if proc.poll() is not None or time.monotonic() - started > timeout:
            _terminate(proc.pid)
            shutil.rmtree(tmp, ignore_errors=True)
            raise ServiceError(f"redis-server did not answer PING; last lines of {log}:\n{_tail(log)}")
        time.sleep(0.1)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    version = next((w.split("=", 1)[1] for w in version.split() if w.startswith("v=")), "")
    return _entry(proc, port, url, tmp, log, version, started)


def ensure_redis_entry() -> tuple[dict[str, Any], bool]:
    return _ensure("redis", lambda e: _alive(int(e["pid"])) and _redis_ping(e["url"]), _start_redis)


def ensure_redis() -> str:
    """Start a throwaway redis-server (no persistence) unless one is recorded; returns its URL."""
    return ensure_redis_entry()[0]["url"]


# --- Chromium ---------------------------------------------------------------------------------


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


# --- API --------------------------------------------------------------------------------------


def start(services: list[str]) -> dict[str, str]:
    """Provide each named service; returns name -> URL (Chromium: its executable path)."""
    result: dict[str, str] = {}
    for name in services:
        if name == "elasticsearch":
            result[name] = ensure_elasticsearch()
        elif name == "redis":
            result[name] = ensure_redis()
        elif name == "chromium":
            result[name] = check_chromium()["path"]
        else:
            raise ServiceError(f"unknown service {name!r} (known: {', '.join(SERVICES)})")
    return result


def stop(services: list[str] | None = None) -> None:
    """Terminate recorded processes and remove their temp data; Chromium needs no stopping."""
    with _locked():
        state = _read_state()
        for name in services or list(state):
            entry = state.pop(name, None)
            if entry:
                _say(f"stopping {name} (pid {entry['pid']})")
                _stop_entry(entry)
        _write_state(state)


def status() -> dict[str, dict]:
    """What is recorded and whether it answers now."""
    state = _read_state()
    report: dict[str, dict] = {}
    es = state.get("elasticsearch")
    health = es_health(es["url"]) if es and _alive(int(es["pid"])) else None
    report["elasticsearch"] = {**(es or {}), "running": bool(health), "health": (health or {}).get("status")}
    rd = state.get("redis")
    report["redis"] = {
        **(rd or {}),
        "running": bool(rd and _alive(int(rd["pid"])) and _redis_ping(rd["url"])),
    }
    try:
        report["chromium"] = {"path": chromium_path(), "found": True}
    except ServiceError as exc:
        report["chromium"] = {"error": str(exc), "found": False}
    return report
