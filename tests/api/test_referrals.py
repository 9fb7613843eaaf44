"""Referrals: a member's code brings a friend; the first purchase of at least
min_spend starts the return window; the expiry run after it pays both members
exactly once (ledger kind bonus); refunds within the window put the referral
back on hold; self-referrals, invented codes and farming are refused with
problems that change nothing."""
import datetime as dt
import hashlib
import random
import threading

import pytest

from conftest import _start, _stop
from fidelis_api import Api, assert_problem, line, unique, unique_email, unique_phone

PROGRAM = """
program:
  name: Bring a Friend
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: 1
referrals:
  referrer_points: 500
  referee_points: 250
  min_spend: 20.00
  return_days: 30
  max_per_referrer: 10
  max_pending: 5
"""

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def keyed(secret, context, program_id, data):
    h = hashlib.blake2b(context + program_id.to_bytes(4, "big") + data, key=secret,
                        digest_size=16).digest()
    return int.from_bytes(h[:8], "big")


def referral_code(secret, program_id, member_id):
    """The code of docs/program.md, computed independently of the server."""
    mask = (1 << 20) - 1
    left, right = member_id >> 20 & mask, member_id & mask
    for rnd in range(4):
        f = keyed(secret, b"fidelis-referral-v1-round", program_id,
                  bytes([rnd]) + right.to_bytes(3, "big")) & mask
        left, right = right, left ^ f
    block = left << 20 | right
    mac = keyed(secret, b"fidelis-referral-v1-mac", program_id, block.to_bytes(5, "big"))
    values = [block >> (5 * (7 - i)) & 31 for i in range(8)]
    values += [(mac & 0x7FFF) >> (5 * (2 - i)) & 31 for i in range(3)]
    values.append(sum((2 * i + 1) * v for i, v in enumerate(values)) % 32)
    text = "".join(ALPHABET[v] for v in values)
    return "-".join(text[i:i + 4] for i in range(0, 12, 4))


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.timezone.utc)


def apply(api, source, effective_from="2020-01-01T00:00:00Z"):
    r = api.post("/v1/program/versions", {"source": source, "effective_from": effective_from},
                 key="admin")
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def rapi(tmp_path_factory, fidelis_bin, openapi):
    """A server of the module's own (two programs): these tests move its clock."""
    s = _start(tmp_path_factory, fidelis_bin, "referrals", programs=(1, 2))
    api = Api(s, openapi)
    apply(api, PROGRAM)
    apply(api.tenant(2), PROGRAM)
    yield api
    _stop(s)


def code_of(api, member_id):
    r = api.get(f"/v1/members/{member_id}/referral")
    assert r.status_code == 200, r.text
    return r.json()["code"]


def referrals(api, member_id, **params):
    r = api.get(f"/v1/members/{member_id}/referrals", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def expire(api):
    r = api.post("/v1/admin/expire", None, key="admin", idempotency_key=None)
    assert r.status_code == 200, r.text
    return r.json()


def bonuses(api, member_id):
    return [e for e in api.whole_ledger(member_id) if e["kind"] == "bonus"]


def euros(api, member_id, amount, when, **kw):
    return api.purchase(member_id, lines=[line("X", 1, amount * 100)], time=when, **kw)


def referred_friend(api, **kw):
    """A referrer and a friend enrolled with their code: (referrer, friend)."""
    referrer, _ = api.new_member()
    friend, _ = api.new_member(referral_code=code_of(api, referrer["id"]), **kw)
    return referrer, friend


def test_happy_path_pays_both_once_after_the_return_window(rapi):
    rapi.set_clock(utc(2026, 11, 23, 12))
    referrer, friend = referred_friend(rapi)
    page = referrals(rapi, referrer["id"])
    assert [(f["referee_id"], f["status"]) for f in page["referrals"]] == [
        (friend["id"], "pending")]
    assert page["referred_by"] is None
    assert referrals(rapi, friend["id"])["referred_by"]["referrer_id"] == referrer["id"]

    p = euros(rapi, friend["id"], 25, "2026-11-23T11:00:00Z")
    # 30 days of returns after 23 November (Madrid): paid at local midnight of 24 December
    assert p["referral"] == {"status": "waiting", "reward_at": "2026-12-23T23:00:00Z",
                             "referee_points": 250, "referrer_points": 500}
    assert ("Your friend's referral bonus of 250 points is on its way: it arrives on "
            "24 December.") in p["messages"]
    waiting = referrals(rapi, referrer["id"])["referrals"][0]
    assert waiting["status"] == "waiting" and waiting["txn_id"] == p["txn_id"]
    assert waiting["reward_at"] == "2026-12-23T23:00:00Z"

    # a second purchase does not qualify again
    assert euros(rapi, friend["id"], 40, "2026-11-24T11:00:00Z")["referral"] is None

    rapi.set_clock(utc(2026, 12, 23, 22, 59, 59))
    expire(rapi)
    assert bonuses(rapi, friend["id"]) == [] and bonuses(rapi, referrer["id"]) == []
    assert rapi.balance(referrer["id"])["total"] == 0

    rapi.set_clock(utc(2026, 12, 23, 23, 0))
    expire(rapi)
    expire(rapi)  # a second run pays nothing more
    assert [b["points"] for b in bonuses(rapi, friend["id"])] == [250]
    assert [b["points"] for b in bonuses(rapi, referrer["id"])] == [500]
    assert rapi.balance(referrer["id"])["total"] == 500
    assert rapi.balance(friend["id"])["total"] == 25 + 40 + 250
    done = referrals(rapi, referrer["id"])["referrals"][0]
    assert done["status"] == "rewarded" and done["rewarded_at"] == "2026-12-23T23:00:00Z"
    assert done["referrer_points"] == 500 and done["referee_points"] == 250
    rapi.set_clock(utc(2027, 3, 1, 12))
    expire(rapi)
    assert len(bonuses(rapi, referrer["id"])) == 1


def test_refund_within_the_window_puts_the_referral_back_on_hold(rapi):
    rapi.set_clock(utc(2027, 4, 1, 10))
    referrer, friend = referred_friend(rapi)
    p = euros(rapi, friend["id"], 25, "2027-04-01T09:00:00Z")
    assert p["referral"]["status"] == "waiting"
    refund = rapi.refund(p["txn_id"])
    assert ("Referral bonus of 250 points on hold: the purchase is under the minimum."
            in refund["messages"])
    held = referrals(rapi, referrer["id"])["referrals"][0]
    assert held["status"] == "pending" and held["txn_id"] is None
    assert "refunded" in held["note"]
    rapi.set_clock(utc(2027, 6, 1, 10))
    expire(rapi)
    assert bonuses(rapi, friend["id"]) == [] and bonuses(rapi, referrer["id"]) == []
    # a later qualifying purchase starts a new window, and that one pays
    again = euros(rapi, friend["id"], 30, "2027-06-01T09:00:00Z")
    assert again["referral"]["reward_at"] == "2027-07-01T22:00:00Z"
    rapi.set_clock(utc(2027, 7, 1, 22, 0))
    expire(rapi)
    assert [b["points"] for b in bonuses(rapi, friend["id"])] == [250]
    assert [b["points"] for b in bonuses(rapi, referrer["id"])] == [500]


def test_partial_refund_that_keeps_the_minimum_still_pays(rapi):
    rapi.set_clock(utc(2027, 8, 1, 10))
    referrer, friend = referred_friend(rapi)
    p = rapi.purchase(friend["id"], lines=[line("A", 1, 2000), line("B", 1, 1000)],
                      time="2027-08-01T09:00:00Z")
    assert p["referral"]["status"] == "waiting"
    refund = rapi.refund(p["txn_id"], lines=[{"line": 2, "quantity": 1}])
    assert not any("referral" in m for m in refund["messages"])
    assert referrals(rapi, referrer["id"])["referrals"][0]["status"] == "waiting"
    # the rest refunded after the window closed but before the run: no bonus
    rapi.set_clock(utc(2027, 9, 1, 10))
    rapi.refund(p["txn_id"])
    expire(rapi)
    assert bonuses(rapi, friend["id"]) == [] and bonuses(rapi, referrer["id"]) == []
    assert referrals(rapi, referrer["id"])["referrals"][0]["status"] == "pending"


def test_refund_after_the_bonus_is_paid_takes_nothing_back(rapi):
    rapi.set_clock(utc(2027, 10, 1, 10))
    referrer, friend = referred_friend(rapi)
    p = euros(rapi, friend["id"], 20, "2027-10-01T09:00:00Z")
    rapi.set_clock(utc(2027, 11, 5, 10))
    expire(rapi)
    assert [b["points"] for b in bonuses(rapi, referrer["id"])] == [500]
    rapi.refund(p["txn_id"])
    assert rapi.balance(referrer["id"])["total"] == 500
    assert referrals(rapi, referrer["id"])["referrals"][0]["status"] == "rewarded"


def test_the_first_qualifying_purchase_counts_not_the_first_purchase(rapi):
    rapi.set_clock(utc(2028, 1, 10, 10))
    referrer, friend = referred_friend(rapi)
    small = euros(rapi, friend["id"], 19, "2028-01-10T09:00:00Z")
    assert small["referral"] is None
    assert not any("referral" in m for m in small["messages"])
    assert referrals(rapi, referrer["id"])["referrals"][0]["status"] == "pending"
    # a points discount counts against min_spend: 20 EUR less 1 EUR of points is 19 paid
    rapi.set_clock(utc(2028, 1, 12, 12))
    rapi.adjust(friend["id"], 100)
    discounted = euros(rapi, friend["id"], 20, "2028-01-11T09:00:00Z", redeem_points=100)
    assert discounted["discount"] == 100 and discounted["referral"] is None
    big = euros(rapi, friend["id"], 20, "2028-01-12T09:00:00Z")
    assert big["referral"]["status"] == "waiting"
    assert big["referral"]["reward_at"] == "2028-02-11T23:00:00Z"


def test_dry_run_shows_the_referral_and_keeps_nothing(rapi):
    rapi.set_clock(utc(2028, 2, 20, 10))
    referrer, friend = referred_friend(rapi)
    body = rapi.purchase_body(friend["id"], lines=[line("X", 1, 5000)])
    r = rapi.post("/v1/purchases/dry-run", body, idempotency_key=None)
    assert r.status_code == 200, r.text
    assert r.json()["referral"]["status"] == "waiting"
    assert referrals(rapi, referrer["id"])["referrals"][0]["status"] == "pending"


def test_code_is_stable_typable_and_refers_to_its_member(rapi):
    member, _ = rapi.new_member()
    first = rapi.get(f"/v1/members/{member['id']}/referral").json()
    assert first == rapi.get(f"/v1/members/{member['id']}/referral").json()
    assert first["offer"] == {"referrer_points": 500, "referee_points": 250,
                              "min_spend": 2000, "return_days": 30,
                              "max_per_referrer": 10, "max_pending": 5,
                              "lapse_days": 0}
    code = first["code"]
    # lower case, spaces instead of dashes and look-alike letters are fine
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    friend, _ = rapi.new_member(referral_code=f"  {typed} ")
    assert referrals(rapi, friend["id"])["referred_by"]["referrer_id"] == member["id"]


def enrol_refused(api, status, slug, field, **body):
    """An enrolment that must fail and leave no member behind."""
    email = body.pop("email", None) or unique_email("refused")
    r = api.post("/v1/members", dict({"name": "Refused Person", "email": email}, **body))
    problem = assert_problem(r, status, slug, field)
    assert api.get("/v1/members", params={"email": email}).status_code == 404
    return problem


def test_codes_follow_the_documented_construction(rapi):
    secret = rapi.server.card_secret()
    for _ in range(3):
        member, _ = rapi.new_member()
        assert code_of(rapi, member["id"]) == referral_code(secret, 1, member["id"])
    # a well-made code for a member that does not exist: refused, nothing created
    p = enrol_refused(rapi, 400, "invalid-referral-code", "referral_code",
                      referral_code=referral_code(secret, 1, 10**9))
    assert p["detail"] == "no member has this referral code"
    # a code made with another secret
    p = enrol_refused(rapi, 400, "invalid-referral-code", "referral_code",
                      referral_code=referral_code(bytes(32), 1, 1))
    assert p["detail"] == "not a referral code of this program"


def test_mistyped_and_invented_codes_are_refused_and_change_nothing(rapi):
    referrer, _ = rapi.new_member()
    code = code_of(rapi, referrer["id"])
    i = 5 if code[5] != "Z" else 6
    typo = code[:i] + ALPHABET[(ALPHABET.index(code[i]) + 1) % 32] + code[i + 1:]
    p = enrol_refused(rapi, 400, "invalid-referral-code", "referral_code",
                      referral_code=typo)
    assert "typing error" in p["detail"]
    rng = random.Random(7)
    invented = 0
    for _ in range(40):
        v = [rng.randrange(32) for _ in range(11)]
        v.append(sum((2 * k + 1) * x for k, x in enumerate(v)) % 32)
        guess = "".join(ALPHABET[x] for x in v)
        r = rapi.post("/v1/members", {"name": "Guesser", "email": unique_email("g"),
                                      "referral_code": guess})
        if r.status_code == 400:
            invented += 1
            assert "not a referral code of this program" in r.json()["detail"]
    assert invented >= 39
    # a real code of another program on the same installation
    other = rapi.tenant(2)
    stranger, _ = other.new_member()
    p = enrol_refused(rapi, 400, "invalid-referral-code", "referral_code",
                      referral_code=code_of(other, stranger["id"]))
    assert p["detail"] == "not a referral code of this program"
    assert referrals(rapi, referrer["id"])["referrals"] == []


@pytest.mark.parametrize("alias", ["Ana.Lopez+friend@gmail.com", "analopez@googlemail.com"])
def test_self_referral_by_email_alias_is_refused(rapi, alias):
    me = unique("ana")
    referrer, _ = rapi.new_member(email=f"{me}.lopez@gmail.com")
    enrol_refused(rapi, 409, "referral-refused", "email",
                  email=alias.replace("Ana.Lopez", me.title() + ".Lopez").replace(
                      "analopez", me + "lopez"),
                  referral_code=code_of(rapi, referrer["id"]))
    assert referrals(rapi, referrer["id"])["referrals"] == []


def test_self_referral_by_phone_is_refused(rapi):
    phone = unique_phone()
    digits = "".join(ch for ch in phone if ch.isdigit())
    referrer, _ = rapi.new_member(phone=phone)
    # the same number written nationally, without the country code
    national = "-".join([digits[-9:-6], digits[-6:-3], digits[-3:]])
    enrol_refused(rapi, 409, "referral-refused", "phone", phone=national,
                  referral_code=code_of(rapi, referrer["id"]))


def test_one_mailbox_is_referred_once(rapi):
    box = unique("bob")
    first, _ = rapi.new_member()
    second, _ = rapi.new_member()
    rapi.new_member(email=f"{box}+one@gmail.com", referral_code=code_of(rapi, first["id"]))
    enrol_refused(rapi, 409, "referral-refused", "email", email=f"{box}+two@gmail.com",
                  referral_code=code_of(rapi, second["id"]))
    assert referrals(rapi, second["id"])["referrals"] == []


def test_blocked_referrer_is_refused(rapi):
    referrer, card = rapi.new_member()
    code = code_of(rapi, referrer["id"])
    r = rapi.post(f"/v1/cards/{card['number']}/block", {"reason": "fraud"})
    assert r.status_code == 200, r.text
    p = enrol_refused(rapi, 409, "referral-refused", "referral_code", referral_code=code)
    assert "blocked" in p["detail"]


def test_max_pending_brakes_referees_who_never_buy(rapi):
    rapi.set_clock(utc(2028, 3, 1, 10))
    referrer, _ = rapi.new_member()
    code = code_of(rapi, referrer["id"])
    friends = [rapi.new_member(referral_code=code)[0] for _ in range(5)]
    p = enrol_refused(rapi, 409, "referral-refused", "referral_code", referral_code=code)
    assert "5 referrals waiting for a first purchase" in p["detail"]
    euros(rapi, friends[0]["id"], 20, "2028-03-01T09:00:00Z")
    rapi.new_member(referral_code=code)  # one bought: room for one more
    enrol_refused(rapi, 409, "referral-refused", "referral_code", referral_code=code)
    assert len(referrals(rapi, referrer["id"])["referrals"]) == 6


def test_concurrent_enrolments_beyond_max_pending_admit_exactly_max_pending(rapi):
    referrer, _ = rapi.new_member()
    code = code_of(rapi, referrer["id"])
    count = 12
    clients = [rapi.clone() for _ in range(count)]
    barrier = threading.Barrier(count)
    answers, errors = [None] * count, []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            answers[i] = clients[i].post("/v1/members", {
                "name": f"Racer {i}", "email": unique_email("race"), "referral_code": code})
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 5, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "referral-refused", "referral_code")
    assert len(referrals(rapi, referrer["id"])["referrals"]) == 5


def test_hostile_referral_codes_are_refused_and_change_nothing(rapi):
    referrer, _ = rapi.new_member()
    for value, status, slug in [
        (12345, 400, "wrong-type"),
        (["A"], 400, "wrong-type"),
        ({"code": "x"}, 400, "wrong-type"),
        (True, 400, "wrong-type"),
        ("", 400, "out-of-range"),
        ("A" * 41, 400, "out-of-range"),
        ("A" * 5000, 400, "out-of-range"),
        (" " * 40, 400, "invalid-referral-code"),
        ("ÁBCD-EFGH-JKMN", 400, "invalid-referral-code"),
        ("ABCD-EFGH-JKMU", 400, "invalid-referral-code"),
        ("ABCD\tEFGH\nJKMN", 400, "invalid-referral-code"),
        ("'; DROP TABLE referrals; --", 400, "invalid-referral-code"),
        ("8123 4567 8901 2345 678", 400, "invalid-referral-code"),
    ]:
        enrol_refused(rapi, status, slug, "referral_code", referral_code=value)
    # null is the same as absent: an ordinary enrolment
    plain, _ = rapi.new_member(referral_code=None)
    assert referrals(rapi, plain["id"])["referred_by"] is None
    assert referrals(rapi, referrer["id"])["referrals"] == []


def test_read_routes_refuse_bad_ids_and_paging(rapi):
    member, _ = rapi.new_member()
    for path in ("/v1/members/abc/referral", "/v1/members/0/referrals",
                 "/v1/members/-1/referral", "/v1/members/99999999999/referral",
                 "/v1/members/99999999999/referrals", "/v1/members/01/referral"):
        assert_problem(rapi.get(path), 404, "not-found")
    for params in ({"limit": 0}, {"limit": 101}, {"after": -1}, {"limit": "x"},
                   {"after": "9" * 30}):
        field = next(iter(params))
        assert_problem(rapi.get(f"/v1/members/{member['id']}/referrals", params=params),
                       400, "out-of-range", field)
    assert rapi.get(f"/v1/members/{member['id']}/referral", key=None).status_code == 401
    # another program's key does not see this program's member
    assert_problem(rapi.tenant(2).get(f"/v1/members/{member['id']}/referral"), 404,
                   "not-found", "member_id")
    assert_problem(rapi.tenant(2).get(f"/v1/members/{member['id']}/referrals"), 404,
                   "not-found", "member_id")


def test_referrals_page_through_with_next_after(rapi):
    rapi.set_clock(utc(2028, 4, 1, 10))
    referrer, _ = rapi.new_member()
    code = code_of(rapi, referrer["id"])
    friends = []
    for _ in range(3):
        f, _ = rapi.new_member(referral_code=code)
        friends.append(f["id"])
        euros(rapi, f["id"], 20, "2028-04-01T09:00:00Z")  # keep max_pending free
    page = referrals(rapi, referrer["id"], limit=2)
    assert [f["referee_id"] for f in page["referrals"]] == friends[:2]
    rest = referrals(rapi, referrer["id"], limit=2, after=page["next_after"])
    assert [f["referee_id"] for f in rest["referrals"]] == friends[2:]
    assert "next_after" not in rest


def test_enrolment_replay_with_the_same_key_makes_one_referral(rapi):
    referrer, _ = rapi.new_member()
    body = {"name": "Twice", "email": unique_email("twice"),
            "referral_code": code_of(rapi, referrer["id"])}
    first = rapi.post("/v1/members", body, idempotency_key="ref-replay-" + unique())
    again = rapi.post("/v1/members", body,
                      idempotency_key=first.request.headers["Idempotency-Key"])
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(referrals(rapi, referrer["id"])["referrals"]) == 1


def test_explanation_has_the_offer_in_four_languages(rapi):
    texts = {lang: rapi.get("/v1/program/explain", params={"lang": lang}).text
             for lang in ("en", "es", "ca", "ru")}
    assert ("Bring a friend: you get 500 points and they get 250 points after their first "
            "purchase of €20.00 or more.") in texts["en"]
    assert "Trae a un amigo: tú recibes 500 puntos y tu amigo 250 puntos" in texts["es"]
    assert "Porta un amic: tu reps 500 punts i el teu amic 250 punts" in texts["ca"]
    assert "Приведите друга: вы получите 500 баллов, а друг — 250 баллов" in texts["ru"]


# ---- program versions and the yearly cap: a server of their own ----

SMALL = """
program:
  name: Small Referrals
  currency: EUR
  time_zone: Europe/Madrid
  language: es
earn:
  - id: base
    rate: 1
referrals:
  referrer_points: 100
  referee_points: 50
  min_spend: 10
  return_days: 0
  max_per_referrer: 2
  max_pending: 5
"""


@pytest.fixture(scope="module")
def vapi(tmp_path_factory, fidelis_bin, openapi):
    s = _start(tmp_path_factory, fidelis_bin, "referral-versions")
    api = Api(s, openapi)
    apply(api, SMALL)
    yield api
    _stop(s)


def test_yearly_cap_counts_open_and_rewarded_referrals_per_local_year(vapi):
    vapi.set_clock(utc(2026, 12, 10, 10))
    referrer, _ = vapi.new_member()
    code = code_of(vapi, referrer["id"])
    a, _ = vapi.new_member(referral_code=code)
    b, _ = vapi.new_member(referral_code=code)
    p = enrol_refused(vapi, 409, "referral-refused", "referral_code", referral_code=code)
    assert "2 referrals this year" in p["detail"]
    for f in (a, b):
        r = euros(vapi, f["id"], 10, "2026-12-10T09:00:00Z")
        assert r["referral"]["reward_at"] == "2026-12-10T23:00:00Z"
        assert ("El regalo por invitar a tu amigo, 50 puntos, está en camino: llega el "
                "11 de diciembre.") in r["messages"]
    vapi.set_clock(utc(2026, 12, 31, 22, 59))  # 23:59 in Madrid: still 2026
    expire(vapi)
    assert [x["points"] for x in bonuses(vapi, referrer["id"])] == [100, 100]
    enrol_refused(vapi, 409, "referral-refused", "referral_code", referral_code=code)
    vapi.set_clock(utc(2026, 12, 31, 23, 0))  # midnight in Madrid: 2027
    c, _ = vapi.new_member(referral_code=code)
    assert referrals(vapi, c["id"])["referred_by"]["status"] == "pending"


def test_each_step_uses_the_version_in_force(vapi):
    vapi.set_clock(utc(2029, 1, 10, 10))
    referrer, _ = vapi.new_member()
    code = code_of(vapi, referrer["id"])
    friend, _ = vapi.new_member(referral_code=code)
    later = SMALL.replace("referrer_points: 100", "referrer_points: 300").replace(
        "referee_points: 50", "referee_points: 150").replace("min_spend: 10", "min_spend: 50")
    apply(vapi, later, "2029-02-01T00:00:00Z")
    # bought before the new version: the old minimum and points, but the
    # receipt promised 50 for a purchase in January...
    vapi.set_clock(utc(2029, 1, 31, 11))
    jan = euros(vapi, friend["id"], 30, "2029-01-31T10:00:00Z")
    assert jan["referral"]["referee_points"] == 50
    vapi.refund(jan["txn_id"])  # ...which was returned
    vapi.set_clock(utc(2029, 2, 5, 10))
    assert euros(vapi, friend["id"], 40, "2029-02-05T09:00:00Z")["referral"] is None
    feb = euros(vapi, friend["id"], 50, "2029-02-05T09:30:00Z")
    assert feb["referral"]["referee_points"] == 150
    assert feb["referral"]["referrer_points"] == 300
    assert vapi.get(f"/v1/members/{referrer['id']}/referral").json()["offer"][
        "min_spend"] == 5000
    # a version without referrals: the offer is gone, codes are refused...
    apply(vapi, SMALL.split("referrals:")[0], "2029-02-06T00:00:00Z")
    vapi.set_clock(utc(2029, 2, 6, 10))
    assert vapi.get(f"/v1/members/{referrer['id']}/referral").json()["offer"] is None
    p = enrol_refused(vapi, 409, "referral-refused", "referral_code", referral_code=code)
    assert "no referrals" in p["detail"]
    # ...but what a receipt announced is still paid
    expire(vapi)
    assert [x["points"] for x in bonuses(vapi, friend["id"])] == [150]
    assert [x["points"] for x in bonuses(vapi, referrer["id"])] == [300]


def test_program_file_section_errors_name_the_key(vapi):
    for section, field in [
        ("referrals:\n  referee_points: 1\n", "referrals.referrer_points"),
        ("referrals:\n  referrer_points: 1\n  referee_points: 1\n  max_pending: 101\n",
         "referrals.max_pending"),
        ("referrals:\n  referrer_points: 1\n  referee_points: 1\n  min_spend: abc\n",
         "referrals.min_spend"),
        ("referrals:\n  referrer_points: 1\n  referee_points: 1\n  fee: 1\n",
         "referrals.fee"),
        ("referrals: " + "[" * 20 + "]" * 20 + "\n", None),
    ]:
        source = SMALL.split("referrals:")[0] + section
        r = vapi.post("/v1/program/versions", {"source": source}, key="admin")
        assert r.status_code == 400, r.text
        if field:
            assert r.json()["field"] == field, r.text
    assert len(vapi.get("/v1/program/versions").json()["versions"]) >= 1


LAPSING = SMALL.replace("max_pending: 5", "max_pending: 2\n  lapse_days: 10")


@pytest.fixture(scope="module")
def lapi(tmp_path_factory, fidelis_bin, openapi):
    s = _start(tmp_path_factory, fidelis_bin, "referral-lapse")
    api = Api(s, openapi)
    apply(api, LAPSING)
    yield api
    _stop(s)


def test_pending_referrals_lapse_to_void_and_free_the_referrer(lapi):
    lapi.set_clock(utc(2026, 5, 1, 10))
    referrer, _ = lapi.new_member()
    code = code_of(lapi, referrer["id"])
    assert lapi.get(f"/v1/members/{referrer['id']}/referral").json()["offer"][
        "lapse_days"] == 10
    idle, _ = lapi.new_member(referral_code=code)
    buyer, _ = lapi.new_member(referral_code=code)
    enrol_refused(lapi, 409, "referral-refused", "referral_code", referral_code=code)
    # ten whole days after 1 May (Madrid): void from 12 May 00:00 local
    page = referrals(lapi, referrer["id"])["referrals"]
    assert [f["lapses_at"] for f in page] == ["2026-05-11T22:00:00Z"] * 2
    lapi.set_clock(utc(2026, 5, 11, 21, 0))
    kept = euros(lapi, buyer["id"], 10, "2026-05-11T21:00:00Z")
    assert kept["referral"]["status"] == "waiting"
    lapi.set_clock(utc(2026, 5, 11, 22, 0))
    late = euros(lapi, idle["id"], 10, "2026-05-11T22:00:00Z")
    assert late["referral"] is None  # too late, even before the run
    expire(lapi)
    page = {f["referee_id"]: f for f in referrals(lapi, referrer["id"])["referrals"]}
    assert page[idle["id"]]["status"] == "void" and "lapsed" in page[idle["id"]]["note"]
    assert page[idle["id"]]["lapses_at"] is None
    assert page[buyer["id"]]["status"] == "rewarded"
    assert bonuses(lapi, idle["id"]) == []
    assert [b["points"] for b in bonuses(lapi, buyer["id"])] == [50]
    assert [b["points"] for b in bonuses(lapi, referrer["id"])] == [100]
    # the void referral still marks its mailbox as referred
    enrol_refused(lapi, 409, "referral-refused", "email",
                  email=idle["email"].replace("@", "+again@"),
                  referral_code=code_of(lapi, buyer["id"]))
    # the void referral no longer holds a max_pending slot
    newcomer, _ = lapi.new_member(referral_code=code)
    assert referrals(lapi, newcomer["id"])["referred_by"]["status"] == "pending"
    expire(lapi)
    assert referrals(lapi, referrer["id"])["referrals"][0]["status"] == "void"


@pytest.fixture(scope="module")
def capi(tmp_path_factory, fidelis_bin, openapi):
    s = _start(tmp_path_factory, fidelis_bin, "referral-payout")
    api = Api(s, openapi)
    apply(api, SMALL)
    yield api
    _stop(s)


def test_payout_pays_the_referee_only_over_a_lowered_cap_or_to_a_blocked_referrer(capi):
    capi.set_clock(utc(2026, 6, 1, 10))
    referrer, _ = capi.new_member()
    code = code_of(capi, referrer["id"])
    a, _ = capi.new_member(referral_code=code)
    b, _ = capi.new_member(referral_code=code)
    blocked, blocked_card = capi.new_member()
    c, _ = capi.new_member(referral_code=code_of(capi, blocked["id"]))
    for f in (a, b, c):
        assert euros(capi, f["id"], 10, "2026-06-01T09:00:00Z")["referral"]
    # a new version lowers the cap to one a year before the run
    apply(capi, SMALL.replace("max_per_referrer: 2", "max_per_referrer: 1"),
          "2026-06-01T11:00:00Z")
    r = capi.post(f"/v1/cards/{blocked_card['number']}/block", {"reason": "fraud"})
    assert r.status_code == 200, r.text
    capi.set_clock(utc(2026, 6, 2, 10))
    expire(capi)
    # each friend gets the promised 50; the referrer only the first 100
    for f in (a, b, c):
        assert [x["points"] for x in bonuses(capi, f["id"])] == [50]
    assert [x["points"] for x in bonuses(capi, referrer["id"])] == [100]
    assert bonuses(capi, blocked["id"]) == []
    page = {f["referee_id"]: f for f in referrals(capi, referrer["id"])["referrals"]}
    assert page[a["id"]]["referrer_points"] == 100 and page[a["id"]]["note"] is None
    assert page[b["id"]]["referrer_points"] == 0 and "yearly limit" in page[b["id"]]["note"]
    assert page[b["id"]]["status"] == "rewarded"
    other = referrals(capi, blocked["id"])["referrals"][0]
    assert other["referrer_points"] == 0 and "blocked" in other["note"]
