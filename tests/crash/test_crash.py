"""
Crash test: kill -9 the server under write load, restart, verify.

The promise under test (docs/architecture.md, "The write path"): a 2xx means
the write is on disk, and a write is applied at most once however often it
is retried. So, over many rounds, eight client threads post purchases (some
redeeming points) and refunds of purchases acknowledged earlier, each with a
unique id, and the server is killed with SIGKILL at a random moment. Every
request gets one of three fates, recorded by the client:

  acknowledged  a 2xx came back: it must be in the database, exactly once,
                with the figures the client was shown, and a retry must
                replay that very answer;
  refused       a non-2xx came back: it must not be in the database;
  unknown       the connection died with the server: it may or may not have
                happened, and a retry must either replay it or do it once.

After the last round one restart checks all of that through the API
(GET /v1/purchases/{txn_id}, replays of every request, each member's balance
against their ledger), then the rows themselves (no second earn entry, no
purchase or refund the client never sent) and `fidelis audit`.

test_verifier_detects_tampering corrupts a copy of the same database in one
way per check and asserts that the verifier names each corruption, so no
check here can pass vacuously.

FIDELIS_BIN selects the binary; FIDELIS_CRASH_SEED replays a run.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

FIDELIS_BIN = os.environ.get("FIDELIS_BIN", "/work/main/build/fidelis")
MEMBERS = 20
ROUNDS = 15
CLIENT_THREADS = 8
KILL_AFTER_S = (0.2, 1.5)
REFUND_SHARE = 0.15
REDEEM_SHARE = 0.3
VERIFY_THREADS = 8
REQUEST_TIMEOUT_S = 10
START_TIMEOUT_S = 10

ENTRY_EARN = 1  # src/ledger/ledger.h, enum fdl_entry_kind
ENTRY_REDEEM = 2


# ---- the server and a keep-alive client ----


class Server:
    """One `fidelis serve` process on a free port, logging to a file."""

    def __init__(self, db, log_path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [FIDELIS_BIN, "serve", "--db", db, "--port", "0", "--expire-interval", "0"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = self._wait_listening()

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                for line in f:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if event.get("event") == "listening":
                        return int(event["port"])
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.kill()
        with open(self.log_path, "rb") as f:
            raise RuntimeError("server did not start: " + f.read().decode(errors="replace"))

    def kill(self):
        """SIGKILL: no chance to flush, close or finish anything."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        """SIGTERM: the server drains the writer and exits."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        self.log.close()


class Client:
    """One keep-alive connection. Raises OSError/HTTPException when it dies."""

    def __init__(self, port, key):
        self.port, self.key, self.conn = port, key, None

    def request(self, method, path, body=None, extra_headers=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=REQUEST_TIMEOUT_S)
        headers = {"Authorization": "Bearer " + self.key, **(extra_headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            text = resp.read().decode()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        return resp.status, resp.getheader("Idempotent-Replayed") == "true", text

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# ---- what the clients sent and what became of it ----


class History:
    """Every request sent, by fate. Requests keep their exact body bytes so
    a retry is byte-for-byte the same request (the idempotency hash covers
    the body)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.purchases = {}  # txn_id -> {"body", "total", "line1_price", "fate", "status", "text"}
        self.refunds = {}    # refund_id -> {"txn_id", "body", "amount", "fate", "status", "text"}
        self.refundable = []  # acknowledged purchases not yet chosen for a refund
        self.available = {}  # member id -> last available balance seen
        self.unexpected = []  # client errors before the kill, 5xx, replays under load

    def of_fate(self, table, fate):
        return {k: v for k, v in table.items() if v["fate"] == fate}


def purchase_request(rng, txn_id, member_id, available):
    lines = []
    for _ in range(rng.randint(1, 3)):
        lines.append({"sku": "SKU-%d" % rng.randint(1, 50), "quantity": rng.randint(1, 3),
                      "unit_price": rng.randint(100, 5000)})
    body = {"txn_id": txn_id, "member_id": member_id, "currency": "EUR", "lines": lines}
    if rng.random() < REDEEM_SHARE:
        # Usually affordable; sometimes not (another thread spent it), which
        # the server must refuse without a trace.
        body["redeem_points"] = rng.randint(1, max(1, min(available, 80)))
    total = sum(l["quantity"] * l["unit_price"] for l in lines)
    return json.dumps(body).encode(), total, lines[0]["unit_price"]


def refund_request(rng, refund_id, purchase):
    if rng.random() < 0.5:
        return json.dumps({"refund_id": refund_id}).encode(), purchase["total"]
    body = {"refund_id": refund_id, "lines": [{"line": 1, "quantity": 1}]}
    return json.dumps(body).encode(), purchase["line1_price"]


def settle(h, record, status, replayed, text):
    """Records a response: 2xx acknowledged, anything else refused."""
    record["status"], record["text"] = status, text
    record["fate"] = "acknowledged" if 200 <= status < 300 else "refused"
    if status >= 500:
        h.unexpected.append("server error %d: %s" % (status, text))
    if replayed:
        h.unexpected.append("a first request was answered as a replay: %s" % text)


def client_thread(h, port, key, round_no, thread_no, seed, stop):
    rng = random.Random("%s/%d/%d" % (seed, round_no, thread_no))
    client = Client(port, key)
    n = 0
    while not stop.is_set():
        n += 1
        op_id = "r%02dt%dn%d" % (round_no, thread_no, n)
        with h.lock:
            target = None
            if h.refundable and rng.random() < REFUND_SHARE:
                target = h.refundable.pop(rng.randrange(len(h.refundable)))
            if target:
                body, amount = refund_request(rng, "rf-" + op_id, h.purchases[target])
                record = {"txn_id": target, "body": body, "amount": amount, "fate": "sending"}
                h.refunds["rf-" + op_id] = record
                path = "/v1/purchases/%s/refunds" % target
            else:
                member_id = rng.randint(1, MEMBERS)
                txn_id = "tx-" + op_id
                body, total, line1_price = purchase_request(rng, txn_id, member_id,
                                                            h.available.get(member_id, 0))
                record = {"body": body, "total": total, "line1_price": line1_price,
                          "member_id": member_id, "fate": "sending"}
                h.purchases[txn_id] = record
                path = "/v1/purchases"
        try:
            status, replayed, text = client.request("POST", path, body)
        except (OSError, http.client.HTTPException) as e:
            with h.lock:
                record["fate"] = "unknown"
                if not stop.is_set():
                    h.unexpected.append("connection failed before the kill: %r" % e)
            break
        with h.lock:
            settle(h, record, status, replayed, text)
            if record["fate"] == "acknowledged":
                answer = json.loads(text)
                if not target:
                    h.refundable.append(txn_id)
                    h.available[member_id] = answer["balance"]["available"]
    client.close()


def crash_round(h, db, workdir, key, round_no, seed, rng):
    server = Server(db, os.path.join(workdir, "serve-%02d.log" % round_no))
    stop = threading.Event()
    threads = [threading.Thread(target=client_thread,
                                args=(h, server.port, key, round_no, t, seed, stop))
               for t in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(*KILL_AFTER_S))
    stop.set()
    server.kill()
    for t in threads:
        t.join()


# ---- verification ----


def parallel(port, key, fn, items):
    """Runs fn(client, item) over items on VERIFY_THREADS keep-alive clients;
    returns their results (lists) joined, in item order."""
    local = threading.local()
    clients = []

    def run(item):
        if not hasattr(local, "client"):
            local.client = Client(port, key)
            clients.append(local.client)
        return fn(local.client, item)

    with ThreadPoolExecutor(VERIFY_THREADS) as pool:
        results = list(pool.map(run, items))
    for c in clients:
        c.close()
    return [p for r in results for p in r]


def get_purchase(client, txn_id):
    status, _, text = client.request("GET", "/v1/purchases/" + txn_id)
    return status, json.loads(text) if status == 200 else None


def check_acknowledged_purchase(client, item):
    txn_id, rec = item
    ack = json.loads(rec["text"])
    status, got = get_purchase(client, txn_id)
    if status != 200:
        return ["ack-missing: acknowledged purchase %s: GET gave %d" % (txn_id, status)]
    problems = []
    for field in ("points_earned", "points_redeemed", "total", "member_id"):
        if got[field] != ack[field]:
            problems.append("ack-points: purchase %s: %s is %r, acknowledged %r"
                            % (txn_id, field, got[field], ack[field]))
    status, replayed, text = client.request("POST", "/v1/purchases", rec["body"])
    if status != rec["status"] or not replayed or text != rec["text"]:
        problems.append("ack-replay: retrying acknowledged purchase %s gave %d replayed=%s %s"
                        % (txn_id, status, replayed, text[:200]))
    return problems


def refund_state(client, rec):
    """The purchase's refunded amount (None if the purchase is missing)."""
    status, got = get_purchase(client, rec["txn_id"])
    return got if status == 200 else None


def check_acknowledged_refund(client, item):
    refund_id, rec = item
    ack = json.loads(rec["text"])
    got = refund_state(client, rec)
    if got is None:
        return ["refund-missing: purchase %s of acknowledged refund %s is gone"
                % (rec["txn_id"], refund_id)]
    problems = []
    if (got["refunded"], got["points_clawed_back"], got["points_returned"]) != (
            ack["amount"], ack["points_clawed_back"], ack["points_returned"]):
        problems.append("refund-missing: acknowledged refund %s (amount %d, clawed %d, "
                        "returned %d) but purchase %s shows refunded %d, clawed %d, returned %d"
                        % (refund_id, ack["amount"], ack["points_clawed_back"],
                           ack["points_returned"], rec["txn_id"], got["refunded"],
                           got["points_clawed_back"], got["points_returned"]))
    status, replayed, text = client.request(
        "POST", "/v1/purchases/%s/refunds" % rec["txn_id"], rec["body"])
    if status != rec["status"] or not replayed or text != rec["text"]:
        problems.append("ack-replay: retrying acknowledged refund %s gave %d replayed=%s %s"
                        % (refund_id, status, replayed, text[:200]))
    return problems


def check_refused_purchase(client, item):
    txn_id, rec = item
    status, _ = get_purchase(client, txn_id)
    if status != 404:
        return ["refused-exists: purchase %s was refused with %d but GET gives %d"
                % (txn_id, rec["status"], status)]
    return []


def check_refused_refund(client, item):
    refund_id, rec = item
    got = refund_state(client, rec)
    if got is not None and got["refunded"] != 0:
        return ["refused-exists: refund %s was refused with %d but purchase %s shows "
                "refunded %d" % (refund_id, rec["status"], rec["txn_id"], got["refunded"])]
    return []


def retry_twice(client, path, body, tag):
    """Sends the same request twice: the second must replay the first."""
    first = client.request("POST", path, body)
    second = client.request("POST", path, body)
    problems = []
    if 200 <= first[0] < 300 and (second[0] != first[0] or not second[1]
                                  or second[2] != first[2]):
        problems.append("%s: second retry of %s did not replay the first: %r vs %r"
                        % (tag, path, first[:2], second[:2]))
    return first, problems


def check_unknown_purchase(client, item):
    """Before the retry the purchase exists or not; the retry must replay it
    or create it; afterwards it exists exactly when the retry succeeded."""
    txn_id, rec = item
    before_status, before = get_purchase(client, txn_id)
    if before_status not in (200, 404):
        return ["unknown: GET purchase %s gave %d" % (txn_id, before_status)]
    (status, replayed, text), problems = retry_twice(client, "/v1/purchases", rec["body"],
                                                     "unknown")
    ok = 200 <= status < 300
    if before_status == 200 and not (ok and replayed):
        problems.append("unknown: purchase %s existed but its retry gave %d replayed=%s %s"
                        % (txn_id, status, replayed, text[:200]))
    if before_status == 404 and ok and replayed:
        problems.append("unknown: purchase %s did not exist but its retry was a replay"
                        % txn_id)
    if before_status == 404 and not ok and status != 422:
        problems.append("unknown: purchase %s did not exist and its retry gave %d %s"
                        % (txn_id, status, text[:200]))
    after_status, after = get_purchase(client, txn_id)
    if after_status != (200 if ok else 404):
        problems.append("unknown: after a retry answered %d, GET purchase %s gives %d"
                        % (status, txn_id, after_status))
    elif ok:
        answer = json.loads(text)
        if before is not None and before["points_earned"] != after["points_earned"]:
            problems.append("unknown: purchase %s changed on retry" % txn_id)
        if answer["points_earned"] != after["points_earned"]:
            problems.append("unknown: retry of %s answered %d points, stored %d"
                            % (txn_id, answer["points_earned"], after["points_earned"]))
    rec["resolved"] = "exists" if ok else "absent"
    return problems


def check_unknown_refund(client, item):
    refund_id, rec = item
    before = refund_state(client, rec)
    if before is None:
        return ["unknown-refund: purchase %s of refund %s is gone"
                % (rec["txn_id"], refund_id)]
    if before["refunded"] not in (0, rec["amount"]):
        return ["unknown-refund: refund %s of %d: purchase %s shows refunded %d"
                % (refund_id, rec["amount"], rec["txn_id"], before["refunded"])]
    path = "/v1/purchases/%s/refunds" % rec["txn_id"]
    (status, replayed, text), problems = retry_twice(client, path, rec["body"], "unknown-refund")
    ok = 200 <= status < 300
    done_before = before["refunded"] == rec["amount"]
    if done_before and not (ok and replayed):
        problems.append("unknown-refund: refund %s was applied but its retry gave %d "
                        "replayed=%s %s" % (refund_id, status, replayed, text[:200]))
    if not done_before and (not ok or replayed):
        problems.append("unknown-refund: refund %s was not applied and its retry gave %d "
                        "replayed=%s %s" % (refund_id, status, replayed, text[:200]))
    after = refund_state(client, rec)
    if after["refunded"] != (rec["amount"] if ok else 0):
        problems.append("unknown-refund: after the retry of refund %s, purchase %s shows "
                        "refunded %d" % (refund_id, rec["txn_id"], after["refunded"]))
    rec["resolved"] = "exists" if ok else "absent"
    return problems


def check_member(client, member_id):
    """The member's balance equals the sum of their ledger entries."""
    status, _, text = client.request("GET", "/v1/members/%d" % member_id)
    if status != 200:
        return [("balance-ledger: GET member %d gave %d" % (member_id, status), 0, 0)]
    balance = json.loads(text)["balance"]
    total, before = 0, None
    while True:
        path = "/v1/members/%d/ledger?limit=100" % member_id
        if before is not None:
            path += "&before=%d" % before
        status, _, text = client.request("GET", path)
        if status != 200:
            return [("balance-ledger: ledger of member %d gave %d" % (member_id, status), 0, 0)]
        page = json.loads(text)
        total += sum(e["points"] for e in page["entries"])
        before = page.get("next_before")
        if before is None:
            break
    return [(None, balance, total)]


def sql_checks(db, h, balances):
    """Row-level checks on the stopped server's database."""
    problems = []
    con = sqlite3.connect(db)
    try:
        stored = {r[0] for r in con.execute("SELECT txn_id FROM purchases")}
        expected = {k for k, v in h.purchases.items()
                    if v["fate"] == "acknowledged" or v.get("resolved") == "exists"}
        for txn_id in sorted(stored - expected):
            problems.append("unexpected-row: purchase %s is stored but was never "
                            "acknowledged nor retried successfully" % txn_id)
        stored = {r[0] for r in con.execute("SELECT refund_id FROM refunds")}
        expected = {k for k, v in h.refunds.items()
                    if v["fate"] == "acknowledged" or v.get("resolved") == "exists"}
        for refund_id in sorted(stored - expected):
            problems.append("unexpected-row: refund %s is stored but was never "
                            "acknowledged nor retried successfully" % refund_id)
        for kind in (ENTRY_EARN, ENTRY_REDEEM):
            for txn_id, n in con.execute(
                    "SELECT p.txn_id, count(*) FROM purchases p JOIN entries e"
                    " ON e.purchase_id = p.id AND e.kind = ? GROUP BY p.id"
                    " HAVING count(*) > 1", (kind,)):
                problems.append("duplicate-effect: purchase %s has %d entries of kind %d"
                                % (txn_id, n, kind))
        for txn_id, n in con.execute(
                "SELECT p.txn_id, count(*) FROM purchases p JOIN refunds r"
                " ON r.purchase_id = p.id GROUP BY p.id HAVING count(*) > 1"):
            problems.append("duplicate-effect: purchase %s has %d refunds, one was sent"
                            % (txn_id, n))
        # Each member's balance is what their purchases say it should be.
        for member_id, net in con.execute(
                "SELECT member_id, sum(points_earned - points_redeemed - points_clawed"
                " + points_restored) FROM purchases GROUP BY member_id"):
            if balances.get(member_id) != net:
                problems.append("balance-purchases: member %d: balance %r, purchases net %d"
                                % (member_id, balances.get(member_id), net))
    finally:
        con.close()
    return problems


def verify(db, h, workdir, key):
    """Restarts once and returns every problem found (empty: all is well)."""
    problems = []
    server = Server(db, os.path.join(workdir, "verify.log"))
    try:
        for check, table, fate in (
                (check_acknowledged_purchase, h.purchases, "acknowledged"),
                (check_acknowledged_refund, h.refunds, "acknowledged"),
                (check_refused_purchase, h.purchases, "refused"),
                (check_refused_refund, h.refunds, "refused")):
            problems += parallel(server.port, key, check, sorted(h.of_fate(table, fate).items()))
        # Retries may redeem or claw back points: one at a time, like a till would.
        client = Client(server.port, key)
        for item in sorted(h.of_fate(h.purchases, "unknown").items()):
            problems += check_unknown_purchase(client, item)
        for item in sorted(h.of_fate(h.refunds, "unknown").items()):
            problems += check_unknown_refund(client, item)
        client.close()
        balances, balance_sum, ledger_sum = {}, 0, 0
        rows = parallel(server.port, key, check_member, range(1, MEMBERS + 1))
        for member_id, (problem, balance, total) in zip(range(1, MEMBERS + 1), rows):
            if problem:
                problems.append(problem)
                continue
            balances[member_id] = balance
            balance_sum += balance
            ledger_sum += total
            if balance != total:
                problems.append("balance-ledger: member %d: balance %d, ledger entries sum to %d"
                                % (member_id, balance, total))
        if balance_sum != ledger_sum:
            problems.append("balance-ledger: balances sum to %d, ledger entries to %d"
                            % (balance_sum, ledger_sum))
    finally:
        server.stop()
    problems += sql_checks(db, h, balances)
    audit = subprocess.run([FIDELIS_BIN, "audit", "--db", db], capture_output=True, text=True)
    if audit.returncode != 0:
        problems.append("audit: fidelis audit exited %d: %s"
                        % (audit.returncode, audit.stdout.strip().replace("\n", "; ")))
    return problems


# ---- the run, shared by both tests ----


class CrashRun:
    pass


def copy_db(src, dst):
    """Copies a database with its WAL, as a kill -9 left them (no server runs)."""
    for suffix in ("", "-wal"):
        if os.path.exists(src + suffix):
            shutil.copyfile(src + suffix, dst + suffix)


def enrol_members(db, workdir, key):
    server = Server(db, os.path.join(workdir, "enrol.log"))
    client = Client(server.port, key)
    try:
        for i in range(1, MEMBERS + 1):
            body = json.dumps({"name": "Member %d" % i, "email": "m%d@example.org" % i})
            status, _, text = client.request("POST", "/v1/members", body.encode(),
                                             {"Idempotency-Key": "enrol-%d" % i})
            assert status == 201 and json.loads(text)["member"]["id"] == i, text
    finally:
        client.close()
        server.stop()


@pytest.fixture(scope="module")
def crash_run(tmp_path_factory):
    run = CrashRun()
    run.seed = os.environ.get("FIDELIS_CRASH_SEED") or str(random.randrange(10**9))
    run.workdir = str(tmp_path_factory.mktemp("crash"))
    run.db = os.path.join(run.workdir, "crash.db")
    init = subprocess.run([FIDELIS_BIN, "init", "--db", run.db], capture_output=True,
                          text=True, check=True)
    till = re.search(r"^till key:\s+(fdl_\S+)$", init.stdout, re.M)
    assert till, "no till key in: " + init.stdout
    run.key = till.group(1)
    enrol_members(run.db, run.workdir, run.key)
    run.history = History()
    rng = random.Random(run.seed)
    start = time.monotonic()
    for round_no in range(ROUNDS):
        crash_round(run.history, run.db, run.workdir, run.key, round_no, run.seed, rng)
    run.load_s = time.monotonic() - start
    run.snapshot = os.path.join(run.workdir, "snapshot.db")
    copy_db(run.db, run.snapshot)
    return run


def counts(h):
    out = {}
    for name, table in (("purchases", h.purchases), ("refunds", h.refunds)):
        for fate in ("acknowledged", "refused", "unknown"):
            out["%s %s" % (name, fate)] = len(h.of_fate(table, fate))
    return out


def test_acknowledged_writes_survive_kill_9_and_retries_apply_once(crash_run):
    h = crash_run.history
    seen = counts(h)
    print("seed %s, %d rounds in %.1f s: %s" % (crash_run.seed, ROUNDS, crash_run.load_s, seen))
    assert not h.unexpected, "seed %s: %s" % (crash_run.seed, h.unexpected[:10])
    # The run exercised what it claims to: kills mid-request, refunds,
    # redemptions that went through and ones that were refused.
    assert seen["purchases acknowledged"] >= ROUNDS * 10, seen
    assert seen["purchases unknown"] + seen["refunds unknown"] >= ROUNDS // 2, seen
    assert seen["refunds acknowledged"] > 0, seen
    redeemed = [r for r in h.of_fate(h.purchases, "acknowledged").values()
                if json.loads(r["text"])["points_redeemed"] > 0]
    assert redeemed, "no acknowledged purchase redeemed points"
    problems = verify(crash_run.db, h, crash_run.workdir, crash_run.key)
    assert not problems, "seed %s: %d problems:\n%s" % (crash_run.seed, len(problems),
                                                        "\n".join(problems[:30]))


def test_verifier_detects_tampering(crash_run, tmp_path):
    """Each check of verify() fails when the database breaks its promise."""
    h = crash_run.history
    db = str(tmp_path / "tampered.db")
    copy_db(crash_run.snapshot, db)
    # Work on a copy of the history: verify() records how unknowns resolved.
    tampered = History()
    tampered.purchases = {k: dict(v) for k, v in h.purchases.items()}
    tampered.refunds = {k: dict(v) for k, v in h.refunds.items()}
    refunded = {r["txn_id"] for r in h.refunds.values()}
    acked = sorted(k for k, v in h.of_fate(h.purchases, "acknowledged").items()
                   if k not in refunded and json.loads(v["text"])["points_earned"] > 0)
    changed_points, deleted, forgotten, doubled = acked[:4]
    refund = sorted(h.of_fate(h.refunds, "acknowledged").values(), key=lambda r: r["txn_id"])[0]
    member_id = 1
    expect = {"ack-points", "ack-missing", "ack-replay", "balance-ledger", "audit",
              "refund-missing", "unexpected-row", "duplicate-effect", "balance-purchases"}

    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE purchases SET points_earned = points_earned + 1 WHERE txn_id = ?",
                    (changed_points,))
        pid = con.execute("SELECT id FROM purchases WHERE txn_id = ?", (deleted,)).fetchone()[0]
        con.execute("DELETE FROM purchase_lines WHERE purchase_id = ?", (pid,))
        con.execute("DELETE FROM purchases WHERE id = ?", (pid,))
        con.execute("DELETE FROM idempotency WHERE key = ?", ("txn:" + forgotten,))
        # Seven points from nowhere: a balance and a lot no entry accounts for.
        # (Balance and lots must agree, or the server aborts on an assertion
        # at the member's next write.)
        con.execute("UPDATE members SET balance = balance + 7 WHERE id = ?", (member_id,))
        con.execute("INSERT INTO lots (program_id, member_id, remaining, available_at,"
                    " expires_at) VALUES (1, ?, 7, 0, ?)", (member_id, 2**62))
        con.execute("UPDATE purchases SET refunded_minor = 0 WHERE txn_id = ?",
                    (refund["txn_id"],))
        con.execute("INSERT INTO purchases (program_id, member_id, txn_id, currency,"
                    " occurred_at, recorded_at, total_minor, discount_minor, points_earned,"
                    " points_redeemed, line_count) VALUES (1, 1, 'phantom', 'EUR', 0, 0,"
                    " 0, 0, 0, 0, 0)")
        con.execute("INSERT INTO entries (program_id, member_id, kind, purchase_id, created_at)"
                    " SELECT program_id, member_id, kind, purchase_id, created_at FROM entries"
                    " WHERE kind = ? AND purchase_id = (SELECT id FROM purchases"
                    " WHERE txn_id = ?)", (ENTRY_EARN, doubled))
        refused = sorted(h.of_fate(h.purchases, "refused"))
        if refused:
            con.execute("INSERT INTO purchases (program_id, member_id, txn_id, currency,"
                        " occurred_at, recorded_at, total_minor, discount_minor, points_earned,"
                        " points_redeemed, line_count) VALUES (1, 1, ?, 'EUR', 0, 0, 0, 0, 0,"
                        " 0, 0)", (refused[0],))
            expect.add("refused-exists")
        unknown = sorted(h.of_fate(h.purchases, "unknown"))
        if unknown:
            con.execute("INSERT OR REPLACE INTO idempotency (program_id, key, request_hash,"
                        " status, body, created_at) VALUES (1, ?, zeroblob(32), 201, '{}', 0)",
                        ("txn:" + unknown[0],))
            expect.add("unknown")
        unknown = sorted(h.of_fate(h.refunds, "unknown").values(), key=lambda r: r["txn_id"])
        if unknown:
            con.execute("UPDATE purchases SET refunded_minor = refunded_minor + 1"
                        " WHERE txn_id = ?", (unknown[0]["txn_id"],))
            expect.add("unknown-refund")
    con.close()

    problems = verify(db, tampered, str(tmp_path), crash_run.key)
    found = {p.split(":", 1)[0] for p in problems}
    assert expect <= found, "not detected: %s\n%s" % (sorted(expect - found),
                                                       "\n".join(problems[:40]))
    assert found <= expect, "false alarms: %s" % (sorted(found - expect),)
