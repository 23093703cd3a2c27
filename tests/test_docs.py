"""The documentation stays true to the CLI: docs/cli.md, the README's quick start and commands.

Every command of ``convex_activity.cli.main`` has a ``## <command>`` section in docs/cli.md whose
option table lists each of its options exactly as ``--help`` shows it (names and metavar), with
the default ``--help`` shows; every option and command has help text; ``-h`` works everywhere;
the README's quick start and "Commands" table name only what exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from convex_activity.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLI_MD = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
GLOBAL_SECTION = "Global options"

COMMANDS = sorted(main.commands)
HELP_NAMES = {"-h", "--help"}


def sections(text: str) -> dict[str, str]:
    """The body of every ``## `` section (up to the next ``## `` heading), by heading."""
    found: dict[str, str] = {}
    parts = re.split(r"^## +(.+?) *$", text, flags=re.MULTILINE)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        assert heading not in found, f"duplicate heading ## {heading}"
        found[heading] = body
    return found


def fenced(body: str, lang: str) -> list[str]:
    """The contents of the ```lang fenced blocks in ``body``, stripped."""
    return [m.strip() for m in re.findall(rf"^```{lang}\n(.*?)^```", body, re.S | re.M)]


def mentions(text: str, name: str) -> bool:
    """Whether option ``name`` (e.g. ``--day``) occurs as a whole word in ``text``."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def user_options(command: click.Command) -> list[click.Option]:
    """The command's options except the automatic help option."""
    return [p for p in command.params
            if isinstance(p, click.Option) and not HELP_NAMES & set(p.opts)]


def long_names(option: click.Option) -> list[str]:
    return [n for n in [*option.opts, *option.secondary_opts] if n.startswith("--")]


def command_context(name: str) -> click.Context:
    return click.Context(main.commands[name], info_name=name,
                         parent=click.Context(main, info_name="convex-activity"))


def option_rows(body: str) -> dict[str, list[str]]:
    """Option table rows of a section, keyed by the first cell's code text (``--hours N``)."""
    rows: dict[str, list[str]] = {}
    for line in body.splitlines():
        m = re.match(r"^\| *`(-[^`]*)` *\|(.*)\|\s*$", line)
        if m:
            # Inside a table, a literal "|" is written "\|".
            rows[m.group(1).replace("\\|", "|")] = [
                cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", m.group(2))
            ]
    return rows


@pytest.fixture(scope="module")
def cli_sections() -> dict[str, str]:
    return sections(CLI_MD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def readme_sections() -> dict[str, str]:
    return sections(README.read_text(encoding="utf-8"))


def test_the_cli_has_the_four_documented_commands() -> None:
    assert COMMANDS == ["check", "collect", "dev-server", "report"]


def test_every_command_has_a_section_and_no_section_names_a_missing_command(
    cli_sections: dict[str, str],
) -> None:
    missing = [c for c in COMMANDS if c not in cli_sections]
    assert missing == [], f"docs/cli.md lacks '## <command>' for {missing}"
    # A one-word lower-case heading is a command heading: it must name a real command.
    stale = [h for h in cli_sections if re.fullmatch(r"[a-z][a-z-]*", h) and h not in COMMANDS]
    assert stale == [], f"docs/cli.md documents commands the CLI does not have: {stale}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_documented_as_help_shows_it(
    name: str, cli_sections: dict[str, str]
) -> None:
    command = main.commands[name]
    body = cli_sections[name]
    rows = option_rows(body)
    ctx = command_context(name)
    expected = {}
    for option in user_options(command):
        for long in long_names(option):
            assert mentions(body, long), f"## {name} does not mention {long}"
        record = option.get_help_record(ctx)
        assert record is not None
        expected[record[0]] = option
    # The option table lists exactly the command's options, each as `--name METAVAR`.
    assert sorted(rows) == sorted(expected), f"## {name} option table drifted from --help"
    for signature, option in expected.items():
        if option.show_default and option.default is not None:
            default_cell = rows[signature][-1]
            assert f"`{option.default}`" in default_cell, (
                f"## {name}: {signature} default should be `{option.default}`, "
                f"docs say {default_cell!r}"
            )


def test_global_options_are_documented(cli_sections: dict[str, str]) -> None:
    body = cli_sections[GLOBAL_SECTION]
    ctx = click.Context(main, info_name="convex-activity")
    signatures = set()
    for option in user_options(main):
        for long in long_names(option):
            assert mentions(body, long), f"## {GLOBAL_SECTION} does not mention {long}"
        record = option.get_help_record(ctx)
        assert record is not None
        signatures.add(record[0])
    assert sorted(option_rows(body)) == sorted(signatures)


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_every_command_and_option_has_help(name: str | None) -> None:
    command = main if name is None else main.commands[name]
    assert (command.help or "").strip(), f"{name or 'main'} has no help"
    for option in user_options(command):
        assert (option.help or "").strip(), f"{name or 'main'} {option.opts} has no help"


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_dash_h_prints_help(name: str | None) -> None:
    args = ["-h"] if name is None else [name, "-h"]
    result = CliRunner().invoke(main, args, prog_name="convex-activity")
    assert result.exit_code == 0, result.output
    usage = "convex-activity" if name is None else f"convex-activity {name}"
    assert result.output.startswith(f"Usage: {usage} [OPTIONS]")
    command = main if name is None else main.commands[name]
    for option in user_options(command):
        for long in long_names(option):
            assert long in result.output


def test_readme_quick_start_commands(readme_sections: dict[str, str]) -> None:
    blocks = fenced(readme_sections["Quick start"], "bash")
    assert len(blocks) == 2, blocks
    install, tests = blocks
    assert "pip install" in install
    assert "convex-activity" in install
    assert tests == "./scripts/test"
    script = ROOT / "scripts" / "test"
    assert script.is_file() and script.stat().st_mode & 0o111, "scripts/test is not executable"


def test_ci_runs_the_readme_test_command() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    code = [line.split("#", 1)[0] for line in lines]
    assert any(re.search(r"(?<![\w/.])\./scripts/test(?![\w/])", line) for line in code)


def test_readme_quick_start_options_exist(readme_sections: dict[str, str]) -> None:
    install = fenced(readme_sections["Quick start"], "bash")[0]
    for invocation in re.findall(r"convex-activity (\S+)((?: --?[\w-]+(?: [^\s&-]\S*)?)*)",
                                 install):
        name, rest = invocation
        assert name in COMMANDS, f"README quick start runs unknown command {name}"
        known = {n for o in main.commands[name].params for n in getattr(o, "opts", [])}
        used = re.findall(r"(?<!\S)(--?[\w-]+)", rest)
        assert used, f"no options parsed for {name}"
        assert set(used) <= known, f"README quick start: {name} has no {set(used) - known}"


def test_readme_commands_table_names_real_commands_and_options(
    readme_sections: dict[str, str],
) -> None:
    body = readme_sections["Commands"]
    all_options = {n for c in [main, *main.commands.values()] for p in c.params
                   if isinstance(p, click.Option) for n in [*p.opts, *p.secondary_opts]}
    all_options |= HELP_NAMES
    table = [line for line in body.splitlines() if line.startswith("| `convex-activity")]
    named = []
    for row in table:
        m = re.match(r"^\| `convex-activity ([\w-]+)` \|(.*)\|\s*$", row)
        assert m, row
        name, what = m.groups()
        named.append(name)
        assert name in COMMANDS, f"README Commands table names unknown command {name}"
        own = {n for p in main.commands[name].params for n in getattr(p, "opts", [])}
        for option in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", what):
            assert option in own, f"README: {name} has no {option}"
        for option, values in re.findall(r"`(--[a-z][\w-]*) ([\w]+(?:\\\|[\w]+)+)`", what):
            param = next(p for p in main.commands[name].params
                         if isinstance(p, click.Option) and option in p.opts)
            assert isinstance(param.type, click.Choice)
            assert sorted(values.split("\\|")) == sorted(map(str, param.type.choices))
    assert sorted(named) == COMMANDS, "README Commands table should list every command once"
    for option in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", body):
        assert option in all_options, f"README Commands section mentions unknown {option}"


@pytest.mark.parametrize("name", COMMANDS)
def test_dash_h_works_on_a_command_invoked_on_its_own(name: str) -> None:
    # click caches a command's help option: -h must not depend on the group being invoked first.
    command = main.commands[name]
    assert CliRunner().invoke(command, ["-h"]).exit_code == 0
    assert CliRunner().invoke(main, [name, "-h"]).exit_code == 0
