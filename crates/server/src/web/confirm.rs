//! Confirming an action that cannot be undone, without JavaScript.
//!
//! The page's button posts its form as before. The handler checks what it can (rights,
//! the record, the typed fields), then, unless the form says `confirm=1`
//! ([`confirmed`]), does nothing and answers with [`ask`]: a page that says in the
//! reader's language exactly what will happen, with a form that posts the same fields
//! again (same CSRF token) plus `confirm=1`, and a link back that changes nothing.
//! Every destructive web action goes through it: issuing, deleting a draft, cancelling
//! or refusing a document, making a credit note, cancelling a payment, refunding credit,
//! removing a member or lowering their role, withdrawing or declining an invitation,
//! revoking a token, deleting a customer's file or the logo.

use super::i18n::{Labels, t};
use super::session::{Chrome, FormData, WebSession};
use super::{WebError, html};
use crate::App;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::party::Language;

/// Labels of the confirmation page and of each action's question: (key, French, English).
/// `{…}` are filled by the action.
pub const LABELS: Labels = &[
    ("confirm.back", "Revenir sans rien changer", "Go back without changing anything"),
    ("confirm.final", "Cette action est définitive.", "This cannot be undone."),
    // Documents: `{the}` is "la facture", "le devis"… (see `documents::actions`).
    ("confirm.issue_q", "Émettre {the}\u{a0}?", "Issue {the}?"),
    (
        "confirm.issue_number",
        "Le numéro {number} sera attribué et {the} ne pourra plus être {modified}.",
        "Number {number} will be given to it and {the} can no longer be edited.",
    ),
    (
        "confirm.issue_no_number",
        "Son numéro sera attribué et {the} ne pourra plus être {modified}.",
        "It will be given its number and {the} can no longer be edited.",
    ),
    ("confirm.issue_button", "Émettre {the}", "Issue {the}"),
    ("confirm.delete_q", "Supprimer le brouillon\u{a0}?", "Delete the draft?"),
    (
        "confirm.delete",
        "Le brouillon ({the}) et ses lignes seront supprimés.",
        "The draft ({the}) and its lines will be deleted.",
    ),
    ("confirm.delete_button", "Supprimer le brouillon", "Delete the draft"),
    ("confirm.cancel_q", "Annuler {the} {number}\u{a0}?", "Cancel {the} {number}?"),
    (
        "confirm.cancel",
        "Le document restera consultable avec le statut « Annulé », mais plus aucune action ne sera possible.",
        "The document stays readable with the status “Cancelled”, but nothing more can be done with it.",
    ),
    ("confirm.cancel_button", "Annuler le document", "Cancel the document"),
    ("confirm.refuse_q", "Marquer le devis {number} comme refusé\u{a0}?", "Mark quote {number} as refused?"),
    (
        "confirm.refuse",
        "Le devis ne pourra plus être accepté ni transformé en commande ou en facture.",
        "The quote can no longer be accepted nor converted to an order or an invoice.",
    ),
    ("confirm.refuse_button", "Marquer comme refusé", "Mark as refused"),
    ("confirm.credit_q", "Créer un avoir pour {the} {number}\u{a0}?", "Create a credit note for {the} {number}?"),
    (
        "confirm.credit",
        "Un brouillon d'avoir sera créé à partir de ce document. Il ne prendra effet qu'une fois émis, et ne pourra plus être modifié ensuite.",
        "A draft credit note will be made from this document. It takes effect only once issued, and cannot be edited after that.",
    ),
    ("confirm.credit_button", "Créer l'avoir", "Create the credit note"),
    // Payments.
    ("confirm.payment_cancel_q", "Annuler ce règlement\u{a0}?", "Cancel this payment?"),
    (
        "confirm.payment_cancel",
        "Le règlement sera annulé pour le motif « {reason} ». Il restera dans l'historique, et ce qu'il réglait redeviendra dû.",
        "The payment will be cancelled for this reason: “{reason}”. It stays in the history, and what it paid becomes due again.",
    ),
    ("confirm.payment_cancel_button", "Annuler le règlement", "Cancel the payment"),
    ("confirm.refund_q", "Enregistrer un remboursement de {amount}\u{a0}?", "Record a refund of {amount}?"),
    (
        "confirm.refund",
        "Le crédit disponible du client diminuera de {amount}. Le remboursement ne pourra être qu'annulé, pas modifié.",
        "The customer's available credit goes down by {amount}. The refund can only be cancelled, not edited.",
    ),
    ("confirm.refund_button", "Enregistrer le remboursement", "Record the refund"),
    // Members, invitations, tokens.
    ("confirm.remove_q", "Retirer {email} de la société\u{a0}?", "Remove {email} from the company?"),
    (
        "confirm.remove",
        "Cette personne n'aura plus accès à {company}. Pour le lui rendre, il faudra l'ajouter à nouveau.",
        "This person will no longer have access to {company}. To give it back, add them again.",
    ),
    ("confirm.remove_self_q", "Vous retirer de la société\u{a0}?", "Remove yourself from the company?"),
    (
        "confirm.remove_self",
        "Vous n'aurez plus accès à {company} et serez déconnecté. Pour revenir, un administrateur devra vous ajouter à nouveau.",
        "You will no longer have access to {company} and will be signed out. To come back, an administrator must add you again.",
    ),
    ("confirm.remove_button", "Retirer de la société", "Remove from the company"),
    ("confirm.remove_self_button", "Me retirer de la société", "Remove myself from the company"),
    ("confirm.role_q", "Passer {email} au rôle « {role} »\u{a0}?", "Give {email} the role “{role}”?"),
    (
        "confirm.role",
        "Cette personne perdra les droits du rôle « {old} » dès maintenant.",
        "This person loses the rights of the role “{old}” at once.",
    ),
    (
        "confirm.role_self",
        "Vous perdrez les droits du rôle « {old} » dès maintenant, et avec eux l'accès à cette page.",
        "You lose the rights of the role “{old}” at once, and with them access to this page.",
    ),
    ("confirm.role_button", "Changer le rôle", "Change the role"),
    ("confirm.withdraw_q", "Retirer l'invitation de {email}\u{a0}?", "Withdraw the invitation of {email}?"),
    (
        "confirm.withdraw",
        "Le lien envoyé ne servira plus. Pour inviter cette adresse plus tard, il faudra l'ajouter à nouveau.",
        "The link sent will no longer work. To invite this address later, add it again.",
    ),
    ("confirm.withdraw_button", "Retirer l'invitation", "Withdraw the invitation"),
    ("confirm.decline_q", "Refuser l'invitation de {company}\u{a0}?", "Decline the invitation of {company}?"),
    (
        "confirm.decline",
        "Vous ne deviendrez pas membre de {company}. Pour la rejoindre plus tard, il faudra une nouvelle invitation.",
        "You will not become a member of {company}. To join it later, you will need a new invitation.",
    ),
    ("confirm.decline_button", "Refuser l'invitation", "Decline the invitation"),
    ("confirm.revoke_q", "Révoquer le jeton « {name} »\u{a0}?", "Revoke the token “{name}”?"),
    (
        "confirm.revoke",
        "L'API refusera ce jeton dès maintenant : les programmes qui l'utilisent devront en recevoir un nouveau.",
        "The API refuses this token from now on: programs that use it will need a new one.",
    ),
    ("confirm.revoke_button", "Révoquer le jeton", "Revoke the token"),
    // Files.
    ("confirm.file_q", "Supprimer le fichier « {name} »\u{a0}?", "Delete the file “{name}”?"),
    ("confirm.file", "Il sera retiré de la fiche du client.", "It will be removed from the customer's record."),
    ("confirm.file_button", "Supprimer le fichier", "Delete the file"),
    ("confirm.logo_q", "Supprimer le logo\u{a0}?", "Delete the logo?"),
    (
        "confirm.logo",
        "Les prochains PDF seront faits sans logo ; les documents déjà émis gardent le leur.",
        "The next PDFs will have no logo; documents already issued keep theirs.",
    ),
    ("confirm.logo_button", "Supprimer le logo", "Delete the logo"),
];

/// Whether the form carries the confirmation of its confirmation page.
pub fn confirmed(form: &FormData) -> bool {
    form.get("confirm") == Some("1")
}

/// What the confirmation page of one action says.
pub struct Ask {
    /// The page's title: the question ("Émettre la facture ?").
    pub question: String,
    /// What will happen, in words.
    pub consequence: String,
    /// The label of the confirming button.
    pub button: String,
    /// Where "go back" leads (the page the action came from).
    pub back: String,
    /// The action destroys something (a red button) rather than moves a record on.
    pub danger: bool,
    /// Say that it cannot be undone.
    pub is_final: bool,
}

impl Ask {
    /// An action whose labels are `confirm.<name>_q`, `confirm.<name>` and
    /// `confirm.<name>_button`, each with the `{name}` placeholders of `vars` filled.
    pub fn of(lang: Language, name: &str, vars: &[(&str, &str)], back: String) -> Ask {
        let fill =
            |key: String| vars.iter().fold(t(lang, &key).to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v));
        Ask {
            question: fill(format!("confirm.{name}_q")),
            consequence: fill(format!("confirm.{name}")),
            button: fill(format!("confirm.{name}_button")),
            back,
            danger: true,
            is_final: true,
        }
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    p: Chrome,
    action: String,
    /// The form's fields, posted again as they came (but the CSRF token and `confirm`).
    fields: Vec<(String, String)>,
    consequence: String,
    button: String,
    back: String,
    danger: bool,
    is_final: bool,
}

/// The confirmation page of the POST to `action` whose form was `form`: nothing was done.
pub async fn ask(
    app: &App,
    s: &WebSession,
    nav: &'static str,
    action: &str,
    form: &FormData,
    ask: Ask,
) -> Result<Response, WebError> {
    let fields = form.0.iter().filter(|(k, _)| k != "csrf" && k != "confirm").cloned().collect();
    let page = ConfirmPage {
        p: s.chrome(app, nav, ask.question).await?,
        action: action.to_string(),
        fields,
        consequence: ask.consequence,
        button: ask.button,
        back: super::local_path(Some(&ask.back)),
        danger: ask.danger,
        is_final: ask.is_final,
    };
    html(StatusCode::OK, &page)
}
