//! One-shot success notices. An action that succeeds redirects to its page with
//! `done=<key>` in the query ([`with_done`]); the layout (`base.html`) shows the notice of
//! that key at the top of the page (`role="status"`, `id="notice"`), in the reader's
//! language. Only the keys of [`LABELS`] are shown: text is never taken from the URL,
//! and an unknown key shows nothing. A page rendered in answer to a POST sets
//! `Chrome::notice` itself.

use super::i18n::Labels;

/// The notices, `done.<key>`: (key, French, English).
pub const LABELS: Labels = &[
    ("done.saved", "Modifications enregistrées.", "Changes saved."),
    ("done.customer_created", "Client créé.", "Customer created."),
    ("done.customer_updated", "Fiche client enregistrée.", "Customer record saved."),
    ("done.draft_saved", "Brouillon enregistré.", "Draft saved."),
    ("done.draft_deleted", "Brouillon supprimé.", "Draft deleted."),
    (
        "done.issued",
        "Document émis : son numéro lui est attribué et il ne peut plus être modifié.",
        "Document issued: it has its number and can no longer be edited.",
    ),
    ("done.accepted", "Devis marqué comme accepté.", "Quote marked as accepted."),
    ("done.refused", "Devis marqué comme refusé.", "Quote marked as refused."),
    ("done.cancelled", "Document annulé.", "Document cancelled."),
    ("done.created", "Document créé.", "Document created."),
    ("done.duplicated", "Copie créée : c'est un nouveau brouillon.", "Copy made: it is a new draft."),
    (
        "done.credit_note",
        "Brouillon d'avoir créé : émettez-le pour qu'il prenne effet.",
        "Draft credit note created: issue it for it to take effect.",
    ),
    ("done.payment_recorded", "Règlement enregistré.", "Payment recorded."),
    (
        "done.payment_cancelled",
        "Règlement annulé : il reste visible dans l'historique.",
        "Payment cancelled: it stays in the history.",
    ),
    ("done.credit_applied", "Crédit imputé sur la facture.", "Credit applied to the invoice."),
    ("done.refunded", "Remboursement enregistré.", "Refund recorded."),
    ("done.file_uploaded", "Fichier ajouté.", "File added."),
    ("done.file_deleted", "Fichier supprimé.", "File deleted."),
    (
        "done.logo_saved",
        "Logo enregistré : il figure sur les prochains PDF.",
        "Logo saved: it appears on the next PDFs.",
    ),
    ("done.logo_deleted", "Logo supprimé.", "Logo deleted."),
    ("done.added", "Utilisateur ajouté.", "User added."),
    (
        "done.invited",
        "Utilisateur ajouté ; un lien pour choisir son mot de passe lui a été envoyé.",
        "User added; a link to choose a password was sent to them.",
    ),
    (
        "done.invitation_sent",
        "Cette adresse a déjà un compte : une invitation lui a été envoyée. Elle deviendra membre quand elle l'aura acceptée.",
        "This address already has an account: an invitation was sent to it. It becomes a member once it accepts.",
    ),
    ("done.invitation_cancelled", "Invitation retirée.", "Invitation withdrawn."),
    ("done.role", "Rôle modifié.", "Role changed."),
    ("done.removed", "Utilisateur retiré de la société.", "User removed from the company."),
    ("done.revoked", "Jeton révoqué : l'API le refuse désormais.", "Token revoked: the API refuses it from now on."),
    ("done.declined", "Invitation refusée.", "Invitation declined."),
    (
        "done.gone",
        "Cette invitation n'est plus valable (déjà traitée, retirée ou expirée).",
        "This invitation is no longer valid (already answered, withdrawn or expired).",
    ),
    ("done.retried", "La tâche est relancée : elle s'exécute dans un instant.", "The job runs again in a moment."),
    ("done.queued", "E-mail placé dans la file d'envoi.", "E-mail queued for sending."),
    (
        "done.queued_no_server",
        "E-mail placé dans la file d'envoi, mais aucun serveur d'envoi (SMTP) n'est configuré : il y attendra qu'un administrateur en configure un.",
        "E-mail queued, but no mail server (SMTP) is configured: it waits until an administrator configures one.",
    ),
    ("done.dunning_undone", "Relance supprimée : elle peut être refaite.", "Reminder undone: it can be taken again."),
    ("done.dunning_note", "Ajouté au suivi des relances.", "Added to the collection follow-up."),
    ("done.dunning_hold", "Choix de relance enregistré.", "Dunning choice saved."),
    // SEPA direct debit (web/sepa.rs).
    ("done.sepa_mandate_added", "Mandat enregistré.", "Mandate saved."),
    (
        "done.sepa_mandate_amended",
        "Amendement enregistré : le prochain prélèvement le signalera.",
        "Amendment saved: the next debit reports it.",
    ),
    ("done.sepa_mandate_revoked", "Mandat révoqué.", "Mandate revoked."),
    // Accounting exports (web/exports.rs).
    (
        "done.export_recorded",
        "Export enregistré : téléchargez son fichier dans l'historique.",
        "Export recorded: download its file from the history.",
    ),
    (
        "done.sepa_batch_created",
        "Lot créé : téléchargez le fichier et transmettez-le à la banque.",
        "Batch made: download the file and send it to the bank.",
    ),
    (
        "done.sepa_collected",
        "Lot marqué encaissé : un règlement par facture.",
        "Batch marked collected: one payment per invoice.",
    ),
    (
        "done.sepa_rejected",
        "Rejet enregistré : la facture est de nouveau due.",
        "Reject recorded: the invoice is due again.",
    ),
    ("done.contract_created", "Contrat créé.", "Contract created."),
    (
        "done.contract_terminated",
        "Contrat résilié : rien ne sera facturé après sa date.",
        "Contract terminated: nothing is billed after its date.",
    ),
    ("done.index_published", "Valeur d'indice publiée.", "Index value published."),
];

/// The label of the notice `key` (`saved` → `done.saved`), if it is one of [`LABELS`].
pub fn label(key: &str) -> Option<&'static str> {
    LABELS.iter().map(|(k, _, _)| *k).find(|k| k.strip_prefix("done.") == Some(key))
}

/// `path` with the notice `key` added to its query (before any `#fragment`).
pub fn with_done(path: &str, key: &str) -> String {
    debug_assert!(label(key).is_some(), "notice {key} is not in notice::LABELS");
    let (path, fragment) = path.split_once('#').map_or((path, None), |(p, f)| (p, Some(f)));
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = format!("{path}{sep}done={key}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The notice a page's address asks for, and the address without it (what the language
/// switch comes back to: the notice is shown once).
pub fn take(here: &str) -> (Option<&'static str>, String) {
    let Some((path, query)) = here.split_once('?') else { return (None, here.to_string()) };
    let mut notice = None;
    let mut kept = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k == "done" {
            notice = notice.or_else(|| label(&v));
        } else {
            kept.append_pair(&k, &v);
            any = true;
        }
    }
    let rest = if any { format!("{path}?{}", kept.finish()) } else { path.to_string() };
    (notice, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_notices_are_shown_and_the_address_loses_them() {
        assert_eq!(take("/users?done=added"), (Some("done.added"), "/users".to_string()));
        assert_eq!(take("/invoices?status=paid&done=saved"), (Some("done.saved"), "/invoices?status=paid".to_string()));
        assert_eq!(take("/users?done=%3Cscript%3E"), (None, "/users".to_string()));
        assert_eq!(take("/users?done=added.x"), (None, "/users".to_string()));
        assert_eq!(take("/"), (None, "/".to_string()));
        assert_eq!(label("saved"), Some("done.saved"));
        assert_eq!(label("done.saved"), None);
    }

    #[test]
    fn the_notice_goes_in_the_query_before_the_fragment() {
        assert_eq!(with_done("/customers/1#files", "file_deleted"), "/customers/1?done=file_deleted#files");
        assert_eq!(with_done("/settings/emails?kind=invoice", "saved"), "/settings/emails?kind=invoice&done=saved");
        assert_eq!(with_done("/tokens", "revoked"), "/tokens?done=revoked");
    }
}
