"""Turn an ONNX Runtime format model (``.ort``) back into an ONNX model, cached on disk.

Why: some packages ship their weights as ``.ort`` files, which onnxruntime loads
as they are but without graph optimizations (an ``.ort`` file counts as already
optimized). Moonshine's int8 files keep their weights as int8 tensors plus a
``Cast``/``Add``/``Mul`` dequantization in the graph, so without constant folding
every decoder step dequantizes every weight again: ~5x slower than the same graph
as ``.onnx``, which onnxruntime folds once at load. The conversion is a plain copy
of the flatbuffer into protobuf (nodes, attributes, subgraphs, initializers; no
change to the maths) and needs the ``onnx`` package. It takes about a second and
~300 MB at its peak, so the result is cached: :func:`converted` writes it once
into :func:`cache_dir` (atomically: a temporary file, then a rename) and reuses it
while the source file's size and modification time stay the same.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from pathlib import Path
from typing import Any

from loguru import logger

__all__ = ["CONVERTER_VERSION", "cache_dir", "cached_model_path", "convert", "converted"]

CONVERTER_VERSION = 1
"""Part of every cache key: bump it when the conversion's output changes."""


def cache_dir() -> Path:
    """Where converted models live: ``$FRAMEKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/framekit``,
    else ``~/.cache/framekit``."""
    explicit = os.environ.get("FRAMEKIT_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "framekit"


def cached_model_path(
    source: Path, version: int, *, tag: str = "", cache: Path | None = None
) -> Path:
    """Where a model derived from ``source`` is cached: named by the deriving code's
    ``version`` and the source's path, size and time, so a new source or a new version
    never reads a stale file (``tag`` tells derived forms of one source apart)."""
    stat = source.stat()
    key = hashlib.sha256(
        f"{version}:{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    ).hexdigest()[:16]
    return (cache or cache_dir()) / "onnx" / f"{source.stem}{tag}-{key}.onnx"


def converted(source: Path, cache: Path | None = None) -> Path | bytes:
    """The ONNX form of ``source``: a cached file, or the bytes when no cache can be written.

    A read-only home or a full disk must not stop a call from starting: the model is
    then converted in memory each time the process loads it (and a warning says so).
    """
    target = cached_model_path(source, CONVERTER_VERSION, cache=cache)
    folder = target.parent
    if target.is_file():
        return target
    model = convert(source.read_bytes())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(model)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        logger.warning(
            f"Cannot cache the converted {source.name} in {folder} ({exc}); kept in memory"
        )
        return model
    logger.info(f"Converted {source.name} to ONNX in {target}")
    return target


def convert(ort_model: bytes) -> bytes:
    """Serialized ONNX model equal to the serialized ORT format model ``ort_model``."""
    try:
        import onnx

        root = _fbs("InferenceSession").InferenceSession
    except ImportError as exc:
        raise ImportError(
            "Converting an .ort model needs the 'onnx' and 'onnxruntime' packages: "
            "pip install onnx onnxruntime"
        ) from exc
    session = root.GetRootAs(ort_model, 0)
    model = session.Model()
    if model is None or model.Graph() is None:
        raise ValueError("not an ORT format model (no graph inside)")
    opsets = [
        onnx.helper.make_opsetid(
            _text(model.OpsetImport(i).Domain()), model.OpsetImport(i).Version()
        )
        for i in range(model.OpsetImportLength())
    ]
    proto = onnx.helper.make_model(
        _graph(model.Graph(), "main"),
        opset_imports=opsets,
        ir_version=model.IrVersion(),
        producer_name="framekit.models.ort_format",
    )
    return bytes(proto.SerializeToString())


def _fbs(name: str) -> Any:
    """A module of onnxruntime's ORT format readers (flatbuffers classes, untyped)."""
    return importlib.import_module(
        f"onnxruntime.tools.ort_format_model.ort_flatbuffers_py.fbs.{name}"
    )


def _text(raw: bytes | None) -> str:
    return raw.decode() if raw is not None else ""


def _graph(graph: Any, name: str) -> Any:
    import onnx

    node_args = {
        _text(graph.NodeArgs(i).Name()): graph.NodeArgs(i) for i in range(graph.NodeArgsLength())
    }
    nodes = []
    for i in range(graph.NodesLength()):
        node = graph.Nodes(i)
        proto = onnx.helper.make_node(
            _text(node.OpType()),
            [_text(node.Inputs(j)) for j in range(node.InputsLength())],
            [_text(node.Outputs(j)) for j in range(node.OutputsLength())],
            name=_text(node.Name()),
            domain=_text(node.Domain()),
        )
        proto.attribute.extend(
            _attribute(node.Attributes(j)) for j in range(node.AttributesLength())
        )
        nodes.append(proto)
    initializers = [_tensor(graph.Initializers(i)) for i in range(graph.InitializersLength())]
    constant = {tensor.name for tensor in initializers}
    inputs = [_text(graph.Inputs(i)) for i in range(graph.InputsLength())]
    outputs = [_text(graph.Outputs(i)) for i in range(graph.OutputsLength())]
    return onnx.helper.make_graph(
        nodes,
        name,
        [_value_info(node_args[n]) for n in inputs if n not in constant],
        [_value_info(node_args[n]) for n in outputs],
        initializer=initializers,
    )


def _tensor(tensor: Any) -> Any:
    import onnx

    proto = onnx.TensorProto(name=_text(tensor.Name()), data_type=tensor.DataType())
    if not tensor.DimsIsNone():
        proto.dims.extend(int(d) for d in tensor.DimsAsNumpy())
    if tensor.StringDataLength():
        proto.string_data.extend(tensor.StringData(i) for i in range(tensor.StringDataLength()))
    elif not tensor.RawDataIsNone():
        proto.raw_data = tensor.RawDataAsNumpy().tobytes()
    elif tensor.ExternalDataOffset() >= 0:
        raise ValueError(f"tensor {proto.name!r} keeps its data outside the model; not supported")
    return proto


def _value_info(value: Any) -> Any:
    import onnx

    dimension_kind = _fbs("DimensionValueType").DimensionValueType

    name = _text(value.Name())
    info = value.Type()
    if info is None or info.ValueType() != _fbs("TypeInfoValue").TypeInfoValue.tensor_type:
        raise ValueError(f"graph input or output {name!r} is not a tensor; not supported")
    table = info.Value()
    tensor_type = _fbs("TensorTypeAndShape").TensorTypeAndShape()
    tensor_type.Init(table.Bytes, table.Pos)
    shape = tensor_type.Shape()
    dims: list[int | str | None] | None = None
    if shape is not None:
        dims = []
        for i in range(shape.DimLength()):
            dim = shape.Dim(i).Value()
            if dim is not None and dim.DimType() == dimension_kind.VALUE:
                dims.append(int(dim.DimValue()))
            elif dim is not None and dim.DimType() == dimension_kind.PARAM:
                dims.append(_text(dim.DimParam()))
            else:
                dims.append(None)
    return onnx.helper.make_tensor_value_info(name, tensor_type.ElemType(), dims)


def _attribute(attribute: Any) -> Any:
    import onnx

    T = _fbs("AttributeType").AttributeType

    kind = attribute.Type()
    proto = onnx.AttributeProto(name=_text(attribute.Name()), type=kind)
    if kind == T.FLOAT:
        proto.f = attribute.F()
    elif kind == T.INT:
        proto.i = attribute.I()
    elif kind == T.STRING:
        proto.s = attribute.S()
    elif kind == T.TENSOR:
        proto.t.CopyFrom(_tensor(attribute.T()))
    elif kind == T.GRAPH:
        proto.g.CopyFrom(_graph(attribute.G(), proto.name))
    elif kind == T.FLOATS:
        proto.floats.extend(attribute.FloatsAsNumpy().tolist())
    elif kind == T.INTS:
        proto.ints.extend(attribute.IntsAsNumpy().tolist())
    elif kind == T.STRINGS:
        proto.strings.extend(attribute.Strings(i) for i in range(attribute.StringsLength()))
    elif kind == T.TENSORS:
        proto.tensors.extend(
            _tensor(attribute.Tensors(i)) for i in range(attribute.TensorsLength())
        )
    elif kind == T.GRAPHS:
        proto.graphs.extend(
            _graph(attribute.Graphs(i), proto.name) for i in range(attribute.GraphsLength())
        )
    else:
        raise ValueError(f"attribute {proto.name!r} has unsupported type {kind}")
    return proto
