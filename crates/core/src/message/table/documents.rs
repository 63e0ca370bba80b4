//! Messages of the catalogue: The life of documents, their stored files, orders, deliveries, deposits and situations, numbering.

use super::Row;

pub(super) const DOCUMENTS: &[Row] = &[
    // Lists.
    (
        "not_a_list_status",
        "{v} is not a status this list can be filtered by ({all})",
        "{v:q} n'est pas un statut par lequel filtrer cette liste ({all})",
    ),
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
];
