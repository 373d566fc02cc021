"""Decodes a tlog with pymavlink (ArduPilot dialect) and prints, as JSON, the count of every
message type and the raw fields of the messages the cross-check compares field by field."""
import json
import sys

from pymavlink import mavutil

FIELDS = {
    "HEARTBEAT": ["type", "autopilot", "base_mode", "custom_mode", "system_status"],
    "GLOBAL_POSITION_INT": ["lat", "lon", "alt", "relative_alt", "vx", "vy", "vz", "hdg"],
    "GPS_RAW_INT": ["fix_type", "lat", "lon", "alt", "eph", "vel", "satellites_visible"],
    "SYS_STATUS": ["voltage_battery", "current_battery", "battery_remaining", "load"],
    "SCALED_PRESSURE": ["temperature"],
    "STATUSTEXT": ["severity", "text"],
}

log = mavutil.mavlink_connection(sys.argv[1], dialect="ardupilotmega", robust_parsing=False)
counts = {}
fields = {name: [] for name in FIELDS}
while True:
    msg = log.recv_msg()
    if msg is None:
        break
    kind = msg.get_type()
    if kind == "BAD_DATA":
        counts["BAD_DATA"] = counts.get("BAD_DATA", 0) + 1
        continue
    counts[kind] = counts.get(kind, 0) + 1
    if kind in FIELDS:
        row = {f: getattr(msg, f) for f in FIELDS[kind]}
        row["_micros"] = round(msg._timestamp * 1e6)
        row["_sysid"] = msg.get_srcSystem()
        fields[kind].append(row)
json.dump({"counts": counts, "fields": fields}, sys.stdout)
