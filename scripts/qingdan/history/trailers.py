"""What a commit message says about review: pull-request number, title, approvers.

Gitea writes ``Reviewed-on: <url of the pull request>`` and one
``Reviewed-by: Name <email>`` per approval into the merge commit by default;
a GitHub repository can be set up to do the same (see content/audit.md). These
trailers make approvals verifiable offline, from git alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.+?)\s*$")
_PR_URL = re.compile(r"/(?:pulls|pull|merge_requests)/(\d+)(?:[/#?].*)?$")
_GITEA_MERGE = re.compile(r"^Merge pull request '(.+)' \(#(\d+)\) from \S+ into \S+")
_GITHUB_MERGE = re.compile(r"^Merge pull request #(\d+) from \S+")
_SQUASH = re.compile(r"^(.*\S)\s+\(#(\d+)\)$")
_IDENTITY = re.compile(r"^(.*?)\s*<([^<>]*)>$")


@dataclass(frozen=True)
class Person:
    """Someone named in git: a name and an email."""

    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> "Person":
        """``Name <email>`` (or a bare name) as a Person."""
        match = _IDENTITY.match(text.strip())
        if match:
            return cls(match.group(1).strip(), match.group(2).strip())
        return cls(text.strip(), "")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    def is_reviewer(self, reviewer: str) -> bool:
        """True when ``reviewer`` (an entry of department.yml ``reviewers``) names exactly this person.

        ``@handle`` is the forge user name, which the forge writes as the name
        of a ``Reviewed-by:`` line; an entry with an ``@`` inside is an e-mail
        address and must equal the e-mail. Never a part of an e-mail: the local
        part and a ``+tag`` are whatever the owner of the mailbox chose, so
        ``ops+reviewer@…`` is not @reviewer.
        """
        wanted = reviewer.strip()
        if wanted.startswith("@"):
            return bool(self.name) and self.name.lower() == wanted[1:].lower()
        if "@" in wanted:
            return bool(self.email) and self.email.lower() == wanted.lower()
        return bool(self.name) and self.name.lower() == wanted.lower()

    def same(self, other: "Person") -> bool:
        """True when two identities are one person (same email, or same name if no email)."""
        if self.email and other.email:
            return self.email.lower() == other.email.lower()
        return bool(self.name) and self.name.lower() == other.name.lower()


@dataclass
class Review:
    """The review record of a commit message."""

    title: str
    pr: int | None = None
    reviewed_on: str | None = None
    approvers: list[Person] = field(default_factory=list)
    co_authors: list[Person] = field(default_factory=list)


def trailers(message: str) -> list[tuple[str, str]]:
    """The git trailers of a message: ``Key: value`` lines of its last paragraph."""
    paragraphs = [p for p in re.split(r"\n\s*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return []
    lines = paragraphs[-1].splitlines()
    found = [_TRAILER.match(line) for line in lines]
    if not all(found):
        return []
    return [(m.group(1), m.group(2)) for m in found if m]


def review(message: str) -> Review:
    """Title, pull-request number, review URL, approvers and co-authors of a commit message."""
    lines = message.strip().splitlines()
    subject = lines[0].strip() if lines else ""
    result = Review(subject)
    for key, value in trailers(message):
        name = key.lower()
        if name == "reviewed-by":
            result.approvers.append(Person.parse(value))
        elif name == "reviewed-on":
            result.reviewed_on = value
        elif name == "co-authored-by":
            result.co_authors.append(Person.parse(value))
    url = _PR_URL.search(result.reviewed_on or "")
    if url:
        result.pr = int(url.group(1))
    gitea, github, squash = _GITEA_MERGE.match(subject), _GITHUB_MERGE.match(subject), _SQUASH.match(subject)
    if gitea:
        result.title, result.pr = gitea.group(1), result.pr or int(gitea.group(2))
    elif github:
        result.pr = result.pr or int(github.group(1))
        body = [line.strip() for line in lines[1:] if line.strip()]
        if body and not _TRAILER.match(body[0]):
            result.title = body[0]
    elif squash:
        result.title, result.pr = squash.group(1), result.pr or int(squash.group(2))
    return result
