"""Several `fidelis serve` processes on ONE PostgreSQL database.

Each process has its own writer thread, so unlike SQLite's single writer
the two can change the same member at the same moment: the PostgreSQL
backend locks a member's row while a write transaction changes it
(docs/architecture.md), and a gift card's or membership year's row the same
way. These tests run two servers on one database and check that concurrent
redemptions against the same members (or gift card) spend exactly what they
have, that a membership year is paid out once, and that `fidelis audit`
finds the ledgers sound.

They need PostgreSQL: FIDELIS_TEST_PG names a cluster to use; without it the
module starts a throwaway one with scripts/pg.sh (PostgreSQL 15 is installed
by scripts/deps.sh). Only if no PostgreSQL is installed do they skip, saying so.
"""
import datetime as dt
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

import fidelis_api
from fidelis_api import ROOT, Api, FidelisServer, assert_problem, line, psql, unique

PG_SH = ROOT / "scripts" / "pg.sh"
INITDB = Path("/usr/lib/postgresql/15/bin/initdb")
THREADS = 16
MEMBERS = 2
OPENING = 200  # each member's points
EACH = 10  # points per redemption: OPENING affords exactly 20
PER_THREAD = 3  # redemptions each thread sends
BUSY_RETRIES = 20  # 503 (a deadlock victim or a lock timeout) is retried, same txn_id


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_maintenance():
    """The URI of a maintenance database on a PostgreSQL cluster."""
    if fidelis_api.TEST_PG:
        yield fidelis_api.TEST_PG
        return
    if not INITDB.exists():
        pytest.skip("PostgreSQL is not installed (scripts/deps.sh installs it)")
    # Not under pytest's basetemp: pytest keeps that 0700, and the server
    # (user fidelis-pg when we are root) must reach its directory.
    cluster = tempfile.mkdtemp(prefix="fidelis-pg-", dir="/tmp")
    out = subprocess.run([str(PG_SH), "start", str(cluster)], capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    uri = out.stdout.strip().splitlines()[-1]
    try:
        yield uri
    finally:
        subprocess.run([str(PG_SH), "stop", str(cluster)], capture_output=True, timeout=120,
                       stdin=subprocess.DEVNULL)
        shutil.rmtree(cluster, ignore_errors=True)


@pytest.fixture
def two_servers(pg_maintenance, tmp_path, fidelis_bin, openapi, monkeypatch):
    """Two servers on one fresh database; both stop (cleanly) and it is dropped."""
    monkeypatch.setattr(fidelis_api, "TEST_PG", pg_maintenance)
    db = fidelis_api.new_db(tmp_path, "shared")
    servers = []
    try:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        servers.append(FidelisServer(tmp_path / "a", "a", fidelis_bin, db=db))
        servers.append(FidelisServer(tmp_path / "b", "b", fidelis_bin, db=db,
                                     keys=servers[0].keys))
        yield [Api(s, openapi) for s in servers]
        for s in servers:
            out = s.audit()
            assert out.returncode == 0 and "audit clean" in out.stdout, out.stdout + out.stderr
    finally:
        complaints = [c for s in servers for c in s.stop()]
        fidelis_api.drop_db(db)
        assert not complaints, complaints


def redeem(api, member_id, txn_id):
    """A redemption purchase; retried on 503 with the same txn_id (idempotent)."""
    body = api.purchase_body(member_id, txn_id=txn_id, lines=[line("COFFEE", 1, 100)],
                             redeem_points=EACH)
    for _ in range(BUSY_RETRIES):
        r = api.post("/v1/purchases", body)
        if r.status_code != 503:
            return r
    return r


def test_two_servers_on_one_database_spend_each_point_once(two_servers):
    a, b = two_servers
    members = [a.new_member()[0]["id"] for _ in range(MEMBERS)]
    for m in members:
        a.adjust(m, OPENING, "opening balance")
    for m in members:  # b sees what a wrote: it is one database
        assert b.balance(m)["total"] == OPENING

    clients = [(a if i % 2 == 0 else b).clone() for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results, errors = [[] for _ in range(THREADS)], []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            for k in range(PER_THREAD):
                m = members[(i + k) % MEMBERS]
                results[i].append((m, redeem(clients[i], m, unique(f"T{i}-{k}-"))))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors

    answers = [pair for rs in results for pair in rs]
    assert len(answers) == THREADS * PER_THREAD
    for m in members:
        mine = [r for mm, r in answers if mm == m]
        ok = [r for r in mine if r.status_code == 201]
        assert len(ok) == OPENING // EACH, [(r.status_code, r.text) for r in mine]
        for r in mine:
            if r.status_code != 201:
                assert_problem(r, 409, "insufficient-points")
        for r in ok:
            assert r.json()["points_redeemed"] == EACH and r.json()["points_earned"] == 0
        for api in (a, b):
            bal = api.balance(m)
            assert bal["total"] == bal["available"] == OPENING - len(ok) * EACH
        redeems = [e for e in a.whole_ledger(m) if e["kind"] == "redeem"]
        assert sorted(e["points"] for e in redeems) == [-EACH] * len(ok)


def test_two_servers_enrolling_one_email_at_once_make_one_member(two_servers):
    a, b = two_servers
    email = f"{unique('race-')}@example.com"
    clients = [(a if i % 2 == 0 else b).clone() for i in range(8)]
    barrier = threading.Barrier(len(clients))
    answers = [None] * len(clients)

    def worker(i):
        barrier.wait(timeout=30)
        answers[i] = clients[i].post("/v1/members", {"name": f"Racer {i}", "email": email})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    ok = [r for r in answers if r is not None and r.status_code == 201]
    assert len(ok) == 1, [(r.status_code, r.text) for r in answers if r is not None]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "duplicate", "email")
    count = psql(a.server.db, f"SELECT count(*) FROM members WHERE email = '{email}'")
    assert count == "1"


def race(two_servers, count, send):
    """Calls send(client, i) from count threads, alternating between the two
    servers, released at one moment; returns the answers in thread order."""
    a, b = two_servers
    clients = [(a if i % 2 == 0 else b).clone() for i in range(count)]
    barrier = threading.Barrier(count)
    answers, errors = [None] * count, []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            for _ in range(BUSY_RETRIES):
                answers[i] = send(clients[i], i)
                if answers[i].status_code != 503:
                    break
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return answers


def test_two_servers_refunding_one_line_at_once_never_refund_more_than_bought(two_servers):
    a, b = two_servers
    member, _ = a.new_member()
    p = a.purchase(member["id"], lines=[line("GLASS", 3, 1000)])  # 30 points
    answers = race(two_servers, 8, lambda c, i: c.post(
        f"/v1/purchases/{p['txn_id']}/refunds",
        {"refund_id": unique("R-"), "lines": [{"line": 1, "quantity": 1}]}))
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 3, [(r.status_code, r.text) for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "refund-exceeds-purchase")
    assert sum(r.json()["points_clawed_back"] for r in ok) == 30
    assert b.balance(member["id"])["total"] == 0
    assert b.purchase_get(p["txn_id"])["lines"][0]["refunded_quantity"] == 3


def test_one_purchase_sent_to_both_servers_at_once_is_recorded_once(two_servers):
    a, b = two_servers
    member, _ = a.new_member()
    body = a.purchase_body(member["id"], lines=[line("TV", 1, 49999)])
    answers = race(two_servers, 16, lambda c, i: c.post("/v1/purchases", body))
    assert [r.status_code for r in answers] == [201] * 16, [r.text for r in answers]
    assert len({r.content for r in answers}) == 1, "the answers differ"
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 15
    assert a.balance(member["id"])["total"] == b.balance(member["id"])["total"] == 499


def test_one_idempotency_key_on_both_servers_at_once_enrols_one_member(two_servers):
    a, _ = two_servers
    key = unique("enrol-")
    body = {"name": "Twice Tina", "email": f"{key}@example.com"}
    answers = race(two_servers, 16, lambda c, i: c.post("/v1/members", body,
                                                        idempotency_key=key))
    assert [r.status_code for r in answers] == [201] * 16, [r.text for r in answers]
    assert len({r.content for r in answers}) == 1
    count = psql(a.server.db, f"SELECT count(*) FROM members WHERE email = '{key}@example.com'")
    assert count == "1"


PROGRAM = """
program:
  name: Race {n}
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: {n}
"""


def test_two_servers_applying_programs_at_once_number_them_apart(two_servers):
    a, b = two_servers
    before = len(a.get("/v1/program/versions").json()["versions"])
    answers = race(two_servers, 8, lambda c, i: c.post(
        "/v1/program/versions", {"source": PROGRAM.format(n=i + 1)}, key="admin"))
    assert [r.status_code for r in answers] == [201] * 8, [r.text for r in answers]
    for api in (a, b):  # each server loads what the other applied
        versions = api.get("/v1/program/versions").json()["versions"]
        numbers = [v["version"] for v in versions]
        assert len(numbers) == before + 8 and len(set(numbers)) == len(numbers), versions
    # both earn under the newest version, whoever applied it
    member, _ = a.new_member()
    newest = max(a.get("/v1/program/versions").json()["versions"], key=lambda v: v["version"])
    earned = [api.post("/v1/purchases/dry-run",
                       api.purchase_body(member["id"], lines=[line("X", 1, 1000)]),
                       idempotency_key=None).json()["points_earned"] for api in (a, b)]
    assert earned[0] == earned[1], (earned, newest)


def test_an_unreachable_database_is_a_clear_error_that_never_shows_the_password(fidelis_bin):
    port = free_port()  # nothing listens there
    uri = f"postgresql://fidelis:s3cret-pw@127.0.0.1:{port}/nowhere?connect_timeout=5"
    for args in (["init"], ["audit"], ["serve", "--port", "0"]):
        out = subprocess.run([str(fidelis_bin), *args, "--db", uri], capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert out.returncode != 0, (args, out.stdout, out.stderr)
        text = out.stdout + out.stderr
        assert "cannot connect to PostgreSQL" in text, (args, text)
        assert "s3cret-pw" not in text, (args, text)


def test_two_servers_spending_from_one_gift_card_never_overspend(two_servers):
    a, b = two_servers
    card = a.post("/v1/gift-cards", {"amount": 1000, "currency": "EUR"}).json()["number"]
    answers = race(two_servers, 16, lambda c, i: c.post(
        f"/v1/gift-cards/{card}/redemptions", {"amount": 100, "txn_id": unique("G-")}))
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 10, [(r.status_code, r.text) for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "insufficient-funds", "amount")
    assert sorted(r.json()["card"]["balance"] for r in ok) == list(range(0, 1000, 100))
    assert b.get(f"/v1/gift-cards/{card}").json()["balance"] == 0


def test_two_servers_refunding_one_gift_card_spend_never_give_back_more(two_servers):
    a, b = two_servers
    card = a.post("/v1/gift-cards", {"amount": 1000, "currency": "EUR"}).json()["number"]
    r = b.post(f"/v1/gift-cards/{card}/redemptions", {"amount": 500, "txn_id": "TILL-R"})
    assert r.status_code == 201, r.text
    answers = race(two_servers, 8, lambda c, i: c.post(
        f"/v1/gift-cards/{card}/refunds", {"amount": 100, "txn_id": "TILL-R"}))
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 5, [(r.status_code, r.text) for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "refund-exceeds-purchase", "amount")
    assert a.get(f"/v1/gift-cards/{card}").json()["balance"] == 1000


MEMBERSHIP_PROGRAM = """
program:
  name: Club
  currency: EUR
  time_zone: Europe/Madrid
  rounding: half-up
earn:
  - id: base
    rate: 1
membership:
  name: Executive
  fee: 60.00
  cashback_percent: 2
  cashback_cap: 100.00
"""


def test_two_servers_closing_one_membership_year_pay_its_cashback_once(two_servers):
    a, b = two_servers
    t0 = dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc)
    for api in (a, b):
        api.set_clock(t0 - dt.timedelta(days=30))
    r = a.post("/v1/program/versions", {"source": MEMBERSHIP_PROGRAM,
                                        "effective_from": "2020-01-01T00:00:00Z"}, key="admin")
    assert r.status_code == 201, r.text
    for api in (a, b):
        api.set_clock(t0)
    members = [a.new_member()[0]["id"] for _ in range(3)]
    for m in members:
        r = a.post(f"/v1/members/{m}/membership", {"txn_id": unique("FEE-")},
                   idempotency_key=None)
        assert r.status_code == 201, r.text
        assert b.purchase(m, lines=[line("FOOD", 1, 100000)])["membership"]["cashback"] == 2000
    for api in (a, b):
        api.set_clock(t0 + dt.timedelta(days=366))
    answers = race(two_servers, 8, lambda c, i: c.post("/v1/admin/expire", None, key="admin",
                                                       idempotency_key=None))
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    for m in members:
        s = b.get(f"/v1/members/{m}/membership").json()
        assert s["year"]["status"] == "closed" and s["year"]["cashback_paid"] == 2000, s
        assert s["certificate"]["balance"] == 2000, s
        certificates = psql(a.server.db, "SELECT count(*) FROM sv_cards"
                                         f" WHERE kind = 2 AND member_id = {m}")
        assert certificates == "1"


REWARDS_PROGRAM = """
program:
  name: Race rewards
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: 1
rewards:
  hold_minutes: 15
  items:
    - { id: lamp, name: Lamp, kind: merchandise, cost: 10, stock: 3 }
"""


def test_two_servers_reserving_the_last_units_at_once_never_exceed_the_stock(two_servers):
    a, b = two_servers
    r = a.post("/v1/program/versions", {"source": REWARDS_PROGRAM,
                                        "effective_from": "2020-01-01T00:00:00Z"},
               key="admin")
    assert r.status_code == 201, r.text
    members = [a.new_member()[0]["id"] for _ in range(12)]
    for m in members:
        a.adjust(m, 100, "opening balance")
    answers = race(two_servers, len(members), lambda c, i: c.post(
        f"/v1/members/{members[i]}/redemptions", {"reward_id": "lamp"}))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 3 + [409] * 9, [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert_problem(r, 409, "conflict", "reward_id")
    for api in (a, b):
        lamp = [x for x in api.get("/v1/rewards").json()["rewards"] if x["id"] == "lamp"]
        assert lamp[0]["remaining"] == 0
    # a redemption committed on one server cannot be cancelled on the other
    won = [r.json()["id"] for r in answers if r.status_code == 201]
    both = race(two_servers, 2, lambda c, i: c.post(
        f"/v1/redemptions/{won[0]}/commit" if i == 0 else f"/v1/redemptions/{won[0]}/cancel",
        {"txn_id": "T-lamp"} if i == 0 else None))
    assert sorted(r.status_code for r in both) == [200, 409], [r.text for r in both]
    status = a.get(f"/v1/redemptions/{won[0]}").json()["status"]
    assert status == ("committed" if both[0].status_code == 200 else "cancelled")
    assert sum(a.balance(m)["total"] for m in members) == 12 * 100 - (
        3 if status == "committed" else 2) * 10


FEATURES = """
program:
  name: Shared limits
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: 1
coupons:
  - id: three-only
    code: THREE-ONLY
    effect: {amount: 1.00}
    limit: 3
  - id: welcome
    single_use: true
    effect: {amount: 5.00}
referrals:
  referrer_points: 500
  referee_points: 250
  min_spend: 20.00
  return_days: 30
  max_per_referrer: 10
  max_pending: 5
"""


@pytest.fixture
def shared_limits(two_servers):
    a, _ = two_servers
    r = a.post("/v1/program/versions", {"source": FEATURES,
                                        "effective_from": "2020-01-01T00:00:00Z"}, key="admin")
    assert r.status_code == 201, r.text
    return two_servers


def test_two_servers_racing_for_a_coupon_limited_to_3_uses_use_it_3_times(shared_limits):
    a, b = shared_limits
    members = [a.new_member()[0]["id"] for _ in range(12)]
    bodies = [a.purchase_body(m, lines=[line("X", 1, 2000)], coupons=["THREE-ONLY"])
              for m in members]
    answers = race(shared_limits, 12, lambda c, i: c.post("/v1/purchases", bodies[i]))
    assert sorted(r.status_code for r in answers) == [201] * 3 + [409] * 9, \
        [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert_problem(r, 409, "conflict", "coupons[0]")
    assert a.server.sql("SELECT count(*) FROM coupon_uses WHERE campaign = 'three-only'") == [
        (3,)]


def test_two_servers_racing_for_one_single_use_code_use_it_once(shared_limits):
    a, b = shared_limits
    r = a.post("/v1/coupons/welcome/codes", {"count": 1}, key="admin")
    assert r.status_code == 201, r.text
    code = r.json()["codes"][0]
    members = [a.new_member()[0]["id"] for _ in range(12)]
    bodies = [a.purchase_body(m, lines=[line("X", 1, 2000)], coupons=[code]) for m in members]
    answers = race(shared_limits, 12, lambda c, i: c.post("/v1/purchases", bodies[i]))
    won = [r for r in answers if r.status_code == 201]
    assert len(won) == 1, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "conflict", "coupons[0]")


def test_two_servers_enrolling_referees_of_one_referrer_admit_exactly_max_pending(shared_limits):
    a, b = shared_limits
    referrer, _ = a.new_member()
    r = a.get(f"/v1/members/{referrer['id']}/referral")
    assert r.status_code == 200, r.text
    code = r.json()["code"]
    answers = race(shared_limits, 12, lambda c, i: c.post("/v1/members", {
        "name": f"Racer {i}", "email": f"{unique('race')}@example.com",
        "referral_code": code}))
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 5, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "referral-refused", "referral_code")
    page = b.get(f"/v1/members/{referrer['id']}/referrals").json()["referrals"]
    assert len(page) == 5


# -- coalitions -- settling on two servers at once

COALITION = """
program:
  name: Two partners
  currency: EUR
  time_zone: Europe/Madrid
  rounding: down
partners:
  - {id: bakery, name: Bakery, stores: [A1], settlement_rate: 0.010}
  - {id: cinema, name: Cinema, stores: [B1], settlement_rate: 0.008}
earn:
  - id: base
    rate: 1
"""


def test_two_servers_settling_at_once_close_each_item_once(two_servers):
    """Eight settles of the same period, sent to both servers at once with
    different Idempotency-Keys: exactly one records a settlement, the others
    find nothing open; every item ends up in that one settlement and its
    lines add up to the items."""
    a, b = two_servers
    r = a.post("/v1/program/versions", {"source": COALITION,
                                        "effective_from": "2020-01-01T00:00:00Z"}, key="admin")
    assert r.status_code == 201, r.text
    for _ in range(6):
        m = a.new_member()[0]["id"]
        a.purchase(m, lines=[line("BREAD", 1, 3000)], store="A1")       # 30 bakery points
        b.purchase(m, lines=[line("TICKET", 1, 3000)], store="B1", redeem_points=30)
    items = a.server.sql("SELECT count(*), sum(points), sum(amount_minor) FROM settlement_items")
    assert items[0][0] == 6 and items[0][1] == 180 and items[0][2] == 180
    until = dt.date.today() + dt.timedelta(days=1)
    answers = race(two_servers, 8, lambda c, i: c.post(
        "/v1/settlements", {"until": until.isoformat()}, key="admin",
        idempotency_key=unique(f"settle-{i}-")))
    assert all(x.status_code in (200, 201) for x in answers), [x.text for x in answers]
    made = [x.json() for x in answers if x.status_code == 201]
    assert len(made) == 1, [x.text for x in answers]
    assert all(x.json()["id"] is None for x in answers if x.status_code == 200)
    settlement = made[0]
    assert settlement["points"] == 180 and settlement["amount"] == 180
    assert [(ln["issuer"], ln["redeemer"], ln["points"], ln["amount"], ln["items"])
            for ln in settlement["lines"]] == [("bakery", "cinema", 180, 180, 6)]
    assert a.server.sql("SELECT DISTINCT settlement_id FROM settlement_items") == \
        [(settlement["id"],)]
    assert a.server.sql("SELECT count(*) FROM settlements")[0][0] == 1
