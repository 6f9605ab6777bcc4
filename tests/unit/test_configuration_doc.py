"""docs/configuration.md is generated from the Settings class and must not go stale."""

from app.config import Settings
from scripts import configuration_doc


def test_configuration_doc_is_fresh() -> None:
    expected = configuration_doc.render()
    actual = configuration_doc.TARGET.read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/configuration.md is stale: run `python -m scripts.configuration_doc` "
        "and commit the result"
    )


def test_every_variable_is_listed_with_type_default_and_meaning() -> None:
    text = configuration_doc.render()
    rows = {
        line.split(" | ")[0].strip("| `"): line
        for line in text.splitlines()
        if line.startswith("| `CLAIMS_")
    }
    assert set(rows) == {f"CLAIMS_{name.upper()}" for name in Settings.model_fields}
    for row in rows.values():
        assert len(row.split(" | ")) == 4, row
    undescribed = [name for name, row in rows.items() if configuration_doc.MISSING in row]
    assert not undescribed, f"give these settings a docstring in app/config.py: {undescribed}"
    assert "| `CLAIMS_DATABASE_URL` | text | `sqlite+aiosqlite:///./claims.db` |" in text
    assert "| `CLAIMS_RECEIVED_AT_MAX_AHEAD_SECONDS` | integer | `300` | How far ahead" in text


def test_the_check_mode_tells_how_to_regenerate(tmp_path, capsys) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text("old\n", encoding="utf-8")
    assert configuration_doc.main(["--check"], stale) == 1
    assert "python -m scripts.configuration_doc" in capsys.readouterr().err
    assert configuration_doc.main([], stale) == 0
    assert configuration_doc.main(["--check"], stale) == 0
