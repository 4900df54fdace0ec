"""Swagger UI as a person exploring the API uses it, in headless Chromium with every request off the machine cut
off: /docs draws from the service's own files, a token is authorized, and one GET and one POST run through
"Try it out"."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import async_playwright

from tests.e2e.test_dashboard import CHROMIUM, CHROMIUM_FLAGS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing: `make test` installs it")


@pytest_asyncio.fixture(loop_scope="session")
async def offline_page():
    """A page whose requests to anywhere but this machine are aborted (and listed), with its console errors."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        outside: list[str] = []
        errors: list[str] = []

        async def local_only(route):
            if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
                await route.continue_()
            else:
                outside.append(route.request.url)
                await route.abort("internetdisconnected")

        await page.route("**/*", local_only)
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, outside, errors
        await browser.close()


async def try_it(page, operation: str, body: dict | None = None) -> str:
    """Expand an operation, "Try it out", optionally replace its example body, "Execute": the status shown."""
    block = page.locator(f"#operations-projects-{operation}")
    await block.locator(".opblock-summary").first.click()
    await block.locator(".try-out__btn").click()
    if body is not None:
        await block.locator("textarea.body-param__text").fill(json.dumps(body))
    await block.locator("button.execute").click()
    status = block.locator(".live-responses-table tr.response .response-col_status").first
    await status.wait_for(timeout=15_000)
    return (await status.inner_text()).strip()


async def test_swagger_ui_works_offline_and_runs_a_get_and_a_post(running_system, issue_token, offline_page):
    page, outside, errors = offline_page
    project_svc = next(s for s in running_system.services if s.spec.name == "project-svc")
    base = f"http://127.0.0.1:{running_system.port(project_svc)}"

    response = await page.goto(f"{base}/docs")
    assert response.status == 200 and "default-src 'none'" in response.headers["content-security-policy"]
    await page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    assert "project" in (await page.locator(".swagger-ui .info .title").inner_text()).lower()

    await page.locator("button.authorize").first.click()
    await page.locator(".modal-ux input").first.fill(issue_token("project_manager", subject="swagger-user"))
    await page.locator(".modal-ux .auth-btn-wrapper button.authorize").click()
    await page.locator(".modal-ux button.btn-done").click()

    proposal = {"title": "Explored in Swagger UI", "problem_statement": "Trying the API",
                "business_case": "Learning", "target_service_ids": []}
    assert await try_it(page, "propose_project", proposal) == "201"
    assert await try_it(page, "list_projects") == "200"
    listed = page.locator("#operations-projects-list_projects .live-responses-table .microlight").first
    assert "Explored in Swagger UI" in await listed.inner_text()
    assert outside == [] and errors == [], (outside, errors)


async def test_redoc_works_offline_and_shows_every_operation(running_system, offline_page):
    """ReDoc from the package, under its Content-Security-Policy, with nothing off the machine: the reference is
    drawn from the service's own /openapi.json, one entry per operation, and searching finds an operation."""
    page, outside, errors = offline_page
    service_svc = next(s for s in running_system.services if s.spec.name == "service-svc")
    base = f"http://127.0.0.1:{running_system.port(service_svc)}"
    response = await page.goto(f"{base}/redoc")
    assert response.status == 200 and "default-src 'none'" in response.headers["content-security-policy"]
    await page.locator("h1", has_text="service-svc").wait_for(timeout=30_000)
    document = await (await page.request.get(f"{base}/openapi.json")).json()
    operations = {operation["operationId"] for path in document["paths"].values() for operation in path.values()}
    drawn = await page.locator("[id^='operation/']").evaluate_all("nodes => nodes.map(node => node.id)")
    assert {node.removeprefix("operation/") for node in drawn} == operations
    await page.locator("input[placeholder='Search...']").fill("import")
    await page.locator("[role='search'] li, [data-role='search:results'] li").first.wait_for(timeout=15_000)
    # ReDoc's sidebar always asks for Redocly's logo from its CDN: the policy refuses it before any request is made
    # (and ReDoc then leaves the image out); nothing else is refused or fails
    refused_logo = [e for e in errors if "cdn.redoc.ly/redoc/logo-mini.svg" in e and "Content Security Policy" in e]
    assert outside == [] and [e for e in errors if e not in refused_logo] == [], (outside, errors)
