"""Thin Typer layer: parse arguments, call a service, print. No domain logic lives here."""
