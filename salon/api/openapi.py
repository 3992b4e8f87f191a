"""`GET /api/openapi.json`: the OpenAPI 3.1 description of every route under /api.

Kept true by tests/test_api_contract.py: every API rule of the URL map must be described here,
and schemathesis fuzzes the running app against this description (any 500, any answer that
does not match, any non-standard JSON fails the build). Enumerations that the features own
(kinds, states, workflow actions) are read from them, so the description follows the code.
"""
from flask import current_app

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


def _ok(schema: dict, description: str = "成功") -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


ERRORS = {
    "400": _error("请求有误（参数或字段不合规，`error` 说明哪一个）"),
    "401": _error("未登录，或 API 令牌无效"),
    "403": _error("角色或身份不允许"),
}
NOT_FOUND = {"404": _error("不存在")}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}


def _paging(cap: int) -> list[dict]:
    from ..paging import MAX_PAGE

    return [_query("page", "第几页（从 1 起）",
                   {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
            _query("limit", f"每页条数（1–{cap}）", {"type": "integer", "minimum": 1,
                                                  "maximum": cap})]


PAGE_FIELDS = {
    "total": {"type": "integer", "minimum": 0},
    "page": {"type": "integer", "minimum": 1},
    "limit": {"type": "integer", "minimum": 1},
    "pages": {"type": "integer", "minimum": 0},
}


def _page_of(field: str, item: dict) -> dict:
    return {"type": "object", "required": [*PAGE_FIELDS, field],
            "properties": {**PAGE_FIELDS, field: {"type": "array", "items": item}}}


def _nullable(kind: str) -> dict:
    return {"type": [kind, "null"]}


# 所长审核 (SALON_POST_REVIEW): where a post stands; null when it was never reviewed.
REVIEW_STATE = {"enum": ["pending", "returned", "approved", None],
                "description": "所长审核：pending 待审核、returned 已退回、approved 已通过；"
                               "未经审核为 null"}
REVIEW_COMMENT = {"type": ["string", "null"], "description": "审核意见（仅作者与审核人可见）"}


def schemas() -> dict:
    """The components: answers and bodies."""
    from ..posts.models import KINDS
    from ..problems.workflow import STEPS

    text, integer, boolean = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
    post = {
        "type": "object",
        "required": ["id", "kind", "title", "status", "author", "unit", "salon", "tags",
                     "created_at", "updated_at", "url"],
        "properties": {
            "id": integer, "kind": {"enum": list(KINDS)}, "title": text, "status": text,
            "author": {"type": "object", "required": ["id", "name"],
                       "properties": {"id": integer, "name": text}},
            "unit": text, "salon": _nullable("string"),
            "tags": {"type": "array", "items": text},
            "in_bulletin": boolean, "exemplary": boolean,
            "problem_state": _nullable("string"),
            "review": REVIEW_STATE,
            "created_at": text, "updated_at": text, "url": text,
        },
    }
    figure = {"type": "object", "required": ["label", "value"],
              "properties": {"label": text, "value": {"type": "number"},
                             "unit": _nullable("string")}}
    problem = {
        "type": "object",
        "description": "问题。台账的全部字段（批示、成效、办理过程等）只给组织者与局领导；"
                       "其他人在列表中只得到台账页面所示的各列。",
        "required": ["id", "post_id", "title", "state", "state_label", "overdue", "unit",
                     "deadline", "created_at"],
        "properties": {
            "id": integer, "post_id": integer, "title": text, "reporter": text,
            "reporter_unit": text, "salon": _nullable("string"), "source": _nullable("string"),
            "state": text, "state_label": text, "overdue": boolean,
            "unit": _nullable("string"), "unit_id": _nullable("integer"),
            "deadline": _nullable("string"), "cosign_count": integer, "created_at": text,
            "scan": _nullable("string"), "analysis": _nullable("string"),
            "proposal": _nullable("string"), "instruction": _nullable("string"),
            "instructions": {"type": "array", "items": {"type": "object"}},
            "outcome": _nullable("string"), "figures": {"type": "array", "items": figure},
            "satisfaction": _nullable("string"), "solved": _nullable("string"),
            "revisit": {"type": ["object", "null"], "description": "回访：群众的满意度与解决程度"},
            "reopen_count": integer,
            "extension_request": {"type": ["object", "null"],
                                  "description": "待审批的延期申请 {until, reason}"},
            "escalated_to": _nullable("string"),
            "stages": {"type": "array", "items": {"type": "object"},
                       "description": "阶段计划：title、due、done_at、overdue、figures"},
            "earlier_results": {"type": "array", "items": {"type": "object"},
                                "description": "此前未被接受的办理结果（历史，不是当前结果）"},
            "reviews": {"type": "array", "items": {"type": "object"},
                        "description": "回头看：verdict（held 巩固 / relapsed 反弹）与 figures"},
            "review_due": _nullable("string"), "assigned_at": _nullable("string"),
            "signed_at": _nullable("string"), "reported_at": _nullable("string"),
            "resolved_at": _nullable("string"),
            "events": {"type": "array", "items": {"type": "object", "required": [
                "id", "at", "action"], "properties": {"id": integer, "at": text,
                                                      "action": text}}},
        },
    }
    return {
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string", "minLength": 1}}},
        "Me": {"type": "object", "required": ["username", "name", "role", "unit"],
               "properties": {"username": text, "name": text, "role": text, "unit": text}},
        "PostSummary": post,
        "Post": {"allOf": [post, {"type": "object", "required": ["body", "html"],
                                  "properties": {"body": text, "html": text,
                                                 "review_comment": REVIEW_COMMENT}}]},
        "ReviewInput": {
            "type": "object", "required": ["decision"],
            "properties": {"decision": {"enum": ["approve", "return"]},
                           "comment": {**_nullable("string"),
                                       "description": "审核意见；退回修改（return）时必填"}}},
        "ReviewResult": {"type": "object", "required": ["id", "status", "review", "url"],
                         "properties": {"id": integer, "status": {"enum": ["submitted", "draft"]},
                                        "review": REVIEW_STATE, "url": text}},
        "PostInput": {
            "type": "object", "required": ["kind", "title", "body", "salon"],
            "properties": {
                "kind": {"enum": list(KINDS)}, "title": text, "body": text,
                "salon": {"type": "string", "description": "沙龙月份 YYYY-MM"},
                "tags": {"type": "array", "items": text}, "draft": boolean,
                "source": text, "scan": text, "analysis": text, "proposal": text,
            },
        },
        "Created": {"type": "object", "required": ["id", "status", "url"],
                    "properties": {"id": integer, "status": text, "url": text}},
        "Problem": problem,
        "StepInput": {
            "type": "object", "required": ["action"],
            "properties": {
                "action": {"enum": list(STEPS)}, "note": text, "outcome": text,
                "unit": {"type": ["integer", "string"], "description": "单位编号或名称"},
                "deadline": {"type": "string", "description": "YYYY-MM-DD"},
                "figures": {"type": "array", "items": figure},
                "satisfaction": {"enum": ["satisfied", "basically", "unsatisfied"]},
                "solved": {"enum": ["solved", "partly", "unsolved"]},
                "verdict": {"enum": ["held", "relapsed"], "description": "回头看：巩固或反弹"},
                "body": {"type": "string", "description": "提请的机关（县委、县政府…）"},
                "stage": {"type": ["integer", "string"],
                          "description": "完成的阶段编号，或新阶段的名称"},
                "stage_due": {"type": "string", "description": "新阶段的时限 YYYY-MM-DD"},
            },
        },
        "StepResult": {"type": "object", "required": ["id", "state", "state_label", "problem"],
                       "properties": {"id": integer, "state": text, "state_label": text,
                                      "problem": _ref("Problem")}},
        "Hit": {"type": "object", "required": ["id", "kind", "title", "score", "snippet"],
                "properties": {"id": integer, "kind": text, "title": text,
                               "score": {"type": "number"}, "snippet": text}},
        "AssessmentRow": {
            "type": "object", "required": ["unit", "score", "rank", "indicators"],
            "description": "一个单位的考核结果；缺报或无数据的指标为 null（不是 0）",
            "properties": {
                "unit": text,
                "group": {"type": "string", "description": "派出所 或 警务室（分组排名）"},
                "score": {"type": ["number", "null"], "description": "加权总分 0–100"},
                "rank": {"type": ["integer", "null"], "minimum": 1,
                         "description": "组内名次，同分同名次"},
                "indicators": {"type": "object", "description": "指标代码 → 原始值或 null",
                               "additionalProperties": {"type": ["number", "null"]}},
                "missing": {"type": "array", "items": text, "description": "缺报的指标代码"},
                "last_place": boolean,
                "change": {"type": ["number", "null"], "description": "较上期总分"},
            }},
        "Notification": {"type": "object", "required": ["id", "text", "read"],
                         "properties": {"id": integer, "kind": text, "text": text,
                                        "link": _nullable("string"), "read": boolean}},
    }


def paths() -> dict:
    """Every route under /api (tests/test_api_contract.py checks none is missing)."""
    from ..posts.models import KINDS

    month = _query("salon", "沙龙月份 YYYY-MM")
    text, integer = {"type": "string"}, {"type": "integer"}
    body = {"required": True, "content": {JSON: {"schema": None}}}

    def with_body(name: str) -> dict:
        return {**body, "content": {JSON: {"schema": _ref(name)}}}

    return {
        "/api/me": {"get": {
            "summary": "令牌（或会话）所属的用户", "operationId": "me",
            "responses": {"200": _ok(_ref("Me")), "401": ERRORS["401"]}}},
        "/api/posts": {
            "get": {"summary": "已提交的稿件，新的在前", "operationId": "listPosts",
                    "parameters": [month, _query("kind", "experience 或 problem",
                                                 {"enum": list(KINDS)}),
                                   _query("unit", "单位编号", {"type": "integer"}),
                                   _query("tag", "标签"), _query("author", "作者编号",
                                                                 {"type": "integer"}),
                                   *_paging(100)],
                    "responses": {"200": _ok(_page_of("results", _ref("PostSummary"))),
                                  **ERRORS}},
            "post": {"summary": "撰写稿件（草稿或提交；开启所长审核时民警提交的稿件为 pending）",
                     "operationId": "createPost",
                     "requestBody": with_body("PostInput"),
                     "responses": {"201": _ok(_ref("Created"), "已创建"), **ERRORS,
                                   "413": _error("请求过大")}}},
        "/api/posts/{post_id}": {"get": {
            "summary": "一篇稿件：Markdown 原文与净化后的 HTML", "operationId": "getPost",
            "parameters": [_path_id("post_id")],
            "responses": {"200": _ok(_ref("Post")), **ERRORS, **NOT_FOUND}}},
        "/api/problems": {"get": {
            "summary": "问题（台账），一页", "operationId": "listProblems",
            "parameters": [_query("state", "状态（可逗号分隔多个）"),
                           _query("unit", "责任单位（编号或名称）"),
                           _query("overdue", "1：只看已超期", {"enum": ["1", "0"]}),
                           month, *_paging(100)],
            "responses": {"200": _ok(_page_of("problems", _ref("Problem"))), **ERRORS}}},
        "/api/problems/{problem_id}": {"get": {
            "summary": "一个问题及其办理过程", "operationId": "getProblem",
            "parameters": [_path_id("problem_id")],
            "responses": {"200": _ok(_ref("Problem")), **ERRORS, **NOT_FOUND}}},
        "/api/problems/{problem_id}/events": {"post": {
            "summary": "办理一步", "operationId": "takeStep",
            "parameters": [_path_id("problem_id")], "requestBody": with_body("StepInput"),
            "responses": {"200": _ok(_ref("StepResult")), **ERRORS, **NOT_FOUND,
                          "409": _error("当前状态不允许此操作，或另一操作已抢先"),
                          "413": _error("请求过大")}}},
        "/api/search": {"get": {
            "summary": "全文检索", "operationId": "search",
            "parameters": [_query("q", "检索词"), _query("kind", "稿件类别"), month,
                           _query("unit", "单位名称"), _query("tag", "标签"),
                           _query("state", "问题状态"), _query("from", "起始日期 YYYY-MM-DD"),
                           _query("to", "截止日期 YYYY-MM-DD"),
                           _query("sort", "relevance 或 newest"), *_paging(50)],
            "responses": {"200": _ok({"type": "object", "required": [
                "total", "page", "limit", "results"], "properties": {
                "total": {"type": "integer"}, "approximate": {"type": "boolean"},
                "page": {"type": "integer"}, "limit": {"type": "integer"},
                "results": {"type": "array", "items": _ref("Hit")}}}), **ERRORS}}},
        "/api/me/notifications": {"get": {
            "summary": "我的消息，未读在前", "operationId": "myNotifications",
            "parameters": [*_paging(100), _query("unread", "1：只看未读",
                                                 {"type": "string", "enum": ["0", "1"]})],
            "responses": {"200": _ok({"allOf": [
                _page_of("results", _ref("Notification")),
                {"type": "object", "required": ["unread"],
                 "properties": {"unread": {"type": "integer"}}}]}), **ERRORS}}},
        "/api/me/notifications/read": {"post": {
            "summary": "标为已读：{\"ids\": […]} 或 {\"all\": true}",
            "operationId": "markNotificationsRead",
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object", "properties": {
                    "ids": {"type": "array", "minItems": 1, "maxItems": 1000,
                            "items": {"type": "integer", "minimum": 1,
                                      "maximum": 2**31 - 1}},
                    "all": {"const": True}}}}}},
            "responses": {"200": _ok({"type": "object", "required": ["marked", "unread"],
                                      "properties": {"marked": {"type": "integer"},
                                                     "unread": {"type": "integer"}}}),
                          **ERRORS, "413": _error("请求过大")}}},
        "/api/posts/{post_id}/review": {"post": {
            "summary": "所长审核：通过（approve）或退回修改（return，须写意见）",
            "operationId": "reviewPost", "parameters": [_path_id("post_id")],
            "requestBody": with_body("ReviewInput"),
            "responses": {"200": _ok(_ref("ReviewResult")), **ERRORS,
                          "404": _error("不存在，或待审核的稿件对调用者不可见"),
                          "409": _error("稿件已不在待审核状态（另一位审核人已处理）"),
                          "413": _error("请求过大")}}},
        "/api/me/todo": {"get": {
            "summary": "等我办理的问题，按类", "operationId": "myTodo", "parameters": _paging(100),
            "responses": {"200": _ok({"type": "object", "required": ["total", "kinds"],
                                      "properties": {"total": integer, "kinds": {
                                          "type": "array", "items": {
                                              "type": "object",
                                              "required": ["kind", "title", "total", "problems"],
                                              "properties": {
                                                  "kind": text, "title": text, "total": integer,
                                                  "problems": {"type": "array",
                                                               "items": {"type": "object"}}}}}}}),
                          **ERRORS}}},
        "/api/assessments/{period}": {"get": {
            "summary": "考核排名（与 flask assess compute --json 相同；局领导、组织者）",
            "operationId": "assessmentRanking",
            "parameters": [{"name": "period", "in": "path", "required": True,
                            "description": "考核期：YYYYQn（季度）或 YYYY-MM（月）",
                            "schema": {"type": "string"}}],
            "responses": {"200": _ok({"type": "array", "items": _ref("AssessmentRow")}),
                          **ERRORS}}},
        "/api/openapi.json": {"get": {
            "summary": "本说明（OpenAPI 3.1）", "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3.1",
                                  "content": {JSON: {"schema": {"type": "object"}}}},
                          "401": ERRORS["401"]}}},
    }


def description() -> dict:
    """The whole document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{current_app.config['BULLETIN_TITLE']} 接口",
                 "version": "1",
                 "description": "认证：`Authorization: Bearer 令牌`（`flask users token` 或"
                                "“API 令牌”页面签发），或浏览器会话（写操作另需 CSRF 令牌）。"
                                "错误一律为 `{\"error\": \"…\"}`。"},
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths(),
    }
