/*
 * The /review dashboard (src/meta/review.ts): signs in on the Training API, then charts how the
 * AI's drafts fared in review over the last 30 days (uPlot), tabulates agents and models, and
 * shows the latest edits as word diffs of the draft and the text sent.
 *
 * Tokens live in this script's memory only, never in localStorage, sessionStorage or cookies:
 * reloading the page signs out. Every text from the API reaches the page through textContent
 * or text nodes, never as HTML.
 */

(() => {
  const DAY = 86_400_000;
  const DAYS = 30;
  const session = { token: null, refreshToken: null };

  const $ = (id) => document.getElementById(id);

  /** An element with `text` (as text, never HTML) and a class. */
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  /* ---- the API ---- */

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function readJson(response) {
    const type = response.headers.get("content-type") ?? "";
    return type.includes("json") ? response.json() : null;
  }

  /** POST a JSON body without credentials (login, refresh). */
  async function postJson(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    });
    const json = await readJson(response);
    if (!response.ok || !json?.success) {
      throw new ApiError(response.status, json?.error ?? `${path} answered ${response.status}`);
    }
    return json.data;
  }

  function signedIn(data) {
    session.token = data.token;
    session.refreshToken = data.refreshToken;
    return data;
  }

  /** A GET of the Training API with the token; an expired token is refreshed once. */
  async function api(path, retried = false) {
    if (!session.token) throw new ApiError(401, "Not signed in");
    const response = await fetch(path, {
      headers: { authorization: `Bearer ${session.token}` },
      credentials: "omit",
    });
    if (response.status === 401 && !retried && session.refreshToken) {
      try {
        signedIn(await postJson("/api/auth/refresh", { refreshToken: session.refreshToken }));
      } catch {
        signOut("Your session ended: sign in again.");
        throw new ApiError(401, "Session ended");
      }
      return api(path, true);
    }
    const json = await readJson(response);
    if (!response.ok || !json?.success) {
      if (response.status === 401) signOut("Your session ended: sign in again.");
      throw new ApiError(response.status, json?.error ?? `${path} answered ${response.status}`);
    }
    return json;
  }

  /* ---- formatting ---- */

  const percent = (rate) =>
    rate === null || rate === undefined ? "–" : `${Math.round(rate * 100)}%`;

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 60) return `${Math.round(seconds)} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  const count = (n) => (n === null || n === undefined ? "–" : String(n));
  const dayKey = (ms) => new Date(ms).toISOString().slice(0, 10);
  const when = (iso) =>
    new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

  /** The last 30 UTC days, today included: [from, to). */
  function lastDays() {
    const today = Math.floor(Date.now() / DAY) * DAY;
    return { from: today - (DAYS - 1) * DAY, to: today + DAY };
  }

  /* ---- the chart ---- */

  let chart = null;

  /** Rates per day, one point per day of the range (null: nothing reviewed that day). */
  function chartData(buckets, range) {
    const byDay = new Map(buckets.map((b) => [b.key, b]));
    const xs = [];
    const series = [[], [], []];
    for (let day = range.from; day < range.to; day += DAY) {
      const bucket = byDay.get(dayKey(day));
      xs.push(day / 1000);
      series[0].push(bucket?.approvalRate ?? null);
      series[1].push(bucket?.editRate ?? null);
      series[2].push(bucket?.rejectRate ?? null);
    }
    return [xs, ...series];
  }

  function drawChart(stats, range) {
    const box = $("chart");
    const data = chartData(stats.buckets, range);
    const reviewed = stats.buckets.reduce((n, b) => n + b.approved + b.edited + b.rejected, 0);
    const colours = getComputedStyle(document.documentElement);
    const line = (label, variable) => ({
      label,
      stroke: colours.getPropertyValue(variable).trim(),
      width: 2,
      points: { show: true, size: 6 },
      value: (_u, v) => percent(v),
    });
    const options = {
      width: Math.max(box.clientWidth, 320),
      height: 300,
      // Days are UTC days, as the API buckets them.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      scales: { x: { time: true }, y: { range: [0, 1] } },
      axes: [{}, { values: (_u, ticks) => ticks.map(percent) }],
      series: [
        { label: "Day", value: (_u, ts) => (ts === null ? "–" : dayKey(ts * 1000)) },
        line("Approved", "--approved"),
        line("Edited", "--edited"),
        line("Rejected", "--rejected"),
      ],
    };
    chart?.destroy();
    box.replaceChildren();
    chart = new uPlot(options, data, box);
    box.dataset.days = String(data[0].length);
    box.dataset.reviewed = String(reviewed);
    box.dataset.daysWithReviews = String(data[1].filter((v) => v !== null).length);
    $("range").textContent =
      `Drafts written ${dayKey(range.from)} to ${dayKey(range.to - DAY)} (UTC), by the day they were drafted: ` +
      `${stats.total.drafted} drafted, ${reviewed} reviewed, ${stats.total.pending} pending.`;
  }

  window.addEventListener("resize", () => {
    if (chart) chart.setSize({ width: Math.max($("chart").clientWidth, 320), height: 300 });
  });

  /* ---- tables ---- */

  function fillTable(id, buckets, none) {
    const body = $(id).tBodies[0];
    body.replaceChildren();
    if (buckets.length === 0) {
      const row = body.insertRow();
      const cell = el("td", "No drafts in this range.", "empty");
      cell.colSpan = 7;
      row.append(cell);
      return;
    }
    for (const b of buckets) {
      const row = body.insertRow();
      row.append(
        el("td", b.key ?? none),
        el("td", count(b.drafted)),
        el("td", percent(b.approvalRate)),
        el("td", percent(b.editRate)),
        el("td", percent(b.rejectRate)),
        el("td", duration(b.reviewSeconds.p50)),
        el("td", b.editDistance.p50 === null ? "–" : `${b.editDistance.p50} chars`),
      );
    }
  }

  /* ---- diffs ---- */

  /** Words, runs of spaces and single punctuation marks: the units a diff compares. */
  const tokens = (text) => text.match(/\s+|[\p{L}\p{N}_'’-]+|[^\s\p{L}\p{N}_]/gu) ?? [];

  /**
   * The edit of `a` into `b` as runs of ["=", text], ["-", text] and ["+", text]: a longest
   * common subsequence of their tokens (dynamic programming; for texts too long for it, the
   * whole of one replaced by the whole of the other).
   */
  function diff(a, b) {
    const x = tokens(a);
    const y = tokens(b);
    if (x.length * y.length > 4_000_000)
      return [
        ["-", a],
        ["+", b],
      ];
    const n = x.length;
    const m = y.length;
    // lengths[i][j]: the LCS of x[i..] and y[j..], in one flat array.
    const lengths = new Uint32Array((n + 1) * (m + 1));
    const at = (i, j) => i * (m + 1) + j;
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[at(i, j)] =
          x[i] === y[j]
            ? lengths[at(i + 1, j + 1)] + 1
            : Math.max(lengths[at(i + 1, j)], lengths[at(i, j + 1)]);
      }
    }
    const runs = [];
    const push = (op, text) => {
      const last = runs.at(-1);
      if (last && last[0] === op) last[1] += text;
      else runs.push([op, text]);
    };
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (x[i] === y[j]) {
        push("=", x[i]);
        i++;
        j++;
      } else if (lengths[at(i + 1, j)] >= lengths[at(i, j + 1)]) push("-", x[i++]);
      else push("+", y[j++]);
    }
    while (i < n) push("-", x[i++]);
    while (j < m) push("+", y[j++]);
    return runs;
  }

  function diffNode(draft, final) {
    const p = el("p", null, "diff");
    for (const [op, text] of diff(draft, final)) {
      if (op === "=") p.append(document.createTextNode(text));
      else p.append(el(op === "-" ? "del" : "ins", text));
    }
    return p;
  }

  function showEdits(reviews) {
    const list = $("edits");
    list.replaceChildren();
    if (reviews.length === 0) {
      list.append(el("li", "No edited drafts yet.", "note"));
      return;
    }
    for (const r of reviews) {
      const item = el("li");
      const facts = [
        when(r.reviewedAt),
        r.agentId && `agent ${r.agentId}`,
        r.model && `model ${r.model}`,
        r.promptVersion && `prompt ${r.promptVersion}`,
        r.editDistance !== null && `${r.editDistance} characters changed`,
        `reviewed in ${duration(r.reviewSeconds)}`,
      ].filter(Boolean);
      item.append(el("p", facts.join(" · "), "meta"));
      if (r.draft === null) {
        item.append(
          el("p", "The AI's original is unknown (edited before history was kept).", "note"),
        );
        item.append(el("p", r.final ?? "", "diff"));
      } else item.append(diffNode(r.draft, r.final ?? ""));
      list.append(item);
    }
  }

  /* ---- the page ---- */

  async function load() {
    const range = lastDays();
    const dates = `from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}`;
    $("status").textContent = "Loading…";
    try {
      const [days, agents, models, edits] = await Promise.all([
        api(`/api/training/reviews/stats?groupBy=day&${dates}`),
        api(`/api/training/reviews/stats?groupBy=agent&${dates}`),
        api(`/api/training/reviews/stats?groupBy=model&${dates}`),
        api("/api/training/reviews?outcome=edited&limit=10"),
      ]);
      drawChart(days.data, range);
      fillTable("agents", agents.data.buckets, "(no agent)");
      fillTable("models", models.data.buckets, "(no model)");
      showEdits(edits.data);
      $("status").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    } catch (error) {
      if (session.token) $("status").textContent = `Could not load the dashboard: ${error.message}`;
    }
  }

  function show(signedInAs) {
    $("login").hidden = Boolean(signedInAs);
    $("dashboard").hidden = !signedInAs;
    $("logout").hidden = !signedInAs;
    $("who").hidden = !signedInAs;
    $("who").textContent = signedInAs ?? "";
  }

  function signOut(message = "") {
    const token = session.token;
    session.token = null;
    session.refreshToken = null;
    chart?.destroy();
    chart = null;
    show(null);
    $("login-error").textContent = message;
    return token;
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector("button");
    $("login-error").textContent = "";
    button.disabled = true;
    try {
      const data = signedIn(
        await postJson("/api/auth/login", {
          email: form.elements.email.value,
          password: form.elements.password.value,
        }),
      );
      form.elements.password.value = "";
      const { firstName, lastName, role } = data.user;
      show(`${[firstName, lastName].filter(Boolean).join(" ")} (${role})`);
      await load();
    } catch (error) {
      $("login-error").textContent =
        error.status === 401 ? "Wrong email or password." : `Could not sign in: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });

  $("logout").addEventListener("click", async () => {
    const token = signOut();
    if (token) {
      await fetch("/api/auth/logout", {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        credentials: "omit",
      }).catch(() => {});
    }
  });
})();
