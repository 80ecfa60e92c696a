"""Everything that touches git, returning plain values.

git runs as a subprocess (plumbing where a porcelain command would touch the user's
index, working tree or stash): ``cat-file --batch`` reads objects, a temporary index
(``GIT_INDEX_FILE``) builds trees, ``commit-tree`` and ``update-ref`` with the old
value make commits and move branches without a window for a lost update.

Reading the branch and commit for a new session is on the hot path of
``journal create``, so it reads ``.git`` directly; so does the check that the merge
driver is configured, which every command makes. The history of files (for logs kept by
hand, read by ``list`` and ``board`` too) comes from the git binary for the same reason.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import subprocess

from journal.errors import GitError

DRIVER = "journal"  # merge=journal in .gitattributes
DRIVER_NAME = "journal: session logs and event logs merged by their meaning"
_INDEX_LOCK_WAIT_S = 15.0
EMPTY_TREE_SHA1 = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class PushRejected(GitError):
    """The remote moved between fetch and push (a race another clone won): retry."""


def git_dirs(repo_root: Path) -> tuple[Path, Path] | None:
    """(git dir, common dir) of the worktree at ``repo_root``; None outside git.

    A linked worktree has its own git dir (HEAD, index) and shares the common dir
    (objects, refs, config) with the main one.
    """
    dot = repo_root / ".git"
    git_dir: Path | None = None
    if dot.is_dir():
        git_dir = dot
    elif dot.is_file():  # a worktree or submodule: "gitdir: <path>"
        try:
            text = dot.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        if text.startswith("gitdir:"):
            target = Path(text[7:].strip())
            git_dir = target if target.is_absolute() else (repo_root / target).resolve()
    if git_dir is None:
        return None
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():
        try:
            common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
        except OSError:
            pass
    return git_dir, common


def head_info(repo_root: Path | None) -> tuple[str | None, str | None]:
    """(branch, commit) of the repository's HEAD; (None, None) outside git or before a commit."""
    if repo_root is None:
        return None, None
    found = git_dirs(repo_root)
    if found is None:
        return None, None
    git_dir, common = found
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None, None
    if not head.startswith("ref:"):
        return None, head or None
    ref = head[4:].strip()
    branch = ref.removeprefix("refs/heads/")
    for base in (git_dir, common):
        ref_file = base / ref
        if ref_file.is_file():
            return branch, ref_file.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return branch, parts[0]
    return branch, None


# -- running git ------------------------------------------------------------------------
def _reason(stderr: bytes | str) -> str:
    """The line of git's error output that says what went wrong (never a hint line)."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for prefix in ("fatal:", "error:"):
        for line in lines:
            if line.startswith(prefix):
                return line[len(prefix):].strip()
    plain = [line for line in lines if not line.startswith(("hint:", "warning:", "To ", "remote: "))]
    return (plain or lines or ["no message from git"])[0]


class Git:
    """git in one worktree: every call runs with the worktree root as its folder."""

    def __init__(self, root: Path) -> None:
        found = git_dirs(root)
        if found is None:
            raise GitError(f"{root} is not a git repository")
        self.root = root
        self.git_dir, self.common_dir = found
        env = {k: v for k, v in os.environ.items() if k not in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE")}
        env["GIT_TERMINAL_PROMPT"] = "0"  # an agent cannot answer a password prompt
        self.env = env
        self._empty: str | None = None
        self._diffs: dict[tuple[str, str], list[Change]] = {}

    def run(self, *args: str, input: bytes | None = None, index: Path | None = None,
            ok: Sequence[int] = (0,), env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run ``git args``; a return code outside ``ok`` raises GitError with git's reason."""
        import subprocess

        full = dict(self.env, **(env or {}))
        if index is not None:
            full["GIT_INDEX_FILE"] = str(index)
        try:
            proc = subprocess.run(["git", *args], cwd=self.root, input=input, capture_output=True, env=full)
        except FileNotFoundError as e:  # pragma: no cover - git missing
            raise GitError("git is not installed (or not on PATH)") from e
        if proc.returncode not in ok:
            raise GitError(f"git {args[0]} failed: {_reason(proc.stderr)}")
        return proc

    def text(self, *args: str, **kw: object) -> str:
        return self.run(*args, **kw).stdout.decode("utf-8", "replace").rstrip("\n")  # type: ignore[arg-type]

    def with_index_retry(self, *args: str, index: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run a command that locks the index, waiting while another git process holds it."""
        import subprocess

        deadline = time.monotonic() + _INDEX_LOCK_WAIT_S
        while True:
            full = dict(self.env)
            if index is not None:
                full["GIT_INDEX_FILE"] = str(index)
            proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, env=full)
            if proc.returncode == 0:
                return proc
            if b"index.lock" in proc.stderr and time.monotonic() < deadline:
                time.sleep(0.02 + 0.05 * _jitter())
                continue
            raise GitError(f"git {args[0]} failed: {_reason(proc.stderr)}")

    # -- objects ------------------------------------------------------------------------
    def rev(self, spec: str) -> str | None:
        """The commit ``spec`` names, or None."""
        proc = self.run("rev-parse", "-q", "--verify", f"{spec}^{{commit}}", ok=(0, 1, 128))
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def merge_base(self, a: str, b: str) -> str | None:
        proc = self.run("merge-base", a, b, ok=(0, 1))
        return proc.stdout.decode().strip() or None

    def empty_tree(self) -> str:
        """The empty tree's id (git knows it without storing it)."""
        if self._empty is None:
            try:
                config = (self.common_dir / "config").read_text(encoding="utf-8", errors="replace").lower()
            except OSError:
                config = ""
            if "objectformat" not in config:
                self._empty = EMPTY_TREE_SHA1
            else:
                self._empty = self.run("mktree", input=b"").stdout.decode().strip()
        return self._empty

    def mktree(self, entries: list[tuple[str, str, str]]) -> str:
        """A tree from (mode, oid, name) entries."""
        lines = []
        for mode, oid, name in entries:
            kind = "tree" if mode == "040000" else ("commit" if mode == "160000" else "blob")
            lines.append(f"{mode} {kind} {oid}\t{name}".encode("utf-8", "surrogateescape") + b"\0")
        return self.run("mktree", "-z", input=b"".join(lines)).stdout.decode().strip()

    def hash_blobs(self, contents: list[bytes]) -> list[str]:
        """Write blobs to the object store (one process for all); their ids, in order."""
        if not contents:
            return []
        folder = self.scratch_dir()
        paths = []
        try:
            for i, data in enumerate(contents):
                path = folder / f"blob.{os.getpid()}.{i}"
                path.write_bytes(data)
                paths.append(path)
            listing = "".join(f"{p}\n" for p in paths).encode("utf-8", "surrogateescape")
            # --no-filters: the bytes are stored as given, whatever the attributes say
            out = self.run("hash-object", "-w", "--no-filters", "--stdin-paths", input=listing).stdout.decode()
        finally:
            for p in paths:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
        return out.split()

    def diff_trees(self, a: str, b: str) -> list[Change]:
        """Blob changes from tree ``a`` to tree ``b`` (recursive, no rename detection)."""
        if a == b:
            return []
        if (a, b) in self._diffs:
            return self._diffs[(a, b)]
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--raw", a, b).stdout
        parts = out.split(b"\0")
        changes = []
        i = 0
        while i + 1 < len(parts):
            meta = parts[i].decode()
            if not meta.startswith(":"):
                i += 1
                continue
            old_mode, new_mode, old, new, status = meta[1:].split(" ")
            path = parts[i + 1].decode("utf-8", "surrogateescape")
            changes.append(Change(path, status[0], old_mode, new_mode, old, new))
            i += 2
        self._diffs[(a, b)] = changes
        return changes

    def commit_tree(self, tree: str, parents: list[str], message: str) -> str:
        args = [arg for parent in parents for arg in ("-p", parent)]
        proc = self.run("commit-tree", tree, *args, "-F", "-", input=message.encode("utf-8"), ok=(0, 128))
        if proc.returncode != 0:
            said = proc.stderr.decode("utf-8", "replace")
            if "tell me who you are" in said or "identity" in said or "empty ident" in said:
                raise GitError("git does not know who you are: set git config user.name and user.email, then try again")
            raise GitError(f"git commit-tree failed: {_reason(proc.stderr)}")
        return proc.stdout.decode().strip()

    def update_refs(self, updates: list[tuple[str, str | None, str | None]]) -> bool:
        """Move refs in one transaction: (ref, new, old) sets ``ref`` to ``new`` only if it
        still is ``old`` (old None: no check; new None: delete). False when a ref had moved."""
        lines = []
        for ref, new, old in updates:
            verb = f"delete {ref}" if new is None else f"update {ref} {new}"
            lines.append(verb + (f" {old}" if old else ""))
        proc = self.run("update-ref", "--stdin", input=("\n".join(lines) + "\n").encode(), ok=(0, 1, 128))
        if proc.returncode == 0:
            return True
        reason = _reason(proc.stderr)
        if "but expected" in reason or "is at" in reason or "cannot lock ref" in reason:
            return False
        raise GitError(f"git update-ref failed: {reason}")

    # -- remotes ------------------------------------------------------------------------
    def has_remote(self, name: str) -> bool:
        """Whether ``name`` is a configured remote (the config file read first: no process)."""
        try:
            text = (self.common_dir / "config").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        if f'[remote "{name}"]' in text:
            return True
        return name in self.text("remote").split()

    def fetch(self, remote: str, branch: str, into: str) -> str | None:
        """Fetch ``branch`` of ``remote`` into the private ref ``into``; its commit, or None
        when the remote has no such branch. Writes no FETCH_HEAD and no remote-tracking ref."""
        proc = self.run("-c", "gc.auto=0", "-c", "maintenance.auto=false", "fetch", "-q", "--no-tags",
                        "--no-write-fetch-head", "--no-recurse-submodules", "--refmap=", remote,
                        f"+refs/heads/{branch}:{into}", ok=(0, 1, 128))
        if proc.returncode == 0:
            try:
                oid = (self.common_dir / into).read_text(encoding="utf-8").strip()
            except OSError:
                oid = ""
            return oid if len(oid) in (40, 64) else self.rev(into)
        reason = _reason(proc.stderr)
        if "couldn't find remote ref" in reason:
            return None
        raise GitError(f"cannot fetch from {remote}: {reason}")

    def push(self, remote: str, commit: str, branch: str) -> None:
        """Push ``commit`` to ``remote``'s ``branch`` (a fast-forward); PushRejected when the
        remote moved meanwhile."""
        proc = self.run("push", "--porcelain", "-q", remote, f"{commit}:refs/heads/{branch}", ok=(0, 1, 128))
        if proc.returncode == 0:
            return
        out = proc.stdout.decode("utf-8", "replace") + "\n" + proc.stderr.decode("utf-8", "replace")
        lowered = out.lower()
        retryable = ("fetch first", "non-fast-forward", "failed to lock", "cannot lock ref", "stale info",
                     "failed to update ref", "incorrect old value")
        if any(word in lowered for word in retryable):
            raise PushRejected(f"{remote} moved while this sync ran")
        flagged = [line.split("\t")[-1] for line in out.splitlines() if line.startswith("!")]
        reason = flagged[0].strip() if flagged else _reason(proc.stderr)
        raise GitError(f"cannot push to {remote}: {reason}")

    # -- the index ----------------------------------------------------------------------
    def scratch_dir(self) -> Path:
        """Where a sync keeps its temporary indexes and files: inside the git dir, never
        in the working tree."""
        folder = self.common_dir / "journal-sync"
        folder.mkdir(exist_ok=True)
        return folder

    def update_index(self, index: Path, entries: list[tuple[str, str | None, str]]) -> None:
        """Set (mode, oid, path) entries in ``index``; an oid of None removes the path."""
        if not entries:
            return
        zero = "0" * 40
        lines = []
        for mode, oid, path in entries:
            rec = f"{mode} {oid}\t{path}" if oid is not None else f"0 {zero}\t{path}"
            lines.append(rec.encode("utf-8", "surrogateescape") + b"\0")
        self.run("update-index", "-z", "--index-info", input=b"".join(lines), index=index)

    def write_tree(self, index: Path, prefix: str = "") -> str:
        args = ["write-tree"] + ([f"--prefix={prefix}/"] if prefix else [])
        return self.text(*args, index=index)

    @contextlib.contextmanager
    def index_lock(self) -> Iterator[Path]:
        """Hold the worktree's ``index.lock`` as git itself does (create-exclusive, then
        rename over the index to commit). Yields the lock file's path, filled with a copy
        of the index; ``commit_index`` publishes it, leaving the block discards it."""
        index = self.git_dir / "index"
        lock = self.git_dir / "index.lock"
        deadline = time.monotonic() + _INDEX_LOCK_WAIT_S
        while True:
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                break
            except FileExistsError:
                if time.monotonic() > deadline:
                    raise GitError(f"another git process holds {lock} (waited {_INDEX_LOCK_WAIT_S:.0f}s); "
                                   "if none runs, remove that file") from None
                time.sleep(0.01 + 0.05 * _jitter())
        try:
            with os.fdopen(fd, "wb") as f:
                try:
                    with open(index, "rb") as src:
                        f.write(src.read())
                except FileNotFoundError:
                    pass
            yield lock
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock)

    def commit_index(self, lock: Path) -> None:
        os.replace(lock, self.git_dir / "index")

    def operation_in_progress(self) -> str | None:
        """The merge, rebase, cherry-pick or revert the worktree is in the middle of, if any."""
        for name, what in (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase"),
                           ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert")):
            if (self.git_dir / name).exists():
                return what
        return None


@dataclass(frozen=True)
class Change:
    """One blob changed between two trees: status A(dded), D(eleted), M(odified), T(ype)."""

    path: str
    status: str
    old_mode: str
    new_mode: str
    old: str
    new: str


def _jitter() -> float:
    import random

    return random.random()


class Batch:
    """One ``git cat-file --batch`` process: read many objects without a process each."""

    def __init__(self, git: Git) -> None:
        import subprocess

        self.proc: Any = subprocess.Popen(["git", "cat-file", "--batch"], cwd=git.root, env=git.env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.cache: dict[str, tuple[str, str, bytes]] = {}
        self.missing: set[str] = set()
        self.kept = 0  # bytes held in the cache

    def get(self, spec: str) -> tuple[str, str, bytes] | None:
        """(oid, type, content) of the object ``spec`` names (an id, or ``rev:path``); None if missing."""
        hit = self.cache.get(spec)
        if hit is not None:
            return hit
        if spec in self.missing or "\n" in spec:
            return None
        assert self.proc.stdin is not None
        self.proc.stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        self.proc.stdin.flush()
        return self._answer(spec)

    def prefetch(self, specs: list[str]) -> None:
        """Ask for many objects at once (a thread writes the questions while this one reads
        the answers): one round trip instead of one per object. Later gets are served from memory."""
        import threading

        wanted = list(dict.fromkeys(s for s in specs if s not in self.cache and s not in self.missing and "\n" not in s))
        if len(wanted) < 2:
            return
        assert self.proc.stdin is not None
        stdin = self.proc.stdin

        def ask() -> None:
            stdin.write(b"".join(s.encode("utf-8", "surrogateescape") + b"\n" for s in wanted))
            stdin.flush()

        writer = threading.Thread(target=ask, daemon=True)
        writer.start()
        for spec in wanted:
            self._answer(spec, keep=True)
        writer.join()

    def _answer(self, spec: str, keep: bool = False) -> tuple[str, str, bytes] | None:
        assert self.proc.stdout is not None
        header = self.proc.stdout.readline()
        if not header:
            raise GitError("git cat-file stopped unexpectedly")
        parts = header.split()
        if len(parts) != 3:  # "<spec> missing" or "ambiguous"
            self.missing.add(spec)
            return None
        oid, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # the newline after the content
        found = (oid, kind, data)
        if (keep or size < 16 << 20) and self.kept < 512 << 20:
            self.cache[spec] = found
            self.cache[oid] = found
            self.kept += size
        return found

    def blob(self, oid: str) -> bytes:
        found = self.get(oid)
        if found is None:
            raise GitError(f"git object {oid} is missing")
        return found[2]

    def tree(self, oid: str) -> list[tuple[str, str, str]]:
        """(mode, name, oid) entries of a tree object."""
        found = self.get(oid)
        if found is None or found[1] != "tree":
            raise GitError(f"git tree {oid} is missing")
        data = found[2]
        width = len(oid) // 2
        entries = []
        i = 0
        while i < len(data):
            sp = data.index(b" ", i)
            nul = data.index(b"\0", sp)
            mode = data[i:sp].decode()
            name = data[sp + 1: nul].decode("utf-8", "surrogateescape")
            entries.append((mode.zfill(6), name, data[nul + 1: nul + 1 + width].hex()))
            i = nul + 1 + width
        return entries

    def close(self) -> None:
        if self.proc.stdin:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def subtree(batch: Batch, commit_or_tree: str | None, prefix: str) -> str | None:
    """The tree at ``prefix`` (a folder path, "" for the root) of a commit or tree; None if absent."""
    if commit_or_tree is None:
        return None
    found = batch.get(f"{commit_or_tree}^{{tree}}" if not prefix else f"{commit_or_tree}:{prefix}")
    if found is None or found[1] != "tree":
        return None
    return found[0]


def replace_subtree(git: Git, batch: Batch, root_tree: str, prefix: str, new: str | None) -> str:
    """``root_tree`` with the folder at ``prefix`` replaced by tree ``new`` (None removes it)."""
    if not prefix:
        return new or git.empty_tree()
    head, _, rest = prefix.partition("/")
    entries = [(mode, oid, name) for mode, name, oid in batch.tree(root_tree)]
    current = next((oid for mode, oid, name in entries if name == head and mode == "040000"), None)
    if rest:
        inner = replace_subtree(git, batch, current or git.empty_tree(), rest, new)
        replacement: str | None = inner
    else:
        replacement = new
    entries = [e for e in entries if e[2] != head]
    if replacement is not None and replacement != git.empty_tree():
        entries.append(("040000", replacement, head))
    return git.mktree(entries)


# -- the merge driver's configuration ----------------------------------------------------
def driver_command(python: str | None = None) -> str:
    """The command git runs to merge a journal file: this interpreter, this package."""
    import shlex

    return f"{shlex.quote(python or sys.executable)} -m journal merge-driver %O %A %B %P"


def _configured_driver(config_text: str) -> str | None:
    """The merge.journal.driver value in a config file's text (a light reading: enough to
    tell whether it is there and which interpreter it names)."""
    section = False
    for raw in config_text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line.replace(" ", "").replace("'", '"').lower() == f'[merge"{DRIVER}"]'
            continue
        if section and line.lower().startswith("driver"):
            key, _, value = line.partition("=")
            if key.strip().lower() == "driver":
                return value.strip().strip('"').replace('\\"', '"')
    return None


def merge_driver_missing(repo_root: Path | None) -> bool:
    """Whether the repository's config lacks the journal merge driver, or names an
    interpreter that no longer exists. Reads one file: cheap enough for every command."""
    if repo_root is None:
        return False
    found = git_dirs(repo_root)
    if found is None:
        return False
    try:
        text = (found[1] / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    value = _configured_driver(text)
    if value is None:
        return True
    import shlex

    try:
        interpreter = shlex.split(value)[0]
    except (ValueError, IndexError):
        return True
    return not os.path.exists(interpreter)


def install_merge_driver(repo_root: Path, python: str | None = None) -> bool:
    """Write the journal merge driver into the repository's own git config (shared by its
    worktrees), so that a plain ``git pull`` merges journal files by meaning too. Returns
    whether it wrote; failures (another process writing the config) are left for the next
    command to retry."""
    try:
        git = Git(repo_root)
        git.run("config", "--local", f"merge.{DRIVER}.name", DRIVER_NAME)
        git.run("config", "--local", f"merge.{DRIVER}.driver", driver_command(python))
    except GitError:
        return False
    return True


def ensure_merge_driver(repo_root: Path | None) -> None:
    """Install the merge driver when the repository's config lacks it (best effort)."""
    if repo_root is not None and merge_driver_missing(repo_root):
        install_merge_driver(repo_root)


# -- moves, for archive and restore ------------------------------------------------------
def is_tracked(repo_root: Path, path: Path) -> bool:
    """Whether git tracks ``path`` (so a move should be a ``git mv``)."""
    git = Git(repo_root)
    return git.run("ls-files", "--error-unmatch", "--", str(path), ok=(0, 1)).returncode == 0


def move(repo_root: Path, src: Path, dst: Path) -> bool:
    """``git mv`` src to dst when src is tracked; returns whether git did the move."""
    if not is_tracked(repo_root, src):
        return False
    try:
        Git(repo_root).with_index_retry("mv", "--", str(src), str(dst))
    except GitError as e:
        raise GitError(f"git mv {src} {dst} failed: {str(e).split(': ', 1)[-1]}") from e
    return True


def stage(repo_root: Path, path: Path) -> None:
    """``git add`` one path (after a move, so the index holds the moved file as written)."""
    try:
        Git(repo_root).with_index_retry("add", "--", str(path))
    except GitError as e:
        raise GitError(f"git add {path} failed: {str(e).split(': ', 1)[-1]}") from e


# -- history of files, read in one pass -------------------------------------------------
# These run on read paths (board, list) as well as in `journal adopt`, so they call the git
# binary directly: importing GitPython alone costs about half a second.
class PathHistory(NamedTuple):
    """The commits that touched one file, following renames: the oldest and the newest."""

    first_commit: str
    first_author: str
    first_date: str  # the author date, ISO 8601 with its offset
    last_commit: str
    last_author: str
    last_date: str
    commits: int


_HEADER = re.compile(r"^[0-9a-f]{40,64}\x1f")
_STATUS = re.compile(r"^[ACDMRTUXB][0-9]*$")


def _git(repo_root: Path, *args: str) -> bytes:
    return Git(repo_root).run(*args, env={"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}).stdout


def _pathspec(repo_root: Path, under: Path) -> str:
    try:
        rel = under.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError as e:
        raise GitError(f"{under} is not inside the git repository at {repo_root}") from e
    return f":(literal){rel}" if rel != "." else "."


def has_commits(repo_root: Path) -> bool:
    """Whether HEAD names a commit (a new repository has none yet)."""
    return head_info(repo_root)[1] is not None


def path_histories(repo_root: Path, under: Path) -> dict[str, PathHistory]:
    """For every file under ``under`` that HEAD holds: the oldest and newest commit touching it.

    One ``git log`` over the folder, newest first, with rename detection, so a file moved
    within the folder (ACTIVE/ to ARCHIVE/) keeps the history it had before the move. Keys
    are paths relative to the repository root, with ``/``.
    """
    if not has_commits(repo_root):
        return {}
    out = _git(repo_root, "-c", "log.showSignature=false", "-c", "core.quotepath=off", "log", "-z", "-M",
               "--name-status", "--no-color", "--format=%H%x1f%an%x1f%aI", "--", _pathspec(repo_root, under))
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    owner: dict[str, str | None] = {}  # path at this point of the walk → the file it is now
    found: dict[str, list[str]] = {}  # file → [first sha, author, date, last sha, author, date, count]
    i = 0
    commit: list[str] = []
    entries: list[tuple[str, list[str]]] = []

    def close() -> None:
        if not commit:
            return
        after: list[tuple[str, list[str], str | None]] = []
        for status, paths in entries:
            now = paths[-1]  # the path this entry names after the commit
            target = owner[now] if now in owner else (None if status == "D" else now)
            owner.setdefault(now, target)
            if target is not None:
                seen = found.get(target)
                if seen is None:
                    found[target] = [*commit, *commit, "1"]
                else:
                    seen[0:3] = commit
                    seen[6] = str(int(seen[6]) + 1)
            after.append((status, paths, target))
        for status, paths, _target in after:  # before this commit: what each path held then
            if status[0] in "ADRC":
                owner[paths[-1]] = None
        for status, paths, target in after:
            if status[0] == "R":
                owner[paths[0]] = target

    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        i += 1
        if not token:
            continue
        if _HEADER.match(token):
            close()
            commit = token.split("\x1f", 2)
            entries = []
        elif _STATUS.match(token):
            count = 2 if token[0] in "RC" else 1
            entries.append((token, tokens[i : i + count]))
            i += count
    close()
    return {path: PathHistory(v[0], v[1], v[2], v[3], v[4], v[5], int(v[6])) for path, v in found.items()}


def changed_paths(repo_root: Path, under: Path) -> set[str]:
    """Files under ``under`` whose working copy differs from HEAD, or that git does not track.

    Paths are relative to the repository root, with ``/``; ``git status`` runs without
    optional locks, so it never rewrites the index.
    """
    out = _git(repo_root, "-c", "core.quotepath=off", "status", "--porcelain=v1", "-z", "--untracked-files=all",
               "--", _pathspec(repo_root, under))
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    changed: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if len(token) < 4:
            continue
        changed.add(token[3:])
        if token[0] in "RC":
            i += 1  # the path it was renamed or copied from
    return changed
