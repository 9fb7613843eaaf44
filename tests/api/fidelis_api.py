"""
fidelis_api.py - what the black-box API tests share: a running `fidelis`
server, an HTTP client that checks every JSON answer against
docs/openapi.json, and small helpers that speak the product's language
(enrol a member, make a purchase, refund it).

The tests only use what a till or an integrator could use: HTTP on loopback,
plus the `fidelis` command line (init, audit) and, for the card tests, the
installation secret that docs/cards.md says lives in the database.

Backends: by default every server gets a fresh SQLite file. With
FIDELIS_TEST_PG set to the URI of a PostgreSQL maintenance database (e.g.
the one `scripts/pg.sh start DIR` prints), every server gets a fresh
database on that cluster instead, dropped when it stops.
"""
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import re
import signal
import socket
import sqlite3
import string
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path

import jsonschema
import requests

ROOT = Path(__file__).resolve().parents[2]
FIDELIS_BIN = os.environ.get("FIDELIS_BIN", str(ROOT / "build" / "fidelis"))
OPENAPI_PATH = ROOT / "docs" / "openapi.json"
ROUTES_C = ROOT / "src" / "http" / "routes.c"
LIMITS_H = ROOT / "src" / "base" / "limits.h"

PROBLEM_BASE = "https://fidelis.dev/problems/"
TEST_PG = os.environ.get("FIDELIS_TEST_PG", "")


# ---------------------------------------------------------------- backends --

def psql(uri, sql):
    """Runs sql on the PostgreSQL database uri; returns psql's unaligned output."""
    out = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, f"psql {sql!r} failed: {out.stderr}"
    return out.stdout.strip()


def pg_uri_for(name):
    """TEST_PG with its database name replaced by name."""
    parts = urllib.parse.urlsplit(TEST_PG)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


_scratch_pg = []  # databases made by scratch_db, dropped by drop_scratch_dbs


def new_db(workdir, name):
    """A fresh, empty database for one installation: an SQLite file in
    workdir, or (FIDELIS_TEST_PG) a new PostgreSQL database."""
    if not TEST_PG:
        return Path(workdir) / f"{name}.db"
    dbname = f"fdl_{re.sub(r'[^a-z0-9_]', '_', name.lower())}_{uuid.uuid4().hex[:10]}"
    psql(TEST_PG, f'CREATE DATABASE "{dbname}"')
    return pg_uri_for(dbname)


def drop_db(db):
    """Drops a database new_db made on PostgreSQL (an SQLite file stays in tmp)."""
    if TEST_PG and isinstance(db, str):
        name = urllib.parse.urlsplit(db).path.lstrip("/")
        psql(TEST_PG, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scratch_db(workdir, name):
    """new_db for a test's own extra installation; dropped at the session's end."""
    db = new_db(workdir, name)
    _scratch_pg.append(db)
    return db


def drop_scratch_dbs():
    while _scratch_pg:
        drop_db(_scratch_pg.pop())


# ---------------------------------------------------------------- limits.h --

def read_limits(path=LIMITS_H):
    """The named limits of src/base/limits.h, evaluated, by name."""
    limits = {}
    for m in re.finditer(r"^#define\s+(FDL_\w+)\s+(.+?)\s*(?:/\*.*)?$", path.read_text(), re.M):
        expr = re.sub(r"(\d+)LL\b", r"\1", m.group(2))
        try:
            limits[m.group(1)] = int(eval(expr, {}, {}))  # noqa: S307 - our own header
        except Exception:
            pass
    return limits


LIMITS = read_limits()
MAX_JSON_DEPTH = LIMITS["FDL_MAX_JSON_DEPTH"]
MAX_BODY = LIMITS["FDL_MAX_BODY_BYTES"]
MAX_SMALL_BODY = LIMITS["FDL_MAX_SMALL_BODY_BYTES"]
MAX_LINES = LIMITS["FDL_MAX_BASKET_LINES"]
MAX_QUANTITY = LIMITS["FDL_MAX_LINE_QUANTITY"]
MAX_UNIT_PRICE = LIMITS["FDL_MAX_UNIT_PRICE_MINOR"]
MAX_POINTS = LIMITS["FDL_MAX_POINTS"]
MAX_ID_LEN = LIMITS["FDL_MAX_ID_LEN"]
MAX_NAME_LEN = LIMITS["FDL_MAX_NAME_LEN"]
MAX_EMAIL_LEN = LIMITS["FDL_MAX_EMAIL_LEN"]
MAX_PHONE_LEN = LIMITS["FDL_MAX_PHONE_LEN"]
MAX_REASON_LEN = LIMITS["FDL_MAX_REASON_LEN"]
MAX_IDEMPOTENCY_KEY_LEN = LIMITS["FDL_MAX_IDEMPOTENCY_KEY_LEN"]
MAX_PAGE_SIZE = LIMITS["FDL_MAX_PAGE_SIZE"]


# ------------------------------------------------------------- route table --

def route_table(path=ROUTES_C):
    """(method, path, name) of every row of http_routes[] in routes.c."""
    text = path.read_text()
    start = text.index("http_routes[] = {")
    end = text.index("};", start)
    # ... "name"} or, with the roles column, ... "name", R_ALL}
    rows = re.findall(r'\{\s*"([A-Z]+)",\s*"([^"]+)",\s*\w+,.*?"(\w+)"\s*(?:,[^{}"]*)?\}',
                      text[start:end], re.S)
    assert rows, "no routes parsed from routes.c"
    return rows


def path_shape(path):
    """A path template with its parameter names erased: /a/{x}/b -> /a/{}/b."""
    return re.sub(r"\{[^}]*\}", "{}", path)


# ----------------------------------------------------------------- openapi --

def _nullable_to_schema(node):
    """OpenAPI 3.0 `nullable: true` as plain JSON Schema (3.1 needs nothing)."""
    if isinstance(node, list):
        return [_nullable_to_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_schema(v) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        if "type" in out:
            t = out["type"]
            out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class OpenApi:
    """docs/openapi.json, able to validate one HTTP answer."""

    def __init__(self, doc):
        self.version = str(doc.get("openapi", ""))
        self.raw = doc
        self.doc = doc if self.version.startswith("3.1") else _nullable_to_schema(doc)
        self.operations = []  # (regex, literal segment count, method, path, operation)
        for path, item in self.doc.get("paths", {}).items():
            pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$"
            literal = len([s for s in path.split("/") if s and not s.startswith("{")])
            for method, op in item.items():
                if method.lower() in ("get", "put", "post", "delete", "patch", "head", "options"):
                    self.operations.append((re.compile(pattern), literal, method.lower(), path, op))
        cls = (jsonschema.Draft202012Validator if self.version.startswith("3.1")
               else jsonschema.Draft7Validator)
        self.validator_class = cls
        self.resolver = jsonschema.RefResolver(base_uri="", referrer=self.doc)

    @classmethod
    def load(cls, path=OPENAPI_PATH):
        if not path.exists():
            return None
        return cls(json.loads(path.read_text()))

    def documents(self, method, path):
        return any(m == method.lower() and path_shape(p) == path_shape(path)
                   for _, _, m, p, _ in self.operations)

    def _resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def operation(self, method, url_path):
        found = [(lit, p, op) for rx, lit, m, p, op in self.operations
                 if m == method.lower() and rx.match(url_path)]
        if not found:
            return None, None
        found.sort(key=lambda f: -f[0])  # literal segments win over parameters
        return found[0][1], found[0][2]

    def check(self, method, url_path, status, content_type, body):
        """Raises AssertionError unless the answer is what the document says."""
        where = f"{method} {url_path} -> {status}"
        template, op = self.operation(method, url_path)
        if op is None:
            path_known = any(rx.match(url_path) for rx, _, _, _, _ in self.operations)
            # Paths the API does not have, and methods a documented path does not
            # take, have no operation: their answer is a plain problem document.
            assert status == (405 if path_known else 404), \
                f"openapi.json does not document {method} {url_path}"
            problem = self.doc.get("components", {}).get("schemas", {}).get("Problem")
            assert problem is not None, "openapi.json has no components.schemas.Problem"
            self._validate(where, "components.schemas.Problem", problem, body)
            return
        responses = op.get("responses", {})
        response = (responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
                    or responses.get("default"))
        assert response is not None, (
            f"openapi.json documents no {status} answer for {method} {template}")
        response = self._resolve(response)
        content = response.get("content") or {}
        if body is None:
            return
        assert content, f"{where}: the answer has a JSON body but openapi.json documents none"
        media = content.get(content_type) or content.get("application/json") \
            or next(iter(content.values()))
        self._validate(where, template, self._resolve(media.get("schema", {})), body)

    def _validate(self, where, template, schema, body):
        validator = self.validator_class(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            detail = "\n".join(
                f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
            raise AssertionError(
                f"{where}: the answer does not match openapi.json ({template}):\n{detail}\n"
                f"body: {json.dumps(body)[:2000]}")


# ------------------------------------------------------------------ server --

class FidelisServer:
    """One `fidelis serve` on a fresh database in workdir."""

    def __init__(self, workdir, name="fidelis", binary=FIDELIS_BIN, programs=(1,), *,
                 db=None, keys=None, expire_interval=0, args=()):
        """db: serve this existing database (another server's) instead of a
        fresh one, which stop() then leaves alone; keys: that server's keys
        (skips `fidelis init`); expire_interval: seconds between runs of the
        expiry job (0: never; tests run it by hand); args: more options of
        `fidelis serve`."""
        self.binary = str(binary)
        self.workdir = Path(workdir)
        self.owns_db = db is None
        self.db = new_db(self.workdir, name) if db is None else db
        self.log_path = self.workdir / f"{name}.log"
        # program -> (admin key, till key)
        self.keys = dict(keys) if keys else {p: self._init(p) for p in programs}
        self.admin_key, self.pos_key = self.keys[programs[0]]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", str(self.db), "--port", "0", "--test-clock",
             "--expire-interval", str(expire_interval), *args],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        self.port = self._wait_listening()
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait_healthy()

    def _init(self, program):
        out = subprocess.run([self.binary, "init", "--db", str(self.db), "--program",
                              str(program)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"fidelis init failed: {out.stdout}{out.stderr}"
        admin = re.search(r"^admin key:\s*(fdl_\S+)", out.stdout, re.M).group(1)
        pos = re.search(r"^till key:\s*(fdl_\S+)", out.stdout, re.M).group(1)
        return admin, pos

    def _wait_listening(self, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == "listening":
                    return int(event["port"])
            if self.proc.poll() is not None:
                raise AssertionError(f"fidelis serve exited with {self.proc.returncode}:\n"
                                     f"{self.log_text()}")
            time.sleep(0.02)
        raise AssertionError("fidelis serve never said it was listening:\n" + self.log_text())

    def _wait_healthy(self, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.02)
        raise AssertionError("/healthz never answered 200:\n" + self.log_text())

    def log_text(self):
        return self.log_path.read_text(errors="replace")[-8000:]

    def audit(self):
        """`fidelis audit` on the live database (WAL lets it read while we serve)."""
        return subprocess.run([self.binary, "audit", "--db", str(self.db)], capture_output=True,
                              text=True, timeout=120)

    def card_secret(self):
        """The installation's card secret (docs/cards.md: meta table, 64 hex chars)."""
        if TEST_PG:
            return bytes.fromhex(psql(self.db, "SELECT value FROM meta WHERE key = 'card_key'"))
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            (hexkey,) = con.execute("SELECT value FROM meta WHERE key = 'card_key'").fetchone()
        finally:
            con.close()
        return bytes.fromhex(hexkey)

    def sql(self, query):
        """Rows of the read-only query on the server's own database, through the
        backend in use (sqlite3, or psql on the PostgreSQL URI), as tuples.
        On PostgreSQL, integers come back as int and BYTEA as bytes (psql's
        "\\x..." hex); other values as text, NULL as None."""
        if not TEST_PG:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
            try:
                return con.execute(query).fetchall()
            finally:
                con.close()
        out = subprocess.run(
            ["psql", "-X", "-qAt", "-F", "\x1f", "-R", "\x1e", "-P", "null=\x01",
             "-v", "ON_ERROR_STOP=1", "-d", self.db, "-c", query],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
            env={**os.environ, "PGOPTIONS": "-c default_transaction_read_only=on"})
        assert out.returncode == 0, f"psql {query!r} failed: {out.stderr}"

        def value(text):
            if text == "\x01":
                return None
            if re.fullmatch(r"-?[0-9]+", text):
                return int(text)
            if re.fullmatch(r"\\x([0-9a-f]{2})*", text):
                return bytes.fromhex(text[2:])
            return text
        text = out.stdout.rstrip("\n")
        if not text:
            return []
        rows = text.removesuffix("\x1e").split("\x1e")
        return [tuple(value(v) for v in row.split("\x1f")) for row in rows]

    def dump(self):
        """Every row of the server's database as text (SQLite's iterdump, or
        pg_dump --data-only), to check what the database does not keep."""
        if not TEST_PG:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
            try:
                return "\n".join(con.iterdump())
            finally:
                con.close()
        out = subprocess.run(["pg_dump", "--data-only", "-d", self.db], capture_output=True,
                             text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert out.returncode == 0, f"pg_dump failed: {out.stderr}"
        return out.stdout

    def stop(self):
        """SIGTERM, wait; returns a list of complaints (empty when it ended cleanly)."""
        complaints = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                complaints.append("did not stop within 60 s of SIGTERM")
        self.log.close()
        rc = self.proc.returncode
        if rc != 0:
            complaints.append(f"exited with status {rc}")
        log = self.log_path.read_text(errors="replace")
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                       "WARNING: ThreadSanitizer", "Assertion", "Segmentation"):
            if marker in log:
                complaints.append(f"its log mentions {marker!r}")
        if complaints:
            complaints.append("log tail:\n" + log[-8000:])
        if self.owns_db:
            drop_db(self.db)
        return complaints


# ------------------------------------------------------------------ client --

def unique(prefix=""):
    return prefix + uuid.uuid4().hex[:12]


def letters(n=10):
    """A random lower-case ASCII word: a name part nobody else has."""
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


_phone_numbers = itertools.count(random.randrange(10**7) * 10)


def unique_phone():
    """A Spanish mobile number no other call in this run returns."""
    n = next(_phone_numbers) % 10**8
    return "+34 6%02d %03d %03d" % (n // 10**6, n // 1000 % 1000, n % 1000)


def unique_email(name="member"):
    return f"{name}.{uuid.uuid4().hex[:12]}@example.com"


def rfc3339(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def line(sku="SKU-1", quantity=1, unit_price=100, **extra):
    return dict(sku=sku, quantity=quantity, unit_price=unit_price, **extra)


class Api:
    """An HTTP client for one server; every JSON answer is checked against
    openapi.json (when the document exists - its absence fails the
    conformance tests instead)."""

    def __init__(self, server, openapi, program=None):
        self.server = server
        self.base = server.base
        self.program = program or next(iter(server.keys))
        self.admin_key, self.pos_key = server.keys[self.program]
        self.openapi = openapi
        self.session = requests.Session()

    def clone(self):
        """Another client for the same server with its own connection (for threads)."""
        return Api(self.server, self.openapi, self.program)

    def tenant(self, program):
        """A client holding the keys of another program on the same server."""
        return Api(self.server, self.openapi, program)

    def _key(self, key):
        if key == "pos":
            return self.pos_key
        if key == "admin":
            return self.admin_key
        return key

    def request(self, method, path, *, key="pos", json_body=None, data=None, params=None,
                headers=None, idempotency_key="auto", content_type="application/json"):
        """One request. json_body is encoded with json.dumps; data is sent as
        is. Writes get a fresh Idempotency-Key unless one is given (None: none)."""
        h = {}
        k = self._key(key)
        if k is not None:
            h["Authorization"] = f"Bearer {k}"
        if method in ("POST", "PUT", "PATCH") and idempotency_key is not None:
            h["Idempotency-Key"] = (uuid.uuid4().hex if idempotency_key == "auto"
                                    else idempotency_key)
        if json_body is not None:
            data = json.dumps(json_body).encode()
        if data is not None and content_type is not None:
            h["Content-Type"] = content_type
        h.update(headers or {})
        resp = self.session.request(method, self.base + path, data=data, params=params,
                                    headers=h, timeout=60)
        self.validate(method, resp)
        return resp

    def validate(self, method, resp):
        """Checks a received answer: JSON where it says JSON, problem+json shape
        for errors, and the openapi.json schema for its operation and status."""
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
        body = None
        if ctype in ("application/json", "application/problem+json"):
            try:
                body = resp.json()
            except ValueError as e:
                raise AssertionError(f"{method} {resp.url}: {ctype} that is not JSON: {e}")
        if resp.status_code >= 400:
            assert ctype == "application/problem+json", (
                f"{method} {resp.url} -> {resp.status_code} with Content-Type {ctype!r}")
            check_problem_shape(body, resp.status_code)
        if self.openapi is not None and body is not None:
            path = urllib.parse.unquote(urllib.parse.urlsplit(resp.url).path)
            self.openapi.check(method, path, resp.status_code, ctype, body)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    # -- the product's verbs --

    def enrol(self, name=None, *, email="auto", phone="auto", expect=201, **extra):
        body = {"name": name or f"Member {letters(8).title()}"}
        if email == "auto":
            email = unique_email()
        if phone == "auto":
            phone = unique_phone()
        if email is not None:
            body["email"] = email
        if phone is not None:
            body["phone"] = phone
        body.update(extra)
        r = self.post("/v1/members", body)
        assert r.status_code == expect, r.text
        return r.json()

    def new_member(self, **kw):
        """Enrols someone; returns (member, card)."""
        out = self.enrol(**kw)
        return out["member"], out["card"]

    def purchase_body(self, member_id=None, *, card=None, lines=None, txn_id=None,
                      redeem_points=None, currency="EUR", **extra):
        body = {"txn_id": txn_id or unique("T-"), "currency": currency,
                "lines": lines if lines is not None else [line()]}
        if card is not None:
            body["card"] = card
        else:
            body["member_id"] = member_id
        if redeem_points is not None:
            body["redeem_points"] = redeem_points
        body.update(extra)
        return body

    def purchase(self, member_id=None, *, expect=201, **kw):
        r = self.post("/v1/purchases", self.purchase_body(member_id, **kw))
        assert r.status_code == expect, r.text
        return r.json()

    def refund(self, txn_id, lines=None, *, refund_id=None, expect=201):
        body = {"refund_id": refund_id or unique("R-")}
        if lines is not None:
            body["lines"] = lines
        r = self.post(f"/v1/purchases/{txn_id}/refunds", body)
        assert r.status_code == expect, r.text
        return r.json()

    def adjust(self, member_id, points, reason="goodwill", *, expect=201):
        r = self.post(f"/v1/members/{member_id}/adjustments",
                      {"points": points, "reason": reason}, key="admin")
        assert r.status_code == expect, r.text
        return r.json()

    def balance(self, member_id):
        r = self.get(f"/v1/members/{member_id}/balance")
        assert r.status_code == 200, r.text
        return r.json()

    def member(self, member_id):
        r = self.get(f"/v1/members/{member_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def ledger(self, member_id, **params):
        r = self.get(f"/v1/members/{member_id}/ledger", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def whole_ledger(self, member_id):
        entries, before = [], None
        while True:
            page = self.ledger(member_id, limit=MAX_PAGE_SIZE,
                               **({"before": before} if before else {}))
            entries += page["entries"]
            before = page.get("next_before")
            if not before:
                return entries

    def purchase_get(self, txn_id):
        r = self.get(f"/v1/purchases/{txn_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def metrics(self):
        r = self.session.get(self.base + "/metrics", timeout=30)
        assert r.status_code == 200
        return r.text

    def totals(self):
        """The ledger gauges of /metrics: points by account, members, purchases."""
        out = {}
        for m in re.finditer(r"^(fidelis_(?:points|members|purchases)\{[^}]*\})\s+(-?\d+)",
                             self.metrics(), re.M):
            out[m.group(1)] = int(m.group(2))
        assert out, "no fidelis_points gauges in /metrics"
        return out

    def set_clock(self, when):
        r = self.put("/v1/test/clock", {"now": rfc3339(when)}, key="admin")
        assert r.status_code == 200, r.text
        return r.json()


# ---------------------------------------------------------------- problems --

def check_problem_shape(body, status):
    assert isinstance(body, dict), f"problem is not an object: {body!r}"
    assert isinstance(body.get("type"), str) and body["type"].startswith(PROBLEM_BASE), body
    assert re.fullmatch(r"[a-z0-9-]+", body["type"][len(PROBLEM_BASE):]), body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert body.get("status") == status, body
    if "field" in body:
        assert isinstance(body["field"], str) and body["field"], body
    if "detail" in body:
        assert isinstance(body["detail"], str), body


def assert_problem(resp, status, slug, field="any"):
    """resp is an RFC 9457 problem of this status and type; field, when given
    (None: must be absent), is the field it names."""
    assert resp.status_code == status, f"expected {status} {slug}, got {resp.status_code}: " \
                                       f"{resp.text[:500]}"
    assert resp.headers.get("Content-Type", "").startswith("application/problem+json"), \
        resp.headers.get("Content-Type")
    body = resp.json()
    check_problem_shape(body, status)
    assert body["type"] == PROBLEM_BASE + slug, f"expected type {slug}: {body}"
    if field is None:
        assert "field" not in body, body
    elif field != "any":
        assert body.get("field") == field, f"expected field {field!r}: {body}"
    return body


# ------------------------------------------------------------------- cards --

def luhn_digit(payload):
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def card_mac(secret, program_id, body11):
    """The 7 MAC digits of docs/cards.md."""
    h = hashlib.blake2b(b"fidelis-card-v1" + program_id.to_bytes(4, "big") + body11.encode(),
                        key=secret, digest_size=16).digest()
    return "%07d" % (int.from_bytes(h[:8], "big") % 10_000_000)


def card_from_serial(secret, program_id, serial10):
    body = "8" + serial10
    payload = body + card_mac(secret, program_id, body)
    return payload + luhn_digit(payload)


def with_luhn(payload18):
    return payload18 + luhn_digit(payload18)


# ------------------------------------------------------------------- wire --

def raw_http(port, head, body=b"", *, timeout_s=10, chunks=None):
    """Sends head (lines without the final blank line) and body or chunks
    over a fresh socket; returns (status, headers dict, body bytes). Sending
    stops quietly if the server closes early."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
    try:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            if chunks is not None:
                for c in chunks:
                    s.sendall(b"%x\r\n%s\r\n" % (len(c), c))
                s.sendall(b"0\r\n\r\n")
            elif body:
                s.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while b"\r\n\r\n" not in data:
            part = s.recv(65536)
            if not part:
                break
            data += part
        head_bytes, _, rest = data.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(rest) < n:
            part = s.recv(65536)
            if not part:
                break
            rest += part
        return status, headers, rest[:n]
    finally:
        s.close()
