//! The FEC written from entries passes its check; each rule of the check has a broken
//! file that fails it, and only it.

use super::*;
use facturier_core::Decimal;
use facturier_core::accounting::{
    Auxiliary, Chart, Lettering, MoneyKind, Movement, Sale, Share, money_entry, sale_entry,
};
use facturier_core::document::{Content, DocumentKind, Line, Nature};
use facturier_core::money::Currency;
use facturier_core::tax::Vat;
use rust_decimal_macros::dec;
use time::macros::date;
use uuid::Uuid;

fn customer() -> Auxiliary {
    Auxiliary { account: "411LEFEVRE".into(), label: "Léa Lefèvre — Œuvres".into() }
}

/// A year: an invoice in dollars, paid and lettered, and an invoice in euros.
fn good(options: FecOptions) -> Vec<u8> {
    let chart = Chart::default();
    let usd: Currency = "USD".parse().unwrap();
    let mut c = Content::new(Uuid::now_v7(), usd);
    c.exchange_rate = Some(dec!(0.91));
    let mut l = Line::item("Conseil", dec!(3), dec!(333.33), Vat::new(dec!(20), None).unwrap());
    l.nature = Some(Nature::Services);
    c.lines = vec![l];
    let t = c.totals();
    let letter = Some(Lettering { code: "F1".into(), date: date!(2026 - 02 - 10) });
    let sale = Sale {
        kind: DocumentKind::Invoice,
        number: "F1",
        issue_date: date!(2026 - 01 - 15),
        content: &c,
        totals: &t,
        customer: customer(),
        lettering: letter.clone(),
        settles: None,
    };
    let mut w = FecWriter::new(Vec::new(), options, date!(2026 - 12 - 31)).unwrap();
    w.write(&sale_entry(&chart, Currency::EUR, &sale).unwrap()).unwrap();
    let mut e = Content::new(Uuid::now_v7(), Currency::EUR);
    e.lines = vec![Line::item("Pièce", dec!(1), dec!(10), Vat::new(dec!(5.5), None).unwrap())];
    let te = e.totals();
    let sale2 = Sale { number: "F2", content: &e, totals: &te, lettering: None, ..sale };
    w.write(&sale_entry(&chart, Currency::EUR, &sale2).unwrap()).unwrap();
    let m = Movement {
        kind: MoneyKind::Receipt,
        date: date!(2026 - 02 - 10),
        paid_on: date!(2026 - 02 - 10),
        method: "transfer",
        piece: "VIR 1".into(),
        customer: customer(),
        currency: usd,
        exchange_rate: Some(dec!(0.91)),
        amount: t.gross,
        shares: vec![Share { invoice: "F1".into(), amount: t.gross, lettering: letter, collection: None }],
        reversal: false,
    };
    w.write(&money_entry(&chart, Currency::EUR, &m)).unwrap();
    w.finish().unwrap()
}

fn check(bytes: &[u8]) -> CheckReport {
    check_fec(bytes, Some((date!(2026 - 01 - 01), date!(2026 - 12 - 31)))).unwrap()
}

fn rules(r: &CheckReport) -> Vec<&'static str> {
    let mut v: Vec<_> = r.problems.iter().map(|p| p.rule).collect();
    v.dedup();
    v
}

#[test]
fn a_written_fec_passes_every_check_in_latin9_and_utf8_tab_and_pipe() {
    for options in [FecOptions::default(), FecOptions { separator: Separator::Pipe, encoding: Encoding::Utf8 }] {
        let bytes = good(options);
        let r = check(&bytes);
        assert!(r.passed(), "{r}");
        assert_eq!(r.entries, 3);
        assert_eq!(r.total_debit, r.total_credit);
    }
    let latin = good(FecOptions::default());
    assert_eq!(check(&latin).encoding, "ISO-8859-15");
    assert!(latin.windows(2).any(|w| w == [0xE8, b'v']), "è of Lefèvre is one Latin-9 byte");
    assert!(latin.contains(&0xBC), "Œ is 0xBC in Latin-9");
    let text = latin9::decode(&latin);
    let first = text.lines().nth(1).unwrap();
    let fields: Vec<&str> = first.split('\t').collect();
    assert_eq!(fields.len(), 18);
    assert_eq!(fields[2], "VE000001");
    assert_eq!(fields[3], "20260115");
    assert_eq!(fields[6], "411LEFEVRE");
    assert_eq!(fields[11], "1091,99", "3 × 333.33 × 1.2 = 1199.99 USD at 0.91");
    assert_eq!(fields[13], "F1");
    assert_eq!(fields[16], "1199,99");
    assert_eq!(fields[17], "USD");
    assert!(text.contains("VE000002"));
    assert!(text.contains("BQ000001"));
    assert_eq!(file_name("123456789", date!(2026 - 12 - 31)), "123456789FEC20261231.txt");
}

/// The good file with `f` applied to the fields of its data line `line` (1-based).
fn broken(line: usize, f: impl Fn(&mut Vec<String>)) -> Vec<u8> {
    let text = String::from_utf8(good(FecOptions { separator: Separator::Tab, encoding: Encoding::Utf8 })).unwrap();
    let mut out = String::new();
    for (i, l) in text.split_terminator("\r\n").enumerate() {
        let mut fields: Vec<String> = l.split('\t').map(String::from).collect();
        if i == line {
            f(&mut fields);
        }
        out.push_str(&fields.join("\t"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[test]
fn each_rule_has_a_file_that_breaks_it() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("field-count", broken(1, |f| f.push("extra".into()))),
        ("mandatory", broken(1, |f| f[10].clear())),
        ("account", broken(1, |f| f[4] = "CL411".into())),
        ("number", broken(1, |f| f[11] = "1 091.99".into())),
        ("date", broken(1, |f| f[9] = "20260230".into())),
        ("fiscal-year", broken(2, |f| f[3] = "20270101".into())),
        ("header", broken(0, |f| f.swap(11, 12))),
        ("continuity", broken(3, |f| f[2] = "VE000009".into())),
    ];
    for (rule, bytes) in cases {
        let r = check(&bytes);
        assert!(!r.passed(), "{rule}: {r}");
        assert!(rules(&r).contains(&rule), "{rule} expected, got {r}");
    }
    // An amount changed on one line: its entry, the total and its lettering fail.
    let r = check(&broken(1, |f| f[11] = "1091,98".into()));
    assert_eq!(rules(&r), ["entry-balance", "total-balance", "lettering"], "{r}");
    // Lettered lines that do not settle each other.
    let r = check(&broken(6, |f| {
        f[13] = "F1".into();
        f[14] = "20260210".into();
    }));
    assert!(rules(&r).contains(&"lettering"), "{r}");
    // LF only, an empty line, an empty file.
    let lf: Vec<u8> = good(FecOptions::default()).into_iter().filter(|b| *b != b'\r').collect();
    assert!(rules(&check(&lf)).contains(&"crlf"));
    let mut blank = good(FecOptions::default());
    let at = blank.iter().position(|b| *b == b'\n').unwrap() + 1;
    blank.splice(at..at, b"\r\n".iter().copied());
    assert_eq!(rules(&check(&blank)), ["empty-line"]);
    assert_eq!(rules(&check(b"")), ["empty"]);
}

// --- The import files of accounting software: golden files, re-read by the layout tables.

/// Entries with an accent, a lettering, a foreign currency and two journals.
fn entries() -> Vec<facturier_core::accounting::Entry> {
    let chart = Chart::default();
    let usd: Currency = "USD".parse().unwrap();
    let mut c = Content::new(Uuid::nil(), usd);
    c.exchange_rate = Some(dec!(0.91));
    let mut l = Line::item("Conseil", dec!(3), dec!(333.33), Vat::new(dec!(20), None).unwrap());
    l.nature = Some(Nature::Services);
    c.lines = vec![l];
    let t = c.totals();
    let letter = Some(Lettering { code: "F1".into(), date: date!(2026 - 02 - 10) });
    let sale = Sale {
        kind: DocumentKind::Invoice,
        number: "F2026-00001",
        issue_date: date!(2026 - 01 - 15),
        content: &c,
        totals: &t,
        customer: customer(),
        lettering: letter.clone(),
        settles: None,
    };
    let m = Movement {
        kind: MoneyKind::Receipt,
        date: date!(2026 - 02 - 10),
        paid_on: date!(2026 - 02 - 10),
        method: "transfer",
        piece: "VIR 1".into(),
        customer: customer(),
        currency: usd,
        exchange_rate: Some(dec!(0.91)),
        amount: t.gross,
        shares: vec![Share { invoice: "F2026-00001".into(), amount: t.gross, lettering: letter, collection: None }],
        reversal: false,
    };
    vec![sale_entry(&chart, Currency::EUR, &sale).unwrap(), money_entry(&chart, Currency::EUR, &m)]
}

fn golden(name: &str, bytes: &[u8]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/accounting/golden").join(name);
    if std::env::var_os("FACTURIER_BLESS").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let want = std::fs::read(&path).unwrap_or_else(|_| panic!("{}: run with FACTURIER_BLESS=1 once", path.display()));
    assert_eq!(String::from_utf8_lossy(bytes), String::from_utf8_lossy(&want), "{name} differs from its golden file");
}

fn written(s: software::Software) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, e) in entries().iter().enumerate() {
        software::write_entry(s, e, n as u64 + 1, &mut out);
    }
    out
}

/// Cuts a line into fields of the given widths (the layout tables of the reference).
fn cut(line: &str, widths: &[usize]) -> Vec<String> {
    let mut at = 0;
    widths
        .iter()
        .map(|w| {
            let f = line[at..at + w].to_string();
            at += w;
            f
        })
        .collect()
}

#[test]
fn ximport_is_its_golden_file_and_reads_back_by_its_widths() {
    let bytes = written(software::Software::Ximport);
    golden("XIMPORT.TXT", &bytes);
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 5);
    let mut sums = (Decimal::ZERO, Decimal::ZERO);
    for l in &lines {
        assert_eq!(l.len(), 142, "{l:?}");
        let f = cut(l, &[5, 2, 8, 8, 12, 11, 25, 13, 1, 18, 34, 5]);
        assert_eq!(f[11], "O2003");
        let amount: Decimal = f[7].trim().parse().unwrap();
        if f[8] == "D" { sums.0 += amount } else { sums.1 += amount }
    }
    assert_eq!(sums.0, sums.1);
    let first = cut(lines[0], &[5, 2, 8, 8, 12, 11, 25, 13, 1, 18, 34, 5]);
    assert_eq!(
        first[..9].iter().map(|s| s.trim()).collect::<Vec<_>>(),
        ["1", "VE", "20260115", "20260115", "F2026-00001", "411LEFEVRE", "Facture Lea Lefevre - OEu", "1091.99", "D"]
    );
}

#[test]
fn quadratus_is_its_golden_file_and_reads_back_by_its_positions() {
    let bytes = written(software::Software::Quadratus);
    golden("QUADRATUS.txt", &bytes);
    let text = String::from_utf8(bytes).unwrap();
    let mut sums = (0i64, 0i64);
    for l in text.split_terminator("\r\n") {
        assert_eq!(l.len(), 231, "{l:?}");
        let at = |pos: usize, len: usize| &l[pos - 1..pos - 1 + len];
        assert_eq!(at(1, 1), "M");
        assert_eq!(at(12, 3), "000");
        assert_eq!(at(43, 1), "+");
        let cents: i64 = at(44, 12).parse().unwrap();
        if at(42, 1) == "D" {
            sums.0 += cents
        } else {
            sums.1 += cents
        }
        assert_eq!(at(108, 3), "USD");
    }
    assert_eq!(sums.0, sums.1);
    let first = text.lines().next().unwrap();
    assert_eq!(&first[1..9], "411LEFEV", "the auxiliary account, 8 characters");
    assert_eq!(&first[14..20], "150126", "JJMMAA");
    assert_eq!(&first[43..55], "000000109199", "cents");
}

#[test]
fn ebp_is_its_golden_file_and_reads_back_by_its_columns() {
    let bytes = written(software::Software::Ebp);
    golden("EBP.txt", &bytes);
    let text = String::from_utf8(bytes).unwrap();
    let mut sums = (Decimal::ZERO, Decimal::ZERO);
    for l in text.split_terminator("\r\n") {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 9, "{l:?}");
        assert!(f[4].starts_with('"') && f[5].starts_with('"'));
        let amount: Decimal = f[6].parse().unwrap();
        if f[7] == "D" { sums.0 += amount } else { sums.1 += amount }
    }
    assert_eq!(sums.0, sums.1);
    assert!(
        text.starts_with(
            "1,15012026,VE,411LEFEVRE,\"Facture Lea Lefevre - OEuvres\",\"F2026-00001\",1091.99,D,15012026\r\n"
        ),
        "{text}"
    );
}

/// A company under VAT on collection: an invoice of goods and a service at 20 %, paid
/// in two parts; the service's VAT waits on 44574200 and each payment moves its share.
fn collection_entries() -> Vec<facturier_core::accounting::Entry> {
    use facturier_core::accounting::{Collection, pending_vat};
    let chart = Chart { vat_on_collection_for_services: true, ..Chart::default() };
    let mut c = Content::new(Uuid::nil(), Currency::EUR);
    let mut goods = Line::item("Carrelage", dec!(2), dec!(100), Vat::new(dec!(20), None).unwrap());
    goods.nature = Some(Nature::Goods);
    let mut pose = Line::item("Pose", dec!(1), dec!(100), Vat::new(dec!(20), None).unwrap());
    pose.nature = Some(Nature::Services);
    c.lines = vec![goods, pose];
    let t = c.totals();
    let sale = Sale {
        kind: DocumentKind::Invoice,
        number: "F2026-00002",
        issue_date: date!(2026 - 03 - 02),
        content: &c,
        totals: &t,
        customer: customer(),
        lettering: None,
        settles: None,
    };
    let mut out = vec![sale_entry(&chart, Currency::EUR, &sale).unwrap()];
    let pending = pending_vat(&chart, &c, &t);
    for (day, before, amount) in
        [(date!(2026 - 03 - 20), dec!(0), dec!(120)), (date!(2026 - 04 - 20), dec!(120), dec!(240))]
    {
        let collection = Collection {
            currency: Currency::EUR,
            pending: pending.clone(),
            gross: t.gross,
            before,
            after: before + amount,
        };
        let m = Movement {
            kind: MoneyKind::Receipt,
            date: day,
            paid_on: day,
            method: "transfer",
            piece: format!("VIR {amount}"),
            customer: customer(),
            currency: Currency::EUR,
            exchange_rate: None,
            amount,
            shares: vec![Share {
                invoice: "F2026-00002".into(),
                amount,
                lettering: None,
                collection: Some(collection),
            }],
            reversal: false,
        };
        out.push(money_entry(&chart, Currency::EUR, &m));
    }
    out
}

#[test]
fn vat_on_collection_writes_its_golden_file_and_its_fec_passes_the_check() {
    let entries = collection_entries();
    let mut out = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        software::write_entry(software::Software::Ebp, e, n as u64 + 1, &mut out);
    }
    golden("EBP-vat-on-collection.txt", &out);
    let text = String::from_utf8(out).unwrap();
    // Invoice: 40 due on the goods, 20 waiting; then 6.67 and the remainder 13.33 moved.
    for want in [
        "4,02032026,VE,44571200,\"Facture Lea Lefevre - OEuvres\",\"F2026-00002\",40.00,C,",
        "5,02032026,VE,44574200,\"Facture Lea Lefevre - OEuvres\",\"F2026-00002\",20.00,C,",
        "3,20032026,BQ,44574200,\"TVA encaissee F2026-00002\",\"VIR 120\",6.67,D,",
        "3,20042026,BQ,44574200,\"TVA encaissee F2026-00002\",\"VIR 240\",13.33,D,",
        "4,20042026,BQ,44571200,\"TVA encaissee F2026-00002\",\"VIR 240\",13.33,C,",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    let mut w = FecWriter::new(Vec::new(), FecOptions::default(), date!(2026 - 12 - 31)).unwrap();
    for e in &entries {
        w.write(e).unwrap();
    }
    let bytes = w.finish().unwrap();
    let report = check_fec(bytes.as_slice(), Some((date!(2026 - 01 - 01), date!(2026 - 12 - 31)))).unwrap();
    assert!(report.passed() && report.entries == 3, "{report}");
}
