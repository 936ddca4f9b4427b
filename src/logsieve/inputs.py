"""Reading log input (CLI, batch engines): plain text, CSV (source,log_message) or JSONL, streamed.

Every record keeps its 1-based line number so a message can name it; a record that cannot be
read still comes out (with ``error`` set), so no line is silently lost.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from .errors import InputError

FORMATS = ("auto", "text", "csv", "jsonl")
#: The first two bytes of a gzip stream: such input is decompressed, whatever its name.
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(slots=True)
class Record:
    line: int
    text: str
    source: str | None = None
    error: str | None = None  # why this record could not be read cleanly (it is still output)


#: Names that say "a log file": each line is a log line, whatever it looks like (a JSON line
#: in app.log is a structured log line to classify, not a record with a log_message field).
TEXT_SUFFIXES = (".log", ".txt", ".out", ".err")


def detect_format(name: str | None, first_line: bytes, text_col: str = "log_message") -> str:
    """``csv``, ``jsonl`` or ``text``: by the file's extension, else by its first line. A
    first line that is a JSON object is JSONL input only when it has the text field;
    otherwise it is the first line of a structured (JSON) log, read as text."""
    lower = (name or "").lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(TEXT_SUFFIXES):
        return "text"
    head = first_line.lstrip()
    if head.startswith(b"{") and f'"{text_col}"'.encode() in head:
        return "jsonl"
    if text_col.encode() in head and b"," in head:
        return "csv"
    return "text"


def _decode(raw: bytes, lineno: int) -> tuple[str, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return (
            raw.decode("utf-8", errors="replace"),
            f"not valid UTF-8 at byte {exc.start}; undecodable bytes replaced",
        )


def read_records(
    stream: BinaryIO,
    fmt: str = "auto",
    name: str | None = None,
    text_col: str = "log_message",
    source_col: str = "source",
) -> Iterator[Record]:
    """Yield records from a binary stream. Raises InputError only when nothing can be read."""
    # Peeking needs a buffered reader; sys.stdin.buffer and open(..., "rb") already are.
    buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream)
    if buffered.peek(2)[:2] == GZIP_MAGIC:  # a .gz file or gzip bytes piped in: its lines
        unpacked = io.BufferedReader(gzip.GzipFile(fileobj=buffered, mode="rb"))
        name = name[:-3] if name is not None and name.lower().endswith(".gz") else name
        try:
            yield from _read_format(unpacked, fmt, name, text_col, source_col)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            # the lines before the damage were answered; say where it stopped
            raise InputError(
                f"the gzip data is damaged or cut short ({exc}); the lines before it were read"
            ) from exc
        return
    yield from _read_format(buffered, fmt, name, text_col, source_col)


def _read_format(
    buffered: Any, fmt: str, name: str | None, text_col: str, source_col: str
) -> Iterator[Record]:
    first = buffered.peek(4096)[:4096].split(b"\n", 1)[0]
    if fmt == "auto":
        fmt = detect_format(name, first, text_col)
    if fmt == "text":
        yield from _read_text(buffered)
    elif fmt == "jsonl":
        yield from _read_jsonl(buffered, text_col, source_col)
    elif fmt == "csv":
        yield from _read_csv(buffered, text_col, source_col)
    else:
        raise InputError(f"unknown input format {fmt!r} (one of {', '.join(FORMATS)})")


def _read_text(stream: BinaryIO) -> Iterator[Record]:
    for n, raw in enumerate(stream, 1):
        text, err = _decode(raw.rstrip(b"\r\n"), n)
        if not text.strip():
            continue  # blank lines are not log lines
        yield Record(n, text, None, err)


def _read_jsonl(stream: BinaryIO, text_col: str, source_col: str) -> Iterator[Record]:
    for n, raw in enumerate(stream, 1):
        text, err = _decode(raw.rstrip(b"\r\n"), n)
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(n, text, None, f"not valid JSON ({exc.msg}); classified as plain text")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get(text_col), str):
            yield Record(
                n, text, None, f"no string field {text_col!r}; classified the whole line as text"
            )
            continue
        src = obj.get(source_col)
        yield Record(n, obj[text_col], src if isinstance(src, str) else None, err)


def _read_csv(stream: BinaryIO, text_col: str, source_col: str) -> Iterator[Record]:
    # Decode line by line ourselves so one bad byte costs one row, not the file. The physical
    # lines of the row being parsed are kept (``raw``) so a row the CSV reader refuses is
    # still answered, as its raw lines; a row is at most the reader's field limit long.
    raw: list[tuple[int, str]] = []

    def lines() -> Iterator[str]:
        for n, chunk in enumerate(stream, 1):
            text, _ = _decode(chunk, n)
            raw.append((n, text.rstrip("\r\n")))
            yield text

    # strict: a stray quote is an error, not a field silently merged with the next rows
    reader = csv.reader(lines(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"the CSV header cannot be read ({exc})", line=1) from exc
    cols = [h.strip() for h in header]
    if text_col not in cols:
        raise InputError(
            f"CSV header has no {text_col!r} column (columns: {', '.join(cols)})", line=1
        )
    ti = cols.index(text_col)
    si = cols.index(source_col) if source_col in cols else None
    while True:
        raw.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield from _unreadable_csv_row(raw, csv_error_reason(exc))
            continue
        n = raw[0][0] if raw else reader.line_num  # the line the row starts on
        if not row:
            continue
        if ti >= len(row):
            yield Record(n, ",".join(row), None, f"row has {len(row)} fields, no {text_col!r}")
            continue
        src = row[si] if si is not None and si < len(row) else None
        yield Record(n, row[ti], src or None)


def csv_error_reason(exc: csv.Error) -> str:
    """The csv module's complaint about a row, in words a user can act on."""
    if str(exc) == "unexpected end of data":  # the file ended inside a quoted field
        return "a quote opened in this row is never closed"
    return str(exc)


def _unreadable_csv_row(raw: list[tuple[int, str]], why: str) -> Iterator[Record]:
    """A row the CSV reader refused, as its raw lines (none lost), the first naming why."""
    lines = [(n, text) for n, text in raw if text.strip()]
    if not lines:
        return
    first, last = lines[0][0], raw[-1][0]
    span = f"; lines {first}-{last} read as plain text" if last > first else ""
    for i, (n, text) in enumerate(lines):
        yield Record(
            n,
            text,
            None,
            f"not a valid CSV row ({why}){span}; classified as plain text" if i == 0 else None,
        )


class FollowedFile(io.RawIOBase):
    """A file read like ``tail -F``: from the start, then whatever is appended, forever; when
    the file is rotated (renamed away and created anew, or truncated) the new file is read from
    its start, after what was left of the old one. ``read`` never answers end-of-file, it
    waits (polling every ``poll_s``); a missing file is waited for. Wrap it in
    ``io.BufferedReader`` and hand it to ``read_records``: a line is yielded once its newline
    has been written."""

    def __init__(self, path: str | os.PathLike[str], poll_s: float = 0.2) -> None:
        super().__init__()
        self.path = os.fspath(path)
        self.poll_s = poll_s
        self._file: io.FileIO | None = None
        self._inode: tuple[int, int] | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._file is None:
                self._open()
            if self._file is not None:
                n = self._file.readinto(buffer)
                if n:
                    return n
                if self._rotated():
                    self._file.close()
                    self._file = None
                    continue
            time.sleep(self.poll_s)

    def _open(self) -> None:
        try:
            f = io.FileIO(self.path, "rb")  # kept open across reads, closed on rotation
        except FileNotFoundError:
            return
        st = os.fstat(f.fileno())
        self._file, self._inode = f, (st.st_dev, st.st_ino)

    def _rotated(self) -> bool:
        """The name now points at another file, or this one was truncated below our offset."""
        assert self._file is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False  # renamed away, the new one not there yet: keep the old one
        if (st.st_dev, st.st_ino) != self._inode:
            return True
        return st.st_size < self._file.tell()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def open_records(
    name: str,
    fmt: str = "auto",
    text_col: str = "log_message",
    source_col: str = "source",
    *,
    follow: bool = False,
) -> Iterator[Record]:
    """Records of a file by name (``-``: standard input; ``follow``: like ``tail -F``)."""
    if follow:
        with io.BufferedReader(FollowedFile(name)) as stream:
            yield from read_records(stream, fmt, name, text_col, source_col)
        return
    if name == "-":
        yield from read_records(sys.stdin.buffer, fmt, None, text_col, source_col)
        return
    with open(name, "rb") as f:
        yield from read_records(f, fmt, name, text_col, source_col)
