"""Tiers: a purchase that crosses a threshold upgrades at once; the progress to
the next level is in the answer; reviews at the end of the window (plus grace)
move members down; rules limited to a tier apply to its members only."""
import datetime as dt

import pytest

from conftest import program_server
from fidelis_api import line

TIERED = """
program:
  name: Tiered
  currency: EUR
  time_zone: Europe/Madrid
tiers:
  basis: spend
  window: calendar-year
  downgrade: one-level
  grace_months: 1
  levels:
    - { name: bronze, min: 0 }
    - { name: silver, min: 10000 }
    - { name: gold, min: 20000 }
earn:
  - id: base
    rate: 1
  - id: silver-double
    multiplier: 2
    tiers: [silver, gold]
"""


@pytest.fixture(scope="module")
def tapi(tmp_path_factory, fidelis_bin, openapi):
    """A server of the module's own: these tests move its clock."""
    with program_server(tmp_path_factory, fidelis_bin, openapi, "tiers", TIERED) as api:
        yield api


def buy(api, member_id, euros, when):
    return api.purchase(member_id, lines=[line("X", 1, euros * 100)], time=when)


def test_8000_spent_then_3000_more_becomes_silver_with_progress_to_gold(tapi):
    tapi.set_clock(dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc))
    member, _ = tapi.new_member()
    first = buy(tapi, member["id"], 8000, "2026-06-01T10:00:00Z")
    assert first["tier"]["name"] == "bronze" and not first["tier"]["upgraded"]
    assert first["tier"]["next"] == "silver" and first["tier"]["missing"] == 200000
    second = buy(tapi, member["id"], 3000, "2026-06-01T11:00:00Z")
    assert second["tier"]["name"] == "silver" and second["tier"]["upgraded"]
    assert second["tier"]["next"] == "gold" and second["tier"]["missing"] == 900000
    # reviewed after the calendar year plus one month of grace (Madrid time)
    assert second["tier"]["review_at"] == "2027-01-31T23:00:00Z"
    assert tapi.member(member["id"])["tier"] == "silver"
    # the upgrade counts from the next purchase: silver earns double now
    third = buy(tapi, member["id"], 10, "2026-06-01T12:00:00Z")
    assert third["points_earned"] == 20
    assert {a["rule"] for a in third["points_detail"]} == {"base", "silver-double"}
    # the purchase that crossed the line earned at the old tier
    assert second["points_earned"] == 3000


def test_reviews_move_down_one_level_per_window_without_spend(tapi):
    tapi.set_clock(dt.datetime(2026, 7, 1, 12, tzinfo=dt.timezone.utc))
    member, _ = tapi.new_member()
    p = buy(tapi, member["id"], 25000, "2026-07-01T10:00:00Z")
    assert p["tier"]["name"] == "gold"
    # after the 2026 review (gold kept: 25000 in 2026) and the 2027 one
    # (nothing spent in 2027: one level down), the member is silver
    tapi.set_clock(dt.datetime(2028, 3, 1, 12, tzinfo=dt.timezone.utc))
    r = tapi.post("/v1/admin/expire", None, key="admin", idempotency_key=None)
    assert r.status_code == 200, r.text
    assert tapi.member(member["id"])["tier"] == "silver"
    # a purchase in 2028 keeps silver (one-level, not to-qualified) until reviewed
    q = buy(tapi, member["id"], 10, "2028-03-01T10:00:00Z")
    assert q["tier"]["name"] == "silver" and not q["tier"]["upgraded"]
