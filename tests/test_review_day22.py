"""Review of day 22's change: library reread, the weekly owner mark, chart checks, config."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from linkratio.cli import main


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(stdin))
        code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


# --- config: a file nested deeper than Python recurses -----------------------------------

DEEP = {
    # a table 1,500 dotted keys deep: tomllib reads it, tomli_w cannot write it back
    "dotted": "a" + ".a" * 1500 + " = 1\n",
    # arrays 1,500 deep: tomllib itself recurses once per level
    "array": "x = " + "[" * 1500 + "]" * 1500 + "\n",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_config_set_on_a_deeply_nested_file_is_one_line_and_keeps_it(
    config_file: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    # `config set` kept stray entries by writing the whole file again (tomli_w): a table
    # too deep for that ended in a RecursionError traceback; so did reading deep arrays.
    config_file.write_text(DEEP[kind])
    code, out, err = run(["config", "set", "smtp.host", "-q"], capsys, "mail.example.org\n")
    assert code == 2, err[-300:]
    assert err.count("\n") == 1 and str(config_file) in err and "Traceback" not in err
    assert config_file.read_text() == DEEP[kind]


def test_config_show_on_deeply_nested_arrays_is_one_line(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(DEEP["array"])
    code, out, err = run(["config", "show"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(config_file) in err and "Traceback" not in err
