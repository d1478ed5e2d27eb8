"""Windows Wi-Fi from the Native Wifi API (wlanapi.dll), which no display language changes.

`read_wifi()` asks WlanQueryInterface for the current connection, the channel and the RSSI
of the first connected interface, through ctypes; the structures come back as bytes and
`parse_connection` decodes them with fixed offsets (wlanapi.h: WLAN_CONNECTION_ATTRIBUTES,
WLAN_ASSOCIATION_ATTRIBUTES; natural alignment, the same on x86, x64 and ARM64), so the
decoding is tested on any OS. Off Windows, or when the WLAN service is stopped,
`read_wifi()` returns None and the caller falls back to `netsh`.
"""

from __future__ import annotations

import ctypes
import struct
import sys
from typing import Any

from agentprobe.netinfo.model import WifiLink, band_of_channel, normalize_mac

CONNECTED = 1  # WLAN_INTERFACE_STATE wlan_interface_state_connected
OPCODE_CURRENT_CONNECTION, OPCODE_CHANNEL, OPCODE_RSSI = 7, 8, 0x10000102
INTERFACE_INFO_SIZE = 16 + 512 + 4  # GUID, WCHAR[256] description, state
ASSOCIATION = 520  # after isState, wlanConnectionMode and WCHAR strProfileName[256]
CONNECTION_SIZE = ASSOCIATION + 68 + 16


def parse_connection(
    data: bytes, channel: int | None = None, rssi: int | None = None
) -> WifiLink | None:
    """A WLAN_CONNECTION_ATTRIBUTES buffer (plus the channel and RSSI opcodes' values) as a
    link; None unless the interface is connected. Rates come in kbit/s."""
    if len(data) < ASSOCIATION + 68 or struct.unpack_from("<I", data, 0)[0] != CONNECTED:
        return None
    length = min(struct.unpack_from("<I", data, ASSOCIATION)[0], 32)
    ssid = data[ASSOCIATION + 4 : ASSOCIATION + 4 + length].decode("utf-8", "replace")
    bssid = ":".join(f"{b:02x}" for b in data[ASSOCIATION + 40 : ASSOCIATION + 46])
    quality, rx_kbps, tx_kbps = struct.unpack_from("<III", data, ASSOCIATION + 56)
    dbm = float(quality / 2 - 100) if rssi is None else float(rssi)
    return WifiLink(
        ssid=ssid or None,
        bssid=normalize_mac(bssid),
        rssi_dbm=dbm,
        signal_pct=float(quality),
        tx_rate_mbps=tx_kbps / 1000,
        rx_rate_mbps=rx_kbps / 1000,
        channel=channel,
        band=band_of_channel(channel) if channel else None,
        rssi_source="Windows signal quality" if rssi is None else "",
    )


def read_wifi() -> WifiLink | None:
    """The first connected Wi-Fi interface, or None (not Windows, no WLAN service)."""
    if sys.platform != "win32":
        return None
    try:
        api: Any = getattr(ctypes, "WinDLL")("wlanapi.dll")  # noqa: B009 (Windows only)
    except OSError:
        return None
    handle, version = ctypes.c_void_p(), ctypes.c_uint32()
    if api.WlanOpenHandle(2, None, ctypes.byref(version), ctypes.byref(handle)) != 0:
        return None
    try:
        return _first_connected(api, handle)
    finally:
        api.WlanCloseHandle(handle, None)


def _first_connected(api: Any, handle: ctypes.c_void_p) -> WifiLink | None:
    pointer = ctypes.c_void_p()
    if api.WlanEnumInterfaces(handle, None, ctypes.byref(pointer)) != 0:
        return None
    base = pointer.value or 0
    try:
        count = struct.unpack("<I", ctypes.string_at(base, 4))[0]
        guids = [
            ctypes.string_at(base + 8 + i * INTERFACE_INFO_SIZE, 16) for i in range(min(count, 16))
        ]
    finally:
        api.WlanFreeMemory(pointer)
    for guid in guids:
        data = _query(api, handle, guid, OPCODE_CURRENT_CONNECTION)
        if data is None:
            continue
        channel, rssi = (
            _query(api, handle, guid, OPCODE_CHANNEL),
            _query(api, handle, guid, OPCODE_RSSI),
        )
        link = parse_connection(
            data,
            struct.unpack("<I", channel[:4])[0] if channel else None,
            struct.unpack("<i", rssi[:4])[0] if rssi else None,
        )
        if link is not None:
            return link
    return None


def _query(api: Any, handle: ctypes.c_void_p, guid: bytes, opcode: int) -> bytes | None:
    """WlanQueryInterface's answer as bytes, or None when the driver has none."""
    size, pointer = ctypes.c_uint32(), ctypes.c_void_p()
    guid_buffer = ctypes.create_string_buffer(guid, 16)
    status = api.WlanQueryInterface(
        handle, guid_buffer, opcode, None, ctypes.byref(size), ctypes.byref(pointer), None
    )
    if status != 0 or not pointer.value:
        return None
    try:
        return ctypes.string_at(pointer.value, size.value)
    finally:
        api.WlanFreeMemory(pointer)
