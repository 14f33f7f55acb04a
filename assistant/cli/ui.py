"""`scoring-assistant ui`: the studio (a local Gradio app, see ``ui/``)."""

from __future__ import annotations

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, setup


def register(app: typer.Typer) -> None:
    app.command("ui")(ui)


def ui(
    project: str = typer.Option(None, "--project", help="Open this project folder in every "
                                "session (shared); default: each session works on its own copy."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Anything but "
                             "localhost needs --auth (or SCORING_ASSISTANT_AUTH)."),
    port: int = typer.Option(7860, "--port", min=1, max=65535, help="Port to listen on."),
    auth: str = typer.Option(None, "--auth", help="USER:PASS required to log in (default: the "
                             "SCORING_ASSISTANT_AUTH environment variable)."),
    root: str = typer.Option("out/studio", "--root", help="Folder for session working copies "
                             "and renders."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Start the studio in the browser: read, brief, draft, revise, A/B and export."""
    setup(quiet)
    import os
    import sys

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import launch

    if not json_out:
        launch(project=project, host=host, port=port, auth=auth, root=root, quiet=quiet)
        return
    # --json: one line saying where the studio listens, then serve until stopped
    _server, local_url, _share = launch(project=project, host=host, port=port, auth=auth,
                                        root=root, quiet=True, prevent_thread_lock=True)
    emit_json({"url": local_url, "host": host, "port": port, "auth": bool(auth or
               os.environ.get("SCORING_ASSISTANT_AUTH")), "share": False})
    sys.stdout.flush()
    import time

    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
