// The operations dashboard: polls GET /admin/dashboard every 2 s with the admin key this tab keeps in
// sessionStorage (sent as X-API-Key, never in a URL), and draws what it answers. The service keeps the history;
// this page keeps a copy of the samples it was sent and asks only for newer ones (`since`). When the service is
// unreachable the page says so and keeps asking; when it answers again (a restart: a new `started_at`) the page
// starts over from the service's history.
(function () {
  'use strict';
  var KEY = 'weft.adminKey';
  var POLL_MS = 2000;
  var ACTIVE = ['queued', 'uploading', 'uploaded', 'processing', 'polling'];
  var STATES = ACTIVE.concat(['completed', 'failed', 'cancelled']);
  var COLORS = ['#0969da', '#8250df', '#bf8700', '#1a7f37', '#cf222e', '#57606a', '#e16f24', '#116329'];

  var state = { samples: [], since: 0, startedAt: null, windowMs: 900000, timer: null, charts: {} };
  window.weftPageId = Math.random().toString(36).slice(2); // a reload changes it; the browser test checks it does not

  function $(id) { return document.getElementById(id); }

  function storedKey() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }

  function setStatus(text, kind) {
    var status = $('status');
    status.textContent = text;
    status.className = 'status' + (kind ? ' ' + kind : '');
  }

  function showSignIn(message) {
    if (state.timer) { clearTimeout(state.timer); state.timer = null; }
    $('main').hidden = true;
    $('signin').hidden = false;
    $('signout').hidden = true;
    $('signin-error').textContent = message || '';
    setStatus('Not signed in', '');
    $('key').focus();
  }

  function showDashboard() {
    $('signin').hidden = true;
    $('main').hidden = false;
    $('signout').hidden = false;
  }

  function refusal(status) {
    if (status === 401) { return 'The service refused this key. The dashboard needs the admin key (WEFT_ADMIN_KEY).'; }
    if (status === 403) { return 'This key belongs to a user, not the admin. The dashboard needs the admin key.'; }
    if (status === 429) { return 'Too many attempts with this key; wait a moment and try again.'; }
    return null;
  }

  function request(key) {
    return fetch('/admin/dashboard?since=' + state.since, {
      headers: { 'X-API-Key': key, 'Accept': 'application/json' },
      cache: 'no-store'
    });
  }

  function signIn(event) {
    event.preventDefault();
    var key = $('key').value.trim();
    if (!key) { $('signin-error').textContent = 'Type the admin key first.'; return; }
    $('signin-button').disabled = true;
    $('signin-error').textContent = '';
    reset();
    request(key).then(function (response) {
      var refused = refusal(response.status);
      if (refused) { throw new Refusal(refused); }
      if (!response.ok) { throw new Refusal('The service answered ' + response.status + '; try again in a moment.'); }
      return response.json();
    }).then(function (body) {
      try { window.sessionStorage.setItem(KEY, key); } catch (e) { /* the page still works for this visit */ }
      $('key').value = '';
      showDashboard();
      render(body);
      schedule();
      $('main').focus();
    }).catch(function (error) {
      $('signin-error').textContent = error instanceof Refusal ? error.message
        : 'Cannot reach the service. Is it running?';
      $('key').focus();
    }).then(function () { $('signin-button').disabled = false; });
  }

  function Refusal(message) { this.message = message; }

  function schedule() {
    state.timer = setTimeout(poll, POLL_MS);
  }

  function poll() {
    var key = storedKey();
    if (!key) { showSignIn(); return; }
    request(key).then(function (response) {
      var refused = refusal(response.status);
      if (refused && response.status !== 429) {
        try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
        showSignIn(refused);
        return;
      }
      if (!response.ok) { throw new Error('status ' + response.status); }
      return response.json().then(function (body) { render(body); schedule(); });
    }).catch(function () {
      setStatus('Service unreachable, retrying every 2 s…', 'down');
      schedule();
    });
  }

  function reset() {
    state.samples = [];
    state.since = 0;
  }

  function render(body) {
    if (state.startedAt !== null && state.startedAt !== body.started_at) {
      reset(); // the service restarted: its history starts again, and so does this copy
      state.samples = body.samples.slice();
    } else {
      state.samples = state.samples.concat(body.samples);
    }
    state.startedAt = body.started_at;
    state.windowMs = body.window_ms;
    var oldest = body.now - body.window_ms;
    state.samples = state.samples.filter(function (sample) { return sample.t > oldest; });
    if (state.samples.length) { state.since = state.samples[state.samples.length - 1].t; }
    setStatus('Live, updated ' + new Date(body.now).toLocaleTimeString(), 'live');
    renderJobs(body.jobs);
    renderRequests(body.routes);
    renderDatabase(body.database);
    renderCaches(body.caches);
    renderBreakers(body.breakers);
    renderHealth(body.health);
    renderCharts();
  }

  function text(id, value) { $(id).textContent = value; }

  function fmt(value, digits) {
    if (value === null || value === undefined) { return '–'; }
    if (typeof value !== 'number') { return String(value); }
    return digits === undefined ? value.toLocaleString('en') : value.toFixed(digits);
  }

  function percent(value) { return value === null || value === undefined ? '–' : (value * 100).toFixed(1) + ' %'; }

  function cell(row, value, className) {
    var td = document.createElement('td');
    if (value instanceof Node) { td.appendChild(value); } else { td.textContent = value; }
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function fill(tableId, rows, columns, empty) {
    var body = $(tableId).tBodies[0];
    body.textContent = '';
    if (!rows.length) {
      var tr = body.insertRow();
      tr.className = 'empty';
      var td = cell(tr, empty);
      td.colSpan = columns;
      return;
    }
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function badge(stateName) {
    var span = document.createElement('span');
    span.className = 'state state-' + String(stateName).toLowerCase();
    span.textContent = String(stateName).replace('_', '-');
    return span;
  }

  function renderJobs(jobs) {
    var now = $('jobs-now');
    Object.keys(jobs.by_state).sort(function (a, b) {
      return rank(a) - rank(b);
    }).forEach(function (name) {
      // tiles are made once and then only their numbers change, so a screen reader or a test keeps its place
      var dd = $('jobs-' + name);
      if (!dd) {
        var div = document.createElement('div');
        var dt = document.createElement('dt');
        dt.textContent = name.charAt(0).toUpperCase() + name.slice(1) + ' now';
        dd = document.createElement('dd');
        dd.id = 'jobs-' + name;
        div.appendChild(dt);
        div.appendChild(dd);
        now.appendChild(div);
      }
      dd.textContent = fmt(jobs.by_state[name]);
    });
    var finished = jobs.finished_in_window || {};
    text('jobs-completed-window', fmt(finished.completed || 0));
    text('jobs-failed-window', fmt(finished.failed || 0));
    text('jobs-cancelled-window', fmt(finished.cancelled || 0));
    fill('failures', jobs.recent_failures.map(function (failure) {
      var tr = document.createElement('tr');
      cell(tr, failure.finished_at ? new Date(failure.finished_at).toLocaleString() : '–');
      cell(tr, failure.job_id, 'sql');
      var link = document.createElement('button');
      link.type = 'button';
      link.className = 'link';
      link.textContent = failure.video_id;
      link.setAttribute('aria-label', 'Show video ' + failure.video_id);
      link.addEventListener('click', function () { showVideo(failure.video_id); });
      cell(tr, link);
      cell(tr, String(failure.user_id), 'n');
      cell(tr, String(failure.attempts), 'n');
      cell(tr, failure.error, 'err');
      return tr;
    }), 6, 'No failed jobs.');
  }

  function rank(stateName) {
    var at = STATES.indexOf(stateName);
    return at < 0 ? STATES.length : at;
  }

  function showVideo(videoId) {
    var dialog = $('video-dialog');
    text('video-title', 'Video ' + videoId);
    text('video-body', 'Loading…');
    dialog.showModal();
    fetch('/videos/' + encodeURIComponent(videoId), { headers: { 'X-API-Key': storedKey() || '' }, cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(function (body) { text('video-body', JSON.stringify(body, null, 2)); })
      .catch(function () { text('video-body', 'Could not load the video.'); });
  }

  function renderRequests(routes) {
    var total = 0;
    var errors = 0;
    routes.forEach(function (route) {
      total += route.requests;
      errors += Math.round((route.server_error_rate || 0) * route.requests);
    });
    text('requests-total', fmt(total));
    text('requests-errors', fmt(errors));
    var last = state.samples[state.samples.length - 1];
    text('requests-rate', last ? fmt(last.requests_per_s, 1) : '0');
    fill('routes', routes.map(function (route) {
      var tr = document.createElement('tr');
      cell(tr, route.method + ' ' + route.route, 'sql');
      cell(tr, fmt(route.requests), 'n');
      cell(tr, fmt(route.requests_per_s, 2), 'n');
      cell(tr, percent(route.server_error_rate), 'n');
      cell(tr, percent(route.client_error_rate), 'n');
      cell(tr, fmt(route.p50_ms, 1), 'n');
      cell(tr, fmt(route.p95_ms, 1), 'n');
      cell(tr, fmt(route.p99_ms, 1), 'n');
      return tr;
    }), 8, 'No requests in the last 15 minutes.');
  }

  function renderDatabase(db) {
    text('db-in-use', fmt(db.pool.checked_out));
    text('db-idle', fmt(db.pool.checked_in));
    text('db-waiting', fmt(db.pool.waiting));
    text('db-p99', fmt(db.query_p99_ms, 2));
    text('db-slow', fmt(db.slow_query_count));
    fill('slow', db.slow_queries.map(function (query) {
      var tr = document.createElement('tr');
      cell(tr, new Date(query.started_at).toLocaleTimeString());
      cell(tr, fmt(query.duration_ms, 1), 'n');
      cell(tr, query.sql, 'sql');
      return tr;
    }), 3, 'No query slower than ' + fmt(db.slow_threshold_ms) + ' ms.');
  }

  function renderCaches(caches) {
    fill('caches', caches.map(function (cache) {
      var tr = document.createElement('tr');
      cell(tr, cache.cache);
      cell(tr, cache.tier);
      cell(tr, percent(cache.hit_rate), 'n');
      cell(tr, fmt(cache.hits), 'n');
      cell(tr, fmt(cache.misses), 'n');
      cell(tr, fmt(cache.size), 'n');
      return tr;
    }), 6, 'No caches.');
  }

  function renderBreakers(breakers) {
    fill('breakers', breakers.map(function (breaker) {
      var tr = document.createElement('tr');
      cell(tr, breaker.host + ' (' + breaker.client + ')');
      cell(tr, badge(breaker.state));
      cell(tr, breaker.transitions.length ? breaker.transitions.map(function (change) {
        return new Date(change.at).toLocaleTimeString() + ' ' + change.from + ' → ' + change.to;
      }).join('; ') : 'none');
      return tr;
    }), 3, 'No HTTP provider in use (the local provider has no breaker).');
  }

  function renderHealth(health) {
    var list = $('health');
    list.textContent = '';
    var all = document.createElement('li');
    all.appendChild(document.createTextNode('Overall: '));
    all.appendChild(badge(health.status));
    list.appendChild(all);
    health.checks.forEach(function (check) {
      var li = document.createElement('li');
      li.appendChild(document.createTextNode(check.name + ': '));
      li.appendChild(badge(check.status));
      if (check.data && check.data.error) { li.appendChild(document.createTextNode(' ' + check.data.error)); }
      list.appendChild(li);
    });
  }

  function column(pick) {
    return state.samples.map(function (sample) {
      var value = pick(sample);
      return value === undefined ? null : value;
    });
  }

  function chart(id, names, columns) {
    var element = $(id);
    var times = state.samples.map(function (sample) { return sample.t / 1000; });
    var data = [times].concat(columns);
    var existing = state.charts[id];
    if (existing && existing.series.length === names.length + 1) {
      existing.setData(data);
      return;
    }
    if (existing) { existing.destroy(); }
    var width = Math.max(280, element.clientWidth || 400);
    state.charts[id] = new window.uPlot({
      width: width,
      height: 200,
      legend: { live: false },
      cursor: { show: true },
      scales: { x: { time: true } },
      series: [{}].concat(names.map(function (name, index) {
        return { label: name, stroke: COLORS[index % COLORS.length], width: 2, spanGaps: false };
      })),
      axes: [{}, { size: 50 }]
    }, data, element);
  }

  function renderCharts() {
    var states = [];
    state.samples.forEach(function (sample) {
      Object.keys(sample.jobs).forEach(function (name) {
        if (states.indexOf(name) < 0 && (ACTIVE.indexOf(name) >= 0)) { states.push(name); }
      });
    });
    states.sort(function (a, b) { return rank(a) - rank(b); });
    chart('chart-jobs', states, states.map(function (name) {
      return column(function (sample) { return sample.jobs[name]; });
    }));
    chart('chart-finished', ['completed', 'failed', 'cancelled'], ['completed', 'failed', 'cancelled'].map(function (name) {
      return column(function (sample) { return sample.finished[name] || 0; });
    }));
    chart('chart-requests', ['requests/s', '4xx/s', '5xx/s'], [
      column(function (sample) { return sample.requests_per_s; }),
      column(function (sample) { return sample.client_errors_per_s; }),
      column(function (sample) { return sample.server_errors_per_s; })
    ]);
    chart('chart-latency', ['p50', 'p95', 'p99'], ['p50_ms', 'p95_ms', 'p99_ms'].map(function (name) {
      return column(function (sample) { return sample[name]; });
    }));
    chart('chart-pool', ['in use', 'idle', 'waiting'], ['in_use', 'idle', 'waiting'].map(function (name) {
      return column(function (sample) { return sample.pool[name]; });
    }));
    chart('chart-queries', ['queries/s', 'failed/s'], [
      column(function (sample) { return sample.queries_per_s; }),
      column(function (sample) { return sample.query_errors_per_s; })
    ]);
  }

  window.addEventListener('resize', function () {
    Object.keys(state.charts).forEach(function (id) {
      var element = $(id);
      state.charts[id].setSize({ width: Math.max(280, element.clientWidth), height: 200 });
    });
  });

  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', function () {
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
    reset();
    showSignIn('Signed out.');
  });

  if (storedKey()) {
    showDashboard();
    setStatus('Connecting…', '');
    poll();
  } else {
    showSignIn();
  }
})();
