//! Contracts in the web app ("Contrats"): the list (`list`), a new contract (`form`),
//! a contract's card with its schedule and billing grid (`card`), the billing grid of
//! every contract × month of a year (`grid`), the index series and their values
//! (`indices`) and the billing run (`run`). Every action calls `app::contracts` (or
//! `app::contracts_grid`, `app::index_import`), as the API does.

pub mod card;
pub mod form;
pub mod grid;
pub mod indices;
pub mod list;
pub mod run;

use super::i18n::{Labels, t};
use super::{WebError, messages};
use crate::App;
use crate::app::contracts_grid::GridItem;
use crate::error::ApiError;
use axum::Router;
use axum::routing::{get, post};
use facturier_core::Decimal;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.contracts", "Contrats", "Contracts"),
    ("contract.title", "Contrats", "Contracts"),
    ("contract.new", "Nouveau contrat", "New contract"),
    ("contract.none", "Aucun contrat.", "No contract."),
    ("contract.search", "Rechercher (référence, intitulé, client)", "Search (reference, title, customer)"),
    ("contract.status", "État", "Status"),
    ("contract.all", "Tous", "All"),
    ("contract.status.draft", "Brouillon", "Draft"),
    ("contract.status.active", "En cours", "Active"),
    ("contract.status.suspended", "Suspendu", "Suspended"),
    ("contract.status.terminated", "Résilié", "Terminated"),
    ("contract.status.expired", "Échu", "Expired"),
    ("contract.filter", "Filtrer", "Filter"),
    ("contract.reference", "Référence", "Reference"),
    ("contract.name", "Intitulé", "Title"),
    ("contract.customer", "Client", "Customer"),
    ("contract.next", "Prochaine facturation", "Next billing"),
    ("contract.per_period", "Montant HT par période", "Net amount per period"),
    ("contract.grid", "Suivi de facturation", "Billing follow-up"),
    ("contract.run", "Lancer la facturation", "Run the billing"),
    ("contract.indices", "Indices de révision", "Price indices"),
    ("contract.more", "Page suivante", "Next page"),
    ("contract.first", "Première page", "First page"),
    ("contract.estimated", "estimé", "estimate"),
    (
        "contract.estimated_help",
        "Montant estimé : la valeur d'indice du mois n'est pas encore publiée.",
        "Estimated amount: the index value of the month is not published yet.",
    ),
    // The form.
    ("contract.customer_search", "Rechercher un client", "Find a customer"),
    ("contract.find", "Chercher", "Find"),
    ("contract.nature", "Nature (code libre, ex. DEPA)", "Nature (a free code, e.g. DEPA)"),
    (
        "contract.reference_help",
        "Laissée vide : faite à partir de l'année de début.",
        "Left empty: made from the start year.",
    ),
    ("contract.terms", "Durée et reconduction", "Term and renewal"),
    ("contract.start", "Date de début", "Start date"),
    ("contract.end", "Date de fin (première période)", "End date (first term)"),
    ("contract.renewal", "Reconduction", "Renewal"),
    ("contract.renewal.none", "Aucune (le contrat prend fin)", "None (the contract ends)"),
    ("contract.renewal.tacit", "Tacite reconduction", "Tacit renewal"),
    ("contract.renewal_months", "Durée d'une reconduction (mois)", "Length of a renewal (months)"),
    ("contract.notice_days", "Préavis (jours avant l'échéance)", "Notice (days before the end)"),
    (
        "contract.notice_alert_days",
        "Alerte (jours avant la date limite de préavis)",
        "Alert (days before the notice deadline)",
    ),
    ("contract.billing", "Facturation", "Billing"),
    ("billing.period_months", "Périodicité", "Frequency"),
    ("contract.every.1", "Mensuelle", "Monthly"),
    ("contract.every.2", "Bimestrielle", "Every two months"),
    ("contract.every.3", "Trimestrielle", "Quarterly"),
    ("contract.every.6", "Semestrielle", "Half-yearly"),
    ("contract.every.12", "Annuelle", "Yearly"),
    ("billing.mode", "Terme", "Timing"),
    ("contract.mode.advance", "À échoir (en début de période)", "In advance (on the period's first day)"),
    ("contract.mode.arrears", "Échu (en fin de période)", "In arrears (on the period's last day)"),
    ("billing.alignment", "Périodes", "Periods"),
    (
        "contract.alignment.calendar",
        "Calendaires (mois, trimestres, années civiles)",
        "Calendar (months, quarters, years)",
    ),
    ("contract.alignment.anniversary", "À la date anniversaire du début", "On the start's anniversaries"),
    ("contract.first_date", "Première facturation au plus tôt le", "First billing not before"),
    ("billing.first_date", "Première facturation au plus tôt le", "First billing not before"),
    (
        "billing.issue",
        "Émettre chaque facture (sinon : brouillons à vérifier)",
        "Issue each invoice (else: drafts to check)",
    ),
    ("bill_interventions", "Interventions (temps, pièces, achats)", "Interventions (time, parts, purchases)"),
    ("contract.bill_interventions.with_period", "Facturées avec la période suivante", "Billed with the next period"),
    ("contract.bill_interventions.on_demand", "Facturées à la demande", "Billed on demand"),
    ("contract.lines", "Prestations facturées à chaque période", "What each period bills"),
    ("contract.line", "Ligne", "Line"),
    ("contract.description", "Désignation", "Description"),
    ("contract.quantity", "Quantité", "Quantity"),
    ("contract.unit_price", "Prix HT par période (P0)", "Net price per period (P0)"),
    ("contract.vat_rate", "TVA %", "VAT %"),
    ("contract.add_line", "Ajouter une ligne", "Add a line"),
    ("contract.lines_help", "Les lignes laissées vides sont ignorées.", "Lines left empty are ignored."),
    ("contract.revision", "Révision des prix", "Price revision"),
    ("contract.revision.none", "Aucune", "None"),
    (
        "contract.revision.part",
        "Partie fixe : P = P0 × (a + (1 − a) × I / I0)",
        "Fixed part: P = P0 × (a + (1 − a) × I / I0)",
    ),
    (
        "contract.revision.amounts",
        "Montants : P = montant fixe + montant indexé × I / I0",
        "Amounts: P = fixed amount + indexed amount × I / I0",
    ),
    ("contract.revision_kind", "Formule", "Formula"),
    ("contract.index", "Indice (code, ex. SYNTEC)", "Index (code, e.g. SYNTEC)"),
    ("contract.base_value", "Valeur de base I0", "Base value I0"),
    ("contract.fixed_part", "Partie fixe a (0 à 1)", "Fixed part a (0 to 1)"),
    ("contract.fixed_amount", "Montant fixe", "Fixed amount"),
    ("contract.indexed_amount", "Montant indexé", "Indexed amount"),
    ("contract.at", "Révision", "Revised"),
    ("contract.at.each_billing", "À chaque facturation", "At each billing"),
    ("contract.at.anniversary", "À chaque anniversaire du contrat", "On each anniversary of the contract"),
    ("contract.never_decrease", "Jamais à la baisse", "Never downwards"),
    ("contract.cap", "Hausse plafonnée à (%)", "Rise capped at (%)"),
    ("contract.create", "Créer le contrat", "Create the contract"),
    ("contract.note", "Note imprimée sur chaque facture", "Note printed on each invoice"),
    // The card.
    ("contract.card", "Contrat", "Contract"),
    ("contract.nature_short", "Nature", "Nature"),
    ("contract.summary", "Fiche contrat", "Contract card"),
    ("contract.term", "Durée", "Term"),
    ("contract.from_to", "du {from} au {to}", "from {from} to {to}"),
    ("contract.from", "à partir du {from}, sans fin", "from {from}, open-ended"),
    (
        "contract.renewed",
        "reconduit tacitement par périodes de {months} mois, préavis de {days} jours",
        "renewed tacitly for {months} months at a time, {days} days' notice",
    ),
    ("contract.not_renewed", "sans reconduction", "not renewed"),
    ("contract.billed_how", "{every}, {mode}, périodes {alignment}", "{every}, {mode}, {alignment} periods"),
    ("contract.how.advance", "à échoir", "in advance"),
    ("contract.how.arrears", "à terme échu", "in arrears"),
    ("contract.how.calendar", "calendaires", "calendar"),
    ("contract.how.anniversary", "anniversaires", "anniversary"),
    ("contract.drafts", "Factures créées en brouillon", "Invoices made as drafts"),
    ("contract.issued", "Factures émises directement", "Invoices issued directly"),
    ("contract.formula", "Formule", "Formula"),
    ("contract.no_revision", "Prix non révisés.", "Prices not revised."),
    ("contract.never_decrease_words", "jamais à la baisse", "never downwards"),
    ("contract.cap_words", "hausse limitée à {cap} % par révision", "rise limited to {cap}% per revision"),
    ("contract.schedule", "Prochaines facturations", "Coming billings"),
    ("contract.no_schedule", "Plus rien à facturer.", "Nothing left to bill."),
    ("contract.billing_date", "Date de facturation", "Billing date"),
    ("contract.period", "Période", "Period"),
    ("contract.amount", "Montant HT", "Net amount"),
    ("contract.grid_of", "Suivi de facturation du contrat", "The contract's billing follow-up"),
    ("contract.year", "Année", "Year"),
    ("contract.total", "Total", "Total"),
    ("contract.invoices", "Factures du contrat", "The contract's invoices"),
    ("contract.no_invoice", "Aucune facture pour l'instant.", "No invoice yet."),
    ("contract.invoice", "Facture", "Invoice"),
    ("contract.draft_invoice", "Brouillon", "Draft"),
    ("contract.events", "Événements", "Events"),
    ("contract.event.terminated", "Résiliation", "Termination"),
    ("contract.event.suspended", "Suspension", "Suspension"),
    ("contract.event.notice_given", "Préavis donné", "Notice given"),
    ("contract.terminate", "Résilier le contrat", "Terminate the contract"),
    ("contract.terminate_date", "Dernier jour facturé", "Last day billed"),
    ("contract.terminate_reason", "Motif", "Reason"),
    ("contract.back", "Retour aux contrats", "Back to the contracts"),
    (
        "contract.legend",
        "Numéro : facture faite ; montant grisé : facturation prévue.",
        "Number: invoice made; greyed amount: billing planned.",
    ),
    // The grid.
    ("contract.grid_title", "Suivi de facturation {year}", "Billing follow-up {year}"),
    ("contract.prev_year", "Année précédente", "Previous year"),
    ("contract.next_year", "Année suivante", "Next year"),
    ("contract.grid_none", "Aucun contrat facturé cette année.", "No contract billed this year."),
    ("contract.page_totals", "Totaux de la page", "Totals of the page"),
    // The run.
    ("contract.run_title", "Facturation des contrats", "Contracts billing"),
    (
        "contract.run_help",
        "Chaque période due jusqu'à cette date et pas encore facturée reçoit sa facture ; relancer ne facture rien deux fois.",
        "Every period due up to this date and not billed yet gets its invoice; running again bills nothing twice.",
    ),
    ("contract.run_date", "Facturer jusqu'au", "Bill up to"),
    ("contract.run_button", "Lancer la facturation", "Run the billing"),
    ("contract.run_result", "Résultat", "Result"),
    (
        "contract.run_counts",
        "{contracts} contrat(s) examiné(s), {created} facture(s) créée(s).",
        "{contracts} contract(s) looked at, {created} invoice(s) made.",
    ),
    ("contract.created", "Factures créées", "Invoices made"),
    ("contract.blocked", "Contrats en attente", "Contracts waiting"),
    ("contract.expired", "Contrats arrivés à échéance", "Contracts that reached their end"),
    (
        "contract.not_emailed",
        "Factures émises non envoyées (client sans adresse e-mail)",
        "Issued invoices not e-mailed (customer without an e-mail address)",
    ),
    ("contract.why", "Pourquoi", "Why"),
    // Confirmations.
    ("confirm.contract_terminate_q", "Résilier le contrat {reference}\u{a0}?", "Terminate contract {reference}?"),
    (
        "confirm.contract_terminate",
        "Rien ne sera facturé après le {date}. Les factures déjà faites restent ; une période payée d'avance au-delà est à créditer par un avoir.",
        "Nothing will be billed after {date}. Invoices already made stay; a period billed in advance past it is to be credited.",
    ),
    ("confirm.contract_terminate_button", "Résilier le contrat", "Terminate the contract"),
    // Indices.
    ("index.title", "Indices de révision", "Price indices"),
    ("index.none", "Aucun indice publié.", "No index published."),
    ("index.code", "Indice", "Index"),
    ("index.latest", "Dernière valeur", "Latest value"),
    ("index.count", "Valeurs", "Values"),
    ("index.period", "Période (AAAA-MM)", "Period (YYYY-MM)"),
    ("index.value", "Valeur", "Value"),
    ("index.publish", "Publier une valeur", "Publish a value"),
    ("index.publish_button", "Publier", "Publish"),
    ("index.values", "Valeurs publiées", "Published values"),
    ("index.of", "Indice", "Index"),
    ("index.import", "Importer un fichier CSV", "Import a CSV file"),
    (
        "index.import_help",
        "Une ligne par mois : période;valeur (2014-03;241,0). Une ligne refusée et rien n'est importé.",
        "One line a month: period;value (2014-03;241.0). One line refused and nothing is imported.",
    ),
    ("index.file", "Fichier CSV", "CSV file"),
    ("index.import_button", "Importer", "Import"),
    (
        "index.imported",
        "{created} valeur(s) ajoutée(s), {updated} corrigée(s).",
        "{created} value(s) added, {updated} corrected.",
    ),
    ("index.rejected", "Fichier refusé, rien n'a été importé :", "File refused, nothing was imported:"),
    ("index.line", "Ligne", "Line"),
    ("index.file_missing", "Choisissez un fichier CSV.", "Choose a CSV file."),
    ("index.back", "Tous les indices", "All indices"),
];

/// Short month names, January first.
pub fn month_names(lang: Language) -> [&'static str; 12] {
    match lang {
        Language::Fr => {
            ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
        }
        Language::En => ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    }
}

/// The contracts' web routes.
pub fn routes(r: Router<App>) -> Router<App> {
    r.route("/contracts", get(list::page))
        .route("/contracts/new", get(form::new_form).post(form::create))
        .route("/contracts/grid", get(grid::page))
        .route("/contracts/{id}", get(card::page))
        .route("/contracts/{id}/terminate", post(card::terminate))
        .route("/billing/run", get(run::form).post(run::run))
        .route("/indices", get(indices::list).post(indices::publish_new))
        .route("/indices/{code}", get(indices::page).post(indices::publish))
        .route(
            "/indices/{code}/import",
            post(indices::import).layer(axum::extract::DefaultBodyLimit::max(crate::MAX_BODY)),
        )
}

/// An id from a path: malformed, the page does not exist.
pub fn id_of(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

/// An API error as (field, message) pairs in the reader's language.
pub fn field_errors(lang: Language, e: ApiError) -> Result<Vec<(String, String)>, WebError> {
    match e {
        ApiError::Invalid(errors) => {
            Ok(errors.into_iter().map(|f| (f.field, messages::message(lang, &f.message))).collect())
        }
        other => Err(WebError::api(lang, other)),
    }
}

/// The first error of the field `name`.
pub fn first_error(errors: &[(String, String)], name: &str) -> Option<String> {
    errors.iter().find(|(k, _)| k == name).map(|(_, m)| m.clone())
}

/// A contract's status in words.
pub fn status_word(lang: Language, status: &str) -> &'static str {
    super::i18n::lookup(lang, &format!("contract.status.{status}")).unwrap_or("?")
}

/// A grid's cell as shown: an invoice (its number and amount, or "Draft" and its amount)
/// linked, or a planned amount.
pub struct Cell {
    pub href: String,
    pub text: String,
    /// What a numbered invoice billed, shown under its number.
    pub amount: Option<String>,
    pub planned: bool,
    pub estimated: bool,
}

pub fn cell_of(lang: Language, currency: Currency, item: &GridItem) -> Cell {
    let amount = money(lang, currency, item.amount);
    match &item.invoice {
        Some((id, Some(number))) => Cell {
            href: format!("/invoices/{id}"),
            text: number.clone(),
            amount: Some(amount),
            planned: false,
            estimated: false,
        },
        Some((id, None)) => Cell {
            href: format!("/invoices/{id}"),
            text: format!("{} {amount}", t(lang, "contract.draft_invoice")),
            amount: None,
            planned: false,
            estimated: false,
        },
        None => Cell { href: String::new(), text: amount, amount: None, planned: true, estimated: item.estimated },
    }
}

pub fn money(lang: Language, currency: Currency, d: Decimal) -> String {
    text::money(d, currency, lang)
}
