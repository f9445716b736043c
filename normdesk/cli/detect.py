"""``normdesk detect [--json] FILE...``: each column's detected type, confidence and evidence."""

from __future__ import annotations

import argparse
import json

from normdesk.cli.common import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="print each column's detected type and confidence")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON array, an object per file")
    p.add_argument("--sheet", help="Excel: the sheet to read (default: the first)")
    p.set_defaults(func=cmd_detect)


def cmd_detect(args: argparse.Namespace) -> int:
    from normdesk.engine import detect_file
    from normdesk.engine.types import type_label

    results = [detect_file(path, args.sheet) for path in args.files]
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
        return EXIT_OK
    for result in results:
        print(result.path)
        country = result.country
        column = f", row by row from '{country.column}'" if country.column else ""
        print(f"  country: {country.code or 'none'} ({country.evidence}{column})")
        width = max((len(c.name) for c in result.columns), default=6)
        kinds = [type_label(col.type.value, col.part, col.group) for col in result.columns]
        kind_width = max([14, *map(len, kinds)])
        for col, kind in zip(result.columns, kinds):
            print(f"  {col.name:<{width}}  {kind:<{kind_width}} {col.confidence:4.2f}  {col.evidence}")
    return EXIT_OK
