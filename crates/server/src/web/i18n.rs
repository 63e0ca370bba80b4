//! Every label of the web app in French and English. Amounts and dates are not here:
//! `formats::text` writes them in the reader's notation.

use facturier_core::party::Language;

/// (key, French, English).
const DICT: &[(&str, &str, &str)] = &[
    ("nav.skip", "Aller au contenu", "Skip to content"),
    ("nav.label", "Navigation principale", "Main navigation"),
    ("nav.dashboard", "Tableau de bord", "Dashboard"),
    ("nav.customers", "Clients", "Customers"),
    ("nav.invoices", "Factures", "Invoices"),
    ("nav.company", "Société", "Company"),
    ("nav.switch", "Changer", "Switch"),
    ("nav.logout", "Se déconnecter", "Sign out"),
    ("role.admin", "administrateur", "administrator"),
    ("role.sales", "commercial", "sales"),
    ("role.accountant", "comptable", "accountant"),
    ("role.read_only", "lecture seule", "read-only"),
    ("login.title", "Connexion", "Sign in"),
    ("login.email", "Adresse e-mail", "E-mail address"),
    ("login.password", "Mot de passe", "Password"),
    ("login.submit", "Se connecter", "Sign in"),
    ("login.failed", "Adresse e-mail ou mot de passe incorrect.", "Wrong e-mail address or password."),
    ("error.home", "Retour à l'accueil", "Back to the dashboard"),
    ("error.csrf.title", "Formulaire refusé", "Form refused"),
    (
        "error.csrf",
        "Ce formulaire a expiré ou ne vient pas de facturier. Rechargez la page et recommencez.",
        "This form has expired or did not come from facturier. Reload the page and try again.",
    ),
    ("error.forbidden.title", "Accès refusé", "Not allowed"),
    ("error.forbidden", "Votre rôle ne permet pas cette action.", "Your role does not allow this."),
    ("error.not_found.title", "Page introuvable", "Page not found"),
    ("error.not_found", "Cette page n'existe pas ou plus.", "This page does not exist (any more)."),
    ("error.bad_request.title", "Demande incorrecte", "Bad request"),
    ("error.conflict.title", "Action impossible", "Not possible now"),
    ("error.internal.title", "Erreur interne", "Internal error"),
    (
        "error.internal",
        "Une erreur interne est survenue ; elle a été journalisée.",
        "An internal error occurred; it has been logged.",
    ),
    ("form.has_errors", "Le formulaire contient des erreurs :", "The form has errors:"),
    ("form.save", "Enregistrer", "Save"),
    ("pager.label", "Pages", "Pages"),
    ("pager.first", "Première page", "First page"),
    ("pager.next", "Page suivante", "Next page"),
    ("dash.title", "Tableau de bord", "Dashboard"),
    ("dash.summary", "Synthèse", "Summary"),
    ("dash.outstanding", "Encours clients", "Outstanding"),
    ("dash.overdue", "En retard", "Overdue"),
    ("dash.invoices", "facture(s)", "invoice(s)"),
    ("dash.revenue", "Chiffre d'affaires HT par mois", "Revenue per month (net)"),
    ("dash.revenue_chart", "Chiffre d'affaires HT des 12 derniers mois", "Net revenue of the last 12 months"),
    ("dash.revenue_caption", "Mois le plus élevé :", "Highest month:"),
    ("dash.revenue_table", "Voir les montants", "Show the amounts"),
    ("dash.month", "Mois", "Month"),
    ("dash.net", "HT", "Net"),
    ("dash.net_12m", "HT sur 12 mois", "Net, 12 months"),
    ("dash.aged", "Balance âgée", "Aged balance"),
    ("dash.days_late", "Retard", "Days past due"),
    ("dash.amount", "Montant", "Amount"),
    ("dash.aged.not_due", "Non échu", "Not yet due"),
    ("dash.aged.0_30", "0 à 30 jours", "0–30 days"),
    ("dash.aged.31_60", "31 à 60 jours", "31–60 days"),
    ("dash.aged.61_90", "61 à 90 jours", "61–90 days"),
    ("dash.aged.90", "Plus de 90 jours", "Over 90 days"),
    ("dash.top_customers", "Meilleurs clients", "Top customers"),
    ("dash.quotes_waiting", "Devis en attente de réponse", "Quotes awaiting an answer"),
    ("dash.none", "Aucun.", "None."),
    ("customers.title", "Clients", "Customers"),
    ("customers.search", "Rechercher", "Search"),
    ("customers.search_button", "Rechercher", "Search"),
    ("customers.new", "Nouveau client", "New customer"),
    ("customers.none", "Aucun client.", "No customers."),
    ("customer.name", "Nom", "Name"),
    ("customer.email", "E-mail", "E-mail"),
    ("customer.activity", "Activité", "Activity"),
    ("customer.city", "Ville", "City"),
    ("customer.siren", "SIREN", "SIREN"),
    ("customer.siret", "SIRET", "SIRET"),
    ("customer.vat_number", "N° de TVA intracommunautaire", "VAT number"),
    ("customer.payment_terms", "Conditions de paiement", "Payment terms"),
    ("customer.language", "Langue des documents", "Language of documents"),
    ("customer.tags", "Étiquettes", "Tags"),
    ("customer.notes", "Notes", "Notes"),
    ("customer.identity", "Fiche", "Record"),
    ("customer.balance", "Reste dû", "Outstanding"),
    ("customer.credit", "Avoir disponible", "Credit available"),
    ("customer.addresses", "Adresses", "Addresses"),
    ("customer.billing_address", "Facturation", "Billing"),
    ("customer.delivery_address", "Livraison", "Delivery"),
    ("customer.contacts", "Contacts", "Contacts"),
    ("customer.invoices", "Factures", "Invoices"),
    ("customer.all_invoices", "Toutes ses factures", "All its invoices"),
    ("address.line1", "Adresse", "Address"),
    ("address.postal_code", "Code postal", "Postal code"),
    ("address.city", "Ville", "City"),
    ("address.country", "Pays (code ISO)", "Country (ISO code)"),
    ("contact.name", "Contact : nom", "Contact: name"),
    ("contact.email", "Contact : e-mail", "Contact: e-mail"),
    ("contact.phone", "Téléphone", "Phone"),
    ("contact.role", "Fonction", "Role"),
    ("invoices.title", "Factures", "Invoices"),
    ("invoices.new", "Nouvelle facture", "New invoice"),
    ("invoices.none", "Aucune facture.", "No invoices."),
    ("invoices.filters", "Filtres", "Filters"),
    ("invoices.all_statuses", "Tous les statuts", "All statuses"),
    ("invoices.from", "Du", "From"),
    ("invoices.to", "Au", "To"),
    ("invoices.due_from", "Échéance du", "Due from"),
    ("invoices.due_to", "Échéance au", "Due to"),
    ("invoices.filter", "Filtrer", "Filter"),
    ("invoices.totals", "Total des lignes affichées", "Total of the rows shown"),
    ("invoices.all_customers", "tous les clients", "all customers"),
    ("invoices.no_customer", "Créez d'abord un client.", "Create a customer first."),
    ("doc.invoice", "Facture", "Invoice"),
    ("doc.number", "Numéro", "Number"),
    ("doc.draft_number", "(brouillon)", "(draft)"),
    ("doc.customer", "Client", "Customer"),
    ("doc.date", "Date", "Date"),
    ("doc.due_date", "Échéance", "Due date"),
    ("doc.status", "Statut", "Status"),
    ("doc.net", "Total HT", "Net total"),
    ("doc.vat", "TVA", "VAT"),
    ("doc.gross", "Total TTC", "Total"),
    ("doc.paid", "Déjà réglé", "Paid"),
    ("doc.due", "Reste dû", "Due"),
    ("doc.overdue", "en retard", "overdue"),
    ("doc.due_soon", "échéance proche", "due soon"),
    ("invoice.lines", "Lignes", "Lines"),
    ("invoice.add_line", "Ajouter une ligne", "Add a line"),
    ("invoice.save_draft", "Enregistrer le brouillon", "Save the draft"),
    ("invoice.issue", "Émettre la facture", "Issue the invoice"),
    ("invoice.pdf", "Télécharger le PDF", "Download the PDF"),
    ("invoice.record_payment", "Enregistrer un règlement", "Record a payment"),
    ("invoice.payments", "Règlements", "Payments"),
    ("invoice.family", "Documents liés", "Related documents"),
    ("invoice.history", "Historique", "History"),
    ("line.description", "Désignation", "Description"),
    ("line.quantity", "Quantité", "Quantity"),
    ("line.unit_price", "Prix unitaire HT", "Unit price"),
    ("line.vat_rate", "TVA %", "VAT %"),
    ("line.net", "Montant HT", "Net amount"),
    ("payment.amount", "Montant", "Amount"),
    ("payment.date", "Date", "Date"),
    ("payment.method", "Mode de règlement", "Method"),
    ("payment.reference", "Référence", "Reference"),
    ("method.bank_transfer", "Virement", "Bank transfer"),
    ("method.card", "Carte bancaire", "Card"),
    ("method.cheque", "Chèque", "Cheque"),
    ("method.cash", "Espèces", "Cash"),
    ("method.direct_debit", "Prélèvement", "Direct debit"),
    ("method.online", "Paiement en ligne", "Online payment"),
    ("method.other", "Autre", "Other"),
    ("status.draft", "Brouillon", "Draft"),
    ("status.sent", "Envoyé", "Sent"),
    ("status.accepted", "Accepté", "Accepted"),
    ("status.refused", "Refusé", "Refused"),
    ("status.expired", "Expiré", "Expired"),
    ("status.converted", "Transformé", "Converted"),
    ("status.confirmed", "Confirmée", "Confirmed"),
    ("status.partially_delivered", "Livrée en partie", "Partially delivered"),
    ("status.delivered", "Livrée", "Delivered"),
    ("status.invoiced", "Facturée", "Invoiced"),
    ("status.validated", "Validé", "Validated"),
    ("status.issued", "Émise", "Issued"),
    ("status.partially_paid", "Payée en partie", "Partially paid"),
    ("status.paid", "Payée", "Paid"),
    ("status.credited", "Avoir émis", "Credited"),
    ("status.cancelled", "Annulé", "Cancelled"),
    ("event.created", "Création", "Created"),
    ("event.updated", "Modification", "Updated"),
    ("event.issued", "Émission", "Issued"),
    ("event.payment_recorded", "Règlement enregistré", "Payment recorded"),
    ("event.credited", "Avoir appliqué", "Credit note applied"),
    ("event.duplicated", "Dupliqué", "Duplicated"),
    ("event.converted", "Transformé", "Converted"),
    ("event.email_queued", "E-mail en file d'envoi", "E-mail queued"),
    ("event.sent", "Envoyé", "Sent"),
    ("event.send_failed", "Échec d'envoi", "Sending failed"),
];

/// A page module's own labels, kept beside its code: (key, French, English).
pub type Labels = &'static [(&'static str, &'static str, &'static str)];

/// Every table of labels: the shared one above, then one per page module.
const TABLES: &[Labels] = &[
    DICT,
    super::settings::LABELS,
    super::users::LABELS,
    super::jobs::LABELS,
    super::imports::LABELS,
    super::password::LABELS,
    super::invitations::LABELS,
    super::customers::LABELS,
    super::documents::LABELS,
    super::payments::LABELS,
    super::billing::LABELS,
    super::reports::LABELS,
    super::setup::LABELS,
    super::notice::LABELS,
    super::confirm::LABELS,
    super::products::LABELS,
    super::lists::LABELS,
    super::words::LABELS,
    super::pay::LABELS,
    super::dunning::LABELS,
    super::dunning::list::LABELS,
    super::dunning::history::LABELS,
    super::dunning::account::LABELS,
    super::sepa::LABELS,
    super::contracts::LABELS,
    super::exports::LABELS,
    super::settings::PAYMENT_LABELS,
    super::settings::ACCOUNTING_LABELS,
    super::settings::DUNNING_LABELS,
];

fn entries() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    TABLES.iter().flat_map(|t| t.iter())
}

/// The label `key` in `lang`, if a dictionary has it.
pub fn lookup(lang: Language, key: &str) -> Option<&'static str> {
    entries().find(|(k, _, _)| *k == key).map(|(_, fr, en)| if lang == Language::Fr { *fr } else { *en })
}

/// The label `key` in `lang`; a missing key shows as `?` (and fails the test below).
pub fn t(lang: Language, key: &str) -> &'static str {
    lookup(lang, key).unwrap_or_else(|| {
        tracing::warn!(key, "web: no label");
        "?"
    })
}

/// The HTML `lang` code.
pub fn code(lang: Language) -> &'static str {
    facturier_store::accounts::language_code(lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every `t("…")` in the templates and every label key in the web code has both languages.
    #[test]
    fn every_label_used_is_in_the_dictionary() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .expect("templates")
            .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
            .collect();
        // The web sources, page modules' folders (`customers/`, `products/`…) included.
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/web"))];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(dir).expect("web sources") {
                let path = e.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    sources.push(std::fs::read_to_string(path).expect("read"));
                }
            }
        }
        let known: HashSet<&str> = entries().map(|(k, _, _)| *k).collect();
        let prefixes = [
            "pay.",
            "nav.",
            "role.",
            "login.",
            "error.",
            "form.",
            "pager.",
            "dash.",
            "customers.",
            "customer.",
            "address.",
            "contact.",
            "invoices.",
            "doc.",
            "invoice.",
            "line.",
            "payment.",
            "method.",
            "status.",
            "settings.",
            "users.",
            "tokens.",
            "password.",
            "cust.",
            "kinds.",
            "docact.",
            "docfield.",
            "editor.",
            "email.",
            "billing.",
            "aged.",
            "setup.",
            "done.",
            "confirm.",
            "prod.",
            "list.",
            "dunning.",
            "sepa.",
            "contract.",
            "index.",
            "exports.",
        ];
        let mut missing = Vec::new();
        for src in &sources {
            for piece in src.split('"') {
                let looks_like_key = prefixes.iter().any(|p| piece.starts_with(p))
                    && piece.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
                    && !piece.ends_with(".html")
                    && !piece.ends_with('.');
                // A prefix handed to a lookup (`event_label(lang, "cust.ev", …)`) names a family of keys.
                let is_prefix = known.iter().any(|k| k.strip_prefix(piece).is_some_and(|rest| rest.starts_with('.')));
                if looks_like_key && !known.contains(piece) && !is_prefix {
                    missing.push(piece.to_string());
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "labels missing from the dictionary: {missing:?}");
    }

    #[test]
    fn keys_are_unique_and_both_languages_are_written() {
        let mut seen = HashSet::new();
        for (k, fr, en) in entries() {
            assert!(seen.insert(*k), "{k} twice");
            assert!(!fr.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(t(Language::En, "nav.invoices"), "Invoices");
        assert_eq!(t(Language::Fr, "nav.invoices"), "Factures");
    }
}
