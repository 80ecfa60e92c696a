"""Commands for AI agents: ``hook`` (live capture, and installing it), ``mcp`` (the MCP
server) and ``agents-md`` (the instruction block)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from journal.cli.common import out, print_json
from journal.cli.options import JsonOpt

hook_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

HOOK_HELP = ("Journal an agent CLI's session from its hooks (Claude Code, Codex, Gemini CLI, Copilot CLI), "
             "and install those hooks.")


def _hook_command(cli: str, name: str) -> None:
    def command(
        payload: Optional[str] = typer.Argument(None, metavar="[PAYLOAD]",
                                                help="The payload as an argument (Codex's notify program); default: stdin."),
    ) -> None:
        from journal.cli import common as options
        from journal.cli.hook import run

        args = (["--root", options._STATE["root"]] if options._STATE.get("root") else []) + ["hook", cli]
        run(args + ([payload] if payload else []))

    command.__doc__ = (f"Answer one {name} hook: read its payload on stdin, journal it, and print what "
                       f"{name} reads as 'continue' (always exit 0).\n\n"
                       f"Installed by 'journal hook install {cli}'; runs on every tool call.")
    hook_app.command(cli)(command)


for _cli, _name in (("claude-code", "Claude Code"), ("codex", "Codex CLI"), ("gemini", "Gemini CLI"),
                    ("copilot", "Copilot CLI")):
    _hook_command(_cli, _name)


def _project_dir() -> Path:
    from journal.rootfind import git_root

    cwd = os.getcwd()
    return Path(git_root(cwd) or cwd)


@hook_app.command("install")
def install(
    cli: str = typer.Argument(..., metavar="CLI", help="claude-code, codex, gemini or copilot."),
    project: bool = typer.Option(False, "--project", help="The repository's settings file (the default)."),
    user: bool = typer.Option(False, "--user", help="Your user settings file (every project)."),
    uninstall: bool = typer.Option(False, "--uninstall", help="Remove journal's hook entries (only those)."),
    command: Optional[str] = typer.Option(None, "--command", help="What the hooks run (default: 'journal hook CLI')."),
    as_json: bool = JsonOpt,
) -> None:
    """Merge journal's hooks into an agent CLI's settings file; a second run changes nothing.

    Example: journal hook install claude-code
    """
    from journal.agentsetup import install_hooks
    from journal.errors import InvalidInput
    from journal.hooks import CLIS

    if cli not in CLIS:
        raise InvalidInput(f"unknown agent CLI {cli!r}: use one of {', '.join(CLIS)}")
    if project and user:
        raise InvalidInput("give either --project or --user, not both")
    scope = "user" if user else "project"
    result = install_hooks(cli, scope, _project_dir(), Path.home(), dict(os.environ), command, uninstall)
    if as_json:
        print_json(result)
        return
    verb = "removed journal's hooks from" if uninstall else "installed journal's hooks in"
    out(f"{verb} {result['path']}" if result["changed"] else f"{result['path']}: already up to date, nothing changed")
    if cli == "codex" and result["changed"] and not uninstall:
        out("Codex runs new hooks once you have reviewed and trusted them: open /hooks in Codex.")


def mcp(root: Optional[str] = typer.Option(None, "--root", help="Workspace root (default: as for every command).")) -> None:
    """Serve the journal to AI agents over the Model Context Protocol (stdio).

    Needs journal's 'mcp' extra (the MCP SDK 2.x). Example: claude mcp add journal -- journal mcp
    """
    from journal.cli import common as options
    from journal.cli.mcp_server import serve

    serve(root or options._STATE.get("root"))


def agents_md() -> None:
    """Print the instruction block that 'journal init --agent-instructions' writes for agents.

    Example: journal agents-md >> AGENTS.md
    """
    from journal.agentsetup import instruction_block

    typer.echo(instruction_block(), nl=False)


def register(app: typer.Typer) -> None:
    app.add_typer(hook_app, name="hook", help=HOOK_HELP)
    app.command()(mcp)
    app.command("agents-md")(agents_md)
