//! The customer directory: a list with the API's indexed search, sortable columns and
//! keyset pages; the create and edit forms (validated by the API's own
//! `CustomerInput::parse`, edits merged over the stored record as the API's `PATCH`
//! does); the customer's page with its documents of every kind, outstanding balance,
//! attached files and history.

use super::WebError;
use super::i18n::{self};
use facturier_core::party::Language;
use uuid::Uuid;

mod files;
mod form;
mod list;
mod show;

pub use files::{delete_file, download, upload};
pub use form::{create, edit_form, new_form, update};
pub use list::{SortHeader, list};
pub use show::show;

const PAGE: u32 = 50;
/// Documents of each kind shown on a customer's page.
const DOCS_PER_KIND: u32 = 50;
/// Entries of the history shown on a customer's page.
const HISTORY: u32 = 100;

/// This module's labels: (key, French, English).
pub const LABELS: i18n::Labels = &[
    ("cust.edit", "Modifier la fiche", "Edit the record"),
    ("cust.edit_title", "Modifier", "Edit"),
    ("cust.kind", "Type de client", "Kind of customer"),
    ("cust.kind.company", "Entreprise", "Company"),
    ("cust.kind.individual", "Particulier", "Individual"),
    ("cust.iban", "IBAN", "IBAN"),
    ("cust.currency", "Devise (code ISO, vide : celle de la société)", "Currency (ISO code, empty: the company's)"),
    ("cust.tags", "Étiquettes (séparées par des virgules)", "Tags (separated by commas)"),
    ("cust.identity", "Identité", "Identity"),
    ("cust.billing", "Adresse de facturation", "Billing address"),
    (
        "cust.delivery",
        "Adresse de livraison (vide : celle de facturation)",
        "Delivery address (empty: the billing one)",
    ),
    ("cust.terms", "Conditions", "Terms"),
    ("cust.other", "Classement et notes", "Tags and notes"),
    ("cust.line2", "Complément d'adresse", "Address line 2"),
    ("cust.contacts", "Contacts", "Contacts"),
    ("cust.contact", "Contact", "Contact"),
    ("cust.new_contact", "Nouveau contact", "New contact"),
    ("cust.contact_name", "Nom", "Name"),
    ("cust.contact_role", "Fonction", "Role"),
    ("cust.contact_email", "E-mail", "E-mail"),
    ("cust.contact_phone", "Ligne directe", "Direct line"),
    ("cust.contact_mobile", "Mobile", "Mobile"),
    ("cust.contact_remove", "Supprimer ce contact", "Remove this contact"),
    ("cust.add_contact", "Ajouter un autre contact", "Add another contact"),
    (
        "cust.payment_terms_hint",
        "À réception, 30 jours net, 45 jours fin de mois, fin de mois + 10 jours…",
        "On receipt, 30 days net, 45 days end of month, end of month + 10 days…",
    ),
    ("cust.created", "Créé le", "Created"),
    ("cust.outstanding", "Encours TTC", "Outstanding"),
    ("cust.overdue", "dont en retard", "of which overdue"),
    ("cust.sort_by", "Trier par", "Sort by"),
    ("cust.sorted_asc", "tri croissant", "sorted ascending"),
    ("cust.sorted_desc", "tri décroissant", "sorted descending"),
    ("cust.documents", "Documents", "Documents"),
    ("cust.doc_kind", "Type", "Kind"),
    ("cust.no_documents", "Aucun document.", "No documents."),
    ("cust.files", "Fichiers joints", "Attached files"),
    ("cust.no_files", "Aucun fichier.", "No files."),
    ("cust.file", "Fichier (10 Mo au plus)", "File (at most 10 MB)"),
    ("cust.file_name", "Nom", "Name"),
    ("cust.file_size", "Taille", "Size"),
    ("cust.file_type", "Type", "Type"),
    ("cust.file_date", "Ajouté le", "Added"),
    ("cust.upload", "Joindre le fichier", "Attach the file"),
    ("cust.delete_file", "Supprimer", "Delete"),
    (
        "cust.file_too_large",
        "Ce fichier dépasse 10 Mo : il n'a pas été enregistré.",
        "This file is over 10 MB: it was not saved.",
    ),
    ("cust.file_missing", "Choisissez un fichier non vide.", "Choose a file that is not empty."),
    ("cust.history", "Historique", "History"),
    ("cust.no_history", "Aucun événement.", "No events."),
    ("cust.when", "Date", "When"),
    ("cust.what", "Événement", "Event"),
    ("cust.detail", "Détail", "Detail"),
    ("cust.ev.created", "Fiche créée", "Record created"),
    ("cust.ev.updated", "Fiche modifiée", "Record updated"),
    ("cust.ev.file_added", "Fichier joint", "File attached"),
    ("cust.ev.file_removed", "Fichier supprimé", "File removed"),
    ("cust.ev.doc_created", "Document créé", "Document created"),
    ("cust.legal", "Identifiants légaux", "Legal identifiers"),
    ("cust.grouping", "Regroupement des livraisons", "Grouping of deliveries"),
    ("cust.network", "Réseau de facturation électronique", "E-invoicing network"),
    (
        "cust.network.auto",
        "Selon le pays (France : plateformes agréées, ailleurs : Peppol)",
        "From the country (France: accredited platforms, elsewhere: Peppol)",
    ),
    ("cust.network.fr", "Plateformes agréées françaises (UBL BR-FR)", "French accredited platforms (UBL BR-FR)"),
    ("cust.network.peppol", "Peppol (UBL Peppol BIS 3.0)", "Peppol (UBL Peppol BIS 3.0)"),
    ("cust.mobile", "Mobile", "Mobile"),
    ("cust.lang.fr", "Français", "French"),
    ("cust.lang.en", "Anglais", "English"),
    ("cust.cancel", "Annuler", "Cancel"),
];

fn customer_id(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}
