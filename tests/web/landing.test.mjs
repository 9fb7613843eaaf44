/* The landing page: says what the server is, links to the till and the API's own endpoints. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, waitForText } from './helpers.mjs';

let server;
let browser;
let page;
const pageErrors = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(new Error(m.text())); });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('landing page loads and says what this server is', { timeout: 60000 }, async () => {
  const res = await page.goto(`${server.url}/`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /text\/html/);
  assert.match(await page.title(), /Fidelis/);
  assert.match(await page.locator('h1').innerText(), /Fidelis loyalty server/);
  await waitForText(page.locator('#health-status'), 'running');

  const snippet = await page.locator('#curl-snippet').innerText();
  assert.match(snippet, /curl -X POST/);
  assert.ok(snippet.includes(`${server.url}/v1/purchases`), 'the snippet uses this server\'s address');
  assert.match(snippet, /Authorization: Bearer KEY/);
  assert.match(snippet, /"txn_id"/);

  /* The stylesheet applied: the top bar is dark. */
  const bg = await page.locator('.topbar').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(bg, 'rgb(23, 32, 47)');
  assert.deepEqual(pageErrors, []);
});

test('every link on the landing page works', { timeout: 60000 }, async () => {
  await page.goto(`${server.url}/`);
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const want of ['/till', '/openapi.json', '/metrics', '/healthz']) {
    assert.ok(hrefs.includes(want), `a link to ${want}`);
  }
  for (const href of new Set(hrefs)) {
    const res = await page.request.get(new URL(href, server.url).href);
    assert.equal(res.status(), 200, `${href} answers 200`);
  }
  const openapi = await (await page.request.get(`${server.url}/openapi.json`)).json();
  assert.ok(openapi.openapi && openapi.paths, 'openapi.json is an OpenAPI document');
  const metrics = await (await page.request.get(`${server.url}/metrics`)).text();
  assert.match(metrics, /^# (HELP|TYPE) /m);
  assert.deepEqual(await (await page.request.get(`${server.url}/healthz`)).json(), { status: 'ok' });

  await page.getByRole('link', { name: 'Till', exact: true }).first().click();
  await page.waitForURL(`${server.url}/till`);
  await waitForText(page.locator('h1'), 'Open the till');
  assert.deepEqual(pageErrors, []);
});
