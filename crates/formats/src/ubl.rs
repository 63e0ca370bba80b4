//! UBL 2.1 Invoice and CreditNote with the same content as the Factur-X XML.
//!
//! Two flavours differ only in what the networks ask of the header:
//! - [`UblFlavor::Peppol`], Peppol BIS Billing 3.0: its CustomizationID and ProfileID,
//!   SIREN electronic addresses under scheme 0002, and one document note (Peppol allows
//!   no more, PEPPOL-EN16931-R002) holding the French mentions as `#PMD#…` segments.
//! - [`UblFlavor::France`], the French e-invoicing network ("Flux 2"): EN 16931
//!   CustomizationID, the billing frame (BT-23, "B1"…) as ProfileID as BR-FR-08 wants,
//!   SIREN electronic addresses under scheme 0225, one `#CODE#text` note per mention.
//!
//! Element order follows the OASIS XSD sequences; `scripts/validate.py ubl` checks it.

use crate::en16931::{self, Endpoint, Invoice, Network};
use crate::error::FormatError;
use crate::model::RenderDocument;
use crate::xml::Xml;
use facturier_core::document::DocumentKind;
use facturier_core::party::{Address, Language};
use facturier_core::tax::{ExemptionMention, Vat, VatCategory};

const PEPPOL_CUSTOMIZATION: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PEPPOL_PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
const EN16931: &str = "urn:cen.eu:en16931:2017";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Which network the UBL document is written for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UblFlavor {
    /// Peppol BIS Billing 3.0.
    #[default]
    Peppol,
    /// The French e-invoicing network (EN 16931 with the BR-FR rules).
    France,
}

/// The Peppol BIS Billing 3.0 UBL of an invoice, deposit invoice or credit note.
pub fn ubl_xml(doc: &RenderDocument) -> Result<Vec<u8>, FormatError> {
    ubl_xml_for(doc, UblFlavor::Peppol)
}

/// The UBL of an invoice, deposit invoice or credit note for `flavor`'s network.
pub fn ubl_xml_for(doc: &RenderDocument, flavor: UblFlavor) -> Result<Vec<u8>, FormatError> {
    let inv = Invoice::read(doc, true)?;
    let credit = doc.kind == DocumentKind::CreditNote;
    let (root, ns) = if credit {
        ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")
    } else {
        ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
    };
    let network = match flavor {
        UblFlavor::Peppol => Network::Peppol,
        UblFlavor::France => Network::France,
    };
    let cur = inv.currency.code();
    let mut x = Xml::new();
    x.open(root, &[("xmlns", ns), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)]);
    match flavor {
        UblFlavor::Peppol => x.leaf("cbc:CustomizationID", PEPPOL_CUSTOMIZATION).leaf("cbc:ProfileID", PEPPOL_PROFILE),
        UblFlavor::France => x.leaf("cbc:CustomizationID", EN16931).leaf("cbc:ProfileID", &inv.billing_frame),
    };
    x.leaf("cbc:ID", &inv.number).leaf("cbc:IssueDate", &iso(doc.issue_date));
    if !credit && let Some(d) = doc.due_date {
        x.leaf("cbc:DueDate", &iso(d));
    }
    x.leaf(if credit { "cbc:CreditNoteTypeCode" } else { "cbc:InvoiceTypeCode" }, inv.type_code);
    notes(&mut x, &inv, flavor);
    x.leaf("cbc:DocumentCurrencyCode", cur);
    if inv.tax_currency.is_some() {
        x.leaf("cbc:TaxCurrencyCode", "EUR");
    }
    let order_ref = doc.content.customer_reference.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if flavor == UblFlavor::Peppol && order_ref.is_none() {
        // PEPPOL-EN16931-R003 wants BT-10 or BT-13: the person it is addressed to, or its number.
        x.leaf("cbc:BuyerReference", doc.content.contact.as_deref().unwrap_or(&inv.number));
    }
    if let Some(r) = order_ref {
        x.open("cac:OrderReference", &[]).leaf("cbc:ID", r);
        x.close("cac:OrderReference");
    }
    for r in &doc.preceding {
        x.open("cac:BillingReference", &[]).open("cac:InvoiceDocumentReference", &[]).leaf("cbc:ID", &r.number);
        if let Some(d) = r.issue_date {
            x.leaf("cbc:IssueDate", &iso(d));
        }
        x.close("cac:InvoiceDocumentReference").close("cac:BillingReference");
    }

    seller(&mut x, &inv, network);
    buyer(&mut x, &inv, network);
    delivery(&mut x, &inv);
    payment(&mut x, &inv, credit);

    for ac in &inv.allowances_charges {
        x.open("cac:AllowanceCharge", &[])
            .leaf("cbc:ChargeIndicator", if ac.charge { "true" } else { "false" })
            .leaf("cbc:AllowanceChargeReasonCode", ac.reason_code)
            .leaf("cbc:AllowanceChargeReason", &ac.reason);
        if let Some((_, pct)) = ac.base_and_percent {
            x.leaf("cbc:MultiplierFactorNumeric", &en16931::percent(pct));
        }
        x.leaf_attrs("cbc:Amount", &[("currencyID", cur)], &inv.amount(ac.amount));
        if let Some((base, _)) = ac.base_and_percent {
            x.leaf_attrs("cbc:BaseAmount", &[("currencyID", cur)], &inv.amount(base));
        }
        tax_category(&mut x, "cac:TaxCategory", ac.vat, None);
        x.close("cac:AllowanceCharge");
    }

    // BG-23 and BT-110; BT-111 in euros without a breakdown (BR-53).
    let t = &doc.totals;
    x.open("cac:TaxTotal", &[]).leaf_attrs("cbc:TaxAmount", &[("currencyID", cur)], &inv.amount(t.vat_total));
    for b in &t.vat {
        x.open("cac:TaxSubtotal", &[])
            .leaf_attrs("cbc:TaxableAmount", &[("currencyID", cur)], &inv.amount(b.base))
            .leaf_attrs("cbc:TaxAmount", &[("currencyID", cur)], &inv.amount(b.amount));
        let vat = Vat::new(b.rate, Some(b.category)).ok();
        match vat {
            Some(v) => tax_category(&mut x, "cac:TaxCategory", v, inv.exemption(b.category)),
            None => category_only(&mut x, b.category),
        }
        x.close("cac:TaxSubtotal");
    }
    x.close("cac:TaxTotal");
    if let Some(eur) = inv.tax_currency {
        x.open("cac:TaxTotal", &[]).leaf_attrs("cbc:TaxAmount", &[("currencyID", "EUR")], &eur.to_string());
        x.close("cac:TaxTotal");
    }

    // BG-22.
    x.open("cac:LegalMonetaryTotal", &[])
        .leaf_attrs("cbc:LineExtensionAmount", &[("currencyID", cur)], &inv.amount(t.lines_net))
        .leaf_attrs("cbc:TaxExclusiveAmount", &[("currencyID", cur)], &inv.amount(t.net))
        .leaf_attrs("cbc:TaxInclusiveAmount", &[("currencyID", cur)], &inv.amount(t.gross));
    if !t.discount.is_zero() {
        x.leaf_attrs("cbc:AllowanceTotalAmount", &[("currencyID", cur)], &inv.amount(t.discount));
    }
    if !t.charges.is_zero() {
        x.leaf_attrs("cbc:ChargeTotalAmount", &[("currencyID", cur)], &inv.amount(t.charges));
    }
    if !inv.prepaid.is_zero() {
        x.leaf_attrs("cbc:PrepaidAmount", &[("currencyID", cur)], &inv.amount(inv.prepaid));
    }
    x.leaf_attrs("cbc:PayableAmount", &[("currencyID", cur)], &inv.amount(inv.payable));
    x.close("cac:LegalMonetaryTotal");

    for l in &inv.lines {
        line(&mut x, &inv, l, credit);
    }
    x.close(root);
    x.finish()
}

fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// BG-1. UBL has no subject code: the French convention writes it as `#CODE#text`. The
/// seller's legal identity (REG) goes to CompanyLegalForm (BT-33) instead.
fn notes(x: &mut Xml, inv: &Invoice<'_>, flavor: UblFlavor) {
    let texts: Vec<String> = inv
        .notes
        .iter()
        .filter(|n| n.subject != Some("REG"))
        .map(|n| match n.subject {
            Some(code) => format!("#{code}#{}", n.text),
            None => n.text.clone(),
        })
        .collect();
    match flavor {
        UblFlavor::France => {
            for t in &texts {
                x.leaf("cbc:Note", t);
            }
        }
        UblFlavor::Peppol => {
            if !texts.is_empty() {
                x.leaf("cbc:Note", &texts.join("\n"));
            }
        }
    }
}

fn endpoint(x: &mut Xml, e: Option<Endpoint>) {
    if let Some(e) = e {
        x.leaf_attrs("cbc:EndpointID", &[("schemeID", e.scheme)], &e.id);
    }
}

fn address(x: &mut Xml, name: &'static str, a: &Address) {
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    x.open(name, &[])
        .leaf_opt("cbc:StreetName", nonempty(&a.line1).as_deref())
        .leaf_opt("cbc:AdditionalStreetName", a.line2.as_deref().and_then(nonempty).as_deref())
        .leaf_opt("cbc:CityName", nonempty(&a.city).as_deref())
        .leaf_opt("cbc:PostalZone", nonempty(&a.postal_code).as_deref());
    x.open("cac:Country", &[]).leaf("cbc:IdentificationCode", a.country.as_str());
    x.close("cac:Country").close(name);
}

fn vat_scheme(x: &mut Xml, vat: Option<&str>) {
    if let Some(v) = vat {
        x.open("cac:PartyTaxScheme", &[]).leaf("cbc:CompanyID", v);
        x.open("cac:TaxScheme", &[]).leaf("cbc:ID", "VAT");
        x.close("cac:TaxScheme").close("cac:PartyTaxScheme");
    }
}

fn seller(x: &mut Xml, inv: &Invoice<'_>, network: Network) {
    let s = &inv.doc.seller;
    x.open("cac:AccountingSupplierParty", &[]).open("cac:Party", &[]);
    endpoint(x, inv.seller_endpoint(network));
    if let Some(siret) = &s.siret {
        x.open("cac:PartyIdentification", &[]).leaf_attrs("cbc:ID", &[("schemeID", "0009")], siret.as_str());
        x.close("cac:PartyIdentification");
    }
    if let Some(t) = &s.trading_name {
        x.open("cac:PartyName", &[]).leaf("cbc:Name", t);
        x.close("cac:PartyName");
    }
    address(x, "cac:PostalAddress", &s.address);
    vat_scheme(x, inv.seller_vat.map(|v| v.as_str()));
    if let Some(id) = &inv.seller_tax_registration {
        // BT-32: any tax scheme but VAT; Peppol's examples name it TAX, the French CII FC.
        let scheme = if network == Network::Peppol { "TAX" } else { "FC" };
        x.open("cac:PartyTaxScheme", &[]).leaf("cbc:CompanyID", id);
        x.open("cac:TaxScheme", &[]).leaf("cbc:ID", scheme);
        x.close("cac:TaxScheme").close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity", &[]).leaf("cbc:RegistrationName", &s.name);
    if let Some(siren) = &inv.seller_siren {
        x.leaf_attrs("cbc:CompanyID", &[("schemeID", "0002")], siren);
    }
    let legal = crate::mentions::seller_identity(inv.doc);
    if !legal.is_empty() {
        x.leaf("cbc:CompanyLegalForm", &legal);
    }
    x.close("cac:PartyLegalEntity");
    if s.email.is_some() || s.phone.is_some() {
        x.open("cac:Contact", &[])
            .leaf_opt("cbc:Telephone", s.phone.as_deref())
            .leaf_opt("cbc:ElectronicMail", s.email.as_deref());
        x.close("cac:Contact");
    }
    x.close("cac:Party").close("cac:AccountingSupplierParty");
}

fn buyer(x: &mut Xml, inv: &Invoice<'_>, network: Network) {
    let doc = inv.doc;
    let b = &doc.buyer;
    x.open("cac:AccountingCustomerParty", &[]).open("cac:Party", &[]);
    endpoint(x, inv.buyer_endpoint(network));
    if let Some(siret) = &b.siret {
        x.open("cac:PartyIdentification", &[]).leaf_attrs("cbc:ID", &[("schemeID", "0009")], siret.as_str());
        x.close("cac:PartyIdentification");
    }
    address(x, "cac:PostalAddress", doc.content.billing_address.as_ref().unwrap_or(&b.address));
    vat_scheme(x, inv.buyer_vat.map(|v| v.as_str()));
    x.open("cac:PartyLegalEntity", &[]).leaf("cbc:RegistrationName", &b.name);
    if let Some(siren) = inv.buyer_siren() {
        x.leaf_attrs("cbc:CompanyID", &[("schemeID", "0002")], &siren);
    }
    x.close("cac:PartyLegalEntity");
    if let Some(e) = &b.email {
        x.open("cac:Contact", &[]).leaf_opt("cbc:Name", doc.content.contact.as_deref()).leaf("cbc:ElectronicMail", e);
        x.close("cac:Contact");
    }
    x.close("cac:Party").close("cac:AccountingCustomerParty");
}

fn delivery(x: &mut Xml, inv: &Invoice<'_>) {
    if inv.ship_to.is_none() && inv.delivery_date.is_none() {
        return;
    }
    x.open("cac:Delivery", &[]);
    if let Some(d) = inv.delivery_date {
        x.leaf("cbc:ActualDeliveryDate", &iso(d));
    }
    if let Some(a) = inv.ship_to {
        x.open("cac:DeliveryLocation", &[]);
        address(x, "cac:Address", a);
        x.close("cac:DeliveryLocation");
        x.open("cac:DeliveryParty", &[]).open("cac:PartyName", &[]).leaf("cbc:Name", &inv.doc.buyer.name);
        x.close("cac:PartyName").close("cac:DeliveryParty");
    }
    x.close("cac:Delivery");
}

fn payment(x: &mut Xml, inv: &Invoice<'_>, credit: bool) {
    let doc = inv.doc;
    for (i, m) in inv.means.iter().enumerate() {
        x.open("cac:PaymentMeans", &[]).leaf("cbc:PaymentMeansCode", m.code);
        // A credit note has no header due date in UBL: BT-9 goes with the first means.
        if credit
            && i == 0
            && let Some(d) = doc.due_date
        {
            x.leaf("cbc:PaymentDueDate", &iso(d));
        }
        x.leaf("cbc:PaymentID", &inv.number);
        if let Some(bank) = m.bank {
            x.open("cac:PayeeFinancialAccount", &[])
                .leaf("cbc:ID", bank.iban.as_str())
                .leaf_opt("cbc:Name", bank.holder.as_deref());
            if let Some(bic) = bank.bic.as_deref() {
                x.open("cac:FinancialInstitutionBranch", &[]).leaf("cbc:ID", bic);
                x.close("cac:FinancialInstitutionBranch");
            }
            x.close("cac:PayeeFinancialAccount");
        }
        x.close("cac:PaymentMeans");
    }
    if let Some(t) = &inv.terms {
        x.open("cac:PaymentTerms", &[]).leaf("cbc:Note", t);
        x.close("cac:PaymentTerms");
    }
}

/// `cac:TaxCategory` / `cac:ClassifiedTaxCategory`: code, rate (none for O), the
/// exemption reason of a 0 % category, and the VAT scheme.
fn tax_category(x: &mut Xml, name: &'static str, vat: Vat, exemption: Option<ExemptionMention<'_>>) {
    x.open(name, &[]).leaf("cbc:ID", vat.category().code());
    if en16931::has_rate(vat.category()) {
        x.leaf("cbc:Percent", &en16931::rate(vat.rate()));
    }
    if let Some(m) = exemption {
        x.leaf_opt("cbc:TaxExemptionReasonCode", m.code).leaf("cbc:TaxExemptionReason", m.text);
    }
    x.open("cac:TaxScheme", &[]).leaf("cbc:ID", "VAT");
    x.close("cac:TaxScheme").close(name);
}

/// A breakdown whose rate does not make a valid `Vat` (it always does when it came from
/// `core`): the category alone.
fn category_only(x: &mut Xml, category: VatCategory) {
    x.open("cac:TaxCategory", &[]).leaf("cbc:ID", category.code());
    x.open("cac:TaxScheme", &[]).leaf("cbc:ID", "VAT");
    x.close("cac:TaxScheme").close("cac:TaxCategory");
}

fn line(x: &mut Xml, inv: &Invoice<'_>, l: &en16931::ItemLine<'_>, credit: bool) {
    let cur = inv.currency.code();
    let (tag, qty_tag) = if credit {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    x.open(tag, &[]).leaf("cbc:ID", &l.id).leaf_opt("cbc:Note", l.note.as_deref());
    x.leaf_attrs(qty_tag, &[("unitCode", l.line.unit.code())], &en16931::quantity(l.line.quantity)).leaf_attrs(
        "cbc:LineExtensionAmount",
        &[("currencyID", cur)],
        &inv.amount(l.amounts.net),
    );
    let fr = inv.doc.language == Language::Fr;
    if !l.amounts.discount.is_zero() {
        x.open("cac:AllowanceCharge", &[])
            .leaf("cbc:ChargeIndicator", "false")
            .leaf("cbc:AllowanceChargeReasonCode", "95")
            .leaf("cbc:AllowanceChargeReason", if fr { "Remise" } else { "Discount" })
            .leaf("cbc:MultiplierFactorNumeric", &en16931::percent(l.line.discount_percent))
            .leaf_attrs("cbc:Amount", &[("currencyID", cur)], &inv.amount(l.amounts.discount))
            .leaf_attrs("cbc:BaseAmount", &[("currencyID", cur)], &inv.amount(l.amounts.gross));
        x.close("cac:AllowanceCharge");
    }
    for (tax, amount) in l.line.other_taxes.iter().zip(&l.amounts.charge_parts) {
        x.open("cac:AllowanceCharge", &[])
            .leaf("cbc:ChargeIndicator", "true")
            .leaf("cbc:AllowanceChargeReason", &tax.label)
            .leaf_attrs("cbc:Amount", &[("currencyID", cur)], &inv.amount(*amount));
        x.close("cac:AllowanceCharge");
    }
    x.open("cac:Item", &[]).leaf_opt("cbc:Description", l.description.as_deref()).leaf("cbc:Name", &l.name);
    if let Some(id) = l.seller_id {
        x.open("cac:SellersItemIdentification", &[]).leaf("cbc:ID", id);
        x.close("cac:SellersItemIdentification");
    }
    tax_category(x, "cac:ClassifiedTaxCategory", l.line.vat, None);
    x.close("cac:Item");
    x.open("cac:Price", &[]).leaf_attrs("cbc:PriceAmount", &[("currencyID", cur)], &en16931::price(l.line.unit_price));
    x.close("cac:Price");
    x.close(tag);
}
