"""`planner report`: every format, the scope options, and readable Swedish failures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from planner.cli import app
from tests.reports.conftest import pdf_text

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["report", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_pdf_of_the_whole_city(city_url: str, tmp_path: Path) -> None:
    out = tmp_path / "rapport.pdf"
    code, stdout, stderr = run(
        "--format", "pdf", "--out", str(out), "--date", "2026-11-20", "--database-url", city_url
    )
    assert code == 0, stderr
    assert stderr == ""  # no warnings from the PDF renderer either
    assert "PDF-rapporten för Hela staden (läget den 2026-11-20)" in stdout
    text, pages = pdf_text(out.read_bytes())
    assert "Kungsholmen" in text and pages >= 5


def test_an_excel_workbook_of_one_district(city_url: str, tmp_path: Path) -> None:
    out = tmp_path / "södermalm.xlsx"
    code, _, stderr = run(
        "--district", "södermalm", "--format", "xlsx", "--out", str(out),
        "--date", "2026-11-20", "--database-url", city_url,
    )  # fmt: skip
    assert code == 0, stderr
    book = load_workbook(io.BytesIO(out.read_bytes()))
    names = [row[0].value for row in book["Stadsdelsområden"].iter_rows(min_row=2)]
    assert names == ["Södermalm"]


def test_html_of_one_wave_with_the_format_from_the_file_name(city_url: str, tmp_path: Path) -> None:
    out = tmp_path / "våg2.html"
    code, stdout, stderr = run(
        "--wave", "2", "--out", str(out), "--date", "2026-11-20", "--database-url", city_url
    )
    assert code == 0, stderr
    page = out.read_text(encoding="utf-8")
    assert "Kungsholmen" in page and "Götgatan" not in page
    assert "HTML-rapporten för Våg 2" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--district", "Atlantis", "--out", "{tmp}/r.pdf"], "Okänt stadsdelsområde 'Atlantis'"),
        (["--wave", "9", "--out", "{tmp}/r.pdf"], "Våg 9 finns inte"),
        (["--date", "28/11", "--out", "{tmp}/r.pdf"], "är inget datum"),
        (["--out", "{tmp}/r.docx"], "Okänt format '.docx'"),
        (["--format", "odt", "--out", "{tmp}/r.pdf"], "Okänt format 'odt'"),
        ([], "Ange filen att skriva med --out"),
        (["--out", "{tmp}/saknas/r.pdf"], "finns inte; skapa den"),
    ],
)
def test_mistakes_give_one_swedish_line_and_exit_code_1(
    city_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, stdout, stderr = run(*filled, "--database-url", city_url)
    assert code == 1
    assert message in stderr
    assert stderr.startswith("Fel: ") and len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stdout + stderr
    assert not list(tmp_path.glob("r.*"))


def test_a_missing_database_file_is_said_plainly(tmp_path: Path) -> None:
    code, _, stderr = run(
        "--out", str(tmp_path / "r.pdf"), "--database-url", f"sqlite:///{tmp_path / 'nej.sqlite'}"
    )
    assert code == 1
    assert "finns inte" in stderr and "planner init" in stderr
