"""The KPI dashboard in headless Chromium against the four services, seeded by `make demo`'s own code.

The charts must show what the seeding made (weekly incidents, MTTR, earned value, handover readiness, the loop)
and exactly what the KPI APIs answered, for the top services by the KPI chosen in the page's selector; the page must load nothing from elsewhere and never put the token in a
URL it requests. A screenshot is left at tests/output/dashboard.png.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import async_playwright
from prometheus_client.parser import text_string_to_metric_families

from continuum_dev.demo.client import Persona, Progress, Stack
from continuum_dev.demo.organisation import Seeded, seed_organisation
from continuum_dev.stack import ServiceProcesses

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = Path(__file__).parents[1] / "output" / "dashboard.png"
TREND_WEEKS = 12

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing: `make test` installs it")


def urls(system: ServiceProcesses) -> dict[str, str]:
    return {s.spec.name: f"http://127.0.0.1:{system.port(s)}" for s in system.services}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def organisation(running_system, issue_token) -> Seeded:
    """`make demo`'s organisation, then the loop's benefits measured (the e2e services check every second)."""
    seeded = await seed_organisation(urls(running_system), issue_token, progress=Progress(stream=sys.stderr))
    viewer = Persona.of(issue_token, "viewer", subject="dashboard-test")
    stack = Stack(urls(running_system))
    try:
        async def benefits_measured() -> bool:
            opportunity = await stack.get("metrics-svc", f"/opportunities/{seeded.opportunities['loop']}", viewer)
            return opportunity["state"] == "benefits_realized"

        await stack.wait_for(benefits_measured, what="the loop's benefits to be measured", timeout_s=60)
    finally:
        await stack.aclose()
    return seeded


@pytest_asyncio.fixture(loop_scope="session")
async def browser():
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        await chromium.close()


async def open_dashboard(browser, base: str, token: str | None = None):
    """A fresh page on /dashboard; returns it with the list of every URL it requested."""
    # reduced motion: the page then draws its charts without animation, so the screenshot shows final frames
    page = await browser.new_page(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.goto(f"{base}/dashboard" + (f"#token={token}" if token else ""))
    return page, requested, problems


async def rendered(page) -> dict:
    """Each chart's labels and datasets as Chart.js holds them, and what the page fetched."""
    return await page.evaluate("""() => {
        const d = window.continuumDashboard;
        const charts = Object.fromEntries(Object.entries(d.charts).map(([name, chart]) => [name, {
            labels: chart.data.labels,
            datasets: chart.data.datasets.map((set) => ({label: set.label, data: set.data})),
        }]));
        return {charts, data: d.data};
    }""")


def dataset(chart: dict, label: str) -> list:
    return next(s["data"] for s in chart["datasets"] if s["label"] == label)


# (the page's Content-Security-Policy forbids eval, so waits go through selectors, not wait_for_function)
def weeks_ending(as_of: datetime) -> list[tuple[datetime, datetime]]:
    return [(as_of - timedelta(days=7 * (TREND_WEEKS - k)), as_of - timedelta(days=7 * (TREND_WEEKS - k - 1)))
            for k in range(TREND_WEEKS)]


async def test_the_dashboard_charts_the_seeded_organisation(running_system, organisation, browser, issue_token):
    base = urls(running_system)["metrics-svc"]
    token = issue_token("viewer", subject="dashboard-test")
    page, requested, problems = await open_dashboard(browser, base, token)
    await page.locator("body[data-state='ready']").wait_for(state="attached", timeout=30_000)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    # the first page charts the top 10 services by incident rate, as the ranking API orders them
    shown = await rendered(page)
    ranking = shown["data"]["ranking"]
    assert (ranking["by"], ranking["order"], len(ranking["items"])) == ("incident_rate", "worst",
                                                                        min(10, ranking["ranked"]))
    assert ranking["ranked"] == shown["data"]["portfolio"]["services"]
    counts = [Decimal(item["incident_count"]["value"]) for item in ranking["items"]]
    assert counts == sorted(counts, reverse=True)
    await assert_charts_show_the_ranking(page, shown)

    # every seeded service once the page shows the top 50 (the selector reloads the board)
    await page.select_option("#top-n", "50")
    await page.locator("body[data-state='ready']").wait_for(state="attached", timeout=30_000)
    shown = await rendered(page)
    charts, data = shown["charts"], shown["data"]
    as_of = datetime.fromisoformat(data["portfolio"]["window"]["end"])
    services = organisation.services
    assert len(data["ranking"]["items"]) == min(50, data["ranking"]["ranked"]) >= len(services)

    # incidents per week: exactly the seeded incidents, for every seeded service
    for key, service_id in services.items():
        opened = [i.opened_at for i in organisation.incidents[service_id]]
        expected = [sum(1 for t in opened if start <= t < end) for start, end in weeks_ending(as_of)]
        assert dataset(charts["incidents"], organisation.names[service_id]) == expected, key
    assert sum(dataset(charts["incidents"], organisation.names[services['portal']])[-4:]) > \
        sum(dataset(charts["incidents"], organisation.names[services['portal']])[:4])  # the portal's rising trend

    # MTTR per week in hours: the seeded resolution times of the payments gateway
    payments = organisation.incidents[services["payments"]]
    for (start, end), hours in zip(weeks_ending(as_of), dataset(charts["mttr"], organisation.names[services['payments']]),
                                   strict=True):
        minutes = [i.resolve_minutes for i in payments if start <= i.resolved_at < end]
        assert hours == (None if not minutes else pytest.approx(statistics.mean(minutes) / 60, abs=0.051))

    # SLA compliance: the bars are the API's figures; the warehouse's deliberate breaches show
    by_service = {s["service_id"]: s for s in data["services"]}
    sla_bars = dict(zip(charts["sla"]["labels"], charts["sla"]["datasets"][0]["data"], strict=True))
    assert {by_service[service_id]["name"] for service_id in services.values()} == {
        organisation.names[service_id] for service_id in services.values()}  # the catalog names, projected
    for service_id, service in by_service.items():
        value = service["sla_compliance_pct"]["value"]
        label = service["name"] or f"Service {service_id[:8]}"  # services of other tests may have no name here
        assert sla_bars[label] == (None if value is None else pytest.approx(float(value), abs=0.051))

    # earned value: the executing project's table row and its chart
    executing = organisation.projects["executing"]
    row = await page.locator(f"tr[data-project-id='{executing}'] td").all_inner_texts()
    assert row[2:6] == ["240,000", "180,000", "143,000", "155,000"]  # BAC, PV, EV, AC as seeded
    assert row[6:8] == ["0.79", "0.92"]  # SPI, CPI
    assert data["earnedValue"]["project_id"] == executing
    series = data["earnedValue"]["points"]
    evm = charts["evm"]
    def figures(key: str) -> list[float | None]:  # the API's decimal text, as the chart plots it
        return [None if p[key] is None else float(p[key]) for p in series]

    assert dataset(evm, "PV (planned value)") == figures("pv")
    assert dataset(evm, "EV (earned value)") == figures("ev")
    assert dataset(evm, "AC (actual cost)") == figures("ac")
    assert series[-1]["pv"] == "240000" and set(dataset(evm, "BAC")) == {240000}
    past = [p for p in series if p["ac"] is not None]
    assert (past[-1]["pv"], past[-1]["ev"], past[-1]["ac"]) == ("180000", "143000", "155000")  # today's, as seeded
    assert Decimal(past[0]["ac"]) < Decimal(past[len(past) // 2]["ac"]) < Decimal(past[-1]["ac"])  # costs accrue

    # handover readiness: HR accepted after one rejection (one criterion waived), the warehouse in transition
    bars = dict(zip(charts["handovers"]["labels"], charts["handovers"]["datasets"][0]["data"], strict=True))
    names = organisation.names
    hr_label = f"{names[services['hr']]} ← {names[organisation.projects['closed']]}"
    warehouse_label = f"{names[services['warehouse']]} ← {names[organisation.projects['closing']]}"
    assert bars[hr_label] == 100
    # the warehouse's readiness while in transition: what handover-svc itself reports for it
    async with httpx.AsyncClient(base_url=urls(running_system)["handover-svc"], timeout=10) as client:
        response = await client.get(f"/handovers/{organisation.handovers['in-transition']}",
                                    headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    in_transition = float(response.json()["readiness"]["score_pct"])
    assert 0 < in_transition < 100 and bars[warehouse_label] == math.floor(in_transition * 10 + 0.5) / 10
    handover_list = await page.locator("#handovers li").all_inner_texts()
    assert any(hr_label in item and "1 rejection(s)" in item for item in handover_list)
    assert any(warehouse_label in item and "in transition" in item for item in handover_list)

    # the loop: the funnel is the portfolio's loop figures; the email relay's opportunity realised its benefits
    loop = data["portfolio"]["loop"]
    assert charts["loop"]["datasets"][0]["data"] == [loop["opportunities_detected"], loop["converted_to_projects"],
                                                     loop["benefits_measured"], loop["benefits_realized"]]
    assert loop["opportunities_detected"] >= 2 and loop["benefits_realized"] >= 1
    opportunities = await page.locator("#opportunities li").all_inner_texts()
    assert any(organisation.names[services['email']] in item and "benefits realized" in item for item in opportunities)
    assert any(organisation.names[services['portal']] in item and "converted" in item for item in opportunities)

    # the tiles say what the portfolio API said
    tiles = dict(zip(await page.locator(".tile .label").all_text_contents(),
                     await page.locator(".tile .value").all_text_contents(), strict=True))
    assert tiles["Services"] == str(data["portfolio"]["services"]) and int(tiles["Services"]) >= len(services)
    assert tiles["Projects"] == str(data["portfolio"]["projects"])

    # ranked by MTTR instead: longest first, the list, the charts and the API agree
    await page.select_option("#rank-by", "mttr")
    await page.locator("body[data-state='ready'][data-ranked-by^='mttr/']").wait_for(state="attached",
                                                                                     timeout=30_000)
    shown = await rendered(page)
    by_mttr = shown["data"]["ranking"]
    values = [item["ranked_by"]["value"] and Decimal(item["ranked_by"]["value"]) for item in by_mttr["items"]]
    known = [v for v in values if v is not None]
    assert by_mttr["by"] == "mttr" and known and known == sorted(known, reverse=True)
    assert values == known + [None] * (len(values) - len(known))  # services without a resolution come last
    assert [item["mttr_minutes"] for item in by_mttr["items"]] == [item["ranked_by"] for item in by_mttr["items"]]
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        api = (await client.get("/kpis/top-services", headers={"Authorization": f"Bearer {token}"},
                                params={"by": "mttr", "limit": 50, "window": 30,
                                        "as_of": by_mttr["window"]["end"]})).json()
    assert [i["service_id"] for i in api["items"]] == [i["service_id"] for i in by_mttr["items"]]
    await assert_charts_show_the_ranking(page, shown)

    # offline and discreet: only this origin, the token in no URL (the fragment is gone), no errors (CSP included)
    assert all(url.startswith(f"{base}/") for url in requested), requested
    assert not any(token in url for url in requested[1:]) and token not in page.url
    assert problems == []


async def assert_charts_show_the_ranking(page, shown: dict) -> None:
    """The ranked list and every service chart show the ranking's services, in its order, and no other."""
    items = shown["data"]["ranking"]["items"]
    names = [item["name"] or f"Service {item['service_id'][:8]}" for item in items]
    listed = await page.locator("#ranking li").all()
    assert [await item.get_attribute("data-service-id") for item in listed] == [i["service_id"] for i in items]
    assert [await item.locator("span").first.inner_text() for item in listed] == names
    charts = shown["charts"]
    assert [d["label"] for d in charts["incidents"]["datasets"]] == names
    assert [d["label"] for d in charts["mttr"]["datasets"]] == names
    assert charts["sla"]["labels"] == names


async def test_metrics_svc_exports_the_age_of_its_projections(running_system, organisation):
    """After the seeding, metrics-svc's /metrics has a fresh projection age for each topic it consumes."""
    async with httpx.AsyncClient(base_url=urls(running_system)["metrics-svc"]) as client:
        text = (await client.get("/metrics")).text
    ages = {s.labels["topic"]: s.value for family in text_string_to_metric_families(text)
            if family.name == "continuum_projection_age_seconds" for s in family.samples}
    topics = {"continuum.service.events", "continuum.project.events", "continuum.handover.events"}
    assert topics <= set(ages) and all(0 <= ages[topic] < 600 for topic in topics), ages


async def test_without_a_token_the_page_asks_for_one_and_takes_a_pasted_one(running_system, organisation, browser,
                                                                            issue_token):
    base = urls(running_system)["metrics-svc"]
    page, _, _ = await open_dashboard(browser, base)
    await page.locator("body[data-state='signed-out']").wait_for(state="attached")
    assert await page.locator("#sign-in").is_visible() and not await page.locator("#board").is_visible()
    await page.fill("#token-input", "not-a-token")
    await page.click("#token-form button")
    await page.locator("#sign-in-notice", has_text="refused").wait_for()
    assert await page.locator("#sign-in").is_visible()
    await page.fill("#token-input", issue_token("sponsor"))
    await page.click("#token-form button")
    await page.locator("body[data-state='ready']").wait_for(state="attached", timeout=30_000)
    assert await page.locator("#board").is_visible()


async def test_the_sponsor_sees_the_success_scorecard_of_their_projects_and_a_viewer_none(
        running_system, organisation, browser, issue_token):
    """The expanded view's columns (issue #18): the demo's sponsor sees a row per project, each of the six cells
    the state (or figure) the scorecard API gives; a viewer, who sponsors nothing, sees no row."""
    base = urls(running_system)["metrics-svc"]
    sponsor = issue_token("sponsor", subject="alice")
    page, _, problems = await open_dashboard(browser, base, sponsor)
    await page.locator("body[data-state='ready']").wait_for(state="attached", timeout=30_000)
    closed = organisation.projects["closed"]
    row = await page.locator(f"#success tr[data-project-id='{closed}'] td").all_inner_texts()
    states = await page.locator(f"#success tr[data-project-id='{closed}'] td[data-state]").evaluate_all(
        "cells => cells.map(cell => cell.dataset.state)")
    async with httpx.AsyncClient(base_url=base) as client:
        card = (await client.get(f"/kpis/projects/{closed}/success",
                                 headers={"Authorization": f"Bearer {sponsor}"})).json()
    by_name = {d["dimension"]: d for d in card["dimensions"]}
    order = ["scope", "time", "cost", "quality", "stakeholders", "value"]
    assert states == [by_name[name]["state"] for name in order]
    assert by_name["scope"]["state"] == "known" and row[1] not in ("not yet known", "n/a")  # its milestones
    known = sum(1 for name in order if by_name[name]["state"] != "not_yet_known")
    assert row[0] == organisation.names[closed] and row[-1] == f"{known}/6"
    assert not problems

    viewer_page, _, _ = await open_dashboard(browser, base, issue_token("viewer", subject="dashboard-test"))
    await viewer_page.locator("body[data-state='ready']").wait_for(state="attached", timeout=30_000)
    assert await viewer_page.locator("#success tbody tr").count() == 0
