"""`linkratio completion bash|zsh|fish`: a completion script written from the parser itself.

The scripts are generated from the full parser (every command module loads for this
command only), so a new command or option completes without editing anything here.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterator
from typing import TextIO

import linkratio.cli.options as options

SHELLS = ("bash", "zsh", "fish")

_BASH = """\
# linkratio completion for {shell}: written by 'linkratio completion {shell}'
{preamble}_linkratio_subcommands() {{
    case "$1" in
{subcommands}
    esac
}}
_linkratio_words() {{
    case "$1" in
{words}
    esac
}}
_linkratio() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" path="" word i
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${{COMP_WORDS[i]}}"
        case " $(_linkratio_subcommands "$path") " in
            *" $word "*) path="${{path:+$path }}$word" ;;
        esac
    done
    COMPREPLY=($(compgen -W "$(_linkratio_words "$path")" -- "$cur"))
}}
complete -o default -F _linkratio linkratio
"""

_ZSH_PREAMBLE = (
    "(( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }\n"  # no compinit yet
    "autoload -U +X bashcompinit && bashcompinit\n"
)


def register(sub: options.SubParsers) -> None:
    """Add `linkratio completion SHELL`."""
    p = options.command(sub, "completion", completion)
    p.add_argument("shell", choices=SHELLS, help="the shell: bash, zsh or fish")
    options.add_quiet(p, help="no warnings")


def completion(args: argparse.Namespace, out: TextIO) -> int:
    """Print a script that completes linkratio's commands and options in your shell. Load it from
    your shell's startup file.

    examples:
      echo 'eval "$(linkratio completion bash)"' >> ~/.bashrc
      echo 'eval "$(linkratio completion zsh)"' >> ~/.zshrc
      linkratio completion fish > ~/.config/fish/completions/linkratio.fish
    """
    from linkratio.cli.app import build_parser

    tree = list(_walk(build_parser()))
    out.write(fish_script(tree) if args.shell == "fish" else bash_script(tree, args.shell))
    return options.EXIT_OK


Node = tuple[tuple[str, ...], dict[str, str], dict[str, str]]
"""A (sub)command: its path of words, its subcommands and its options, each with its help
(a positional's fixed choices, such as `config show|set`, are listed as options are)."""


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Node]:
    """Every parser under `parser`, top first."""
    subs: dict[str, str] = {}
    children: dict[str, argparse.ArgumentParser] = {}
    opts: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            subs |= {name: helps.get(name, "") for name in action.choices}
            children |= action.choices
        elif action.help != argparse.SUPPRESS and action.option_strings:
            opts |= {o: action.help or "" for o in action.option_strings}
        elif action.choices is not None:
            opts |= {str(choice): "" for choice in action.choices}
    yield path, subs, opts
    for name, child in children.items():
        yield from _walk(child, (*path, name))


def bash_script(tree: list[Node], shell: str = "bash") -> str:
    """The bash script (zsh runs it through bashcompinit)."""

    def case(key: tuple[str, ...], words: list[str]) -> str:
        return f"        {shlex.quote(' '.join(key))}) echo {shlex.quote(' '.join(words))} ;;"

    return _BASH.format(
        shell=shell,
        preamble=_ZSH_PREAMBLE if shell == "zsh" else "",
        subcommands="\n".join(case(path, list(subs)) for path, subs, _ in tree if subs),
        words="\n".join(case(path, [*subs, *opts]) for path, subs, opts in tree),
    )


def fish_script(tree: list[Node]) -> str:
    """The fish script: one `complete` line per command and option, with its help."""
    lines = ["# linkratio completion for fish: written by 'linkratio completion fish'"]
    paths = [path for path, _, _ in tree]
    for path, subs, opts in tree:
        seen = [f"__fish_seen_subcommand_from {word}" for word in path]
        # `report` is also `cohort report`: the top-level one's options are not cohort's.
        groups = sorted({q[-2] for q in paths if len(q) > len(path) > 0 and q[-1] == path[-1]})
        seen += [f"not __fish_seen_subcommand_from {' '.join(groups)}"] if groups else []
        if subs:
            names = " ".join(subs)
            here = [*seen, f"not __fish_seen_subcommand_from {names}"]
            for name, line in subs.items():
                lines.append(_fish(here, f"-f -a {name}", line))
        for option, line in opts.items():
            lines.append(_fish(seen or ["__fish_use_subcommand"], _fish_flag(option), line))
    return "\n".join(lines) + "\n"


def _fish_flag(word: str) -> str:
    """`-l since` for `--since`, `-s q` for `-q`, `-f -a show` for a positional's choice."""
    if word.startswith("--"):
        return f"-l {word[2:]}"
    return f"-s {word[1:]}" if word.startswith("-") else f"-f -a {word}"


def _fish(conditions: list[str], what: str, line: str) -> str:
    return f"complete -c linkratio -n {shlex.quote('; and '.join(conditions))} {what} " + (
        f"-d {shlex.quote(' '.join(line.split()))}"
    )
