//! The EN 16931 reading of a [`RenderDocument`], shared by the CII and UBL writers so
//! that both say the same thing: document type, billing frame, notes, parties'
//! identifiers and electronic addresses, lines, allowances and charges, payment means,
//! prepaid and payable amounts. Every amount comes from `core`'s totals as computed;
//! nothing is recomputed here but sums of those parts (prepaid) and their difference.

use crate::error::FormatError;
use crate::mentions::{self, Note};
use crate::model::RenderDocument;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Line, LineKind};
use facturier_core::ids::VatNumber;
use facturier_core::money::{Currency, to_text};
use facturier_core::party::{Address, Language};
use facturier_core::schedule::PaymentMode;
use facturier_core::tax::{ExemptionMention, Vat, VatCategory};
use facturier_core::totals::LineAmounts;
use time::Date;

/// What an EN 16931 writer needs, read once from the document.
pub(crate) struct Invoice<'a> {
    pub doc: &'a RenderDocument,
    pub currency: Currency,
    /// BT-1. A draft has no number yet; its XML says so.
    pub number: String,
    /// BT-3: 380 invoice, 386 prepayment (deposit) invoice, 381 credit note.
    pub type_code: &'static str,
    /// BT-23, the French billing frame ("cadre de facturation"): B/S/M for goods,
    /// services or both, then 1 (plain), 2 (already paid) or 4 (final after deposits).
    pub billing_frame: String,
    /// BG-1, with their UNTDID 4451 subject codes.
    pub notes: Vec<Note>,
    pub seller_siren: Option<String>,
    /// BT-32, the seller's tax registration: its SIREN when it has no VAT number (a
    /// micro-entrepreneur under the franchise en base), which BR-E-02 and BR-S-02 accept
    /// in place of BT-31.
    pub seller_tax_registration: Option<String>,
    /// BT-31 and BT-48: the parties' VAT numbers, left out of a document with lines
    /// outside the scope of VAT (category O), as BR-O-02 wants.
    pub seller_vat: Option<&'a VatNumber>,
    pub buyer_vat: Option<&'a VatNumber>,
    pub lines: Vec<ItemLine<'a>>,
    /// BG-20 and BG-21, one per VAT category and rate.
    pub allowances_charges: Vec<DocumentAllowanceCharge>,
    /// BG-16.
    pub means: Vec<Means<'a>>,
    /// BT-20.
    pub terms: Option<String>,
    /// BT-72: the delivery date, or for an intra-community supply (K, which needs one,
    /// BR-IC-11) the issue date when none was given.
    pub delivery_date: Option<Date>,
    /// BG-15: where the goods go, when it is not the billing address or the VAT
    /// category needs it (K: BR-IC-12).
    pub ship_to: Option<&'a Address>,
    /// BT-113: payments and credit notes already set against the document.
    pub prepaid: Decimal,
    /// BT-115 = BT-112 − BT-113.
    pub payable: Decimal,
    /// BT-6 and BT-111: the VAT total in euros for a document in another currency
    /// (BR-FR-CO-12), at the exchange rate fixed at issue.
    pub tax_currency: Option<Decimal>,
}

/// One item line (BG-25). Comment lines become the note of the item line they precede
/// (BT-127); subtotal lines are presentation only and are left out.
pub(crate) struct ItemLine<'a> {
    /// BT-126: 1, 2, 3… over item lines.
    pub id: String,
    pub line: &'a Line,
    pub amounts: &'a LineAmounts,
    /// BT-127.
    pub note: Option<String>,
    /// BT-153: the first line of the description.
    pub name: String,
    /// BT-154: the whole description when it has more than the name.
    pub description: Option<String>,
    /// BT-155: the catalogue reference of the product.
    pub seller_id: Option<&'a str>,
}

/// A document-level allowance (discount, BG-20) or charge (shipping, BG-21).
pub(crate) struct DocumentAllowanceCharge {
    pub charge: bool,
    pub amount: Decimal,
    /// BT-93/BT-100 and BT-94/BT-101, for a percent discount.
    pub base_and_percent: Option<(Decimal, Decimal)>,
    pub reason: String,
    /// UNTDID 5189 (allowances) or 7161 (charges).
    pub reason_code: &'static str,
    pub vat: Vat,
}

/// A payment means (BG-16).
pub(crate) struct Means<'a> {
    /// UNTDID 4461.
    pub code: &'static str,
    pub bank: Option<&'a crate::model::BankAccount>,
}

/// BT-34/BT-49: a party's electronic address and its EAS scheme.
pub(crate) struct Endpoint {
    pub scheme: &'static str,
    pub id: String,
}

/// Which electronic address scheme names a French company by its SIREN: 0225, the
/// French e-invoicing directory, for the French network; 0002 (SIRENE) on Peppol.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Network {
    France,
    Peppol,
}

impl<'a> Invoice<'a> {
    pub(crate) fn read(doc: &'a RenderDocument, need_lines: bool) -> Result<Invoice<'a>, FormatError> {
        let type_code = match doc.kind {
            DocumentKind::Invoice => "380",
            // "Prepayment invoice": accepted by EN 16931, Factur-X and BR-FR-04.
            DocumentKind::DepositInvoice => "386",
            DocumentKind::CreditNote => "381",
            other => return Err(FormatError::NotAnInvoice(other.as_str())),
        };
        let currency = doc.content.currency;
        let lines = item_lines(doc);
        if need_lines && lines.is_empty() {
            return Err(FormatError::NoLines);
        }
        let prepaid = doc.settled.iter().fold(currency.round(Decimal::ZERO), |s, p| s + currency.round(p.amount));
        let payable = doc.totals.gross - prepaid;
        let has_k = doc.totals.vat.iter().any(|b| b.category == VatCategory::K);
        let billing = doc.content.billing_address.as_ref().unwrap_or(&doc.buyer.address);
        let delivery = doc.content.effective_delivery_address().unwrap_or(&doc.buyer.address);
        let ship_to = (has_k || delivery != billing).then_some(delivery);
        let delivery_date = doc.content.delivery_date.or(has_k.then_some(doc.issue_date));
        let tax_currency = match doc.content.exchange_rate {
            Some(rate) if currency.code() != "EUR" => Some(Currency::EUR.round(doc.totals.vat_total * rate)),
            _ => None,
        };
        let seller_siren = doc
            .seller
            .siren
            .as_ref()
            .map(|s| s.as_str().to_string())
            .or_else(|| doc.seller.siret.as_ref().map(|s| s.siren().to_string()));
        let not_subject = doc.content.items().any(|l| l.vat.category() == VatCategory::O);
        Ok(Invoice {
            doc,
            seller_vat: doc.seller.vat_number.as_ref().filter(|_| !not_subject),
            buyer_vat: doc.buyer.vat_number.as_ref().filter(|_| !not_subject),
            currency,
            number: doc.number.clone().unwrap_or_else(|| "BROUILLON".to_string()),
            type_code,
            billing_frame: billing_frame(doc, payable),
            notes: notes(doc),
            seller_tax_registration: seller_siren.clone().filter(|_| doc.seller.vat_number.is_none()),
            seller_siren,
            lines,
            allowances_charges: allowances_charges(doc),
            means: means(doc),
            terms: terms(doc),
            delivery_date,
            ship_to,
            prepaid,
            payable,
            tax_currency,
        })
    }

    /// An amount of the document's currency as written: rounded to its minor unit.
    pub(crate) fn amount(&self, d: Decimal) -> String {
        self.currency.round(d).to_string()
    }

    pub(crate) fn seller_endpoint(&self, network: Network) -> Option<Endpoint> {
        let s = &self.doc.seller;
        let by_siren = self.seller_siren.clone().map(|id| Endpoint { scheme: siren_scheme(network), id });
        by_siren
            .or_else(|| s.email.clone().map(|id| Endpoint { scheme: "EM", id }))
            .or_else(|| s.vat_number.as_ref().and_then(vat_endpoint))
    }

    pub(crate) fn buyer_endpoint(&self, network: Network) -> Option<Endpoint> {
        let b = &self.doc.buyer;
        self.buyer_siren()
            .map(|id| Endpoint { scheme: siren_scheme(network), id })
            .or_else(|| b.vat_number.as_ref().and_then(vat_endpoint))
            .or_else(|| b.email.clone().map(|id| Endpoint { scheme: "EM", id }))
    }

    pub(crate) fn buyer_siren(&self) -> Option<String> {
        let b = &self.doc.buyer;
        b.siren.as_ref().map(|s| s.as_str().to_string()).or_else(|| b.siret.as_ref().map(|s| s.siren().to_string()))
    }

    /// BT-120/BT-121 for a category that needs a reason.
    pub(crate) fn exemption(&self, category: VatCategory) -> Option<ExemptionMention<'_>> {
        self.doc.content.exemption(category, self.doc.language == Language::Fr)
    }
}

fn siren_scheme(network: Network) -> &'static str {
    match network {
        Network::France => "0225",
        Network::Peppol => "0002",
    }
}

/// The EAS scheme of a VAT number (ISO 6523 ICD 99xx, one per country), for a party
/// known only by its VAT number (a foreign customer).
fn vat_endpoint(vat: &VatNumber) -> Option<Endpoint> {
    let scheme = match vat.prefix() {
        "AT" => "9914",
        "BE" => "9925",
        "BG" => "9926",
        "CH" => "9927",
        "CY" => "9928",
        "CZ" => "9929",
        "DE" => "9930",
        "EE" => "9931",
        "GB" => "9932",
        "EL" => "9933",
        "HR" => "9934",
        "IE" => "9935",
        "LT" => "9937",
        "LU" => "9938",
        "LV" => "9939",
        "MT" => "9943",
        "NL" => "9944",
        "PL" => "9945",
        "PT" => "9946",
        "RO" => "9947",
        "SI" => "9949",
        "SK" => "9950",
        "FR" => "9957",
        "ES" => "9920",
        "HU" => "9910",
        "IT" => "0211",
        "FI" => "0213",
        _ => return None,
    };
    Some(Endpoint { scheme, id: vat.as_str().to_string() })
}

/// BT-23: the letter says what is supplied, the digit how the invoice is settled.
fn billing_frame(doc: &RenderDocument, payable: Decimal) -> String {
    let letter = match doc.operation {
        crate::model::Operation::Goods => 'B',
        crate::model::Operation::Services => 'S',
        crate::model::Operation::Mixed => 'M',
    };
    let digit = if doc.kind == DocumentKind::Invoice && !doc.preceding.is_empty() {
        // A final invoice that deducts deposit invoices (BR-FR-CO-08 keeps 386 out of it).
        '4'
    } else if doc.kind.is_payable() && !doc.settled.is_empty() && payable.is_zero() {
        // Paid before the invoice was issued: BR-FR-CO-09 checks BT-113 = BT-112, BT-115 = 0.
        '2'
    } else {
        '1'
    };
    format!("{letter}{digit}")
}

/// The legal mentions, then the document's own public note (AAI, general information).
fn notes(doc: &RenderDocument) -> Vec<Note> {
    let mut out = mentions::notes(doc);
    // BR-FR-05 wants the payment mentions (PMT, PMD, AAB) on every document, credit
    // notes included, where the printed page may leave them out: take the invoice's.
    let required = ["PMT", "PMD", "AAB"];
    if required.iter().any(|code| !out.iter().any(|n| n.subject == Some(*code))) {
        let mut as_invoice = doc.clone();
        as_invoice.kind = DocumentKind::Invoice;
        for n in mentions::notes(&as_invoice) {
            if n.subject.is_some_and(|s| required.contains(&s) && !out.iter().any(|o| o.subject == Some(s))) {
                out.push(n);
            }
        }
    }
    if let Some(n) = doc.content.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        out.push(Note { subject: Some("AAI"), text: n.to_string() });
    }
    out
}

fn item_lines(doc: &RenderDocument) -> Vec<ItemLine<'_>> {
    let mut out: Vec<ItemLine<'_>> = Vec::new();
    let mut comments: Vec<&str> = Vec::new();
    let mut amounts = doc.totals.lines.iter();
    for line in &doc.content.lines {
        match line.kind {
            LineKind::Comment => {
                let t = line.description.trim();
                if !t.is_empty() {
                    comments.push(t);
                }
            }
            LineKind::Subtotal => {}
            LineKind::Item | LineKind::Deduction => {
                // `Totals::lines` has one entry per item line, in order.
                let Some(a) = amounts.next() else { break };
                let note = (!comments.is_empty()).then(|| comments.join("\n"));
                comments.clear();
                let text = line.description.trim();
                let name = text.lines().next().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("Article");
                out.push(ItemLine {
                    id: (out.len() + 1).to_string(),
                    line,
                    amounts: a,
                    note,
                    name: name.to_string(),
                    description: (text != name && !text.is_empty()).then(|| text.to_string()),
                    seller_id: line.product_id.and_then(|id| doc.references.get(&id)).map(String::as_str),
                });
            }
        }
    }
    // Comments after the last item line go with it.
    if !comments.is_empty()
        && let Some(last) = out.last_mut()
    {
        let tail = comments.join("\n");
        last.note = Some(match last.note.take() {
            Some(n) => format!("{n}\n{tail}"),
            None => tail,
        });
    }
    out
}

fn allowances_charges(doc: &RenderDocument) -> Vec<DocumentAllowanceCharge> {
    let c = &doc.content;
    let lang = doc.language;
    let mut out = Vec::new();
    // The discount, split per VAT category and rate by `core` (BT-95 needs one).
    for b in doc.totals.vat.iter().filter(|b| !b.discount.is_zero()) {
        let Ok(vat) = Vat::new(b.rate, Some(b.category)) else { continue };
        let percent = c.discount_amount.is_none().then_some(c.discount_percent).filter(|p| !p.is_zero());
        out.push(DocumentAllowanceCharge {
            charge: false,
            amount: b.discount,
            base_and_percent: percent.map(|p| (b.discount_base, p)),
            reason: if lang == Language::Fr { "Remise" } else { "Discount" }.to_string(),
            reason_code: "95",
            vat,
        });
    }
    if let Some(s) = c.shipping.as_ref().filter(|s| !s.amount.is_zero()) {
        out.push(DocumentAllowanceCharge {
            charge: true,
            amount: c.currency.round(s.amount),
            base_and_percent: None,
            reason: s.label.clone(),
            // UNTDID 7161 FC: freight service.
            reason_code: "FC",
            vat: s.vat,
        });
    }
    out
}

/// The payment means (BG-16): one code, as CII-SR-467 wants every means to share it.
/// A bank transfer, or no stated mode with a printed account, is a SEPA credit
/// transfer (58) with its IBAN (BR-61).
fn means(doc: &RenderDocument) -> Vec<Means<'_>> {
    let bank = doc.bank.as_ref();
    let code = match doc.content.payment_mode {
        None | Some(PaymentMode::BankTransfer) if bank.is_some() => {
            return vec![Means { code: "58", bank }];
        }
        None => return Vec::new(),
        // A transfer to an account the invoice does not give: payment to bank account.
        Some(PaymentMode::BankTransfer) => "42",
        // SEPA direct debit (59) needs the mandate reference (BT-89), which documents do
        // not carry: direct debit.
        Some(PaymentMode::DirectDebit) => "49",
        Some(PaymentMode::Card) => "48",
        Some(PaymentMode::Cheque) => "20",
        Some(PaymentMode::Cash) => "10",
        Some(PaymentMode::Online) => "68",
        Some(PaymentMode::Other) => "ZZZ",
    };
    vec![Means { code, bank: None }]
}

/// BT-20: the payment terms as printed, then the payment schedule when there is one:
/// EN 16931 has one due date (BT-9), so each instalment's amount and date are said here,
/// as the PDF prints them.
fn terms(doc: &RenderDocument) -> Option<String> {
    if doc.kind == DocumentKind::CreditNote {
        return None;
    }
    let mut out = terms_label(doc);
    if let Some(schedule) = &doc.content.schedule {
        let lang = doc.language;
        let dues = schedule.compute(doc.totals.gross, doc.content.currency, doc.issue_date);
        let parts: Vec<String> = dues
            .iter()
            .map(|d| {
                let amount = crate::text::money(d.amount, doc.content.currency, lang);
                let date = crate::text::date(d.date, lang);
                match lang {
                    Language::Fr => format!("{amount} le {date}"),
                    Language::En => format!("{amount} on {date}"),
                }
            })
            .collect();
        let (head, sep) = match lang {
            Language::Fr => ("Échéancier :", " ; "),
            Language::En => ("Payment schedule:", "; "),
        };
        out = format!("{out}. {head} {}", parts.join(sep));
    }
    Some(out)
}

fn terms_label(doc: &RenderDocument) -> String {
    let t = doc.content.payment_terms;
    match doc.language {
        Language::Fr => t.label_fr(),
        Language::En => match t {
            facturier_core::terms::PaymentTerms::OnReceipt => "Due on receipt".to_string(),
            facturier_core::terms::PaymentTerms::Days(n) => format!("{n} days net"),
            facturier_core::terms::PaymentTerms::DaysEndOfMonth(n) => format!("{n} days end of month"),
            facturier_core::terms::PaymentTerms::EndOfMonthPlus(n) => format!("End of month + {n} days"),
        },
    }
}

/// A VAT rate as the French rules list them: "20.00", "5.50", "0.00".
pub(crate) fn rate(r: Decimal) -> String {
    to_text(r, 2)
}

/// A percentage of a discount.
pub(crate) fn percent(p: Decimal) -> String {
    to_text(p, 2)
}

/// A quantity without trailing zeros ("3", "-1", "2.5").
pub(crate) fn quantity(q: Decimal) -> String {
    to_text(q, 0)
}

/// A unit price with 2 to 6 decimals, as stored.
pub(crate) fn price(p: Decimal) -> String {
    to_text(p, 2)
}

/// BR-O-05 and friends: a line or breakdown of category O carries no rate.
pub(crate) fn has_rate(category: VatCategory) -> bool {
    category != VatCategory::O
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Settled;
    use crate::sample;

    #[test]
    fn the_billing_frame_says_what_is_supplied_and_how_it_is_settled() {
        let mut doc = sample::invoice(3);
        doc.operation = crate::model::Operation::Goods;
        assert_eq!(Invoice::read(&doc, true).map(|i| i.billing_frame).ok().as_deref(), Some("B1"));
        doc.settled = vec![Settled { label: "Virement".into(), amount: doc.totals.gross }];
        assert_eq!(Invoice::read(&doc, true).map(|i| i.billing_frame).ok().as_deref(), Some("B2"));
        doc.settled.clear();
        doc.preceding = vec![crate::model::Reference { number: "FA2026-00001".into(), issue_date: None }];
        doc.operation = crate::model::Operation::Services;
        assert_eq!(Invoice::read(&doc, true).map(|i| i.billing_frame).ok().as_deref(), Some("S4"));
    }

    #[test]
    fn comments_go_with_the_next_item_line_and_subtotals_are_left_out() {
        // The sample starts with a comment line and ends with a subtotal line.
        let doc = sample::invoice(3);
        let Ok(inv) = Invoice::read(&doc, true) else { panic!("an invoice") };
        assert_eq!(inv.lines.len(), 3);
        let comment = doc.content.lines.iter().find(|l| l.kind == LineKind::Comment).map(|l| l.description.trim());
        assert!(doc.content.lines[0].kind == LineKind::Comment && comment.is_some());
        assert_eq!(inv.lines[0].note.as_deref(), comment);
        assert!(inv.lines[1].note.is_none() && inv.lines[2].note.is_none());
        assert_eq!(inv.lines.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    }

    #[test]
    fn one_payment_means_code() {
        let mut doc = sample::invoice(1);
        let codes = |d: &RenderDocument| means(d).iter().map(|m| (m.code, m.bank.is_some())).collect::<Vec<_>>();
        assert_eq!(codes(&doc), [("58", true)], "an account and no stated mode: SEPA transfer");
        doc.content.payment_mode = Some(PaymentMode::Card);
        assert_eq!(codes(&doc), [("48", false)]);
        doc.content.payment_mode = None;
        doc.bank = None;
        assert!(codes(&doc).is_empty());
        doc.content.payment_mode = Some(PaymentMode::BankTransfer);
        assert_eq!(codes(&doc), [("42", false)], "a transfer to an account the invoice does not give");
    }
}
