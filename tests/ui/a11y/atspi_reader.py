"""Read capdesk's accessibility tree over AT-SPI the way Orca does (run with Debian's python3).

The project's venv cannot import Debian's ``gi`` (built for the system Python), so the
test runs this file as a child process with ``/usr/bin/python3``:

* ``atspi_reader.py dump APP``: print one JSON list of every object under the application
  named APP: role, name, description, states, depth, parent's role.
* ``atspi_reader.py screen-reader APP on|off``: set AT-SPI's ``org.a11y.Status
  ScreenReaderEnabled`` on the session bus, as Orca does when it starts.
* ``atspi_reader.py listen APP SECONDS``: print ``listening`` once the listeners are
  registered, then one JSON line per ``object:announcement`` or accessible-name change
  from APP, until SECONDS pass or stdin closes.
"""

from __future__ import annotations

import json
import sys

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

MAX_OBJECTS = 5000


def _emit(text: str) -> None:
    """One line to the test, flushed at once (it reads line by line)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _find_app(name: str) -> Atspi.Accessible | None:
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and (app.get_name() or "") == name:
            return app
    return None


def _states(obj: Atspi.Accessible) -> list[str]:
    state_set = obj.get_state_set()
    return sorted(
        Atspi.StateType(s).value_nick
        for s in range(int(Atspi.StateType.LAST_DEFINED))
        if state_set.contains(Atspi.StateType(s))
    )


def _walk(obj: Atspi.Accessible, depth: int, parent_role: str, out: list[dict]) -> None:
    if len(out) >= MAX_OBJECTS:
        return
    try:
        role = obj.get_role_name()
        entry = {
            "role": role,
            "name": obj.get_name() or "",
            "description": obj.get_description() or "",
            "states": _states(obj),
            "depth": depth,
            "parent_role": parent_role,
        }
        count = obj.get_child_count()
    except GLib.Error as error:  # an object that vanished while we walked
        out.append({"role": "?", "name": "", "error": str(error), "depth": depth})
        return
    out.append(entry)
    if "manages-descendants" in entry["states"] and count > 50:
        count = 50  # a 10,000-row list: its first rows are enough (Orca does the same)
    for i in range(count):
        child = obj.get_child_at_index(i)
        if child is not None:
            _walk(child, depth + 1, role, out)


def dump(app_name: str) -> int:
    app = _find_app(app_name)
    if app is None:
        _emit(json.dumps({"error": f"no application named {app_name!r} on the bus"}))
        return 2
    out: list[dict] = []
    _walk(app, 0, "", out)
    _emit(json.dumps(out))
    return 0


def listen(app_name: str, seconds: float) -> int:
    loop = GLib.MainLoop()

    def on_event(event: Atspi.Event) -> None:
        try:
            app = event.source.get_application()
            if app is None or app.get_name() != app_name:
                return
            record = {
                "type": event.type,
                "source_role": event.source.get_role_name(),
                "source_name": event.source.get_name() or "",
                "detail1": event.detail1,
                "any_data": event.any_data if isinstance(event.any_data, str) else None,
            }
        except GLib.Error:
            return
        _emit(json.dumps(record))

    listener = Atspi.EventListener.new(on_event)
    for kind in ("object:announcement", "object:property-change:accessible-name"):
        listener.register(kind)
    GLib.timeout_add(int(seconds * 1000), loop.quit)
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_HUP | GLib.IO_IN, lambda *_: loop.quit())
    _emit("listening")
    loop.run()
    return 0


def screen_reader(on: bool) -> int:
    from gi.repository import Gio

    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    bus.call_sync(
        "org.a11y.Bus",
        "/org/a11y/bus",
        "org.freedesktop.DBus.Properties",
        "Set",
        GLib.Variant("(ssv)", ("org.a11y.Status", "ScreenReaderEnabled", GLib.Variant("b", on))),
        None,
        Gio.DBusCallFlags.NONE,
        2000,
        None,
    )
    _emit("ok")
    return 0


if __name__ == "__main__":
    command, app_name = sys.argv[1], sys.argv[2]
    if command == "dump":
        sys.exit(dump(app_name))
    if command == "screen-reader":
        sys.exit(screen_reader(sys.argv[3] == "on"))
    sys.exit(listen(app_name, float(sys.argv[3])))
