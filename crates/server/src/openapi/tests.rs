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
        if o.method != "get" {
            assert!(e.contains(&403), "{} {} is a change", o.method, o.path);
        }
        if o.method == "post" {
            assert!(e.contains(&409) && e.contains(&422));
        }
    }
}
