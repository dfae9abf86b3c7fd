"""Roles, the users table and the audit trail (lscsb_data/figures/access.py), the users and audit commands,
and the app's server-side checks; the browser flow is tests/e2e/test_sign_in.py."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lscsb_data import loaders
from lscsb_data.figures import access
from lscsb_data.loaders.build import build
from tests import cli_support
from tests.loading_support import base_db_path, db_path  # noqa: F401 (fixtures)

NOW = time.time()


def claims(email: str = "jane@example.org", **more) -> dict:
    return {"email": email, "name": "Jane", "iat": int(NOW), **more}


@pytest.fixture()
def roles(tmp_path) -> Path:
    return tmp_path / "x.access.sqlite"


def named(path):
    return lambda login: access.user(path, login)


def test_the_users_table_gives_a_role_and_an_area(roles):
    access.set_user(roles, "Jane@Example.org", "partner", by="admin@example.org", default_area="E07000130")
    viewer = access.signed_in_viewer(claims(), named(roles))
    assert (viewer.role, viewer.login, viewer.default_area, viewer.via) == ("partner", "jane@example.org", "E07000130", "users table")
    assert not viewer.public and not viewer.can_upload and not viewer.can_edit and not viewer.can_manage


def test_a_claim_gives_the_highest_role_it_names(roles):
    viewer = access.signed_in_viewer(claims(roles=["partner", "Analyst", "someone-else"]), named(roles), role_claim="roles")
    assert viewer.role == "analyst" and viewer.can_upload and viewer.can_edit and not viewer.can_manage
    assert access.signed_in_viewer(claims(roles="admin"), named(roles), role_claim="roles").can_manage


def test_the_table_overrides_the_claim_and_can_withhold_a_role(roles):
    access.set_user(roles, "jane@example.org", "public", by="admin@example.org")
    assert access.signed_in_viewer(claims(roles=["admin"]), named(roles), role_claim="roles").public


def test_a_profile_row_keeps_the_area_but_never_a_role(roles):
    analyst = access.signed_in_viewer(claims(roles=["analyst"]), named(roles), role_claim="roles")
    access.set_default_area(roles, analyst, "E07000133")
    assert access.user(roles, "jane@example.org")["role"] == "public"
    again = access.signed_in_viewer(claims(roles=["analyst"]), named(roles), role_claim="roles")
    assert (again.role, again.default_area) == ("analyst", "E07000133")
    # the claim withdrawn, the profile row gives nothing
    assert access.signed_in_viewer(claims(), named(roles), role_claim="roles").public


def test_nobody_signed_in_without_a_role_gets_more_than_public(roles):
    viewer = access.signed_in_viewer(claims(), named(roles), role_claim="roles")
    assert viewer.public and viewer.signed_in and viewer.via == "no role"
    with pytest.raises(access.AccessDenied):
        access.set_default_area(roles, viewer, "E07000130")


def test_an_unverified_address_is_never_matched_to_the_table(roles):
    access.set_user(roles, "jane@example.org", "admin", by="admin@example.org")
    assert access.signed_in_viewer(claims(email_verified=False), named(roles)).public
    assert access.signed_in_viewer(claims(email_verified=True), named(roles)).can_manage


def test_a_sign_in_expires_after_the_deployment_s_hours(monkeypatch):
    now = datetime(2024, 1, 1, 12, tzinfo=timezone.utc)
    fresh = {"iat": (now - timedelta(hours=11)).timestamp()}
    stale = {"iat": (now - timedelta(hours=13)).timestamp()}
    assert not access.session_expired(fresh, now=now)
    assert access.session_expired(stale, now=now)
    assert access.session_expired({}, now=now)
    assert access.session_expired({"iat": (now + timedelta(hours=1)).timestamp()}, now=now)
    monkeypatch.setenv("LSCSB_SESSION_HOURS", "24")
    assert not access.session_expired(stale, now=now)


@pytest.mark.parametrize("flags, expected", [
    ({}, ("partner", False, False)),
    ({"LSCSB_ALLOW_UPLOAD": "1", "LSCSB_ALLOW_EDIT": "1"}, ("partner", True, True)),
    ({"LSCSB_PUBLIC": "1", "LSCSB_ALLOW_UPLOAD": "1", "LSCSB_ALLOW_EDIT": "1"}, ("public", False, False)),
])
def test_without_a_provider_the_deployment_s_switches_decide_as_before(monkeypatch, flags, expected):
    for name in ("LSCSB_PUBLIC", "LSCSB_ALLOW_UPLOAD", "LSCSB_ALLOW_EDIT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in flags.items():
        monkeypatch.setenv(name, value)
    viewer = access.deployment_viewer()
    assert (viewer.role, viewer.can_upload, viewer.can_edit) == expected


def test_role_changes_are_recorded_in_the_trail(roles):
    access.set_user(roles, "jane@example.org", "partner", by="ada@example.org")
    access.set_user(roles, "jane@example.org", "analyst", by="ada@example.org")
    assert access.remove_user(roles, "jane@example.org", by="ada@example.org")
    assert not access.remove_user(roles, "jane@example.org", by="ada@example.org")
    trail = access.audit_trail(roles)
    assert list(trail.what) == ["jane@example.org: removed (was analyst)", "jane@example.org: partner to analyst",
                                "jane@example.org: added as partner"]
    assert set(trail.who) == {"ada@example.org"} and set(trail.action) == {"role"}


def test_a_login_that_is_not_a_sign_in_name_is_refused(roles):
    for bad in ("", "two words@example.org", "x" * 300):
        with pytest.raises(ValueError):
            access.set_user(roles, bad, "partner", by="ada@example.org")
    with pytest.raises(ValueError, match="unknown role"):
        access.set_user(roles, "jane@example.org", "superuser", by="ada@example.org")


def test_loads_are_audited_with_their_hash_and_replacements_as_such(db_path, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("indicator,area_code,period,numerator,denominator\nall_crime,E07000129,2021-03,5,\n")
    loaders.load_files(db_path, [path], who="ann@example.org")
    path.write_text("indicator,area_code,period,numerator,denominator\nall_crime,E07000129,2021-03,6,\n")
    loaders.load_files(db_path, [path])
    loaders.load_files(db_path, [path], dry_run=True)
    trail = access.audit_trail(access.access_path(db_path))
    import hashlib
    assert list(trail.action) == ["replacement", "load"]
    assert trail.who.iloc[1] == "ann@example.org" and trail.who.iloc[0].startswith("command line (")
    assert trail.sha256.iloc[0] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert trail.what.iloc[0].endswith("1 figures, 1 replaced")


def test_users_and_the_trail_survive_a_rebuild(tmp_path):
    db = tmp_path / "lscsb.duckdb"
    build(db)
    access.set_user(access.access_path(db), "jane@example.org", "partner", by="ada@example.org")
    build(db)
    assert access.user(access.access_path(db), "jane@example.org")["role"] == "partner"
    assert list(access.audit_trail(access.access_path(db)).action) == ["build", "role", "build"]


def run_cli(*args, db: Path) -> cli_support.Result:
    return cli_support.run_cli(*args, "--db", db)


def test_the_users_and_audit_commands(db_path):
    added = run_cli("users", "add", "Jane@Example.org", "--role", "partner", "--area", "E07000130", db=db_path)
    assert added.returncode == 0 and added.stdout.startswith("jane@example.org is partner, opening on E07000130")
    assert run_cli("users", "add", "x@example.org", "--role", "partner", "--area", "E99999999", db=db_path).returncode == 2
    listed = run_cli("users", "list", db=db_path)
    assert "jane@example.org" in listed.stdout and "partner" in listed.stdout and "x@example.org" not in listed.stdout
    assert run_cli("users", "remove", "jane@example.org", db=db_path).returncode == 0
    assert run_cli("users", "remove", "jane@example.org", db=db_path).returncode == 2
    audit = run_cli("audit", db=db_path)
    lines = audit.stdout.splitlines()
    assert len(lines) == 2 and "role: jane@example.org: removed (was partner)" in lines[0]
    assert "command line (" in lines[0]
    csv_text = run_cli("audit", "--format", "csv", "--limit", "1", db=db_path).stdout
    assert csv_text.splitlines()[0] == "at,who,action,what,sha256,detail" and len(csv_text.splitlines()) == 2


def test_a_public_viewer_is_refused_unprotected_figures_before_the_cache(monkeypatch, demo_db_path):
    from pages.shared import access as app_access
    from pages.shared import cache

    monkeypatch.setenv("LSCSB_DB", str(demo_db_path))
    monkeypatch.setattr(app_access, "viewer", lambda: access.PUBLIC)
    ident = cache.identity()
    with pytest.raises(access.AccessDenied):
        cache.area_summary(ident, "E07000130", datetime(2021, 11, 1).date(), "rolling12", False)
    with pytest.raises(access.AccessDenied):
        cache.full_extract(ident, is_public=False, generated_at=datetime(2024, 1, 1))
    monkeypatch.setattr(app_access, "viewer", lambda: access.for_role("partner", login="p@example.org"))
    assert len(cache.area_summary(ident, "E07000130", datetime(2021, 11, 1).date(), "rolling12", False))
