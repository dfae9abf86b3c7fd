"""One dashboard user as Streamlit's own frontend speaks to the server: HTTP first, then the websocket. The load
generator (tests/load/ws.py) runs many; the server's prerender (pages/shared/cache.py) runs one against itself.

The frontend (streamlit 1.67, static/js) opens a session so: ``GET /`` (the page, and any cookie a
proxy sets for stickiness), ``GET /_stcore/health`` and ``/_stcore/host-config``, then a websocket to
``/_stcore/stream`` offering the subprotocols ``streamlit`` and the XSRF token (the session id third
when reconnecting). Every view is a ``BackMsg.rerun_script`` holding a ``ClientState`` (the URL's query
string, the page's URL path as ``page_name``, the values of the last run's widgets, the hashes of the
messages it has cached); the server
answers with ``ForwardMsg``s ending in ``script_finished``. A message the client says it holds comes
back as a ``ref_hash`` only; the client keeps a cacheable message for ``maxCachedMessageAge`` runs
(sent in ``new_session``), as the frontend's ForwardMsgCache does. Like the frontend, it sends back
the value each selectbox, radio and checkbox (toggle) of the last run holds, so keyed widgets (the
sidebar's area, period and comparison) keep their values from view to view; other widgets go back to
their defaults, as for a user who never touched them.
"""
from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FAILURE_TEXT = "could not be shown because of an unexpected problem"
FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
RERUNNING = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
XSRF_COOKIE = "_streamlit_xsrf"


@dataclass
class ViewResult:
    seconds: float
    received_bytes: int
    messages: int
    problems: list[str] = field(default_factory=list)  # what a user would see as broken: an exception, the failure box


class Session:
    """A browser tab on the dashboard, without the browser: ``await open()``, then ``await view(...)`` as often as wanted."""

    def __init__(self, base: str, *, ping_interval: float | None = 20, ping_timeout: float | None = 20,
                 headers: dict[str, str] | None = None) -> None:
        self.base = base.rstrip("/")
        self.headers = dict(headers or {})
        self.cookies = CookieJar()
        self.ping_interval, self.ping_timeout = ping_interval, ping_timeout
        self.websocket = None
        self.session_id = ""
        self.max_cached_age = 2  # the server says its own in new_session
        self.runs = 0
        self.cached: dict[str, int] = {}  # message hash -> the run it was last used in
        self.widgets: dict[str, WidgetState] = {}  # the last run's widget values, as the frontend sends them back

    def _get(self, path: str) -> bytes:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        with opener.open(urllib.request.Request(f"{self.base}{path}", headers=self.headers), timeout=60) as response:
            return response.read()

    def _cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    async def open(self, path: str = "/") -> None:
        for step in (path, "/_stcore/health", "/_stcore/host-config"):
            await asyncio.to_thread(self._get, step)
        xsrf = next((c.value for c in self.cookies if c.name == XSRF_COOKIE), "")
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        headers = {**self.headers, "Origin": self.base}
        if cookie := self._cookie_header():
            headers["Cookie"] = cookie
        self.websocket = await connect(
            f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream", subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
            additional_headers=headers, max_size=None, ping_interval=self.ping_interval, ping_timeout=self.ping_timeout,
            open_timeout=60)

    async def view(self, page: str, query: str, *, timeout: float = 300) -> ViewResult:
        """Ask for ``page`` (its URL path, "" for the default page) with ``query`` and wait for the run to finish."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = query
        state.page_name = page
        state.cached_message_hashes.extend(self.cached)
        state.widget_states.widgets.extend(self.widgets.values())
        state.context_info.timezone = "Europe/London"
        state.context_info.locale = "en-GB"
        state.context_info.url = f"{self.base}/{page}?{query}"
        started = time.perf_counter()
        await self.websocket.send(message.SerializeToString())
        received, count, problems, widgets = 0, 0, [], {}
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.websocket.recv()
                received += len(frame)
                count += 1
                forward = ForwardMsg()
                forward.ParseFromString(frame)
                kind = forward.WhichOneof("type")
                self._remember(forward, kind)
                if kind == "delta":
                    problems.extend(_problems(forward))
                    if widget := _widget_state(forward):
                        widgets[widget.id] = widget
                elif kind == "new_session":
                    self.session_id = forward.new_session.initialize.session_id or self.session_id
                    self.max_cached_age = forward.new_session.config.max_cached_message_age or self.max_cached_age
                elif kind == "session_event" and forward.session_event.HasField("script_compilation_exception"):
                    problems.append("the app failed to compile")
                elif kind == "page_not_found":
                    problems.append(f"page not found: {page!r}")
                elif kind == "script_finished" and forward.script_finished != RERUNNING:
                    if forward.script_finished != FINISHED:
                        problems.append(f"script finished with status {forward.script_finished}")
                    break
        self._age()
        self.widgets = widgets
        return ViewResult(time.perf_counter() - started, received, count, problems)

    def _remember(self, forward: ForwardMsg, kind: str) -> None:
        if kind == "ref_hash":
            self.cached[forward.ref_hash] = self.runs
        elif forward.metadata.cacheable and forward.hash:
            self.cached[forward.hash] = self.runs

    def _age(self) -> None:
        """Forget messages not used for more than the server's maxCachedMessageAge runs, as the frontend does."""
        self.runs += 1
        self.cached = {h: run for h, run in self.cached.items() if self.runs - run <= self.max_cached_age}

    async def close(self) -> None:
        if self.websocket is not None:
            await self.websocket.close()


def _problems(forward: ForwardMsg) -> list[str]:
    delta = forward.delta
    if delta.WhichOneof("type") != "new_element":
        return []
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        return [f"exception drawn: {element.exception.type}: {element.exception.message[:120]}"]
    if kind == "alert" and FAILURE_TEXT in element.alert.body:
        return ["the app's failure message drawn"]
    return []


def _widget_state(forward: ForwardMsg) -> WidgetState | None:
    """The value a selectbox, radio or checkbox shows, as the frontend would report it on the next run."""
    if forward.delta.WhichOneof("type") != "new_element":
        return None
    element = forward.delta.new_element
    kind = element.WhichOneof("type")
    if kind in {"selectbox", "radio"}:
        widget = getattr(element, kind)
        if widget.set_value:
            value = widget.raw_value
        elif widget.HasField("default") and widget.default < len(widget.options):
            value = widget.options[widget.default]
        else:
            return None
        return WidgetState(id=widget.id, string_value=value)
    if kind == "checkbox":
        widget = element.checkbox
        return WidgetState(id=widget.id, bool_value=widget.value if widget.set_value else widget.default)
    return None
