"""Reading a committed message catalogue (django.po) without third-party tools."""

import re
from pathlib import Path


def po_entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, first msgstr) of every entry in a .po file, continuation lines joined."""
    text = path.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:
        fields, current = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgstr(?:\[0\])?|msgid_plural|msgctxt) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            entries.append((fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]"))))
    return entries
