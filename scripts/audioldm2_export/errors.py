"""The single exception type the command line reports as one line on stderr."""


class ExportError(Exception):
    """A problem the user can fix (bad input, wrong folder, failed validation); printed without a traceback."""
