"""The `planner` command as a user runs it: init, demo, status, and readable failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from planner.cli import app
from planner.db import make_engine
from planner.migrations import head_revision

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_creates_the_schema_and_is_idempotent(db_url: str) -> None:
    code, out, _ = run("init", "--database-url", db_url)
    assert code == 0 and head_revision() in out
    code, out, _ = run("init", "--database-url", db_url)
    assert code == 0
    assert "customer" in inspect(make_engine(db_url)).get_table_names()


def test_demo_builds_a_small_city_and_status_counts_it(db_url: str) -> None:
    code, out, err = run(
        "demo", "--database-url", db_url, "--scale", "0.03", "--today", "2026-11-28"
    )
    assert code == 0, err
    assert "Demostad byggd" in out and "hemtjänstkunder" in out
    code, out, err = run("status", "--database-url", db_url, "--date", "2026-11-28")
    assert code == 0, err
    for district in ("Södermalm", "Järva", "Hägersten-Älvsjö", "Norra innerstaden"):
        assert district in out
    assert "Nyckelfria kunder" in out


def test_demo_refuses_a_database_that_already_has_data(db_url: str) -> None:
    assert run("demo", "--database-url", db_url, "--scale", "0.02")[0] == 0
    engine = make_engine(db_url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM customer")).scalar()
    code, _, err = run("demo", "--database-url", db_url, "--scale", "0.05", "--seed", "9")
    assert code == 1
    assert "innehåller redan data" in err and "--replace" in err
    assert err.count("\n") == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customer")).scalar() == before


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://x", "stöds inte"),
        ("this is not a url", "Ogiltig databas-URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "Kan inte ansluta"),
        ("mysql+pymysql://x@y/z", "stöds inte"),
    ],
)
def test_a_bad_database_url_gives_one_readable_line(url: str, expected: str) -> None:
    code, out, err = run("init", "--database-url", url)
    assert code == 1
    assert expected in err
    assert err.startswith("Fel: ") and err.count("\n") == 1
    assert "Traceback" not in out + err


def test_status_on_a_missing_database_file_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = run("status", "--database-url", f"sqlite:///{tmp_path / 'nope.sqlite'}")
    assert code == 1 and "finns inte" in err and "planner init" in err
    assert not (tmp_path / "nope.sqlite").exists()


def test_a_database_of_another_schema_version_is_refused_and_left_alone(db_url: str) -> None:
    assert run("init", "--database-url", db_url)[0] == 0
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'abcdef123456'"))
    for command in (["status"], ["init"], ["demo", "--scale", "0.02"]):
        code, _, err = run(*command, "--database-url", db_url)
        assert code == 1, command
        assert "abcdef123456" in err
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "abcdef123456"
        )
        assert conn.execute(text("SELECT count(*) FROM customer")).scalar() == 0


def test_a_database_that_is_not_planners_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    foreign = create_engine(f"sqlite:///{path}")
    with foreign.begin() as conn:
        conn.execute(text("CREATE TABLE customer (name TEXT)"))
    code, _, err = run("init", "--database-url", f"sqlite:///{path}")
    assert code == 1 and "inte skapad av planner" in err
    assert set(inspect(foreign).get_table_names()) == {"customer"}


def test_a_bad_date_is_explained(tmp_path: Path) -> None:
    code, _, err = run(
        "demo", "--database-url", f"sqlite:///{tmp_path / 'x.sqlite'}", "--today", "28/11"
    )
    assert code == 1 and "ÅÅÅÅ-MM-DD" in err
