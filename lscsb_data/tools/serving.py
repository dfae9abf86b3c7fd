"""Serve the dashboard: one Streamlit process, or several behind nginx with sticky sessions; warmed before it says so.

``served(replicas=N, port=P)`` starts N ``streamlit run app.py`` processes (N > 1: on private loopback
ports, with nginx on P in front), waits until each answers its health check, warms each once through
``/_stcore/script-health-check`` (Streamlit runs the app headless: modules imported, the process's
caches filled), and only then yields the address, so the first visitor never meets a cold process.

nginx keeps every browser on one process: a Streamlit session lives in one process's memory (its
websocket, its widgets, its uploads and downloads), so the first response sets a random
``lscsb_replica`` cookie and every later request, the websocket included, is routed by a consistent
hash of it. The replicas share one signing secret, so their XSRF cookies agree.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lscsb_data.config import PROJECT_ROOT, resolve_db_path

NGINX = os.environ.get("LSCSB_NGINX", "nginx")
STICKY_COOKIE = "lscsb_replica"
NGINX_CONF = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    # a request without the cookie is routed by a fresh random id, which the response then sets as the cookie
    map $cookie_{cookie} $lscsb_route {{ "" $request_id; default $cookie_{cookie}; }}
    map $cookie_{cookie} $lscsb_set_cookie {{ "" "{cookie}=$request_id; Path=/; HttpOnly; SameSite=Lax"; default ""; }}
    map $http_upgrade $lscsb_connection {{ default upgrade; "" ""; }}
    upstream lscsb {{
        hash $lscsb_route consistent;
{servers}
        keepalive 16;
    }}
    server {{
        listen {address}:{port};
        # why: uploads go through here; Streamlit's own limit (server.maxUploadSize) still applies
        client_max_body_size 200m;
        location / {{
            proxy_pass http://lscsb;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $lscsb_connection;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # why: a websocket is idle while its user reads; Streamlit pings it every 30 s
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            add_header Set-Cookie $lscsb_set_cookie;
        }}
    }}
}}
"""


class ServingError(RuntimeError):
    """The dashboard could not be served (a process exited, or nginx is missing)."""


@dataclass
class Served:
    url: str
    processes: list[subprocess.Popen]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def exited(self) -> subprocess.Popen | None:
        return next((p for p in self.processes if p.poll() is not None), None)


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


# why: the app's modules (and through them pandas, DuckDB, SciPy and Altair) load before the server opens its port,
# not on the first visitor's run; a code string, so that lscsb_data itself never imports streamlit or the pages
# The st.navigation call leaves Streamlit's pages-folder mode for good before the first request, so a link to any
# page (a theme's /crime too) on a just-started server is resolved by the frame's page list, never "Page not found".
# Then the app runs once headless in this process (Streamlit's AppTest: the real frame and first page, a visitor not
# signed in), filling the process's caches before the port opens, so an unwarmed server's first visitor does not wait
# for the first page's figures; Streamlit's warnings of calls made with no server running yet are not shown.
PRELOAD = """\
import importlib, logging, pkgutil, sys
import pages.shared
for found in pkgutil.iter_modules(pages.shared.__path__):
    importlib.import_module(f"pages.shared.{found.name}")
import streamlit as st
logging.disable(logging.WARNING)
st.navigation([st.Page("app.py")], position="hidden")
from streamlit.testing.v1 import AppTest
try:
    AppTest.from_file(sys.argv[2], default_timeout=120).run()
except Exception:  # then the first visitor's run does this work, and shows or logs any problem there
    pass
logging.disable(logging.NOTSET)
from streamlit.web import cli
cli.main(sys.argv[1:], prog_name="streamlit")
"""


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """``streamlit run app.py`` on ``address:port``, headless, with the app's modules loaded before it listens."""
    return [sys.executable, "-c", PRELOAD, "run", str(PROJECT_ROOT / "app.py"), "--server.headless", "true",
            "--server.port", str(port), "--server.address", address, "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]


def _streamlit(port: int, address: str, env: dict[str, str], log) -> subprocess.Popen:
    command = streamlit_command(port, address)
    # why: Streamlit's own "You can now view" banner comes before the warm-up; the launcher says when it is ready
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                            stderr=None if log is subprocess.DEVNULL else log, start_new_session=True)


def _name(process: subprocess.Popen) -> str:
    return f"nginx (pid {process.pid})" if "nginx" in str(process.args[0]) else f"the app process (pid {process.pid})"


def _answers(url: str, timeout: float) -> bool:
    with contextlib.suppress(OSError):
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    return False


def _wait(url: str, processes: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise ServingError(f"{_name(process)} exited with {process.returncode}")
        if _answers(url, timeout=5):
            return
        time.sleep(0.1)
    raise ServingError(f"nothing answered at {url} within {timeout:.0f} s")


def warm(base: str, timeout: float = 180) -> None:
    """Run the app once headless in the process behind ``base`` (imports, first queries, process-wide caches)."""
    try:
        with urllib.request.urlopen(f"{base}/_stcore/script-health-check", timeout=timeout) as response:
            response.read()
    except OSError as error:
        raise ServingError(f"the app failed its first run at {base} ({error}); its log says why") from error


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in reversed(processes):
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def nginx_config(run_dir: Path, address: str, port: int, backends: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{backend} max_fails=0;" for backend in backends)
    return NGINX_CONF.format(run=run_dir, cookie=STICKY_COOKIE, servers=servers, address=address, port=port)


def nginx_path() -> str:
    found = shutil.which(NGINX) or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)
    if not found:
        raise ServingError("nginx is not installed: run `make proxy` (apt-get install nginx-light), or serve one process")
    return found


@contextlib.contextmanager
def served(*, replicas: int = 1, port: int = 8501, address: str = "127.0.0.1", db: str | os.PathLike | None = None,
           env: dict[str, str] | None = None, quiet: bool = False, timeout: float = 120) -> Iterator[Served]:
    """The dashboard on ``address:port``, warmed; ``replicas`` > 1 puts that many processes behind nginx."""
    if replicas < 1:
        raise ServingError("replicas must be at least 1")
    nginx = nginx_path() if replicas > 1 else None
    # why: after its first run each process warms the likely first views in the background (pages/shared/cache.py)
    child_env = {**os.environ, "LSCSB_DB": str(resolve_db_path(db)), "LSCSB_WARM_VIEWS": "1", **(env or {})}
    # why: a shared secret makes every replica accept the XSRF cookie any of them set
    child_env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32))
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="lscsb-serve-") as run_dir, contextlib.ExitStack() as logs:
        log = logs.enter_context(open(Path(run_dir) / "streamlit.log", "wb")) if quiet else subprocess.DEVNULL
        try:
            backends = [port] if nginx is None else [free_port() for _ in range(replicas)]
            backend_address = address if nginx is None else "127.0.0.1"
            for backend in backends:
                processes.append(_streamlit(backend, backend_address, child_env, log))
            local = "127.0.0.1" if address in {"0.0.0.0", "::"} else address
            for backend in backends:
                _wait(f"http://{local if nginx is None else '127.0.0.1'}:{backend}/_stcore/health", processes, timeout)
            with ThreadPoolExecutor(len(backends)) as pool:
                list(pool.map(warm, [f"http://{local if nginx is None else '127.0.0.1'}:{b}" for b in backends]))
            if nginx is not None:
                conf = Path(run_dir) / "nginx.conf"
                conf.write_text(nginx_config(Path(run_dir), address, port, backends))
                processes.append(subprocess.Popen([nginx, "-p", run_dir, "-c", str(conf), "-g", "daemon off;"],
                                                  stdout=log, stderr=None if log is subprocess.DEVNULL else log,
                                                  start_new_session=True))
                _wait(f"http://{local}:{port}/_stcore/health", processes, timeout)
            yield Served(f"http://{local}:{port}", processes)
        finally:
            _stop(processes)


def _interrupt(*_) -> None:
    """SIGTERM (a service manager stopping it) stops the processes as Ctrl+C does."""
    raise KeyboardInterrupt


def main(args) -> int:
    """``python -m lscsb_data serve``: serve until Ctrl+C (or SIGTERM), saying when the dashboard is ready."""
    signal.signal(signal.SIGTERM, _interrupt)
    # why: a launcher started in the background by a script inherits SIGINT ignored; Ctrl+C and `kill -INT` must still stop it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    what = "1 app process" if args.replicas == 1 else f"{args.replicas} app processes behind nginx, sticky sessions"
    print(f"starting the dashboard ({what}) on {resolve_db_path(args.db)}; warming it before it is ready…", flush=True)
    try:
        with served(replicas=args.replicas, port=args.port, address=args.address, db=args.db) as server:
            host = "localhost" if args.address in {"0.0.0.0", "::", "127.0.0.1"} else args.address
            print(f"ready: open http://{host}:{args.port}/ ({what}, warmed). Ctrl+C stops it.", flush=True)
            while (gone := server.exited()) is None:
                time.sleep(0.5)
            print(f"error: {_name(gone)} exited with {gone.returncode}; stopping the others", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("stopped", flush=True)
        return 0
    except ServingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
