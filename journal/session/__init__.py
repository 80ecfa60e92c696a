"""Session logs: the Markdown document, its sections, and every command that reads or changes one."""
