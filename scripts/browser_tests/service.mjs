// Starts the packaged service (target/quarkus-app/quarkus-run.jar) on a free loopback port with the committed tiny
// bundle and an empty data folder, and waits for GET /health 200. PLAYGROUND_URL=http://host:port instead points
// the tests at a service that is already running (nothing is started or stopped then).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILD = path.join(ROOT, 'build');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startService({ startTimeoutMs = 180_000, env: extraEnv = {}, name = 'service' } = {}) {
  if (process.env.PLAYGROUND_URL) {
    return { url: process.env.PLAYGROUND_URL.replace(/\/+$/, ''), stop: async () => {} };
  }
  const jar = path.join(ROOT, 'target/quarkus-app/quarkus-run.jar');
  if (!fs.existsSync(jar)) {
    throw new Error(`${jar} is missing: build it first (./mvnw -B -ntp package -DskipTests)`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audioldm2-browser-tests-'));
  const logDir = path.join(BUILD, 'browser-tests');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const log = fs.openSync(logFile, 'w');
  const env = { ...process.env };
  // The committed tiny bundle and the embedded store, whatever the caller's shell sets.
  delete env.AUDIOLDM2_MODEL_DIR;
  delete env.AUDIOLDM2_JOBS_STORE_URL;
  Object.assign(env, {
    QUARKUS_HTTP_PORT: String(port), QUARKUS_HTTP_HOST: '127.0.0.1', DJL_OFFLINE: 'true', AUDIOLDM2_DATA_DIR: dataDir,
    ...extraEnv,
  });
  const child = spawn(process.env.JAVA || 'java', ['-jar', jar], { cwd: ROOT, env, stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  process.on('exit', () => { if (!exited) child.kill('SIGKILL'); }); // never leave the JVM behind
  const tail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`the service exited (${JSON.stringify(exited)}) before it was healthy:\n${tail()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`GET ${url}/health was not 200 within ${startTimeoutMs / 1000} s:\n${tail()}`);
    }
    await sleep(250);
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(200);
      if (!exited) child.kill('SIGKILL');
    }
    fs.closeSync(log);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { url, stop, logFile };
}
