"""The published API as a reviewable diff: the OpenAPI document equals `tests/openapi.json`.

After an intended API change the test fails and writes the new document to
`tests/openapi.json.new`: review `diff tests/openapi.json tests/openapi.json.new`, then move it
over `tests/openapi.json` and commit both the change and the document.
"""

import json
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).parent.parent / "openapi.json"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_openapi_document_is_the_committed_one(app: Any) -> None:
    actual = render(app.openapi())
    if actual != SNAPSHOT.read_text(encoding="utf-8"):
        fresh = SNAPSHOT.with_name(SNAPSHOT.name + ".new")
        fresh.write_text(actual, encoding="utf-8")
        raise AssertionError(
            f"The OpenAPI document changed: diff {SNAPSHOT} {fresh}; "
            "if the change is intended, move the new file over the old one."
        )
