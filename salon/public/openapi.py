"""The public app's two JSON routes as OpenAPI 3.1: leave a suggestion, look one up by code.

Not served by the public app (its URL map holds the form, the query page, these two routes
and static files, nothing else); kept true by tests/test_public_app.py, which checks it names
exactly the app's API routes and fuzzes the app against it (any 500 or any answer that does
not match fails). The statuses and verdicts are read from the suggestions feature.
"""

JSON = "application/json"


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "string"}}}}}}


LIMITED = _error("提交或查询过于频繁（每个地址、全站各有上限），请稍后再试")


def _citizen_view() -> dict:
    from ..suggestions.models import STATUSES, VERDICTS

    text = {"type": "string"}
    return {
        "type": "object",
        "required": ["code", "received_on", "channel", "text", "status", "status_label",
                     "progress", "responsible_unit", "outcome", "figures", "decline_reason",
                     "replies", "finished", "verdict", "verdict_label", "may_give_verdict"],
        "additionalProperties": False,  # never the contact, never an officer's name
        "properties": {
            "code": {"type": "string", "pattern": "^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$"},
            "received_on": {"type": "string", "format": "date"},
            "channel": text, "text": text,
            "status": {"enum": list(STATUSES)}, "status_label": text,
            "progress": {"type": "string", "description": "办理进展，如“已交办责任单位”“已办结”"},
            "responsible_unit": {"type": ["string", "null"]},
            "outcome": {"type": "string", "description": "办结后的办理结果"},
            "figures": {"type": "array", "description": "办结后的成效数据", "items": {
                "type": "object", "required": ["label", "value", "unit"],
                "additionalProperties": False,
                "properties": {"label": text, "value": {"type": "number"}, "unit": text}}},
            "decline_reason": text,
            "replies": {"type": "array", "items": {
                "type": "object", "required": ["text", "at"], "additionalProperties": False,
                "properties": {"text": text, "at": text}}},
            "finished": {"type": "boolean"},
            "verdict": {"enum": [*VERDICTS, None]},
            "verdict_label": text,
            "may_give_verdict": {"type": "boolean"},
        },
    }


def description() -> dict:
    """The whole document."""
    from ..suggestions.services import CONTACT_MAX, PLACE_MAX

    text = {"type": "string"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "群众建议网站接口", "version": "1",
                 "description": "无需登录。错误一律为 `{\"error\": \"…\"}`。"},
        "paths": {
            "/api/public/suggestions": {"post": {
                "summary": "提交一条意见建议，得到查询码", "operationId": "submitSuggestion",
                "requestBody": {"required": True, "content": {JSON: {"schema": {
                    "type": "object", "required": ["text"],
                    "properties": {
                        "text": {**text, "description": "建议内容（最多 2000 字）"},
                        "place": {**text, "maxLength": PLACE_MAX},
                        "contact": {**text, "maxLength": CONTACT_MAX,
                                    "description": "只有督办人员能看到"},
                        "unit": {"type": "integer", "description": "涉及的派出所编号（选填）"},
                    }}}}},
                "responses": {
                    "201": {"description": "已收到", "content": {JSON: {"schema": {
                        "type": "object", "required": ["code"], "additionalProperties": False,
                        "properties": {"code": {"type": "string"}}}}}},
                    "400": _error("内容不合规（`error` 说明哪里）"),
                    "413": _error("请求过长"),
                    "429": LIMITED,
                }}},
            "/api/public/suggestions/{code}": {"get": {
                "summary": "凭查询码看进展、答复与结果（从不含联系方式）",
                "operationId": "suggestionByCode",
                "parameters": [{"name": "code", "in": "path", "required": True,
                                "description": "16 位查询码，可带横线，不分大小写",
                                "schema": text}],
                "responses": {
                    "200": {"description": "进展", "content": {JSON: {
                        "schema": _citizen_view()}}},
                    "404": _error("查询码不正确"),
                    "429": LIMITED,
                }}},
        },
    }
