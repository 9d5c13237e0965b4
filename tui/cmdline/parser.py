"""An argparse parser whose mistakes are one line, for the caller to print as `PROG: <what>` with its exit code."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn, TextIO

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in what the user asked for, worded as one line."""


class OneLineParser(argparse.ArgumentParser):
    """argparse prints its usage block and exits by itself on a mistake; this raises UsageError instead."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(one_line(without_doubled_option(message)))


def one_line(text: str) -> str:
    """Whatever line breaks and runs of spaces a message has, one line with single spaces."""
    return " ".join(text.split())


def without_doubled_option(message: str) -> str:
    """argparse puts "argument --speed: " before a type's message, which names the option itself already."""
    head, sep, rest = message.partition(": ")
    option = head.removeprefix("argument ")
    if sep and head.startswith("argument ") and rest.startswith(f"{option}:"):
        return rest
    return message


def report(prog: str, problem: BaseException | str, stream: TextIO, code: int = EXIT_USAGE) -> int:
    """Print `prog: problem` as one line and give back the exit code to end with."""
    print(f"{prog}: {one_line(str(problem))}", file=stream)
    return code


def bounded_option(  # type: ignore[no-untyped-def]
    name: str, low: float, high: float, convert: Callable[[str], float], *, expected: str = "a number", unit: str = ""
):
    """An argparse `type=`: the text converted (a ValueError means it is not one), then held within [low, high];
    each refusal names the option."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: expected {expected}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name}: must be between {low:g} and {high:g}{unit}, got {text}")
        return value

    return parse
