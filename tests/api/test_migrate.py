"""`fidelis migrate`: a program's whole history moved from SQLite to
PostgreSQL and back, ids kept, verified by audit on both sides.

A demo database (a year of purchases, refunds, redemptions, coupons, punch
cards, rewards, gift cards, paid membership and referrals) goes SQLite ->
PostgreSQL -> SQLite; the two SQLite files must hold the same rows, table by
table; the PostgreSQL copy is served and a card issued before the move still
identifies its member. Refusals (a target that already holds the program,
an unknown program, a bad URI, a foreign card secret, a table the copy does
not know) change nothing.

The PostgreSQL side uses FIDELIS_TEST_PG, or a throwaway cluster
(scripts/pg.sh), as test_pg_multiprocess does.
"""
import re
import sqlite3
import subprocess
import uuid

import pytest

import fidelis_api
from fidelis_api import Api, FidelisServer, psql
from test_pg_multiprocess import pg_maintenance  # noqa: F401 (a fixture)

DEMO_MEMBERS = 30


def run(binary, *args, timeout=300):
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def new_pg(maintenance):
    name = f"fdl_migrate_{uuid.uuid4().hex[:10]}"
    psql(maintenance, f'CREATE DATABASE "{name}"')
    return re.sub(r"/[^/]*$", "/" + name, maintenance)


def drop_pg(maintenance, uri):
    psql(maintenance, f'DROP DATABASE IF EXISTS "{uri.rsplit("/", 1)[1]}" WITH (FORCE)')


def sqlite_dump(path):
    """Every table's rows, sorted, by table (the backend's own sqlite_* aside)."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in tables}


def pg_dump(uri):
    """Every table's row count and an md5 of its sorted rows."""
    tables = psql(uri, "SELECT table_name FROM information_schema.tables"
                       " WHERE table_schema = 'public' ORDER BY 1").split()
    return {t: psql(uri, f"SELECT count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY"
                         f" x::text), '')) FROM {t} x") for t in tables}


def audit_clean(binary, db):
    out = run(binary, "audit", "--db", db)
    assert out.returncode == 0 and "audit clean" in out.stdout, out.stdout + out.stderr


@pytest.fixture(scope="module")
def moved(tmp_path_factory, fidelis_bin, pg_maintenance):  # noqa: F811
    """demo.db -> PostgreSQL -> back.db, with the demo's keys."""
    work = tmp_path_factory.mktemp("migrate")
    demo = work / "demo.db"
    out = run(fidelis_bin, "demo", "--no-serve", "--members", DEMO_MEMBERS, "--db", demo)
    assert out.returncode == 0, out.stderr
    keys = (re.search(r"^admin key:\s*(\S+)", out.stdout, re.M).group(1),
            re.search(r"^till key:\s*(\S+)", out.stdout, re.M).group(1))
    pg = new_pg(pg_maintenance)
    there = run(fidelis_bin, "migrate", "--from", demo, "--to", pg)
    back = work / "back.db"
    again = run(fidelis_bin, "migrate", "--from", pg, "--to", back)
    try:
        yield dict(work=work, demo=demo, pg=pg, back=back, keys=keys, there=there,
                   again=again)
    finally:
        drop_pg(pg_maintenance, pg)


def test_migrate_sqlite_to_postgresql_and_back_keeps_every_row(moved, fidelis_bin):
    for out in (moved["there"], moved["again"]):
        assert out.returncode == 0, out.stdout + out.stderr
        assert "migrated 2 program(s)" in out.stdout  # the demo and its coalition
        assert out.stdout.count(": clean") == 2
    # the summary's table counts are those of the source
    demo = sqlite_dump(moved["demo"])
    for table in ("members", "purchases", "entries", "postings", "lots", "sv_entries"):
        m = re.search(rf"^\s+{table}\s+(\d+)$", moved["there"].stdout, re.M)
        assert m and int(m.group(1)) == len(demo[table]) > 0, table
    back = sqlite_dump(moved["back"])
    assert demo.keys() == back.keys()
    for table in demo:
        assert demo[table] == back[table], f"{table} differs after the round trip"
    for db in (moved["demo"], moved["pg"], moved["back"]):
        audit_clean(fidelis_bin, db)


def test_the_postgresql_copy_serves_cards_issued_before(moved, fidelis_bin, openapi,
                                                         tmp_path):
    with sqlite3.connect(moved["demo"]) as db:
        number, member_id = db.execute(
            "SELECT number, member_id FROM cards WHERE status = 1 AND program_id = 1"
            " ORDER BY number"
            " LIMIT 1").fetchone()
        balance = db.execute("SELECT balance FROM members WHERE id = ?",
                             (member_id,)).fetchone()[0]
    server = FidelisServer(tmp_path, "pgcopy", fidelis_bin, db=moved["pg"],
                           keys={1: moved["keys"]})
    try:
        api = Api(server, openapi)
        r = api.get("/v1/members", params={"card": number})
        assert r.status_code == 200, r.text
        assert [m["id"] for m in r.json()["members"]] == [member_id]
        assert api.balance(member_id)["total"] == balance
        api.purchase(card=number, lines=[fidelis_api.line(unit_price=2500)])
        assert api.balance(member_id)["total"] > balance
        enrolled = api.enrol()  # a new member's id comes after every copied id
        assert enrolled["member"]["id"] > DEMO_MEMBERS
    finally:
        assert not server.stop()
    audit_clean(fidelis_bin, moved["pg"])
    # every identity sequence went past the copied ids: no id handed out twice
    identities = psql(moved["pg"], "SELECT table_name || '.' || column_name"
                                   " FROM information_schema.columns"
                                   " WHERE table_schema = 'public' AND is_identity = 'YES'")
    assert "purchases.id" in identities.split()
    for ident in identities.split():
        table, column = ident.split(".")
        assert psql(moved["pg"], f"SELECT count(*) = count(DISTINCT {column}) FROM {table}"
                    ) == "t", ident


def test_a_target_that_holds_the_program_is_refused_and_unchanged(moved, fidelis_bin):
    before = pg_dump(moved["pg"])
    out = run(fidelis_bin, "migrate", "--from", moved["demo"], "--to", moved["pg"])
    assert out.returncode == 1
    assert "must be empty" in out.stderr
    assert pg_dump(moved["pg"]) == before
    back = sqlite_dump(moved["back"])
    out = run(fidelis_bin, "migrate", "--from", moved["demo"], "--to", moved["back"],
              "--program", 1)
    assert out.returncode == 1 and "must be empty" in out.stderr
    assert sqlite_dump(moved["back"]) == back


def test_an_unknown_program_or_bad_uri_is_refused_and_creates_nothing(moved, fidelis_bin,
                                                                      tmp_path):
    target = tmp_path / "never.db"
    out = run(fidelis_bin, "migrate", "--from", moved["demo"], "--to", target,
              "--program", 7)
    assert out.returncode == 1 and "program" in out.stderr
    assert not target.exists()
    out = run(fidelis_bin, "migrate", "--from", tmp_path / "missing.db", "--to", target)
    assert out.returncode == 1 and "from" in out.stderr
    assert not (tmp_path / "missing.db").exists() and not target.exists()
    out = run(fidelis_bin, "migrate", "--from", moved["demo"],
              "--to", "postgresql://nobody@127.0.0.1:1/none")
    assert out.returncode == 1
    for bad in (["--program", "x"], ["--program", "0"], ["--program", "65"],
                ["--program", "1" * 400], ["--to"], []):
        out = run(fidelis_bin, "migrate", "--from", moved["demo"], *bad)
        assert out.returncode == 2, bad
        assert "usage: fidelis migrate" in out.stderr
    assert not target.exists()


def test_a_target_with_other_programs_under_another_card_secret_is_refused(
        moved, fidelis_bin, tmp_path):
    other = tmp_path / "other.db"
    assert run(fidelis_bin, "init", "--db", other, "--program", 2).returncode == 0
    before = sqlite_dump(other)
    out = run(fidelis_bin, "migrate", "--from", moved["demo"], "--to", other,
              "--program", 1)
    assert out.returncode == 1 and "card_key" in out.stderr, out.stderr
    assert sqlite_dump(other) == before


def test_a_table_missing_from_the_copy_list_is_refused(moved, fidelis_bin, tmp_path):
    """A migration that adds a table but not its line in src/store/tables.c
    cannot lose that table's rows: the copy refuses."""
    source = tmp_path / "extra.db"
    source.write_bytes(moved["back"].read_bytes())
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE loyalty_extra (program_id INTEGER, x INTEGER)")
        db.execute("INSERT INTO loyalty_extra VALUES (1, 42)")
    target = tmp_path / "target.db"
    out = run(fidelis_bin, "migrate", "--from", source, "--to", target)
    assert out.returncode == 1 and "loyalty_extra" in out.stderr, out.stderr
    assert all(not rows for table, rows in sqlite_dump(target).items() if table != "meta")


def test_programs_move_one_at_a_time_and_meet_again(fidelis_bin, openapi, tmp_path):
    """--program N takes only N's rows: two programs moved one after the
    other into one file make the same database as moving both at once. The
    source is a server's own database, on whichever backend the suite runs."""
    source = fidelis_api.new_db(tmp_path, "two")  # stop() leaves it to us
    server = FidelisServer(tmp_path, "two", fidelis_bin, programs=(1, 2), db=source)
    try:
        for program in (1, 2):
            api = Api(server, openapi, program)
            member, card = api.new_member()
            api.purchase(member["id"], lines=[fidelis_api.line(unit_price=1999)])
            api.adjust(member["id"], 5 * program)
    finally:
        assert not server.stop()
    only2 = tmp_path / "only2.db"
    out = run(fidelis_bin, "migrate", "--from", source, "--to", only2, "--program", 2)
    assert out.returncode == 0, out.stderr
    dump = sqlite_dump(only2)
    assert [r[0] for r in dump["programs"]] == [2]
    with sqlite3.connect(only2) as db:
        for table in dump:
            if table not in ("meta", "programs", "purchase_lines"):  # lines: by purchase
                assert db.execute(f"SELECT count(*) FROM {table} WHERE program_id != 2"
                                  ).fetchone()[0] == 0, table
    assert len(dump["members"]) == 1 and len(dump["purchases"]) == 1
    out = run(fidelis_bin, "migrate", "--from", source, "--to", only2, "--program", 1)
    assert out.returncode == 0, out.stderr
    both = tmp_path / "both.db"
    out = run(fidelis_bin, "migrate", "--from", source, "--to", both)
    assert out.returncode == 0, out.stderr
    assert sqlite_dump(only2) == sqlite_dump(both)
    audit_clean(fidelis_bin, only2)
    fidelis_api.drop_db(source)
