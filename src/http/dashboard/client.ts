/**
 * The dashboard's script, sent as it is (plain ES2017, no build step). It only enhances the page:
 * `sample` events from /api/dashboard/live replace the "now" figures (texts made on the server, so
 * they read the same as the page), and the charts are fetched again at most every 5 minutes.
 */
export const DASHBOARD_JS = `(function () {
  'use strict';
  if (!window.EventSource) return;
  var live = document.getElementById('live');
  var charts = document.getElementById('chart-body');
  var chartsAt = Date.now();
  function say(text) { if (live) live.textContent = text; }
  function set(key, text) {
    document.querySelectorAll('[data-k="' + key + '"]').forEach(function (el) {
      if (el.textContent === text) return;
      el.textContent = text;
      el.classList.remove('upd');
      void el.offsetWidth;
      el.classList.add('upd');
    });
  }
  function refreshCharts() {
    if (!charts || Date.now() - chartsAt < 300000) return;
    chartsAt = Date.now();
    fetch('/dashboard/charts', { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error(String(r.status))); })
      .then(function (html) { charts.innerHTML = html; })
      .catch(function () { chartsAt = Date.now(); });
  }
  var source = new EventSource('/api/dashboard/live');
  source.addEventListener('open', function () { say('live'); });
  source.addEventListener('error', function () { say('reconnecting…'); });
  source.addEventListener('sample', function (event) {
    var data = JSON.parse(event.data);
    Object.keys(data.text).forEach(function (key) { set(key, data.text[key]); });
    var meter = document.querySelector('[data-m="batteryPct"]');
    if (meter && typeof data.batteryPct === 'number') meter.value = Math.round(data.batteryPct);
    document.body.setAttribute('data-sampled', data.at);
    refreshCharts();
  });
})();
`;
