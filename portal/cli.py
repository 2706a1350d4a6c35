"""flask commands: create accounts, load demo data."""
import click
from flask import Flask


def register_cli(app: Flask) -> None:
    pass
