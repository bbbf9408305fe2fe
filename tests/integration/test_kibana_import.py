"""``import_saved_objects`` against a real HTTP server on loopback that answers like Kibana's
saved-objects import API (``POST [/s/<space>]/api/saved_objects/_import``, multipart ``file``)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from govpatrol.kibana import DEFAULT_NDJSON, KibanaError, import_saved_objects, load_ndjson


class FakeKibana(ThreadingHTTPServer):
    """Records each request; answers with ``reply`` (status, body) or, by default, imports everything."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.reply: tuple[int, dict[str, Any]] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeKibana

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        files = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        upload = files.get("file")
        content = upload.get_payload(decode=True) if upload is not None else b""
        self.server.requests.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},  # case-insensitive
                "filename": upload.get_filename() if upload is not None else None,
                "file": content,
            }
        )
        if self.server.reply is not None:
            status, answer = self.server.reply
        else:
            objects = [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]
            results = [
                {"type": o["type"], "id": o["id"], "meta": {"title": o["attributes"]["title"]}}
                for o in objects
            ]
            status, answer = 200, {"success": True, "successCount": len(objects), "successResults": results}
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def kibana() -> Iterator[FakeKibana]:
    server = FakeKibana()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_import_posts_the_export_and_reports_the_count(kibana: FakeKibana) -> None:
    result = import_saved_objects(kibana.url, DEFAULT_NDJSON, api_key="aWQ6c2VjcmV0")
    (request,) = kibana.requests
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    assert request["headers"]["kbn-xsrf"] == "true"
    assert request["headers"]["authorization"] == "ApiKey aWQ6c2VjcmV0"
    assert request["filename"] == "govpatrol.ndjson"
    assert request["file"] == DEFAULT_NDJSON.read_bytes()
    objects = load_ndjson(DEFAULT_NDJSON)
    assert result["success"] is True
    assert result["successCount"] == len(objects) == len(result["successResults"])
    assert result["errors"] == []


def test_space_goes_in_the_path_and_no_key_sends_no_authorization(kibana: FakeKibana) -> None:
    import_saved_objects(kibana.url + "/", DEFAULT_NDJSON, space="patrol", overwrite=False)
    (request,) = kibana.requests
    assert request["path"] == "/s/patrol/api/saved_objects/_import?overwrite=false"
    assert "authorization" not in request["headers"]


def test_objects_kibana_rejects_are_reported_one_by_one(kibana: FakeKibana) -> None:
    kibana.reply = (
        200,
        {
            "success": False,
            "successCount": 1,
            "successResults": [{"type": "index-pattern", "id": "govpatrol-findings-dataview"}],
            "errors": [
                {
                    "type": "dashboard",
                    "id": "govpatrol-dashboard-overview",
                    "meta": {"title": "政务巡网 总览"},
                    "error": {"type": "missing_references"},
                }
            ],
        },
    )
    result = import_saved_objects(kibana.url, DEFAULT_NDJSON)
    assert result["success"] is False
    assert result["successCount"] == 1
    assert result["errors"] == [
        {
            "type": "dashboard",
            "id": "govpatrol-dashboard-overview",
            "title": "政务巡网 总览",
            "error": "missing_references",
        }
    ]


def test_http_error_names_kibana_and_status(kibana: FakeKibana) -> None:
    kibana.reply = (401, {"statusCode": 401, "error": "Unauthorized", "message": "unable to authenticate"})
    with pytest.raises(KibanaError, match=r"refused the import: HTTP 401.*unable to authenticate"):
        import_saved_objects(kibana.url, DEFAULT_NDJSON, api_key="bad")


def test_unreachable_kibana_is_a_clear_error() -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(KibanaError, match=rf"Kibana at http://127.0.0.1:{port} is unreachable"):
        import_saved_objects(f"http://127.0.0.1:{port}", DEFAULT_NDJSON, timeout=5)
