"""`fidelis demo` (the README's first command) builds a database whose
history uses every part of the demo program, and whose ledger audits clean."""
import sqlite3
import subprocess


def test_the_demo_history_uses_every_feature_and_audits_clean(tmp_path, fidelis_bin):
    db = tmp_path / "demo.db"
    out = subprocess.run([str(fidelis_bin), "demo", "--no-serve", "--members", "120",
                          "--db", str(db)], capture_output=True, text=True, timeout=300,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "admin key: fdl_" in out.stdout and "till key:  fdl_" in out.stdout
    assert 'demo staff (password "fidelis demo 2026"): owner (admin)' in out.stdout
    assert "demo coalition (program 2, Barrio Club)" in out.stdout
    audit = subprocess.run([str(fidelis_bin), "audit", "--db", str(db)],
                           capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0 and "audit clean" in audit.stdout, audit.stdout
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        def count(sql):
            return con.execute(sql).fetchone()[0]
        assert count("SELECT count(*) FROM program_versions WHERE program_id = 1") == 1
        assert count("SELECT count(*) FROM purchases") > 1000
        assert count("SELECT count(*) FROM entries WHERE kind = 7") > 100  # bonus: sign-up...
        assert count("SELECT count(*) FROM stamp_vouchers WHERE status = 2") > 0  # used
        assert count("SELECT count(*) FROM coupon_uses") > 0
        assert count("SELECT count(*) FROM reward_redemptions WHERE status = 2") > 0
        assert count("SELECT count(*) FROM memberships") > 0
        assert count("SELECT count(*) FROM sv_cards WHERE kind = 2") > 0  # certificates
        assert count("SELECT count(*) FROM sv_cards WHERE kind = 1") > 0  # gift cards
        assert count("SELECT count(*) FROM referrals WHERE status = 3") > 0  # rewarded
        assert count("SELECT count(*) FROM member_segments") > 0
        assert count("SELECT count(DISTINCT tier) FROM members") >= 2
        # -- stores, staff and the audit log --
        assert count("SELECT count(*) FROM stores WHERE program_id = 1") == 3
        assert count("SELECT count(DISTINCT time_zone) FROM stores WHERE program_id = 1") == 2
        assert count("SELECT count(*) FROM staff WHERE program_id = 1") == 6
        assert count("SELECT count(DISTINCT store_code) FROM purchases"
                     " WHERE program_id = 1 AND store_code <> ''") == 3
        # till sales carry their cashier in the ledger and the audit log
        assert count("SELECT count(*) FROM audit_log WHERE route = 'purchase_create'"
                     " AND actor LIKE 'staff:%'") > 500
        # the cashier who rings up sales on her own card, for the report to flag
        assert count("SELECT count(*) FROM purchases p JOIN staff s ON s.member_id ="
                     " p.member_id AND s.login = 'ana'") > 5
        # -- coalitions -- program 2: three partners, their staff, items
        # between every pair, monthly settlements and an open last month
        assert count("SELECT count(*) FROM staff WHERE program_id = 2 AND partner <> ''") == 7
        assert count("SELECT count(DISTINCT issuer || '>' || redeemer) FROM settlement_items"
                     " WHERE program_id = 2") == 6
        assert count("SELECT count(*) FROM settlements WHERE program_id = 2") >= 12
        assert count("SELECT count(*) FROM settlement_items WHERE program_id = 2"
                     " AND settlement_id = 0") > 0
        assert count("SELECT count(*) FROM purchases WHERE program_id = 2"
                     " AND txn_id LIKE 'horno/%'") > 100
    finally:
        con.close()
