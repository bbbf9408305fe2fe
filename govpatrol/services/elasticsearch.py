"""The local Elasticsearch node: Elastic's integ-test distribution from Maven Central, run as an
unprivileged user on Java 17, single node on loopback.

Two kinds of node: the office's **persistent** node (``govpatrol services start``; data in a stable
per-user directory, kept across stop, start and reboots unless ``stop --purge``) and **throw-away**
nodes (tests, the demo; a temp dir removed on stop). The state records the Elasticsearch server
process itself (from its ``-p`` pid file), not the ``runuser`` launcher, so ``stop`` ends the JVM.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from govpatrol.services.state import (
    ServiceError,
    alive,
    cache_dir,
    entry,
    free_port,
    listening,
    locked,
    read_state,
    run_dir,
    say,
    tail,
    terminate,
    write_state,
)

DEFAULT_ES_VERSION = "8.19.21"
ES_USER = "govpatrol-es"
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
NODE_FILE = "govpatrol-node.json"  # in a persistent data dir: the port it last used
PID_FILE = "elasticsearch.pid"  # written by Elasticsearch itself (``-p``) in the node's logs dir


def es_version() -> str:
    return os.environ.get("GOVPATROL_ES_VERSION", DEFAULT_ES_VERSION)


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
        say(f"downloading Elasticsearch {version} from Maven Central (~100 MB) into {cache} ...")
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
        say(f"downloaded {archive.name} in {time.monotonic() - started:.1f} s")
    say(f"unpacking {archive.name} ...")
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
        say(f"creating system user {ES_USER}")
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


def healthy(node: dict[str, Any] | None) -> bool:
    if not node or not alive(int(node["pid"])):
        return False
    health = es_health(node["url"])
    return bool(health and health.get("status") in ("yellow", "green"))


def throwaway(node: dict[str, Any]) -> bool:
    """A temp-dir node (tests, demo); entries written before persistence existed had no flag."""
    if "throwaway" in node:
        return bool(node["throwaway"])
    return Path(str(node.get("data_dir", ""))).name.startswith("govpatrol-es-")


def _own(paths: list[Path], user: pwd.struct_passwd | None) -> None:
    if user:
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)


def _prepare(home: Path, data_dir: Path | None, user: pwd.struct_passwd | None) -> tuple[Path, int]:
    """The node directory (config, data, logs) and the port to try first."""
    if data_dir is None:
        node = Path(tempfile.mkdtemp(prefix="govpatrol-es-"))
        created = [node]
    else:
        node = data_dir.expanduser().resolve()
        created = [] if node.is_dir() else [node]
        node.mkdir(parents=True, exist_ok=True)
    if not (node / "config").is_dir():
        shutil.copytree(home / "config", node / "config")  # the keystore is written here
        created += [node / "config", *(node / "config").rglob("*")]
    for sub in ("data", "logs"):
        if not (node / sub).is_dir():
            (node / sub).mkdir()
            created.append(node / sub)
    _own(created, user)
    if (
        user
        and subprocess.run(
            ["runuser", "-u", user.pw_name, "--", "test", "-w", str(node / "data")], check=False
        ).returncode
    ):
        raise ServiceError(
            f"user {user.pw_name} cannot write {node / 'data'}: choose a --data-dir every user can "
            "traverse (default /var/lib/govpatrol/elasticsearch as root)"
        )
    try:
        port = int(json.loads((node / NODE_FILE).read_text(encoding="utf-8"))["port"])
    except (FileNotFoundError, KeyError, ValueError):
        port = 9200
    return node, port


def _start_es(
    timeout: float, data_dir: Path | None = None, reuse: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A node on ``data_dir`` (None: a fresh throw-away temp dir), or (``reuse``: a stopped node's
    entry) the same node again, on its data dir and port."""
    version = es_version()
    home = _es_home(version)
    user = _es_user()
    if reuse is None:
        node, preferred = _prepare(home, data_dir, user)
        port = free_port(preferred)
        temp = data_dir is None
    else:
        node, port, temp = Path(reuse["data_dir"]), int(reuse["port"]), throwaway(reuse)
        if listening(port):
            raise ServiceError(f"cannot restart Elasticsearch: port {port} is taken")

    def discard() -> None:  # a failed start removes a fresh temp dir, never a persistent node's data
        if temp and reuse is None:
            shutil.rmtree(node, ignore_errors=True)

    env = dict(
        os.environ,
        ES_JAVA_HOME=_java_home(),
        ES_JAVA_OPTS="-Xms512m -Xmx512m",
        ES_PATH_CONF=str(node / "config"),
    )
    settings = {
        "discovery.type": "single-node",
        "network.host": "127.0.0.1",
        "http.port": str(port),
        "transport.port": str(free_port(9300)),
        "path.data": str(node / "data"),
        "path.logs": str(node / "logs"),
        "xpack.security.enabled": "false",
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "false",
    }
    pid_file = node / "logs" / PID_FILE
    pid_file.unlink(missing_ok=True)
    cmd = [str(home / "bin" / "elasticsearch"), "-p", str(pid_file)]
    for key, value in settings.items():
        cmd += ["-E", f"{key}={value}"]
    if user:
        if subprocess.run(
            ["runuser", "-u", user.pw_name, "--", "test", "-x", cmd[0]], check=False
        ).returncode:
            discard()
            raise ServiceError(
                f"user {user.pw_name} cannot run {cmd[0]}: set GOVPATROL_CACHE to a directory "
                "every user can traverse (default /var/cache/govpatrol)"
            )
        cmd = ["runuser", "-u", user.pw_name, "--", *cmd]
    log = run_dir() / f"elasticsearch-{port}.log"
    url = f"http://127.0.0.1:{port}"
    kind = "throw-away" if temp else "persistent"
    say(f"starting Elasticsearch {version} on {url} ({kind} data in {node}, log {log}) ...")
    started = time.monotonic()
    with log.open("ab" if reuse or not temp else "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = started + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            discard()
            raise ServiceError(
                f"Elasticsearch exited with code {proc.returncode} during start-up; last lines of {log}:\n"
                + tail(log)
            )
        health = es_health(url, timeout=1.0)
        if health and health.get("status") in ("yellow", "green"):
            break
        time.sleep(0.5)
    else:
        terminate([proc.pid], group=proc.pid)
        discard()
        raise ServiceError(
            f"Elasticsearch not healthy after {timeout:.0f} s; last lines of {log}:\n{tail(log)}"
        )
    try:
        pid = int(pid_file.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        pid = proc.pid  # no pid file (an old distribution): the launcher's group is stopped instead
    if not temp:
        (node / NODE_FILE).write_text(json.dumps({"port": port}), encoding="utf-8")
    return entry(pid, port, url, node, log, version, started, launcher_pid=proc.pid, throwaway=temp)


def stop_node(node: dict[str, Any], grace: float = 60.0) -> None:
    """End the server JVM (and its launcher's process group); returns once the port is free."""
    launcher = int(node.get("launcher_pid") or node["pid"])
    terminate(sorted({int(node["pid"]), launcher}), group=launcher, grace=grace)
    deadline = time.monotonic() + grace
    while node.get("port") and listening(int(node["port"])):
        if time.monotonic() > deadline:
            raise ServiceError(f"port {node['port']} still taken {grace:.0f} s after stopping Elasticsearch")
        time.sleep(0.2)


def remove_node(node: dict[str, Any], purge: bool = False) -> None:
    """Stop the node; delete its data only when it is throw-away or ``purge`` asks for it."""
    stop_node(node)
    if node.get("data_dir") and (purge or throwaway(node)):
        shutil.rmtree(node["data_dir"], ignore_errors=True)
    elif node.get("data_dir"):
        say(f"kept the data in {node['data_dir']} (`govpatrol services stop --purge` deletes it)")


def ensure_elasticsearch_entry(
    timeout: float = 180, data_dir: Path | None = None
) -> tuple[dict[str, Any], bool]:
    """Reuse a healthy recorded node, else start one: on ``data_dir`` (persistent), or throw-away.

    Asked for a persistent directory while a node on another directory runs, it refuses rather than
    silently writing the office's data somewhere else.
    """
    with locked():
        state = read_state()
        node = state.get("elasticsearch")
        wanted = data_dir.expanduser().resolve() if data_dir is not None else None
        if node and healthy(node):
            if wanted is not None and Path(node["data_dir"]) != wanted:
                raise ServiceError(
                    f"Elasticsearch already runs at {node['url']} with data in {node['data_dir']}; "
                    f"stop it first (`govpatrol services stop`) to start it on {wanted}"
                )
            return node, True
        if node:
            remove_node(node)
        node = _start_es(timeout, data_dir=wanted)
        state = read_state()
        state["elasticsearch"] = node
        write_state(state)
        return node, False


def ensure_elasticsearch(timeout: float = 180, data_dir: Path | None = None) -> str:
    """Start the local node unless a healthy one is recorded; returns its URL. Without
    ``data_dir`` a node this starts is throw-away (tests, the demo)."""
    return ensure_elasticsearch_entry(timeout, data_dir)[0]["url"]


def stop_elasticsearch_node(timeout: float = 60) -> dict[str, Any]:
    """Stop the recorded node but keep its data dir and port, for :func:`restart_elasticsearch_node`
    (outage drills). Returns once nothing answers on its port any more."""
    with locked():
        node = read_state().get("elasticsearch")
        if not node:
            raise ServiceError(f"no Elasticsearch recorded in {run_dir()}")
        say(f"stopping Elasticsearch (pid {node['pid']}), keeping {node['data_dir']}")
        stop_node(node, grace=timeout)
        return dict(node)


def restart_elasticsearch_node(timeout: float = 180) -> dict[str, Any]:
    """Start the node :func:`stop_elasticsearch_node` stopped, on the same data dir and port."""
    with locked():
        state = read_state()
        node = state.get("elasticsearch")
        if not node:
            raise ServiceError(f"no Elasticsearch recorded in {run_dir()}")
        if healthy(node):
            return node
        state["elasticsearch"] = _start_es(timeout, reuse=node)
        write_state(state)
        return state["elasticsearch"]
