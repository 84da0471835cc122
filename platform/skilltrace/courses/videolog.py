"""Keep OpenCV's harmless video notices off the console.

OpenCV's FFmpeg backend prints ``OpenCV: FFMPEG: tag 0x30385056/'VP80' is not supported with
codec id 139 and format 'webm / WebM'`` straight to the process's standard error (a C
``fprintf``, so neither ``cv2.utils.logging`` nor ``OPENCV_LOG_LEVEL`` stops it) whenever a VP8
WebM is written, although the file is written correctly. :func:`quiet_video_notices` runs a
block with OpenCV's own log level at ERROR and standard error captured, then passes on every
line except those known notices. Use it around single-threaded work (the demo seed, benches):
it swaps file descriptor 2 for the whole process while the block runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

HARMLESS = re.compile(
    rb"^OpenCV: FFMPEG: (tag 0x[0-9a-f]+/'\w{4}' is not supported with codec id \d+"
    rb"|fallback to use tag 0x[0-9a-f]+)"
)


def quiet_opencv_log() -> None:
    """OpenCV's own logger (used by its video probes) at ERROR: warnings are not shown."""
    import cv2

    with contextlib.suppress(AttributeError):
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


@contextlib.contextmanager
def quiet_video_notices():
    """Run the block with OpenCV's known harmless notices dropped from standard error."""
    quiet_opencv_log()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured if not HARMLESS.match(line)]
            if kept:
                sys.stderr.buffer.write(b"".join(kept))
                sys.stderr.flush()
