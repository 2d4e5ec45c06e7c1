// The backfill page's live refresh: every few seconds, fetch the page's JSON twin and rewrite the
// job rows and the "running" line in place (no reload). Plain DOM, no library, no inline script.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) { return; }
  var source = root.dataset.source;
  var every = Math.max(Number(root.dataset.every) || 5, 0.1) * 1000;
  var london = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
  });

  function when(iso) {
    if (!iso) { return "-"; }
    var parts = {};
    london.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }
  function number(value) { return value === null || value === undefined ? "-" : value.toLocaleString("en-GB"); }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return "-"; }
    var s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return h ? h + " h " + two(m) + " min" : m ? m + " min " + two(r) + " s" : r + " s";
  }
  function cell(text, numeric, field) {
    var td = document.createElement("td");
    if (numeric) { td.className = "n"; }
    if (field) { td.dataset.field = field; }
    td.textContent = text;
    return td;
  }
  function row(job) {
    var tr = document.createElement("tr");
    tr.dataset.job = job.job;
    tr.appendChild(cell(job.job));
    var progress = document.createElement("td");
    var bar = document.createElement("progress");
    bar.max = job.total; bar.value = job.done;
    var percent = document.createElement("span");
    percent.dataset.field = "percent"; percent.textContent = job.percent;
    progress.append(bar, " ", percent, "%");
    tr.appendChild(progress);
    tr.appendChild(cell(number(job.done), true, "done"));
    tr.appendChild(cell(number(job.failed), true, "failed"));
    tr.appendChild(cell(number(job.pending), true, "pending"));
    tr.appendChild(cell(number(job.rate_per_minute), true, "rate_per_minute"));
    tr.appendChild(cell(duration(job.eta_seconds), true, "eta_seconds"));
    return tr;
  }
  function apply(data) {
    if (data.state !== "ok") { return; }
    var running = data.running.map(function (run) {
      return "A fetch is running: run " + run.id + " (" + run.mode + ") since " + when(run.started_at) +
        " on " + run.host + ", pid " + run.pid + ".";
    });
    document.getElementById("running").textContent = running.length ? running.join(" ") : "No fetch is running.";
    document.getElementById("rate-since").textContent = when(data.rate_since);
    document.querySelector("#jobs tbody").replaceChildren(...data.jobs.map(row));
    var empty = document.getElementById("empty");
    if (empty && !data.empty) { empty.remove(); }
  }
  function refresh() {
    fetch(source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        apply(data);
        document.getElementById("refreshed").textContent = "Updated " + new Date().toLocaleTimeString("en-GB") + ".";
      })
      .catch(function (error) {
        document.getElementById("refreshed").textContent = "Refresh failed (" + error.message + "); retrying.";
      })
      .finally(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
