//! The `facturier` binary.

mod accounting;
mod bench;
mod contracts;
mod demo;
mod dunning;
mod import;
mod jobs;
mod sepa;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use facturier_core::money::Currency;
use facturier_core::party::Country;
use facturier_store::Store;
use facturier_store::documents::ChainReport;

const DEFAULT_DB: &str = "sqlite://facturier.db";

#[derive(Parser)]
#[command(
    name = "facturier",
    version,
    about = "Customer billing for French and EU companies",
    propagate_version = true
)]
struct Cli {
    /// Database: sqlite://path or postgres://user@host/db.
    #[arg(long, global = true, env = "FACTURIER_DATABASE_URL", default_value = DEFAULT_DB)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the web app, the API and the jobs.
    #[command(
        after_help = "Example:\n  facturier serve --listen 127.0.0.1:8080\n  facturier serve --demo   # with a demo company on first start\n  facturier serve --smtp-url smtp://127.0.0.1:25 --mail-from factures@durand.fr"
    )]
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Create the demo company first if the database has none.
        #[arg(long)]
        demo: bool,
        /// SMTP server the outbox sends through: smtp://host:25 (plain), smtp://user:password@host:587?tls=required
        /// (STARTTLS) or smtps://user:password@host:465 (TLS). Without it e-mails wait in the outbox.
        #[arg(long, env = "FACTURIER_SMTP_URL", hide_env_values = true)]
        smtp_url: Option<String>,
        /// From address of every e-mail (with the company's name; the company's own address
        /// goes in Reply-To). Default: noreply@ the host of --public-url, else noreply@localhost.
        #[arg(long, env = "FACTURIER_MAIL_FROM")]
        mail_from: Option<String>,
        /// Mark the session cookie Secure: set it when browsers reach facturier over https (behind a proxy).
        #[arg(long, env = "FACTURIER_SECURE_COOKIES")]
        secure_cookies: bool,
        /// PEM file of a certificate authority the SMTP server's certificate may chain to
        /// (a private relay), trusted besides the public roots; needs a TLS --smtp-url.
        #[arg(long, env = "FACTURIER_SMTP_CA_FILE")]
        smtp_ca_file: Option<std::path::PathBuf>,
        /// The address users reach facturier at (https://factures.example.fr): links in
        /// e-mails (password reset, invitations) start with it. Required unless --listen is
        /// a loopback address (then http:// and that address); never taken from a request.
        #[arg(long, env = "FACTURIER_PUBLIC_URL")]
        public_url: Option<String>,
        /// A reverse proxy (address or range, repeatable or comma-separated) whose
        /// X-Forwarded-For names the client, for the sign-in rate limit per address.
        /// From other peers the header is ignored.
        #[arg(long = "trusted-proxy", env = "FACTURIER_TRUSTED_PROXIES", value_delimiter = ',',
              value_parser = facturier_server::web::parse_proxy)]
        trusted_proxies: Vec<facturier_server::web::IpNet>,
    },
    /// Create a company and its admin user; print the admin's API token.
    #[command(
        after_help = "Example:\n  facturier init --company-name \"Atelier Durand SARL\" --admin-email admin@durand.fr --json"
    )]
    Init {
        #[arg(long)]
        company_name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, default_value = "FR")]
        country: String,
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// The address `serve` will be reached at, for the printed sign-in links.
        /// Default: http://127.0.0.1:8080 (`serve`'s default --listen).
        #[arg(long, env = "FACTURIER_PUBLIC_URL")]
        public_url: Option<String>,
        /// Print {"company_id":…,"token":…,"user_id":…,"login_url":…,"password_link":…,"set_password_command":…}.
        #[arg(long)]
        json: bool,
    },
    /// Create a demo company with customers, products and documents; print a login and a token.
    #[command(after_help = "Example:\n  facturier demo && facturier serve")]
    Demo {
        #[arg(long)]
        json: bool,
        /// The address `serve` will listen on, for the printed URL.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Manage users: add one to a company with a role, set a web password.
    #[command(
        subcommand,
        after_help = "Example:\n  facturier user add --company 0190… --email lea@durand.fr --role sales\n  FACTURIER_PASSWORD='…' facturier user set-password --email lea@durand.fr"
    )]
    User(UserCommand),
    /// Re-check the seal chain of issued documents and every stored figure a page, list or
    /// export shows for them (totals, dates, number, customer, status, paid and due) against
    /// the sealed content, and every stored file of an issued document (its bytes, the file
    /// chain, its document's seal); exit 1 naming the first broken document and column and
    /// every changed file (number and format). Documents not yet rendered are a warning.
    #[command(after_help = "Example:\n  facturier verify\n  facturier verify --company 0190…")]
    Verify {
        #[arg(long)]
        company: Option<uuid::Uuid>,
    },
    /// List the background jobs (e-mails to send, files to render, the daily housekeeping)
    /// with their state, attempts, next run and last error; run a failed one again.
    #[command(
        after_help = "Example:\n  facturier jobs\n  facturier jobs --failed --company 0190…\n  facturier jobs retry 0193a4c2-…"
    )]
    Jobs(jobs::JobsArgs),
    /// Bill the contracts: every period due on or before the day (today by default) and not
    /// billed yet gets its invoice (a draft, or issued when its contract says so). Prints
    /// the invoices made; a contract waiting for an index value is named and left unbilled
    /// (exit code 2), the others are billed. Running it again bills nothing twice.
    #[command(after_help = "Example:
  facturier run-due
  facturier run-due --date 2016-12-31 --company 0190…")]
    RunDue(contracts::RunDueArgs),
    /// Dunning (relances): take the steps due on overdue invoices, by e-mail or letter.
    #[command(subcommand, after_help = "Example:\n  facturier dunning run --as-of 2026-12-31")]
    Dunning(dunning::DunningCommand),
    /// Import customers (with their address and a contact) or products from a CSV or XLSX
    /// file: Dolibarr and EBP exports or a spreadsheet whose first row names the columns.
    /// Every row is checked first; when one is rejected, each is listed, nothing is written
    /// and the exit code is 1. Rows that find a customer (SIREN, e-mail, or name and postal
    /// code) or a product (reference) update it.
    #[command(
        after_help = "Example:\n  facturier import customers tiers.csv --dry-run\n  facturier import products articles.xlsx --company 0190…\n  facturier import customers clients.csv --mapping 'Raison sociale:name;CP:postal_code'"
    )]
    Import(import::ImportArgs),
    /// SEPA direct debit: make a batch of debits for a collection date, write its pain.008 file.
    #[command(
        subcommand,
        after_help = "Example:\n  facturier sepa batch --collection-date 2026-12-15\n  facturier sepa xml 0193… --output prelevements.xml"
    )]
    Sepa(sepa::SepaCommand),
    /// Accounting exports: the FEC of a period.
    #[command(subcommand, after_help = "Example:\n  facturier export fec --from 2026-01-01 --to 2026-12-31")]
    Export(accounting::ExportCommand),
    /// Check a FEC file (the DGFiP's Test Compta Demat rules, balances, continuity, lettering).
    #[command(subcommand, after_help = "Example:\n  facturier fec check 552100554FEC20261231.txt")]
    Fec(accounting::FecCommand),
    /// Apply the database migrations and exit.
    #[command(after_help = "Example:\n  facturier migrate --database-url postgres://postgres@127.0.0.1/facturier")]
    Migrate,
    /// Measure throughput, latency and memory on a generated data set.
    #[command(after_help = "Example:\n  facturier bench --invoices 1000000 --customers 100000")]
    Bench(bench::BenchArgs),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user (or an existing one) to a company with a role; print an API token for it.
    #[command(
        after_help = "Example:\n  facturier user add --company 0190… --email lea@durand.fr --role read_only --json"
    )]
    Add {
        #[arg(long)]
        company: uuid::Uuid,
        #[arg(long)]
        email: String,
        /// admin, sales, accountant or read_only.
        #[arg(long, default_value = "read_only")]
        role: String,
        /// Print {"user_id":…,"token":…}.
        #[arg(long)]
        json: bool,
    },
    /// Set the password a user signs in to the web app with (ends the user's sessions).
    /// The password is read from FACTURIER_PASSWORD, else from the first line of standard input.
    #[command(
        after_help = "Example:\n  FACTURIER_PASSWORD='a long passphrase' facturier user set-password --email lea@durand.fr"
    )]
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

/// The application a command's runs work through (the contracts' billing, the dunning):
/// the invoices they issue print their payment link on `FACTURIER_PUBLIC_URL`, the
/// address `serve` is reached at, when it is set.
pub(crate) fn app_for_runs(store: &Store) -> Result<facturier_server::App> {
    let mut app = facturier_server::App::new(store.clone());
    if let Ok(url) = std::env::var("FACTURIER_PUBLIC_URL") {
        let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let url = facturier_server::web::public_url_for(Some(&url), any)
            .with_context(|| format!("FACTURIER_PUBLIC_URL={url:?}"))?;
        app.web.public_url = Some(url);
    }
    Ok(app)
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("FACTURIER_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            demo: with_demo,
            smtp_url,
            mail_from,
            secure_cookies,
            smtp_ca_file,
            public_url,
            trusted_proxies,
        } => {
            // Mail is always From the server: without --mail-from, an address of its public URL.
            let from = match mail_from {
                Some(m) => m.parse().with_context(|| format!("--mail-from {m:?}"))?,
                None => facturier_server::mailer::default_sender(public_url.as_deref()),
            };
            let ca_pem = smtp_ca_file
                .map(|p| std::fs::read(&p).with_context(|| format!("--smtp-ca-file {}", p.display())))
                .transpose()?;
            let mail =
                facturier_server::mailer::MailConfig { smtp_url, from: Some(from), ca_pem, ..Default::default() };
            let store = open(&cli.database_url).await?;
            if with_demo {
                let d = demo::ensure(&store).await?;
                demo::print(&d, &listen, false);
            }
            let listener =
                tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            // Checked before serving: without it on a public address, nothing starts.
            let public_url = facturier_server::web::public_url_for(public_url.as_deref(), listener.local_addr()?)?;
            eprintln!("facturier listening on http://{} (links in e-mails: {public_url})", listener.local_addr()?);
            if mail.smtp_url.is_none() {
                let waiting = store.emails_waiting().await?;
                eprintln!("no SMTP server (--smtp-url): e-mails wait in the outbox ({waiting} waiting now)");
            }
            let web = facturier_server::web::WebConfig {
                secure_cookies,
                public_url: Some(public_url),
                trusted_proxies,
                ..Default::default()
            };
            let (edge, stop) = (facturier_server::edge::EdgeConfig::default(), facturier_server::edge::stop_signal());
            facturier_server::serve_until(store, listener, mail, web, edge, stop).await.context("server stopped")?;
        }
        Command::Init { company_name, admin_email, country, currency, public_url, json } => {
            let store = open(&cli.database_url).await?;
            let name = company_name.trim();
            if name.is_empty() {
                bail!("--company-name must not be empty");
            }
            facturier_core::input::check_text(name, facturier_core::input::TextKind::Line).context("--company-name")?;
            let email: facturier_core::ids::Email = admin_email.parse().context("--admin-email")?;
            let country: Country = country.parse().context("--country")?;
            let currency: Currency = currency.parse().context("--currency")?;
            let base = match public_url {
                Some(u) => facturier_server::web::public_url_for(Some(&u), ([127, 0, 0, 1], 8080).into())?,
                None => "http://127.0.0.1:8080".to_string(),
            };
            let c = store.create_company(name, &country, currency, email.as_str()).await?;
            // The admin has no web password yet: a one-time link to choose it, as the
            // invitation e-mails carry, printed here instead of mailed.
            let valid = facturier_server::web::password::INVITE_VALID;
            let secret = store.create_password_link(c.company_id, c.user_id, facturier_store::now() + valid).await?;
            let link = format!("{base}/password/reset?token={secret}");
            let login = format!("{base}/login");
            let set_password = format!("facturier user set-password --email {email}");
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "company_id": c.company_id,
                        "token": c.token,
                        "user_id": c.user_id,
                        "login_url": login,
                        "password_link": link,
                        "set_password_command": set_password,
                    })
                );
            } else {
                println!("Company {name} created ({}).\nAdmin {}: API token {}", c.company_id, email, c.token);
                println!(
                    "\nTo sign in to the web app:\n\
                     \x20 1. Start the server: facturier serve\n\
                     \x20 2. Choose the admin's password by opening this link (it works once, for {} days):\n\
                     \x20      {link}\n\
                     \x20    or here, on the server: {set_password}\n\
                     \x20 3. Sign in at {login} as {email} with that password.\n\
                     \x20    A short set-up page then asks for the company's SIREN, address and bank details.",
                    valid.whole_days()
                );
            }
        }
        Command::Demo { json, listen } => {
            let store = open(&cli.database_url).await?;
            let d = demo::ensure(&store).await?;
            demo::print(&d, &listen, json);
        }
        Command::User(UserCommand::Add { company, email, role, json }) => {
            let store = open(&cli.database_url).await?;
            let email: facturier_core::ids::Email = email.parse().context("--email")?;
            let role: facturier_store::companies::Role =
                role.parse().map_err(|_| anyhow::anyhow!("--role: admin, sales, accountant or read_only"))?;
            store.company(company).await.with_context(|| format!("--company {company}"))?;
            let (user_id, token) = store.create_user_token(company, email.as_str(), role).await?;
            if json {
                println!("{}", serde_json::json!({"user_id": user_id, "token": token}));
            } else {
                println!("User {email} is {} of company {company}. API token {token}", role.as_str());
            }
        }
        Command::User(UserCommand::SetPassword { email }) => {
            let password = match std::env::var("FACTURIER_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            // The web's own rule, so that both accept the same passwords.
            if let Some(problem) = facturier_server::web::password::password_problem(&password, None) {
                let lang = facturier_core::party::Language::En;
                bail!("{}", facturier_server::web::i18n::t(lang, problem));
            }
            let store = open(&cli.database_url).await?;
            let hash = facturier_server::web::session::hash_password(&password)
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            store.set_password_hash(&email, &hash).await.with_context(|| format!("no user with the e-mail {email}"))?;
            println!("Password set for {email}; their web sessions have ended.");
        }
        Command::Verify { company } => {
            let store = open(&cli.database_url).await?;
            let companies = match company {
                Some(c) => vec![c],
                None => store.company_ids().await?,
            };
            let (mut total, mut files, mut failed) = (0, 0, false);
            for c in companies {
                match store.verify_chain(c).await? {
                    ChainReport::Intact { documents } => total += documents,
                    ChainReport::Broken { kind, id, number, reason } => {
                        let who = match (number, id) {
                            (Some(n), _) => format!("{kind} {n}"),
                            (None, Some(id)) => format!("{kind} {id}"),
                            (None, None) => format!("the {kind} chain"),
                        };
                        eprintln!("BROKEN: {who} of company {c}: {reason}");
                        failed = true;
                    }
                }
                // Every stored file is checked, and every changed one named.
                let report = store.verify_files(c).await?;
                files += report.files;
                for p in &report.changed {
                    let who = match (p.kind, &p.number, p.document_id) {
                        (Some(k), Some(n), _) => format!("{k} {n} ({})", p.format),
                        (_, _, Some(id)) => format!("document {id} ({})", p.format),
                        _ => "the file chain".to_string(),
                    };
                    eprintln!("CHANGED: {who} of company {c}: {}", p.reason);
                    failed = true;
                }
                if report.not_rendered > 0 {
                    let named: Vec<String> =
                        report.not_rendered_sample.iter().map(|(k, n)| format!("{k} {n}")).collect();
                    let more = if report.not_rendered > named.len() as u64 { ", …" } else { "" };
                    eprintln!(
                        "WARNING: {} issued documents of company {c} not yet rendered (the server renders and seals \
                         their files): {}{more}",
                        report.not_rendered,
                        named.join(", ")
                    );
                }
            }
            if failed {
                std::process::exit(1);
            }
            println!(
                "OK: {total} issued documents, every seal intact and every shown figure matches it; \
                 {files} stored files, every byte as sealed"
            );
        }
        Command::Jobs(args) => {
            let store = open(&cli.database_url).await?;
            jobs::run(&store, args).await?;
        }
        Command::RunDue(args) => {
            let store = open(&cli.database_url).await?;
            if !contracts::run(&store, args).await? {
                std::process::exit(2);
            }
        }
        Command::Dunning(cmd) => {
            let store = open(&cli.database_url).await?;
            dunning::run(&store, cmd).await?;
        }
        Command::Import(args) => {
            let store = open(&cli.database_url).await?;
            if !import::run(&store, args).await? {
                std::process::exit(1);
            }
        }
        Command::Sepa(cmd) => {
            let store = open(&cli.database_url).await?;
            sepa::run(&store, cmd).await?;
        }
        Command::Export(cmd) => {
            let store = open(&cli.database_url).await?;
            accounting::export(&store, cmd).await?;
        }
        Command::Fec(cmd) => {
            if !accounting::fec(cmd)? {
                std::process::exit(1);
            }
        }
        Command::Migrate => {
            open(&cli.database_url).await?;
            println!("migrations applied");
        }
        Command::Bench(args) => bench::run(args).await?,
    }
    Ok(())
}

/// Connects and migrates.
async fn open(url: &str) -> Result<Store> {
    let store = Store::connect(url).await.with_context(|| format!("cannot open the database {url}"))?;
    store.migrate().await.context("cannot migrate the database")?;
    Ok(store)
}
