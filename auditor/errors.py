"""The one error hierarchy of the tool, with the exit code each error ends the command line with.

    AuditorError                      exit 2 unless a subclass says otherwise
    ├── UsageError                    2  a command was called wrongly
    ├── ConfigError                   2  settings or an environment variable are wrong
    │   ├── CheckLoadError            2  a check's metadata is invalid, or two checks share an ID
    │   └── DataFileError             2  a YAML/JSON file is malformed; names file, line and field
    │       ├── PlaybookError         2
    │       ├── IndicatorError        2
    │       └── ScenarioError         2
    ├── CaseError                     2  the encrypted case store refused
    │   ├── CaseNotFound              2
    │   ├── WrongPassphrase           2  nothing was changed
    │   └── CaseLocked                2  the case is open in another process
    ├── CheckUnavailable              3  a check cannot run (no indicator set, no adb, no device)
    └── ConnectorError                3  a provider could not be read to the end
        ├── AuthError                 3  the token is missing, expired or refused
        ├── RateLimitedError          3  still throttled after the bounded retries
        ├── ProviderError             3  5xx, malformed or unexpected data
        └── NetworkError              3  offline, timeout, connection reset

Exit codes of ``auditor audit`` itself follow DESIGN: 0 clear, 1 found/review, 3 incomplete, 2 usage.
"""

from __future__ import annotations


class AuditorError(Exception):
    """Base of every error the tool raises on purpose."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(AuditorError):
    exit_code = 2


class ConfigError(AuditorError):
    exit_code = 2


class CheckLoadError(ConfigError):
    pass


class DataFileError(ConfigError):
    """A data file is wrong. The message names the file, the line (1-based) and the field."""

    def __init__(self, path: str, problem: str, line: int | None = None, field: str | None = None) -> None:
        where = str(path) + (f", line {line}" if line else "")
        what = f"{field}: {problem}" if field else problem
        super().__init__(f"{where}: {what}")
        self.path = str(path)
        self.line = line
        self.field = field
        self.problem = problem


class PlaybookError(DataFileError):
    pass


class IndicatorError(DataFileError):
    pass


class ScenarioError(DataFileError):
    pass


class CaseError(AuditorError):
    exit_code = 2


class CaseNotFound(CaseError):
    pass


class WrongPassphrase(CaseError):
    pass


class CaseLocked(CaseError):
    pass


class CheckUnavailable(AuditorError):
    """A check's prerequisite is missing; the engine shows it as `error` with this message."""

    exit_code = 3


class ConnectorError(AuditorError):
    exit_code = 3


class AuthError(ConnectorError):
    pass


class RateLimitedError(ConnectorError):
    pass


class ProviderError(ConnectorError):
    pass


class NetworkError(ConnectorError):
    pass
