# ruff: noqa: E501  (the XML is kept as the tools write it, one element a line)
"""Write the Word fixtures as LibreOffice and WPS write them (run once; the .docx are committed).

    .venv/bin/python tests/data/docx/make_fixtures.py

python-docx writes only what Word writes; these carry what the other tools put in a file:
LibreOffice's anchored pictures, `Title` style, superscript and struck-through runs, numbered
paragraphs, a picture linked to a file on the author's disk, a text box without a fallback
(`wps:txbx` only), a comment; WPS's numeric style ids (`2` = heading 1), an inline picture as
the first paragraph and a text box with its VML fallback.
"""
import zipfile
from io import BytesIO
from pathlib import Path

from PIL import Image

HERE = Path(__file__).parent
NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml" mc:Ignorable="wps"')
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Default Extension="png" ContentType="image/png"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""
IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


def rels(*entries: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/>' + "".join(entries)
            + "</Relationships>")


def styles(*entries: tuple[str, str]) -> str:
    body = "".join(f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/>'
                   "</w:style>" for sid, name in entries)
    return f'<?xml version="1.0" encoding="UTF-8"?><w:styles {NS}>{body}</w:styles>'


def picture(rel: str, attribute: str = "r:embed", anchored: bool = False) -> str:
    graphic = ('<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/'
               '2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="Image1" descr=""/>'
               f'<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip {attribute}="{rel}"/>'
               '</pic:blipFill><pic:spPr/></pic:pic></a:graphicData></a:graphic>')
    frame = ('<wp:extent cx="1143000" cy="762000"/><wp:docPr id="1" name="Image1"/>' + graphic)
    holder = (f'<wp:anchor behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">{frame}'
              '</wp:anchor>' if anchored else f"<wp:inline>{frame}</wp:inline>")
    return f"<w:r><w:drawing>{holder}</w:drawing></w:r>"


def run(text: str, props: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{props}</w:rPr>" if props else ""}<w:t xml:space="preserve">{text}</w:t></w:r>'


def paragraph(*runs: str, style: str = "", numbered: bool = False) -> str:
    props = (f'<w:pStyle w:val="{style}"/>' if style else "") + (
        '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' if numbered else "")
    return f'<w:p>{f"<w:pPr>{props}</w:pPr>" if props else ""}{"".join(runs)}</w:p>'


def text_box(text: str, fallback: bool) -> str:
    content = f"<w:txbxContent>{paragraph(run(text))}</w:txbxContent>"
    choice = (f'<mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="9" name="Frame"/>'
              '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
              f'wordprocessingShape"><wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp>'
              "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>")
    back = (f"<mc:Fallback><w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict>"
            "</mc:Fallback>" if fallback else "")
    return f"<w:r><mc:AlternateContent>{choice}{back}</mc:AlternateContent></w:r>"


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (60, 40), (20, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def write(name: str, body: str, relationships: str, style_xml: str, extra: dict) -> None:
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}>'
                f"<w:body>{body}</w:body></w:document>")
    with zipfile.ZipFile(HERE / name, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/_rels/document.xml.rels", relationships)
        archive.writestr("word/styles.xml", style_xml)
        for part, data in extra.items():
            archive.writestr(part, data)


def libreoffice() -> None:
    body = "".join([
        paragraph(picture("rId2", anchored=True)),
        paragraph(run("Ouch"), run("[1]", '<w:vertAlign w:val="superscript"/>'),
                  run("（重要）", "<w:b/>"), run("旧说法", "<w:strike/>")),
        paragraph(run("Apple"), numbered=True),
        paragraph(run("现场照片："), picture("rId3", attribute="r:link")),
        paragraph(run("正文第二段。"), text_box("只在文本框里的说明", fallback=False)),
        paragraph(run("有批注的一句。"), '<w:r><w:commentReference w:id="0"/></w:r>'),
    ])
    comments = (f'<?xml version="1.0" encoding="UTF-8"?><w:comments {NS}><w:comment w:id="0" '
                f'w:author="审稿人">{paragraph(run("这里要改"))}</w:comment></w:comments>')
    write("libreoffice.docx", body, rels(
        f'<Relationship Id="rId2" Type="{IMAGE}" Target="media/image1.png"/>',
        f'<Relationship Id="rId3" Type="{IMAGE}" '
        'Target="file:///C:/Users/police/Pictures/scene.jpg" TargetMode="External"/>',
        '<Relationship Id="rIdC" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/comments" Target="comments.xml"/>'),
        styles(("Title", "Title"), ("Heading1", "heading 1")),
        {"word/media/image1.png": png(), "word/comments.xml": comments})


def wps() -> None:
    body = "".join([
        paragraph(picture("rId2")),
        paragraph(run("城关派出所"), run("“一村一警”", "<w:b/>"), run("经验"), style="2"),
        paragraph(run("今年以来，我所推行“一村一警”。"), text_box("框内的补充说明", fallback=True)),
        paragraph(run("一、主要做法"), style="3"),
        paragraph(run("民警包片，每周走访。")),
    ])
    write("wps.docx", body, rels(f'<Relationship Id="rId2" Type="{IMAGE}" '
                                 'Target="media/image1.png"/>'),
          styles(("2", "heading 1"), ("3", "heading 2")), {"word/media/image1.png": png()})


if __name__ == "__main__":
    libreoffice()
    wps()
