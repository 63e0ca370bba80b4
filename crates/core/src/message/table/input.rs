//! Messages of the catalogue: Input of every form, legal identifiers and parties, products.

use super::Row;

pub(super) const INPUT: &[Row] = &[
    // Input of every form (server::input, money).
    ("required", "is required", "obligatoire"),
    ("required_yyyy_mm_dd", "is required (YYYY-MM-DD)", "obligatoire (AAAA-MM-JJ)"),
    ("month_yyyy_mm", "must be a month such as 2026-11", "doit être un mois, par exemple 2026-11"),
    ("required_iso_code_such", "is required (ISO code such as FR)", "obligatoire (code ISO, par exemple FR)"),
    (
        "required_empty_list_allowed",
        "is required (an empty list is allowed for a draft)",
        "obligatoire (une liste vide est admise pour un brouillon)",
    ),
    (
        "required_order_invoice_delivery",
        "is required (order, invoice, delivery-note or proforma)",
        "obligatoire (order, invoice, delivery-note ou proforma)",
    ),
    (
        "required_example_order_30",
        "is required, for example on_order or 30_days",
        "obligatoire, par exemple on_order ou 30_days",
    ),
    (
        "required_id_line_order",
        "is required: the id of a line of the order",
        "obligatoire : l'identifiant d'une ligne de la commande",
    ),
    (
        "required_example_f",
        "is required, for example F{{YYYY}}-{{SEQ:5}}",
        "obligatoire, par exemple F{{YYYY}}-{{SEQ:5}}",
    ),
    (
        "required_printed_document",
        "is required: it is printed on every document",
        "obligatoire : elle figure sur chaque document",
    ),
    ("too_long", "is too long (at most {max} characters)", "trop long ({max} caractères au plus)"),
    ("control_characters", "contains control characters", "contient des caractères de contrôle"),
    ("one_line", "must be on one line (no line break)", "doit tenir sur une ligne (sans saut de ligne)"),
    ("must_json_object", "must be a JSON object", "doit être un objet JSON"),
    ("merge_patch_json_object", "a merge patch is a JSON object", "un merge patch est un objet JSON"),
    (
        "expected_decimal_string_such",
        "expected a decimal as a string such as \"12.50\", got {got}",
        "un nombre décimal est attendu sous forme de texte, par exemple « 12.50 », et non {got}",
    ),
    ("not_a_date", "{v} is not a date of the form YYYY-MM-DD", "{v:q} n'est pas une date de la forme AAAA-MM-JJ"),
    (
        "decimal_number_write_string",
        "{v} is not a decimal number (write it as a string such as \"1234.50\")",
        "{v:q} n'est pas un nombre décimal (par exemple 1234,50)",
    ),
    ("too_many_decimals", "has more than {max} decimals", "ne doit pas avoir plus de {max} décimales"),
    ("too_large", "is too large (at most {max})", "est trop grand ({max:num} au plus)"),
    ("out_of_range", "must be between {min} and {max}", "doit être compris entre {min:num} et {max:num}"),
    ("not_positive", "must be greater than zero", "doit être supérieur à zéro"),
    ("negative", "must not be negative", "ne doit pas être négatif"),
    ("zero", "must not be zero", "ne doit pas être nul"),
    ("must_whole_number_1", "must be a whole number from 1 to {max}", "doit être un nombre entier de 1 à {max}"),
    ("must_1_255_characters", "must be 1 to 255 characters", "doit comporter de 1 à 255 caractères"),
    ("cursor_previous_page", "is not a cursor from a previous page", "n'est pas un curseur issu d'une page précédente"),
    ("not_an_id", "is not an id", "n'est pas un identifiant"),
    ("must_before", "must not be before `from`", "ne doit pas être antérieure à la date de début (`from`)"),
    (
        "already_used_different_request",
        "was already used for a different request",
        "a déjà servi pour une autre requête",
    ),
    (
        "supported_iso_4217_currency",
        "{v} is not a supported ISO 4217 currency code (for example EUR, USD, GBP, CHF)",
        "{v:q} n'est pas un code de devise ISO 4217 pris en charge (par exemple EUR, USD, GBP, CHF)",
    ),
    ("not_a_language", "{v} is not a language (fr or en)", "{v:q} n'est pas une langue (fr ou en)"),
    ("not_a_language_2", "{v} is not a language: fr or en", "{v:q} n'est pas une langue : fr ou en"),
    // Legal identifiers and parties.
    ("siren_must_9_digits", "SIREN must be 9 digits", "Le SIREN doit comporter 9 chiffres"),
    ("siret_must_14_digits", "SIRET must be 14 digits", "Le SIRET doit comporter 14 chiffres"),
    (
        "vat_number_must_country",
        "VAT number must be a country prefix (FR, DE, BE…) followed by 2 to 13 letters or digits",
        "Le numéro de TVA intracommunautaire commence par le code d'un pays (FR, DE, BE…) suivi de 2 à 13 lettres ou chiffres",
    ),
    (
        "french_vat_number_must",
        "French VAT number must be FR, a 2-character key and the 9-digit SIREN",
        "Le numéro de TVA intracommunautaire français s'écrit FR, une clé de 2 caractères puis les 9 chiffres du SIREN",
    ),
    (
        "e_mail_address_must",
        "e-mail address must be of the form name@example.com",
        "L'adresse e-mail doit être de la forme nom@exemple.fr",
    ),
    ("id_shape", "{kind} must be {expected}", "{kind:id} : format incorrect ({expected})"),
    (
        "siren_check_digit_wrong",
        "SIREN {v}: the check digit is wrong (typo?)",
        "SIREN {v} : la clé de contrôle est fausse (faute de frappe ?)",
    ),
    (
        "siret_check_digit_wrong",
        "SIRET {v}: the check digit is wrong (typo?)",
        "SIRET {v} : la clé de contrôle est fausse (faute de frappe ?)",
    ),
    (
        "french_vat_number_check",
        "French VAT number {v}: the check digit is wrong (typo?)",
        "Numéro de TVA intracommunautaire {v} : la clé ne correspond pas au SIREN (faute de frappe ?)",
    ),
    (
        "check_digit_wrong_typo",
        "{kind} {v}: the check digit is wrong (typo?)",
        "{kind:id} {v} : la clé de contrôle est fausse (faute de frappe ?)",
    ),
    ("iban_invalid", "IBAN {why}", "IBAN {why:t}"),
    (
        "company_number_all_zeros",
        "{kind} {v}: no company has this number (all zeros)",
        "{kind:id} {v} : aucune entreprise n'a ce numéro (que des zéros)",
    ),
    (
        "iban_not_base",
        "{v}: the string does not follow the base IBAN rules",
        "{v} : ce n'est pas un IBAN valide (format ou clé de contrôle)",
    ),
    (
        "iban_bad_bban",
        "{v}: the IBAN doesn't have a correct BBAN",
        "{v} : la partie nationale (BBAN) de l'IBAN est incorrecte",
    ),
    (
        "iban_unknown_country",
        "{v}: the IBAN country code wasn't recognized",
        "{v} : le code pays de l'IBAN est inconnu",
    ),
    (
        "siret_does_belong_siren",
        "the SIRET {siret} does not belong to the SIREN {siren}",
        "Le SIRET {siret} n'appartient pas au SIREN {siren}",
    ),
    (
        "vat_number_does_belong",
        "the VAT number {vat} does not belong to the SIREN {siren}",
        "Le numéro de TVA intracommunautaire {vat} ne correspond pas au SIREN {siren}",
    ),
    (
        "iso_3166_1_alpha",
        "{v} is not an ISO 3166-1 alpha-2 country code (FR, BE, DE…)",
        "{v:q} n'est pas un code pays ISO 3166-1 alpha-2 (FR, BE, DE…)",
    ),
    (
        "grouping_customer_site_delivery",
        "{v} is not a grouping (customer, site, delivery_note)",
        "{v:q} n'est pas un regroupement (customer, site ou delivery_note)",
    ),
    ("french_postal_code_5", "a French postal code has 5 digits", "un code postal français comporte 5 chiffres"),
    ("most_contacts", "at most {max} contacts", "{max} contacts au plus"),
    ("most_tags", "at most {max} tags", "{max} étiquettes au plus"),
    ("incomplete_customer", "incomplete customer", "fiche client incomplète"),
    (
        "kind_company_individual",
        "{v} is not a kind (company or individual)",
        "{v:q} n'est pas un type de client (company ou individual)",
    ),
    (
        "sort_order_created_name",
        "{v} is not a sort order (created, name, city or balance)",
        "{v:q} n'est pas un tri (created, name, city ou balance)",
    ),
    ("order_asc_desc", "{v} is not an order (asc or desc)", "{v:q} n'est pas un ordre de tri (asc ou desc)"),
    (
        "missing_empty_send_file",
        "is missing or empty: send the file as the `file` part",
        "manquant ou vide : choisissez un fichier",
    ),
    // Products.
    ("incomplete_product", "incomplete product", "fiche produit incomplète"),
    (
        "archived_true_false",
        "{v} is not true or false (true lists archived products too)",
        "{v:q} n'est ni true ni false (true liste aussi les produits archivés)",
    ),
    (
        "un_ece_rec_20",
        "{v} is not a UN/ECE rec. 20 unit code facturier knows (C62 unit, HUR hour, DAY day, KGM kg, MTR metre, LS lump sum…)",
        "{v:q} n'est pas un code d'unité UN/ECE rec. 20 connu de facturier (C62 unité, HUR heure, DAY jour, KGM kg, MTR mètre, LS forfait…)",
    ),
    (
        "product_reference_already_exists",
        "a product with reference {r} already exists",
        "un produit de référence {r:q} existe déjà",
    ),
    (
        "enough_stock_stock_deliver",
        "not enough stock of {reference} ({name}): {stock} in stock, {wanted} to deliver",
        "Stock insuffisant de {reference} ({name}) : {stock:num} en stock, {wanted:num} à livrer",
    ),
];
