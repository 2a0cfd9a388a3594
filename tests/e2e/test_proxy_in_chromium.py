"""The shipped nginx configuration in front of the real app: it serves it, websocket and
all, over HTTPS, and another site can no longer frame it (issue 23.7).

Streamlit sends no ``X-Frame-Options`` or ``frame-ancestors``, so any site could frame the
app and trick a visitor into clicking in it. ``deploy/nginx/sweetspot.conf`` runs here as
shipped, but for its ports, its upstream and a self-signed certificate.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, expect

from bench.live_app import free_port

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx" / "sweetspot.conf"
NGINX = "/usr/sbin/nginx"
FRAMING = {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "frame-ancestors 'self'"}
EVIL = """<!doctype html><html><body>
<iframe id="proxied" src="{proxied}/" width="900" height="600"></iframe>
<iframe id="direct" src="{direct}/" width="900" height="600"></iframe>
</body></html>"""


def adapted(config: str, app_port: int, http_port: int, https_port: int, certs: Path) -> str:
    """The shipped file with this test's ports, upstream and certificate; nothing else changes."""
    changes = {
        r"server 127\.0\.0\.1:8501;": f"server 127.0.0.1:{app_port};",
        r"listen 80;": f"listen 127.0.0.1:{http_port};",
        r"listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        r"ssl_certificate \S+;": f"ssl_certificate {certs / 'cert.pem'};",
        r"ssl_certificate_key \S+;": f"ssl_certificate_key {certs / 'key.pem'};",
    }
    for pattern, replacement in changes.items():
        config, count = re.subn(pattern, replacement, config)
        assert count == 1, f"the shipped config has {count} lines like {pattern!r}"
    return config


@pytest.fixture(scope="module")
def proxy(server: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """nginx with the shipped configuration in front of the session's app."""
    if not Path(NGINX).exists() or not shutil.which("openssl"):
        pytest.skip("needs nginx and openssl: apt-get install -y nginx-light (scripts/test.sh does)")
    folder = tmp_path_factory.mktemp("nginx")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    http_port, https_port = free_port(), free_port()
    app_port = int(server.url.rsplit(":", 1)[1])
    (folder / "sweetspot.conf").write_text(
        adapted(SHIPPED.read_text(), app_port, http_port, https_port, folder)
    )
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid; error_log {folder}/error.log; worker_processes 1;\n"
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;"
        f" fastcgi_temp_path {folder}/fcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;"
        f" include {folder}/sweetspot.conf; }}\n"
    )
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    checked = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    url = f"https://127.0.0.1:{https_port}"
    try:
        deadline = time.monotonic() + 30
        while fetch(f"{url}/_stcore/health") is None:
            assert process.poll() is None and time.monotonic() < deadline, process.stderr
            time.sleep(0.1)
        yield SimpleNamespace(url=url, http=f"http://127.0.0.1:{http_port}", app=server.url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(url: str) -> tuple[int, dict[str, str], bytes] | None:
    """Status, headers and body, without following redirects; None if nothing answers."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@contextlib.contextmanager
def evil_site(proxied: str, direct: str) -> Iterator[str]:
    """Another origin (another port) whose page frames the app through the proxy, and directly."""
    page = EVIL.format(proxied=proxied, direct=direct).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


def test_the_proxy_sends_the_framing_headers_on_every_answer(proxy: SimpleNamespace) -> None:
    for path in ("/", "/_stcore/health", "/no-such-page"):
        status, headers, _ = fetch(proxy.url + path)
        assert {name: headers.get(name) for name in FRAMING} == FRAMING, (path, status)
    status, headers, _ = fetch(proxy.http + "/monitor")  # plain HTTP goes to HTTPS, on port 443
    assert (status, headers["Location"]) == (301, "https://127.0.0.1/monitor")
    _, direct, _ = fetch(proxy.app + "/")  # what the proxy is for: Streamlit alone sends neither
    assert not FRAMING.keys() & direct.keys()


def test_the_app_works_through_the_proxy_and_no_other_site_can_frame_it(
    proxy: SimpleNamespace, browser: Browser
) -> None:
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(proxy.url + "/", wait_until="domcontentloaded")  # the websocket runs through nginx
        expect(page.get_by_test_id("stHeading").first).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)

        with evil_site(proxy.url, proxy.app) as evil:
            page.goto(evil + "/", wait_until="domcontentloaded")
            direct = page.frame_locator("#direct")
            expect(direct.get_by_test_id("stHeading").first).to_be_visible()  # framed: nothing stops it
            proxied = page.frame(url=re.compile(r"^chrome-error://"))  # blocked: the browser's error page
            assert proxied is not None, [frame.url for frame in page.frames]
            assert page.frame_locator("#proxied").get_by_test_id("stApp").count() == 0
    finally:
        context.close()
