"""A headless Chromium for the tests that look at pages as a browser shows them, and the
live preview of a test's `project` to point it at."""

from __future__ import annotations

import contextlib
import os
import shutil
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from handouts.commands.serve import PreviewServer
from handouts.model.project import Project

CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """server answering from a thread of its own until the block ends, then closed."""
    # serve_forever looks for shutdown() once per poll: 0.5 s by default, which every stop would wait.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def server(project: Path) -> Iterator[PreviewServer]:
    preview = PreviewServer(Project(project), "127.0.0.1", 0)
    with serving(preview):
        yield preview


def find_browser() -> tuple[str, str]:
    pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    )
    if not chromium or not driver:
        pytest.skip("no headless browser found: install Debian's chromium and chromium-driver (.ci/run does)")
    return chromium, driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    chromium, driver_path = find_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROME_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    yield driver
    driver.quit()
