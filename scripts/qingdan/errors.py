"""Exceptions for what cannot go on (as opposed to problems in the data)."""


class QingdanError(Exception):
    """A failure the user must fix before anything can run, with a message in Chinese."""
