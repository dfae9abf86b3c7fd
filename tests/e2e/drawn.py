"""What the app draws for one visitor, read from its websocket without a browser: the sign-in tests' cheap reader.

``views(base, [(page, query), ...], cookies={...})`` opens one session as Streamlit's frontend does
(pages/shared/ws_client.py: the page, the health and host-config requests, then the websocket, every one carrying
the cookies), asks for each view in turn and returns what each run drew: the words of every text element (markdown
and captions, headings, alerts, metrics, buttons, page links) in the order the page shows them, sidebar and main
apart. It proves what the server sends a visitor holding those cookies; what chromium makes of it is the browser
tests' part.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import Cookie
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from pages.shared.ws_client import FINISHED, RERUNNING, Session

SIDEBAR = 1  # the root container a delta path starts with: 0 is the main area, 1 the sidebar


@dataclass
class View:
    """One run as drawn: each root container's text elements, as (kind, words), in the page's order."""

    sidebar: list[tuple[str, str]] = field(default_factory=list)
    main: list[tuple[str, str]] = field(default_factory=list)

    def text(self, where: str = "main") -> str:
        return "\n".join(words for _, words in getattr(self, where))

    def of(self, kind: str, where: str = "main") -> list[str]:
        return [words for found, words in getattr(self, where) if found == kind]


def _words(element) -> tuple[str, str] | None:
    kind = element.WhichOneof("type")
    if kind in {"markdown", "heading", "alert", "text"}:
        return kind, getattr(element, kind).body
    if kind == "metric":
        return kind, element.metric.body
    if kind in {"button", "page_link"}:
        return kind, getattr(element, kind).label
    if kind == "file_uploader":
        return kind, element.file_uploader.label
    return None


def _with_cookies(session: Session, cookies: dict[str, str]) -> None:
    host = urlsplit(session.base).hostname
    for name, value in cookies.items():
        session.cookies.set_cookie(Cookie(0, name, value, None, False, host, False, False, "/", True, False, None,
                                          False, None, None, {}))


async def _run(session: Session, page: str, query: str, timeout: float) -> View:
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_name = page
    message.rerun_script.context_info.url = f"{session.base}/{page}?{query}"
    await session.websocket.send(message.SerializeToString())
    drawn: dict[tuple[int, ...], tuple[str, str] | None] = {}
    async with asyncio.timeout(timeout):
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await session.websocket.recv())
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                # why: a later element at the same path replaces the earlier one, as it does on screen
                drawn[tuple(forward.metadata.delta_path)] = _words(forward.delta.new_element)
            elif kind == "page_not_found":
                raise AssertionError(f"page not found: {page!r}")
            elif kind == "script_finished" and forward.script_finished != RERUNNING:
                assert forward.script_finished == FINISHED, f"{page!r} finished with status {forward.script_finished}"
                break
    view = View()
    for path in sorted(drawn):
        if drawn[path] is not None:
            (view.sidebar if path[0] == SIDEBAR else view.main).append(drawn[path])
    return view


def views(base: str, wanted: list[tuple[str, str]], *, cookies: dict[str, str] | None = None,
          timeout: float = 180) -> list[View]:
    """One session on ``base`` holding ``cookies``; each (page's URL path, query string) in turn, as drawn."""
    async def read() -> list[View]:
        # why: every view is read whole, so the session offers the server no cached messages to leave out
        session = Session(base)
        _with_cookies(session, cookies or {})
        await session.open()
        try:
            return [await _run(session, page, query, timeout) for page, query in wanted]
        finally:
            await session.close()

    # why: a thread of its own, since Playwright's sync API keeps an event loop running in the test's thread
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, read()).result()
