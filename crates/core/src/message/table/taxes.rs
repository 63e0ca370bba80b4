//! Messages of the catalogue: Taxes, terms and totals; payment schedules.

use super::Row;

pub(super) const TAXES: &[Row] = &[
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
        "{v} is not a payment term: write for example on receipt, 30 days net, 45 days end of month or end of month + 10 days (at most 365 days)",
        "{v:q} n'est pas une condition de paiement : écrivez par exemple à réception, 30 jours net, 45 jours fin de mois ou fin de mois + 10 jours (365 jours au plus)",
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
];
