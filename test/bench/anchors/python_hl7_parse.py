"""Anchor for `npm run bench:reconcile`: python-hl7 message parsing, in memory.

Usage: /usr/bin/python3 python_hl7_parse.py MESSAGES_FILE REPS
MESSAGES_FILE holds UTF-8 HL7 v2 messages, one per line, segments joined with '\\r' (as hl7.parse
expects). Every message is read into memory first; then `hl7.parse` is timed over all of them, best of
REPS passes, once alone and once followed by reading MSH-10, PID-3, OBR-3 and OBR-18. Prints JSON.
"""
import json
import sys
import time

import hl7


def parse_only(messages):
    for m in messages:
        hl7.parse(m)


def parse_and_read(messages):
    for m in messages:
        msg = hl7.parse(m)
        try:
            str(msg.segment("MSH")[10])
            str(msg.segment("PID")[3])
            obr = msg.segment("OBR")
            str(obr[3])
            str(obr[18])
        except (KeyError, IndexError):
            pass


def best_of(reps, fn, messages):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(messages)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    messages_file, reps = sys.argv[1], int(sys.argv[2])
    with open(messages_file, "rb") as f:
        messages = [m for m in f.read().decode("utf-8").split("\n") if m]
    parse_only(messages[: min(500, len(messages))])  # warm-up
    parse_s = best_of(reps, parse_only, messages)
    fields_s = best_of(reps, parse_and_read, messages)
    version = getattr(hl7, "__version__", "unknown")
    print(json.dumps({
        "version": version, "messages": len(messages), "reps": reps,
        "parseSeconds": parse_s, "parseAndFieldsSeconds": fields_s,
    }))


if __name__ == "__main__":
    main()
