"""Sign-in end to end: a real OpenID Connect provider on loopback, the app served with it configured, and
chromium signing in through the real redirect flow as each role.

The provider is oidc-provider-mock (a real OIDC server: discovery, authorisation form, code exchange,
signed ID tokens, end-session), run as its own process. The app's secrets file points at it. Each test
is one person (or one reader's visit, signed out, signed in, signed out) in the module's one tab, its cookies
cleared first: what they see (public figures or every figure, the upload page, the commentary editor, the audit
trail, the roles form) and what they can do; signing out returns to the public figures; a forged or expired
identity cookie is refused. Views after a person's first page load are reached in the same session, as Back and
Forward reach them (``visit``); what the server sends an identity without what the browser draws (the
administrator's and the no-role person's figures, after signing out, the forged cookies and their control) is read
from its websocket (tests/e2e/drawn.py). Screenshots go to tests/screenshots/sign-in-*.png.
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from lscsb_data import connect
from lscsb_data.figures import access
from lscsb_data.presentation import pagedata
from tests.e2e import browser, drawn
from tests.e2e.browser import screenshot, settle

COOKIE_SECRET = "e2e-cookie-secret-long-enough-to-sign-with"
CHARNWOOD = "E07000130"
PERIOD = date(2021, 11, 1)
PEOPLE = {
    "partner": {"sub": "pat.partner@example.org", "email": "pat.partner@example.org", "name": "Pat Partner",
                "email_verified": True},
    "analyst": {"sub": "ann.analyst@example.org", "email": "ann.analyst@example.org", "name": "Ann Analyst",
                "roles": ["analyst"]},
    "admin": {"sub": "ada.admin@example.org", "email": "ada.admin@example.org", "name": "Ada Admin"},
    "no role": {"sub": "vic.visitor@example.org", "email": "vic.visitor@example.org", "name": "Vic Visitor"},
}
MAIN_TITLE = '[data-testid="stMain"] h1'
DATA_TABLE = '[data-testid="stMain"] [data-testid="stDataFrame"]'
PUBLIC_WORDS = "small numbers are withheld everywhere"
EVERY_FIGURE_WORDS = "Your role shows every figure, small numbers included"
FORGERIES = ["signed with another secret", "tampered after signing", "signed 32 days ago", "issued two days ago"]
SIZES = {"1280x720": {"width": 1280, "height": 720}, "1440x900": {"width": 1440, "height": 900}}


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the identity provider exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2):
                return
        time.sleep(0.2)
    raise TimeoutError(f"the identity provider did not answer at {url}")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider-mock on a free loopback port, knowing the four people above (one holding the analyst claim)."""
    port = browser.free_port()
    claims = [arg for person in PEOPLE.values() for arg in ("--user-claims", json.dumps(person))]
    log = open(tmp_path_factory.mktemp("provider") / "provider.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
                                *claims], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/.well-known/openid-configuration", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def signed_app(provider, demo_db_path, tmp_path_factory):
    """The app over the demo database (read only, so its shared view cache serves views other tests drew), its roles
    and commentary in files of its own, with the provider configured and two people named by the administrator (the
    partner opening on Charnwood, and the administrator); the analyst's role is a claim."""
    folder = tmp_path_factory.mktemp("signed")
    roles = folder / "lscsb.access.sqlite"
    access.set_user(roles, PEOPLE["partner"]["email"], "partner", by="e2e setup", default_area=CHARNWOOD)
    access.set_user(roles, PEOPLE["admin"]["email"], "admin", by="e2e setup")
    port = browser.free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{COOKIE_SECRET}"\n'
        'client_id = "lscsb-dashboard"\n'
        'client_secret = "e2e-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    env = {"LSCSB_ROLE_CLAIM": "roles", "LSCSB_COMMENTARY": str(folder / "commentary.csv"), "LSCSB_ACCESS": str(roles)}
    with browser.serve(demo_db_path, env=env, port=port, options=("--secrets.files", str(secrets))) as base:
        yield {"base": base, "roles": roles, "port": port}


@pytest.fixture(scope="module")
def tab(chromium):
    """One tab for the module's people, each in turn (``person``): a tab's first page load fetches and compiles the
    app's scripts and starts a renderer, which a later load in the same tab mostly finds done."""
    # why: no animation is checked here, and reduced motion spares the compositor drawing them
    context = chromium.new_context(viewport=SIZES["1440x900"], reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    context.close()


@pytest.fixture()
def person(tab):
    """The tab as a new person at 1440x900: no cookies, so no sign-in (the app's or the provider's) and no session
    of the app until the test's first page load (the app keeps nothing else in the browser but the sidebar's width)."""
    tab.context.clear_cookies()
    tab.set_viewport_size(SIZES["1440x900"])
    yield tab
    tab.context.clear_cookies()


def sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def open_page(page, base: str, path: str = "", query: str = "", content: str = MAIN_TITLE) -> None:
    """Load the view afresh, as a typed address or a bookmark does: a new session of the app."""
    page.goto(f"{base}/{path}{'?' + query if query else ''}")
    # why: the first public view of a server works out every protected figure once, slowly on a busy machine
    try:
        settle(page, content=content, timeout=180_000)
    except Exception:
        screenshot(page, f"sign-in-failed-{path or 'overview'}")
        raise


def visit(page, base: str, path: str = "", query: str = "", content: str = MAIN_TITLE) -> None:
    """Another view in the same tab and session, as the browser's Back and Forward reach one: the app's own history
    handler asks the server for the view at the new address (whose values win, as in a shared link), without the
    app's scripts being loaded and compiled again as a fresh load does."""
    assert "comparison=" not in query
    page.evaluate("url => { history.pushState(null, '', url); dispatchEvent(new PopStateEvent('popstate')); }",
                  f"{base}/{path}?{query}")
    # why: every run ends by writing the whole view (comparison included) into the address, so its arrival says the
    # run for the new address has happened, and what settle then waits for is that run's page
    page.wait_for_function("() => new URLSearchParams(location.search).has('comparison')", timeout=180_000)
    try:
        settle(page, content=content, timeout=180_000)
    except Exception:
        screenshot(page, f"sign-in-failed-{path or 'overview'}")
        raise


def sign_in(page, base: str, who: str, *, here: bool = False) -> None:
    """The real redirect flow: the app's Sign in button (on the page the tab shows, if ``here``, else on a fresh
    load), the provider's form, the callback, back to the app."""
    if not here:
        open_page(page, base, query=f"area={CHARNWOOD}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(PEOPLE[who]["sub"])
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**")
    settle(page, timeout=180_000)
    assert "Signed in as" in sidebar_text(page)


def menu_titles(page) -> list[str]:
    """The page titles in the frame's menu in the sidebar, as a reader sees them (each link's words, without the
    name of its icon, which the icon font draws as a picture)."""
    menu = page.locator('[data-testid="stSidebar"] .st-key-page_menu')
    menu.locator('[data-testid="stPageLink-NavLink"]').first.wait_for()
    titles = menu.evaluate("""m => [...m.querySelectorAll('[data-testid="stPageLink-NavLink"]')].map(link => {
        const words = link.cloneNode(true);
        words.querySelectorAll('[data-testid="stIconMaterial"]').forEach(icon => icon.remove());
        return words.textContent.trim();
    })""")
    assert "Overview" in titles and "Data and downloads" in titles, titles
    return titles


@pytest.fixture(scope="module")
def withheld_figure(demo_db_path) -> dict:
    """A figure the engine withholds in public and shows to partners (found at test time, so a change of
    disclosure method or demonstration data cannot leave the check looking at nothing)."""
    with connect(demo_db_path, read_only=True) as con:
        for area in (CHARNWOOD, "E07000133", "E07000135"):
            cards = {public: pagedata.overview_cards(con, area=area, period=PERIOD, comparison="rolling12", public=public,
                                                     sparklines=False).set_index("id") for public in (True, False)}
            for indicator, row in cards[True].iterrows():
                if row.value_short == "[c]" and cards[False].loc[indicator, "value_short"] != "[c]":
                    return {"area": area, "indicator": indicator, "theme": row.theme,
                            "partner_value": cards[False].loc[indicator, "value_short"]}
    raise AssertionError("the demonstration data holds no figure that public mode withholds")


def theme_view(figure: dict) -> tuple[str, str]:
    """The theme page (URL path and query) showing the withheld figure on its first card."""
    return figure["theme"], f"area={figure['area']}&period={PERIOD:%Y-%m}&indicator={figure['indicator']}"


def says_public(data_page: str, shown: str, figure: dict) -> bool:
    """Whether the Data page's words say the figures are the public ones, checked against the withheld figure as its
    theme page showed it (withheld, or the partners' value)."""
    public = PUBLIC_WORDS in data_page
    assert public or EVERY_FIGURE_WORDS in data_page, "the Data page says nothing of small numbers"
    assert shown == ("[c]" if public else figure["partner_value"]), "the Data page and the figures disagree"
    return public


def sees_public_figures(page, base: str, figure: dict) -> tuple[bool, str]:
    """``says_public`` for what the tab shows, the theme page and the Data page visited in its own session
    (``visit``); and the Data page's words."""
    # why: the table is drawn last, so once it is there every figure on the page is
    visit(page, base, *theme_view(figure), content='[data-testid="stMain"] [data-testid="stTable"]:visible')
    shown = page.locator('[data-testid="stMain"] [data-testid="stMetricValue"]').first.inner_text().strip()
    visit(page, base, "data", f"area={figure['area']}", content=DATA_TABLE)
    data_page = main_text(page)
    return says_public(data_page, shown, figure), data_page


def as_drawn(signed_app, figure: dict, cookies: dict[str, str]) -> tuple[drawn.View, str, drawn.View]:
    """What the server sends a visitor holding ``cookies`` (tests/e2e/drawn.py, no browser): the overview, the
    withheld figure as its theme page shows it, and the Data page, in one session."""
    overview, theme, data = drawn.views(signed_app["base"], [("", f"area={CHARNWOOD}"), theme_view(figure),
                                                             ("data", f"area={figure['area']}")], cookies=cookies)
    assert {"Overview", "Data and downloads"} <= set(overview.of("page_link", "sidebar")), overview.sidebar
    return overview, theme.of("metric")[0], data


def tab_cookies(page, base: str) -> dict[str, str]:
    """Every cookie the tab holds for the app (the identity cookie among them, once signed in)."""
    return {cookie["name"]: cookie["value"] for cookie in page.context.cookies(base)}


def shoot(page, name: str) -> None:
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(400)
        screenshot(page, f"sign-in-{name}-{size}", full_page=False)
    page.set_viewport_size(SIZES["1440x900"])


def test_a_visitor_sees_the_public_figures_a_partner_every_figure_on_their_area_and_signing_out_is_public_again(
        person, signed_app, withheld_figure):
    """One reader's visit: signed out (whatever the address asks for), then signed in as a partner, then signed out."""
    base = signed_app["base"]
    # why: the address typed in full, since the tab's history handler knows only the pages the menu offers
    open_page(person, base, "upload")
    assert person.locator('[data-testid="stFileUploader"]').count() == 0
    open_page(person, base, query=f"role=admin&public=0&area={CHARNWOOD}")
    assert "You are seeing the public figures" in sidebar_text(person)
    shoot(person, "signed-out")
    assert "Upload data" not in menu_titles(person)
    public, data_page = sees_public_figures(person, base, withheld_figure)
    assert public and "Audit trail" not in data_page
    visit(person, base, "exceptions", f"area={CHARNWOOD}")
    assert person.get_by_text("Edit commentary").count() == 0

    sign_in(person, base, "partner", here=True)
    assert parse_qs(urlsplit(person.url).query)["area"] == [CHARNWOOD]
    assert "Pat Partner" in sidebar_text(person) and "partner: every figure" in sidebar_text(person)
    shoot(person, "partner")
    assert "Upload data" not in menu_titles(person)
    public, data_page = sees_public_figures(person, base, withheld_figure)
    assert not public and "Audit trail" not in data_page
    visit(person, base, "exceptions", f"area={CHARNWOOD}")
    assert person.get_by_text("Edit commentary").count() == 0

    # why: signing out ends the provider's session too (its end-session page), then comes back to the app
    person.get_by_role("button", name="Sign out").click()
    person.wait_for_url("**/oauth2/end_session**")
    person.get_by_role("button", name="End session").click()
    person.wait_for_url(f"{base}/**")
    settle(person, timeout=180_000)
    assert not [c for c in person.context.cookies() if c["name"].startswith("_streamlit_user")]
    assert "You are seeing the public figures" in sidebar_text(person)
    _, shown, data = as_drawn(signed_app, withheld_figure, tab_cookies(person, base))
    assert says_public(data.text(), shown, withheld_figure)


def test_an_analyst_can_load_and_write_commentary_and_both_are_audited(person, signed_app):
    base = signed_app["base"]
    sign_in(person, base, "analyst")
    assert "analyst: every figure, loading data and commentary" in sidebar_text(person)
    assert "Upload data" in menu_titles(person)
    # why: the way an analyst gets there, the frame's own menu link
    person.locator('.st-key-page_menu [data-testid="stPageLink-NavLink"]', has_text="Upload data").click()
    person.wait_for_url(f"{base}/upload**")
    settle(person, timeout=180_000)
    assert person.locator('[data-testid="stFileUploader"]').count() == 1
    visit(person, base, "exceptions", f"area={CHARNWOOD}")
    # why: a theme with nothing to report is drawn folded, its editor with it; the analyst opens the first one shown
    person.get_by_text("Edit commentary", exact=True).filter(visible=True).first.click()
    person.locator('[data-testid="stTextArea"] textarea').filter(visible=True).first.fill(
        "Burglary rose after the warehouse closures.")
    assert "Signed Ann Analyst, as you are signed in." in main_text(person)
    person.get_by_role("button", name="Save commentary").filter(visible=True).first.click()
    person.get_by_text("Saved.").wait_for()
    visit(person, base, "data", f"area={CHARNWOOD}", content=DATA_TABLE)
    assert "Audit trail" in main_text(person) and "Roles" not in main_text(person).split("Audit trail")[1]
    trail = access.audit_trail(signed_app["roles"])
    saved = trail[trail.action == "commentary"]
    assert list(saved.who) == [PEOPLE["analyst"]["email"]]
    assert "signed Ann Analyst" in saved.what.iloc[0]


def test_an_administrator_sees_every_figure_and_the_audit_trail_and_manages_roles(person, signed_app, withheld_figure):
    base = signed_app["base"]
    sign_in(person, base, "admin")
    assert "administrator: every figure, loading, commentary and roles" in sidebar_text(person)
    shoot(person, "admin")
    # why: the figures as the server sends them for the identity the tab holds; the partner's test shows them on screen
    _, shown, data = as_drawn(signed_app, withheld_figure, tab_cookies(person, base))
    assert not says_public(data.text(), shown, withheld_figure)
    visit(person, base, "data", f"area={CHARNWOOD}", content=DATA_TABLE)
    assert EVERY_FIGURE_WORDS in main_text(person)
    person.get_by_role("heading", name="Audit trail").scroll_into_view_if_needed()
    person.get_by_label("E-mail address they sign in with").fill(PEOPLE["no role"]["email"])
    person.get_by_role("button", name="Set the role").click()
    person.get_by_text(f"{PEOPLE['no role']['email']} is now partner.").wait_for()
    settle(person, timeout=180_000)
    person.get_by_role("heading", name="Audit trail").scroll_into_view_if_needed()
    person.wait_for_timeout(500)
    shoot(person, "audit")
    assert access.user(signed_app["roles"], PEOPLE["no role"]["email"])["role"] == "partner"
    changes = access.audit_trail(signed_app["roles"])
    assert changes.iloc[0].who == PEOPLE["admin"]["email"] and changes.iloc[0].action == "role"
    assert changes.iloc[0].what == f"{PEOPLE['no role']['email']}: added as partner"
    access.remove_user(signed_app["roles"], PEOPLE["no role"]["email"], by="e2e teardown")


def test_a_person_signed_in_without_a_role_sees_the_public_figures(person, signed_app, withheld_figure):
    base = signed_app["base"]
    sign_in(person, base, "no role")
    assert "with no role on this dashboard yet" in sidebar_text(person)
    # why: as for the administrator, the server's figures for the tab's identity; the visitor's test shows them
    overview, shown, data = as_drawn(signed_app, withheld_figure, tab_cookies(person, base))
    assert "with no role on this dashboard yet" in overview.text("sidebar")
    assert says_public(data.text(), shown, withheld_figure)


def _cookie(payload: dict, *, secret: str = COOKIE_SECRET, signed_at: float | None = None) -> str:
    serializer = URLSafeTimedSerializer(secret, salt="_streamlit_user")
    with mock.patch("time.time", return_value=signed_at or time.time()):
        return serializer.dumps(json.dumps(payload))


def _tampered(genuine: str, claims: dict) -> str:
    """A genuine cookie whose payload is swapped for other claims, keeping the genuine timestamp and signature."""
    forged = _cookie(claims, secret="not the deployment's secret")
    # why: a token is payload.timestamp.signature, and a compressed payload itself starts with a dot
    payload, _, _ = forged.rsplit(".", 2)
    _, timestamp, signature = genuine.rsplit(".", 2)
    return f"{payload}.{timestamp}.{signature}"


def _identity(signed_app, who: str, *, issued: float | None = None) -> dict:
    person = PEOPLE[who]
    return {**person, "iat": int(issued or time.time()), "exp": int(time.time()) + 3600, "is_logged_in": True,
            "provider": "default", "origin": signed_app["base"]}


def _forged(signed_app, forgery: str) -> str:
    admin = _identity(signed_app, "admin")
    return {
        "signed with another secret": lambda: _cookie(admin, secret="an attacker's guess at the secret"),
        "tampered after signing": lambda: _tampered(_cookie(_identity(signed_app, "no role")), admin),
        "signed 32 days ago": lambda: _cookie(admin, signed_at=time.time() - 32 * 86400),
        "issued two days ago": lambda: _cookie(_identity(signed_app, "admin", issued=time.time() - 2 * 86400)),
    }[forgery]()


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_or_expired_identity_cookie_is_refused(signed_app, withheld_figure, forgery):
    """The server's refusal, read from what it sends (tests/e2e/drawn.py); the browser test below shows one of them
    as a reader sees it."""
    overview, shown, data = as_drawn(signed_app, withheld_figure, {"_streamlit_user": _forged(signed_app, forgery)})
    assert "Signed in as" not in overview.text("sidebar")
    assert "You are seeing the public figures" in overview.text("sidebar")
    assert ("Your sign-in has expired" in overview.text("sidebar")) == (forgery == "issued two days ago")
    assert "Upload data" not in overview.of("page_link", "sidebar")
    assert says_public(data.text(), shown, withheld_figure)


def test_a_cookie_the_app_itself_signed_is_accepted(signed_app, withheld_figure):
    """The control for the forgeries: the same cookie, fresh and signed with the deployment's secret, signs in, and
    every check the forgeries pass fails for it."""
    overview, shown, data = as_drawn(signed_app, withheld_figure, {"_streamlit_user": _cookie(_identity(signed_app, "admin"))})
    assert "Signed in as Ada Admin" in overview.text("sidebar")
    assert "You are seeing the public figures" not in overview.text("sidebar")
    assert "Upload data" in overview.of("page_link", "sidebar")
    assert not says_public(data.text(), shown, withheld_figure)


def test_in_the_browser_an_expired_sign_in_cookie_shows_the_public_figures(person, signed_app, withheld_figure):
    """What a reader holding a refused cookie sees in chromium: the expiry warning (which says the cookie reached the
    server and was read) and the public figures."""
    base = signed_app["base"]
    person.context.add_cookies([{"name": "_streamlit_user", "value": _forged(signed_app, "issued two days ago"),
                                 "url": base}])
    open_page(person, base, query=f"area={CHARNWOOD}")
    assert "Signed in as" not in sidebar_text(person) and "Your sign-in has expired" in sidebar_text(person)
    assert "Upload data" not in menu_titles(person)
    assert sees_public_figures(person, base, withheld_figure)[0]
