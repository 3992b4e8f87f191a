"""The 考核通报's content, for the sign-off module (签发, salon/signoff) to freeze.

Not wired to 签发 here: that module is being built separately. When it lands, registering is
one call in `assessment.init_app`:

    register_kind("assessment", label="考核通报", title_of=report.title_of,
                  url_of=report.url_of, fingerprint_of=report.fingerprint_of)

A signature records the fingerprint of the content at 送审; `is_signed(kind, id, fingerprint)`
is then false as soon as anything in it changes (a figure, a weight, a formula), so a weight
changed after publication cannot alter a published 通报: the frozen file is the content as it
was, and the live ranking no longer matches its fingerprint.
"""
import hashlib
import json

from flask import url_for

from .scoring import Period, parse_period
from .services import as_json, assess


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


def report_content(period_text: str) -> tuple[dict, str]:
    """The 考核通报's content (ranking, formulas and weights as they are now, 捆绑考评) and its
    SHA-256 fingerprint: what a sign-off freezes, so a later weight change cannot alter it."""
    assessment = assess(period_text)
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
    return url_for("assessment.ranking", period=period_of(subject).code)
