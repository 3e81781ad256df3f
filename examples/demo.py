"""`make demo`: serve the example pages on loopback and run a full `refcheck check` on the example export, offline.

The example document cites real-looking URLs (https://www.example-news.jp/…); `--remap` sends each request to a
local server that answers from examples/pages/<host>/<path>, so the whole pipeline runs with no internet.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCUMENT = HERE / "ai-policy-ja.txt"
PAGES = HERE / "pages"


class PagesHandler(SimpleHTTPRequestHandler):
    """Serves /<host>/<path> from examples/pages; a missing file is a real 404. Pages declare their own charset."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".html": "text/html", "": "text/html"}

    def log_message(self, *args) -> None:  # keep the demo's output to the report itself
        pass


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(PagesHandler, directory=str(PAGES)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    with tempfile.TemporaryDirectory(prefix="refcheck-demo-") as cache_dir:
        command = [
            sys.executable, "-m", "refcheck", "check", str(DOCUMENT.relative_to(Path.cwd())),
            "--remap", rf"^https?://([^/]+)/(.*)$ http://127.0.0.1:{port}/$1/$2",
            "--allow-private",  # the remapped target is loopback, which refcheck refuses by default
            "--no-archive",  # the demo stays on loopback: no questions to the real web archive
            "--resolver", "site", "--resolve-interval", "0",  # resolution asks only the simulated sites
            "--cache-dir", cache_dir, "--retries", "0", "--timeout", "5", "--verbose",
            *sys.argv[1:],
        ]
        print("$ refcheck check", DOCUMENT.name, f"--remap '^https?://([^/]+)/(.*)$ http://127.0.0.1:{port}/$1/$2' "
              "--allow-private …\n", flush=True)
        completed = subprocess.run(command)
    server.shutdown()
    # Findings are the point of the demo, so exit 1 (findings) is success here; 2 or 3 is a real failure.
    return 0 if completed.returncode in (0, 1) else completed.returncode


if __name__ == "__main__":
    sys.exit(main())
