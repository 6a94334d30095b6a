"""The one exception type the command line turns into a plain error message."""


class TinykitError(Exception):
    """A user-facing error: the message names the cause and the fix."""


def damaged_file(path: object, cause: object, fix: str | None = None) -> TinykitError:
    """The error for a file a run wrote and cannot read back (truncated or corrupted): its name, the
    reader's complaint, and ``fix``, by default deleting it so that the step which wrote it runs again."""
    fix = fix or "delete it and rerun the same command: the step that wrote it starts over"
    return TinykitError(f"{path} is damaged (truncated or corrupted: {cause}); {fix}.")
