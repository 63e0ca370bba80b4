//! SEPA direct-debit files (pain.008.001.02 and .08) checked by `scripts/validate.py sepa`:
//! the XSDs the PyPI package sepaxml ships, and the EPC rules an XSD does not hold
//! (control sums, two decimals, mandate id and date, sequence type, creditor id). The
//! same rules are also checked here by reading the XML back with quick-xml, against
//! the plan `core::sepa::plan_batch` made.

use facturier_core::Decimal;
use facturier_core::money::Currency;
use facturier_core::sepa::{Debit, SequenceType, plan_batch};
use facturier_formats::sepa::{CreditorParty, DebitParty, DirectDebitFile, Pain008, pain008};
use quick_xml::Reader;
use quick_xml::events::Event;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use time::macros::{date, datetime};
use uuid::Uuid;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `scripts/validate.py sepa` on the bytes: (exit code, output).
fn validate(name: &str, bytes: &[u8]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).expect("write the file");
    let run = Command::new(crate::services::validators_python())
        .arg(repo().join("scripts/validate.py"))
        .arg("sepa")
        .arg(&file)
        .output()
        .expect("run scripts/validate.py");
    (
        run.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr)),
    )
}

fn debit(n: u128, amount: Decimal, sequence: SequenceType) -> Debit {
    Debit {
        invoice_id: Uuid::from_u128(n),
        number: format!("F2026-{n:05}"),
        currency: Currency::EUR,
        amount,
        mandate_id: Uuid::from_u128(100 + n),
        sequence,
    }
}

fn party(n: u128, amended: bool) -> DebitParty {
    DebitParty {
        number: format!("F2026-{n:05}"),
        mandate_reference: format!("RUM-{n:04}"),
        signed_on: date!(2026 - 01 - 15),
        original_reference: amended.then(|| format!("OLD-{n:04}")),
        original_iban: amended.then(|| "FR7630001007941234567890185".to_string()),
        new_debtor_agent: false,
        debtor_name: format!("Client n°{n} & Fils <SARL>"),
        debtor_iban: "FR7630006000011234567890189".into(),
        debtor_bic: n.is_multiple_of(2).then(|| "AGRIFRPP".to_string()),
    }
}

fn file() -> DirectDebitFile {
    let d1 = date!(2026 - 12 - 15);
    let d2 = date!(2026 - 12 - 22);
    let batch = plan_batch(vec![
        (d1, debit(1, dec!(120.5), SequenceType::Frst)),
        (d1, debit(2, dec!(80), SequenceType::Rcur)),
        (d1, debit(3, dec!(19.99), SequenceType::Frst)),
        (d2, debit(4, dec!(0.01), SequenceType::Rcur)),
        (d2, debit(5, dec!(1234567.89), SequenceType::Ooff)),
    ])
    .expect("a valid batch");
    let debits: BTreeMap<Uuid, DebitParty> = (1..=5).map(|n| (Uuid::from_u128(n), party(n, n == 2))).collect();
    DirectDebitFile {
        message_id: "FACT-0193a2b4c5d6".into(),
        created_at: datetime!(2026-12-07 10:30:00 UTC),
        creditor: CreditorParty {
            name: "Atelier Dupont SAS".into(),
            iban: "FR7630004000031234567890143".into(),
            bic: Some("BNPAFRPPXXX".into()),
            id: "FR72ZZZ123456".into(),
        },
        batch,
        debits,
    }
}

/// What the file says, read back: per element name, every text in document order.
fn texts(xml: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut r = Reader::from_reader(xml);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut path: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Start(e) => path.push(e.local_name().as_ref().to_string()),
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let t = t.xml10_content().trim().to_string();
                if !t.is_empty() {
                    out.entry(path.join("/")).or_default().push(t);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[test]
fn the_epc_rules_hold_in_the_file_read_back() {
    let f = file();
    let xml = pain008(&f, Pain008::V02).expect("written");
    let t = texts(&xml);
    let root = "Document/CstmrDrctDbtInitn";
    let get = |p: &str| t.get(&format!("{root}/{p}")).cloned().unwrap_or_default();
    assert_eq!(get("GrpHdr/NbOfTxs"), vec!["5"]);
    assert_eq!(get("GrpHdr/CtrlSum"), vec!["1234788.39"]);
    let amounts = get("PmtInf/DrctDbtTxInf/InstdAmt");
    assert_eq!(amounts, vec!["120.50", "19.99", "80.00", "0.01", "1234567.89"]);
    // One block per (date, sequence type), each with its own count and sum.
    assert_eq!(get("PmtInf/PmtTpInf/SeqTp"), vec!["FRST", "RCUR", "RCUR", "OOFF"]);
    assert_eq!(get("PmtInf/ReqdColltnDt"), vec!["2026-12-15", "2026-12-15", "2026-12-22", "2026-12-22"]);
    assert_eq!(get("PmtInf/NbOfTxs"), vec!["2", "1", "1", "1"]);
    assert_eq!(get("PmtInf/CtrlSum"), vec!["140.49", "80.00", "0.01", "1234567.89"]);
    let sum: Decimal = amounts.iter().map(|a| a.parse::<Decimal>().expect("decimal")).sum();
    assert_eq!(sum.to_string(), get("GrpHdr/CtrlSum")[0]);
    assert!(amounts.iter().all(|a| a.split('.').nth(1).is_some_and(|d| d.len() == 2)));
    // Mandates: id, signature date, amendment of the second debit.
    assert_eq!(
        get("PmtInf/DrctDbtTxInf/DrctDbtTx/MndtRltdInf/MndtId"),
        vec!["RUM-0001", "RUM-0003", "RUM-0002", "RUM-0004", "RUM-0005"]
    );
    assert!(get("PmtInf/DrctDbtTxInf/DrctDbtTx/MndtRltdInf/DtOfSgntr").iter().all(|d| d == "2026-01-15"));
    assert_eq!(get("PmtInf/DrctDbtTxInf/DrctDbtTx/MndtRltdInf/AmdmntInfDtls/OrgnlMndtId"), vec!["OLD-0002"]);
    assert_eq!(get("PmtInf/CdtrSchmeId/Id/PrvtId/Othr/Id"), vec!["FR72ZZZ123456"; 4]);
    assert!(String::from_utf8_lossy(&xml).contains("Client n°1 &amp; Fils &lt;SARL&gt;"));
    // A debtor without a BIC: NOTPROVIDED (EPC), a BIC otherwise.
    assert_eq!(get("PmtInf/DrctDbtTxInf/DbtrAgt/FinInstnId/BIC"), vec!["AGRIFRPP", "AGRIFRPP"]);
    assert_eq!(get("PmtInf/DrctDbtTxInf/DbtrAgt/FinInstnId/Othr/Id").len(), 3);
    let v08 = texts(&pain008(&f, Pain008::V08).expect("written"));
    assert_eq!(v08.get(&format!("{root}/PmtInf/CdtrAgt/FinInstnId/BICFI")).map(Vec::len), Some(4));
}

#[test]
fn both_versions_pass_the_sepaxml_xsd_and_the_epc_checks() {
    if !crate::services::validators_available() {
        return;
    }
    for (v, name) in [(Pain008::V02, "batch-02.xml"), (Pain008::V08, "batch-08.xml")] {
        let xml = pain008(&file(), v).expect("written");
        let (code, out) = validate(name, &xml);
        assert_eq!(code, 0, "{name}:\n{out}\n{}", String::from_utf8_lossy(&xml));
        assert!(out.contains(" 0 error(s)") && out.contains("sepaxml") && out.contains("EPC"), "{out}");
    }
}

#[test]
fn the_validator_refuses_a_broken_file() {
    if !crate::services::validators_available() {
        return;
    }
    let xml = String::from_utf8(pain008(&file(), Pain008::V02).expect("written")).expect("UTF-8");
    for (what, broken) in [
        ("control sum", xml.replacen("<CtrlSum>1234788.39</CtrlSum>", "<CtrlSum>1234788.40</CtrlSum>", 1)),
        ("creditor id", xml.replace("FR72ZZZ123456", "FR73ZZZ123456")),
        ("sequence type", xml.replacen("<SeqTp>FRST</SeqTp>", "<SeqTp>LAST</SeqTp>", 1)),
        ("mandate id", xml.replacen("<MndtId>RUM-0001</MndtId>", "<MndtId>RUM_0001</MndtId>", 1)),
        ("signature date", xml.replacen("<DtOfSgntr>2026-01-15</DtOfSgntr>", "<DtOfSgntr>2027-01-15</DtOfSgntr>", 1)),
    ] {
        assert_ne!(broken, xml, "{what}: the file was not changed");
        let (code, out) = validate("broken.xml", broken.as_bytes());
        assert_eq!(code, 1, "{what} accepted:\n{out}");
    }
}
