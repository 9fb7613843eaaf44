"""A member with hundreds of open lots: the balance, a redemption across
many of them in expiry order, refunds and expiry agree with a model of the
ledger's rules (docs/architecture.md, "The ledger" and "Loading lots").

A write loads a member's lots a batch at a time in spending order, so these
numbers cross several batches and split lots that expire together (three
purchases a day share an expiry) across batch boundaries. Runs on
PostgreSQL too with FIDELIS_TEST_PG.
"""
import datetime as dt

from fidelis_api import line

UTC = dt.timezone.utc
START = dt.datetime(2045, 1, 2, tzinfo=UTC)  # day 0; Madrid is UTC+1 in winter
HOURS = (9, 13, 17)                           # three purchases a day
LOTS = 400


class Model:
    """Lots as the ledger keeps them: [day earned, remaining, txn]; the list
    index is the lot id order, and lots of the same day expire together."""

    def __init__(self):
        self.lots = []

    def earn(self, day, points, txn):
        self.lots.append([day, points, txn])

    def order(self):
        return sorted(range(len(self.lots)), key=lambda i: (self.lots[i][0], i))

    def spend(self, amount):
        moves = []
        for i in self.order():
            if amount == 0:
                break
            take = min(amount, self.lots[i][1])
            if take > 0:
                self.lots[i][1] -= take
                amount -= take
                moves.append((i, take))
        assert amount == 0
        return moves

    def clawback(self, amount, txn):
        own = [i for i in range(len(self.lots)) if self.lots[i][2] == txn]
        for i in own + self.order():
            take = min(amount, self.lots[i][1])
            if take > 0:
                self.lots[i][1] -= take
                amount -= take
        assert amount == 0

    def restore(self, amount, moves):
        for i, taken in reversed(moves):
            give = min(amount, taken)
            self.lots[i][1] += give
            amount -= give
        assert amount == 0

    def total(self):
        return sum(lot[1] for lot in self.lots)

    def by_day(self, from_day=0):
        days = {}
        for day, remaining, _ in self.lots:
            if day >= from_day and remaining > 0:
                days[day] = days.get(day, 0) + remaining
        return [days[d] for d in sorted(days)]


def at_day(day, hour=12):
    return START + dt.timedelta(days=day, hours=hour)


def expiring_points(balance):
    times = [e["expires_at"] for e in balance["expiring"]]
    assert times == sorted(set(times)), times
    return [e["points"] for e in balance["expiring"]]


def test_hundreds_of_lots_balance_redeem_refund_and_expire(clock_api):
    api = clock_api
    api.set_clock(at_day(0, 0))
    assert api.post("/v1/admin/expire", {}, key="admin").status_code == 200
    member, _ = api.new_member()
    mid = member["id"]
    model = Model()
    txns = []
    for n in range(LOTS):
        day, hour = divmod(n, len(HOURS))
        api.set_clock(at_day(day, HOURS[hour]))
        txn = f"ML-{n}"
        p = api.purchase(mid, lines=[line("COFFEE", 1, 1000 + (n % 7) * 100)], txn_id=txn)
        assert p["points_earned"] > 0
        model.earn(day, p["points_earned"], txn)
        txns.append(p)
    last_day = (LOTS - 1) // len(HOURS)
    b = api.balance(mid)
    assert b["total"] == b["available"] == model.total()
    assert b["pending"] == 0 and b["expiring"] == []

    # A redemption across about 100 lots (several batches), ending inside a
    # day's group of three lots that expire together.
    redeem = sum(lot[1] for lot in model.lots[:100]) + 1
    api.set_clock(at_day(last_day, 18))
    big = api.purchase(mid, lines=[line("MACHINE", 1, 500000)], redeem_points=redeem,
                       txn_id="ML-BIG")
    assert big["points_redeemed"] == redeem
    spent = model.spend(redeem)
    assert len(spent) == 101
    model.earn(last_day, big["points_earned"], "big")
    assert big["balance"]["total"] == model.total()
    assert big["balance"]["available"] == model.total()

    # Refunding an early purchase whose lot was spent takes its points from
    # the earliest lots still holding points.
    r = api.refund("ML-5")
    model.clawback(txns[5]["points_earned"], "ML-5")
    assert r["balance"]["total"] == model.total()

    # Near the first expiry, the next five expiry days show what is left.
    api.set_clock(at_day(365, 12))
    b = api.balance(mid)
    assert b["total"] == b["available"] == model.total()
    assert expiring_points(b) == model.by_day()[:5]

    # Refunding the redemption: its own points back, the spent points back
    # to the lots they came from, last taken first.
    r = api.refund("ML-BIG")
    model.clawback(big["points_earned"], "big")
    model.restore(redeem, spent)
    assert r["balance"]["total"] == model.total()
    b = api.balance(mid)
    assert b["total"] == b["available"] == model.total()
    assert expiring_points(b) == model.by_day()[:5]

    # Two days later, days 0 and 1 are due: not spendable, still counted
    # and shown until the expiry job takes them, exactly once.
    api.set_clock(at_day(367, 12))
    due = sum(lot[1] for lot in model.lots if lot[0] < 2)
    b = api.balance(mid)
    assert b["total"] == model.total()
    assert b["available"] == model.total() - due
    assert expiring_points(b) == model.by_day()[:5]
    out = api.post("/v1/admin/expire", {}, key="admin").json()
    assert out["points_expired"] == due
    for lot in model.lots:
        if lot[0] < 2:
            lot[1] = 0
    b = api.balance(mid)
    assert b["total"] == b["available"] == model.total()
    assert expiring_points(b) == model.by_day()[:5]

    # Spending everything left crosses every remaining lot.
    everything = model.total()
    p = api.purchase(mid, lines=[line("MACHINE", 1, 5000000)],
                     redeem_points=everything)
    assert p["points_redeemed"] == everything
    assert p["balance"]["total"] == p["points_earned"]
    assert p["balance"]["available"] == p["points_earned"]
