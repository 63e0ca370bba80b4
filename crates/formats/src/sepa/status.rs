//! A bank's reports on direct debits, read: the ISO 20022 payment status report
//! pain.002 (rejects before settlement: `TxInfAndSts` with `TxSts` `RJCT`, a reason code
//! in `StsRsnInf/Rsn/Cd`) and the debit/credit notification camt.054 (returns after
//! settlement: an entry whose `TxDtls` carry `RtrInf/Rsn/Cd`, the bank's charges in
//! `Chrgs`). Each rejected debit becomes a [`RejectEntry`] naming it by the references
//! the pain.008 gave it (end-to-end id, mandate id, the file's message id); matching
//! them to debits is the store's business.

use quick_xml::Reader;
use quick_xml::events::Event;
use rust_decimal::Decimal;
use time::Date;

/// Which message the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    /// pain.002 (customer payment status report).
    Pain002,
    /// camt.054 (bank-to-customer debit/credit notification).
    Camt054,
}

impl StatusKind {
    /// The message name, as the API shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Pain002 => "pain.002",
            StatusKind::Camt054 => "camt.054",
        }
    }
}

/// One debit the bank reports as rejected or returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectEntry {
    /// The message id of the pain.008 the debit was in (`OrgnlMsgId` / `Refs/MsgId`).
    pub original_message_id: Option<String>,
    /// The debit's end-to-end id (the invoice's number in our files).
    pub end_to_end_id: Option<String>,
    /// The mandate's reference.
    pub mandate_id: Option<String>,
    /// The ISO 20022 reason code as written (checked by the caller).
    pub reason: String,
    /// The amount of the debit as the bank reports it.
    pub amount: Option<Decimal>,
    /// The bank's charges for the reject.
    pub fee: Option<Decimal>,
    /// The date of the reject (booking date, or the report's creation date).
    pub date: Option<Date>,
}

/// A status file read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusFile {
    pub kind: StatusKind,
    /// The report's own message id (`GrpHdr/MsgId`).
    pub message_id: String,
    /// The debits rejected or returned, in file order.
    pub rejects: Vec<RejectEntry>,
}

/// Why a status file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("not well-formed XML: {0}")]
    Xml(String),
    #[error("not a pain.002 or camt.054 document (namespace {0:?})")]
    Kind(String),
    #[error("{0}")]
    Content(String),
}

/// A small element tree: local names, text, children (namespaces dropped).
#[derive(Debug, Default)]
struct Node {
    name: String,
    ns: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The node at a `/`-separated path of child names.
    fn at(&self, path: &str) -> Option<&Node> {
        path.split('/').try_fold(self, |n, p| n.child(p))
    }

    /// The trimmed text at a path, if not empty.
    fn text_at(&self, path: &str) -> Option<String> {
        self.at(path).map(|n| n.text.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// Every node under this one (itself included) with this name, depth first.
    fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.descendants(name, out);
        }
    }
}

/// The most elements a status file may hold (a bank's report on a batch of 10 000
/// debits holds well under this).
const MAX_NODES: usize = 2_000_000;

fn tree(xml: &[u8]) -> Result<Node, StatusError> {
    let mut r = Reader::from_reader(xml);
    r.config_mut().trim_text(false);
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut buf = Vec::new();
    let mut count = 0usize;
    let err = |e: &dyn std::fmt::Display| StatusError::Xml(e.to_string());
    loop {
        let ev = r.read_event_into(&mut buf).map_err(|e| err(&e))?;
        match ev {
            Event::Start(e) | Event::Empty(e) if stack.len() > 64 => {
                return Err(StatusError::Xml(format!("nested too deep at <{}>", e.name().as_ref())));
            }
            Event::Start(e) => {
                count += 1;
                let name = e.local_name().as_ref().to_string();
                let ns = namespace_of(&e);
                stack.push(Node { name, ns, ..Node::default() });
            }
            Event::Empty(e) => {
                count += 1;
                let name = e.local_name().as_ref().to_string();
                let ns = namespace_of(&e);
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node { name, ns, ..Node::default() });
                }
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(|| StatusError::Xml("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Err(StatusError::Xml("unbalanced end tag".into())),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t);
                }
            }
            Event::GeneralRef(g) => {
                let resolved = match g.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name: &str = &g;
                        quick_xml::escape::unescape(&format!("&{name};"))
                            .map(|s| s.into_owned())
                            .map_err(|e| err(&e))?
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if count > MAX_NODES {
            return Err(StatusError::Xml("too many elements".into()));
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(StatusError::Xml("unexpected end of file".into()));
    }
    let mut root = stack.pop().unwrap_or_default();
    match root.children.len() {
        1 => Ok(root.children.remove(0)),
        _ => Err(StatusError::Xml("expected one root element".into())),
    }
}

fn namespace_of(e: &quick_xml::events::BytesStart<'_>) -> String {
    e.attributes().flatten().find(|a| a.key.as_ref() == "xmlns").map(|a| a.value.to_string()).unwrap_or_default()
}

fn decimal(s: Option<String>) -> Option<Decimal> {
    s.and_then(|t| t.parse::<Decimal>().ok())
}

/// `YYYY-MM-DD`, or the date part of `YYYY-MM-DDThh:mm:ss…`.
fn date(s: Option<String>) -> Option<Date> {
    let s = s?;
    let d = s.get(..10)?;
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(d, f).ok()
}

/// Reads a pain.002 or camt.054 file (any version: the element names used here are the
/// same from pain.002.001.03 and camt.054.001.02 on).
pub fn read_status(xml: &[u8]) -> Result<StatusFile, StatusError> {
    let doc = tree(xml)?;
    let ns = doc.ns.clone();
    let message = ns.rsplit(':').next().unwrap_or("");
    if message.starts_with("pain.002.") || doc.child("CstmrPmtStsRpt").is_some() {
        let body = doc.child("CstmrPmtStsRpt").ok_or_else(|| StatusError::Content("no CstmrPmtStsRpt".into()))?;
        Ok(pain002(body))
    } else if message.starts_with("camt.054.") || doc.child("BkToCstmrDbtCdtNtfctn").is_some() {
        let body = doc
            .child("BkToCstmrDbtCdtNtfctn")
            .ok_or_else(|| StatusError::Content("no BkToCstmrDbtCdtNtfctn".into()))?;
        Ok(camt054(body))
    } else {
        Err(StatusError::Kind(ns))
    }
}

fn pain002(body: &Node) -> StatusFile {
    let message_id = body.text_at("GrpHdr/MsgId").unwrap_or_default();
    let created = date(body.text_at("GrpHdr/CreDtTm"));
    let group = body.child("OrgnlGrpInfAndSts");
    let original = group.and_then(|g| g.text_at("OrgnlMsgId"));
    let group_reason = group.and_then(|g| g.text_at("StsRsnInf/Rsn/Cd"));
    let group_rejected = group.and_then(|g| g.text_at("GrpSts")).as_deref() == Some("RJCT");
    let mut rejects = Vec::new();
    for block in body.children("OrgnlPmtInfAndSts") {
        let block_rejected = block.text_at("PmtInfSts").as_deref() == Some("RJCT") || group_rejected;
        let block_reason = block.text_at("StsRsnInf/Rsn/Cd").or_else(|| group_reason.clone());
        for tx in block.children("TxInfAndSts") {
            let status = tx.text_at("TxSts");
            let rejected = match status.as_deref() {
                Some(s) => s == "RJCT",
                None => block_rejected,
            };
            if !rejected {
                continue;
            }
            let reason = tx.text_at("StsRsnInf/Rsn/Cd").or_else(|| block_reason.clone()).unwrap_or_default();
            let fee: Option<Decimal> = {
                let fees: Vec<Decimal> = tx.children("ChrgsInf").filter_map(|c| decimal(c.text_at("Amt"))).collect();
                if fees.is_empty() { None } else { Some(fees.into_iter().sum()) }
            };
            rejects.push(RejectEntry {
                original_message_id: original.clone(),
                end_to_end_id: tx.text_at("OrgnlEndToEndId"),
                mandate_id: tx.text_at("OrgnlTxRef/MndtRltdInf/MndtId"),
                reason,
                amount: decimal(tx.text_at("OrgnlTxRef/Amt/InstdAmt")),
                fee,
                date: date(tx.text_at("AccptncDtTm")).or(created),
            });
        }
    }
    StatusFile { kind: StatusKind::Pain002, message_id, rejects }
}

fn camt054(body: &Node) -> StatusFile {
    let message_id = body.text_at("GrpHdr/MsgId").unwrap_or_default();
    let created = date(body.text_at("GrpHdr/CreDtTm"));
    let mut rejects = Vec::new();
    for note in body.children("Ntfctn") {
        for entry in note.children("Ntry") {
            let booked = date(entry.text_at("BookgDt/Dt")).or_else(|| date(entry.text_at("BookgDt/DtTm")));
            let mut details = Vec::new();
            entry.descendants("TxDtls", &mut details);
            for tx in details {
                // A return carries its reason; a plain credit of a collection does not.
                let Some(reason) = tx.text_at("RtrInf/Rsn/Cd") else { continue };
                let fees: Vec<Decimal> = tx
                    .children("Chrgs")
                    .flat_map(|c| {
                        // camt.054.001.02 writes `Chrgs/Amt`; later versions `Chrgs/Rcrd/Amt`.
                        let mut v: Vec<Decimal> = decimal(c.text_at("Amt")).into_iter().collect();
                        v.extend(c.children("Rcrd").filter_map(|r| decimal(r.text_at("Amt"))));
                        v
                    })
                    .collect();
                let amount = decimal(tx.text_at("AmtDtls/InstdAmt/Amt"))
                    .or_else(|| decimal(tx.text_at("AmtDtls/TxAmt/Amt")))
                    .or_else(|| decimal(tx.text_at("Amt")));
                rejects.push(RejectEntry {
                    original_message_id: tx.text_at("Refs/MsgId"),
                    end_to_end_id: tx.text_at("Refs/EndToEndId").filter(|e| e != "NOTPROVIDED"),
                    mandate_id: tx.text_at("Refs/MndtId"),
                    reason,
                    amount,
                    fee: if fees.is_empty() { None } else { Some(fees.into_iter().sum()) },
                    date: booked.or(created),
                });
            }
        }
    }
    StatusFile { kind: StatusKind::Camt054, message_id, rejects }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejected_transaction_of_a_pain002() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-09T08:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>FACT-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>FACT-1-1-FRST</OrgnlPmtInfId>
<TxInfAndSts><OrgnlEndToEndId>F2026-00001</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts>
<TxInfAndSts><OrgnlEndToEndId>F&amp;2</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">60.60</InstdAmt></Amt><MndtRltdInf><MndtId>RUM-B</MndtId></MndtRltdInf></OrgnlTxRef></TxInfAndSts>
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"#;
        let f = read_status(xml).unwrap();
        assert_eq!((f.kind, f.message_id.as_str()), (StatusKind::Pain002, "STS-1"));
        assert_eq!(f.rejects.len(), 1);
        let r = &f.rejects[0];
        assert_eq!(r.end_to_end_id.as_deref(), Some("F&2"));
        assert_eq!((r.reason.as_str(), r.mandate_id.as_deref()), ("AM04", Some("RUM-B")));
        assert_eq!(r.amount.map(|a| a.to_string()).as_deref(), Some("60.60"));
        assert_eq!(r.date.map(|d| d.to_string()).as_deref(), Some("2026-12-09"));
    }

    #[test]
    fn other_documents_are_refused() {
        assert!(matches!(read_status(b"<a><b></a>"), Err(StatusError::Xml(_))));
        assert!(matches!(read_status(b"<Document xmlns=\"urn:x\"><X/></Document>"), Err(StatusError::Kind(_))));
        assert!(matches!(read_status(b""), Err(StatusError::Xml(_))));
    }
}
