// The Continuum KPI dashboard: every figure comes from metrics-svc's authenticated read APIs.
// The token comes from the URL fragment (#token=..., never sent to a server) or the paste box, and stays in
// this tab's sessionStorage; it goes out only as the Authorization header of same-origin API calls.
"use strict";

(() => {
  const TOKEN_KEY = "continuum.dashboard.token";
  const TREND_WEEKS = 12;
  const REFRESH_MS = 60_000;
  const TONE_COLOURS = { good: "#1f9d63", warn: "#d98b00", bad: "#d23c3c" };
  const PALETTE = ["#3556d4", "#e07a1f", "#1f9d63", "#c2389b", "#0e9bb5", "#8a5cd1", "#b5a00e", "#d23c3c"];
  const OPPORTUNITY_STATES = {
    open: "warn", converted: "", measuring: "", dismissed: "",
    benefits_realized: "good", benefits_not_realized: "bad",
  };

  // Tests and curious people read the rendered charts' data here (continuumDashboard.charts.<name>.data).
  const dashboard = { charts: {}, data: {}, names: {}, window: 30, project: null, rankBy: "incident_rate", top: 10 };
  window.continuumDashboard = dashboard;

  const $ = (id) => document.getElementById(id);
  const short = (id) => (id ? String(id).slice(0, 8) : "—");
  // names come with the KPI lists; an id metrics has not seen a name for shows as its short form
  const serviceName = (id) => dashboard.names[id] || `Service ${short(id)}`;
  const projectName = (id) => dashboard.names[id] || `Project ${short(id)}`;
  const day = (iso) => new Date(iso).toISOString().slice(0, 10);
  // figures arrive as decimal text (api-conventions: decimals as strings): num() reads one, null stays null
  const num = (text) => (text == null ? null : Number(text));
  const money = (n) => (n == null ? "—" : Math.round(Number(n)).toLocaleString("en-US"));
  const fixed = (n, digits = 2) => (n == null ? "—" : Number(n).toFixed(digits));
  const pct = (n, digits = 1) => (n == null ? "—" : `${Number(n).toFixed(digits)} %`);

  const RANKED_BY = {
    incident_rate: ["incident rate", (v) => `${v} incident(s)`],
    mttr: ["MTTR", (v) => `${fixed(num(v) / 60, 1)} h`],
    sla_compliance: ["SLA compliance", (v) => pct(v)],
    availability: ["availability", (v) => pct(v, 3)],
    csat: ["CSAT", (v) => pct(v)],
  };

  class SignedOut extends Error {}

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function takeTokenFromFragment() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const given = fragment.get("token");
    if (given) {
      sessionStorage.setItem(TOKEN_KEY, given.trim());
      history.replaceState(null, "", location.pathname + location.search); // out of the address bar and history
    }
  }

  function show(part) {
    $("sign-in").hidden = part !== "sign-in";
    $("board").hidden = part !== "board";
    $("controls").hidden = part !== "board";
  }

  function signOut(notice) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("sign-in-notice").textContent = notice || "";
    show("sign-in");
    document.body.dataset.state = "signed-out";
  }

  async function api(path) {
    const response = await fetch(path, {
      headers: { Authorization: `Bearer ${token()}`, Accept: "application/json" },
      cache: "no-store",
    });
    if (response.status === 401) {
      signOut("The token was refused (expired or not for this system): paste another one.");
      throw new SignedOut();
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(`${path}: ${response.status} ${problem.detail || problem.title || response.statusText}`);
    }
    return response.json();
  }

  async function everyItem(path) {
    const items = [];
    let cursor = null;
    do {
      const separator = path.includes("?") ? "&" : "?";
      const page = await api(`${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  function chart(name, config) {
    const existing = dashboard.charts[name];
    if (existing) existing.destroy();
    dashboard.charts[name] = new Chart($(`chart-${name}`), config);
  }

  // people who ask their system for reduced motion get charts drawn at once (and so do screenshots)
  const calm = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function lineOptions(yTitle, extra = {}) {
    return {
      responsive: true, maintainAspectRatio: false, animation: calm() ? false : { duration: 300 },
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } }, ...extra },
    };
  }

  function tile(label, value, hint, tone = "") {
    const element = document.createElement("div");
    element.className = `tile ${tone}`;
    element.dataset.kpi = label;
    for (const [cls, text] of [["label", label], ["value", value], ["hint", hint]]) {
      const part = document.createElement("div");
      part.className = cls;
      part.textContent = text;
      element.append(part);
    }
    return element;
  }

  function tone(value, good, warn) {
    if (value == null) return "";
    return value >= good ? "good" : value >= warn ? "warn" : "bad";
  }

  function renderTiles(portfolio) {
    const [pv, ev, ac] = [num(portfolio.pv), num(portfolio.ev), num(portfolio.ac)];
    const spi = pv ? ev / pv : null;
    const cpi = ac ? ev / ac : null;
    const loop = portfolio.loop;
    $("tiles").replaceChildren(
      tile("Services", String(portfolio.services), "with incidents or an SLA"),
      tile("Incidents", String(portfolio.incidents), `opened in the last ${portfolio.window.days} days`),
      tile("Projects", String(portfolio.projects), `PV ${money(portfolio.pv)} · EV ${money(portfolio.ev)}`),
      tile("Portfolio SPI", fixed(spi), "EV / PV, all projects", tone(spi, 0.95, 0.85)),
      tile("Portfolio CPI", fixed(cpi), `EV / AC · AC ${money(portfolio.ac)}`, tone(cpi, 0.95, 0.85)),
      tile("Handovers", `${portfolio.handovers_accepted} / ${portfolio.handovers}`,
        `accepted · ${portfolio.handovers_rejected} rejection(s)`),
      tile("Opportunities", String(loop.opportunities_detected), `${loop.converted_to_projects} turned into projects`),
      tile("Benefits realised", pct(loop.benefits_realized_pct, 0),
        `${loop.benefits_realized} of ${loop.benefits_measured} measured`,
        tone(num(loop.benefits_realized_pct), 75, 50)),
    );
  }

  // A service, project or handover whose facts could not all be used is still shown; say what is missing and why.
  function renderCaveats(portfolio) {
    const problems = portfolio.problems || [];
    const name = (problem) => (problem.kind === "service" ? serviceName(problem.id)
      : problem.kind === "project" ? projectName(problem.id) : `handover ${problem.id.slice(0, 8)}`);
    $("caveats-summary").textContent =
      `${problems.length} figure(s) or fact(s) could not be used: the rest of the board is unaffected`;
    $("caveats-list").replaceChildren(...problems.map((problem) => {
      const item = document.createElement("li");
      item.textContent = `${problem.kind} ${name(problem)}: ${problem.figure ? `${problem.figure} — ` : ""}` +
        problem.reason;
      return item;
    }));
    $("caveats").hidden = problems.length === 0;
  }

  // One service's trend that cannot be read (e.g. gone since the list was read) leaves its lines empty.
  function weeklyOf(service) {
    return api(`kpis/services/${service.service_id}/weekly?weeks=${TREND_WEEKS}`).catch((error) => {
      if (error instanceof SignedOut) throw error;
      return { service_id: service.service_id, weeks: [], problems: [{ reason: error.message }] };
    });
  }

  function serviceDatasets(services, weekly, value) {
    return services.map((service, index) => ({
      label: serviceName(service.service_id),
      data: weekly[index].weeks.map(value),
      borderColor: PALETTE[index % PALETTE.length],
      backgroundColor: `${PALETTE[index % PALETTE.length]}33`,
      tension: 0.25, spanGaps: true, pointRadius: 3,
    }));
  }

  // The services the charts show: the first places of the ranking by the chosen KPI, not a legend of every service.
  function renderRanking(ranking) {
    const [label, shown] = RANKED_BY[ranking.by];
    $("ranking-caption").textContent = `top ${ranking.items.length} of ${ranking.ranked} by ${label} ` +
      `(${ranking.order} first), last ${ranking.window.days} days`;
    $("ranking").replaceChildren(...ranking.items.map((service) => {
      const item = document.createElement("li");
      item.dataset.serviceId = service.service_id;
      const name = document.createElement("span");
      name.textContent = serviceName(service.service_id);
      const figure = document.createElement("span");
      figure.className = "figure";
      figure.textContent = service.ranked_by.value == null ? "—" : shown(service.ranked_by.value);
      item.append(name, figure);
      return item;
    }));
  }

  function renderServices(services, weekly) {
    const longest = weekly.reduce((best, series) => (series.weeks.length > best.length ? series.weeks : best), []);
    const labels = longest.map((week) => day(week.start));
    chart("incidents", {
      type: "bar",
      data: { labels, datasets: serviceDatasets(services, weekly, (week) => week.incidents)
        .map((set) => ({ ...set, backgroundColor: set.borderColor, borderRadius: 3 })) },
      options: { ...lineOptions("incidents opened"),
        scales: { x: { stacked: true, title: { display: true, text: "week starting" } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 },
            title: { display: true, text: "incidents opened" } } } },
    });
    chart("mttr", {
      type: "line",
      data: { labels, datasets: serviceDatasets(services, weekly,
        (week) => (week.mttr_minutes.value == null ? null : Math.round(num(week.mttr_minutes.value) / 6) / 10)) },
      options: lineOptions("hours to resolve"),
    });
    const compliance = services.map((service) => num(service.sla_compliance_pct.value));
    $("sla-window").textContent = `incidents opened in the last ${dashboard.window} days that met their SLA`;
    chart("sla", {
      type: "bar",
      data: {
        labels: services.map((service) => serviceName(service.service_id)),
        datasets: [{
          label: "SLA compliance %",
          data: compliance.map((value) => (value == null ? null : Math.round(value * 10) / 10)),
          backgroundColor: compliance.map((value) => TONE_COLOURS[tone(value, 95, 80)] || "#aab2c8"),
          borderRadius: 6,
        }],
      },
      options: { ...lineOptions("% met"), plugins: { legend: { display: false } },
        scales: { y: { min: 0, max: 100, title: { display: true, text: "% met" } } } },
    });
  }

  function renderProjectTable(projects) {
    const rows = projects.map((project) => {
      const row = document.createElement("tr");
      row.dataset.projectId = project.project_id;
      if (project.project_id === dashboard.project) row.className = "selected";
      const cells = [projectName(project.project_id), project.origin.replaceAll("_", " "), money(project.bac),
        money(project.pv), money(project.ev), money(project.ac), fixed(project.spi), fixed(project.cpi),
        money(project.eac)];
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      row.addEventListener("click", () => selectProject(project.project_id).catch(showError));
      return row;
    });
    $("projects").tBodies[0].replaceChildren(...rows);
  }

  const DIMENSIONS = ["scope", "time", "cost", "quality", "stakeholders", "value"];
  const UNITS = { days: " days", currency: "", pct_milestones_completed: " % delivered", pct_sla_compliance: " % SLA",
    pct_csat: " % CSAT" };

  function successCell(cell) {
    if (cell.state === "not_yet_known") return "not yet known";
    if (cell.state === "not_applicable") return "n/a";
    if (cell.figure == null) return "known";
    const unit = cell.unit in UNITS ? UNITS[cell.unit] : ` ${String(cell.unit || "").replaceAll("_", " ")}`;
    return cell.unit === "currency" ? money(Number(cell.figure)) : `${fixed(Number(cell.figure))}${unit}`;
  }

  function renderSuccess(projects) {
    const readable = projects.filter((project) => project.success);
    const rows = readable.map((project) => {
      const row = document.createElement("tr");
      row.dataset.projectId = project.project_id;
      const cells = [projectName(project.project_id),
        ...DIMENSIONS.map((name) => successCell(project.success[name])), `${project.success.known}/6`];
      cells.forEach((text, index) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (index > 0 && index <= DIMENSIONS.length) cell.dataset.state = project.success[DIMENSIONS[index - 1]].state;
        row.append(cell);
      });
      return row;
    });
    $("success").tBodies[0].replaceChildren(...rows);
  }

  function renderProjects(projects) {
    const options = projects.map((project) => {
      const option = document.createElement("option");
      option.value = project.project_id;
      option.textContent = `${projectName(project.project_id)} · BAC ${money(project.bac)}`;
      return option;
    });
    $("project").replaceChildren(...options);
    const known = projects.some((project) => project.project_id === dashboard.project);
    if (!known) {  // the project with the most to show: most milestones, progress records and costs
      const richest = [...projects].sort((a, b) => b.based_on - a.based_on)[0];
      dashboard.project = richest ? richest.project_id : null;
    }
    $("project").value = dashboard.project || "";
    renderProjectTable(projects);
    renderSuccess(projects);
  }

  async function renderEarnedValue() {
    if (!dashboard.project) {
      chart("evm", { type: "line", data: { labels: [], datasets: [] }, options: lineOptions("value") });
      return;
    }
    const series = await api(`kpis/projects/${dashboard.project}/earned-value`);
    dashboard.data.earnedValue = series;
    const labels = series.points.map((point) => day(point.at));
    const line = (label, color, values, dash) => ({
      label, data: values, borderColor: color, backgroundColor: color, borderDash: dash || [], tension: 0.1,
      pointRadius: 2, spanGaps: false,
    });
    const datasets = [
      line("PV (planned value)", "#3556d4", series.points.map((point) => num(point.pv))),
      line("EV (earned value)", "#1f9d63", series.points.map((point) => num(point.ev))),
      line("AC (actual cost)", "#d23c3c", series.points.map((point) => num(point.ac))),
    ];
    if (series.bac != null) datasets.push(line("BAC", "#8a8fa3", series.points.map(() => num(series.bac)), [6, 4]));
    chart("evm", { type: "line", data: { labels, datasets }, options: lineOptions("value") });
  }

  async function selectProject(projectId) {
    dashboard.project = projectId;
    $("project").value = projectId;
    renderProjectTable(dashboard.data.projects);
    await renderEarnedValue();
  }

  function listItem(text, chipText, chipTone) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = text;
    const chipElement = document.createElement("span");
    chipElement.className = `chip ${chipTone || ""}`;
    chipElement.textContent = chipText;
    item.append(label, chipElement);
    return item;
  }

  function renderHandovers(handovers) {
    const name = (handover) =>
      `${serviceName(handover.service_id)} ← ${handover.project_id ? projectName(handover.project_id) : "by hand"}`;
    chart("handovers", {
      type: "bar",
      data: {
        labels: handovers.map(name),
        datasets: [{
          label: "Readiness %",
          data: handovers.map((handover) => (handover.readiness_pct == null ? null
            : Math.round(num(handover.readiness_pct) * 10) / 10)),
          backgroundColor: handovers.map((handover) => (handover.accepted ? "#1f9d63" : "#d98b00")),
          borderRadius: 6,
        }],
      },
      options: { ...lineOptions("%"), indexAxis: "y", plugins: { legend: { display: false } },
        scales: { x: { min: 0, max: 100, title: { display: true, text: "% of criteria met or waived" } } } },
    });
    $("handovers").replaceChildren(...handovers.map((handover) => {
      const status = handover.completed_at ? ["completed", "good"]
        : handover.accepted_at ? ["accepted · early life", "good"] : ["in transition", "warn"];
      const detail = `${name(handover)} · ${fixed(handover.days_in_transition, 1)} days in transition` +
        (handover.rejections ? ` · ${handover.rejections} rejection(s)` : "");
      return listItem(detail, status[0], status[1]);
    }));
  }

  function renderLoop(loop, opportunities) {
    chart("loop", {
      type: "bar",
      data: {
        labels: ["Detected", "Turned into projects", "Benefits measured", "Benefits realised"],
        datasets: [{
          label: "Opportunities",
          data: [loop.opportunities_detected, loop.converted_to_projects, loop.benefits_measured,
            loop.benefits_realized],
          backgroundColor: ["#d98b00", "#3556d4", "#0e9bb5", "#1f9d63"], borderRadius: 6,
        }],
      },
      options: { ...lineOptions("opportunities"), plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    const newestFirst = [...opportunities].sort((a, b) => b.detected_at.localeCompare(a.detected_at));
    $("opportunities").replaceChildren(...newestFirst.map((opportunity) => listItem(
      `${day(opportunity.detected_at)} · ${serviceName(opportunity.service_id)} · ${opportunity.title}` +
        (opportunity.project_id ? ` → ${projectName(opportunity.project_id)}` : ""),
      opportunity.state.replaceAll("_", " "), OPPORTUNITY_STATES[opportunity.state],
    )));
  }

  async function load() {
    if (!token()) {
      signOut();
      return;
    }
    document.body.dataset.state = "loading";
    const window_ = dashboard.window;
    const turn = (dashboard.loads = (dashboard.loads || 0) + 1);  // a later load (a new choice) wins
    try {
      const ranked = `kpis/top-services?window=${window_}&by=${dashboard.rankBy}&limit=${dashboard.top}`;
      const [portfolio, ranking, projects, handovers, opportunities] = await Promise.all([
        api(`kpis/portfolio?window=${window_}`), api(ranked),
        everyItem("kpis/projects"), everyItem("kpis/handovers"), everyItem("opportunities"),
      ]);
      const services = ranking.items;
      const weekly = await Promise.all(services.map(weeklyOf));
      if (turn !== dashboard.loads) return;
      Object.assign(dashboard.data, { portfolio, ranking, services, weekly, projects, handovers, opportunities });
      for (const service of services) if (service.name) dashboard.names[service.service_id] = service.name;
      for (const project of projects) if (project.title) dashboard.names[project.project_id] = project.title;
      show("board");
      $("error").hidden = true;
      renderTiles(portfolio);
      renderCaveats(portfolio);
      renderRanking(ranking);
      renderServices(services, weekly);
      renderProjects(projects);
      await renderEarnedValue();
      if (turn !== dashboard.loads) return;
      renderHandovers(handovers);
      renderLoop(portfolio.loop, opportunities);
      $("as-of").textContent = `as of ${new Date(portfolio.window.end).toLocaleString()}`;
      document.body.dataset.rankedBy = `${ranking.by}/${ranking.items.length}`;
      document.body.dataset.state = "ready";
    } catch (error) {
      if (turn === dashboard.loads) showError(error);
    }
  }

  function showError(error) {
    if (error instanceof SignedOut) return;
    $("error").textContent = `Could not load the KPIs: ${error.message}`;
    $("error").hidden = false;
    document.body.dataset.state = "error";
  }

  function start() {
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.color = "#4a5266";
    if (calm()) Chart.defaults.animation = false;
    takeTokenFromFragment();
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const given = $("token-input").value.trim();
      if (!given) return;
      sessionStorage.setItem(TOKEN_KEY, given);
      $("token-input").value = "";
      load();
    });
    $("sign-out").addEventListener("click", () => signOut("Token forgotten."));
    $("refresh").addEventListener("click", load);
    $("window").addEventListener("change", (event) => {
      dashboard.window = Number(event.target.value);
      load();
    });
    $("rank-by").addEventListener("change", (event) => {
      dashboard.rankBy = event.target.value;
      load();
    });
    $("top-n").addEventListener("change", (event) => {
      dashboard.top = Number(event.target.value);
      load();
    });
    $("project").addEventListener("change", (event) => selectProject(event.target.value).catch(showError));
    window.addEventListener("hashchange", () => { takeTokenFromFragment(); load(); });
    setInterval(() => { if (token() && document.visibilityState === "visible") load(); }, REFRESH_MS);
    load();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
