#!/usr/bin/env python3
"""Makes the Office, OpenDocument, Outlook and ZIP files of corpus/ (issue 16).

Norrvika kommun is fictional; so are all people and case numbers. The texts are written here
as HTML and converted by LibreOffice headless (`soffice`), then edited as OOXML XML where
LibreOffice cannot produce what a real release holds (a reviewer's comment and a tracked
change, template properties). The spreadsheet and the Outlook message are written byte by
byte: the XLSX with dates stored as serial numbers under date formats, the .msg as a
compound file (MS-CFB) holding MS-OXMSG properties, a recipient and an attachment.

Run from the repository root: python3 scripts/make-office-corpus.py
The results are committed, so CI needs no LibreOffice.
"""
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "corpus")
TF = "Tekniska förvaltningen"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfb import write_compound_file  # noqa: E402


def html(title, body, meta=""):
    return f"""<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title>{meta}</head>
<body>{body}</body></html>"""


CLASSIFICATION = html("Protokoll informationsklassning – E-tjänst för felanmälan gata och park", """
<table><tr><td>Norrvika kommun</td><td>Tekniska förvaltningen</td></tr>
<tr><td>Dnr TF 2021/0518</td><td>Datum 2021-06-14</td></tr></table>
<h1>Protokoll informationsklassning – E-tjänst för felanmälan gata och park</h1>
<p>Informationsägare: Gatu- och parkchef. Processledare: Jonas Wallin, informationssäkerhetssamordnare.</p>
<h2>1. Objekt som klassas</h2>
<p>E-tjänsten tar emot felanmälningar om gator, gång- och cykelvägar, belysning och parker från
invånare. Anmälan kan innehålla foton, position och kontaktuppgifter. Tjänsten levereras som
molntjänst av en extern leverantör och driftas i leverantörens datacenter inom EU.</p>
<h2>2. Resultat</h2>
<table><tr><th>Informationsmängd</th><th>K</th><th>R</th><th>T</th></tr>
<tr><td>Kontaktuppgifter till anmälare</td><td>2</td><td>2</td><td>2</td></tr>
<tr><td>Foton och position</td><td>2</td><td>2</td><td>1</td></tr>
<tr><td>Ärendehistorik</td><td>1</td><td>3</td><td>2</td></tr></table>
<p>Sammanvägd klassning: K2 R3 T2.</p>
<h2>3. Särskilda iakttagelser</h2>
<p>Foton kan avbilda personer och fordon. Leverantören ska radera foton efter 12 månader.
Personuppgiftsbiträdesavtal tecknas innan tjänsten tas i drift.</p>
""")

COVERING_LETTER = html("Utlämnande av allmänna handlingar – riskanalyser 2021", """
<p>Norrvika kommun<br>Tekniska förvaltningen</p>
<p>Datum 2021-10-05<br>Dnr TF 2021/0733</p>
<h1>Utlämnande av allmänna handlingar – riskanalyser 2021</h1>
<p>Tekniska förvaltningen lämnar härmed ut de riskanalyser som förvaltningen har upprättat under
2021 och som avser system som levereras som molntjänst. Handlingarna lämnas ut i sin helhet.</p>
<p>Bifogade handlingar:</p>
<ul><li>Riskanalys – E-signering av anställningsavtal (TF 2021/0346)</li>
<li>Rapport: Riskanalys av systemstöd för parkeringsövervakning (TN-2021-0088)</li></ul>
<p>Med vänlig hälsning<br>Karin Holm<br>Registrator, Tekniska förvaltningen</p>
""")

POLICY = html("Informationssäkerhetspolicy för miljö- och hälsoskyddsnämnden", """
<p>Norrvika kommun<br>Miljö- och hälsoskyddsnämnden</p>
<p>Dnr MHN 2020/0215 · Antagen 2020-11-18</p>
<h1>Informationssäkerhetspolicy för miljö- och hälsoskyddsnämnden</h1>
<h2>1. Syfte</h2>
<p>Policyn anger hur nämnden skyddar den information som hanteras i tillsyn, kontroll och
prövning. Den kompletterar kommunens informationssäkerhetspolicy (KS 2019/0456).</p>
<h2>2. Molntjänster</h2>
<p>Information som omfattas av sekretess får lagras i en molntjänst endast efter en
informationsklassning och en riskanalys. Uppgifter om enskildas hälsa i tillsynsärenden får inte
lagras i molntjänster utanför EU/EES.</p>
<h2>3. Ansvar</h2>
<p>Förvaltningschefen ansvarar för att policyn följs. Policyn revideras senast 2023-12-31.</p>
""", '<meta name="author" content="Miljö- och hälsoskyddsnämnden">')

OLD_DOC = html("Tjänsteskrivelse – digital bygglovshantering", """
<p>NORRVIKA KOMMUN<br>Byggnadsnämnden</p>
<p>TJÄNSTESKRIVELSE<br>Datum: 2008-04-09<br>Dnr BN 2008/0112</p>
<h1>Digital bygglovshantering</h1>
<p>Byggnadskontoret föreslår att bygglovsansökningar från och med 2009 tas emot och handläggs
digitalt. Ritningar skannas vid ankomst och lagras i ärendehanteringssystemet, som driftas i
kommunens egen serverhall. Någon extern lagring av handlingarna är inte aktuell.</p>
<h2>Förslag till beslut</h2>
<p>Byggnadsnämnden ger byggnadskontoret i uppdrag att införa digital bygglovshantering.</p>
""")

ATTACHMENT = html("Förteckning över personuppgiftsbiträdesavtal 2022", """
<p>Norrvika kommun<br>Socialnämnden</p>
<p>Datum 2022-03-18</p>
<h1>Förteckning över personuppgiftsbiträdesavtal 2022</h1>
<table><tr><th>System</th><th>Leverantör</th><th>Avtal tecknat</th></tr>
<tr><td>Verksamhetssystem IFO</td><td>Leverantör A</td><td>2019-06-01</td></tr>
<tr><td>Digitala möten</td><td>Leverantör B</td><td>2020-04-15</td></tr>
<tr><td>Trygghetslarm</td><td>Leverantör C</td><td>2019-09-30</td></tr></table>
""")

MSG_BODY = """Hej!

Som komplettering till vårt svar den 11 mars bifogar socialnämnden en förteckning över de
personuppgiftsbiträdesavtal som nämnden har tecknat för system som levereras som molntjänst.
Förteckningen omfattar verksamhetssystemet för individ- och familjeomsorgen, digitala möten och
trygghetslarm.

Med vänlig hälsning
Lena Ek
Nämndsekreterare, Socialnämnden
Norrvika kommun
"""


def soffice(src, target, outdir):
    """Converts `src` with LibreOffice headless; returns the new file's path."""
    filters = {"docx": "docx:MS Word 2007 XML", "odt": "odt:writer8", "doc": "doc:MS Word 97",
               "pdf": "pdf:writer_web_pdf_Export"}
    subprocess.run(["soffice", "--headless", "--convert-to", filters[target], "--outdir", outdir, src],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180)
    return os.path.join(outdir, os.path.splitext(os.path.basename(src))[0] + "." + target)


def convert(text_html, name, target, work):
    src = os.path.join(work, name + ".html")
    with open(src, "w", encoding="utf-8") as f:
        f.write(text_html)
    return soffice(src, target, work)


def rewrite_zip(path, edits, additions=()):
    """Rewrites the OOXML package at `path`: `edits` maps part names to functions of their
    text; `additions` are (name, text) parts to add. `[Content_Types].xml` stays first."""
    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            if name in edits:
                data = edits[name](data.decode("utf-8")).encode("utf-8")
            z.writestr(name, data)
        for name, text in additions:
            z.writestr(name, text.encode("utf-8"))
    with open(path, "wb") as f:
        f.write(out.getvalue())


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def core_properties(title, creator, last, created, modified):
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{last}</cp:lastModifiedBy><cp:revision>7</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{modified}</dcterms:modified></cp:coreProperties>"""


def app_properties(company):
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Template>Protokoll.dotx</Template><Application>Microsoft Office Word</Application><Company>{company}</Company><AppVersion>16.0000</AppVersion></Properties>"""


def add_review(path):
    """A reviewer's comment on the total classification, and a tracked change: the photo
    retention period changed from 24 to 12 months (24 deleted, 12 inserted)."""
    def document(xml):
        # Tracked change: "12 månader" was "24 månader".
        run = re.search(r'<w:r>(?:(?!</w:r>).)*?Leverantören ska radera foton efter 12 månader\.(?:(?!</w:r>).)*?</w:r>', xml, re.S)
        if not run:
            raise SystemExit("the retention sentence was not found in document.xml")
        r = run.group(0)
        rpr = re.search(r"<w:rPr>.*?</w:rPr>", r, re.S)
        rpr = rpr.group(0) if rpr else ""
        text = re.search(r"<w:t[^>]*>(.*?)</w:t>", r, re.S).group(1)
        before, after = text.split("12 månader", 1)
        new = (f'<w:r>{rpr}<w:t xml:space="preserve">{before}</w:t></w:r>'
               f'<w:del w:id="101" w:author="Anna Berg" w:date="2021-06-15T10:12:00Z"><w:r>{rpr}<w:delText>24</w:delText></w:r></w:del>'
               f'<w:ins w:id="102" w:author="Anna Berg" w:date="2021-06-15T10:12:00Z"><w:r>{rpr}<w:t>12</w:t></w:r></w:ins>'
               f'<w:r>{rpr}<w:t xml:space="preserve"> månader{after}</w:t></w:r>')
        xml = xml.replace(r, new, 1)
        # Comment on "Sammanvägd klassning".
        run = re.search(r'<w:r>(?:(?!</w:r>).)*?Sammanvägd klassning: K2 R3 T2\.(?:(?!</w:r>).)*?</w:r>', xml, re.S)
        if not run:
            raise SystemExit("the total classification was not found in document.xml")
        r = run.group(0)
        xml = xml.replace(r, '<w:commentRangeStart w:id="0"/>' + r + '<w:commentRangeEnd w:id="0"/>'
                          '<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:commentReference w:id="0"/></w:r>', 1)
        return xml

    comments = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="Anna Berg" w:date="2021-06-15T10:20:00Z" w:initials="AB"><w:p><w:r><w:t>Ska riktigheten verkligen vara 3? Ärendehistoriken styr bara prioriteringen. Stäm av med gatuchefen innan beslut.</w:t></w:r></w:p></w:comment></w:comments>"""

    def rels(xml):
        return xml.replace("</Relationships>", '<Relationship Id="rIdComments1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/></Relationships>')

    def types(xml):
        return xml.replace("</Types>", '<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>')

    def package_rels(xml):
        if "extended-properties" in xml:
            return xml
        return xml.replace("</Relationships>", '<Relationship Id="rIdApp" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>')

    def app_types(xml):
        if "/docProps/app.xml" in xml:
            return xml
        return xml.replace("</Types>", '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>')

    with zipfile.ZipFile(path) as z:
        has_app = "docProps/app.xml" in z.namelist()
    edits = {"word/document.xml": document, "word/_rels/document.xml.rels": rels,
             "[Content_Types].xml": lambda x: app_types(types(x)), "_rels/.rels": package_rels,
             # The template's title and creation date, as Word keeps them.
             "docProps/core.xml": lambda _: core_properties("Mall – protokoll informationsklassning", "Jonas Wallin", "Anna Berg",
                                                            "2019-11-04T08:00:00Z", "2021-06-15T10:21:00Z"),
             "docProps/app.xml": lambda _: app_properties("Norrvika kommun")}
    additions = [("word/comments.xml", comments)]
    if not has_app:
        additions.append(("docProps/app.xml", app_properties("Norrvika kommun")))
    rewrite_zip(path, edits, additions)


def set_properties(path, title, creator, created, modified):
    def package_rels(xml):
        if "extended-properties" in xml:
            return xml
        return xml.replace("</Relationships>", '<Relationship Id="rIdApp" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>')
    with zipfile.ZipFile(path) as z:
        has_app = "docProps/app.xml" in z.namelist()
    edits = {"docProps/core.xml": lambda _: core_properties(title, creator, creator, created, modified),
             "docProps/app.xml": lambda _: app_properties("Norrvika kommun"), "_rels/.rels": package_rels}
    additions = []
    if not has_app:
        edits["[Content_Types].xml"] = lambda x: x.replace("</Types>", '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>')
        additions.append(("docProps/app.xml", app_properties("Norrvika kommun")))
    rewrite_zip(path, edits, additions)


# ---------------------------------------------------------------------------------------
# The registerförteckning as XLSX, written part by part: dates are serial numbers under
# number formats (built-in 14 and a custom yyyy-mm-dd), as Excel stores them.

def excel_serial(iso):
    d = datetime.strptime(iso, "%Y-%m-%d")
    return (d - datetime(1899, 12, 30)).days


REGISTER = [
    ("Behandling", "Ändamål", "Kategorier av personuppgifter", "System", "Molntjänst", "Upprättad", "Senast granskad"),
    ("Felanmälan gata och park", "Ta emot och åtgärda felanmälningar", "Namn, kontaktuppgifter, position, foton", "E-tjänst felanmälan", True, "2021-06-14", "2021-11-30"),
    ("Parkeringsövervakning", "Kontrollavgifter och överklaganden", "Registreringsnummer, foton, ägaruppgifter", "Systemstöd parkeringsövervakning", True, "2021-04-22", "2021-11-30"),
    ("Trafiksignalstyrning", "Styrning och övervakning av trafiksignaler", "Inga personuppgifter", "Central trafiksignalstyrning", False, "2021-05-10", "2021-11-30"),
    ("E-signering av anställningsavtal", "Elektronisk underskrift av avtal", "Namn, personnummer, lön, signeringsdata", "E-signeringstjänst", True, "2021-03-15", "2021-12-01"),
]


def write_xlsx(path):
    strings, index = [], {}

    def sst(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    def col(i):
        return "ABCDEFGHIJ"[i]

    rows = []
    title = "Registerförteckning enligt artikel 30 dataskyddsförordningen – Tekniska förvaltningen"
    rows.append(f'<row r="1"><c r="A1" t="s"><v>{sst(title)}</v></c></row>')
    rows.append(f'<row r="2"><c r="A2" t="s"><v>{sst("Dnr TF 2021/0801")}</v></c><c r="B2" t="s"><v>{sst("Fastställd")}</v></c><c r="C2" s="1"><v>{excel_serial("2021-12-06")}</v></c></row>')
    for r, values in enumerate(REGISTER, start=4):
        cells = []
        for i, v in enumerate(values):
            ref = f"{col(i)}{r}"
            if isinstance(v, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{1 if v else 0}</v></c>')
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                cells.append(f'<c r="{ref}" s="{1 if i == 5 else 2}"><v>{excel_serial(v)}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{sst(v)}</v></c>')
        rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             "<sheetData>" + "".join(rows) + "</sheetData></worksheet>")
    notes = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Förteckningen granskas årligen av dataskyddsombudet.</t></is></c></row>'
             f'<row r="2"><c r="A2" t="inlineStr"><is><t>Antal behandlingar</t></is></c><c r="B2"><v>{len(REGISTER) - 1}</v></c></row></sheetData></worksheet>')
    shared = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              f'count="{len(strings)}" uniqueCount="{len(strings)}">' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd;@"/></numFmts>'
              '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
              '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
              '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                '<sheet name="Behandlingar" sheetId="1" r:id="rId1"/><sheet name="Anteckningar" sheetId="2" r:id="rId2"/></sheets></workbook>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    workbook_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                     f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="worksheets/sheet2.xml"/>'
                     f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                     f'<Relationship Id="rId4" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
    package_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                    f'<Relationship Id="rId3" Type="{rel}/extended-properties" Target="docProps/app.xml"/></Relationships>')
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{ct}.worksheet+xml"/>'
             f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
             f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
             '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
             '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>')
    app = app_properties("Norrvika kommun").replace("Protokoll.dotx", "").replace("Microsoft Office Word", "Microsoft Excel")
    core = core_properties("Registerförteckning", "Karin Holm", "Jonas Wallin", "2021-01-11T09:00:00Z", "2021-12-06T15:40:00Z")
    fixed = (2021, 12, 6, 15, 40, 0)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in [("[Content_Types].xml", types), ("_rels/.rels", package_rels), ("docProps/core.xml", core),
                           ("docProps/app.xml", app), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
                           ("xl/styles.xml", styles), ("xl/sharedStrings.xml", shared), ("xl/worksheets/sheet1.xml", sheet),
                           ("xl/worksheets/sheet2.xml", notes)]:
            z.writestr(zipfile.ZipInfo(name, fixed), text.encode("utf-8"), zipfile.ZIP_DEFLATED)


# ---------------------------------------------------------------------------------------
# The Outlook message (MS-OXMSG in an MS-CFB compound file).

def utf16(s):
    return s.encode("utf-16-le")


def filetime(iso):
    d = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int((d - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds() * 10_000_000)


def props_stream(header, fixed, variable):
    """A `__properties_version1.0` stream: `header` bytes, then 16-byte entries. `fixed` are
    (tag, 8-byte value); `variable` are (tag, size) of properties kept in their own streams."""
    out = bytearray(header)
    for tag, value in fixed:
        out += struct.pack("<II", tag, 0x06) + value
    for tag, size in variable:
        out += struct.pack("<IIII", tag, 0x06, size + (2 if (tag & 0xFFFF) == 0x1F else 0), 0)
    return bytes(out)


def write_msg(path, attachment_name, attachment_bytes):
    strings = {0x001A: "IPM.Note", 0x0037: "Sv: Komplettering – begäran om allmän handling", 0x0C1A: "Socialnämnden Norrvika kommun",
               0x0C1F: "socialnamnden@norrvika.se", 0x5D01: "socialnamnden@norrvika.se", 0x0042: "Socialnämnden Norrvika kommun",
               0x0E04: "Anders Nyberg", 0x0E03: "", 0x1000: MSG_BODY, 0x0070: "Komplettering – begäran om allmän handling"}
    root = {}
    variable = []
    for pid, s in strings.items():
        data = utf16(s)
        root[f"__substg1.0_{pid:04X}001F"] = data
        variable.append(((pid << 16) | 0x001F, len(data)))
    sent = filetime("2022-03-18T09:42:00")
    fixed = [((0x0039 << 16) | 0x0040, struct.pack("<Q", sent)), ((0x0E06 << 16) | 0x0040, struct.pack("<Q", sent + 600_000_000)),
             ((0x3FDE << 16) | 0x0003, struct.pack("<II", 65001, 0))]
    root["__properties_version1.0"] = props_stream(struct.pack("<8sIIII8s", b"", 1, 1, 1, 1, b""), fixed, variable)
    recipient = {
        "__substg1.0_3001001F": utf16("Anders Nyberg"),
        "__substg1.0_3003001F": utf16("anders.nyberg@example.se"),
        "__substg1.0_39FE001F": utf16("anders.nyberg@example.se"),
        "__properties_version1.0": props_stream(b"\0" * 8, [((0x0C15 << 16) | 0x0003, struct.pack("<II", 1, 0))],
                                                [((0x3001 << 16) | 0x1F, 26)]),
    }
    attachment = {
        "__substg1.0_3707001F": utf16(attachment_name),
        "__substg1.0_3704001F": utf16("FORTEC~1.DOC"),
        "__substg1.0_370E001F": utf16("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "__substg1.0_37010102": attachment_bytes,
        "__properties_version1.0": props_stream(b"\0" * 8, [((0x3705 << 16) | 0x0003, struct.pack("<II", 1, 0))],
                                                [((0x3701 << 16) | 0x0102, len(attachment_bytes))]),
    }
    nameid = {"__substg1.0_00020102": b"", "__substg1.0_00030102": b"", "__substg1.0_00040102": b""}
    root["__recip_version1.0_#00000000"] = recipient
    root["__attach_version1.0_#00000000"] = attachment
    root["__nameid_version1.0"] = nameid
    with open(path, "wb") as f:
        f.write(write_compound_file(root, clsid=bytes.fromhex("0B0D020000000000C000000000000046")))


def main():
    if not shutil.which("soffice"):
        raise SystemExit("soffice is not installed: apt-get install libreoffice-writer")
    work = tempfile.mkdtemp(prefix="diarium-office-")
    try:
        tf = os.path.join(CORPUS, TF)
        # DOCX with a comment and a tracked change.
        docx = convert(CLASSIFICATION, "felanmalan", "docx", work)
        add_review(docx)
        shutil.copy(docx, os.path.join(tf, "Informationsklassningar 2021", "Informationsklassning felanmälan gata och park.docx"))
        # XLSX
        write_xlsx(os.path.join(tf, "Registerförteckning Tekniska förvaltningen 2021.xlsx"))
        # ODT
        odt = convert(POLICY, "policy", "odt", work)
        shutil.copy(odt, os.path.join(CORPUS, "Miljö- och hälsoskyddsnämnden", "Informationssäkerhetspolicy 2020.odt"))
        # Old .doc
        doc = convert(OLD_DOC, "bygglov", "doc", work)
        shutil.copy(doc, os.path.join(CORPUS, "Byggnadsnämnden", "Tjänsteskrivelse digital bygglovshantering 2008.doc"))
        # .msg with a DOCX attachment
        att = convert(ATTACHMENT, "forteckning", "docx", work)
        set_properties(att, "Förteckning", "Lena Ek", "2022-03-18T08:10:00Z", "2022-03-18T09:30:00Z")
        with open(att, "rb") as f:
            write_msg(os.path.join(CORPUS, "Socialnämnden", "Sv Komplettering begäran om allmän handling.msg"),
                      "Förteckning över personuppgiftsbiträdesavtal 2022.docx", f.read())
        # The 2021 answer as a ZIP: the covering letter (DOCX) and two risk analyses (PDF).
        letter = convert(COVERING_LETTER, "foljebrev", "docx", work)
        set_properties(letter, "Följebrev", "Karin Holm", "2021-10-05T13:00:00Z", "2021-10-05T13:20:00Z")
        pdfs = []
        for name in ["Rapport riskanalys parkeringsövervakning.html"]:
            src = os.path.join(tf, "Riskanalyser 2021", name)
            pdfs.append((name.replace(".html", ".pdf"), soffice(src, "pdf", work)))
        txt = os.path.join(tf, "Riskanalyser 2021", "Riskanalys e-signering av anställningsavtal.txt")
        with open(txt, encoding="utf-8") as f:
            body = "".join(f"<p>{line}</p>" for line in f.read().splitlines())
        pdfs.append(("Riskanalys e-signering av anställningsavtal.pdf", convert(html("Riskanalys – E-signering av anställningsavtal", body), "esign", "pdf", work)))
        fixed = (2021, 10, 5, 13, 30, 0)
        with zipfile.ZipFile(os.path.join(tf, "Utlämnade handlingar 2021.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo(f"{TF}/", fixed), b"")
            info = zipfile.ZipInfo(f"{TF}/Följebrev utlämnande 2021-10-05.docx", fixed)
            with open(letter, "rb") as f:
                z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
            for name, p in pdfs:
                with open(p, "rb") as f:
                    z.writestr(zipfile.ZipInfo(f"{TF}/Riskanalyser 2021/{name}", fixed), f.read(), zipfile.ZIP_DEFLATED)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
