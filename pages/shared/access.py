"""Sign-in in the app: who the viewer is, established on the server on every run, and the sidebar's panel.

With an OpenID Connect provider in ``.streamlit/secrets.toml`` (docs/sign-in.md), a visitor is public
until they sign in with ``st.login``; their role then comes from ``lscsb_data.figures.access``. The
viewer is worked out afresh on every run from ``st.user`` (Streamlit's signed identity cookie, read
when the session starts) and the users table, and from nothing the browser can set: no URL
parameter, widget or session-state value enters it. Without a provider the deployment's switches
decide, exactly as before sign-in existed.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from lscsb_data import resolve_db_path
from lscsb_data.figures import access

ROLE_WORDS = {
    "partner": "partner: every figure",
    "analyst": "analyst: every figure, loading data and commentary",
    "admin": "administrator: every figure, loading, commentary and roles",
}


def providers() -> list[str]:
    """The sign-in providers ``.streamlit/secrets.toml`` configures (``[auth]`` and ``[auth.<name>]``); none, none."""
    # why: with no secrets file Streamlit searches for one afresh on every call, a few milliseconds of every run
    if not any(os.path.exists(path) for path in st.get_option("secrets.files")) or not st.secrets.load_if_toml_exists():
        return []
    auth = st.secrets.get("auth")
    if not isinstance(auth, Mapping) or "redirect_uri" not in auth or "cookie_secret" not in auth:
        return []
    named = [name for name, section in auth.items() if isinstance(section, Mapping) and "client_id" in section]
    return (["default"] if "client_id" in auth else []) + named


def sign_in_configured() -> bool:
    return bool(providers())


def public_mode_words(public: bool) -> str:
    """What the Data page says about small numbers for this viewer, and what decides it."""
    if not sign_in_configured():
        return ("This is the public deployment: small numbers are withheld everywhere." if public
                else "This deployment is not public: small numbers are shown. The public deployment withholds them.")
    return ("You are seeing the public figures: small numbers are withheld everywhere. Partners sign in to see them."
            if public else "Your role shows every figure, small numbers included. Visitors who are not signed in "
            "see them withheld.")


@st.cache_data(ttl=5, show_spinner=False, max_entries=1024)
def _named(path: str, login: str) -> dict | None:
    """The users table's row for ``login``, read at most every few seconds per person."""
    return access.user(path, login)


def viewer() -> access.Viewer:
    """The viewer of this run, from the verified sign-in alone (public when signed out or expired)."""
    if not sign_in_configured():
        return access.deployment_viewer()
    user = st.user
    if not user.is_logged_in:
        return access.PUBLIC
    claims = user.to_dict()
    if access.session_expired(claims):
        return access.Viewer(role="public", login=None, via="sign-in expired")
    path = str(access.access_path(resolve_db_path()))
    return access.signed_in_viewer(claims, lambda login: _named(path, login))


def frame_started() -> access.Viewer:
    """Called by app.py before anything else reads figures: the run's viewer, failing closed with sign-in."""
    if sign_in_configured():
        # why: with sign-in, any figure asked for without the viewer's role must come out protected, so the
        # process default is public; the viewer's role lifts it only where a page passes it explicitly
        os.environ["LSCSB_PUBLIC"] = "1"
    return viewer()


def sidebar(current: access.Viewer, areas: pd.DataFrame) -> None:
    """Sign in, who is signed in with which role, their default area, and sign out; nothing without a provider."""
    names = providers()
    if not names:
        return
    with st.sidebar:
        st.caption("**Sign-in**")
        if current.signed_in:
            who = current.name or current.login
            if current.public:
                st.caption(f"Signed in as {_literal(who)}, with no role on this dashboard yet: you see the public "
                           "figures. Ask an administrator for a role.")
            else:
                named = f"{_literal(current.name)} ({_literal(current.login)})" if current.name else _literal(current.login)
                st.caption(f"Signed in as {named}, {ROLE_WORDS[current.role]}.")
                _profile(current, areas)
            st.button("Sign out", key="access_sign_out", icon=":material/logout:", on_click=st.logout)
            return
        if current.via == "sign-in expired":
            st.warning("Your sign-in has expired: sign in again to see every figure.", icon=":material/timer_off:")
        st.caption("You are seeing the public figures: small counts are withheld. Partners sign in to see every figure.")
        for name in names:
            label = "Sign in" if len(names) == 1 else f"Sign in with {name}"
            st.button(label, key=f"access_sign_in_{name}", icon=":material/login:", on_click=st.login,
                      args=(None if name == "default" else name,))


def _profile(current: access.Viewer, areas: pd.DataFrame) -> None:
    names = dict(zip(areas.code, areas.name))
    choices = [""] + list(areas.code)
    with st.expander("Your profile"), st.form("access_profile", border=False):
        st.selectbox("Open the dashboard on", choices, index=choices.index(current.default_area)
                     if current.default_area in choices else 0, key="access_profile_area",
                     format_func=lambda code: names.get(code, "the dashboard's default area"))
        st.form_submit_button("Save", on_click=_save_profile)
    outcome = st.session_state.pop("access_profile_saved", None)
    if outcome:
        st.success(outcome)


def _save_profile() -> None:
    current = viewer()
    area = st.session_state.get("access_profile_area") or None
    access.set_default_area(access.access_path(resolve_db_path()), current, area)
    _named.clear()
    st.session_state["access_profile_saved"] = "Saved: the dashboard opens on this area when a link names none."


def forget_roles() -> None:
    """After a role change, every session reads the users table afresh."""
    _named.clear()


def _literal(text: str | None) -> str:
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>$~:&\"'=" else c for c in str(text or ""))
