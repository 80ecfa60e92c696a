"""The command line: a thin layer of Typer commands over the library (``main`` is the entry point).

``journal hook <cli>`` runs on every tool call of an agent, so it is answered here, before
typer (or anything else heavy) is imported: see ``journal.cli.hook``.
"""
from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    Ctrl+C at any point, the start-up imports included, is one line on stderr and exit 130,
    never a traceback.
    """
    import sys

    try:
        _hold_sigint_while_importing()
        args = sys.argv[1:] if argv is None else argv
        if "hook" in args:
            from journal.cli.hook import run as hook, wants_fast_path

            if wants_fast_path(args):
                return hook(args)
        from journal.cli.main import main as run

        return run(argv)
    except KeyboardInterrupt:
        return interrupted()


def _hold_sigint_while_importing() -> None:
    """Block SIGINT while a module is imported; a Ctrl+C meanwhile arrives once it is in.

    Python runs a signal's handler wherever the main thread is, and during an import that
    can be a place that cannot take the KeyboardInterrupt: an extension module's own
    initialisation (orjson's crashed with a segmentation fault, about 1 in 60 Ctrl+Cs at a
    random instant of a start-up on Python 3.10), or one of the import system's weakref
    callbacks (the interrupt was then printed as "Exception ignored" and lost, and the
    command ran on). Held until the outermost import returns, it is raised there instead,
    in this program's own code, and ends as every Ctrl+C does: one line, exit 130. Only an
    import of a module not yet loaded pays (two system calls).
    """
    import _thread
    import signal
    import sys

    bootstrap = sys.modules.get("importlib._bootstrap") or sys.modules.get("_frozen_importlib")
    sigmask = getattr(signal, "pthread_sigmask", None)
    find_and_load = getattr(bootstrap, "_find_and_load", None)
    if sigmask is None or find_and_load is None or getattr(find_and_load, "holds_sigint", False):
        return
    sigint = {signal.SIGINT}
    depth = [0]
    here = _thread.get_ident()  # the main thread: the one Python runs signal handlers in

    def _find_and_load(name: str, import_: object) -> object:
        if depth[0] or _thread.get_ident() != here:
            return find_and_load(name, import_)
        before = sigmask(signal.SIG_BLOCK, sigint)
        depth[0] = 1
        try:
            return find_and_load(name, import_)
        finally:
            depth[0] = 0
            if signal.SIGINT not in before:
                sigmask(signal.SIG_UNBLOCK, sigint)  # a Ctrl+C held meanwhile is raised here

    _find_and_load.holds_sigint = True  # type: ignore[attr-defined]
    bootstrap._find_and_load = _find_and_load  # type: ignore[union-attr]


def interrupted() -> int:
    """Say so once and give the exit code of an interrupted command (a second Ctrl+C is ignored)."""
    import signal
    import sys

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        pass
    try:
        sys.stderr.write("journal: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return 130
