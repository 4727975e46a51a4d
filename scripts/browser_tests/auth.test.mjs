// The playground against a service with bearer-token authentication on (AUDIOLDM2_AUTH_TOKENS): without a token,
// or with a wrong one, the page says so (401); with the right one in "Access token" it generates, plays the audio
// (fetched with the header, as a blob) and keeps the token in sessionStorage only. Run: cd scripts/browser_tests && node --test
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startService } from './service.mjs';

const TOKEN = 'browser-test-token-7f3a';
let service;
let browser;

before(async () => {
  if (process.env.PLAYGROUND_URL) return; // needs its own service with a token
  service = await startService({ env: { AUDIOLDM2_AUTH_TOKENS: TOKEN }, name: 'service-auth' });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

test('with auth on: a clear message on 401, then the token field makes generation work', { timeout: 300_000,
  skip: !!process.env.PLAYGROUND_URL }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(service.url + '/');
  await page.waitForSelector('body[data-ready=true]');
  const status = page.locator('#token-status');
  const tokenField = page.getByLabel('Access token', { exact: true });
  assert.equal(await tokenField.getAttribute('type'), 'password');

  // no token: the service's 401 is explained next to the field
  await page.getByLabel('Prompt', { exact: true }).fill('rain on a roof');
  await page.getByLabel('Duration', { exact: true }).fill('1');
  await page.getByLabel('Steps', { exact: true }).fill('10');
  await page.getByRole('button', { name: 'Generate' }).click();
  await status.filter({ hasText: 'needs an access token (401)' }).waitFor({ timeout: 30_000 });

  // a wrong token: refused, said so
  await tokenField.fill('wrong');
  await tokenField.dispatchEvent('change');
  await page.getByRole('button', { name: 'Generate' }).click();
  await status.filter({ hasText: 'refused this access token (401' }).waitFor({ timeout: 30_000 });

  // the right one: the job runs and its audio plays
  await tokenField.fill(TOKEN);
  await tokenField.dispatchEvent('change');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('audioldm2.token')), TOKEN);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.locator('#job-status', { hasText: /^succeeded$/ }).waitFor({ timeout: 150_000 });
  const audio = page.locator('#candidates audio');
  await page.waitForFunction(() => document.querySelector('#candidates audio')?.src.startsWith('blob:'));
  const media = await audio.evaluate(async (a) => {
    if (a.readyState < 1) await new Promise((ok, ko) => { a.onloadedmetadata = ok; a.onerror = () => ko(new Error('audio error')); });
    return { duration: a.duration, src: a.src };
  });
  assert.ok(Math.abs(media.duration - 1) < 0.05, `the audio lasts 1 s: ${media.duration}`);
  const id = decodeURIComponent(new URL(page.url()).hash.replace(/^#job=/, ''));
  // the job really is behind the token: without it the same URL is 401
  assert.equal(await page.evaluate(async (jid) => (await fetch(`/jobs/${jid}/audio`)).status, id), 401);

  // a reload in the same tab keeps the token; a new tab (another context) does not have it
  await page.reload();
  await page.waitForSelector('body[data-ready=true]');
  assert.equal(await tokenField.inputValue(), TOKEN);
  const other = await (await browser.newContext()).newPage();
  await other.goto(service.url + '/');
  await other.waitForSelector('body[data-ready=true]');
  assert.equal(await other.getByLabel('Access token', { exact: true }).inputValue(), '');
  assert.deepEqual(errors, []);
});
