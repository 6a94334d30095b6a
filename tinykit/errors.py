"""The one exception type the command line turns into a plain error message."""


class TinykitError(Exception):
    """A user-facing error: the message names the cause and the fix."""
