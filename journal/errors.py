"""One exception hierarchy. Every message is a sentence ready to print."""
from __future__ import annotations


class JournalError(Exception):
    """Root of every error the journal reports to a user."""

    exit_code = 2


class InvalidInput(JournalError):
    """Input from a user or agent that cannot be accepted (bad id, text, option)."""


class NotFound(JournalError):
    """A session, section, entry or file that does not exist."""


class AlreadyExists(JournalError):
    """Something that must be new already exists (a session id, a file)."""


class MalformedFile(JournalError):
    """A file on disk that cannot be parsed (frontmatter, JSON, encoding)."""


class UnsafePath(JournalError):
    """A path journal will not write: a symbolic link, a non-regular file, or a place outside
    the workspace root that is not on the allow-list."""


class TemplateError(JournalError):
    """The session template failed to render."""


class LockTimeout(JournalError):
    """Another process held a lock for too long."""


class GitError(JournalError):
    """A git operation failed."""


class CheckFailed(JournalError):
    """``journal check`` found problems; exit code 1."""

    exit_code = 1


class NotAdopted(MalformedFile):
    """A session log kept by hand, without journal's frontmatter yet (``journal adopt`` writes it)."""
