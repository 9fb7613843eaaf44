/*
 * The admin page, against the real binary: a staff admin logs in, adds a
 * store and a cashier, applies a program file (a bad one first), reads the
 * audit log and the unusual-staff-activity report; an auditor sees no write
 * controls; logging out ends the session. The tests run in order on one page.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, waitForText, waitFor } from './helpers.mjs';

let server;
let browser;
let page;
const pageErrors = [];
const requests = [];
const PASSWORD = 'correct horse battery';
let memberCard;

const GOOD_PROGRAM = 'program: {name: Admin Test, currency: EUR, time_zone: Europe/Madrid}\n' +
  'earn:\n  - {id: base, rate: 1}\n';
const BAD_PROGRAM = 'program: {name: Admin Test, currency: EUR, time_zone: Europe/Madrid}\n' +
  'earn:\n  - {id: base, rate: lots}\n';

before(async () => {
  server = await startServer();
  await server.write('POST', '/v1/staff', { login: 'owner', name: 'Olga Owner', role: 'admin', password: PASSWORD });
  await server.write('POST', '/v1/staff', { login: 'audrey', name: 'Audrey Auditor', role: 'auditor', password: PASSWORD });
  const enrolled = await server.write('POST', '/v1/members', { name: 'Pepe Cashier' }, { key: server.tillKey });
  memberCard = enrolled.card.display;
  browser = await launchBrowser();
  browser.context.on('request', (r) => requests.push({ method: r.method(), url: r.url(), headers: r.headers() }));
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  page.on('pageerror', (e) => pageErrors.push(e));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function login(user) {
  const form = page.locator('#login-form');
  await form.getByLabel('Staff login').fill(user);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#admin').waitFor({ state: 'visible' });
}

async function section(name, id) {
  await page.locator('#admin-nav').getByRole('link', { name, exact: true }).click();
  await page.locator(`#${id}`).waitFor({ state: 'visible' });
}

test('the page is served and linked from the landing page', { timeout: 60000 }, async () => {
  await page.goto(`${server.url}/`);
  await page.locator('.topbar').getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL(`${server.url}/admin`);
  await waitForText(page.locator('h1').first(), 'Log in to the admin page');
  assert.equal(await page.locator('#admin').isVisible(), false);
});

test('a staff admin logs in and sees who they are', { timeout: 60000 }, async () => {
  const form = page.locator('#login-form');
  await form.getByLabel('Staff login').fill('owner');
  await form.getByLabel('Password').fill('not the password');
  await form.getByRole('button', { name: 'Log in' }).click();
  await waitForText(page.locator('#login-form .problem'), /401/);
  assert.equal(await page.locator('#admin-password').getAttribute('aria-invalid'), 'true');

  await login('owner');
  await waitForText(page.locator('#who'), 'Olga Owner (owner) · program admin');
  const token = await page.evaluate(() => sessionStorage.getItem('fidelis.adminToken'));
  assert.match(token, /^fds_/);
  assert.equal(await page.locator('#admin-password').inputValue(), '');
  await waitForText(page.locator('#program-currency'), 'EUR');
  await waitForText(page.locator('#versions'), 'No program file applied yet');
  /* No partners: no coalition section. */
  assert.equal(await page.locator('#admin-nav a[data-section="coalition"]').isVisible(), false);
});

test('a store with a bad time zone shows the API\'s error at the field and adds nothing; a good one is listed', { timeout: 60000 }, async () => {
  await section('Stores', 'stores');
  await page.getByLabel('Code').fill('BCN-01');
  await page.getByLabel('Name', { exact: true }).fill('Barcelona Centre');
  await page.getByLabel('Time zone').fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Add store' }).click();
  const err = await waitForText(page.locator('#store-tz-error'), /time zone/);
  assert.match(err, /Mars\/Olympus/);
  assert.equal(await page.locator('#store-tz').getAttribute('aria-invalid'), 'true');
  await waitForText(page.locator('#store-form .problem'), /400/);
  assert.deepEqual((await server.api('GET', '/v1/stores')).json.stores, []);

  await page.getByLabel('Time zone').fill('Europe/Madrid');
  await page.getByLabel('Address').fill('Carrer Major 1');
  await page.getByRole('button', { name: 'Add store' }).click();
  await waitForText(page.locator('#store-result'), 'Added store BCN-01');
  await waitForText(page.locator('#stores-list tr[data-code="BCN-01"]'), 'Carrer Major 1');
  assert.equal(await page.locator('#store-tz').getAttribute('aria-invalid'), null);
  const stores = (await server.api('GET', '/v1/stores')).json.stores;
  assert.deepEqual(stores.map((s) => [s.code, s.time_zone]), [['BCN-01', 'Europe/Madrid']]);

  /* Edit it: the name changes, the code stays. */
  await page.getByRole('button', { name: 'Edit store BCN-01' }).click();
  assert.equal(await page.locator('#store-code').isDisabled(), true);
  await page.getByLabel('Name', { exact: true }).fill('Barcelona Centre (Born)');
  await page.getByRole('button', { name: 'Save store' }).click();
  await waitForText(page.locator('#stores-list tr[data-code="BCN-01"]'), 'Born');
  assert.equal((await server.api('GET', '/v1/stores')).json.stores[0].name, 'Barcelona Centre (Born)');
});

test('add a cashier and see them listed; link their own card', { timeout: 60000 }, async () => {
  await section('Staff', 'staff');
  await waitForText(page.locator('#staff-list'), 'audrey');
  const form = page.locator('#staff-form');
  await form.getByLabel('Login').fill('pepe');
  await form.getByLabel('Full name').fill('Pepe Cashier');
  await form.getByLabel('Role').selectOption('cashier');
  await form.getByLabel('Store').selectOption('BCN-01');
  await form.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Add staff account' }).click();
  await waitForText(page.locator('#staff-password-error'), /12 to 128/);
  await form.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Add staff account' }).click();
  await waitForText(page.locator('#staff-result'), 'Added Pepe Cashier (pepe), cashier at BCN-01');
  await waitForText(page.locator('#staff-list tr[data-login="pepe"]'), 'BCN-01');
  const staff = (await server.api('GET', '/v1/staff', { key: server.adminKey })).json.staff;
  assert.deepEqual(staff.find((s) => s.login === 'pepe').store, 'BCN-01');

  /* A second one with the same login: the API's 409 names the field. */
  await form.getByLabel('Login').fill('pepe');
  await form.getByLabel('Full name').fill('Another Pepe');
  await form.getByLabel('Store').selectOption('BCN-01');
  await form.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Add staff account' }).click();
  await waitForText(page.locator('#staff-login-error'), /./);
  await waitForText(page.locator('#staff-form .problem'), /409/);
  await form.getByLabel('Login').fill('');
  await form.getByLabel('Full name').fill('');
  await form.getByLabel('Password').fill('');

  /* Pepe's own loyalty card, by its number. */
  await page.getByRole('button', { name: 'Link a card to pepe' }).click();
  await page.getByLabel('Card number or member id').fill(memberCard);
  await page.getByRole('button', { name: 'Link card', exact: true }).click();
  await waitForText(page.locator('#link-result'), /Linked pepe to member \d+ \(Pepe Cashier\)/);
  await waitForText(page.locator('#staff-list tr[data-login="pepe"]'), /member \d+/);
});

test('disabling a cashier ends their session at once; enabling lets them back; an admin sets a new password', { timeout: 60000 }, async () => {
  const login = (password) => server.api('POST', '/v1/sessions', { key: '', body: { login: 'pepe', password } });
  const first = await login(PASSWORD);
  assert.equal(first.status, 201);
  const token = first.json.token;
  assert.equal((await server.api('GET', '/v1/me', { key: token })).status, 200);

  const row = page.locator('#staff-list tr[data-login="pepe"]');
  await page.getByRole('button', { name: 'Disable pepe' }).click();
  await page.getByRole('button', { name: /Confirm: disable pepe/ }).click();
  await waitForText(row, /disabled/);
  assert.equal((await server.api('GET', '/v1/me', { key: token })).status, 401);
  assert.equal((await login(PASSWORD)).status, 401);

  await page.getByRole('button', { name: 'Enable pepe' }).click();
  await waitForText(row, 'active');
  assert.equal((await login(PASSWORD)).status, 201);

  const form = page.locator('#reset-form');
  await form.getByLabel('Staff account').selectOption({ label: 'Pepe Cashier (pepe)' });
  await form.getByLabel('New password').fill('short');
  await form.getByRole('button', { name: 'Set password' }).click();
  await waitForText(page.locator('#reset-password-error'), /12 to 128/);
  await form.getByLabel('New password').fill('a brand new passphrase');
  await form.getByRole('button', { name: 'Set password' }).click();
  await waitForText(page.locator('#reset-result'), 'New password set for pepe');
  assert.equal((await login(PASSWORD)).status, 401);
  assert.equal((await login('a brand new passphrase')).status, 201);
  /* back to the old one, for the tests that follow */
  const pepe = (await server.api('GET', '/v1/staff', { key: server.adminKey })).json.staff.find((s) => s.login === 'pepe');
  await server.write('PUT', `/v1/staff/${pepe.id}/password`, { password: PASSWORD });
  /* the admin's own row has no disable button */
  assert.equal(await page.getByRole('button', { name: 'Disable owner' }).count(), 0);
});

test('a program file with an error shows the line and column; a good one becomes the new version', { timeout: 60000 }, async () => {
  await section('Program', 'program');
  await page.getByLabel('Program file', { exact: true }).fill(BAD_PROGRAM);
  await page.getByRole('button', { name: 'Apply program file' }).click();
  const err = await waitForText(page.locator('#apply-source-error'), /line 3, column \d+/);
  assert.match(err, /earn\[0\]\.rate/);
  assert.equal(await page.locator('#apply-source').getAttribute('aria-invalid'), 'true');
  const pointer = await page.locator('#apply-source-line').innerText();
  assert.match(pointer, /^3 \| {3}- \{id: base, rate: lots\}/);
  assert.match(pointer, /\^$/);
  assert.deepEqual((await server.api('GET', '/v1/program/versions')).json.versions, []);

  await page.getByLabel('Program file', { exact: true }).fill(GOOD_PROGRAM);
  await page.getByRole('button', { name: 'Apply program file' }).click();
  await waitForText(page.locator('#apply-success'), 'Applied as version 1');
  await waitForText(page.locator('#versions tr[data-version="1"]'), /in force/i);
  assert.equal(await page.locator('#apply-source-line').isVisible(), false);
  const versions = (await server.api('GET', '/v1/program/versions')).json.versions;
  assert.equal(versions.length, 1);
});

test('the staff-activity report flags the cashier who rang up on their own card', { timeout: 60000 }, async () => {
  const session = await server.api('POST', '/v1/sessions', { key: null, body: { login: 'pepe', password: PASSWORD } });
  assert.equal(session.status, 201, session.text);
  const member = (await server.api('GET', `/v1/members?card=${encodeURIComponent(memberCard)}`)).json.members[0];
  const sale = await server.api('POST', '/v1/purchases', {
    key: session.json.token,
    body: { txn_id: 'ADMIN-T-1', member_id: member.id, currency: 'EUR', lines: [{ sku: 'BREAD', quantity: 1, unit_price: 500 }] },
  });
  assert.equal(sale.status, 201, sale.text);

  await section('Staff activity', 'activity');
  await page.getByRole('button', { name: 'Show report' }).click();
  await waitForText(page.locator('#activity-summary'), /1 of 3 staff accounts flagged/);
  const row = page.locator('#activity-report tr[data-login="pepe"]');
  assert.match(await row.getAttribute('class'), /flagged/);
  assert.match(await row.innerText(), /own card/);
  assert.equal(await page.locator('#activity-report tr.flagged').count(), 1);
  /* The flagged row comes first. */
  assert.equal(await page.locator('#activity-report tbody tr').first().getAttribute('data-login'), 'pepe');
  await page.screenshot({ path: '/tmp/admin-activity.png', fullPage: true });
});

test('the audit log shows those writes, filters by route and pages with next_before', { timeout: 60000 }, async () => {
  /* Enough rows for two pages. */
  for (let i = 0; i < 22; i++) {
    await server.write('POST', '/v1/members', { name: `Filler ${i}` }, { key: server.tillKey });
  }
  await section('Audit log', 'audit');
  await waitForText(page.locator('#audit-list tbody'), 'member_enrol');
  assert.equal(await page.locator('#audit-list tbody tr').count(), 20);
  await page.getByRole('button', { name: 'Older entries' }).click();
  await waitFor(async () => (await page.locator('#audit-list tbody tr').count()) > 20, 'the older page');
  const all = await page.locator('#audit-list tbody').innerText();
  for (const route of ['store_create', 'store_update', 'staff_create', 'staff_link', 'program_apply', 'purchase_create']) {
    assert.ok(all.includes(route), `the log shows ${route}: ${all}`);
  }
  assert.ok(all.includes('staff:owner'));
  assert.ok(all.includes('staff:pepe'));
  const older = requests.filter((r) => r.url.includes('/v1/audit-log') && r.url.includes('before='));
  assert.ok(older.length >= 1, 'the second page asked for entries before the first page\'s last');

  await page.getByLabel('Route').fill('program_apply');
  await page.getByRole('button', { name: 'Show entries' }).click();
  await waitFor(async () => (await page.locator('#audit-list tbody tr').count()) === 1, 'one program_apply row');
  const row = await page.locator('#audit-list tbody tr').innerText();
  assert.match(row, /staff:owner/);
  assert.match(row, /POST \/v1\/program\/versions/);
  assert.equal(await page.getByRole('button', { name: 'Older entries' }).isVisible(), false);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await waitFor(async () => (await page.locator('#audit-list tbody tr').count()) === 20, 'the unfiltered log');
});

test('logging out ends the session on the server', { timeout: 60000 }, async () => {
  const token = await page.evaluate(() => sessionStorage.getItem('fidelis.adminToken'));
  assert.equal((await server.api('GET', '/v1/program', { key: token })).status, 200);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.locator('#login-section').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#admin').isVisible(), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fidelis.adminToken')), null);
  await waitFor(async () => (await server.api('GET', '/v1/program', { key: token })).status === 401, 'the session to end');
});

test('an auditor reads everything and sees no write controls', { timeout: 60000 }, async () => {
  await login('audrey');
  await waitForText(page.locator('#who'), 'Audrey Auditor (audrey) · auditor');
  await waitForText(page.locator('#readonly-note'), /auditor/);
  await section('Program', 'program');
  await waitForText(page.locator('#versions tr[data-version="1"]'), /in force/i);
  const writeControls = ['#apply-form', '#store-form', '#staff-form', '#link-form', '#settle-form'];
  const visibleWrites = async () => {
    const out = [];
    for (const sel of writeControls) if (await page.locator(sel).isVisible()) out.push(sel);
    return out;
  };
  assert.deepEqual(await visibleWrites(), []);
  await section('Stores', 'stores');
  await waitForText(page.locator('#stores-list'), 'BCN-01');
  assert.equal(await page.getByRole('button', { name: /Edit store/ }).count(), 0);
  assert.deepEqual(await visibleWrites(), []);
  await section('Staff', 'staff');
  await waitForText(page.locator('#staff-list'), 'pepe');
  assert.equal(await page.getByRole('button', { name: /Link a card/ }).count(), 0);
  assert.deepEqual(await visibleWrites(), []);
  await section('Audit log', 'audit');
  await waitForText(page.locator('#audit-list tbody'), 'session_create');
  await section('Staff activity', 'activity');
  await waitForText(page.locator('#activity-summary'), /flagged/);
  assert.deepEqual(await visibleWrites(), []);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.locator('#login-section').waitFor({ state: 'visible' });
});

test('a coalition program shows the settlement report and settling asks to confirm', { timeout: 60000 }, async () => {
  await server.write('POST', '/v1/stores', { code: 'CIN-1', name: 'Cinema', time_zone: 'Europe/Madrid' });
  await server.write('POST', '/v1/program/versions', {
    source: 'program: {name: Coalition Test, currency: EUR, time_zone: Europe/Madrid}\n' +
      'partners:\n' +
      '  - {id: bakery, name: Bakery Ana, stores: [BCN-01], settlement_rate: 0.01}\n' +
      '  - {id: cinema, name: Cinema Bel, stores: [CIN-1], settlement_rate: 0.008}\n' +
      'earn:\n  - {id: base, rate: 1}\n',
  });
  await login('owner');
  await waitForText(page.locator('#program-partners'), 'Bakery Ana, Cinema Bel');
  await section('Coalition', 'coalition');
  await waitForText(page.locator('#partners-list'), 'Cinema Bel (cinema)');
  await page.locator('#settle-report-form').getByRole('button', { name: 'Show report' }).click();
  await waitForText(page.locator('#settle-summary'), /Nothing owed/);
  await page.getByRole('button', { name: 'Settle…' }).click();
  await waitForText(page.locator('#settle-confirm-text'), /cannot be undone/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.locator('#settle-confirm').isVisible(), false);
  assert.equal(requests.filter((r) => r.method === 'POST' && r.url.endsWith('/v1/settlements')).length, 0);
  await page.getByRole('button', { name: 'Settle…' }).click();
  await page.getByRole('button', { name: 'Yes, settle' }).click();
  await waitForText(page.locator('#settle-success'), /Nothing was open/);
  await page.screenshot({ path: '/tmp/admin-coalition.png', fullPage: true });
});

test('requests went only to this server and the page raised no errors', async () => {
  const origin = new URL(server.url).origin;
  for (const r of requests) assert.equal(new URL(r.url).origin, origin, `request to ${r.url}`);
  assert.deepEqual(pageErrors, []);
});
