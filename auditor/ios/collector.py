"""Reads an iPhone connected over USB with pymobiledevice3, through read-only requests only.

The collector only fetches. It asks lockdown for values (GetValue), starts three services and sends each a
single listing request — installation_proxy ``Browse``, MCInstall ``GetProfileList`` and
``GetCloudConfiguration`` — and asks lockdown to start ``com.apple.afc2`` only to learn whether it exists
(a jailbroken phone's root file service; the connection is closed unused). No request that installs,
removes or changes anything is in :data:`READ_ONLY_REQUESTS`, and nothing else is ever sent.

The one thing that does change the phone is pairing: the first time, the phone asks "Trust This
Computer?" and the person must tap Trust and enter the passcode. Pairing is what lets any computer read a
phone — so the trust this computer gets is itself an access path, to be removed after the audit (Settings ›
General › Transfer or Reset iPhone › Reset › Reset Location & Privacy). The pairing record pymobiledevice3
saves lives in a temporary folder deleted when the read ends (usbmuxd keeps its own copy, as for every
computer the phone trusts).

pymobiledevice3 is imported here only, inside the functions, so ``auditor --help`` never loads it.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.ios.parsers import Answer

# (service or "lockdown", request) pairs this collector sends, for the record and for the tests.
READ_ONLY_REQUESTS: tuple[tuple[str, str], ...] = (
    ("lockdown", "QueryType"),
    ("lockdown", "GetValue"),
    ("lockdown", "StartSession"),
    ("lockdown", "StopSession"),
    ("lockdown", "StartService"),
    ("com.apple.mobile.installation_proxy", "Browse"),
    ("com.apple.mobile.MCInstall", "GetProfileList"),
    ("com.apple.mobile.MCInstall", "GetCloudConfiguration"),
)
# Pairing, only when the phone does not trust this computer yet: it shows "Trust This Computer?".
PAIRING_REQUESTS: tuple[tuple[str, str], ...] = (("lockdown", "Pair"),)
SERVICE_TIMEOUT = 60.0
CONNECT_TIMEOUT = 20.0
DEFAULT_PAIR_TIMEOUT = 60.0

BEFORE_CONNECTING = (
    'Reading the iPhone over USB: unlock it and keep it unlocked. If it asks "Trust This Computer?", tap '
    "Trust and enter the phone's passcode — nothing on the phone is changed, but a trusted computer can read the "
    "phone later, so remove this trust when the audit is done (Settings › General › Transfer or Reset iPhone › "
    "Reset › Reset Location & Privacy)."
)
USBMUXD_MISSING = (
    "The service that talks to iPhones over USB (usbmuxd) is not running, so no iPhone could be read. "
    "Linux: install it (Debian/Ubuntu `sudo apt install usbmuxd`, Fedora `sudo dnf install usbmuxd`) and plug the "
    "phone in again; macOS has it built in (restart the Mac if this persists); Windows: install Apple's \"Apple "
    'Devices" app (or iTunes) from the Microsoft Store, then connect the phone.'
)
NO_PHONE = (
    "No iPhone is connected by cable. Connect it with a USB (or USB-C) cable to this computer, unlock it, and "
    "run the audit again. If it is connected, try another cable or port: some cables only charge."
)
SEVERAL = (
    '{count} iPhones or iPads are connected. Disconnect all but the one to check (so the "Trust" question '
    "appears on the right phone) and run the audit again."
)
NOT_TRUSTED = (
    'The iPhone has not trusted this computer yet. Unlock it; when it asks "Trust This Computer?", tap Trust '
    "and enter the phone's passcode, then run the audit again. (If no question appears, unplug and reconnect the "
    "cable.) Remember to remove this trust afterwards: Settings › General › Transfer or Reset iPhone › Reset › "
    "Reset Location & Privacy."
)
DENIED = (
    '"Don\'t Trust" was chosen on the iPhone, so it cannot be read. To try again, unplug and reconnect the cable '
    "and tap Trust this time. If you did not tap Don't Trust yourself, someone else may be answering the phone."
)
LOCKED = "The iPhone is locked. Unlock it (and keep the screen on while the audit runs), then run the audit again."
LOCKED_READ = "the phone is locked; unlock it and run the audit again"
DROPPED = "The connection to the iPhone was lost ({why}). Check the cable, unlock the phone, and run the audit again."


@dataclass
class UsbAnswers:
    """What one iPhone answered, read once at the start of the audit."""

    udid: str
    values: Answer = field(default_factory=Answer)
    chaperone: Answer = field(default_factory=Answer)
    backup_settings: Answer = field(default_factory=Answer)
    developer_mode: Answer = field(default_factory=Answer)
    apps: Answer = field(default_factory=Answer)
    profiles: Answer = field(default_factory=Answer)
    cloud_configuration: Answer = field(default_factory=Answer)
    afc2: Answer = field(default_factory=Answer)

    @property
    def locked(self) -> bool:
        """Whether the phone refused a read because it is locked (then nothing it said can be relied on)."""
        answers = (self.values, self.chaperone, self.backup_settings, self.developer_mode, self.apps)
        return any(
            a.error.endswith(LOCKED_READ) for a in (*answers, self.profiles, self.cloud_configuration, self.afc2)
        )


class PhoneUnavailable(Exception):
    """No phone could be read at all; the message says why and what to do, for the person."""


def _why(exc: BaseException) -> str:
    from auditor.safetext import literal

    text = str(exc).strip()
    return literal(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, 200)


def explain(exc: BaseException) -> str:
    """The person's words for why a phone could not be opened (pymobiledevice3's exceptions mapped)."""
    from pymobiledevice3 import exceptions as e

    if isinstance(exc, PhoneUnavailable):
        return str(exc)
    if isinstance(exc, e.ConnectionFailedToUsbmuxdError):
        return USBMUXD_MISSING
    if isinstance(exc, (e.NoDeviceConnectedError, e.DeviceNotFoundError)):
        return NO_PHONE
    if isinstance(exc, e.UserDeniedPairingError):
        return DENIED
    if isinstance(exc, (e.PasswordRequiredError, e.PasscodeRequiredError)):
        return LOCKED
    if isinstance(exc, (e.PairingDialogResponsePendingError, e.NotPairedError, e.FatalPairingError, e.PairingError)):
        return NOT_TRUSTED
    if isinstance(exc, e.InvalidHostIDError):
        return NOT_TRUSTED
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return DROPPED.format(why="the phone did not answer in time")
    if isinstance(exc, (e.ConnectionTerminatedError, e.MuxException, OSError, asyncio.IncompleteReadError)):
        return DROPPED.format(why=_why(exc))
    return f"The iPhone could not be read: {_why(exc)}"


async def _answer(step: Callable[[], Awaitable[Any]], what: str, timeout: float = SERVICE_TIMEOUT) -> Answer:
    """One read, its failure turned into a plain "not read" (never an exception)."""
    from pymobiledevice3 import exceptions as e

    try:
        return Answer(await asyncio.wait_for(step(), timeout))
    except e.MissingValueError:
        return Answer(absent=True)
    except (e.PasswordRequiredError, e.PasscodeRequiredError):
        return Answer(error=f"{what}: {LOCKED_READ}")
    except asyncio.TimeoutError:
        return Answer(error=f"{what}: the phone did not answer within {timeout:g} s")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # any failure of one read is that read's gap, never the end of the audit
        return Answer(error=f"{what}: {_why(exc)}")


async def _afc2(lockdown: Any, timeout: float = SERVICE_TIMEOUT) -> Answer:
    """Whether lockdown starts com.apple.afc2; the connection is closed at once without a request."""
    from pymobiledevice3 import exceptions as e

    try:
        connection = await asyncio.wait_for(lockdown.start_lockdown_service("com.apple.afc2"), timeout)
    except (e.InvalidServiceError, e.StartServiceError):
        return Answer(False)
    except (e.PasswordRequiredError, e.PasscodeRequiredError):
        return Answer(error=f"the jailbreak file service check: {LOCKED_READ}")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return Answer(error=f"the jailbreak file service check: {_why(exc)}")
    await connection.close()
    return Answer(True)


async def read_answers(lockdown: Any, timeout: float = SERVICE_TIMEOUT) -> UsbAnswers:
    """Every read of one paired phone, one after the other (a phone serves one request at a time)."""
    from pymobiledevice3.services.installation_proxy import InstallationProxyService
    from pymobiledevice3.services.mobile_config import MobileConfigService

    answers = UsbAnswers(udid=str(lockdown.udid or lockdown.identifier or ""))
    answers.values = await _answer(lambda: lockdown.get_value(), "the device values", timeout)
    answers.chaperone = await _answer(
        lambda: lockdown.get_value("com.apple.mobile.chaperone"), "the supervision setting", timeout
    )
    answers.backup_settings = await _answer(
        lambda: lockdown.get_value("com.apple.mobile.backup"), "the backup settings", timeout
    )
    answers.developer_mode = await _answer(
        lambda: lockdown.get_value("com.apple.security.mac.amfi", "DeveloperModeStatus"), "Developer Mode", timeout
    )

    async def browse() -> Any:
        async with InstallationProxyService(lockdown=lockdown) as proxy:
            return await proxy.browse(options={"ApplicationType": "Any"})

    answers.apps = await _answer(browse, "the installed apps", timeout)

    async def profiles() -> Any:
        async with MobileConfigService(lockdown=lockdown) as config:
            return await config.get_profile_list()

    answers.profiles = await _answer(profiles, "the configuration profiles", timeout)

    async def cloud() -> Any:
        async with MobileConfigService(lockdown=lockdown) as config:
            return await config.get_cloud_configuration()

    answers.cloud_configuration = await _answer(cloud, "the cloud configuration", timeout)
    answers.afc2 = await _afc2(lockdown, timeout)
    return answers


@dataclass(frozen=True)
class ConnectedPhone:
    serial: str
    connection_type: str


async def list_phones(usbmux_address: str | None = None) -> list[ConnectedPhone]:
    """Phones usbmuxd sees over USB, one entry per phone (a phone can be listed twice, USB and Wi-Fi)."""
    from pymobiledevice3 import usbmux

    devices = await asyncio.wait_for(usbmux.list_devices(usbmux_address=usbmux_address), CONNECT_TIMEOUT)
    seen: dict[str, ConnectedPhone] = {}
    for device in devices:
        if device.is_usb:
            seen.setdefault(device.serial, ConnectedPhone(device.serial, device.connection_type))
    return list(seen.values())


async def read_phone(
    usbmux_address: str | None = None,
    pair_timeout: float = DEFAULT_PAIR_TIMEOUT,
    pairing_folder: Path | None = None,
    service_timeout: float = SERVICE_TIMEOUT,
) -> UsbAnswers:
    """Everything the checks need from the one phone connected by cable, or PhoneUnavailable saying why."""
    from pymobiledevice3.lockdown import create_using_usbmux

    try:
        phones = await list_phones(usbmux_address)
    except Exception as exc:
        raise PhoneUnavailable(explain(exc)) from None
    if not phones:
        raise PhoneUnavailable(NO_PHONE)
    if len(phones) > 1:
        raise PhoneUnavailable(SEVERAL.format(count=len(phones)))
    phone = phones[0]
    with tempfile.TemporaryDirectory(prefix="auditor-iphone-") as scratch:
        folder = pairing_folder or Path(scratch)
        try:
            lockdown = await asyncio.wait_for(
                create_using_usbmux(
                    serial=phone.serial,
                    connection_type="USB",
                    autopair=True,
                    pair_timeout=pair_timeout,
                    pairing_records_cache_folder=folder,
                    usbmux_address=usbmux_address,
                ),
                pair_timeout + min(CONNECT_TIMEOUT, service_timeout),
            )
        except Exception as exc:
            raise PhoneUnavailable(explain(exc)) from None
        try:
            answers = await read_answers(lockdown, service_timeout)
        finally:
            await lockdown.close()
    if answers.locked:
        raise PhoneUnavailable(LOCKED)
    return answers
