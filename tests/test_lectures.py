"""讲坛: recording lectures, materials checked by content, downloads, sign-in, counts."""
import io
from datetime import date

import pytest

from salon.extensions import db
from salon.lectures.models import Attendance, Lecture, LectureMaterial
from salon.lectures.services import attendance_by_unit, lecture_counts
from salon.storage import storage

from .conftest import csrf_token
from .lecture_data import make_lecture, office_bytes, pdf_bytes
from .problem_data import make_problem, unit, user


def upload(client, lecture_id, data: bytes, name: str):
    return client.post(f"/lectures/{lecture_id}/materials", data={
        "csrf_token": csrf_token(client, f"/lectures/{lecture_id}"),
        "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_organizer_records_a_weekend_school_lecture(app, client, auth):
    problem = make_problem()
    auth.login("organizer")
    response = client.post("/lectures/new", data={
        "csrf_token": csrf_token(client, "/lectures/new"), "kind": "weekend_school",
        "held_on": "2026-11-27", "unit_id": str(unit("城关派出所").id), "title": "自查问题讲评",
        "speaker_id": "", "speaker_name": "县检察院检察官 王某", "summary": "剖析执法中存在的问题",
        "salon_id": "", "problem_ids": f"{problem.id}"})
    assert response.status_code == 302
    lecture = db.session.scalar(db.select(Lecture))
    assert lecture.speaker_label == "县检察院检察官 王某"
    assert [p.id for p in lecture.problems] == [problem.id]
    school = client.get(f"/lectures/school/{lecture.unit_id}").get_data(as_text=True)
    assert "自查问题讲评" in school and "共 1 讲" in school
    # the link back: the problem's page names the talk that reviewed it
    post_page = client.get(f"/posts/{problem.post_id}").get_data(as_text=True)
    assert f"/lectures/{lecture.id}" in post_page and "《自查问题讲评》" in post_page


@pytest.mark.parametrize("fields, message", [
    ({"title": ""}, "请填写题目"),
    ({"speaker_name": ""}, "请选择主讲民警，或填写外请主讲人"),
    ({"problem_ids": "99999"}, "问题编号不存在：99999"),
    ({"held_on": "明天"}, "日期格式不正确"),
])
def test_bad_lecture_input_is_refused_and_kept(app, client, auth, fields, message):
    auth.login("organizer")
    data = {"csrf_token": csrf_token(client, "/lectures/new"), "kind": "forum",
            "held_on": "2026-11-27", "unit_id": str(unit("城关派出所").id),
            "title": "社区警务室工作法", "speaker_id": "", "speaker_name": "张教授",
            "summary": "要点", "salon_id": "", "problem_ids": "", **fields}
    response = client.post("/lectures/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Lecture.id))) == 0


def test_materials_are_checked_by_content_and_served_as_attachments(app, client, auth):
    lecture = make_lecture()
    auth.login("organizer")
    for data, name in [(pdf_bytes(), "讲稿.pdf"), (office_bytes("pptx"), "课件.pptx"),
                       (office_bytes("docx"), "案例.docx"), (office_bytes("xlsx"), "数据.xlsx")]:
        assert upload(client, lecture.id, data, name).status_code == 302
    materials = db.session.scalars(db.select(LectureMaterial).order_by(LectureMaterial.id)).all()
    assert [m.kind for m in materials] == ["pdf", "pptx", "docx", "xlsx"]
    pdf = materials[0]
    assert pdf.preview_key and storage().get(pdf.preview_key).startswith(b"\x89PNG")
    page = client.get(f"/lectures/{lecture.id}").get_data(as_text=True)
    assert f"/lectures/materials/{pdf.id}/preview.png" in page
    auth.logout()
    auth.login("officer")
    response = client.get(f"/lectures/materials/{materials[1].id}")
    assert response.status_code == 200 and response.data == office_bytes("pptx")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E8%AF%BE%E4%BB%B6.pptx" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "presentationml" in response.headers["Content-Type"]
    anonymous = app.test_client().get(f"/lectures/materials/{materials[1].id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


@pytest.mark.parametrize("data, name, message", [
    (office_bytes("xlsx"), "课件.pptx", "内容却是 XLSX 文件"),
    (b"MZ\x90\x00 not a pdf", "讲稿.pdf", "不是有效的 PDF 文件"),
    (pdf_bytes(), "讲稿.exe", "只能上传 PDF、PPTX、DOCX 或 XLSX"),
    (b"PK\x03\x04 broken zip", "课件.pptx", "不是有效的 PPTX 文件"),
    (b"", "空.pdf", "请选择要上传的材料文件"),
])
def test_lying_or_bad_files_are_refused(app, client, auth, data, name, message):
    lecture = make_lecture()
    auth.login("organizer")
    page = client.get(upload(client, lecture.id, data, name).headers["Location"])
    assert message in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(LectureMaterial.id))) == 0
    assert storage().keys("lectures/") == []


def test_size_limit(app, client, auth):
    app.config["LECTURE_MATERIAL_MAX_BYTES"] = 1000
    lecture = make_lecture()
    auth.login("organizer")
    page = client.get(upload(client, lecture.id, pdf_bytes(40), "讲稿.pdf").headers["Location"])
    assert "文件过大" in page.get_data(as_text=True)


def test_officer_may_not_upload(app, client, auth):
    lecture = make_lecture()
    auth.login("officer")
    assert upload(client, lecture.id, pdf_bytes(), "讲稿.pdf").status_code == 403


def test_officers_sign_in_once_from_the_day_on(app, client, auth):
    past, future = make_lecture(), make_lecture(held_on=date(2099, 1, 1), title="未来")
    auth.login("officer")
    token = csrf_token(client, f"/lectures/{past.id}")
    client.post(f"/lectures/{past.id}/attend", data={"csrf_token": token})
    again = client.post(f"/lectures/{past.id}/attend", data={"csrf_token": token},
                        follow_redirects=True)
    assert "您已签到" in again.get_data(as_text=True)
    early = client.post(f"/lectures/{future.id}/attend", data={"csrf_token": token},
                        follow_redirects=True)
    assert "当天起才能签到" in early.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Attendance.id))) == 1
    auth.logout()
    auth.login("admin")
    client.post(f"/lectures/{past.id}/attend", data={"csrf_token": csrf_token(client, "/")})
    assert db.session.scalar(db.select(db.func.count(Attendance.id))) == 1


def test_counts_for_the_assessment(app):
    make_lecture(held_on=date(2026, 10, 2))
    make_lecture(held_on=date(2026, 11, 6))
    lecture = make_lecture(kind="expert", held_on=date(2026, 11, 13), unit_name="曹甸派出所")
    db.session.add(Attendance(lecture=lecture, user=user("officer")))
    db.session.add(Attendance(lecture=lecture, user=user("officer2")))
    db.session.commit()
    chengguan, caodian = unit("城关派出所").id, unit("曹甸派出所").id
    assert lecture_counts() == {chengguan: 2, caodian: 1}
    assert lecture_counts(date(2026, 11, 1), date(2026, 11, 30)) == {chengguan: 1, caodian: 1}
    assert lecture_counts(kinds=("weekend_school",)) == {chengguan: 2}
    assert attendance_by_unit() == {chengguan: 1, caodian: 1}


def test_a_lecture_on_a_salons_agenda_shows_there(app, client, auth):
    from .problem_data import salon

    meeting = salon("2026-11")
    db.session.commit()
    make_lecture(kind="case", title="以案说法：一起电信诈骗案", salon_id=meeting.id)
    auth.login("officer")
    page = client.get("/salons/2026-11").get_data(as_text=True)
    assert "以案说法：一起电信诈骗案" in page


def test_organizer_removes_a_wrong_material_and_its_files(app, client, auth):
    lecture = make_lecture()
    auth.login("organizer")
    upload(client, lecture.id, pdf_bytes(), "错传.pdf")
    material = db.session.scalar(db.select(LectureMaterial))
    assert len(storage().keys("lectures/")) == 2  # the file and its preview
    auth.logout()
    auth.login("officer")
    token = csrf_token(client, f"/lectures/{lecture.id}")
    assert client.post(f"/lectures/materials/{material.id}/delete",
                       data={"csrf_token": token}).status_code == 403
    auth.logout()
    auth.login("organizer")
    token = csrf_token(client, f"/lectures/{lecture.id}")
    client.post(f"/lectures/materials/{material.id}/delete", data={"csrf_token": token})
    assert db.session.scalar(db.select(db.func.count(LectureMaterial.id))) == 0
    assert storage().keys("lectures/") == []


def test_lecture_lists_take_constant_queries(app, client, auth, count_queries):
    """The list (per unit) and a unit's weekly school: the same number of statements for 2
    lectures as for 8, each by a different officer of a different unit, each with materials."""
    from salon.accounts.models import Unit, User

    auth.login("officer")
    station = unit("城关派出所")

    def lecture(n):
        speaker = User(username=f"speaker{n}", name=f"主讲{n}", role="officer",
                       unit=Unit(name=f"第{n}警务室", kind="station"))
        db.session.add(speaker)
        db.session.flush()
        made = make_lecture(title=f"第{n}讲", speaker_id=speaker.id,
                            held_on=date(2026, 11, 1 + n))
        db.session.add(LectureMaterial(lecture=made, key=f"lectures/k{n}.pdf", filename="a.pdf",
                                       kind="pdf", size=1, sha256="0" * 64,
                                       uploaded_by_id=speaker.id))
        db.session.commit()

    def statements(path):
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        return len(counted)

    for n in range(2):
        lecture(n)
    few = [statements(f"/lectures/?unit={station.id}"),
           statements(f"/lectures/school/{station.id}")]
    for n in range(2, 8):
        lecture(n)
    many = [statements(f"/lectures/?unit={station.id}"),
            statements(f"/lectures/school/{station.id}")]
    assert many == few
    page = client.get(f"/lectures/?unit={station.id}").get_data(as_text=True)
    assert "第7讲" in page and "第7警务室" in page  # the per-unit list names speaker and unit


def test_huge_numbers_in_lecture_forms_are_refused_not_crashes(app, client, auth):
    auth.login("organizer")
    base = {"csrf_token": csrf_token(client, "/lectures/new"), "kind": "forum",
            "held_on": "2026-11-27", "unit_id": str(unit("城关派出所").id), "title": "讲评",
            "speaker_id": "", "speaker_name": "张教授", "summary": "", "salon_id": "",
            "problem_ids": ""}
    for fields, message in [({"unit_id": "9" * 25}, "请选择举办单位"),
                            ({"speaker_id": "9" * 25}, "所选主讲民警不存在"),
                            ({"salon_id": "9" * 25}, "所选沙龙不存在"),
                            ({"problem_ids": "9" * 25}, "问题编号不存在")]:
        response = client.post("/lectures/new", data={**base, **fields})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert client.get("/lectures/?unit=" + "9" * 25).status_code == 200
    assert db.session.scalar(db.select(db.func.count(Lecture.id))) == 0


def test_a_lectures_page_takes_constant_queries(app, client, auth, count_queries):
    """Attendees and linked problems load with the lecture, however many there are."""
    from salon.accounts.models import Unit, User
    from salon.problems.models import Problem

    problem_ids = [make_problem(title=f"自查问题{n}").id for n in range(6)]
    lecture_id = make_lecture(problem_ids=problem_ids[:1]).id
    auth.login("officer")

    def attend(n):
        person = User(username=f"listener{n}", name=f"听众{n}", role="officer",
                      unit=Unit(name=f"听众单位{n}", kind="station"))
        db.session.add(Attendance(lecture_id=lecture_id, user=person))
        db.session.commit()

    def statements():
        db.session.expunge_all()  # as in a request's own session: nothing loaded yet
        with count_queries() as counted:
            assert client.get(f"/lectures/{lecture_id}").status_code == 200
        return len(counted)

    attend(0)
    few = statements()
    for n in range(1, 9):
        attend(n)
    lecture = db.session.get(Lecture, lecture_id)
    lecture.problems = db.session.scalars(db.select(Problem).where(
        Problem.id.in_(problem_ids))).all()
    db.session.commit()
    assert statements() == few
