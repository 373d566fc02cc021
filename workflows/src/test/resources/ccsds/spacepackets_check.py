"""Independent check of opsflow's CCSDS codec with the `spacepackets` package (PyPI).

usage: spacepackets_check.py decode   < {"packets": [hex], "cds": [hex]}
       spacepackets_check.py build N SEED
Prints one JSON document on stdout: the fields spacepackets reads, or the packets it built.
"""

import json
import random
import sys

import spacepackets
from spacepackets.ccsds.spacepacket import (
    PacketId,
    PacketType,
    SequenceFlags,
    SpacePacket,
    SpacePacketHeader,
    parse_space_packets,
)
from spacepackets.ccsds.time import CdsShortTimestamp


def header_fields(raw: bytes) -> dict:
    header = SpacePacketHeader.unpack(raw)
    return {
        "version": header.ccsds_version,
        "type": "TC" if header.packet_type == PacketType.TC else "TM",
        "secondaryHeader": header.sec_header_flag,
        "apid": header.apid,
        "sequenceFlags": int(header.seq_flags),
        "sequenceCount": header.seq_count,
        "dataLength": header.data_len,
        "packetLength": header.packet_len,
        "data": bytes(raw[6 : header.packet_len]).hex(),
    }


def cds_fields(raw: bytes) -> dict:
    stamp = CdsShortTimestamp.unpack(raw)
    return {
        "days": stamp.ccsds_days,
        "msOfDay": stamp.ms_of_day,
        "unixMillis": round(stamp.as_unix_seconds() * 1000),
    }


def decode(request: dict) -> dict:
    packets = [bytes.fromhex(h) for h in request["packets"]]
    ids = {PacketId.from_raw(int.from_bytes(p[0:2], "big") & 0x1FFF) for p in packets}
    stream = parse_space_packets(b"".join(packets), list(ids))
    return {
        "library": spacepackets.__name__,
        "packets": [header_fields(p) for p in packets],
        "stream": [bytes(p).hex() for p in stream.tm_list],
        "cds": [cds_fields(bytes.fromhex(h)) for h in request["cds"]],
    }


def build(count: int, seed: int) -> dict:
    rng = random.Random(seed)
    packets = []
    for i in range(count):
        ptype = rng.choice([PacketType.TM, PacketType.TC])
        secondary = rng.random() < 0.5
        apid = rng.randrange(0, 0x7FF)  # 0x7FF is idle: no secondary header, kept out
        flags = rng.choice(list(SequenceFlags))
        seq = rng.randrange(0, 0x4000)
        sec_header = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8))) if secondary else None
        user = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        length = len(user) + (len(sec_header) if sec_header else 0)
        header = SpacePacketHeader(
            packet_type=ptype,
            apid=apid,
            seq_count=seq,
            data_len=length - 1,
            sec_header_flag=secondary,
            seq_flags=flags,
        )
        raw = SpacePacket(header, sec_header, user).pack()
        packets.append({"hex": bytes(raw).hex(), **header_fields(bytes(raw))})
    cds = []
    for i in range(count):
        stamp = CdsShortTimestamp(rng.randrange(0, 0x10000), rng.randrange(0, 86_400_000))
        cds.append({"hex": stamp.pack().hex(), **cds_fields(stamp.pack())})
    return {"packets": packets, "cds": cds}


def main() -> None:
    if sys.argv[1] == "decode":
        result = decode(json.load(sys.stdin))
    else:
        result = build(int(sys.argv[2]), int(sys.argv[3]))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
