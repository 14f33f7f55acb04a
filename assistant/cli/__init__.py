"""The `scoring-assistant` command line (typer). See `assistant.cli.main`."""
