// audioldm2 playground: a form for POST /jobs, live progress from GET /jobs/{id}/events, the result, and the
// history from GET /jobs. Plain browser JavaScript, no build step. Limits, defaults and the scheduler names come
// from the service's OpenAPI document (components.schemas.PredictRequest), so the page never repeats them.
'use strict';

const $ = (id) => document.getElementById(id);

/** Request field (the API's name, also 422 detail loc[1]) -> id of its form control. */
const CONTROLS = {
  prompt: 'prompt', negative_prompt: 'negative_prompt', duration: 'duration',
  num_inference_steps: 'num_inference_steps', scheduler: 'scheduler', guidance_scale: 'guidance_scale',
  seed: 'seed', num_waveforms_per_prompt: 'num_waveforms_per_prompt', audio_input_b64: 'audio_input',
  strength: 'strength',
};
const NUMBER_FIELDS = ['duration', 'num_inference_steps', 'guidance_scale', 'num_waveforms_per_prompt', 'strength'];
const UNITS = { duration: ' s' };
const STAGES = {
  text_encoding: 'Encoding the prompt', language_model: 'Language model', denoising: 'Denoising',
  vae_decode: 'VAE decode', vocoder: 'Vocoder', ranking: 'Ranking candidates',
};
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const HISTORY_LIMIT = 20;

/** The job on screen: its id, its event stream, whether its seed was drawn by the service. */
let current = null;

// ---------------------------------------------------------------------------------------------------------------
// JSON. Seeds go up to 2^63-1, beyond a JavaScript number's exact integers: read them as strings, write them as
// bare JSON numbers.

function parseJson(text) {
  return JSON.parse(text.replace(/("seed"\s*:\s*)(-?\d{16,})/g, '$1"$2"'));
}

function requestJson(fields, seedText) {
  const json = JSON.stringify(fields);
  if (seedText === undefined) return json;
  const seed = /^-?\d+$/.test(seedText) ? seedText : JSON.stringify(seedText); // not a number: the service says why
  return json.slice(0, -1) + ',"seed":' + seed + '}';
}

// The optional access token (AUDIOLDM2_AUTH_TOKENS on the service): kept in sessionStorage, so it lives as long as
// the tab and never reaches disk or other tabs; sent as Authorization: Bearer on every /predict, /jobs and
// /q/openapi call. EventSource and <audio src> cannot send a header, so with a token the job's progress is polled
// and its audio and spectrogram are fetched as blobs.
const TOKEN_KEY = 'audioldm2.token';
const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

function withToken(headers = {}) {
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  return headers;
}

function authFetch(url, init = {}) {
  return fetch(url, { ...init, headers: withToken({ ...(init.headers || {}) }) });
}

function showAuthProblem(detail) {
  const el = $('token-status');
  el.classList.add('error');
  el.textContent = token()
    ? `The service refused this access token (401${detail ? `: ${detail}` : ''}). Check it and try again.`
    : 'The service needs an access token (401): enter it in Access token.';
}

/** url itself without a token; with one, an object URL of the fetched bytes (revoked when the element goes). */
async function mediaUrl(url) {
  if (!token()) return url;
  const res = await authFetch(url);
  if (res.status === 401) showAuthProblem();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return URL.createObjectURL(await res.blob());
}

function setMedia(element, attribute, url) {
  if (!token()) { element[attribute] = url; return; }
  mediaUrl(url).then((u) => { element[attribute] = u; }, () => element.onerror && element.onerror());
}

async function api(method, url, body) {
  const init = { method, headers: withToken({ Accept: 'application/json' }) };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = body;
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = parseJson(text); } catch { data = { detail: text }; }
  }
  if (res.status === 401) showAuthProblem(data && data.detail);
  return { status: res.status, ok: res.ok, data, retryAfter: res.headers.get('Retry-After') };
}

const jobUrl = (id, tail = '') => `/jobs/${encodeURIComponent(id)}${tail}`;

// ---------------------------------------------------------------------------------------------------------------
// The form: limits and defaults from the OpenAPI document.

async function loadSchema() {
  let props = null;
  try {
    const res = await authFetch('/q/openapi?format=json', { headers: { Accept: 'application/json' } });
    if (res.ok) props = (await res.json()).components.schemas.PredictRequest.properties;
  } catch { /* the service's defaults still apply to empty fields */ }
  const select = $('scheduler');
  select.replaceChildren();
  if (!props) {
    select.append(new Option('service default', ''));
    return;
  }
  for (const name of NUMBER_FIELDS) {
    const p = props[name];
    const input = $(CONTROLS[name]);
    if (!p || !input) continue;
    if (p.minimum !== undefined) input.min = p.minimum;
    if (p.maximum !== undefined) input.max = p.maximum;
    const unit = UNITS[name] || '';
    const parts = [];
    if (p.minimum !== undefined && p.maximum !== undefined) parts.push(`${p.minimum}–${p.maximum}${unit}`);
    if (p.default !== undefined) parts.push(`default ${p.default}${unit}`);
    const hint = document.querySelector(`[data-hint="${name}"]`);
    if (hint) hint.textContent = parts.join(' · ');
    if (p.default === undefined) continue;
    // Duration stays empty: the service then uses its default, or the input's length for audio-to-audio.
    if (name === 'duration') input.placeholder = String(p.default);
    else input.value = p.default;
  }
  const sched = props.scheduler || {};
  const names = sched.enum && sched.enum.length ? sched.enum : (sched.default ? [sched.default] : []);
  for (const name of names) select.append(new Option(name, name, name === sched.default, name === sched.default));
  if (!names.length) select.append(new Option('service default', ''));
  const hint = document.querySelector('[data-hint="scheduler"]');
  if (hint && sched.default) hint.textContent = `default ${sched.default}`;
  const neg = props.negative_prompt;
  if (neg && neg.default) $('negative_prompt').placeholder = `default: ${neg.default}`;
}

function readFileBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** The request as typed: empty fields are left out, so the service's defaults apply. */
async function readForm() {
  const fields = { prompt: $('prompt').value };
  const negative = $('negative_prompt').value;
  if (negative.trim() !== '') fields.negative_prompt = negative;
  const scheduler = $('scheduler').value;
  const file = $('audio_input').files[0];
  for (const name of NUMBER_FIELDS) {
    if (name === 'strength' && !file) continue;
    const raw = $(CONTROLS[name]).value.trim();
    if (raw !== '') fields[name] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  if (scheduler) fields.scheduler = scheduler;
  if (file) fields.audio_input_b64 = await readFileBase64(file);
  const seed = $('seed').value.trim();
  return { body: requestJson(fields, seed === '' ? undefined : seed), randomSeed: seed === '', withFile: !!file };
}

function clearErrors() {
  for (const el of document.querySelectorAll('.field-error')) el.remove();
  for (const el of document.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
  showFormError(null);
}

function showFormError(text) {
  const el = $('form-error');
  el.textContent = text || '';
  el.hidden = !text;
}

/** Puts msg under the control of the request field; false when the page has no such field. */
function fieldError(field, msg) {
  const box = document.querySelector(`.field[data-field="${field}"]`);
  const control = $(CONTROLS[field] || '');
  if (!box || !control) return false;
  const id = `error-${field}`;
  let p = $(id);
  if (!p) {
    p = document.createElement('p');
    p.id = id;
    p.className = 'field-error';
    box.append(p);
  }
  p.textContent = p.textContent ? `${p.textContent}; ${msg}` : msg;
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', id);
  return true;
}

function detailText(detail) {
  if (detail == null) return '';
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

/** A refused submission: 422 details go next to their fields (loc = ["body", field, ...]), the rest above. */
function showRefusal(res, withFile) {
  const detail = res.data && res.data.detail;
  const rest = [];
  if (res.status === 422 && Array.isArray(detail)) {
    for (const d of detail) {
      const loc = Array.isArray(d.loc) ? d.loc : [];
      const field = loc[0] === 'body' ? loc[1] : loc[loc.length - 1];
      if (!fieldError(field, d.msg || d.type)) rest.push(loc.length ? `${loc.join('.')}: ${d.msg}` : d.msg);
    }
  } else if (res.status === 400 && /^audio_input_b64/.test(detailText(detail))) {
    fieldError('audio_input_b64', detailText(detail).replace(/^audio_input_b64:\s*/, ''));
  } else if (res.status === 413 && withFile) {
    fieldError('audio_input_b64', detailText(detail) || 'the file is too large');
  } else if (res.status === 503) {
    rest.push(`The service is busy: ${detailText(detail)}` + (res.retryAfter ? ` Try again in ${res.retryAfter} s.` : ''));
  } else {
    rest.push(`${res.status}: ${detailText(detail) || 'refused'}`);
  }
  if (rest.length) showFormError(rest.join(' · '));
  const first = document.querySelector('form [aria-invalid=true]');
  if (first) first.focus();
}

async function onSubmit(event) {
  event.preventDefault();
  clearErrors();
  const button = $('generate');
  button.disabled = true;
  try {
    const form = await readForm();
    const res = await api('POST', '/jobs', form.body);
    if (res.ok && res.data && res.data.id) {
      openJob(res.data, { randomSeed: form.randomSeed });
      $('job').scrollIntoView({ block: 'nearest' }); // below the form on a narrow screen
      refreshHistory();
    } else {
      showRefusal(res, form.withFile);
    }
  } catch (e) {
    showFormError(`The service did not answer (${e.message}).`);
  } finally {
    button.disabled = false;
  }
}

function fillForm(request) {
  if (!request) return;
  $('prompt').value = request.prompt ?? '';
  $('negative_prompt').value = request.negative_prompt ?? '';
  for (const name of NUMBER_FIELDS) {
    if (request[name] !== undefined && request[name] !== null) $(CONTROLS[name]).value = request[name];
  }
  if (request.scheduler) $('scheduler').value = request.scheduler;
  $('seed').value = request.seed ?? '';
  clearErrors();
  $('prompt').focus();
}

// ---------------------------------------------------------------------------------------------------------------
// One job: progress from the event stream, then the result.

function closeStream() {
  if (current && current.es) current.es.close();
  if (current && current.retry) clearTimeout(current.retry);
}

function openJob(view, { randomSeed = null } = {}) {
  closeStream();
  current = { id: view.id, view, randomSeed, rendered: null };
  $('notice').textContent = '';
  history.replaceState(null, '', `#job=${encodeURIComponent(view.id)}`);
  $('job').hidden = false;
  renderJob(view);
  markHistory();
  if (!TERMINAL.has(view.status)) stream(view.id);
}

/** With a token (EventSource sends no header): GET the job every half second until it finishes. */
async function poll(id) {
  if (!current || current.id !== id) return;
  const res = await api('GET', jobUrl(id)).catch(() => null);
  if (!current || current.id !== id) return;
  if (res && res.status === 404) { jobGone(); return; }
  if (res && res.ok) renderJob(res.data);
  if (res && res.ok && TERMINAL.has(res.data.status)) { refreshHistory(); return; }
  current.retry = setTimeout(() => poll(id), res && res.ok ? 500 : 2000);
}

function stream(id) {
  if (token()) { poll(id); return; }
  const es = new EventSource(jobUrl(id, '/events'));
  current.es = es;
  const onView = (event) => {
    if (!current || current.id !== id) return;
    renderJob(parseJson(event.data));
  };
  es.addEventListener('progress', onView);
  es.addEventListener('done', (event) => {
    es.close();
    onView(event);
    refreshHistory();
  });
  es.onerror = async () => {
    if (es.readyState !== EventSource.CLOSED || !current || current.id !== id) return; // the browser reconnects
    const res = await api('GET', jobUrl(id)).catch(() => null);
    if (!current || current.id !== id) return;
    if (res && res.status === 404) { jobGone(); return; }
    if (res && res.ok) renderJob(res.data);
    if (!res || !res.ok || !TERMINAL.has(res.data.status)) current.retry = setTimeout(() => stream(id), 2000);
  };
}

function fmtSeconds(s) {
  if (s == null || !Number.isFinite(s)) return '';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

function elapsed(view) {
  const a = Date.parse(view.started_at), b = Date.parse(view.finished_at);
  return Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : null;
}

function progressText(view) {
  const p = view.progress || {};
  switch (view.status) {
    case 'queued': return 'Queued: waiting for a worker…';
    case 'succeeded': return `Done${elapsed(view) != null ? ` in ${fmtSeconds(elapsed(view))}` : ''}.`;
    case 'failed': return 'Failed.';
    case 'cancelled': return 'Cancelled.';
  }
  const parts = [STAGES[p.stage] || p.stage || 'Starting'];
  if (p.total_steps) parts.push(`step ${p.step ?? 0}/${p.total_steps}`);
  if (p.fraction != null) parts.push(`${Math.floor(p.fraction * 100)} %`);
  if (p.eta_seconds != null) parts.push(`ETA ${fmtSeconds(p.eta_seconds)}`);
  return parts.join(' · ');
}

function renderProgress(view) {
  const bar = $('progress');
  const p = view.progress || {};
  const text = progressText(view);
  if (view.status === 'succeeded') bar.value = 100;
  else if (view.status === 'queued' || (view.status === 'running' && p.fraction == null)) bar.removeAttribute('value');
  else if (p.fraction != null) bar.value = Math.round(p.fraction * 1000) / 10;
  bar.setAttribute('aria-valuetext', text);
  $('progress-text').textContent = text;
}

function fact(term, value, extra, wide = false) {
  const div = document.createElement('div');
  if (wide) div.className = 'wide';
  const dt = document.createElement('dt');
  const dd = document.createElement('dd');
  const span = document.createElement('span');
  span.className = 'value';
  dt.textContent = term;
  span.textContent = value;
  dd.append(span);
  if (extra) dd.append(extra);
  div.append(dt, dd);
  return div;
}

function renderFacts(view) {
  const r = view.request || {};
  const res = view.result || {};
  const facts = [];
  if (r.seed != null) {
    const use = document.createElement('button');
    use.type = 'button';
    use.textContent = 'use';
    use.title = 'Put this seed into the form';
    use.addEventListener('click', () => { $('seed').value = r.seed; });
    const random = current && current.randomSeed ? ' (random)' : '';
    facts.push(fact('Seed', `${r.seed}${random}`, use, true));
  }
  const duration = res.duration ?? r.duration;
  if (duration != null) facts.push(fact('Duration', `${duration} s`));
  if (r.num_inference_steps != null) facts.push(fact('Steps', r.num_inference_steps));
  if (r.scheduler) facts.push(fact('Scheduler', r.scheduler));
  if (r.guidance_scale != null) facts.push(fact('Guidance', r.guidance_scale));
  if (r.num_waveforms_per_prompt > 1) facts.push(fact('Candidates', r.num_waveforms_per_prompt));
  if (r.strength != null) facts.push(fact('Strength', r.strength));
  if (r.negative_prompt) facts.push(fact('Negative prompt', r.negative_prompt, null, true));
  if (view.created_at) facts.push(fact('Submitted', fmtTime(view.created_at)));
  $('job-facts').replaceChildren(...facts);
}

/** [{url, score, label}] best first: the result's candidates, or its one audio. */
function candidateList(view) {
  const res = view.result || {};
  const best = res.audio_url || jobUrl(view.id, '/audio');
  if (!Array.isArray(res.candidates) || res.candidates.length === 0) {
    return [{ url: best, score: res.clap_score ?? null, label: 'Result' }];
  }
  return res.candidates.map((c, k) => ({
    url: c.audio_url || c.url || jobUrl(view.id, `/audio?candidate=${k}`),
    score: c.score ?? null,
    label: k === 0 ? `Candidate ${k + 1} (best)` : `Candidate ${k + 1}`,
  }));
}

function renderResult(view) {
  const list = candidateList(view);
  const short = String(view.id).slice(0, 8);
  const boxes = list.map((c, k) => {
    const box = document.createElement('div');
    box.className = 'candidate';
    const head = document.createElement('div');
    head.className = 'candidate-head';
    const title = document.createElement('span');
    title.textContent = c.label + (c.score != null ? ` · score ${Number(c.score).toFixed(3)}` : '');
    head.append(title);
    if (list.length > 1) {
      const dl = document.createElement('a');
      setMedia(dl, 'href', c.url);
      dl.download = `audioldm2-${short}-${k + 1}.wav`;
      dl.textContent = 'download';
      head.append(dl);
    }
    const audio = document.createElement('audio');
    audio.controls = true;
    audio.preload = 'metadata';
    setMedia(audio, 'src', c.url);
    audio.setAttribute('aria-label', c.label);
    audio.addEventListener('play', () => {
      for (const other of document.querySelectorAll('#candidates audio')) if (other !== audio) other.pause();
      box.classList.add('playing');
    });
    audio.addEventListener('pause', () => box.classList.remove('playing'));
    audio.addEventListener('ended', () => box.classList.remove('playing'));
    box.append(head, audio);
    return box;
  });
  $('candidates').replaceChildren(...boxes);
  const img = $('spectrogram');
  img.closest('figure').hidden = false;
  img.onerror = () => { img.closest('figure').hidden = true; };
  setMedia(img, 'src', jobUrl(view.id, '/spectrogram.png'));
  const download = $('download');
  setMedia(download, 'href', list[0].url);
  download.download = `audioldm2-${short}.wav`;
  download.hidden = false;
  $('play-all').hidden = list.length < 2;
  $('result').hidden = false;
}

/** True for a running view behind the one shown for the same run (an event delivered late): the bar never goes back. */
function stale(view) {
  const shown = current.view;
  const fraction = view.progress && view.progress.fraction;
  const before = shown && shown.progress && shown.progress.fraction;
  return view.status === 'running' && shown && shown.status === 'running' && shown.started_at === view.started_at
    && fraction != null && before != null && fraction < before;
}

function renderJob(view) {
  if (!current || view.id !== current.id || stale(view)) return;
  current.view = view;
  const badge = $('job-status');
  badge.textContent = view.status;
  badge.className = `badge ${view.status}`;
  $('job-prompt').textContent = view.request && view.request.prompt ? `“${view.request.prompt}”` : '';
  renderProgress(view);
  renderFacts(view);
  const err = $('job-error');
  err.hidden = !view.error;
  err.textContent = view.error ? `Error ${view.error.status_code ?? ''}: ${detailText(view.error.detail)}` : '';
  if (view.status === 'succeeded' && view.result) {
    if (current.rendered !== view.id) renderResult(view);
    current.rendered = view.id;
  } else {
    $('result').hidden = true;
    $('download').hidden = true;
    $('play-all').hidden = true;
  }
  $('cancel').hidden = TERMINAL.has(view.status);
  $('delete').hidden = !TERMINAL.has(view.status);
}

function jobGone(message = 'This job no longer exists.') {
  closeStream();
  current = null;
  history.replaceState(null, '', location.pathname + location.search);
  $('job').hidden = true;
  showFormError(null);
  $('notice').textContent = message;
  refreshHistory();
}

async function cancelJob() {
  if (!current) return;
  const id = current.id;
  $('cancel').disabled = true;
  try {
    const res = await api('DELETE', jobUrl(id));
    if (res.status === 200 && res.data) renderJob(res.data);
    else if (res.status === 204 || res.status === 404) jobGone('The job had already finished and is removed.');
    else showJobError(res);
  } finally {
    $('cancel').disabled = false;
    refreshHistory();
  }
}

async function deleteJob() {
  if (!current) return;
  const res = await api('DELETE', jobUrl(current.id));
  if (res.status === 204 || res.status === 404) jobGone('Job deleted.');
  else if (res.ok && res.data) renderJob(res.data);
  else showJobError(res);
}

function showJobError(res) {
  const err = $('job-error');
  err.textContent = `${res.status}: ${detailText(res.data && res.data.detail)}`;
  err.hidden = false;
}

function playAll() {
  const players = [...document.querySelectorAll('#candidates audio')];
  players.forEach((audio, k) => {
    audio.onended = k + 1 < players.length ? () => { players[k + 1].currentTime = 0; players[k + 1].play(); } : null;
  });
  if (players.length) { players[0].currentTime = 0; players[0].play(); }
}

// ---------------------------------------------------------------------------------------------------------------
// History: GET /jobs, newest first. The service keeps it, so it survives a reload.

async function refreshHistory() {
  let res;
  const status = $('history-status').value;
  const query = `limit=${HISTORY_LIMIT}` + (status ? `&status=${encodeURIComponent(status)}` : '');
  try { res = await api('GET', `/jobs?${query}`); } catch { res = null; }
  const empty = $('history-empty');
  if (!res || !res.ok || !res.data || !Array.isArray(res.data.jobs)) {
    empty.textContent = `History unavailable${res ? ` (${res.status})` : ''}.`;
    empty.hidden = false;
    return;
  }
  const items = res.data.jobs.map((job) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.jobId = job.id;
    const badge = document.createElement('span');
    badge.className = `badge ${job.status}`;
    badge.textContent = job.status;
    const prompt = document.createElement('span');
    prompt.className = 'h-prompt';
    prompt.textContent = (job.request && job.request.prompt) || job.id;
    const when = document.createElement('span');
    when.className = 'h-when';
    when.textContent = fmtTime(job.created_at);
    button.append(badge, prompt, when);
    button.title = `Open job ${job.id}`;
    button.addEventListener('click', () => reopen(job.id));
    li.append(button);
    return li;
  });
  $('history').replaceChildren(...items);
  empty.hidden = items.length > 0;
  if (!items.length) empty.textContent = status ? `No ${status} jobs.` : 'No jobs yet.';
  markHistory();
}

function markHistory() {
  for (const b of document.querySelectorAll('#history button')) {
    b.setAttribute('aria-current', String(!!current && b.dataset.jobId === current.id));
  }
}

async function reopen(id) {
  const res = await api('GET', jobUrl(id)).catch(() => null);
  if (res && res.ok && res.data) openJob(res.data);
  else if (res && res.status === 404) jobGone();
  else showFormError(`Could not open the job${res ? ` (${res.status})` : ''}.`);
}

// ---------------------------------------------------------------------------------------------------------------

async function showHealth() {
  const el = $('model');
  try {
    const res = await api('GET', '/health');
    const h = res.data || {};
    el.replaceChildren(`model ${h.model || 'unknown'} · ${h.status || res.status}`);
    if (h.model === 'tiny-random') {
      const warn = document.createElement('span');
      warn.className = 'warn';
      warn.textContent = ' · random test weights: it makes noise, not audio';
      el.append(warn);
    }
    if (!res.ok) setTimeout(showHealth, 3000);
  } catch {
    el.textContent = 'service unreachable';
    setTimeout(showHealth, 3000);
  }
}

async function init() {
  const tokenInput = $('token');
  tokenInput.value = token();
  tokenInput.addEventListener('change', () => {
    const t = tokenInput.value.trim();
    if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
    $('token-status').classList.remove('error');
    $('token-status').textContent = t ? 'Token set for this tab.' : 'No token.';
    loadSchema();
    refreshHistory();
  });
  $('form').addEventListener('submit', onSubmit);
  $('audio_input').addEventListener('change', () => { $('strength').disabled = !$('audio_input').files.length; });
  $('cancel').addEventListener('click', cancelJob);
  $('delete').addEventListener('click', deleteJob);
  $('reuse').addEventListener('click', () => current && fillForm(current.view.request));
  $('play-all').addEventListener('click', playAll);
  $('history-refresh').addEventListener('click', refreshHistory);
  $('history-status').addEventListener('change', refreshHistory);
  setInterval(() => { if (document.visibilityState === 'visible') refreshHistory(); }, 15000);
  showHealth();
  await Promise.all([loadSchema(), refreshHistory()]);
  const m = /^#job=(.+)$/.exec(location.hash);
  if (m) await reopen(decodeURIComponent(m[1]));
  document.body.dataset.ready = 'true';
}

init();
