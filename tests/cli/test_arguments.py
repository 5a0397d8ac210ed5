"""The options the commands share (grader.cli.arguments): one definition, one validator, the same everywhere."""

import argparse

import pytest

from grader.cli import arguments, grade, hint, listing, show, watch
from grader.cli import main as cli
from grader.exitcodes import ExitCode


# -- the validators ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [("1", 1), ("30", 30), (" 7 ", 7)])
def test_whole_number_at_least_one_accepts(text, value):
    assert arguments.whole_number_at_least_one(text) == value


@pytest.mark.parametrize("text", ["0", "-3", "1.5", "two", ""])
def test_whole_number_at_least_one_refuses(text):
    with pytest.raises(argparse.ArgumentTypeError, match=f"expected a whole number of at least 1, got {text!r}"):
        arguments.whole_number_at_least_one(text)


@pytest.mark.parametrize("text, value", [("2.5", 2.5), ("1", 1.0), ("0.01", 0.01)])
def test_positive_seconds_accepts(text, value):
    assert arguments.positive_seconds(text) == value


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "soon"])
def test_positive_seconds_refuses(text):
    with pytest.raises(argparse.ArgumentTypeError, match=f"expected a positive number of seconds, got {text!r}"):
        arguments.positive_seconds(text)


# -- every command refuses a bad value the same way, naming the option --------------------------------
@pytest.mark.parametrize("argv, message", [
    (["histogram", "--examples", "0"], "argument --examples: expected a whole number of at least 1, got '0'"),
    (["list", "--examples", "many"], "argument --examples: expected a whole number of at least 1, got 'many'"),
    (["watch", "--examples", "0"], "argument --examples: expected a whole number of at least 1, got '0'"),
    (["dev", "check", "--examples", "0"], "argument --examples: expected a whole number of at least 1, got '0'"),
    (["batch", "subs", "--examples", "0"], "argument --examples: expected a whole number of at least 1, got '0'"),
    (["histogram", "--timeout", "-1"], "argument --timeout: expected a positive number of seconds, got '-1'"),
    (["watch", "--timeout", "0"], "argument --timeout: expected a positive number of seconds, got '0'"),
    (["batch", "subs", "--timeout", "nan"], "argument --timeout: expected a positive number of seconds, got 'nan'"),
    (["watch", "--interval", "0"], "argument --interval: expected a positive number of seconds, got '0'"),
    (["batch", "subs", "--submission-timeout", "0"],
     "argument --submission-timeout: expected a positive number of seconds, got '0'"),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_a_refused_value_is_a_usage_error_naming_the_option(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == ExitCode.USAGE
    assert message in capsys.readouterr().err


# -- help -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [[], *([name] for name in cli.SUBCOMMANDS), ["dev", "check"]],
                         ids=lambda command: " ".join(["pixelgrade", *command]))
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == ExitCode.OK
    assert " ".join(capsys.readouterr().out.split()).startswith(" ".join(["usage: pixelgrade", *command]))


def test_the_top_level_help_names_the_other_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(f"pixelgrade {name}" in text for name in cli.SUBCOMMANDS)


# -- the same option is the same everywhere ------------------------------------------------------------
PARSERS = {"pixelgrade": grade.build_parser, "watch": watch.build_parser, "list": listing.build_parser,
           "hint": hint.build_parser, "show": show.build_parser}


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    # argparse offers no public way to look an option up; _actions is what format_help reads.
    return next((action for action in parser._actions if flag in action.option_strings), None)


@pytest.mark.parametrize("command", ["pixelgrade", "watch", "list"])
def test_grade_watch_and_list_accept_the_same_target_and_examples(command):
    parser = PARSERS[command]()
    args = parser.parse_args(["--target", "work", "--examples", "7"])
    assert (args.target, args.examples) == ("work", 7)
    assert parser.parse_args([]).target == arguments.DEFAULT_TARGET


@pytest.mark.parametrize("flag, commands", [
    ("--target", ["pixelgrade", "watch", "list", "hint", "show"]),
    ("--examples", ["pixelgrade", "watch", "list"]),
    ("--timeout", ["pixelgrade", "watch"]),
    ("--state", ["pixelgrade", "watch", "list", "hint"]),
])
def test_a_shared_option_is_one_definition(flag, commands):
    definitions = {command: _option(PARSERS[command](), flag) for command in commands}
    assert None not in definitions.values()
    # The default of --examples is the command's own (list grades quickly); the rest is the same.
    assert len({(d.type, d.metavar, d.help.split(" (default")[0]) for d in definitions.values()}) == 1
    if flag != "--examples":
        assert len({(d.default, d.help) for d in definitions.values()}) == 1
