"""Textual stylesheets, shipped inside the package so an installed canaryscope finds them."""

from pathlib import Path

STYLESHEET = Path(__file__).with_name("canaryscope.tcss")
