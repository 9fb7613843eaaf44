"""Multi-currency: a program's rate table (PUT/GET /v1/currencies...), purchases in
another currency converted at the rate in force at the till's time with integer
arithmetic (lines summing exactly to the converted total), refunds at the
purchase's own rate, and hostile rates refused with nothing changed."""
import datetime as dt
from fractions import Fraction

import pytest

from conftest import _start, _stop
from fidelis_api import Api, assert_problem, line, rfc3339, unique

NOW = dt.datetime(2031, 3, 10, 12, 0, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def capi(tmp_path_factory, fidelis_bin, openapi):
    """A server of the module's own (rates are program-wide), clock at NOW."""
    s = _start(tmp_path_factory, fidelis_bin, "currencies")
    a = Api(s, openapi)
    a.set_clock(NOW)
    yield a
    _stop(s)


# ---- the arithmetic the server must reproduce (exact fractions, then rounding down,
# the demo program's rounding; largest remainder, ties to the lower line) ----

def convert(amount_minor, decimals, rate):
    return int(Fraction(amount_minor, 10 ** decimals) * Fraction(rate) * 100)  # floor: >= 0


def allocate(total, weights):
    s = sum(weights)
    out = [total * w // s for w in weights]
    left = total - sum(out)
    rems = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] - out[i] * s), i))
    for i in rems[:left]:
        out[i] += 1
    return out


def put_rate(api, code, rate, when, *, key="admin", expect=201):
    r = api.put(f"/v1/currencies/{code}/rates",
                {"rate": rate, "effective_from": rfc3339(when)}, key=key,
                idempotency_key=None)
    assert r.status_code == expect, r.text
    return r


def rates_of(api, code):
    r = api.get(f"/v1/currencies/{code}/rates", params={"limit": 100})
    assert r.status_code == 200, r.text
    return r.json()["rates"]


def purchase_in(api, member_id, currency, lines, *, expect=201, **extra):
    r = api.post("/v1/purchases", api.purchase_body(member_id, currency=currency,
                                                    lines=lines, **extra))
    assert r.status_code == expect, r.text
    return r.json()


def purchase_rows(api, txn_id):
    return api.server.sql(
        "SELECT currency, total_minor, original_currency, original_total_minor, rate,"
        f" converted_total_minor FROM purchases WHERE txn_id = '{txn_id}'")


# ---- the rate table ----

def test_a_rate_is_added_listed_and_replayed(capi):
    r = put_rate(capi, "USD", "0.92", NOW - 30 * DAY)
    body = r.json()
    assert body == {"currency": "USD", "rate": "0.92",
                    "effective_from": rfc3339(NOW - 30 * DAY),
                    "created_at": rfc3339(NOW)}
    again = put_rate(capi, "USD", "0.92", NOW - 30 * DAY)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == body
    assert len(rates_of(capi, "USD")) == 1
    listed = capi.get("/v1/currencies").json()
    assert listed["program_currency"] == "EUR"
    usd = [c for c in listed["currencies"] if c["code"] == "USD"][0]
    assert usd["rate"] == "0.92" and usd["decimals"] == 2 and usd["rates"] == 1
    assert usd["next_rate"] is None


def test_another_rate_from_the_same_time_is_a_conflict(capi):
    put_rate(capi, "CAD", "0.68", NOW - 10 * DAY)
    r = put_rate(capi, "CAD", "0.70", NOW - 10 * DAY, expect=409)
    assert_problem(r, 409, "idempotency-key-reused", "effective_from")
    assert [x["rate"] for x in rates_of(capi, "CAD")] == ["0.68"]
    assert capi.server.sql("SELECT rate FROM currency_rates WHERE currency = 'CAD'") == \
        [(680000000,)]


def test_rates_are_stored_as_integer_nano_units(capi):
    put_rate(capi, "CHF", "1.047", NOW - 5 * DAY)
    put_rate(capi, "CHF", "0.000000001", NOW - 4 * DAY)
    put_rate(capi, "CHF", "9999999.999999999", NOW - 3 * DAY)
    rows = capi.server.sql("SELECT rate FROM currency_rates WHERE currency = 'CHF'"
                           " ORDER BY effective_from")
    assert rows == [(1047000000,), (1,), (9999999999999999,)]
    assert [x["rate"] for x in rates_of(capi, "CHF")] == \
        ["9999999.999999999", "0.000000001", "1.047"]


HOSTILE_RATES = [
    ("0", 400, "out-of-range"), ("0.000000000", 400, "out-of-range"),
    ("-1", 400, "invalid-request"), ("-0.5", 400, "invalid-request"),
    ("1e3", 400, "invalid-request"), (" 1", 400, "invalid-request"),
    ("1.", 400, "invalid-request"), (".5", 400, "invalid-request"),
    ("1.2.3", 400, "invalid-request"), ("", 400, "out-of-range"),
    ("0.0000000001", 400, "invalid-request"),  # 10 decimals
    ("10000000", 400, "out-of-range"), ("99999999999999999999", 400, "out-of-range"),
    ("1" * 40, 400, "out-of-range"), ("NaN", 400, "invalid-request"),
    ("0x10", 400, "invalid-request"), ("١", 400, "invalid-request"),
    (0.92, 400, "wrong-type"), (1, 400, "wrong-type"), (None, 400, "missing-field"),
    (["0.92"], 400, "wrong-type"), ({"v": "1"}, 400, "wrong-type"), (True, 400, "wrong-type"),
]


@pytest.mark.parametrize("rate,status,slug", HOSTILE_RATES)
def test_hostile_rates_are_refused_and_change_nothing(capi, rate, status, slug):
    before = capi.server.sql("SELECT count(*) FROM currency_rates")
    r = capi.put("/v1/currencies/GBP/rates",
                 {"rate": rate, "effective_from": rfc3339(NOW - 100 * DAY)}, key="admin",
                 idempotency_key=None)
    assert_problem(r, status, slug, "rate")
    assert capi.server.sql("SELECT count(*) FROM currency_rates") == before


@pytest.mark.parametrize("body,field", [
    ({"effective_from": "2031-01-01T00:00:00Z"}, "rate"),
    ({"rate": "1.1"}, "effective_from"),
    ({"rate": "1.1", "effective_from": "yesterday"}, "effective_from"),
    ({"rate": "1.1", "effective_from": 1700000000}, "effective_from"),
    ({"rate": "1.1", "effective_from": "2031-01-01T00:00:00Z", "extra": 1}, "extra"),
])
def test_malformed_rate_bodies_name_their_field(capi, body, field):
    before = capi.server.sql("SELECT count(*) FROM currency_rates")
    r = capi.put("/v1/currencies/GBP/rates", body, key="admin", idempotency_key=None)
    assert r.status_code == 400, r.text
    assert r.json().get("field") == field, r.text
    assert capi.server.sql("SELECT count(*) FROM currency_rates") == before


def test_oversized_and_non_json_bodies_are_refused(capi):
    r = capi.request("PUT", "/v1/currencies/GBP/rates", key="admin", idempotency_key=None,
                     data=b'{"rate": "' + b"1" * 20000 + b'"}')
    assert r.status_code == 413, r.text
    r = capi.request("PUT", "/v1/currencies/GBP/rates", key="admin", idempotency_key=None,
                     data=b"{not json")
    assert_problem(r, 400, "malformed-json")
    assert rates_of(capi, "GBP") == []


@pytest.mark.parametrize("code", ["XXX", "usd", "EURO", "US", "U$D", "EUR"])
def test_unknown_codes_and_the_programs_own_are_refused(capi, code):
    r = put_rate(capi, code, "1.5", NOW, expect=400)
    assert_problem(r, 400, "invalid-request", "code")
    if code != "EUR":
        r = capi.get(f"/v1/currencies/{code}/rates")
        assert_problem(r, 400, "invalid-request", "code")
    assert capi.server.sql(f"SELECT count(*) FROM currency_rates WHERE currency = '{code}'"
                           ) == [(0,)]


def test_rates_need_the_admin_scope(capi):
    r = put_rate(capi, "SEK", "0.088", NOW, key="pos", expect=403)
    assert_problem(r, 403, "forbidden")
    assert rates_of(capi, "SEK") == []


def test_rates_belong_to_their_program(api):
    """On the shared server, program 2's rates are not program 1's."""
    other = api.tenant(2)
    code = "NOK"
    put_rate(other, code, "0.085", NOW - 400 * DAY)
    assert rates_of(other, code) != []
    assert rates_of(api, code) == []


# ---- converted purchases ----

@pytest.mark.parametrize("code,decimals,rate,lines", [
    ("USD", 2, "0.92", [line("A", 3, 1999), line("B", 1, 500)]),
    ("JPY", 0, "0.006135", [line("A", 1, 1000), line("B", 3, 333), line("C", 7, 1)]),
    ("KWD", 3, "2.983", [line("A", 1, 12345), line("B", 2, 999), line("C", 1, 1)]),
])
def test_a_purchase_is_converted_exactly(capi, code, decimals, rate, lines):
    if code != "USD":
        put_rate(capi, code, rate, NOW - 20 * DAY)
    member, _ = capi.new_member()
    original = sum(l["quantity"] * l["unit_price"] for l in lines)
    total = convert(original, decimals, rate)
    amounts = allocate(total, [l["quantity"] * l["unit_price"] for l in lines])
    p = purchase_in(capi, member["id"], code, lines)
    assert p["currency"] == "EUR"
    assert p["total"] == total
    assert [l["amount"] for l in p["lines"]] == amounts
    assert sum(l["amount"] for l in p["lines"]) == total
    assert [l["unit_price"] for l in p["lines"]] == \
        [a // l["quantity"] for a, l in zip(amounts, lines)]
    assert p["original"] == {"currency": code, "total": original, "rate": rate}
    assert p["points_earned"] == total // 100  # 1 point per whole euro, rounded down
    got = capi.purchase_get(p["txn_id"])
    assert got["original"] == p["original"] and got["total"] == total
    assert purchase_rows(capi, p["txn_id"]) == [
        ("EUR", total, code, original, int(Fraction(rate) * 10 ** 9), total)]


def test_a_purchase_in_the_programs_currency_has_no_original(capi):
    member, _ = capi.new_member()
    p = capi.purchase(member["id"], lines=[line("A", 1, 1234)])
    assert p["original"] is None and p["total"] == 1234
    assert capi.purchase_get(p["txn_id"])["original"] is None


def test_points_redeemed_are_bounded_by_the_converted_basket(capi):
    member, _ = capi.new_member()
    capi.adjust(member["id"], 100000)
    p = purchase_in(capi, member["id"], "USD", [line("A", 1, 1000)], redeem_points=5000)
    assert p["total"] == 920  # 10.00 USD at 0.92
    assert p["points_redeemed"] == 920 and p["discount"] == 920


def test_no_rate_in_force_is_a_conflict_and_writes_nothing(capi):
    member, _ = capi.new_member()
    before = capi.balance(member["id"])
    txn = unique("T-")
    r = capi.post("/v1/purchases", capi.purchase_body(member["id"], currency="AUD",
                                                      txn_id=txn, lines=[line()]))
    assert_problem(r, 409, "conflict", "currency")
    r = capi.post("/v1/purchases", capi.purchase_body(member["id"], currency="ABC",
                                                      lines=[line()]))
    assert_problem(r, 400, "invalid-request", "currency")
    assert capi.get(f"/v1/purchases/{txn}").status_code == 404
    assert capi.server.sql(f"SELECT count(*) FROM purchases WHERE txn_id = '{txn}'") == [(0,)]
    assert capi.balance(member["id"]) == before


def test_a_rate_that_starts_tomorrow_is_not_used_today(capi):
    put_rate(capi, "PLN", "0.25", NOW - DAY)
    tomorrow = NOW + dt.timedelta(hours=12)  # midnight, UTC
    put_rate(capi, "PLN", "0.20", tomorrow)
    listed = [c for c in capi.get("/v1/currencies").json()["currencies"]
              if c["code"] == "PLN"][0]
    assert listed["rate"] == "0.25" and listed["next_rate"] == "0.2"
    assert listed["next_effective_from"] == rfc3339(tomorrow)
    member, _ = capi.new_member()
    today = purchase_in(capi, member["id"], "PLN", [line("A", 1, 10000)])
    assert today["total"] == 2500 and today["original"]["rate"] == "0.25"
    # a till sale stamped an hour before the change still uses the old rate
    late = purchase_in(capi, member["id"], "PLN", [line("A", 1, 10000)],
                       time=rfc3339(tomorrow - dt.timedelta(seconds=1)))
    assert late["total"] == 2500
    after = purchase_in(capi, member["id"], "PLN", [line("A", 1, 10000)],
                        time=rfc3339(tomorrow + dt.timedelta(hours=1)))
    assert after["total"] == 2000 and after["original"]["rate"] == "0.2"


def test_a_first_rate_in_the_future_leaves_today_without_a_rate(capi):
    put_rate(capi, "HUF", "0.0025", NOW + DAY)
    listed = [c for c in capi.get("/v1/currencies").json()["currencies"]
              if c["code"] == "HUF"][0]
    assert listed["rate"] is None and listed["effective_from"] is None
    member, _ = capi.new_member()
    r = capi.post("/v1/purchases", capi.purchase_body(member["id"], currency="HUF",
                                                      lines=[line()]))
    assert_problem(r, 409, "conflict", "currency")


def test_a_dry_run_converts_and_keeps_nothing(capi):
    member, _ = capi.new_member()
    body = capi.purchase_body(member["id"], currency="USD", lines=[line("A", 2, 1000)])
    r = capi.post("/v1/purchases/dry-run", body)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 1840 and r.json()["original"]["currency"] == "USD"
    assert capi.get(f"/v1/purchases/{body['txn_id']}").status_code == 404


# ---- refunds ----

def test_refunds_use_the_purchases_rate_not_todays(capi):
    put_rate(capi, "SGD", "0.69", NOW - 2 * DAY)
    member, _ = capi.new_member()
    lines = [line("A", 3, 1999), line("B", 1, 777)]
    p = purchase_in(capi, member["id"], "SGD", lines)
    original = 3 * 1999 + 777
    total = convert(original, 2, "0.69")
    assert p["total"] == total
    put_rate(capi, "SGD", "1.50", NOW - DAY)  # today's rate is very different
    first = capi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    line1 = p["lines"][0]["amount"]
    assert first["amount"] == line1 // 3
    assert first["original"]["currency"] == "SGD" and first["original"]["rate"] == "0.69"
    assert first["original"]["amount"] == original * first["amount"] // total
    rest = capi.refund(p["txn_id"])
    assert first["amount"] + rest["amount"] == total
    assert first["original"]["amount"] + rest["original"]["amount"] == original
    assert p["points_earned"] == first["points_clawed_back"] + rest["points_clawed_back"]
    got = capi.purchase_get(p["txn_id"])
    assert got["refunded"] == total and got["original"]["rate"] == "0.69"


def test_refund_of_a_purchase_in_the_programs_currency_has_no_original(capi):
    member, _ = capi.new_member()
    p = capi.purchase(member["id"], lines=[line("A", 1, 500)])
    assert capi.refund(p["txn_id"])["original"] is None


def test_gift_cards_stay_in_the_programs_currency(capi):
    r = capi.post("/v1/gift-cards", {"amount": 1000, "currency": "USD"})
    assert r.status_code == 400, r.text
    assert r.json().get("field") == "currency"


def test_history_pages_newest_first(capi):
    for i in range(5):
        put_rate(capi, "DKK", f"0.13{i}", NOW - (10 - i) * DAY)
    r = capi.get("/v1/currencies/DKK/rates", params={"limit": 2})
    page = r.json()
    assert [x["rate"] for x in page["rates"]] == ["0.134", "0.133"]
    r = capi.get("/v1/currencies/DKK/rates", params={"limit": 2, "before": page["next_before"]})
    assert [x["rate"] for x in r.json()["rates"]] == ["0.132", "0.131"]
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}):
        assert_problem(capi.get("/v1/currencies/DKK/rates", params=bad), 400, "out-of-range",
                       "limit")
    assert_problem(capi.get("/v1/currencies/DKK/rates", params={"before": "nope"}), 400,
                   "invalid-request", "before")


# ---- last: a program file changes the rounding for everything after it ----

HALF_UP = """
program:
  name: Rounding half up
  currency: EUR
  time_zone: Europe/Madrid
  rounding: half-up
earn:
  - id: base
    rate: 1
"""


def test_conversion_uses_the_programs_rounding(capi):
    r = capi.post("/v1/program/versions", {"source": HALF_UP}, key="admin")
    assert r.status_code == 201, r.text
    member, _ = capi.new_member()
    # 12.345 KWD at 2.983 = 36.825135 EUR: 3682.5135 cents, half-up 3683 (down: 3682)
    p = purchase_in(capi, member["id"], "KWD", [line("A", 1, 12345)])
    assert p["total"] == 3683
    # 1999 JPY at 0.006135 = 1226.3865 cents: half-up 1226
    p = purchase_in(capi, member["id"], "JPY", [line("A", 1, 1999)])
    assert p["total"] == 1226
    # 5.00 USD at 0.92... exactly 460 either way; 0.05 USD = 4.6 cents: 5
    p = purchase_in(capi, member["id"], "USD", [line("A", 1, 5)])
    assert p["total"] == 5
