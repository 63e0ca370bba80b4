#!/usr/bin/env python3
"""Independent validation of facturier's e-invoices (Factur-X CII, UBL 2.1, Factur-X PDF) and SEPA files.

Run it with the interpreter of the virtualenv that scripts/setup-validators builds:

    target/validators-venv/bin/python scripts/validate.py cii invoice.xml
    target/validators-venv/bin/python scripts/validate.py ubl invoice-ubl.xml
    target/validators-venv/bin/python scripts/validate.py pdf invoice.pdf
    target/validators-venv/bin/python scripts/validate.py sepa batch.xml
    target/validators-venv/bin/python scripts/validate.py fec 552100554FEC20261231.txt

cii  XSD of the Factur-X profile named in the XML (factur-x's xml_check_xsd), then the
     Factur-X schematron of that profile and the French BR-FR "Flux 2" CII schematron
     (not for MINIMUM, which the French reform does not accept as an invoice), both
     compiled XSLTs shipped in the factur-x package, run with Saxon-HE (saxonche).
ubl  OASIS UBL 2.1 XSD (Invoice or CreditNote, shipped in the factur-x package) with lxml,
     then the CEN EN 16931 UBL schematron and the BR-FR UBL schematron.
sepa A SEPA direct-debit file (pain.008.001.02 or .08, by its namespace): the XSD shipped
     in the sepaxml package, with lxml, then the EPC rules an XSD does not hold: the
     group's and each block's NbOfTxs and CtrlSum equal to the count and sum of their
     amounts, every amount in euros with two decimals and above zero, a mandate id of
     1-35 SEPA characters and its signature date not after the collection date, a
     sequence type FRST, RCUR, OOFF or FNAL, unique end-to-end ids, and the creditor
     identifier's ISO 7064 MOD 97-10 check digits.
fec  A FEC (article A47 A-1 LPF) read by two independent readers from PyPI:
     `check_fec` of django-accounting-fr (its pure-Python module `accounting_fr.fec_check`,
     the Test Compta Demat structure rules; Django itself is not needed for it, so the
     package is installed with --no-deps), then fec-parser's `FECParser`, which must read
     every line, and whose debits and credits must add up to the same total.
pdf  The container: qpdf --check, PDF/A-3 and Factur-X XMP fields, the embedded
     factur-x.xml file specification (/AF, AFRelationship, text/xml), the PDF/A output
     intent, every font embedded, no encryption, no JavaScript; then the cii checks on
     the XML the factur-x library extracts.

Every schematron failure whose flag is fatal or error, or has no flag, is an error;
other flags (warning, information) are printed as warnings. Exit status: 0 when there
is no error, 1 when there is at least one, 2 when the input cannot be read at all.
The factur-x library's own schematron switch (which posts to a Saxon server) is not used.
"""

from __future__ import annotations

import argparse
import importlib.resources
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import facturx
import pikepdf
from lxml import etree
from saxonche import PySaxonProcessor

SCHEMAS = Path(str(importlib.resources.files("facturx") / "xsd_and_schematron"))

# Factur-X guideline (BT-24) → factur-x level, its XSD and its schematron.
CII_LEVELS = {
    "urn:factur-x.eu:1p0:minimum": "minimum",
    "urn:factur-x.eu:1p0:basicwl": "basicwl",
    "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic": "basic",
    "urn:cen.eu:en16931:2017": "en16931",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended": "extended",
}
CII_SCHEMATRON = {
    "minimum": "facturx-minimum/Factur-X_1.09_MINIMUM.xsl",
    "basicwl": "facturx-basicwl/FACTUR-X_BASIC-WL.xslt",
    "basic": "facturx-basic/Factur-X_1.09_BASIC.xsl",
    "en16931": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "extended": "facturx-extended/FACTUR-X_EXTENDED.xslt",
}
# The fx:ConformanceLevel of the XMP for each level.
XMP_LEVEL = {
    "minimum": "MINIMUM",
    "basicwl": "BASIC WL",
    "basic": "BASIC",
    "en16931": "EN 16931",
    "extended": "EXTENDED",
}
CII_BR_FR = "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"
UBL_XSD = {
    "Invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
UBL_EN16931 = "ubl-2.1/EN16931-UBL-validation.xslt"
UBL_BR_FR = "ubl-2.1/BR-FR-Flux2-Schematron-UBL.xslt"
PEPPOL_PROFILE_PREFIX = "urn:fdc:peppol.eu:2017:poacc:billing:"

NS_CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
NS_SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
NS_FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
NS_PDFAID = "http://www.aiim.org/pdfa/ns/id/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"


@dataclass
class Report:
    """What one file's checks found."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    # Read from the PDF, compared with the extracted XML's level.
    xmp_level: list[str] | None = None
    af_relationship: str | None = None

    def error(self, check: str, message: str) -> None:
        self.errors.append(f"ERROR [{check}] {message}")

    def warning(self, check: str, message: str) -> None:
        self.warnings.append(f"WARNING [{check}] {message}")


class Unreadable(Exception):
    """The input is not a file of the kind asked for at all."""


_saxon: PySaxonProcessor | None = None
_compiled: dict[str, object] = {}


def schematron(rel: str, xml_file: Path, report: Report, excused: dict[str, str] | None = None) -> None:
    """Runs one compiled schematron (XSLT 2/3) with Saxon-HE and reads its SVRL.

    `excused` maps a rule id prefix to the reason its failures are only warnings here.
    """
    global _saxon
    name = Path(rel).name
    report.checks.append(name)
    if _saxon is None:
        _saxon = PySaxonProcessor(license=False)
    exe = _compiled.get(rel)
    if exe is None:
        # Compiled from its own path so that document('…_codedb.xml') resolves next to it,
        # locally (the factur-x library would rewrite it to a URL).
        exe = _saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(SCHEMAS / rel))
        _compiled[rel] = exe
    svrl = exe.transform_to_string(source_file=str(xml_file.resolve()))
    if not svrl:
        report.error(name, "the schematron produced no SVRL output")
        return
    root = etree.fromstring(svrl.encode("utf-8"))
    fired = root.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=NS_SVRL)
    for node in fired:
        text = " ".join("".join(node.xpath("svrl:text//text()", namespaces=NS_SVRL)).split())
        ident = node.get("id") or "-"
        flag = (node.get("flag") or "").lower()
        message = f"{ident} at {node.get('location', '?')}: {text}"
        excuse = next((why for rule, why in (excused or {}).items() if ident.startswith(rule)), None)
        if excuse:
            report.warning(name, f"(excused: {excuse}) {message}")
        elif flag in ("", "fatal", "error"):
            report.error(name, message)
        else:
            report.warning(name, f"({flag}) {message}")


def xsd_errors(xsd_rel: str, doc: etree._Element) -> list[str]:
    """Every XSD violation, not only the first one."""
    schema = etree.XMLSchema(file=str(SCHEMAS / xsd_rel))
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def parse(xml: bytes) -> etree._Element:
    try:
        return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as e:
        raise Unreadable(f"not well-formed XML: {e}") from e


def cii_level(doc: etree._Element) -> str:
    ids = doc.xpath(
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        namespaces=NS_CII,
    )
    guideline = (ids[0].text or "").strip() if ids else ""
    if guideline not in CII_LEVELS:
        raise Unreadable(f"unknown Factur-X guideline (BT-24) {guideline!r}")
    return CII_LEVELS[guideline]


def check_cii(xml_file: Path, report: Report, br_fr: bool = True) -> str:
    """Returns the Factur-X level of the XML."""
    xml = xml_file.read_bytes()
    doc = parse(xml)
    if etree.QName(doc).localname != "CrossIndustryInvoice":
        raise Unreadable(f"the root element is {doc.tag}, not a CII CrossIndustryInvoice")
    level = cii_level(doc)
    report.checks.append(f"XSD factur-x {level}")
    try:
        facturx.xml_check_xsd(doc, flavor="factur-x", level=level)
    except Exception as e:  # the library raises a bare Exception on an invalid file
        details = xsd_errors(facturx.facturx.FACTURX_LEVEL2xsd[level], doc) or [str(e)]
        for d in details:
            report.error(f"xsd-{level}", d)
    schematron(CII_SCHEMATRON[level], xml_file, report)
    if br_fr and level != "minimum":
        schematron(CII_BR_FR, xml_file, report)
    elif br_fr:
        report.checks.append("(BR-FR not applied: MINIMUM is not an invoice under the French reform)")
    return level


def check_ubl(xml_file: Path, report: Report, br_fr: bool = True) -> None:
    doc = parse(xml_file.read_bytes())
    kind = etree.QName(doc).localname
    if kind not in UBL_XSD:
        raise Unreadable(f"the root element is {doc.tag}, not a UBL Invoice or CreditNote")
    report.checks.append(f"XSD {Path(UBL_XSD[kind]).name}")
    for d in xsd_errors(UBL_XSD[kind], doc):
        report.error("xsd-ubl-2.1", d)
    schematron(UBL_EN16931, xml_file, report)
    if br_fr:
        profile = doc.findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ProfileID") or ""
        excused = {}
        if profile.startswith(PEPPOL_PROFILE_PREFIX):
            # Peppol BIS and the French network both use ProfileID: Peppol for its business
            # process, BR-FR-08 for the French billing frame (BT-23). A Peppol document keeps
            # Peppol's; every other BR-FR rule still applies to it.
            excused["BR-FR-08"] = "a Peppol BIS document carries the Peppol ProfileID, not the French billing frame"
        schematron(UBL_BR_FR, xml_file, report, excused)


def xmp_values(xmp: etree._Element, ns: str, name: str) -> list[str]:
    """A property written either as an element or as an attribute of rdf:Description."""
    found = [(e.text or "").strip() for e in xmp.iter(f"{{{ns}}}{name}")]
    for d in xmp.iter(f"{{{NS_RDF}}}Description"):
        v = d.get(f"{{{ns}}}{name}")
        if v is not None:
            found.append(v.strip())
    return found


def check_pdf_container(pdf_file: Path, report: Report) -> None:
    report.checks.append("qpdf --check")
    qpdf = subprocess.run(["qpdf", "--check", str(pdf_file)], capture_output=True, text=True)
    out = (qpdf.stdout + qpdf.stderr).strip()
    if qpdf.returncode == 2:
        report.error("qpdf", out[-2000:])
    elif qpdf.returncode == 3:
        report.warning("qpdf", out[-2000:])
    elif qpdf.returncode != 0:
        report.error("qpdf", f"exit status {qpdf.returncode}: {out[-2000:]}")

    report.checks.append("pikepdf container")
    try:
        pdf = pikepdf.open(pdf_file)
    except pikepdf.PasswordError:
        report.error("pdf", "the PDF is encrypted (/Encrypt): PDF/A forbids it")
        return
    except pikepdf.PdfError as e:
        raise Unreadable(f"not a PDF: {e}") from e
    with pdf:
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            report.error("pdf", "the PDF is encrypted (/Encrypt): PDF/A forbids it")
        root = pdf.Root

        # XMP: PDF/A-3 identification and the Factur-X extension schema.
        if "/Metadata" not in root:
            report.error("xmp", "no XMP metadata stream in the catalog")
        else:
            try:
                xmp = etree.fromstring(root.Metadata.read_bytes())
            except etree.XMLSyntaxError as e:
                xmp = None
                report.error("xmp", f"the XMP metadata is not well-formed: {e}")
            if xmp is not None:
                part = xmp_values(xmp, NS_PDFAID, "part")
                if part != ["3"]:
                    report.error("xmp", f"pdfaid:part is {part}, not ['3'] (PDF/A-3)")
                if not xmp_values(xmp, NS_PDFAID, "conformance"):
                    report.error("xmp", "no pdfaid:conformance")
                expected = {"DocumentType": "INVOICE", "DocumentFileName": "factur-x.xml", "Version": "1.0"}
                for name, want in expected.items():
                    got = xmp_values(xmp, NS_FX, name)
                    if got != [want]:
                        report.error("xmp", f"fx:{name} is {got}, not [{want!r}]")
                report.xmp_level = xmp_values(xmp, NS_FX, "ConformanceLevel")
                declared = [(e.text or "").strip() for e in xmp.iter(f"{{{NS_PDFA_SCHEMA}}}namespaceURI")]
                declared += [
                    d.get(f"{{{NS_PDFA_SCHEMA}}}namespaceURI") for d in xmp.iter(f"{{{NS_RDF}}}Description")
                ]
                if NS_FX not in declared:
                    report.error("xmp", "the Factur-X extension schema (pdfaExtension) does not declare the fx namespace")

        # The embedded XML: /AF with an AFRelationship, the EmbeddedFiles name tree, text/xml.
        af = root.get("/AF")
        specs = [s for s in af] if isinstance(af, pikepdf.Array) else []
        if not specs:
            report.error("attachment", "the catalog has no /AF array")
        fx_specs = [s for s in specs if str(s.get("/UF", s.get("/F", ""))) == "factur-x.xml"]
        if not fx_specs:
            report.error("attachment", "no file specification named factur-x.xml in /AF")
        for s in fx_specs:
            rel = s.get("/AFRelationship")
            if rel is None:
                report.error("attachment", "the factur-x.xml file specification has no /AFRelationship")
            else:
                report.af_relationship = str(rel)
            ef = s.get("/EF")
            stream = ef.get("/F") if ef is not None else None
            if stream is None:
                report.error("attachment", "the factur-x.xml file specification has no /EF /F stream")
            elif str(stream.get("/Subtype", "")) != "/text/xml":
                report.error("attachment", f"the embedded file /Subtype is {stream.get('/Subtype')}, not /text#2Fxml")
        names = root.get("/Names")
        tree = names.get("/EmbeddedFiles") if names is not None else None
        if tree is None or "factur-x.xml" not in pikepdf.NameTree(tree):
            report.error("attachment", "factur-x.xml is not in the /Names /EmbeddedFiles tree")

        # PDF/A output intent with its ICC profile.
        intents = root.get("/OutputIntents")
        good = [
            oi
            for oi in (intents if isinstance(intents, pikepdf.Array) else [])
            if str(oi.get("/S", "")) == "/GTS_PDFA1" and isinstance(oi.get("/DestOutputProfile"), pikepdf.Stream)
        ]
        if not good:
            report.error("pdfa", "no /OutputIntents entry with /S /GTS_PDFA1 and a /DestOutputProfile ICC stream")

        # Fonts, JavaScript: every object of the file, wherever it hangs.
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary):
                continue
            check_font(obj, report)
            if str(obj.get("/S", "")) == "/JavaScript" or "/JS" in obj:
                report.error("pdf", f"JavaScript action in object {obj.objgen}")
        if names is not None and "/JavaScript" in names:
            report.error("pdf", "the catalog /Names has a /JavaScript tree")
        oa = root.get("/OpenAction")
        if isinstance(oa, pikepdf.Dictionary) and str(oa.get("/S", "")) == "/JavaScript":
            report.error("pdf", "the /OpenAction runs JavaScript")


def check_font(obj: pikepdf.Dictionary, report: Report) -> None:
    if str(obj.get("/Type", "")) != "/Font":
        return
    subtype = str(obj.get("/Subtype", ""))
    base = str(obj.get("/BaseFont", "?"))
    if subtype == "/Type3":
        return  # glyphs are content streams: nothing to embed
    if subtype == "/Type0":
        for d in obj.get("/DescendantFonts", []):
            if d.is_indirect:
                continue  # checked as an object of its own
            check_font(d, report)
        return
    fd = obj.get("/FontDescriptor")
    if fd is None or not any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
        report.error("fonts", f"font {base} ({subtype}) is not embedded")


def check_pdf(pdf_file: Path, report: Report) -> None:
    check_pdf_container(pdf_file, report)
    try:
        name, xml = facturx.get_facturx_xml_from_pdf(pdf_file.read_bytes(), check_xsd=False)
    except Exception as e:  # pypdf errors are of many kinds
        report.error("attachment", f"factur-x could not read the PDF: {e}")
        return
    if not xml:
        report.error("attachment", "the factur-x library finds no factur-x.xml in the PDF")
        return
    if name != "factur-x.xml":
        report.error("attachment", f"the embedded XML is named {name!r}, not 'factur-x.xml'")
    extracted = pdf_file.with_name(pdf_file.name + ".factur-x.xml")
    extracted.write_bytes(xml)
    level = check_cii(extracted, report)
    if report.xmp_level is not None and report.xmp_level != [XMP_LEVEL[level]]:
        report.error("xmp", f"fx:ConformanceLevel is {report.xmp_level}, the XML says {XMP_LEVEL[level]!r}")
    want_rel = "/Alternative" if level in ("en16931", "extended", "basic") else "/Data"
    if report.af_relationship is not None and report.af_relationship != want_rel:
        report.warning("attachment", f"AFRelationship is {report.af_relationship}; Factur-X wants {want_rel} for {level}")


SEPA_CHARS = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


def mod97(s: str) -> int:
    return int("".join(str(int(c, 36)) for c in s)) % 97


def check_sepa(xml_file: Path, report: Report) -> None:
    doc = parse(xml_file.read_bytes())
    ns = etree.QName(doc).namespace or ""
    version = ns.rsplit(":", 1)[-1]
    if not version.startswith("pain.008.001."):
        raise Unreadable(f"not a pain.008 document (namespace {ns!r})")
    xsd = Path(str(importlib.resources.files("sepaxml") / "schemas" / f"{version}.xsd"))
    if not xsd.is_file():
        raise Unreadable(f"sepaxml ships no XSD for {version}")
    schema = etree.XMLSchema(file=str(xsd))
    if not schema.validate(doc):
        for e in schema.error_log:
            report.error("xsd", f"line {e.line}: {e.message}")
    report.checks.append(f"XSD {version} (sepaxml)")
    n = {"p": ns}

    def amounts(node: etree._Element) -> list[str]:
        return [a.text or "" for a in node.iterfind(".//p:InstdAmt", n)]

    def check_sums(where: str, node: etree._Element, hdr: etree._Element) -> None:
        texts = amounts(node)
        nb = hdr.findtext("p:NbOfTxs", namespaces=n)
        ctrl = hdr.findtext("p:CtrlSum", namespaces=n)
        if nb != str(len(texts)):
            report.error("epc", f"{where}: NbOfTxs {nb} but {len(texts)} transactions")
        if ctrl is None or not re.fullmatch(r"\d+\.\d{2}", ctrl):
            report.error("epc", f"{where}: CtrlSum {ctrl!r} is not written with two decimals")
        else:
            total = sum(int(t.replace(".", "")) for t in texts if re.fullmatch(r"\d+\.\d{2}", t))
            if int(ctrl.replace(".", "")) != total:
                report.error("epc", f"{where}: CtrlSum {ctrl} but the amounts add up to {total / 100:.2f}")

    hdr = doc.find("p:CstmrDrctDbtInitn/p:GrpHdr", n)
    if hdr is None:
        raise Unreadable("no GrpHdr")
    check_sums("GrpHdr", doc, hdr)
    e2e: set[str] = set()
    for i, pmt in enumerate(doc.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", n), 1):
        where = f"PmtInf {i}"
        check_sums(where, pmt, pmt)
        seq = pmt.findtext("p:PmtTpInf/p:SeqTp", namespaces=n)
        if seq not in ("FRST", "RCUR", "OOFF", "FNAL"):
            report.error("epc", f"{where}: sequence type {seq!r}")
        if pmt.findtext("p:PmtTpInf/p:SvcLvl/p:Cd", namespaces=n) != "SEPA":
            report.error("epc", f"{where}: service level is not SEPA")
        colldt = pmt.findtext("p:ReqdColltnDt", namespaces=n) or ""
        cid = pmt.findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=n) or ""
        scheme = pmt.findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:SchmeNm/p:Prtry", namespaces=n)
        if scheme != "SEPA":
            report.error("epc", f"{where}: creditor scheme name is {scheme!r}, not SEPA")
        if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}", cid) or mod97(cid[7:] + cid[:4]) != 1:
            report.error("epc", f"{where}: creditor identifier {cid!r} fails ISO 7064 MOD 97-10")
        for tx in pmt.iterfind("p:DrctDbtTxInf", n):
            eid = tx.findtext("p:PmtId/p:EndToEndId", namespaces=n) or ""
            if eid in e2e:
                report.error("epc", f"{where}: end-to-end id {eid!r} twice")
            e2e.add(eid)
            amt = tx.find("p:InstdAmt", n)
            if amt is None or amt.get("Ccy") != "EUR" or not re.fullmatch(r"\d+\.\d{2}", amt.text or ""):
                report.error("epc", f"{eid}: amount must be in EUR with two decimals")
            elif int((amt.text or "0").replace(".", "")) <= 0:
                report.error("epc", f"{eid}: amount must be above zero")
            mid = tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=n) or ""
            if not SEPA_CHARS.fullmatch(mid) or mid.startswith("/") or mid.endswith("/") or "//" in mid:
                report.error("epc", f"{eid}: mandate id {mid!r} is not 1-35 SEPA characters")
            signed = tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", namespaces=n) or ""
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", signed) or signed > colldt:
                report.error("epc", f"{eid}: mandate signature date {signed!r} missing or after the collection date")
            # Amendments (EPC SDD Core implementation guidelines, AT-24): an amended mandate
            # says what changed; a new debtor bank ("SMNDA") goes with a first collection.
            mri = tx.find("p:DrctDbtTx/p:MndtRltdInf", n)
            amended = (mri.findtext("p:AmdmntInd", namespaces=n) if mri is not None else None) == "true"
            details = mri.find("p:AmdmntInfDtls", n) if mri is not None else None
            if amended and (details is None or len(details) == 0):
                report.error("epc", f"{eid}: AmdmntInd is true but no AmdmntInfDtls says what changed")
            if not amended and details is not None:
                report.error("epc", f"{eid}: AmdmntInfDtls without AmdmntInd true")
            if details is not None:
                smnda = details.findtext("p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=n) == "SMNDA"
                if smnda and seq != "FRST":
                    report.error("epc", f"{eid}: a new debtor bank (SMNDA) is collected as FRST, not {seq}")
                old_id = details.findtext("p:OrgnlMndtId", namespaces=n)
                if old_id is not None and old_id == mid:
                    report.error("epc", f"{eid}: OrgnlMndtId repeats the mandate id")
    report.checks.append("EPC SDD Core rules")


def check_fec_file(path: Path, report: Report) -> None:
    from decimal import Decimal
    from io import BytesIO

    from accounting_fr.fec_check import check_fec
    from fec_parser.parser import FECParser

    content = path.read_bytes()
    r = check_fec(content, path.name)
    for e in r.errors:
        report.error("check_fec", str(e))
    for w in r.warnings:
        report.warning("check_fec", str(w))
    report.checks.append(f"django-accounting-fr check_fec ({r.stats.get('ecritures', 0)} entries)")
    parser = FECParser.from_bytesio(BytesIO(content), path.name)
    for e in parser.parse() or []:
        report.error("fec-parser", str(e))
    debit = credit = Decimal(0)
    lines = 0
    for e in parser.get_ecritures():
        debit += e.debit
        credit += e.credit
        lines += 1
    if debit != credit:
        report.error("fec-parser", f"debits {debit} and credits {credit} differ")
    report.checks.append(f"fec-parser ({lines} lines, debit {debit} credit {credit})")


def check_one(kind: str, path: Path, br_fr: bool) -> int:
    report = Report()
    try:
        if not path.is_file():
            raise Unreadable("no such file")
        if kind == "cii":
            check_cii(path, report, br_fr=br_fr)
        elif kind == "ubl":
            check_ubl(path, report, br_fr=br_fr)
        elif kind == "sepa":
            check_sepa(path, report)
        elif kind == "fec":
            check_fec_file(path, report)
        else:
            check_pdf(path, report)
    except Unreadable as e:
        print(f"{kind} {path}: {e}", file=sys.stderr)
        return 2
    for line in report.errors + report.warnings:
        print(re.sub(r"\s+", " ", line))
    print(
        f"{kind} {path}: {len(report.errors)} error(s), {len(report.warnings)} warning(s) "
        f"[{'; '.join(report.checks)}]"
    )
    return 1 if report.errors else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["cii", "ubl", "pdf", "sepa", "fec"])
    parser.add_argument("file", type=Path, nargs="+", help="one or more files, checked one by one")
    parser.add_argument("--no-br-fr", action="store_true", help="skip the French BR-FR schematron")
    args = parser.parse_args(argv)
    # The worst outcome wins: unreadable (2) over invalid (1) over valid (0).
    return max(check_one(args.kind, f, not args.no_br_fr) for f in args.file)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
