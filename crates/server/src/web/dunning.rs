//! Dunning in the web app: the words of its history events on the invoice page (each
//! step taken by a run, undone, or written by hand) and of its levels.

/// (key, French, English).
pub const LABELS: super::i18n::Labels = &[
    ("event.dunning_step", "Relance", "Reminder sent"),
    ("event.dunning_undone", "Relance supprimée", "Reminder undone"),
    ("event.dunning_note", "Suivi de relance", "Collection note"),
    ("dunning.level.reminder_1", "Relance 1", "Reminder 1"),
    ("dunning.level.reminder_2", "Relance 2", "Reminder 2"),
    ("dunning.level.formal_notice", "Mise en demeure", "Formal notice"),
    ("dunning.kind.call", "Appel", "Call"),
    ("dunning.kind.promise", "Promesse de paiement", "Promise to pay"),
    ("dunning.kind.note", "Note", "Note"),
];
