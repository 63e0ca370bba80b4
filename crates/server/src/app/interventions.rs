//! Interventions: time, parts and purchases consumed by a contract or a customer, billed
//! once on demand, and a contract's technical-financial summary.
//!
//! What a line bills is `core::contract::consumption`'s; the invoice is a draft checked as
//! any invoice's lines are, stored with each intervention's mark in one transaction
//! (`store::interventions`), so two bills at once bill each intervention once.

use crate::App;
use crate::app::documents::{DocumentInput, LineInput, context_in};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{Check, DecRules, DecText};
use facturier_core::Decimal;
use facturier_core::contract::consumption::{self, Actual, Consumption, Plan, Pricing, Summary};
use facturier_core::message::Message;
use facturier_core::money::{Currency, MAX_MAGNITUDE};
use facturier_core::party::Language;
use facturier_core::tax::Vat;
use facturier_formats::text;
use facturier_store::interventions::{InterventionFilter, InterventionRecord, NewIntervention};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

const MAX_DESCRIPTION: usize = 500;
const AMOUNT: DecRules = DecRules::new(6).non_negative().at_most(MAX_MAGNITUDE);
const QUANTITY: DecRules = DecRules::new(4).positive().at_most(MAX_MAGNITUDE);
const COEFFICIENT: DecRules = DecRules::new(4).positive().at_most(Decimal::ONE_HUNDRED);
const PERCENT: DecRules = DecRules::new(4).non_negative().at_most(Decimal::ONE_HUNDRED);

/// The body of `POST /interventions`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterventionInput {
    /// The contract it is done under; its customer is the customer.
    #[schema(format = Uuid)]
    pub contract_id: Option<String>,
    /// Required without a contract.
    #[schema(format = Uuid)]
    pub customer_id: Option<String>,
    /// `time` (hours × rate), `part` (a catalogue product, taken out of stock) or
    /// `purchase` (re-billed at cost × coefficient, or at a fixed price).
    #[schema(required = true)]
    pub kind: Option<String>,
    /// The day it was done (default today).
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// Printed on the invoice line (a part's name by default).
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `time`: hours spent.
    #[schema(value_type = Option<String>)]
    pub hours: Option<DecText>,
    /// `time`: the price of an hour.
    #[schema(value_type = Option<String>)]
    pub rate: Option<DecText>,
    /// `time`: what an hour costs the company (else the contract's plan's hourly cost).
    #[schema(value_type = Option<String>)]
    pub hourly_cost: Option<DecText>,
    /// `part`: the product.
    #[schema(format = Uuid)]
    pub product_id: Option<String>,
    /// `part`: how many.
    #[schema(value_type = Option<String>)]
    pub quantity: Option<DecText>,
    /// `part`: the price of one, else the catalogue's.
    #[schema(value_type = Option<String>)]
    pub unit_price: Option<DecText>,
    /// `purchase`: what it cost.
    #[schema(value_type = Option<String>)]
    pub cost: Option<DecText>,
    /// `purchase`: re-billed at `cost × coefficient` (e.g. `1.25`)…
    #[schema(value_type = Option<String>)]
    pub coefficient: Option<DecText>,
    /// … or at this price.
    #[schema(value_type = Option<String>)]
    pub price: Option<DecText>,
    /// Percent; a part's product's rate by default, else required.
    #[schema(value_type = Option<String>)]
    pub vat_rate: Option<DecText>,
}

/// How an intervention is priced, as stored.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(tag = "by", rename_all = "snake_case")]
enum StoredPricing {
    Unit { price: Decimal },
    Coefficient { coefficient: Decimal },
    Fixed { price: Decimal },
}

impl From<StoredPricing> for Pricing {
    fn from(p: StoredPricing) -> Pricing {
        match p {
            StoredPricing::Unit { price } => Pricing::Unit(price),
            StoredPricing::Coefficient { coefficient } => Pricing::Coefficient(coefficient),
            StoredPricing::Fixed { price } => Pricing::Fixed(price),
        }
    }
}

/// An intervention read back: its record and its line's figures.
#[derive(Clone)]
pub struct Loaded {
    pub record: InterventionRecord,
    pub consumption: Consumption,
    pub vat_rate: Decimal,
}

impl Loaded {
    pub(crate) fn of(record: InterventionRecord) -> Result<Loaded, ApiError> {
        let pricing: StoredPricing = serde_json::from_str(&record.pricing)
            .map_err(|e| ApiError::Internal(format!("intervention {}: {e}", record.id)))?;
        let vat_rate =
            record.vat_rate.parse().map_err(|e| ApiError::Internal(format!("intervention {}: {e}", record.id)))?;
        let consumption =
            Consumption { quantity: record.quantity, unit_cost: record.unit_cost, pricing: pricing.into() };
        Ok(Loaded { record, consumption, vat_rate })
    }

    /// `by` of the pricing: `unit`, `coefficient` or `fixed`.
    pub fn pricing_name(&self) -> &'static str {
        match self.consumption.pricing {
            Pricing::Unit(_) => "unit",
            Pricing::Coefficient(_) => "coefficient",
            Pricing::Fixed(_) => "fixed",
        }
    }
}

/// An id that cannot be one names nothing: "no such …", as an unknown one.
fn uuid_field(v: &mut Check, field: &str, s: &Option<String>, what: &str) -> Option<Uuid> {
    let parsed = s.as_deref().map(|s| s.trim().parse::<Uuid>());
    if let Some(Err(_)) = parsed {
        v.error(field, Message::new("not_found").with("what", what));
    }
    parsed.and_then(Result::ok)
}

fn kind_of(s: &str) -> Option<&'static str> {
    ["time", "part", "purchase"].into_iter().find(|k| *k == s)
}

/// Records an intervention, checked field by field (422 naming each).
pub async fn record(app: &App, auth: &Auth, input: &InterventionInput) -> Result<Loaded, ApiError> {
    auth.require_write()?;
    let company = auth.company();
    let mut v = Check::default();
    let contract_id = uuid_field(&mut v, "contract_id", &input.contract_id, "contract");
    let customer_id = uuid_field(&mut v, "customer_id", &input.customer_id, "customer");
    let kind = match v.required("kind", &input.kind) {
        Some(k) => kind_of(k).or_else(|| {
            v.error("kind", Message::new("intervention_kind"));
            None
        }),
        None => None,
    };
    let on = input.date.as_deref().map_or(Some(auth.today()), |d| v.date("date", d));
    let description = v.opt_text("description", &input.description, MAX_DESCRIPTION);
    let dec = |v: &mut Check, field: &str, value: &Option<DecText>, rules: DecRules| {
        value.as_ref().and_then(|x| v.decimal(field, x, rules))
    };
    let vat_rate = dec(&mut v, "vat_rate", &input.vat_rate, PERCENT);
    if let Some(r) = vat_rate
        && let Err(e) = Vat::new(r, None)
    {
        v.error("vat_rate", e);
    }
    // Fields of another kind are refused rather than ignored: a typo loses nothing.
    let foreign: &[(&str, bool)] = &[
        ("hours", input.hours.is_some()),
        ("rate", input.rate.is_some()),
        ("hourly_cost", input.hourly_cost.is_some()),
        ("product_id", input.product_id.is_some()),
        ("quantity", input.quantity.is_some()),
        ("unit_price", input.unit_price.is_some()),
        ("cost", input.cost.is_some()),
        ("coefficient", input.coefficient.is_some()),
        ("price", input.price.is_some()),
    ];
    let own: &[&str] = match kind {
        Some("time") => &["hours", "rate", "hourly_cost"],
        Some("part") => &["product_id", "quantity", "unit_price"],
        Some("purchase") => &["cost", "coefficient", "price"],
        _ => &[],
    };
    if kind.is_some() {
        for (field, set) in foreign {
            if *set && !own.contains(field) {
                v.error(*field, Message::new("intervention_field_kind").with("kind", kind.unwrap_or_default()));
            }
        }
    }
    let mut product = None;
    let figures: Option<(Decimal, Decimal, StoredPricing)> = match kind {
        Some("time") => {
            let hours = dec(&mut v, "hours", &input.hours, QUANTITY);
            let rate = dec(&mut v, "rate", &input.rate, AMOUNT);
            let cost = dec(&mut v, "hourly_cost", &input.hourly_cost, AMOUNT);
            if input.hours.is_none() {
                v.error("hours", Message::new("required"));
            }
            if input.rate.is_none() {
                v.error("rate", Message::new("required"));
            }
            hours.zip(rate).map(|(h, r)| (h, cost.unwrap_or_default(), StoredPricing::Unit { price: r }))
        }
        Some("part") => {
            let id = uuid_field(&mut v, "product_id", &input.product_id, "product");
            if input.product_id.is_none() {
                v.error("product_id", Message::new("required"));
            }
            let quantity = dec(&mut v, "quantity", &input.quantity, QUANTITY);
            if input.quantity.is_none() {
                v.error("quantity", Message::new("required"));
            }
            let price = dec(&mut v, "unit_price", &input.unit_price, AMOUNT);
            if let Some(id) = id {
                match app.store.product(company, id).await {
                    Ok(p) => product = Some(p),
                    Err(facturier_store::StoreError::NotFound(_)) => {
                        v.error("product_id", Message::new("not_found").with("what", "product"))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            match (&product, quantity) {
                (Some(p), Some(q)) => Some((
                    q,
                    p.product.purchase_price.unwrap_or_default(),
                    StoredPricing::Unit { price: price.unwrap_or(p.product.unit_price) },
                )),
                _ => None,
            }
        }
        Some("purchase") => {
            let cost = dec(&mut v, "cost", &input.cost, AMOUNT);
            if input.cost.is_none() {
                v.error("cost", Message::new("required"));
            }
            let coefficient = dec(&mut v, "coefficient", &input.coefficient, COEFFICIENT);
            let price = dec(&mut v, "price", &input.price, AMOUNT);
            let pricing = match (input.coefficient.is_some(), input.price.is_some()) {
                (true, true) | (false, false) => {
                    v.error("coefficient", Message::new("intervention_resale"));
                    None
                }
                (true, false) => coefficient.map(|coefficient| StoredPricing::Coefficient { coefficient }),
                (false, true) => price.map(|price| StoredPricing::Fixed { price }),
            };
            cost.zip(pricing).map(|(c, p)| (Decimal::ONE, c, p))
        }
        _ => None,
    };
    let vat_rate = vat_rate.or(product.as_ref().map(|p| p.product.vat.rate()));
    if vat_rate.is_none() && input.vat_rate.is_none() && kind.is_some() {
        v.error("vat_rate", Message::new("required"));
    }
    // The customer: the contract's, else the one named.
    let customer = match contract_id {
        Some(c) => {
            let rec = match app.store.contract(company, c).await {
                Ok(r) => Some(r),
                Err(facturier_store::StoreError::NotFound(_)) => {
                    v.error("contract_id", Message::new("not_found").with("what", "contract"));
                    None
                }
                Err(e) => return Err(e.into()),
            };
            if let (Some(r), Some(named)) = (&rec, customer_id)
                && r.customer_id != named
            {
                v.error("customer_id", Message::new("intervention_other_customer"));
            }
            rec.map(|r| r.customer_id)
        }
        None => {
            if input.customer_id.is_none() {
                v.error("customer_id", Message::new("required"));
            }
            if let Some(c) = customer_id {
                match app.store.customer(company, c).await {
                    Ok(_) => {}
                    Err(facturier_store::StoreError::NotFound(_)) => {
                        v.error("customer_id", Message::new("not_found").with("what", "customer"))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            customer_id
        }
    };
    v.finish()?;
    let (Some(kind), Some(on), Some(customer_id), Some((quantity, unit_cost, pricing)), Some(vat_rate)) =
        (kind, on, customer, figures, vat_rate)
    else {
        return Err(ApiError::Internal("intervention checked but incomplete".into()));
    };
    let description = description
        .or(product.as_ref().map(|p| p.product.name.clone()))
        .unwrap_or_else(|| default_description(kind).to_string());
    let new = NewIntervention {
        customer_id,
        contract_id,
        kind,
        on,
        description,
        product_id: product.as_ref().map(|p| p.id),
        quantity,
        unit_cost,
        pricing: serde_json::to_string(&pricing).map_err(|e| ApiError::Internal(e.to_string()))?,
        vat_rate: vat_rate.normalize().to_string(),
        created_by: None,
    };
    Loaded::of(app.store.record_intervention(company, &new).await?)
}

fn default_description(kind: &str) -> &'static str {
    match kind {
        "time" => "Main-d'œuvre",
        "part" => "Pièces",
        _ => "Achats",
    }
}

pub async fn get(app: &App, company: Uuid, id: Uuid) -> Result<Loaded, ApiError> {
    Loaded::of(app.store.intervention(company, id).await?)
}

pub async fn list(app: &App, company: Uuid, f: &InterventionFilter) -> Result<Vec<Loaded>, ApiError> {
    app.store.interventions(company, f).await?.into_iter().map(Loaded::of).collect()
}

/// The body of `POST /interventions/bill`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillInterventionsInput {
    /// Bill this contract's interventions…
    #[schema(format = Uuid)]
    pub contract_id: Option<String>,
    /// … or all of this customer's (with or without a contract).
    #[schema(format = Uuid)]
    pub customer_id: Option<String>,
    /// Those done on or before this day (default today).
    #[schema(value_type = Option<String>, format = Date)]
    pub through: Option<String>,
}

/// Bills what is not billed yet: one draft invoice, each intervention a line naming its
/// day, in the company's currency: the invoice and how many it bills; `None`: nothing to bill.
pub async fn bill(app: &App, auth: &Auth, input: &BillInterventionsInput) -> Result<Option<(Uuid, usize)>, ApiError> {
    auth.require_write()?;
    let company = auth.company();
    let mut v = Check::default();
    let contract_id = uuid_field(&mut v, "contract_id", &input.contract_id, "contract");
    let customer_id = uuid_field(&mut v, "customer_id", &input.customer_id, "customer");
    let through = input.through.as_deref().map_or(Some(auth.today()), |d| v.date("through", d));
    if input.contract_id.is_some() == input.customer_id.is_some() {
        v.error("contract_id", Message::new("intervention_bill_scope"));
    }
    v.finish()?;
    let customer = match (contract_id, customer_id) {
        (Some(c), _) => app.store.contract(company, c).await?.customer_id,
        (None, Some(c)) => app.store.customer(company, c).await?.id,
        (None, None) => return Err(ApiError::field("contract_id", Message::new("intervention_bill_scope"))),
    };
    let filter = InterventionFilter { contract_id, customer_id, unbilled: true, through, all: false };
    let items = list(app, company, &filter).await?;
    if items.is_empty() {
        return Ok(None);
    }
    let customer_rec = app.store.customer(company, customer).await?.customer;
    let lang = customer_rec.language;
    let currency = app.store.company(company).await?.currency;
    let lines = items.iter().map(|i| line_of(i, lang, currency)).collect();
    // The same word in both languages.
    let title = "Interventions".to_string();
    let invoice = DocumentInput {
        customer_id: Some(customer.to_string()),
        currency: Some(currency.code().to_string()),
        title: Some(title),
        lines: Some(lines),
        ..DocumentInput::default()
    };
    let (ctx, customer) = context_in(&app.store, company, None, &invoice).await?;
    let content = invoice.parse(&ctx, customer)?;
    let ids: Vec<Uuid> = items.iter().map(|i| i.record.id).collect();
    match app.store.bill_interventions(company, &ids, &content).await? {
        Some(id) => Ok(Some((id, ids.len()))),
        None => Err(ApiError::Conflict(Message::new("intervention_billed"))),
    }
}

/// The invoice line of an intervention: what it is, its day, its price.
pub(crate) fn line_of(i: &Loaded, lang: Language, currency: Currency) -> LineInput {
    let r = &i.record;
    let day = text::date(r.on, lang);
    let what = match (r.kind.as_str(), lang) {
        ("time", Language::Fr) => format!("Intervention du {day}"),
        ("time", Language::En) => format!("Work on {day}"),
        (_, Language::Fr) => format!("Le {day}"),
        (_, Language::En) => format!("On {day}"),
    };
    LineInput {
        product_id: r.product_id.map(|p| p.to_string()),
        description: Some(format!("{}\n{what}", r.description)),
        quantity: Some(DecText(r.quantity.normalize().to_string())),
        unit: (r.kind == "time").then(|| "HUR".to_string()),
        unit_price: Some(DecText(i.consumption.unit_price(currency).to_string())),
        vat_rate: Some(DecText(i.vat_rate.normalize().to_string())),
        ..LineInput::default()
    }
}

/// The body of `PUT /contracts/{id}/plan`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// The hours each billing period should take.
    #[schema(required = true, value_type = String)]
    pub hours_per_period: Option<DecText>,
    /// What an hour costs the company.
    #[schema(required = true, value_type = String)]
    pub hourly_cost: Option<DecText>,
}

pub async fn set_plan(app: &App, auth: &Auth, contract: Uuid, input: &PlanInput) -> Result<(), ApiError> {
    auth.require_write()?;
    // Another company's contract is unknown, whatever the body says.
    app.store.contract(auth.company(), contract).await?;
    let mut v = Check::default();
    let hours = v.required("hours_per_period", &input.hours_per_period).cloned();
    let hours = hours.and_then(|h| v.decimal("hours_per_period", &h, AMOUNT));
    let cost = v.required("hourly_cost", &input.hourly_cost).cloned();
    let cost = cost.and_then(|c| v.decimal("hourly_cost", &c, AMOUNT));
    v.finish()?;
    let (Some(hours), Some(cost)) = (hours, cost) else {
        return Err(ApiError::field("hours_per_period", Message::new("required")));
    };
    Ok(app.store.set_contract_plan(auth.company(), contract, hours, cost).await?)
}

/// A contract's technical-financial summary up to `as_of`, in its currency.
pub struct ContractSummary {
    pub plan: Plan,
    pub actual: Actual,
    pub summary: Summary,
    pub currency: Currency,
}

pub async fn summary(app: &App, company: Uuid, contract: Uuid, as_of: Date) -> Result<ContractSummary, ApiError> {
    let rec = app.store.contract(company, contract).await?;
    let planned = crate::app::contracts::planned_up_to(app, company, &rec, as_of).await?;
    let currency = planned.currency;
    let (hours_per_period, hourly_cost) = app.store.contract_plan(company, contract).await?;
    let plan = Plan { periods: planned.periods, amount: planned.amount, hours_per_period, hourly_cost };
    let billed = rec.billed.iter().filter(|b| b.billing_date <= as_of);
    let mut actual = Actual {
        periods_billed: billed.map(|b| crate::app::contracts::billed_net(b, &planned.lines, currency)).sum(),
        ..Actual::default()
    };
    let filter =
        InterventionFilter { contract_id: Some(contract), through: Some(as_of), all: true, ..Default::default() };
    for i in &list(app, company, &filter).await? {
        let c = i.consumption;
        let net = c.net(currency);
        if i.record.invoice_id.is_some() {
            actual.consumption_billed += net;
        } else {
            actual.consumption_unbilled += net;
        }
        if i.record.kind == "time" {
            actual.hours += c.quantity;
            let cost = if c.unit_cost.is_zero() { Consumption { unit_cost: hourly_cost, ..c } } else { c };
            actual.costs += cost.cost(currency);
        } else {
            actual.costs += c.cost(currency);
        }
    }
    let summary = consumption::summary(&plan, &actual, currency);
    Ok(ContractSummary { plan, actual, summary, currency })
}
