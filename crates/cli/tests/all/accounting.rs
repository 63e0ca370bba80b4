//! The accounting hand-off as a user runs it: the FEC of the demo year written by
//! `facturier export fec` passes `facturier fec check` and the independent readers
//! (`scripts/validate.py fec`: django-accounting-fr's `check_fec` and fec-parser), on
//! SQLite and PostgreSQL; a broken FEC makes `fec check` exit 1 naming the rule.

use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_facturier");

fn pg_admin() -> String {
    std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A SQLite file, then a fresh PostgreSQL database when it runs (dropped after).
async fn databases(dir: &std::path::Path) -> Vec<(String, Option<String>)> {
    let mut dbs = vec![(format!("sqlite://{}", dir.join("f.db").display()), None)];
    if crate::services::postgres_available(&pg_admin()).await {
        let name = format!("facturier_cli_{}", uuid::Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(&pg_admin()).await.expect("PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
        let base = pg_admin().rsplit_once('/').unwrap().0.to_string();
        dbs.push((format!("{base}/{name}"), Some(name)));
    }
    dbs
}

fn drop_pg(name: &str) {
    let _ = Command::new("psql")
        .args([&pg_admin(), "-qc", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn run(url: &str, dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).env("FACTURIER_DATABASE_URL", url).output().expect("run facturier")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn the_fec_of_the_demo_year_passes_our_check_and_the_independent_readers() {
    let tmp = tempfile::tempdir().unwrap();
    for (url, pg) in databases(tmp.path()).await {
        let dir = tempfile::tempdir().unwrap();
        let out = run(&url, dir.path(), &["demo", "--json"]);
        assert!(out.status.success(), "{}", text(&out));
        let y = time::OffsetDateTime::now_utc().year();
        let (from, to) = (format!("{}-01-01", y - 1), format!("{y}-12-31"));
        let out = run(&url, dir.path(), &["export", "fec", "--from", &from, "--to", &to]);
        assert!(out.status.success(), "{}", text(&out));
        let name = format!("812345676FEC{y}1231.txt");
        let file = dir.path().join(&name);
        assert!(file.is_file(), "{name} written: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("entries"), "progress and counts on stderr");
        let bytes = std::fs::read(&file).unwrap();
        assert!(bytes.starts_with(b"JournalCode\tJournalLib\tEcritureNum\t"));
        let check = run(&url, dir.path(), &["fec", "check", &name, "--fiscal-year", &format!("{from}:{to}")]);
        assert!(check.status.success(), "{}", text(&check));
        assert!(text(&check).contains("OK: the file passes every check"), "{}", text(&check));
        // UTF-8 with pipes, to standard output: the same entries.
        let out = run(
            &url,
            dir.path(),
            &[
                "export",
                "fec",
                "--from",
                &from,
                "--to",
                &to,
                "--encoding",
                "utf-8",
                "--separator",
                "pipe",
                "--output",
                "-",
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        let report = facturier_formats::accounting::check_fec(out.stdout.as_slice(), None).unwrap();
        assert!(report.passed(), "{report}");
        let ours = facturier_formats::accounting::check_fec(bytes.as_slice(), None).unwrap();
        assert_eq!((report.entries, report.total_debit), (ours.entries, ours.total_debit));
        assert!(ours.entries >= 10, "the demo year has entries: {ours}");
        if crate::services::validators_available() {
            let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let v = Command::new(crate::services::validators_python())
                .arg(repo.join("scripts/validate.py"))
                .arg("fec")
                .arg(&file)
                .output()
                .unwrap();
            assert!(v.status.success(), "the independent readers refused the FEC:\n{}", text(&v));
        }
        // The same entries for Ciel, Quadratus and EBP: every line at its layout's width
        // (XIMPORT 142, Quadratus 231) or field count (EBP 9), debits equal to credits.
        for (software, file, width) in [
            ("ximport", "XIMPORT.TXT", 142),
            ("quadratus", &format!("QUADRA{y}1231.txt"), 231),
            ("ebp", &format!("EBP{y}1231.txt"), 0),
        ] {
            let out = run(&url, dir.path(), &["export", software, "--from", &from, "--to", &to]);
            assert!(out.status.success(), "{software}: {}", text(&out));
            let body = std::fs::read_to_string(dir.path().join(file)).unwrap();
            let (mut debit, mut credit) = (0i64, 0i64);
            let lines: Vec<&str> = body.split_terminator("\r\n").collect();
            assert_eq!(lines.len() as u64, ours.lines, "{software}: one line per FEC line");
            for l in lines {
                let (side, cents) = match software {
                    "ximport" => {
                        assert_eq!(l.len(), width, "{l:?}");
                        (&l[84..85], l[71..84].trim().replace('.', "").parse::<i64>().unwrap())
                    }
                    "quadratus" => {
                        assert_eq!(l.len(), width, "{l:?}");
                        (&l[41..42], l[43..55].parse::<i64>().unwrap())
                    }
                    _ => {
                        let f: Vec<&str> = l.split(',').collect();
                        assert_eq!(f.len(), 9, "{l:?}");
                        (f[7], f[6].replace('.', "").parse::<i64>().unwrap())
                    }
                };
                if side == "D" { debit += cents } else { credit += cents }
            }
            assert_eq!(debit, credit, "{software}");
        }
        if let Some(name) = pg {
            drop_pg(&name);
        }
    }
}

#[test]
fn a_broken_fec_fails_the_check_with_exit_1_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let header = "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise\r\n";
    let unbalanced = format!(
        "{header}VE\tVentes\tVE000001\t20260110\t411000\tClients\t\t\tF1\t20260110\tFacture\t120,00\t0,00\t\t\t20261231\t\t\r\n\
         VE\tVentes\tVE000001\t20260110\t706000\tPrestations\t\t\tF1\t20260110\tFacture\t0,00\t100,00\t\t\t20261231\t\t\r\n"
    );
    let file = dir.path().join("552100554FEC20261231.txt");
    std::fs::write(&file, unbalanced).unwrap();
    let out = Command::new(BIN).args(["fec", "check"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("[entry-balance] entry VE000001 of journal VE does not balance"), "{}", text(&out));
    let out = Command::new(BIN).args(["fec", "check", "/nonexistent/FEC.txt"]).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("cannot read /nonexistent/FEC.txt"), "{}", text(&out));
    let help = Command::new(BIN).args(["export", "fec", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("Example"));
}
