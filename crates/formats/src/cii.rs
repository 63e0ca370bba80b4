//! Factur-X 1.0 XML: a UN/CEFACT Cross Industry Invoice (D16B, as the Factur-X
//! schemas restrict it) in the profile the company chose: EN 16931 (every line),
//! BASIC WL (header, VAT breakdown and totals, no line) or MINIMUM (parties and totals).
//! It also satisfies the French BR-FR "Flux 2" rules for EN 16931 and BASIC WL: billing
//! frame (BT-23), seller SIREN, electronic addresses, PMT/PMD/AAB notes.
//!
//! Element order follows the XSD sequences; `scripts/validate.py cii` checks the output.

use crate::en16931::{self, Invoice, Network};
use crate::error::FormatError;
use crate::model::{Profile, RenderDocument};
use crate::xml::Xml;
use facturier_core::party::Address;
use facturier_core::tax::Vat;
use time::Date;

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

/// The `factur-x.xml` of an invoice, deposit invoice or credit note, in `doc.profile`.
pub fn factur_x_xml(doc: &RenderDocument) -> Result<Vec<u8>, FormatError> {
    let profile = doc.profile;
    let inv = Invoice::read(doc, profile == Profile::En16931)?;
    let mut x = Xml::new();
    x.open(
        "rsm:CrossIndustryInvoice",
        &[("xmlns:rsm", RSM), ("xmlns:qdt", QDT), ("xmlns:ram", RAM), ("xmlns:udt", UDT)],
    );

    x.open("rsm:ExchangedDocumentContext", &[]);
    x.open("ram:BusinessProcessSpecifiedDocumentContextParameter", &[]).leaf("ram:ID", &inv.billing_frame);
    x.close("ram:BusinessProcessSpecifiedDocumentContextParameter");
    x.open("ram:GuidelineSpecifiedDocumentContextParameter", &[]).leaf("ram:ID", profile.guideline());
    x.close("ram:GuidelineSpecifiedDocumentContextParameter");
    x.close("rsm:ExchangedDocumentContext");

    x.open("rsm:ExchangedDocument", &[]);
    x.leaf("ram:ID", &inv.number).leaf("ram:TypeCode", inv.type_code);
    date_time(&mut x, "ram:IssueDateTime", doc.issue_date);
    if profile != Profile::Minimum {
        for n in &inv.notes {
            x.open("ram:IncludedNote", &[]).leaf("ram:Content", &n.text).leaf_opt("ram:SubjectCode", n.subject);
            x.close("ram:IncludedNote");
        }
    }
    x.close("rsm:ExchangedDocument");

    x.open("rsm:SupplyChainTradeTransaction", &[]);
    if profile == Profile::En16931 {
        for l in &inv.lines {
            line(&mut x, &inv, l);
        }
    }
    agreement(&mut x, &inv, profile);
    delivery(&mut x, &inv, profile);
    settlement(&mut x, &inv, profile);
    x.close("rsm:SupplyChainTradeTransaction");
    x.close("rsm:CrossIndustryInvoice");
    x.finish()
}

/// `<name><udt:DateTimeString format="102">YYYYMMDD</…></name>`
fn date_time(x: &mut Xml, name: &'static str, d: Date) {
    x.open(name, &[]).leaf_attrs("udt:DateTimeString", &[("format", "102")], &ymd(d));
    x.close(name);
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn line(x: &mut Xml, inv: &Invoice<'_>, l: &en16931::ItemLine<'_>) {
    x.open("ram:IncludedSupplyChainTradeLineItem", &[]);
    x.open("ram:AssociatedDocumentLineDocument", &[]).leaf("ram:LineID", &l.id);
    if let Some(n) = &l.note {
        x.open("ram:IncludedNote", &[]).leaf("ram:Content", n);
        x.close("ram:IncludedNote");
    }
    x.close("ram:AssociatedDocumentLineDocument");

    x.open("ram:SpecifiedTradeProduct", &[])
        .leaf_opt("ram:SellerAssignedID", l.seller_id)
        .leaf("ram:Name", &l.name)
        .leaf_opt("ram:Description", l.description.as_deref());
    x.close("ram:SpecifiedTradeProduct");

    x.open("ram:SpecifiedLineTradeAgreement", &[]);
    x.open("ram:NetPriceProductTradePrice", &[]).leaf("ram:ChargeAmount", &en16931::price(l.line.unit_price));
    x.close("ram:NetPriceProductTradePrice");
    x.close("ram:SpecifiedLineTradeAgreement");

    x.open("ram:SpecifiedLineTradeDelivery", &[]).leaf_attrs(
        "ram:BilledQuantity",
        &[("unitCode", l.line.unit.code())],
        &en16931::quantity(l.line.quantity),
    );
    x.close("ram:SpecifiedLineTradeDelivery");

    x.open("ram:SpecifiedLineTradeSettlement", &[]);
    x.open("ram:ApplicableTradeTax", &[])
        .leaf("ram:TypeCode", "VAT")
        .leaf("ram:CategoryCode", l.line.vat.category().code());
    if en16931::has_rate(l.line.vat.category()) {
        x.leaf("ram:RateApplicablePercent", &en16931::rate(l.line.vat.rate()));
    }
    x.close("ram:ApplicableTradeTax");
    let fr = inv.doc.language == facturier_core::party::Language::Fr;
    if !l.amounts.discount.is_zero() {
        // BG-27, the line discount (BT-136 on BT-137 at BT-138 %).
        x.open("ram:SpecifiedTradeAllowanceCharge", &[]);
        indicator(x, false);
        x.leaf("ram:CalculationPercent", &en16931::percent(l.line.discount_percent))
            .leaf("ram:BasisAmount", &inv.amount(l.amounts.gross))
            .leaf("ram:ActualAmount", &inv.amount(l.amounts.discount))
            .leaf("ram:ReasonCode", "95")
            .leaf("ram:Reason", if fr { "Remise" } else { "Discount" });
        x.close("ram:SpecifiedTradeAllowanceCharge");
    }
    for (tax, amount) in l.line.other_taxes.iter().zip(&l.amounts.charge_parts) {
        // BG-28: a tax other than VAT (eco-participation) is a line charge that bears the line's VAT.
        x.open("ram:SpecifiedTradeAllowanceCharge", &[]);
        indicator(x, true);
        x.leaf("ram:ActualAmount", &inv.amount(*amount)).leaf("ram:Reason", &tax.label);
        x.close("ram:SpecifiedTradeAllowanceCharge");
    }
    x.open("ram:SpecifiedTradeSettlementLineMonetarySummation", &[])
        .leaf("ram:LineTotalAmount", &inv.amount(l.amounts.net));
    x.close("ram:SpecifiedTradeSettlementLineMonetarySummation");
    x.close("ram:SpecifiedLineTradeSettlement");
    x.close("ram:IncludedSupplyChainTradeLineItem");
}

fn indicator(x: &mut Xml, charge: bool) {
    x.open("ram:ChargeIndicator", &[]).leaf("udt:Indicator", if charge { "true" } else { "false" });
    x.close("ram:ChargeIndicator");
}

fn agreement(x: &mut Xml, inv: &Invoice<'_>, profile: Profile) {
    let doc = inv.doc;
    let minimum = profile == Profile::Minimum;
    x.open("ram:ApplicableHeaderTradeAgreement", &[]);

    // BG-4, the seller.
    let s = &doc.seller;
    x.open("ram:SellerTradeParty", &[]);
    if !minimum && let Some(siret) = &s.siret {
        x.leaf_attrs("ram:GlobalID", &[("schemeID", "0009")], siret.as_str());
    }
    x.leaf("ram:Name", &s.name);
    if inv.seller_siren.is_some() || (!minimum && s.trading_name.is_some()) {
        x.open("ram:SpecifiedLegalOrganization", &[]);
        if let Some(siren) = &inv.seller_siren {
            x.leaf_attrs("ram:ID", &[("schemeID", "0002")], siren);
        }
        if !minimum {
            x.leaf_opt("ram:TradingBusinessName", s.trading_name.as_deref());
        }
        x.close("ram:SpecifiedLegalOrganization");
    }
    address(x, &s.address, minimum);
    if !minimum && let Some(e) = inv.seller_endpoint(Network::France) {
        x.open("ram:URIUniversalCommunication", &[]).leaf_attrs("ram:URIID", &[("schemeID", e.scheme)], &e.id);
        x.close("ram:URIUniversalCommunication");
    }
    if let Some(vat) = inv.seller_vat {
        x.open("ram:SpecifiedTaxRegistration", &[]).leaf_attrs("ram:ID", &[("schemeID", "VA")], vat.as_str());
        x.close("ram:SpecifiedTaxRegistration");
    }
    if !minimum && let Some(id) = &inv.seller_tax_registration {
        x.open("ram:SpecifiedTaxRegistration", &[]).leaf_attrs("ram:ID", &[("schemeID", "FC")], id);
        x.close("ram:SpecifiedTaxRegistration");
    }
    x.close("ram:SellerTradeParty");

    // BG-7, the buyer.
    let b = &doc.buyer;
    let billing = doc.content.billing_address.as_ref().unwrap_or(&b.address);
    x.open("ram:BuyerTradeParty", &[]);
    if !minimum && let Some(siret) = &b.siret {
        x.leaf_attrs("ram:GlobalID", &[("schemeID", "0009")], siret.as_str());
    }
    x.leaf("ram:Name", &b.name);
    if let Some(siren) = inv.buyer_siren() {
        x.open("ram:SpecifiedLegalOrganization", &[]).leaf_attrs("ram:ID", &[("schemeID", "0002")], &siren);
        x.close("ram:SpecifiedLegalOrganization");
    }
    if !minimum {
        address(x, billing, false);
        if let Some(e) = inv.buyer_endpoint(Network::France) {
            x.open("ram:URIUniversalCommunication", &[]).leaf_attrs("ram:URIID", &[("schemeID", e.scheme)], &e.id);
            x.close("ram:URIUniversalCommunication");
        }
        if let Some(vat) = inv.buyer_vat {
            x.open("ram:SpecifiedTaxRegistration", &[]).leaf_attrs("ram:ID", &[("schemeID", "VA")], vat.as_str());
            x.close("ram:SpecifiedTaxRegistration");
        }
    }
    x.close("ram:BuyerTradeParty");

    // BT-13, the customer's order reference.
    if let Some(r) = doc.content.customer_reference.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        x.open("ram:BuyerOrderReferencedDocument", &[]).leaf("ram:IssuerAssignedID", r);
        x.close("ram:BuyerOrderReferencedDocument");
    }
    x.close("ram:ApplicableHeaderTradeAgreement");
}

/// BG-5/BG-8/BG-15. MINIMUM keeps the seller's country only.
fn address(x: &mut Xml, a: &Address, country_only: bool) {
    x.open("ram:PostalTradeAddress", &[]);
    if !country_only {
        let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        x.leaf_opt("ram:PostcodeCode", nonempty(&a.postal_code).as_deref())
            .leaf_opt("ram:LineOne", nonempty(&a.line1).as_deref())
            .leaf_opt("ram:LineTwo", a.line2.as_deref().and_then(nonempty).as_deref())
            .leaf_opt("ram:CityName", nonempty(&a.city).as_deref());
    }
    x.leaf("ram:CountryID", a.country.as_str());
    x.close("ram:PostalTradeAddress");
}

fn delivery(x: &mut Xml, inv: &Invoice<'_>, profile: Profile) {
    x.open("ram:ApplicableHeaderTradeDelivery", &[]);
    if profile != Profile::Minimum {
        if let Some(a) = inv.ship_to {
            x.open("ram:ShipToTradeParty", &[]).leaf("ram:Name", &inv.doc.buyer.name);
            address(x, a, false);
            x.close("ram:ShipToTradeParty");
        }
        if let Some(d) = inv.delivery_date {
            x.open("ram:ActualDeliverySupplyChainEvent", &[]);
            date_time(x, "ram:OccurrenceDateTime", d);
            x.close("ram:ActualDeliverySupplyChainEvent");
        }
    }
    x.close("ram:ApplicableHeaderTradeDelivery");
}

fn settlement(x: &mut Xml, inv: &Invoice<'_>, profile: Profile) {
    let doc = inv.doc;
    let t = &doc.totals;
    let minimum = profile == Profile::Minimum;
    let cur = inv.currency.code();
    x.open("ram:ApplicableHeaderTradeSettlement", &[]);
    if !minimum {
        // BT-83, the remittance information: the invoice number.
        x.leaf("ram:PaymentReference", &inv.number);
        if inv.tax_currency.is_some() {
            x.leaf("ram:TaxCurrencyCode", "EUR");
        }
    }
    x.leaf("ram:InvoiceCurrencyCode", cur);
    if !minimum {
        for m in &inv.means {
            x.open("ram:SpecifiedTradeSettlementPaymentMeans", &[]).leaf("ram:TypeCode", m.code);
            if let Some(bank) = m.bank {
                x.open("ram:PayeePartyCreditorFinancialAccount", &[]).leaf("ram:IBANID", bank.iban.as_str()).leaf_opt(
                    "ram:AccountName",
                    if profile == Profile::En16931 { bank.holder.as_deref() } else { None },
                );
                x.close("ram:PayeePartyCreditorFinancialAccount");
                if profile == Profile::En16931
                    && let Some(bic) = bank.bic.as_deref()
                {
                    x.open("ram:PayeeSpecifiedCreditorFinancialInstitution", &[]).leaf("ram:BICID", bic);
                    x.close("ram:PayeeSpecifiedCreditorFinancialInstitution");
                }
            }
            x.close("ram:SpecifiedTradeSettlementPaymentMeans");
        }
        // BG-23, one per VAT category and rate.
        for b in &t.vat {
            x.open("ram:ApplicableTradeTax", &[])
                .leaf("ram:CalculatedAmount", &inv.amount(b.amount))
                .leaf("ram:TypeCode", "VAT");
            let ex = inv.exemption(b.category);
            x.leaf_opt("ram:ExemptionReason", ex.map(|e| e.text))
                .leaf("ram:BasisAmount", &inv.amount(b.base))
                .leaf("ram:CategoryCode", b.category.code())
                .leaf_opt("ram:ExemptionReasonCode", ex.and_then(|e| e.code));
            if en16931::has_rate(b.category) {
                x.leaf("ram:RateApplicablePercent", &en16931::rate(b.rate));
            }
            x.close("ram:ApplicableTradeTax");
        }
        for ac in &inv.allowances_charges {
            x.open("ram:SpecifiedTradeAllowanceCharge", &[]);
            indicator(x, ac.charge);
            if let Some((base, pct)) = ac.base_and_percent {
                x.leaf("ram:CalculationPercent", &en16931::percent(pct)).leaf("ram:BasisAmount", &inv.amount(base));
            }
            x.leaf("ram:ActualAmount", &inv.amount(ac.amount))
                .leaf("ram:ReasonCode", ac.reason_code)
                .leaf("ram:Reason", &ac.reason);
            category_tax(x, ac.vat);
            x.close("ram:SpecifiedTradeAllowanceCharge");
        }
        if inv.terms.is_some() || doc.due_date.is_some() {
            x.open("ram:SpecifiedTradePaymentTerms", &[]).leaf_opt("ram:Description", inv.terms.as_deref());
            if let Some(d) = doc.due_date {
                date_time(x, "ram:DueDateDateTime", d);
            }
            x.close("ram:SpecifiedTradePaymentTerms");
        }
    }

    // BG-22.
    x.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation", &[]);
    if !minimum {
        x.leaf("ram:LineTotalAmount", &inv.amount(t.lines_net))
            .leaf("ram:ChargeTotalAmount", &inv.amount(t.charges))
            .leaf("ram:AllowanceTotalAmount", &inv.amount(t.discount));
    }
    x.leaf("ram:TaxBasisTotalAmount", &inv.amount(t.net)).leaf_attrs(
        "ram:TaxTotalAmount",
        &[("currencyID", cur)],
        &inv.amount(t.vat_total),
    );
    if let Some(eur) = inv.tax_currency.filter(|_| !minimum) {
        x.leaf_attrs("ram:TaxTotalAmount", &[("currencyID", "EUR")], &eur.to_string());
    }
    x.leaf("ram:GrandTotalAmount", &inv.amount(t.gross));
    if !minimum && !inv.prepaid.is_zero() {
        x.leaf("ram:TotalPrepaidAmount", &inv.amount(inv.prepaid));
    }
    x.leaf("ram:DuePayableAmount", &inv.amount(inv.payable));
    x.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation");

    // BG-3: the invoice a credit note corrects, the deposits a final invoice deducts.
    if !minimum {
        for r in &doc.preceding {
            x.open("ram:InvoiceReferencedDocument", &[]).leaf("ram:IssuerAssignedID", &r.number);
            if let Some(d) = r.issue_date {
                x.open("ram:FormattedIssueDateTime", &[]).leaf_attrs(
                    "qdt:DateTimeString",
                    &[("format", "102")],
                    &ymd(d),
                );
                x.close("ram:FormattedIssueDateTime");
            }
            x.close("ram:InvoiceReferencedDocument");
        }
    }
    x.close("ram:ApplicableHeaderTradeSettlement");
}

/// BT-95/BT-96 or BT-102/BT-103.
fn category_tax(x: &mut Xml, vat: Vat) {
    x.open("ram:CategoryTradeTax", &[]).leaf("ram:TypeCode", "VAT").leaf("ram:CategoryCode", vat.category().code());
    if en16931::has_rate(vat.category()) {
        x.leaf("ram:RateApplicablePercent", &en16931::rate(vat.rate()));
    }
    x.close("ram:CategoryTradeTax");
}
