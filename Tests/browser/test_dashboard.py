"""The dashboard in a real browser (Debian's chromium through playwright) against a real coordinator."""
import os
import re
import time

from conftest import sign_in, wait_for

DIAMOND = """
steps:
  - name: a
    image: alpine
    commands: ["sleep 2", "echo a done"]
  - name: b
    image: alpine
    dependsOn: [a]
    commands: ["sleep 2"]
  - name: c
    image: alpine
    dependsOn: [a]
    commands: ["sleep 2"]
  - name: d
    image: alpine
    dependsOn: [b, c]
    commands: ["sleep 1"]
"""

BIG = """
steps:
  - name: big
    image: alpine
    commands:
      - "awk 'BEGIN { for (i = 1; i <= 1000000; i++) printf \\"line %07d of the big log\\\\n\\", i }'"
"""

HOSTILE = r"""
steps:
  - name: hostile
    image: alpine
    commands:
      - "echo '<script>window.__pwned = 1</script>'"
      - "echo '<img src=x onerror=\"window.__pwned = 2\">'"
      - 'printf "\033[31mred text\033[0m and plain\n"'
"""

MATRIX = """
matrix:
  os: [alpine, debian]
steps:
  - name: check
    image: alpine
    commands: ["test ${{ matrix.os }} = alpine"]
"""

GREEN = "rgb(45, 164, 78)"
YELLOW = "rgb(212, 167, 44)"
GREY = "rgb(175, 184, 193)"


def node_fill(page, step):
    return page.eval_on_selector(f'svg.dag g.node[data-step="{step}"] rect', "r => getComputedStyle(r).fill")


def test_sign_in_runs_page_and_diamond(cluster, browser, shots):
    cluster.apply("diamond", DIAMOND)
    context, page = sign_in(browser, cluster, "admin-token")
    try:
        assert page.url.endswith("/runs")
        assert page.inner_text("header .user") == "admin"
        page.wait_for_selector("#runs[data-live=on]", timeout=20000)
        run = cluster.c8s("run", "diamond", "--branch", "main", "--commit", "0123456789abcdef0123456789abcdef01234567")
        # The run appears without a reload, then changes phase live.
        row = f'tr.run[data-run="default/{run}"]'
        page.wait_for_selector(row, timeout=30000)
        page.wait_for_selector(f"{row} .badge.phase-running", timeout=60000)

        run_page = context.new_page()
        run_page.goto(f"{cluster.url}/runs/default/{run}")
        assert run_page.locator("svg.dag g.node").count() == 4
        assert run_page.locator("svg.dag path.edge").count() == 4
        edges = {(e.get_attribute("data-from"), e.get_attribute("data-to"))
                 for e in run_page.locator("svg.dag path.edge").all()}
        assert edges == {("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")}
        wait_for(lambda: node_fill(run_page, "a") == YELLOW or node_fill(run_page, "a") == GREEN, 60, "a running")
        wait_for(lambda: node_fill(run_page, "b") == YELLOW and node_fill(run_page, "a") == GREEN, 60,
                 "a green and b yellow")
        assert node_fill(run_page, "d") == GREY
        run_page.screenshot(path=os.path.join(shots, "run-running.png"), full_page=True)
        wait_for(lambda: all(node_fill(run_page, s) == GREEN for s in "abcd"), 90, "every node green")
        run_page.wait_for_selector(".summary .badge.phase-succeeded", timeout=30000)
        run_page.screenshot(path=os.path.join(shots, "run.png"), full_page=True)
        page.wait_for_selector(f"{row} .badge.phase-succeeded", timeout=30000)
        page.screenshot(path=os.path.join(shots, "runs.png"), full_page=True)
        # Re-run shows for admin and makes a new run.
        run_page.click("button[data-action=rerun]")
        run_page.wait_for_load_state()
        assert re.search(r"/runs/default/diamond-", run_page.url) and not run_page.url.endswith(run)
    finally:
        context.close()


def test_pipelines_page_run_button(cluster, browser, shots):
    cluster.apply("matrix", MATRIX)
    context, page = sign_in(browser, cluster, "admin-token", "/pipelines")
    try:
        page.wait_for_selector('tr[data-config="default/matrix"]')
        page.screenshot(path=os.path.join(shots, "pipelines.png"), full_page=True)
        page.click('tr[data-config="default/matrix"] button[data-action=run]')
        page.wait_for_load_state()
        parent = page.url.rsplit("/", 1)[1]
        assert parent.startswith("matrix-")
        cluster.wait_run(parent, timeout=120)
        page.goto(cluster.url + "/runs?config=matrix")
        row = f'tr.run[data-run="default/{parent}"]'
        page.wait_for_selector(f"{row} .aggregate", timeout=30000)
        assert page.inner_text(f"{row} .aggregate") == "1/2 succeeded"
        page.click(f"{row} button.expand")
        children = page.locator(f'tr.child[data-parent="default/{parent}"]')
        assert children.count() == 2
        assert children.first.is_visible()
        combos = sorted(c.inner_text() for c in page.locator(f'tr.child[data-parent="default/{parent}"] .combo').all())
        assert combos == ["os=alpine", "os=debian"]
        page.screenshot(path=os.path.join(shots, "runs-matrix.png"), full_page=True)
    finally:
        context.close()


def test_million_line_log_tail_search_and_memory(cluster, browser, shots):
    cluster.apply("big", BIG)
    run = cluster.c8s("run", "big")
    cluster.wait_run(run, timeout=300)
    wait_for(lambda: cluster.run_json(run)["status"]["steps"][0].get("logs", {}).get("complete"), 300,
             "the big log to be stored completely")
    context, page = sign_in(browser, cluster, "admin-token", f"/runs/default/{run}/steps/big")
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.wait_for_selector("#log[data-ready='1']", timeout=60000)
        first_paint = page.evaluate("window.c8sLog.state.firstPaintMs")
        assert page.evaluate("window.c8sLog.total") == 1000000
        page.wait_for_selector('#log .row[data-line="999999"] .tx:text("line 1000000 of the big log")', timeout=20000)
        page.screenshot(path=os.path.join(shots, "log.png"))
        # Search finds a line near the top, which is not loaded, and jumps there.
        page.fill("#q", "line 0000042 of")
        page.click("#search button[type=submit]")
        page.wait_for_selector("#log[data-search=done]", timeout=120000)
        search_ms = page.evaluate("window.c8sLog.state.searchMs")
        assert page.inner_text("#matches").startswith("1 / 1")
        page.wait_for_selector('#log .row.hit[data-line="41"] .tx:text("line 0000042 of the big log")', timeout=20000)
        page.screenshot(path=os.path.join(shots, "log-search.png"))
        # Scroll through the whole log: memory stays bounded by the block cache.
        heap_before = metric(cdp, "JSHeapUsedSize")
        for step in range(0, 101):
            page.evaluate(f"window.c8sLog.scrollToLine({step * 9990})")
            wait_for(lambda: page.evaluate("document.querySelectorAll('#log .row.pending').length") == 0, 20,
                     f"rows near line {step * 9990} to load")
        cdp.send("HeapProfiler.collectGarbage")
        heap_after = metric(cdp, "JSHeapUsedSize")
        cached = page.evaluate("window.c8sLog.cachedLines")
        assert cached <= 24000
        assert page.locator("#log .row").count() < 100
        # A line link opens there.
        page.goto(f"{cluster.url}/runs/default/{run}/steps/big#L500000")
        page.wait_for_selector('#log .row.hit[data-line="499999"] .tx:text("line 0500000 of the big log")',
                               timeout=30000)
        print(f"\nFIGURES 1,000,000-line log: first paint of the tail {first_paint:.0f} ms; "
              f"search over the log {search_ms:.0f} ms; JS heap {heap_before / 1e6:.1f} MB after opening, "
              f"{heap_after / 1e6:.1f} MB after scrolling through it ({cached} lines cached)")
    finally:
        context.close()


def metric(cdp, name):
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == name)


def test_hostile_log_is_text_and_no_script_runs(cluster, browser, shots):
    cluster.apply("hostile", HOSTILE)
    run = cluster.c8s("run", "hostile")
    cluster.wait_run(run)
    context, page = sign_in(browser, cluster, "admin-token", f"/runs/default/{run}/steps/hostile")
    try:
        page.wait_for_selector("#log[data-ready='1']", timeout=30000)
        page.wait_for_selector('#log .row .tx:text("<script>window.__pwned = 1</script>")', timeout=20000)
        assert page.locator('#log .row .tx:text("<img src=x onerror")').count() == 1
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("#log script, #log img").count() == 0
        red = page.locator("#log .row .tx span.f1")
        assert red.inner_text() == "red text"
        assert red.evaluate("e => getComputedStyle(e).color") == "rgb(205, 49, 49)"
        csp = page.request.get(page.url).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        page.screenshot(path=os.path.join(shots, "log-escaping.png"))
    finally:
        context.close()


def test_viewer_without_log_permission_gets_403(cluster, browser, shots):
    run = cluster.c8s("run", "hostile")
    cluster.wait_run(run)
    context, page = sign_in(browser, cluster, "viewer-token", f"/runs/default/{run}")
    try:
        assert page.inner_text("header .user") == "viewer"
        # The viewer sees the run, but neither Cancel nor Re-run.
        assert page.locator("svg.dag g.node").count() == 1
        assert page.locator("button[data-action=rerun], button[data-action=cancel]").count() == 0
        response = page.goto(f"{cluster.url}/runs/default/{run}/steps/hostile")
        assert response.status == 403
        text = page.inner_text(".problem")
        assert "403 Forbidden" in text
        assert 'User "viewer" cannot get resource "pipelineruns/log" in API group "c8s.dev"' in text
        page.screenshot(path=os.path.join(shots, "forbidden.png"))
        # The API refuses the log to the same session cookie too.
        assert page.request.get(f"{cluster.url}/api/v1/namespaces/default/pipelineruns/{run}/steps/hostile/log").status == 403
    finally:
        context.close()


def test_csrf_and_sign_in_errors(cluster, browser):
    context, page = sign_in(browser, cluster, "wrong-token")
    try:
        assert "/login" in page.url
        assert "not valid" in page.inner_text(".error")
    finally:
        context.close()
    context, page = sign_in(browser, cluster, "admin-token")
    try:
        run = cluster.c8s("run", "hostile")
        # A POST without the CSRF token is refused, through the form route and the API.
        response = page.request.post(f"{cluster.url}/runs/default/{run}/cancel", form={"csrf": "forged"})
        assert response.status == 403
        response = page.request.post(f"{cluster.url}/api/v1/namespaces/default/pipelineruns/{run}/cancel")
        assert response.status == 403
        assert cluster.run_json(run)["spec"].get("cancel") is not True
    finally:
        context.close()
