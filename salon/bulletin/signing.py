"""签发 of the 专刊: the bulletin as a kind of the sign-off module (salon/signoff).

What a leader signs is the bulletin's words: the print HTML and charts without the 签发人
and date (they are the signature's own result), with 回头看's days open counted to the day
it was sent (送审), so a signature given on Monday still holds for Tuesday's publishing.
A change of the words after 签发 voids the signature: the cover then shows no 签发人, and
publishing is refused until it is sent and signed again.
"""
import hashlib
from dataclasses import replace
from datetime import date

from ..extensions import db
from ..salons.models import Salon
from ..signoff import is_signed, register_kind
from ..signoff.services import record_of
from ..timeutil import today
from .content import bulletin_for, gather, lookback
from .models import Bulletin

KIND = "bulletin"


def words_fingerprint(content) -> str:
    """The digest of what the leader signs: the print HTML (no 签发人, no date) and charts."""
    from .render.segments import print_html

    assert content.signer is None and content.signed_on is None, "sign the unsigned words"
    digest = hashlib.sha256(print_html(content).encode())
    for name in sorted(content.charts):
        digest.update(name.encode() + hashlib.sha256(content.charts[name]).digest())
    return digest.hexdigest()


def reference_day(record) -> date:
    """The day the words are counted on: that of the last 送审 (today before any)."""
    return record.submitted_at.date() if record and record.submitted_at else today()


def words_of(content, record=None) -> str:
    """The fingerprint of the content's words as of the last 送审 (kept on the content)."""
    if content.words_fingerprint is None:

        day = reference_day(record)
        words = replace(content, signer=None, signed_on=None)
        if day != today():
            words.lookback = lookback(content.salon, day)
        content.words_fingerprint = words_fingerprint(words)
    return content.words_fingerprint


def sign_content(content) -> None:
    """Put the 签发人 and date on the content's cover, if a signature counts for it."""
    bulletin = content.bulletin
    record = record_of(KIND, bulletin.id) if bulletin.id else None
    if record is None:
        return
    if record.state == "signed" and words_of(content, record) == record.fingerprint:
        content.signer = record.signed_by.name
        content.signed_on = record.signed_at.date()


def issue_content(salon: Salon, as_of=None):
    """The salon's bulletin content with the 签发人 and date on its cover where a leader's
    signature counts for it: what is previewed, built and published."""
    content = gather(salon, as_of)
    sign_content(content)
    return content


def fingerprint_of_salon(salon: Salon) -> str:
    """The words of the salon's bulletin now, as the leader would sign them."""
    content = gather(salon)
    bulletin = content.bulletin
    return words_of(content, record_of(KIND, bulletin.id) if bulletin.id else None)


def signed(salon: Salon) -> bool:
    """Whether a leader's signature counts for the bulletin's words now."""
    bulletin = bulletin_for(salon, create=False)
    return bool(bulletin.id) and is_signed(KIND, bulletin.id, fingerprint_of_salon(salon))


REFUSALS = {
    "draft": "专刊尚未送审，不能发布：请先送审，经局领导签发后再发布。",
    "submitted": "专刊已送审，正等待局领导签发，签发后方可发布。",
    "returned": "专刊已被局领导退回，请按退回意见修改后重新送审。",
}


def require_signed(content):
    """The sign-off record whose signature counts for these words, or a clear refusal."""
    from .rules import BulletinError

    bulletin = content.bulletin
    record = record_of(KIND, bulletin.id) if bulletin.id else None
    state = record.state if record else "draft"
    if state != "signed":
        raise BulletinError(REFUSALS[state])
    if words_of(content, record) != record.fingerprint:
        raise BulletinError("专刊签发后内容已有变化，原签发不再有效："
                            "请重新送审，经局领导签发后再发布。")
    return record


def _bulletin(bulletin_id: int) -> Bulletin:
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        from ..errors import Missing

        raise Missing("专刊不存在。")
    return bulletin


def _titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(db.select(Bulletin.id, Salon.number, Salon.month)
                              .join(Salon, Bulletin.salon_id == Salon.id)
                              .where(Bulletin.id.in_(ids)))
    return {i: _title(number, month) for i, number, month in rows}


def _title(number: int, month: str) -> str:
    year, mon = month.split("-")
    return f"社区警务沙龙专刊第{number}期（{year}年{int(mon)}月）"


def register() -> None:
    """The bulletin as a kind of signed document (called from the feature's init_app)."""
    register_kind(
        KIND, label="专刊",
        title_of=lambda i: _title(_bulletin(i).salon.number, _bulletin(i).salon.month),
        titles_of=_titles,
        url_of=lambda i: f"/bulletins/{_bulletin(i).salon.month}#signoff",  # also off-request
        fingerprint_of=_words_to_sign)


def _words_to_sign(bulletin_id: int) -> str:
    """The words sent (送审) or signed: there must be some (a submitted post at least)."""
    from .rules import require_posts

    salon = _bulletin(bulletin_id).salon
    require_posts(salon)
    return fingerprint_of_salon(salon)
