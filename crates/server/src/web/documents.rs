//! Documents of every kind (quotes, orders, delivery notes, pro-formas, invoices, deposit
//! invoices, credit notes) under `/{segment}` (the API's segments): the list with search,
//! "except" term, sortable columns and keyset pages; the document page with the actions its
//! kind and status allow (issue, accept, refuse, cancel, convert, send by e-mail, payment,
//! credit note, duplicate, delete, PDF, UBL), its family and history; the draft editor
//! (create and edit) with products looked up as you type and totals computed live by the
//! API's own parsing and `core`'s totals. Every action calls the API's function for it.

use super::i18n::{self, t};
use super::invoices::{status_key, urgency};
use super::messages::message;
use super::session::{Chrome, CsrfForm, FormData, WebSession};
use super::settings;
use super::{WebError, html, query_string, see_other};
use crate::App;
use crate::api::documents::{self as api_docs, ConvertInput, DocumentInput, ExemptionInput, PaymentInput};
use crate::error::ApiError;
use crate::input::{DecText, parse_date};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use facturier_core::Decimal;
use facturier_core::compliance::{self, Place};
use facturier_core::document::{Content, DocumentKind, LineKind, Status};
use facturier_core::lifecycle;
use facturier_core::money::{Currency, to_text};
use facturier_core::party::Language;
use facturier_core::product::UnitCode;
use facturier_core::schedule::PaymentMode;
use facturier_core::tax::{ExemptionReason, VatCategory, exemption_mention};
use facturier_core::totals::OtherTaxRate;
use facturier_formats::text;
use facturier_store::customers::CustomerFilter;
use facturier_store::documents::DocumentRecord;
use facturier_store::lists::{DocSort, DocumentQuery, SortCursor};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// This module's labels: (key, French, English).
pub const LABELS: i18n::Labels = &[
    ("kinds.quote", "Devis", "Quotes"),
    ("kinds.order", "Commandes", "Orders"),
    ("kinds.delivery_note", "Bons de livraison", "Delivery notes"),
    ("kinds.proforma", "Pro-forma", "Pro-formas"),
    ("kinds.invoice", "Factures", "Invoices"),
    ("kinds.deposit_invoice", "Factures d'acompte", "Deposit invoices"),
    ("kinds.credit_note", "Avoirs", "Credit notes"),
    ("kinds.new", "Nouveau brouillon", "New draft"),
    ("kinds.none", "Aucun document.", "No documents."),
    ("kinds.search", "Rechercher", "Search"),
    (
        "kinds.search_hint",
        "numéro, client, texte ; « -mot » pour exclure",
        "number, customer, text; “-word” to exclude",
    ),
    ("kinds.except", "Sauf", "Except"),
    ("kinds.sorted_asc", "tri croissant", "sorted ascending"),
    ("kinds.sorted_desc", "tri décroissant", "sorted descending"),
    ("docact.edit", "Modifier le brouillon", "Edit the draft"),
    ("docact.issue", "Émettre", "Issue"),
    (
        "issuecheck.title",
        "À compléter avant d'émettre : la facture électronique serait refusée",
        "To complete before issuing: the e-invoice would be refused",
    ),
    ("issuecheck.fix_identity", "Compléter l'identité", "Complete the identity"),
    ("issuecheck.fix_terms", "Ouvrir les conditions de paiement", "Open the payment terms"),
    ("issuecheck.fix_numbering", "Ouvrir la numérotation", "Open the numbering"),
    ("issuecheck.fix_customer", "Compléter la fiche client", "Complete the customer"),
    ("issuecheck.fix_document", "Modifier le document", "Edit the document"),
    (
        "firstrun.title",
        "Avant votre première facture : l'identité de votre entreprise",
        "Before your first invoice: your company's identity",
    ),
    (
        "firstrun.text",
        "Chaque facture doit indiquer la raison sociale, l'adresse, le SIREN, la forme juridique (SAS, SARL, EI…) et le numéro de TVA de l'entreprise — ou, pour un micro-entrepreneur, la franchise en base de TVA. Sans eux, la facture ne peut pas être émise.",
        "Every invoice must state the company's legal name, address, SIREN, legal form (SAS, SARL, EI…) and VAT number — or, for a micro-entrepreneur, the VAT franchise. Without them the invoice cannot be issued.",
    ),
    ("firstrun.link", "Compléter l'identité de l'entreprise", "Complete the company's identity"),
    ("docact.delete", "Supprimer le brouillon", "Delete the draft"),
    ("docact.accept", "Devis accepté", "Quote accepted"),
    ("docact.refuse", "Devis refusé", "Quote refused"),
    ("docact.cancel", "Annuler", "Cancel"),
    ("docact.convert_order", "Transformer en commande", "Convert to an order"),
    ("docact.convert_delivery_note", "Transformer en bon de livraison", "Convert to a delivery note"),
    ("docact.convert_proforma", "Transformer en pro-forma", "Convert to a pro-forma"),
    ("docact.convert_invoice", "Transformer en facture", "Convert to an invoice"),
    ("docact.duplicate", "Dupliquer", "Duplicate"),
    ("docact.credit_note", "Créer un avoir", "Create a credit note"),
    ("docact.ubl", "Télécharger l'UBL", "Download the UBL"),
    ("docact.partial_credit", "Avoir partiel", "Partial credit note"),
    ("docact.partial_delivery", "Livraison partielle", "Partial delivery"),
    ("docact.deliver_qty", "Quantité livrée", "Quantity delivered"),
    ("docact.partial_delivery_button", "Créer le bon de livraison", "Create the delivery note"),
    ("docact.credit_qty", "Quantité à créditer", "Quantity to credit"),
    ("docact.partial_credit_button", "Créer l'avoir partiel", "Create the partial credit note"),
    ("docact.credit_amount", "Ou un montant TTC à créditer", "Or an amount to credit, VAT included"),
    (
        "docact.credit_amount_hint",
        "Réparti entre les taux de TVA de la facture (un geste commercial par exemple).",
        "Split over the invoice's VAT rates (a commercial gesture, for example).",
    ),
    ("docact.bill_order", "Facturer la commande", "Bill the order"),
    ("docact.deposit", "Facture d'acompte : % du TTC", "Deposit invoice: % of the total"),
    ("docact.deposit_button", "Créer la facture d'acompte", "Create the deposit invoice"),
    ("docact.progress", "Situation : avancement cumulé %", "Progress invoice: cumulative progress %"),
    ("docact.progress_button", "Créer la facture de situation", "Create the progress invoice"),
    ("docact.actions", "Actions", "Actions"),
    ("docact.send", "Envoyer par e-mail", "Send by e-mail"),
    ("docact.send_to", "Destinataire (vide : l'adresse du client)", "Recipient (empty: the customer's address)"),
    ("docact.send_message", "Message (vide : le modèle)", "Message (empty: the template)"),
    ("docact.send_cc", "Copie à (facultatif)", "Cc (optional)"),
    ("docact.send_subject", "Objet (vide : le modèle)", "Subject (empty: the template)"),
    ("docact.emails", "E-mails", "E-mails"),
    ("docact.email_to", "Destinataires", "Recipients"),
    ("docact.email_subject", "Objet", "Subject"),
    ("docact.email_status", "État", "Status"),
    ("docact.queued", "E-mail placé dans la file d'envoi.", "E-mail queued for sending."),
    ("email.pending", "en attente", "pending"),
    ("email.sending", "en cours d'envoi", "sending"),
    ("email.sent", "envoyé", "sent"),
    ("email.failed", "échec", "failed"),
    ("docfield.valid_until", "Valable jusqu'au", "Valid until"),
    ("editor.edit_title", "Modifier le brouillon", "Edit the draft"),
    ("editor.discount", "Remise %", "Discount %"),
    ("editor.doc_discount", "Remise globale %", "Document discount %"),
    ("editor.note", "Note", "Note"),
    ("editor.terms", "Conditions", "Terms"),
    ("editor.product", "Ajouter un article du catalogue", "Add a catalogue product"),
    ("editor.product_hint", "tapez une référence ou un nom", "type a reference or a name"),
    ("editor.find", "Chercher", "Find"),
    ("editor.customer_search", "Chercher un client", "Find a customer"),
    ("editor.customer_hint", "nom, ville, SIREN, contact…", "name, city, SIREN, contact…"),
    ("editor.no_customer_match", "Aucun client ne correspond.", "No customer matches."),
    ("editor.add", "Ajouter", "Add"),
    ("editor.no_product", "Aucun article trouvé.", "No product found."),
    ("editor.recalculate", "Recalculer les totaux", "Recalculate the totals"),
    ("editor.totals", "Totaux", "Totals"),
    (
        "editor.totals_pending",
        "Totaux non calculés : corrigez les champs signalés.",
        "Totals not computed: fix the fields marked.",
    ),
    ("editor.lines_net", "Total des lignes HT", "Lines net"),
    ("editor.discount_amount", "Remise", "Discount"),
    ("editor.comment", "Commentaire", "Comment"),
    ("editor.remove_line", "Retirer la ligne", "Remove line"),
    ("editor.save", "Enregistrer le brouillon", "Save the draft"),
    ("editor.vat_category", "Catégorie de TVA", "VAT category"),
    ("editor.vatcat_auto", "Selon le taux", "From the rate"),
    ("editor.vatcat_s", "S — taux normal ou réduit", "S — standard or reduced rate"),
    ("editor.vatcat_z", "Z — taux zéro", "Z — zero rated"),
    ("editor.vatcat_e", "E — exonération", "E — exempt"),
    ("editor.vatcat_ae", "AE — autoliquidation", "AE — reverse charge"),
    ("editor.vatcat_k", "K — livraison intracommunautaire", "K — intra-EU supply"),
    ("editor.vatcat_g", "G — exportation hors UE", "G — export outside the EU"),
    ("editor.vatcat_o", "O — hors champ de la TVA", "O — outside the scope of VAT"),
    ("editor.exemption", "Mention portée sur le document :", "Mention printed on the document:"),
    ("editor.add_comment", "Ajouter un commentaire", "Add a comment"),
    ("editor.add_subtotal", "Ajouter un sous-total", "Add a subtotal"),
    ("editor.subtotal", "Sous-total", "Subtotal"),
    ("editor.line_more", "Unité, prix d'achat, autres taxes", "Unit, purchase price, other taxes"),
    ("editor.tax_legend", "Autre taxe", "Other tax"),
    ("editor.of_line", "ligne", "line"),
    ("editor.tax_label", "Libellé (éco-participation…)", "Label (eco-fee…)"),
    ("editor.tax_amount", "Montant par unité HT", "Amount per unit (net)"),
    ("editor.tax_percent", "ou % du prix", "or % of the price"),
    ("editor.unit", "Unité (code UN/ECE)", "Unit (UN/ECE code)"),
    ("editor.purchase_price", "Prix d'achat unitaire HT", "Unit purchase price"),
    ("editor.nature", "Nature", "Nature"),
    ("editor.nature_auto", "Selon le produit ou l'activité", "From the product or the activity"),
    ("editor.nature_goods", "Livraison de biens", "Goods"),
    ("editor.nature_services", "Prestation de services", "Services"),
    ("editor.doc_discount_amount", "ou remise globale en montant HT", "or document discount as a net amount"),
    (
        "editor.more",
        "Plus : objet, dates, paiement, échéancier, frais de port, adresses",
        "More: subject, dates, payment, schedule, shipping, addresses",
    ),
    ("editor.group_document", "Document", "Document"),
    ("editor.title", "Objet", "Subject"),
    ("editor.customer_reference", "Référence client / bon de commande", "Customer reference / purchase order"),
    ("editor.issue_date", "Date du document", "Document date"),
    ("editor.issue_date_hint", "vide : la date d'émission", "empty: the day it is issued"),
    ("editor.delivery_date", "Date de livraison", "Delivery date"),
    ("editor.operation", "Nature de l'opération", "Nature of the operation"),
    ("editor.operation_auto", "Selon les unités des lignes", "From the lines' units"),
    ("editor.operation_goods", "Livraison de biens", "Supply of goods"),
    ("editor.operation_services", "Prestation de services", "Services"),
    ("editor.operation_mixed", "Mixte", "Mixed"),
    ("editor.contact", "Contact chez le client", "Customer contact"),
    ("editor.salesperson", "Commercial", "Salesperson"),
    ("editor.currency", "Devise", "Currency"),
    (
        "editor.currency_hint",
        "code ISO (EUR, USD…) ; vide : celle du client",
        "ISO code (EUR, USD…); empty: the customer's",
    ),
    ("editor.exchange_rate", "Taux de change", "Exchange rate"),
    (
        "editor.exchange_rate_hint",
        "unités de la devise de la société pour 1 unité de la devise du document",
        "company currency units for 1 unit of the document's currency",
    ),
    ("editor.group_payment", "Paiement", "Payment"),
    ("editor.payment_terms", "Conditions de paiement", "Payment terms"),
    (
        "editor.payment_terms_hint",
        "on_receipt, 30_days, 45_days_end_of_month, end_of_month_plus_10… ; vide : celles du client",
        "on_receipt, 30_days, 45_days_end_of_month, end_of_month_plus_10…; empty: the customer's",
    ),
    ("editor.payment_mode", "Mode de règlement", "Payment mode"),
    ("editor.not_given", "Non précisé", "Not given"),
    ("editor.schedule", "Échéancier (en % du TTC, 100 au total)", "Payment schedule (% of the total, 100 in all)"),
    ("editor.instalment", "Échéance", "Instalment"),
    ("editor.instalment_percent", "%", "%"),
    ("editor.instalment_kind", "Type", "Kind"),
    ("editor.instalment_payment", "Paiement", "Payment"),
    ("editor.instalment_deposit", "Acompte", "Deposit"),
    ("editor.instalment_condition", "Exigible", "Due"),
    ("editor.instalment_mode", "Mode", "Mode"),
    ("editor.instalment_title", "Libellé", "Label"),
    ("editor.add_instalment", "Ajouter une échéance", "Add an instalment"),
    ("editor.group_shipping", "Frais de port", "Shipping"),
    ("editor.shipping_label", "Libellé", "Label"),
    ("editor.shipping_label_hint", "vide : « Frais de port »", "empty: “Frais de port”"),
    ("editor.shipping_amount", "Montant HT", "Net amount"),
    (
        "editor.group_billing",
        "Adresse de facturation (vide : celle du client)",
        "Billing address (empty: the customer's)",
    ),
    (
        "editor.group_delivery",
        "Adresse de livraison (vide : celle du client)",
        "Delivery address (empty: the customer's)",
    ),
    ("editor.group_texts", "Autres textes", "Other texts"),
    (
        "editor.group_exemptions",
        "Mentions d'exonération de TVA de ce document (vide : la mention de la catégorie)",
        "VAT exemption mentions of this document (empty: the category's mention)",
    ),
    ("editor.special_conditions", "Conditions particulières", "Special conditions"),
    ("editor.internal_note", "Note interne (jamais imprimée)", "Internal note (never printed)"),
    ("editor.charges", "Frais", "Charges"),
    ("docact.deposit_amount", "ou montant TTC de l'acompte", "or deposit amount including VAT"),
];

const PAGE: u32 = 50;
const METHODS: [&str; 6] = ["bank_transfer", "card", "cheque", "cash", "direct_debit", "other"];
/// Conversion targets, in pipeline order.
const TARGETS: [DocumentKind; 4] =
    [DocumentKind::Order, DocumentKind::DeliveryNote, DocumentKind::Proforma, DocumentKind::Invoice];

fn kinds_key(kind: DocumentKind) -> String {
    format!("kinds.{}", kind.as_str())
}

/// The statuses offered in the list filter of a kind.
fn statuses(kind: DocumentKind) -> &'static [Status] {
    use Status as S;
    match kind {
        DocumentKind::Quote => &[S::Draft, S::Sent, S::Accepted, S::Refused, S::Converted, S::Cancelled],
        DocumentKind::Order => {
            &[S::Draft, S::Confirmed, S::PartiallyDelivered, S::Delivered, S::Invoiced, S::Cancelled]
        }
        DocumentKind::DeliveryNote => &[S::Draft, S::Validated, S::Invoiced],
        DocumentKind::Proforma => &[S::Draft, S::Issued, S::Converted, S::Cancelled],
        DocumentKind::Invoice | DocumentKind::DepositInvoice => {
            &[S::Draft, S::Issued, S::PartiallyPaid, S::Paid, S::Credited]
        }
        DocumentKind::CreditNote => &[S::Draft, S::Issued],
    }
}

/// The web routes of every kind.
pub fn routes(mut r: Router<App>) -> Router<App> {
    type P = Path<String>;
    r = r.route("/documents/products", get(product_lookup));
    r = r.route("/documents/customers", get(customer_lookup));
    for kind in DocumentKind::ALL {
        let s = kind.segment();
        r = r
            .route(
                &format!("/{s}"),
                get(move |State(app): State<App>, sess: WebSession, Query(q): Query<ListQuery>| async move {
                    list(app, sess, q, kind).await
                }),
            )
            .route(
                &format!("/{s}/preview"),
                post(move |State(app): State<App>, CsrfForm(sess, form): CsrfForm| async move {
                    preview(app, sess, form, kind).await
                }),
            )
            .route(
                &format!("/{s}/{{id}}"),
                get(move |State(app): State<App>, sess: WebSession, Path(id): P| async move {
                    show(app, sess, id, kind).await
                }),
            )
            .route(
                &format!("/{s}/{{id}}/edit"),
                get(move |State(app): State<App>, sess: WebSession, Path(id): P| async move {
                    edit_form(app, sess, id, kind).await
                })
                .post(
                    move |State(app): State<App>, Path(id): P, CsrfForm(sess, form): CsrfForm| async move {
                        save(app, sess, form, kind, Some(id)).await
                    },
                ),
            )
            .route(
                &format!("/{s}/{{id}}/pdf"),
                get(move |State(app): State<App>, sess: WebSession, Path(id): P| async move {
                    file(app, sess, id, kind, false).await
                }),
            )
            .route(
                &format!("/{s}/{{id}}/{{action}}"),
                post(
                    move |State(app): State<App>,
                          Path((id, action)): Path<(String, String)>,
                          CsrfForm(sess, form): CsrfForm| async move {
                        act(app, sess, form, kind, id, action).await
                    },
                ),
            );
        if kind.is_invoice() {
            r = r.route(
                &format!("/{s}/{{id}}/ubl"),
                get(move |State(app): State<App>, sess: WebSession, Path(id): P| async move {
                    file(app, sess, id, kind, true).await
                }),
            );
        }
        // Credit notes are only made from an invoice.
        if kind != DocumentKind::CreditNote {
            r = r.route(
                &format!("/{s}/new"),
                get(move |State(app): State<App>, sess: WebSession, Query(q): Query<NewQuery>| async move {
                    new_form(app, sess, q, kind).await
                })
                .post(move |State(app): State<App>, CsrfForm(sess, form): CsrfForm| async move {
                    save(app, sess, form, kind, None).await
                }),
            );
        }
    }
    r
}

// ---------------------------------------------------------------- list

/// One row of a document list.
pub struct DocRow {
    pub href: String,
    pub number: String,
    pub customer: String,
    pub date: String,
    pub due_date: String,
    pub status: &'static str,
    pub gross: String,
    pub due: String,
    pub urgency: &'static str,
}

/// A sortable column header: label key, link, `aria-sort` value.
pub struct SortHeader {
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    pub aria: &'static str,
    pub num: bool,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    p: Chrome,
    seg: &'static str,
    can_create: bool,
    payable: bool,
    statuses: Vec<(&'static str, &'static str)>,
    status: String,
    customer: String,
    customer_name: Option<String>,
    from: String,
    to: String,
    q: String,
    except: String,
    sort: String,
    dir: String,
    headers: Vec<SortHeader>,
    rows: Vec<DocRow>,
    totals: Option<(String, String)>,
    next_query: Option<String>,
    first_query: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    customer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    except: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
}

/// Splits `maintenance -contrat` into the words to find and the terms to leave out; a
/// separate "except" field adds one more.
pub fn search_terms(q: &str, except: &str) -> (Option<String>, Vec<String>) {
    let mut find = Vec::new();
    let mut not = Vec::new();
    for w in q.split_whitespace() {
        match w.strip_prefix('-') {
            Some(x) if !x.is_empty() => not.push(x.to_string()),
            _ => find.push(w),
        }
    }
    let except = except.trim();
    if !except.is_empty() {
        not.push(except.to_string());
    }
    (Some(find.join(" ")).filter(|s| !s.is_empty()), not)
}

async fn list(app: App, s: WebSession, q: ListQuery, kind: DocumentKind) -> Result<Response, WebError> {
    let lang = s.lang();
    let err = |e| WebError::store(lang, e);
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let status = q.status.as_deref().and_then(|v| statuses(kind).iter().copied().find(|st| st.as_str() == v));
    let customer = q.customer.as_deref().and_then(|v| v.parse::<Uuid>().ok());
    let from = q.from.as_deref().and_then(parse_date);
    let to = q.to.as_deref().and_then(parse_date);
    let sort = q.sort.as_deref().and_then(DocSort::parse).unwrap_or(DocSort::Date);
    let default_desc = matches!(sort, DocSort::Date | DocSort::Number | DocSort::Total);
    let descending = match q.dir.as_deref() {
        Some("asc") => false,
        Some("desc") => true,
        _ => default_desc,
    };
    // The string rule's control characters (a NUL fails PostgreSQL) are dropped from a
    // search box rather than refused: nothing is stored, the list still answers.
    let q_text: String = q.q.unwrap_or_default().chars().filter(|c| !c.is_control()).take(200).collect();
    let except_text: String = q.except.unwrap_or_default().chars().filter(|c| !c.is_control()).take(200).collect();
    let (find, not) = search_terms(&q_text, &except_text);
    let after = q.after.as_deref().and_then(SortCursor::decode);
    let query = DocumentQuery {
        kind,
        status,
        customer_id: customer,
        from,
        to,
        q: find,
        except: not,
        sort,
        descending,
        limit: PAGE,
        after: after.clone(),
    };
    let (docs, next) = app.store.search_documents(s.rec.company_id, &query).await.map_err(err)?;
    let customer_name = match customer {
        Some(c) => Some(app.store.customer(s.rec.company_id, c).await.map_err(err)?.customer.name),
        None => None,
    };
    let today = s.today();
    let (mut gross, mut due) = (Decimal::ZERO, Decimal::ZERO);
    let rows: Vec<DocRow> = docs
        .iter()
        .map(|l| {
            let d = &l.doc;
            let totals = d.content.totals();
            let owed = if d.status == Status::Draft || !kind.is_payable() { None } else { Some(d.due()) };
            if d.content.currency == cur {
                gross += totals.gross;
                due += owed.unwrap_or_default();
            }
            DocRow {
                href: format!("/{}/{}", kind.segment(), d.id),
                number: d.number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into()),
                customer: l.customer_name.clone(),
                date: text::date(d.issue_date.unwrap_or(d.created_at.date()), lang),
                due_date: d.due_date.map(|x| text::date(x, lang)).unwrap_or_default(),
                status: status_key(lifecycle::effective_status(kind, d.status, d.content.valid_until, today)),
                gross: text::money(totals.gross, d.content.currency, lang),
                due: owed.map(|o| text::money(o, d.content.currency, lang)).unwrap_or_default(),
                urgency: if kind.is_payable() { urgency(d.status, d.due_date, today) } else { "" },
            }
        })
        .collect();
    let status_s = status.map(|x| x.as_str().to_string()).unwrap_or_default();
    let customer_s = customer.map(|c| c.to_string()).unwrap_or_default();
    let from_s = from.map(|d| d.to_string()).unwrap_or_default();
    let to_s = to.map(|d| d.to_string()).unwrap_or_default();
    let dir_s = if descending { "desc" } else { "asc" };
    let filters = [
        ("status", status_s.as_str()),
        ("customer", &customer_s),
        ("from", &from_s),
        ("to", &to_s),
        ("q", &q_text),
        ("except", &except_text),
    ];
    let mut base = filters.to_vec();
    base.extend([("sort", sort.as_str()), ("dir", dir_s)]);
    let next_query = next.map(|n| {
        let c = n.encode();
        let mut pairs = base.clone();
        pairs.push(("after", &c));
        query_string(&pairs)
    });
    let headers = [
        (DocSort::Number, "doc.number", false),
        (DocSort::Customer, "doc.customer", false),
        (DocSort::Date, "doc.date", false),
        (DocSort::DueDate, "doc.due_date", false),
        (DocSort::Total, "doc.gross", true),
    ]
    .into_iter()
    .map(|(col, key, num)| {
        // A click on the sorted column turns its order around; another column starts in its natural order.
        let next_dir = if col == sort {
            if descending { "asc" } else { "desc" }
        } else if matches!(col, DocSort::Date | DocSort::Number | DocSort::Total) {
            "desc"
        } else {
            "asc"
        };
        let mut pairs = filters.to_vec();
        pairs.extend([("sort", col.as_str()), ("dir", next_dir)]);
        SortHeader {
            key: col.as_str(),
            label: t(lang, key),
            href: format!("/{}?{}", kind.segment(), query_string(&pairs)),
            aria: if col != sort {
                "none"
            } else if descending {
                "descending"
            } else {
                "ascending"
            },
            num,
        }
    })
    .collect();
    let page = ListPage {
        p: s.chrome(&app, kind.segment(), t(lang, &kinds_key(kind)).into()).await?,
        seg: kind.segment(),
        can_create: s.can_write() && kind != DocumentKind::CreditNote,
        payable: kind.is_payable(),
        statuses: statuses(kind).iter().map(|st| (st.as_str(), status_key(*st))).collect(),
        first_query: after.is_some().then(|| query_string(&base)),
        status: status_s,
        customer: customer_s,
        customer_name,
        from: from_s,
        to: to_s,
        q: q_text,
        except: except_text,
        sort: sort.as_str().into(),
        dir: dir_s.into(),
        headers,
        totals: (!rows.is_empty()).then(|| (text::money(gross, cur, lang), text::money(due, cur, lang))),
        rows,
        next_query,
    };
    html(StatusCode::OK, &page)
}

// ---------------------------------------------------------------- document page

pub struct LineRow {
    pub id: String,
    pub description: String,
    /// A text line: comment or subtotal.
    pub comment: bool,
    /// A subtotal shows its `net`.
    pub subtotal: bool,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub vat: String,
    pub net: String,
}

/// A POST button of the page: path suffix, label key, element id, extra form field.
pub struct Action {
    pub path: String,
    pub label: &'static str,
    pub id: String,
    pub field: Option<(&'static str, &'static str)>,
    pub primary: bool,
    /// Shown but not usable: issuing while the e-invoice has problems.
    pub disabled: bool,
}

pub struct EmailRow {
    pub date: String,
    pub to: String,
    pub subject: String,
    pub status: &'static str,
}

/// A payment on a document page: (date, method, amount, applied here, status label, id
/// when it can be cancelled).
type PaymentRow = (String, String, String, String, &'static str, Option<String>);

#[derive(Template)]
#[template(path = "document.html")]
struct ShowPage {
    p: Chrome,
    seg: &'static str,
    id: String,
    kind_title: &'static str,
    status: &'static str,
    urgency: &'static str,
    customer_id: String,
    customer: String,
    date: String,
    due_date: String,
    valid_until: String,
    lines: Vec<LineRow>,
    lines_net: String,
    discount: Option<String>,
    /// The document charge (shipping): its label and amount.
    charge: Option<(String, String)>,
    net: String,
    vat: Vec<(String, String)>,
    gross: String,
    paid: Option<String>,
    due: Option<String>,
    due_plain: String,
    today: String,
    note: String,
    payments: Vec<PaymentRow>,
    family: Vec<(String, String, &'static str)>,
    history: Vec<(String, String)>,
    emails: Vec<EmailRow>,
    can_edit: bool,
    actions: Vec<Action>,
    can_pay: bool,
    can_send: bool,
    can_bill_order: bool,
    can_credit: bool,
    can_deliver: bool,
    ubl: bool,
    notice: Option<&'static str>,
    errors: BTreeMap<String, String>,
    /// What was typed in the page's forms when an action was refused, kept in its inputs.
    typed: BTreeMap<String, String>,
    /// What stops the draft from being issued: (message, link to where it is fixed, label
    /// of the link).
    problems: Vec<(String, String, &'static str)>,
}

impl ShowPage {
    fn typed(&self, field: &str) -> &str {
        self.typed.get(field).map(String::as_str).unwrap_or_default()
    }
    fn methods(&self) -> Vec<(&'static str, &'static str)> {
        METHODS.iter().map(|m| (*m, t(self.p.lang, &format!("method.{m}")))).collect()
    }
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

fn doc_id(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

fn title_of(kind: DocumentKind, number: Option<&str>, lang: Language) -> String {
    format!("{} {}", text::kind_title(kind, false, lang), number.unwrap_or_else(|| t(lang, "doc.draft_number")))
}

/// What the user may do with `rec` (none for a read-only user).
fn actions(kind: DocumentKind, rec: &DocumentRecord, write: bool) -> Vec<Action> {
    let mut out = Vec::new();
    if !write {
        return out;
    }
    let a = |path: &str, label: &'static str, field: Option<(&'static str, &'static str)>, primary: bool| Action {
        id: match field {
            Some((_, v)) => format!("{path}-{v}"),
            None => path.to_string(),
        },
        path: path.to_string(),
        label,
        field,
        primary,
        disabled: false,
    };
    let st = rec.status;
    if st == Status::Draft {
        out.push(a("issue", "docact.issue", None, true));
        out.push(a("delete", "docact.delete", None, false));
    }
    if lifecycle::accept(kind, st).is_ok() {
        out.push(a("accept", "docact.accept", None, true));
    }
    if lifecycle::refuse(kind, st).is_ok() {
        out.push(a("refuse", "docact.refuse", None, false));
    }
    for to in TARGETS {
        if lifecycle::convert(kind, st, to).is_ok() {
            let label = match to {
                DocumentKind::Order => "docact.convert_order",
                DocumentKind::DeliveryNote => "docact.convert_delivery_note",
                DocumentKind::Proforma => "docact.convert_proforma",
                _ => "docact.convert_invoice",
            };
            out.push(a(
                "convert",
                label,
                Some(("to", to.segment().trim_end_matches('s'))),
                to != DocumentKind::Proforma,
            ));
        }
    }
    if kind.is_payable() && !matches!(st, Status::Draft | Status::Credited) {
        out.push(a("credit-note", "docact.credit_note", None, false));
    }
    if kind != DocumentKind::CreditNote {
        out.push(a("duplicate", "docact.duplicate", None, false));
    }
    if st != Status::Draft && lifecycle::cancel(kind, st).is_ok() {
        out.push(a("cancel", "docact.cancel", None, false));
    }
    out
}

async fn show_page(
    app: &App,
    s: &WebSession,
    rec: &DocumentRecord,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
    status: StatusCode,
    typed: Option<&FormData>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let kind = rec.kind;
    let err = |e| WebError::store(lang, e);
    let cur = rec.content.currency;
    let totals = rec.content.totals();
    let customer = app.store.customer(s.rec.company_id, rec.content.customer_id).await.map_err(err)?;
    let mut amounts = totals.lines.iter();
    let mut subtotals = subtotal_amounts(&rec.content).into_iter();
    let lines = rec
        .content
        .lines
        .iter()
        .map(|l| {
            if !l.is_item() {
                let subtotal = l.kind == LineKind::Subtotal;
                let net = if subtotal {
                    subtotals.next().map(|(_, a)| text::money(a, cur, lang)).unwrap_or_default()
                } else {
                    String::new()
                };
                return LineRow {
                    id: l.id.to_string(),
                    description: l.description.clone(),
                    comment: true,
                    subtotal,
                    quantity: String::new(),
                    unit_price: String::new(),
                    discount: String::new(),
                    vat: String::new(),
                    net,
                };
            }
            let amount = amounts.next();
            let net = amount.map(|a| text::money(a.net, cur, lang)).unwrap_or_default();
            LineRow {
                id: l.id.to_string(),
                description: l.description.clone(),
                comment: false,
                subtotal: false,
                quantity: text::number(l.quantity, 0, lang),
                unit_price: text::money(l.unit_price, cur, lang),
                discount: if l.discount_percent.is_zero() {
                    String::new()
                } else {
                    text::percent(l.discount_percent, lang)
                },
                vat: text::percent(l.vat.rate(), lang),
                net,
            }
        })
        .collect();
    let family = if rec.links.is_empty() {
        Vec::new()
    } else {
        app.store.family(s.rec.company_id, rec.id).await.map_err(err)?
    };
    let family = family
        .into_iter()
        .filter(|m| m.id != rec.id)
        .map(|m| {
            let label = title_of(m.kind, m.number.as_deref(), lang);
            (label, format!("/{}/{}", m.kind.segment(), m.id), status_key(m.status))
        })
        .collect();
    let history = rec
        .history
        .iter()
        .map(|e| {
            let key = format!("event.{}", e.event);
            let label = i18n::lookup(lang, &key).map_or_else(|| e.event.clone(), String::from);
            (text::date(e.at.date(), lang), label)
        })
        .collect();
    let emails = crate::api::email::list(app, &s.auth(), kind, &rec.id.to_string())
        .await
        .map_err(|e| WebError::api(lang, e))?
        .0
        .into_iter()
        .map(|e| EmailRow {
            date: e.created_at.get(..10).and_then(parse_date).map(|d| text::date(d, lang)).unwrap_or_default(),
            to: e.to.join(", "),
            subject: e.subject,
            status: match e.status {
                "sent" => "email.sent",
                "failed" => "email.failed",
                "sending" => "email.sending",
                _ => "email.pending",
            },
        })
        .collect();
    let due = rec.due();
    let payable = kind.is_payable() && rec.status != Status::Draft;
    let write = s.can_write();
    let problems = issue_problems(app, s, rec).await?;
    let mut actions = actions(kind, rec, write);
    if !problems.is_empty() {
        for a in actions.iter_mut().filter(|a| a.path == "issue") {
            a.disabled = true;
        }
    }
    let page = ShowPage {
        p: s.chrome(app, kind.segment(), title_of(kind, rec.number.as_deref(), lang)).await?,
        seg: kind.segment(),
        id: rec.id.to_string(),
        kind_title: text::kind_title(kind, false, lang),
        status: status_key(lifecycle::effective_status(kind, rec.status, rec.content.valid_until, s.today())),
        urgency: if kind.is_payable() { urgency(rec.status, rec.due_date, s.today()) } else { "" },
        customer_id: rec.content.customer_id.to_string(),
        customer: customer.customer.name,
        date: rec.issue_date.map(|d| text::date(d, lang)).unwrap_or_default(),
        due_date: rec.due_date.map(|d| text::date(d, lang)).unwrap_or_default(),
        valid_until: rec.content.valid_until.map(|d| text::date(d, lang)).unwrap_or_default(),
        lines,
        lines_net: text::money(totals.lines_net, cur, lang),
        discount: (!totals.discount.is_zero()).then(|| text::money(totals.discount, cur, lang)),
        charge: rec
            .content
            .shipping
            .as_ref()
            .filter(|_| !totals.charges.is_zero())
            .map(|c| (c.label.clone(), text::money(totals.charges, cur, lang))),
        net: text::money(totals.net, cur, lang),
        vat: totals.vat.iter().map(|v| (text::percent(v.rate, lang), text::money(v.amount, cur, lang))).collect(),
        gross: text::money(totals.gross, cur, lang),
        paid: payable.then(|| text::money(rec.paid, cur, lang)),
        due: payable.then(|| text::money(due, cur, lang)),
        due_plain: to_text(due, cur.minor_units()),
        today: s.today().to_string(),
        note: rec.content.note.clone().unwrap_or_default(),
        payments: rec
            .payments
            .iter()
            .map(|p| {
                let method =
                    i18n::lookup(lang, &format!("method.{}", p.method)).map_or_else(|| p.method.clone(), String::from);
                let recorded = p.status == "recorded";
                (
                    text::date(p.date, lang),
                    method,
                    text::money(p.amount, cur, lang),
                    text::money(p.applied, cur, lang),
                    t(lang, if recorded { "payment.status.recorded" } else { "payment.status.cancelled" }),
                    (write && recorded).then(|| p.id.to_string()),
                )
            })
            .collect(),
        family,
        history,
        emails,
        can_edit: write && rec.status == Status::Draft,
        actions,
        can_pay: write && kind.is_payable() && matches!(rec.status, Status::Issued | Status::PartiallyPaid),
        can_send: write && rec.status != Status::Draft,
        can_deliver: write && lifecycle::convert(kind, rec.status, DocumentKind::DeliveryNote).is_ok(),
        can_credit: write && kind.is_payable() && !matches!(rec.status, Status::Draft | Status::Credited),
        can_bill_order: write
            && kind == DocumentKind::Order
            && matches!(rec.status, Status::Confirmed | Status::PartiallyDelivered | Status::Delivered),
        // A draft has no number, hence no UBL (the API answers 409).
        ubl: kind.is_invoice() && rec.status != Status::Draft,
        notice,
        errors,
        typed: typed.map(|f| f.0.iter().filter(|(k, _)| k != "csrf").cloned().collect()).unwrap_or_default(),
        problems,
    };
    html(status, &page)
}

/// What issuing this draft would refuse (`core::compliance`, as `GET …/issue-check`
/// says it), each with a link to the page where it is fixed. Nothing for an issued
/// document, nor when issuing would be refused for another reason (shown when tried).
async fn issue_problems(
    app: &App,
    s: &WebSession,
    rec: &DocumentRecord,
) -> Result<Vec<(String, String, &'static str)>, WebError> {
    if rec.status != Status::Draft || !compliance::applies_to(rec.kind) {
        return Ok(Vec::new());
    }
    let lang = s.lang();
    let problems = match app.store.issue_problems(s.rec.company_id, rec.kind, rec.id, s.today()).await {
        Ok(p) => p,
        Err(facturier_store::StoreError::Lifecycle(_)) => return Ok(Vec::new()),
        Err(e) => return Err(WebError::store(lang, e)),
    };
    Ok(problems
        .iter()
        .map(|p| {
            let (href, label) = match p.place {
                Place::Identity => ("/settings".to_string(), "issuecheck.fix_identity"),
                Place::Terms => ("/settings/terms".to_string(), "issuecheck.fix_terms"),
                Place::Numbering => ("/settings/numbering".to_string(), "issuecheck.fix_numbering"),
                Place::Customer => (format!("/customers/{}/edit", rec.content.customer_id), "issuecheck.fix_customer"),
                Place::Document => (format!("/{}/{}/edit", rec.kind.segment(), rec.id), "issuecheck.fix_document"),
            };
            (p.message(lang), href, label)
        })
        .collect())
}

async fn show(app: App, s: WebSession, id: String, kind: DocumentKind) -> Result<Response, WebError> {
    let lang = s.lang();
    let rec =
        app.store.document(s.rec.company_id, kind, doc_id(lang, &id)?).await.map_err(|e| WebError::store(lang, e))?;
    show_page(&app, &s, &rec, BTreeMap::new(), None, StatusCode::OK, None).await
}

/// `GET /{kind}/{id}/pdf` and `/ubl`: the API's files.
async fn file(app: App, s: WebSession, id: String, kind: DocumentKind, ubl: bool) -> Result<Response, WebError> {
    let lang = s.lang();
    let rec =
        app.store.document(s.rec.company_id, kind, doc_id(lang, &id)?).await.map_err(|e| WebError::store(lang, e))?;
    let r = if ubl {
        crate::api::render::ubl(&app, &s.auth(), &rec, &Default::default()).await
    } else {
        crate::api::render::pdf(&app, &s.auth(), &rec).await
    };
    r.map_err(|e| WebError::api(lang, e))
}

/// `POST /{kind}/{id}/{action}`: each action is the API's function of the same name.
async fn act(
    app: App,
    s: WebSession,
    form: FormData,
    kind: DocumentKind,
    id: String,
    action: String,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = doc_id(lang, &id)?;
    let ids = id.to_string();
    let auth = s.auth();
    let here = format!("/{}/{id}", kind.segment());
    let to_doc = |v: &crate::api::documents::DocumentView| {
        let k: DocumentKind = v.kind.parse().unwrap_or(kind);
        see_other(&format!("/{}/{}", k.segment(), v.id))
    };
    let result = match action.as_str() {
        "issue" => api_docs::issue(&app, &auth, kind, &ids).await.map(|_| see_other(&here)),
        "accept" => {
            api_docs::transition(&app, &auth, kind, &ids, "accepted", lifecycle::accept).await.map(|_| see_other(&here))
        }
        "refuse" => {
            api_docs::transition(&app, &auth, kind, &ids, "refused", lifecycle::refuse).await.map(|_| see_other(&here))
        }
        "cancel" => api_docs::transition(&app, &auth, kind, &ids, "cancelled", lifecycle::cancel)
            .await
            .map(|_| see_other(&here)),
        "delete" => api_docs::delete(&app, &auth, kind, &ids).await.map(|_| see_other(&format!("/{}", kind.segment()))),
        "duplicate" => api_docs::duplicate(&app, &auth, kind, &ids).await.map(|(_, v)| to_doc(&v.0)),
        "convert" => {
            // A partial delivery: the quantities typed per order line (`deliver_qty[<line id>]`).
            let portions: Vec<api_docs::PortionInput> = form
                .0
                .iter()
                .filter_map(|(k, v)| {
                    let line = k.strip_prefix("deliver_qty[")?.strip_suffix(']')?;
                    let q = v.trim().replace(',', ".");
                    (!q.is_empty())
                        .then(|| api_docs::PortionInput { line_id: Some(line.to_string()), quantity: Some(DecText(q)) })
                })
                .collect();
            let input = ConvertInput { to: form.text("to"), lines: (!portions.is_empty()).then_some(portions) };
            api_docs::convert(&app, &auth, kind, &ids, input).await.map(|(_, v)| to_doc(&v.0))
        }
        "deposit-invoice" if kind == DocumentKind::Order => {
            // By percent of the order's total or by an amount including VAT: the API refuses both.
            let input = api_docs::DepositInput {
                percent: form.text("percent").map(|p| DecText(decimal_text(&p))),
                amount: form.text("amount").map(|a| DecText(decimal_text(&a))),
            };
            api_docs::deposit_invoice(&app, &auth, &ids, input).await.map(|(_, v)| to_doc(&v.0))
        }
        "progress-invoice" if kind == DocumentKind::Order => {
            let input = api_docs::ProgressInput {
                cumulative_percent: form.text("cumulative_percent").map(|p| DecText(p.replace(',', "."))),
            };
            api_docs::progress_invoice(&app, &auth, &ids, input).await.map(|(_, v)| to_doc(&v.0))
        }
        "credit-note" => match credit_body(&app, &s, kind, id, &form).await? {
            Ok(body) => api_docs::create_credit_note(&app, &auth, kind, &ids, body).await.map(|(_, v)| to_doc(&v.0)),
            Err(e) => Err(e),
        },
        "payments" if kind.is_payable() => {
            let input = PaymentInput {
                amount: form
                    .text("amount")
                    .map(|a| DecText(a.replace(',', ".").replace([' ', '\u{a0}', '\u{202f}'], ""))),
                date: form.text("date"),
                method: form.text("method"),
                reference: form.text("reference"),
                excess: form.text("excess"),
            };
            api_docs::add_payment(&app, &auth, kind, &ids, input).await.map(|_| see_other(&here))
        }
        "send" => {
            let mut body = serde_json::Map::new();
            for field in ["to", "cc"] {
                if let Some(v) = form.text(field) {
                    let list: Vec<String> =
                        v.split([',', ';']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect();
                    body.insert(field.into(), serde_json::json!(list));
                }
            }
            if let Some(subject) = form.text("subject") {
                body.insert("subject".into(), serde_json::json!(subject));
            }
            if let Some(m) = form.text("message") {
                body.insert("message".into(), serde_json::json!(m));
            }
            let bytes = serde_json::to_vec(&body).map_err(|e| WebError::Internal(e.to_string()))?;
            match crate::api::email::send(&app, &auth, kind, &ids, bytes.into()).await {
                Ok(_) => {
                    let rec =
                        app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
                    return show_page(&app, &s, &rec, BTreeMap::new(), Some("docact.queued"), StatusCode::OK, None)
                        .await;
                }
                Err(e) => Err(e),
            }
        }
        _ => return Err(WebError::NotFound(lang)),
    };
    match result {
        Ok(r) => Ok(r),
        Err(ApiError::NotIssuable(_)) => {
            // The page lists the problems itself, each with its link.
            let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
            show_page(&app, &s, &rec, BTreeMap::new(), None, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
        Err(ApiError::Invalid(errs)) => {
            let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
            // `to[2]` is shown next to the one recipients field.
            let map = errs
                .into_iter()
                .map(|e| (e.field.split('[').next().unwrap_or_default().to_string(), message(lang, &e.message)))
                .collect();
            show_page(&app, &s, &rec, map, None, StatusCode::UNPROCESSABLE_ENTITY, Some(&form)).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

/// The body of a credit note: empty (the whole invoice), or the lines whose quantity to
/// credit was typed (`credit_qty[<line id>]`), each as invoiced but for its quantity.
async fn credit_body(
    app: &App,
    s: &WebSession,
    kind: DocumentKind,
    id: Uuid,
    form: &FormData,
) -> Result<Result<axum::body::Bytes, ApiError>, WebError> {
    let amount = form.text("credit_amount").map(|a| decimal_text(&a)).filter(|a| !a.is_empty());
    let typed_qty = form.0.iter().any(|(k, v)| k.starts_with("credit_qty[") && !v.trim().is_empty());
    if let Some(amount) = amount {
        if typed_qty {
            return Ok(Err(ApiError::field("amount", "give either lines or an amount, not both")));
        }
        let body = serde_json::to_vec(&serde_json::json!({ "amount": amount }))
            .map_err(|e| WebError::Internal(e.to_string()))?;
        return Ok(Ok(body.into()));
    }
    if !form.0.iter().any(|(k, _)| k.starts_with("credit_qty[")) {
        return Ok(Ok(axum::body::Bytes::new()));
    }
    let lang = s.lang();
    let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
    let inputs = api_docs::input_of(&rec.content).lines.unwrap_or_default();
    let lines: Vec<_> = rec
        .content
        .lines
        .iter()
        .zip(inputs)
        .filter(|(l, _)| l.is_item())
        .filter_map(|(l, li)| {
            let q = form.text(&format!("credit_qty[{}]", l.id))?.replace(',', ".");
            let nothing = q.trim_start_matches(['0', '.']).is_empty();
            (!nothing).then_some(api_docs::LineInput { id: None, quantity: Some(DecText(q)), ..li })
        })
        .collect();
    if lines.is_empty() {
        return Ok(Err(ApiError::field("lines", "type the quantity to credit on at least one line")));
    }
    let body =
        serde_json::to_vec(&serde_json::json!({ "lines": lines })).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Ok(body.into()))
}

// ---------------------------------------------------------------- draft editor

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
    fn is_blank(&self) -> bool {
        [&self.label, &self.amount, &self.percent].iter().all(|v| v.trim().is_empty())
    }
}

/// As many taxes as the API takes on a line.
const MAX_LINE_TAXES: usize = 10;

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

const LINE_FIELDS: [&str; 12] = [
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

const TAX_FIELDS: [&str; 3] = ["label", "amount", "percent"];

/// The rows of `prefix[i].field` inputs among `pairs` (name, value), by their index `i`
/// in the form, in index order.
fn indexed<'a, const N: usize>(
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
fn pairs(form: &FormData) -> impl Iterator<Item = (&str, &str)> {
    form.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// `prefix[i].field` → (i, field).
fn index_and_field<'a>(key: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let rest = key.strip_prefix(prefix)?.strip_prefix('[')?;
    let (i, field) = rest.split_once("].")?;
    Some((i.parse().ok()?, field))
}

/// The taxes of every line, by the line's index in the form: `lines[i].taxes[j].field`.
fn form_taxes(form: &FormData) -> BTreeMap<usize, Vec<TaxForm>> {
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
const MAX_LINES: usize = 1000;

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

fn blank_line(i: usize, vat_rate: &str) -> LineForm {
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
    fn is_blank(&self) -> bool {
        [&self.percent, &self.condition, &self.title].iter().all(|v| v.trim().is_empty())
    }
}

const INSTALMENT_FIELDS: [&str; 5] = ["percent", "kind", "condition", "mode", "title"];

/// (API field path, label key, input type, hint key).
type MoreInput = (&'static str, &'static str, &'static str, &'static str);

/// The inputs of the editor's "More" section, by group: (API field path, label key,
/// input type, hint key). A name is the API's path so that its errors land next to it.
const MORE: &[(&str, &[MoreInput])] = &[
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
const EXEMPTION_INPUTS: [(VatCategory, &str, Option<&str>); 5] = [
    (VatCategory::E, "vat_exemptions.E.text", Some("vat_exemptions.E.code")),
    (VatCategory::AE, "vat_exemptions.AE.text", Some("vat_exemptions.AE.code")),
    (VatCategory::K, "vat_exemptions.K.text", None),
    (VatCategory::G, "vat_exemptions.G.text", None),
    (VatCategory::O, "vat_exemptions.O.text", None),
];

/// Body fields read as decimals: typed with a comma or spaces, sent with a point.
const DECIMAL_PATHS: [&str; 4] = ["discount_amount", "exchange_rate", "shipping.amount", "shipping.vat_rate"];

/// Every field path the editor handles besides lines, schedule, discount %, note, terms and validity.
fn more_paths() -> impl Iterator<Item = &'static str> {
    MORE.iter().flat_map(|(_, fields)| fields.iter().map(|f| f.0)).chain(["discount_amount"])
}

/// A decimal as typed (`1 234,50`), as the API reads it (`1234.50`).
fn decimal_text(v: &str) -> String {
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
    fn read(form: &FormData) -> DraftForm {
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

    fn of(c: &Content) -> DraftForm {
        // The API's own body of the draft: the form shows what a GET would send back.
        let body = serde_json::to_value(api_docs::input_of(c)).unwrap_or_default();
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
    fn exemption_list(&self, kept: &[ExemptionReason]) -> Option<Vec<ExemptionInput>> {
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
                None => kept.iter().find(|r| r.category() == *cat).map(api_docs::exemption_input),
            })
            .collect();
        Some(list)
    }

    /// The API's errors with those of a mention moved to its inputs: `vat_exemptions[1].code`
    /// is the code typed for the second category of [`Self::exemption_list`].
    fn exemption_errors(&self, kept: &[ExemptionReason], errs: Vec<(String, String)>) -> Vec<(String, String)> {
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
    fn exempt_categories(&self) -> Vec<VatCategory> {
        let used: Vec<&str> = self
            .lines
            .iter()
            .map(|l| l.vat_category.trim())
            .chain(std::iter::once(self.value("shipping.vat_category").trim()))
            .collect();
        EXEMPTION_INPUTS.iter().map(|e| e.0).filter(|c| used.iter().any(|u| u.eq_ignore_ascii_case(c.code()))).collect()
    }

    /// `effective` (the draft's mentions, or the company's) with the ones typed that hold.
    fn typed_exemptions(&self, effective: Vec<ExemptionReason>) -> Vec<ExemptionReason> {
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
    fn compact(&mut self) {
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
    fn with_blank_instalment(mut self) -> DraftForm {
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
    fn input(&self, base: Option<&Content>, kept: &[ExemptionReason]) -> Result<DocumentInput, WebError> {
        let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let dec = |v: &str| opt(v).map(|x| DecText(decimal_text(&x)));
        let internal = |e: serde_json::Error| WebError::Internal(e.to_string());
        let mut body = serde_json::to_value(base.map(api_docs::input_of).unwrap_or_default()).map_err(internal)?;
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
                        return api_docs::LineInput {
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
                        .map(|t| api_docs::OtherTaxInput {
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
    fn patch(&self, input: &DocumentInput) -> Result<serde_json::Value, WebError> {
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
fn shown_category(cat: VatCategory, rate: Decimal) -> String {
    let told = if rate.is_zero() { VatCategory::Z } else { VatCategory::S };
    if cat == told { String::new() } else { cat.code().to_string() }
}

/// The legal mention of a 0 % category in `lang`, for the code typed: one of `own`
/// (the document's, or the company's for a new one), else the category's default.
fn exemption_text<'a>(code: &str, own: &'a [ExemptionReason], lang: Language) -> Option<&'a str> {
    Some(exemption_mention(code.parse::<VatCategory>().ok()?, own, lang == Language::Fr)?.text)
}

/// One input of the "More" section.
pub struct MoreField {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `date`, `decimal`, `textarea` or `select`.
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// For a select: (value, label), the typed value among them.
    pub options: Vec<(String, String)>,
    /// A label key shown under the input, or "".
    pub hint: &'static str,
    /// The id of a `<datalist>` of suggestions, or "".
    pub list: &'static str,
    /// What an empty input stands for, or "".
    pub placeholder: String,
}

impl MoreField {
    /// The `aria-describedby` value: the error and the hint, as present.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        ids.join(" ")
    }
}

/// A fieldset of the "More" section; the payment one also holds the schedule.
pub struct MoreGroup {
    pub legend: &'static str,
    pub fields: Vec<MoreField>,
    pub schedule: bool,
}

/// `options` with `current` added when it is not among them, so that what was typed stays shown.
fn with_current(mut options: Vec<(String, String)>, current: &str) -> Vec<(String, String)> {
    if !current.is_empty() && !options.iter().any(|(v, _)| v == current) {
        options.push((current.to_string(), current.to_string()));
    }
    options
}

/// The VAT categories offered: "from the rate", then every EN 16931 category.
fn category_options(lang: Language) -> Vec<(String, String)> {
    std::iter::once((String::new(), t(lang, "editor.vatcat_auto").to_string()))
        .chain(VatCategory::ALL.iter().map(|c| {
            let key = format!("editor.vatcat_{}", c.code().to_ascii_lowercase());
            (c.code().to_string(), t(lang, &key).to_string())
        }))
        .collect()
}

fn more_groups(
    f: &DraftForm,
    lang: Language,
    rates: &[(String, String)],
    effective: &[ExemptionReason],
    errors: &BTreeMap<String, String>,
) -> Vec<MoreGroup> {
    MORE.iter()
        .map(|(legend, fields)| MoreGroup {
            legend,
            schedule: *legend == "editor.group_payment",
            fields: fields
                .iter()
                .map(|(name, label, kind, hint)| {
                    let value = f.value(name).to_string();
                    let options = match *name {
                        "operation" => ["", "goods", "services", "mixed"]
                            .iter()
                            .map(|o| {
                                let key = if o.is_empty() {
                                    "editor.operation_auto".into()
                                } else {
                                    format!("editor.operation_{o}")
                                };
                                (o.to_string(), t(lang, &key).to_string())
                            })
                            .collect(),
                        "payment_mode" => std::iter::once((String::new(), t(lang, "editor.not_given").to_string()))
                            .chain(PaymentMode::ALL.iter().map(|m| {
                                (m.as_str().to_string(), t(lang, &format!("method.{}", m.as_str())).to_string())
                            }))
                            .collect(),
                        "shipping.vat_rate" => rates.to_vec(),
                        "shipping.vat_category" => category_options(lang),
                        _ => Vec::new(),
                    };
                    MoreField {
                        name,
                        label,
                        kind,
                        options: with_current(options, &value),
                        value,
                        error: errors.get(*name).cloned(),
                        hint,
                        list: match *name {
                            "payment_terms" => "terms-examples",
                            "currency" => "currencies",
                            _ => "",
                        },
                        placeholder: String::new(),
                    }
                })
                .collect(),
        })
        .chain(exemption_group(f, lang, effective, errors))
        .collect()
}

/// The document's own mention for each exempt category it uses, the category's default
/// as placeholder; `effective`: the draft's mentions, or the company's for a new one.
fn exemption_group(
    f: &DraftForm,
    lang: Language,
    effective: &[ExemptionReason],
    errors: &BTreeMap<String, String>,
) -> Option<MoreGroup> {
    let used = f.exempt_categories();
    let input = |name: &'static str, label: &'static str, stored: Option<&str>, placeholder: &str| MoreField {
        name,
        label,
        kind: "text",
        value: f.exemptions.get(name).cloned().unwrap_or_else(|| stored.unwrap_or_default().to_string()),
        error: errors.get(name).cloned(),
        options: Vec::new(),
        hint: "",
        list: "",
        placeholder: placeholder.to_string(),
    };
    let fields: Vec<MoreField> = EXEMPTION_INPUTS
        .iter()
        .filter(|e| used.contains(&e.0))
        .filter_map(|(cat, text, code)| Some((cat, text, code, settings::EXEMPTIONS.iter().find(|s| s.0 == *cat)?)))
        .flat_map(|(cat, text, code, (_, text_label, code_label))| {
            let own = effective.iter().find(|r| r.category() == *cat);
            let default = cat.exemption();
            let default_text = default.map(|d| if lang == Language::Fr { d.text_fr } else { d.text_en });
            std::iter::once(input(text, text_label, own.map(|r| r.text()), default_text.unwrap_or_default())).chain(
                code.zip(*code_label).map(|(name, label)| {
                    let stored = own.and_then(|r| r.code()).map(|c| c.as_str());
                    input(name, label, stored, default.map(|d| d.code).unwrap_or_default())
                }),
            )
        })
        .collect();
    (!fields.is_empty()).then_some(MoreGroup { legend: "editor.group_exemptions", fields, schedule: false })
}

/// A product offered by the lookup.
pub struct ProductChoice {
    pub id: String,
    pub label: String,
    pub price: String,
}

/// The totals as the editor shows them.
pub struct TotalsView {
    /// (the subtotal line's text, its amount), in the order of the lines.
    pub subtotals: Vec<(String, String)>,
    pub lines_net: String,
    pub discount: Option<String>,
    pub charges: Option<String>,
    pub net: String,
    /// (rate, with the category and its legal mention for a 0 % category; amount).
    pub vat: Vec<(String, String)>,
    pub gross: String,
}

/// Each subtotal line (its position among the lines) with the sum of the item lines'
/// net amounts since the previous subtotal: `core`'s subtotals, as the API and the PDF show.
fn subtotal_amounts(c: &Content) -> Vec<(usize, Decimal)> {
    facturier_core::totals::subtotals(c.currency, &c.figures().lines)
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect()
}
fn totals_view(c: &Content, lang: Language) -> TotalsView {
    let t = c.totals();
    let cur = c.currency;
    TotalsView {
        // A subtotal line always has a text: the API names an empty one ("Sous-total").
        subtotals: subtotal_amounts(c)
            .into_iter()
            .map(|(i, amount)| (c.lines[i].description.clone(), text::money(amount, cur, lang)))
            .collect(),
        lines_net: text::money(t.lines_net, cur, lang),
        discount: (!t.discount.is_zero()).then(|| text::money(t.discount, cur, lang)),
        charges: (!t.charges.is_zero()).then(|| text::money(t.charges, cur, lang)),
        net: text::money(t.net, cur, lang),
        vat: t
            .vat
            .iter()
            .map(|v| {
                let rate = text::percent(v.rate, lang);
                let label = match exemption_text(v.category.code(), &c.vat_exemptions, lang) {
                    Some(mention) => format!("{rate} ({}) — {mention}", v.category.code()),
                    None => rate,
                };
                (label, text::money(v.amount, cur, lang))
            })
            .collect(),
        gross: text::money(t.gross, cur, lang),
    }
}

#[derive(Template)]
#[template(path = "document_form.html")]
struct FormPage {
    p: Chrome,
    seg: &'static str,
    action: String,
    draft_id: String,
    customers: Vec<(String, String)>,
    /// What the customer search field holds (the choices are its matches).
    customer_q: String,
    chosen_customer: String,
    customer_invalid: bool,
    f: DraftForm,
    product_q: String,
    products: Option<Vec<ProductChoice>>,
    totals: Option<TotalsView>,
    errors: Vec<(String, String)>,
    error_map: BTreeMap<String, String>,
    /// The company's VAT rates: (value, label).
    rates: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    groups: Vec<MoreGroup>,
    modes: Vec<(String, String)>,
    units: Vec<(&'static str, &'static str)>,
    /// The "More" section starts open (an error in it, or an instalment row asked for).
    open_more: bool,
    /// The exemption mentions in effect: the draft's, or the company's for a new one.
    exemptions: Vec<ExemptionReason>,
    /// An e-invoice of a company whose identity is not filled in yet.
    first_run: bool,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.error_map.get(field).map(String::as_str)
    }
    fn line_error(&self, i: &usize, field: &str) -> Option<&str> {
        self.error_map.get(&format!("lines[{i}].{field}")).map(String::as_str)
    }
    /// An error about one of the line's other taxes (its label, amount or percent).
    fn line_tax_error(&self, i: &usize, j: &usize) -> Option<&str> {
        ["label", "amount_per_unit", "percent"]
            .iter()
            .find_map(|f| self.line_error(i, &format!("other_taxes[{j}].{f}")))
    }
    /// The line's "more" section starts open: it holds a tax, or an error.
    fn line_more_open(&self, l: &LineForm) -> bool {
        !l.taxes.is_empty()
            || ["unit", "purchase_price", "nature"].iter().any(|f| self.line_error(&l.i, f).is_some())
            || self.error_map.keys().any(|k| k.starts_with(&format!("lines[{}].other_taxes[", l.i)))
    }
    fn instalment_error(&self, i: &usize, field: &str) -> Option<&str> {
        self.error_map.get(&format!("schedule[{i}].{field}")).map(String::as_str)
    }
    fn rate_options(&self, current: &str) -> Vec<(String, String)> {
        with_current(self.rates.clone(), current)
    }
    fn category_options(&self, current: &str) -> Vec<(String, String)> {
        with_current(self.categories.clone(), current)
    }
    fn mode_options(&self, current: &str) -> Vec<(String, String)> {
        with_current(self.modes.clone(), current)
    }
    fn exemption(&self, code: &str) -> Option<&str> {
        exemption_text(code, &self.exemptions, self.p.lang)
    }
    /// The `aria-describedby` of a line input: its error, and for the category its mention.
    fn line_described_by(&self, l: &LineForm, field: &str, id: &str) -> String {
        let mut ids = Vec::new();
        if self.line_error(&l.i, field).is_some() {
            ids.push(format!("line-{}-{id}-error", l.i));
        }
        if field == "vat_category" && self.exemption(&l.vat_category).is_some() {
            ids.push(format!("line-{}-exemption", l.i));
        }
        ids.join(" ")
    }
}

#[derive(Template)]
#[template(path = "document_totals.html")]
struct TotalsFragment {
    p: Chrome,
    totals: Option<TotalsView>,
}

#[derive(Template)]
#[template(path = "document_customers.html")]
struct CustomersFragment {
    p: Chrome,
    customers: Vec<(String, String)>,
    chosen_customer: String,
    customer_invalid: bool,
}

#[derive(Deserialize)]
pub struct CustomerLookupQuery {
    customer_q: Option<String>,
    customer_id: Option<String>,
}

/// `GET /documents/customers?customer_q=&customer_id=`: the editor's customer choices
/// matching the search (an htmx fragment replacing the `<select>`), the chosen one kept.
async fn customer_lookup(
    State(app): State<App>,
    s: WebSession,
    Query(q): Query<CustomerLookupQuery>,
) -> Result<Response, WebError> {
    let chosen_customer = q.customer_id.unwrap_or_default();
    let customer_q = q.customer_q.unwrap_or_default();
    let customers = customer_choices(&app, &s, chosen_customer.parse().ok(), &customer_q).await?;
    let p = s.chrome(&app, "", String::new()).await?;
    let page = CustomersFragment { p, customers, chosen_customer, customer_invalid: false };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "document_products.html")]
struct ProductsFragment {
    p: Chrome,
    products: Option<Vec<ProductChoice>>,
}

/// The company's VAT rates (settings), most used first.
async fn offered_rates(app: &App, s: &WebSession) -> Result<Vec<Decimal>, WebError> {
    let lang = s.lang();
    let settings = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(settings.documents.offered_vat_rates())
}

/// The rate a new line starts with: the company's first.
async fn default_rate(app: &App, s: &WebSession) -> Result<String, WebError> {
    Ok(offered_rates(app, s).await?.first().map(|r| to_text(*r, 0)).unwrap_or_else(|| "20".into()))
}

/// The customers offered in the form: the one chosen, then those matching `q` (the
/// directory's indexed search), or the newest ones when `q` is empty: a company with
/// 100 000 customers finds any of them without a 100 000-option list.
async fn customer_choices(
    app: &App,
    s: &WebSession,
    chosen: Option<Uuid>,
    q: &str,
) -> Result<Vec<(String, String)>, WebError> {
    let lang = s.lang();
    let mut out = Vec::new();
    if let Some(id) = chosen
        && let Ok(c) = app.store.customer(s.rec.company_id, id).await
    {
        out.push((id.to_string(), c.customer.name));
    }
    let q: String = q.trim().chars().take(crate::api::MAX_SEARCH).collect();
    let filter = CustomerFilter { q: (!q.is_empty()).then_some(q), activity: None, limit: 100, after: None };
    let (rows, _) = app.store.list_customers(s.rec.company_id, &filter).await.map_err(|e| WebError::store(lang, e))?;
    out.extend(rows.into_iter().filter(|r| Some(r.id) != chosen).map(|r| (r.id.to_string(), r.customer.name)));
    Ok(out)
}

/// Products matching `q`, through the API's product list (its search and its role checks).
async fn find_products(app: &App, s: &WebSession, q: &str) -> Result<Vec<ProductChoice>, WebError> {
    let lang = s.lang();
    let query =
        crate::api::ListQuery { q: Some(q.chars().take(100).collect()), limit: Some("8".into()), ..Default::default() };
    let page = crate::api::products::list(State(app.clone()), s.auth(), Query(query))
        .await
        .map_err(|e| WebError::api(lang, e))?
        .0;
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    Ok(page
        .data
        .into_iter()
        .map(|p| ProductChoice {
            id: p.id.to_string(),
            label: format!("{} — {}", p.reference, p.name),
            price: p.unit_price.parse().map(|d| text::money(d, cur, lang)).unwrap_or(p.unit_price),
        })
        .collect())
}

#[derive(Deserialize)]
pub struct LookupQuery {
    product_q: Option<String>,
}

/// `GET /documents/products?product_q=`: the editor's product suggestions (an htmx fragment).
async fn product_lookup(
    State(app): State<App>,
    s: WebSession,
    Query(q): Query<LookupQuery>,
) -> Result<Response, WebError> {
    let text = q.product_q.unwrap_or_default();
    let products = if text.trim().is_empty() { None } else { Some(find_products(&app, &s, text.trim()).await?) };
    let page = ProductsFragment { p: s.chrome(&app, "", String::new()).await?, products };
    html(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct NewQuery {
    customer: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    app: &App,
    s: &WebSession,
    kind: DocumentKind,
    editing: Option<&DocumentRecord>,
    f: DraftForm,
    product_q: String,
    products: Option<Vec<ProductChoice>>,
    totals: Option<TotalsView>,
    errs: Vec<(String, String)>,
    status: StatusCode,
    open_more: bool,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let (title, action) = match editing {
        Some(r) => (
            format!("{} — {}", t(lang, "editor.edit_title"), title_of(kind, None, lang)),
            format!("/{}/{}/edit", kind.segment(), r.id),
        ),
        None => (
            format!("{} — {}", t(lang, "kinds.new"), text::kind_title(kind, false, lang)),
            format!("/{}/new", kind.segment()),
        ),
    };
    let settings = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    // The first invoice of a company with no identity yet: ask for it first.
    let first_run = compliance::applies_to(kind) && settings.identity.as_ref().is_none_or(|i| i.siren.is_none());
    let look = settings.documents;
    let rates: Vec<(String, String)> =
        look.offered_vat_rates().into_iter().map(|r| (to_text(r, 0), text::percent(r, lang))).collect();
    let stored = match editing {
        Some(r) => r.content.vat_exemptions.clone(),
        None => look.vat_exemptions,
    };
    let error_map: BTreeMap<String, String> = errs.iter().cloned().collect();
    let groups = more_groups(&f, lang, &rates, &stored, &error_map);
    let exemptions = f.typed_exemptions(stored);
    let open_more = open_more
        || groups.iter().flat_map(|g| &g.fields).any(|x| x.error.is_some())
        || error_map.keys().any(|k| k.starts_with("schedule"));
    let f = f.with_blank_instalment();
    let page = FormPage {
        p: s.chrome(app, kind.segment(), title).await?,
        seg: kind.segment(),
        action,
        draft_id: editing.map(|r| r.id.to_string()).unwrap_or_default(),
        customers: customer_choices(app, s, f.customer_id.parse().ok(), &f.customer_q).await?,
        customer_q: f.customer_q.clone(),
        chosen_customer: f.customer_id.clone(),
        customer_invalid: error_map.contains_key("customer_id"),
        f,
        product_q,
        products,
        totals,
        error_map,
        errors: errs,
        rates,
        categories: category_options(lang),
        groups,
        modes: std::iter::once((String::new(), t(lang, "editor.not_given").to_string()))
            .chain(
                PaymentMode::ALL
                    .iter()
                    .map(|m| (m.as_str().to_string(), t(lang, &format!("method.{}", m.as_str())).to_string())),
            )
            .collect(),
        units: UnitCode::known().collect(),
        open_more,
        exemptions,
        first_run,
    };
    html(status, &page)
}

async fn new_form(app: App, s: WebSession, q: NewQuery, kind: DocumentKind) -> Result<Response, WebError> {
    if !s.can_write() {
        return Err(WebError::Forbidden(s.lang()));
    }
    let chosen = q.customer.as_deref().and_then(|c| c.parse::<Uuid>().ok());
    let f = DraftForm {
        customer_id: chosen.map(|c| c.to_string()).unwrap_or_default(),
        lines: vec![blank_line(0, &default_rate(&app, &s).await?)],
        ..DraftForm::default()
    };
    render_form(&app, &s, kind, None, f, String::new(), None, None, Vec::new(), StatusCode::OK, false).await
}

async fn draft(app: &App, s: &WebSession, kind: DocumentKind, id: &str) -> Result<DocumentRecord, WebError> {
    let lang = s.lang();
    let rec =
        app.store.document(s.rec.company_id, kind, doc_id(lang, id)?).await.map_err(|e| WebError::store(lang, e))?;
    if rec.status != Status::Draft {
        return Err(WebError::api(
            lang,
            facturier_core::document::LifecycleError::NotDraft(rec.status.as_str()).into(),
        ));
    }
    Ok(rec)
}

async fn edit_form(app: App, s: WebSession, id: String, kind: DocumentKind) -> Result<Response, WebError> {
    if !s.can_write() {
        return Err(WebError::Forbidden(s.lang()));
    }
    let rec = draft(&app, &s, kind, &id).await?;
    let f = DraftForm::of(&rec.content);
    let totals = Some(totals_view(&rec.content, s.lang()));
    render_form(&app, &s, kind, Some(&rec), f, String::new(), None, totals, Vec::new(), StatusCode::OK, false).await
}

/// The mentions of the categories the form does not show: the draft's, or the company's
/// for a new document (read only when the form shows some).
async fn kept_exemptions(
    app: &App,
    s: &WebSession,
    f: &DraftForm,
    base: Option<&Content>,
) -> Result<Vec<ExemptionReason>, WebError> {
    Ok(match base {
        Some(c) => c.vat_exemptions.clone(),
        None if !f.exemptions.is_empty() => {
            app.store
                .settings(s.rec.company_id)
                .await
                .map_err(|e| WebError::store(s.lang(), e))?
                .documents
                .vat_exemptions
        }
        None => Vec::new(),
    })
}

/// The totals of the form as typed, or the API's per-field errors.
async fn compute(
    app: &App,
    s: &WebSession,
    f: &DraftForm,
    base: Option<&Content>,
) -> Result<Result<TotalsView, Vec<(String, String)>>, WebError> {
    let mut f = f.clone();
    f.compact();
    let kept = kept_exemptions(app, s, &f, base).await?;
    match api_docs::preview(app, &s.auth(), &f.input(base, &kept)?).await {
        Ok(c) => Ok(Ok(totals_view(&c, s.lang()))),
        Err(ApiError::Invalid(errs)) => Ok(Err(
            f.exemption_errors(&kept, errs.into_iter().map(|e| (e.field, message(s.lang(), &e.message))).collect())
        )),
        Err(ApiError::NotFound(_)) => Ok(Err(vec![("customer_id".into(), message(s.lang(), "no such customer"))])),
        Err(e) => Err(WebError::api(s.lang(), e)),
    }
}

/// `POST /{kind}/preview`: the totals fragment the editor swaps in as you type.
async fn preview(app: App, s: WebSession, form: FormData, kind: DocumentKind) -> Result<Response, WebError> {
    s.auth().require_write().map_err(|e| WebError::api(s.lang(), e))?;
    let base = match form.text("draft_id") {
        Some(id) => Some(draft(&app, &s, kind, &id).await?.content),
        None => None,
    };
    let totals = compute(&app, &s, &DraftForm::read(&form), base.as_ref()).await?.ok();
    let page = TotalsFragment { p: s.chrome(&app, kind.segment(), String::new()).await?, totals };
    html(StatusCode::OK, &page)
}

/// `POST /{kind}/new` and `POST /{kind}/{id}/edit`. `action` says what the button asked:
/// `add_line`, `find_product`, `add_product:<id>`, `recalculate`, or `save` (the default).
async fn save(
    app: App,
    s: WebSession,
    form: FormData,
    kind: DocumentKind,
    id: Option<String>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    auth.require_write().map_err(|e| WebError::api(lang, e))?;
    let editing = match &id {
        Some(id) => Some(draft(&app, &s, kind, id).await?),
        None => None,
    };
    let base = editing.as_ref().map(|r| &r.content);
    let mut f = DraftForm::read(&form);
    let product_q = form.get("product_q").unwrap_or_default().to_string();
    let action = form.get("action").unwrap_or("save").to_string();
    let again = |f: DraftForm, products, totals, errs, status| {
        render_form(&app, &s, kind, editing.as_ref(), f, product_q.clone(), products, totals, errs, status, false)
    };
    let text_line = |f: &DraftForm, kind: &str, description: &str| LineForm {
        i: f.lines.len(),
        n: f.lines.len() + 1,
        kind: kind.into(),
        description: description.into(),
        ..LineForm::default()
    };
    match action.as_str() {
        "add_line" => {
            let rate = default_rate(&app, &s).await?;
            f.lines.push(blank_line(f.lines.len(), &rate));
            return again(f, None, None, Vec::new(), StatusCode::OK).await;
        }
        "add_comment" => {
            f.lines.push(text_line(&f, "comment", ""));
            return again(f, None, None, Vec::new(), StatusCode::OK).await;
        }
        "add_subtotal" => {
            f.lines.push(text_line(&f, "subtotal", t(lang, "editor.subtotal")));
            return again(f, None, None, Vec::new(), StatusCode::OK).await;
        }
        "add_instalment" => {
            // The typed rows are kept and the form always ends with an empty one.
            return render_form(
                &app,
                &s,
                kind,
                editing.as_ref(),
                f,
                product_q.clone(),
                None,
                None,
                Vec::new(),
                StatusCode::OK,
                true,
            )
            .await;
        }
        _ => {}
    }
    if let Some(i) = action.strip_prefix("remove_line:").and_then(|i| i.parse::<usize>().ok()) {
        if i < f.lines.len() {
            f.lines.remove(i);
        }
        for (k, l) in f.lines.iter_mut().enumerate() {
            (l.i, l.n) = (k, k + 1);
        }
        if f.lines.is_empty() {
            f.lines.push(blank_line(0, &default_rate(&app, &s).await?));
        }
        let totals = compute(&app, &s, &f, base).await?.ok();
        return again(f, None, totals, Vec::new(), StatusCode::OK).await;
    }
    if action == "find_customer" {
        return again(f, None, None, Vec::new(), StatusCode::OK).await;
    }
    if action == "find_product" {
        let products =
            if product_q.trim().is_empty() { None } else { Some(find_products(&app, &s, product_q.trim()).await?) };
        return again(f, products, None, Vec::new(), StatusCode::OK).await;
    }
    if let Some(pid) = action.strip_prefix("add_product:") {
        let pid: Uuid = pid.parse().map_err(|_| WebError::BadRequest(lang, "product".into()))?;
        let p = app.store.product(s.rec.company_id, pid).await.map_err(|e| WebError::store(lang, e))?.product;
        f.compact();
        f.lines.push(LineForm {
            i: f.lines.len(),
            n: f.lines.len() + 1,
            product_id: pid.to_string(),
            kind: "item".into(),
            description: p.name.clone(),
            quantity: "1".into(),
            unit_price: to_text(p.unit_price, 2),
            vat_rate: to_text(p.vat.rate(), 0),
            vat_category: shown_category(p.vat.category(), p.vat.rate()),
            unit: p.unit.code().to_string(),
            purchase_price: p.purchase_price.map(|x| to_text(x, 2)).unwrap_or_default(),
            nature: p.nature.as_str().to_string(),
            ..LineForm::default()
        });
        let totals = compute(&app, &s, &f, base).await?.ok();
        return again(f, None, totals, Vec::new(), StatusCode::OK).await;
    }
    if action == "recalculate" {
        // Closed up first, so that the errors' line numbers are the rows shown.
        f.compact();
        if f.lines.is_empty() {
            f.lines.push(blank_line(0, &default_rate(&app, &s).await?));
        }
        return match compute(&app, &s, &f, base).await? {
            Ok(t) => again(f, None, Some(t), Vec::new(), StatusCode::OK).await,
            Err(errs) => again(f, None, None, errs, StatusCode::UNPROCESSABLE_ENTITY).await,
        };
    }
    f.compact();
    let kept = kept_exemptions(&app, &s, &f, base).await?;
    let input = f.input(base, &kept)?;
    let result = match &editing {
        None => api_docs::create(&app, &auth, kind, input).await.map(|(_, v)| v.0.id),
        Some(rec) => {
            let patch = f.patch(&input)?;
            api_docs::update(&app, &auth, kind, &rec.id.to_string(), patch).await.map(|v| v.0.id)
        }
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/{}/{id}", kind.segment()))),
        Err(e @ (ApiError::Invalid(_) | ApiError::NotFound(_))) => {
            let errs = match e {
                ApiError::Invalid(errs) => {
                    f.exemption_errors(&kept, errs.into_iter().map(|e| (e.field, message(lang, &e.message))).collect())
                }
                _ => vec![("customer_id".to_string(), message(lang, "no such customer"))],
            };
            if f.lines.is_empty() {
                f.lines.push(blank_line(0, &default_rate(&app, &s).await?));
            }
            again(f, None, None, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minus_word_in_the_search_is_the_except_term() {
        assert_eq!(search_terms("maintenance -contrat", ""), (Some("maintenance".into()), vec!["contrat".into()]));
        assert_eq!(search_terms("pose -a", " annuel "), (Some("pose".into()), vec!["a".into(), "annuel".into()]));
        assert_eq!(search_terms("  ", ""), (None, vec![]));
        assert_eq!(search_terms("a - b", ""), (Some("a - b".into()), vec![]));
    }

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
