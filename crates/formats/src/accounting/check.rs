//! `facturier fec check`: the checks of the DGFiP's Test Compta Demat (field count per
//! line, mandatory fields, account numbers, numbers and dates) and what it leaves to
//! the full audit tool (balance per entry and in total, numbering continuity per
//! journal, lettered groups balanced). It reads the file line by line; what it keeps
//! is one sum per entry and per lettering group.

use super::fec::COLUMNS;
use facturier_core::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::BufRead;
use time::{Date, Month};

/// Most problems listed; the count goes on beyond.
const MAX_LISTED: usize = 200;

/// One problem: its line (1 is the header), the rule it breaks, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<u64>,
    pub rule: &'static str,
    pub message: String,
}

/// What the check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Data lines read (the header not counted).
    pub lines: u64,
    pub entries: u64,
    pub total_debit: Decimal,
    pub total_credit: Decimal,
    pub encoding: &'static str,
    /// Problems found, at most 200 listed.
    pub problems: Vec<Problem>,
    /// Problems found in all.
    pub problem_count: u64,
}

impl CheckReport {
    /// True when no rule is broken.
    pub fn passed(&self) -> bool {
        self.problem_count == 0
    }

    fn add(&mut self, line: Option<u64>, rule: &'static str, message: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(Problem { line, rule, message });
        }
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} lines, {} entries, debit {} credit {} ({})",
            self.lines, self.entries, self.total_debit, self.total_credit, self.encoding
        )?;
        for p in &self.problems {
            match p.line {
                Some(n) => writeln!(f, "line {n}: [{}] {}", p.rule, p.message)?,
                None => writeln!(f, "[{}] {}", p.rule, p.message)?,
            }
        }
        if self.problem_count > self.problems.len() as u64 {
            writeln!(f, "… and {} more", self.problem_count - self.problems.len() as u64)?;
        }
        if self.passed() {
            writeln!(f, "OK: the file passes every check")
        } else {
            writeln!(f, "FAILED: {} problems", self.problem_count)
        }
    }
}

/// The fields that may not be empty.
const MANDATORY: [&str; 12] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "ValidDate",
];
const DATES: [&str; 4] = ["EcritureDate", "PieceDate", "DateLet", "ValidDate"];
const NUMBERS: [&str; 3] = ["Debit", "Credit", "Montantdevise"];

/// A `AAAAMMJJ` date that exists.
pub fn parse_date(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = s[..4].parse().ok()?;
    let m: u8 = s[4..6].parse().ok()?;
    let d: u8 = s[6..].parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// A FEC number: a sign first if any, digits, a decimal comma, no thousands separator.
pub fn parse_number(s: &str) -> Option<Decimal> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match body.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    s.replacen(',', ".", 1).trim_start_matches('+').parse().ok()
}

/// Checks a FEC read from `input`; `fiscal_year` (first and last day), when given,
/// bounds the entry dates.
pub fn check_fec(mut input: impl BufRead, fiscal_year: Option<(Date, Date)>) -> std::io::Result<CheckReport> {
    let mut r = CheckReport { encoding: "UTF-8", ..CheckReport::default() };
    let mut raw = Vec::new();
    let mut n: u64 = 0;
    let mut header: Vec<String> = Vec::new();
    let mut sep = '\t';
    let mut idx: HashMap<&'static str, usize> = HashMap::new();
    // (journal, EcritureNum) → (first line, debit, credit, date).
    let mut entries: HashMap<(String, String), (u64, Decimal, Decimal, String)> = HashMap::new();
    let mut letters: BTreeMap<(String, String, String), (Decimal, Decimal)> = BTreeMap::new();
    let mut numbers: HashMap<String, Vec<u64>> = HashMap::new();
    let mut latin = false;
    let mut blank_run: Option<u64> = None;
    loop {
        raw.clear();
        if input.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        n += 1;
        if !raw.ends_with(b"\r\n") {
            r.add(Some(n), "crlf", "the line does not end with CR/LF".into());
        }
        while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            raw.pop();
        }
        if n == 1 && raw.starts_with(b"\xEF\xBB\xBF") {
            raw.drain(..3);
        }
        let text = match std::str::from_utf8(&raw) {
            Ok(t) if !latin => t.to_string(),
            _ => {
                latin = true;
                r.encoding = "ISO-8859-15";
                super::latin9::decode(&raw)
            }
        };
        if text.trim().is_empty() {
            blank_run.get_or_insert(n);
            continue;
        }
        if let Some(b) = blank_run.take() {
            r.add(Some(b), "empty-line", "an empty line inside the file".into());
        }
        if n == 1 {
            sep = if text.contains('\t') { '\t' } else { '|' };
            header = text.split(sep).map(|s| s.trim().to_string()).collect();
            let names: Vec<&str> = header.iter().map(String::as_str).collect();
            if names != COLUMNS {
                r.add(
                    Some(1),
                    "header",
                    format!(
                        "the header must name the 18 columns in order ({}), found {}",
                        COLUMNS.join(", "),
                        names.join(", ")
                    ),
                );
            }
            for (i, c) in COLUMNS.iter().enumerate() {
                if let Some(p) = names.iter().position(|h| h == c) {
                    idx.insert(c, p);
                } else {
                    idx.insert(c, i);
                }
            }
            continue;
        }
        r.lines += 1;
        let fields: Vec<&str> = text.split(sep).collect();
        if fields.len() != header.len() {
            r.add(Some(n), "field-count", format!("{} fields, the header has {}", fields.len(), header.len()));
            continue;
        }
        let get = |name: &str| idx.get(name).and_then(|i| fields.get(*i)).map(|s| s.trim()).unwrap_or("");
        for m in MANDATORY {
            if get(m).is_empty() {
                r.add(Some(n), "mandatory", format!("{m} is empty"));
            }
        }
        if !get("CompAuxNum").is_empty() && get("CompAuxLib").is_empty() {
            r.add(Some(n), "mandatory", "CompAuxLib is empty while CompAuxNum is given".into());
        }
        if !get("EcritureLet").is_empty() && get("DateLet").is_empty() {
            r.add(Some(n), "mandatory", "DateLet is empty while EcritureLet is given".into());
        }
        if !get("Montantdevise").is_empty() && get("Idevise").is_empty() {
            r.add(Some(n), "mandatory", "Idevise is empty while Montantdevise is given".into());
        }
        let account = get("CompteNum");
        let pcg = account.len() >= 3 && account.as_bytes()[..3].iter().all(u8::is_ascii_digit);
        if !account.is_empty() && !pcg {
            r.add(Some(n), "account", format!("CompteNum {account:?} does not start with three digits"));
        }
        for f in NUMBERS {
            let v = get(f);
            if !v.is_empty() && parse_number(v).is_none() {
                r.add(Some(n), "number", format!("{f} {v:?} is not a number with a decimal comma"));
            }
        }
        for f in DATES {
            let v = get(f);
            if v.is_empty() {
                continue;
            }
            match parse_date(v) {
                None => r.add(Some(n), "date", format!("{f} {v:?} is not a real AAAAMMJJ date")),
                Some(d) => {
                    if f == "EcritureDate"
                        && let Some((start, end)) = fiscal_year
                        && (d < start || d > end)
                    {
                        r.add(
                            Some(n),
                            "fiscal-year",
                            format!("EcritureDate {v} is outside the fiscal year {start} to {end}"),
                        );
                    }
                }
            }
        }
        let debit = parse_number(get("Debit")).unwrap_or_default();
        let credit = parse_number(get("Credit")).unwrap_or_default();
        if debit.is_sign_negative() && !debit.is_zero() || credit.is_sign_negative() && !credit.is_zero() {
            r.add(Some(n), "number", "Debit and Credit are never negative".into());
        }
        r.total_debit += debit;
        r.total_credit += credit;
        let journal = get("JournalCode").to_string();
        let num = get("EcritureNum").to_string();
        let date = get("EcritureDate").to_string();
        match entries.get_mut(&(journal.clone(), num.clone())) {
            Some(e) => {
                e.1 += debit;
                e.2 += credit;
                if e.3 != date {
                    r.add(
                        Some(n),
                        "entry-date",
                        format!("entry {num} of journal {journal} has two dates, {} and {date}", e.3),
                    );
                }
            }
            None => {
                let seq: String =
                    num.chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
                match seq.parse::<u64>() {
                    Ok(s) => numbers.entry(journal.clone()).or_default().push(s),
                    Err(_) => r.add(Some(n), "numbering", format!("EcritureNum {num:?} does not end with its number")),
                }
                entries.insert((journal.clone(), num.clone()), (n, debit, credit, date));
            }
        }
        let letter = get("EcritureLet");
        if !letter.is_empty() {
            let key = (account.to_string(), get("CompAuxNum").to_string(), letter.to_string());
            let s = letters.entry(key).or_default();
            s.0 += debit;
            s.1 += credit;
        }
    }
    if n == 0 {
        r.add(None, "empty", "the file is empty".into());
        return Ok(r);
    }
    if r.lines == 0 {
        r.add(None, "empty", "the file has a header and no entry".into());
    }
    r.entries = entries.len() as u64;
    let mut unbalanced: Vec<_> = entries.iter().filter(|(_, e)| e.1 != e.2).collect();
    unbalanced.sort_by_key(|(_, e)| e.0);
    for ((j, num), e) in unbalanced {
        r.add(
            Some(e.0),
            "entry-balance",
            format!("entry {num} of journal {j} does not balance: debit {} credit {}", e.1, e.2),
        );
    }
    if r.total_debit != r.total_credit {
        r.add(
            None,
            "total-balance",
            format!("the file does not balance: debit {} credit {}", r.total_debit, r.total_credit),
        );
    }
    let mut journals: Vec<_> = numbers.into_iter().collect();
    journals.sort();
    for (j, mut nums) in journals {
        nums.sort_unstable();
        for w in nums.windows(2) {
            if w[1] != w[0] + 1 {
                let what = if w[1] == w[0] { "twice".to_string() } else { format!("then {}, a gap", w[1]) };
                r.add(None, "continuity", format!("journal {j}: entry number {} {what}", w[0]));
            }
        }
    }
    for ((account, aux, letter), (d, c)) in letters {
        if d != c {
            let who = if aux.is_empty() { account } else { format!("{account}/{aux}") };
            r.add(None, "lettering", format!("lettering {letter} of {who} does not balance: debit {d} credit {c}"));
        }
    }
    Ok(r)
}
