from pathlib import Path

from app.workflow.info import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def test_docs_workflow_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "regenerate: python -m app.workflow.info > docs/workflow.md"
    )
