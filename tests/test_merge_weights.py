"""merge_weights.json: one schema, written by training and read by evaluation; anything else is one clear error."""

from __future__ import annotations

import json

import pytest

from rmbase.errors import InputError
from rmbase.merge_weights import read_merge_weights, write_merge_weights


def test_round_trip_and_absent(tmp_path):
    assert read_merge_weights(tmp_path) is None
    write_merge_weights(tmp_path, [0.5, 1, -0.25], attributes=["a", "b", "c"], accuracy=0.9)
    assert read_merge_weights(tmp_path) == [0.5, 1.0, -0.25]
    body = json.loads((tmp_path / "merge_weights.json").read_text())
    assert body == {"attributes": ["a", "b", "c"], "weights": [0.5, 1.0, -0.25], "accuracy": 0.9}


@pytest.mark.parametrize("text, column", [
    ("[1, 2]", "weights"),                                   # a bare list: not the schema
    ('{"weights": {"a": 1, "b": 2}}', "weights"),            # a mapping: order is not part of JSON's contract
    ('{"weights": [1, "x"]}', "weights"),
    ('{"weights": [true, 1]}', "weights"),
    ('{"weights": []}', "weights"),
    ('{"weights": [1, 2], "attributes": ["a"]}', "attributes"),
])
def test_anything_else_is_refused_naming_the_file_and_key(tmp_path, text, column):
    (tmp_path / "merge_weights.json").write_text(text)
    with pytest.raises(InputError, match="merge_weights.json") as err:
        read_merge_weights(tmp_path)
    assert err.value.column == column


def test_not_json_names_the_line(tmp_path):
    (tmp_path / "merge_weights.json").write_text('{\n"weights": [1,\n')
    with pytest.raises(InputError, match="not valid JSON"):
        read_merge_weights(tmp_path)
