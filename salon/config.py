"""Configuration: every setting with its default and meaning; SALON_* variables override them.

`defaults()` is what the app factory loads first; then `SALON_<NAME>` environment variables
(Flask's `from_prefixed_env`: JSON values are parsed, so `SALON_POSTS_PER_PAGE=50` is a
number), then a test's override. Code reads a setting as `app.config["NAME"]`, never with a
default of its own. The README's table of settings is made from SETTINGS
(`scripts/settings-table`), and a test keeps the two equal.
"""
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class Setting:
    """One setting: its default (a value, or a function of the instance folder) and meaning."""

    name: str
    default: object
    meaning: str
    shown: str = ""  # how the README shows a default that depends on the machine

    def value(self, folder: str) -> object:
        return self.default(folder) if callable(self.default) else self.default

    def shown_default(self) -> str:
        if self.shown:
            return self.shown
        if self.default is None:
            return "（无）"
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, dict):
            return "见说明"
        return str(self.default)


def _in_instance(name: str) -> Callable[[str], str]:
    return lambda folder: str(Path(folder) / name)


def _database(folder: str) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / 'salon.db'}"


SETTINGS = (
    # -- the instance ---------------------------------------------------------------------
    Setting("SQLALCHEMY_DATABASE_URI", _database,
            "数据库；通常用环境变量 `DATABASE_URL` 设置，例如 `postgresql+psycopg://user:pass@host/salon`",
            "实例目录中的 SQLite（WAL 模式）"),
    Setting("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True},
            "数据库连接池选项（默认取用连接前先探测，数据库重启后自动重连）",
            '`{"pool_pre_ping": true}`'),
    Setting("SECRET_KEY", None, "签名会话与令牌的密钥；多台服务器须设为同一个",
            "首次启动时生成在实例目录的 `secret_key`"),
    Setting("SEARCH_INDEX_DIR", _in_instance("search-index"), "本机的检索索引目录",
            "实例目录/search-index"),
    Setting("STORAGE_DIR", _in_instance("files"),
            "上传图片与专刊 PDF 的存放目录；多台服务器时设为共享目录", "实例目录/files"),
    Setting("PG_BIN_DIR", None,
            "`pg_dump`/`psql` 所在目录（`flask backup`/`restore` 用；"
            "默认在 PATH 与 /usr/lib/postgresql 中找）"),
    # -- sessions and sign-in -------------------------------------------------------------
    Setting("PERMANENT_SESSION_LIFETIME", 8 * 3600,
            "会话有效期（秒），自最后一次访问起算"),
    Setting("REMEMBER_COOKIE_DURATION", 7 * 24 * 3600, "“记住我”有效期（秒）"),
    Setting("REMEMBER_COOKIE_NAME", "remember_token", "“记住我” Cookie 的名称"),
    Setting("SESSION_COOKIE_HTTPONLY", True, "会话 Cookie 不让页面脚本读取"),
    Setting("SESSION_COOKIE_SAMESITE", "Lax", "会话 Cookie 不随别站发起的请求发送"),
    Setting("REMEMBER_COOKIE_HTTPONLY", True, "“记住我” Cookie 不让页面脚本读取"),
    Setting("REMEMBER_COOKIE_SAMESITE", "Lax", "“记住我” Cookie 不随别站发起的请求发送"),
    Setting("SESSION_COOKIE_SECURE", False,
            "会话与“记住我” Cookie 只经 HTTPS 发送；站点经 HTTPS 提供时务必设为 `true`"),
    Setting("REMEMBER_COOKIE_SECURE", None,
            "“记住我” Cookie 只经 HTTPS 发送（默认随 `SESSION_COOKIE_SECURE`）"),
    Setting("WTF_CSRF_TIME_LIMIT", None, "表单安全令牌的有效期（秒；默认与会话同寿）"),
    Setting("PROXY_COUNT", 0,
            "站点前有几层反向代理（如 nginx）；大于 0 时按 `X-Forwarded-For` 识别来访地址"
            "（限流与登录日志用）"),
    Setting("RATELIMIT_ENABLED", True, "是否限制登录尝试与上传的频率"),
    Setting("RATELIMIT_STORAGE_URI", "memory://",
            "登录限流计数的存放处；多进程或多台服务器时用 Redis，如 `redis://host:6379/0`"
            "（先 `pip install '.[redis]'`）"),
    Setting("RATELIMIT_HEADERS_ENABLED", True, "限流应答带 `Retry-After` 等头"),
    Setting("LOGIN_FREE_FAILURES", 5,
            "同一账号从同一地址连续失败几次后开始等待（别处的尝试不影响账号本人登录）"),
    Setting("LOGIN_FREE_FAILURES_PER_ADDRESS", 20, "同一地址（不论账号）连续失败几次后开始等待"),
    Setting("LOGIN_DELAY_SECONDS", 30, "开始等待后第一次的等待秒数；此后每失败一次加倍"),
    Setting("LOGIN_MAX_DELAY_SECONDS", 900, "等待的最长秒数"),
    Setting("LOGIN_FAILURE_MEMORY_SECONDS", 900, "多久没有失败后，此前的失败不再计数（秒）"),
    # -- input bounds ---------------------------------------------------------------------
    Setting("MAX_CONTENT_LENGTH", 20 * MB, "一次请求的最大字节数（超过答 413）"),
    Setting("UPLOAD_MAX_BYTES", 5 * MB, "一张上传图片的最大字节数"),
    Setting("UPLOAD_MAX_PIXELS", 40_000_000, "一张上传图片的最大像素数（防解压炸弹）"),
    Setting("DOCX_MAX_BYTES", 20 * MB, "导入的 Word 文件的最大字节数"),
    Setting("MARKDOWN_CPU_SECONDS", 0.5,
            "排版一段 Markdown（正文、征稿启事、纪要、编者按、办理结果）最多用的 CPU 秒数；"
            "超出即在提交时拒绝（“结构过于复杂”），页面只显示提交时存下的 HTML"),
    # -- pages ----------------------------------------------------------------------------
    Setting("POSTS_PER_PAGE", 20, "稿件列表、问题台账每页条数"),
    Setting("USERS_PER_PAGE", 30, "用户管理每页条数"),
    Setting("NOTIFICATIONS_PER_PAGE", 20, "消息中心每页条数"),
    # -- notifications and e-mail -----------------------------------------------------------
    Setting("SITE_URL", None,
            "站点的访问地址，如 `http://10.0.0.5:5000`；邮件里的链接用它（不设则邮件只提示登录平台查看）"),
    Setting("MAIL_SERVER", None,
            "邮件服务器（SMTP）地址；设置后 `flask notify digest` 把未读消息汇总发到各人邮箱"),
    Setting("MAIL_PORT", 25, "邮件服务器端口（STARTTLS 常用 25 或 587，SSL 常用 465）"),
    Setting("MAIL_TLS", "starttls",
            "与邮件服务器的加密：`starttls`、`ssl` 或 `none`（仅限可信内网）"),
    Setting("MAIL_USERNAME", None, "登录邮件服务器的用户名（服务器不要求登录时不设）"),
    Setting("MAIL_PASSWORD", None, "登录邮件服务器的密码"),
    Setting("MAIL_SENDER", None,
            "发件人地址，如 `salon@gaj.local`（不设则用 `MAIL_USERNAME`）"),
    Setting("MAIL_TIMEOUT", 30, "连接邮件服务器的超时（秒）"),
    # -- posts ----------------------------------------------------------------------------
    Setting("POST_REVIEW", "",
            "稿件审核：空 = 不审核，提交即全局可见；`unit_head` = 民警提交的稿件先经本单位所长审核"
            "（未设所长的单位由组织者审核），通过后才全局可见。关闭时已在待审核的稿件仍等审核",
            "空（不审核）"),
    # -- problems -------------------------------------------------------------------------
    Setting("REVIEW_AFTER_DAYS", 90, "问题办结后多少天到期“回头看”（复查是否反弹）"),
    # -- search ---------------------------------------------------------------------------
    Setting("SEARCH_SYNC_ON_COMMIT", True,
            "提交后立即在本进程补写检索索引（关闭后靠 `flask search catch-up` 与搜索前的追赶）"),
    Setting("SEARCH_WRITER_TIMEOUT", 0.5,
            "提交后等待索引写锁的秒数；等不到就交给持锁者与稍后的重试"),
    Setting("SEARCH_RETRY_DELAY", 1.0, "未能补写索引时，几秒后在后台重试"),
    # -- bulletin -------------------------------------------------------------------------
    Setting("BULLETIN_TITLE", "社区警务沙龙专刊", "专刊报头的刊名"),
    Setting("BULLETIN_EDITOR_UNIT", "县公安局治安大队", "专刊的编印单位"),
    Setting("BULLETIN_DISTRIBUTION", {
        "报": ["市公安局", "县委政法委"],
        "送": ["县政府分管领导", "局党委各成员"],
        "发": ["各派出所", "局机关各部门"],
    }, "专刊末页的报、送、发单位（JSON：`{\"报\": […], \"送\": […], \"发\": […]}`）",
        "报 市公安局、县委政法委；送 县政府分管领导、局党委各成员；发 各派出所、局机关各部门"),
    Setting("BULLETIN_PRINT_COUNT", 120, "专刊印数（每期可在专刊页另设）"),
    Setting("BULLETIN_RENDER_WORKERS", None,
            "排版进程数；`0` 整本作为一个文档排版（不分部、不缓存）", "按 CPU 核数"),
    # A rebuild after an edit reuses the last build's parts, so a few builds suffice.
    Setting("BULLETIN_CACHE_BUILDS", 5,
            "分部排版缓存保留最近几次构建（各期合计）用到的部分，其余删除"),
    Setting("BULLETIN_JOB_TIMEOUT_MINUTES", 30, "排版任务超过几分钟未完成即视为失败"),
    Setting("ASSESSMENT_BUREAU", "县公安局", "考核通报标题中的发文机关（如“泾源县公安局”）"),
    Setting("LEDGER_DIRECT_EXPORT_MAX", 300,
            "问题台账导出 Excel 时，超过这么多个问题即转为后台导出（显示进度，完成后下载）"),
    Setting("LEDGER_EXPORT_KEEP_HOURS", 24, "后台导出的台账文件保留几小时后删除"),
    Setting("LEDGER_EXPORT_JOBS_MANUAL", False,
            "后台导出任务不在后台线程中运行、由调用者执行（测试用）"),
    Setting("BULLETIN_JOBS_MANUAL", False,
            "排版任务不在后台线程中运行、由调用者执行（测试用）"),
    # -- 群众建议 and the public app (salon.public:create_app()) ------------------------------
    Setting("PUBLIC_SITE_URL", "http://127.0.0.1:5001",
            "群众建议网站（`salon.public:create_app()`）对外的地址；海报二维码指向它"),
    Setting("SUGGESTIONS_HOTLINE", "紧急报警请拨 110",
            "群众建议海报底部的热线文字（如 `意见建议热线 0000-0000000`）"),
    Setting("SUGGESTIONS_IMPORT_MAX_BYTES", 5 * MB, "导入的访查登记表（.xlsx）的最大字节数"),
    Setting("PUBLIC_LIMIT_PER_ADDRESS", "5 per hour;20 per day",
            "群众建议网站：每个地址提交建议的上限（只计收下的）"),
    Setting("PUBLIC_LIMIT_GLOBAL", "300 per hour",
            "群众建议网站：全站提交建议的总上限（防刷屏）"),
    Setting("PUBLIC_ATTEMPT_LIMIT", "30 per hour",
            "群众建议网站：每个地址提交的尝试次数上限（含被退回改正的；上两项只计收下的建议）"),
    Setting("PUBLIC_LOOKUP_LIMIT", "30 per minute",
            "群众建议网站：每个地址查询查询码的上限"),
    Setting("PUBLIC_WRONG_CODE_LIMIT", "10 per hour",
            "群众建议网站：每个地址输错查询码的上限（防猜码）"),
    Setting("PUBLIC_MAX_CONTENT_LENGTH", 256 * 1024,
            "群众建议网站：一次请求的最大字节数（不收文件；超长的建议另有中文提示）"),
    Setting("PUBLIC_RATELIMIT_STORAGE_URI", "memory://",
            "群众建议网站限流计数的存放处；多进程时用 Redis，如 `redis://host:6379/1`"),
    # -- 讲坛 ------------------------------------------------------------------------------
    Setting("LECTURE_MATERIAL_MAX_BYTES", 20 * MB,
            "讲坛材料（PDF、PPTX、DOCX、XLSX）单个文件的最大字节数"),
)


def defaults(folder: str) -> dict:
    """Every setting's default for an instance folder: works on one machine with no set-up."""
    return {setting.name: setting.value(folder) for setting in SETTINGS}


def instance_path() -> str:
    """The instance folder: SALON_INSTANCE_PATH or ./instance at the repository root."""
    default = Path(__file__).resolve().parent.parent / "instance"
    return str(Path(os.environ.get("SALON_INSTANCE_PATH", default)).resolve())


def load_secret_key(folder: str) -> str:
    """Read the secret key from the instance folder, generating it on first run."""
    path = Path(folder) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def settings_table() -> str:
    """The README's table of settings, in Markdown."""
    rows = ["| 设置（环境变量 `SALON_<名称>`） | 默认值 | 作用 |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {_cell(s)} | {s.meaning} |" for s in SETTINGS]
    return "\n".join(rows) + "\n"


def _cell(setting: Setting) -> str:
    shown = setting.shown_default()
    return shown if setting.shown or setting.default is None else f"`{shown}`"
