"""The SFace recogniser's runtime: the float graph it is given, the embeddings it returns
(the thresholds were calibrated on them), threads and forked processes."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from skilltrace.faces import sface

# Distances measured with the recogniser run in onnxruntime, on which the thresholds were
# calibrated (docs/faces.md); the runtime must give the same to float32 precision.
CALIBRATED_DISTANCES = [
    ("people/alex_lacamoire/alex_lacamoire1.jpg", "people/alex_lacamoire/img1.jpg", 0.751148),
    ("people/alex_lacamoire/alex_lacamoire1.jpg", "people/biden/biden.jpg", 1.347811),
    (
        "east-asian/Annette_Lu/Annette_Lu_0001.jpg",
        "east-asian/Annette_Lu/Annette_Lu_0002.jpg",
        0.965937,
    ),
]


@pytest.mark.parametrize(
    "values, scale, zero, axis, block, expected",
    [
        # per tensor: one scale and zero point for every value
        ([4, -2, 0], [0.5], [2], 1, 0, [1.0, -2.0, -1.0]),
        # per axis: a scale per row (axis 0)
        ([[1, 2], [3, 4]], [1.0, 10.0], [0, 1], 0, 0, [[1.0, 2.0], [20.0, 30.0]]),
        # per axis without a zero point
        ([[1, 2], [3, 4]], [2.0, 3.0], None, 1, 0, [[2.0, 6.0], [6.0, 12.0]]),
        # blocked: a scale per 2 values along axis 0, the last block short
        ([1, 1, 1, 1, 1], [1.0, 2.0, 3.0], [0, 0, 1], 0, 2, [1.0, 1.0, 2.0, 2.0, 0.0]),
        # blocked along axis 1 of a 2-d weight
        (
            [[2, 2, 2, 2]],
            [[0.5, 4.0]],
            [[0, 1]],
            1,
            2,
            [[1.0, 1.0, 4.0, 4.0]],
        ),
    ],
)
def test_dequantized_follows_onnx_dequantize_linear(values, scale, zero, axis, block, expected):
    result = sface.dequantized(
        np.array(values, np.int8),
        np.array(scale, np.float32),
        None if zero is None else np.array(zero, np.int8),
        axis,
        block,
    )
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, np.array(expected, np.float32))


def test_the_recogniser_graph_is_float_with_one_input():
    import onnx

    graph = onnx.load_from_string(
        sface.recogniser_graph(sface.model_bytes(sface.RECOGNISER_FILE))
    ).graph
    assert "DequantizeLinear" not in {node.op_type for node in graph.node}
    assert [i.name for i in graph.input] == ["data"]
    kinds = {t.data_type for t in graph.initializer}
    assert onnx.TensorProto.FLOAT in kinds
    assert not kinds & {onnx.TensorProto.INT8, onnx.TensorProto.UINT8}  # all folded


@pytest.mark.parametrize("first, second, expected", CALIBRATED_DISTANCES)
def test_embeddings_keep_the_calibrated_distances(engine, faces_dir, first, second, expected):
    vectors = []
    for name in (first, second):
        rgb = engine.decode((faces_dir / name).read_bytes())
        vectors.append(engine.encode(rgb, engine.detect(rgb)[0]))
    assert float(np.linalg.norm(vectors[0] - vectors[1])) == pytest.approx(expected, abs=2e-5)


def test_the_recogniser_runs_on_one_unpinned_thread(engine):
    compiled = engine.models._recogniser
    assert int(compiled.get_property("INFERENCE_NUM_THREADS")) == 1
    assert compiled.get_property("ENABLE_CPU_PINNING") in (False, "NO")


def _faces(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (112, 112, 3), dtype=np.uint8) for _ in range(count)]


def test_threads_embedding_at_once_get_their_own_answers(engine):
    models = engine.models
    faces = _faces(1, 16)
    alone = [models.embed_aligned(face) for face in faces]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(models.embed_aligned, faces))
    for one, other in zip(alone, together, strict=True):
        np.testing.assert_allclose(one, other, atol=1e-6)


def _embed_in_child(queue) -> None:
    import os

    inherited = sface._models
    models = sface.load_models()
    own = models is not inherited and sface._models_pid == os.getpid()
    queue.put((own, models.embed_aligned(_faces(2, 1)[0]).tolist()))


def test_a_forked_process_loads_its_own_models(engine):
    """A Celery pool forks its children after the parent loaded the models: a child must
    not use the parent's runtime (its threads are not there), but load its own."""
    parent = engine.models
    expected = parent.embed_aligned(_faces(2, 1)[0])
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_embed_in_child, args=(queue,))
    child.start()
    try:
        own, vector = queue.get(timeout=120)
    finally:
        child.join(30)
    assert child.exitcode == 0
    assert own, "the child used the models its parent loaded"
    np.testing.assert_allclose(np.array(vector, np.float32), expected, atol=1e-6)
    assert sface.load_models() is parent  # the parent keeps its own
