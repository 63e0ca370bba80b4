//! Messages of the catalogue: online payment (Stripe Checkout, payment links, webhook).

use super::Row;

pub(super) const ONLINE: &[Row] = &[
    // Amounts asked for online.
    ("online_nothing_due", "nothing is due on this invoice", "rien n'est dû sur cette facture"),
    (
        "online_amount_inexact",
        "the amount due has more decimals than its currency",
        "le montant dû a plus de décimales que sa devise",
    ),
    (
        "online_amount_too_large",
        "the amount due is too large to be paid online (at most 99999999 minor units)",
        "le montant dû est trop élevé pour un paiement en ligne (99999999 centimes au plus)",
    ),
    (
        "online_invoice_not_issued",
        "only an issued invoice with something due can be paid online (this one is {status})",
        "seule une facture émise avec un reste dû peut être payée en ligne (celle-ci est au statut {status:status})",
    ),
    // The Stripe account.
    (
        "stripe_not_configured",
        "online payment is not set up: add the Stripe keys in the settings (stripe.secret_key, stripe.webhook_secret)",
        "le paiement en ligne n'est pas configuré : ajoutez les clés Stripe dans les paramètres (stripe.secret_key, stripe.webhook_secret)",
    ),
    (
        "stripe_secret_key_shape",
        "a Stripe secret key starts with sk_ or rk_ and has no spaces",
        "une clé secrète Stripe commence par sk_ ou rk_ et ne contient pas d'espace",
    ),
    (
        "stripe_webhook_secret_shape",
        "a webhook signing secret starts with whsec_ and has no spaces",
        "un secret de signature de webhook commence par whsec_ et ne contient pas d'espace",
    ),
    (
        "stripe_api_base_url",
        "an http:// or https:// address without a path, such as https://api.stripe.com",
        "une adresse http:// ou https:// sans chemin, comme https://api.stripe.com",
    ),
    (
        "stripe_secrets_unreadable",
        "the stored Stripe keys cannot be read with this server's secrets key: enter them again",
        "les clés Stripe enregistrées ne peuvent pas être lues avec la clé de secrets de ce serveur : saisissez-les de nouveau",
    ),
    // Talking to Stripe.
    (
        "stripe_unreachable",
        "Stripe could not be reached ({reason}); try again later",
        "Stripe est injoignable ({reason}) ; réessayez plus tard",
    ),
    (
        "stripe_refused",
        "Stripe refused the payment session: {reason}",
        "Stripe a refusé la session de paiement : {reason}",
    ),
    (
        "stripe_bad_answer",
        "Stripe's answer could not be read (status {status})",
        "la réponse de Stripe n'a pas pu être lue (statut {status})",
    ),
    // The invoice's e-mail.
    ("online_pay_in_email", "Pay online: {url}", "Payer en ligne : {url}"),
    // The webhook.
    (
        "stripe_signature_missing",
        "the Stripe-Signature header is missing or malformed (t=…,v1=…)",
        "l'en-tête Stripe-Signature est absent ou mal formé (t=…,v1=…)",
    ),
    (
        "stripe_signature_invalid",
        "no signature of the Stripe-Signature header matches the webhook secret",
        "aucune signature de l'en-tête Stripe-Signature ne correspond au secret du webhook",
    ),
    (
        "stripe_signature_stale",
        "the signature's timestamp is more than 300 seconds away from now: a replay is refused",
        "l'horodatage de la signature s'écarte de plus de 300 secondes de l'heure actuelle : un rejeu est refusé",
    ),
    ("stripe_event_malformed", "the event could not be read: {reason}", "l'événement n'a pas pu être lu : {reason}"),
];
