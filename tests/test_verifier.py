"""The whole-file verifier against the real schema, real models and real corruption.

The verifier's table descriptions are written by hand from schema.fbs; here
they are held equal to the field numbers of the schema code tflite-micro's
package generates with flatc. Every zoo model passes; single-bit flips that
make tflite-micro's own Python reader raise are all refused by the verifier
first; and what `verify` reports when tflite-micro cannot read a file is a
plain message.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
from fbpatch import pack, unpack
from zoo import converted

from tinykit.errors import TinykitError
from tinykit.frontend import verifier
from tinykit.frontend.flatbuffer import FlatbufferError
from tinykit.verify.tflm import _io_counts, run_tflm


def _generated_fields() -> dict[str, dict[int, str]]:
    """Per generated table class, field index -> accessor name (from its vtable offsets)."""
    fields: dict[str, dict[int, str]] = {}
    cls = accessor = None
    for line in inspect.getsource(schema).splitlines():
        if match := re.match(r"class (\w+)\(object\)", line):
            cls = match.group(1)
        elif match := re.match(r"    def (\w+)\(self", line):
            accessor = match.group(1)
        elif (match := re.search(r"_tab\.Offset\((\d+)\)", line)) and cls:
            fields.setdefault(cls, {}).setdefault((int(match.group(1)) - 4) // 2, accessor)
    return fields


def _specs() -> list[verifier.TableSpec]:
    return [value for value in vars(verifier).values() if isinstance(value, verifier.TableSpec)] + [
        spec for spec in verifier.BUILTIN_OPTIONS.values()]


def test_table_descriptions_match_the_generated_schema() -> None:
    generated = _generated_fields()
    checked = 0
    for spec in _specs():
        if spec.name not in generated:
            assert not spec.fields, f"{spec.name} has fields but no generated table"
            continue
        for index, name, _ in spec.fields:
            camel = "".join(part.capitalize() for part in name.split("_"))
            if name.startswith("deprecated_") and index not in generated[spec.name]:
                continue  # flatc generates no accessor for a deprecated field
            assert generated[spec.name].get(index, "").lower() == camel.lower(), (spec.name, index, name)
            checked += 1
    assert checked > 80


@pytest.mark.parametrize("name", ["sigmoid_detector", "kws_ds_cnn", "resnet8"])
def test_zoo_models_verify(name: str, zoo_cache: Path) -> None:
    verifier.verify_model(converted(name, zoo_cache).read_bytes())


def test_indices_between_tables_are_checked_everywhere(zoo_cache: Path) -> None:
    """Signature defs and every subgraph, not only the one tinykit compiles."""
    data = converted("sigmoid_detector", zoo_cache).read_bytes()
    model = unpack(data)
    model.signatureDefs[0].inputs[0].tensorIndex = 999
    with pytest.raises(FlatbufferError, match=r"model\.signature_defs\[0\]\.inputs\[0\]\.tensor_index: tensor 999"):
        verifier.verify_model(pack(model))
    model = unpack(data)
    extra = unpack(data).subgraphs[0]
    extra.operators[0].inputs = [len(extra.tensors) + 5]
    model.subgraphs.append(extra)
    with pytest.raises(FlatbufferError, match=r"model\.subgraphs\[1\]\.operators\[0\]\.inputs\[0\]"):
        verifier.verify_model(pack(model))


def _tflm_reader_raises(data: bytes) -> bool:
    try:
        schema.ModelT.InitFromObj(schema.Model.GetRootAs(data, 0))
    except Exception:  # noqa: BLE001 - any exception is what we look for
        return True
    return False


def _flips_breaking_tflm(data: bytes, limit: int) -> list[bytes]:
    found = []
    for position in range(0, len(data), 3):
        for bit in (0, 3, 6):
            mutant = bytearray(data)
            mutant[position] ^= 1 << bit
            if _tflm_reader_raises(bytes(mutant)):
                found.append(bytes(mutant))
                if len(found) == limit:
                    return found
    return found


def test_every_flip_that_breaks_tflite_micros_reader_is_refused_first(zoo_cache: Path) -> None:
    data = converted("sigmoid_detector", zoo_cache).read_bytes()
    mutants = _flips_breaking_tflm(data, limit=400)
    assert len(mutants) > 20
    for mutant in mutants:
        with pytest.raises(FlatbufferError):
            verifier.verify_model(mutant)


def _io_counts_readable(data: bytes) -> bool:
    try:
        _io_counts(data)
    except TinykitError:
        return False
    return True


def test_tflite_micro_failing_to_read_is_a_plain_message(zoo_cache: Path, capfd: pytest.CaptureFixture) -> None:
    data = converted("sigmoid_detector", zoo_cache).read_bytes()
    # A flip past the subgraph's input and output lists (signature defs, say), which
    # run_tflm reads first: tflite-micro's interpreter is what stumbles on it.
    mutant = next(m for m in _flips_breaking_tflm(data, limit=400) if _io_counts_readable(m))
    with pytest.raises(TinykitError, match="^tflite-micro cannot (read|run) this (file|model): ") as error:
        run_tflm(mutant, [[np.zeros((1, 16, 16, 1), np.int8)]])
    assert "check that the model builds" not in str(error.value)
    assert "Traceback" not in capfd.readouterr().err
