"""Recount a Trend Prediction Tracker record without the tracker: Python 3.8+ and its standard library.

    python3 verify_record.py data/ledger.json [--head HEX]

Reads the export's "chain" (sequence, previous hash, hash and the record of every history row),
writes each record as RFC 8785 canonical JSON, and recomputes hash = SHA-256(previous hash as hex ||
record). Prints "N records, head abcd…wxyz, intact" and the full head, or the first record that does
not add up (exit 1). With --head, also checks that a head printed earlier is one of this chain's.
"""

import hashlib
import json
import math
import sys

GENESIS = "0" * 64


def number(value):
    """ECMAScript's Number.prototype.toString, from Python's shortest round-trip digits."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    if len(digits) <= point <= 21:
        return sign + digits + "0" * (point - len(digits))
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    power = point - 1
    head = digits if len(digits) == 1 else digits[0] + "." + digits[1:]
    return sign + head + "e" + ("+" if power > 0 else "-") + str(abs(power))


def canonical(value):
    """RFC 8785 for what records hold: objects, lists, text, whole and finite numbers, booleans, null."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(canonical(item) for item in value) + "]"
    keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
    return "{" + ",".join(canonical(key) + ":" + canonical(value[key]) for key in keys) + "}"


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        document = json.load(handle)
    chain = document["chain"] if isinstance(document, dict) else document
    wanted = argv[argv.index("--head") + 1].lower() if "--head" in argv else None
    previous, seen = GENESIS, set()
    for expected, entry in enumerate(chain, start=1):
        where = f"record {expected} ({entry.get('table')} row {entry.get('id')})"
        if entry.get("seq") != expected:
            print(f"broken at {where}: its sequence number is {entry.get('seq')}", file=sys.stderr)
            return 1
        if entry.get("previous_hash") != previous:
            print(f"broken at {where}: it does not follow the record before it", file=sys.stderr)
            return 1
        record = entry["record"]
        if (record.get("table"), record.get("id")) != (entry.get("table"), entry.get("id")):
            print(f"broken at {where}: the record is another row's", file=sys.stderr)
            return 1
        previous = hashlib.sha256((previous + canonical(record)).encode("utf-8")).hexdigest()
        if previous != entry.get("hash"):
            print(f"broken at {where}: the record does not give its hash", file=sys.stderr)
            return 1
        seen.add(previous)
    print(f"{len(chain)} records, head {previous[:4]}…{previous[-4:]}, intact")
    print(f"head {previous}")
    if wanted is not None and wanted not in seen | {GENESIS}:
        print(f"head {wanted} is not in this record: what was published then was changed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
