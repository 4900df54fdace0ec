"""The loop benchmark (`make loopbench`): does the improvement loop find systemic regressions, not noise, and
judge the benefits of the projects delivered for them?

For each seed, a ground truth of services is generated (tests/perf/loop_truth.py: base rates 0.1–10 a day,
1–5 categories, weekly seasonality, overdispersion, holidays, benign growth, one-day bursts, step and gradual
regressions in one category, services with little history) and imported day by day **through the real APIs** of
a real stack (PostgreSQL, Kafka, the four services as processes): each incident a `POST /incidents` with
`occurred_at`. When metrics-svc raises an opportunity for a regressed service, the importer delivers the project
that project-svc proposed for it (charter, plan, closing, handover accepted) for some of them, and from the
acceptance on the category returns to its base rate for half of those ("fixed") and stays regressed for the
others; the loop's verdicts are read back over HTTP. The opportunities metrics-svc raised are read back over
HTTP and scored against the truth, beside two detectors run on the same streams in the same invocation: a plain
reference (a Poisson tail test, last 7 days against the 28 before, at least 3 distinct days) and the loop's
own method evaluated offline (which shows what the pipeline adds or loses: arrival order, replicas).

    python -m tests.perf.loopbench [--seeds 1 2 3] [--services 40] [--days 180] [--replicas 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import httpx

from continuum.config import AuthSettings, KafkaSettings
from continuum.http.auth import issue_dev_token
from continuum.operations import discover_services, prepare_databases
from continuum_dev.stack import Infrastructure, ServiceProcesses
from continuum_dev.testing.plugin import free_port
from tests.perf.end_to_end import _drop_databases, clean_kafka
from tests.perf.loop_truth import Truth, generate, method_offline, oracle_cusum, plain_reference, poisson_copy

ROOT = Path(__file__).parents[2]
IN_FLIGHT = 24
CRITERIA = ["documentation-complete", "support-team-trained", "knowledge-base-populated", "monitoring-in-place",
            "runbooks-and-escalation-contacts", "early-life-support-period-agreed", "known-errors-documented",
            "sla-defined", "service-owner-named"]
DELIVERY_DAYS = 21  # from the first look at an opportunity to its handover's acceptance, in business time


@dataclass
class Score:
    precision: float
    recall: float
    median_delay_days: float
    false_alarms_per_service_year: float
    detections: int
    true: int
    false: int
    repeats: int
    regressed: int
    stated_delay_days: float = math.nan  # steps of at least the size the method states (f ≥ 2.5, e ≥ 1)
    verdict_accuracy: float | None = None
    verdicts: dict[str, int] = field(default_factory=dict)


def score(truth: Truth, detections: list[tuple[str, str | None, datetime]]) -> Score:
    """Each detection (service, category, day it was raised) against the truth: the first one in the regressed
    category on or after the shift's first day is a true detection; a later one of the same regression a repeat
    (after a lapse); anything else a false alarm."""
    found: dict[str, datetime] = {}
    true = false = repeats = 0
    for service_id, category, at in sorted(detections, key=lambda d: d[2]):
        service = truth.services[service_id]
        shift = service.shift_start
        if service.regression is not None and category == service.regression.category and shift <= at:
            if service_id in found:
                repeats += 1
            else:
                found[service_id], true = at, true + 1
        else:
            false += 1
    regressed = [s for s in truth.services.values() if s.regression is not None]
    delays = [(found[s.id] - s.shift_start) / timedelta(days=1) for s in regressed if s.id in found]
    years = sum(s.judged_days for s in truth.services.values()) / 365
    stated = [(found[s.id] - s.shift_start) / timedelta(days=1) for s in regressed if s.id in found
              and s.regression.ramp_days == 0 and s.regression.factor >= 2.5 and s.regression.extra >= 1]
    return Score(precision=true / (true + false) if true + false else math.nan,
                 recall=len(found) / len(regressed) if regressed else math.nan,
                 median_delay_days=statistics.median(delays) if delays else math.nan,
                 false_alarms_per_service_year=false / years, detections=len(detections), true=true, false=false,
                 repeats=repeats, regressed=len(regressed),
                 stated_delay_days=statistics.median(stated) if stated else math.nan)


class Importer:
    """Imports the truth day by day through the APIs and delivers projects for detected regressions."""

    def __init__(self, base: dict[str, str], token: str, truth: Truth) -> None:
        self.base, self.truth = base, truth
        self.headers = {"Authorization": f"Bearer {token}"}
        self.seen: dict[str, dict] = {}
        self.deliveries: dict[str, dict] = {}  # service id → {opportunity, project, accept_at, ...}
        self.sent = self.errors = 0

    async def run(self) -> None:
        async with aiohttp.ClientSession(headers=self.headers) as self.session:
            await self.register()
            started = time.monotonic()
            for day in range(self.truth.days):
                await self.send_day(day)
                if day % 2 == 1:
                    await self.look(day)
                await self.deliver_due(day)
                if day % 30 == 29:
                    rate = self.sent / (time.monotonic() - started)
                    print(f"[loopbench]   day {day + 1}/{self.truth.days}: {self.sent} incidents sent "
                          f"({rate:.0f}/s), {len(self.seen)} opportunities seen, {len(self.deliveries)} projects "
                          f"delivered", file=sys.stderr)

    async def register(self) -> None:
        for service in self.truth.services.values():
            body = {"name": service.name, "description": "loopbench", "demanded_by": "bench",
                    "expected_volume": "varies", "owner": "importer", "occurred_at": _iso(self.truth.start - timedelta(days=1))}
            created = (await self.http.post(f"{self.base['service-svc']}/services", json=body)).raise_for_status()
            service.id_in_stack = created.json()["id"]
            url = f"{self.base['service-svc']}/services/{service.id_in_stack}"
            for n, stage in enumerate(("design", "transition")):  # its handover puts it in operation
                await self._ok(self.http.post(f"{url}/change-stage", json={
                    "to_stage": stage, "reason": "bench", "occurred_at": _iso(self.truth.start - timedelta(hours=20 - n))}))
        self.truth.index_by_stack_id()

    async def send_day(self, day: int) -> None:
        incidents = self.truth.day(day, fixed=lambda s, at: self.fixed(s, at))
        limiter = asyncio.Semaphore(IN_FLIGHT)

        async def send(service_id: str, category: str, at: datetime) -> None:
            body = {"service_id": service_id, "priority": "P3", "category": category, "title": f"{category} alert",
                    "outage": False, "detected_at": _iso(at), "occurred_at": _iso(at)}
            async with limiter:
                async with self.session.post(f"{self.base['service-svc']}/incidents", json=body) as response:
                    self.sent += 1
                    if response.status != 201:
                        self.errors += 1
                        if self.errors < 5:
                            print(f"[loopbench] POST /incidents {response.status}: {await response.text()}",
                                  file=sys.stderr)

        await asyncio.gather(*(send(s, c, at) for s, c, at in incidents))

    def fixed(self, service_id: str, at: datetime) -> bool:
        delivery = self.deliveries.get(service_id)
        return delivery is not None and delivery["fix"] and delivery.get("accepted_at") is not None and \
            at >= delivery["accepted_at"]

    async def look(self, day: int) -> None:
        """New opportunities: for a regressed service planned for delivery, the project starts now."""
        for item in await self._all("metrics-svc", "/opportunities"):
            if item["id"] in self.seen or item["state"] != "open":
                continue
            self.seen[item["id"]] = item
            service = self.truth.by_stack_id.get(item["service_id"])
            if service is None or service.regression is None or not service.deliver:
                continue
            if item.get("category") != service.regression.category or item["service_id"] in self.deliveries:
                continue
            now = self.truth.start + timedelta(days=day + 1)
            self.deliveries[item["service_id"]] = {"opportunity": item["id"], "fix": service.fix, "started": now,
                                                   "accept_day": day + DELIVERY_DAYS}
            await self.start_project(item, now)

    async def start_project(self, opportunity: dict, now: datetime) -> None:
        project = await self._eventually(lambda: self._project_for(opportunity["id"]))
        delivery = self.deliveries[opportunity["service_id"]]
        delivery["project"] = project["id"]
        url, at = f"{self.base['project-svc']}/projects/{project['id']}", lambda h: {"occurred_at": _iso(now + timedelta(hours=h))}
        if project["state"] != "proposed":  # the opportunity lapsed or was dismissed meanwhile
            del self.deliveries[opportunity["service_id"]]
            return
        charter = {"goal": "Fix it", "scope_statement": "The root cause", "budget_at_completion": "1000.00",
                   "planned_start": now.date().isoformat(), "planned_end": (now + timedelta(days=20)).date().isoformat(),
                   "team": {"sponsor": "importer", "project_manager": "importer", "members": []}, **at(1)}
        await self._ok(self.http.post(f"{url}/approve-charter", json=charter))
        await self._ok(self.http.post(f"{url}/start-planning", json=at(2)))
        milestone = {"name": "fix", "planned_date": (now + timedelta(days=10)).date().isoformat(),
                     "planned_value": "1000.00", **at(3)}
        added = await self._ok(self.http.post(f"{url}/milestones", json=milestone))
        delivery["milestone"] = added.headers["Location"].rsplit("/", 1)[1]
        await self._ok(self.http.post(f"{url}/baseline", json=at(4)))

    async def deliver_due(self, day: int) -> None:
        """Projects whose handover is due today: closing, criteria, acceptance at today's business time."""
        for service_id, delivery in self.deliveries.items():
            if delivery.get("accepted_at") is not None or delivery["accept_day"] != day or "milestone" not in delivery:
                continue
            base = self.truth.start + timedelta(days=day)
            at = lambda h: {"occurred_at": _iso(base + timedelta(hours=h))}  # noqa: E731
            url = f"{self.base['project-svc']}/projects/{delivery['project']}"
            await self._ok(self.http.post(f"{url}/milestones/{delivery['milestone']}/complete",
                                          json={"actual_date": base.date().isoformat(), **at(1)}))
            await self._ok(self.http.post(f"{url}/enter-closing", json=at(2)))
            handover = await self._eventually(lambda: self._handover_for(delivery["project"]))
            hurl = f"{self.base['handover-svc']}/handovers/{handover['id']}"
            for n, key in enumerate(CRITERIA):
                body = {"evidence": f"https://wiki.example.com/{key}", **at(3 + n / 10)}
                if key == "early-life-support-period-agreed":
                    body["early_life_support_days"] = 14
                met = await self.http.post(f"{hurl}/criteria/{key}/meet", json=body)
                if met.status_code >= 400:  # ticked from service events, or not to be met by hand: waived
                    await self.http.post(f"{hurl}/criteria/{key}/waive",
                                         json={"justification": "bench: not applicable", **at(3 + n / 10)})
            await self._ok(self.http.post(f"{hurl}/accept", json=at(4)))
            delivery["accepted_at"] = base + timedelta(hours=4)

    async def _project_for(self, opportunity_id: str) -> dict | None:
        for item in await self._all("project-svc", "/projects", {"origin": "improvement_opportunity"}):
            if item.get("opportunity_id") == opportunity_id:
                return item
        return None

    async def _handover_for(self, project_id: str) -> dict | None:
        page = (await self.http.get(f"{self.base['handover-svc']}/handovers", params={"project_id": project_id})).json()
        return page["items"][0] if page["items"] else None

    async def _all(self, service: str, path: str, params: dict | None = None) -> list[dict]:
        items, cursor = [], None
        while True:
            query = {"limit": 200, **(params or {}), **({"cursor": cursor} if cursor else {})}
            page = (await self.http.get(f"{self.base[service]}{path}", params=query)).raise_for_status().json()
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    async def _eventually(self, probe, timeout_s: float = 60):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = await probe()
            if found:
                return found
            await asyncio.sleep(0.3)
        raise TimeoutError("the stack did not answer in time")

    @staticmethod
    async def _ok(request) -> httpx.Response:
        response = await request
        if response.status_code >= 400:
            raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
        return response


async def run_seed(infra: Infrastructure, *, seed: int, services: int, days: int, replicas: int, tmp: Path,
                   debug: bool = False) -> dict:
    truth = generate(seed=seed, services=services, days=days)
    kafka = KafkaSettings(bootstrap_servers=infra.kafka_bootstrap_servers)
    entries = discover_services()
    await clean_kafka(kafka)
    await _drop_databases(infra.database_url, [s.spec.database for s in entries])
    await asyncio.to_thread(prepare_databases, infra.database_url, entries)
    auth = AuthSettings(dev_signing_key_path=tmp / "loopbench-key.pem")
    token = issue_dev_token(auth, subject="importer", roles=["service_owner", "support_agent", "project_manager",
                                                             "sponsor", "integration"], ttl_s=24 * 3600)
    environment = {"DATABASE_URL": infra.database_url, "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
                   "AUTH__DEV_SIGNING_KEY_PATH": str(auth.dev_signing_key_path), "BENEFITS__CHECK_INTERVAL_S": "5"}
    processes = [ServiceProcesses(services=entries, environment=environment,
                                  ports={s.spec.name: free_port() for s in entries})]
    metrics = [s for s in entries if s.spec.name == "metrics-svc"]
    processes += [ServiceProcesses(services=metrics, environment=environment, ports={"metrics-svc": free_port()})
                  for _ in range(replicas - 1)]
    for group in processes:
        await asyncio.to_thread(group.start)
    started = time.monotonic()
    try:
        base = {s.spec.name: f"http://127.0.0.1:{processes[0].port(s)}" for s in entries}
        importer = Importer(base, token, truth)
        async with httpx.AsyncClient(headers=importer.headers, timeout=60) as importer.http:
            await importer.run()
            await settle(importer)
            opportunities = await importer._all("metrics-svc", "/opportunities")
        if debug:
            for o in sorted(opportunities, key=lambda o: (o["service_id"], o["detected_at"])):
                t = truth.by_stack_id[o["service_id"]]
                print(f"[loopbench] {t.id} {o['category']} {o['state']} detected {o['detected_at'][:10]} closed "
                      f"{(o.get('closed_at') or '')[:10]} deliver {t.deliver} fix {t.fix} truth {t.regression}",
                      file=sys.stderr)
    finally:
        for group in processes:
            await asyncio.to_thread(group.stop)
    seconds = time.monotonic() - started
    detections = [(o["service_id"], o.get("category"), datetime.fromisoformat(o["detected_at"]))
                  for o in opportunities if o["rule"] == "recurring_incidents"]
    other_rules = [o for o in opportunities if o["rule"] != "recurring_incidents"]
    stack = score(truth, [(truth.by_stack_id[s].id, c, at) for s, c, at in detections])
    stack.false += len(other_rules)
    stack.verdict_accuracy, stack.verdicts = verdicts(truth, importer, opportunities)
    sent = truth.sent_streams()
    if debug:
        stack_first = {}
        for service, category, at in detections:
            key = (truth.by_stack_id[service].id, category)
            stack_first[key] = min(at, stack_first.get(key, at))
        for service, category, at in method_offline(sent):
            if stack_first.get((service, category)) != at:
                print(f"[loopbench] differs: {service} {category} offline {at.date()} stack "
                      f"{stack_first.get((service, category))} truth {truth.services[service].regression}",
                      file=sys.stderr)
    return {"seed": seed, "replicas": replicas, "stack": stack, "reference": score(truth, plain_reference(sent)),
            "offline": score(truth, method_offline(sent)), "incidents": importer.sent, "errors": importer.errors,
            "seconds": seconds, "lapsed": sum(1 for o in opportunities if o["state"] == "lapsed"),
            "order_mismatches": order_mismatches(truth, detections, method_offline(sent))}


async def settle(importer: Importer, quiet_s: float = 20, timeout_s: float = 600) -> None:
    """Wait until metrics-svc's opportunities stop changing (its consumer has caught up and judged the days)."""
    last, since, deadline = None, time.monotonic(), time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = await importer._all("metrics-svc", "/opportunities")
        state = sorted((o["id"], o["state"]) for o in items)
        if state != last:
            last, since = state, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        await asyncio.sleep(2)


def verdicts(truth: Truth, importer: Importer, opportunities: list[dict]) -> tuple[float | None, dict[str, int]]:
    """The verdict for each delivered project against its truth: fixed → realized, left regressed → not."""
    by_id = {o["id"]: o for o in opportunities}
    counts: dict[str, int] = {}
    right = 0
    for delivery in importer.deliveries.values():
        if delivery.get("accepted_at") is None:
            continue
        state = by_id.get(delivery["opportunity"], {}).get("state", "missing")
        counts[state] = counts.get(state, 0) + 1
        right += state == ("benefits_realized" if delivery["fix"] else "benefits_not_realized")
    judged = sum(counts.values())
    return (right / judged if judged else None), counts


def order_mismatches(truth: Truth, stack: list, offline: list) -> int:
    """First detections per (service, category) whose day differs between the stack and the offline method."""
    def firsts(rows):
        seen: dict[tuple, datetime] = {}
        for service, category, at in rows:
            key = (service, category)
            seen[key] = min(at, seen.get(key, at))
        return seen

    a = firsts([(truth.by_stack_id[s].id, c, at) for s, c, at in stack])
    b = firsts(offline)
    return sum(1 for key in set(a) | set(b) if a.get(key) != b.get(key))


def render(results: list[dict]) -> str:
    rows = ["| seed | replicas | detector | precision | recall | median delay (days) | false alarms / service-year |"
            " delay, steps of the stated size | detections (true / false / repeats) | verdict accuracy |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for name in ("stack", "offline", "reference"):
            s: Score = r[name]
            label = {"stack": "the loop, through the stack", "offline": "the loop's method, offline",
                     "reference": "plain reference (Poisson 7 vs 28 days)"}[name]
            verdict = "" if s.verdict_accuracy is None else f"{s.verdict_accuracy:.2f} {s.verdicts}"
            rows.append(f"| {r['seed']} | {r['replicas']} | {label} | {s.precision:.3f} | {s.recall:.3f} | "
                        f"{s.median_delay_days:.1f} | {s.false_alarms_per_service_year:.3f} | {s.stated_delay_days:.1f} | "
                        f"{s.detections} ({s.true} / {s.false} / {s.repeats}) | {verdict} |")
    summary = []
    for name in ("stack", "reference"):
        scores = [r[name] for r in results]
        summary.append(f"- {name}: precision {_mean(s.precision for s in scores):.3f}, recall "
                       f"{_mean(s.recall for s in scores):.3f}, median delay "
                       f"{statistics.median([s.median_delay_days for s in scores]):.1f} days, false alarms "
                       f"{_mean(s.false_alarms_per_service_year for s in scores):.3f} per service-year")
    accuracy = [r["stack"].verdict_accuracy for r in results if r["stack"].verdict_accuracy is not None]
    if accuracy:
        summary.append(f"- verdict accuracy (stack): {_mean(accuracy):.2f}")
    summary += [f"- seed {r['seed']} × {r['replicas']} replica(s): {r['incidents']} incidents imported "
                f"({r['errors']} refused) in {r['seconds']:.0f} s; {r['lapsed']} lapsed; first detections differing "
                f"from the offline method: {r['order_mismatches']}" for r in results]
    return "\n".join(rows + [""] + summary)


ORACLE_THRESHOLDS = (6.0, 7.0, 8.0)


def bound(seeds: list[int], services: int, days: int) -> str:
    """The information bound on the same services: on their plain Poisson copies (no overdispersion, no bursts),
    the oracle CUSUM that knows every true rate, at several thresholds, beside the loop's method and the plain
    reference on the same copies. A delay the oracle cannot reach at a precision is out of reach for any detector
    that must learn the rates from the history."""
    truths = [poisson_copy(seed=seed, services=services, days=days) for seed in seeds]
    detectors = [(f"oracle CUSUM, h = {h:g}", lambda t, h=h: oracle_cusum(t, h)) for h in ORACLE_THRESHOLDS]
    detectors += [("the loop's method, offline", lambda t: method_offline(t.sent_streams())),
                  ("plain reference (Poisson 7 vs 28 days)", lambda t: plain_reference(t.sent_streams()))]
    rows = ["| detector (Poisson copies, seeds pooled) | precision | recall | median delay (days, median of the seeds) | "
            "false alarms / service-year |", "|---|---|---|---|---|"]
    for label, detect in detectors:
        s = pooled([score(t, detect(t)) for t in truths])
        rows.append(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['delay']:.1f} | {s['fa']:.3f} |")
    return "\n".join(rows)


def pooled(scores: list[Score]) -> dict[str, float]:
    """Precision and recall over the pooled detections of several seeds; the median of the seeds' delays."""
    true, false = sum(s.true for s in scores), sum(s.false for s in scores)
    found = sum(round(s.recall * s.regressed) for s in scores)
    return {"precision": true / (true + false) if true + false else math.nan,
            "recall": found / sum(s.regressed for s in scores),
            "delay": statistics.median([s.median_delay_days for s in scores]),
            "fa": _mean(s.false_alarms_per_service_year for s in scores)}


def _mean(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def _iso(moment: datetime) -> str:
    return moment.isoformat()


MARK_START, MARK_END = "<!-- loopbench:start -->", "<!-- loopbench:end -->"


def record(table: str, output: Path, args: argparse.Namespace) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    section = (f"{MARK_START}\n## The loop benchmark (`make loopbench`)\n\nSeeds {args.seeds}, {args.services} services × "
               f"{args.days} days each, replicas {args.replicas}; commit {commit.strip()}; written by "
               f"tests/perf/loopbench.py.\n\n{table}\n{MARK_END}")
    text = output.read_text() if output.exists() else "# Benchmarks\n"
    if MARK_START in text:
        head, _, rest = text.partition(MARK_START)
        text = head + section + rest.partition(MARK_END)[2]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    output.write_text(text)


async def main_async(args: argparse.Namespace) -> str:
    infra = Infrastructure(state_dir=ROOT / ".run" / "loopbench", postgres_port=free_port(), kafka_port=free_port(),
                           controller_port=free_port(), durable=False)
    await asyncio.to_thread(infra.start)
    results = []
    try:
        for seed in args.seeds:
            for replicas in args.replicas:
                print(f"[loopbench] seed {seed}, {replicas} metrics-svc replica(s) ...", file=sys.stderr)
                results.append(await run_seed(infra, seed=seed, services=args.services, days=args.days,
                                              replicas=replicas, tmp=ROOT / ".run" / "loopbench", debug=args.debug))
                print(render(results[-1:]), file=sys.stderr)
    finally:
        await asyncio.to_thread(infra.stop)
    print("[loopbench] the information bound on Poisson copies of the same services ...", file=sys.stderr)
    return (render(results) + "\n\n### The information bound\n\n" + bound(args.seeds, args.services, args.days))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--services", type=int, default=40)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--replicas", type=int, nargs="*", default=[1], help="metrics-svc replicas, one run each")
    parser.add_argument("--debug", action="store_true", help="list every opportunity beside its truth")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--bound-only", action="store_true", help="only the offline information bound (no stack)")
    args = parser.parse_args()
    if args.bound_only:
        print(bound(args.seeds, args.services, args.days))
        return
    table = asyncio.run(main_async(args))
    print(table)
    record(table, args.output, args)


if __name__ == "__main__":
    main()
