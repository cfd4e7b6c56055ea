"""Contact files: CSV export and all-or-nothing import (with a dry run), and vCard 4.0 export (RFC 6350)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.contacts import Contact, ContactSource
from assistant.render.csv_cells import safe_cell, unsafe_cell
from assistant.services.contacts import book, dedupe
from assistant.services.contacts.fields import EDITABLE, clean

CSV_COLUMNS = (*EDITABLE, "source", "added_by", "created_at", "id")
# Columns an import reads; the others (id, source, added_by, created_at) are written by the app.
IMPORT_COLUMNS = EDITABLE
REQUIRED_COLUMNS = ("name",)
_READ_ONLY = frozenset(CSV_COLUMNS) - frozenset(IMPORT_COLUMNS)


_cell = safe_cell
_uncell = unsafe_cell


def export_csv(contacts: Iterable[Contact]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for c in contacts:
        row = {
            **{name: str(getattr(c, name) or "") for name in CSV_COLUMNS if name not in ("tags", "created_at", "id")},
            "tags": ";".join(c.tags),
            "created_at": c.created_at.isoformat(),
            "id": str(c.id or ""),
        }
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS])
    return out.getvalue()


@dataclass
class ImportReport:
    """What an import did or would do. Rows are numbered as a spreadsheet shows them (the header is row 1)."""

    rows: int = 0
    added: list[int] = field(default_factory=list)  # contact ids (empty on a dry run)
    would_add: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not (self.rejected or self.missing_columns or self.unknown_columns)

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.missing_columns:
            out.append(f"missing column(s): {', '.join(self.missing_columns)} (the header row must name them)")
        if self.unknown_columns:
            out.append(f"unknown column(s): {', '.join(self.unknown_columns)} (known: {', '.join(IMPORT_COLUMNS)})")
        out.extend(f"row {row}: {reason}" for row, reason in self.rejected)
        out.extend(f"row {row}: skipped, {reason}" for row, reason in self.duplicates)
        return out


def import_csv(session: Session, viewer: book.Viewer, text: str, *, dry_run: bool) -> ImportReport:
    """Check every row; add them all only when none is rejected (nothing half-imported). Flushes, never commits."""
    report = ImportReport(dry_run=dry_run)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    report.missing_columns = [c for c in REQUIRED_COLUMNS if c not in header]
    report.unknown_columns = [h for h in header if h not in CSV_COLUMNS]
    if not report.ok:
        return report
    reader.fieldnames = header
    seen: dict[tuple[str, str], int] = {}
    existing = {key: c for c in book.list_visible(session, viewer) for key in dedupe.identifiers(c)}
    accepted: list[dict[str, object]] = []
    for number, row in enumerate(reader, start=2):
        report.rows += 1
        if None in row:
            extra: Any = row[None]
            report.rejected.append((number, f"{len(extra)} more cell(s) than the header has columns"))
            continue
        data: dict[str, object] = {str(k): _uncell(v or "") for k, v in row.items() if k in IMPORT_COLUMNS}
        if not any(str(v).strip() for v in data.values()):
            report.rows -= 1  # a blank line is not a row
            continue
        values, problems = clean(data)
        if problems:
            report.rejected.append((number, problems.summary()))
            continue
        probe = Contact(workspace_id=viewer.workspace_id, added_by=viewer.user_id, **values)  # type: ignore[arg-type]
        keys = dedupe.identifiers(probe)
        twin = next((existing[k] for k in sorted(keys) if k in existing), None)
        if twin is not None:
            report.duplicates.append((number, f"already in the book as contact #{twin.id} ({twin.name})"))
            continue
        earlier = next((seen[k] for k in sorted(keys) if k in seen), None)
        if earlier is not None:
            report.rejected.append((number, f"same email or handle as row {earlier}"))
            continue
        seen.update({k: number for k in keys})
        accepted.append(data)
    report.would_add = len(accepted)
    if dry_run or not report.ok:
        return report
    for data in accepted:
        contact = book.add_contact(session, viewer, data, source=ContactSource.import_)
        report.added.append(require_id(contact))
    return report


# vCard 4.0 ----------------------------------------------------------------------------------------

_SOCIAL = (
    ("x_handle", "x", "https://x.com/{}"),
    ("bluesky_handle", "bluesky", "https://bsky.app/profile/{}"),
)


def _escape(value: str) -> str:
    """RFC 6350 §3.4: backslash, comma, semicolon and newline in a text value."""
    return (
        value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\r\n", "\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 6350 §3.2: lines longer than 75 octets continue on the next line after CRLF and a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with a space
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _mastodon_url(handle: str) -> str:
    user, _, instance = handle.partition("@")
    return f"https://{instance}/@{user}"


def vcard(contact: Contact, *, uid_namespace: str = "outreach-assistant") -> str:
    """One contact as a vCard 4.0 (UTF-8, CRLF line ends, folded at 75 octets)."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{_escape(contact.name)}"]
    family, _, given = contact.name.rpartition(" ")
    lines.append(f"N:{_escape(family if given else '')};{_escape(given or contact.name)};;;")
    if contact.organisation:
        lines.append(f"ORG:{_escape(contact.organisation)}")
    if contact.role:
        lines.append(f"TITLE:{_escape(contact.role)}")
    emails = [contact.email, *(contact.alternates or {}).get("email", [])]
    for index, email in enumerate(e for e in emails if e):
        lines.append(f"EMAIL;TYPE=work{';PREF=1' if index == 0 else ''}:{_escape(email)}")
    if contact.phone:
        lines.append(f"TEL;VALUE=uri;TYPE=work:tel:{contact.phone}")
    if contact.linkedin_url:
        lines.append(f"URL;TYPE=linkedin:{contact.linkedin_url}")
    for name, kind, template in _SOCIAL:
        value = getattr(contact, name)
        if value:
            lines.append(f"X-SOCIALPROFILE;TYPE={kind};X-USER={value}:{template.format(value)}")
    if contact.mastodon_handle:
        lines.append(
            f"X-SOCIALPROFILE;TYPE=mastodon;X-USER={contact.mastodon_handle}:{_mastodon_url(contact.mastodon_handle)}"
        )
    if contact.tags:
        lines.append("CATEGORIES:" + ",".join(_escape(tag) for tag in contact.tags))
    if contact.notes:
        lines.append(f"NOTE:{_escape(contact.notes)}")
    lines.append(f"UID:urn:x-{uid_namespace}:contact:{contact.workspace_id}:{contact.id}")
    lines.append(f"REV:{contact.updated_at.strftime('%Y%m%dT%H%M%SZ')}")
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def export_vcards(contacts: Sequence[Contact]) -> str:
    return "".join(vcard(contact) for contact in contacts)
