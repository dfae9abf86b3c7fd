"""The Data page's audit section: every load, replacement, commentary edit and role change, for analysts
and administrators, and the roles an administrator manages. Nothing shows for anyone else."""
from __future__ import annotations

import streamlit as st

from lscsb_data import resolve_db_path
from lscsb_data.figures import access
from pages.shared import access as app_access

AUDIT_COLUMNS = {"at": "When (UTC)", "who": "Who", "action": "What was done", "what": "To what", "sha256": "SHA-256 of the file or text"}
USER_COLUMNS = {"login": "Signs in as", "role": "Role", "default_area": "Opens on", "added_by": "Last set by", "added_at": "When (UTC)"}
SHOWN = 200


def render() -> None:
    viewer = app_access.viewer()
    if not viewer.sees_audit:
        return
    path = access.access_path(resolve_db_path())
    st.header("Audit trail", divider="gray")
    trail = access.audit_trail(path, limit=SHOWN)
    st.caption(f"The newest {SHOWN} entries, newest first, from {path.name} beside the database (kept across "
               "rebuilds); `python -m lscsb_data audit` prints them all. Shown to analysts and administrators.")
    if trail.empty:
        st.info("Nothing has been recorded yet: loads, replacements, commentary and role changes appear here.")
    else:
        # why: an entry with no file or text (a role change, a build) has no hash: a blank cell, not the word None
        st.dataframe(trail[list(AUDIT_COLUMNS)].fillna("").rename(columns=AUDIT_COLUMNS), hide_index=True,
                     width="stretch", key="audit_trail")
    if viewer.can_manage:
        _roles(path)


def _roles(path) -> None:
    st.subheader("Roles")
    st.caption("Who has which role. A person named here has this role whatever their identity provider says; "
               "anyone else signed in takes the role in the provider's claim, else sees the public figures.")
    named = access.users(path)
    if not named.empty:
        st.dataframe(named[list(USER_COLUMNS)].fillna("").rename(columns=USER_COLUMNS), hide_index=True, width="stretch",
                     key="audit_users")
    with st.form("audit_set_role", border=True):
        login, role = st.columns([3, 1])
        login.text_input("E-mail address they sign in with", key="audit_role_login", max_chars=access.MAX_LOGIN)
        role.selectbox("Role", access.ROLES[1:] + ("remove",), key="audit_role_role",
                       format_func=lambda r: "remove from the list" if r == "remove" else r)
        st.form_submit_button("Set the role", on_click=_set_role, args=(path,))
    outcome = st.session_state.pop("audit_role_outcome", None)
    if outcome:
        (st.success if outcome[0] else st.error)(outcome[1])


def _set_role(path) -> None:
    # why: the administrator's role is checked again on the server at the moment of the change
    viewer = app_access.viewer()
    login = st.session_state.get("audit_role_login", "")
    role = st.session_state.get("audit_role_role")
    try:
        access.require(viewer, "manage")
        if role == "remove":
            done = access.remove_user(path, login, by=viewer.who)
            message = f"Removed {login.strip().lower()}." if done else f"{login.strip().lower()} was not on the list."
        else:
            held = access.set_user(path, login, role, by=viewer.who)
            message = f"{held['login']} is now {held['role']}."
        app_access.forget_roles()
        st.session_state["audit_role_outcome"] = (True, message)
    except (ValueError, access.AccessDenied) as error:
        st.session_state["audit_role_outcome"] = (False, str(error))
