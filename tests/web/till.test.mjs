/*
 * The till page, against the real binary: the API key, enrolment, search,
 * a sale and its receipt, client- and server-side field errors, the history.
 * The tests run in order and share one page, like one cashier's shift.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, waitForText, waitFor } from './helpers.mjs';

let server;
let browser;
let page;
const pageErrors = [];
const requests = []; /* every request the browser made: {method, url, headers, body} */
let memberId;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const writes = (path) => requests.filter((r) => r.method === 'POST' && new URL(r.url).pathname === path);

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  browser.context.on('request', (r) => requests.push({
    method: r.method(), url: r.url(), headers: r.headers(), body: r.postData(),
  }));
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a wrong API key shows the unauthenticated problem', { timeout: 60000 }, async () => {
  await page.goto(`${server.url}/till`);
  await page.getByLabel('Till API key').fill('fdl_not_a_real_key_0000000000');
  await page.getByRole('button', { name: 'Open till' }).click();
  const problem = page.locator('#key-form .problem');
  const text = await waitForText(problem, 'A valid API key is required');
  assert.match(text, /401/);
  assert.match(text, /unauthenticated/);
  assert.equal(await page.locator('#api-key').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#api-key-error').isVisible(), true);
  assert.equal(await page.locator('#till').isVisible(), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fidelis.tillKey')), null);
});

test('the till opens with the right key, kept in sessionStorage', { timeout: 60000 }, async () => {
  await page.getByLabel('Till API key').fill(server.tillKey);
  await page.getByRole('button', { name: 'Open till' }).click();
  await page.locator('#till').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#key-section').isVisible(), false);
  await waitForText(page.locator('#program-info'), 'EUR');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fidelis.tillKey')), server.tillKey);
});

test('enrolling with a bad e-mail shows the server\'s field error; a retry reuses the idempotency key', { timeout: 60000 }, async () => {
  await page.getByLabel('Full name').fill('Ana Bad-Mail');
  await page.locator('#enrol-email').fill('not-an-e-mail');
  await page.getByRole('button', { name: 'Enrol member' }).click();
  const text = await waitForText(page.locator('#enrol-form .problem'), 'email');
  assert.match(text, /400/);
  await waitForText(page.locator('#enrol-email-error'), /e-mail/);
  assert.equal(await page.locator('#enrol-email').getAttribute('aria-invalid'), 'true');

  /* The same form again is a retry: same key. A changed form is a new submission. */
  await page.getByRole('button', { name: 'Enrol member' }).click();
  await waitFor(() => writes('/v1/members').length === 2, 'the second enrolment request');
  await waitForText(page.locator('#enrol-email-error'), /e-mail/);
  const [first, second] = writes('/v1/members');
  assert.match(first.headers['idempotency-key'], UUID);
  assert.equal(second.headers['idempotency-key'], first.headers['idempotency-key']);
  assert.equal(second.body, first.body);
  await page.locator('#enrol-email').fill('');
  await page.getByLabel('Full name').fill('');
});

test('enrol a member with an accented name and see the new card number', { timeout: 60000 }, async () => {
  const before = writes('/v1/members').length;
  await page.getByLabel('Full name').fill('José Pérez');
  await page.locator('#enrol-email').fill('jose.perez@example.com');
  await page.locator('#enrol-phone').fill('+34 600 123 456');
  await page.getByLabel('Birthday').fill('1985-04-12');
  await page.getByLabel('Agrees to receive marketing messages').check();
  await page.getByRole('button', { name: 'Enrol member' }).click();

  const card = await waitForText(page.locator('#new-card-number'), /^8[\d ]+$/);
  assert.equal(card.replace(/\D/g, '').length, 19);
  assert.equal(await page.locator('#enrol-form .problem').isVisible(), false);
  await waitForText(page.locator('#member-name'), 'José Pérez');

  const sent = writes('/v1/members').slice(before);
  assert.equal(sent.length, 1);
  assert.match(sent[0].headers['idempotency-key'], UUID);
  assert.notEqual(sent[0].headers['idempotency-key'], writes('/v1/members')[0].headers['idempotency-key']);
  assert.deepEqual(JSON.parse(sent[0].body), {
    name: 'José Pérez', marketing_consent: true, email: 'jose.perez@example.com',
    phone: '+34 600 123 456', birthday: '1985-04-12',
  });

  /* What the server stored, through the API. */
  const found = await server.api('GET', `/v1/members?email=${encodeURIComponent('jose.perez@example.com')}`);
  assert.equal(found.status, 200);
  assert.equal(found.json.members[0].name, 'José Pérez');
  memberId = found.json.members[0].id;
  const byCard = await server.api('GET', `/v1/members?card=${encodeURIComponent(card)}`);
  assert.equal(byCard.json.members[0].id, memberId);
});

test('find the member by searching "jose" (the key survives a reload)', { timeout: 60000 }, async () => {
  await page.reload();
  await page.locator('#till').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#member-section').isVisible(), false);
  await page.getByLabel('Card number, phone, e-mail or name').fill('jose');
  await page.getByRole('button', { name: 'Find member' }).click();
  await waitForText(page.locator('#find-results'), 'José Pérez');
  await waitForText(page.locator('#find-count'), /1 member found by name/);
  await page.getByRole('button', { name: 'Select José Pérez' }).click();
  await waitForText(page.locator('#member-name'), 'José Pérez');
  assert.equal(await page.locator('#member-points-total').innerText(), '0');
  await page.locator('#sale-section').waitFor({ state: 'visible' });
});

test('ring up 2 × 12.50 and see the receipt: 25 points earned, balance 25', { timeout: 60000 }, async () => {
  await page.locator('#line-0-sku').fill('COFFEE-BEANS');
  await page.locator('#line-0-category').fill('grocery');
  await page.locator('#line-0-quantity').fill('2');
  await page.locator('#line-0-unit_price').fill('12.50');
  await waitForText(page.locator('#sale-total'), '25.00 EUR');
  const txn = (await page.locator('#sale-txn').innerText()).trim();
  await page.getByRole('button', { name: 'Ring up sale' }).click();

  const messages = await waitForText(page.locator('#receipt-messages'), 'You earned 25 points');
  assert.match(messages, /Balance: 25 points/);
  assert.equal(await page.locator('#receipt-balance').innerText(), '25');
  assert.equal(await page.locator('#receipt-points-earned').innerText(), '25');
  assert.equal(await page.locator('#receipt-to-pay').innerText(), '25.00 EUR');
  await waitForText(page.locator('#member-points-total'), /^25$/);

  const sent = writes('/v1/purchases');
  assert.equal(sent.length, 1);
  const body = JSON.parse(sent[0].body);
  assert.equal(body.txn_id, txn);
  assert.match(body.txn_id, /^till-/);
  assert.equal(body.member_id, memberId);
  assert.equal(body.currency, 'EUR');
  assert.deepEqual(body.lines, [{ sku: 'COFFEE-BEANS', category: 'grocery', quantity: 2, unit_price: 1250 }]);
  assert.equal(body.redeem_points, undefined);
  assert.equal(sent[0].headers.authorization, `Bearer ${server.tillKey}`);

  /* A new sale starts with a new transaction id. */
  assert.notEqual((await page.locator('#sale-txn').innerText()).trim(), txn);

  /* The ledger history shows the earning. */
  const history = await waitForText(page.locator('#history tbody'), '+25');
  assert.match(history, /Earned/);
  assert.ok(history.includes(txn));

  const balance = await server.api('GET', `/v1/members/${memberId}/balance`);
  assert.equal(balance.json.total, 25);

  await page.screenshot({ path: '/tmp/till.png', fullPage: true });
});

test('an invalid quantity shows a field error and sends nothing', { timeout: 60000 }, async () => {
  const sentBefore = writes('/v1/purchases').length;
  await page.locator('#line-0-sku').fill('MILK');
  await page.locator('#line-0-quantity').fill('1.5');
  await page.locator('#line-0-unit_price').fill('1,10');
  await page.getByRole('button', { name: 'Ring up sale' }).click();

  const fieldError = await waitForText(page.locator('#line-0-quantity-error'), /whole number/);
  assert.match(fieldError, /1 to 100/);
  assert.equal(await page.locator('#line-0-quantity').getAttribute('aria-invalid'), 'true');
  const summary = await page.locator('#sale-form .problem').innerText();
  assert.match(summary, /nothing was sent/);
  assert.match(summary, /Line 1 quantity/);
  assert.ok(summary.includes('lines[0].quantity'));
  /* 1,10 is a valid price (comma decimals): only the quantity is flagged. */
  assert.equal(await page.locator('#line-0-unit_price').getAttribute('aria-invalid'), null);

  await page.waitForTimeout(300);
  assert.equal(writes('/v1/purchases').length, sentBefore, 'no purchase request was sent');
  const balance = await server.api('GET', `/v1/members/${memberId}/balance`);
  assert.equal(balance.json.total, 25);
  const ledger = await server.api('GET', `/v1/members/${memberId}/ledger`);
  assert.equal(ledger.json.entries.length, 1);
});

test('redeeming more points than available shows the server\'s problem and changes nothing', { timeout: 60000 }, async () => {
  await page.locator('#line-0-quantity').fill('1');
  await page.locator('#sale-redeem').fill('500');
  await page.getByRole('button', { name: 'Ring up sale' }).click();
  const summary = await waitForText(page.locator('#sale-form .problem'), /409|points/i);
  assert.match(summary, /Not enough points|insufficient/i);
  const balance = await server.api('GET', `/v1/members/${memberId}/balance`);
  assert.equal(balance.json.total, 25);

  /* Then a real redemption: 10 points off a 1.10 sale. */
  await page.locator('#sale-redeem').fill('10');
  await page.getByRole('button', { name: 'Ring up sale' }).click();
  await waitForText(page.locator('#receipt-messages'), 'You used 10 points');
  assert.equal(await page.locator('#receipt-to-pay').innerText(), '1.00 EUR');
  /* 25 - 10 redeemed + 1 earned on the 1.00 paid */
  assert.equal(await page.locator('#receipt-balance').innerText(), '16');
  await waitForText(page.locator('#member-points-total'), /^16$/);
  const after = await server.api('GET', `/v1/members/${memberId}/balance`);
  assert.equal(after.json.total, 16);
});

test('a coupon code takes its discount off the sale; an unknown one shows the server\'s problem', { timeout: 60000 }, async () => {
  const program = 'program: {name: Till, currency: EUR, time_zone: Europe/Madrid}\n' +
    'earn:\n  - {id: base, rate: 1}\n' +
    'coupons:\n  - {id: fifty, code: TILL50, effect: {amount: 0.50}}\n';
  const applied = await server.api('POST', '/v1/program/versions', {
    key: server.adminKey, body: { source: program }, headers: { 'Idempotency-Key': 'till-coupon-program' },
  });
  assert.equal(applied.status, 201, JSON.stringify(applied.json));
  const before = (await server.api('GET', `/v1/members/${memberId}/balance`)).json.total;
  await page.locator('#line-0-sku').fill('MILK');
  await page.locator('#line-0-quantity').fill('2');
  await page.locator('#line-0-unit_price').fill('1.10');
  await page.locator('#sale-redeem').fill('');
  await page.locator('#sale-coupon').fill('NOPE');
  await page.getByRole('button', { name: 'Ring up sale' }).click();
  const summary = await waitForText(page.locator('#sale-form .problem'), /coupons\[0\]/);
  assert.match(summary, /40[049]/);
  assert.equal((await server.api('GET', `/v1/members/${memberId}/balance`)).json.total, before);

  await page.locator('#sale-coupon').fill('till50');
  await page.getByRole('button', { name: 'Ring up sale' }).click();
  await waitForText(page.locator('#receipt-coupon'), '\u22120.50 EUR');
  /* 2 x 1.10 = 2.20, less 0.50: 1.70 to pay, 1 point */
  assert.equal(await page.locator('#receipt-to-pay').innerText(), '1.70 EUR');
  assert.equal(await page.locator('#receipt-points-earned').innerText(), '1');
  assert.equal(await page.locator('#sale-coupon').inputValue(), '');
  const sent = writes('/v1/purchases').at(-1);
  assert.deepEqual(JSON.parse(sent.body).coupons, ['till50']);
});

test('a cashier logs in with their own account and sells at their store; logging out ends the session', { timeout: 60000 }, async () => {
  const admin = { key: server.adminKey };
  let r = await server.api('POST', '/v1/stores', {
    ...admin, body: { code: 'BCN-01', name: 'Barcelona', time_zone: 'Europe/Madrid' },
    headers: { 'Idempotency-Key': 'till-store' },
  });
  assert.equal(r.status, 201, r.text);
  r = await server.api('POST', '/v1/staff', {
    ...admin,
    body: { login: 'ana', name: 'Ana Caixera', role: 'cashier', store: 'BCN-01', password: 'correct horse battery' },
    headers: { 'Idempotency-Key': 'till-staff' },
  });
  assert.equal(r.status, 201, r.text);

  await page.getByRole('button', { name: 'Change API key' }).click();
  await page.locator('#key-section').waitFor({ state: 'visible' });
  await page.getByLabel('Staff login').fill('ana');
  await page.getByLabel('Password').fill('not her password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await waitForText(page.locator('#login-form .problem'), /401/);
  assert.equal(await page.locator('#staff-password').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#till').isVisible(), false);

  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#till').waitFor({ state: 'visible' });
  await waitForText(page.locator('#program-info'), 'Ana Caixera (cashier, BCN-01)');
  const token = await page.evaluate(() => sessionStorage.getItem('fidelis.tillKey'));
  assert.match(token, /^fds_[A-Za-z0-9_-]{43}$/);
  assert.equal(await page.locator('#staff-password').inputValue(), '');
  const login = writes('/v1/sessions').at(-1);
  assert.equal(login.headers.authorization, undefined);

  /* A sale rung up by Ana is recorded at her store, in her name. */
  await page.getByLabel('Card number, phone, e-mail or name').fill('jose');
  await page.getByRole('button', { name: 'Find member' }).click();
  await page.getByRole('button', { name: 'Select José Pérez' }).click();
  await page.locator('#sale-section').waitFor({ state: 'visible' });
  await page.locator('#line-0-sku').fill('BREAD');
  await page.locator('#line-0-quantity').fill('1');
  await page.locator('#line-0-unit_price').fill('3.00');
  await page.locator('#sale-coupon').fill('');
  await page.locator('#sale-redeem').fill('');
  const txn = (await page.locator('#sale-txn').innerText()).trim();
  await page.getByRole('button', { name: 'Ring up sale' }).click();
  await waitForText(page.locator('#receipt-messages'), 'You earned 3 points');
  assert.equal(writes('/v1/purchases').at(-1).headers.authorization, `Bearer ${token}`);
  const purchase = await server.api('GET', `/v1/purchases/${txn}`);
  assert.equal(purchase.json.store, 'BCN-01');
  const audit = await server.api('GET', '/v1/audit-log?route=purchase_create&limit=1', admin);
  assert.equal(audit.json.entries[0].actor, 'staff:ana');

  /* Logging out ends the session on the server. */
  await page.getByRole('button', { name: 'Change API key' }).click();
  await page.locator('#key-section').waitFor({ state: 'visible' });
  await waitFor(async () => (await server.api('GET', '/v1/program', { key: token })).status === 401,
    'the session to end');
});

test('the key was sent only to this server and the page raised no errors', async () => {
  const origin = new URL(server.url).origin;
  for (const r of requests) {
    assert.equal(new URL(r.url).origin, origin, `request to ${r.url}`);
  }
  assert.deepEqual(pageErrors, []);
});
