"""Help that helps: "did you mean", the command's own usage line, shell completion."""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess

import pytest
from test_cli_consistency import leaf_parsers

from linkratio.cli import build_parser, main
from linkratio.cli.options import COMMANDS


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    return capsys.readouterr().err


def test_a_mistyped_command_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(["audti", "data/sample"], capsys)
    assert "unknown command 'audti'; did you mean 'audit'?" in err
    err = _usage_error(["xyzzy"], capsys)
    assert "unknown command 'xyzzy' (see 'linkratio --help')" in err


def test_a_mistyped_subcommand_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(["library", "chek"], capsys)
    assert err.startswith("usage: linkratio library ")
    assert "did you mean 'check'?" in err


def test_a_mistyped_option_gets_a_suggestion_under_its_commands_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _usage_error(["audit", "data/sample", "--sinse", "2024-01-01"], capsys)
    assert err.startswith("usage: linkratio audit ")
    assert "linkratio audit: error: unrecognized arguments: --sinse" in err
    assert "did you mean '--since'?" in err
    err = _usage_error(["library", "check", "--quite"], capsys)
    assert err.startswith("usage: linkratio library check ") and "'--quiet'?" in err


def test_a_mistyped_choice_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(["classify", "data/sample", "--output", "tabel"], capsys)
    assert "did you mean 'table'?" in err


def test_a_missing_path_shows_the_commands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(["audit"], capsys)
    assert err.startswith("usage: linkratio audit ")
    assert "linkratio audit: error: the following arguments are required: @HANDLE|PATH" in err


def _script(shell: str) -> str:
    out = io.StringIO()
    assert main(["completion", shell], out) == 0
    return out.getvalue()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_lists_every_command_and_option(shell: str) -> None:
    script = _script(shell)
    words = set(script.replace("'", " ").split())
    for name in COMMANDS:
        assert name in words, name
    expect = {
        option
        for _, parser in leaf_parsers(build_parser())
        for action in parser._actions
        if action.help != argparse.SUPPRESS  # the tests' hidden --now
        for option in action.option_strings
        if option.startswith("--")
    }
    if shell == "fish":
        expect = {o[2:] for o in expect}
    assert expect <= words


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("linkratio au", "audit"),
        ("linkratio library ch", "check"),
        ("linkratio audit data --s", "--skip-invalid --since"),
        ("linkratio cohort build --sk", "--skip-invalid"),
        ("linkratio completion f", "fish"),
    ],
)
def test_bash_completes_a_line(line: str, expected: str) -> None:
    words = line.split()
    probe = (
        f"{_script('bash')}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _linkratio; "
        'echo "${COMPREPLY[@]}"'
    )
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == expected.split()


def test_every_command_has_a_one_paragraph_description_and_runnable_examples() -> None:
    """The help text comes from each handler's docstring (`options.command`): the wrapped
    docstring lines are joined into the description, and the examples keep their lines."""
    for name, parser in leaf_parsers(build_parser()):
        assert parser.description, name
        assert "\n" not in parser.description.strip(), name
        assert parser.epilog is not None and parser.epilog.startswith("example"), name
        examples = parser.epilog.splitlines()[1:]
        assert examples and all("linkratio " in line for line in examples), name
        assert all(line.startswith("  ") for line in examples), name


def test_a_docstring_becomes_description_and_epilog() -> None:
    from linkratio.cli.options import _help_texts

    doc = """First line of the description,
    its second line.

    A second paragraph.

    examples:
      linkratio audit data/sample
      linkratio classify x.zip
    """
    description, epilog = _help_texts(doc)
    assert description == "First line of the description, its second line.\n\nA second paragraph."
    assert epilog == "examples:\n  linkratio audit data/sample\n  linkratio classify x.zip"
    assert _help_texts("Only words.") == ("Only words.", None)
