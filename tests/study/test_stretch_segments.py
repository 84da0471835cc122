"""Steady viewing stays one segment in an open stretch; anything else starts a new one."""

import pytest

from skilltrace.study.crediting import OpenStretch, Segment


@pytest.mark.parametrize(
    ("second", "segments"),
    [
        (Segment(15, 30, 15, 30), 1),  # continues at the same pace
        (Segment(15, 30, 15, 29.5), 1),  # 3 % slower: still steady viewing
        (Segment(15, 30, 15, 25), 2),  # a third slower
        (Segment(15, 15.25, 15, 15.4), 1),  # jittery short beat: 60 % faster, 0.15 s off
        (Segment(15, 16, 15, 17.5), 2),  # 2.5x faster over 1 s: off by more than 1 s
        (Segment(16, 30, 15, 29), 2),  # a gap in wall time
        (Segment(15, 30, 20, 35), 2),  # a jump in the video
    ],
)
def test_continuing_segments_merge(second, segments):
    stretch = OpenStretch(0.0).add(Segment(0, 15, 0, 15)).add(second)
    assert len(stretch.segments) == segments
    assert stretch.seconds == pytest.approx(15 + second.seconds)
    assert stretch.segments[0].start == 0 and stretch.segments[-1].end == second.end
    assert stretch.segments[-1].video_to == second.video_to


def test_jittery_heartbeats_stay_one_segment():
    """Beats whose positions jitter around wall time (network, a loaded server) do not grow
    the open stretch: its live state stays the same size however long the viewing."""
    stretch, at, position = OpenStretch(0.0), 0.0, 0.0
    for i in range(2000):
        step = 0.25 + (0.05 if i % 2 else -0.05)
        stretch = stretch.add(Segment(at, at + 0.25, position, position + step))
        at, position = at + 0.25, position + step
    assert len(stretch.segments) == 1
    assert stretch.seconds == pytest.approx(500)
    assert stretch.segments[0].video == (0.0, pytest.approx(position))
