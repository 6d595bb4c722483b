// The operations dashboard: reads GET /admin/dashboard/stream, one Server-Sent Events stream, with the admin key
// this tab keeps in sessionStorage (sent as X-API-Key through fetch(), never in a URL: EventSource cannot send a
// header). The stream starts with a snapshot (the document GET /admin/dashboard answers) and then sends, every 2 s,
// the new samples and only the sections that changed. The page keeps a copy of the samples and reconnects with the
// newest one's time (`since`), so a reconnect sends only what it lacks. When the stream ends or the service is
// unreachable the page says so and reconnects with a growing pause (1, 2, 4, 8 s); when the service answers again
// after a restart (a new `started_at`) the page starts its copy over from the service's history.
(function () {
  'use strict';
  var KEY = 'weft.adminKey';
  var RETRY_MS = [1000, 2000, 4000, 8000];
  // the service sends a reading every 2 s and a comment at least every 15 s: silence longer than this is a dead link
  var SILENCE_MS = 35000;
  var ACTIVE = ['queued', 'uploading', 'uploaded', 'processing', 'polling'];
  var STATES = ACTIVE.concat(['completed', 'failed', 'cancelled']);
  var OUTCOMES = ['delivered', 'failed', 'gone', 'refused'];
  var COLORS = ['#0969da', '#8250df', '#bf8700', '#1a7f37', '#cf222e', '#57606a', '#e16f24', '#116329'];

  var state = {
    samples: [], startedAt: null, windowMs: 900000, charts: {},
    controller: null, retry: 0, retryTimer: null, silenceTimer: null
  };
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

  function disconnect() {
    if (state.retryTimer) { clearTimeout(state.retryTimer); state.retryTimer = null; }
    if (state.silenceTimer) { clearTimeout(state.silenceTimer); state.silenceTimer = null; }
    if (state.controller) { state.controller.abort(); state.controller = null; }
  }

  function showSignIn(message) {
    disconnect();
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

  function Refusal(message, status) { this.message = message; this.status = status; }

  // Opens the stream and reads it until it ends. `first` runs on the first snapshot; a refusal or a failure before
  // it goes to `refused` / `failed`, and anything after it (the stream ended, the link broke) reconnects.
  function connect(key, first, refused, failed) {
    disconnect();
    var controller = new AbortController();
    var opened = false;
    state.controller = controller;
    var since = state.samples.length ? state.samples[state.samples.length - 1].t : 0;
    fetch('/admin/dashboard/stream?since=' + since, {
      headers: { 'X-API-Key': key, 'Accept': 'text/event-stream' },
      cache: 'no-store',
      signal: controller.signal
    }).then(function (response) {
      var refusedWith = refusal(response.status);
      if (refusedWith) { throw new Refusal(refusedWith, response.status); }
      if (!response.ok || !response.body) { throw new Error('status ' + response.status); }
      return read(response.body.getReader(), controller, function (event, data) {
        if (event === 'snapshot' || event === 'reading') {
          apply(JSON.parse(data), event === 'snapshot');
          if (!opened) { opened = true; state.retry = 0; first(); }
        }
      });
    }).then(function () {
      if (state.controller === controller) { reconnectLater('The stream ended'); }
    }).catch(function (error) {
      if (state.controller !== controller) { return; } // this page aborted it (signed out, reconnecting)
      if (error instanceof Refusal && (!opened || error.status !== 429)) { refused(error); return; }
      if (!opened && failed) { failed(error); return; }
      reconnectLater();
    });
  }

  // Reads Server-Sent Events off the body: `event:` and `data:` lines, a blank line ends an event, `:` a comment.
  function read(reader, controller, onEvent) {
    var decoder = new TextDecoder();
    var buffer = '';
    function watchSilence() {
      if (state.silenceTimer) { clearTimeout(state.silenceTimer); }
      state.silenceTimer = setTimeout(function () { controller.abort(); }, SILENCE_MS);
    }
    watchSilence();
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) { return; }
        watchSilence();
        buffer += decoder.decode(chunk.value, { stream: true });
        var end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          var block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          var event = 'message';
          var data = [];
          block.split('\n').forEach(function (line) {
            if (line.indexOf('event: ') === 0) { event = line.slice(7); }
            else if (line.indexOf('data: ') === 0) { data.push(line.slice(6)); }
          });
          if (data.length) { onEvent(event, data.join('\n')); }
        }
        return pump();
      });
    }
    return pump();
  }

  function reconnectLater(why) {
    var key = storedKey();
    if (!key) { showSignIn(); return; }
    if (state.silenceTimer) { clearTimeout(state.silenceTimer); state.silenceTimer = null; }
    state.controller = null;
    var wait = RETRY_MS[Math.min(state.retry, RETRY_MS.length - 1)];
    state.retry++;
    setStatus((typeof why === 'string' ? why : 'Service unreachable') + ', reconnecting in ' + wait / 1000 + ' s…',
      'down');
    state.retryTimer = setTimeout(function () {
      state.retryTimer = null;
      connect(key, function () { /* the status says Live again */ }, function (error) {
        try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
        showSignIn(error.message);
      }, reconnectLater);
    }, wait);
  }

  function signIn(event) {
    event.preventDefault();
    var key = $('key').value.trim();
    if (!key) { $('signin-error').textContent = 'Type the admin key first.'; return; }
    $('signin-button').disabled = true;
    $('signin-error').textContent = '';
    reset();
    connect(key, function () {
      try { window.sessionStorage.setItem(KEY, key); } catch (e) { /* the page still works for this visit */ }
      $('key').value = '';
      showDashboard();
      $('signin-button').disabled = false;
      $('main').focus();
    }, function (error) {
      $('signin-error').textContent = error.message;
      $('signin-button').disabled = false;
      $('key').focus();
    }, function () {
      $('signin-error').textContent = 'Cannot reach the service. Is it running?';
      $('signin-button').disabled = false;
      $('key').focus();
    });
  }

  function reset() {
    state.samples = [];
  }

  // A snapshot carries every section; a reading only the new samples and the sections that changed.
  function apply(doc, snapshot) {
    if (snapshot) {
      if (state.startedAt !== null && state.startedAt !== doc.started_at) {
        reset(); // the service restarted: its history starts again, and so does this copy
      }
      state.startedAt = doc.started_at;
      state.windowMs = doc.window_ms;
    }
    var last = state.samples.length ? state.samples[state.samples.length - 1].t : 0;
    doc.samples.forEach(function (sample) {
      if (sample.t > last) { state.samples.push(sample); last = sample.t; }
    });
    var oldest = doc.now - state.windowMs;
    while (state.samples.length && state.samples[0].t <= oldest) { state.samples.shift(); }
    setStatus('Live, updated ' + new Date(doc.now).toLocaleTimeString(), 'live');
    if (doc.jobs) { renderJobs(doc.jobs); }
    if (doc.routes) { renderRequests(doc.routes); }
    var newest = state.samples[state.samples.length - 1];
    text('requests-rate', newest ? fmt(newest.requests_per_s, 1) : '0');
    if (newest) { renderPool(newest.pool.in_use, newest.pool.idle, newest.pool.waiting); }
    if (doc.database) { renderDatabase(doc.database); }
    if (doc.caches) { renderCaches(doc.caches); }
    if (doc.breakers) { renderBreakers(doc.breakers); }
    if (doc.webhooks) { renderWebhooks(doc.webhooks); }
    if (doc.health) { renderHealth(doc.health); }
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
    fill('routes', routes.map(function (route) {
      var tr = document.createElement('tr');
      // an event stream's times are how long its clients stayed, not how fast it answered
      cell(tr, route.method + ' ' + route.route + (route.event_stream ? ' (event stream: time open)' : ''), 'sql');
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
    if (!state.samples.length) { renderPool(db.pool.checked_out, db.pool.checked_in, db.pool.waiting); }
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

  // the pool moves at every reading: its figures come with each sample, the rest of the section every 10 s
  function renderPool(inUse, idle, waiting) {
    text('db-in-use', fmt(inUse));
    text('db-idle', fmt(idle));
    text('db-waiting', fmt(waiting));
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

  function renderWebhooks(webhooks) {
    $('webhooks-off').hidden = webhooks.enabled;
    var byState = webhooks.by_state || {};
    text('webhooks-pending', fmt(byState.pending || 0));
    text('webhooks-delivered', fmt(byState.delivered || 0));
    text('webhooks-failed', fmt(byState.failed || 0));
    text('webhooks-disabled', fmt(webhooks.disabled_webhooks));
    var attempts = webhooks.attempts_in_window || {};
    var total = 0;
    Object.keys(attempts).forEach(function (outcome) { total += attempts[outcome]; });
    text('webhooks-attempts-window', fmt(total));
    text('webhooks-failed-attempts-window', fmt(total - (attempts.delivered || 0)));
    fill('webhook-failures', webhooks.recent_failures.map(function (failure) {
      var tr = document.createElement('tr');
      cell(tr, new Date(failure.failed_at).toLocaleString());
      cell(tr, failure.delivery_id, 'sql');
      cell(tr, failure.webhook_id || 'job callback', 'sql');
      cell(tr, failure.event_type);
      cell(tr, String(failure.attempts), 'n');
      cell(tr, failure.last_status === null ? 'no answer' : String(failure.last_status), 'n');
      // the state in words next to the reason: the colour is not the only sign that it failed
      var reason = document.createElement('span');
      reason.appendChild(badge('failed'));
      reason.appendChild(document.createTextNode(' ' + (failure.last_error || 'no reason recorded')));
      cell(tr, reason, 'err');
      return tr;
    }), 7, webhooks.enabled ? 'No failed deliveries.' : 'Webhooks are not enabled.');
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

  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

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
    // a chart drawn while the page is still hidden (the first snapshot comes before sign-in shows it) has no width to
    // take: it starts at 400 px and the observer below gives it its card's width once the card has one
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
      // whole seconds at least: readings come every 2 s, so a young history's ticks of ":51.500" meant nothing
      axes: [{ incrs: TIME_STEPS }, { size: 50 }]
    }, data, element);
    if (resizer) { resizer.observe(element); }
  }

  // Follows each chart's card, not the window: a card also changes width when the page is shown after sign-in or
  // the grid reflows, with no resize event.
  var resizer = window.ResizeObserver ? new window.ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var plot = state.charts[entry.target.id];
      var width = Math.max(280, Math.floor(entry.contentRect.width));
      if (plot && entry.contentRect.width > 0 && plot.width !== width) {
        plot.setSize({ width: width, height: 200 });
      }
    });
  }) : null;

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
    chart('chart-webhooks', OUTCOMES, OUTCOMES.map(function (name) {
      return column(function (sample) { return (sample.webhook_attempts || {})[name] || 0; });
    }));
    chart('chart-queries', ['queries/s', 'failed/s'], [
      column(function (sample) { return sample.queries_per_s; }),
      column(function (sample) { return sample.query_errors_per_s; })
    ]);
  }

  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', function () {
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
    reset();
    showSignIn('Signed out.');
  });

  var kept = storedKey();
  if (kept) {
    showDashboard();
    setStatus('Connecting…', '');
    connect(kept, function () { /* live */ }, function (error) {
      try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
      showSignIn(error.message);
    }, reconnectLater);
  } else {
    showSignIn();
  }
})();
