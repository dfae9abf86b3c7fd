"""The command line says what is wrong, answers --help at once, and its entry points work as the README says."""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import lscsb_data as L
from lscsb_data.cli import checks, parser
from tests.cli_support import run_cli
from tests.fixture_db import make_fixture_db

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).with_name("lscsb")
# Libraries that take most of a second to import: --help must never load them.
HEAVY = ("pandas", "numpy", "duckdb", "scipy", "altair", "streamlit", "pyarrow", "pptx", "vl_convert")


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    """The tiny fixture as a file (areas D1 Alpha, D2 Beta, C1 Fixture County ...; figures April 2018 - March 2020)."""
    path = tmp_path_factory.mktemp("cli") / "f.duckdb"
    make_fixture_db(str(path)).close()
    return path


def every_command(top: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command words, parser) for every command and sub-command, e.g. (("comment", "add"), parser)."""
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from every_command(sub, (*path, name))


def leaf_commands(top):
    commands = list(every_command(top))
    return [(words, sub) for words, sub in commands
            if not any(isinstance(action, argparse._SubParsersAction) for action in sub._actions)]


# --- what is wrong ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["summary", "--period", "2020-03", "--area", "alpha"],
     "error: unknown area 'alpha': did you mean D1 (Alpha)? `python -m lscsb_data areas` lists them all"),
    (["summary", "--period", "2020-03", "--area", "NOPE"],
     "error: unknown area 'NOPE': `python -m lscsb_data areas` lists them all"),
    (["summary", "--period", "2020-03", "--comparator", "regio"],
     "error: unknown comparator 'regio': did you mean R1 (Fixture Region)? `python -m lscsb_data comparators` lists them all"),
    (["summary", "--period", "2020-03", "--comparator", "peers"],
     "error: unknown comparator 'peers': did you mean P1 (Fixture Peers)? `python -m lscsb_data comparators` lists them all"),
    (["summary", "--period", "2020-03", "--indicator", "violence"],
     "error: unknown indicator 'violence': did you mean violence_with_injury (Violence with injury) or "
     "domestic_violence_with_injury (Domestic violence with injury) or domestic_abuse_violence_without_injury "
     "(Domestic abuse: violence without injury)? `python -m lscsb_data indicators` lists them all"),
    (["summary", "--period", "2030-01"],
     "error: no figures for 2030-01: the database holds figures from 2018-04 to 2020-03"),
    (["summary", "--period", "2017-12", "--indicator", "all_crime"],
     "error: no figures for 2017-12: the database holds all_crime from 2018-04 to 2020-03"),
    (["summary", "--period", "2020-03", "--indicator", "probation_reoffending"],
     "error: no figures for 2020-03: the database holds no figures for probation_reoffending"),
    (["summary", "--period", "March"], "error: 'March' is not a month: expected YYYY-MM, e.g. 2020-03"),
    (["exceptions", "--period", "2020-03", "--area", "Beta"],
     "error: unknown area 'Beta': did you mean D2 (Beta)? `python -m lscsb_data areas` lists them all"),
    (["exceptions", "--period", "2031-03"], "error: no figures for 2031-03: the database holds figures from 2018-04 to 2020-03"),
    (["spc", "--indicator", "all_crim", "--area", "D1"],
     "error: unknown indicator 'all_crim': did you mean all_crime (Overall crime) or policeuk_all_crime (All crime "
     "(police.uk, excluding ASB))? `python -m lscsb_data indicators` lists them all"),
    (["spc", "--indicator", "all_crime", "--area", "D1", "--period", "2024-01"],
     "error: no figures for 2024-01: the database holds all_crime from 2018-04 to 2020-03"),
    (["pack", "--area", "D1", "--quarter", "2030-31-Q1"],
     "error: no figures for 2030-31-Q1 (2030/31 Q1 (Apr-Jun 2030)): the database holds figures from 2018-04 to 2020-03"),
    (["pack", "--area", "gamma", "--quarter", "2019-20-Q4"],
     "error: unknown area 'gamma': did you mean U1 (Gamma)? `python -m lscsb_data areas` lists them all"),
    (["export", "--indicator", "fte"],
     "error: unknown indicator 'fte': did you mean fte_youth (First-time entrants to the criminal justice system aged "
     "10-17)? `python -m lscsb_data indicators` lists them all"),
    (["export", "--from", "2020-03", "--to", "2019-04"], "error: --from 2020-03 is after --to 2019-04"),
])
def test_a_mistake_exits_2_naming_the_close_matches_or_the_range_held(fixture_db, args, message):
    result = run_cli(*args, "--db", fixture_db)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


def test_commentary_on_an_unknown_theme_names_the_themes(fixture_db):
    result = run_cli("comment", "add", "--db", fixture_db, "--area", "D1", "--quarter", "2019-20-Q4", "--theme", "crim",
                     "--author", "A", "--text", "x", env={"LSCSB_ALLOW_EDIT": "1"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown theme 'crim': did you mean crime (Ongoing reductions in crime)")
    assert "The choices are crime, offending, victims, asb, hate, policeuk" in result.stderr


def test_a_comparison_that_is_not_offered_is_a_usage_error(fixture_db):
    result = run_cli("summary", "--db", fixture_db, "--period", "2020-03", "--comparison", "rolling")
    assert result.returncode == 2
    assert "invalid choice: 'rolling' (choose from 'rolling12', 'quarter')" in result.stderr


def test_the_checks_name_a_comparator_the_others_offer():
    with pytest.raises(checks.CommandError, match=r"^unknown comparator 'msfg': did you mean MSFG-F1 \(Most similar\)\?"):
        checks.one_of("comparator", "msfg", {"E12000004": "East Midlands", "MSFG-F1": "Most similar"})
    assert checks.comparison("quarter") == "quarter"


def test_valid_choices_still_print_their_figures(fixture_db):
    result = run_cli("summary", "--db", fixture_db, "--period", "2020-03", "--indicator", "violence_with_injury",
                     "--area", "C1")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["area_code"], row["current_numerator"]) for row in rows] == [("C1", "384")]


def test_areas_lists_the_force_first_then_comparators(fixture_db):
    result = run_cli("areas", "--db", fixture_db, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["code"], row["role"]) for row in rows] == [
        ("D1", "force area"), ("D2", "force area"), ("C1", "force area"), ("U1", "force area"), ("F1", "force area"),
        ("F1-UNALLOCATED", "force area"), ("R1", "comparator"),
    ]


# --- help ---------------------------------------------------------------------------------------------------


def test_every_option_of_every_command_has_help_text_without_markup():
    top = parser("lscsb")
    commands = list(every_command(top))
    assert {"summary", "areas", "load", "pack", "comment add"} <= {" ".join(words) for words, _ in commands}
    for words, sub in [((), top), *commands]:
        texts = [sub.description or "", sub.epilog or ""]
        for action in sub._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            name = "/".join(action.option_strings) or action.dest
            assert action.help and action.help.strip(), f"lscsb {' '.join(words)} {name} has no help text"
            texts.append(action.help)
        for text in texts:
            assert not re.search(r"``|`|:[a-z]+:`|\*\*|^\s*\.\. ", text), f"markup in lscsb {' '.join(words)}: {text!r}"
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help and "`" not in choice.help, choice.dest


def test_help_imports_none_of_the_heavy_libraries():
    script = (
        "import argparse, json, sys\n"
        "from lscsb_data.cli import parser\n"
        "def walk(p):\n"
        "    p.format_help()\n"
        "    for a in p._actions:\n"
        "        if isinstance(a, argparse._SubParsersAction):\n"
        "            for sub in a.choices.values(): walk(sub)\n"
        "walk(parser('lscsb'))\n"
        f"print(json.dumps(sorted(name for name in {list(HEAVY)!r} if name in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_help_answers_in_under_a_second_of_cpu_for_every_command():
    """CPU time, not wall time: the shared machine's load would make a wall-clock limit flaky."""
    import resource

    for words, _sub in [((), None), *leaf_commands(parser("lscsb"))]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run([sys.executable, "-m", "lscsb_data", *words, "--help"], cwd=ROOT,
                                capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("usage: python -m lscsb_data"), result.stdout[:80]
        assert cpu < 1.0, f"`lscsb {' '.join(words)} --help` took {cpu:.2f} s of CPU"


# --- entry points ------------------------------------------------------------------------------------------


def test_python_dash_m_exits_with_the_commands_status(fixture_db):
    wrong = subprocess.run([sys.executable, "-m", "lscsb_data", "summary", "--db", str(fixture_db), "--period", "2020-03",
                            "--area", "nope"], cwd=ROOT, capture_output=True, text=True)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert wrong.stderr == "error: unknown area 'nope': `python -m lscsb_data areas` lists them all\n"


def test_the_lscsb_script_is_installed_and_prints_the_engines_figures(demo_db_path, tmp_path):
    assert CONSOLE_SCRIPT.exists(), f"no {CONSOLE_SCRIPT}: run `make setup`, which installs the package editable"
    result = subprocess.run([str(CONSOLE_SCRIPT), "summary", "--db", str(demo_db_path), "--period", "2020-03",
                             "--area", "E07000130", "--indicator", "violence_with_injury"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    with L.connect(demo_db_path, read_only=True) as con:
        engine = L.summary(con, period=__import__("datetime").date(2020, 3, 1), indicator="violence_with_injury",
                           area="E07000130").iloc[0]
    assert float(row["current_value"]) == engine.current_value
    usage = subprocess.run([str(CONSOLE_SCRIPT), "summary", "--area", "charnwood"], capture_output=True, text=True)
    assert usage.returncode == 2 and usage.stderr.startswith("usage: lscsb summary")
    named = subprocess.run([str(CONSOLE_SCRIPT), "summary", "--db", str(demo_db_path), "--period", "2020-03",
                            "--area", "charnwood"], capture_output=True, text=True)
    assert named.returncode == 2
    assert named.stderr == ("error: unknown area 'charnwood': did you mean E07000130 (Charnwood)? "
                            "`lscsb areas` lists them all\n")


# --- the README's examples --------------------------------------------------------------------------------


def documented_commands() -> list[tuple[str, str]]:
    """(file, command line) for every `lscsb ...` line in a shell block of the README and docs/."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        blocks = re.findall(r"```sh\n(.*?)```", path.read_text(), flags=re.S)
        text = "\n".join(blocks).replace("\\\n", " ")
        for line in text.splitlines():
            command = line.split("#", 1)[0].strip()
            command = re.sub(r"^(?:[A-Z_]+=\S+\s+)+", "", command)
            if command.startswith("lscsb "):
                found.append((path.name, command))
    return found


def test_every_documented_command_is_one_the_command_line_accepts():
    commands = documented_commands()
    assert len(commands) >= 10 and any(name == "README.md" for name, _ in commands)
    top = parser("lscsb")
    for name, command in commands:
        words = shlex.split(command)[1:]
        if "--help" in words:
            continue
        try:
            top.parse_args(words)
        except SystemExit:
            pytest.fail(f"{name}: `{command}` is not a command lscsb accepts")


def test_the_readme_shows_the_message_the_command_line_prints(demo_db_path):
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"```\n\$ (lscsb summary [^\n]+)\n(error: [^\n]+)\n```", readme)
    assert shown, "the README's example of a mistake"
    result = run_cli(*shlex.split(shown.group(1))[1:], "--db", demo_db_path)
    checks_prog = checks.PROG
    assert result.returncode == 2
    assert result.stderr.strip() == shown.group(2).replace("`lscsb ", f"`{checks_prog} ")
