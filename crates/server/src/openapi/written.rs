//! Schemas written in [`schemas`] that a derived field refers to by name
//! (`#[schema(value_type = written::DecimalText)]` gives `$ref: #/components/schemas/Decimal`
//! with the field's doc comment as its description).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, Schema};

macro_rules! written {
    ($($marker:ident => $name:literal),*) => {$(
        pub struct $marker;
        impl utoipa::PartialSchema for $marker {
            /// A placeholder: the schema of that name in `schemas()` replaces it.
            fn schema() -> RefOr<Schema> {
                Schema::Object(Object::new()).into()
            }
        }
        impl utoipa::ToSchema for $marker {
            fn name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
        }
    )*};
}
// Not named `Decimal`: utoipa's `decimal` feature would take it for rust_decimal's.
written!(DecimalText => "Decimal", UnitCode => "UnitCode", VatCategory => "VatCategory", Nature => "Nature");
