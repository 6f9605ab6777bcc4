"""HTML to PDF with WeasyPrint, off the event loop.

WeasyPrint is CPU-bound (layout takes tens to hundreds of milliseconds per letter)
and holds the GIL, so a thread would still stall the server: it runs in a process
pool. The pool is created on first use and shut down by the app's lifespan
(`shutdown_pdf_pool`). Workers start with "forkserver" rather than "fork": forking
a process that runs an event loop and threads can copy held locks into the child.

Fonts: the templates ask for DejaVu Serif/Sans (Latin, Latvian diacritics and
Cyrillic); WeasyPrint finds them through fontconfig and embeds the subsets it uses.
The Docker image must install `fonts-dejavu-core` (and Pango: libpango-1.0-0,
libpangoft2-1.0-0).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_max_workers: int | None = None


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render `html` to PDF bytes in the calling process (the pool's worker function)."""
    # Imported here: loading WeasyPrint and Pango costs ~0.5 s and is only needed in workers.
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


def configure_pdf_pool(max_workers: int | None) -> None:
    """Set the pool size used when the pool is next created (None: min(2, CPUs))."""
    global _max_workers
    _max_workers = max_workers


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = _max_workers or max(1, min(2, os.cpu_count() or 1))
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            _pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context(method)
            )
        return _pool


async def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render `html` to PDF in the process pool without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_get_pool(), html_to_pdf, html, base_url)


def shutdown_pdf_pool(wait: bool = True) -> None:
    """Stop the pool's workers; the next render_pdf creates a new pool."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)
