//! The draft editor's form as typed (lines, their taxes, instalments, the "More"
//! fields) and its reading into the API's document input.

use crate::app::documents::{self as ops, DocumentInput, ExemptionInput};
use crate::input::DecText;
use crate::web::WebError;
use crate::web::session::FormData;
use crate::web::settings;
use facturier_core::Decimal;
use facturier_core::document::Content;
use facturier_core::money::to_text;
use facturier_core::party::Language;
use facturier_core::tax::{ExemptionReason, VatCategory, exemption_mention};
use facturier_core::totals::OtherTaxRate;
use std::collections::BTreeMap;

/// One line of the editor, as typed.
#[derive(Clone, Debug, Default)]
pub struct LineForm {
    pub i: usize,
    pub n: usize,
    pub id: String,
    pub product_id: String,
    /// `item` (or empty), `comment` or `subtotal`.
    pub kind: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub vat_rate: String,
    /// Empty: told by the rate (S above 0 %, Z at 0 %).
    pub vat_category: String,
    pub discount: String,
    pub unit: String,
    pub purchase_price: String,
    /// `goods`, `services`, or empty: the product's, else the unit's or the company's
    /// main activity (the API decides).
    pub nature: String,
    /// The line's taxes other than VAT (eco-participation, DEEE…), in their order.
    pub taxes: Vec<TaxForm>,
}

/// One tax other than VAT on a line, as typed: a label, and an amount per unit or a
/// percent of the price.
#[derive(Clone, Debug, Default)]
pub struct TaxForm {
    pub j: usize,
    pub m: usize,
    pub label: String,
    pub amount: String,
    pub percent: String,
}

impl TaxForm {
    pub(super) fn is_blank(&self) -> bool {
        [&self.label, &self.amount, &self.percent].iter().all(|v| v.trim().is_empty())
    }
}

/// As many taxes as the API takes on a line.
pub(super) const MAX_LINE_TAXES: usize = 10;

impl LineForm {
    /// A text line (comment or subtotal): no figures.
    pub fn is_comment(&self) -> bool {
        matches!(self.kind.as_str(), "comment" | "subtotal")
    }
    pub fn is_subtotal(&self) -> bool {
        self.kind == "subtotal"
    }
    /// The taxes typed, then an empty row to add one without JavaScript.
    pub fn tax_rows(&self) -> Vec<TaxForm> {
        let mut rows = self.taxes.clone();
        if rows.len() < MAX_LINE_TAXES {
            rows.push(TaxForm { j: rows.len(), m: rows.len() + 1, ..TaxForm::default() });
        }
        rows
    }
}

pub(super) const LINE_FIELDS: [&str; 12] = [
    "id",
    "product_id",
    "kind",
    "description",
    "quantity",
    "unit_price",
    "vat_rate",
    "vat_category",
    "discount_percent",
    "unit",
    "purchase_price",
    "nature",
];

pub(super) const TAX_FIELDS: [&str; 3] = ["label", "amount", "percent"];

/// The rows of `prefix[i].field` inputs among `pairs` (name, value), by their index `i`
/// in the form, in index order.
pub(super) fn indexed<'a, const N: usize>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    prefix: &str,
    fields: [&str; N],
    bound: usize,
) -> BTreeMap<usize, [String; N]> {
    let mut by_index: BTreeMap<usize, [String; N]> = BTreeMap::new();
    for (k, v) in pairs {
        let Some((i, field)) = index_and_field(k, prefix) else { continue };
        let Some(f) = fields.iter().position(|x| *x == field) else { continue };
        // Bounded: an index is a position in the form, not a size to allocate.
        if i < bound {
            by_index.entry(i).or_insert_with(|| std::array::from_fn(|_| String::new()))[f] = v.to_string();
        }
    }
    by_index
}

/// Every input of the form as (name, value).
pub(super) fn pairs(form: &FormData) -> impl Iterator<Item = (&str, &str)> {
    form.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// `prefix[i].field` → (i, field).
pub(super) fn index_and_field<'a>(key: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let rest = key.strip_prefix(prefix)?.strip_prefix('[')?;
    let (i, field) = rest.split_once("].")?;
    Some((i.parse().ok()?, field))
}

/// The taxes of every line, by the line's index in the form: `lines[i].taxes[j].field`.
pub(super) fn form_taxes(form: &FormData) -> BTreeMap<usize, Vec<TaxForm>> {
    let mut by_line: BTreeMap<usize, Vec<(&str, &str)>> = BTreeMap::new();
    for (k, v) in pairs(form) {
        if let Some((i, rest)) = index_and_field(k, "lines")
            && i < MAX_LINES
        {
            by_line.entry(i).or_default().push((rest, v));
        }
    }
    by_line
        .into_iter()
        .map(|(i, inputs)| {
            let taxes = indexed(inputs, "taxes", TAX_FIELDS, MAX_LINE_TAXES)
                .into_values()
                .enumerate()
                .map(|(j, [label, amount, percent])| TaxForm { j, m: j + 1, label, amount, percent })
                .collect();
            (i, taxes)
        })
        .collect()
}

/// As many lines as a form is read for.
pub(super) const MAX_LINES: usize = 1000;

/// The lines of the submitted form, in index order.
pub fn form_lines(form: &FormData) -> Vec<LineForm> {
    let mut taxes = form_taxes(form);
    indexed(pairs(form), "lines", LINE_FIELDS, MAX_LINES)
        .into_iter()
        .enumerate()
        .map(
            |(
                i,
                (
                    at,
                    [
                        id,
                        product_id,
                        kind,
                        description,
                        quantity,
                        unit_price,
                        vat_rate,
                        vat_category,
                        discount,
                        unit,
                        purchase_price,
                        nature,
                    ],
                ),
            )| LineForm {
                i,
                n: i + 1,
                id,
                product_id,
                kind,
                description,
                quantity,
                unit_price,
                vat_rate,
                vat_category,
                discount,
                unit,
                purchase_price,
                nature,
                taxes: taxes.remove(&at).unwrap_or_default(),
            },
        )
        .collect()
}

pub(super) fn blank_line(i: usize, vat_rate: &str) -> LineForm {
    LineForm { i, n: i + 1, quantity: "1".into(), vat_rate: vat_rate.into(), ..LineForm::default() }
}

/// One instalment of the payment schedule, as typed.
#[derive(Clone, Debug, Default)]
pub struct InstalmentForm {
    pub i: usize,
    pub n: usize,
    pub percent: String,
    /// `payment` (or empty) or `deposit`.
    pub kind: String,
    pub condition: String,
    pub mode: String,
    pub title: String,
}

impl InstalmentForm {
    pub(super) fn is_blank(&self) -> bool {
        [&self.percent, &self.condition, &self.title].iter().all(|v| v.trim().is_empty())
    }
}

pub(super) const INSTALMENT_FIELDS: [&str; 5] = ["percent", "kind", "condition", "mode", "title"];

/// (API field path, label key, input type, hint key).
pub(super) type MoreInput = (&'static str, &'static str, &'static str, &'static str);

/// The inputs of the editor's "More" section, by group: (API field path, label key,
/// input type, hint key). A name is the API's path so that its errors land next to it.
pub(super) const MORE: &[(&str, &[MoreInput])] = &[
    (
        "editor.group_document",
        &[
            ("title", "editor.title", "text", ""),
            ("customer_reference", "editor.customer_reference", "text", ""),
            ("issue_date", "editor.issue_date", "date", "editor.issue_date_hint"),
            ("delivery_date", "editor.delivery_date", "date", ""),
            ("operation", "editor.operation", "select", ""),
            ("contact", "editor.contact", "text", ""),
            ("salesperson", "editor.salesperson", "text", ""),
            ("currency", "editor.currency", "text", "editor.currency_hint"),
            ("exchange_rate", "editor.exchange_rate", "decimal", "editor.exchange_rate_hint"),
        ],
    ),
    (
        "editor.group_payment",
        &[
            ("payment_terms", "editor.payment_terms", "text", "editor.payment_terms_hint"),
            ("payment_mode", "editor.payment_mode", "select", ""),
        ],
    ),
    (
        "editor.group_shipping",
        &[
            ("shipping.label", "editor.shipping_label", "text", "editor.shipping_label_hint"),
            ("shipping.amount", "editor.shipping_amount", "decimal", ""),
            ("shipping.vat_rate", "line.vat_rate", "select", ""),
            ("shipping.vat_category", "editor.vat_category", "select", ""),
        ],
    ),
    (
        "editor.group_billing",
        &[
            ("billing_address.line1", "address.line1", "text", ""),
            ("billing_address.line2", "cust.line2", "text", ""),
            ("billing_address.postal_code", "address.postal_code", "text", ""),
            ("billing_address.city", "address.city", "text", ""),
            ("billing_address.country", "address.country", "text", ""),
        ],
    ),
    (
        "editor.group_delivery",
        &[
            ("delivery_address.line1", "address.line1", "text", ""),
            ("delivery_address.line2", "cust.line2", "text", ""),
            ("delivery_address.postal_code", "address.postal_code", "text", ""),
            ("delivery_address.city", "address.city", "text", ""),
            ("delivery_address.country", "address.country", "text", ""),
        ],
    ),
    (
        "editor.group_texts",
        &[
            ("special_conditions", "editor.special_conditions", "textarea", ""),
            ("internal_note", "editor.internal_note", "textarea", ""),
        ],
    ),
];

/// The editor's inputs of the document's own exemption mentions, shown for the exempt
/// categories its lines or shipping use: (category, text input, VATEX code input where
/// the category has a choice of codes). Their labels are the settings' (`EXEMPTIONS`).
pub(super) const EXEMPTION_INPUTS: [(VatCategory, &str, Option<&str>); 5] = [
    (VatCategory::E, "vat_exemptions.E.text", Some("vat_exemptions.E.code")),
    (VatCategory::AE, "vat_exemptions.AE.text", Some("vat_exemptions.AE.code")),
    (VatCategory::K, "vat_exemptions.K.text", None),
    (VatCategory::G, "vat_exemptions.G.text", None),
    (VatCategory::O, "vat_exemptions.O.text", None),
];

/// Body fields read as decimals: typed with a comma or spaces, sent with a point.
pub(super) const DECIMAL_PATHS: [&str; 4] =
    ["discount_amount", "exchange_rate", "shipping.amount", "shipping.vat_rate"];

/// Every field path the editor handles besides lines, schedule, discount %, note, terms and validity.
pub(super) fn more_paths() -> impl Iterator<Item = &'static str> {
    MORE.iter().flat_map(|(_, fields)| fields.iter().map(|f| f.0)).chain(["discount_amount"])
}

/// A decimal as typed (`1 234,50`), as the API reads it (`1234.50`).
pub(crate) fn decimal_text(v: &str) -> String {
    v.trim().replace(',', ".").replace([' ', '\u{a0}', '\u{202f}'], "")
}

/// Everything the editor shows, as typed.
#[derive(Clone, Debug, Default)]
pub struct DraftForm {
    pub customer_id: String,
    /// The editor's customer search (not part of the document).
    pub customer_q: String,
    pub lines: Vec<LineForm>,
    pub discount: String,
    pub note: String,
    pub terms: String,
    /// A quote's validity date, `YYYY-MM-DD`.
    pub valid_until: String,
    /// The other body fields by API path (`shipping.amount`, `delivery_address.city`…), as
    /// typed; a path the form did not send is absent and keeps the stored value.
    pub more: BTreeMap<String, String>,
    pub schedule: Vec<InstalmentForm>,
    /// Whether the form sent schedule inputs (else the stored schedule is kept).
    pub schedule_sent: bool,
    /// Whether the form sent a validity date (quotes only).
    pub valid_until_sent: bool,
    /// The exemption mention inputs sent, by name (`vat_exemptions.E.text`…), as typed;
    /// a category not sent keeps the draft's mention (the company's for a new one).
    pub exemptions: BTreeMap<&'static str, String>,
}

impl DraftForm {
    pub(super) fn read(form: &FormData) -> DraftForm {
        let more = more_paths().filter_map(|p| Some((p.to_string(), form.get(p)?.to_string()))).collect();
        let schedule = indexed(pairs(form), "schedule", INSTALMENT_FIELDS, 100)
            .into_values()
            .enumerate()
            .map(|(i, [percent, kind, condition, mode, title])| InstalmentForm {
                i,
                n: i + 1,
                percent,
                kind,
                condition,
                mode,
                title,
            })
            .collect();
        DraftForm {
            customer_id: form.text("customer_id").unwrap_or_default(),
            customer_q: form.get("customer_q").unwrap_or_default().to_string(),
            lines: form_lines(form),
            discount: form.get("discount_percent").unwrap_or_default().to_string(),
            note: form.get("note").unwrap_or_default().to_string(),
            terms: form.get("terms").unwrap_or_default().to_string(),
            valid_until: form.get("valid_until").unwrap_or_default().to_string(),
            more,
            schedule,
            schedule_sent: form.0.iter().any(|(k, _)| k.starts_with("schedule[")),
            valid_until_sent: form.get("valid_until").is_some(),
            exemptions: EXEMPTION_INPUTS
                .iter()
                .flat_map(|(_, text, code)| std::iter::once(*text).chain(*code))
                .filter_map(|name| Some((name, form.get(name)?.to_string())))
                .collect(),
        }
    }

    pub(super) fn of(c: &Content) -> DraftForm {
        // The API's own body of the draft: the form shows what a GET would send back.
        let body = serde_json::to_value(ops::input_of(c)).unwrap_or_default();
        let text = |v: &serde_json::Value, path: &str| {
            v.pointer(&format!("/{}", path.replace('.', "/"))).and_then(|x| x.as_str()).map(String::from)
        };
        let mut more: BTreeMap<String, String> =
            more_paths().filter_map(|p| Some((p.to_string(), text(&body, p)?))).collect();
        let cents = c.currency.minor_units();
        if let Some(sh) = &c.shipping {
            more.insert("shipping.vat_category".into(), shown_category(sh.vat.category(), sh.vat.rate()));
            more.insert("shipping.amount".into(), to_text(sh.amount, cents));
        }
        if let Some(a) = c.discount_amount {
            more.insert("discount_amount".into(), to_text(a, cents));
        }
        let schedule = body
            .get("schedule")
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, it)| InstalmentForm {
                i,
                n: i + 1,
                percent: text(it, "percent").unwrap_or_default(),
                kind: text(it, "kind").unwrap_or_default(),
                condition: text(it, "condition").unwrap_or_default(),
                mode: text(it, "mode").unwrap_or_default(),
                title: text(it, "title").unwrap_or_default(),
            })
            .collect();
        let lines = c
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineForm {
                i,
                n: i + 1,
                id: l.id.to_string(),
                product_id: l.product_id.map(|p| p.to_string()).unwrap_or_default(),
                kind: l.kind.as_str().to_string(),
                description: l.description.clone(),
                quantity: to_text(l.quantity, 0),
                unit_price: to_text(l.unit_price, 2),
                vat_rate: to_text(l.vat.rate(), 0),
                vat_category: shown_category(l.vat.category(), l.vat.rate()),
                discount: if l.discount_percent.is_zero() { String::new() } else { to_text(l.discount_percent, 0) },
                unit: if l.is_item() { l.unit.code().to_string() } else { String::new() },
                purchase_price: l.purchase_price.map(|p| to_text(p, 2)).unwrap_or_default(),
                nature: if l.is_item() { l.supplies().as_str().to_string() } else { String::new() },
                taxes: l
                    .other_taxes
                    .iter()
                    .enumerate()
                    .map(|(j, t)| {
                        let (amount, percent) = match t.rate {
                            OtherTaxRate::PerUnit(a) => (to_text(a, 2), String::new()),
                            OtherTaxRate::PercentOfPrice(p) => (String::new(), to_text(p, 0)),
                        };
                        TaxForm { j, m: j + 1, label: t.label.clone(), amount, percent }
                    })
                    .collect(),
            })
            .collect();
        DraftForm {
            customer_id: c.customer_id.to_string(),
            customer_q: String::new(),
            lines,
            discount: if c.discount_percent.is_zero() { String::new() } else { to_text(c.discount_percent, 0) },
            note: c.note.clone().unwrap_or_default(),
            terms: c.terms.clone().unwrap_or_default(),
            valid_until: c.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            more,
            schedule,
            schedule_sent: true,
            valid_until_sent: true,
            exemptions: BTreeMap::new(),
        }
    }

    /// The document's exemption mentions as the API takes them, when the form sent any:
    /// each category typed (an empty text is the category's own mention, so none), and
    /// the `kept` one of each category not sent. In category order, so that an error at
    /// `vat_exemptions[i]` names the input it came from ([`Self::exemption_errors`]).
    pub(super) fn exemption_list(&self, kept: &[ExemptionReason]) -> Option<Vec<ExemptionInput>> {
        if self.exemptions.is_empty() {
            return None;
        }
        let typed = |name: &str| self.exemptions.get(name).map(|v| v.trim().to_string());
        let list = EXEMPTION_INPUTS
            .iter()
            .filter_map(|(cat, text, code)| match typed(text) {
                Some(t) if t.is_empty() => None,
                Some(t) => Some(ExemptionInput {
                    category: Some(cat.code().to_string()),
                    code: code.and_then(typed).filter(|c| !c.is_empty()),
                    text: Some(t),
                }),
                None => kept.iter().find(|r| r.category() == *cat).map(ops::exemption_input),
            })
            .collect();
        Some(list)
    }

    /// The API's errors with those of a mention moved to its inputs: `vat_exemptions[1].code`
    /// is the code typed for the second category of [`Self::exemption_list`].
    pub(super) fn exemption_errors(
        &self,
        kept: &[ExemptionReason],
        errs: Vec<(String, String)>,
    ) -> Vec<(String, String)> {
        let categories: Vec<VatCategory> = (self.exemption_list(kept).unwrap_or_default().iter())
            .filter_map(|e| e.category.as_deref()?.parse().ok())
            .collect();
        errs.into_iter()
            .map(|(field, m)| {
                let named =
                    settings::exemption_error_input(&field, "vat_exemptions", &categories).and_then(|(cat, input)| {
                        let (_, text, code) = EXEMPTION_INPUTS.iter().find(|e| e.0 == cat)?;
                        Some(if input == "code" { code.unwrap_or(text) } else { text }.to_string())
                    });
                (named.unwrap_or(field), m)
            })
            .collect()
    }

    /// The exempt categories the lines and the shipping use, in the inputs' order.
    pub(super) fn exempt_categories(&self) -> Vec<VatCategory> {
        let used: Vec<&str> = self
            .lines
            .iter()
            .map(|l| l.vat_category.trim())
            .chain(std::iter::once(self.value("shipping.vat_category").trim()))
            .collect();
        EXEMPTION_INPUTS.iter().map(|e| e.0).filter(|c| used.iter().any(|u| u.eq_ignore_ascii_case(c.code()))).collect()
    }

    /// `effective` (the draft's mentions, or the company's) with the ones typed that hold.
    pub(super) fn typed_exemptions(&self, effective: Vec<ExemptionReason>) -> Vec<ExemptionReason> {
        let mut out = effective;
        for (cat, text, code) in EXEMPTION_INPUTS {
            let Some(t) = self.exemptions.get(text).map(|t| t.trim()) else { continue };
            out.retain(|r| r.category() != cat);
            let code = code.and_then(|c| self.exemptions.get(c)).map(|c| c.trim()).filter(|c| !c.is_empty());
            let code = match code.map(str::parse) {
                Some(Ok(c)) => Some(c),
                Some(Err(_)) => continue,
                None => None,
            };
            if let Ok(r) = ExemptionReason::new(cat, code, t) {
                out.push(r);
            }
        }
        out
    }

    /// A field of the "More" section as typed.
    pub fn value(&self, path: &str) -> &str {
        self.more.get(path).map(String::as_str).unwrap_or_default()
    }

    /// Drops lines and instalments left entirely empty and numbers the rest as the API will name them.
    pub(super) fn compact(&mut self) {
        // A subtotal needs no text (the API names it); an empty item or comment is nothing.
        self.lines.retain(|l| {
            l.is_subtotal() || ![&l.description, &l.unit_price, &l.product_id].iter().all(|v| v.trim().is_empty())
        });
        for (k, l) in self.lines.iter_mut().enumerate() {
            (l.i, l.n) = (k, k + 1);
            l.taxes.retain(|t| !t.is_blank());
            for (k, t) in l.taxes.iter_mut().enumerate() {
                (t.j, t.m) = (k, k + 1);
            }
        }
        self.schedule.retain(|it| !it.is_blank());
        for (k, it) in self.schedule.iter_mut().enumerate() {
            (it.i, it.n) = (k, k + 1);
        }
    }

    /// The typed instalments, closed up, then one empty row to add one without JavaScript.
    pub(super) fn with_blank_instalment(mut self) -> DraftForm {
        self.schedule.retain(|it| !it.is_blank());
        for (k, it) in self.schedule.iter_mut().enumerate() {
            (it.i, it.n) = (k, k + 1);
        }
        let i = self.schedule.len();
        self.schedule.push(InstalmentForm { i, n: i + 1, ..InstalmentForm::default() });
        self
    }

    /// The API body: over `base` (the stored draft, when editing), what the form edits.
    /// `kept`: the mentions of the categories the form does not show ([`Self::exemption_list`]).
    pub(super) fn input(&self, base: Option<&Content>, kept: &[ExemptionReason]) -> Result<DocumentInput, WebError> {
        let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let dec = |v: &str| opt(v).map(|x| DecText(decimal_text(&x)));
        let internal = |e: serde_json::Error| WebError::Internal(e.to_string());
        let mut body = serde_json::to_value(base.map(ops::input_of).unwrap_or_default()).map_err(internal)?;
        let obj = body.as_object_mut().ok_or_else(|| WebError::Internal("a document body is an object".into()))?;
        let typed = |path: &str| {
            let v = self.more.get(path)?.trim();
            let v = if DECIMAL_PATHS.contains(&path) { decimal_text(v) } else { v.to_string() };
            (!v.is_empty()).then_some(serde_json::Value::String(v))
        };
        let mut groups: BTreeMap<&str, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
        let mut sent_groups = Vec::new();
        for path in more_paths().filter(|p| self.more.contains_key(*p)) {
            match path.split_once('.') {
                // A group (shipping, an address) is given when any of its inputs is filled.
                Some((group, key)) => {
                    if !sent_groups.contains(&group) {
                        sent_groups.push(group);
                    }
                    if let Some(v) = typed(path) {
                        groups.entry(group).or_default().insert(key.to_string(), v);
                    }
                }
                None => {
                    obj.insert(path.to_string(), typed(path).unwrap_or(serde_json::Value::Null));
                }
            }
        }
        // A VAT rate alone is not shipping: its select always sends one.
        if groups.get("shipping").is_some_and(|m| !m.contains_key("amount") && !m.contains_key("label")) {
            groups.remove("shipping");
        }
        for group in sent_groups {
            let v = groups.remove(group).map(serde_json::Value::Object).unwrap_or(serde_json::Value::Null);
            obj.insert(group.to_string(), v);
        }
        if self.schedule_sent {
            let items: Vec<serde_json::Value> = self
                .schedule
                .iter()
                .filter(|it| !it.is_blank())
                .map(|it| {
                    let mut m = serde_json::Map::new();
                    for (k, v) in [
                        ("percent", decimal_text(&it.percent)),
                        ("kind", it.kind.trim().to_string()),
                        ("condition", it.condition.trim().to_string()),
                        ("mode", it.mode.trim().to_string()),
                        ("title", it.title.trim().to_string()),
                    ] {
                        if !v.is_empty() {
                            m.insert(k.into(), serde_json::Value::String(v));
                        }
                    }
                    serde_json::Value::Object(m)
                })
                .collect();
            let v = if items.is_empty() { serde_json::Value::Null } else { serde_json::Value::Array(items) };
            obj.insert("schedule".into(), v);
        }
        let mut input: DocumentInput = serde_json::from_value(body).map_err(internal)?;
        let old_lines = input.lines.take().unwrap_or_default();
        input.customer_id = opt(&self.customer_id);
        input.lines = Some(
            self.lines
                .iter()
                .map(|l| {
                    let mut li = old_lines
                        .iter()
                        .find(|o| !l.id.is_empty() && o.id.as_deref() == Some(l.id.as_str()))
                        .cloned()
                        .unwrap_or_default();
                    li.description = opt(&l.description);
                    if l.is_comment() {
                        return ops::LineInput {
                            id: li.id,
                            description: li.description,
                            kind: Some(l.kind.clone()),
                            ..Default::default()
                        };
                    }
                    // A deposit's deduction keeps its kind: the document discount leaves it alone.
                    li.kind = (l.kind == "deduction").then(|| l.kind.clone());
                    li.product_id = opt(&l.product_id);
                    li.quantity = dec(&l.quantity);
                    li.unit_price = dec(&l.unit_price);
                    li.vat_rate = dec(&l.vat_rate);
                    li.vat_category = opt(&l.vat_category);
                    li.discount_percent = dec(&l.discount);
                    li.unit = opt(&l.unit);
                    li.purchase_price = dec(&l.purchase_price);
                    li.nature = opt(&l.nature);
                    let taxes: Vec<_> = l
                        .taxes
                        .iter()
                        .filter(|t| !t.is_blank())
                        .map(|t| ops::OtherTaxInput {
                            label: opt(&t.label),
                            amount_per_unit: dec(&t.amount),
                            percent: dec(&t.percent),
                        })
                        .collect();
                    li.other_taxes = (!taxes.is_empty()).then_some(taxes);
                    li
                })
                .collect(),
        );
        input.discount_percent = dec(&self.discount);
        input.note = opt(&self.note);
        input.terms = opt(&self.terms);
        input.valid_until = opt(&self.valid_until);
        if let Some(list) = self.exemption_list(kept) {
            input.vat_exemptions = Some(list);
        }
        Ok(input)
    }
}

impl DraftForm {
    /// `input` as a merge patch over the stored draft: what the form emptied is sent as
    /// `null`, down into shipping and the addresses, so that it goes rather than stays.
    pub(super) fn patch(&self, input: &DocumentInput) -> Result<serde_json::Value, WebError> {
        let mut v = serde_json::to_value(input).map_err(|e| WebError::Internal(e.to_string()))?;
        if let Some(obj) = v.as_object_mut() {
            for path in more_paths().filter(|p| self.more.contains_key(*p)) {
                match path.split_once('.') {
                    None => {
                        obj.entry(path).or_insert(serde_json::Value::Null);
                    }
                    Some((group, key)) => {
                        let g = obj.entry(group).or_insert(serde_json::Value::Null);
                        if let Some(m) = g.as_object_mut() {
                            m.entry(key).or_insert(serde_json::Value::Null);
                        }
                    }
                }
            }
            if self.schedule_sent {
                obj.entry("schedule").or_insert(serde_json::Value::Null);
            }
            if self.valid_until_sent {
                obj.entry("valid_until").or_insert(serde_json::Value::Null);
            }
        }
        Ok(v)
    }
}

/// The category as the editor shows it: empty when the rate tells it (S above 0 %, Z at 0 %).
pub(crate) fn shown_category(cat: VatCategory, rate: Decimal) -> String {
    let told = if rate.is_zero() { VatCategory::Z } else { VatCategory::S };
    if cat == told { String::new() } else { cat.code().to_string() }
}

/// The legal mention of a 0 % category in `lang`, for the code typed: one of `own`
/// (the document's, or the company's for a new one), else the category's default.
pub(super) fn exemption_text<'a>(code: &str, own: &'a [ExemptionReason], lang: Language) -> Option<&'a str> {
    Some(exemption_mention(code.parse::<VatCategory>().ok()?, own, lang == Language::Fr)?.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_lines_keep_ids_products_and_discounts_in_index_order() {
        let f = FormData::parse(
            b"lines%5B3%5D.description=B&lines%5B0%5D.description=A&lines%5B0%5D.discount_percent=10&lines%5B3%5D.product_id=p",
        );
        let l = form_lines(&f);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].description.as_str(), l[0].discount.as_str()), ("A", "10"));
        assert_eq!((l[1].i, l[1].product_id.as_str()), (1, "p"));
    }

    #[test]
    fn each_line_keeps_its_own_taxes_in_index_order_and_blank_rows_go() {
        let f = FormData::parse(
            b"lines%5B3%5D.description=B&lines%5B3%5D.taxes%5B5%5D.label=DEEE&lines%5B3%5D.taxes%5B5%5D.percent=1\
              &lines%5B3%5D.taxes%5B2%5D.label=Eco&lines%5B3%5D.taxes%5B2%5D.amount=2\
              &lines%5B0%5D.description=A&lines%5B0%5D.taxes%5B0%5D.label=&lines%5B0%5D.taxes%5B0%5D.amount=\
              &lines%5B0%5D.taxes%5B99%5D.label=too+far&lines%5B1%5D.taxes%5B0%5D.label=no+line",
        );
        let mut form = DraftForm { lines: form_lines(&f), ..DraftForm::default() };
        assert_eq!(form.lines.len(), 2, "a tax alone does not make a line");
        let b = &form.lines[1];
        let shown: Vec<_> =
            b.taxes.iter().map(|t| (t.j, t.label.as_str(), t.amount.as_str(), t.percent.as_str())).collect();
        assert_eq!(shown, [(0, "Eco", "2", ""), (1, "DEEE", "", "1")]);
        assert_eq!(b.tax_rows().len(), 3, "an empty row follows");
        assert_eq!(form.lines[0].taxes.len(), 1, "row 99 is past the bound");
        form.compact();
        assert!(form.lines[0].taxes.is_empty(), "a blank tax row is dropped");
        let full = LineForm { taxes: vec![TaxForm::default(); MAX_LINE_TAXES], ..LineForm::default() };
        assert_eq!(full.tax_rows().len(), MAX_LINE_TAXES, "no empty row past the API's limit");
    }
}
