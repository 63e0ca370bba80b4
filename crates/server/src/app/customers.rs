//! The customer directory's operations: a customer created or edited from its fields
//! (checked all at once, every field at fault named), and the files attached to it.

use crate::App;
use crate::api::customer_files::Upload;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{Check, DecText};
use facturier_core::ids::{Email, Iban, Siren, Siret, VatNumber};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::{Address, Contact, Country, Customer, CustomerKind, Language, LegalIds};
use facturier_core::terms::PaymentTerms;
use facturier_store::customer_files::{FileRecord, NewFile};
use facturier_store::customers::CustomerRecord;
use facturier_store::dunning::HoldSubject;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Attaches an uploaded file to a customer of the caller's company; `by` names the user.
pub async fn attach_file(
    app: &App,
    auth: &Auth,
    customer_id: Uuid,
    up: &Upload,
    by: Option<&str>,
) -> Result<FileRecord, ApiError> {
    auth.require_write()?;
    let f = NewFile { name: &up.name, content_type: &up.content_type, bytes: &up.bytes, created_by: by };
    Ok(app.store.add_customer_file(auth.company(), customer_id, &f).await?)
}

/// Adds a customer to the directory.
pub async fn create(app: &App, auth: &Auth, input: &CustomerInput) -> Result<CustomerRecord, ApiError> {
    auth.require_write()?;
    let hold = dunning_hold(input)?;
    let account = accounting_account(input)?;
    let customer = input.parse()?;
    let rec = app.store.insert_customer(auth.company(), &customer).await?;
    if let Some(never) = hold {
        app.store.set_dunning_hold(auth.company(), HoldSubject::Customer, rec.id, never).await?;
    }
    if let Some(a) = account {
        app.store.set_customer_account(auth.company(), rec.id, a.as_deref()).await?;
    }
    if let Some(key) = input.key_account {
        app.store.set_key_account(auth.company(), rec.id, key).await?;
    }
    Ok(rec)
}

/// Edits a customer: `edit` turns its fields as they are into what they should be (the
/// API merges a JSON patch, the web app its form).
pub async fn update(
    app: &App,
    auth: &Auth,
    id: Uuid,
    edit: impl FnOnce(CustomerInput) -> Result<CustomerInput, ApiError>,
) -> Result<CustomerRecord, ApiError> {
    auth.require_write()?;
    let current = app.store.customer(auth.company(), id).await?;
    let input = edit(CustomerInput::from_customer(&current.customer))?;
    let hold = dunning_hold(&input)?;
    let account = accounting_account(&input)?;
    let customer = input.parse()?;
    let rec = app.store.update_customer(auth.company(), id, &customer).await?;
    if let Some(never) = hold {
        app.store.set_dunning_hold(auth.company(), HoldSubject::Customer, id, never).await?;
    }
    if let Some(a) = account {
        app.store.set_customer_account(auth.company(), id, a.as_deref()).await?;
    }
    if let Some(key) = input.key_account {
        app.store.set_key_account(auth.company(), id, key).await?;
    }
    Ok(rec)
}

/// The `accounting_account` of a customer's input, checked before anything is written:
/// `Some(None)` clears it (`""`), `None` leaves it as it is.
fn accounting_account(input: &CustomerInput) -> Result<Option<Option<String>>, ApiError> {
    let Some(a) = input.accounting_account.as_deref() else { return Ok(None) };
    let a = a.trim();
    if a.is_empty() {
        return Ok(Some(None));
    }
    facturier_core::accounting::check_account(a).map_err(|e| ApiError::field("accounting_account", e.message()))?;
    Ok(Some(Some(a.to_string())))
}

/// The `dunning` of a customer's input: `Some(true)` for `never`, `Some(false)` for `auto`.
fn dunning_hold(input: &CustomerInput) -> Result<Option<bool>, ApiError> {
    let Some(flag) = input.dunning.as_deref() else { return Ok(None) };
    let mut v = Check::default();
    let held = crate::api::dunning::parse_flag(&mut v, "dunning", Some(flag));
    v.finish()?;
    Ok(held)
}

/// Most contacts on one customer.
const MAX_CONTACTS: usize = 100;
/// Most tags on one customer.
const MAX_TAGS: usize = 50;

#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200)]
    pub line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    /// Five digits in France.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 20)]
    pub postal_code: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1, max_length = 100)]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 code (case-insensitive).
    #[schema(required = true, value_type = String, pattern = "^[A-Za-z]{2}$", examples("FR"))]
    pub country: Option<String>,
}

/// An address as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Address)]
pub struct AddressView {
    pub line1: String,
    /// Absent when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
}

impl From<&Address> for AddressView {
    fn from(a: &Address) -> AddressView {
        AddressView {
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
            country: a.country.as_str().to_string(),
        }
    }
}

#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 100)]
    pub role: Option<String>,
    #[schema(format = Email)]
    pub email: Option<String>,
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    #[schema(max_length = 40)]
    pub mobile: Option<String>,
}

#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalInput {
    /// French company number, 9 digits (Luhn-checked).
    pub siren: Option<String>,
    /// French establishment number, 14 digits; its first 9 digits must be the SIREN.
    pub siret: Option<String>,
    /// Intra-community VAT number, e.g. `FR40303265045`.
    pub vat_number: Option<String>,
}

/// The body of `POST /customers`; `null` means absent. (Merged over the current record, the
/// body of `PATCH` too.)
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[schema(schema_with = crate::openapi::field::customer_kind)]
    pub kind: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(format = Email)]
    pub email: Option<String>,
    /// Trade or sector, e.g. `Boulangerie`; a list filter.
    #[schema(max_length = 100)]
    pub activity: Option<String>,
    pub legal: Option<LegalInput>,
    /// Checked (ISO 13616); spaces allowed.
    pub iban: Option<String>,
    #[schema(required = true, value_type = AddressInput)]
    pub billing_address: Option<AddressInput>,
    pub delivery_address: Option<AddressInput>,
    #[schema(max_items = 100)]
    pub contacts: Option<Vec<ContactInput>>,
    /// Language of the customer's documents.
    #[schema(schema_with = crate::openapi::field::customer_language)]
    pub language: Option<String>,
    /// ISO 4217 code: the default currency of the customer's documents.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub currency: Option<String>,
    /// Default terms of the customer's documents (a term such as `30_days`, or a number of days).
    #[schema(schema_with = crate::openapi::field::payment_terms_input)]
    pub payment_terms: Option<DecText>,
    #[schema(schema_with = crate::openapi::field::tags)]
    pub tags: Option<Vec<String>>,
    #[schema(max_length = 10_000)]
    pub notes: Option<String>,
    /// How the monthly run invoices this customer's delivery notes; default `customer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::openapi::field::invoice_grouping)]
    pub invoice_grouping: Option<String>,
    /// How the contracts billing run invoices this customer's contracts: `per_contract`
    /// (default: one invoice per contract and period) or `grouped` (one invoice per billing
    /// day with all its contracts' periods due that day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("per_contract", "grouped"))]
    pub contract_billing: Option<String>,
    /// The e-invoicing network the customer receives on, hence the UBL `GET /invoices/{id}/ubl`
    /// serves it: `fr` (the French platforms, BR-FR) or `peppol`; absent: `fr` for a customer in
    /// France, `peppol` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::openapi::field::network)]
    pub network: Option<String>,
    // --- dunning (issue 23) ---
    /// `never`: the customer's invoices are never dunned; `auto` (default) undoes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("auto", "never"))]
    pub dunning: Option<String>,
    /// `true`: a key account ("grand compte"), whose reminders use the company's
    /// key-account texts; `false` (default) undoes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_account: Option<bool>,
    // --- end dunning ---
    // Accounting hand-off (issue 24).
    /// The customer's auxiliary account in the FEC and the accounting files (`411DURAND`:
    /// three PCG digits, then letters or digits, at most 17); `""` goes back to the default,
    /// `411` followed by a code from the name and the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("411DURAND"))]
    pub accounting_account: Option<String>,
    // Read-only fields a client may send back from a GET; ignored.
    #[serde(default, skip_serializing)]
    pub id: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub credit: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub created_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub updated_at: Option<serde_json::Value>,
}

pub fn address(v: &mut Check, field: &str, a: &AddressInput) -> Option<Address> {
    let line1 = v.text(&format!("{field}.line1"), &a.line1, 200);
    let line2 = v.opt_text(&format!("{field}.line2"), &a.line2, 200);
    let postal_code = v.text(&format!("{field}.postal_code"), &a.postal_code, 20);
    let city = v.text(&format!("{field}.city"), &a.city, 100);
    let country = match &a.country {
        Some(c) => v.parse::<Country>(&format!("{field}.country"), c),
        None => {
            v.error(format!("{field}.country"), Message::new("required_iso_code_such"));
            None
        }
    };
    // A French postal code has five digits; a typo here makes the invoice undeliverable.
    if let (Some(c), Some(pc)) = (&country, &postal_code)
        && c.as_str() == "FR"
        && !(pc.len() == 5 && pc.bytes().all(|b| b.is_ascii_digit()))
    {
        v.error(format!("{field}.postal_code"), Message::new("french_postal_code_5"));
        return None;
    }
    Some(Address { line1: line1?, line2, postal_code: postal_code?, city: city?, country: country? })
}

impl CustomerInput {
    /// Turns the input into a customer, or every field error at once.
    pub fn parse(&self) -> Result<Customer, ApiError> {
        let mut v = Check::default();
        let kind = match self.kind.as_deref() {
            None | Some("company") => CustomerKind::Company,
            Some("individual") => CustomerKind::Individual,
            Some(other) => {
                v.error("kind", Message::new("kind_company_individual").with("v", format!("{other:?}")));
                CustomerKind::Company
            }
        };
        let name = v.text("name", &self.name, 200);
        let email = v.opt_parse::<Email>("email", &self.email);
        let activity = v.opt_text("activity", &self.activity, 100);
        let legal = self.legal.clone().unwrap_or_default();
        let siren = v.opt_parse::<Siren>("legal.siren", &legal.siren);
        let siret = v.opt_parse::<Siret>("legal.siret", &legal.siret);
        let vat_number = v.opt_parse::<VatNumber>("legal.vat_number", &legal.vat_number);
        let legal = match (LegalIds { siren, siret, vat_number }).reconciled() {
            Ok(l) => l,
            Err((field, e)) => {
                v.error(field, e);
                LegalIds::default()
            }
        };
        let iban = v.opt_parse::<Iban>("iban", &self.iban);
        let billing = match &self.billing_address {
            Some(a) => address(&mut v, "billing_address", a),
            None => {
                v.error("billing_address", Message::new("required"));
                None
            }
        };
        let delivery = self.delivery_address.as_ref().and_then(|a| address(&mut v, "delivery_address", a));
        let contacts_in = self.contacts.clone().unwrap_or_default();
        if contacts_in.len() > MAX_CONTACTS {
            v.error("contacts", Message::new("most_contacts").with("max", MAX_CONTACTS));
        }
        let mut contacts = Vec::new();
        for (i, c) in contacts_in.iter().enumerate().take(MAX_CONTACTS) {
            let f = |x: &str| format!("contacts[{i}].{x}");
            let name = v.text(&f("name"), &c.name, 200);
            let role = v.opt_text(&f("role"), &c.role, 100);
            let email = v.opt_parse::<Email>(&f("email"), &c.email);
            let phone = v.opt_text(&f("phone"), &c.phone, 40);
            let mobile = v.opt_text(&f("mobile"), &c.mobile, 40);
            if let Some(name) = name {
                contacts.push(Contact { name, role, email, phone, mobile });
            }
        }
        let language = match self.language.as_deref() {
            None | Some("fr") => Language::Fr,
            Some("en") => Language::En,
            Some(other) => {
                v.error("language", Message::new("not_a_language").with("v", format!("{other:?}")));
                Language::Fr
            }
        };
        let currency = v.opt_parse::<Currency>("currency", &self.currency);
        let payment_terms = v.opt_parse::<PaymentTerms>("payment_terms", &self.payment_terms.clone().map(|t| t.0));
        let tags_in = self.tags.clone().unwrap_or_default();
        if tags_in.len() > MAX_TAGS {
            v.error("tags", Message::new("most_tags").with("max", MAX_TAGS));
        }
        let mut tags = Vec::new();
        for (i, t) in tags_in.iter().enumerate().take(MAX_TAGS) {
            if let Some(t) = v.opt_text(&format!("tags[{i}]"), &Some(t.clone()), 50) {
                tags.push(t);
            }
        }
        let notes = v.opt_lines("notes", &self.notes, 10_000);
        let invoice_grouping = v
            .opt_parse::<facturier_core::party::InvoiceGrouping>("invoice_grouping", &self.invoice_grouping)
            .unwrap_or_default();
        let contract_billing = v
            .opt_parse::<facturier_core::party::ContractBilling>("contract_billing", &self.contract_billing)
            .unwrap_or_default();
        let network = v.opt_parse::<facturier_core::party::Network>("network", &self.network);
        v.finish()?;
        let (Some(name), Some(billing_address)) = (name, billing) else {
            return Err(ApiError::field("body", Message::new("incomplete_customer")));
        };
        Ok(Customer {
            kind,
            name,
            email,
            activity,
            legal,
            iban,
            billing_address,
            delivery_address: delivery,
            contacts,
            language,
            currency,
            payment_terms,
            tags,
            notes,
            invoice_grouping,
            contract_billing,
            network,
        })
    }

    /// The input that would recreate a customer (the base of a merge patch).
    pub fn from_customer(c: &Customer) -> CustomerInput {
        let addr = |a: &Address| AddressInput {
            line1: Some(a.line1.clone()),
            line2: a.line2.clone(),
            postal_code: Some(a.postal_code.clone()),
            city: Some(a.city.clone()),
            country: Some(a.country.as_str().to_string()),
        };
        CustomerInput {
            kind: Some(if c.kind == CustomerKind::Company { "company" } else { "individual" }.into()),
            name: Some(c.name.clone()),
            email: c.email.as_ref().map(|e| e.to_string()),
            activity: c.activity.clone(),
            legal: Some(LegalInput {
                siren: c.legal.siren.as_ref().map(|s| s.to_string()),
                siret: c.legal.siret.as_ref().map(|s| s.to_string()),
                vat_number: c.legal.vat_number.as_ref().map(|s| s.to_string()),
            }),
            iban: c.iban.as_ref().map(|s| s.to_string()),
            billing_address: Some(addr(&c.billing_address)),
            delivery_address: c.delivery_address.as_ref().map(addr),
            contacts: Some(
                c.contacts
                    .iter()
                    .map(|k| ContactInput {
                        name: Some(k.name.clone()),
                        role: k.role.clone(),
                        email: k.email.as_ref().map(|e| e.to_string()),
                        phone: k.phone.clone(),
                        mobile: k.mobile.clone(),
                    })
                    .collect(),
            ),
            language: Some(if c.language == Language::En { "en" } else { "fr" }.into()),
            currency: c.currency.map(|c| c.code().to_string()),
            payment_terms: c.payment_terms.map(|t| DecText(t.to_string())),
            tags: Some(c.tags.clone()),
            notes: c.notes.clone(),
            invoice_grouping: Some(c.invoice_grouping.as_str().into()),
            contract_billing: Some(c.contract_billing.as_str().into()),
            network: c.network.map(|n| n.as_str().into()),
            ..Default::default()
        }
    }
}
