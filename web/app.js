/*
 * app.js - the staff pages of Fidelis: the landing page (/), the till (/till)
 * and the admin page (/admin).
 *
 * Plain modern JavaScript, no dependencies, no build step. Every request goes to
 * this server only (relative /v1/... paths); the till's API key (and the admin
 * page's session token or key) lives in sessionStorage for the tab's lifetime
 * and is sent only as the Authorization header of those requests. User data is put in the page with textContent,
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
    if (res.ok && opts.text) return text; /* a Markdown or plain-text answer */
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
            ` · ${who.name} (${who.role}${who.store ? `, ${who.store}` : ''}${who.partner ? `, ${who.partner}` : ''})`;
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

  /* ---------------------------------------------------------------- admin page */

  /*
   * The admin page: program, stores, staff, audit log, staff activity and
   * coalition settlements, on the API alone. The caller logs in with a staff
   * account (a session token) or an admin API key; what their role may not do
   * is hidden (writes) or left out (sections), and the server checks it again.
   */
  function initAdmin() {
    const TOKEN_STORAGE = 'fidelis.adminToken';
    const WHO_STORAGE = 'fidelis.adminWho';
    const MAX_LOGIN_BYTES = 32;          /* FDL_MAX_LOGIN_LEN */
    const MIN_PASSWORD_BYTES = 12;       /* FDL_MIN_PASSWORD_LEN */
    const MAX_PASSWORD_BYTES = 128;      /* FDL_MAX_PASSWORD_LEN */
    const MAX_ADDRESS_BYTES = 300;       /* FDL_MAX_ADDRESS_LEN */
    const MAX_PROGRAM_BYTES = 256 * 1024; /* FDL_MAX_PROGRAM_FILE_BYTES */
    const SECTIONS = ['program', 'stores', 'staff', 'audit', 'activity', 'coalition'];
    /* Write routes, for the audit log's route filter (names as in /metrics). */
    const AUDIT_ROUTES = [
      'purchase_create', 'refund_create', 'member_enrol', 'card_issue', 'card_block',
      'adjustment_create', 'program_apply', 'store_create', 'store_update', 'staff_create',
      'staff_link', 'session_create', 'key_create', 'segments_set', 'coupon_codes_create',
      'redemption_reserve', 'redemption_commit', 'redemption_cancel', 'gift_card_sell',
      'gift_card_load', 'gift_card_redeem', 'gift_card_refund', 'gift_card_block',
      'membership_buy', 'currency_rate_put', 'settlement_create',
    ];
    const ROLE_NAMES = { cashier: 'cashier', manager: 'store manager', admin: 'program admin', auditor: 'auditor' };
    const REASONS = {
      own_card_earns: 'Rang up sales that earned points on their own card',
      staff_card_earns: 'Rang up several sales that earned points on other staff members\' cards',
      manual_additions: 'Added many points by hand',
    };

    const state = {
      token: null,
      who: null,          /* {kind: 'staff'|'key', name, login, role, store, partner} */
      can: {},
      program: null,
      partners: [],       /* [{id, name, stores}] from the program's explanation */
      versions: [], versionsShown: 0,
      storesAfter: null, stores: [], storeEditing: null,
      staffAfter: null, staff: [],
      auditBefore: null, auditFilter: null,
      activityRows: [], activityShown: 0,
      settlePairs: [], settleShown: 0,
      pending: {},        /* form id -> {body, key}: a write not yet acknowledged */
    };

    const loginSection = $('#login-section');
    const admin = $('#admin');

    function announce(text) {
      const a = $('#announcer');
      a.textContent = '';
      window.setTimeout(() => { a.textContent = text; }, 50);
    }

    const call = (method, path, opts = {}) => api(method, path, { ...opts, key: state.token || '' });

    /* One Idempotency-Key per intended write: the same form sent again (a
     * retry after a lost answer) reuses it; a changed form gets a new one. */
    function idempotencyKey(slot, body) {
      const p = state.pending[slot];
      if (!p || p.body !== body) state.pending[slot] = { body, key: uuid() };
      return state.pending[slot].key;
    }
    const acknowledged = (slot) => { delete state.pending[slot]; };

    /* Disables every button of container while fn runs; the submit button says what is happening. */
    async function busyAll(container, label, fn) {
      const buttons = $$('button', container);
      const submit = $('button[type="submit"]', container);
      const text = submit ? submit.textContent : '';
      const was = buttons.map((b) => b.disabled);
      for (const b of buttons) b.disabled = true;
      if (submit && label) submit.textContent = label;
      container.setAttribute('aria-busy', 'true');
      try { return await fn(); } finally {
        buttons.forEach((b, i) => { b.disabled = was[i]; });
        if (submit && label) submit.textContent = text;
        container.removeAttribute('aria-busy');
      }
    }

    /* A button that runs fn, disabled while it does. */
    function onClick(button, fn) {
      button.addEventListener('click', async () => {
        if (button.disabled) return;
        button.disabled = true;
        try { await fn(); } finally { button.disabled = false; }
      });
    }

    /* datetime-local value ("2026-03-02T10:15") in this browser's zone -> RFC 3339 UTC. */
    function localToRfc3339(value) {
      const d = new Date(value);
      if (!value || Number.isNaN(d.getTime())) return null;
      return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    /* A date input's day ("2026-03-02") -> the RFC 3339 UTC of its local midnight, plus days. */
    function dayStart(value, plusDays = 0) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
      if (!m) return null;
      const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
      return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    function isoDay(d) {
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    }

    /* A table with a hidden caption and column heads; cols: [{label, num}]. */
    function table(caption, cols, rows, cls = '') {
      return el('div', { class: 'table-wrap' }, el('table', { class: cls },
        el('caption', { class: 'visually-hidden', text: caption }),
        el('thead', null, el('tr', null, cols.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null, text: c.label })))),
        el('tbody', null, rows)));
    }
    const td = (text, cls) => el('td', { class: cls || null, text: text === null || text === undefined ? '—' : String(text) });

    /* ---- who may do what ---- */

    function permissions(who) {
      const r = who.role;
      const operator = !who.partner;
      return {
        programApply: r === 'admin' && operator,
        storeWrite: r === 'admin',
        staffRead: r === 'admin' || r === 'auditor',
        staffWrite: r === 'admin',
        auditRead: r === 'admin' || r === 'auditor',
        activityRead: r === 'admin' || r === 'auditor' || r === 'manager',
        coalitionRead: (r === 'admin' || r === 'auditor') && state.partners.length > 0,
        settleWrite: r === 'admin' && operator && state.partners.length > 0,
      };
    }

    function applyPermissions() {
      state.can = permissions(state.who);
      for (const node of $$('[data-needs]')) node.hidden = !state.can[node.dataset.needs];
      const note = $('#readonly-note');
      const r = state.who.role;
      note.hidden = r === 'admin';
      note.textContent = r === 'auditor'
        ? 'You are logged in as an auditor: you can read everything here and change nothing.'
        : r === 'manager'
          ? 'You are logged in as a store manager: you can read the program and the stores, and the staff activity of your store.'
          : 'Cashiers use the till page; here you can read the program and the stores.';
    }

    function showWho() {
      const w = state.who;
      const bits = [w.kind === 'key' ? 'Admin API key' : `${w.name} (${w.login})`, ROLE_NAMES[w.role] || w.role];
      if (w.store) bits.push(`store ${w.store}`);
      if (w.partner) bits.push(`partner ${w.partner}`);
      if (state.program) bits.unshift(state.program.name);
      $('#who').textContent = bits.join(' · ');
    }

    /* ---- logging in and out ---- */

    async function open(token, who, { quiet = false } = {}) {
      state.token = token;
      state.who = who;
      const program = await call('GET', '/v1/program');
      state.program = program;
      state.partners = await loadPartners();
      try {
        sessionStorage.setItem(TOKEN_STORAGE, token);
        sessionStorage.setItem(WHO_STORAGE, JSON.stringify(who));
      } catch { /* private mode: kept in memory */ }
      applyPermissions();
      showWho();
      loginSection.hidden = true;
      admin.hidden = false;
      $('#logout').hidden = false;
      fillStaticChoices();
      renderProgram();
      await Promise.all([loadVersions(), loadStores(true)]);
      showSection(sectionFromHash(), { focus: !quiet });
      announce(`Logged in as ${who.kind === 'key' ? 'admin key' : who.name}.`);
    }

    function closeAdmin() {
      state.token = null;
      state.who = null;
      try {
        sessionStorage.removeItem(TOKEN_STORAGE);
        sessionStorage.removeItem(WHO_STORAGE);
      } catch { /* ignore */ }
      admin.hidden = true;
      loginSection.hidden = false;
      $('#logout').hidden = true;
      $('#who').textContent = '';
      for (const id of ['#versions', '#stores-list', '#staff-list', '#audit-list', '#activity-report', '#settle-report',
        '#apply-result', '#store-result', '#staff-result', '#link-result', '#settle-result']) {
        $(id).replaceChildren();
      }
      state.pending = {};
    }

    const loginForm = $('#login-form');
    loginForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(loginForm);
      const login = $('#admin-login').value.trim();
      const password = $('#admin-password').value;
      const missing = [];
      if (!login) missing.push({ field: 'login', detail: 'type your staff login' });
      if (!password) missing.push({ field: 'password', detail: 'type your password' });
      if (missing.length) { showProblem(loginForm, clientProblem(missing)); return; }
      await busyAll(loginForm, 'Logging in…', async () => {
        let session;
        try {
          session = await api('POST', '/v1/sessions', { key: '', body: JSON.stringify({ login, password }) });
        } catch (p) {
          if (p instanceof ApiProblem && p.status === 401) p.errors = [{ target: 'password', detail: p.detail || p.title }];
          showProblem(loginForm, p);
          return;
        }
        $('#admin-password').value = '';
        const s = session.staff;
        try {
          await open(session.token, { kind: 'staff', name: s.name, login: s.login, role: s.role, store: s.store, partner: s.partner });
        } catch (p) {
          closeAdmin();
          showProblem(loginForm, p);
        }
      });
    });

    const keyForm = $('#key-form');
    keyForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(keyForm);
      const key = $('#admin-key').value.trim();
      if (!key) { showProblem(keyForm, clientProblem([{ field: 'key', detail: 'paste an admin API key' }])); return; }
      await busyAll(keyForm, 'Checking…', async () => {
        try {
          /* Only an admin key opens the page: a till key is refused here. */
          const me = await api('GET', '/v1/me', { key });
          if (!me.scopes.includes('admin')) throw new ApiProblem({ status: 403, title: 'Forbidden' });
          $('#admin-key').value = '';
          const name = me.partner ? `Admin API key of ${me.partner}` : 'Admin API key';
          await open(key, { kind: 'key', name, login: '', role: 'admin', store: null, partner: me.partner });
        } catch (p) {
          closeAdmin();
          if (p instanceof ApiProblem && (p.status === 401 || p.status === 403)) {
            p.errors = [{ target: 'key', detail: p.status === 403 ? 'this is not an admin key (a till key cannot open the admin page)' : (p.detail || p.title) }];
          }
          showProblem(keyForm, p);
        }
      });
    });

    onClick($('#logout'), async () => {
      const token = state.token;
      /* A staff session ends on the server too; an API key stays valid. */
      if (token && token.startsWith('fds_')) {
        try { await api('DELETE', '/v1/sessions/current', { key: token }); } catch { /* it expires anyway */ }
      }
      closeAdmin();
      announce('Logged out.');
      $('#admin-login').focus();
    });

    /* ---- sections ---- */

    function sectionFromHash() {
      const h = window.location.hash.replace(/^#/, '');
      return SECTIONS.includes(h) ? h : 'program';
    }

    function showSection(name, { focus = true } = {}) {
      const link = $(`#admin-nav a[data-section="${name}"]`);
      if (!link || link.hidden) name = 'program';
      for (const s of SECTIONS) {
        $(`#${s}`).hidden = s !== name;
        const a = $(`#admin-nav a[data-section="${s}"]`);
        if (s === name) a.setAttribute('aria-current', 'true'); else a.removeAttribute('aria-current');
      }
      if (focus) $(`#${name}`).focus({ preventScroll: true });
      loadSection(name);
    }

    /* Lists are read again each time their section is shown: others write too. */
    function loadSection(name) {
      if (name === 'staff') loadStaff(true);
      else if (name === 'audit') loadAudit(true);
      else if (name === 'activity') runActivity();
      else if (name === 'stores') loadStores(true);
      else if (name === 'coalition') renderPartners();
    }

    window.addEventListener('hashchange', () => { if (!admin.hidden) showSection(sectionFromHash()); });

    /* ---- the program ---- */

    /* The partners of a coalition program, as the program in force lists them. */
    async function loadPartners() {
      const program = state.program || await call('GET', '/v1/program');
      return program.partners || [];
    }

    function renderProgram() {
      const p = state.program;
      if (!p) return;
      const fact = (label, value, id) => el('div', { class: 'fact' }, el('dt', { text: label }), el('dd', { id, text: value }));
      fill($('#program-summary'),
        fact('Name', p.name, 'program-name'),
        fact('Currency', p.currency, 'program-currency'),
        fact('Time zone', p.time_zone, 'program-zone'),
        fact('Points per unit', fmtInt(p.points_per_unit)),
        fact('Rounding', p.rounding),
        fact('Points expire after', `${p.expiry_months} months`),
        fact('Pending days', fmtInt(p.pending_days)),
        fact('Value of a point', fmtMoney(p.point_value_minor, p)),
        fact('Language', p.language),
        state.partners.length ? fact('Partners', state.partners.map((x) => x.name).join(', '), 'program-partners') : null);
    }

    async function loadVersions() {
      const box = $('#versions');
      try {
        const res = await call('GET', '/v1/program/versions');
        state.versions = (res.versions || []).slice().reverse(); /* newest first */
        state.versionsShown = 0;
        box.replaceChildren();
        showMoreVersions();
      } catch (p) {
        box.replaceChildren(el('p', { class: 'problem', role: 'alert', text: `${p.title}${p.detail ? `: ${p.detail}` : ''}` }));
      }
    }

    function showMoreVersions() {
      const box = $('#versions');
      if (state.versions.length === 0) {
        box.replaceChildren(el('p', { class: 'hint', text: 'No program file applied yet: the defaults are in force.' }));
        $('#versions-more').hidden = true;
        return;
      }
      let tbody = $('tbody', box);
      if (!tbody) {
        box.replaceChildren(table('Program versions, newest first', [
          { label: 'Version' }, { label: 'Effective from' }, { label: 'Applied' }, { label: 'Rules', num: true }, { label: 'Status' },
        ], [], 'versions'));
        tbody = $('tbody', box);
      }
      const next = state.versions.slice(state.versionsShown, state.versionsShown + PAGE_SIZE);
      for (const v of next) {
        tbody.append(el('tr', { dataset: { version: v.version } },
          td(`v${v.version}`), td(fmtTime(v.effective_from)), td(fmtTime(v.created_at)), td(fmtInt(v.rules), 'num'),
          el('td', null, v.in_force ? el('span', { class: 'badge ok', text: 'in force' })
            : new Date(v.effective_from) > new Date() ? el('span', { class: 'badge', text: 'scheduled' }) : null)));
      }
      state.versionsShown += next.length;
      $('#versions-more').hidden = state.versionsShown >= state.versions.length;
    }
    $('#versions-more').addEventListener('click', showMoreVersions);

    onClick($('#program-refresh'), async () => {
      const box = $('#program').querySelector('.card');
      clearProblems(box);
      try {
        state.program = await call('GET', '/v1/program');
        state.partners = await loadPartners();
        applyPermissions();
        renderProgram();
        showWho();
        await loadVersions();
      } catch (p) { showProblem(box, p); }
    });

    const applyForm = $('#apply-form');
    const source = $('#apply-source');

    $('#apply-file').addEventListener('change', async (ev) => {
      const file = ev.target.files && ev.target.files[0];
      if (!file) return;
      if (file.size > MAX_PROGRAM_BYTES) {
        showProblem(applyForm, clientProblem([{ field: 'source', detail: `the file is larger than ${MAX_PROGRAM_BYTES / 1024} KiB` }]));
        return;
      }
      source.value = await file.text();
      clearProblems(applyForm);
    });

    /* Puts the caret on line:column of the source and shows that line with a marker. */
    function pointAtSource(line, column) {
      const lines = source.value.split('\n');
      const show = $('#apply-source-line');
      if (!line || line > lines.length) { show.hidden = true; return; }
      let offset = 0;
      for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
      const col = Math.max(1, Math.min(column || 1, lines[line - 1].length + 1));
      source.setSelectionRange(offset + col - 1, offset + col - 1);
      const lineHeight = parseFloat(getComputedStyle(source).lineHeight) || 20;
      source.scrollTop = Math.max(0, (line - 3) * lineHeight);
      const gutter = `${line} | `;
      show.textContent = `${gutter}${lines[line - 1]}\n${' '.repeat(gutter.length + col - 1)}^`;
      show.hidden = false;
    }

    applyForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(applyForm);
      $('#apply-source-line').hidden = true;
      const text = source.value;
      const fromValue = $('#apply-from').value;
      const errors = [];
      if (!text.trim()) errors.push({ field: 'source', detail: 'paste or load a program file' });
      else if (utf8Length(text) > MAX_PROGRAM_BYTES) errors.push({ field: 'source', detail: `must be at most ${MAX_PROGRAM_BYTES / 1024} KiB` });
      const from = fromValue ? localToRfc3339(fromValue) : null;
      if (fromValue && !from) errors.push({ field: 'effective_from', detail: 'must be a date and time' });
      if (errors.length) { showProblem(applyForm, clientProblem(errors, 'Please correct the form — nothing was sent')); return; }
      const payload = { source: text };
      if (from) payload.effective_from = from;
      const body = JSON.stringify(payload);
      await busyAll(applyForm, 'Applying…', async () => {
        try {
          const res = await call('POST', '/v1/program/versions', { body, idempotencyKey: idempotencyKey('apply', body) });
          acknowledged('apply');
          fill($('#apply-result'), el('div', { class: 'success', id: 'apply-success' },
            el('p', null, 'Applied as ', el('strong', { text: `version ${res.version}` }), `, effective from ${fmtTime(res.effective_from)}.`)));
          state.program = await call('GET', '/v1/program');
          state.partners = await loadPartners();
          applyPermissions();
          renderProgram();
          showWho();
          await loadVersions();
          announce(`Program version ${res.version} applied.`);
        } catch (p) {
          $('#apply-result').replaceChildren();
          /* A file error names a key path in the file (earn[0].rate) and "line L, column C"
           * in detail: both belong to the program file's box. */
          if (p instanceof ApiProblem && p.status === 400 && p.field !== 'effective_from' && p.field !== 'Idempotency-Key') {
            const where = /line (\d+), column (\d+)/.exec(p.detail || '');
            p.errors = [{ target: 'source', detail: `${p.field ? `${p.field}: ` : ''}${p.detail || p.title}` }];
            showProblem(applyForm, p);
            if (where) pointAtSource(Number(where[1]), Number(where[2]));
          } else {
            showProblem(applyForm, p);
          }
        }
      });
    });

    /* ---- stores ---- */

    async function loadStores(reset) {
      const card = $('#stores').querySelector('.card');
      clearProblems(card);
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (!reset && state.storesAfter) params.set('after', state.storesAfter);
      try {
        const page = await call('GET', `/v1/stores?${params}`);
        if (reset) state.stores = [];
        state.stores.push(...(page.stores || []));
        state.storesAfter = page.next_after || null;
        renderStores();
      } catch (p) { showProblem(card, p); }
    }

    function renderStores() {
      const box = $('#stores-list');
      if (state.stores.length === 0) {
        box.replaceChildren(el('p', { class: 'hint', text: 'No store registered yet: purchases may name any store.' }));
      } else {
        const rows = state.stores.map((s) => {
          let action = null;
          if (state.can.storeWrite) {
            const b = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit store ${s.code}` }, 'Edit');
            b.addEventListener('click', () => editStore(s));
            action = el('td', null, b);
          }
          return el('tr', { dataset: { code: s.code } }, td(s.code), td(s.name), td(s.time_zone), td(s.address), action);
        });
        const cols = [{ label: 'Code' }, { label: 'Name' }, { label: 'Time zone' }, { label: 'Address' }];
        if (state.can.storeWrite) cols.push({ label: 'Actions' });
        box.replaceChildren(table('Stores', cols, rows, 'stores'));
      }
      $('#stores-more').hidden = !state.storesAfter;
      fillStoreChoices();
    }
    onClick($('#stores-more'), () => loadStores(false));
    onClick($('#stores-refresh'), () => loadStores(true));

    const storeForm = $('#store-form');
    function editStore(s) {
      state.storeEditing = s.code;
      clearProblems(storeForm);
      $('#store-form-title').textContent = `Edit store ${s.code}`;
      $('#store-code').value = s.code;
      $('#store-code').disabled = true;
      $('#store-name').value = s.name;
      $('#store-tz').value = s.time_zone;
      $('#store-address').value = s.address || '';
      $('#store-submit').textContent = 'Save store';
      $('#store-cancel').hidden = false;
      $('#store-result').replaceChildren();
      $('#store-name').focus();
    }
    function stopEditing() {
      state.storeEditing = null;
      storeForm.reset();
      $('#store-code').disabled = false;
      $('#store-form-title').textContent = 'Add a store';
      $('#store-submit').textContent = 'Add store';
      $('#store-cancel').hidden = true;
    }
    $('#store-cancel').addEventListener('click', () => { stopEditing(); clearProblems(storeForm); $('#store-code').focus(); });

    storeForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(storeForm);
      const editing = state.storeEditing;
      const code = $('#store-code').value.trim();
      const name = $('#store-name').value.trim();
      const tz = $('#store-tz').value.trim();
      const address = $('#store-address').value.trim();
      const errors = [];
      if (!editing && !code) errors.push({ field: 'code', detail: 'is required' });
      else if (!editing && !/^[A-Za-z0-9._-]{1,64}$/.test(code)) errors.push({ field: 'code', detail: 'must be 1 to 64 of A-Z a-z 0-9 . _ -' });
      if (!name) errors.push({ field: 'name', detail: 'is required' });
      else if (utf8Length(name) > MAX_NAME_BYTES) errors.push({ field: 'name', detail: `must be at most ${MAX_NAME_BYTES} bytes` });
      if (!tz) errors.push({ field: 'time_zone', detail: 'is required, e.g. Europe/Madrid' });
      if (utf8Length(address) > MAX_ADDRESS_BYTES) errors.push({ field: 'address', detail: `must be at most ${MAX_ADDRESS_BYTES} bytes` });
      if (errors.length) { showProblem(storeForm, clientProblem(errors, 'Please correct the store — nothing was sent')); return; }
      const payload = editing ? { name, time_zone: tz } : { code, name, time_zone: tz };
      if (address) payload.address = address;
      const body = JSON.stringify(payload);
      const slot = editing ? `store-put-${editing}` : 'store-post';
      await busyAll(storeForm, editing ? 'Saving…' : 'Adding…', async () => {
        try {
          const s = editing
            ? await call('PUT', `/v1/stores/${encodeURIComponent(editing)}`, { body, idempotencyKey: idempotencyKey(slot, body) })
            : await call('POST', '/v1/stores', { body, idempotencyKey: idempotencyKey(slot, body) });
          acknowledged(slot);
          stopEditing();
          fill($('#store-result'), el('div', { class: 'success' },
            el('p', null, editing ? 'Saved store ' : 'Added store ', el('strong', { text: `${s.code} — ${s.name}` }), '.')));
          announce(`${editing ? 'Saved' : 'Added'} store ${s.code}.`);
          await loadStores(true);
        } catch (p) {
          showProblem(storeForm, p);
        }
      });
    });

    /* ---- staff ---- */

    function fillStaticChoices() {
      const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
      fill($('#time-zones'), zones.map((z) => el('option', { value: z })));
      fill($('#audit-routes'), AUDIT_ROUTES.map((r) => el('option', { value: r })));
      const partnerField = $('#staff-partner-field');
      partnerField.hidden = state.partners.length === 0 || !!state.who.partner;
      fill($('#staff-partner'), el('option', { value: '', text: 'The coalition operator' }),
        state.partners.map((p) => el('option', { value: p.id, text: `${p.name} (${p.id})` })));
      updateRoleFields();
    }

    function fillStoreChoices() {
      const select = $('#staff-store');
      const was = select.value;
      fill(select, el('option', { value: '', text: state.stores.length ? 'Choose a store' : 'No store registered yet' }),
        state.stores.map((s) => el('option', { value: s.code, text: `${s.code} — ${s.name}` })));
      if (was) select.value = was;
    }

    function updateRoleFields() {
      const role = $('#staff-role').value;
      const atStore = role === 'cashier' || role === 'manager';
      $('#staff-store').disabled = !atStore;
      if (!atStore) $('#staff-store').value = '';
      $('#staff-partner').disabled = atStore;
      if (atStore) $('#staff-partner').value = '';
      $('#staff-role-hint').textContent = {
        cashier: 'The till, at their store.',
        manager: 'The till, refunds, small adjustments and their store\'s staff activity.',
        admin: 'Everything in the program.',
        auditor: 'Reads everything, changes nothing.',
      }[role];
    }
    $('#staff-role').addEventListener('change', updateRoleFields);

    async function loadStaff(reset) {
      const card = $('#staff').querySelector('.card');
      clearProblems(card);
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (!reset && state.staffAfter) params.set('after', String(state.staffAfter));
      try {
        const page = await call('GET', `/v1/staff?${params}`);
        if (reset) state.staff = [];
        state.staff.push(...(page.staff || []));
        state.staffAfter = page.next_after || null;
        renderStaff();
      } catch (p) { showProblem(card, p); }
    }

    function renderStaff() {
      const box = $('#staff-list');
      if (state.staff.length === 0) {
        box.replaceChildren(el('p', { class: 'hint', text: 'No staff account yet.' }));
      } else {
        const showPartner = state.partners.length > 0;
        const rows = state.staff.map((s) => {
          let action = null;
          if (state.can.staffWrite) {
            const b = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Link a card to ${s.login}` }, 'Link card');
            b.addEventListener('click', () => {
              $('#link-staff').value = String(s.id);
              $('#link-card').focus();
            });
            action = el('td', null, b, ' ', disableButton(s));
          }
          return el('tr', { dataset: { login: s.login }, class: s.disabled ? 'disabled' : null },
            td(s.login), td(s.name), td(ROLE_NAMES[s.role] || s.role), td(s.store),
            showPartner ? td(s.partner || 'operator') : null,
            td(s.member_id ? `member ${s.member_id}` : null), td(fmtTime(s.created_at)),
            td(s.disabled ? `disabled ${fmtTime(s.disabled_at)}` : 'active'), action);
        });
        const cols = [{ label: 'Login' }, { label: 'Name' }, { label: 'Role' }, { label: 'Store' }];
        if (showPartner) cols.push({ label: 'Partner' });
        cols.push({ label: 'Own card' }, { label: 'Created' }, { label: 'Status' });
        if (state.can.staffWrite) cols.push({ label: 'Actions' });
        box.replaceChildren(table('Staff accounts', cols, rows, 'staff'));
      }
      $('#staff-more').hidden = !state.staffAfter;
      const select = $('#link-staff');
      const was = select.value;
      fill(select, el('option', { value: '', text: 'Choose a staff account' }),
        state.staff.map((s) => el('option', { value: String(s.id), text: `${s.name} (${s.login})` })));
      if (was) select.value = was;
      const reset = $('#reset-staff');
      const wasReset = reset.value;
      fill(reset, el('option', { value: '', text: 'Choose a staff account' }),
        state.staff.map((s) => el('option', { value: String(s.id), text: `${s.name} (${s.login})` })));
      if (wasReset) reset.value = wasReset;
    }

    /* Disable (a second click confirms: it ends the person's sessions at
     * once) or enable an account. An admin cannot disable themselves. */
    function disableButton(s) {
      if (state.who.kind === 'staff' && state.who.login === s.login) return null;
      const label = s.disabled ? 'Enable' : 'Disable';
      const b = el('button', { type: 'button', class: 'secondary small', 'aria-label': `${label} ${s.login}` }, label);
      b.addEventListener('click', async () => {
        if (!s.disabled && b.dataset.armed !== '1') {
          b.dataset.armed = '1';
          b.textContent = 'Confirm disable';
          b.setAttribute('aria-label', `Confirm: disable ${s.login} and end their sessions`);
          return;
        }
        b.disabled = true;
        const box = $('#staff-list').closest('.card') || $('#staff-list');
        try {
          const body = JSON.stringify({ disabled: !s.disabled });
          const slot = `disable-${s.id}-${!s.disabled}`;
          await call('PATCH', `/v1/staff/${encodeURIComponent(s.id)}`, { body, idempotencyKey: idempotencyKey(slot, body) });
          acknowledged(slot);
          announce(`${s.login} ${s.disabled ? 'enabled' : 'disabled'}.`);
          await loadStaff(true);
        } catch (p) {
          b.disabled = false;
          showProblem(box, p);
        }
      });
      return b;
    }

    const resetForm = $('#reset-form');
    resetForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(resetForm);
      const id = $('#reset-staff').value;
      const password = $('#reset-password').value;
      const errors = [];
      if (!id) errors.push({ field: 'id', detail: 'choose a staff account' });
      const pwBytes = utf8Length(password);
      if (pwBytes < MIN_PASSWORD_BYTES || pwBytes > MAX_PASSWORD_BYTES) {
        errors.push({ field: 'password', detail: `must be ${MIN_PASSWORD_BYTES} to ${MAX_PASSWORD_BYTES} bytes` });
      }
      if (errors.length) { showProblem(resetForm, clientProblem(errors, 'Please correct the form — nothing was sent')); return; }
      await busyAll(resetForm, 'Saving…', async () => {
        try {
          const body = JSON.stringify({ password });
          const slot = `password-${id}`;
          const s = await call('PUT', `/v1/staff/${encodeURIComponent(id)}/password`, { body, idempotencyKey: idempotencyKey(slot, body) });
          acknowledged(slot);
          resetForm.reset();
          fill($('#reset-result'), el('div', { class: 'success' }, el('p', null, `New password set for ${s.login}; their sessions have ended.`)));
          announce(`Password set for ${s.login}.`);
        } catch (p) {
          showProblem(resetForm, p);
        }
      });
    });
    onClick($('#staff-more'), () => loadStaff(false));
    onClick($('#staff-refresh'), () => loadStaff(true));

    const staffForm = $('#staff-form');
    staffForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(staffForm);
      const login = $('#staff-login').value.trim();
      const name = $('#staff-name').value.trim();
      const role = $('#staff-role').value;
      const store = $('#staff-store').value;
      const partner = $('#staff-partner-field').hidden ? '' : $('#staff-partner').value;
      const password = $('#staff-password').value;
      const errors = [];
      if (!/^[a-z0-9._-]{3,32}$/.test(login)) errors.push({ field: 'login', detail: `must be 3 to ${MAX_LOGIN_BYTES} of a-z 0-9 . _ -` });
      if (!name) errors.push({ field: 'name', detail: 'is required' });
      else if (utf8Length(name) > MAX_NAME_BYTES) errors.push({ field: 'name', detail: `must be at most ${MAX_NAME_BYTES} bytes` });
      if ((role === 'cashier' || role === 'manager') && !store) errors.push({ field: 'store', detail: `a ${ROLE_NAMES[role]} works at a store: choose one` });
      const pwBytes = utf8Length(password);
      if (pwBytes < MIN_PASSWORD_BYTES || pwBytes > MAX_PASSWORD_BYTES) {
        errors.push({ field: 'password', detail: `must be ${MIN_PASSWORD_BYTES} to ${MAX_PASSWORD_BYTES} bytes` });
      }
      if (errors.length) { showProblem(staffForm, clientProblem(errors, 'Please correct the account — nothing was sent')); return; }
      const payload = { login, name, role, password };
      if (store) payload.store = store;
      if (partner) payload.partner = partner;
      const body = JSON.stringify(payload);
      await busyAll(staffForm, 'Adding…', async () => {
        try {
          const s = await call('POST', '/v1/staff', { body, idempotencyKey: idempotencyKey('staff', body) });
          acknowledged('staff');
          staffForm.reset();
          updateRoleFields();
          fill($('#staff-result'), el('div', { class: 'success' },
            el('p', null, 'Added ', el('strong', { text: `${s.name} (${s.login})` }), `, ${ROLE_NAMES[s.role] || s.role}${s.store ? ` at ${s.store}` : ''}.`)));
          announce(`Added staff account ${s.login}.`);
          await loadStaff(true);
        } catch (p) {
          showProblem(staffForm, p);
        }
      });
    });

    const linkForm = $('#link-form');
    linkForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(linkForm);
      const id = $('#link-staff').value;
      const value = $('#link-card').value.trim();
      const compact = value.replace(/[\s-]/g, '');
      const errors = [];
      if (!id) errors.push({ field: 'id', detail: 'choose a staff account' });
      if (!value) errors.push({ field: 'member_id', detail: 'type a card number or a member id' });
      else if (!/^\d+$/.test(compact)) errors.push({ field: 'member_id', detail: 'must be a card number or a member id' });
      if (errors.length) { showProblem(linkForm, clientProblem(errors, 'Please correct the form — nothing was sent')); return; }
      await busyAll(linkForm, 'Linking…', async () => {
        try {
          let memberId = Number(compact);
          let who = '';
          if (compact.length >= 16) { /* a card number: find its member */
            try {
              const found = await call('GET', `/v1/members?card=${encodeURIComponent(value)}`);
              const m = (found.members || [])[0];
              if (!m) throw new ApiProblem({ status: 404, title: 'No such card', field: 'card', detail: 'no member has this card' });
              memberId = m.id;
              who = m.name;
            } catch (p) {
              if (p instanceof ApiProblem && p.field === 'card') p.errors = [{ target: 'member_id', detail: p.detail || p.title }];
              throw p;
            }
          }
          const body = JSON.stringify({ member_id: memberId });
          const slot = `link-${id}`;
          const s = await call('PUT', `/v1/staff/${encodeURIComponent(id)}/member`, { body, idempotencyKey: idempotencyKey(slot, body) });
          acknowledged(slot);
          linkForm.reset();
          fill($('#link-result'), el('div', { class: 'success' }, el('p', null,
            s.member_id ? `Linked ${s.login} to member ${s.member_id}${who ? ` (${who})` : ''}.` : `Removed ${s.login}'s card link.`)));
          announce(`Card link saved for ${s.login}.`);
          await loadStaff(true);
        } catch (p) {
          showProblem(linkForm, p);
        }
      });
    });

    /* ---- audit log ---- */

    const auditForm = $('#audit-form');

    function readAuditFilter() {
      const errors = [];
      const f = {};
      const actor = $('#audit-actor').value.trim();
      const route = $('#audit-route').value.trim();
      if (actor) f.actor = actor;
      if (route) f.route = route;
      for (const name of ['from', 'to']) {
        const v = $(`#audit-${name}`).value;
        if (!v) continue;
        const t = localToRfc3339(v);
        if (!t) errors.push({ field: name, detail: 'must be a date and time' });
        else f[name] = t;
      }
      return { f, errors };
    }

    async function loadAudit(reset) {
      clearProblems(auditForm);
      if (reset) {
        const { f, errors } = readAuditFilter();
        if (errors.length) { showProblem(auditForm, clientProblem(errors)); return; }
        state.auditFilter = f;
        state.auditBefore = null;
      }
      const params = new URLSearchParams({ ...state.auditFilter, limit: String(PAGE_SIZE) });
      if (!reset && state.auditBefore) params.set('before', String(state.auditBefore));
      try {
        const page = await call('GET', `/v1/audit-log?${params}`);
        state.auditBefore = page.next_before || null;
        const box = $('#audit-list');
        let tbody = $('tbody', box);
        if (reset || !tbody) {
          box.replaceChildren(table('Audit log, newest first', [
            { label: 'When' }, { label: 'Who' }, { label: 'As' }, { label: 'Store' }, { label: 'What' },
            { label: 'Request' }, { label: 'Reference' }, { label: 'Status', num: true }, { label: 'From' },
          ], [], 'audit'));
          tbody = $('tbody', box);
        }
        for (const e of page.entries || []) {
          tbody.append(el('tr', { dataset: { id: e.id } },
            td(fmtTime(e.time)), td(e.actor), td(e.role), td(e.store), td(e.route),
            el('td', null, el('code', { text: `${e.method} ${e.path}` })), td(e.ref),
            td(e.status, `num ${e.status >= 400 ? 'neg' : ''}`), td(e.client_ip)));
        }
        if (!$('tr', tbody)) box.replaceChildren(el('p', { class: 'hint', text: 'No entry matches.' }));
        $('#audit-more').hidden = !state.auditBefore;
      } catch (p) {
        showProblem(auditForm, p);
      }
    }

    auditForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busyAll(auditForm, 'Loading…', () => loadAudit(true));
    });
    $('#audit-clear').addEventListener('click', async () => {
      auditForm.reset();
      await busyAll(auditForm, null, () => loadAudit(true));
    });
    onClick($('#audit-more'), () => loadAudit(false));

    /* ---- unusual staff activity ---- */

    const activityForm = $('#activity-form');

    function setPeriod(kind) {
      const now = new Date();
      let from;
      let to = now;
      if (kind === 'month') from = new Date(now.getFullYear(), now.getMonth(), 1);
      else if (kind === 'last-month') {
        from = new Date(now.getFullYear(), now.getMonth() - 1, 1);
        to = new Date(now.getFullYear(), now.getMonth(), 0);
      } else if (kind !== 'custom') {
        from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - Number(kind) + 1);
      }
      if (from) {
        $('#activity-from').value = isoDay(from);
        $('#activity-to').value = isoDay(to);
      }
    }
    $('#activity-period').addEventListener('change', (ev) => setPeriod(ev.target.value));
    for (const id of ['#activity-from', '#activity-to']) {
      $(id).addEventListener('input', () => { $('#activity-period').value = 'custom'; });
    }
    setPeriod($('#activity-period').value);

    async function runActivity() {
      clearProblems(activityForm);
      const fromDay = $('#activity-from').value;
      const toDay = $('#activity-to').value;
      const errors = [];
      const from = dayStart(fromDay);
      const to = dayStart(toDay, 1);
      if (!from) errors.push({ field: 'from', detail: 'choose the first day' });
      if (!to) errors.push({ field: 'to', detail: 'choose the last day' });
      if (from && to && to <= from) errors.push({ field: 'to', detail: 'must not be before the first day' });
      if (errors.length) { showProblem(activityForm, clientProblem(errors)); return; }
      try {
        const rep = await call('GET', `/v1/reports/staff-activity?${new URLSearchParams({ from, to })}`);
        /* Flagged accounts first, then by sales rung up. */
        state.activityRows = (rep.staff || []).slice().sort((a, b) => (b.unusual - a.unusual) || (b.purchases - a.purchases));
        state.activityShown = 0;
        const flagged = state.activityRows.filter((r) => r.unusual).length;
        const th = rep.thresholds || {};
        fill($('#activity-report'),
          el('p', { class: flagged ? 'summary bad' : 'summary', id: 'activity-summary' },
            flagged ? `${flagged} of ${state.activityRows.length} staff accounts flagged` : `No unusual activity among ${state.activityRows.length} staff accounts`,
            ` from ${fmtTime(rep.from)} to ${fmtTime(rep.to)}.`),
          el('p', { class: 'hint' }, 'Own card and staff cards: sales that earned points there / the points they earned. ',
            `Flags: any sale that earned on the seller's own card; ${th.staff_card_purchases ?? 3} or more on other staff members' cards; ${fmtInt(th.adjustment_points ?? 500)} or more points added by hand.`,
            state.who.role === 'manager' ? ' You see your store\'s staff only.' : ''),
          state.activityRows.length ? table('Staff activity', [
            { label: 'Staff' }, { label: 'Role' }, { label: 'Store' }, { label: 'Sales', num: true },
            { label: 'Own card', num: true }, { label: 'Staff cards', num: true },
            { label: 'Added by hand', num: true }, { label: 'Refunds', num: true }, { label: 'Flags' },
          ], [], 'activity') : null);
        showMoreActivity();
        announce($('#activity-summary').textContent);
      } catch (p) {
        $('#activity-report').replaceChildren();
        showProblem(activityForm, p);
      }
    }

    function showMoreActivity() {
      const tbody = $('#activity-report tbody');
      const next = state.activityRows.slice(state.activityShown, state.activityShown + PAGE_SIZE);
      for (const r of next) {
        const s = r.staff;
        const hot = (n, cls) => td(n, `num ${n ? cls : ''}`);
        tbody.append(el('tr', { class: r.unusual ? 'flagged' : null, dataset: { login: s.login } },
          el('td', null, el('strong', { text: s.name }), el('span', { class: 'muted', text: ` ${s.login}` })),
          td(ROLE_NAMES[s.role] || s.role), td(s.store), td(fmtInt(r.purchases), 'num'),
          hot(r.own_card_purchases ? `${fmtInt(r.own_card_purchases)} / ${fmtInt(r.own_card_points)}` : '0', r.own_card_purchases ? 'neg' : ''),
          hot(r.staff_card_purchases ? `${fmtInt(r.staff_card_purchases)} / ${fmtInt(r.staff_card_points)}` : '0', r.reasons.includes('staff_card_earns') ? 'neg' : ''),
          hot(fmtInt(r.adjustment_points_added), r.reasons.includes('manual_additions') ? 'neg' : ''),
          td(fmtInt(r.refunds), 'num'),
          el('td', null, r.unusual
            ? el('ul', { class: 'flags' }, r.reasons.map((x) => el('li', null, el('span', { class: 'badge bad', text: 'flag' }), ` ${REASONS[x] || x}`)))
            : el('span', { class: 'muted', text: 'nothing unusual' }))));
      }
      state.activityShown += next.length;
      $('#activity-more').hidden = state.activityShown >= state.activityRows.length;
    }
    $('#activity-more').addEventListener('click', showMoreActivity);

    activityForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busyAll(activityForm, 'Loading…', runActivity);
    });

    /* ---- coalition settlements ---- */

    function renderPartners() {
      fill($('#partners-list'), state.partners.map((p) =>
        el('li', null, el('strong', { text: p.name }), ` (${p.id}) — stores: ${p.stores.join(', ') || 'none'}`)));
      const today = isoDay(new Date());
      const monthStart = isoDay(new Date(new Date().getFullYear(), new Date().getMonth(), 1));
      if (!$('#settle-from').value) $('#settle-from').value = monthStart;
      if (!$('#settle-to').value) $('#settle-to').value = today;
      if (!$('#settle-until').value) $('#settle-until').value = today;
    }

    const reportForm = $('#settle-report-form');
    reportForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblems(reportForm);
      const from = $('#settle-from').value;
      const to = $('#settle-to').value;
      const status = $('#settle-status').value;
      await busyAll(reportForm, 'Loading…', async () => {
        try {
          const rep = await call('GET', `/v1/settlements?${new URLSearchParams({ from, to, status })}`);
          state.settlePairs = rep.pairs || [];
          state.settleShown = 0;
          const total = state.settlePairs.reduce((a, p) => a + p.amount, 0);
          fill($('#settle-report'),
            el('p', { class: 'summary', id: 'settle-summary' }, state.settlePairs.length
              ? `${state.settlePairs.length} pair${state.settlePairs.length === 1 ? '' : 's'}, ${fmtMoney(total, state.program)} in all, ${rep.from} to ${rep.to} (${rep.status === 'all' ? 'all items' : 'not yet settled'}).`
              : `Nothing owed ${rep.from} to ${rep.to}.`),
            state.settlePairs.length ? table('What each partner owes', [
              { label: 'Issuer (pays)' }, { label: 'Redeemer (is paid)' }, { label: 'Points', num: true },
              { label: 'Amount', num: true }, { label: 'Items', num: true },
            ], [], 'settlements') : null);
          showMorePairs();
        } catch (p) {
          $('#settle-report').replaceChildren();
          showProblem(reportForm, p);
        }
      });
    });

    const partnerName = (id) => (state.partners.find((p) => p.id === id) || { name: id }).name;
    function showMorePairs() {
      const tbody = $('#settle-report tbody');
      if (!tbody) { $('#settle-more').hidden = true; return; }
      const next = state.settlePairs.slice(state.settleShown, state.settleShown + PAGE_SIZE);
      for (const p of next) {
        tbody.append(el('tr', null, td(partnerName(p.issuer)), td(partnerName(p.redeemer)), td(fmtInt(p.points), 'num'),
          td(fmtMoney(p.amount, state.program), 'num'), td(fmtInt(p.items), 'num')));
      }
      state.settleShown += next.length;
      $('#settle-more').hidden = state.settleShown >= state.settlePairs.length;
    }
    $('#settle-more').addEventListener('click', showMorePairs);

    const settleForm = $('#settle-form');
    const confirmBox = $('#settle-confirm');
    settleForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearProblems(settleForm);
      const until = $('#settle-until').value;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(until)) {
        showProblem(settleForm, clientProblem([{ field: 'until', detail: 'choose the last day to settle' }]));
        return;
      }
      $('#settle-confirm-text').textContent = `Settle every open item up to and including ${until}? This records a settlement between the partners and cannot be undone.`;
      confirmBox.hidden = false;
      $('#settle-submit').hidden = true;
      $('#settle-yes').focus();
    });
    function closeConfirm() {
      confirmBox.hidden = true;
      $('#settle-submit').hidden = false;
    }
    $('#settle-no').addEventListener('click', () => { closeConfirm(); $('#settle-until').focus(); });
    $('#settle-yes').addEventListener('click', async () => {
      const body = JSON.stringify({ until: $('#settle-until').value });
      await busyAll(settleForm, null, async () => {
        try {
          const s = await call('POST', '/v1/settlements', { body, idempotencyKey: idempotencyKey('settle', body) });
          acknowledged('settle');
          closeConfirm();
          fill($('#settle-result'), el('div', { class: 'success', id: 'settle-success' },
            s.id === null
              ? el('p', { text: `Nothing was open up to ${s.until}: no settlement recorded.` })
              : el('p', null, `Settlement ${s.id} recorded: ${fmtInt(s.items)} items, ${fmtMoney(s.amount, state.program)} up to ${s.until}.`),
            (s.lines || []).length ? el('ul', { class: 'plain' }, s.lines.map((l) =>
              el('li', { text: `${partnerName(l.issuer)} pays ${partnerName(l.redeemer)} ${fmtMoney(l.amount, state.program)} (${fmtInt(l.points)} points)` }))) : null));
          announce(s.id === null ? 'Nothing to settle.' : `Settlement ${s.id} recorded.`);
        } catch (p) {
          closeConfirm();
          showProblem(settleForm, p);
        }
      });
    });

    /* ---- start ---- */

    let token = null;
    let who = null;
    try {
      token = sessionStorage.getItem(TOKEN_STORAGE);
      who = JSON.parse(sessionStorage.getItem(WHO_STORAGE) || 'null');
    } catch { /* ignore */ }
    if (token && who) {
      open(token, who, { quiet: true }).catch((p) => {
        closeAdmin();
        showProblem(loginForm, p);
      });
    } else {
      $('#admin-login').focus();
    }
  }

  const page = document.body.dataset.page;
  if (page === 'index') initIndex();
  else if (page === 'till') initTill();
  else if (page === 'admin') initAdmin();
})();
