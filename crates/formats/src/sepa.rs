//! SEPA direct-debit initiation files: ISO 20022 pain.008.001.02 (the EPC SDD Core
//! version banks take) and pain.008.001.08 on request.
//!
//! The batch's grouping and control sums come from `core::sepa::plan_batch`; this
//! module only writes them. One `PmtInf` per payment information block of the plan
//! (one collection date and sequence type), each debit an end-to-end id (the invoice's
//! number), its mandate (reference, signature date, amendment details) and its debtor.

pub mod status;

use crate::error::FormatError;
use crate::xml::Xml;
use facturier_core::sepa::Batch;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The pain.008 version to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pain008 {
    /// pain.008.001.02 (the EPC SDD Core rulebook's).
    V02,
    /// pain.008.001.08 (ISO 20022 2019).
    V08,
}

impl Pain008 {
    /// The XML namespace of the version.
    pub fn namespace(self) -> &'static str {
        match self {
            Pain008::V02 => "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02",
            Pain008::V08 => "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08",
        }
    }

    /// The element holding a BIC: `BIC` until 2009's versions, `BICFI` after.
    fn bic(self) -> &'static str {
        match self {
            Pain008::V02 => "BIC",
            Pain008::V08 => "BICFI",
        }
    }
}

/// What the file says about the creditor.
#[derive(Clone, Debug)]
pub struct CreditorParty {
    pub name: String,
    pub iban: String,
    pub bic: Option<String>,
    /// The SEPA creditor identifier (ICS).
    pub id: String,
}

/// What the file says about one debit beyond the plan: its mandate and debtor.
#[derive(Clone, Debug)]
pub struct DebitParty {
    /// The invoice's number: the end-to-end id and the remittance information.
    pub number: String,
    pub mandate_reference: String,
    pub signed_on: Date,
    /// The mandate's reference and IBAN before an amendment this collection reports.
    pub original_reference: Option<String>,
    pub original_iban: Option<String>,
    /// The debtor moved the mandate to an account at another bank since the last
    /// collection: reported as `OrgnlDbtrAgt` "SMNDA" (same mandate, new debtor agent).
    pub new_debtor_agent: bool,
    pub debtor_name: String,
    pub debtor_iban: String,
    pub debtor_bic: Option<String>,
}

/// A batch to write: its message id, creation instant, creditor and plan, each debit's
/// parties by invoice id.
#[derive(Clone, Debug)]
pub struct DirectDebitFile {
    pub message_id: String,
    pub created_at: OffsetDateTime,
    pub creditor: CreditorParty,
    pub batch: Batch,
    pub debits: BTreeMap<Uuid, DebitParty>,
}

/// Text cut to at most `max` characters (the XSD's `MaxNText`).
fn cut(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

fn amount(a: Decimal) -> String {
    let mut a = a;
    a.rescale(2);
    a.to_string()
}

fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn agent(x: &mut Xml, v: Pain008, name: &'static str, bic: Option<&str>) {
    x.open(name, &[]).open("FinInstnId", &[]);
    match bic {
        Some(b) => {
            x.leaf(v.bic(), b);
        }
        // EPC: without a BIC the agent is "NOTPROVIDED".
        None => {
            x.open("Othr", &[]).leaf("Id", "NOTPROVIDED").close("Othr");
        }
    }
    x.close("FinInstnId").close(name);
}

fn account(x: &mut Xml, name: &'static str, iban: &str) {
    x.open(name, &[]).open("Id", &[]).leaf("IBAN", iban).close("Id").close(name);
}

/// Writes the batch as a pain.008 file of the version asked.
pub fn pain008(f: &DirectDebitFile, v: Pain008) -> Result<Vec<u8>, FormatError> {
    let mut x = Xml::new();
    let created = f.created_at.to_offset(time::UtcOffset::UTC);
    let created =
        format!("{}T{:02}:{:02}:{:02}", date(created.date()), created.hour(), created.minute(), created.second());
    x.open("Document", &[("xmlns", v.namespace()), ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")]);
    x.open("CstmrDrctDbtInitn", &[]);
    x.open("GrpHdr", &[])
        .leaf("MsgId", &cut(&f.message_id, 35))
        .leaf("CreDtTm", &created)
        .leaf("NbOfTxs", &f.batch.count.to_string())
        .leaf("CtrlSum", &amount(f.batch.control_sum))
        .open("InitgPty", &[])
        .leaf("Nm", &cut(&f.creditor.name, 70))
        .close("InitgPty")
        .close("GrpHdr");
    for (i, block) in f.batch.blocks.iter().enumerate() {
        let pmt_inf_id = cut(&format!("{}-{}-{}", f.message_id, i + 1, block.sequence.as_str()), 35);
        x.open("PmtInf", &[])
            .leaf("PmtInfId", &pmt_inf_id)
            .leaf("PmtMtd", "DD")
            .leaf("NbOfTxs", &block.debits.len().to_string())
            .leaf("CtrlSum", &amount(block.control_sum))
            .open("PmtTpInf", &[])
            .open("SvcLvl", &[])
            .leaf("Cd", "SEPA")
            .close("SvcLvl")
            .open("LclInstrm", &[])
            .leaf("Cd", "CORE")
            .close("LclInstrm")
            .leaf("SeqTp", block.sequence.as_str())
            .close("PmtTpInf")
            .leaf("ReqdColltnDt", &date(block.collection_date))
            .open("Cdtr", &[])
            .leaf("Nm", &cut(&f.creditor.name, 70))
            .close("Cdtr");
        account(&mut x, "CdtrAcct", &f.creditor.iban);
        agent(&mut x, v, "CdtrAgt", f.creditor.bic.as_deref());
        x.leaf("ChrgBr", "SLEV");
        creditor_scheme(&mut x, &f.creditor.id);
        for d in &block.debits {
            let p = f.debits.get(&d.invoice_id).ok_or_else(|| {
                FormatError::Xml(format!("debit of invoice {} has no mandate or debtor", d.invoice_id))
            })?;
            x.open("DrctDbtTxInf", &[])
                .open("PmtId", &[])
                .leaf("EndToEndId", &cut(&p.number, 35))
                .close("PmtId")
                .leaf_attrs("InstdAmt", &[("Ccy", "EUR")], &amount(d.amount))
                .open("DrctDbtTx", &[])
                .open("MndtRltdInf", &[])
                .leaf("MndtId", &p.mandate_reference)
                .leaf("DtOfSgntr", &date(p.signed_on));
            let amended = p.original_reference.is_some() || p.original_iban.is_some() || p.new_debtor_agent;
            x.leaf("AmdmntInd", if amended { "true" } else { "false" });
            if amended {
                // EPC implementation guidelines: the former reference (`OrgnlMndtId`); a new
                // account at the same bank as the former IBAN (`OrgnlDbtrAcct`); a new bank
                // as "SMNDA" in `OrgnlDbtrAgt` instead of the former account.
                x.open("AmdmntInfDtls", &[]).leaf_opt("OrgnlMndtId", p.original_reference.as_deref());
                if p.new_debtor_agent {
                    x.open("OrgnlDbtrAgt", &[])
                        .open("FinInstnId", &[])
                        .open("Othr", &[])
                        .leaf("Id", "SMNDA")
                        .close("Othr")
                        .close("FinInstnId")
                        .close("OrgnlDbtrAgt");
                } else if let Some(iban) = &p.original_iban {
                    account(&mut x, "OrgnlDbtrAcct", iban);
                }
                x.close("AmdmntInfDtls");
            }
            x.close("MndtRltdInf").close("DrctDbtTx");
            agent(&mut x, v, "DbtrAgt", p.debtor_bic.as_deref());
            x.open("Dbtr", &[]).leaf("Nm", &cut(&p.debtor_name, 70)).close("Dbtr");
            account(&mut x, "DbtrAcct", &p.debtor_iban);
            x.open("RmtInf", &[]).leaf("Ustrd", &cut(&format!("Facture {}", p.number), 140)).close("RmtInf");
            x.close("DrctDbtTxInf");
        }
        x.close("PmtInf");
    }
    x.close("CstmrDrctDbtInitn").close("Document");
    x.finish()
}

fn creditor_scheme(x: &mut Xml, id: &str) {
    x.open("CdtrSchmeId", &[])
        .open("Id", &[])
        .open("PrvtId", &[])
        .open("Othr", &[])
        .leaf("Id", id)
        .open("SchmeNm", &[])
        .leaf("Prtry", "SEPA")
        .close("SchmeNm")
        .close("Othr")
        .close("PrvtId")
        .close("Id")
        .close("CdtrSchmeId");
}
