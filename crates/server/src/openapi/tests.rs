use super::*;
use std::collections::BTreeSet;

#[test]
fn every_route_has_details() {
    for (method, path, _) in ROUTES.iter() {
        assert!(
            operation(method, path).is_some(),
            "{} {path} is in ROUTES but has no entry in openapi::OPERATIONS",
            method.to_uppercase()
        );
    }
    for o in OPERATIONS.iter() {
        assert!(
            ROUTES.iter().any(|(m, p, _)| *m == o.method && *p == o.path),
            "openapi::OPERATIONS describes {} {}, which is not in ROUTES",
            o.method.to_uppercase(),
            o.path
        );
    }
    let ids: BTreeSet<_> = OPERATIONS.iter().map(|o| o.operation_id).collect();
    assert_eq!(ids.len(), OPERATIONS.len(), "operationIds are unique");
}

fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.insert(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_component_is_used_and_every_ref_resolves() {
    let doc = document();
    let mut used = BTreeSet::new();
    refs(&doc, &mut used);
    for r in &used {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} is not defined");
    }
    for kind in ["schemas", "parameters", "responses", "headers"] {
        for name in doc["components"][kind].as_object().unwrap().keys() {
            let r = format!("#/components/{kind}/{name}");
            assert!(used.contains(&r), "{r} is defined but never used");
        }
    }
}

#[test]
fn patches_require_nothing_and_rename_nested_objects() {
    let doc = document();
    let p = &doc["components"]["schemas"]["CustomerPatch"];
    assert!(p.get("required").is_none());
    assert_eq!(p["additionalProperties"], json!(false));
    assert_eq!(
        p["properties"]["billing_address"],
        json!({"anyOf": [{"$ref": "#/components/schemas/AddressPatch"}, {"type": "null"}]})
    );
    // Arrays are replaced whole: their items keep the full input schema.
    assert_eq!(p["properties"]["contacts"]["items"], json!({"$ref": "#/components/schemas/ContactInput"}));
    assert_eq!(p["properties"]["name"]["type"], json!(["string", "null"]));
    assert_eq!(p["properties"]["id"]["readOnly"], json!(true));
}

#[test]
fn statuses_follow_the_rules() {
    for o in OPERATIONS.iter() {
        let e = error_statuses(o);
        assert_eq!(e.contains(&401), !o.public, "{} {}", o.method, o.path);
        if o.path.contains("{id}") {
            assert!(e.contains(&404), "{} {} answers 404", o.method, o.path);
        }
        // A public operation (Stripe's webhook) has no role to refuse.
        if o.method != "get" && !o.public {
            assert!(e.contains(&403), "{} {} is a change", o.method, o.path);
        }
        if o.method == "post" {
            assert!(e.contains(&409) && e.contains(&422));
        }
    }
}

/// `#[schema(...)]` takes literals: the bounds written there are the code's constants.
#[test]
fn derived_bounds_are_the_codes_constants() {
    use facturier_core::document::{MAX_DESCRIPTION, MAX_LINES};
    use facturier_core::tax::MAX_EXEMPTION_TEXT;
    let doc = document();
    let s = &doc["components"]["schemas"];
    assert_eq!(s["LineInput"]["properties"]["description"]["maxLength"], json!(MAX_DESCRIPTION));
    for body in ["DocumentInput", "CreditNoteInput", "ConvertInput"] {
        assert_eq!(s[body]["properties"]["lines"]["maxItems"], json!(MAX_LINES), "{body}.lines");
    }
    assert_eq!(s["ExemptionInput"]["properties"]["text"]["maxLength"], json!(MAX_EXEMPTION_TEXT));
    assert_eq!(s["CustomerFile"]["properties"]["size"]["maximum"], json!(crate::api::customer_files::MAX_FILE));
    assert_eq!(s["CancelPaymentInput"]["properties"]["reason"]["maxLength"], json!(crate::api::payments::MAX_REASON));
}

#[test]
fn payment_methods_are_those_the_code_reads() {
    use super::field::{PAYMENT_METHOD_ALIASES, PAYMENT_METHODS};
    use crate::app::payments::payment_method;
    for m in PAYMENT_METHODS {
        assert_eq!(payment_method(m), Some(m));
    }
    for a in PAYMENT_METHOD_ALIASES {
        assert!(payment_method(a).is_some_and(|m| m != a && PAYMENT_METHODS.contains(&m)), "{a}");
    }
}

/// A derived `Option` field reads as the written ones: `anyOf` X or null, never the
/// derive's `oneOf`, and never wrapped twice.
#[test]
fn nullable_fields_have_one_form() {
    fn check(v: &Value, at: &str) {
        match v {
            Value::Object(m) => {
                assert!(!m.contains_key("oneOf"), "{at}: oneOf");
                if let Some(Value::Array(any)) = m.get("anyOf") {
                    for x in any {
                        assert!(x.get("anyOf").is_none(), "{at}: anyOf in anyOf");
                    }
                }
                m.iter().for_each(|(k, x)| check(x, &format!("{at}/{k}")));
            }
            Value::Array(a) => a.iter().for_each(|x| check(x, at)),
            _ => {}
        }
    }
    check(&document()["components"]["schemas"], "");
}
