"""Errors every layer may raise and catch, kept apart so that no module needs another to name them."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and key."""


class InputError(ValueError):
    """Bad user input (an option, a registry): printed as is, exit code 2."""


class SweepFailed(RuntimeError):
    """A sweep could not run (a service down); the message says what to do."""
