//! Documents of every kind (quotes, orders, delivery notes, pro-formas, invoices, deposit
//! invoices, credit notes) under `/{segment}` (the API's segments): the list with search,
//! "except" term, sortable columns and keyset pages; the document page with the actions its
//! kind and status allow (issue, accept, refuse, cancel, convert, send by e-mail, payment,
//! credit note, duplicate, delete, PDF, UBL), its family and history; the draft editor
//! (create and edit) with products looked up as you type and totals computed live by the
//! API's own parsing and `core`'s totals. Every action calls the API's function for it.
//!
//! `list` is the list page, `show` the document page, `actions` its buttons (read from
//! `core::lifecycle`'s table) and their POST handler, `form` the editor's form as typed
//! and its reading into the API's input, `editor` the editor's pages, live totals and look-ups.

mod actions;
pub(crate) mod editor;
mod form;
mod list;
mod show;

use super::WebError;
use super::i18n::{self, t};
use super::session::{CsrfForm, WebSession};
use crate::App;
use actions::act;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use editor::{LookupQuery, NewQuery, customer_lookup, edit_form, new_form, preview, product_lookup, save};
use facturier_core::document::DocumentKind;
use facturier_core::lifecycle;
use facturier_core::party::Language;
use facturier_formats::text;
use list::{ListQuery, list};
use show::{file, show};

/// What the catalogue's form shares with the editor: the VAT choices and decimals as typed.
pub(crate) use editor::{category_options, offered_rates};
pub(crate) use form::{decimal_text, shown_category};
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
    ("docact.send_preview", "Prévisualiser", "Preview"),
    ("docact.preview_title", "Aperçu du message", "Preview of the message"),
    (
        "docact.preview_hint",
        "Voici le message tel qu'il partira. Rien n'est envoyé tant que vous n'avez pas cliqué sur « Envoyer par e-mail ».",
        "This is the message as it will go out. Nothing is sent until you click “Send by e-mail”.",
    ),
    ("docact.preview_attachment", "Pièce jointe", "Attachment"),
    ("docact.email_detail", "Détail", "Details"),
    ("docact.email_error", "Message du serveur d'envoi", "The mail server's message"),
    ("email.detail_sent", "Envoyé le {when}.", "Sent on {when}."),
    ("email.detail_waiting", "En attente de son premier envoi.", "Waiting for its first attempt."),
    ("email.detail_sending", "Envoi en cours.", "Being sent."),
    (
        "email.detail_no_server",
        "En attente : aucun serveur d'envoi (SMTP) n'est configuré, donc rien ne part. Le message partira dès qu'un administrateur en aura configuré un au démarrage de facturier (option --smtp-url de « facturier serve », ou variable FACTURIER_SMTP_URL).",
        "Waiting: no mail server (SMTP) is configured, so nothing goes out. The message leaves as soon as an administrator configures one when starting facturier (the --smtp-url option of “facturier serve”, or the FACTURIER_SMTP_URL variable).",
    ),
    (
        "email.detail_retry",
        "En attente : la tentative n°{n} a échoué ({why}). Nouvel essai le {when}.",
        "Waiting: attempt {n} failed ({why}). Next attempt on {when}.",
    ),
    (
        "email.detail_failed",
        "Abandonné après {n} tentative(s) : {why}. Vérifiez l'adresse, puis relancez l'envoi depuis la page des tâches ou envoyez-le à nouveau.",
        "Given up after {n} attempt(s): {why}. Check the address, then retry it from the jobs page or send it again.",
    ),
    ("email.why_unreachable", "le serveur d'envoi n'a pas pu être joint", "the mail server could not be reached"),
    (
        "email.why_busy",
        "le serveur d'envoi a demandé de réessayer plus tard",
        "the mail server asked to try again later",
    ),
    ("email.why_refused", "le serveur d'envoi a refusé le message", "the mail server refused the message"),
    ("email.why_address", "une adresse de destinataire est refusée", "a recipient's address is refused"),
    ("email.why_other", "l'envoi a échoué", "sending failed"),
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
    (
        "editor.new_product",
        "Créer un article dans le catalogue (le brouillon est enregistré)",
        "Create a product in the catalogue (the draft is saved)",
    ),
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
    ("editor.unit", "Unité", "Unit"),
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
        "À réception, 30 jours net, 45 jours fin de mois, fin de mois + 10 jours… ; vide : celles du client",
        "On receipt, 30 days net, 45 days end of month, end of month + 10 days…; empty: the customer's",
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

fn kinds_key(kind: DocumentKind) -> String {
    format!("kinds.{}", kind.as_str())
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
                get(
                    move |State(app): State<App>, sess: WebSession, Path(id): P, Query(q): Query<LookupQuery>| async move {
                        edit_form(app, sess, id, kind, q).await
                    },
                )
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
        if lifecycle::of(kind).by_hand {
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

fn doc_id(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

fn title_of(kind: DocumentKind, number: Option<&str>, lang: Language) -> String {
    format!("{} {}", text::kind_title(kind, false, lang), number.unwrap_or_else(|| t(lang, "doc.draft_number")))
}
