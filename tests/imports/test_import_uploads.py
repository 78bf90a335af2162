"""Files uploaded through the app: saved as they are, or unpacked when zipped (shapefiles)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from planner.imports import ImportFileError, save_upload

STOCKHOLM_SHP = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "stockholm" / "districts_2020"
)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_csv_is_saved_as_it_is(tmp_path: Path) -> None:
    path = save_upload("kunder.csv", b"kundnummer\nHK-1\n", tmp_path)
    assert path == tmp_path / "kunder.csv" and path.read_bytes() == b"kundnummer\nHK-1\n"


def test_a_zipped_shapefile_is_unpacked_to_its_shp(tmp_path: Path) -> None:
    if not (STOCKHOLM_SHP / "sdn_2020.shp").exists():
        pytest.skip(f"real Stockholm data not found: {STOCKHOLM_SHP}")
    parts = {
        f"sdn/{p.name}": p.read_bytes() for p in STOCKHOLM_SHP.iterdir() if p.stem == "sdn_2020"
    }
    path = save_upload("sdn_2020.zip", _zip(parts), tmp_path)
    assert path.name == "sdn_2020.shp" and path.with_suffix(".dbf").exists()


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"../ut.shp": b"x"}, "otillåten sökväg"),
        ({"a.shp": b"x", "b.shp": b"y"}, "ska innehålla en datafil"),
        ({"readme.txt": b"x"}, "fann ingen"),
    ],
)
def test_a_zip_without_exactly_one_safe_data_file_is_refused(
    tmp_path: Path, files: dict[str, bytes], reason: str
) -> None:
    with pytest.raises(ImportFileError, match=reason):
        save_upload("fel.zip", _zip(files), tmp_path)
