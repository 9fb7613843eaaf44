/*
 * helpers.mjs - what the page tests share: a real fidelis server on a fresh
 * database and a free port, Debian's Chromium through playwright-core (never a
 * downloaded browser), and small waiting helpers.
 */
import { spawn, execFile } from 'node:child_process';
import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const fidelisBin = process.env.FIDELIS_BIN
  ? path.resolve(process.env.FIDELIS_BIN)
  : path.resolve(here, '../../build/fidelis');
export const chromiumBin = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const execFileP = promisify(execFile);

/*
 * Starts `fidelis serve` on a new database made by `fidelis init`. Returns
 * {url, tillKey, adminKey, api(), write(), stop()}; write() sets things up
 * (stores, staff, members) through the API with the admin key.
 */
export async function startServer() {
  try {
    await access(fidelisBin, constants.X_OK);
  } catch {
    throw new Error(`no fidelis binary at ${fidelisBin}: build it or set FIDELIS_BIN`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'fidelis-web-'));
  const db = path.join(dir, 't.db');
  const { stdout } = await execFileP(fidelisBin, ['init', '--db', db], { timeout: 30000 });
  const till = /^till key:\s+(\S+)/m.exec(stdout);
  const admin = /^admin key:\s+(\S+)/m.exec(stdout);
  if (!till) throw new Error(`fidelis init printed no till key:\n${stdout}`);

  const proc = spawn(fidelisBin, ['serve', '--db', db, '--port', '0', '--web', path.join(repoRoot, 'web')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const listening = new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`fidelis serve did not start listening in 20 s:\n${log}`)), 20000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      /* Keep reading for the server's whole life so its log never blocks it. */
      log = (log + chunk).slice(-20000);
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        let ev;
        try { ev = JSON.parse(line); } catch { continue; }
        if (ev && ev.event === 'listening' && ev.port) {
          clearTimeout(timer);
          resolve({ address: ev.address || '127.0.0.1', port: Number(ev.port) });
        }
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`fidelis serve exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
  let where;
  try {
    where = await listening;
  } catch (e) {
    proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const host = where.address === '0.0.0.0' ? '127.0.0.1' : where.address;
  const url = `http://${host}:${where.port}`;

  async function api(method, p, { key = till[1], body, headers = {} } = {}) {
    const h = { ...headers };
    if (key) h.Authorization = `Bearer ${key}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(url + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, json, text };
  }

  /* A write with an admin key (or another key) and a fresh Idempotency-Key; throws unless 2xx. */
  let writes = 0;
  async function write(method, p, body, { key = admin && admin[1] } = {}) {
    writes += 1;
    const r = await api(method, p, { key, body, headers: { 'Idempotency-Key': `test-setup-${writes}-${Date.now()}` } });
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${p} answered ${r.status}: ${r.text}`);
    return r.json;
  }

  async function stop() {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  }

  return { url, tillKey: till[1], adminKey: admin && admin[1], api, write, stop, log: () => log };
}

/* Launches Debian's Chromium headless with a fresh profile. Returns {context, close()}. */
export async function launchBrowser() {
  const profile = await mkdtemp(path.join(tmpdir(), 'fidelis-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumBin,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1180, height: 820 }, /* a landscape tablet */
      locale: 'en-GB',
      timezoneId: 'Europe/Madrid',
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  async function close() {
    await context.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  }
  return { context, close };
}

/* Waits until locator's text matches pattern (a RegExp or a substring). Returns the text. */
export async function waitForText(locator, pattern, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await locator.count() > 0) {
        last = (await locator.first().innerText({ timeout: 1000 })).trim();
        const ok = pattern instanceof RegExp ? pattern.test(last) : last.includes(pattern);
        if (ok) return last;
      }
    } catch { /* not there yet */ }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${pattern} in ${locator}; last text: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/* Waits until fn() is truthy. */
export async function waitFor(fn, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
