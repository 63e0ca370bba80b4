//! Reports read from what is stored: the aged balance on a date, per customer and
//! currency, with the days sales outstanding. The amounts are `core::aging`'s; this only
//! gathers them and names the customers.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use facturier_core::Decimal;
use facturier_core::aging::{self, AgedBalance, Bucket, Buckets};
use facturier_core::money::{Currency, in_company_currency, to_text};
use serde::Serialize;
use std::collections::HashMap;
use time::{Date, Duration};
use uuid::Uuid;

/// The days of sales the days sales outstanding is read over.
pub const DSO_DAYS: u32 = 90;

/// One currency's amounts by lateness.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AgedAmounts {
    #[schema(examples("EUR"))]
    pub currency: String,
    /// Not yet due on the day.
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub not_due: String,
    /// 1 to 30 days past the due date.
    #[serde(rename = "1_30")]
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub days_1_30: String,
    #[serde(rename = "31_60")]
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub days_31_60: String,
    #[serde(rename = "61_90")]
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub days_61_90: String,
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub over_90: String,
    /// Every bucket.
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub total: String,
    /// Every bucket but `not_due`.
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub overdue: String,
}

impl AgedAmounts {
    fn of(currency: &str, b: &Buckets) -> AgedAmounts {
        let cur: Option<Currency> = currency.parse().ok();
        let text = |d: Decimal| match cur {
            Some(c) => to_text(c.round(d), c.minor_units()),
            None => to_text(d, 2),
        };
        AgedAmounts {
            currency: currency.to_string(),
            not_due: text(b.get(Bucket::NotDue)),
            days_1_30: text(b.get(Bucket::Days1To30)),
            days_31_60: text(b.get(Bucket::Days31To60)),
            days_61_90: text(b.get(Bucket::Days61To90)),
            over_90: text(b.get(Bucket::Over90)),
            total: text(b.total()),
            overdue: text(b.overdue()),
        }
    }
}

/// A customer's amounts in one currency (the fields of [`AgedAmounts`], with the customer).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AgedCustomer {
    pub customer_id: Uuid,
    pub name: String,
    pub currency: String,
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub not_due: String,
    #[serde(rename = "1_30")]
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub days_1_30: String,
    #[serde(rename = "31_60")]
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub days_31_60: String,
    #[serde(rename = "61_90")]
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub days_61_90: String,
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub over_90: String,
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub total: String,
    #[schema(value_type = crate::openapi::written::DecimalText)]
    pub overdue: String,
}

impl AgedCustomer {
    fn of(customer_id: Uuid, name: String, a: AgedAmounts) -> AgedCustomer {
        AgedCustomer {
            customer_id,
            name,
            currency: a.currency,
            not_due: a.not_due,
            days_1_30: a.days_1_30,
            days_31_60: a.days_31_60,
            days_61_90: a.days_61_90,
            over_90: a.over_90,
            total: a.total,
            overdue: a.overdue,
        }
    }
}

/// `GET /reports/aged-balance`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AgedBalance)]
pub struct AgedBalanceView {
    #[schema(value_type = crate::openapi::written::DateText)]
    pub as_of: String,
    /// Per customer and currency, the most overdue first.
    pub customers: Vec<AgedCustomer>,
    /// Per currency, every customer.
    pub totals: Vec<AgedAmounts>,
    /// What was owed on the day, in the company's currency (other currencies at the rate
    /// of each invoice), as days of the gross sales of the `dso_days` days up to it;
    /// `null` without sales.
    #[schema(value_type = Option<crate::openapi::written::DecimalText>)]
    pub days_sales_outstanding: Option<String>,
    pub dso_days: u32,
}

/// One customer's row of the report, in one currency.
#[derive(Clone, Debug)]
pub struct CustomerAged {
    pub customer_id: Uuid,
    pub name: String,
    pub currency: String,
    pub buckets: Buckets,
}

/// The aged balance on a day, as computed.
#[derive(Clone, Debug)]
pub struct AgedReport {
    pub as_of: Date,
    /// The most overdue first.
    pub customers: Vec<CustomerAged>,
    pub totals: Vec<(String, Buckets)>,
    pub days_sales_outstanding: Option<Decimal>,
}

impl From<&AgedReport> for AgedBalanceView {
    fn from(r: &AgedReport) -> AgedBalanceView {
        AgedBalanceView {
            as_of: r.as_of.to_string(),
            customers: r
                .customers
                .iter()
                .map(|c| AgedCustomer::of(c.customer_id, c.name.clone(), AgedAmounts::of(&c.currency, &c.buckets)))
                .collect(),
            totals: r.totals.iter().map(|(cur, b)| AgedAmounts::of(cur, b)).collect(),
            days_sales_outstanding: r.days_sales_outstanding.map(|d| d.to_string()),
            dso_days: DSO_DAYS,
        }
    }
}

/// The aged balance of the caller's company at the end of `as_of`.
pub async fn aged_balance(app: &App, auth: &Auth, as_of: Date) -> Result<AgedReport, ApiError> {
    let company = auth.company();
    let rows = app.store.aged_receivables(company, as_of).await?;
    let aged = AgedBalance::on(as_of, rows.iter().map(|r| &r.receivable));
    let names: HashMap<Uuid, &str> =
        rows.iter().map(|r| (r.receivable.customer_id, r.customer_name.as_str())).collect();
    let mut customers: Vec<CustomerAged> = aged
        .customers
        .iter()
        .map(|((id, cur), b)| CustomerAged {
            customer_id: *id,
            name: names.get(id).copied().unwrap_or_default().to_string(),
            currency: cur.clone(),
            buckets: b.clone(),
        })
        .collect();
    customers.sort_by(|a, b| {
        (b.buckets.overdue().cmp(&a.buckets.overdue()))
            .then_with(|| b.buckets.total().cmp(&a.buckets.total()))
            .then_with(|| a.name.cmp(&b.name))
    });
    let totals = aged.totals.into_iter().collect();

    let currency = app.store.company(company).await?.currency;
    let owed: Decimal = rows
        .iter()
        .filter_map(|r| {
            in_company_currency(r.receivable.due_on(as_of), &r.receivable.currency, r.exchange_rate, currency)
        })
        .sum();
    let from = as_of.checked_sub(Duration::days(i64::from(DSO_DAYS) - 1)).unwrap_or(as_of);
    let sales: Decimal = app
        .store
        .gross_sales_between(company, from, as_of)
        .await?
        .into_iter()
        .filter_map(|(gross, cur, rate)| in_company_currency(gross, &cur, rate, currency))
        .sum();
    Ok(AgedReport {
        as_of,
        customers,
        totals,
        days_sales_outstanding: aging::days_sales_outstanding(owed, sales, DSO_DAYS),
    })
}
