"""A stand-in for systemd's D-Bus API (org.freedesktop.systemd1) on a private bus, for the tests of
the `systemd` check: the check's real sd-bus code asks it what it would ask PID 1.

Usage: python systemd1.py BUS_ADDRESS
Prints `ready` once it owns the name. Then reads commands from standard input, one a line,
and prints `ok` after each:
    set NAME LOAD_STATE ACTIVE_STATE SUB_STATE RESULT NRESTARTS
"""

import asyncio
import fnmatch
import sys

from dbus_next.aio import MessageBus
from dbus_next.constants import PropertyAccess
from dbus_next.service import ServiceInterface, dbus_property, method


def escape(name):
    """systemd's bus_label_escape: letters, and digits after the first character, stay; every other
    byte becomes _XX (lower-case hex)."""
    out = []
    for index, byte in enumerate(name.encode()):
        char = chr(byte)
        if (char.isascii() and char.isalpha()) or (char.isdigit() and index > 0):
            out.append(char)
        else:
            out.append("_%02x" % byte)
    return "".join(out)


def unit_path(name):
    return "/org/freedesktop/systemd1/unit/" + escape(name)


class Unit(ServiceInterface):
    def __init__(self, state):
        super().__init__("org.freedesktop.systemd1.Unit")
        self.state = state

    @dbus_property(access=PropertyAccess.READ)
    def LoadState(self) -> "s":
        return self.state["load"]

    @dbus_property(access=PropertyAccess.READ)
    def ActiveState(self) -> "s":
        return self.state["active"]

    @dbus_property(access=PropertyAccess.READ)
    def SubState(self) -> "s":
        return self.state["sub"]


class Service(ServiceInterface):
    def __init__(self, state):
        super().__init__("org.freedesktop.systemd1.Service")
        self.state = state

    @dbus_property(access=PropertyAccess.READ)
    def Result(self) -> "s":
        return self.state["result"]

    @dbus_property(access=PropertyAccess.READ)
    def NRestarts(self) -> "u":
        return self.state["restarts"]


class Manager(ServiceInterface):
    def __init__(self, units):
        super().__init__("org.freedesktop.systemd1.Manager")
        self.units = units

    @method()
    def ListUnitsByPatterns(self, states: "as", patterns: "as") -> "a(ssssssouso)":
        # Like systemd, only units loaded in memory are listed (not those not found).
        return [
            [name, "", unit["load"], unit["active"], unit["sub"], "", unit_path(name), 0, "", "/"]
            for name, unit in sorted(self.units.items())
            if unit["load"] == "loaded"
            and (not states or unit["active"] in states or unit["sub"] in states)
            and (not patterns or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns))
        ]


async def main():
    bus = await MessageBus(bus_address=sys.argv[1]).connect()
    units = {}
    bus.export("/org/freedesktop/systemd1", Manager(units))
    await bus.request_name("org.freedesktop.systemd1")
    print("ready", flush=True)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        parts = line.decode().split()
        if len(parts) == 7 and parts[0] == "set":
            name, load, active, sub, result, restarts = parts[1:]
            known = name in units
            state = units.setdefault(name, {})
            state.update(load=load, active=active, sub=sub, result=result, restarts=int(restarts))
            if not known:
                bus.export(unit_path(name), Unit(state))
                if name.endswith(".service"):
                    bus.export(unit_path(name), Service(state))
            print("ok", flush=True)
        else:
            print("unknown command: " + line.decode().strip(), flush=True)


asyncio.run(main())
