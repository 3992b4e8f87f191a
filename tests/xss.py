"""XSS payloads (payloadbox list + Markdown tricks) and a checker for rendered HTML."""
import random
from html.parser import HTMLParser
from pathlib import Path

PAYLOAD_FILE = Path(__file__).parent / "data" / "xss" / "xss-payload-list.txt"

# Markdown-specific ways to smuggle script past a Markdown renderer; each one would set the
# canary window.__xss (or open a dialog) if it ran.
MARKDOWN_TRICKS = [
    "[点我](javascript:window.__xss=1)",
    "[点我](JaVaScRiPt:window.__xss=1)",
    "[点我](java&#115;cript:window.__xss=1)",
    "[点我](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:window.__xss=1)",
    "[点我](  javascript:window.__xss=1  )",
    "[点我](java\tscript:window.__xss=1)",
    "[点我](vbscript:msgbox(1))",
    "[点我](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "[点我][ref]\n\n[ref]: javascript:window.__xss=1",
    "[点我][ref]\n\n[ref]: <javascript:window.__xss=1> \"标题\"",
    "<javascript:window.__xss=1>",
    "![图](javascript:window.__xss=1)",
    '![图](x" onerror="window.__xss=1)',
    '![图](/uploads/x.png" onerror="window.__xss=1)',
    '![图](/uploads/x.png "t\\" onerror=\\"window.__xss=1")',
    '[点我](http://x "t\\" onmouseover=\\"window.__xss=1")',
    '[点我](http://x){: onclick="window.__xss=1" }',
    '段落文字\n{: onmouseover="window.__xss=1" style="position:fixed;inset:0" }',
    '# 标题 {: onclick="window.__xss=1" }',
    '<div markdown="1" onmouseover="window.__xss=1">**粗体**</div>',
    "<img src=x onerror=window.__xss=1>",
    "`<img src=x onerror=window.__xss=1>`",
    "```html\n<script>window.__xss=1</script>\n```",
    "    <script>window.__xss=1</script>",
    "<details open ontoggle=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<svg onload=window.__xss=1>",
    "<math><mi xlink:href=\"javascript:window.__xss=1\">x</mi></math>",
    "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    "<form action=javascript:window.__xss=1><button>提交</button></form>",
    "<style>@import 'javascript:window.__xss=1';</style>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__xss=1\">",
    "<base href=\"javascript:window.__xss=1//\">",
    "<!--><img src=x onerror=window.__xss=1>-->",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__xss=1>\"></noscript>",
    "<svg><style><img src=x onerror=window.__xss=1></style></svg>",
    "<a href=\"javascript&colon;window.__xss=1\">点我</a>",
    "<a href=\"&#x6A;avascript:window.__xss=1\">点我</a>",
    "| 表头 |\n|---|\n| <img src=x onerror=window.__xss=1> |",
    "> 引用 <img src=x onerror=window.__xss=1>",
    "* 列表 [x](javascript:window.__xss=1)",
    "*[HTML]: <img src=x onerror=window.__xss=1>\n\nHTML 缩写",
    "脚注[^1]\n\n[^1]: <img src=x onerror=window.__xss=1>",
    "Term\n: <img src=x onerror=window.__xss=1>",
    "<abbr title=\"x\" onmouseover=\"window.__xss=1\">缩写</abbr>",
    "<a href=\"http://x\" style=\"position:fixed;inset:0\" onmouseover=\"window.__xss=1\">全屏</a>",
    "[<img src=x onerror=window.__xss=1>](http://x)",
    "{{ 7*7 }} {% raw %}{{ config }}{% endraw %} ${7*7} <%= 7*7 %>",
    "\u202e<img src=x onerror=window.__xss=1>\u202c",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
]


def all_payloads() -> list[str]:
    """Every line of the payload list (6,613), then the Markdown tricks."""
    lines = PAYLOAD_FILE.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if line.strip()] + MARKDOWN_TRICKS


def sample_payloads(count: int, seed: int = 20261125) -> list[str]:
    """A fixed sample of the list, plus every Markdown trick."""
    lines = [p for p in all_payloads() if p not in MARKDOWN_TRICKS]
    return random.Random(seed).sample(lines, count) + MARKDOWN_TRICKS


def agenda_part(payload: str, limit: int) -> str:
    """A payload as an agenda line's title or speaker: "|" separates the two, a line is one."""
    return " ".join(payload.replace("|", "/").replace("｜", "/").split())[:limit].strip()


DANGEROUS_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
                  "meta", "link", "form", "svg", "math", "template", "noscript", "style",
                  "input", "button", "textarea", "select", "video", "audio", "source"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc",
                  "background", "poster", "lowsrc", "dynsrc", "srcset"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text", "data:application", "livescript:")


def url_as_browser_reads(value: str) -> str:
    """A URL as the WHATWG parser sees its scheme: outer C0/space stripped, tabs/newlines gone."""
    return "".join(ch for ch in value if ch not in "\t\n\r").strip("".join(
        map(chr, range(33)))).lower()


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            compact = url_as_browser_reads(value)
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and compact.startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value[:40]}>")
            elif name == "style" and ("expression(" in compact or "javascript:" in compact):
                self.problems.append(f"<{tag} style={value[:40]}>")

    handle_startendtag = handle_starttag


def unsafe_markup(html: str) -> list[str]:
    """What in this HTML fragment could run script (empty when safe)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems


# The same check in the page itself, after the browser has parsed (and maybe mutated) it. The
# site's own templates never use inline handlers, inline scripts or frames (the CSP forbids
# them), so any of these in a page came from user input.
DOM_SCAN = """
([schemes, urlAttrList]) => {
  const bad = [];
  const urlAttrs = new Set(urlAttrList);
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    if (tag === 'script' && (!el.src || new URL(el.src).origin !== location.origin)) {
      bad.push('<script>' + el.textContent.slice(0, 40));
    }
    if (['iframe', 'frame', 'object', 'embed', 'applet', 'base'].includes(tag)) {
      bad.push('<' + tag + '>');
    }
    for (const attr of el.attributes) {
      const compact = attr.value.replace(/[\\t\\n\\r]/g, '')
        .replace(/^[\\u0000-\\u0020]+|[\\u0000-\\u0020]+$/g, '').toLowerCase();
      if (attr.name.startsWith('on')) bad.push('<' + tag + ' ' + attr.name + '>');
      else if (urlAttrs.has(attr.name) && schemes.some(s => compact.startsWith(s)))
        bad.push('<' + tag + ' ' + attr.name + '=' + attr.value.slice(0, 40) + '>');
    }
  }
  return bad;
}
"""


def dom_problems(page) -> list[str]:
    """What in the page's live DOM could run script (empty when safe)."""
    return page.evaluate(DOM_SCAN, [list(BAD_SCHEMES), sorted(URL_ATTRIBUTES)])
