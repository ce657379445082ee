"""`linkratio schedule`: the crontab line, the systemd pair, and --install without touching the
real systemd (XDG_CONFIG_HOME points into tmp_path, systemctl is a recorder)."""

from __future__ import annotations

import io
import re
import shlex
import shutil
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest
from helpers import one_account_home

from linkratio import config
from linkratio.cli import main
from linkratio.errors import InputError
from linkratio.weekly import schedule
from linkratio.weekly.schedule import crontab_line, install, make_plan, service_unit, timer_unit


def test_plan_uses_absolute_paths_and_no_secrets(tmp_path: Path) -> None:
    environ = {"LINKRATIO_DB": str(tmp_path / "lib.sqlite"), "XDG_CONFIG_HOME": str(tmp_path)}
    plan = make_plan(
        "@me",
        weekday="tue",
        at=time(6, 45),
        emails=["a@example.org"],
        webhook_env="SLACK_HOOK",
        environ=environ,
        python="/opt/venv/bin/python",
    )
    assert plan.command == (
        "/opt/venv/bin/python", "-m", "linkratio", "weekly", "@me", "--quiet", "--sync",
        "--out", str(schedule.default_out()),
        "--email", "a@example.org", "--webhook-env", "SLACK_HOOK",
    )  # fmt: skip
    # The config file this shell finds through XDG_CONFIG_HOME is named for cron too.
    config_file = str(tmp_path / "linkratio" / "config.toml")
    assert plan.env == {
        "LINKRATIO_DB": str(tmp_path / "lib.sqlite"),
        "LINKRATIO_CONFIG": config_file,
    }
    assert plan.env_file == tmp_path / "linkratio" / "weekly.env"
    line = crontab_line(plan)
    fields = line.split(" ", 5)
    assert fields[:5] == ["45", "6", "*", "*", "2"]
    assert f"LINKRATIO_DB={tmp_path / 'lib.sqlite'}" in line
    env_file = tmp_path / "linkratio" / "weekly.env"
    # A missing env file must not stop cron's /bin/sh: it is tested before it is read.
    assert f"set -a; [ -r {env_file} ] && . {env_file}; set +a; " in line
    assert "/opt/venv/bin/python -m linkratio weekly @me --quiet" in line
    assert line.endswith(f">> {shlex.quote(str(plan.log))} 2>&1")
    service = service_unit(plan)
    assert "Type=oneshot" in service
    assert f"Environment=LINKRATIO_DB={tmp_path / 'lib.sqlite'}" in service
    assert f"EnvironmentFile=-{tmp_path / 'linkratio' / 'weekly.env'}" in service
    assert "ExecStart=/opt/venv/bin/python -m linkratio weekly @me --quiet" in service
    timer = timer_unit(plan)
    assert "OnCalendar=Tue *-*-* 06:45:00" in timer and "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer


def test_sunday_is_cron_day_0_and_percent_is_escaped() -> None:
    plan = make_plan("@me", weekday="sun", environ={}, python="/p/100%/python")
    line = crontab_line(plan)
    assert line.startswith("0 7 * * 0 ")
    assert "/p/100\\%/python" in line
    assert "ExecStart=/p/100%%/python" in service_unit(plan)


def test_paths_with_spaces_are_quoted_for_systemd() -> None:
    plan = make_plan("@me", environ={"LINKRATIO_CONFIG": "/home/a b/c.toml"}, python="/x y/py")
    service = service_unit(plan)
    assert 'ExecStart="/x y/py" -m linkratio' in service
    assert 'Environment="LINKRATIO_CONFIG=/home/a b/c.toml"' in service
    assert "'/x y/py'" in crontab_line(plan)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"weekday": "someday"}, "invalid weekday"), ({"webhook_env": "A-B"}, "variable name")],
)
def test_bad_plans(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        make_plan("@me", environ={}, **kwargs)
    with pytest.raises(InputError, match="HH:MM"):
        schedule.parse_at("7am")


def test_install_writes_the_pair_and_enables_the_timer(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    plan = make_plan("@me", environ={}, python="/venv/bin/python")
    done = install(plan, tmp_path / "units", lambda args: calls.append(list(args)) or 0)
    assert done.enabled
    assert done.service.read_text() == service_unit(plan)
    assert done.timer.read_text() == timer_unit(plan)
    assert calls == [["daemon-reload"], ["enable", "--now", "linkratio-weekly.timer"]]


def test_install_without_systemctl_says_how_to_enable(tmp_path: Path) -> None:
    plan = make_plan("@me", environ={}, python="/venv/bin/python")
    done = install(plan, tmp_path, lambda args: None)
    assert not done.enabled and done.service.is_file()
    assert "systemctl --user enable --now linkratio-weekly.timer" in done.note
    failed = install(plan, tmp_path, lambda args: 1)
    assert not failed.enabled and "exit 1" in failed.note


@pytest.fixture
def lib_env(tmp_path: Path, monkeypatch) -> Path:
    """A library holding @me, a config file of its own, units and logs under tmp_path."""
    return one_account_home(tmp_path, monkeypatch, "me", "@ana hi")


def test_schedule_command_prints_and_installs(lib_env: Path, monkeypatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(schedule, "run_systemctl", lambda args: calls.append(list(args)) or 0)
    out = io.StringIO()
    code = main(["schedule", "@me", "--email", "a@example.org", "--at", "08:15", "--install"], out)
    assert code == 0
    text = out.getvalue()
    env = f"LINKRATIO_DB={lib_env / 'lib.sqlite'} LINKRATIO_CONFIG={lib_env / 'config.toml'}"
    # Every quarter hour on the machine's clock, on only at Monday 08:15 in the zone.
    check = (
        r"0,15,30,45 \* \* \* \* t=\$\(TZ=(\S+) date \+\\%u\\%H\\%M\); "
        r'\[ "\$t" -ge 10815 \] && \[ "\$t" -lt 10830 \] \|\| exit 0; '
    )
    run = f"{env} {sys.executable} -m linkratio weekly @me --quiet --sync"
    found = re.search(f"^{check}{re.escape(run)}", text, re.MULTILINE)
    assert found is not None and f"--tz {found[1]}" in text
    assert "# linkratio-weekly.service" in text
    assert f"OnCalendar=Mon *-*-* 08:15:00 {found[1]}" in text
    assert "loginctl enable-linger" in text
    units = lib_env / "xdg" / "systemd" / "user"
    assert (units / "linkratio-weekly.service").read_text() in text
    assert (units / "linkratio-weekly.timer").is_file()
    assert calls[-1] == ["enable", "--now", "linkratio-weekly.timer"]
    assert "linkratio-weekly.timer enabled" in text


def _exec_start(text: str) -> list[str]:
    (line,) = [x for x in text.splitlines() if x.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=").split(" ")


def test_the_job_syncs_writes_to_an_absolute_folder_in_the_resolved_zone(lib_env: Path) -> None:
    out = io.StringIO()
    assert main(["schedule", "--email", "a@example.org", "--out", "rel", "--tz", "UTC"], out) == 0
    argv = _exec_start(out.getvalue())
    assert argv[3:7] == ["weekly", "@me", "--quiet", "--sync"]
    assert argv[argv.index("--out") + 1] == str(Path("rel").absolute())
    assert argv[argv.index("--tz") + 1] == "UTC"
    out = io.StringIO()
    assert main(["schedule", "@me", "--no-sync", "--email", "a@example.org"], out) == 0
    argv = _exec_start(out.getvalue())
    assert "--sync" not in argv
    assert argv[argv.index("--out") + 1] == str(lib_env / "data" / "linkratio" / "weekly")
    # Without --tz the system zone is resolved now and written down.
    from linkratio.analysis import resolve_zone

    assert argv[argv.index("--tz") + 1] == resolve_zone(None)[1]


def test_schedule_refuses_an_unknown_account_zone_or_weekday(lib_env: Path, capsys) -> None:
    assert main(["schedule", "@nobody"], io.StringIO()) == 2
    assert "no account @nobody" in capsys.readouterr().err
    assert main(["schedule", "@me", "--tz", "Mars/Olympus"], io.StringIO()) == 2
    assert "Mars/Olympus" in capsys.readouterr().err
    assert main(["schedule", "@me", "--weekday", "monkey"], io.StringIO()) == 2
    assert "invalid weekday 'monkey'" in capsys.readouterr().err
    out = io.StringIO()
    assert main(["schedule", "@me", "--weekday", "Friday"], out) == 0
    assert "OnCalendar=Fri *-*-*" in out.getvalue()


def test_the_env_file_hint_quotes_the_url(lib_env: Path) -> None:
    out = io.StringIO()
    assert main(["schedule", "@me", "--webhook-env", "TEAM_HOOK"], out) == 0
    env_file = lib_env / "xdg" / "linkratio" / "weekly.env"
    assert f"# put TEAM_HOOK='https://...' into {env_file} (chmod 600)" in out.getvalue()


def test_install_exits_1_when_systemctl_fails_and_0_without_systemctl(
    lib_env: Path, monkeypatch
) -> None:
    monkeypatch.setattr(schedule, "run_systemctl", lambda args: 1)
    out = io.StringIO()
    assert main(["schedule", "@me", "--install"], out) == 1
    assert "systemctl failed (exit 1)" in out.getvalue()
    monkeypatch.setattr(schedule, "run_systemctl", lambda args: None)
    out = io.StringIO()
    assert main(["schedule", "@me", "--install"], out) == 0
    assert "systemctl not found: enable it with" in out.getvalue()


def test_schedule_warns_about_what_cron_will_not_have(lib_env: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("X_BEARER_TOKEN", "token-in-the-shell")
    assert main(["schedule", "@me", "--email", "a@example.org"], io.StringIO()) == 0
    err = capsys.readouterr().err
    assert "LINKRATIO_SMTP_HOST is set only in this shell's environment" in err
    assert "X_BEARER_TOKEN is set only in this shell's environment" in err
    assert "email needs smtp.sender" in err
    assert "token-in-the-shell" not in err
    # Stored in the config file, they raise no warning; no destination does.
    monkeypatch.delenv("X_BEARER_TOKEN")
    config.set_value("x.bearer_token", "token-in-the-file")
    assert main(["schedule", "@me"], io.StringIO()) == 0
    err = capsys.readouterr().err
    assert "X_BEARER_TOKEN" not in err
    assert "the job has no destination" in err


def test_the_cron_line_runs_under_sh_without_its_env_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    echo = shutil.which("echo")
    if echo is None or shutil.which("sh") is None:
        pytest.skip("needs sh and echo")
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "none")}
    plan = make_plan("@me", webhook_env="HOOK", environ=environ, python=echo)
    assert plan.log is not None and plan.env_file is not None and not plan.env_file.exists()
    plan.log.parent.mkdir(parents=True)
    command = crontab_line(plan).split(" ", 5)[5]
    subprocess.run(["sh", "-c", command], check=True, env={"PATH": "/usr/bin:/bin"})
    assert "-m linkratio weekly @me --quiet --sync" in plan.log.read_text()


def test_schedule_bad_input(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "none.sqlite"))
    assert main(["schedule", "@me", "--at", "25:00"], io.StringIO()) == 2
    assert "invalid time" in capsys.readouterr().err
    assert main(["schedule", "@me", "--email", "nope"], io.StringIO()) == 2
    # Without ACCOUNT the library must name the only account.
    assert main(["schedule"], io.StringIO()) == 2
    assert "no library" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("smtp.tls", "maybe", "smtp.tls is 'maybe': expected one of starttls, ssl, none"),
        ("smtp.port", "99999", "smtp.port is '99999': expected a port number"),
        ("smtp.sender", "not an address", "smtp.sender is 'not an address': expected"),
    ],
)
def test_schedule_warns_when_the_smtp_settings_would_fail_every_run(
    lib_env: Path, capsys, key: str, value: str, said: str
) -> None:
    # Written by hand: `config set` refuses such a value itself (an older one stored it).
    settings = {"host": "mail.example.org", "sender": "linkratio@example.org"}
    settings[key.partition(".")[2]] = value
    lines = "".join(f'{name} = "{text}"\n' for name, text in settings.items())
    config.config_path().write_text(f"[smtp]\n{lines}")
    assert config.get(key) == value
    assert main(["schedule", "@me", "--email", "a@example.org"], io.StringIO()) == 0
    err = capsys.readouterr().err
    assert said in err
    assert "every weekly run would fail to mail" in err


def test_schedule_says_nothing_of_smtp_settings_that_work(lib_env: Path, capsys) -> None:
    config.set_value("smtp.host", "mail.example.org")
    config.set_value("smtp.sender", "linkratio@example.org")
    config.set_value("smtp.tls", "ssl")
    assert main(["schedule", "@me", "--email", "a@example.org"], io.StringIO()) == 0
    assert "smtp" not in capsys.readouterr().err
