"""The practice iPhone: usbmuxd, lockdownd and the services the audit reads, on 127.0.0.1.

It speaks what pymobiledevice3 sends, so the real collector drives it unchanged:

- **usbmuxd**, plist protocol (libimobiledevice ``libusbmuxd``; pymobiledevice3 ``usbmux.py``): each packet a
  16-byte little-endian header (length, version 1, message type 8, tag) and an XML plist; ``ReadBUID``,
  ``ListDevices``, ``ReadPairRecord``, ``SavePairRecord`` and ``Connect`` (``PortNumber`` in network byte
  order), after which the same socket carries the device port's traffic. Reach it with
  ``USBMUXD_SOCKET_ADDRESS=127.0.0.1:PORT`` — libusbmuxd's variable, which pymobiledevice3 honours.
- **lockdownd** (libimobiledevice ``src/lockdown.c``): 32-bit big-endian length + XML plist per message;
  ``QueryType``, ``GetValue``, ``StartSession`` (which turns the connection into TLS, the phone presenting the
  pairing record's DeviceCertificate and accepting only the record's HostCertificate as the client),
  ``StartService`` (a port and ``EnableServiceSSL``), ``Pair`` (when not trusted: the "Trust This Computer?"
  answer the scenario chooses), ``StopSession``. Lockdown also listens on its own TCP port, for
  pymobiledevice3's TCP lockdown client (``create_using_tcp``).
- **services**, TLS from the first byte: installation_proxy (``Browse``, answered in pages of
  ``CurrentList`` and a final ``Status: Complete``), MCInstall (``GetProfileList``, ``GetCloudConfiguration``)
  and, on a jailbroken phone, com.apple.afc2.

Every request is logged; anything that would change a real phone (SetValue, Unpair, InstallProfile,
RemoveProfile, Uninstall, ...) is refused with an error and logged, so tests can prove none was sent.
"""

from __future__ import annotations

import asyncio
import functools
import plistlib
import socket
import ssl
import struct
import tempfile
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.sandbox.iphone.pairing import DeviceKeys, make_pair_record
from auditor.sandbox.iphone.scenario import IPhoneScenario, PracticePhone, load_scenario

LOCKDOWN_PORT = 62078
SERVICES = ("com.apple.mobile.installation_proxy", "com.apple.mobile.MCInstall", "com.apple.afc2")
READS = frozenset(
    {
        ("usbmuxd", "ReadBUID"),
        ("usbmuxd", "ListDevices"),
        ("usbmuxd", "Listen"),
        ("usbmuxd", "ReadPairRecord"),
        ("usbmuxd", "Connect"),
        ("lockdown", "QueryType"),
        ("lockdown", "GetValue"),
        ("lockdown", "StartSession"),
        ("lockdown", "StopSession"),
        ("lockdown", "StartService"),
        ("com.apple.mobile.installation_proxy", "Browse"),
        ("com.apple.mobile.MCInstall", "GetProfileList"),
        ("com.apple.mobile.MCInstall", "GetCloudConfiguration"),
        ("com.apple.afc2", "(connected)"),
    }
)
# Pairing changes the phone (it trusts a computer from then on); it is logged apart from reads and writes.
PAIRING = frozenset({("lockdown", "Pair"), ("usbmuxd", "SavePairRecord")})
PAGE = 20
MAX_MESSAGE = 16 * 1024 * 1024


@dataclass(frozen=True)
class Call:
    phone: str  # the phone's UDID ("" for usbmuxd itself)
    service: str
    request: str

    @property
    def kind(self) -> str:
        key = (self.service, self.request)
        return "read" if key in READS else "pairing" if key in PAIRING else "write"


@dataclass
class _Phone:
    spec: PracticePhone
    device_id: int
    keys: DeviceKeys
    record: dict[str, Any] | None = None
    ports: dict[str, int] = field(default_factory=dict)  # service -> loopback port
    lockdown_port: int = 0


class _Closed(Exception):
    pass


async def _read_exactly(reader: asyncio.StreamReader, size: int) -> bytes:
    try:
        return await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError) as exc:
        raise _Closed() from exc


async def _recv_plist(reader: asyncio.StreamReader) -> Any:
    (size,) = struct.unpack(">I", await _read_exactly(reader, 4))
    if size > MAX_MESSAGE:
        raise _Closed()
    try:
        return plistlib.loads(await _read_exactly(reader, size))
    except (plistlib.InvalidFileException, ValueError) as exc:
        raise _Closed() from exc


def _dumps(value: Any) -> bytes:
    """XML, as lockdown answers; binary when a string holds a control character XML cannot carry (a phone's
    name or an app's name can hold any character, and pymobiledevice3 reads both formats)."""
    try:
        return plistlib.dumps(value)
    except ValueError:
        return plistlib.dumps(value, fmt=plistlib.FMT_BINARY)


async def _send_plist(writer: asyncio.StreamWriter, value: Any) -> None:
    payload = _dumps(value)
    writer.write(struct.pack(">I", len(payload)) + payload)
    await writer.drain()


async def _send_raw(writer: asyncio.StreamWriter, payload: bytes) -> None:
    writer.write(struct.pack(">I", len(payload)) + payload)
    await writer.drain()


async def _upgrade(writer: asyncio.StreamWriter, context: ssl.SSLContext) -> None:
    # StreamWriter.start_tls (Python 3.11) on a server stream runs the server side of the handshake.
    start_tls: Callable[..., Awaitable[None]] = getattr(writer, "start_tls")  # noqa: B009
    await start_tls(context)


class PracticeIPhone:
    """One scenario's phones behind one practice usbmuxd, served from a thread until :meth:`stop`."""

    def __init__(self, scenario: str | Path | IPhoneScenario = "clean") -> None:
        self.scenario = scenario if isinstance(scenario, IPhoneScenario) else load_scenario(scenario)
        self.system_buid = str(uuid.uuid4()).upper()
        self.calls: list[Call] = []
        self.saved_records: dict[str, bytes] = {}
        self._log_lock = threading.Lock()
        self._folder = tempfile.TemporaryDirectory(prefix="auditor-practice-iphone-")
        self._phones: list[_Phone] = []
        self._servers: list[asyncio.AbstractServer] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping: asyncio.Event | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="practice-iphone", daemon=True)
        self.usbmux_port = 0
        for index, spec in enumerate(self.scenario.phones):
            phone = _Phone(spec=spec, device_id=index + 1, keys=DeviceKeys.generate())
            if spec.trust == "trusted":
                phone.record = make_pair_record(phone.keys, self.system_buid, _mac(index))
            self._phones.append(phone)

    # --- lifecycle

    def start(self) -> PracticeIPhone:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._loop.close()
        self._folder.cleanup()

    def __enter__(self) -> PracticeIPhone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _listen(self, handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> int:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            try:
                await handler(reader, writer)
            except (_Closed, ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                if task is not None:
                    self._tasks.discard(task)

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        self._servers.append(server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        self.usbmux_port = await self._listen(self._usbmux)
        for phone in self._phones:
            phone.lockdown_port = await self._listen(functools.partial(self._lockdown, phone))
            for service in SERVICES:
                phone.ports[service] = await self._listen(functools.partial(self._service, phone, service))

    async def _stop(self) -> None:
        assert self._stopping is not None
        self._stopping.set()
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()

    # --- what tests read

    @property
    def usbmux_address(self) -> str:
        return f"127.0.0.1:{self.usbmux_port}"

    def lockdown_port(self, index: int = 0) -> int:
        return self._phones[index].lockdown_port

    def pair_record(self, index: int = 0) -> dict[str, Any] | None:
        """The pairing record of a trusted phone, as the computer it trusts holds it."""
        record = self._phones[index].record
        return dict(record) if record is not None else None

    def log(self) -> list[Call]:
        with self._log_lock:
            return list(self.calls)

    def writes(self) -> list[Call]:
        return [c for c in self.log() if c.kind == "write"]

    def _record(self, phone: _Phone | None, service: str, request: Any) -> None:
        name = request if isinstance(request, str) else repr(request)
        with self._log_lock:
            self.calls.append(Call(phone.spec.udid if phone else "", service, name))

    # --- usbmuxd

    async def _usbmux(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            header = await _read_exactly(reader, 16)
            length, _version, message, tag = struct.unpack("<IIII", header)
            if length < 16 or length > MAX_MESSAGE:
                return
            body = await _read_exactly(reader, length - 16)
            try:
                request = plistlib.loads(body) if message == 8 else {}
            except (plistlib.InvalidFileException, ValueError):
                return
            kind = request.get("MessageType", "") if isinstance(request, dict) else ""
            self._record(None, "usbmuxd", kind)

            async def answer(value: dict[str, Any], tag: int = tag) -> None:
                payload = _dumps(value)
                writer.write(struct.pack("<IIII", 16 + len(payload), 1, 8, tag) + payload)
                await writer.drain()

            if kind == "ReadBUID":
                await answer({"BUID": self.system_buid})
            elif kind == "ListDevices":
                await answer({"DeviceList": [self._attached(p) for p in self._phones]})
            elif kind == "Listen":
                await answer({"MessageType": "Result", "Number": 0})
            elif kind == "ReadPairRecord":
                phone = self._by_udid(request.get("PairRecordID"))
                if phone is None or phone.record is None:
                    await answer({"MessageType": "Result", "Number": 2})
                else:
                    await answer({"PairRecordData": _dumps(phone.record)})
            elif kind == "SavePairRecord":
                data = request.get("PairRecordData")
                if isinstance(data, bytes):
                    self.saved_records[str(request.get("PairRecordID"))] = data
                await answer({"MessageType": "Result", "Number": 0})
            elif kind == "Connect":
                phone = next((p for p in self._phones if p.device_id == request.get("DeviceID")), None)
                port = request.get("PortNumber")
                target = _ntohs(port) if isinstance(port, int) else -1
                handler = self._connect_handler(phone, target) if phone else None
                if handler is None:
                    await answer({"MessageType": "Result", "Number": 3})
                    continue
                await answer({"MessageType": "Result", "Number": 0})
                await handler(reader, writer)
                return
            else:
                await answer({"MessageType": "Result", "Number": 1})

    def _attached(self, phone: _Phone) -> dict[str, Any]:
        return {
            "MessageType": "Attached",
            "DeviceID": phone.device_id,
            "Properties": {
                "ConnectionType": "USB",
                "DeviceID": phone.device_id,
                "SerialNumber": phone.spec.udid,
                "USBSerialNumber": phone.spec.udid.replace("-", ""),
                "ProductID": 4776,
                "LocationID": 0,
                "ConnectionSpeed": 480000000,
            },
        }

    def _by_udid(self, udid: Any) -> _Phone | None:
        return next((p for p in self._phones if p.spec.udid == udid), None)

    def _connect_handler(
        self, phone: _Phone, port: int
    ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]] | None:
        if port == LOCKDOWN_PORT:
            return functools.partial(self._lockdown, phone)
        for service, service_port in phone.ports.items():
            if service_port == port:
                return functools.partial(self._service, phone, service)
        return None

    # --- TLS

    def _context(self, phone: _Phone) -> ssl.SSLContext:
        record = phone.record
        if record is None:
            raise _Closed()
        folder = Path(self._folder.name)
        chain = folder / f"{phone.device_id}-device.pem"
        chain.write_bytes(bytes(record["DeviceCertificate"]) + b"\n" + phone.keys.private_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers("ALL:@SECLEVEL=0")
        context.load_cert_chain(chain)
        # Only the computer holding the pairing record's host key gets in: the client must present the record's
        # own HostCertificate. (It is trusted as it is — pairing certificates have empty names, which OpenSSL
        # cannot chain to their root — so the partial-chain flag lets that one certificate be the anchor.)
        context.verify_mode = ssl.CERT_REQUIRED
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        context.load_verify_locations(cadata=bytes(record["HostCertificate"]).decode("ascii"))
        return context

    # --- lockdownd

    def _values(self, phone: _Phone, session: bool) -> dict[str, Any]:
        spec = phone.spec
        values: dict[str, Any] = {
            "DeviceClass": "iPhone",
            "DeviceName": spec.name,
            "ProductType": spec.product_type,
            "ProductVersion": spec.ios_version,
            "BuildVersion": spec.build,
            "UniqueDeviceID": spec.udid,
            "DevicePublicKey": phone.keys.public_pem,
            "ProductName": "iPhone OS",
            "WiFiAddress": _mac(phone.device_id - 1),
        }
        if session:
            values.update(
                {
                    "SerialNumber": spec.serial,
                    "UniqueChipID": 0x1A2B3C4D5E801E,
                    "HardwareModel": "D74AP",
                    "CPUArchitecture": "arm64e",
                    "PasswordProtected": True,
                    "ActivationState": "Activated",
                }
            )
        return values

    async def _lockdown(self, phone: _Phone, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = False
        while True:
            message = await _recv_plist(reader)
            if not isinstance(message, dict):
                return
            request = message.get("Request", "")
            self._record(phone, "lockdown", request)
            reply: dict[str, Any] = {"Request": request}
            if request == "QueryType":
                reply["Type"] = "com.apple.mobile.lockdown"
            elif request == "GetValue":
                if session and not await self._get_value(phone, message, reply, writer):
                    continue
                if not session:
                    self._plain_value(phone, message, reply, session)
            elif request == "StartSession":
                if phone.record is None or message.get("HostID") != phone.record.get("HostID"):
                    reply["Error"] = "InvalidHostID"
                else:
                    reply.update({"SessionID": str(uuid.uuid4()).upper(), "EnableSessionSSL": True})
                    await _send_plist(writer, reply)
                    await _upgrade(writer, self._context(phone))
                    session = True
                    continue
            elif request == "StopSession":
                reply["Result"] = "Success"
            elif request == "Pair":
                self._pair(phone, message, reply)
            elif request == "StartService":
                self._start_service(phone, message, reply, session)
            else:
                # SetValue, RemoveValue, Unpair, EnterRecovery, ...: never done by the practice phone.
                reply["Error"] = "SetProhibited" if request == "SetValue" else "InvalidRequest"
            await _send_plist(writer, reply)

    def _plain_value(self, phone: _Phone, message: dict[str, Any], reply: dict[str, Any], session: bool) -> None:
        domain, key = message.get("Domain"), message.get("Key")
        values = self._values(phone, session)
        if domain is None and key is None:
            reply["Value"] = values
        elif domain is None and key in values:
            reply["Value"] = values[key]
        else:
            reply["Error"] = "MissingValue" if session else "GetProhibited"

    async def _get_value(
        self, phone: _Phone, message: dict[str, Any], reply: dict[str, Any], writer: asyncio.StreamWriter
    ) -> bool:
        """Fill ``reply`` for a GetValue in a session; False when a fault has already answered (or hung up)."""
        spec = phone.spec
        domain, key = message.get("Domain"), message.get("Key")
        fault_of = {
            None: spec.faults.values,
            "com.apple.mobile.chaperone": spec.faults.chaperone,
            "com.apple.mobile.backup": spec.faults.backup,
            "com.apple.security.mac.amfi": spec.faults.developer,
        }
        fault = fault_of.get(domain) if key is None or domain == "com.apple.security.mac.amfi" else None
        if fault is not None:
            return await self._value_fault(fault, reply, writer)
        if domain is None:
            self._plain_value(phone, message, reply, True)
        elif domain == "com.apple.mobile.chaperone" and key is None:
            reply["Value"] = {"DeviceIsChaperoned": spec.supervised}
        elif domain == "com.apple.mobile.backup" and key is None:
            backup: dict[str, Any] = {"WillEncrypt": False, "RequiresEncrypt": False}
            if spec.icloud_backup is not None:
                backup["CloudBackupEnabled"] = spec.icloud_backup
            reply["Value"] = backup
        elif domain == "com.apple.security.mac.amfi" and key == "DeveloperModeStatus":
            if spec.developer_mode is None:
                reply["Error"] = "MissingValue"
            else:
                reply["Value"] = spec.developer_mode
        else:
            reply["Error"] = "MissingValue"
        return True

    async def _value_fault(self, fault: str, reply: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        if fault == "drop":
            raise _Closed()
        if fault == "hang":
            assert self._stopping is not None
            await self._stopping.wait()
            raise _Closed()
        if fault == "malformed":
            await _send_raw(writer, b"<?xml version='1.0'?><plist><dict><key>Value</key><dict>")
            return False
        if fault == "wrong-shape":
            reply["Value"] = ["not", "what", "was", "asked"]
        else:  # refuse
            reply["Error"] = "GetProhibited"
        return True

    def _pair(self, phone: _Phone, message: dict[str, Any], reply: dict[str, Any]) -> None:
        trust = phone.spec.trust
        if phone.spec.locked:
            reply["Error"] = "PasswordProtected"
        elif trust == "denies":
            reply["Error"] = "UserDeniedPairing"
        elif trust == "untrusted":
            reply["Error"] = "PairingDialogResponsePending"
        elif trust == "accepts" or phone.record is not None:
            record = message.get("PairRecord")
            if not isinstance(record, dict) or "HostID" not in record or "RootCertificate" not in record:
                reply["Error"] = "InvalidPairRecord"
                return
            phone.record = dict(record)
            reply["EscrowBag"] = b"practice escrow bag"

    def _start_service(self, phone: _Phone, message: dict[str, Any], reply: dict[str, Any], session: bool) -> None:
        name = message.get("Service")
        reply["Service"] = name
        if not session:
            reply["Error"] = "NoRunningSession"
        elif phone.spec.locked:
            reply["Error"] = "PasswordProtected"
        elif name not in phone.ports or (name == "com.apple.afc2" and not phone.spec.jailbroken):
            reply["Error"] = "InvalidService"
        else:
            reply.update({"Port": phone.ports[str(name)], "EnableServiceSSL": True})

    # --- services

    async def _service(
        self, phone: _Phone, service: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await _upgrade(writer, self._context(phone))
        if service == "com.apple.afc2":
            self._record(phone, service, "(connected)")
            return
        while True:
            message = await _recv_plist(reader)
            if not isinstance(message, dict):
                return
            if service == "com.apple.mobile.installation_proxy":
                command = message.get("Command", "")
                self._record(phone, service, command)
                if command == "Browse":
                    await self._browse(phone, writer)
                else:
                    await _send_plist(writer, {"Error": "InstallProhibited", "Status": "Complete"})
            else:
                kind = message.get("RequestType", "")
                self._record(phone, service, kind)
                await self._mcinstall(phone, kind, writer)

    async def _browse(self, phone: _Phone, writer: asyncio.StreamWriter) -> None:
        fault = phone.spec.faults.browse
        apps = phone.spec.browse()
        if fault == "refuse":
            await _send_plist(writer, {"Status": "Complete", "Error": "ClientOptionsNotDict"})
            return
        if fault == "malformed":
            await _send_raw(writer, b"\x00\x01not a plist at all")
            raise _Closed()
        if fault == "wrong-shape":
            await _send_plist(writer, {"Status": "BrowsingApplications", "CurrentList": "apps", "Total": 1})
            await _send_plist(writer, {"Status": "Complete"})
            return
        if fault == "hang":
            assert self._stopping is not None
            await self._stopping.wait()
            raise _Closed()
        index = 0
        while True:
            page = apps[index : index + PAGE] or apps[:1]
            await _send_plist(
                writer,
                {
                    "Status": "BrowsingApplications",
                    "CurrentList": page,
                    "CurrentIndex": index,
                    "CurrentAmount": len(page),
                    "Total": len(apps),
                },
            )
            index += PAGE
            if fault == "drop" and index >= PAGE:
                raise _Closed()
            if fault == "endless":
                await asyncio.sleep(0.01)  # a listing that never says Complete
                continue
            if index >= len(apps):
                break
        await _send_plist(writer, {"Status": "Complete"})

    async def _mcinstall(self, phone: _Phone, kind: str, writer: asyncio.StreamWriter) -> None:
        spec = phone.spec
        if kind == "GetProfileList":
            fault = spec.faults.profiles
            if fault in ("drop", "hang", "malformed"):
                await self._value_fault(fault, {}, writer)
                raise _Closed()
            if fault == "wrong-shape":
                await _send_plist(writer, {"Status": "Acknowledged", "ProfileMetadata": ["a list, not a mapping"]})
                return
            if fault == "refuse":
                await _send_plist(writer, {"Status": "Error", "ErrorChain": [{"ErrorCode": 1}]})
                return
            await _send_plist(writer, _profile_list(spec))
        elif kind == "GetCloudConfiguration":
            fault = spec.faults.cloud
            if fault in ("drop", "hang", "malformed"):
                await self._value_fault(fault, {}, writer)
                raise _Closed()
            if fault == "refuse":
                await _send_plist(writer, {"Status": "Error", "ErrorChain": [{"ErrorCode": 1}]})
                return
            answer: dict[str, Any] = {"Status": "Acknowledged"}
            if fault == "wrong-shape":
                answer["CloudConfiguration"] = {"IsSupervised": "yes", "ConfigurationURL": 7}
            elif spec.cloud_configuration is not None:
                answer["CloudConfiguration"] = dict(spec.cloud_configuration)
            await _send_plist(writer, answer)
        else:
            # InstallProfile, RemoveProfile, Flush, EraseDevice, ...: refused.
            await _send_plist(writer, {"Status": "Error", "ErrorChain": [{"ErrorCode": 12001}]})


def _profile_list(spec: PracticePhone) -> dict[str, Any]:
    return {
        "Status": "Acknowledged",
        "OrderedIdentifiers": [p.identifier for p in spec.profiles],
        "ProfileManifest": {p.identifier: {"Description": p.name, "IsActive": True} for p in spec.profiles},
        "ProfileMetadata": {
            p.identifier: {
                "PayloadDisplayName": p.name,
                "PayloadOrganization": p.organisation,
                "PayloadDescription": p.description,
                "PayloadUUID": p.uuid,
                "PayloadVersion": 1,
                "PayloadRemovalDisallowed": p.removal_disallowed,
            }
            for p in spec.profiles
        },
    }


def _ntohs(port: int) -> int:
    return socket.ntohs(port & 0xFFFF)


def _mac(index: int) -> str:
    return f"02:00:00:00:00:{index + 1:02x}"
