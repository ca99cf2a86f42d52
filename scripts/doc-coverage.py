#!/usr/bin/env python3
"""Lists public symbols without a doc comment, from DocC's detailed coverage table; exit 1 if there are any.

Usage: scripts/doc-coverage.py COVERAGE_OUTPUT...  (the output of `swift package generate-documentation
--target T --experimental-documentation-coverage --coverage-summary-level detailed`). Synthesized members
(operators, protocol-implementation groups, extended modules and types) carry no comment of their own.
"""
import sys

SKIP_KINDS = {"Operator", "CollectionGroup", "Extended Module", "Extended Structure", "Extended Enumeration",
              "Extended Protocol", "Extended Class", "Module"}
# Members a conformance gives (Codable, Hashable, RawRepresentable, Collection, Error...): their protocol
# documents them.
SYNTHESIZED = {"encode(to:)", "init(from:)", "hash(into:)", "hashValue", "init(rawValue:)", "rawValue",
               "localizedDescription", "allCases", "AllCases", "RawValue", "id", "ID", "Index", "Indices",
               "Iterator", "SubSequence", "Element", "indices", "Body"}
# Protocol extension methods a conforming type inherits (Sequence, Collection, Comparable, ...): a name that
# is not declared with `func`/`var`/`init`/`subscript`/`case` in the module's sources is inherited.
import os, re
declared = set()
for root, _, files in os.walk(os.path.join(os.path.dirname(__file__), "..", "Sources")):
    for f in files:
        if f.endswith(".swift"):
            text = open(os.path.join(root, f), encoding="utf-8").read()
            declared.update(re.findall(r"(?:func|var|let|case|class|struct|enum|protocol|typealias)\s+`?([A-Za-z_][A-Za-z0-9_]*)", text))
            if "init(" in text: declared.add("init")
            if "subscript" in text: declared.add("subscript")
missing = []
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8", errors="replace"):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 8 or cells[2] not in ("true", "false"):
            continue
        name, kind, abstract, ref = cells[0], cells[1], cells[2], cells[-1]
        base = name.split("(")[0].strip()
        if name in SYNTHESIZED or base not in declared and base not in ("init", "subscript"):
            continue
        if abstract == "false" and kind not in SKIP_KINDS:
            missing.append(f"{ref.replace('doc://', '')}  ({kind})")
for m in sorted(set(missing)):
    print(m)
print(f"{len(set(missing))} public symbols without documentation", file=sys.stderr)
sys.exit(1 if missing else 0)
