"""`planner import …` as a user runs it: Swedish reports, readable one-line failures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from planner.cli import app
from planner.db import make_engine
from planner.migrations import upgrade

runner = CliRunner()
Counts = Callable[[], dict[str, int]]


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["import", *args], env={"PLANNER_USER": "cli.test"})
    return result.exit_code, result.stdout, result.stderr


def test_the_example_city_imports_from_the_command_line(
    db_url: str, files: Path, districts_file: Path
) -> None:
    upgrade(make_engine(db_url))
    db = ("--database-url", db_url)
    steps = [
        ("districts", str(districts_file), "--name-column", "namn", "--current"),
        ("addresses", str(files / "adresser.csv")),
        ("owners", str(files / "agare.csv")),
        ("properties", str(files / "fastigheter.xlsx")),
        ("entrances", str(files / "entreer.csv")),
        ("entrances", str(files / "entreer_koordinater.csv")),
        ("customers", str(files / "kunder.csv")),
        ("consents", str(files / "medgivanden.csv")),
    ]
    for step in steps:
        code, out, err = run(*step, *db)
        assert code == 0, (step, out, err)
        assert "Nya:" in out
    code, out, _ = run("review", *db)
    assert code == 0 and "#1  Kyrkvägen 4" in out and "1. Kyrkvägen 4, 167 53 Bromma" in out
    code, out, err = run("resolve", "1", "--candidate", "1", *db)
    assert code == 0, err
    assert "Bromma" in out and "avgjort" in out
    code, out, _ = run("review", *db)
    assert "Inga adresser väntar" in out
    code, out, _ = run("entrances", str(files / "entreer.csv"), *db)
    assert code == 0 and "Inga ändringar" in out


def test_a_bad_file_prints_every_bad_row_and_exits_non_zero(
    engine: object, db_url: str, files: Path, counts: Counts
) -> None:
    bad = files / "agare_fel.csv"
    bad.write_text("organisationsnummer;namn\n556801-0002;A AB\n123;B AB\n", "utf-8")
    before = counts()
    code, out, err = run("owners", str(bad), "--database-url", db_url)
    assert code == 1
    assert "agare_fel.csv, rad 3, kolumn 'organisationsnummer'" in err
    assert err.strip().splitlines()[-1].startswith("Fel: agare_fel.csv: 1 rad har fel")
    assert "Traceback" not in out + err
    assert counts() == before
    code, out, err = run("owners", str(bad), "--database-url", db_url, "--skip-invalid")
    assert code == 0 and "Nya: 1" in out and "agare_fel.avvisade.csv" in out


def test_readable_one_line_errors(engine: object, db_url: str, tmp_path: Path) -> None:
    code, _, err = run("owners", str(tmp_path / "saknas.csv"), "--database-url", db_url)
    assert code == 1 and err.strip() == f"Fel: {tmp_path / 'saknas.csv'}: filen finns inte"
    code, _, err = run(
        "owners", str(tmp_path / "x.csv"), "--database-url", f"sqlite:///{tmp_path}/ingen.sqlite"
    )
    assert code == 1 and "finns inte" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("resolve", "99", "--candidate", "1", "--database-url", db_url)
    assert code == 1 and err.strip() == "Fel: Granskningsärende 99 finns inte."
