"""Early access: launch windows gated by tier. Gold shops a launch 7 days
before it opens, silver 2, everyone from the opening; a member holding an
early-access reward for it shops from the earliest window. A line not yet on
sale refuses the whole purchase (409 naming lines[i].sku) and writes nothing.
"""
import datetime as dt

import pytest

from conftest import program_server
from fidelis_api import assert_problem, line, unique

PROGRAM = """
program:
  name: Boutique
  currency: EUR
  time_zone: Europe/Madrid
tiers:
  basis: spend
  levels:
    - { name: bronze, min: 0 }
    - { name: silver, min: 500 }
    - { name: gold, min: 2000 }
earn:
  - id: base
    rate: 1
launches:
  - id: spring-26
    name: Spring collection
    skus: [dress-01, dress-02]
    categories: [spring]
    opens_at: 2026-03-15T09:00
    early:
      gold: 7
      silver: 2
rewards:
  - { id: spring-preview, name: Spring preview, kind: early_access, cost: 300,
      launch: spring-26 }
"""

OPENS = "2026-03-15T08:00:00Z"  # 09:00 in Madrid (CET)
THREE_DAYS_BEFORE = dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def eapi(tmp_path_factory, fidelis_bin, openapi):
    with program_server(tmp_path_factory, fidelis_bin, openapi, "early", PROGRAM, clock=THREE_DAYS_BEFORE) as api:
        yield api


@pytest.fixture(autouse=True)
def three_days_before(eapi):
    eapi.set_clock(THREE_DAYS_BEFORE)


def member_at(api, euros):
    """A member whose spend this year makes their tier (500: silver, 2000: gold)."""
    member, _ = api.new_member()
    if euros:
        api.purchase(member["id"], lines=[line("basics", 1, euros * 100)])
    return member["id"]


def may_buy(api, member_id, sku, **params):
    r = api.get(f"/v1/members/{member_id}/may-buy", params=dict(sku=sku, **params))
    assert r.status_code == 200, r.text
    return r.json()


def test_gold_buys_three_days_before_the_opening(eapi):
    m = member_at(eapi, 2500)
    assert eapi.member(m)["tier"] == "gold"
    answer = may_buy(eapi, m, "dress-01")
    assert answer["allowed"] and answer["reason"] == "early_tier"
    assert answer["opens_at"] == OPENS and answer["opens_for_member_at"] == "2026-03-08T08:00:00Z"
    p = eapi.purchase(m, lines=[line("dress-01", 1, 12000), line("dress-02", 1, 100)])
    assert p["points_earned"] == 121
    # one receipt line for the launch, counting whole days to the opening
    early = [x for x in p["messages"] if x.startswith("Early access")]
    assert early == ["Early access (3 days before the opening): Spring collection."]


def test_silver_is_refused_three_days_before_and_nothing_is_written(eapi):
    m = member_at(eapi, 600)
    assert eapi.member(m)["tier"] == "silver"
    answer = may_buy(eapi, m, "dress-02")
    assert not answer["allowed"] and answer["reason"] == "not_yet"
    assert answer["opens_for_member_at"] == "2026-03-13T08:00:00Z"
    before = eapi.balance(m)
    txn = unique("T-")
    r = eapi.post("/v1/purchases", eapi.purchase_body(
        m, txn_id=txn, lines=[line("socks", 1, 500), line("dress-02", 1, 12000)]))
    body = assert_problem(r, 409, "conflict", "lines[1].sku")
    assert "2026-03-13T08:00:00Z" in body["detail"]
    assert eapi.balance(m) == before
    assert_problem(eapi.get(f"/v1/purchases/{txn}"), 404, "not-found")
    # two days before (silver's window) the same basket goes through
    eapi.set_clock(dt.datetime(2026, 3, 13, 8, 0, tzinfo=dt.timezone.utc))
    assert eapi.purchase(m, lines=[line("dress-02", 1, 12000)])["points_earned"] == 120


def test_a_category_in_the_launch_counts_too(eapi):
    m = member_at(eapi, 0)
    r = eapi.post("/v1/purchases", eapi.purchase_body(
        m, lines=[line("coat-9", 1, 9000, category="spring")]))
    assert_problem(r, 409, "conflict", "lines[0].sku")
    assert may_buy(eapi, m, "coat-9", category="spring")["reason"] == "not_yet"
    assert may_buy(eapi, m, "coat-9")["reason"] == "not_in_launch"


def test_everyone_buys_from_the_opening(eapi):
    m = member_at(eapi, 0)
    assert eapi.member(m)["tier"] is None  # not yet ranked: the lowest level
    assert may_buy(eapi, m, "dress-01", time="2026-03-15T07:59:59Z")["allowed"] is False
    answer = may_buy(eapi, m, "dress-01", time=OPENS)
    assert answer["allowed"] and answer["reason"] == "open"
    eapi.set_clock(dt.datetime(2026, 3, 15, 8, 0, tzinfo=dt.timezone.utc))
    assert eapi.purchase(m, lines=[line("dress-01", 1, 12000)])["points_earned"] == 120
    # a sku outside every launch is on sale as usual
    other = may_buy(eapi, m, "socks")
    assert other == {"member_id": m, "sku": "socks", "time": "2026-03-15T08:00:00Z",
                     "allowed": True, "reason": "not_in_launch", "launch": None,
                     "opens_at": None, "opens_for_member_at": None}


def test_a_till_time_ahead_of_ours_buys_nothing_early(eapi):
    """Tills may send a time up to a day ahead; a launch still opens by ours."""
    m = member_at(eapi, 0)
    eapi.set_clock(dt.datetime(2026, 3, 14, 10, 0, tzinfo=dt.timezone.utc))  # 22 h before
    before = eapi.balance(m)
    r = eapi.post("/v1/purchases", eapi.purchase_body(
        m, lines=[line("dress-01", 1, 12000)], time="2026-03-15T08:30:00Z"))
    assert_problem(r, 409, "conflict", "lines[0].sku")
    assert eapi.balance(m) == before


def test_an_early_access_reward_opens_the_earliest_window(eapi):
    m = member_at(eapi, 0)
    eapi.adjust(m, 300)
    assert not may_buy(eapi, m, "dress-01")["allowed"]
    r = eapi.post(f"/v1/members/{m}/redemptions", {"reward_id": "spring-preview"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["launch"] == "spring-26"
    # reserved (its hold running) already entitles
    answer = may_buy(eapi, m, "dress-01")
    assert answer["allowed"] and answer["reason"] == "early_reward"
    assert answer["opens_for_member_at"] == "2026-03-08T08:00:00Z"
    # cancelled: no longer
    assert eapi.post(f"/v1/redemptions/{rid}/cancel").status_code == 200
    assert not may_buy(eapi, m, "dress-01")["allowed"]
    assert_problem(eapi.post("/v1/purchases", eapi.purchase_body(
        m, lines=[line("dress-01", 1, 12000)])), 409, "conflict", "lines[0].sku")
    # committed: for good, also after the hold would have ended
    rid = eapi.post(f"/v1/members/{m}/redemptions", {"reward_id": "spring-preview"}).json()["id"]
    assert eapi.post(f"/v1/redemptions/{rid}/commit", {}).status_code == 200
    eapi.set_clock(THREE_DAYS_BEFORE + dt.timedelta(hours=2))
    assert may_buy(eapi, m, "dress-01")["reason"] == "early_reward"
    assert eapi.purchase(m, lines=[line("dress-01", 1, 12000)])["points_earned"] == 120


def test_a_reserved_reward_whose_hold_ended_does_not_entitle(eapi):
    m = member_at(eapi, 0)
    eapi.adjust(m, 300)
    eapi.post(f"/v1/members/{m}/redemptions", {"reward_id": "spring-preview"})
    eapi.set_clock(THREE_DAYS_BEFORE + dt.timedelta(minutes=15))
    assert not may_buy(eapi, m, "dress-01")["allowed"]


def test_the_dry_run_is_refused_alike(eapi):
    m = member_at(eapi, 0)
    r = eapi.post("/v1/purchases/dry-run", eapi.purchase_body(
        m, lines=[line("dress-01", 1, 12000)]), idempotency_key=None)
    assert_problem(r, 409, "conflict", "lines[0].sku")


def test_explained_in_every_language(eapi):
    texts = {lang: eapi.get("/v1/program/explain", params={"lang": lang}).text
             for lang in ("en", "es", "ca", "ru")}
    assert "Gold members shop the Spring collection 7 days early." in texts["en"]
    assert "Spring collection goes on sale on 15 March 2026 at 09:00." in texts["en"]
    assert "Los socios silver compran «Spring collection» 2 días antes." in texts["es"]
    assert "Els socis gold compren «Spring collection» 7 dies abans." in texts["ca"]
    assert "Участники уровня silver покупают «Spring collection» на 2 дня раньше." in texts["ru"]


def test_hostile_may_buy_queries(eapi):
    m = member_at(eapi, 0)
    url = f"/v1/members/{m}/may-buy"
    assert_problem(eapi.get(url), 400, "missing-field", "sku")
    assert_problem(eapi.get(url, params={"sku": ""}), 400, "out-of-range", "sku")
    assert_problem(eapi.get(url, params={"sku": "x" * 65}), 400, "out-of-range", "sku")
    assert_problem(eapi.get(url, params={"sku": "a", "category": "c" * 65}), 400,
                   "out-of-range", "category")
    for bad in ("yesterday", "2026-03-15", "2026-13-01T00:00:00Z", "t" * 41):
        r = eapi.get(url, params={"sku": "a", "time": bad})
        assert r.status_code == 400 and r.json()["field"] == "time", r.text
    for bad in ("0", "abc", "99999999"):
        assert_problem(eapi.get(f"/v1/members/{bad}/may-buy", params={"sku": "a"}), 404,
                       "not-found", "member_id")


@pytest.mark.parametrize("launch,field", [
    ("{ id: l, opens_at: 2026-03-15T09:00 }", "launches[0].skus"),
    ("{ id: l, skus: [a], opens_at: '2026-03-15 09:00' }", "launches[0].opens_at"),
    ("{ id: l, skus: [a], opens_at: 2026-03-15T09:60 }", "launches[0].opens_at"),
    ("{ id: l, skus: [a], opens_at: 2026-03-15T09:00, early: { platinum: 2 } }",
     "launches[0].early.platinum"),
    ("{ id: l, skus: [a], opens_at: 2026-03-15T09:00, early: { gold: 0 } }",
     "launches[0].early.gold"),
    ("{ id: l, skus: [a], opens_at: 2026-03-15T09:00, early: { gold: x } }",
     "launches[0].early.gold"),
    ("{ id: l, skus: [a], opens_at: 2026-03-15T09:00, early: [gold] }", "launches[0].early"),
    ("{ id: l, skus: [], opens_at: 2026-03-15T09:00 }", "launches[0].skus"),
    ("{ id: 'a b', skus: [a], opens_at: 2026-03-15T09:00 }", "launches[0].id"),
    ("{ id: l, skus: [a], opens_at: 2026-03-15T09:00, when: now }", "launches[0].when"),
])
def test_bad_launch_keys_are_refused_by_name(eapi, launch, field):
    source = PROGRAM.split("launches:")[0] + "launches:\n  - " + launch + "\n"
    r = eapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json().get("field") == field, r.json()
    # the version in force still gates the launch
    m = member_at(eapi, 0)
    assert not may_buy(eapi, m, "dress-01")["allowed"]
