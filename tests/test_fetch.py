"""fetch_url against a local http.server in a thread (no internet needed)."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ptgkg.ingest.document import RejectedInput, document_id
from ptgkg.ingest.fetch import etherpad_export_url, fetch_url

FIXTURES = Path(__file__).parent / "fixtures" / "readers"

RAW_MAIL = (FIXTURES / "reply.eml").read_bytes()
HYPERKITTY_WITH_RAW = (FIXTURES / "hyperkitty-message.html").read_text().replace(
    '<a class="reply" href="#">Reply</a>', '<a class="reply" href="#">Reply</a> <a href="raw">Download raw</a>')

ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/p/cinder-ptg/export/txt": (200, "text/plain; charset=utf-8", (FIXTURES / "cinder-ptg.etherpad.txt").read_bytes()),
    "/pipermail/openstack-discuss/2022-April/028001.html":
        (200, "text/html", (FIXTURES / "pipermail-message.html").read_bytes()),
    "/archives/list/discuss@lists.example.org/message/ABCDEF/":
        (200, "text/html; charset=utf-8", (FIXTURES / "hyperkitty-message.html").read_bytes()),
    "/archives/list/discuss@lists.example.org/message/RAWLINK/":
        (200, "text/html; charset=utf-8", HYPERKITTY_WITH_RAW.encode()),
    "/archives/list/discuss@lists.example.org/message/RAWLINK/raw": (200, "message/rfc822", RAW_MAIL),
    "/posts/kolla-dalmatian-ptg/": (200, "text/html; charset=utf-8", (FIXTURES / "hugo-page.html").read_bytes()),
    "/notes/nova.md": (200, "text/plain", (FIXTURES / "jekyll-post.md").read_bytes()),
    "/latin1.txt": (200, "text/plain; charset=iso-8859-1", "Caf\u00e9 notes\n\nWe met at the caf\u00e9.\n".encode("latin-1")),
    "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "/empty.txt": (200, "text/plain", b"  \n"),
    "/declared-huge": (200, "text/plain", b"small body"),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(1.5)
        if path == "/stream-forever":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(2000):
                    self.wfile.write(b"x" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path == "/redirect-ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://example.org/notes.txt")
            self.end_headers()
            return
        if path == "/redirect":
            self.send_response(301)
            self.send_header("Location", "/posts/kolla-dalmatian-ptg/")
            self.end_headers()
            return
        if path not in ROUTES and path != "/slow":
            self.send_error(404, "Not Found")
            return
        status, ctype, body = ROUTES.get(path, (200, "text/plain", b"late notes\n"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", "999999999" if path == "/declared-huge" else str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str, **kw):
    kw.setdefault("timeout_s", 5)
    kw.setdefault("max_bytes", 1_000_000)
    return fetch_url(url, **kw)


def test_etherpad_url_is_fetched_through_its_text_export(server):
    url = f"{server}/p/cinder-ptg"
    [doc] = fetch(url)
    assert doc.kind == "etherpad"
    assert doc.source == url and doc.id == document_id(url)
    assert doc.metadata["url"] == url
    assert "Backup improvements" in [s.title for s in doc.sections]
    assert "Welcome to Etherpad" not in doc.text
    [again] = fetch(f"{server}/p/cinder-ptg/export/txt")
    assert again.text == doc.text


def test_pipermail_message_page(server):
    url = f"{server}/pipermail/openstack-discuss/2022-April/028001.html"
    [doc] = fetch(url)
    assert doc.source == url
    assert doc.metadata["author"] == "Dave Example" and doc.metadata["team"] == "kolla"
    assert "We agreed to add container health checks to all services." in doc.text
    assert "wrote:" not in doc.text


def test_hyperkitty_page_prefers_the_raw_message_when_linked(server):
    url = f"{server}/archives/list/discuss@lists.example.org/message/RAWLINK/"
    [doc] = fetch(url)
    assert doc.kind == "email" and doc.source == url
    assert doc.metadata["author"] == "Ivy Example"
    assert "We agreed to deprecate the v1 import path." in doc.text


def test_hyperkitty_page_without_raw_link_is_read_from_the_page(server):
    [doc] = fetch(f"{server}/archives/list/discuss@lists.example.org/message/ABCDEF/")
    assert doc.kind == "html" and doc.metadata["archive"] == "hyperkitty"
    assert doc.metadata["author"] == "Frank Example"


def test_blog_page_and_redirect(server):
    [doc] = fetch(f"{server}/posts/kolla-dalmatian-ptg/")
    assert doc.kind == "html" and doc.title == "Kolla at the Dalmatian PTG"
    [redirected] = fetch(f"{server}/redirect")
    assert redirected.text == doc.text
    assert redirected.source == f"{server}/redirect"


def test_plain_text_markdown_is_read_by_its_name(server):
    [doc] = fetch(f"{server}/notes/nova.md")
    assert doc.kind == "markdown" and doc.title == "Nova at the Caracal PTG"


def test_declared_charset_is_honoured(server):
    [doc] = fetch(f"{server}/latin1.txt")
    assert "We met at the café." in doc.text


def test_too_large_stream_is_cut(server):
    with pytest.raises(RejectedInput, match=r"^too large: more than 100000 bytes at http"):
        fetch(f"{server}/stream-forever", max_bytes=100_000)
    with pytest.raises(RejectedInput, match=r"^too large: 999999999 bytes > limit 1000 at"):
        fetch(f"{server}/declared-huge", max_bytes=1000)


def test_timeout_is_a_one_line_reason(server):
    started = time.monotonic()
    with pytest.raises(RejectedInput, match=r"^timed out after 0.3s fetching http://127.0.0.1:\d+/slow$"):
        fetch(f"{server}/slow", timeout_s=0.3)
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize("path,reason", [
    ("/missing", r"^HTTP 404 Not Found fetching http://"),
    ("/logo.png", r"^unsupported content type image/png at http://"),
    ("/empty.txt", r"^empty document"),
    ("/redirect-ftp", r"^refused redirect to a non-http URL"),
])
def test_bad_responses_are_rejected_with_reason(server, path, reason):
    with pytest.raises(RejectedInput, match=reason) as exc:
        fetch(server + path)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("url,reason", [
    ("ftp://example.org/notes.txt", "unsupported URL scheme 'ftp'"),
    ("file:///etc/passwd", "unsupported URL scheme 'file'"),
    ("notes.txt", "unsupported URL scheme"),
    ("http:///nohost", "not a URL"),
])
def test_only_http_urls(url, reason):
    with pytest.raises(RejectedInput, match=reason):
        fetch_url(url, timeout_s=1, max_bytes=1000)


def test_connection_refused_is_a_reason():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RejectedInput, match=r"^cannot fetch http://127.0.0.1:\d+/x: "):
        fetch_url(f"http://127.0.0.1:{port}/x", timeout_s=2, max_bytes=1000)


def test_etherpad_export_url_forms():
    assert etherpad_export_url("https://etherpad.opendev.org/p/nova-ptg") == \
        "https://etherpad.opendev.org/p/nova-ptg/export/txt"
    assert etherpad_export_url("https://etherpad.opendev.org/p/nova-ptg/export/txt") == \
        "https://etherpad.opendev.org/p/nova-ptg/export/txt"
    assert etherpad_export_url("https://blog.example.org/posts/ptg/") is None
