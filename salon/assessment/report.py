"""The 考核通报's content and fingerprint, signed off (送审, 签发) through salon/signoff.

The kind "assessment" is registered with 签发 (`register()`, from the feature's init_app); a
period's subject id is the integer `subject_id(period)`. A signature records the content's
fingerprint at 送审; `is_signed(KIND, id, fingerprint)` is false as soon as anything in it
changes (a figure, a weight, a formula), so a weight changed afterwards shows as "内容已有变化"
and cannot pass for the signed 通报. publication.py builds the PDF and .xlsx from
`report_content()` and freezes them with their SHA-256 when an organizer publishes.
"""
import hashlib
import json

from ..signoff import register_kind
from .scoring import Period, parse_period
from .services import Assessment, as_json, assess

KIND = "assessment"


def subject_id(period: Period) -> int:
    """A period as the integer id 签发 keys documents by: 2026Q4 → 20264, 2026-11 → 202611."""
    year = period.start.year
    if period.is_quarter:
        return year * 10 + int(period.code[-1])
    return year * 100 + period.start.month


def period_of(subject: int) -> Period:
    """The inverse of subject_id."""
    text = str(subject)
    if len(text) == 5:
        return parse_period(f"{text[:4]}Q{text[4]}")
    return parse_period(f"{text[:4]}-{text[4:]}")


def register() -> None:
    """The 考核通报 as a kind of signed document (called from the feature's init_app)."""
    register_kind(KIND, label="考核通报", title_of=title_of, url_of=url_of,
                  fingerprint_of=fingerprint_of)


def report_content(period_text: str, assessment: Assessment | None = None) -> tuple[dict, str]:
    """The 考核通报's content (ranking, formulas and weights as they are now, 捆绑考评) and its
    SHA-256 fingerprint: what a sign-off freezes, so a later weight change cannot alter it."""
    assessment = assessment or assess(period_text)
    content = {
        "period": assessment.period.code, "label": assessment.period.label,
        "indicators": [{"code": i.code, "name": i.name, "definition": i.definition,
                        "weight": i.weight, "direction": i.direction,
                        "normalisation": i.normalisation,
                        "applies_complexity": i.applies_complexity, "rollup": i.rollup}
                       for i in assessment.indicators],
        "ranking": as_json(assessment),
        "leaders": [{"leader": leader.name, "units": units, "score": score}
                    for leader, units, score in assessment.leaders],
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return content, hashlib.sha256(canonical.encode()).hexdigest()


def fingerprint_of(subject: int) -> str:
    return report_content(period_of(subject).code)[1]


def title_of(subject: int) -> str:
    return f"{period_of(subject).label}考核通报"


def url_of(subject: int) -> str:
    return f"/assessment/{period_of(subject).code}#signoff"  # also outside a request
