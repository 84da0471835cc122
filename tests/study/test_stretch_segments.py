"""Steady viewing stays one segment in an open stretch; anything else starts a new one."""

import pytest

from skilltrace.study.crediting import OpenStretch, Segment


@pytest.mark.parametrize(
    ("second", "segments"),
    [
        (Segment(15, 30, 15, 30), 1),  # continues at the same pace
        (Segment(15, 30, 15, 29.5), 1),  # 3 % slower: still steady viewing
        (Segment(15, 30, 15, 25), 2),  # a third slower
        (Segment(16, 30, 15, 29), 2),  # a gap in wall time
        (Segment(15, 30, 20, 35), 2),  # a jump in the video
    ],
)
def test_continuing_segments_merge(second, segments):
    stretch = OpenStretch(0.0).add(Segment(0, 15, 0, 15)).add(second)
    assert len(stretch.segments) == segments
    assert stretch.seconds == pytest.approx(30 if second.start == 15 else 29)
    assert stretch.segments[0].start == 0 and stretch.segments[-1].end == 30
