//! Messages of the catalogue: Settings, e-mail, users and background jobs.

use super::Row;

pub(super) const SETTINGS: &[Row] = &[
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
];
