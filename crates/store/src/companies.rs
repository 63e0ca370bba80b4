//! Companies (tenants), users, memberships and API tokens.

use crate::{Result, Stamp, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::company::{BankAccount, BankProfile, DocumentLook, LegalTerms, Seller};
use facturier_core::document::DocumentKind;
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::numbering::{Counter, NumberPattern};
use facturier_core::party::Country;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::str::FromStr;
use uuid::Uuid;

/// What a user may do in a company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Sales,
    Accountant,
    ReadOnly,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Sales => "sales",
            Role::Accountant => "accountant",
            Role::ReadOnly => "read_only",
        }
    }

    /// May create and change customers, products and documents.
    pub fn can_write(self) -> bool {
        !matches!(self, Role::ReadOnly)
    }
}

impl FromStr for Role {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Role> {
        Ok(match s {
            "admin" => Role::Admin,
            "sales" => Role::Sales,
            "accountant" => Role::Accountant,
            "read_only" => Role::ReadOnly,
            other => return Err(StoreError::Corrupt(format!("unknown role {other:?}"))),
        })
    }
}

/// A company as stored.
#[derive(Clone, Debug, Serialize)]
pub struct Company {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub currency: Currency,
}

/// Company-wide settings kept in `companies.settings` (JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Settings))]
pub struct CompanySettings {
    /// Let validated delivery notes take a product's stock below zero.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub allow_negative_stock: bool,
    /// The legal identity printed on documents; until it is filled in, documents show the
    /// company's name and country only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Seller, inline))]
    pub identity: Option<Seller>,
    /// Bank accounts; the default one is printed for transfers.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub banks: Vec<BankProfile>,
    /// Late-payment penalties, early-payment discount, VAT on debits.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub legal: LegalTerms,
    /// Layout options and the Factur-X profile.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub documents: DocumentLook,
    /// The company's e-mail templates replacing the built-in ones: by kind of document
    /// (`invoice`…), then language (`fr`, `en`). Checked when saved.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Object))]
    pub email_templates: BTreeMap<String, BTreeMap<String, EmailTemplate>>,
    // ---- online payment (issue 23): kept in `stripe_accounts`, never in this JSON ----
    /// The Stripe account when online payment is set up: which secrets are set (their last
    /// four characters only), the API address and the webhook's path. Never read from the
    /// settings JSON nor written to it.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub stripe: Option<crate::payments::online::StripeStatus>,
    // --- dunning (issue 23) ---
    /// The dunning levels, in order (`reminder_1` on the due date, `reminder_2` 15 days and
    /// `formal_notice` 30 days after it until changed).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub dunning: facturier_core::dunning::Policy,
    // --- end dunning ---
    // SEPA direct debit (issue 23).
    /// SEPA direct debit: the company's creditor identifier (ICS), checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub sepa: Option<SepaSettings>,
    // Accounting hand-off (issue 24).
    /// The chart of accounts and journals the entries and the FEC are written with (the
    /// French PCG defaults until changed).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub accounting: facturier_core::accounting::Chart,
}

/// The company's SEPA direct-debit settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SepaSettings {
    /// The SEPA creditor identifier (ICS in France), e.g. `FR72ZZZ123456`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, examples("FR72ZZZ123456")))]
    pub creditor_id: facturier_core::sepa::CreditorId,
}

/// The subject and body of the e-mail that carries a document, with merge fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailTemplate {
    pub subject: String,
    pub body: String,
}

impl CompanySettings {
    /// The bank account printed on documents.
    pub fn default_bank(&self) -> Option<&BankAccount> {
        self.banks.iter().find(|b| b.default).or(self.banks.first()).map(|b| &b.account)
    }
}

/// How one kind of document is numbered.
#[derive(Clone, Debug)]
pub struct NumberingSettings {
    pub kind: DocumentKind,
    pub pattern: NumberPattern,
    pub yearly_reset: bool,
    /// Documents of this kind issued so far.
    pub issued: u64,
    /// The sequence's latest period and the last value drawn in it (`None`: nothing drawn
    /// yet): with `core::numbering::next_seq`, the number the next document takes.
    pub counter: Option<Counter>,
}

/// The caller behind an API token.
#[derive(Clone, Debug)]
pub struct Principal {
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    /// The company's country, which fixes its calendar date.
    pub country: String,
    /// The company's currency, in which foreign-currency documents show their counter-value.
    pub currency: String,
}

/// A freshly created company with its admin and the admin's token (shown once).
#[derive(Clone, Debug, Serialize)]
pub struct NewCompany {
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub token: String,
}

/// The SHA-256 of a token: only this is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("fct_{}", hex::encode(bytes))
}

#[derive(sqlx::FromRow)]
struct CompanyRow {
    id: Uuid,
    name: String,
    country: String,
    currency: String,
}

impl Store {
    /// Creates a company, its default numbering and seal chains, and its admin user
    /// (reused if the e-mail already exists) with a fresh API token.
    pub async fn create_company(
        &self,
        name: &str,
        country: &Country,
        currency: Currency,
        admin_email: &str,
    ) -> Result<NewCompany> {
        let mut tx = self.begin().await?;
        let company_id = new_id();
        let at = now();
        on_conn!(&mut tx, |c| {
            sqlx::query("INSERT INTO companies (id, name, country, currency, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(company_id)
                .bind(name)
                .bind(country.as_str())
                .bind(currency.code())
                .bind(at)
                .execute(&mut *c)
                .await?;
            for kind in DocumentKind::ALL {
                sqlx::query("INSERT INTO numbering (company_id, kind, pattern, yearly_reset) VALUES ($1, $2, $3, $4)")
                    .bind(company_id)
                    .bind(kind.as_str())
                    .bind(kind.default_pattern().as_str())
                    .bind(true)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("INSERT INTO seal_chains (company_id, kind, head, length) VALUES ($1, $2, $3, 0)")
                    .bind(company_id)
                    .bind(kind.as_str())
                    .bind(facturier_core::seal::GENESIS)
                    .execute(&mut *c)
                    .await?;
            }
        });
        let (user_id, token) = add_user_with_token(&mut tx, company_id, admin_email, Role::Admin).await?;
        tx.commit().await?;
        Ok(NewCompany { company_id, user_id, token })
    }

    /// Adds a user (or finds it by e-mail) to a company with a role, and returns a new token for it.
    pub async fn create_user_token(&self, company_id: Uuid, email: &str, role: Role) -> Result<(Uuid, String)> {
        let mut tx = self.begin().await?;
        let r = add_user_with_token(&mut tx, company_id, email, role).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// The caller a token belongs to, if the token exists (a revoked token is deleted)
    /// and has not expired. The token's `last_used_at` is written at most once a minute.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>> {
        type Row = (Uuid, Uuid, String, String, String, Uuid, Option<Stamp>, Option<Stamp>);
        const SQL: &str = "SELECT t.company_id, t.user_id, m.role, co.country, co.currency, t.id, t.last_used_at, \
             t.expires_at \
             FROM api_tokens t \
             JOIN memberships m ON m.company_id = t.company_id AND m.user_id = t.user_id \
             JOIN companies co ON co.id = t.company_id \
             WHERE t.token_hash = $1";
        let hash = token_hash(token);
        // Every API request comes here: on SQLite, read on this thread (`reader.rs`).
        let row: Option<Row> = match self {
            Store::Sqlite(_, queue) if let Some(readers) = queue.readers() => readers.read(|c| {
                use crate::writer::{opt_instant, query_opt, text, uuid};
                query_opt(c, SQL, &[hash.as_str().into()], |r| {
                    Ok((
                        uuid(r, 0)?,
                        uuid(r, 1)?,
                        text(r, 2)?,
                        text(r, 3)?,
                        text(r, 4)?,
                        uuid(r, 5)?,
                        opt_instant(r, 6)?.map(Stamp::from),
                        opt_instant(r, 7)?.map(Stamp::from),
                    ))
                })
            })?,
            _ => on_pool!(self, |c| sqlx::query_as(SQL).bind(&hash).fetch_optional(c).await?),
        };
        let Some((company_id, user_id, role, country, currency, id, last_used, expires_at)) = row else {
            return Ok(None);
        };
        let at = now();
        if expires_at.is_some_and(|e| e <= at) {
            return Ok(None);
        }
        if last_used.is_none_or(|l| at - l >= time::Duration::minutes(1)) {
            // A write: it waits its turn with the other writers (see `WriterQueue`).
            let mut tx = self.begin().await?;
            on_conn!(&mut tx, |c| {
                sqlx::query("UPDATE api_tokens SET last_used_at = $3 WHERE company_id = $1 AND id = $2")
                    .bind(company_id)
                    .bind(id)
                    .bind(at)
                    .execute(c)
                    .await?;
            });
            tx.commit().await?;
        }
        Ok(Some(Principal { company_id, user_id, role: role.parse()?, country, currency }))
    }

    /// One company.
    pub async fn company(&self, id: Uuid) -> Result<Company> {
        let row: Option<CompanyRow> = on_pool!(self, |c| {
            sqlx::query_as("SELECT id, name, country, currency FROM companies WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        let r = row.ok_or(StoreError::NotFound("company"))?;
        Ok(Company {
            id: r.id,
            name: r.name,
            country: r.country,
            currency: r.currency.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        })
    }

    /// Every company id, oldest first.
    pub async fn company_ids(&self) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> =
            on_pool!(self, |c| sqlx::query_as("SELECT id FROM companies ORDER BY id").fetch_all(c).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Finds a company by exact name (used by `demo` to stay idempotent).
    pub async fn company_by_name(&self, name: &str) -> Result<Option<Uuid>> {
        let row: Option<(Uuid,)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT id FROM companies WHERE name = $1 ORDER BY id LIMIT 1")
                .bind(name)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(|r| r.0))
    }

    /// The company's settings.
    pub async fn settings(&self, company_id: Uuid) -> Result<CompanySettings> {
        let (json,): (String,) = on_pool!(self, |c| {
            sqlx::query_as("SELECT settings FROM companies WHERE id = $1").bind(company_id).fetch_one(c).await?
        });
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("company settings: {e}")))
    }

    /// Replaces the company's settings.
    pub async fn set_settings(&self, company_id: Uuid, settings: &CompanySettings) -> Result<()> {
        let json = serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_pool!(self, |c| {
            sqlx::query("UPDATE companies SET settings = $2 WHERE id = $1")
                .bind(company_id)
                .bind(json)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// The numbering settings of every kind, with the number of documents issued.
    pub async fn numbering(&self, company_id: Uuid) -> Result<Vec<NumberingSettings>> {
        type Row = (String, String, bool, i64, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT n.kind, n.pattern, n.yearly_reset, s.length, q.period, q.last_value FROM numbering n \
                 JOIN seal_chains s ON s.company_id = n.company_id AND s.kind = n.kind \
                 LEFT JOIN number_sequences q ON q.company_id = n.company_id AND q.kind = n.kind \
                 AND q.period = (SELECT MAX(m.period) FROM number_sequences m \
                                 WHERE m.company_id = n.company_id AND m.kind = n.kind) \
                 WHERE n.company_id = $1 ORDER BY n.kind",
            )
            .bind(company_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter()
            .map(|(kind, pattern, yearly_reset, issued, period, last)| {
                let pattern = pattern
                    .parse()
                    .map_err(|e: facturier_core::numbering::PatternError| StoreError::Corrupt(e.to_string()))?;
                Ok(NumberingSettings {
                    kind: kind.parse().map_err(StoreError::Corrupt)?,
                    pattern,
                    yearly_reset,
                    issued: u64::try_from(issued).unwrap_or(0),
                    counter: period
                        .zip(last)
                        .map(|(period, last)| Counter { period, last: u64::try_from(last).unwrap_or(0) }),
                })
            })
            .collect()
    }

    /// Changes the numbering pattern of a kind. Whether the sequence restarts each year
    /// can only change before the first document of the kind is issued: switching later
    /// would restart the sequence and repeat numbers.
    pub async fn set_numbering(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        pattern: &NumberPattern,
        yearly_reset: bool,
    ) -> Result<()> {
        pattern
            .check_reset(yearly_reset)
            .map_err(|e| StoreError::Invalid { field: "pattern".into(), message: e.message() })?;
        let mut tx = self.begin().await?;
        let (current_reset, issued): (bool, i64) = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT n.yearly_reset, s.length FROM numbering n \
                 JOIN seal_chains s ON s.company_id = n.company_id AND s.kind = n.kind \
                 WHERE n.company_id = $1 AND n.kind = $2",
            )
            .bind(company_id)
            .bind(kind.as_str())
            .fetch_one(c)
            .await?
        });
        if current_reset != yearly_reset && issued > 0 {
            return Err(StoreError::Conflict(
                Message::new("documents_kind_already_numbered").with("n", issued).with("kind", kind),
            ));
        }
        on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE numbering SET pattern = $3, yearly_reset = $4 WHERE company_id = $1 AND kind = $2")
                .bind(company_id)
                .bind(kind.as_str())
                .bind(pattern.as_str())
                .bind(yearly_reset)
                .execute(c)
                .await?;
        });
        tx.commit().await
    }
}

async fn add_user_with_token(tx: &mut Tx, company_id: Uuid, email: &str, role: Role) -> Result<(Uuid, String)> {
    let at = now();
    let token = new_token();
    let user_id = on_conn!(tx, |c| {
        let existing: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(&mut *c).await?;
        let user_id = match existing {
            Some((id,)) => id,
            None => {
                let id = new_id();
                let name = email.split('@').next().unwrap_or(email);
                sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(email)
                    .bind(name)
                    .bind(at)
                    .execute(&mut *c)
                    .await?;
                id
            }
        };
        sqlx::query(
            "INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (company_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(company_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *c)
        .await?;
        sqlx::query("INSERT INTO api_tokens (id, company_id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(new_id())
            .bind(company_id)
            .bind(user_id)
            .bind("default")
            .bind(token_hash(&token))
            .bind(at)
            .execute(&mut *c)
            .await?;
        user_id
    });
    Ok((user_id, token))
}

/// A company's logo: its media type (`image/png` or `image/jpeg`) and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Store {
    /// The company's logo, if it has one.
    pub async fn logo(&self, company_id: Uuid) -> Result<Option<Logo>> {
        let row: Option<(String, Vec<u8>)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT content_type, bytes FROM company_logos WHERE company_id = $1")
                .bind(company_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(|(content_type, bytes)| Logo { content_type, bytes }))
    }

    /// Sets or replaces the company's logo. The caller has checked the image.
    pub async fn set_logo(&self, company_id: Uuid, logo: &Logo) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO company_logos (company_id, content_type, bytes, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (company_id) DO UPDATE SET content_type = $2, bytes = $3, updated_at = $4",
            )
            .bind(company_id)
            .bind(&logo.content_type)
            .bind(&logo.bytes)
            .bind(now())
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Removes the company's logo; true if there was one.
    pub async fn delete_logo(&self, company_id: Uuid) -> Result<bool> {
        let done = on_pool!(self, |c| {
            sqlx::query("DELETE FROM company_logos WHERE company_id = $1")
                .bind(company_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}
