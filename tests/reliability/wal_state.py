#!/usr/bin/env python3
"""Says what a SQLite write-ahead log holds, read straight from its bytes.

    wal_state.py STORE-wal

Prints one line: `committed=N uncommitted=M torn=T` where N counts the valid
frames up to the last commit frame, M the valid frames written after it (a
transaction that was writing when the process died: SQLite ignores them on
recovery), and T is 1 when the file ends inside a frame or at a frame whose
checksum fails (a write cut short). A missing or empty file prints zeros.

Used by the crash-recovery harness to show where SIGKILL landed: a kill with
uncommitted frames fell inside a transaction. The format is SQLite's
documented WAL format (https://www.sqlite.org/fileformat2.html#walformat):
a 32-byte header, then frames of a 24-byte header and one page; each frame's
checksum continues the previous one; frames from before the last WAL reset
carry other salts.
"""
import os
import struct
import sys

HEADER_BYTES = 32
FRAME_HEADER_BYTES = 24


def checksum(data, s0, s1, big_endian):
    words = struct.unpack((">" if big_endian else "<") + f"{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def wal_state(path):
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        data = b""
    if len(data) < HEADER_BYTES:
        return 0, 0, 0
    magic, _, page_size, _, salt1, salt2, c0, c1 = struct.unpack(">8I", data[:HEADER_BYTES])
    if magic not in (0x377F0682, 0x377F0683):
        raise SystemExit(f"{path}: not a WAL file (magic {magic:#x})")
    big_endian = magic & 1 == 1
    if checksum(data[:24], 0, 0, big_endian) != (c0, c1):
        return 0, 0, 1  # the header itself was cut short: nothing in it counts
    s0, s1 = c0, c1
    valid = committed = torn = 0
    offset = HEADER_BYTES
    frame_bytes = FRAME_HEADER_BYTES + page_size
    while offset < len(data):
        if offset + frame_bytes > len(data):
            torn = 1
            break
        frame = data[offset:offset + frame_bytes]
        _, commit_size, f_salt1, f_salt2, f_c0, f_c1 = struct.unpack(">6I", frame[:24])
        if (f_salt1, f_salt2) != (salt1, salt2):
            break  # a frame left from before the last reset: the log ends here
        s0, s1 = checksum(frame[:8], s0, s1, big_endian)
        s0, s1 = checksum(frame[24:], s0, s1, big_endian)
        if (s0, s1) != (f_c0, f_c1):
            torn = 1
            break
        valid += 1
        if commit_size != 0:
            committed = valid
        offset += frame_bytes
    return committed, valid - committed, torn


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: wal_state.py STORE-wal")
    committed, uncommitted, torn = wal_state(sys.argv[1])
    print(f"committed={committed} uncommitted={uncommitted} torn={torn}")


if __name__ == "__main__":
    main()
