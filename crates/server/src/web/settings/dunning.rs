//! The dunning policy page: the levels (code, days, counted from the due date or the
//! previous level, channel) with the late fee of each, the friendly reminder before the
//! due date and the quote follow-ups, in one form; then the texts per step, language and
//! customer type, with the list of merge fields and a preview rendered from a sample.
//! Both forms save through `PATCH /settings {"dunning": …}` (`app::settings`), so each
//! refusal names its input.

use crate::App;
use crate::app::settings::{
    DunningInput, DunningLevelInput, FriendlyReminderInput, LateFeeInput, QuoteFollowUpInput, SettingsInput,
    TemplateInput,
};
use crate::input::DecText;
use crate::web::i18n::Labels;
use crate::web::session::{CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::company::Seller;
use facturier_core::dunning::{FRIENDLY, Policy};
use facturier_core::party::Language;
use facturier_formats::dunning::{Field, MergeTemplate, QuoteFollowUpMail, QuoteLine, Reminder, ReminderLine, Tone};
use serde::Deserialize;
use std::collections::BTreeMap;

use super::identity::{empty_settings, patch, stored};
use super::{Page, SField, admin, field, select};

pub const LABELS: Labels = &[
    ("settings.dunning", "Relances", "Dunning"),
    ("settings.dunning_level", "Niveau", "Level"),
    (
        "settings.dunning_level_new",
        "Nouveau niveau (laisser vide pour ne pas en ajouter)",
        "New level (leave empty to add none)",
    ),
    ("settings.dunning_code", "Code (minuscules, ex. relance_1)", "Code (lowercase, e.g. reminder_1)"),
    ("settings.dunning_days", "Jours", "Days"),
    ("settings.dunning_from", "Comptés depuis", "Counted from"),
    ("settings.dunning_from.due_date", "l'échéance", "the due date"),
    ("settings.dunning_from.previous_level", "le niveau précédent", "the previous level"),
    ("settings.dunning_channel", "Canal", "Channel"),
    ("settings.dunning_channel.email", "E-mail", "E-mail"),
    ("settings.dunning_channel.letter", "Courrier", "Letter"),
    ("settings.dunning_channel.both", "E-mail et courrier", "E-mail and letter"),
    (
        "settings.dunning_fee_fixed",
        "Frais de relance facturés (montant fixe, vide : aucun)",
        "Dunning fee invoiced (fixed amount, empty: none)",
    ),
    (
        "settings.dunning_fee_indemnity",
        "Facturer l'indemnité forfaitaire de 40 € (clients professionnels, art. L441-10 C. com.)",
        "Invoice the 40 € recovery indemnity (business customers, art. L441-10 C. com.)",
    ),
    ("settings.dunning_fee_penalties", "Facturer les pénalités de retard", "Invoice the late-payment penalties"),
    ("settings.dunning_remove", "Supprimer ce niveau", "Remove this level"),
    (
        "settings.dunning_friendly",
        "Rappel amical : jours avant l'échéance (vide : pas de rappel)",
        "Friendly reminder: days before the due date (empty: none)",
    ),
    ("settings.dunning_quotes", "Relances de devis", "Quote follow-ups"),
    ("settings.dunning_quote", "Relance de devis", "Quote follow-up"),
    (
        "settings.dunning_quote_new",
        "Nouvelle relance de devis (laisser vide pour ne pas en ajouter)",
        "New quote follow-up (leave empty to add none)",
    ),
    (
        "settings.dunning_quote_days",
        "Jours après l'envoi (ou la relance précédente)",
        "Days after sending (or the previous follow-up)",
    ),
    ("settings.dunning_texts", "Textes des relances", "Reminder texts"),
    ("settings.dunning_step", "Étape", "Step"),
    ("settings.dunning_audience", "Type de client", "Customer type"),
    ("settings.dunning_audience.individual", "Client unitaire", "Individual customer"),
    ("settings.dunning_audience.key_account", "Grand compte", "Key account"),
    ("settings.dunning_friendly_step", "Rappel amical", "Friendly reminder"),
    ("settings.dunning_preview", "Aperçu", "Preview"),
    (
        "settings.dunning_preview_note",
        "Aperçu sur un exemple (deux factures fictives).",
        "Preview on a sample (two made-up invoices).",
    ),
];

// The inputs are named by the API's field paths (built here so that no literal reads as a label key).
const LEVELS: &str = concat!("dunning", ".levels");
const QUOTES: &str = concat!("dunning", ".quote_follow_ups");
const FRIENDLY_DAYS: &str = concat!("dunning", ".friendly_reminder", ".days_before");

const FROM: &[(&str, &str)] =
    &[("due_date", "settings.dunning_from.due_date"), ("previous_level", "settings.dunning_from.previous_level")];
const CHANNELS: &[(&str, &str)] = &[
    ("email", "settings.dunning_channel.email"),
    ("letter", "settings.dunning_channel.letter"),
    ("both", "settings.dunning_channel.both"),
];
const AUDIENCES: &[(&str, &str)] =
    &[("individual", "settings.dunning_audience.individual"), ("key_account", "settings.dunning_audience.key_account")];

/// One fieldset of the policy form.
pub struct Row {
    pub id: String,
    pub legend: String,
    pub fields: Vec<SField>,
}

/// The stored policy as the form's values.
fn values_of(p: &Policy) -> FormData {
    let mut v: Vec<(String, String)> = Vec::new();
    for (i, l) in p.levels.iter().enumerate() {
        let f = |x: &str| format!("dunning.levels[{i}].{x}");
        v.push((f("code"), l.code.clone()));
        v.push((f("days"), l.days.to_string()));
        v.push((f("from"), l.from.as_str().into()));
        v.push((f("channel"), l.channel.as_str().into()));
        if let Some(fee) = p.late_fees.get(&l.code) {
            v.push((f("fee_fixed"), fee.fixed.map(|d| d.to_string()).unwrap_or_default()));
            if fee.indemnity {
                v.push((f("fee_indemnity"), "on".into()));
            }
            if fee.penalties {
                v.push((f("fee_penalties"), "on".into()));
            }
        }
    }
    if let Some(f) = p.friendly_reminder {
        v.push((FRIENDLY_DAYS.into(), f.days_before.to_string()));
    }
    for (i, q) in p.quote_follow_ups.iter().enumerate() {
        v.push((format!("dunning.quote_follow_ups[{i}].code"), q.code.clone()));
        v.push((format!("dunning.quote_follow_ups[{i}].days"), q.days.to_string()));
    }
    FormData(v)
}

fn level_rows(values: &FormData, n: usize, lang: Language) -> Vec<Row> {
    let t = |k| crate::web::i18n::t(lang, k);
    (0..=n)
        .map(|i| {
            let f = |x: &str| format!("dunning.levels[{i}].{x}");
            let mut fields = vec![
                field(&f("code"), "settings.dunning_code", "text", false, values),
                field(&f("days"), "settings.dunning_days", "number", false, values),
                select(&f("from"), "settings.dunning_from", FROM, values),
                select(&f("channel"), "settings.dunning_channel", CHANNELS, values),
                field(&f("fee_fixed"), "settings.dunning_fee_fixed", "text", false, values),
                field(&f("fee_indemnity"), "settings.dunning_fee_indemnity", "checkbox", false, values),
                field(&f("fee_penalties"), "settings.dunning_fee_penalties", "checkbox", false, values),
            ];
            let legend = if i == n {
                t("settings.dunning_level_new").to_string()
            } else {
                fields.push(field(&f("remove"), "settings.dunning_remove", "checkbox", false, values));
                format!("{} {}", t("settings.dunning_level"), i + 1)
            };
            Row { id: format!("level-{i}"), legend, fields }
        })
        .collect()
}

fn quote_rows(values: &FormData, n: usize, lang: Language) -> Vec<Row> {
    let t = |k| crate::web::i18n::t(lang, k);
    (0..=n)
        .map(|i| {
            let f = |x: &str| format!("dunning.quote_follow_ups[{i}].{x}");
            let legend = if i == n {
                t("settings.dunning_quote_new").to_string()
            } else {
                format!("{} {}", t("settings.dunning_quote"), i + 1)
            };
            Row {
                id: format!("quote-{i}"),
                legend,
                fields: vec![
                    field(&f("code"), "settings.dunning_code", "text", false, values),
                    field(&f("days"), "settings.dunning_quote_days", "number", false, values),
                ],
            }
        })
        .collect()
}

/// How many rows the form holds of `prefix` (`dunning.levels`): the highest index sent, plus one.
fn rows_in(form: &FormData, prefix: &str) -> usize {
    form.0
        .iter()
        .filter_map(|(k, _)| k.strip_prefix(prefix)?.strip_prefix('[')?.split_once(']')?.0.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

#[derive(Deserialize)]
pub struct TextQuery {
    step: Option<String>,
    lang: Option<String>,
    audience: Option<String>,
}

/// The step, language and customer type chosen (a step of the policy, `fr`, `individual` by default).
fn chosen(p: &Policy, step: Option<&str>, lang: Option<&str>, audience: Option<&str>) -> (String, String, String) {
    let step = step
        .filter(|s| p.has_step(s))
        .map(String::from)
        .unwrap_or_else(|| p.levels.first().map(|l| l.code.clone()).unwrap_or_else(|| FRIENDLY.to_string()));
    let lang = if lang == Some("en") { "en" } else { "fr" };
    let audience = if audience == Some("key_account") { "key_account" } else { "individual" };
    (step, lang.to_string(), audience.to_string())
}

/// Every step a text may be written for: the levels, the friendly reminder, the quote follow-ups.
fn steps(p: &Policy, lang: Language) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = p.levels.iter().map(|l| (l.code.clone(), l.code.clone())).collect();
    out.push((FRIENDLY.to_string(), crate::web::i18n::t(lang, "settings.dunning_friendly_step").to_string()));
    out.extend(p.quote_follow_ups.iter().map(|q| (q.code.clone(), q.code.clone())));
    out
}

/// The sample a preview renders: two invoices of a made-up customer, written by the company.
fn preview(p: &Policy, seller: Seller, step: &str, lang: &str, subject: &str, body: &str) -> Option<(String, String)> {
    let language = if lang == "en" { Language::En } else { Language::Fr };
    let custom = Some((subject.parse::<MergeTemplate>().ok()?, body.parse::<MergeTemplate>().ok()?));
    let today = facturier_core::calendar::today("FR");
    let day = |n: i64| today.checked_sub(time::Duration::days(n)).unwrap_or(today);
    let eur = facturier_core::money::Currency::EUR;
    if p.quote_follow_ups.iter().any(|q| q.code == step) {
        let mail = QuoteFollowUpMail {
            language,
            seller,
            customer_name: "Client Exemple SARL".into(),
            quotes: vec![QuoteLine {
                number: "D2026-00042".into(),
                sent_on: day(15),
                currency: eur,
                total: Decimal::from(1800),
            }],
            custom,
        };
        return Some(mail.email());
    }
    let index = p.position(step).unwrap_or(0);
    let tone = if step == FRIENDLY { Tone::Friendly } else { Tone::of(index, p.levels.len()) };
    let late = |n: i64| if step == FRIENDLY { 0 } else { n };
    let line = |number: &str, issued: i64, due: i64, amount: i64| ReminderLine {
        number: number.into(),
        issue_date: day(issued),
        due_date: if step == FRIENDLY { today } else { day(due) },
        days_late: late(due),
        currency: eur,
        due: Decimal::from(amount),
        penalties: None,
        indemnity: (step != FRIENDLY).then(|| Decimal::from(40)),
    };
    let reminder = Reminder {
        language,
        tone,
        seller,
        customer_name: "Client Exemple SARL".into(),
        customer_address: None,
        is_business: true,
        penalty_rate: None,
        date: today,
        lines: vec![line("F2026-00017", 75, 45, 1200), line("F2026-00023", 50, 20, 480)],
        payment_link: None,
        custom,
    };
    Some(reminder.email())
}

#[allow(clippy::too_many_arguments)]
async fn dunning_page(
    app: &App,
    s: &WebSession,
    policy: &Policy,
    values: &FormData,
    text: (&str, &str, &str),
    sent_text: Option<&FormData>,
    show_preview: bool,
) -> Result<Page, WebError> {
    let lang = s.lang();
    let mut page = Page::new(app, s, "dunning").await?;
    let n_levels = rows_in(values, LEVELS).max(policy.levels.len());
    let n_quotes = rows_in(values, QUOTES).max(policy.quote_follow_ups.len());
    page.dunning_levels = level_rows(values, n_levels, lang);
    page.dunning_quotes = quote_rows(values, n_quotes, lang);
    page.fields = vec![field(FRIENDLY_DAYS, "settings.dunning_friendly", "number", false, values)];
    let (step, tl, audience) = text;
    let custom = policy.template(step, tl, audience == "key_account");
    let (subject, body) = match (sent_text, custom) {
        (Some(f), _) => {
            (f.get("subject").unwrap_or_default().to_string(), f.get("body").unwrap_or_default().to_string())
        }
        (None, Some(c)) => (c.subject.clone(), c.body.clone()),
        (None, None) => (String::new(), String::new()),
    };
    let tv = FormData(vec![("subject".into(), subject.clone()), ("body".into(), body.clone())]);
    page.dunning_text = vec![
        field("subject", "settings.subject", "text", false, &tv),
        field("body", "settings.body", "textarea", false, &tv),
    ];
    page.tpl_kind = step.to_string();
    page.tpl_lang = tl.to_string();
    page.tpl_audience = audience.to_string();
    page.tpl_custom = custom.is_some();
    page.dunning_steps = steps(policy, lang);
    page.dunning_audiences = AUDIENCES.to_vec();
    page.merge_fields = Field::list();
    if show_preview || custom.is_some() {
        let st = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
        let seller = st.identity.clone().unwrap_or_else(|| {
            Seller::bare(&s.rec.company_name, s.rec.country.parse().unwrap_or_else(|_| "FR".parse().expect("FR")))
        });
        page.dunning_preview = preview(policy, seller, step, tl, &subject, &body);
    }
    Ok(page)
}

/// `GET /settings/dunning?step=&lang=&audience=`
pub async fn dunning(State(app): State<App>, s: WebSession, Query(q): Query<TextQuery>) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, _) = stored(&app, &s).await?;
    let p = &st.dunning;
    let (step, lang, audience) = chosen(p, q.step.as_deref(), q.lang.as_deref(), q.audience.as_deref());
    let page = dunning_page(&app, &s, p, &values_of(p), (&step, &lang, &audience), None, false).await?;
    html(StatusCode::OK, &page)
}

/// `POST /settings/dunning`: the levels with their fees, the friendly reminder and the
/// quote follow-ups (the texts are kept).
pub async fn save_dunning(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, _) = stored(&app, &s).await?;
    let mut levels = Vec::new();
    let mut fees = BTreeMap::new();
    // Which form row each level sent comes from, to put an error back next to its input.
    let mut level_row = Vec::new();
    for i in 0..rows_in(&form, LEVELS) {
        let f = |x: &str| format!("dunning.levels[{i}].{x}");
        let code = form.text(&f("code"));
        let days = form.text(&f("days"));
        if form.get(&f("remove")).is_some() || (code.is_none() && days.is_none()) {
            continue;
        }
        if let Some(c) = &code {
            let fee = LateFeeInput {
                fixed: form.text(&f("fee_fixed")).map(|d| DecText(d.replace(',', "."))),
                indemnity: Some(form.get(&f("fee_indemnity")).is_some()),
                penalties: Some(form.get(&f("fee_penalties")).is_some()),
            };
            fees.insert(c.clone(), fee);
        }
        levels.push(DunningLevelInput {
            code: code.clone(),
            days: Some(days.and_then(|d| d.parse::<i64>().ok()).unwrap_or(-1)),
            from: form.text(&f("from")),
            channel: form.text(&f("channel")),
        });
        level_row.push((i, code));
    }
    let mut quotes = Vec::new();
    let mut quote_row = Vec::new();
    for i in 0..rows_in(&form, QUOTES) {
        let f = |x: &str| format!("dunning.quote_follow_ups[{i}].{x}");
        let (code, days) = (form.text(&f("code")), form.text(&f("days")));
        if code.is_none() && days.is_none() {
            continue;
        }
        quotes.push(QuoteFollowUpInput { code, days: Some(days.and_then(|d| d.parse::<i64>().ok()).unwrap_or(0)) });
        quote_row.push(i);
    }
    let friendly =
        form.text(FRIENDLY_DAYS).map(|d| FriendlyReminderInput { days_before: Some(d.parse::<i64>().unwrap_or(-1)) });
    let input = DunningInput {
        levels: Some(levels),
        late_fees: Some(fees),
        friendly_reminder: Some(friendly),
        quote_follow_ups: Some(quotes),
        templates: None,
    };
    match patch(&app, &s, SettingsInput { dunning: Some(input), ..empty_settings() }).await? {
        Ok(()) => Ok(see_other("/settings/dunning?done=saved")),
        Err(errs) => {
            let errs = errs.into_iter().map(|(f, m)| (form_field(&f, &level_row, &quote_row), m)).collect();
            let (step, lang, audience) = chosen(&st.dunning, None, None, None);
            let page = dunning_page(&app, &s, &st.dunning, &form, (&step, &lang, &audience), None, false).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}

/// The form input an API error names: `dunning.levels[1].days` of the second level sent,
/// `dunning.late_fees.{code}.fixed` of the level of that code.
fn form_field(api: &str, level_row: &[(usize, Option<String>)], quote_row: &[usize]) -> String {
    let indexed = |prefix: &str, rows: &dyn Fn(usize) -> Option<usize>| -> Option<String> {
        let (i, rest) = api.strip_prefix(prefix)?.strip_prefix('[')?.split_once(']')?;
        Some(format!("{prefix}[{}]{rest}", rows(i.parse().ok()?)?))
    };
    if let Some(f) = indexed(LEVELS, &|i| level_row.get(i).map(|r| r.0)) {
        return f;
    }
    if let Some(f) = indexed(QUOTES, &|i| quote_row.get(i).copied()) {
        return f;
    }
    if let Some((code, rest)) = api.strip_prefix("dunning.late_fees.").and_then(|r| r.split_once('.'))
        && let Some((row, _)) = level_row.iter().find(|(_, c)| c.as_deref() == Some(code))
    {
        return format!("dunning.levels[{row}].fee_{rest}");
    }
    api.to_string()
}

/// `POST /settings/dunning/text`: the text of one step, language and customer type
/// (`preview` shows it rendered without saving; `restore` goes back to the built-in text).
pub async fn save_dunning_text(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, _) = stored(&app, &s).await?;
    let p = &st.dunning;
    let (step, lang, audience) = chosen(p, form.get("step"), form.get("lang"), form.get("audience"));
    let values = values_of(p);
    if form.get("preview").is_some() {
        let page = dunning_page(&app, &s, p, &values, (&step, &lang, &audience), Some(&form), true).await?;
        return html(StatusCode::OK, &page);
    }
    let mut all: crate::app::settings::DunningTemplatesInput = p
        .templates
        .iter()
        .map(|(st, langs)| {
            let langs = langs
                .iter()
                .map(|(l, by)| {
                    let by = by
                        .iter()
                        .map(|(a, t)| {
                            (a.clone(), TemplateInput { subject: Some(t.subject.clone()), body: Some(t.body.clone()) })
                        })
                        .collect();
                    (l.clone(), by)
                })
                .collect();
            (st.clone(), langs)
        })
        .collect();
    let entry = all.entry(step.clone()).or_default().entry(lang.clone()).or_default();
    if form.get("restore").is_some() {
        entry.remove(&audience);
    } else {
        entry.insert(audience.clone(), TemplateInput { subject: form.text("subject"), body: form.text("body") });
    }
    let input = DunningInput {
        levels: None,
        late_fees: None,
        friendly_reminder: None,
        quote_follow_ups: None,
        templates: Some(all),
    };
    let back = format!("/settings/dunning?step={step}&lang={lang}&audience={audience}&done=saved#texts");
    match patch(&app, &s, SettingsInput { dunning: Some(input), ..empty_settings() }).await? {
        Ok(()) => Ok(see_other(&back)),
        Err(errs) => {
            let prefix = format!("dunning.templates.{step}.{lang}.{audience}.");
            let errs = errs
                .into_iter()
                .map(|(f, m)| (f.strip_prefix(&prefix).map(String::from).unwrap_or(f), m))
                .collect::<Vec<_>>();
            let mut page = dunning_page(&app, &s, p, &values, (&step, &lang, &audience), Some(&form), false).await?;
            for f in &mut page.dunning_text {
                f.error = errs.iter().find(|(k, _)| *k == f.name).map(|(_, m)| m.clone());
            }
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}
