#!/usr/bin/python3
# validate-json.py SCHEMA [FILE]: validates a JSON document (FILE or stdin) against a JSON Schema
# from docs/schema/ with python3-jsonschema; prints every violation and exits 1 if there is one.
# validate-json.py --check-schema SCHEMA...: the schemas themselves are valid and versioned.
import json
import sys

import jsonschema


def check_schema(path):
    s = json.load(open(path))
    cls = jsonschema.validators.validator_for(s)
    cls.check_schema(s)
    if "version" not in s.get("required", []) or "const" not in s["properties"]["version"]:
        sys.exit(f"{path}: must require a constant \"version\"")


if sys.argv[1] == "--check-schema":
    for p in sys.argv[2:]:
        check_schema(p)
    sys.exit(0)

schema = json.load(open(sys.argv[1]))
# JSON text is UTF-8 (RFC 8259 §8.1): invalid bytes fail here, whatever the locale says.
raw = open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else sys.stdin.buffer.read()
doc = json.loads(raw.decode("utf-8"))
validator = jsonschema.validators.validator_for(schema)(schema)
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors:
    print(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}")
sys.exit(1 if errors else 0)
