"""Tool kinds: exact names per provider, then a name-based guess."""
from __future__ import annotations

_EXACT: dict[str, str] = {
    # Claude Code
    "Bash": "shell", "BashOutput": "shell", "KillShell": "shell", "KillBash": "shell",
    "Read": "file_read", "Write": "file_write", "Edit": "file_edit", "MultiEdit": "file_edit",
    "Glob": "search", "Grep": "search", "LS": "file_read", "Task": "sub_agent", "Agent": "sub_agent",
    "WebFetch": "web", "WebSearch": "web", "NotebookEdit": "notebook", "NotebookRead": "notebook",
    "TodoWrite": "other", "ExitPlanMode": "other",
    # Codex
    "shell": "shell", "exec_command": "shell", "local_shell_call": "shell", "write_stdin": "shell",
    "apply_patch": "file_edit", "web_search_call": "web", "web_search": "web",
    "update_plan": "other", "view_image": "file_read",
    # Gemini
    "run_shell_command": "shell", "read_file": "file_read", "read_many_files": "file_read",
    "list_directory": "file_read", "write_file": "file_write", "replace": "file_edit",
    "edit": "file_edit", "glob": "search", "search_file_content": "search", "grep": "search",
    "web_fetch": "web", "google_web_search": "web", "save_memory": "other",
    "write_todos": "other", "update_topic": "other",
    # Copilot
    "bash": "shell", "view": "file_read", "create": "file_write", "str_replace": "file_edit",
    "str_replace_editor": "file_edit", "task": "sub_agent", "report_intent": "other",
}


def tool_kind(name: str) -> str:
    """Classify a tool name as shell, file_read, …, or other."""
    kind = _EXACT.get(name)
    if kind is not None:
        return kind
    low = name.lower().rsplit("__", 1)[-1] if name.startswith("mcp__") else name.lower()
    if "notebook" in low:
        return "notebook"
    if any(w in low for w in ("bash", "shell", "exec_command", "terminal")) or low in ("exec", "run"):
        return "shell"
    if any(w in low for w in ("grep", "glob", "search", "find")):
        return "web" if "web" in low else "search"
    if "read" in low or low in ("view", "cat", "ls"):
        return "file_read"
    if "write" in low or low.startswith("create"):
        return "file_write"
    if "edit" in low or "patch" in low or "replace" in low:
        return "file_edit"
    if "agent" in low or low == "task":
        return "sub_agent"
    if "web" in low or "fetch" in low or "http" in low or "browser" in low:
        return "web"
    return "other"
