/*
 * app.js - the staff pages of Fidelis: the landing page (/) and the till (/till).
 *
 * Plain modern JavaScript, no dependencies, no build step. Every request goes to
 * this server only (relative /v1/... paths); the till's API key lives in
 * sessionStorage for the tab's lifetime and is sent only as the Authorization
 * header of those requests. User data is put in the page with textContent,
 * never as HTML.
 */
'use strict';

(function () {
  const KEY_STORAGE = 'fidelis.tillKey';
  const MAX_ID_BYTES = 64;            /* skus, categories, txn ids (limits.h) */
  const MAX_NAME_BYTES = 200;
  const MAX_QUANTITY = 100000;        /* FDL_MAX_LINE_QUANTITY */
  const MAX_UNIT_PRICE_MINOR = 100000000; /* FDL_MAX_UNIT_PRICE_MINOR */
  const MAX_POINTS = 1000000000;      /* FDL_MAX_POINTS */
  const MAX_LINES = 200;              /* FDL_MAX_BASKET_LINES */
  const PAGE_SIZE = 20;

  /* ---------------------------------------------------------------- helpers */

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  /* el('p', {class: 'x', text: 'hi', id: 'y'}, child, 'text', null, ...) */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k === 'hidden') node.hidden = !!v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  /* Replaces node's children, skipping null/false ones (DOM replaceChildren would print "null"). */
  function fill(node, ...children) {
    node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }

  const utf8Length = (s) => new TextEncoder().encode(s).length;

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    /* randomUUID needs a secure context; a tablet on plain http over the LAN has none. */
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }

  const fmtInt = (n) => Number(n).toLocaleString('en-US').replace(/,/g, '\u202f');

  /* Number of decimals a currency with this many minor units per unit shows, or null. */
  function decimalsOf(minorPerUnit) {
    let d = 0;
    let x = 1;
    while (x < minorPerUnit && d < 9) { x *= 10; d++; }
    return x === minorPerUnit ? d : null;
  }

  function fmtMoney(minor, program) {
    const mpu = program ? program.minor_per_unit : 100;
    const cur = program ? program.currency : '';
    const d = decimalsOf(mpu);
    const sign = minor < 0 ? '−' : '';
    const abs = Math.abs(minor);
    let text;
    if (d === null) text = String(abs / mpu);
    else if (d === 0) text = String(abs);
    else text = `${Math.floor(abs / mpu)}.${String(abs % mpu).padStart(d, '0')}`;
    return `${sign}${text} ${cur}`.trim();
  }

  /*
   * Parses an amount typed in currency units ("12.50", "12,5", "3") into integer
   * minor units without floating point. Returns {minor} or {error}.
   */
  function parseMoney(input, program) {
    const mpu = program.minor_per_unit;
    const d = decimalsOf(mpu);
    const t = input.trim().replace(/\s/g, '');
    if (t === '') return { error: 'is required' };
    const m = /^(\d{1,12})(?:[.,](\d+))?$/.exec(t);
    if (!m) return { error: `must be an amount like ${d ? '12.' + '50'.padEnd(d, '0').slice(0, d) : '12'}` };
    const whole = m[1];
    const frac = m[2] || '';
    let minor;
    if (d !== null) {
      if (frac.length > d) {
        return { error: d === 0 ? `must be a whole amount of ${program.currency}` : `must have at most ${d} decimals` };
      }
      minor = BigInt(whole) * BigInt(mpu) + BigInt(frac.padEnd(d, '0') || '0');
    } else {
      const scale = 10n ** BigInt(frac.length);
      const num = BigInt(whole + frac) * BigInt(mpu);
      if (num % scale !== 0n) return { error: `is not a whole number of minor units (1/${mpu} ${program.currency})` };
      minor = num / scale;
    }
    if (minor > BigInt(MAX_UNIT_PRICE_MINOR)) {
      return { error: `must be at most ${fmtMoney(MAX_UNIT_PRICE_MINOR, program)}` };
    }
    return { minor: Number(minor) };
  }

  /* ---------------------------------------------------------------- the API */

  class ApiProblem extends Error {
    constructor(p) {
      super(p.detail || p.title || 'error');
      this.status = p.status || 0;
      this.type = p.type || '';
      this.title = p.title || 'Something went wrong';
      this.detail = p.detail || '';
      this.field = p.field || '';
      this.errors = p.errors || null; /* client-side: [{field, detail}] */
    }
    get slug() { return this.type ? this.type.split('/').pop() : ''; }
  }

  function storedKey() {
    try { return sessionStorage.getItem(KEY_STORAGE); } catch { return null; }
  }

  /*
   * Calls this server's API. body is a JSON string (kept by the caller so a retry
   * sends the very same bytes). Throws ApiProblem on any failure.
   */
  async function api(method, path, opts = {}) {
    if (!path.startsWith('/v1/')) throw new Error('only this server\'s /v1/ API is called');
    const headers = { Accept: 'application/json, application/problem+json' };
    const key = opts.key !== undefined ? opts.key : storedKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    let res;
    try {
      res = await fetch(path, {
        method, headers, body: opts.body, cache: 'no-store', credentials: 'omit', redirect: 'error',
      });
    } catch {
      throw new ApiProblem({
        title: 'The server could not be reached',
        detail: 'Check the connection and try again. Trying again is safe: the same request is never recorded twice.',
      });
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) {
      if (data && typeof data === 'object' && !Array.isArray(data)) {
        throw new ApiProblem({ ...data, status: res.status });
      }
      throw new ApiProblem({ status: res.status, title: `The server answered ${res.status}`, detail: text.slice(0, 200) });
    }
    return data;
  }

  /* ---------------------------------------------------------------- problems */

  function clearProblems(container) {
    for (const p of $$('.field-error', container)) { p.hidden = true; p.textContent = ''; }
    for (const e of $$('[aria-invalid]', container)) e.removeAttribute('aria-invalid');
    for (const e of $$('.invalid', container)) e.classList.remove('invalid');
    const box = $('.problem', container);
    if (box) { box.hidden = true; box.replaceChildren(); }
  }

  /* The element of container for a field path like "lines[0].quantity", trying
   * "lines[0]" and "lines" if there is no exact one. */
  function fieldTarget(container, field) {
    let f = field;
    while (f) {
      const t = container.querySelector(`[data-field="${CSS.escape(f)}"]`);
      if (t) return t;
      const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
      if (cut <= 0) break;
      f = f.slice(0, cut);
    }
    return null;
  }

  function labelOf(target) {
    if (!target) return '';
    if (target.dataset.label) return target.dataset.label;
    if (target.id) {
      const l = document.querySelector(`label[for="${CSS.escape(target.id)}"]`);
      if (l) return l.textContent.replace(/\(optional\)/, '').trim();
    }
    return '';
  }

  function errorElementOf(target) {
    const ids = (target.getAttribute('aria-describedby') || '').split(/\s+/);
    const id = ids.find((x) => x.endsWith('-error')) || target.dataset.error;
    return id ? document.getElementById(id) : null;
  }

  /*
   * Shows a problem in container (a form or section with a .problem box): a
   * summary naming the field, and the detail next to the field itself.
   */
  function showProblem(container, problem) {
    if (!(problem instanceof ApiProblem)) {
      problem = new ApiProblem({ title: 'Unexpected error in the page', detail: String(problem && problem.message || problem) });
    }
    const errors = problem.errors || [{ field: problem.field, detail: problem.detail }];
    const items = [];
    let first = null;
    for (const e of errors) {
      /* target: the page's own input for a problem the server tied to no field */
      const target = e.field || e.target ? fieldTarget(container, e.field || e.target) : null;
      const label = labelOf(target);
      if (target) {
        target.classList.add('invalid');
        if (target.matches('input, select, textarea')) target.setAttribute('aria-invalid', 'true');
        const err = errorElementOf(target);
        if (err) {
          err.textContent = err.hidden ? (e.detail || problem.title) : `${err.textContent} ${e.detail}`;
          err.hidden = false;
        }
        if (!first && target.matches('input, select, textarea')) first = target;
      }
      if (e.field || e.detail) {
        items.push(el('li', null,
          e.field ? el('span', { class: 'problem-field' }, label ? `${label} (` : '', el('code', { text: e.field }), label ? ')' : '') : null,
          !e.field && label ? el('span', { class: 'problem-field', text: label }) : null,
          (e.field || label) && e.detail ? ': ' : '',
          e.detail || ''));
      }
    }
    const box = $('.problem', container);
    if (box) {
      const meta = [problem.status ? `HTTP ${problem.status}` : '', problem.slug || ''].filter(Boolean).join(', ');
      fill(box,
        el('p', { class: 'problem-title' }, el('strong', { text: problem.title }), meta ? el('span', { class: 'muted', text: ` (${meta})` }) : null),
        items.length ? el('ul', { class: 'problem-list' }, items) : null);
      box.hidden = false;
    }
    if (first) first.focus();
  }

  const clientProblem = (errors, title = 'Please correct the form') => new ApiProblem({ title, errors });

  /* Disables a form's submit button while fn runs. */
  async function busy(form, label, fn) {
    const button = $('button[type="submit"]', form);
    const text = button ? button.textContent : '';
    if (button) { button.disabled = true; button.textContent = label; }
    form.setAttribute('aria-busy', 'true');
    try { return await fn(); } finally {
      if (button) { button.disabled = false; button.textContent = text; }
      form.removeAttribute('aria-busy');
    }
  }

  /* ---------------------------------------------------------------- landing page */

  function initIndex() {
    for (const span of $$('.origin')) span.textContent = window.location.origin;
    const status = $('#health-status');
    fetch('/healthz', { cache: 'no-store' })
      .then((r) => r.json())
      .then((j) => { status.textContent = j && j.status === 'ok' ? 'running' : 'not healthy'; })
      .catch(() => { status.textContent = 'unreachable'; });
  }

  /* ---------------------------------------------------------------- till page */

  function initTill() {
    const state = {
      program: null,
      member: null,
      search: null,       /* {param, value, nextAfter} */
      enrolPending: null, /* {body, key}: an enrolment not yet acknowledged */
      txnId: null,
      historyBefore: null,
    };

    const keySection = $('#key-section');
    const keyForm = $('#key-form');
    const till = $('#till');
    const findForm = $('#find-form');
    const enrolForm = $('#enrol-form');
    const saleForm = $('#sale-form');
    const saleLines = $('#sale-lines');
    const historySection = $('#history-section');

    function announce(text) {
      const a = $('#announcer');
      a.textContent = '';
      window.setTimeout(() => { a.textContent = text; }, 50);
    }

    /* ---- the key ---- */

    async function openTill(key, { quiet = false } = {}) {
      clearProblems(keyForm);
      try {
        const program = await api('GET', '/v1/program', { key });
        try { sessionStorage.setItem(KEY_STORAGE, key); } catch { /* private mode: keep in memory */ }
        state.program = program;
        $('#program-info').textContent = `${program.name} · ${program.currency}`;
        $('#api-key').value = '';
        keySection.hidden = true;
        till.hidden = false;
        $('#forget-key').hidden = false;
        refreshLineLabels();
        if (!quiet) $('#find-value').focus();
        announce(`Till open for ${program.name}.`);
      } catch (p) {
        try { sessionStorage.removeItem(KEY_STORAGE); } catch { /* ignore */ }
        /* A refused key is the key field's fault; a network failure is not. */
        if (p instanceof ApiProblem && !p.field && (p.status === 401 || p.status === 403)) {
          p.errors = [{ target: 'key', detail: p.detail || p.title }];
        }
        showProblem(keyForm, p);
      }
    }

    /* A staff login: the session token then stands in for the API key (it is
     * kept and sent the same way), and the staff member shows in the top bar. */
    const loginForm = $('#login-form');
    loginForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(loginForm);
      const login = $('#staff-login').value.trim();
      const password = $('#staff-password').value;
      const missing = [];
      if (!login) missing.push({ field: 'login', detail: 'type your staff login' });
      if (!password) missing.push({ field: 'password', detail: 'type your password' });
      if (missing.length) {
        showProblem(loginForm, clientProblem(missing));
        return;
      }
      await busy(loginForm, 'Logging in…', async () => {
        try {
          const session = await api('POST', '/v1/sessions', {
            key: '', body: JSON.stringify({ login, password }),
          });
          $('#staff-password').value = '';
          await openTill(session.token);
          const who = session.staff;
          $('#program-info').textContent +=
            ` · ${who.name} (${who.role}${who.store ? `, ${who.store}` : ''})`;
          announce(`Logged in as ${who.name}.`);
        } catch (p) {
          if (p instanceof ApiProblem && p.status === 401) {
            p.errors = [{ target: 'password', detail: p.detail || p.title }];
          }
          showProblem(loginForm, p);
        }
      });
    });

    keyForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(keyForm);
      const key = $('#api-key').value.trim();
      if (!key) {
        showProblem(keyForm, clientProblem([{ field: 'key', detail: 'paste the till\'s API key' }]));
        return;
      }
      await busy(keyForm, 'Checking…', () => openTill(key));
    });

    $('#forget-key').addEventListener('click', () => {
      const held = storedKey();
      /* A staff session ends on the server too (an API key stays valid). */
      if (held && held.startsWith('fds_')) {
        api('DELETE', '/v1/sessions/current', { key: held }).catch(() => { /* it expires anyway */ });
      }
      try { sessionStorage.removeItem(KEY_STORAGE); } catch { /* ignore */ }
      state.program = null;
      state.member = null;
      till.hidden = true;
      keySection.hidden = false;
      $('#forget-key').hidden = true;
      $('#program-info').textContent = '';
      showMember(null);
      $('#find-results').replaceChildren();
      $('#enrol-result').replaceChildren();
      $('#receipt-section').hidden = true;
      $('#api-key').focus();
    });

    /* ---- finding members ---- */

    function detectLookup(value) {
      const compact = value.replace(/[\s-]/g, '');
      if (/^\d{16,}$/.test(compact)) return 'card';
      if (value.includes('@')) return 'email';
      const digits = value.replace(/\D/g, '');
      if (/^\+?[\d\s().-]+$/.test(value) && digits.length >= 6) return 'phone';
      return 'q';
    }

    const lookupNames = { card: 'card number', phone: 'phone', email: 'e-mail', q: 'name' };

    function memberSummary(m) {
      return [m.email, m.phone, `member ${m.id}`].filter(Boolean).join(' · ');
    }

    function renderResults(members, append) {
      const box = $('#find-results');
      let list = $('ul.results', box);
      if (!append || !list) {
        list = el('ul', { class: 'results' });
        box.replaceChildren(el('p', { class: 'hint', id: 'find-count' }), list);
      }
      for (const m of members) {
        const button = el('button', { type: 'button', class: 'small', 'aria-label': `Select ${m.name}` }, 'Select');
        button.addEventListener('click', () => selectMember(m.id));
        list.append(el('li', { dataset: { memberId: m.id } },
          el('div', { class: 'result-main' },
            el('strong', { text: m.name }),
            el('span', { class: 'muted', text: memberSummary(m) })),
          el('span', { class: 'result-points', text: `${fmtInt(m.balance)} pts` }),
          button));
      }
      const count = $$('li', list).length;
      const s = state.search;
      $('#find-count', box).textContent = count === 0
        ? `No member found by ${lookupNames[s.param]} “${s.value}”.`
        : `${count} member${count === 1 ? '' : 's'} found by ${lookupNames[s.param]}${s.nextAfter ? ' (more below)' : ''}.`;
      let more = $('#find-more', box);
      if (s.nextAfter) {
        if (!more) {
          more = el('button', { type: 'button', id: 'find-more', class: 'secondary' }, 'More results');
          more.addEventListener('click', () => runSearch(true));
          box.append(more);
        }
      } else if (more) {
        more.remove();
      }
      announce($('#find-count', box).textContent);
    }

    async function runSearch(append) {
      const s = state.search;
      const params = new URLSearchParams({ [s.param]: s.value });
      if (s.param === 'q') {
        params.set('limit', String(PAGE_SIZE));
        if (append && s.nextAfter) params.set('after', String(s.nextAfter));
      }
      clearProblems(findForm);
      try {
        const page = await api('GET', `/v1/members?${params}`);
        s.nextAfter = page.next_after || null;
        renderResults(page.members || [], append);
        if (s.param !== 'q' && page.members && page.members.length === 1) {
          await selectMember(page.members[0].id);
        }
      } catch (p) {
        $('#find-results').replaceChildren();
        showProblem(findForm, p);
      }
    }

    findForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(findForm);
      const input = $('#find-value');
      const value = input.value.trim();
      const chosen = $('#find-by').value;
      const param = chosen === 'auto' ? detectLookup(value) : chosen;
      input.dataset.field = param; /* so the server's field names this input */
      if (!value) {
        showProblem(findForm, clientProblem([{ field: param, detail: 'type a card number, phone, e-mail or name' }]));
        return;
      }
      state.search = { param, value, nextAfter: null };
      await busy(findForm, 'Searching…', () => runSearch(false));
    });

    /* ---- the member ---- */

    function showMember(m) {
      state.member = m;
      $('#member-section').hidden = !m;
      $('#sale-section').hidden = !m;
      historySection.hidden = !m;
      $('#no-member').hidden = !!m;
      if (!m) return;
      const pts = m.points || { total: m.balance, available: m.balance, pending: 0, expiring: [] };
      const details = $('#member-details');
      const stat = (label, value, id) =>
        el('div', { class: 'stat' }, el('dt', { text: label }), el('dd', { id, text: fmtInt(value) }));
      const expiring = (pts.expiring || []).map((x) =>
        el('li', null, `${fmtInt(x.points)} points expire ${fmtTime(x.expires_at)}`));
      const cards = (m.cards || []).map((c) =>
        el('li', null,
          el('span', { class: 'card-number', text: c.display || c.number }),
          ' ',
          el('span', { class: `badge ${c.status === 'active' ? 'ok' : 'bad'}`, text: c.status }),
          c.block_reason ? el('span', { class: 'muted', text: ` ${c.block_reason}` }) : null));
      fill(details,
        el('p', { class: 'member-name', id: 'member-name', text: m.name }),
        el('p', { class: 'muted', text: [memberSummary(m), m.birthday ? `born ${m.birthday}` : '', m.enrolled_at ? `since ${fmtTime(m.enrolled_at)}` : ''].filter(Boolean).join(' · ') }),
        el('dl', { class: 'stats' },
          stat('Points', pts.total, 'member-points-total'),
          stat('Available', pts.available, 'member-points-available'),
          stat('Pending', pts.pending, 'member-points-pending')),
        expiring.length ? el('div', null, el('h3', { text: 'Expiring soon' }), el('ul', { class: 'plain' }, expiring)) : null,
        cards.length ? el('div', null, el('h3', { text: cards.length === 1 ? 'Card' : 'Cards' }), el('ul', { class: 'plain' }, cards)) : null);
      for (const li of $$(`#find-results li[data-member-id="${m.id}"]`)) {
        $('.result-points', li).textContent = `${fmtInt(pts.total)} pts`;
      }
      const value = state.program ? fmtMoney(pts.available * state.program.point_value_minor, state.program) : '';
      $('#sale-redeem-hint').textContent = `${fmtInt(pts.available)} points available${value ? ` (worth ${value})` : ''}.`;
    }

    async function selectMember(id, { focusSale = true } = {}) {
      try {
        const m = await api('GET', `/v1/members/${encodeURIComponent(id)}`);
        const changed = !state.member || state.member.id !== m.id;
        showMember(m);
        if (changed) {
          announce(`Selected ${m.name}, ${m.points ? m.points.total : m.balance} points.`);
          if (!state.txnId) newSale();
          await loadHistory(true);
          if (focusSale) {
            const first = $('input', saleLines);
            if (first && !first.value) first.focus();
          }
        }
        return m;
      } catch (p) {
        showProblem(findForm, p);
        return null;
      }
    }

    $('#member-refresh').addEventListener('click', async () => {
      if (state.member) {
        await selectMember(state.member.id, { focusSale: false });
        await loadHistory(true);
      }
    });

    /* ---- enrolment ---- */

    enrolForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(enrolForm);
      const name = $('#enrol-name').value.trim();
      const email = $('#enrol-email').value.trim();
      const phone = $('#enrol-phone').value.trim();
      const birthday = $('#enrol-birthday').value;
      const errors = [];
      if (!name) errors.push({ field: 'name', detail: 'is required' });
      else if (utf8Length(name) > MAX_NAME_BYTES) errors.push({ field: 'name', detail: `must be at most ${MAX_NAME_BYTES} bytes` });
      if (birthday && !/^\d{4}-\d{2}-\d{2}$/.test(birthday)) errors.push({ field: 'birthday', detail: 'must be a date like 1990-05-17' });
      if (errors.length) { showProblem(enrolForm, clientProblem(errors)); return; }

      const payload = { name, marketing_consent: $('#enrol-consent').checked };
      if (email) payload.email = email;
      if (phone) payload.phone = phone;
      if (birthday) payload.birthday = birthday;
      const body = JSON.stringify(payload);
      /* One key per submitted form; the same form sent again (a retry) reuses it. */
      if (!state.enrolPending || state.enrolPending.body !== body) {
        state.enrolPending = { body, key: uuid() };
      }
      const pending = state.enrolPending;
      await busy(enrolForm, 'Enrolling…', async () => {
        try {
          const res = await api('POST', '/v1/members', { body: pending.body, idempotencyKey: pending.key });
          state.enrolPending = null;
          enrolForm.reset();
          const card = res.card || {};
          $('#enrol-result').replaceChildren(el('div', { class: 'success' },
            el('p', null, 'Enrolled ', el('strong', { text: res.member.name }), '.'),
            el('p', null, 'Card number: ', el('span', { class: 'card-number big', id: 'new-card-number', text: card.display || card.number || '' }))));
          await selectMember(res.member.id);
        } catch (p) {
          showProblem(enrolForm, p);
        }
      });
    });

    /* ---- the sale ---- */

    const lineFields = [
      { name: 'sku', label: 'SKU', mode: 'text' },
      { name: 'category', label: 'Category', optional: true, mode: 'text' },
      { name: 'quantity', label: 'Quantity', mode: 'numeric', value: '1' },
      { name: 'unit_price', label: 'Unit price', mode: 'decimal' },
    ];

    function addLine() {
      const lines = $$('.line', saleLines);
      if (lines.length >= MAX_LINES) return;
      const fieldset = el('fieldset', { class: 'line' }, el('legend'));
      const row = el('div', { class: 'row' });
      for (const f of lineFields) {
        const input = el('input', {
          type: 'text', inputmode: f.mode, autocomplete: 'off', spellcheck: 'false', dataset: { name: f.name },
        });
        if (f.value) input.value = f.value;
        row.append(el('div', { class: `field ${f.name}` },
          el('label', null, el('span', { class: 'label-text' }), f.optional ? el('span', { class: 'optional', text: ' (optional)' }) : null),
          input,
          el('p', { class: 'field-error', hidden: true })));
      }
      const remove = el('button', { type: 'button', class: 'secondary small remove-line' }, 'Remove');
      remove.addEventListener('click', () => { fieldset.remove(); refreshLineLabels(); updateTotal(); });
      row.append(el('div', { class: 'field remove' }, remove));
      fieldset.append(row);
      saleLines.append(fieldset);
      refreshLineLabels();
      return fieldset;
    }

    /* Numbers lines, and gives each input its id, label, field path and error slot. */
    function refreshLineLabels() {
      const lines = $$('.line', saleLines);
      const cur = state.program ? state.program.currency : '';
      lines.forEach((line, i) => {
        $('legend', line).textContent = `Line ${i + 1}`;
        line.dataset.field = `lines[${i}]`;
        for (const f of lineFields) {
          const field = $(`.field.${f.name}`, line);
          const input = $('input', field);
          const id = `line-${i}-${f.name}`;
          input.id = id;
          input.dataset.field = `lines[${i}].${f.name}`;
          input.dataset.label = `Line ${i + 1} ${f.label.toLowerCase()}`;
          input.setAttribute('aria-describedby', `${id}-error`);
          $('label', field).htmlFor = id;
          $('.label-text', field).textContent = f.name === 'unit_price' && cur ? `${f.label} (${cur})` : f.label;
          $('.field-error', field).id = `${id}-error`;
        }
        const remove = $('.remove-line', line);
        remove.setAttribute('aria-label', `Remove line ${i + 1}`);
        remove.hidden = lines.length === 1;
      });
      let lineError = $('#line-error-slot', saleLines.parentNode);
      if (!lineError) {
        lineError = el('p', { class: 'field-error', id: 'line-error-slot', hidden: true });
        saleLines.after(lineError);
      }
      saleLines.dataset.error = 'line-error-slot';
      $('#add-line').disabled = lines.length >= MAX_LINES;
    }

    function newSale() {
      state.txnId = `till-${uuid()}`;
      $('#sale-txn').textContent = state.txnId;
      saleLines.replaceChildren();
      addLine();
      $('#sale-redeem').value = '';
      $('#sale-coupon').value = '';
      clearProblems(saleForm);
      updateTotal();
    }

    /* Reads and checks the sale form. Returns {payload} or {errors}. */
    function readSale() {
      const errors = [];
      const lines = [];
      const program = state.program;
      $$('.line', saleLines).forEach((line, i) => {
        const v = (name) => $(`input[data-name="${name}"]`, line).value.trim();
        const path = (name) => `lines[${i}].${name}`;
        const sku = v('sku');
        const category = v('category');
        const qty = v('quantity');
        const price = v('unit_price');
        const out = {};
        if (!sku) errors.push({ field: path('sku'), detail: 'is required' });
        else if (utf8Length(sku) > MAX_ID_BYTES) errors.push({ field: path('sku'), detail: `must be at most ${MAX_ID_BYTES} bytes` });
        else out.sku = sku;
        if (category && utf8Length(category) > MAX_ID_BYTES) errors.push({ field: path('category'), detail: `must be at most ${MAX_ID_BYTES} bytes` });
        else if (category) out.category = category;
        if (!/^\d+$/.test(qty) || Number(qty) < 1 || Number(qty) > MAX_QUANTITY) {
          errors.push({ field: path('quantity'), detail: `must be a whole number from 1 to ${fmtInt(MAX_QUANTITY)}` });
        } else {
          out.quantity = Number(qty);
        }
        const money = parseMoney(price, program);
        if (money.error) errors.push({ field: path('unit_price'), detail: money.error });
        else out.unit_price = money.minor;
        lines.push(out);
      });
      if (lines.length === 0) errors.push({ field: 'lines', detail: 'add at least one line' });
      const redeemText = $('#sale-redeem').value.trim();
      let redeem = 0;
      if (redeemText) {
        if (!/^\d+$/.test(redeemText) || Number(redeemText) > MAX_POINTS) {
          errors.push({ field: 'redeem_points', detail: 'must be a whole number of points' });
        } else {
          redeem = Number(redeemText);
        }
      }
      const coupon = $('#sale-coupon').value.trim();
      if (coupon && utf8Length(coupon) > MAX_ID_BYTES) {
        errors.push({ field: 'coupons[0]', detail: `must be at most ${MAX_ID_BYTES} bytes` });
      }
      if (errors.length) return { errors };
      const payload = {
        txn_id: state.txnId,
        member_id: state.member.id,
        channel: 'till',
        currency: program.currency,
        lines,
      };
      if (redeem > 0) payload.redeem_points = redeem;
      if (coupon) payload.coupons = [coupon];
      return { payload };
    }

    function updateTotal() {
      if (!state.program) return;
      let total = 0;
      let ok = true;
      for (const line of $$('.line', saleLines)) {
        const qty = $('input[data-name="quantity"]', line).value.trim();
        const money = parseMoney($('input[data-name="unit_price"]', line).value, state.program);
        if (!/^\d+$/.test(qty) || money.error) { ok = false; break; }
        total += Number(qty) * money.minor;
      }
      $('#sale-total').textContent = ok && total > 0 ? fmtMoney(total, state.program) : '—';
    }

    saleForm.addEventListener('input', updateTotal);
    $('#add-line').addEventListener('click', () => {
      const line = addLine();
      if (line) $('input', line).focus();
    });
    $('#sale-new').addEventListener('click', () => {
      newSale();
      $('input', saleLines).focus();
    });

    saleForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(saleForm);
      if (!state.member) {
        showProblem(saleForm, clientProblem([{ field: 'member_id', detail: 'find or enrol a member first' }]));
        return;
      }
      const read = readSale();
      if (read.errors) {
        showProblem(saleForm, clientProblem(read.errors, 'Please correct the sale — nothing was sent'));
        return;
      }
      /* The txn_id stays the same until the server acknowledges the sale, so
       * a retry after a lost answer is recognised and never counted twice. */
      const body = JSON.stringify(read.payload);
      const member = state.member;
      await busy(saleForm, 'Ringing up…', async () => {
        try {
          const res = await api('POST', '/v1/purchases', { body });
          renderReceipt(res, member);
          newSale();
          await selectMember(member.id, { focusSale: false });
          await loadHistory(true);
        } catch (p) {
          showProblem(saleForm, p);
        }
      });
    });

    function renderReceipt(res, member) {
      const program = state.program;
      const money = (m) => fmtMoney(m, program);
      const b = res.balance || {};
      const rows = (res.lines || []).map((l) => el('tr', null,
        el('td', { text: l.sku }),
        el('td', { class: 'num', text: fmtInt(l.quantity) }),
        el('td', { class: 'num', text: money(l.unit_price) }),
        el('td', { class: 'num', text: money(l.amount) }),
        el('td', { class: 'num', text: fmtInt(l.points) })));
      const line = (label, value, id) => el('div', { class: 'total-row' }, el('dt', { text: label }), el('dd', { id, text: value }));
      fill($('#receipt'),
        el('ul', { class: 'messages', id: 'receipt-messages' }, (res.messages || []).map((m) => el('li', { text: m }))),
        el('p', { class: 'muted' }, `${member.name} · sale `, el('code', { text: res.txn_id }), ` · ${fmtTime(res.time)}`),
        el('table', { class: 'lines' },
          el('caption', { class: 'visually-hidden', text: 'Lines of the sale' }),
          el('thead', null, el('tr', null,
            el('th', { scope: 'col', text: 'SKU' }), el('th', { scope: 'col', class: 'num', text: 'Qty' }),
            el('th', { scope: 'col', class: 'num', text: 'Unit price' }), el('th', { scope: 'col', class: 'num', text: 'Amount' }),
            el('th', { scope: 'col', class: 'num', text: 'Points' }))),
          el('tbody', null, rows)),
        el('dl', { class: 'totals' },
          line('Basket total', money(res.total), 'receipt-total'),
          res.discount ? line(`Points discount (${fmtInt(res.points_redeemed)} points)`, money(-res.discount), 'receipt-discount') : null,
          res.coupon_discount ? line(`Coupon ${(res.coupons || []).map((c) => c.code).join(', ')}`, money(-res.coupon_discount), 'receipt-coupon') : null,
          line('To pay', money(res.total - res.discount - (res.coupon_discount || 0)), 'receipt-to-pay'),
          line('Points earned', fmtInt(res.points_earned), 'receipt-points-earned'),
          line('Balance (points)', fmtInt(b.total), 'receipt-balance'),
          b.pending ? line('Of which pending', fmtInt(b.pending), 'receipt-pending') : null));
      $('#receipt-section').hidden = false;
    }

    /* ---- history ---- */

    const kindNames = {
      earn: 'Earned', redeem: 'Redeemed', clawback: 'Refund (points taken back)',
      restore: 'Refund (points returned)', expire: 'Expired', adjust: 'Adjustment',
      bonus: 'Bonus',
    };

    async function loadHistory(reset) {
      if (!state.member) return;
      const id = state.member.id;
      if (reset) state.historyBefore = null;
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (!reset && state.historyBefore) params.set('before', String(state.historyBefore));
      clearProblems(historySection);
      try {
        const page = await api('GET', `/v1/members/${encodeURIComponent(id)}/ledger?${params}`);
        if (!state.member || state.member.id !== id) return;
        state.historyBefore = page.next_before || null;
        const box = $('#history');
        let tbody = $('tbody', box);
        if (reset || !tbody) {
          tbody = el('tbody');
          box.replaceChildren(el('table', { class: 'history' },
            el('caption', { class: 'visually-hidden', text: `Points history of ${state.member.name}` }),
            el('thead', null, el('tr', null,
              el('th', { scope: 'col', text: 'When' }), el('th', { scope: 'col', text: 'What' }),
              el('th', { scope: 'col', class: 'num', text: 'Points' }), el('th', { scope: 'col', text: 'Sale / reason' }))),
            tbody));
        }
        for (const e of page.entries || []) {
          tbody.append(el('tr', null,
            el('td', { text: fmtTime(e.time) }),
            el('td', { text: kindNames[e.kind] || e.kind }),
            el('td', { class: `num ${e.points < 0 ? 'neg' : 'pos'}`, text: `${e.points > 0 ? '+' : ''}${fmtInt(e.points)}` }),
            el('td', null, e.txn_id ? el('code', { text: e.txn_id }) : null, e.reason ? ` ${e.reason}` : '')));
        }
        if (!$('tr', tbody)) box.replaceChildren(el('p', { class: 'hint', text: 'No points movements yet.' }));
        $('#history-more').hidden = !state.historyBefore;
      } catch (p) {
        showProblem(historySection, p);
      }
    }

    $('#history-refresh').addEventListener('click', () => loadHistory(true));
    $('#history-more').addEventListener('click', () => loadHistory(false));

    /* ---- start ---- */

    const key = storedKey();
    if (key) openTill(key, { quiet: true });
    else $('#api-key').focus();
  }

  const page = document.body.dataset.page;
  if (page === 'index') initIndex();
  else if (page === 'till') initTill();
})();
