//! The catalogue of products and services: a list with the API's search, sortable columns
//! and keyset pages (archived products behind a filter); the create and edit forms
//! (validated by the API's own `ProductInput::parse`); archiving, confirmed on its own
//! page first, and bringing back. Units and natures are shown in words.

use super::WebError;
use super::i18n;
use facturier_core::document::Nature;
use facturier_core::party::Language;
use uuid::Uuid;

mod form;
mod list;

pub use form::{archive, archive_form, create, edit_form, new_form, restore, update};
pub use list::list;

const PAGE: u32 = 50;

/// This module's labels: (key, French, English).
pub const LABELS: i18n::Labels = &[
    ("nav.catalogue", "Catalogue", "Catalogue"),
    ("prod.title", "Catalogue", "Catalogue"),
    ("prod.new", "Nouvel article", "New product"),
    ("prod.none", "Aucun article.", "No products."),
    ("prod.none_archived", "Aucun article archivé.", "No archived products."),
    ("prod.search", "Rechercher (référence ou désignation)", "Search (reference or name)"),
    ("prod.show", "Afficher", "Show"),
    ("prod.show.active", "Articles en vente", "Products on sale"),
    ("prod.show.archived", "Articles archivés", "Archived products"),
    ("prod.show.all", "Tous les articles", "All products"),
    ("prod.reference", "Référence", "Reference"),
    ("prod.name", "Désignation", "Name"),
    ("prod.nature", "Nature", "Nature"),
    (
        "prod.nature.auto",
        "Selon l'unité (heure, jour, forfait\u{a0}: service)",
        "From the unit (hour, day, lump sum: service)",
    ),
    ("prod.nature.goods", "Bien", "Goods"),
    ("prod.nature.services", "Service", "Service"),
    ("prod.unit", "Unité", "Unit"),
    ("prod.price", "Prix de vente HT", "Price excl. VAT"),
    ("prod.vat", "TVA", "VAT"),
    ("prod.vat_rate", "Taux de TVA", "VAT rate"),
    ("prod.vat_category", "Catégorie de TVA", "VAT category"),
    (
        "prod.vat_category_hint",
        "À changer seulement pour une exonération, une autoliquidation ou une opération hors UE.",
        "Change it only for an exemption, a reverse charge or a supply outside the EU.",
    ),
    ("prod.purchase_price", "Prix d'achat HT", "Purchase price excl. VAT"),
    ("prod.cost_margin", "Achat / marge", "Cost / margin"),
    ("prod.margin", "marge", "margin"),
    ("prod.stock", "Stock", "Stock"),
    ("prod.track_stock", "Suivre le stock de cet article", "Track the stock of this product"),
    ("prod.quantity", "Quantité en stock", "Quantity in stock"),
    (
        "prod.quantity_hint",
        "Ignorée si le stock n'est pas suivi\u{a0}; les bons de livraison validés la diminuent.",
        "Ignored when the stock is not tracked; validated delivery notes take from it.",
    ),
    ("prod.identity", "Article", "Product"),
    ("prod.pricing", "Prix et TVA", "Price and VAT"),
    ("prod.edit", "Modifier", "Edit"),
    ("prod.cancel", "Annuler", "Cancel"),
    ("prod.archive", "Archiver", "Archive"),
    ("prod.restore", "Remettre en vente", "Put back on sale"),
    ("prod.archived", "archivé", "archived"),
    ("prod.archive_title", "Archiver l'article", "Archive the product"),
    (
        "prod.archive_explain",
        "L'article reste sur les documents qui le citent, mais il disparaît du catalogue et de la recherche des documents. Vous pourrez le remettre en vente.",
        "The product stays on the documents that name it, but leaves the catalogue and the documents' search. You can put it back on sale later.",
    ),
    ("prod.archive_confirm", "Archiver cet article", "Archive this product"),
    ("prod.saved", "Article enregistré\u{a0}:", "Product saved:"),
    ("prod.archived_done", "Article archivé\u{a0}:", "Product archived:"),
    ("prod.restored_done", "Article remis en vente\u{a0}:", "Product back on sale:"),
    ("prod.back_to_document", "Retour au document", "Back to the document"),
];

/// The common UN/ECE rec. 20 units in words: (code, French, English).
const UNIT_WORDS: &[(&str, &str, &str)] = &[
    ("C62", "unité", "unit"),
    ("H87", "pièce", "piece"),
    ("EA", "unité", "each"),
    ("XPP", "article", "article"),
    ("SET", "lot", "set"),
    ("PR", "paire", "pair"),
    ("LS", "forfait", "lump sum"),
    ("E48", "prestation", "service"),
    ("ZZ", "unité convenue", "agreed unit"),
    ("SEC", "seconde", "second"),
    ("MIN", "minute", "minute"),
    ("HUR", "heure", "hour"),
    ("DAY", "jour", "day"),
    ("WEE", "semaine", "week"),
    ("MON", "mois", "month"),
    ("ANN", "année", "year"),
    ("GRM", "gramme", "gram"),
    ("KGM", "kilogramme", "kilogram"),
    ("TNE", "tonne", "tonne"),
    ("MMT", "millimètre", "millimetre"),
    ("CMT", "centimètre", "centimetre"),
    ("MTR", "mètre", "metre"),
    ("KMT", "kilomètre", "kilometre"),
    ("MTK", "mètre carré", "square metre"),
    ("HAR", "hectare", "hectare"),
    ("MTQ", "mètre cube", "cubic metre"),
    ("MLT", "millilitre", "millilitre"),
    ("CLT", "centilitre", "centilitre"),
    ("LTR", "litre", "litre"),
    ("KWH", "kilowattheure", "kilowatt-hour"),
    ("MWH", "mégawattheure", "megawatt-hour"),
    ("KWT", "kilowatt", "kilowatt"),
    ("P1", "pourcentage", "percent"),
    ("XBX", "boîte", "box"),
    ("XPK", "colis", "package"),
];

/// The units the form offers, most used first (any other code a product has is added).
const OFFERED_UNITS: &[&str] = &[
    "C62", "H87", "LS", "E48", "HUR", "DAY", "WEE", "MON", "ANN", "SET", "PR", "XBX", "XPK", "KGM", "GRM", "TNE",
    "MTR", "CMT", "MMT", "KMT", "MTK", "MTQ", "LTR", "MLT", "KWH",
];

/// A unit in words in `lang` ("heure", "mètre carré"); the code itself for a rare unit
/// that has none.
pub fn unit_words(code: &str, lang: Language) -> String {
    match UNIT_WORDS.iter().find(|(c, _, _)| *c == code) {
        Some((_, fr, _)) if lang == Language::Fr => (*fr).to_string(),
        Some((_, _, en)) => (*en).to_string(),
        None => code.to_string(),
    }
}

/// The label key of a nature.
fn nature_key(n: Nature) -> &'static str {
    match n {
        Nature::Goods => "prod.nature.goods",
        Nature::Services => "prod.nature.services",
    }
}

fn product_id(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use facturier_core::product::UnitCode;

    #[test]
    fn every_known_unit_reads_in_words_in_both_languages() {
        for (code, _) in UnitCode::known() {
            for lang in [Language::Fr, Language::En] {
                assert_ne!(unit_words(code, lang), code, "{code} has no words");
            }
        }
        assert_eq!(unit_words("HUR", Language::Fr), "heure");
        assert_eq!(unit_words("MTK", Language::En), "square metre");
        assert_eq!(unit_words("XYZ", Language::Fr), "XYZ");
        assert!(OFFERED_UNITS.iter().all(|u| u.parse::<UnitCode>().is_ok()));
    }
}
