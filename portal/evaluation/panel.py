"""The service-user panel's picture-and-word scale, mapped onto the system's scoring scale.

Panel members choose one of five faces, each with words, from "Very poor" to "Excellent".
On the default 0-5 scale the faces give 1, 2, 3, 4 and 5. On a longer scale they spread evenly:
face k (1 to 5) gives k x max / 5, rounded half up (0-10: 2, 4, 6, 8, 10). On a scale shorter
than five points the panel sees one face per point from 1 up, with the system's own words.
0 ("no answer, or unacceptable") is offered to the panel only when the provider gave no answer
to the question: "There is no answer to score" records 0. Otherwise 0 is left to officers and
moderation, where a panel member's view of a very poor answer (the lowest face) is discussed.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FACE_WORDS = ["Very poor", "Poor", "OK", "Good", "Excellent"]
#: what each face's mouth looks like, as an SVG path (a frown to a broad smile)
FACE_MOUTHS = [
    "M14 32 Q24 22 34 32",
    "M15 31 Q24 26 33 31",
    "M15 30 L33 30",
    "M15 29 Q24 34 33 29",
    "M13 28 Q24 40 35 28",
]
NO_ANSWER_WORDS = "There is no answer to score"


@dataclass(frozen=True)
class PanelPoint:
    score: int
    words: str
    #: index of the face to draw (0 = very poor ... 4 = excellent), or None for "no answer"
    face: int | None

    @property
    def mouth(self) -> str:
        return FACE_MOUTHS[self.face] if self.face is not None else ""


def panel_scale(system, *, answered: bool = True) -> list[PanelPoint]:
    """The points a panel member can choose for one answer, lowest first."""
    top = system.scale_max
    if top >= 5:
        points = [PanelPoint(int((Decimal(k) * top / 5).quantize(Decimal(1), ROUND_HALF_UP)), FACE_WORDS[k - 1], k - 1)
                  for k in range(1, 6)]
    else:
        words = dict(system.scale())
        points = [PanelPoint(point, words.get(point) or FACE_WORDS[point - 1], round((point - 1) * 4 / max(top - 1, 1)))
                  for point in range(1, top + 1)]
    if not answered:
        points.insert(0, PanelPoint(0, NO_ANSWER_WORDS, None))
    return points


def words_for(system, score: int | None, *, answered: bool = True) -> str:
    """The words of the panel point a stored score matches ('' if none does)."""
    return next((p.words for p in panel_scale(system, answered=answered) if p.score == score), "")
