"""JSON Lines that stay one record per line for every reader.

JSON leaves U+2028 (LINE SEPARATOR), U+2029 (PARAGRAPH SEPARATOR) and U+0085 (NEXT LINE) raw
inside strings, but Python's ``str.splitlines`` (and JavaScript before ES2019) break lines on
them, so a statement whose text holds one would read as two broken records. They are written
escaped (``\\u2028`` …): inside JSON text they can only occur in strings, where the escape means
the same character, so every JSON parser reads the same value back.
"""

from __future__ import annotations

from typing import Any

from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.python import to_bytes

#: str.translate table: the line breaks JSON leaves raw, escaped.
LINE_BREAKS_ESCAPED = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def one_line(json_text: str) -> str:
    """A JSON text with the line breaks it may hold raw (U+2028, U+2029, U+0085) escaped."""
    return json_text.translate(LINE_BREAKS_ESCAPED)


class JsonLinesExporter(JsonLinesItemExporter):
    """Scrapy's JSON Lines exporter (``-O items.jsonl``), its lines escaped as ``one_line`` says."""

    def export_item(self, item: Any) -> None:
        data = one_line(self.encoder.encode(dict(self.get_serialized_fields(item)))) + "\n"
        self.file.write(to_bytes(data, self.encoding))
