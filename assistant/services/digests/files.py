"""A made digest as a downloadable file (CSV of its posts, JSON of its figures), for its own workspace only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from assistant.models.codecs import DigestFormat
from assistant.models.digests import Digest
from assistant.render.digest_files import to_csv, to_json
from assistant.services.digests import make as digest_make


@dataclass(frozen=True)
class DigestFile:
    """What a download sends: the bytes, a file name and a title."""

    content: bytes
    filename: str
    title: str


def file_content(session: Session, digest: Digest, fmt: DigestFormat) -> bytes:
    """The digest as CSV (its posts remade from the store, with the question each answers) or JSON (its figures)."""
    if fmt == "json":
        return to_json(digest.figures)
    result = digest_make.remake(session, digest)
    question_of = {p.id: q.number for q in result.assignment.questions for p in q.answers}
    return to_csv(result.posts, hashtag=digest.hashtag, timezone=digest.timezone, question_of=question_of).encode()


def digest_file(session: Session, *, digest_id: int, workspace_id: int, fmt: DigestFormat) -> DigestFile | None:
    """The file of a digest this workspace made; None for an unknown digest or another workspace's (or the CLI's)."""
    digest = session.get(Digest, digest_id)
    if digest is None or digest.workspace_id != workspace_id:
        return None
    return DigestFile(
        content=file_content(session, digest, fmt),
        filename=f"{digest.hashtag}-digest.{fmt}",
        title=f"#{digest.hashtag} digest ({fmt.upper()})",
    )
