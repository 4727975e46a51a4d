// The playground at / in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core), against the
// packaged service with the committed tiny bundle. Run: cd scripts/browser_tests && npm ci && node --test
// The tests hold on to what a person sees: labels, the button named "Generate", the progress bar, <audio>.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BUILD, startService } from './service.mjs';

const JOB_TIMEOUT = 150_000;
const TEST = { timeout: 300_000 };
let service;
let browser;

before(async () => {
  service = await startService();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
  fs.mkdirSync(BUILD, { recursive: true });
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

/** A fresh page at / (or at url), ready; page errors and failed console calls fail the test at check(). */
async function openPage(url = '/') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 960 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // Chromium logs a refused request (the 422 test's POST, a GET of a deleted job) as a failed resource load.
    const refusedJobCall = /status of 4\d\d/.test(m.text()) && /\/jobs/.test(m.location().url || '');
    if (m.type() === 'error' && !refusedJobCall) problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.check = () => assert.deepEqual(problems, [], 'no page errors');
  await page.goto(service.url + url);
  await page.waitForSelector('body[data-ready=true]');
  return page;
}

const field = (page, label) => page.getByLabel(label, { exact: true });

async function fill(page, values) {
  for (const [label, value] of Object.entries(values)) await field(page, label).fill(String(value));
}

/** Records every value and text the progress bar shows from now on. */
async function watchProgress(page) {
  await page.evaluate(() => {
    const bar = document.querySelector('#job progress');
    window.progressSeen = [];
    new MutationObserver(() => window.progressSeen.push({
      value: bar.hasAttribute('value') ? bar.value : null, text: bar.getAttribute('aria-valuetext'),
    })).observe(bar, { attributes: true, attributeFilter: ['value', 'aria-valuetext'] });
  });
}

async function waitForStatus(page, status, timeout = JOB_TIMEOUT) {
  await page.locator('#job-status', { hasText: new RegExp(`^${status}$`) }).waitFor({ timeout });
}

/** The text of a fact in the job view ("Seed", "Duration", ...). */
async function fact(page, term) {
  return page.locator('#job-facts div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) })
    .locator('dd .value').textContent();
}

const jobId = (page) => decodeURIComponent(new URL(page.url()).hash.replace(/^#job=/, ''));

async function getJob(page, id) {
  // Seeds go up to 2^63-1: kept as strings, as the page keeps them.
  const text = await page.evaluate(async (jid) => (await fetch(`/jobs/${jid}`)).text(), id);
  return JSON.parse(text.replace(/("seed"\s*:\s*)(-?\d{16,})/g, '$1"$2"'));
}

test('type a prompt and generate: the progress bar moves, the audio plays at the right duration', TEST, async () => {
  const page = await openPage();
  // The form shows the service's limits and defaults, read from its OpenAPI document.
  assert.ok(await page.getByRole('combobox', { name: 'Scheduler' }).locator('option').count() > 1);
  await fill(page, { Prompt: 'a hammer hitting a wooden surface', Duration: 2.56, Steps: 40 });
  await watchProgress(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForStatus(page, 'succeeded');

  const seen = await page.evaluate(() => window.progressSeen);
  const values = seen.map((s) => s.value).filter((v) => v !== null);
  const between = [...new Set(values.filter((v) => v > 0 && v < 100))];
  assert.ok(between.length >= 3, `the bar moved through several values: ${JSON.stringify(values)}`);
  for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1], `never backwards: ${values}`);
  assert.equal(values.at(-1), 100);
  const texts = seen.map((s) => s.text).join('\n');
  assert.match(texts, /Denoising · step \d+\/40/, 'stage and step n/N');
  assert.match(texts, /ETA \d/, 'an ETA');
  assert.equal(await page.getByRole('progressbar').getAttribute('value'), '100');

  const audio = page.locator('#candidates audio');
  assert.equal(await audio.count(), 1);
  assert.equal(await audio.getAttribute('controls'), '');
  const media = await audio.evaluate(async (a) => {
    if (a.readyState < 1) await new Promise((ok, ko) => { a.onloadedmetadata = ok; a.onerror = () => ko(new Error('audio error')); });
    await a.play();
    await new Promise((ok) => { const t = () => (a.currentTime > 0 ? ok() : setTimeout(t, 20)); t(); });
    a.pause();
    return { duration: a.duration, src: a.currentSrc, readyState: a.readyState };
  });
  const id = jobId(page);
  const job = await getJob(page, id);
  assert.equal(job.status, 'succeeded');
  assert.ok(media.src.endsWith(`/jobs/${id}/audio`), media.src);
  assert.ok(Math.abs(media.duration - job.result.duration) < 0.01, `audio ${media.duration} s, result ${job.result.duration} s`);
  assert.ok(Math.abs(media.duration - 2.56) < 0.05, `audio ${media.duration} s for 2.56 s asked`);

  // A random seed is shown once it is used: the job view's request.seed.
  assert.equal(await fact(page, 'Seed'), `${job.request.seed} (random)`);
  const spectrogram = page.getByRole('img', { name: 'Mel spectrogram of the result' });
  await spectrogram.evaluate((img) => img.complete || new Promise((ok) => { img.onload = ok; img.onerror = ok; }));
  assert.ok(await spectrogram.evaluate((img) => img.naturalWidth > 0), 'the spectrogram picture loads');
  assert.equal(await page.getByRole('link', { name: 'Download WAV' }).getAttribute('href'), `/jobs/${id}/audio`);
  await page.screenshot({ path: path.join(BUILD, 'playground.png'), fullPage: true });
  page.check();
  await page.context().close();
});

test('several candidates play one by one, each with its score; a finished job can be deleted', TEST, async () => {
  const page = await openPage();
  await fill(page, { Prompt: 'a dog barks twice', Duration: 1, Steps: 10, Candidates: 2, Seed: 7 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForStatus(page, 'succeeded');
  const boxes = page.locator('#candidates .candidate');
  assert.equal(await boxes.count(), 2);
  for (let k = 0; k < 2; k++) {
    assert.match(await boxes.nth(k).innerText(), new RegExp(`Candidate ${k + 1}.*score -?\\d+\\.\\d{3}`));
    const duration = await boxes.nth(k).locator('audio').evaluate((a) => (a.readyState >= 1 ? a.duration
      : new Promise((ok) => { a.onloadedmetadata = () => ok(a.duration); })));
    assert.ok(Math.abs(duration - 1) < 0.05, `candidate ${k + 1}: ${duration} s`);
  }
  assert.equal(await fact(page, 'Seed'), '7');
  // "Play candidates one by one": the first plays, and when it ends the second does.
  await page.getByRole('button', { name: 'Play candidates one by one' }).click();
  await page.locator('#candidates .candidate').nth(1).and(page.locator('.playing')).waitFor({ timeout: 10_000 });

  await page.screenshot({ path: path.join(BUILD, 'playground-candidates.png'), fullPage: true });

  const id = jobId(page);
  await page.getByRole('button', { name: 'Delete job', exact: true }).click();
  await page.locator('#job').waitFor({ state: 'hidden' });
  assert.equal(await page.getByRole('status').textContent(), 'Job deleted.');
  assert.equal(await page.evaluate(async (jid) => (await fetch(`/jobs/${jid}`)).status, id), 404);
  assert.equal(await page.locator(`#history button[data-job-id="${id}"]`).count(), 0);
  page.check();
  await page.context().close();
});

test('cancel a running job', TEST, async () => {
  const page = await openPage();
  await fill(page, { Prompt: 'a very long thunderstorm', Duration: 10, Steps: 500 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForStatus(page, 'running');
  await page.locator('#progress-text', { hasText: /step [1-9]\d*\/500/ }).waitFor({ timeout: JOB_TIMEOUT });
  await page.screenshot({ path: path.join(BUILD, 'playground-running.png'), fullPage: true });
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await waitForStatus(page, 'cancelled', 30_000);
  assert.equal(await page.locator('#progress-text').innerText(), 'Cancelled.');
  assert.ok(await page.getByRole('button', { name: 'Cancel', exact: true }).isHidden());
  const job = await getJob(page, jobId(page));
  assert.equal(job.status, 'cancelled');
  assert.equal(await page.locator('#candidates audio').count(), 0);
  await page.screenshot({ path: path.join(BUILD, 'playground-cancelled.png'), fullPage: true });
  page.check();
  await page.context().close();
});

test('reload and find the job again in the history, and reopen it from there', TEST, async () => {
  const page = await openPage();
  const prompt = `rain on a tin roof ${Date.now()}`;
  await fill(page, { Prompt: prompt, Duration: 1, Steps: 10 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForStatus(page, 'succeeded');
  const id = jobId(page);

  await page.reload();
  await page.waitForSelector('body[data-ready=true]');
  const entry = page.getByRole('list', { name: 'Recent jobs' }).getByRole('button', { name: new RegExp(prompt) });
  assert.equal(await entry.count(), 1);
  assert.match(await entry.textContent(), /^succeeded/);
  assert.equal(await entry.getAttribute('data-job-id'), id);
  await waitForStatus(page, 'succeeded'); // the URL's #job= reopens it
  // The history's filter asks GET /jobs?status=.
  const show = page.getByRole('combobox', { name: 'Show' });
  await show.selectOption('cancelled');
  await entry.waitFor({ state: 'detached' });
  await show.selectOption('succeeded');
  await entry.waitFor();

  // A new page without the job in its URL: the history lists it, a click opens it with its audio.
  const other = await openPage();
  await other.getByRole('list', { name: 'Recent jobs' }).getByRole('button', { name: new RegExp(prompt) }).click();
  await waitForStatus(other, 'succeeded');
  assert.match(await other.locator('#job-prompt').innerText(), new RegExp(prompt));
  assert.equal(await other.locator('#candidates audio').getAttribute('src'), `/jobs/${id}/audio`);
  page.check();
  other.check();
  await page.context().close();
  await other.context().close();
});

/** A mono 16-bit WAV of a sine, seconds long. */
function sineWav(seconds, rate = 16000) {
  const n = Math.round(seconds * rate);
  const wav = Buffer.alloc(44 + 2 * n);
  wav.write('RIFF', 0); wav.writeUInt32LE(36 + 2 * n, 4); wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16); wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24); wav.writeUInt32LE(2 * rate, 28); wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34);
  wav.write('data', 36); wav.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  return wav;
}

test('audio-to-audio: an uploaded file with its strength; an unusable file is refused next to its field', TEST, async () => {
  const page = await openPage();
  await fill(page, { Prompt: 'the same tone on a church organ', Steps: 10 });
  assert.ok(await field(page, 'Strength').isDisabled(), 'strength only with an input');
  await field(page, 'Input audio').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not audio') });
  await page.getByRole('button', { name: 'Generate' }).click();
  const message = page.locator('[data-field=audio_input_b64] .field-error');
  await message.waitFor();
  assert.equal(await field(page, 'Input audio').getAttribute('aria-invalid'), 'true');

  await field(page, 'Input audio').setInputFiles({ name: 'tone.wav', mimeType: 'audio/wav', buffer: sineWav(1.5) });
  await fill(page, { Strength: 0.3 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForStatus(page, 'succeeded');
  const job = await getJob(page, jobId(page));
  assert.equal(job.request.strength, 0.3);
  assert.equal(await fact(page, 'Strength'), '0.3');
  // Duration left empty: the input's length.
  const duration = await page.locator('#candidates audio').evaluate((a) => (a.readyState >= 1 ? a.duration
    : new Promise((ok) => { a.onloadedmetadata = () => ok(a.duration); })));
  assert.ok(Math.abs(duration - 1.5) < 0.05, `${duration} s for a 1.5 s input`);
  page.check();
  await page.context().close();
});

test('a 422 is shown next to its field', TEST, async () => {
  const page = await openPage();
  await fill(page, { Prompt: 'a cat meows', Duration: 99, Seed: 'abc' });
  await page.getByRole('button', { name: 'Generate' }).click();
  const duration = field(page, 'Duration');
  const message = page.locator('[data-field=duration] .field-error');
  await message.waitFor();
  assert.match(await message.innerText(), /less than or equal to/);
  assert.equal(await duration.getAttribute('aria-invalid'), 'true');
  assert.equal(await duration.getAttribute('aria-describedby'), await message.getAttribute('id'));
  assert.match(await page.locator('[data-field=seed] .field-error').innerText(), /integer/);
  assert.equal(await field(page, 'Prompt').getAttribute('aria-invalid'), null);
  assert.ok(await page.locator('#job').isHidden(), 'no job was made');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'duration');
  await page.screenshot({ path: path.join(BUILD, 'playground-422.png'), fullPage: true });

  // Corrected, the errors go and the job runs.
  await fill(page, { Duration: 1, Steps: 10, Seed: '' });
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForStatus(page, 'succeeded');
  assert.equal(await page.locator('.field-error').count(), 0);
  assert.equal(await duration.getAttribute('aria-invalid'), null);
  page.check();
  await page.context().close();
});
