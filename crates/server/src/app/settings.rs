//! The company's settings: how each kind of document is numbered, the company-wide
//! options (identity, banks, legal terms, look, e-mail templates) and its logo (a PNG or
//! JPEG that really is one, small enough, drawable). Admins only may change them.

use super::render::DocumentFile;
use crate::App;
use crate::app::customers::AddressInput;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::Check;
use crate::input::{DecRules, DecText};
use crate::openapi::{field, written};
use facturier_core::Decimal;
use facturier_core::company::{
    BankAccount, BankProfile, DocumentLook, LegalTerms, Profile, Seller, VatRegime, parse_colour,
};
use facturier_core::document::{DocumentKind, Operation};
use facturier_core::ids::{Email, Iban, Siren, Siret, VatNumber};
use facturier_core::input::TextKind;
use facturier_core::message::Message;
use facturier_core::money::MAX_MAGNITUDE;
use facturier_core::numbering::NumberPattern;
use facturier_core::party::LegalIds;
use facturier_store::companies::{CompanySettings, EmailTemplate, Logo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The numbering of one kind.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NumberingView {
    #[schema(schema_with = crate::openapi::field::document_kind)]
    pub kind: &'static str,
    #[schema(examples("F{YYYY}-{SEQ:5}"))]
    pub pattern: String,
    /// Whether the sequence restarts at 1 each year.
    pub yearly_reset: bool,
    /// Documents of this kind issued so far.
    pub issued: u64,
    /// The number a document issued today would get as the first of a sequence.
    pub example: String,
}

/// The body of `PUT /numbering/{kind}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberingInput {
    /// Literal text (letters, digits, `-`, `_`, `/`, `.`; at most 40 characters) with `{YYYY}`,
    /// `{YY}`, `{MM}` and exactly one `{SEQ}` or `{SEQ:n}` (zero-padded to n digits, n from 1 to
    /// 12). A yearly reset needs `{YYYY}` or `{YY}`.
    #[schema(required = true, value_type = String, examples("F{YYYY}-{SEQ:5}", "FA-{YY}{MM}-{SEQ:4}"))]
    pub pattern: Option<String>,
    #[schema(default = true)]
    pub yearly_reset: Option<bool>,
}

/// How each kind is numbered, with what a document issued today would be numbered.
pub async fn numberings(app: &App, auth: &Auth) -> Result<Vec<NumberingView>, ApiError> {
    let today = auth.today();
    Ok(app
        .store
        .numbering(auth.company())
        .await?
        .into_iter()
        .map(|n| NumberingView {
            kind: n.kind.as_str(),
            example: n.pattern.format(today, 1),
            pattern: n.pattern.to_string(),
            yearly_reset: n.yearly_reset,
            issued: n.issued,
        })
        .collect())
}

/// Sets how documents of `kind` (as the API names it) are numbered.
pub async fn set_numbering(
    app: &App,
    auth: &Auth,
    kind: &str,
    input: &NumberingInput,
) -> Result<NumberingView, ApiError> {
    auth.require_admin()?;
    let kind: DocumentKind = kind.parse().map_err(|_| ApiError::NotFound("document kind"))?;
    let mut v = Check::default();
    let pattern = match &input.pattern {
        Some(p) => v.parse::<NumberPattern>("pattern", p),
        None => {
            v.error("pattern", Message::new("required_example_f"));
            None
        }
    };
    let yearly_reset = input.yearly_reset.unwrap_or(true);
    if let Some(p) = &pattern
        && let Err(e) = p.check_reset(yearly_reset)
    {
        v.error("pattern", e);
    }
    v.finish()?;
    let Some(pattern) = pattern else { return Err(ApiError::field("pattern", Message::new("required"))) };
    app.store.set_numbering(auth.company(), kind, &pattern, yearly_reset).await?;
    let all = numberings(app, auth).await?;
    all.into_iter().find(|n| n.kind == kind.as_str()).ok_or(ApiError::NotFound("document kind"))
}

/// Absent fields keep their value; each given section replaces the stored one whole.
/// (The body of `PATCH /settings`: the sections are `identity`, `banks`, `legal`,
/// `documents` and `email_templates`.)
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub allow_negative_stock: Option<bool>,
    #[schema(inline)]
    pub identity: Option<IdentityInput>,
    #[schema(inline)]
    pub banks: Option<Vec<BankInput>>,
    #[schema(inline)]
    pub legal: Option<LegalInput>,
    #[schema(inline)]
    pub documents: Option<LookInput>,
    /// Kind → language → template; replaces every stored template.
    #[schema(schema_with = field::email_templates_input)]
    pub email_templates: Option<BTreeMap<String, BTreeMap<String, TemplateInput>>>,
    // ---- online payment (issue 23) ----
    /// The Stripe account: secrets sealed at rest, never shown back.
    #[schema(inline)]
    pub stripe: Option<crate::stripe::StripeInput>,
    // --- dunning (issue 23) ---
    /// The dunning levels, in order; replaces the stored ones.
    #[schema(inline)]
    pub dunning: Option<DunningInput>,
    // --- end dunning ---
    // SEPA direct debit (issue 23).
    #[schema(inline)]
    pub sepa: Option<SepaInput>,
    // Accounting hand-off (issue 24).
    /// The chart of accounts and journals; fields left out take the PCG defaults.
    #[schema(inline)]
    pub accounting: Option<facturier_core::accounting::Chart>,
}

/// The SEPA section of `PATCH /settings`; without `creditor_id` it clears the section.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SepaInput {
    /// The SEPA creditor identifier (ICS), checked (ISO 7064 MOD 97-10).
    #[schema(examples("FR72ZZZ123456"))]
    pub creditor_id: Option<String>,
}

// --- dunning (issue 23) ---
/// The dunning policy of `PATCH /settings`: each section given replaces the stored one,
/// an absent one keeps it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningInput {
    /// In order: each level is taken after the one before it. At most 10.
    #[schema(value_type = Option<Vec<DunningLevelInput>>, max_items = 10)]
    pub levels: Option<Vec<DunningLevelInput>>,
    /// The late fee billed when a level is taken, by level code: `{"formal_notice":
    /// {"fixed": "15.00", "indemnity": true, "penalties": true}}`.
    #[schema(value_type = Option<Object>)]
    pub late_fees: Option<BTreeMap<String, LateFeeInput>>,
    /// `{"days_before": 5}`: a friendly reminder 5 days before the due date; `null` turns it off.
    #[serde(default, deserialize_with = "some_or_null")]
    #[schema(value_type = Option<FriendlyReminderInput>)]
    pub friendly_reminder: Option<Option<FriendlyReminderInput>>,
    /// The follow-ups of sent quotes, in order: `[{"code": "quote_follow_up_1", "days": 15}]`.
    #[schema(value_type = Option<Vec<QuoteFollowUpInput>>)]
    pub quote_follow_ups: Option<Vec<QuoteFollowUpInput>>,
    /// Step (level code, `friendly_reminder` or quote follow-up code) → language (`fr`,
    /// `en`) → customer type (`individual`, `key_account`) → `{subject, body}` with merge
    /// fields: {customer_name}, {company_name}, {invoice_list}, {invoice_numbers},
    /// {total_due}, {days_late}, {due_date}, {penalties}, {indemnity}, {late_charges},
    /// {payment_link}, {quote_list}. Replaces every stored template.
    #[schema(value_type = Option<Object>)]
    pub templates: Option<DunningTemplatesInput>,
}

/// One dunning level of `PATCH /settings`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningLevelInput {
    /// snake_case, unique: `reminder_1`, `formal_notice`…
    #[schema(required = true, value_type = String, max_length = 40, examples("reminder_1"))]
    pub code: Option<String>,
    /// Days after `from`, 0 to 365.
    #[schema(required = true, value_type = i64, minimum = 0, maximum = 365)]
    pub days: Option<i64>,
    /// `due_date` (default) or `previous_level` (the day the level before was taken).
    #[schema(value_type = Option<String>, examples("due_date", "previous_level"))]
    pub from: Option<String>,
    /// `email` (default), `letter` or `both`.
    #[schema(value_type = Option<String>, examples("email", "letter", "both"))]
    pub channel: Option<String>,
}

/// A late fee: positive, in cents at most.
const FEE: DecRules = DecRules::new(2).positive().at_most(MAX_MAGNITUDE);

/// Step → language → customer type → text, as `PATCH /settings` takes it.
pub type DunningTemplatesInput = BTreeMap<String, BTreeMap<String, BTreeMap<String, TemplateInput>>>;

/// Absent stays `None`; `null` becomes `Some(None)`.
fn some_or_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A level's late fee in `PATCH /settings`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LateFeeInput {
    /// A fixed amount, in the invoice's currency.
    #[schema(value_type = Option<written::DecimalText>)]
    pub fixed: Option<DecText>,
    /// The 40 € recovery indemnity of article L441-10 (business customers, in euros).
    pub indemnity: Option<bool>,
    /// The late-payment penalties at the company's rate (`legal.late_penalty_rate`).
    pub penalties: Option<bool>,
}

/// The friendly reminder in `PATCH /settings`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FriendlyReminderInput {
    /// 1 to 60 days before the due date.
    #[schema(required = true, value_type = i64, minimum = 1, maximum = 60)]
    pub days_before: Option<i64>,
}

/// A quote follow-up in `PATCH /settings`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteFollowUpInput {
    #[schema(required = true, value_type = String, max_length = 40, examples("quote_follow_up_1"))]
    pub code: Option<String>,
    /// 1 to 365 days after the quote was sent (or after the previous follow-up).
    #[schema(required = true, value_type = i64, minimum = 1, maximum = 365)]
    pub days: Option<i64>,
}

fn dunning_policy(
    v: &mut Check,
    input: &DunningInput,
    stored: &facturier_core::dunning::Policy,
) -> Option<facturier_core::dunning::Policy> {
    use facturier_core::dunning::{
        Channel, CountFrom, FriendlyReminder, LateFee, Level, MAX_CODE, Policy, QuoteFollowUp, TemplateText,
    };
    let mut policy = stored.clone();
    if let Some(levels_in) = &input.levels {
        let mut levels = Vec::new();
        for (n, l) in levels_in.iter().enumerate() {
            let f = |x: &str| format!("dunning.levels[{n}].{x}");
            let code = v.text(&f("code"), &l.code, MAX_CODE).filter(|c| match facturier_core::dunning::check_code(c) {
                Ok(()) => true,
                Err(m) => {
                    v.error(f("code"), m);
                    false
                }
            });
            let days = match l.days {
                Some(d) if (0..=i64::from(facturier_core::dunning::MAX_DAYS)).contains(&d) => u16::try_from(d).ok(),
                Some(_) => {
                    v.error(
                        f("days"),
                        Message::new("dunning_days_range").with("max", facturier_core::dunning::MAX_DAYS),
                    );
                    None
                }
                None => {
                    v.error(f("days"), Message::new("required"));
                    None
                }
            };
            let from = match &l.from {
                Some(s) => v.parse::<CountFrom>(&f("from"), s),
                None => Some(CountFrom::DueDate),
            };
            let channel = match &l.channel {
                Some(s) => v.parse::<Channel>(&f("channel"), s),
                None => Some(Channel::Email),
            };
            if let (Some(code), Some(days), Some(from), Some(channel)) = (code, days, from, channel) {
                levels.push(Level { code, days, from, channel });
            }
        }
        if !v.is_clean() {
            return None;
        }
        match Policy::new(levels) {
            Ok(p) => policy.levels = p.levels,
            Err(problems) => {
                for (field, m) in problems {
                    v.error(format!("dunning.{field}"), m);
                }
                return None;
            }
        }
    }
    if let Some(fees) = &input.late_fees {
        policy.late_fees = BTreeMap::new();
        for (code, f) in fees {
            let fixed = f.fixed.as_ref().and_then(|d| v.decimal(&format!("dunning.late_fees.{code}.fixed"), d, FEE));
            // Written with its cents, as an amount is on a document.
            let fixed = fixed.map(|mut d| {
                d.rescale(2);
                d
            });
            let fee =
                LateFee { fixed, indemnity: f.indemnity.unwrap_or(false), penalties: f.penalties.unwrap_or(false) };
            if !fee.is_empty() {
                policy.late_fees.insert(code.clone(), fee);
            }
        }
    }
    if let Some(friendly) = &input.friendly_reminder {
        policy.friendly_reminder = match friendly {
            None => None,
            Some(FriendlyReminderInput { days_before: None }) => {
                v.error("dunning.friendly_reminder.days_before", Message::new("required"));
                None
            }
            Some(FriendlyReminderInput { days_before: Some(d) }) => match u16::try_from(*d) {
                Ok(days_before) => Some(FriendlyReminder { days_before }),
                Err(_) => {
                    v.error(
                        "dunning.friendly_reminder.days_before",
                        Message::new("dunning_days_before_range").with("max", facturier_core::dunning::MAX_DAYS_BEFORE),
                    );
                    None
                }
            },
        };
    }
    if let Some(quotes) = &input.quote_follow_ups {
        policy.quote_follow_ups = Vec::new();
        for (n, q) in quotes.iter().enumerate() {
            let f = |x: &str| format!("dunning.quote_follow_ups[{n}].{x}");
            let code = v.text(&f("code"), &q.code, MAX_CODE);
            let days = match q.days {
                Some(d) => u16::try_from(d).ok().or_else(|| {
                    v.error(
                        f("days"),
                        Message::new("dunning_days_range_1").with("max", facturier_core::dunning::MAX_DAYS),
                    );
                    None
                }),
                None => {
                    v.error(f("days"), Message::new("required"));
                    None
                }
            };
            if let (Some(code), Some(days)) = (code, days) {
                policy.quote_follow_ups.push(QuoteFollowUp { code, days });
            }
        }
    }
    if let Some(templates) = &input.templates {
        use crate::app::email::{MAX_MESSAGE, MAX_SUBJECT};
        policy.templates = BTreeMap::new();
        for (step, langs) in templates {
            for (lang, audiences) in langs {
                for (audience, t) in audiences {
                    let at = format!("dunning.templates.{step}.{lang}.{audience}");
                    let subject = v.text(&format!("{at}.subject"), &t.subject, MAX_SUBJECT);
                    let body = v.lines(&format!("{at}.body"), &t.body, MAX_MESSAGE);
                    let subject_ok = subject
                        .as_ref()
                        .and_then(|s| merge_template(v, &format!("{at}.subject"), s, MAX_SUBJECT, TextKind::Line));
                    let body_ok = body
                        .as_ref()
                        .and_then(|b| merge_template(v, &format!("{at}.body"), b, MAX_MESSAGE, TextKind::Lines));
                    if let (Some(subject), Some(body), Some(()), Some(())) = (subject, body, subject_ok, body_ok) {
                        policy
                            .templates
                            .entry(step.clone())
                            .or_default()
                            .entry(lang.clone())
                            .or_default()
                            .insert(audience.clone(), TemplateText { subject, body });
                    }
                }
            }
        }
    }
    for (field, m) in policy.check_extras() {
        v.error(format!("dunning.{field}"), m);
    }
    v.is_clean().then_some(policy)
}

/// A reminder's text with its merge fields checked (an unknown field is named).
fn merge_template(v: &mut Check, field: &str, text: &str, max: usize, kind: TextKind) -> Option<()> {
    if text.chars().count() > max {
        v.error(field, Message::new("at_most_characters").with("max", max));
        return None;
    }
    if !v.rule(field, text, kind) {
        return None;
    }
    v.parse::<facturier_formats::dunning::MergeTemplate>(field, text).map(drop)
}
// --- end dunning ---

/// An e-mail template of `PATCH /settings`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub subject: Option<String>,
    pub body: Option<String>,
}

fn email_templates(
    v: &mut Check,
    input: &BTreeMap<String, BTreeMap<String, TemplateInput>>,
) -> BTreeMap<String, BTreeMap<String, EmailTemplate>> {
    use crate::app::email::{MAX_MESSAGE, MAX_SUBJECT, template};
    let mut out = BTreeMap::new();
    for (kind, by_lang) in input {
        if kind.parse::<DocumentKind>().is_err() {
            v.error(
                format!("email_templates.{kind}"),
                Message::new("kind_document_quote_order").with("v", format!("{kind:?}")),
            );
            continue;
        }
        let mut langs = BTreeMap::new();
        for (lang, t) in by_lang {
            let at = format!("email_templates.{kind}.{lang}");
            if lang != "fr" && lang != "en" {
                v.error(at, Message::new("not_a_language_2").with("v", format!("{lang:?}")));
                continue;
            }
            let subject = v.text(&format!("{at}.subject"), &t.subject, MAX_SUBJECT);
            let body = v.lines(&format!("{at}.body"), &t.body, MAX_MESSAGE);
            let subject_ok =
                subject.as_ref().and_then(|s| template(v, &format!("{at}.subject"), s, MAX_SUBJECT, TextKind::Line));
            let body_ok =
                body.as_ref().and_then(|b| template(v, &format!("{at}.body"), b, MAX_MESSAGE, TextKind::Lines));
            if let (Some(subject), Some(body), Some(_), Some(_)) = (subject, body, subject_ok, body_ok) {
                langs.insert(lang.clone(), EmailTemplate { subject, body });
            }
        }
        out.insert(kind.clone(), langs);
    }
    out
}

/// The company's legal identity as printed on its documents.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityInput {
    /// Legal name (raison sociale).
    #[schema(required = true, value_type = String)]
    pub name: Option<String>,
    pub trading_name: Option<String>,
    /// SAS, SARL, EI…
    pub legal_form: Option<String>,
    #[schema(value_type = Option<written::DecimalText>)]
    pub share_capital: Option<DecText>,
    /// City of the RCS registry.
    pub rcs_city: Option<String>,
    pub siren: Option<String>,
    pub siret: Option<String>,
    pub vat_number: Option<String>,
    #[schema(required = true, value_type = AddressInput)]
    pub address: Option<AddressInput>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankInput {
    #[schema(required = false, value_type = String)]
    pub label: Option<String>,
    #[schema(required = true, value_type = String)]
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub holder: Option<String>,
    /// The account printed on documents.
    #[schema(required = false, value_type = bool)]
    pub default: Option<bool>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalInput {
    /// Yearly late-payment penalty rate in percent; null prints the legal default (ECB rate
    /// + 10 points).
    #[schema(value_type = Option<written::DecimalText>)]
    pub late_penalty_rate: Option<DecText>,
    /// Early-payment discount terms; null prints "no discount for early payment".
    pub early_payment_discount: Option<String>,
    /// The company opted to pay VAT on debits (printed on invoices).
    #[schema(required = false, value_type = bool)]
    pub vat_on_debits: Option<bool>,
    /// `registered` (the default: the company charges VAT) or `franchise` (franchise en
    /// base, art. 293 B of the CGI: no VAT charged).
    #[schema(schema_with = field::vat_regime)]
    pub vat_regime: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookInput {
    /// Accent colour of documents, #rrggbb.
    pub accent: Option<String>,
    #[schema(required = false, value_type = bool)]
    pub show_reference: Option<bool>,
    #[schema(required = false, value_type = bool)]
    pub show_discount: Option<bool>,
    #[schema(required = false, value_type = bool)]
    pub totals_on_every_page: Option<bool>,
    /// Terms and conditions printed on documents that have none of their own.
    pub default_terms: Option<String>,
    #[schema(schema_with = field::facturx_profile)]
    pub facturx_profile: Option<String>,
    /// Payment terms of documents whose customer has none of its own; null: 30 days.
    #[schema(value_type = Option<written::PaymentTermsInput>)]
    pub default_payment_terms: Option<DecText>,
    /// VAT rates in percent offered by the document editors.
    #[schema(required = false, value_type = Vec<written::DecimalText>, max_items = 10)]
    pub vat_rates: Option<Vec<DecText>>,
    /// The company's own VAT exemption mentions, copied into each new document.
    #[schema(required = false, value_type = Vec<crate::app::documents::ExemptionInput>, max_items = 7)]
    pub vat_exemptions: Option<Vec<crate::app::documents::ExemptionInput>>,
    /// `services` (the default) or `goods`: what a line typed by hand supplies.
    #[schema(schema_with = field::main_activity)]
    pub main_activity: Option<String>,
}

fn identity(v: &mut Check, i: &IdentityInput) -> Option<Seller> {
    let name = v.text("identity.name", &i.name, 200);
    let siren = v.opt_parse::<Siren>("identity.siren", &i.siren);
    let siret = v.opt_parse::<Siret>("identity.siret", &i.siret);
    let vat_number = v.opt_parse::<VatNumber>("identity.vat_number", &i.vat_number);
    let legal = match (LegalIds { siren, siret, vat_number }).reconciled() {
        Ok(l) => l,
        Err(e) => {
            v.error(format!("identity.{}", e.0.trim_start_matches("legal.")), e.1);
            LegalIds::default()
        }
    };
    let address = match &i.address {
        Some(a) => crate::app::customers::address(v, "identity.address", a),
        None => {
            v.error("identity.address", Message::new("required_printed_document"));
            None
        }
    };
    let share_capital = i
        .share_capital
        .as_ref()
        .and_then(|c| v.decimal("identity.share_capital", c, DecRules::new(2).non_negative().at_most(MAX_MAGNITUDE)));
    let email = v.opt_parse::<Email>("identity.email", &i.email).map(|e| e.as_str().to_string());
    Some(Seller {
        name: name?,
        trading_name: v.opt_text("identity.trading_name", &i.trading_name, 200),
        legal_form: v.opt_text("identity.legal_form", &i.legal_form, 50),
        share_capital,
        rcs_city: v.opt_text("identity.rcs_city", &i.rcs_city, 100),
        siren: legal.siren,
        siret: legal.siret,
        vat_number: legal.vat_number,
        address: address?,
        email,
        phone: v.opt_text("identity.phone", &i.phone, 50),
        website: v.opt_text("identity.website", &i.website, 200),
    })
}

fn banks(v: &mut Check, banks: &[BankInput]) -> Vec<BankProfile> {
    let mut out = Vec::new();
    for (n, b) in banks.iter().enumerate() {
        let f = |name: &str| format!("banks[{n}].{name}");
        let label = v.opt_text(&f("label"), &b.label, 100).unwrap_or_else(|| "Compte principal".into());
        let iban = match &b.iban {
            Some(i) => v.parse::<Iban>(&f("iban"), i),
            None => {
                v.error(f("iban"), Message::new("required"));
                None
            }
        };
        let bic = v.opt_text(&f("bic"), &b.bic, 11).map(|s| s.to_ascii_uppercase());
        if let Some(bic) = &bic
            && !((bic.len() == 8 || bic.len() == 11) && bic.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            v.error(f("bic"), Message::new("bic_8_11_letters"));
        }
        let holder = v.opt_text(&f("holder"), &b.holder, 200);
        if let Some(iban) = iban {
            out.push(BankProfile {
                account: BankAccount { label, iban, bic, holder },
                default: b.default.unwrap_or(false),
            });
        }
    }
    if out.iter().filter(|b| b.default).count() > 1 {
        v.error("banks", Message::new("only_bank_account_can"));
    }
    out
}

fn legal(v: &mut Check, l: &LegalInput) -> LegalTerms {
    let late_penalty_rate = l.late_penalty_rate.as_ref().and_then(|r| {
        v.decimal("legal.late_penalty_rate", r, DecRules::new(4).non_negative().at_most(Decimal::from(100)))
    });
    let vat_regime = match l.vat_regime.as_deref() {
        None => VatRegime::default(),
        Some(r) => v.parse::<VatRegime>("legal.vat_regime", r).unwrap_or_default(),
    };
    LegalTerms {
        late_penalty_rate,
        early_payment_discount: v.opt_text("legal.early_payment_discount", &l.early_payment_discount, 500),
        vat_on_debits: l.vat_on_debits.unwrap_or(false),
        vat_regime,
    }
}

fn look(v: &mut Check, d: &LookInput) -> DocumentLook {
    let accent = v.opt_text("documents.accent", &d.accent, 7);
    if let Some(a) = &accent
        && parse_colour(a).is_none()
    {
        v.error("documents.accent", Message::new("colour_written_rrggbb_example"));
    }
    let facturx_profile = match d.facturx_profile.as_deref() {
        None | Some("en16931") => Profile::En16931,
        Some("basic_wl") => Profile::BasicWl,
        Some("minimum") => Profile::Minimum,
        Some(other) => {
            v.error(
                "documents.facturx_profile",
                Message::new("profile_en16931_basic_wl").with("v", format!("{other:?}")),
            );
            Profile::En16931
        }
    };
    let default_payment_terms = v.opt_parse::<facturier_core::terms::PaymentTerms>(
        "documents.default_payment_terms",
        &d.default_payment_terms.as_ref().map(|t| t.0.clone()),
    );
    let mut vat_rates = Vec::new();
    for (n, r) in d.vat_rates.iter().flatten().enumerate() {
        if n >= 10 {
            v.error("documents.vat_rates", Message::new("most_10_rates_offered"));
            break;
        }
        let field = format!("documents.vat_rates[{n}]");
        if let Some(rate) = v.decimal(&field, r, DecRules::new(2).non_negative().at_most(Decimal::from(100))) {
            if vat_rates.contains(&rate) {
                v.error(field, Message::new("listed_twice").with("rate", rate));
            } else {
                vat_rates.push(rate);
            }
        }
    }
    let vat_exemptions = crate::app::documents::parse_exemptions(
        v,
        "documents.vat_exemptions",
        d.vat_exemptions.as_deref().unwrap_or_default(),
    );
    let main_activity = match d.main_activity.as_deref() {
        None | Some("services") => Operation::Services,
        Some("goods") => Operation::Goods,
        Some(other) => {
            v.error(
                "documents.main_activity",
                Message::new("activity_goods_services_line").with("v", format!("{other:?}")),
            );
            Operation::Services
        }
    };
    DocumentLook {
        main_activity,
        vat_exemptions,
        default_payment_terms,
        vat_rates,
        accent,
        show_reference: d.show_reference.unwrap_or(false),
        show_discount: d.show_discount.unwrap_or(false),
        totals_on_every_page: d.totals_on_every_page.unwrap_or(false),
        default_terms: v.opt_lines("documents.default_terms", &d.default_terms, 20_000),
        facturx_profile,
    }
}

/// Changes the company's settings: each section given replaces the stored one whole.
pub async fn update_settings(app: &App, auth: &Auth, input: &SettingsInput) -> Result<CompanySettings, ApiError> {
    auth.require_admin()?;
    let mut s = app.store.settings(auth.company()).await?;
    let mut v = Check::default();
    if let Some(x) = input.allow_negative_stock {
        s.allow_negative_stock = x;
    }
    if let Some(i) = &input.identity {
        s.identity = identity(&mut v, i);
    }
    if let Some(b) = &input.banks {
        s.banks = banks(&mut v, b);
    }
    if let Some(l) = &input.legal {
        s.legal = legal(&mut v, l);
    }
    if let Some(d) = &input.documents {
        s.documents = look(&mut v, d);
    }
    if let Some(t) = &input.email_templates {
        s.email_templates = email_templates(&mut v, t);
    }
    // ---- online payment (issue 23) ----
    let stripe = match &input.stripe {
        Some(st) => crate::stripe::plan_settings(app, auth.company(), &mut v, st).await?,
        None => None,
    };
    // --- dunning (issue 23) ---
    if let Some(d) = &input.dunning
        && let Some(p) = dunning_policy(&mut v, d, &s.dunning)
    {
        s.dunning = p;
    }
    // --- end dunning ---
    // SEPA direct debit (issue 23).
    if let Some(sepa) = &input.sepa {
        s.sepa = match &sepa.creditor_id {
            Some(id) => v
                .parse::<facturier_core::sepa::CreditorId>("sepa.creditor_id", id)
                .map(|creditor_id| facturier_store::companies::SepaSettings { creditor_id }),
            None => None,
        };
    }
    // Accounting hand-off (issue 24).
    if let Some(chart) = &input.accounting {
        let csv = chart.csv.check();
        for e in &csv {
            v.error(format!("accounting.csv.{}", e.field), e.message.clone());
        }
        match chart.check() {
            Ok(()) if csv.is_empty() => s.accounting = chart.clone(),
            Ok(()) => {}
            Err(e) => v.error("accounting", e.message()),
        }
    }
    // The invoice mention (legal.vat_on_debits) and the entries (VAT on collection)
    // answer the same question: they must not contradict each other.
    if (input.legal.is_some() || input.accounting.is_some())
        && s.legal.vat_on_debits
        && s.accounting.vat_on_collection_for_services
    {
        let field = if input.accounting.is_some() {
            "accounting.vat_on_collection_for_services"
        } else {
            "legal.vat_on_debits"
        };
        v.error(field, Message::new("accounting_collection_and_debits"));
    }
    v.finish()?;
    app.store.set_settings(auth.company(), &s).await?;
    if let Some(plan) = stripe {
        crate::stripe::save_settings(app, auth.company(), plan).await?;
    }
    s.stripe = crate::stripe::status(app, auth.company()).await?;
    Ok(s)
}

/// The largest logo accepted, in bytes.
pub const MAX_LOGO: usize = 1024 * 1024;

/// A logo just saved.
pub struct SavedLogo {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub size: usize,
}

/// Saves the company's logo; `declared` is the media type the client gave.
pub async fn set_logo(app: &App, auth: &Auth, declared: &str, body: &[u8]) -> Result<SavedLogo, ApiError> {
    auth.require_admin()?;
    let content_type = match declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "image/png" => "image/png",
        "image/jpeg" | "image/jpg" => "image/jpeg",
        _ => {
            return Err(ApiError::UnsupportedMediaType {
                expected: "png_or_jpeg_image",
                got: if declared.is_empty() { "no Content-Type".into() } else { declared.to_string() },
            });
        }
    };
    if body.is_empty() {
        return Err(ApiError::field("body", Message::new("empty_send_image_itself")));
    }
    if body.len() > MAX_LOGO {
        return Err(ApiError::field(
            "body",
            Message::new("logo_takes_bytes_most").with("n", body.len()).with("max", MAX_LOGO),
        ));
    }
    let sniffed = facturier_formats::pdf::logo_media_type(body).unwrap_or("neither a PNG nor a JPEG image");
    if sniffed != content_type {
        return Err(ApiError::field(
            "body",
            Message::new("content_type_says").with("sniffed", sniffed).with("declared", content_type),
        ));
    }
    let bytes = body.to_vec();
    // Decoding and a trial render take a few milliseconds of CPU.
    let checked = tokio::task::spawn_blocking(move || facturier_formats::pdf::check_logo(&bytes).map(|s| (s, bytes)))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let ((width, height), bytes) = checked.map_err(|e| ApiError::field("body", e.message()))?;
    let size = bytes.len();
    app.store.set_logo(auth.company(), &Logo { content_type: content_type.into(), bytes }).await?;
    Ok(SavedLogo { content_type, width, height, size })
}

/// The company's logo as a file.
pub async fn logo(app: &App, auth: &Auth) -> Result<DocumentFile, ApiError> {
    let logo = app.store.logo(auth.company()).await?.ok_or(ApiError::NotFound("logo"))?;
    let content_type = if logo.content_type == "image/png" { "image/png" } else { "image/jpeg" };
    let name = if content_type == "image/png" { "logo.png" } else { "logo.jpg" };
    Ok(DocumentFile { bytes: logo.bytes, content_type, name: name.into() })
}

/// Removes the logo: documents go back to the company's name in their header.
pub async fn delete_logo(app: &App, auth: &Auth) -> Result<(), ApiError> {
    auth.require_admin()?;
    if app.store.delete_logo(auth.company()).await? { Ok(()) } else { Err(ApiError::NotFound("logo")) }
}
