"""Eight sessions drafting at once through one launched studio: every draft completes, each
session sees only its own revision, and the server's memory stays bounded (model work runs
through one queue with a small concurrency limit)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
gradio_client = pytest.importorskip("gradio_client")

from assistant.bench import peak_rss_mib, reset_peak_rss  # noqa: E402
from ui.app import MODEL_CONCURRENCY, QUEUE_MAX, build_app  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword)")]

SESSIONS = 8
SHORT_CUE = "1M7"
GROWTH_LIMIT_MIB = 1500  # eight sessions may not cost more than this over one


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, studio_cache: Path) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("studio-load")
    demo = build_app(root, cache_dir=studio_cache)
    demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True, share=False)
    try:
        yield {"url": demo.local_url, "root": root}
    finally:
        demo.close()


def _session(url: str) -> tuple[int, list[list]]:
    c = gradio_client.Client(url, verbose=False)
    c.predict(api_name="/open_example")
    wav, info, number = c.predict(SHORT_CUE, "", "", None, api_name="/draft")
    assert Path(wav).stat().st_size > 1000
    history = c.predict(SHORT_CUE, api_name="/history")
    return number, history["data"]


def test_eight_sessions_draft_at_once_with_bounded_memory(app: dict) -> None:
    assert MODEL_CONCURRENCY < SESSIONS <= QUEUE_MAX
    _session(app["url"])  # warm: models and the film-wide stages are loaded once
    reset_peak_rss()
    base = peak_rss_mib()
    with ThreadPoolExecutor(SESSIONS) as pool:
        results = list(pool.map(_session, [app["url"]] * SESSIONS))
    peak = peak_rss_mib()
    assert [n for n, _ in results] == [1] * SESSIONS
    assert all(len(rows) == 1 for _, rows in results)  # nobody sees another's revision
    folders = [d for d in (app["root"] / "sessions").iterdir()
               if (d / "project" / "revisions" / SHORT_CUE / "0001").is_dir()]
    assert len(folders) == SESSIONS + 1
    if base is not None and peak is not None:
        assert peak - base < GROWTH_LIMIT_MIB, f"memory grew {peak - base:.0f} MiB"
