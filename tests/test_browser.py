"""The dashboard as a user sees it: ``ptgkg dashboard`` served for real and driven in
Debian's headless Chromium through PyPI playwright (never ``playwright install``).

Visits the SPEC.md deep links on a fresh server over data/notes (the first request
is a deep link, not ``/``) and saves a screenshot of each page under
docs/screenshots/; clicks a node of the collaboration network; ingests a hostile
etherpad on the Ingest page; then adds a document whose names are markup while the
server runs. Markup from notes must stay text: no dialog opens, no ``<script>`` or
``<img onerror>`` from a note reaches the DOM (the network component's frame
included), no ``javascript:`` link exists.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from ptgkg.graph.stores import open_store
from tests.test_dashboard import HOSTILE_PAD, XSS_IMG, XSS_SCRIPT, build_store, hostile_names_graph

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]

if not CHROMIUM.exists():
    pytest.skip("install Debian's chromium to run the browser test (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the PyPI package)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("browser"), hostile=False)


@pytest.fixture(scope="module")
def server(store, tmp_path_factory):
    port = _free_port()
    env = dict(os.environ, STREAMLIT_CLIENT_TOOLBAR_MODE="minimal", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    log = tmp_path_factory.mktemp("log") / "dashboard.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ptgkg.cli", "dashboard", "--store", str(store),
                                 "--port", str(port), "--allow-ingest"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(base + "_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the dashboard did not come up:\n" + log.read_text()[-2000:])
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the CLI and the streamlit it started, nothing else
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.context.tmp_shots = tmp_path_factory.mktemp("screenshots")
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        yield page
        browser.close()


def visit(page, base: str, path: str, ready: str) -> None:
    """Open a deep link and wait until ``ready`` text is on screen and the app is idle."""
    page.goto(base + path)
    page.get_by_text(ready, exact=False).first.wait_for(timeout=20000)
    settle(page)


def settle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0", timeout=20000)
    page.wait_for_timeout(300)


def screenshot(page, name: str) -> None:
    """The whole page (Streamlit scrolls inside its main area, so the viewport grows to it).
    Saved to docs/screenshots/ when missing there or when PTGKG_UPDATE_SCREENSHOTS=1, else
    next to the test's temporary files, so a plain test run leaves the repository as it was."""
    target = SHOTS / f"{name}.png"
    if target.exists() and os.environ.get("PTGKG_UPDATE_SCREENSHOTS") != "1":
        target = Path(page.context.tmp_shots) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 1000")
    page.set_viewport_size({"width": 1400, "height": int(min(2400, max(1000, height)))})
    page.wait_for_timeout(400)
    page.screenshot(path=str(target))
    page.set_viewport_size({"width": 1400, "height": 1000})


def assert_inert(page) -> None:
    """Nothing a note said became markup: in the page and in every component frame."""
    assert page.dialogs == []
    for frame in page.frames:
        found = frame.evaluate("""() => ({
            scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(1)')).length,
            imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
            js_links: document.querySelectorAll('a[href^="javascript" i]').length,
        })""")
        assert found == {"scripts": 0, "imgs": 0, "js_links": 0}, (frame.url, found)


def click_node(page, select_js: str) -> str:
    """Click, with the mouse, the network node that ``select_js`` (``cy => collection``)
    picks, once the layout has settled; returns the node's id."""
    page.wait_for_selector("iframe[title*=st_link_analysis]")
    frame = None
    while frame is None:
        frame = next((f for f in page.frames if "st_link_analysis" in f.url), None)
        page.wait_for_timeout(100)
    frame.wait_for_function("() => document.getElementById('cy')?._cyreg?.cy?.nodes().length > 0", timeout=20000)
    where = f"() => {{ const n = ({select_js})(document.getElementById('cy')._cyreg.cy).first();" \
            "return {id: n.id(), pos: n.renderedPosition()}; }"
    last, deadline = None, time.monotonic() + 15
    while time.monotonic() < deadline:  # the layout animates: wait until the node stops moving
        now = frame.evaluate(where)
        if now == last:
            break
        last = now
        page.wait_for_timeout(250)
    cy = frame.evaluate("() => { const r = document.getElementById('cy').getBoundingClientRect(); return [r.x, r.y]; }")
    box = page.locator("iframe[title*=st_link_analysis]").bounding_box()
    page.mouse.click(box["x"] + cy[0] + last["pos"]["x"], box["y"] + cy[1] + last["pos"]["y"])
    return last["id"]


def card_of(page, href: str) -> str:
    """The text of the smallest block around the link to ``href`` that also holds a quote."""
    return page.evaluate("""(href) => {
        let e = document.querySelector(`a[href="${href}"]`);
        while (e && !e.querySelector('blockquote')) e = e.parentElement;
        return e ? e.innerText : null;
    }""", href)


def test_deep_links_show_what_a_user_asked_for(server, browser_page):
    page, t0 = browser_page, time.monotonic()

    # first request on a fresh server: a pasted deep link
    visit(page, server, "project?name=Kolla", "Works with")
    assert page.get_by_role("heading", name="Kolla", exact=True).is_visible()
    tripleo = card_of(page, "project?name=TripleO")
    assert tripleo and "TripleO" in tripleo and "“" in tripleo, tripleo
    assert page.get_by_role("button", name="Download brief (Markdown)").is_visible()
    assert_inert(page)
    screenshot(page, "project")

    visit(page, server, "topic?name=health%20checks", "Who discussed it")
    for person in ("Paul Bourke", "Mark Goddard"):
        card = card_of(page, f"person?name={person.replace(' ', '+')}")
        assert card and "mention" in card and "“" in card, person
    assert_inert(page)
    screenshot(page, "topic")

    visit(page, server, "person?name=Paul%20Bourke", "Decisions assigned")
    assert page.locator('a[href="project?name=Kolla"]').count() >= 1
    assert_inert(page)
    screenshot(page, "person")

    visit(page, server, "decisions?project=Kolla", "Decision log")
    assert page.get_by_role("combobox", name="Project").input_value() == "Kolla"
    assert page.get_by_role("button", name="Download CSV").is_visible()
    screenshot(page, "decisions")

    visit(page, server, "", "Most connected")
    assert page.locator('a[href="project?name=Kolla"]').count() >= 1
    screenshot(page, "overview")
    assert time.monotonic() - t0 < 60


def test_clicking_the_network_shows_evidence(server, browser_page):
    page = browser_page
    visit(page, server, "collaboration", "Who bridges whom")
    assert click_node(page, "cy => cy.getElementById('project:tripleo')") == "project:tripleo"
    page.wait_for_function("() => document.querySelector('input[aria-label=\"Evidence for\"]')?.value === 'TripleO'",
                           timeout=20000)
    settle(page)
    assert "↔ Kolla" in page.inner_text("body")
    assert_inert(page)
    screenshot(page, "collaboration")


def test_ingest_page_adds_an_uploaded_note(server, browser_page, tmp_path):
    page = browser_page
    visit(page, server, "ingest", "Add notes")
    note = tmp_path / "stein-followup.etherpad.txt"
    note.write_text(HOSTILE_PAD, encoding="utf-8")
    page.locator('input[type="file"]').set_input_files(str(note))
    page.get_by_test_id("stFileChip").first.wait_for()  # uploaded (its long name is shortened on screen)
    page.get_by_role("button", name="Ingest").click()
    page.get_by_text("Ingested 1").wait_for(timeout=40000)
    settle(page)
    assert_inert(page)
    screenshot(page, "ingest")

    # the new note is searchable at once, its markup shown as text
    visit(page, server, "search?q=onerror", "match")
    assert XSS_IMG in page.inner_text("body")
    assert_inert(page)


def test_markup_in_names_stays_text(store, server, browser_page):
    with open_store(store) as writable:  # while the server runs: its caches follow the store
        writable.write_document(hostile_names_graph())
    page = browser_page
    visit(page, server, "topic?name=" + quote(XSS_SCRIPT), "Who discussed it")
    assert page.get_by_role("heading", name=XSS_SCRIPT).is_visible()
    assert_inert(page)
    visit(page, server, "project?name=Kolla", "Works with")
    assert XSS_IMG in page.inner_text("body")
    assert_inert(page)
    # the network component shows a selected node's data in an info panel
    visit(page, server, "collaboration", "Who bridges whom")
    evil = click_node(page, "cy => cy.nodes().filter(n => n.data('name').includes('onerror'))")
    frame = next(f for f in page.frames if "st_link_analysis" in f.url)
    frame.get_by_text("onerror", exact=False).first.wait_for(timeout=10000)  # in the component's info panel
    page.wait_for_function(
        "() => document.querySelector('input[aria-label=\"Evidence for\"]')?.value.includes('onerror')", timeout=10000)
    settle(page)
    assert evil.startswith("project:") and XSS_IMG in page.inner_text("body")
    assert_inert(page)
