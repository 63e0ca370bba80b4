//! Imports of customers and products from a table a person exported (Dolibarr, EBP, a
//! spreadsheet): which column is which field (the mapping), the few rewrites a cell needs
//! before it is read as the API reads a field (country names, decimal commas), and the key
//! a re-import finds an existing record by. Pure functions; the server reads the file
//! (`formats::table`), checks each row as `POST /customers` or `POST /products` would, and
//! the store writes the run in one transaction.

use crate::message::Message;
use crate::party::{Customer, fold};

/// What a file imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Customers,
    Products,
}

impl Target {
    /// The fields a column may fill, named as in `POST /customers` and `POST /products`
    /// (the address fields are the billing address's; `contact_*`, `phone` and `mobile`
    /// make one contact).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Target::Customers => &[
                "name",
                "kind",
                "email",
                "activity",
                "siren",
                "siret",
                "vat_number",
                "iban",
                "line1",
                "line2",
                "postal_code",
                "city",
                "country",
                "contact_name",
                "contact_role",
                "contact_email",
                "phone",
                "mobile",
                "language",
                "currency",
                "payment_terms",
                "notes",
            ],
            Target::Products => &[
                "reference",
                "name",
                "unit",
                "unit_price",
                "vat_rate",
                "vat_category",
                "purchase_price",
                "stock",
                "nature",
            ],
        }
    }

    /// Headers of the usual exports (Dolibarr, EBP, spreadsheets), as [`header_key`]
    /// writes them, and the field each fills; `None`: a known column that is not imported.
    fn aliases(self) -> &'static [(&'static str, Option<&'static str>)] {
        match self {
            Target::Customers => &[
                ("nom", Some("name")),
                ("nom du tiers", Some("name")),
                ("raison sociale", Some("name")),
                ("societe", Some("name")),
                ("client", Some("name")),
                ("nom client", Some("name")),
                ("tiers", Some("name")),
                ("e mail", Some("email")),
                ("courriel", Some("email")),
                ("mail", Some("email")),
                ("adresse e mail", Some("email")),
                ("id prof 1 siren", Some("siren")),
                ("id prof 1", Some("siren")),
                ("id prof 2 siret", Some("siret")),
                ("id prof 2", Some("siret")),
                ("n tva", Some("vat_number")),
                ("n tva intracommunautaire", Some("vat_number")),
                ("numero de tva", Some("vat_number")),
                ("numero tva intracommunautaire", Some("vat_number")),
                ("tva intracommunautaire", Some("vat_number")),
                ("adresse", Some("line1")),
                ("adresse 1", Some("line1")),
                ("adresse1", Some("line1")),
                ("rue", Some("line1")),
                ("adresse 2", Some("line2")),
                ("adresse2", Some("line2")),
                ("complement d adresse", Some("line2")),
                ("code postal", Some("postal_code")),
                ("cp", Some("postal_code")),
                ("ville", Some("city")),
                ("commune", Some("city")),
                ("pays", Some("country")),
                ("code pays", Some("country")),
                ("telephone", Some("phone")),
                ("tel", Some("phone")),
                ("portable", Some("mobile")),
                ("telephone portable", Some("mobile")),
                ("contact", Some("contact_name")),
                ("nom du contact", Some("contact_name")),
                ("activite", Some("activity")),
                ("secteur", Some("activity")),
                ("secteur d activite", Some("activity")),
                ("note", Some("notes")),
                ("note privee", Some("notes")),
                ("commentaire", Some("notes")),
                ("devise", Some("currency")),
                ("langue", Some("language")),
                ("code", None),
                ("code client", None),
                ("ref", None),
            ],
            Target::Products => &[
                ("ref", Some("reference")),
                ("ref produit", Some("reference")),
                ("code", Some("reference")),
                ("code article", Some("reference")),
                ("libelle", Some("name")),
                ("designation", Some("name")),
                ("nom", Some("name")),
                ("label", Some("name")),
                ("prix de vente ht", Some("unit_price")),
                ("prix vente ht", Some("unit_price")),
                ("prix de vente", Some("unit_price")),
                ("prix ht", Some("unit_price")),
                ("prix unitaire ht", Some("unit_price")),
                ("pu ht", Some("unit_price")),
                ("price", Some("unit_price")),
                ("taux tva", Some("vat_rate")),
                ("taux de tva", Some("vat_rate")),
                ("tva", Some("vat_rate")),
                ("prix d achat", Some("purchase_price")),
                ("prix d achat ht", Some("purchase_price")),
                ("prix achat", Some("purchase_price")),
                ("stock", Some("stock")),
                ("stock reel", Some("stock")),
                ("unite", Some("unit")),
                ("nature", Some("nature")),
            ],
        }
    }
}

/// A header as it is compared: lower case, accents and punctuation dropped, spaces single
/// (`"Id. prof. 1 (SIREN)"` → `"id prof 1 siren"`, `"N° TVA"` → `"n tva"`).
pub fn header_key(header: &str) -> String {
    let folded: String = fold(header).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The field a header names: one of the target's fields written as such (any case), or a
/// known header of the usual exports.
pub fn field_of_header(target: Target, header: &str) -> Option<&'static str> {
    let key = header_key(header);
    let as_field = key.replace(' ', "_");
    if let Some(f) = target.fields().iter().find(|f| **f == as_field) {
        return Some(f);
    }
    target.aliases().iter().find(|(h, _)| *h == key).and_then(|(_, f)| *f)
}

/// Parses a `mapping` parameter: `Header:field` entries separated by `;`
/// (`Raison sociale:name;CP:postal_code`); an empty field leaves the column out
/// (`Code client:`). Headers are compared as [`header_key`] writes them.
pub fn parse_mapping(target: Target, s: &str) -> Result<Vec<(String, Option<&'static str>)>, Message> {
    let mut out = Vec::new();
    for entry in s.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((header, field)) = entry.rsplit_once(':') else {
            return Err(Message::new("import_mapping_entry").with("v", format!("{entry:?}")));
        };
        let field = field.trim();
        let field = if field.is_empty() {
            None
        } else {
            match target.fields().iter().find(|f| **f == field) {
                Some(f) => Some(*f),
                None => {
                    return Err(Message::new("import_unknown_field")
                        .with("v", format!("{field:?}"))
                        .with("fields", target.fields().join(", ")));
                }
            }
        };
        out.push((header_key(header), field));
    }
    Ok(out)
}

/// The field of each column of a table (`None`: left out). An entry of `overrides` decides
/// for its header; the other headers are recognised by [`field_of_header`]. When two
/// columns name the same field, the first fills it.
pub fn map_columns(
    target: Target,
    headers: &[String],
    overrides: &[(String, Option<&'static str>)],
) -> Result<Vec<Option<&'static str>>, Message> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    if let Some((missing, _)) = overrides.iter().find(|(h, _)| !keys.contains(h)) {
        return Err(Message::new("import_mapping_header").with("v", format!("{missing:?}")));
    }
    let mut taken: Vec<&'static str> = Vec::new();
    let columns: Vec<Option<&'static str>> = headers
        .iter()
        .zip(&keys)
        .map(|(h, k)| {
            let field = match overrides.iter().find(|(o, _)| o == k) {
                Some((_, f)) => *f,
                None => field_of_header(target, h),
            };
            match field {
                Some(f) if !taken.contains(&f) => {
                    taken.push(f);
                    Some(f)
                }
                _ => None,
            }
        })
        .collect();
    if columns.iter().all(Option::is_none) {
        return Err(Message::new("import_no_known_column"));
    }
    Ok(columns)
}

/// Country names of the usual exports (French and English, folded) and their ISO code.
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("france", "FR"),
    ("belgique", "BE"),
    ("belgium", "BE"),
    ("suisse", "CH"),
    ("switzerland", "CH"),
    ("luxembourg", "LU"),
    ("allemagne", "DE"),
    ("germany", "DE"),
    ("espagne", "ES"),
    ("spain", "ES"),
    ("italie", "IT"),
    ("italy", "IT"),
    ("portugal", "PT"),
    ("pays bas", "NL"),
    ("netherlands", "NL"),
    ("royaume uni", "GB"),
    ("united kingdom", "GB"),
    ("irlande", "IE"),
    ("ireland", "IE"),
    ("autriche", "AT"),
    ("austria", "AT"),
    ("monaco", "MC"),
    ("andorre", "AD"),
    ("andorra", "AD"),
    ("pologne", "PL"),
    ("poland", "PL"),
    ("suede", "SE"),
    ("sweden", "SE"),
    ("danemark", "DK"),
    ("denmark", "DK"),
    ("norvege", "NO"),
    ("norway", "NO"),
    ("finlande", "FI"),
    ("finland", "FI"),
    ("grece", "GR"),
    ("greece", "GR"),
    ("etats unis", "US"),
    ("united states", "US"),
    ("canada", "CA"),
    ("maroc", "MA"),
    ("morocco", "MA"),
    ("tunisie", "TN"),
    ("tunisia", "TN"),
    ("algerie", "DZ"),
    ("algeria", "DZ"),
    ("senegal", "SN"),
    ("cote d ivoire", "CI"),
];

/// A country cell as the API reads it: a name of the usual exports becomes its ISO code,
/// anything else is left as written (a code, or an error the API names); empty is France,
/// as French exports leave it.
pub fn country_code(cell: &str) -> String {
    let key = header_key(cell);
    if key.is_empty() {
        return "FR".into();
    }
    match COUNTRY_NAMES.iter().find(|(n, _)| *n == key) {
        Some((_, code)) => (*code).into(),
        None => cell.trim().to_string(),
    }
}

/// A decimal cell as the API reads it (`12.50`): spaces, currency and percent signs
/// dropped, a decimal comma made a point and thousands separators dropped
/// (`1 234,50 €` → `1234.50`, `1.234,5` → `1234.5`, `1,234.5` → `1234.5`, `20 %` → `20`).
pub fn decimal_text(cell: &str) -> String {
    let s: String = cell.chars().filter(|c| !c.is_whitespace() && !matches!(c, '€' | '%' | '\'')).collect();
    match (s.rfind(','), s.rfind('.')) {
        (Some(c), Some(p)) if c > p => s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s.replace(',', ""),
        (Some(_), None) if s.matches(',').count() == 1 => s.replace(',', "."),
        _ => s,
    }
}

/// A postal code cell: a French one a spreadsheet read as a number gets its leading zero
/// back (`1000` → `01000`).
pub fn postal_code(cell: &str, country: &str) -> String {
    let pc = cell.trim();
    if country.eq_ignore_ascii_case("FR") && pc.len() == 4 && pc.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{pc}")
    } else {
        pc.to_string()
    }
}

/// What a re-import finds an existing customer by, in the order they are tried: its
/// SIREN, its e-mail, its name and billing postal code (customers have no code of their
/// own). A row is the customer that holds the first of the row's keys that any holds.
pub fn customer_keys(c: &Customer) -> Vec<CustomerKey> {
    let mut keys = Vec::with_capacity(3);
    if let Some(s) = &c.legal.siren {
        keys.push(CustomerKey::Siren(s.as_str().to_string()));
    }
    if let Some(e) = &c.email {
        keys.push(CustomerKey::Email(e.as_str().to_lowercase()));
    }
    keys.push(CustomerKey::Name(fold(c.name.trim()), c.billing_address.postal_code.trim().to_string()));
    keys
}

/// A key of [`customer_keys`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CustomerKey {
    Siren(String),
    Email(String),
    Name(String, String),
}

/// Customers found by their keys ([`customer_keys`]); the first one holding a key keeps it.
#[derive(Debug)]
pub struct CustomerIndex<T> {
    by_key: std::collections::HashMap<CustomerKey, T>,
}

impl<T> Default for CustomerIndex<T> {
    fn default() -> Self {
        CustomerIndex { by_key: std::collections::HashMap::new() }
    }
}

impl<T: Clone> CustomerIndex<T> {
    /// Adds a customer under each of its keys not held yet.
    pub fn insert(&mut self, c: &Customer, value: T) {
        for k in customer_keys(c) {
            self.by_key.entry(k).or_insert_with(|| value.clone());
        }
    }

    /// The customer holding the first of `keys` that one holds, and that key.
    pub fn find<'a>(&'a self, keys: &'a [CustomerKey]) -> Option<(&'a CustomerKey, &'a T)> {
        keys.iter().find_map(|k| self.by_key.get(k).map(|v| (k, v)))
    }
}

impl CustomerKey {
    /// The message of a second row of a file with this key.
    pub fn duplicate(&self, first_row: usize) -> Message {
        let code = match self {
            CustomerKey::Siren(_) => "import_duplicate_siren",
            CustomerKey::Email(_) => "import_duplicate_email",
            CustomerKey::Name(..) => "import_duplicate_name",
        };
        Message::new(code).with("row", first_row)
    }
}

/// The message of a second row of a file with a product's reference.
pub fn duplicate_reference(first_row: usize) -> Message {
    Message::new("import_duplicate_reference").with("row", first_row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dolibarr_headers_are_recognised_case_and_accents_ignored() {
        let h = headers(&[
            "Nom du tiers",
            "Code client",
            "Adresse",
            "Code postal",
            "Ville",
            "Pays",
            "Téléphone",
            "E-mail",
            "Id. prof. 1 (SIREN)",
            "Id. prof. 2 (SIRET)",
            "N° TVA",
            "Inconnue",
        ]);
        let m = map_columns(Target::Customers, &h, &[]).expect("mapping");
        assert_eq!(
            m,
            vec![
                Some("name"),
                None,
                Some("line1"),
                Some("postal_code"),
                Some("city"),
                Some("country"),
                Some("phone"),
                Some("email"),
                Some("siren"),
                Some("siret"),
                Some("vat_number"),
                None
            ]
        );
    }

    #[test]
    fn ebp_and_dolibarr_product_headers_are_recognised() {
        let h = headers(&["Réf.", "Libellé", "Prix de vente HT", "Taux TVA", "Prix d'achat", "Stock"]);
        let m = map_columns(Target::Products, &h, &[]).expect("mapping");
        assert_eq!(
            m,
            vec![
                Some("reference"),
                Some("name"),
                Some("unit_price"),
                Some("vat_rate"),
                Some("purchase_price"),
                Some("stock")
            ]
        );
        let h = headers(&["Code", "Nom", "Adresse 1", "CP", "Ville", "SIRET", "N° TVA intracommunautaire"]);
        let m = map_columns(Target::Customers, &h, &[]).expect("mapping");
        assert_eq!(
            m,
            vec![
                None,
                Some("name"),
                Some("line1"),
                Some("postal_code"),
                Some("city"),
                Some("siret"),
                Some("vat_number")
            ]
        );
        let h = headers(&["Code", "Taux de TVA"]);
        assert_eq!(map_columns(Target::Products, &h, &[]).expect("mapping"), vec![Some("reference"), Some("vat_rate")]);
    }

    #[test]
    fn the_api_field_names_are_headers_too() {
        let h = headers(&["name", "POSTAL_CODE", "vat_number", "unit_price"]);
        let m = map_columns(Target::Customers, &h, &[]).expect("mapping");
        assert_eq!(m, vec![Some("name"), Some("postal_code"), Some("vat_number"), None]);
    }

    #[test]
    fn a_mapping_overrides_the_headers() {
        let o = parse_mapping(Target::Customers, "Raison sociale:name; CP:postal_code;Nom:").expect("mapping");
        assert_eq!(
            o,
            vec![("raison sociale".into(), Some("name")), ("cp".into(), Some("postal_code")), ("nom".into(), None)]
        );
        let h = headers(&["Nom", "Raison sociale", "CP"]);
        assert_eq!(
            map_columns(Target::Customers, &h, &o).expect("mapping"),
            vec![None, Some("name"), Some("postal_code")]
        );
        assert_eq!(
            parse_mapping(Target::Customers, "CP=postal_code").map_err(|m| m.code()),
            Err("import_mapping_entry")
        );
        assert_eq!(parse_mapping(Target::Products, "CP:city").map_err(|m| m.code()), Err("import_unknown_field"));
        let o = parse_mapping(Target::Customers, "Absente:name").expect("mapping");
        assert_eq!(map_columns(Target::Customers, &h, &o).map_err(|m| m.code()), Err("import_mapping_header"));
    }

    #[test]
    fn a_file_without_a_known_column_is_refused() {
        let h = headers(&["foo", "bar"]);
        assert_eq!(map_columns(Target::Products, &h, &[]).map_err(|m| m.code()), Err("import_no_known_column"));
    }

    #[test]
    fn the_first_column_of_a_field_fills_it() {
        let h = headers(&["Nom", "Raison sociale"]);
        assert_eq!(map_columns(Target::Customers, &h, &[]).expect("mapping"), vec![Some("name"), None]);
    }

    #[test]
    fn a_customer_is_found_by_siren_then_email_then_name_and_postal_code() {
        use crate::party::{Address, Country, LegalIds};
        let customer = |name: &str, siren: Option<&str>, email: Option<&str>| Customer {
            kind: Default::default(),
            name: name.into(),
            email: email.map(|e| e.parse().expect("email")),
            activity: None,
            legal: LegalIds { siren: siren.map(|s| s.parse().expect("siren")), siret: None, vat_number: None },
            iban: None,
            billing_address: Address {
                line1: "1 rue".into(),
                line2: None,
                postal_code: "75001".into(),
                city: "Paris".into(),
                country: "FR".parse::<Country>().expect("country"),
            },
            delivery_address: None,
            contacts: Vec::new(),
            language: Default::default(),
            currency: None,
            payment_terms: None,
            tags: Vec::new(),
            notes: None,
            invoice_grouping: Default::default(),
            contract_billing: Default::default(),
            network: None,
        };
        let mut index = CustomerIndex::default();
        index.insert(&customer("Durand", Some("732829320"), Some("a@durand.fr")), 1);
        index.insert(&customer("Martin", None, Some("contact@martin.fr")), 2);
        index.insert(&customer("Petit", None, None), 3);
        let find = |c: &Customer| index.find(&customer_keys(c)).map(|(_, v)| *v);
        assert_eq!(find(&customer("Autre nom", Some("732829320"), None)), Some(1));
        assert_eq!(find(&customer("Durand SA", None, Some("A@Durand.fr"))), Some(1));
        assert_eq!(find(&customer("Martin", Some("552100554"), Some("contact@martin.fr"))), Some(2));
        assert_eq!(find(&customer("PETIT", None, None)), Some(3));
        assert_eq!(find(&customer("Nouveau", None, None)), None);
    }

    #[test]
    fn countries_are_read_by_name_or_code() {
        assert_eq!(country_code("France"), "FR");
        assert_eq!(country_code("BELGIQUE"), "BE");
        assert_eq!(country_code("Pays-Bas"), "NL");
        assert_eq!(country_code("de"), "de");
        assert_eq!(country_code(""), "FR");
        assert_eq!(country_code("Atlantide"), "Atlantide");
    }

    #[test]
    fn decimals_with_commas_points_and_signs_are_written_as_the_api_reads_them() {
        assert_eq!(decimal_text("12,50"), "12.50");
        assert_eq!(decimal_text("1 234,50 €"), "1234.50");
        assert_eq!(decimal_text("1\u{a0}234,5"), "1234.5");
        assert_eq!(decimal_text("1.234,5"), "1234.5");
        assert_eq!(decimal_text("1,234.5"), "1234.5");
        assert_eq!(decimal_text("20 %"), "20");
        assert_eq!(decimal_text("5.5"), "5.5");
        assert_eq!(decimal_text("abc"), "abc");
    }

    #[test]
    fn a_french_postal_code_read_as_a_number_gets_its_zero_back() {
        assert_eq!(postal_code("1000", "FR"), "01000");
        assert_eq!(postal_code("1000", "BE"), "1000");
        assert_eq!(postal_code("75001", "fr"), "75001");
    }
}
