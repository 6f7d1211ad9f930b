"""A real c8s on the in-memory API server for the dashboard's browser tests.

c8s-sim (two simulated nodes, tokens "admin-token" and "viewer-token"), c8s-coordinator with a directory log
store and one c8s-agent per node, as docs/coordinator.md "trying it by hand" describes. Binaries come from
C8S_BIN (default .build/debug).
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("C8S_BIN", os.path.join(ROOT, ".build", "debug"))
CHROMIUM = os.environ.get("C8S_CHROMIUM", "/usr/bin/chromium")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - reported below if the deadline passes
            last = error
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


class Cluster:
    def __init__(self, directory):
        self.dir = directory
        self.processes = []
        self.kubeconfig = os.path.join(directory, "kubeconfig")
        self.env = dict(os.environ, KUBECONFIG=self.kubeconfig)
        self.url = None

    def start(self, name, args):
        log = open(os.path.join(self.dir, f"{name}.log"), "wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env)
        self.processes.append((name, process, log))
        return process

    def up(self):
        api_port = free_port()
        http_port = free_port()
        self.start("sim", [
            f"{BIN}/c8s-sim", "--port", str(api_port), "--kubeconfig", self.kubeconfig,
            "--crds", os.path.join(ROOT, "config", "crd"), "--token", "admin-token", "--viewer-token", "viewer-token",
            "--nodes", "node-a,node-b", "--log-root", os.path.join(self.dir, "pods")])
        wait_for(lambda: os.path.exists(self.kubeconfig), 60, "c8s-sim's kubeconfig")
        store = "file://" + os.path.join(self.dir, "logs")
        self.start("coordinator", [
            f"{BIN}/c8s-coordinator", "--no-leader-elect", "--http-port", str(http_port), "--log-store", store])
        for node in ["node-a", "node-b"]:
            self.start(f"agent-{node}", [
                f"{BIN}/c8s-agent", "--node-name", node, "--log-root", os.path.join(self.dir, "pods"),
                "--state-dir", os.path.join(self.dir, f"agent-{node}"), "--log-store", store, "--http-port", "0"])
        self.url = f"http://127.0.0.1:{http_port}"
        wait_for(lambda: urllib.request.urlopen(self.url + "/readyz", timeout=2).status == 200, 60,
                 "the coordinator's /readyz")

    def down(self):
        for name, process, log in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for name, process, log in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def c8s(self, *args):
        result = subprocess.run([f"{BIN}/c8s", *args], env=self.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"c8s {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    def apply(self, name, yaml_text):
        path = os.path.join(self.dir, f"{name}.c8s.yaml")
        with open(path, "w") as f:
            f.write(yaml_text)
        self.c8s("apply", "-f", path, "--name", name)

    def api(self, path, token="admin-token"):
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def run_json(self, name):
        return self.api(f"/api/v1/namespaces/default/pipelineruns/{name}")

    def wait_run(self, name, phases=("Succeeded", "Failed"), timeout=180):
        return wait_for(lambda: self.run_json(name).get("status", {}).get("phase") in phases and self.run_json(name),
                        timeout, f"run {name} to reach {phases}")


@pytest.fixture(scope="session")
def cluster():
    directory = tempfile.mkdtemp(prefix="c8s-browser-")
    c = Cluster(directory)
    try:
        c.up()
        yield c
    finally:
        c.down()
        if os.environ.get("C8S_KEEP_BROWSER_DIR") is None:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"kept {directory}")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots():
    directory = os.environ.get("C8S_SCREENSHOTS") or tempfile.mkdtemp(prefix="c8s-shots-")
    os.makedirs(directory, exist_ok=True)
    return directory


def sign_in(browser, cluster, token, next_path="/runs"):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(cluster.url + next_path)
    assert "/login" in page.url
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page
