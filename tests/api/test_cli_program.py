"""The program commands of the CLI: check, explain."""
import pathlib
import subprocess

from fidelis_api import FIDELIS_BIN

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run(*args):
    return subprocess.run([str(FIDELIS_BIN), *args], capture_output=True, text=True,
                          timeout=60)


def test_check_accepts_the_examples_and_names_line_and_column_of_an_error(tmp_path):
    for example in sorted(EXAMPLES.glob("*.yaml")):
        out = run("program", "check", str(example))
        assert out.returncode == 0 and "valid" in out.stdout, out.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("program:\n  name: X\n  currency: EUR\n  time_zone: UTC\n"
                   "earn:\n  - id: a\n    rate: 1\n    colour: red\n")
    out = run("program", "check", str(bad))
    assert out.returncode == 1
    assert "line 8, column 5" in out.stderr and "colour" in out.stderr, out.stderr


def test_explain_writes_the_rules_in_each_language():
    words = {"en": "points", "es": "puntos", "ca": "punts", "ru": "балл"}
    for lang, word in words.items():
        out = run("program", "explain", str(EXAMPLES / "grocery.yaml"), "--lang", lang)
        assert out.returncode == 0, out.stderr
        assert "Mercado Verde" in out.stdout and word in out.stdout, out.stdout
        assert "%" not in out.stdout.replace("%)", "")
    out = run("program", "explain", str(EXAMPLES / "grocery.yaml"), "--lang", "xx")
    assert out.returncode == 1 and "lang" in out.stderr


def test_cli_writes_are_in_the_audit_log_and_reads_are_not(tmp_path):
    """Every write, not only the API's, records who did it: a CLI write
    commits with an audit row naming the system user, the command and what
    it wrote; reads and failed writes leave none."""
    import os
    import pwd
    import sqlite3

    db = str(tmp_path / "audit.db")
    assert run("init", "--db", db).returncode == 0
    out = run("member", "enrol", "--db", db, "--name", "Ana Puig", "--email", "ana@example.org")
    assert out.returncode == 0, out.stderr
    out = run("purchase", "--db", db, "--member", "1", "--txn", "T-CLI-1", "--amount", "2500")
    assert out.returncode == 0, out.stderr
    assert run("member", "show", "--db", db, "1").returncode == 0
    refused = run("purchase", "--db", db, "--member", "999", "--txn", "T-CLI-2", "--amount", "1")
    assert refused.returncode != 0
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT program_id, actor, role, route, method, ref FROM audit_log"
                           " ORDER BY id").fetchall()
    user = f"cli:{pwd.getpwuid(os.geteuid()).pw_name}"
    assert rows == [(1, user, "cli", "program_init", "CLI", ""),
                    (1, user, "cli", "member_enrol", "CLI", ""),
                    (1, user, "cli", "purchase_create", "CLI", "txn:T-CLI-1")], rows
