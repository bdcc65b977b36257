"""Coverage of an API fuzz run (scripts/fuzz-api.sh): did the requests reach the handlers?

    fuzz-coverage.py EVENTS.ndjson MIN_SHARE

Reads schemathesis' NDJSON event report, lists every operation with the status codes it answered to
requests of its own method (a HEAD or TRACE sent to test method handling does not count), and exits 1
unless at least MIN_SHARE (0..1) of the operations answered a 2xx at least once, naming those that never
did: a fuzz that only ever gets 400, 401, 404 or 422 tests the validation and auth layers, not the API.
Exits 2 when the report holds no operation at all.
"""

import collections
import json
import sys


def main(path: str, min_share: float) -> int:
    operations: set[str] = set()
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with open(path, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            if "LoadingFinished" in event:
                continue
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished.get("recorder") or {}
            label = recorder.get("label")
            if not label:
                continue
            operations.add(label)
            method = label.split(" ", 1)[0]
            for interaction in (recorder.get("interactions") or {}).values():
                request = interaction.get("request") or {}
                response = interaction.get("response") or {}
                if request.get("method") == method and response.get("status_code"):
                    statuses[label][response["status_code"]] += 1
    if not operations:
        print("fuzz-coverage: no operation in the report", file=sys.stderr)
        return 2

    reached = sorted(op for op in operations if any(200 <= code < 300 for code in statuses[op]))
    missed = sorted(operations - set(reached))
    width = max(len(op) for op in operations)
    print("fuzz-coverage: status codes answered, per operation (requests of its own method):")
    for op in sorted(operations):
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses[op].items())) or "no answer"
        print(f"  {'2xx' if op in reached else '---'}  {op:<{width}}  {codes}")
    share = len(reached) / len(operations)
    summary = f"{len(reached)} of {len(operations)} operations answered a 2xx ({share:.0%}; at least {min_share:.0%} required)"
    if share < min_share:
        print(f"fuzz-coverage: FAILED: {summary}. Never a 2xx:", file=sys.stderr)
        for op in missed:
            print(f"  - {op}", file=sys.stderr)
        return 1
    print(f"fuzz-coverage: OK: {summary}" + (f"; never a 2xx: {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
