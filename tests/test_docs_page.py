"""The baked API's docs page in a real headless browser (Debian's chromium and
chromedriver, driven by Selenium), served by gunicorn in production: it loads
under the Content-Security-Policy, takes a token through "Authorize", and a
"Try it out" call with it succeeds."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.baking import clean_environment, flask
from tests.serving import free_port, stop, wait_until_serving

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 30
# Every Content-Security-Policy violation, recorded before the page's own
# scripts run (DevTools scripts are not subject to the policy).
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def require_chromium() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    message = (
        f"needs {' and '.join(missing)}: apt-get install -y chromium chromium-driver"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, so no skipping: this test {message}")
    pytest.skip(f"this test {message}")


@pytest.fixture
def browser():
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS}
    )
    try:
        yield driver
    finally:
        driver.quit()


def test_the_docs_page_authorizes_and_tries_a_call(bake, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    project = bake()
    made = flask(project, "tokens", "create", "browser")
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "my_flask_app:create_app()",
        ],
        cwd=project,
        env=clean_environment(
            SECRET_KEY=secrets.token_hex(32), DATABASE_URL="sqlite:///my_flask_app.db"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    screenshot = tmp_path / "docs-page.png"
    try:
        wait_until_serving(server, f"http://127.0.0.1:{port}/health")
        browser.get(f"http://127.0.0.1:{port}/api/")
        wait = WebDriverWait(browser, WAIT_SECONDS)

        def click(selector: str) -> None:
            located = (By.CSS_SELECTOR, selector)
            wait.until(shown.element_to_be_clickable(located)).click()

        # Authorize: the page knows the bearer scheme from the document.
        click("button.authorize")
        field = wait.until(
            shown.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux input"))
        )
        field.send_keys(token)
        click(".modal-ux button.authorize")
        click(".modal-ux button.btn-done")

        # Try it out: create a user, with the token the page now sends.
        operation = "#operations-User-post_api_users"
        click(f"{operation} .opblock-summary")
        click(f"{operation} .try-out__btn")
        body = wait.until(
            shown.visibility_of_element_located(
                (By.CSS_SELECTOR, f"{operation} textarea.body-param__text")
            )
        )
        body.clear()
        body.send_keys(json.dumps({"username": "ada", "email": "ada@example.com"}))
        click(f"{operation} .execute")
        status = wait.until(
            shown.visibility_of_element_located(
                (
                    By.CSS_SELECTOR,
                    f"{operation} .live-responses-table tbody .response-col_status",
                )
            )
        )
        browser.save_screenshot(str(screenshot))
        assert status.text.split()[0] == "201", f"see {screenshot}"
        violations = browser.execute_script("return window.cspViolations")
        assert violations == [], violations
    finally:
        stop(server)

    # The call went through: the row is in the database.
    engine = create_engine(f"sqlite:///{project / 'instance' / 'my_flask_app.db'}")
    try:
        with engine.connect() as connection:
            names = connection.execute(text("SELECT username FROM users")).scalars()
            assert list(names) == ["ada"]
    finally:
        engine.dispose()
