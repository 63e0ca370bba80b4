//! The catalogue of messages: every message a person may read, as a stable code with its
//! English and French templates. A new message is one row here and its code at the
//! producer (`Message::new` with the code, `.with` for each value). Core and store write the
//! English from it ([`super::english`]); the server writes both languages, with the
//! French transforms and vocabulary (`server::catalogue`).

/// (code, English template, French template).
///
/// In the English template `{name}` captures any text (`{{` and `}}` are literal braces).
/// The French template writes a capture back as `{name}`, or transformed:
/// `{name:num}` a decimal in French notation, `{name:amount}` the same with two decimals,
/// `{name:date}` a `YYYY-MM-DD` date as `31/12/2026`, `{name:q}` a `"quoted"` value in
/// « guillemets », `{name:t}` translated again by this table, and `{name:VOCAB}` a word
/// of the server's vocabulary (`doc`, `status`…). French typography (no-break spaces before `: ; ? !`
/// and inside « ») is applied when rendering, so the table is written with plain spaces.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    // Input of every form (server::input, money).
    ("required", "is required", "obligatoire"),
    ("required_yyyy_mm_dd", "is required (YYYY-MM-DD)", "obligatoire (AAAA-MM-JJ)"),
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
    // Taxes, terms, totals.
    (
        "vat_rate_percentage_between",
        "a VAT rate is a percentage between 0 and 100 with at most 4 decimals, not {v}",
        "un taux de TVA est un pourcentage entre 0 et 100 avec au plus 4 décimales, pas {v:num}",
    ),
    (
        "category_s_needs_positive",
        "category S needs a positive rate; use Z, E, AE, K, G or O for 0 %",
        "la catégorie S (taux normal) demande un taux positif ; pour 0 %, utilisez Z, E, AE, K, G ou O",
    ),
    ("category_always_0", "category {c} is always 0 %", "la catégorie {c} est toujours à 0 %"),
    (
        "code_vatex_list_e",
        "{v} is not a code of the VATEX list (e.g. VATEX-EU-132, VATEX-FR-CGI261-4)",
        "{v:q} n'est pas un code de la liste VATEX (ex. VATEX-EU-132, VATEX-FR-CGI261-4)",
    ),
    (
        "category_needs_exemption_mention",
        "category {c} needs no exemption mention (only E, AE, K, G and O do)",
        "la catégorie {c} n'a pas de mention d'exonération (seules E, AE, K, G et O en ont)",
    ),
    (
        "exemption_mention_cannot_empty",
        "an exemption mention cannot be empty",
        "une mention d'exonération ne peut pas être vide",
    ),
    (
        "exemption_mention_most_300",
        "an exemption mention has at most 300 characters",
        "une mention d'exonération a au plus 300 caractères",
    ),
    ("code_category", "{code} is not a code for category {c}", "{code} n'est pas un code de la catégorie {c}"),
    ("category_already_mention", "category {c} already has a mention", "la catégorie {c} a déjà une mention"),
    ("holds_most_mention_per", "holds at most one mention per category", "contient au plus une mention par catégorie"),
    ("required_e_ae_k", "is required: E, AE, K, G or O", "est obligatoire : E, AE, K, G ou O"),
    (
        "vat_category_use_s",
        "{v} is not a VAT category (use S, Z, E, AE, K, G or O)",
        "{v:q} n'est pas une catégorie de TVA (utilisez S, Z, E, AE, K, G ou O)",
    ),
    (
        "payment_term_use_receipt",
        "{v} is not a payment term: use on_receipt, 30_days, 45_days_end_of_month or end_of_month_plus_10 (at most 365 days)",
        "{v:q} n'est pas une condition de paiement : utilisez on_receipt, 30_days, 45_days_end_of_month ou end_of_month_plus_10 (365 jours au plus)",
    ),
    (
        "payment_mode_bank_transfer",
        "{v} is not a payment mode (bank_transfer, card, cheque, cash, direct_debit, online, other)",
        "{v:q} n'est pas un mode de règlement (bank_transfer, card, cheque, cash, direct_debit, online, other)",
    ),
    (
        "payment_method_bank_transfer",
        "{v} is not a payment method (bank_transfer, card, cheque, cash, direct_debit, online, other)",
        "{v:q} n'est pas un mode de règlement (bank_transfer, card, cheque, cash, direct_debit, online, other)",
    ),
    (
        "document_charge_label_give",
        "document charge {n} has no label; give it one, for example \"Frais de port\"",
        "les frais n° {n} du document n'ont pas de libellé ; donnez-en un, par exemple « Frais de port »",
    ),
    (
        "document_charge_negative_use",
        "document charge {label} is negative ({amount}); use the document discount for an allowance",
        "les frais {label:q} sont négatifs ({amount:num}) ; pour une réduction, utilisez la remise globale",
    ),
    (
        "line_tax_other_vat",
        "line {n}: a tax other than VAT needs a label, for example \"Éco-participation\"",
        "ligne {n} : une taxe autre que la TVA doit avoir un libellé, par exemple « Éco-participation »",
    ),
    (
        "line_tax_cannot_negative",
        "line {n}: tax {label} cannot be negative ({v})",
        "ligne {n} : la taxe {label:q} ne peut pas être négative ({v:num})",
    ),
    (
        "document_discount_cannot_negative",
        "the document discount cannot be negative ({v}); add a document charge instead",
        "la remise globale ne peut pas être négative ({v:num}) ; ajoutez plutôt des frais au document",
    ),
    (
        "document_discount_percentage_between",
        "the document discount is a percentage between 0 and 100, not {v}",
        "la remise globale est un pourcentage entre 0 et 100, pas {v:num}",
    ),
    (
        "document_discount_more_can",
        "the document discount {d} is more than the {net} it can apply to (the lines' net without taxes other than VAT); lower it",
        "la remise globale de {d:amount} dépasse les {net:amount} auxquels elle s'applique (le total HT des lignes, hors taxes autres que la TVA) ; diminuez-la",
    ),
    (
        "document_charge_more_decimals",
        "document charge {label} {amount} has more decimals than {cur} allows ({n})",
        "les frais {label:q} de {amount:num} ont plus de décimales que n'en permet la devise {cur} ({n})",
    ),
    (
        "document_discount_more_decimals",
        "the document discount {amount} has more decimals than {cur} allows ({n})",
        "la remise globale de {amount:num} a plus de décimales que n'en permet la devise {cur} ({n})",
    ),
    (
        "amount_too_many_decimals",
        "{what} {amount} has more decimals than {cur} allows ({n})",
        "{what} {amount:num} : plus de décimales que n'en permet la devise {cur} ({n})",
    ),
    (
        "document_holds_most_lines",
        "a document holds at most {max} lines, not {n}",
        "un document compte au plus {max} lignes, pas {n}",
    ),
    (
        "give_either_percent_amount",
        "give either a percent or an amount (including VAT)",
        "indiquez soit un pourcentage, soit un montant TTC",
    ),
    (
        "give_either_amount_per",
        "give either an amount per unit or a percent of the price",
        "indiquez soit un montant par unité, soit un pourcentage du prix",
    ),
    (
        "give_document_discount_either",
        "give the document discount either in percent or as an amount, not both",
        "indiquez la remise globale en pourcentage ou en montant, pas les deux",
    ),
    (
        "document_total_larger_invoice",
        "the document total is larger than any invoice facturier accepts",
        "le total du document dépasse le montant maximal accepté par facturier",
    ),
    (
        "document_company_currency_exchange",
        "the document is in the company's currency ({c}): no exchange rate",
        "le document est dans la devise de la société ({c}) : pas de taux de change",
    ),
    (
        "not_a_conversion_target",
        "{v} is not a kind of document (order, invoice, delivery-note, proforma)",
        "{v:q} n'est pas un type de document (order, invoice, delivery-note, proforma)",
    ),
    (
        "kind_instalment_deposit_payment",
        "{v} is not a kind of instalment (deposit, payment)",
        "{v:q} n'est pas un type d'échéance (deposit : acompte, payment : paiement)",
    ),
    (
        "kind_line_item_comment",
        "{v} is not a kind of line (item, comment, subtotal, deduction)",
        "{v:q} n'est pas un type de ligne (item, comment, subtotal)",
    ),
    (
        "operation_goods_services_mixed",
        "{v} is not an operation: goods, services or mixed",
        "{v:q} n'est pas une nature d'opération : goods (biens), services ou mixed (mixte)",
    ),
    ("not_a_status", "{v} is not a status ({all})", "{v:q} n'est pas un statut ({all})"),
    ("unknown_document_kind", "unknown document kind {v}", "type de document inconnu : {v:q}"),
    (
        "credit_note_stays_invoice",
        "a credit note stays in its invoice's currency",
        "un avoir reste dans la devise de sa facture",
    ),
    (
        "credit_note_stays_invoice_customer",
        "a credit note stays with its invoice's customer",
        "un avoir reste au nom du client de sa facture",
    ),
    ("incomplete_payment", "incomplete payment", "règlement incomplet"),
    (
        "type_quantity_credit_least",
        "type the quantity to credit on at least one line",
        "saisissez la quantité à créditer sur au moins une ligne",
    ),
    // Payment schedules.
    (
        "payment_schedule_most_instalments",
        "a payment schedule has at most {max} instalments, not {n}",
        "un échéancier compte au plus {max} échéances, pas {n}",
    ),
    (
        "payment_schedule_needs_least",
        "a payment schedule needs at least one instalment",
        "un échéancier doit compter au moins une échéance",
    ),
    (
        "instalment_percentage_most_4",
        "instalment {n}: a percentage has at most 4 decimals, not {p}",
        "échéance {n} : un pourcentage a au plus 4 décimales, pas {p:num}",
    ),
    (
        "instalment_percentage_must_greater",
        "instalment {n}: the percentage must be greater than 0, not {p}",
        "échéance {n} : le pourcentage doit être supérieur à 0, pas {p:num}",
    ),
    (
        "instalment_title_longer_characters",
        "instalment {n}: the title is longer than {max} characters",
        "échéance {n} : le libellé dépasse {max} caractères",
    ),
    (
        "instalments_add_up_100",
        "the instalments add up to {total} %, not 100 %: {fix}",
        "les échéances totalisent {total:num} %, et non 100 % : {fix:t}",
    ),
    ("invoice_refused", "{number}: {why}", "{number} : {why:t}"),
    ("add_instalment", "add {gap} % to an instalment", "ajoutez {gap:num} % à une échéance"),
    ("remove_instalments", "remove {gap} % from the instalments", "retirez {gap:num} % des échéances"),
    // The life of documents.
    (
        "document_without_lines_cannot",
        "a document without lines cannot be issued",
        "Un document sans lignes ne peut pas être émis",
    ),
    (
        "credit_notes_would_total",
        "credit notes would total {credited}, more than the invoice's {gross}",
        "Les avoirs atteindraient {credited:amount}, plus que le montant TTC de la facture ({gross:amount})",
    ),
    (
        "issue_date_before_date",
        "issue date {date} is before {last}, the date of the last issued {kind}: numbers must follow dates",
        "La date d'émission {date:date} est antérieure au {last:date}, date du dernier document émis du même type ({kind:kind}) : les numéros doivent suivre l'ordre des dates",
    ),
    ("issue_date_future", "issue date {date} is in the future", "La date d'émission {date:date} est dans le futur"),
    (
        "only_issued_invoice_can",
        "only an issued invoice can be credited; this one is {status}",
        "Seule une facture émise peut faire l'objet d'un avoir ; celle-ci est au statut {status:status}",
    ),
    (
        "document_company_set_exchange",
        "the document is in {currency}, not the company's {company}: set its exchange_rate before issuing",
        "Le document est en {currency}, pas dans la devise de la société ({company}) : indiquez son taux de change avant de l'émettre",
    ),
    (
        "document_accepts_payment",
        "the document is {status}: it accepts no payment",
        "Le document est au statut {status:status} : il ne peut pas recevoir de règlement",
    ),
    (
        "document_only_draft_can",
        "the document is {status}; only a draft can be changed or deleted, correct an issued invoice with a credit note",
        "Le document est au statut {status:status} ; seul un brouillon peut être modifié ou supprimé, une facture émise se corrige par un avoir",
    ),
    (
        "total_negative_issue_credit",
        "the total is negative ({total}); issue a credit note instead",
        "Le total est négatif ({total:amount}) ; émettez plutôt un avoir",
    ),
    (
        "total_exceeds_largest_accepted",
        "the total {total} exceeds the largest accepted amount",
        "Le total {total:amount} dépasse le montant maximal accepté",
    ),
    ("database_write_failed", "database write failed: {detail}", "L'écriture en base de données a échoué : {detail}"),
    (
        "invoice_already_fully_credited",
        "this invoice is already fully credited",
        "Cette facture est déjà entièrement soldée par des avoirs",
    ),
    (
        "refused_accept",
        "{kind} that is {status} cannot be accepted{hint}",
        "Impossible d'accepter {kind:doc} au statut {status:status}{hint:t}",
    ),
    (
        "refused_refuse",
        "{kind} that is {status} cannot be refused{hint}",
        "Impossible de refuser {kind:doc} au statut {status:status}{hint:t}",
    ),
    (
        "refused_cancel",
        "{kind} that is {status} cannot be cancelled{hint}",
        "Impossible d'annuler {kind:doc} au statut {status:status}{hint:t}",
    ),
    (
        "refused_convert",
        "{kind} that is {status} cannot be converted{hint}",
        "Impossible de transformer {kind:doc} au statut {status:status}{hint:t}",
    ),
    (
        "refused_action",
        "{kind} that is {status} cannot be {action}{hint}",
        "Action impossible sur {kind:doc} au statut {status:status} ({action}){hint:t}",
    ),
    ("hint_only_draft", "; only a draft can", " ; seul un brouillon peut l'être"),
    ("hint_already_issued", "; it is already issued", " ; il est déjà émis"),
    ("hint_only_sent_quote", "; only a sent quote can", " ; seul un devis envoyé peut l'être"),
    (
        "hint_extend_validity",
        "; extend its validity date with a new quote",
        " ; pour prolonger sa validité, établissez un nouveau devis",
    ),
    ("hint_credit_note", "; an invoice is corrected by a credit note", " ; une facture se corrige par un avoir"),
    ("hint_delete_draft", "; delete the draft instead", " ; supprimez plutôt le brouillon"),
    ("hint_issue_first", "; issue it first", " ; émettez d'abord le document"),
    ("hint_credit_invoice", "; credit an invoice instead", " ; établissez plutôt un avoir sur la facture"),
    (
        "hint_quote_targets",
        " into this kind; a quote becomes an order, an invoice or a pro-forma",
        " en ce type de document ; un devis devient une commande, une facture ou une facture pro forma",
    ),
    (
        "hint_order_targets",
        " into this kind; an order becomes delivery notes, an invoice or a pro-forma",
        " en ce type de document ; une commande devient des bons de livraison, une facture ou une facture pro forma",
    ),
    (
        "hint_invoice_target",
        " into this kind; it becomes an invoice",
        " en ce type de document ; seule une facture peut en être tirée",
    ),
    (
        "draft_number_yet_issue",
        "a draft {kind} has no number yet: issue it before sending it",
        "Un brouillon {kind:de_kind} n'a pas encore de numéro : émettez-le avant de l'envoyer",
    ),
    (
        "draft_legal_number_yet",
        "a draft has no legal number yet: issue it before exporting it as UBL",
        "Un brouillon n'a pas encore de numéro légal : émettez-le avant de l'exporter en UBL",
    ),
    // Issued documents' stored files (issue 20).
    (
        "draft_stored_files_rendered",
        "a draft has no stored files: it is rendered at each download",
        "Un brouillon n'a pas de fichiers conservés : il est mis en page à chaque téléchargement",
    ),
    ("unknown_file_format", "unknown file format {v}", "format de fichier inconnu : {v:q}"),
    // Orders, deliveries, deposits and situations.
    (
        "deposit_percentage_above_0",
        "a deposit is a percentage above 0 and at most 100, not {v}",
        "un acompte est un pourcentage supérieur à 0 et au plus égal à 100, pas {v:num}",
    ),
    (
        "deposit_exceeds_what_left",
        "a deposit of {asked} exceeds what is left of the order ({left})",
        "un acompte de {asked:amount} dépasse le reste à facturer de la commande ({left:amount})",
    ),
    (
        "cumulative_percentage_must_above",
        "the cumulative percentage must be above {previous} % (the last situation) and at most 100 %, not {asked} %",
        "l'avancement cumulé doit dépasser {previous:num} % (la dernière situation) sans excéder 100 %, et non {asked:num} %",
    ),
    (
        "order_amount_take_deposit",
        "the order has no amount to take a deposit on",
        "La commande n'a aucun montant sur lequel prendre un acompte",
    ),
    ("no_such_order_line", "no such line on this order", "cette ligne n'existe pas sur la commande"),
    (
        "only_delivery_note_invoice",
        "only a delivery note or an invoice from an order takes a selection of lines",
        "seuls un bon de livraison ou une facture tirés d'une commande acceptent une sélection de lignes",
    ),
    (
        "everything_order_already_invoiced",
        "everything on this order is already invoiced",
        "Toute la commande est déjà facturée",
    ),
    (
        "credit_note_more_left",
        "a credit note of {asked} is more than the {left} left to credit on this invoice",
        "un avoir de {asked:num} dépasse les {left:num} qui restent à créditer sur cette facture",
    ),
    (
        "give_either_lines_amount",
        "give either lines or an amount, not both",
        "indiquez soit des lignes, soit un montant, pas les deux",
    ),
    (
        "too_many_decimals_for_currency",
        "has more decimals than {cur} allows",
        "a plus de décimales que {cur} n'en permet",
    ),
    (
        "give_either_percent_amount_including",
        "give either a percent or an amount (including VAT); the order's payment schedule has no deposit left to invoice",
        "indiquez un pourcentage ou un montant (TTC) ; l'échéancier de la commande n'a plus d'acompte à facturer",
    ),
    (
        "would_invoice_line_order",
        "this would invoice {billed} of line {position} of the order, which has {ordered}",
        "ceci facturerait {billed:num} de la ligne {position} de la commande, qui n'en compte que {ordered:num}",
    ),
    (
        "would_bill_base_where",
        "this would bill a base of {billed} at {rate} % where the order has {ordered}: its documents would no longer add up to it",
        "ceci facturerait une base de {billed:num} à {rate:num} % quand la commande en a {ordered:num} : ses documents ne concorderaient plus avec elle",
    ),
    (
        "everything_order_already_delivered",
        "everything on this order is already delivered",
        "Toute la commande est déjà livrée",
    ),
    (
        "line_only_line_remain",
        "line {line}: only {left} of this line remain to invoice",
        "ligne {line} : il ne reste que {left:num} à facturer sur cette ligne",
    ),
    (
        "documents_order_longer_add",
        "the documents of this order no longer add up (a VAT correction of {amount} at {rate} % would be needed): check its draft invoices",
        "les documents de cette commande ne concordent plus (il faudrait corriger la TVA de {amount:num} à {rate:num} %) : vérifiez ses factures en brouillon",
    ),
    (
        "order_already_invoiced_quantities",
        "this order is already invoiced by quantities: it cannot take progress invoices",
        "Cette commande est déjà facturée par quantités : elle ne peut plus recevoir de factures de situation",
    ),
    (
        "vat_correction_more_rounding",
        "a VAT correction of {amount} at {rate} % is more than the {max} rounding allows",
        "une correction de TVA de {amount:num} à {rate:num} % dépasse les {max:num} que l'arrondi permet",
    ),
    (
        "deposit_deducted_order_final",
        "this deposit is deducted by the order's final invoice: credit the final invoice instead, which gives the deposit back",
        "cet acompte est déduit par la facture finale de la commande : faites plutôt un avoir sur la facture finale, qui rend l'acompte",
    ),
    (
        "only_line_remain_deliver",
        "only {n} of this line remain to deliver",
        "il ne reste que {n:num} à livrer sur cette ligne",
    ),
    (
        "order_invoiced_situations_issue",
        "this order is invoiced by situations: issue a progress invoice at 100 % to settle it",
        "Cette commande est facturée par situations : émettez une facture de situation à 100 % pour la solder",
    ),
    // Numbering.
    (
        "pattern_unknown_placeholder_use",
        "pattern {p} has an unknown placeholder {x}; use {{YYYY}}, {{YY}}, {{MM}}, {{SEQ:n}}",
        "le modèle {p:q} contient un champ inconnu {x:q} ; utilisez {{YYYY}}, {{YY}}, {{MM}}, {{SEQ:n}}",
    ),
    (
        "pattern_must_contain_exactly",
        "pattern {p} must contain exactly one {{SEQ}} or {{SEQ:n}}",
        "le modèle {p:q} doit contenir exactement un {{SEQ}} ou {{SEQ:n}}",
    ),
    (
        "pattern_restarts_year_so",
        "pattern {p} restarts each year, so it must contain {{YYYY}} or {{YY}} to keep numbers unique",
        "le modèle {p:q} repart de 1 chaque année : il doit contenir {{YYYY}} ou {{YY}} pour que les numéros restent uniques",
    ),
    (
        "pattern_text_may_only",
        "pattern {p}: the text may only hold letters, digits and - _ / . (at most 40 characters)",
        "modèle {p:q} : le texte ne peut contenir que des lettres, des chiffres et - _ / . (40 caractères au plus)",
    ),
    (
        "documents_kind_already_numbered",
        "{n} documents of kind {kind} are already numbered: whether the sequence restarts each year can no longer change",
        "{n} documents de type {kind:kind} sont déjà numérotés : la remise à zéro annuelle de la séquence ne peut plus changer",
    ),
    (
        "number_already_exists_numbering",
        "number {n} already exists: the numbering pattern was changed to one that repeats earlier numbers",
        "Le numéro {n} existe déjà : le modèle de numérotation a été remplacé par un modèle qui reprend des numéros déjà attribués",
    ),
    (
        "number_batch_already_exists",
        "a number of this batch already exists: the numbering pattern was changed to one that repeats earlier numbers",
        "Un numéro de ce lot existe déjà : le modèle de numérotation a été remplacé par un modèle qui reprend des numéros déjà attribués",
    ),
    // Settings.
    (
        "bic_8_11_letters",
        "a BIC has 8 or 11 letters and digits, for example AGRIFRPP",
        "un BIC comporte 8 ou 11 lettres et chiffres, par exemple AGRIFRPP",
    ),
    (
        "colour_written_rrggbb_example",
        "a colour is written #rrggbb, for example #1d4e89",
        "une couleur s'écrit #rrvvbb, par exemple #1d4e89",
    ),
    ("most_10_rates_offered", "at most 10 rates are offered", "10 taux au plus peuvent être proposés"),
    ("empty_send_image_itself", "is empty: send the image itself", "vide : envoyez l'image elle-même"),
    (
        "content_type_says",
        "is {sniffed}, not the {declared} its Content-Type says",
        "est au format {sniffed}, et non {declared} comme l'indique son Content-Type",
    ),
    (
        "only_bank_account_can",
        "only one bank account can be the default",
        "un seul compte bancaire peut être le compte par défaut",
    ),
    (
        "logo_takes_bytes_most",
        "the logo takes {n} bytes; at most {max} are accepted",
        "le logo pèse {n:num} octets ; {max:num} au plus sont acceptés",
    ),
    ("listed_twice", "{rate} is listed twice", "{rate:num} figure deux fois"),
    (
        "kind_document_quote_order",
        "{v} is not a kind of document: quote, order, delivery_note, proforma, invoice, deposit_invoice, credit_note",
        "{v:q} n'est pas un type de document : quote, order, delivery_note, proforma, invoice, deposit_invoice, credit_note",
    ),
    (
        "profile_en16931_basic_wl",
        "{v} is not a profile: en16931, basic_wl or minimum",
        "{v:q} n'est pas un profil : en16931, basic_wl ou minimum",
    ),
    (
        "nature_goods_services",
        "{v} is not a nature: goods or services",
        "{v:q} n'est pas une nature : goods (biens) ou services",
    ),
    (
        "ubl_flavour_peppol_fr",
        "{v} is not a UBL flavour: peppol or fr",
        "{v:q} n'est pas une variante d'UBL : peppol ou fr",
    ),
    (
        "not_issuable",
        "the document cannot be issued yet: {n} problems to fix",
        "le document ne peut pas encore être émis : {n} point(s) à corriger",
    ),
    (
        "not_issuable_codes",
        "the document cannot be issued yet: {n} problems to fix ({codes})",
        "le document ne peut pas encore être émis : {n} point(s) à corriger ({codes})",
    ),
    (
        "vat_regime_registered_franchise",
        "{v} is not a VAT regime: registered or franchise",
        "{v:q} n'est pas un régime de TVA : registered (assujetti) ou franchise (franchise en base)",
    ),
    (
        "activity_goods_services_line",
        "{v} is not an activity: goods or services (a line is one or the other)",
        "{v:q} n'est pas une activité : goods (biens) ou services (une ligne est l'un ou l'autre)",
    ),
    (
        "logo_neither_png_nor",
        "the logo is neither a PNG nor a JPEG image that can be read: {e}",
        "le logo n'est pas une image PNG ou JPEG lisible : {e}",
    ),
    (
        "logo_pixels_most_pixels",
        "the logo is {w} × {h} pixels: at most {max} pixels a side, at 8 bits per colour, are accepted (a document header draws it at 150 × 56 points)",
        "le logo mesure {w} × {h} pixels : {max} pixels de côté au plus, à 8 bits par couleur, sont acceptés (l'en-tête d'un document le dessine sur 150 × 56 points)",
    ),
    (
        "e_mail_holds_line",
        "the e-mail's {header} holds a line break or a control character: {v}",
        "l'en-tête {header} de l'e-mail contient un saut de ligne ou un caractère de contrôle : {v}",
    ),
    (
        "merge_field_fields",
        "{{{f}}} is not a merge field; the fields are {list}",
        "{{{f}}} n'est pas un champ de fusion ; les champs sont {list}",
    ),
    (
        "brace_character_closed_write",
        "the brace at character {n} is not closed; write {{{{ for a literal brace",
        "l'accolade du caractère {n} n'est pas fermée ; écrivez {{{{ pour obtenir une accolade",
    ),
    (
        "closing_brace_character_closes",
        "the closing brace at character {n} closes nothing; write }}}} for a literal brace",
        "l'accolade fermante du caractère {n} ne ferme rien ; écrivez }}}} pour obtenir une accolade",
    ),
    // E-mail.
    ("most_addresses", "at most {max} addresses", "{max} adresses au plus"),
    ("at_most_characters", "at most {max} characters", "{max} caractères au plus"),
    (
        "customer_e_mail_address",
        "the customer has no e-mail address (nor any contact with one): give the recipients",
        "le client n'a pas d'adresse e-mail (aucun de ses contacts non plus) : indiquez les destinataires",
    ),
    (
        "address_mail_server_accepts",
        "{v} is not an address a mail server accepts",
        "{v:q} n'est pas une adresse qu'un serveur de messagerie accepte",
    ),
    (
        "smtp_url_usable_write",
        "the SMTP URL is not usable ({e}); write smtp://host:port, smtp://user:password@host:587?tls=required or smtps://host:465",
        "l'URL SMTP est inutilisable ({e}) ; écrivez smtp://hôte:port, smtp://utilisateur:mot-de-passe@hôte:587?tls=required ou smtps://hôte:465",
    ),
    (
        "smtp_certificate_authority_cannot",
        "the SMTP certificate authority cannot be used: {e}",
        "l'autorité de certification SMTP est inutilisable : {e}",
    ),
    // Users.
    (
        "company_last_administrator_make",
        "this is the company's last administrator: make another member administrator first",
        "C'est le dernier administrateur de la société : nommez d'abord un autre membre administrateur",
    ),
    (
        "already_member_company",
        "{email} is already a member of this company",
        "{email} est déjà membre de cette société",
    ),
    // Background jobs.
    (
        "job_not_retryable",
        "job {id} is {state}: only a failed or waiting job is retried",
        "la tâche {id} est {state} : seule une tâche en échec ou en attente est relancée",
    ),
    (
        "job_changed_meanwhile",
        "job {id} changed meanwhile: look again",
        "la tâche {id} a changé entre-temps : regardez à nouveau",
    ),
    // Records that do not exist.
    ("no_such_customer", "no such customer", "client introuvable"),
    ("no_such_product", "no such product", "produit introuvable"),
    ("not_found", "no such {what}", "{what:thing} introuvable"),
    // E-invoices and PDF.
    (
        "e_invoice_only_invoices",
        "a {kind} has no e-invoice: only invoices, deposit invoices and credit notes are EN 16931 documents",
        "Pas de facture électronique pour {kind:doc} : seuls les factures, factures d'acompte et avoirs sont des documents EN 16931",
    ),
    (
        "document_item_line_en",
        "the document has no item line; an EN 16931 invoice needs at least one (BG-25)",
        "Le document n'a aucune ligne d'article ; une facture EN 16931 en exige au moins une (BG-25)",
    ),
    ("writing_xml_failed", "writing the XML failed: {e}", "L'écriture du XML a échoué : {e}"),
    ("pdf_could_written", "the PDF could not be written: {e}", "Le PDF n'a pas pu être produit : {e}"),
    (
        "pdf_uncompressed_xmp_packet",
        "the PDF has no uncompressed XMP packet to extend",
        "Le PDF n'a pas de paquet XMP non compressé à compléter",
    ),
    (
        "pdf_cross_reference_table",
        "the PDF's cross-reference table cannot be read",
        "La table des références croisées du PDF est illisible",
    ),
    ("xmp_packet", "the XMP packet has no {what}", "Il manque au paquet XMP : {what}"),
    // Requests, the store and the server.
    ("internal_error", "internal error", "Erreur interne"),
    ("invalid_input", "invalid input", "Saisie incorrecte"),
    ("invalid_field", "invalid {field}: {message}", "{field} incorrect : {message:t}"),
    ("unauthorized", "missing or unknown API token", "Jeton d'API absent ou inconnu"),
    (
        "unsupported_media_type",
        "the body must be {expected}, not {got}",
        "Le corps de la requête doit être {expected:t}, et non {got}",
    ),
    (
        "json_content_type_application",
        "JSON (Content-Type application/json)",
        "du JSON (Content-Type application/json)",
    ),
    (
        "png_or_jpeg_image",
        "a PNG or JPEG image (Content-Type image/png or image/jpeg)",
        "une image PNG ou JPEG (Content-Type image/png ou image/jpeg)",
    ),
    ("body_too_large", "the request body is larger than {n} bytes", "Le corps de la requête dépasse {n:num} octets"),
    (
        "malformed_json",
        "the request body is not valid JSON: {e}",
        "Le corps de la requête n'est pas du JSON valide : {e}",
    ),
    (
        "body_timeout_short",
        "the request body did not arrive in time",
        "Le corps de la requête n'est pas arrivé à temps",
    ),
    (
        "body_timeout",
        "the request body did not arrive in time; send it again without pausing",
        "Le corps de la requête n'est pas arrivé à temps ; renvoyez-le sans interruption",
    ),
    ("forbidden", "your role ({role}) may not do this", "Votre rôle ({role:role}) ne permet pas cette action"),
    (
        "request_idempotency_key_still",
        "a request with this Idempotency-Key is still being processed; retry later",
        "Une requête avec cette Idempotency-Key est encore en cours de traitement ; réessayez plus tard",
    ),
    (
        "between_issue_date_today",
        "{d} is not between the issue date and today",
        "{d:date} n'est pas comprise entre la date d'émission et aujourd'hui",
    ),
    (
        "within_invoice",
        "{amount} is not within the invoice's {gross}",
        "{amount:amount} ne tient pas dans le montant TTC de la facture ({gross:amount})",
    ),
    ("plain_database_name", "{v} is not a plain database name", "{v:q} n'est pas un nom de base de données simple"),
    ("not_a_postgres_url", "{v} is not postgres://…", "{v:q} n'est pas une adresse postgres://…"),
    (
        "neither_sqlite_nor_postgres",
        "{v} is neither sqlite://… nor postgres://…",
        "{v:q} n'est ni une adresse sqlite://… ni une adresse postgres://…",
    ),
    ("database_error", "database error: {e}", "Erreur de base de données : {e}"),
    ("migration_failed", "migration failed: {e}", "La migration a échoué : {e}"),
    ("stored_data_corrupt", "stored data is corrupt: {e}", "Les données enregistrées sont corrompues : {e}"),
    (
        "credit_note_cannot_read",
        "its credit note {number} cannot be read: {e}",
        "son avoir {number} est illisible : {e}",
    ),
    (
        "public_url_facturier_public",
        "--public-url (FACTURIER_PUBLIC_URL) is required when listening on {addr}, which is not a loopback address: links in e-mails are never built from what a request says its Host is",
        "--public-url (FACTURIER_PUBLIC_URL) est obligatoire pour écouter sur {addr}, qui n'est pas une adresse locale : les liens des e-mails ne sont jamais construits d'après l'hôte qu'annonce une requête",
    ),
    (
        "public_url_must_absolute",
        "--public-url {v} must be an absolute http:// or https:// address with a host, and no query",
        "--public-url {v:q} doit être une adresse absolue http:// ou https:// avec un hôte, sans paramètres",
    ),
    // Payments, customer credit and statements (core::payments, store::payments, api::payments).
    (
        "more_due_add_excess",
        "{amount} is more than the {due} {currency} due: add \"excess\": \"credit\" to keep the {excess} {currency} left over as customer credit",
        "{amount:amount} dépasse les {due:amount} {currency} dus : ajoutez « excess: credit » pour garder les {excess:amount} {currency} en trop au crédit du client",
    ),
    (
        "more_than_due_on",
        "is more than the {due} {currency} due on {number}",
        "dépasse les {due:amount} {currency} dus sur {number}",
    ),
    (
        "less_allocations_which_add",
        "is less than the allocations, which add up to {allocated} {currency}",
        "est inférieur aux montants imputés, qui totalisent {allocated:amount} {currency}",
    ),
    (
        "allocations_add_up_received",
        "the allocations add up to {allocated} {currency} of the {amount} received: add \"excess\": \"credit\" to keep the {excess} {currency} left over as customer credit",
        "les montants imputés totalisent {allocated:amount} {currency} sur les {amount:amount} reçus : ajoutez « excess: credit » pour garder les {excess:amount} {currency} en trop au crédit du client",
    ),
    (
        "payment_currency_differs",
        "{number} is in {theirs}, the payment in {ours}",
        "{number} est en {theirs}, le règlement en {ours}",
    ),
    (
        "names_invoice_already_allocated",
        "names an invoice already allocated above",
        "désigne une facture déjà imputée plus haut",
    ),
    (
        "more_credit_customer",
        "is more than the {available} {currency} of credit the customer has",
        "dépasse les {available:amount} {currency} de crédit du client",
    ),
    (
        "payment_left_customer_credit",
        "the {to_credit} {currency} this payment left as customer credit were already used ({available} {currency} remain): cancel what used them first",
        "les {to_credit:amount} {currency} que ce règlement a laissés au crédit du client ont déjà été utilisés (il en reste {available:amount} {currency}) : annulez d'abord ce qui les a utilisés",
    ),
    ("payment_already_cancelled", "the payment is already cancelled", "le règlement est déjà annulé"),
    ("no_such_invoice", "no such invoice", "facture introuvable"),
    (
        "invoice_deposit_invoice",
        "is not an invoice or a deposit invoice",
        "n'est ni une facture ni une facture d'acompte",
    ),
    ("invoice_another_customer", "is an invoice of another customer", "est une facture d'un autre client"),
    (
        "way_keep_excess_only",
        "{v} is not a way to keep an excess: the only one is \"credit\"",
        "{v:q} n'est pas une façon de garder un trop-perçu : la seule est « credit »",
    ),
    ("value_not_an_id", "{v} is not an id", "{v:q} n'est pas un identifiant"),
    (
        "required_empty_list_keeps",
        "is required (an empty list keeps the whole amount as customer credit)",
        "obligatoire (une liste vide garde tout le montant au crédit du client)",
    ),
    ("more_invoices", "has more than {max} invoices", "compte plus de {max} factures"),
    (
        "required_say_why_payment",
        "is required: say why the payment is cancelled",
        "obligatoire : indiquez pourquoi le règlement est annulé",
    ),
    ("incomplete_credit_application", "incomplete credit application", "imputation de crédit incomplète"),
    ("incomplete_refund", "incomplete refund", "remboursement incomplet"),
    // Imports of customers and products (formats::table, core::import, server::app::imports).
    (
        "import_unreadable",
        "the file cannot be read as {format}: {detail}",
        "le fichier ne peut pas être lu comme {format} : {detail}",
    ),
    ("import_no_header", "the file has no header row", "le fichier n'a pas de ligne d'en-tête"),
    ("import_too_many_rows", "the file has more than {max} rows", "le fichier compte plus de {max:num} lignes"),
    ("import_too_many_columns", "the file has more than {max} columns", "le fichier compte plus de {max:num} colonnes"),
    (
        "import_media_type",
        "a CSV or XLSX file (Content-Type text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
        "un fichier CSV ou XLSX (Content-Type text/csv ou application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
    ),
    (
        "import_mapping_entry",
        "{v} is not a column mapping: write Header:field, entries separated by ;",
        "{v:q} n'est pas une correspondance de colonne : écrivez En-tête:champ, séparés par ;",
    ),
    (
        "import_unknown_field",
        "{v} is not a field of this import ({fields})",
        "{v:q} n'est pas un champ de cet import ({fields})",
    ),
    ("import_mapping_header", "the file has no column {v}", "le fichier n'a pas de colonne {v:q}"),
    (
        "import_no_known_column",
        "no column of the file is a known field: name the columns after the API's fields or give a mapping",
        "aucune colonne du fichier n'est un champ connu : nommez les colonnes comme les champs de l'API ou donnez une correspondance",
    ),
    ("import_duplicate_siren", "the same SIREN as row {row}", "même SIREN que la ligne {row}"),
    ("import_duplicate_email", "the same e-mail as row {row}", "même e-mail que la ligne {row}"),
    (
        "import_duplicate_name",
        "the same name and postal code as row {row}",
        "même nom et même code postal que la ligne {row}",
    ),
    ("import_dry_run", "{v} is not true or false", "{v:q} n'est ni true ni false"),
    ("import_duplicate_reference", "the same reference as row {row}", "même référence que la ligne {row}"),
];
