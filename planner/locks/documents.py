"""Scanned consent forms: checked by content, stored by checksum.

A form is accepted when its first bytes say it is a PDF, a JPEG or a PNG (the file name is not
trusted) and it is at most 10 MB. It is stored as ``<sha256>.<pdf|jpg|png>`` in the documents
folder (``PLANNER_DOCUMENTS_DIR``, default ``var/documents``), so the same scan is stored once and
a changed file can never pass for the original: the checksum is kept on the consent.

The file is written before the caller's transaction commits; if that transaction is rolled back
the file stays behind unreferenced, which is harmless (it is named by its own content).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from planner.locks.errors import DocumentRefused

ENV_DIR = "PLANNER_DOCUMENTS_DIR"
DEFAULT_DIR = Path("var") / "documents"
MAX_BYTES = 10 * 1024 * 1024
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)


@dataclass(frozen=True)
class StoredDocument:
    name: str  # file name inside the documents folder: "<sha256>.<ext>"
    sha256: str
    media_type: str
    size_bytes: int


def documents_dir(path: str | Path | None = None) -> Path:
    """The folder for scanned forms: ``path``, ``$PLANNER_DOCUMENTS_DIR`` or var/documents."""
    if path is not None:
        return Path(path)
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    return DEFAULT_DIR


def sniff(data: bytes) -> tuple[str, str] | None:
    """(extension, media type) when the bytes begin like a PDF, JPEG or PNG."""
    for magic, ext, media in _MAGIC:
        if data.startswith(magic):
            return ext, media
    return None


def check_document(data: bytes, *, filename: str) -> tuple[str, str]:
    """Refuse, with a Swedish message, a file that is empty, too large or not PDF/JPEG/PNG."""
    if not data:
        msg = f"Filen {filename!r} är tom. Skanna eller fotografera blanketten igen."
        raise DocumentRefused(msg)
    if len(data) > MAX_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f}".replace(".", ",")
        msg = (
            f"Filen {filename!r} är {size} MB; största tillåtna storlek är 10 MB. "
            "Skanna med lägre upplösning eller spara som PDF."
        )
        raise DocumentRefused(msg)
    kind = sniff(data)
    if kind is None:
        msg = (
            f"Filen {filename!r} är varken PDF, JPEG eller PNG (kontrollerat på innehållet, inte "
            "på filnamnet). Skanna eller fotografera blanketten och spara den i något av de "
            "formaten."
        )
        raise DocumentRefused(msg)
    return kind


def store_document(
    data: bytes, *, filename: str, directory: str | Path | None = None
) -> StoredDocument:
    """Check ``data`` and store it under its SHA-256 (atomically; once per content)."""
    ext, media = check_document(data, filename=filename)
    digest = hashlib.sha256(data).hexdigest()
    folder = documents_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{digest}.{ext}"
    target = folder / name
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return StoredDocument(name=name, sha256=digest, media_type=media, size_bytes=len(data))


def read_document(name: str, *, sha256: str, directory: str | Path | None = None) -> bytes:
    """The stored form, checked against its checksum (refused if it was changed on disk)."""
    path = documents_dir(directory) / name
    if not path.exists():
        msg = f"Den skannade blanketten {name} saknas i dokumentmappen {path.parent}."
        raise DocumentRefused(msg)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        msg = (
            f"Den skannade blanketten {name} har ändrats efter att den sparades "
            "(fel kontrollsumma)."
        )
        raise DocumentRefused(msg)
    return data
