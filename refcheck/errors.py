"""The only exceptions that cross module boundaries: each stops the run, and the CLI turns it into one line and exit 2."""


class RefcheckError(Exception):
    """Base: a problem that stops the whole run."""


class InputError(RefcheckError):
    """A path that cannot be read as a document."""


class ConfigError(RefcheckError):
    """A bad option or configuration file."""


class CacheError(RefcheckError):
    """The cache cannot be opened or written."""
